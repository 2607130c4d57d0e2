package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/schemas"
)

const benchUsage = `Usage:
  lotline bench capture [flags]   POST generated documents to /capture and report
                                  events/s stored end to end, job latency and peak RSS
  lotline bench query [flags]     load generated events (1,000,000 by default) into SQLite
                                  and report the latency of representative GET /events queries
  lotline bench import [flags]    generate a folder of documents (200,000 events by default),
                                  import it into a fresh store and report events/s, CPU per
                                  event and peak RSS
  lotline bench trace [flags]     load a multi-stage supply chain (1,000,000 events by default)
                                  and report the latency of lot trace and recall requests
  lotline bench soak [flags]      mixed capture, query and subscription traffic for
                                  --duration (30m) or --max-requests; reports requests,
                                  errors and RSS at the start and the end (by hand, not CI)
`

// runBench dispatches `lotline bench SUBCOMMAND`.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return &exitError{2, fmt.Errorf("bench: no benchmark given")}
	}
	switch args[0] {
	case "capture":
		return runBenchCapture(ctx, args[1:], getenv, stdout, stderr)
	case "query":
		return runBenchQuery(ctx, args[1:], stdout, stderr)
	case "import":
		return runBenchImport(ctx, args[1:], stdout, stderr)
	case "trace":
		return runBenchTrace(ctx, args[1:], stdout, stderr)
	case "soak":
		return runBenchSoak(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, benchUsage)
		return nil
	}
	fmt.Fprint(stderr, benchUsage)
	return &exitError{2, fmt.Errorf("bench: unknown benchmark %q", args[0])}
}

// benchCaptureConfig is what `lotline bench capture` can be told.
type benchCaptureConfig struct {
	Store        string
	URL          string
	Docs         int
	EventsPerDoc int
	Clients      int
	Workers      int
	Seed         uint64
	GS1Dir       string
	CPUProfile   string
	BaselineTime time.Duration
	Poll         time.Duration
}

func parseBenchCapture(args []string, getenv func(string) string, stderr io.Writer) (*benchCaptureConfig, error) {
	c := benchCaptureConfig{}
	fs := flag.NewFlagSet("lotline bench capture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Store, "store", "", "store URI of the in-process server: empty or sqlite: for SQLite in a fresh temporary directory, or mongodb://HOST[:PORT]/DB")
	fs.StringVar(&c.URL, "url", "", "base URL of a running Lotline server to drive instead of starting one (e.g. http://127.0.0.1:8080)")
	fs.IntVar(&c.Docs, "docs", 200, "documents to capture")
	fs.IntVar(&c.EventsPerDoc, "events-per-doc", 100, "events per document")
	fs.IntVar(&c.Clients, "clients", 4, "concurrent clients")
	fs.IntVar(&c.Workers, "workers", 0, "capture workers of the in-process server (default: the server's default)")
	seed := fs.String("seed", "", "generator seed (default 1, or the current time with --url so reruns never clash)")
	def := getenv("LOTLINE_GS1_DIR")
	if def == "" {
		def = filepath.Join("..", "shared", "gs1")
	}
	fs.StringVar(&c.GS1Dir, "gs1", def, "folder of the GS1 reference files, for the JSON Schema baseline ($LOTLINE_GS1_DIR)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed part to this file")
	fs.DurationVar(&c.BaselineTime, "baseline-time", 2*time.Second, "how long to measure each single-core validation rate")
	fs.DurationVar(&c.Poll, "poll", 2*time.Millisecond, "interval between job status polls")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	if fs.NArg() > 0 {
		return nil, &exitError{2, fmt.Errorf("bench capture takes no arguments, got %q", fs.Args())}
	}
	var errs []error
	for _, x := range []struct {
		name string
		v    int
	}{{"docs", c.Docs}, {"events-per-doc", c.EventsPerDoc}, {"clients", c.Clients}} {
		if x.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s: %d is not a positive integer", x.name, x.v))
		}
	}
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("--workers: %d is negative", c.Workers))
	}
	if c.BaselineTime <= 0 || c.Poll <= 0 {
		errs = append(errs, fmt.Errorf("--baseline-time and --poll must be positive durations"))
	}
	if c.URL != "" && (c.Store != "" || c.Workers != 0) {
		errs = append(errs, fmt.Errorf("--url drives a running server: --store and --workers do not apply"))
	}
	switch {
	case *seed != "":
		n, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("--seed: %q is not an unsigned integer", *seed))
		}
		c.Seed = n
	case c.URL != "":
		c.Seed = uint64(time.Now().UnixNano())
	default:
		c.Seed = 1
	}
	c.URL = strings.TrimRight(c.URL, "/")
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return &c, nil
}

// jobResult is what one client observed of one capture job.
type jobResult struct {
	latency time.Duration
	err     error
}

func runBenchCapture(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseBenchCapture(args, getenv, stderr)
	if err != nil {
		return err
	}

	// Generate the documents (not timed).
	gen := epcisgen.New(c.Seed)
	docs := make([][]byte, c.Docs)
	var bytesTotal, largest int
	for i := range docs {
		docs[i] = gen.DocumentJSON(c.EventsPerDoc)
		bytesTotal += len(docs[i])
		largest = max(largest, len(docs[i]))
	}

	// The target: a running server, or one started here.
	base, where := c.URL, "remote "+c.URL
	if base == "" {
		dir, err := os.MkdirTemp("", "lotline-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		sargs := []string{"--addr", "127.0.0.1:0", "--data", dir, "--store", c.Store,
			"--max-events", strconv.Itoa(max(c.EventsPerDoc, capture.DefaultConfig.MaxEvents)),
			"--queue", strconv.Itoa(max(2*c.Clients, capture.DefaultConfig.Queue)),
			"--max-body", strconv.FormatInt(max(int64(largest)+1, api.DefaultConfig.MaxBodyBytes), 10),
			"--log-level", "warn"}
		if c.Workers > 0 {
			sargs = append(sargs, "--workers", strconv.Itoa(c.Workers))
		}
		sc, err := parseServe(sargs, func(string) string { return "" }, stderr)
		if err != nil {
			return err
		}
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		srv, err := startServer(ctx, sc, log)
		if err != nil {
			return err
		}
		defer srv.close(ctx)
		base, where = "http://"+srv.Addr, srv.Store.where
		if c.Workers == 0 {
			c.Workers = capture.DefaultConfig.Workers
		}
	}

	events := c.Docs * c.EventsPerDoc
	runtime.GC()
	resetPeakRSS()

	fmt.Fprintf(stdout, "lotline bench capture\n")
	fmt.Fprintf(stdout, "store:        %s\n", where)
	fmt.Fprintf(stdout, "documents:    %d x %d events = %d events, %.1f MB of JSON, %d clients", c.Docs, c.EventsPerDoc, events,
		float64(bytesTotal)/1e6, c.Clients)
	if c.URL == "" {
		fmt.Fprintf(stdout, ", %d capture workers", c.Workers)
	}
	fmt.Fprintf(stdout, ", GOMAXPROCS %d\n", runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "event mix:    %s\n", mix(gen.Counts()))

	var stopProfile func() error
	if c.CPUProfile != "" {
		if stopProfile, err = startCPUProfile(c.CPUProfile); err != nil {
			return err
		}
	}
	cpu0 := cpuTime()
	results, wall := driveCapture(ctx, c, base, docs)
	cpu := cpuTime() - cpu0
	if stopProfile != nil {
		if err := stopProfile(); err != nil {
			return err
		}
	}
	peak := peakRSS()

	var lat []time.Duration
	var failed []error
	for _, r := range results {
		if r.err != nil {
			failed = append(failed, r.err)
			continue
		}
		lat = append(lat, r.latency)
	}
	stored := len(lat) * c.EventsPerDoc
	fmt.Fprintf(stdout, "wall time:    %s\n", wall.Round(time.Millisecond))
	fmt.Fprintf(stdout, "end to end:   %.0f events/s stored durably (%d of %d events, %d of %d jobs succeeded)\n",
		float64(stored)/wall.Seconds(), stored, events, len(lat), len(results))
	if len(lat) > 0 {
		slices.Sort(lat)
		fmt.Fprintf(stdout, "job latency:  p50 %s  p99 %s  max %s (POST start to observed finish)\n",
			pct(lat, 50), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond))
	}
	if cpu > 0 {
		who := "server and clients"
		if c.URL != "" {
			who = "clients only"
		}
		fmt.Fprintf(stdout, "cpu time:     %.2fs user+sys of this process (%s), %.0f µs per event, %.1f of %d cores busy\n",
			cpu.Seconds(), who, float64(cpu.Microseconds())/float64(events), cpu.Seconds()/wall.Seconds(), runtime.NumCPU())
	}
	if peak > 0 {
		fmt.Fprintf(stdout, "peak RSS:     %.0f MB (VmHWM of this process during the timed part: server, clients and the pre-generated documents)\n",
			float64(peak)/(1<<20))
	} else {
		fmt.Fprintf(stdout, "peak RSS:     unknown (no /proc/self/status)\n")
	}
	if c.CPUProfile != "" {
		fmt.Fprintf(stdout, "cpu profile:  %s (go tool pprof -top %s)\n", c.CPUProfile, c.CPUProfile)
	}

	baselines(stdout, c, docs)

	if len(failed) > 0 {
		for i, e := range failed {
			if i == 3 {
				fmt.Fprintf(stderr, "... and %d more\n", len(failed)-3)
				break
			}
			fmt.Fprintln(stderr, "job failed:", e)
		}
		return fmt.Errorf("bench: %d of %d capture jobs failed", len(failed), len(results))
	}
	return ctx.Err()
}

// driveCapture posts every document with c.Clients concurrent clients, each
// waiting for its job to finish before sending the next, and returns what
// each job did and the wall time from the first POST to the last finish.
func driveCapture(ctx context.Context, c *benchCaptureConfig, base string, docs [][]byte) ([]jobResult, time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * c.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	results := make([]jobResult, len(docs))
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range c.Clients {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				err := captureOne(ctx, hc, base, docs[i], c.EventsPerDoc, c.Poll)
				results[i] = jobResult{latency: time.Since(t0), err: err}
			}
		})
	}
	for i := range docs {
		if ctx.Err() != nil {
			results[i].err = ctx.Err()
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results, time.Since(start)
}

// captureOne posts one document and polls its job until it finishes.
func captureOne(ctx context.Context, hc *http.Client, base string, doc []byte, events int, poll time.Duration) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/capture", bytes.NewReader(doc))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/ld+json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST /capture: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return fmt.Errorf("POST /capture: 202 without a Location header")
	}
	if !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") {
		loc = base + loc
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		var job struct {
			Running     bool            `json:"running"`
			Success     bool            `json:"success"`
			EventCount  int             `json:"eventCount"`
			StoredCount int             `json:"storedCount"`
			Errors      json.RawMessage `json:"errors"`
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		err = json.NewDecoder(resp.Body).Decode(&job)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", loc, resp.Status)
		}
		if err != nil {
			return fmt.Errorf("GET %s: %v", loc, err)
		}
		if !job.Running {
			if !job.Success || job.StoredCount != events {
				return fmt.Errorf("job %s: success=%v, stored %d of %d events, errors %s", loc, job.Success,
					job.StoredCount, events, job.Errors)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// baselines prints single-core validation rates on the same documents:
// GS1's official JSON Schema (the baseline to beat), Lotline's schema
// alone, and capture's whole preparation (decode, schema, semantic rules,
// event hash, stored form).
func baselines(w io.Writer, c *benchCaptureConfig, docs [][]byte) {
	sample := docs[:min(len(docs), 4)]
	decoded := make([]any, len(sample))
	for i, b := range sample {
		v, err := epcis.DecodeJSON(b, epcis.JSONLimits{})
		if err != nil {
			fmt.Fprintf(w, "baseline:     skipped: cannot decode a generated document: %v\n", err)
			return
		}
		decoded[i] = v
	}
	per := c.BaselineTime / time.Duration(len(sample))
	rate := func(v *schemas.Validator) float64 {
		// Events over time summed across the sample documents.
		var secs float64
		for _, d := range decoded {
			secs += float64(c.EventsPerDoc) / schemas.MeasureRate(v, d, c.EventsPerDoc, per)
		}
		return float64(len(decoded)*c.EventsPerDoc) / secs
	}
	path := filepath.Join(c.GS1Dir, "ref-gs1-org-2.0.0-copies", "epcis-json-schema.json")
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(w, "baseline:     skipped: GS1 schema not found at %s (use --gs1 or $LOTLINE_GS1_DIR)\n", path)
	} else if off, err := schemas.CompileOfficial(path); err != nil {
		fmt.Fprintf(w, "baseline:     skipped: %v\n", err)
	} else {
		fmt.Fprintf(w, "baseline:     %.0f events/s, GS1 JSON Schema alone (jsonschema v6 + regexp2, 1 core)\n", rate(off))
	}
	fmt.Fprintf(w, "our schema:   %.0f events/s, Lotline JSON Schema alone (1 core)\n", rate(schemas.MustCompile()))

	// Prepare changes the document it is given (eventIDs, @context), so
	// every round decodes afresh.
	svc := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	start, n := time.Now(), 0
	for time.Since(start) < c.BaselineTime {
		b := sample[n%len(sample)]
		v, err := epcis.DecodeJSON(b, epcis.JSONLimits{})
		if err == nil {
			_, err = svc.Prepare(v, capture.Rollback, "local")
		}
		if err != nil {
			fmt.Fprintf(w, "prepare:      failed: %v\n", err)
			return
		}
		n++
	}
	fmt.Fprintf(w, "prepare:      %.0f events/s, decode + schema + rules + event hash + stored form (1 core, no HTTP, no store)\n",
		float64(n*c.EventsPerDoc)/time.Since(start).Seconds())
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	i = min(max(i-1, 0), len(sorted)-1)
	return sorted[i].Round(time.Microsecond)
}

func mix(counts map[string]int) string {
	total := 0
	keys := make([]string, 0, len(counts))
	for k, n := range counts {
		total += n
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.0f%%", k, 100*float64(counts[k])/float64(max(total, 1)))
	}
	return strings.Join(parts, ", ")
}

func startCPUProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// resetPeakRSS resets the kernel's peak resident set size of this process
// (Linux 4.0+), so VmHWM covers what follows. Failure is ignored: the peak
// then covers the whole process life.
func resetPeakRSS() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// cpuTime returns the user+sys CPU time of this process so far, from
// /proc/self/stat (in USER_HZ ticks, 100 per second on Linux), or 0.
func cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after it are
	// plain. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// peakRSS returns VmHWM from /proc/self/status in bytes, or 0.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
