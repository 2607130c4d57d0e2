package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	sqlitestore "github.com/lotline/lotline/store/sqlite"
	"github.com/lotline/lotline/subscribe"
)

// BenchmarkSubscriptionLatency measures the delay from capture to
// delivery: 100 stream subscriptions on SQLite, each matching every
// event, while documents of 10 events are POSTed to /capture at 1,000
// events/s for 10 s. The delay of an event runs from just before its
// capture request to its arrival at the receiver, per subscription. It
// runs once whatever b.N is:
//
//	go test ./api -run '^$' -bench SubscriptionLatency -benchtime 1x
func BenchmarkSubscriptionLatency(b *testing.B) {
	const (
		subs      = 100
		perDoc    = 10
		docsPerS  = 100 // 1,000 events/s
		loadFor   = 10 * time.Second
		warmupFor = time.Second
	)
	cfg := subscribe.Config{AllowPrivate: true, RatePerOwner: 1e6, Burst: 1e6, MaxPerOwner: 2 * subs}
	st, err := sqlitestore.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s := startSubServer(b, st, cfg)

	var mu sync.Mutex
	sent := map[string]time.Time{}
	var delays []time.Duration
	var deliveries, repeats int
	got := map[[2]string]bool{} // (subscription, event) delivered
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		now := time.Now()
		body := buf.Bytes()
		key := []byte(`"eventID":"`)
		sub := r.Header.Get("Lotline-Subscription-ID")
		mu.Lock()
		deliveries++
		for {
			i := bytes.Index(body, key)
			if i < 0 {
				break
			}
			body = body[i+len(key):]
			j := bytes.IndexByte(body, '"')
			id := string(body[:j])
			if got[[2]string{sub, id}] {
				repeats++
			}
			got[[2]string{sub, id}] = true
			if at, ok := sent[id]; ok {
				delays = append(delays, now.Sub(at))
			}
			body = body[j:]
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	if r := doB(b, s.URL, "POST", "/queries", definitionBody("ships", `{"EQ_bizStep":["shipping"]}`)); r.status != http.StatusCreated {
		b.Fatalf("POST /queries = %d %s", r.status, r.body)
	}
	for range subs {
		if r := doB(b, s.URL, "POST", "/queries/ships/subscriptions", subBody(rcv.URL, `,"stream":true`)); r.status != http.StatusCreated {
			b.Fatalf("subscribe = %d %s", r.status, r.body)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	tick := time.NewTicker(time.Second / docsPerS)
	defer tick.Stop()
	start := time.Now()
	n := 0
	var wg sync.WaitGroup
	for time.Since(start) < loadFor {
		<-tick.C
		ids := make([]int, perDoc)
		for i := range ids {
			n++
			ids[i] = n
		}
		doc := shipping(ids...)
		measured := time.Since(start) >= warmupFor
		at := time.Now()
		if measured {
			mu.Lock()
			for _, id := range ids {
				sent[eventID(id)] = at
			}
			mu.Unlock()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := doB(b, s.URL, "POST", "/capture", doc)
			if r.status != http.StatusAccepted {
				b.Errorf("capture = %d %s", r.status, r.body)
			}
		}()
	}
	wg.Wait()
	offered := time.Since(start)
	mu.Lock()
	want := len(sent) * subs
	mu.Unlock()
	deadline := time.Now().Add(120 * time.Second)
	for {
		mu.Lock()
		got := len(delays)
		mu.Unlock()
		if got >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	mu.Lock()
	defer mu.Unlock()
	if len(delays) < want || repeats > 0 {
		b.Fatalf("%d of %d event deliveries arrived, %d repeated", len(delays), want, repeats)
	}
	slices.Sort(delays)
	pct := func(p float64) time.Duration { return delays[int(p*float64(len(delays)-1))] }
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(delays[len(delays)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(n)/offered.Seconds(), "events/s")
	b.ReportMetric(float64(deliveries), "deliveries")
	// The process's CPU time (capture, deliveries and the receiver) per
	// event delivered to one subscription: what the machine's load does
	// not change.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(delays)), "cpu-µs/delivered-event")
	fmt.Printf("capture-to-delivery over %d event deliveries (%d subscriptions, %d events at %.0f events/s, %d POSTs): p50 %v p99 %v max %v; CPU %v (%.1f µs per delivered event)\n",
		len(delays), subs, n, float64(n)/offered.Seconds(), deliveries, pct(0.5), pct(0.99), delays[len(delays)-1],
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(len(delays)))
}

// doB is testServer.do for benchmarks.
func doB(b *testing.B, base, method, path string, body []byte) response {
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/ld+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Error(err)
		return response{}
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, out}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
