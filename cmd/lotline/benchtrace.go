package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis/epcisgen"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// The latency target of issue 5 for the lot trace and recall, at a
// million events on the 2-core benchmark machine; the pages' of issue 16
// ("well under a second") is pageTarget.
const (
	traceTargetP50 = 50 * time.Millisecond
	traceTargetP99 = 200 * time.Millisecond
	pageTargetP50  = 250 * time.Millisecond
	pageTargetP99  = 500 * time.Millisecond
)

// traceSamplesFile keeps, in a kept data directory, the lots drawn while
// loading, so that --reuse can query without generating again.
const traceSamplesFile = "bench-trace-samples.json"

// benchTraceConfig is what `lotline bench trace` can be told.
type benchTraceConfig struct {
	benchRunFlags
	Stages int
}

func parseBenchTrace(args []string, stderr io.Writer) (*benchTraceConfig, error) {
	c := benchTraceConfig{}
	fs := flag.NewFlagSet("lotline bench trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs, 100, 10, "timed requests per query",
		"with --data: when the directory already holds a loaded benchmark, query it without loading (--events, --seed and --stages are then those it was loaded with)",
		"also write the report as JSON to this file (- for stdout)")
	fs.IntVar(&c.Stages, "stages", 5, "transformations from raw material to a finished lot (2 to 9)")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	if fs.NArg() > 0 {
		return nil, &exitError{2, fmt.Errorf("bench trace takes no arguments, got %q", fs.Args())}
	}
	errs := c.check(func(n string) bool {
		return slices.ContainsFunc(traceQueries, func(q traceQuery) bool { return q.Name == n })
	})
	if c.Stages < 2 || c.Stages > 9 {
		errs = append(errs, fmt.Errorf("--stages: %d is not from 2 to 9", c.Stages))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return &c, nil
}

// traceSamples are lots drawn from the generated events by depth: the
// number of transformations between raw material and the lot.
type traceSamples struct {
	Seed    uint64     `json:"seed"`
	Events  int        `json:"events"`
	Stages  int        `json:"stages"`
	ByDepth [][]string `json:"byDepth"` // LGTIN classes, index = depth
	// Packing counts the finished lots by how their cases travel
	// (epcisgen.PackSerialised, ...), and "masterData" those whose case
	// has hierarchy master data.
	Packing map[string]int `json:"packing,omitempty"`
}

// traceQuery is one timed request shape: From is the depth of the lot it
// starts from (-1 for the middle stage).
type traceQuery struct {
	Name, Shape string
	From        int
	Path        func(lot string) string
}

var traceQueries = []traceQuery{
	{"backwardFinished", "GET /lots/{finished lot}/trace?direction=backward", -2, func(l string) string {
		return "/lots/" + url.PathEscape(l) + "/trace?direction=backward"
	}},
	{"forwardRaw", "GET /lots/{raw lot}/trace?direction=forward", 0, func(l string) string {
		return "/lots/" + url.PathEscape(l) + "/trace?direction=forward"
	}},
	{"recallRaw", "GET /lots/{raw lot}/recall", 0, func(l string) string {
		return "/lots/" + url.PathEscape(l) + "/recall"
	}},
	{"bothMid", "GET /lots/{mid-stage lot}/trace?direction=both", -1, func(l string) string {
		return "/lots/" + url.PathEscape(l) + "/trace?direction=both"
	}},
	// The web pages (issue 16): the lot's record with its genealogy drawn,
	// and the recall picture; nodes and edges are those drawn.
	{"lotPageFinished", "GET /ui/lots/{finished lot}", -2, func(l string) string {
		return "/ui/lots/" + url.PathEscape(l)
	}},
	{"recallPageRaw", "GET /ui/lots/{raw lot}/recall", 0, func(l string) string {
		return "/ui/lots/" + url.PathEscape(l) + "/recall"
	}},
}

// targets are the query's latency targets: a page's, or the trace's.
func (q traceQuery) targets() (p50, p99 time.Duration) {
	if strings.HasPrefix(q.Shape, "GET /ui/") {
		return pageTargetP50, pageTargetP99
	}
	return traceTargetP50, traceTargetP99
}

// depth resolves a query's From against the number of stages.
func (q traceQuery) depth(stages int) int {
	switch q.From {
	case -1:
		return stages / 2
	case -2:
		return stages
	}
	return q.From
}

// traceResult is what the runs of one query measured. For a trace, Nodes
// and Edges are the graph's, and Hops the longest chain of consumed-into
// edges from the lot; for a recall, Nodes is the affected set and Edges
// the critical tracking events.
type traceResult struct {
	Name       string  `json:"name"`
	Shape      string  `json:"shape"`
	Depth      int     `json:"lotDepth"`
	Runs       int     `json:"runs"`
	P50ms      float64 `json:"p50Ms"`
	P99ms      float64 `json:"p99Ms"`
	MaxMs      float64 `json:"maxMs"`
	MinNodes   int     `json:"minNodes"`
	AvgNodes   float64 `json:"avgNodes"`
	MaxNodes   int     `json:"maxNodes"`
	AvgEdges   float64 `json:"avgEdges"`
	AvgHops    float64 `json:"avgHops"`
	MaxHops    int     `json:"maxHops"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"firstError,omitempty"`
	OverTarget bool    `json:"overTarget"`
	TargetP50  float64 `json:"targetP50Ms"`
	TargetP99  float64 `json:"targetP99Ms"`
}

// traceReport is the whole benchmark's outcome.
type traceReport struct {
	Events       int     `json:"events"`
	Seed         uint64  `json:"seed"`
	Stages       int     `json:"stages"`
	Loaded       bool    `json:"loaded"` // false with --reuse
	LoadSeconds  float64 `json:"loadSeconds,omitempty"`
	DBBytes      int64   `json:"dbBytes"`
	WALBytes     int64   `json:"walBytes"`
	PeakLoadRSS  int64   `json:"peakLoadRSS,omitempty"`
	RSSAfterLoad int64   `json:"rssAfterLoad"`
	// SettleSeconds is the wait for the term index compaction.
	SettleSeconds float64 `json:"settleSeconds"`
	PeakQueryRSS  int64   `json:"peakQueryRSS"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
	// Packing is the finished lots' packaging (traceSamples.Packing).
	Packing map[string]int `json:"packing,omitempty"`
	Queries []traceResult  `json:"queries"`
}

func runBenchTrace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseBenchTrace(args, stderr)
	if err != nil {
		return err
	}
	dir := c.Data
	if dir == "" {
		if dir, err = os.MkdirTemp("", "lotline-bench-trace-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	dbPath := filepath.Join(dir, sqlitestore.FileName)
	var samples *traceSamples
	if _, err := os.Stat(dbPath); err == nil {
		if !c.Reuse {
			return &exitError{2, fmt.Errorf("--data %s already holds a database: add --reuse to query it, or give an empty directory", dir)}
		}
		b, err := os.ReadFile(filepath.Join(dir, traceSamplesFile))
		if err != nil {
			return fmt.Errorf("--reuse: %s holds a database but no %s (was it loaded by bench trace?): %w", dir, traceSamplesFile, err)
		}
		samples = new(traceSamples)
		if err := json.Unmarshal(b, samples); err != nil {
			return fmt.Errorf("--reuse: %s: %w", traceSamplesFile, err)
		}
	}

	srv, err := startBenchServer(ctx, dir, c.EventsPerDoc, c.Clients, stderr)
	if err != nil {
		return err
	}
	defer srv.close(ctx)
	base := "http://" + srv.Addr

	rep := &traceReport{GOMAXPROCS: runtime.GOMAXPROCS(0)}
	fmt.Fprintf(stdout, "lotline bench trace\n")
	fmt.Fprintf(stdout, "store:        %s, GOMAXPROCS %d\n", srv.Store.where, rep.GOMAXPROCS)
	if samples == nil {
		runtime.GC()
		resetPeakRSS()
		gen := epcisgen.NewWithOptions(c.Seed, epcisgen.Options{Stages: c.Stages})
		res := make([]reservoir[string], c.Stages+1)
		rng := rand.New(rand.NewPCG(c.Seed, 11))
		packing := map[string]int{}
		onDoc := func(map[string]any) {
			// The lots whose making events are in this document.
			for _, l := range gen.TakeLots() {
				res[l.Depth].add(rng, l.Class)
				if l.Packing != "" {
					packing[l.Packing]++
					if l.MasterData {
						packing["masterData"]++
					}
				}
			}
		}
		wall, failed, err := loadGenerated(ctx, loadSpec{Gen: gen, Events: c.Events, EventsPerDoc: c.EventsPerDoc,
			Clients: c.Clients, OnDoc: onDoc, Load: c.Load, Owner: c.Owner}, srv, stdout)
		if err != nil {
			return err
		}
		if failed > 0 {
			return fmt.Errorf("bench trace: %d capture jobs failed while loading", failed)
		}
		samples = &traceSamples{Seed: c.Seed, Events: c.Events, Stages: c.Stages, Packing: packing}
		for _, r := range res {
			samples.ByDepth = append(samples.ByDepth, r.items)
		}
		rep.Loaded, rep.LoadSeconds = true, wall.Seconds()
		rep.PeakLoadRSS = procStatusBytes("VmHWM")
		b, err := json.Marshal(samples)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, traceSamplesFile), b, 0o644); err != nil {
			return err
		}
	}
	rep.Events, rep.Seed, rep.Stages, rep.Packing = samples.Events, samples.Seed, samples.Stages, samples.Packing
	if rep.SettleSeconds, err = settleSeconds(ctx, srv); err != nil {
		return err
	}
	runtime.GC()
	rep.RSSAfterLoad = procStatusBytes("VmRSS")
	rep.DBBytes, rep.WALBytes = dbSize(dir)
	if rep.Loaded {
		fmt.Fprintf(stdout, "load:         %d events in %s, %.0f events/s (%s), %d stages of production\n",
			rep.Events, time.Duration(rep.LoadSeconds*float64(time.Second)).Round(time.Millisecond),
			float64(rep.Events)/rep.LoadSeconds, loadHow(c.Load, c.EventsPerDoc, c.Clients), rep.Stages)
		fmt.Fprintf(stdout, "peak RSS:     %s during the load (VmHWM: server, clients and generator)\n", mb(rep.PeakLoadRSS))
	} else {
		fmt.Fprintf(stdout, "load:         none (--reuse of %d events, seed %d, %d stages)\n", rep.Events, rep.Seed, rep.Stages)
	}
	fmt.Fprintf(stdout, "RSS:          %s after loading or opening the store and a GC (VmRSS)\n", mb(rep.RSSAfterLoad))
	fmt.Fprintf(stdout, "database:     %s on disk (%s, of which WAL %s)\n", mb(rep.DBBytes+rep.WALBytes), dbPath, mb(rep.WALBytes))
	settleLine(stdout, rep.SettleSeconds)
	counts := make([]string, len(samples.ByDepth))
	for d, l := range samples.ByDepth {
		counts[d] = fmt.Sprintf("%d at depth %d", len(l), d)
	}
	fmt.Fprintf(stdout, "sample lots:  %s\n", strings.Join(counts, ", "))
	if p := samples.Packing; p != nil {
		fmt.Fprintf(stdout, "packaging:    %d finished lots: %d with serialised cases, %d packed by consumer-unit quantity, %d by case quantity; %d with hierarchy master data, the rest linked by indicator digit only\n",
			p[epcisgen.PackSerialised]+p[epcisgen.PackUnitQuantity]+p[epcisgen.PackCaseQuantity],
			p[epcisgen.PackSerialised], p[epcisgen.PackUnitQuantity], p[epcisgen.PackCaseQuantity], p["masterData"])
	}

	var stopProfile func() error
	if c.CPUProfile != "" {
		if stopProfile, err = startCPUProfile(c.CPUProfile); err != nil {
			return err
		}
	}
	resetPeakRSS()
	rep.Queries, err = runTraceQueries(ctx, c, base, samples)
	rep.PeakQueryRSS = procStatusBytes("VmHWM")
	if stopProfile != nil {
		if err := stopProfile(); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "queries:      %d timed requests each after %d untimed, one client, full response read, default depth\n",
		c.Runs, c.Warmup)
	fmt.Fprintf(stdout, "peak RSS:     %s while querying (VmHWM)\n", mb(rep.PeakQueryRSS))
	if c.CPUProfile != "" {
		fmt.Fprintf(stdout, "cpu profile:  %s (go tool pprof -top %s)\n", c.CPUProfile, c.CPUProfile)
	}
	fmt.Fprintln(stdout)
	writeTraceTable(stdout, rep.Queries)

	if c.JSON != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if c.JSON == "-" {
			stdout.Write(b)
		} else if err := os.WriteFile(c.JSON, b, 0o644); err != nil {
			return err
		}
	}
	var bad []string
	for _, q := range rep.Queries {
		if q.Errors > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d failed requests, first: %s", q.Name, q.Errors, q.FirstError))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("bench trace: %s", strings.Join(bad, "; "))
	}
	return ctx.Err()
}

// runTraceQueries runs every query: warm-up requests, then timed ones,
// one at a time, each from a lot drawn from the samples of its depth.
func runTraceQueries(ctx context.Context, c *benchTraceConfig, base string, s *traceSamples) ([]traceResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := c.client(tr)
	r := rand.New(rand.NewPCG(s.Seed, 98))
	var out []traceResult
	for _, q := range traceQueries {
		if len(c.Only) > 0 && !slices.Contains(c.Only, q.Name) {
			continue
		}
		d := q.depth(s.Stages)
		t50, t99 := q.targets()
		res := traceResult{Name: q.Name, Shape: q.Shape, Depth: d, TargetP50: ms(t50), TargetP99: ms(t99)}
		if d >= len(s.ByDepth) || len(s.ByDepth[d]) == 0 {
			res.Errors, res.FirstError = 1, fmt.Sprintf("no lot of depth %d was generated (too few --events?)", d)
			out = append(out, res)
			continue
		}
		var lat []time.Duration
		var nodes, edges, hops []int
		for i := range c.Warmup + c.Runs {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			lot := pick(r, s.ByDepth[d])
			a, err := getLotAnswer(ctx, hc, base+q.Path(lot), lot)
			if i < c.Warmup {
				continue
			}
			if err != nil {
				res.Errors++
				if res.FirstError == "" {
					res.FirstError = err.Error()
				}
				continue
			}
			lat = append(lat, a.latency)
			nodes, edges, hops = append(nodes, a.nodes), append(edges, a.edges), append(hops, a.hops)
		}
		res.Runs = len(lat)
		if len(lat) > 0 {
			slices.Sort(lat)
			res.P50ms, res.P99ms, res.MaxMs = ms(percentile(lat, 50)), ms(percentile(lat, 99)), ms(lat[len(lat)-1])
			res.MinNodes, res.MaxNodes, res.MaxHops = slices.Min(nodes), slices.Max(nodes), slices.Max(hops)
			res.AvgNodes, res.AvgEdges, res.AvgHops = mean(nodes), mean(edges), mean(hops)
			res.OverTarget = percentile(lat, 50) > t50 || percentile(lat, 99) > t99
		}
		out = append(out, res)
	}
	return out, nil
}

func mean(xs []int) float64 {
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return float64(sum) / float64(len(xs))
}

// lotAnswer is what one trace or recall request returned.
type lotAnswer struct {
	latency            time.Duration
	nodes, edges, hops int
}

// getLotAnswer sends one GET for a trace or a recall of lot and reads the
// whole answer; the latency covers the request and the body, not the
// decoding done here afterwards to count nodes.
func getLotAnswer(ctx context.Context, hc *http.Client, u, lot string) (lotAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return lotAnswer{}, err
	}
	req.Header.Set("Accept", "application/json")
	if strings.Contains(u, "/ui/") {
		req.Header.Set("Accept", "text/html")
	}
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return lotAnswer{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	lat := time.Since(t0)
	if err != nil {
		return lotAnswer{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return lotAnswer{}, fmt.Errorf("GET %s: %s: %s", strings.TrimPrefix(u, "http://"), resp.Status,
			bytes.TrimSpace(body[:min(len(body), 300)]))
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		// A page: count what its genealogy picture draws.
		return lotAnswer{latency: lat, nodes: bytes.Count(body, []byte(`<g class="node `)),
			edges: bytes.Count(body, []byte(`<path class="edge `))}, nil
	}
	var doc struct {
		// A trace.
		Lot   string `json:"lot"`
		Nodes []struct {
			ID string `json:"id"`
		} `json:"nodes"`
		Edges []struct {
			Kind, From, To string
		} `json:"edges"`
		// A recall.
		Affected map[string][]json.RawMessage `json:"affected"`
		Events   []json.RawMessage            `json:"events"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return lotAnswer{}, fmt.Errorf("GET %s: %v", u, err)
	}
	a := lotAnswer{latency: lat}
	if doc.Affected != nil {
		for _, list := range doc.Affected {
			a.nodes += len(list)
		}
		a.edges = len(doc.Events)
		return a, nil
	}
	a.nodes, a.edges = len(doc.Nodes), len(doc.Edges)
	// Hops: the farthest lot from the traced one by consumed-into edges,
	// either way.
	next := map[string][]string{}
	for _, e := range doc.Edges {
		if e.Kind == "consumed-into" {
			next[e.From] = append(next[e.From], e.To)
			next[e.To] = append(next[e.To], e.From)
		}
	}
	// The graph names lots canonically, which need not be how lot was
	// written: start from the graph's own name of the lot.
	start := doc.Lot
	if start == "" {
		start = lot
	}
	dist := map[string]int{start: 0}
	queue := []string{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range next[n] {
			if _, seen := dist[m]; !seen {
				dist[m] = dist[n] + 1
				a.hops = max(a.hops, dist[m])
				queue = append(queue, m)
			}
		}
	}
	return a, nil
}

func writeTraceTable(w io.Writer, rs []traceResult) {
	fmt.Fprintln(w, "| query | request | lot depth | requests | nodes (min / mean / max) | edges mean | hops (mean / max) | p50 ms | p99 ms | max ms | target |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | --- |")
	for _, q := range rs {
		verdict := "met"
		switch {
		case q.Runs == 0:
			verdict = "**no answer**"
		case q.OverTarget:
			verdict = "**MISSED**"
		}
		verdict += fmt.Sprintf(" (p50 ≤ %g, p99 ≤ %g ms)", q.TargetP50, q.TargetP99)
		if q.Errors > 0 {
			verdict += fmt.Sprintf(", %d errors", q.Errors)
		}
		hops := fmt.Sprintf("%.1f / %d", q.AvgHops, q.MaxHops)
		edges := fmt.Sprintf("%.1f", q.AvgEdges)
		switch {
		case strings.HasPrefix(q.Name, "recall") && !strings.Contains(q.Shape, "/ui/"):
			hops, edges = "n/a", fmt.Sprintf("%.1f CTEs", q.AvgEdges)
		case strings.Contains(q.Shape, "/ui/"):
			hops = "n/a (drawn)"
		}
		fmt.Fprintf(w, "| %s | `%s` | %d | %d | %d / %.1f / %d | %s | %s | %.2f | %.2f | %.2f | %s |\n", q.Name, q.Shape,
			q.Depth, q.Runs, q.MinNodes, q.AvgNodes, q.MaxNodes, edges, hops, q.P50ms, q.P99ms, q.MaxMs, verdict)
	}
}
