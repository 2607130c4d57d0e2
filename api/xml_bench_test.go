package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/epcis/epcisxml"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// benchDocs generates n documents of 100 events (lotline bench capture's
// generator) in JSON-LD and in XML: the same events in both forms.
func benchDocs(b *testing.B, n int) (jsonDocs, xmlDocs [][]byte) {
	b.Helper()
	g := epcisgen.New(1)
	for range n {
		tree := g.Document(100)
		j, err := json.Marshal(tree)
		if err != nil {
			b.Fatal(err)
		}
		// The XML encoder reads the tree as decoded JSON (json.Number).
		v, err := epcis.DecodeJSON(j, epcis.JSONLimits{})
		if err != nil {
			b.Fatal(err)
		}
		x, err := epcisxml.AppendDocument(nil, v.(map[string]any))
		if err != nil {
			b.Fatal(err)
		}
		jsonDocs, xmlDocs = append(jsonDocs, j), append(xmlDocs, x)
	}
	return jsonDocs, xmlDocs
}

// BenchmarkCaptureXML compares capture of the same 100-event documents in
// JSON-LD and in XML, end to end: POST /capture by 4 clients to a server
// on SQLite (durable, 4 workers), each client polling its job until it
// has finished. One op is one document; events/s is the metric to read.
// decode/* time the decoding of one document alone.
//
//	go test ./api -run '^$' -bench CaptureXML -benchtime 100x
func BenchmarkCaptureXML(b *testing.B) {
	const sample = 20
	jsonDocs, xmlDocs := benchDocs(b, sample)
	for _, f := range []struct {
		name  string
		ctype string
		docs  [][]byte
	}{{"json", "application/ld+json", jsonDocs}, {"xml", "application/xml", xmlDocs}} {
		b.Run("decode/"+f.name, func(b *testing.B) {
			var size int
			for _, d := range f.docs {
				size += len(d)
			}
			b.SetBytes(int64(size / len(f.docs)))
			for i := range b.N {
				d := f.docs[i%len(f.docs)]
				var err error
				if f.name == "xml" {
					_, err = epcisxml.Decode(d, epcisxml.Limits{})
				} else {
					_, err = epcis.DecodeJSON(d, epcis.JSONLimits{})
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
		})
	}
	for _, format := range []string{"json", "xml"} {
		b.Run("capture/"+format, func(b *testing.B) {
			// Fresh events for every document of the run: eventIDs are
			// hashes, and a repeat would be refused.
			js, xs := benchDocs(b, b.N)
			docs, ctype := js, "application/ld+json"
			if format == "xml" {
				docs, ctype = xs, "application/xml"
			}
			st, err := sqlitestore.Open(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			cs := capture.New(st, validator, capture.Config{Workers: 4}, nil, capture.Hooks{})
			if err := cs.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(api.New(api.Config{}, st, cs, nil, nil))
			defer func() { srv.Close(); cs.Close(); st.Close() }()

			next := make(chan []byte)
			errs := make(chan error, 4)
			var wg sync.WaitGroup
			b.ResetTimer()
			cpu0 := processCPU()
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for d := range next {
						if err := captureAndWait(srv.URL, d, ctype); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			for _, d := range docs {
				next <- d
			}
			close(next)
			wg.Wait()
			b.StopTimer()
			cpu := processCPU() - cpu0
			select {
			case err := <-errs:
				b.Fatal(err)
			default:
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
			// CPU per event holds better than events/s on a shared machine.
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*100), "µs-CPU/event")
		})
	}
}

// processCPU is the user and system CPU time of the process (server and
// clients alike).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func captureAndWait(base string, doc []byte, ctype string) error {
	resp, err := http.Post(base+"/capture", ctype, bytes.NewReader(doc))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST /capture: %d %s", resp.StatusCode, body)
	}
	loc := base + resp.Header.Get("Location")
	for {
		r, err := http.Get(loc)
		if err != nil {
			return err
		}
		var j struct {
			Running bool `json:"running"`
			Success bool `json:"success"`
			Errors  any  `json:"errors"`
		}
		err = json.NewDecoder(r.Body).Decode(&j)
		r.Body.Close()
		if err != nil {
			return err
		}
		if !j.Running {
			if !j.Success {
				return fmt.Errorf("job failed: %v", j.Errors)
			}
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// BenchmarkQueryXML compares a page of 100 generated events answered in
// JSON-LD (stored bytes copied) and in XML (each event decoded, translated
// and encoded), SQLite.
//
//	go test ./api -run '^$' -bench QueryXML
func BenchmarkQueryXML(b *testing.B) {
	st, err := sqlitestore.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cs := capture.New(st, validator, capture.Config{}, nil, capture.Hooks{})
	if err := cs.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{}, st, cs, nil, nil))
	defer func() { srv.Close(); cs.Close(); st.Close() }()
	js, _ := benchDocs(b, 10)
	for _, d := range js {
		if err := captureAndWait(srv.URL, d, "application/ld+json"); err != nil {
			b.Fatal(err)
		}
	}
	for _, accept := range []string{"application/ld+json", "application/xml"} {
		b.Run(accept, func(b *testing.B) {
			req, _ := http.NewRequest("GET", srv.URL+"/events?perPage=100", nil)
			req.Header.Set("Accept", accept)
			for range b.N {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%d", resp.StatusCode)
				}
				b.SetBytes(n)
			}
		})
	}
}
