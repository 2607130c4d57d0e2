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
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis/epcisgen"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// The latency target of issue 4 for every query, at a million events on
// the 2-core benchmark machine.
const (
	queryTargetP50 = 5 * time.Millisecond
	queryTargetP99 = 25 * time.Millisecond
)

// samplesFile keeps, in a kept data directory, the query values drawn from
// the loaded events, so that --reuse can query without generating again.
const samplesFile = "bench-query-samples.json"

// benchQueryConfig is what `lotline bench query` can be told.
type benchQueryConfig struct {
	benchRunFlags
	PerPage int
	Pages   int
}

func parseBenchQuery(args []string, stderr io.Writer) (*benchQueryConfig, error) {
	c := benchQueryConfig{}
	fs := flag.NewFlagSet("lotline bench query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs, 200, 20, "timed requests per query (for the page walk: page requests, in walks of --pages)",
		"with --data: when the directory already holds a loaded benchmark, query it without loading (--events and --seed are then those it was loaded with)",
		"also write the report as JSON to this file (- for stdout, instead of the table)")
	fs.IntVar(&c.PerPage, "per-page", 100, "perPage of every query")
	fs.IntVar(&c.Pages, "pages", 50, "pages of one walk")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	if fs.NArg() > 0 {
		return nil, &exitError{2, fmt.Errorf("bench query takes no arguments, got %q", fs.Args())}
	}
	errs := c.check(func(n string) bool {
		return slices.ContainsFunc(benchQueries, func(q benchQuery) bool { return q.Name == n })
	})
	for _, x := range []struct {
		name string
		v    int
	}{{"per-page", c.PerPage}, {"pages", c.Pages}} {
		if x.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s: %d is not a positive integer", x.name, x.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return &c, nil
}

// querySamples are query values drawn from the generated events, so that
// every query asks about something that exists.
type querySamples struct {
	Seed         uint64       `json:"seed"`
	Events       int          `json:"events"`
	EventIDs     []string     `json:"eventIDs"`     // urn:uuid eventIDs
	EPCs         []string     `json:"epcs"`         // commissioned cases
	Pallets      []string     `json:"pallets"`      // SSCCs
	LotClasses   []string     `json:"lotClasses"`   // quantityList classes
	Patterns     []string     `json:"patterns"`     // idpat of the products of the cases
	Steps        []timedValue `json:"steps"`        // a bizStep and the time of one event with it
	BizLocations []string     `json:"bizLocations"` // areas
	Sites        []string     `json:"sites"`        // the parents of the areas in the master data
	POs          []string     `json:"pos"`          // purchase orders
	TypeDisps    [][2]string  `json:"typeDisps"`    // eventType and disposition seen together
	Zones        []string     `json:"zones"`        // values of the temperatureZone extension
	Lines        []string     `json:"lines"`        // values of the ILMD productionLine extension
	WalkSteps    []string     `json:"walkSteps"`    // the most frequent bizSteps
	First        time.Time    `json:"first"`        // eventTime span
	Last         time.Time    `json:"last"`
}

type timedValue struct {
	Value string    `json:"v"`
	Time  time.Time `json:"t"`
}

// reservoir keeps a uniform sample of at most cap values.
type reservoir[T any] struct {
	items []T
	seen  int
}

const reservoirSize = 1000

func (r *reservoir[T]) add(rng *rand.Rand, v T) {
	r.seen++
	if len(r.items) < reservoirSize {
		r.items = append(r.items, v)
	} else if i := rng.IntN(r.seen); i < reservoirSize {
		r.items[i] = v
	}
}

// sampler collects query values from generated documents.
type sampler struct {
	rng                      *rand.Rand
	eventIDs, epcs, pallets  reservoir[string]
	lots, pos                reservoir[string]
	steps                    reservoir[timedValue]
	patterns, bizLocs, zones map[string]bool
	lines                    map[string]bool
	typeDisps                map[[2]string]bool
	stepCount                map[string]int
	parent                   map[string]string // area -> site, from the master data
	first, last              time.Time
}

func newSampler(seed uint64) *sampler {
	return &sampler{rng: rand.New(rand.NewPCG(seed, 7)), patterns: map[string]bool{}, bizLocs: map[string]bool{},
		zones: map[string]bool{}, lines: map[string]bool{}, typeDisps: map[[2]string]bool{},
		stepCount: map[string]int{}, parent: map[string]string{}}
}

func (s *sampler) document(doc map[string]any) {
	if h, ok := doc["epcisHeader"].(map[string]any); ok {
		md, _ := h["epcisMasterData"].(map[string]any)
		vl, _ := md["vocabularyList"].([]any)
		for _, v := range vl {
			voc := v.(map[string]any)
			if voc["type"] != epcisgen.VocabBusinessLocation {
				continue
			}
			for _, e := range voc["vocabularyElementList"].([]any) {
				el := e.(map[string]any)
				ch, _ := el["children"].([]any)
				for _, c := range ch {
					s.parent[c.(string)] = el["id"].(string)
				}
			}
		}
	}
	for _, x := range doc["epcisBody"].(map[string]any)["eventList"].([]any) {
		s.event(x.(map[string]any))
	}
}

func (s *sampler) event(ev map[string]any) {
	str := func(k string) string { v, _ := ev[k].(string); return v }
	typ := str("type")
	t, err := time.Parse(time.RFC3339Nano, str("eventTime"))
	if err == nil {
		t = t.UTC()
		if s.first.IsZero() || t.Before(s.first) {
			s.first = t
		}
		if t.After(s.last) {
			s.last = t
		}
	}
	if id := str("eventID"); strings.HasPrefix(id, "urn:uuid:") {
		s.eventIDs.add(s.rng, id)
	}
	if typ == "ObjectEvent" && str("action") == "ADD" {
		for _, e := range ev["epcList"].([]any) {
			epc := e.(string)
			s.epcs.add(s.rng, epc)
			if rest, ok := strings.CutPrefix(epc, "urn:epc:id:sgtin:"); ok {
				if i := strings.LastIndexByte(rest, '.'); i > 0 {
					s.patterns["urn:epc:idpat:sgtin:"+rest[:i]+".*"] = true
				}
			}
		}
	}
	if typ == "AggregationEvent" && str("action") == "ADD" {
		s.pallets.add(s.rng, str("parentID"))
	}
	if ql, ok := ev["quantityList"].([]any); ok {
		for _, q := range ql {
			s.lots.add(s.rng, q.(map[string]any)["epcClass"].(string))
		}
	}
	if step := str("bizStep"); step != "" {
		s.stepCount[step]++
		if err == nil {
			s.steps.add(s.rng, timedValue{step, t})
		}
	}
	if bl, ok := ev["bizLocation"].(map[string]any); ok {
		s.bizLocs[bl["id"].(string)] = true
	}
	if bts, ok := ev["bizTransactionList"].([]any); ok {
		for _, b := range bts {
			if bm := b.(map[string]any); bm["type"] == "po" {
				s.pos.add(s.rng, bm["bizTransaction"].(string))
			}
		}
	}
	if d := str("disposition"); d != "" {
		s.typeDisps[[2]string{typ, d}] = true
	}
	if z, ok := ev[epcisgen.ExtensionPrefix+":temperatureZone"].(string); ok {
		s.zones[z] = true
	}
	if ilmd, ok := ev["ilmd"].(map[string]any); ok {
		if l, ok := ilmd[epcisgen.ExtensionPrefix+":productionLine"].(string); ok {
			s.lines[l] = true
		}
	}
}

func sortedKeys[K comparable](m map[K]bool, less func(a, b K) int) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, less)
	return out
}

func (s *sampler) samples(seed uint64, events int) *querySamples {
	q := &querySamples{Seed: seed, Events: events, EventIDs: s.eventIDs.items, EPCs: s.epcs.items,
		Pallets: s.pallets.items, LotClasses: s.lots.items, Steps: s.steps.items, POs: s.pos.items,
		First: s.first, Last: s.last}
	q.Patterns = sortedKeys(s.patterns, strings.Compare)
	q.BizLocations = sortedKeys(s.bizLocs, strings.Compare)
	sites := map[string]bool{}
	for bl := range s.bizLocs {
		if p, ok := s.parent[bl]; ok {
			sites[p] = true
		}
	}
	q.Sites = sortedKeys(sites, strings.Compare)
	q.Zones = sortedKeys(s.zones, strings.Compare)
	q.Lines = sortedKeys(s.lines, strings.Compare)
	q.TypeDisps = sortedKeys(s.typeDisps, func(a, b [2]string) int {
		return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1])
	})
	steps := make([]string, 0, len(s.stepCount))
	for k := range s.stepCount {
		steps = append(steps, k)
	}
	sort.Slice(steps, func(i, j int) bool {
		if s.stepCount[steps[i]] != s.stepCount[steps[j]] {
			return s.stepCount[steps[i]] > s.stepCount[steps[j]]
		}
		return steps[i] < steps[j]
	})
	q.WalkSteps = steps[:min(3, len(steps))]
	return q
}

// benchQuery is one representative query. Request returns the path and
// query string of one request, with values drawn by r from the samples.
type benchQuery struct {
	Name    string
	Shape   string // the parameters, for the table
	Walk    bool   // follow rel="next" up to --pages pages
	Request func(r *rand.Rand, s *querySamples) string
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func eventsURL(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "/events?" + v.Encode()
}

var benchQueries = []benchQuery{
	{"eventID", "GET /events/{eventID}", false, func(r *rand.Rand, s *querySamples) string {
		return "/events/" + url.PathEscape(pick(r, s.EventIDs))
	}},
	{"epc", "MATCH_epc={case SGTIN}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("MATCH_epc", pick(r, s.EPCs))
	}},
	{"anyEPC", "MATCH_anyEPC={pallet SSCC}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("MATCH_anyEPC", pick(r, s.Pallets))
	}},
	{"lotClass", "MATCH_epcClass={LGTIN}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("MATCH_epcClass", pick(r, s.LotClasses))
	}},
	{"idpat", "MATCH_epc=urn:epc:idpat:sgtin:{product}.*", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("MATCH_epc", pick(r, s.Patterns))
	}},
	{"bizStepDay", "EQ_bizStep={step}&GE_eventTime={t}&LT_eventTime={t+24h}", false, func(r *rand.Rand, s *querySamples) string {
		tv := pick(r, s.Steps)
		from := tv.Time.Add(-time.Duration(r.Int64N(int64(24 * time.Hour))))
		return eventsURL("EQ_bizStep", tv.Value, "GE_eventTime", from.Format(time.RFC3339Nano),
			"LT_eventTime", from.Add(24*time.Hour).Format(time.RFC3339Nano))
	}},
	{"bizLocation", "EQ_bizLocation={area SGLN}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("EQ_bizLocation", pick(r, s.BizLocations))
	}},
	{"wdBizLocation", "WD_bizLocation={site SGLN}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("WD_bizLocation", pick(r, s.Sites))
	}},
	{"bizTransaction", "EQ_bizTransaction_po={PO}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("EQ_bizTransaction_po", pick(r, s.POs))
	}},
	{"typeDisposition", "eventType={type}&EQ_disposition={disposition}", false, func(r *rand.Rand, s *querySamples) string {
		td := pick(r, s.TypeDisps)
		return eventsURL("eventType", td[0], "EQ_disposition", td[1])
	}},
	{"extension", "EQ_{ns}temperatureZone={zone}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("EQ_"+epcisgen.TemperatureZone, pick(r, s.Zones))
	}},
	{"ilmdExtension", "EQ_ILMD_{ns}productionLine={line}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("EQ_ILMD_"+epcisgen.ProductionLine, pick(r, s.Lines))
	}},
	{"orderByEventTime", "EQ_bizStep={step}&orderBy=eventTime&orderDirection={ASC|DESC}", false, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("EQ_bizStep", pick(r, s.Steps).Value, "orderBy", "eventTime",
			"orderDirection", pick(r, []string{"ASC", "DESC"}))
	}},
	{"walk", "EQ_bizStep={frequent step}, pages 1 to --pages by rel=\"next\"", true, func(r *rand.Rand, s *querySamples) string {
		return eventsURL("EQ_bizStep", pick(r, s.WalkSteps))
	}},
}

// queryResult is what the runs of one query measured.
type queryResult struct {
	Name       string  `json:"name"`
	Shape      string  `json:"shape"`
	Runs       int     `json:"runs"`
	P50ms      float64 `json:"p50Ms"`
	P99ms      float64 `json:"p99Ms"`
	MaxMs      float64 `json:"maxMs"`
	MinResults int     `json:"minResults"`
	MaxResults int     `json:"maxResults"`
	AvgResults float64 `json:"avgResults"`
	Empty      int     `json:"empty"` // runs that returned no event
	Pages      int     `json:"pages,omitempty"`
	WalkP50ms  float64 `json:"walkP50Ms,omitempty"` // a whole walk
	Errors     int     `json:"errors"`
	FirstError string  `json:"firstError,omitempty"`
	OverTarget bool    `json:"overTarget"`
}

// queryReport is the whole benchmark's outcome.
type queryReport struct {
	Events       int     `json:"events"`
	Seed         uint64  `json:"seed"`
	Loaded       bool    `json:"loaded"` // false with --reuse
	LoadSeconds  float64 `json:"loadSeconds,omitempty"`
	LoadFailed   int     `json:"loadFailedJobs,omitempty"`
	DBBytes      int64   `json:"dbBytes"`
	WALBytes     int64   `json:"walBytes"`
	PeakLoadRSS  int64   `json:"peakLoadRSS,omitempty"`
	RSSAfterLoad int64   `json:"rssAfterLoad"`
	// SettleSeconds is the wait for the term index compaction.
	SettleSeconds float64       `json:"settleSeconds"`
	PeakQueryRSS  int64         `json:"peakQueryRSS"`
	PerPage       int           `json:"perPage"`
	GOMAXPROCS    int           `json:"gomaxprocs"`
	Queries       []queryResult `json:"queries"`
}

func runBenchQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseBenchQuery(args, stderr)
	if err != nil {
		return err
	}
	dir := c.Data
	if dir == "" {
		if dir, err = os.MkdirTemp("", "lotline-bench-query-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	dbPath := filepath.Join(dir, sqlitestore.FileName)
	var samples *querySamples
	if _, err := os.Stat(dbPath); err == nil {
		if !c.Reuse {
			return &exitError{2, fmt.Errorf("--data %s already holds a database: add --reuse to query it, or give an empty directory", dir)}
		}
		b, err := os.ReadFile(filepath.Join(dir, samplesFile))
		if err != nil {
			return fmt.Errorf("--reuse: %s holds a database but no %s (was it loaded by bench query?): %w", dir, samplesFile, err)
		}
		samples = new(querySamples)
		if err := json.Unmarshal(b, samples); err != nil {
			return fmt.Errorf("--reuse: %s: %w", samplesFile, err)
		}
		if samples.Seed != c.Seed || samples.Events != c.Events {
			fmt.Fprintf(stderr, "bench query: reusing %s, loaded with --events %d --seed %d\n", dir, samples.Events, samples.Seed)
		}
	}

	srv, err := startBenchServer(ctx, dir, c.EventsPerDoc, c.Clients, stderr)
	if err != nil {
		return err
	}
	defer srv.close(ctx)
	base := "http://" + srv.Addr

	rep := &queryReport{PerPage: c.PerPage, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	fmt.Fprintf(stdout, "lotline bench query\n")
	fmt.Fprintf(stdout, "store:        %s, GOMAXPROCS %d\n", srv.Store.where, rep.GOMAXPROCS)
	if samples == nil {
		runtime.GC()
		resetPeakRSS()
		s, wall, failed, err := loadEvents(ctx, c, srv, stdout)
		if err != nil {
			return err
		}
		samples = s
		rep.Loaded, rep.LoadSeconds, rep.LoadFailed = true, wall.Seconds(), failed
		rep.PeakLoadRSS = procStatusBytes("VmHWM")
		if failed > 0 {
			return fmt.Errorf("bench query: %d capture jobs failed while loading", failed)
		}
		b, err := json.Marshal(samples)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, samplesFile), b, 0o644); err != nil {
			return err
		}
	}
	rep.Events, rep.Seed = samples.Events, samples.Seed
	if rep.SettleSeconds, err = settleSeconds(ctx, srv); err != nil {
		return err
	}
	runtime.GC()
	rep.RSSAfterLoad = procStatusBytes("VmRSS")
	rep.DBBytes, rep.WALBytes = dbSize(dir)
	if rep.Loaded {
		fmt.Fprintf(stdout, "load:         %d events in %s, %.0f events/s (%s)\n",
			rep.Events, time.Duration(rep.LoadSeconds*float64(time.Second)).Round(time.Millisecond),
			float64(rep.Events)/rep.LoadSeconds, loadHow(c.Load, c.EventsPerDoc, c.Clients))
		fmt.Fprintf(stdout, "peak RSS:     %s during the load (VmHWM: server, clients and generator)\n", mb(rep.PeakLoadRSS))
	} else {
		fmt.Fprintf(stdout, "load:         none (--reuse of %d events, seed %d)\n", rep.Events, rep.Seed)
	}
	after := "after the load"
	if !rep.Loaded {
		after = "after opening the store"
	}
	fmt.Fprintf(stdout, "RSS:          %s %s and a GC (VmRSS)\n", mb(rep.RSSAfterLoad), after)
	fmt.Fprintf(stdout, "database:     %s on disk (%s, of which WAL %s)\n", mb(rep.DBBytes+rep.WALBytes), dbPath, mb(rep.WALBytes))
	settleLine(stdout, rep.SettleSeconds)
	fmt.Fprintf(stdout, "event span:   %s to %s\n", samples.First.Format(time.DateOnly), samples.Last.Format(time.DateOnly))

	var stopProfile func() error
	if c.CPUProfile != "" {
		if stopProfile, err = startCPUProfile(c.CPUProfile); err != nil {
			return err
		}
	}
	resetPeakRSS()
	rep.Queries, err = runQueries(ctx, c, base, samples)
	rep.PeakQueryRSS = procStatusBytes("VmHWM")
	if stopProfile != nil {
		if err := stopProfile(); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "queries:      perPage %d, %d timed requests each after %d untimed, one client, full response read\n",
		c.PerPage, c.Runs, c.Warmup)
	fmt.Fprintf(stdout, "peak RSS:     %s while querying (VmHWM)\n", mb(rep.PeakQueryRSS))
	if c.CPUProfile != "" {
		fmt.Fprintf(stdout, "cpu profile:  %s (go tool pprof -top %s)\n", c.CPUProfile, c.CPUProfile)
	}
	fmt.Fprintln(stdout)
	writeQueryTable(stdout, rep.Queries, c.Pages)

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
		return fmt.Errorf("bench query: %s", strings.Join(bad, "; "))
	}
	return ctx.Err()
}

// loadEvents generates c.Events events and captures them through POST
// /capture with c.Clients clients, drawing query values on the way.
func loadEvents(ctx context.Context, c *benchQueryConfig, srv *server, stdout io.Writer) (*querySamples, time.Duration, int, error) {
	smp := newSampler(c.Seed)
	wall, failed, err := loadGenerated(ctx, loadSpec{Gen: epcisgen.New(c.Seed), Events: c.Events,
		EventsPerDoc: c.EventsPerDoc, Clients: c.Clients, OnDoc: smp.document, Load: c.Load, Owner: c.Owner}, srv, stdout)
	if err != nil {
		return nil, wall, failed, err
	}
	return smp.samples(c.Seed, c.Events), wall, failed, nil
}

// runQueries runs every query: warm-up requests, then timed ones, one at
// a time.
func runQueries(ctx context.Context, c *benchQueryConfig, base string, s *querySamples) ([]queryResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := c.client(tr)
	r := rand.New(rand.NewPCG(s.Seed, 99))
	var out []queryResult
	for _, q := range benchQueries {
		if len(c.Only) > 0 && !slices.Contains(c.Only, q.Name) {
			continue
		}
		res, err := runQuery(ctx, c, hc, base, s, q, r)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// pageResult is one request's outcome.
type pageResult struct {
	latency time.Duration
	events  int
	next    string // the rel="next" target, if any
}

func runQuery(ctx context.Context, c *benchQueryConfig, hc *http.Client, base string, s *querySamples, q benchQuery, r *rand.Rand) (queryResult, error) {
	res := queryResult{Name: q.Name, Shape: q.Shape}
	var lat, walks []time.Duration
	var counts []int
	fail := func(err error) {
		res.Errors++
		if res.FirstError == "" {
			res.FirstError = err.Error()
		}
	}
	perPage := "perPage=" + strconv.Itoa(c.PerPage)
	one := func(timed bool) {
		target := q.Request(r, s)
		if strings.HasPrefix(target, "/events?") {
			target += "&" + perPage // not for a single event by ID
		}
		pages := 1
		if q.Walk {
			pages = c.Pages
		}
		var walk time.Duration
		for p := 0; p < pages && target != ""; p++ {
			pr, err := getPage(ctx, hc, base+target)
			if err != nil {
				if timed {
					fail(err)
				}
				return
			}
			walk += pr.latency
			if timed {
				lat = append(lat, pr.latency)
				counts = append(counts, pr.events)
				res.Pages++
			}
			target = pr.next
		}
		if timed && q.Walk {
			walks = append(walks, walk)
		}
	}
	warm, runs := c.Warmup, c.Runs
	if q.Walk {
		// Walks are counted in page requests.
		warm = (warm + c.Pages - 1) / c.Pages
		runs = max(1, (runs+c.Pages-1)/c.Pages)
	}
	for range warm {
		one(false)
	}
	for range runs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		one(true)
	}
	res.Runs = len(lat)
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50ms, res.P99ms, res.MaxMs = ms(percentile(lat, 50)), ms(percentile(lat, 99)), ms(lat[len(lat)-1])
		res.MinResults, res.MaxResults = slices.Min(counts), slices.Max(counts)
		sum := 0
		for _, n := range counts {
			sum += n
			if n == 0 {
				res.Empty++
			}
		}
		res.AvgResults = float64(sum) / float64(len(counts))
		res.OverTarget = percentile(lat, 50) > queryTargetP50 || percentile(lat, 99) > queryTargetP99
	}
	if len(walks) > 0 {
		slices.Sort(walks)
		res.WalkP50ms = ms(percentile(walks, 50))
	}
	if !q.Walk {
		res.Pages = 0
	}
	return res, nil
}

// getPage sends one GET and reads the whole answer; the latency covers
// the request and the body, not the decoding done here afterwards to
// count the events.
func getPage(ctx context.Context, hc *http.Client, u string) (pageResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return pageResult{}, err
	}
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return pageResult{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	lat := time.Since(t0)
	if err != nil {
		return pageResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return pageResult{}, fmt.Errorf("GET %s: %s: %s", strings.TrimPrefix(u, "http://"), resp.Status,
			bytes.TrimSpace(body[:min(len(body), 300)]))
	}
	var doc queryPage
	if err := json.Unmarshal(body, &doc); err != nil {
		return pageResult{}, fmt.Errorf("GET %s: %v", u, err)
	}
	pr := pageResult{latency: lat, events: len(doc.events())}
	pr.next = nextLink(resp.Header.Get("Link"))
	return pr, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mb(b int64) string {
	if b <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func writeQueryTable(w io.Writer, rs []queryResult, pages int) {
	fmt.Fprintf(w, "| query | parameters | requests | events per page (min / mean / max) | p50 ms | p99 ms | max ms | target (p50 ≤ %d, p99 ≤ %d ms) |\n",
		queryTargetP50.Milliseconds(), queryTargetP99.Milliseconds())
	fmt.Fprintln(w, "| --- | --- | ---: | --- | ---: | ---: | ---: | --- |")
	for _, q := range rs {
		verdict := "met"
		switch {
		case q.Runs == 0:
			verdict = "**no answer**"
		case q.OverTarget:
			verdict = "**MISSED**"
		}
		if q.Empty > 0 {
			verdict += fmt.Sprintf(", %d empty pages", q.Empty)
		}
		if q.Errors > 0 {
			verdict += fmt.Sprintf(", %d errors", q.Errors)
		}
		name := q.Name
		if q.WalkP50ms > 0 {
			name += fmt.Sprintf(" (whole walk of up to %d pages: p50 %.0f ms)", pages, q.WalkP50ms)
		}
		fmt.Fprintf(w, "| %s | `%s` | %d | %d / %.1f / %d | %.2f | %.2f | %.2f | %s |\n", name, q.Shape, q.Runs,
			q.MinResults, q.AvgResults, q.MaxResults, q.P50ms, q.P99ms, q.MaxMs, verdict)
	}
}

// dbSize returns the sizes of the SQLite database file and its WAL (and
// shared-memory) files in dir.
func dbSize(dir string) (db, wal int64) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, sqlitestore.FileName) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if name == sqlitestore.FileName {
			db += info.Size()
		} else {
			wal += info.Size()
		}
	}
	return db, wal
}

// procStatusBytes returns a "kB" field of /proc/self/status (VmRSS,
// VmHWM) in bytes, or 0.
func procStatusBytes(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
