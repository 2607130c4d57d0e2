package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/importer"
	"github.com/lotline/lotline/store"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// Helpers shared by the benchmarks that load generated events into an
// in-process server and then time GET requests (bench query, bench trace).

// startBenchServer starts an in-process server on a random local port
// with its data in dir, sized for documents of eventsPerDoc events sent
// by clients concurrent clients.
func startBenchServer(ctx context.Context, dir string, eventsPerDoc, clients int, stderr io.Writer) (*server, error) {
	sargs := []string{"--addr", "127.0.0.1:0", "--data", dir,
		"--max-events", strconv.Itoa(max(eventsPerDoc, capture.DefaultConfig.MaxEvents)),
		"--queue", strconv.Itoa(max(2*clients, capture.DefaultConfig.Queue)),
		"--max-body", strconv.FormatInt(max(int64(eventsPerDoc)*8<<10, api.DefaultConfig.MaxBodyBytes), 10),
		"--log-level", "warn"}
	sc, err := parseServe(sargs, func(string) string { return "" }, stderr)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return startServer(ctx, sc, log)
}

// loadSpec is what loadGenerated captures: Events events of Gen in
// documents of EventsPerDoc, sent by Clients clients; OnDoc, if set, sees
// every document (in order, before it is sent).
type loadSpec struct {
	Gen                           *epcisgen.Generator
	Events, EventsPerDoc, Clients int
	OnDoc                         func(map[string]any)
	// Load is "import" (the bulk path of lotline import, straight into
	// the server's store) or "capture" (POST /capture).
	Load string
	// Owner is the party the loaded events belong to (import only;
	// store.LocalOwner by default).
	Owner string
}

// loadHow describes a load for the report.
func loadHow(load string, eventsPerDoc, clients int) string {
	if load == "import" {
		return fmt.Sprintf("lotline import path, %d-event documents", eventsPerDoc)
	}
	return fmt.Sprintf("POST /capture, %d-event documents, %d clients", eventsPerDoc, clients)
}

// loadGenerated loads generated events into srv as l.Load says and
// returns the wall time and the number of failed jobs (refused
// documents); the first failure stops the load.
func loadGenerated(ctx context.Context, l loadSpec, srv *server, stdout io.Writer) (time.Duration, int, error) {
	if l.Load == "import" {
		return importGenerated(ctx, l, srv, stdout)
	}
	return captureGenerated(ctx, l, "http://"+srv.Addr, stdout)
}

// importGenerated writes generated documents through the importer into
// the server's store, as lotline import would from files.
func importGenerated(ctx context.Context, l loadSpec, srv *server, stdout io.Writer) (time.Duration, int, error) {
	start := time.Now()
	last := start
	im, err := newImporter(srv.Store.Store, importer.Config{Owner: l.Owner, OnProgress: func(s importer.Stats) {
		if time.Since(last) >= 30*time.Second {
			last = time.Now()
			fmt.Fprintf(stdout, "loading:      %d events after %s\n", s.Stored, time.Since(start).Round(time.Second))
		}
	}})
	if err != nil {
		return 0, 0, err
	}
	left := l.Events
	st, err := im.ImportDocuments(ctx, func() any {
		if left <= 0 {
			return nil
		}
		n := min(left, l.EventsPerDoc)
		left -= n
		m := l.Gen.Document(n)
		if l.OnDoc != nil {
			l.OnDoc(m)
		}
		return m
	})
	wall := time.Since(start)
	// The load's garbage is the load's, not the server's: give it back,
	// so the RSS reported after the load is the server's.
	debug.FreeOSMemory()
	if err != nil {
		return wall, st.Refused, fmt.Errorf("bench: loading: %w", err)
	}
	return wall, st.Refused, nil
}

// captureGenerated captures generated events through POST /capture.
func captureGenerated(ctx context.Context, l loadSpec, base string, stdout io.Writer) (time.Duration, int, error) {
	gen := l.Gen
	type doc struct {
		body   []byte
		events int
	}
	docs := make(chan doc, 2*l.Clients)
	genErr := make(chan error, 1)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(docs)
		for left := l.Events; left > 0; {
			n := min(left, l.EventsPerDoc)
			left -= n
			m := gen.Document(n)
			if l.OnDoc != nil {
				l.OnDoc(m)
			}
			b, err := json.Marshal(m)
			if err != nil {
				genErr <- err
				return
			}
			select {
			case docs <- doc{b, n}:
			case <-lctx.Done():
				return
			}
		}
		genErr <- nil
	}()

	tr := &http.Transport{MaxIdleConnsPerHost: 2 * l.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failed   int
		firstErr error
		stored   int
	)
	start := time.Now()
	progress := time.NewTicker(30 * time.Second)
	defer progress.Stop()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-progress.C:
				mu.Lock()
				n := stored
				mu.Unlock()
				fmt.Fprintf(stdout, "loading:      %d events after %s\n", n, time.Since(start).Round(time.Second))
			}
		}
	}()
	for range l.Clients {
		wg.Go(func() {
			for d := range docs {
				err := captureOne(lctx, hc, base, d.body, d.events, 5*time.Millisecond)
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
						cancel() // a failed load measures nothing
					}
				} else {
					stored += d.events
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	close(done)
	if firstErr != nil {
		return wall, failed, fmt.Errorf("bench: loading: %w", firstErr)
	}
	if err := <-genErr; err != nil {
		return wall, failed, err
	}
	if err := ctx.Err(); err != nil {
		return wall, failed, err
	}
	return wall, failed, nil
}

// benchRunFlags are the flags lotline bench query and bench trace share:
// what to load, where, and how to time the queries.
type benchRunFlags struct {
	Events       int
	EventsPerDoc int
	Clients      int
	Seed         uint64
	Data         string
	Reuse        bool
	Runs         int
	Warmup       int
	Only         []string
	CPUProfile   string
	JSON         string
	// Key, when set, is the API key the timed requests carry (a store
	// with keys requires one), to measure reads as a trading partner.
	Key string
	// Load is how the events are loaded: import or capture.
	Load string
	// Owner is --party parsed: the party the loaded events belong to
	// (store.LocalOwner when not given).
	Owner string

	only  string // --only as given
	party string // --party as given
}

// register defines the shared flags on fs with these run and warm-up
// defaults; reuseHelp describes --reuse.
func (b *benchRunFlags) register(fs *flag.FlagSet, runs, warmup int, runsHelp, reuseHelp, jsonHelp string) {
	fs.IntVar(&b.Events, "events", 1_000_000, "events to generate and load")
	fs.IntVar(&b.EventsPerDoc, "events-per-doc", 100, "events per captured document while loading")
	fs.IntVar(&b.Clients, "clients", 4, "concurrent capture clients while loading (with --load capture)")
	fs.StringVar(&b.Load, "load", "import", "how to load the events: import (the bulk path of lotline import, straight into the store) or capture (POST /capture)")
	fs.Uint64Var(&b.Seed, "seed", 1, "generator seed")
	fs.StringVar(&b.Data, "data", "", "data directory to load into and keep (default: a temporary directory, removed at the end)")
	fs.BoolVar(&b.Reuse, "reuse", false, reuseHelp)
	fs.IntVar(&b.Runs, "runs", runs, runsHelp)
	fs.IntVar(&b.Warmup, "warmup", warmup, "untimed requests per query before the timed ones")
	fs.StringVar(&b.only, "only", "", "comma-separated names of the queries to run (default: all)")
	fs.StringVar(&b.CPUProfile, "cpuprofile", "", "write a CPU profile of the query part to this file")
	fs.StringVar(&b.JSON, "json", "", jsonHelp)
	fs.StringVar(&b.Key, "key", "", "with --reuse of a store holding API keys: send this key with the timed requests (reads as its party, with its grants)")
	fs.StringVar(&b.party, "party", "", "with --load import: the loaded events belong to this party (a GLN), as if it captured them; then lotline keys create --party and --reuse --key time its reads with access control (default: the open mode's local party)")
}

// client is the HTTP client of the timed requests: over tr, with the
// --key when one is given.
func (b *benchRunFlags) client(tr http.RoundTripper) *http.Client {
	if b.Key != "" {
		tr = keyTransport{key: b.Key, base: tr}
	}
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// keyTransport sends an API key with every request.
type keyTransport struct {
	key  string
	base http.RoundTripper
}

func (k keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+k.key)
	return k.base.RoundTrip(r)
}

// check validates the shared flags after parsing, given the names of the
// benchmark's queries, and fills Only.
func (b *benchRunFlags) check(known func(name string) bool) []error {
	var errs []error
	for _, x := range []struct {
		name string
		v    int
	}{{"events", b.Events}, {"events-per-doc", b.EventsPerDoc}, {"clients", b.Clients}, {"runs", b.Runs}} {
		if x.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s: %d is not a positive integer", x.name, x.v))
		}
	}
	if b.Warmup < 0 {
		errs = append(errs, fmt.Errorf("--warmup: %d is negative", b.Warmup))
	}
	if b.Load != "import" && b.Load != "capture" {
		errs = append(errs, fmt.Errorf("--load: %q is not import or capture", b.Load))
	}
	if b.Reuse && b.Data == "" {
		errs = append(errs, fmt.Errorf("--reuse needs --data"))
	}
	b.Owner = store.LocalOwner
	if b.party != "" {
		p, err := auth.ParseParty(b.party)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("--party: %w", err))
		case b.Load != "import":
			errs = append(errs, fmt.Errorf("--party needs --load import"))
		default:
			b.Owner = p
		}
	}
	if b.only != "" {
		for _, n := range strings.Split(b.only, ",") {
			n = strings.TrimSpace(n)
			if !known(n) {
				errs = append(errs, fmt.Errorf("--only: no query named %q", n))
			}
			b.Only = append(b.Only, n)
		}
	}
	return errs
}

// settleSeconds waits, on the embedded store, until the term index has
// been compacted after the load (it compacts when the writer is idle; see
// store/sqlite/compact.go), so that the timings are those of the index a
// server settles into, and returns how long that took.
func settleSeconds(ctx context.Context, srv *server) (float64, error) {
	st, ok := srv.Store.Store.(*sqlitestore.Store)
	if !ok {
		return 0, nil
	}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if err := st.WaitCompacted(wctx); err != nil {
		return 0, fmt.Errorf("waiting for the term index compaction: %w", err)
	}
	return time.Since(start).Seconds(), nil
}

// settleLine is the report line of settleSeconds.
func settleLine(stdout io.Writer, seconds float64) {
	fmt.Fprintf(stdout, "index:        term index compacted %.1f s after the load or opening (the store does it when idle)\n", seconds)
}
