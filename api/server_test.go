package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
	"github.com/lotline/lotline/store/mongo/mongotest"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

var validator = schemas.MustCompile()

// backends open a fresh store of each kind for a test.
var backends = map[string]func(t *testing.T) store.Store{
	"sqlite": func(t *testing.T) store.Store {
		st, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
	"mongo": func(t *testing.T) store.Store {
		st, err := mongostore.Open(context.Background(), mongotest.Start(t), mongostore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
}

type testServer struct {
	*httptest.Server
	st store.Store
}

func startServer(t *testing.T, st store.Store, capCfg capture.Config, cfg api.Config) *testServer {
	t.Helper()
	cs := capture.New(st, validator, capCfg, nil, capture.Hooks{})
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(cfg, st, cs, nil, nil))
	t.Cleanup(func() {
		srv.Close()
		cs.Close()
		st.Close()
	})
	return &testServer{Server: srv, st: st}
}

// forEachBackend runs f against a server on each store.
func forEachBackend(t *testing.T, f func(t *testing.T, s *testServer)) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			f(t, startServer(t, open(t), capture.Config{}, api.Config{}))
		})
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return m
}

func (s *testServer) do(t *testing.T, method, path string, body []byte, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ld+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// capture posts a document and waits for its job to finish.
func (s *testServer) capture(t *testing.T, doc []byte, headers ...string) map[string]any {
	t.Helper()
	r := s.do(t, "POST", "/capture", doc, headers...)
	if r.status != http.StatusAccepted {
		t.Fatalf("POST /capture = %d, want 202\n%s", r.status, r.body)
	}
	return s.waitJob(t, r.header.Get("Location"))
}

// waitJob polls a capture job until it has finished.
func (s *testServer) waitJob(t *testing.T, loc string) map[string]any {
	t.Helper()
	if !strings.HasPrefix(loc, "/capture/") {
		t.Fatalf("Location %q", loc)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		j := s.do(t, "GET", loc, nil)
		if j.status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s", loc, j.status, j.body)
		}
		m := j.json(t)
		if m["running"] == false {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("job %s still running after 30s", loc)
	return nil
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
