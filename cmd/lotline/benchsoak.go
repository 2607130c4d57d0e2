package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis/epcisgen"
)

// lotline bench soak: mixed capture, query and subscription traffic on
// loopback against a server it starts, for a bounded time and number of
// requests, reporting what was served, the errors, and the memory at the
// start and the end. It is run by hand (docs/cli.md), never in CI.

type soakConfig struct {
	Duration     time.Duration
	MaxRequests  int64
	Clients      int
	EventsPerDoc int
	Seed         uint64
	Every        time.Duration
}

func parseBenchSoak(args []string, stderr io.Writer) (*soakConfig, error) {
	c := soakConfig{}
	fs := flag.NewFlagSet("lotline bench soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&c.Duration, "duration", 30*time.Minute, "how long to run")
	fs.Int64Var(&c.MaxRequests, "max-requests", 5_000_000, "stop after this many requests, whatever the duration")
	fs.IntVar(&c.Clients, "clients", 4, "concurrent clients")
	fs.IntVar(&c.EventsPerDoc, "events-per-doc", 20, "events in each captured document")
	fs.Uint64Var(&c.Seed, "seed", 1, "generator seed")
	fs.DurationVar(&c.Every, "every", time.Minute, "print progress this often")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	if fs.NArg() > 0 || c.Duration <= 0 || c.MaxRequests <= 0 || c.Clients <= 0 || c.EventsPerDoc <= 0 || c.Every <= 0 {
		return nil, &exitError{2, errors.New("bench soak: --duration, --max-requests, --clients, --events-per-doc and --every must be positive; no arguments")}
	}
	return &c, nil
}

// soakStats counts what the clients did, by kind of request.
type soakStats struct {
	mu       sync.Mutex
	served   map[string]int64 // kind -> 2xx answers
	errors   map[string]int64 // kind+" "+status (or "transport") -> count
	requests atomic.Int64
	events   atomic.Int64 // events in accepted capture documents
	pushed   atomic.Int64 // events delivered to the webhook
}

func (s *soakStats) record(kind string, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.errors[kind+" transport"]++
	case status >= 200 && status < 300:
		s.served[kind]++
	default:
		s.errors[kind+" "+strconv.Itoa(status)]++
	}
}

func runBenchSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseBenchSoak(args, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "lotline-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sc, err := parseServe([]string{"--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn", "--allow-private-webhooks",
		"--max-events", strconv.Itoa(max(c.EventsPerDoc, capture.DefaultConfig.MaxEvents))}, func(string) string { return "" }, stderr)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, sc, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer srv.close(ctx)
	base := "http://" + srv.Addr
	st := &soakStats{served: map[string]int64{}, errors: map[string]int64{}}

	// A webhook receiver on loopback, and a streaming subscription to it.
	hook, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc queryPage
		if json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&doc) == nil {
			st.pushed.Add(int64(len(doc.events())))
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go hs.Serve(hook)
	defer hs.Close()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients}}
	for _, step := range []struct{ path, body string }{
		{"/queries", `{"name":"soak","query":{}}`},
		{"/queries/soak/subscriptions", `{"dest":"http://` + hook.Addr().String() + `/hook","stream":true}`},
	} {
		resp, err := client.Post(base+step.path, "application/json", bytes.NewReader([]byte(step.body)))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("bench soak: POST %s = %d: %s", step.path, resp.StatusCode, b)
		}
	}

	runtime.GC()
	rssStart, goStart := procStatusBytes("VmRSS"), runtime.NumGoroutine()
	fmt.Fprintf(stdout, "soak: %s or %d requests, %d clients, documents of %d events, server %s\n",
		c.Duration, c.MaxRequests, c.Clients, c.EventsPerDoc, base)
	fmt.Fprintf(stdout, "start: RSS %s, %d goroutines\n", mb(rssStart), goStart)

	start := time.Now()
	deadline := start.Add(c.Duration)
	var wg sync.WaitGroup
	for i := range c.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			soakClient(ctx, deadline, client, base, c, uint64(i), st)
		}()
	}
	tick := time.NewTicker(c.Every)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-tick.C:
			fmt.Fprintf(stdout, "%6.0fs: %d requests, %d events captured, %d pushed, RSS %s\n", time.Since(start).Seconds(),
				st.requests.Load(), st.events.Load(), st.pushed.Load(), mb(procStatusBytes("VmRSS")))
		case <-done:
			running = false
		}
	}
	tick.Stop()
	elapsed := time.Since(start)
	// Let the subscription catch up with the last captures (bounded).
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && st.pushed.Load() < st.events.Load(); {
		time.Sleep(200 * time.Millisecond)
	}
	client.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond) // let the server notice the closed connections
	runtime.GC()
	rssEnd, goEnd := procStatusBytes("VmRSS"), runtime.NumGoroutine()

	fmt.Fprintf(stdout, "ran %s: %d requests (%.0f/s)\n", elapsed.Round(time.Second), st.requests.Load(), float64(st.requests.Load())/elapsed.Seconds())
	st.mu.Lock()
	defer st.mu.Unlock()
	kinds := make([]string, 0, len(st.served))
	for k := range st.served {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "  served %-14s %d\n", k, st.served[k])
	}
	var nerr int64
	errs := make([]string, 0, len(st.errors))
	for k, n := range st.errors {
		errs = append(errs, k)
		nerr += n
	}
	sort.Strings(errs)
	fmt.Fprintf(stdout, "errors: %d\n", nerr)
	for _, k := range errs {
		fmt.Fprintf(stdout, "  %-22s %d\n", k, st.errors[k])
	}
	fmt.Fprintf(stdout, "events: %d in accepted captures, %d delivered to the webhook subscription (all events; at least once)\n", st.events.Load(), st.pushed.Load())
	fmt.Fprintf(stdout, "end: RSS %s (start %s, peak %s), %d goroutines (start %d)\n",
		mb(rssEnd), mb(rssStart), mb(procStatusBytes("VmHWM")), goEnd, goStart)
	if nerr > 0 {
		return &exitError{1, fmt.Errorf("bench soak: %d errors", nerr)}
	}
	return nil
}

// soakClient sends a mix until the deadline or the request budget is
// spent (a request under way is finished: no cancelled requests):
// 1 in 5 requests a capture, then single-event POSTs, queries with and
// without filters (following one next page), single-event reads and job
// listings.
func soakClient(ctx context.Context, deadline time.Time, client *http.Client, base string, c *soakConfig, n uint64, st *soakStats) {
	gen := epcisgen.New(c.Seed*1000 + n)
	r := rand.New(rand.NewPCG(c.Seed, n))
	var ids []string
	do := func(kind, method, path string, body []byte) (*http.Response, []byte) {
		if st.requests.Add(1) > c.MaxRequests {
			return nil, nil
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			st.record(kind, 0, err)
			return nil, nil
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/ld+json")
		}
		resp, err := client.Do(req)
		if err != nil {
			st.record(kind, 0, err)
			return nil, nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		st.record(kind, resp.StatusCode, err)
		return resp, b
	}
	queries := []string{"/events?perPage=50", "/events?eventType=ObjectEvent&perPage=20", "/events?EQ_bizStep=shipping&perPage=20",
		"/events?orderBy=eventTime&orderDirection=DESC&perPage=30", "/events?EQ_action=ADD&perPage=10"}
	for ctx.Err() == nil && time.Now().Before(deadline) && st.requests.Load() < c.MaxRequests {
		switch k := r.IntN(20); {
		case k < 4:
			if resp, _ := do("capture", "POST", "/capture", gen.DocumentJSON(c.EventsPerDoc)); resp != nil && resp.StatusCode == http.StatusAccepted {
				st.events.Add(int64(c.EventsPerDoc))
			}
		case k < 5:
			ev := map[string]any{"@context": []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"}}
			for key, v := range gen.Event() {
				ev[key] = v
			}
			b, _ := json.Marshal(ev)
			if resp, _ := do("event", "POST", "/events", b); resp != nil && resp.StatusCode == http.StatusCreated {
				st.events.Add(1)
				if loc := resp.Header.Get("Location"); loc != "" && len(ids) < 1000 {
					ids = append(ids, loc)
				}
			}
		case k < 15:
			resp, _ := do("query", "GET", queries[r.IntN(len(queries))], nil)
			if resp != nil {
				if next := nextLink(resp.Header.Get("Link")); next != "" {
					do("query-page", "GET", next, nil)
				}
			}
		case k < 18 && len(ids) > 0:
			do("event-by-id", "GET", ids[r.IntN(len(ids))], nil)
		default:
			do("jobs", "GET", "/capture?perPage=10", nil)
		}
	}
}
