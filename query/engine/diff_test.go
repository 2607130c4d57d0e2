package engine_test

// The differential test: random events captured into each store, random
// queries answered by the engine page by page, and every answer compared
// with the reference (querytest.Expect over query.Match), in order.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/query/engine"
	"github.com/lotline/lotline/query/querytest"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
	"github.com/lotline/lotline/store/mongo/mongotest"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

var (
	diffSeed = flag.Uint64("diff.seed", 20261126, "seed of the differential test's data and queries; 0 picks a new one")
	diffN    = flag.Float64("diff.scale", 1, "scales the differential test's event and query counts")
)

// diffSizes are the sizes of each store's run. FerretDB needs about
// 0.25 ms per stored document per query, so Mongo gets a few hundred
// events and few pages per query.
var diffSizes = map[string]struct{ events, queries, maxPages int }{
	"sqlite": {1000, 700, 6},
	"mongo":  {200, 180, 3},
	"http":   {0, 120, 4}, // on the SQLite store
}

// maxMismatches is how many wrong answers a run collects before it stops,
// so one run shows many bugs without drowning in one.
const maxMismatches = 10

const diffOwner = "urn:lotline:party:diff"

func diffSeedOf(t *testing.T) uint64 {
	s := *diffSeed
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -diff.seed=%d)", s, s)
	return s
}

func diffScaled(n int) int { return max(1, int(float64(n)**diffN)) }

// TestDifferential checks that the engine on each store answers random
// queries exactly as the reference does, over every page.
func TestDifferential(t *testing.T) {
	for _, name := range []string{"sqlite", "mongo"} {
		t.Run(name, func(t *testing.T) {
			size := diffSizes[name]
			s := diffSeedOf(t)
			g := querytest.New(s)
			fx := loadDiff(t, openDiffStore(t, name), g, diffScaled(size.events))
			eng := engine.New(fx.st, engine.Config{})
			c := diffChecker{t: t, fx: fx, seed: s, maxPages: size.maxPages, bodies: true}
			answer := func(q *query.Query, _ url.Values) walkResult { return walkEngine(eng, q) }
			c.run(diffScaled(size.queries), g, answer)
			if name == "sqlite" {
				c.cover(g, answer)
			}
			c.report()
			if name != "sqlite" {
				return
			}
			// The same queries over HTTP: GET /events, walking the
			// Link rel="next" of each page.
			t.Run("http", func(t *testing.T) {
				size := diffSizes["http"]
				srv := startAPI(t, fx.st)
				c := diffChecker{t: t, fx: fx, seed: s, maxPages: size.maxPages}
				c.run(diffScaled(size.queries), g, func(_ *query.Query, v url.Values) walkResult { return walkHTTP(t, srv, fx, v) })
				c.report()
			})
		})
	}
}

func openDiffStore(t *testing.T, name string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	switch name {
	case "sqlite":
		st, err = sqlitestore.Open(ctx, t.TempDir())
	case "mongo":
		st, err = mongostore.Open(ctx, mongotest.Start(t), mongostore.Options{})
	}
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fixture is a store loaded with generated documents, and what the
// reference knows of them.
type diffFixture struct {
	st     store.Store
	all    []*querytest.Stored          // in Seq order
	byKey  map[string]*querytest.Stored // by UniqueKey
	bodies map[string][]byte            // the bodies capture prepared, by UniqueKey
	md     *query.StoredMasterData
	facts  querytest.Facts
}

// load captures n generated events (and their error declarations) through
// capture.Service, one document at a time, and reads back what was stored.
func loadDiff(t *testing.T, st store.Store, g *querytest.Gen, n int) *diffFixture {
	t.Helper()
	ctx := context.Background()
	cs := capture.New(st, schemas.MustCompile(), capture.Config{Workers: 1}, nil, capture.Hooks{})
	if err := cs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	fx := &diffFixture{st: st, byKey: map[string]*querytest.Stored{}, bodies: map[string][]byte{}}
	var md [][]store.VocabularyElement
	start := time.Now()
	docs := g.Documents(n)
	for i, d := range docs {
		p, err := cs.Prepare(d.Doc, capture.Rollback, diffOwner)
		if err != nil {
			t.Fatalf("seed %d: capture refused generated document %d (a generator bug): %v\n%s", g.Seed(), i, err, d.JSON())
		}
		for _, e := range p.Events() {
			if _, dup := fx.bodies[e.UniqueKey]; dup {
				t.Fatalf("seed %d: document %d repeats event %s (a generator bug)", g.Seed(), i, e.UniqueKey)
			}
			fx.bodies[e.UniqueKey] = e.Body
		}
		job, err := cs.Submit(ctx, p, diffOwner)
		if err != nil {
			t.Fatalf("submit document %d: %v", i, err)
		}
		for {
			if _, running := cs.RunningJob(job.ID); !running {
				break
			}
			time.Sleep(time.Millisecond)
		}
		j, err := st.Job(ctx, job.ID)
		if err != nil {
			t.Fatalf("job of document %d: %v", i, err)
		}
		if !j.Success || j.StoredCount != d.Events {
			t.Fatalf("document %d: job success %v, stored %d of %d: %+v", i, j.Success, j.StoredCount, d.Events, j.Errors)
		}
		md = append(md, querytest.DocumentMasterData(d.Doc))
	}
	captured := time.Since(start)

	// Seq and recordTime are the store's; read them with a scan that
	// passes everything (the store contract's own suite tests Events).
	err := st.Events(ctx, store.Scan{}, func(e *store.Event) (bool, error) {
		body, ok := fx.bodies[e.UniqueKey]
		if !ok {
			return false, fmt.Errorf("the store holds event %q, which was not captured", e.UniqueKey)
		}
		s, err := querytest.NewStored(e.Seq, e.UniqueKey, e.RecordTime, body)
		if err != nil {
			return false, err
		}
		fx.all = append(fx.all, s)
		fx.byKey[e.UniqueKey] = s
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fx.all) != len(fx.bodies) {
		t.Fatalf("the store holds %d events, %d were captured", len(fx.all), len(fx.bodies))
	}
	merged := querytest.MergeMasterData(md...)
	fx.md = query.NewMasterData(merged)
	if stored, err := st.MasterData(ctx); err != nil {
		t.Fatal(err)
	} else if d := diffMasterData(merged, stored); d != "" {
		t.Errorf("stored master data differs from the captured headers merged: %s", d)
	}
	fx.facts = querytest.FactsOf(fx.all)
	t.Logf("captured %d events (%d documents, %d record times) in %v", len(fx.all), len(docs), len(fx.facts.RecordTimes), captured.Round(time.Millisecond))
	return fx
}

// diffMasterData compares master data element by element (attributes by
// id, values as JSON); "" when equal.
func diffMasterData(want, got []store.VocabularyElement) string {
	type norm struct {
		Attrs    map[string]any
		Children []string
	}
	index := func(list []store.VocabularyElement) map[string]norm {
		m := map[string]norm{}
		for _, e := range list {
			n := norm{Attrs: map[string]any{}, Children: e.Children}
			for _, a := range e.Attributes {
				var v any
				json.Unmarshal(a.Value, &v)
				n.Attrs[a.ID] = v
			}
			m[e.Type+" "+e.ID] = n
		}
		return m
	}
	w, g := index(want), index(got)
	var diffs []string
	for k, wv := range w {
		if gv, ok := g[k]; !ok {
			diffs = append(diffs, "missing "+k)
		} else if !reflect.DeepEqual(wv.Attrs, gv.Attrs) || !slices.Equal(wv.Children, gv.Children) {
			diffs = append(diffs, fmt.Sprintf("%s: got %+v, want %+v", k, gv, wv))
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			diffs = append(diffs, "unexpected "+k)
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

// result is an answer to a query: the events of all pages in order, or an
// error; pages counts the pages.
type walkResult struct {
	events []*store.Event
	pages  []int // events per page
	err    error
}

// walkEngine reads every page of q from the engine.
func walkEngine(eng *engine.Engine, q *query.Query) walkResult {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var r walkResult
	var after *engine.Position
	for {
		p, err := eng.Page(ctx, q, store.Readers{}, after)
		if err != nil {
			r.err = err
			return r
		}
		r.events = append(r.events, p.Events...)
		r.pages = append(r.pages, len(p.Events))
		if p.Next == nil {
			return r
		}
		if len(r.pages) > 10_000 {
			r.err = errors.New("more than 10000 pages: the walk does not end")
			return r
		}
		after = p.Next
	}
}

// checker runs queries against an answerer and collects mismatches.
type diffChecker struct {
	t        *testing.T
	fx       *diffFixture
	seed     uint64
	maxPages int

	// bodies says whether answers carry the stored bodies, which must
	// then be the bodies capture prepared.
	bodies bool

	queries, nonEmpty, exact, tooLarge, pages int
	families, familiesHit                     map[string]int
	mismatches                                int
	checkedBody                               map[string]bool
}

// run checks n random queries.
func (c *diffChecker) run(n int, g *querytest.Gen, answer func(*query.Query, url.Values) walkResult) {
	t := c.t
	c.families, c.familiesHit, c.checkedBody = map[string]int{}, map[string]int{}, map[string]bool{}
	start := time.Now()
	for i := 0; i < n && c.mismatches < maxMismatches; i++ {
		v := g.Query(c.fx.facts)
		q, err := query.Parse(v, query.ParseOptions{})
		if err != nil {
			c.mismatches++
			t.Errorf("seed %d, query %d: Parse refused a generated query (a generator or Parse bug): %v\n  %s", c.seed, i, err, showParams(v))
			continue
		}
		want := querytest.Expect(q, c.fx.all, c.fx.md)
		c.fitPages(q, v, want)
		got := answer(q, v)
		c.count(q, want, got)
		if msg := c.compare(q, want, got); msg != "" {
			c.mismatches++
			t.Errorf("seed %d, query %d: %s\n%s", c.seed, i, msg, c.explain(v, want, answer))
		}
	}
	t.Logf("%d random queries in %v", n, time.Since(start).Round(time.Millisecond))
}

// fitPages raises a small perPage so that walking the answer takes at most
// maxPages pages (the page size does not change the answer).
func (c *diffChecker) fitPages(q *query.Query, v url.Values, want querytest.Answer) {
	if n := len(want.Events); !want.TooLarge && n > q.PerPage*c.maxPages {
		q.PerPage = (n + c.maxPages - 1) / c.maxPages
		v.Set("perPage", fmt.Sprint(q.PerPage))
	}
}

func (c *diffChecker) count(q *query.Query, want querytest.Answer, got walkResult) {
	c.queries++
	if len(want.Events) > 0 {
		c.nonEmpty++
	}
	if want.TooLarge {
		c.tooLarge++
	}
	if query.Compile(q, c.fx.md).Exact {
		c.exact++
	}
	c.pages += len(got.pages)
	for _, f := range querytest.Families(q) {
		c.families[f]++
		if len(want.Events) > 0 {
			c.familiesHit[f]++
		}
	}
}

// compare returns what is wrong with got, or "".
func (c *diffChecker) compare(q *query.Query, want querytest.Answer, got walkResult) string {
	if want.TooLarge {
		if epcis.KindOf(got.err) == epcis.KindQueryTooLarge {
			return ""
		}
		return fmt.Sprintf("want QueryTooLargeException (%d events match, maxEventCount %d), got %d events, error %v",
			want.Matches, q.MaxEventCount, len(got.events), got.err)
	}
	if got.err != nil {
		return fmt.Sprintf("error %v", got.err)
	}
	for i, n := range got.pages {
		if n > q.PerPage || n == 0 && len(got.pages) > 1 {
			return fmt.Sprintf("page %d holds %d events (perPage %d); pages %v", i, n, q.PerPage, got.pages)
		}
	}
	wantKeys, gotKeys := storedKeys(want.Events), eventKeys(got.events)
	if !slices.Equal(wantKeys, gotKeys) {
		return "wrong events\n" + diffKeys(wantKeys, gotKeys)
	}
	for _, e := range got.events {
		if !c.bodies || c.checkedBody[e.UniqueKey] {
			continue
		}
		c.checkedBody[e.UniqueKey] = true
		s := c.fx.byKey[e.UniqueKey]
		if e.Seq != s.Seq || !e.RecordTime.Equal(s.RecordTime) || !e.EventTime.Equal(s.Event.EventTime) {
			return fmt.Sprintf("event %s: seq %d, recordTime %v, eventTime %v; stored as seq %d, recordTime %v, eventTime %v",
				e.UniqueKey, e.Seq, e.RecordTime, e.EventTime, s.Seq, s.RecordTime, s.Event.EventTime)
		}
		gotBody, err1 := querytest.DecodeBody(e.Body)
		wantBody, err2 := querytest.DecodeBody(c.fx.bodies[e.UniqueKey])
		if err1 != nil || err2 != nil || !reflect.DeepEqual(gotBody, wantBody) {
			return fmt.Sprintf("event %s: body differs from the captured one\n  got  %s\n  want %s", e.UniqueKey, e.Body, c.fx.bodies[e.UniqueKey])
		}
	}
	return ""
}

func storedKeys(list []*querytest.Stored) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.UniqueKey
	}
	return out
}

func eventKeys(list []*store.Event) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.UniqueKey
	}
	return out
}

// diffKeys shows two answers: their lengths, the first difference, and
// the events only one of them has.
func diffKeys(want, got []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  want %d events, got %d\n", len(want), len(got))
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			fmt.Fprintf(&b, "  first difference at %d: want %s, got %s\n", i, want[i], got[i])
			break
		}
	}
	missing, extra := setDiff(want, got), setDiff(got, want)
	if len(missing) > 0 {
		fmt.Fprintf(&b, "  missing: %s\n", trimList(missing))
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, "  unexpected: %s\n", trimList(extra))
	}
	if len(missing) == 0 && len(extra) == 0 {
		fmt.Fprintf(&b, "  same events, other order:\n  want %s\n  got  %s\n", trimList(want), trimList(got))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

func trimList(l []string) string {
	if len(l) > 12 {
		return strings.Join(l[:12], " ") + fmt.Sprintf(" ... (%d more)", len(l)-12)
	}
	return strings.Join(l, " ")
}

// explain shrinks a failing query to the fewest parameters that still
// fail, and shows it with its plan and one event it gets wrong.
func (c *diffChecker) explain(v url.Values, want querytest.Answer, answer func(*query.Query, url.Values) walkResult) string {
	fails := func(v url.Values) (bool, querytest.Answer, walkResult, *query.Query) {
		q, err := query.Parse(v, query.ParseOptions{})
		if err != nil {
			return false, querytest.Answer{}, walkResult{}, nil
		}
		w := querytest.Expect(q, c.fx.all, c.fx.md)
		c.fitPages(q, v, w)
		g := answer(q, v)
		return c.compare(q, w, g) != "", w, g, q
	}
	small := cloneValues(v)
	for changed := true; changed; {
		changed = false
		names := make([]string, 0, len(small))
		for k := range small {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if k == "perPage" {
				continue
			}
			try := cloneValues(small)
			try.Del(k)
			if k == "orderBy" {
				try.Del("eventCountLimit")
			}
			if ok, _, _, _ := fails(try); ok {
				small, changed = try, true
			}
		}
	}
	_, w, g, q := fails(small)
	var b strings.Builder
	fmt.Fprintf(&b, "  query:   %s\n", showParams(v))
	if q == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "  minimal: %s\n", showParams(small))
	plan := query.Compile(q, c.fx.md)
	fmt.Fprintf(&b, "  plan:    exact %v, terms %q, eventTime %v, recordTime %v\n", plan.Exact, plan.Filter.Terms, plan.Filter.EventTime, plan.Filter.RecordTime)
	if g.err != nil {
		fmt.Fprintf(&b, "  minimal query's error: %v", g.err)
		return b.String()
	}
	wk, gk := storedKeys(w.Events), eventKeys(g.events)
	b.WriteString(diffKeys(wk, gk))
	// One event the answer gets wrong, with its body.
	wrong := append(setDiff(wk, gk), setDiff(gk, wk)...)
	if len(wrong) == 0 {
		for i := range min(len(wk), len(gk)) {
			if wk[i] != gk[i] {
				wrong = []string{wk[i], gk[i]}
				break
			}
		}
	}
	for _, k := range wrong[:min(len(wrong), 2)] {
		s := c.fx.byKey[k]
		fmt.Fprintf(&b, "\n  event %s (seq %d, recordTime %s, Match %v): %s", k, s.Seq, s.RecordTime.Format(time.RFC3339Nano),
			query.Match(q, s.Event, s.RecordTime, c.fx.md), c.fx.bodies[k])
	}
	return b.String()
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}

// show writes query parameters readably (unescaped, in name order).
func showParams(v url.Values) string {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		for _, x := range v[k] {
			parts = append(parts, k+"="+x)
		}
	}
	return strings.Join(parts, "&")
}

// cover makes sure every parameter family had a query with results: for
// each family the random queries left without, it looks for a query with
// a single restriction of that family and a non-empty reference answer,
// and checks it. Not finding one means the generators no longer exercise
// the family.
func (c *diffChecker) cover(g *querytest.Gen, answer func(*query.Query, url.Values) walkResult) {
	t := c.t
	for _, f := range querytest.AllFamilies {
		if c.familiesHit[f] > 0 || c.mismatches >= maxMismatches {
			continue
		}
		found := false
		for try := 0; try < 5000 && !found; try++ {
			v := g.Single(c.fx.facts)
			q, err := query.Parse(v, query.ParseOptions{})
			if err != nil || !slices.Contains(querytest.Families(q), f) {
				continue
			}
			want := querytest.Expect(q, c.fx.all, c.fx.md)
			if len(want.Events) == 0 {
				continue
			}
			found = true
			c.fitPages(q, v, want)
			got := answer(q, v)
			c.count(q, want, got)
			if msg := c.compare(q, want, got); msg != "" {
				c.mismatches++
				t.Errorf("seed %d, query for %s: %s\n%s", c.seed, f, msg, c.explain(v, want, answer))
			}
		}
		if !found {
			t.Errorf("seed %d: no query with %s had a non-empty answer: the generators no longer exercise it", c.seed, f)
		}
	}
}

// report logs how often each parameter family ran and had results.
func (c *diffChecker) report() {
	names := make([]string, 0, len(c.families))
	for f := range c.families {
		names = append(names, f)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, f := range names {
		fmt.Fprintf(&b, " %s=%d/%d", f, c.familiesHit[f], c.families[f])
	}
	c.t.Logf("%d queries: %d with results, %d exact plans, %d QueryTooLarge, %d pages; families (with results/run):%s",
		c.queries, c.nonEmpty, c.exact, c.tooLarge, c.pages, b.String())
}
