package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// memStore is a store.Querier over a slice, following the contract's
// model (store/storetest): a filter of term disjunctions, owners and time
// ranges, orders by Seq or (eventTime, Seq), a keyset cursor.
type memStore struct {
	mu      sync.Mutex
	events  []*store.Event
	md      []store.VocabularyElement
	mdReads int
	mdTypes [][]string // the types each MasterData call asked for
	visits  int        // events passed to fn, over all scans
}

func (m *memStore) MasterData(ctx context.Context, types ...string) ([]store.VocabularyElement, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mdReads++
	m.mdTypes = append(m.mdTypes, types)
	var out []store.VocabularyElement
	for _, e := range m.md {
		if len(types) == 0 || slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out, nil
}

func passes(e *store.Event, f store.Filter) bool {
	for _, alts := range f.Terms {
		if !slices.ContainsFunc(alts, func(t string) bool { return slices.Contains(e.Terms, t) }) {
			return false
		}
	}
	if f.Owners != nil && !slices.Contains(f.Owners, e.Owner) {
		return false
	}
	in := func(t time.Time, r store.TimeRange) bool {
		return (r.GE.IsZero() || !t.Before(r.GE)) && (r.LT.IsZero() || t.Before(r.LT))
	}
	return in(e.EventTime, f.EventTime) && in(e.RecordTime, f.RecordTime)
}

func compareIn(key store.OrderKey, at time.Time, as int64, bt time.Time, bs int64) int {
	if key == store.ByEventTime {
		if c := at.Compare(bt); c != 0 {
			return c
		}
	}
	return cmp.Compare(as, bs)
}

func (m *memStore) Events(ctx context.Context, s store.Scan, fn func(*store.Event) (bool, error)) error {
	m.mu.Lock()
	var out []*store.Event
	for _, e := range m.events {
		if !passes(e, s.Filter) {
			continue
		}
		if c := s.After; c != nil {
			d := compareIn(s.Order, e.EventTime, e.Seq, c.Time, c.Seq)
			if (!s.Desc && d <= 0) || (s.Desc && d >= 0) {
				continue
			}
		}
		out = append(out, e)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b *store.Event) int {
		d := compareIn(s.Order, a.EventTime, a.Seq, b.EventTime, b.Seq)
		if s.Desc {
			return -d
		}
		return d
	})
	for _, e := range out {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.mu.Lock()
		m.visits++
		m.mu.Unlock()
		cp := *e
		ok, err := fn(&cp)
		if err != nil || !ok {
			return err
		}
	}
	return nil
}

// add stores an event body as capture would: terms derived by the query
// package, Seq and RecordTime assigned in order.
func (m *memStore) add(t *testing.T, owner string, body map[string]any) *store.Event {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	x, err := decode(&store.Event{Body: b})
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := int64(len(m.events) + 1)
	e := &store.Event{Seq: seq, EventID: x.EventID, UniqueKey: x.EventID, Type: x.Type, EventTime: x.EventTime,
		RecordTime: recordBase.Add(time.Duration(seq) * time.Second), Owner: owner, Terms: query.Terms(x), Body: b}
	m.events = append(m.events, e)
	return e
}

var (
	eventBase  = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	recordBase = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
)

const (
	rankIRI = "https://example.com/ns/rank"
	siteS   = "urn:epc:id:sgln:4012345.00000.0"
	locA    = "urn:epc:id:sgln:4012345.00001.0"
	locB    = "urn:epc:id:sgln:4012345.00002.0"
	locC    = "urn:epc:id:sgln:4012345.00003.0"
)

// rankKey is the test's own reading of the rank field each fixture event
// was given, for the reference order.
type rankKey struct {
	kind KeyKind
	num  float64
	tm   time.Time
	text string
}

type fixture struct {
	st    *memStore
	ranks map[int64]rankKey
}

// newFixture stores 60 events: eventTimes with ties (three events per
// minute, out of capture order), two bizSteps, three locations (two in
// site S's hierarchy), quantities 0-9, two owners, and an extension field
// ex:rank that is a number (with ties), a decimal text, a timestamp, plain
// text, or absent.
func newFixture(t *testing.T) *fixture {
	f := &fixture{st: &memStore{}, ranks: map[int64]rankKey{}}
	f.st.md = []store.VocabularyElement{{Type: query.VocabBusinessLocation, ID: siteS, Children: []string{locA, locB}, HasChildren: true}}
	for i := range 60 {
		body := map[string]any{
			"@context":            []any{"https://ref.gs1.org/standards/epcis/epcis-context.jsonld", map[string]any{"ex": "https://example.com/ns/"}},
			"type":                "ObjectEvent",
			"eventID":             fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i),
			"eventTime":           eventBase.Add(time.Duration(i*7%20) * time.Minute).Format(time.RFC3339),
			"eventTimeZoneOffset": "+00:00",
			"action":              "OBSERVE",
			"epcList":             []any{fmt.Sprintf("urn:epc:id:sgtin:4012345.011111.%d", i)},
			"bizStep":             map[bool]string{true: "shipping", false: "receiving"}[i%3 == 0],
			"bizLocation":         map[string]any{"id": []string{locA, locB, locC, locC}[i%4]},
			"quantityList":        []any{map[string]any{"epcClass": "urn:epc:class:lgtin:4012345.011111.L1", "quantity": i % 10}},
		}
		var k rankKey
		switch i % 5 {
		case 0:
			k.kind = KeyMissing
		case 1:
			k.kind, k.num = KeyNumber, float64(i*37%11)
			body["ex:rank"] = i * 37 % 11
		case 2:
			k.kind, k.num = KeyNumber, float64(i%7)+0.5
			body["ex:rank"] = fmt.Sprintf("%d.5", i%7)
		case 3:
			k.kind, k.tm = KeyTime, eventBase.Add(time.Duration(i%4)*time.Hour)
			body["ex:rank"] = k.tm.In(time.FixedZone("", 3600)).Format(time.RFC3339)
		case 4:
			k.kind, k.text = KeyText, []string{"b", "B", "a", "ab"}[i%4]
			body["ex:rank"] = k.text
		}
		e := f.st.add(t, []string{"alice", "bob"}[i%2], body)
		f.ranks[e.Seq] = k
	}
	return f
}

func parse(t *testing.T, raw string) *query.Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := query.Parse(v, query.ParseOptions{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", raw, err)
	}
	return q
}

// reference is the expected result: Match over every stored event, in the
// query's order, cut at eventCountLimit.
func (f *fixture) reference(t *testing.T, q *query.Query, owners []string) []int64 {
	t.Helper()
	md := query.NewMasterData(f.st.md)
	var evs []*store.Event
	for _, e := range f.st.events {
		x, err := decode(e)
		if err != nil {
			t.Fatal(err)
		}
		if (owners == nil || slices.Contains(owners, e.Owner)) && query.Match(q, x, e.RecordTime, md) {
			evs = append(evs, e)
		}
	}
	dir := func(c int) int {
		if q.Order.Desc {
			return -c
		}
		return c
	}
	slices.SortFunc(evs, func(a, b *store.Event) int {
		switch q.Order.By {
		case "":
			return cmp.Compare(a.Seq, b.Seq)
		case "recordTime":
			return dir(cmp.Compare(a.Seq, b.Seq))
		case "eventTime":
			return dir(cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.Seq, b.Seq)))
		}
		ka, kb := f.ranks[a.Seq], f.ranks[b.Seq]
		if (ka.kind == KeyMissing) != (kb.kind == KeyMissing) {
			if ka.kind == KeyMissing {
				return 1
			}
			return -1
		}
		return dir(cmp.Or(cmp.Compare(ka.kind, kb.kind), cmp.Compare(ka.num, kb.num), ka.tm.Compare(kb.tm),
			strings.Compare(ka.text, kb.text), cmp.Compare(a.Seq, b.Seq)))
	})
	var seqs []int64
	for _, e := range evs {
		seqs = append(seqs, e.Seq)
	}
	if q.EventCountLimit > 0 && len(seqs) > q.EventCountLimit {
		seqs = seqs[:q.EventCountLimit]
	}
	return seqs
}

// walk reads every page, carrying the position through JSON as a page
// token does, and checks that no page is larger than perPage and that a
// store-ordered exact query never reads more than a page and one event.
func walk(t *testing.T, e *Engine, st *memStore, q *query.Query, owners []string) ([]int64, error) {
	t.Helper()
	var seqs []int64
	var after *Position
	exact := query.Compile(q, query.NewMasterData(st.md)).Exact
	for range 1000 {
		before := st.visits
		p, err := e.Page(context.Background(), q, store.Readers{Owners: owners}, after)
		if err != nil {
			return seqs, err
		}
		if len(p.Events) > q.PerPage {
			t.Fatalf("page of %d events, perPage %d", len(p.Events), q.PerPage)
		}
		if exact && q.Order.Field == (query.FieldName{}) && q.MaxEventCount == 0 && st.visits-before > q.PerPage+1 {
			t.Errorf("exact plan read %d events for a page of %d", st.visits-before, q.PerPage)
		}
		for _, ev := range p.Events {
			seqs = append(seqs, ev.Seq)
		}
		if p.Next == nil {
			return seqs, nil
		}
		if len(p.Events) == 0 {
			t.Fatal("an empty page with a next position")
		}
		b, err := json.Marshal(p.Next)
		if err != nil {
			t.Fatal(err)
		}
		after = new(Position)
		if err := json.Unmarshal(b, after); err != nil {
			t.Fatalf("position %s: %v", b, err)
		}
	}
	t.Fatal("more than 1000 pages")
	return nil, nil
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		query  string
		owners []string
		exact  bool // the plan needs no residual check
	}{
		{"everything in capture order", "", nil, true},
		{"orderDirection without orderBy is capture order", "orderDirection=DESC", nil, true},
		{"eventTime, DESC by default", "orderBy=eventTime", nil, true},
		{"eventTime ascending", "orderBy=eventTime&orderDirection=ASC", nil, true},
		{"recordTime ascending", "orderBy=recordTime&orderDirection=ASC", nil, true},
		{"recordTime descending", "orderBy=recordTime&orderDirection=DESC", nil, true},
		{"exact terms", "EQ_bizStep=shipping&orderBy=eventTime", nil, true},
		{"exact terms and a time window", "EQ_bizStep=receiving&GE_eventTime=2024-03-01T08:05:00Z&LT_eventTime=2024-03-01T08:15:00Z&orderBy=eventTime&orderDirection=ASC", nil, true},
		{"residual quantity", "GT_quantity=4&orderBy=eventTime&orderDirection=ASC", nil, false},
		{"residual and terms", "EQ_bizStep=receiving&LE_quantity=2", nil, false},
		{"one owner", "orderBy=eventTime", []string{"alice"}, true},
		{"no owner", "", []string{}, true},
		{"hierarchy from master data", "WD_bizLocation=" + siteS + "&orderBy=eventTime", nil, true},
		{"extension field ascending", "orderBy=" + rankIRI + "&orderDirection=ASC", nil, true},
		{"extension field descending", "orderBy=" + rankIRI, nil, true},
		{"extension field with residual", "orderBy=" + rankIRI + "&GE_quantity=3&orderDirection=ASC", nil, false},
		{"eventCountLimit on eventTime", "orderBy=eventTime&eventCountLimit=7", nil, true},
		{"eventCountLimit with residual", "orderBy=eventTime&orderDirection=ASC&GT_quantity=2&eventCountLimit=11", nil, false},
		{"eventCountLimit on extension field", "orderBy=" + rankIRI + "&eventCountLimit=5&orderDirection=ASC", nil, true},
		{"eventCountLimit above the matches", "orderBy=recordTime&EQ_bizStep=shipping&eventCountLimit=500", nil, true},
		{"maxEventCount not exceeded", "EQ_bizStep=shipping&maxEventCount=20", nil, true},
		{"nothing matches", "EQ_bizStep=packing", nil, true},
	}
	for _, tt := range tests {
		for _, perPage := range []int{1, 3, 7, 100} {
			t.Run(fmt.Sprintf("%s/perPage=%d", tt.name, perPage), func(t *testing.T) {
				q := parse(t, tt.query)
				q.PerPage = perPage
				if got := query.Compile(q, query.NewMasterData(f.st.md)).Exact; got != tt.exact {
					t.Fatalf("plan exact = %v, want %v", got, tt.exact)
				}
				e := New(f.st, Config{})
				got, err := walk(t, e, f.st, q, tt.owners)
				if err != nil {
					t.Fatal(err)
				}
				want := f.reference(t, q, tt.owners)
				if !slices.Equal(got, want) {
					t.Errorf("seqs\n got %v\nwant %v", got, want)
				}
			})
		}
	}
}

// TestReferenceOrders guards the test's reference itself: the fixture has
// the ties and mixtures the cases rely on.
func TestReferenceOrders(t *testing.T) {
	f := newFixture(t)
	kinds := map[KeyKind]int{}
	for _, k := range f.ranks {
		kinds[k.kind]++
	}
	if len(kinds) != 4 {
		t.Errorf("rank kinds %v, want all four", kinds)
	}
	times := map[time.Time]int{}
	for _, e := range f.st.events {
		times[e.EventTime]++
	}
	if len(times) != 20 {
		t.Errorf("%d distinct eventTimes, want 20 (three events each)", len(times))
	}
	got := f.reference(t, parse(t, "orderBy="+rankIRI+"&orderDirection=ASC"), nil)
	last := f.ranks[got[len(got)-1]]
	if first := f.ranks[got[0]]; first.kind != KeyNumber || last.kind != KeyMissing {
		t.Errorf("ascending rank starts with %v and ends with %v", first, last)
	}
}

func TestMaxEventCount(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		query   string
		perPage int
		tooMany bool
	}{
		{"EQ_bizStep=shipping&maxEventCount=20", 5, false},
		{"EQ_bizStep=shipping&maxEventCount=19", 5, true},
		{"EQ_bizStep=shipping&maxEventCount=19", 100, true},
		{"EQ_bizStep=shipping&maxEventCount=1", 1, true},
		{"GT_quantity=4&maxEventCount=29", 10, true},
		{"GT_quantity=4&maxEventCount=30", 10, false},
		{"orderBy=" + rankIRI + "&maxEventCount=59", 10, true},
		{"orderBy=" + rankIRI + "&maxEventCount=60", 10, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/perPage=%d", tt.query, tt.perPage), func(t *testing.T) {
			q := parse(t, tt.query)
			q.PerPage = tt.perPage
			got, err := walk(t, New(f.st, Config{}), f.st, q, nil)
			if tt.tooMany {
				var ee *epcis.Error
				if !errors.As(err, &ee) || ee.Kind != epcis.KindQueryTooLarge || ee.Param != "maxEventCount" {
					t.Fatalf("err = %v, want QueryTooLargeException on maxEventCount", err)
				}
				if len(got) != 0 {
					t.Errorf("%d events served before the exception", len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := f.reference(t, q, nil); !slices.Equal(got, want) {
				t.Errorf("seqs\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestScanBudget(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		query   string
		perPage int
		maxScan int
		wantErr string // in the message; "" for success
	}{
		// Terms select 20 events; a page of 5 reads 6.
		{"EQ_bizStep=shipping", 5, 6, ""},
		// 6 events have quantity 9, spread over all 60.
		{"GT_quantity=8", 30, 59, "GT_quantity"},
		{"GT_quantity=8", 30, 60, ""},
		{"EQ_bizStep=shipping&GT_quantity=8", 30, 20, ""},
		{"orderBy=" + rankIRI, 5, 59, "orderBy " + rankIRI},
		{"EQ_bizStep=shipping&maxEventCount=20", 5, 19, "maxEventCount"},
		{"EQ_bizStep=shipping&maxEventCount=20", 5, 20, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/maxScan=%d", tt.query, tt.maxScan), func(t *testing.T) {
			q := parse(t, tt.query)
			q.PerPage = tt.perPage
			_, err := walk(t, New(f.st, Config{MaxScan: tt.maxScan}), f.st, q, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != epcis.KindQueryTooComplex || !strings.Contains(ee.Message, tt.wantErr) ||
				!strings.Contains(ee.Message, "GE_eventTime") {
				t.Fatalf("err = %v, want QueryTooComplexException naming %s and a restriction to add", err, tt.wantErr)
			}
		})
	}
}

func TestContext(t *testing.T) {
	f := newFixture(t)
	e := New(f.st, Config{})
	q := parse(t, "GT_quantity=4")

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := e.Page(ctx, q, store.Readers{}, nil)
	var ee *epcis.Error
	if !errors.As(err, &ee) || ee.Kind != epcis.KindQueryTooComplex || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past deadline: err = %v, want QueryTooComplexException wrapping the deadline", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := e.Page(ctx, q, store.Readers{}, nil); !errors.Is(err, context.Canceled) || errors.As(err, &ee) {
		t.Errorf("canceled: err = %v, want context.Canceled as is", err)
	}
}

func TestPositionOfAnotherOrder(t *testing.T) {
	f := newFixture(t)
	e := New(f.st, Config{})
	pages := map[string]*Position{}
	for _, by := range []string{"", "orderBy=eventTime", "orderBy=" + rankIRI} {
		q := parse(t, by)
		q.PerPage = 2
		p, err := e.Page(context.Background(), q, store.Readers{}, nil)
		if err != nil || p.Next == nil {
			t.Fatalf("%s: %v, next %v", by, err, p.Next)
		}
		pages[by] = p.Next
	}
	for from, pos := range pages {
		for to := range pages {
			if from == to {
				continue
			}
			_, err := e.Page(context.Background(), parse(t, to), store.Readers{}, pos)
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != epcis.KindQueryParameter || ee.Param != "nextPageToken" {
				t.Errorf("position of %q used with %q: err = %v, want a nextPageToken error", from, to, err)
			}
		}
	}
}

func TestMasterDataCache(t *testing.T) {
	f := newFixture(t)
	e := New(f.st, Config{MasterDataTTL: time.Minute})
	now := time.Now()
	e.now = func() time.Time { return now }
	count := func(raw string) int {
		t.Helper()
		q := parse(t, raw)
		q.PerPage = 100
		p, err := e.Page(context.Background(), q, store.Readers{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Events)
	}
	wd := "WD_bizLocation=" + siteS
	if n := count("EQ_bizStep=shipping"); n != 20 || f.st.mdReads != 0 {
		t.Fatalf("a query without master data: %d events, %d master-data reads; want 20, 0", n, f.st.mdReads)
	}
	if n := count(wd); n != 30 || f.st.mdReads != 1 {
		t.Fatalf("WD_bizLocation: %d events, %d reads; want 30 (A and B), 1", n, f.st.mdReads)
	}
	// C joins the site; the cached hierarchy is kept until the TTL passes.
	f.st.mu.Lock()
	f.st.md[0].Children = []string{locA, locB, locC}
	f.st.mu.Unlock()
	if n := count(wd); n != 30 || f.st.mdReads != 1 {
		t.Fatalf("within the TTL: %d events, %d reads; want 30, 1", n, f.st.mdReads)
	}
	now = now.Add(time.Minute)
	if n := count(wd); n != 60 || f.st.mdReads != 2 {
		t.Fatalf("after the TTL: %d events, %d reads; want 60, 2", n, f.st.mdReads)
	}
	f.st.mu.Lock()
	f.st.md[0].Children = []string{locA}
	f.st.mu.Unlock()
	e.Invalidate()
	if n := count(wd); n != 15 || f.st.mdReads != 3 {
		t.Fatalf("after Invalidate: %d events, %d reads; want 15, 3", n, f.st.mdReads)
	}
	// Only the vocabularies a query needs are read, and cached apart.
	count("WD_readPoint=" + siteS)
	count("EQ_ATTR_bizLocation_urn:x:a=1&HASATTR_bizStep=urn:x:b")
	count("EQ_ATTR_urn:x:ext_urn:x:a=1")
	want := [][]string{
		{query.VocabBusinessLocation}, {query.VocabBusinessLocation}, {query.VocabBusinessLocation},
		{query.VocabReadPoint},
		{query.VocabBusinessLocation, query.VocabBusinessStep},
		nil, // an extension field's vocabulary is unknown: all
	}
	if !slices.EqualFunc(f.st.mdTypes, want, slices.Equal) {
		t.Errorf("master data read by types %q, want %q", f.st.mdTypes, want)
	}
}

// TestWalkWhileCapturing checks the keyset promise: pages walked while
// events are added hold every event stored before the walk once, in
// order.
func TestWalkWhileCapturing(t *testing.T) {
	for _, order := range []string{"", "orderBy=eventTime&orderDirection=ASC", "orderBy=eventTime", "orderBy=recordTime", "orderBy=" + rankIRI + "&orderDirection=ASC"} {
		t.Run(order, func(t *testing.T) {
			f := newFixture(t)
			q := parse(t, order)
			q.PerPage = 4
			want := f.reference(t, q, nil)
			e := New(f.st, Config{})
			var got []int64
			var after *Position
			for i := 0; ; i++ {
				p, err := e.Page(context.Background(), q, store.Readers{}, after)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range p.Events {
					got = append(got, ev.Seq)
				}
				// Each page, an event that sorts before and one after
				// everything arrives.
				for _, d := range []time.Duration{-time.Hour, time.Hour} {
					f.st.add(t, "alice", map[string]any{"type": "ObjectEvent", "action": "OBSERVE",
						"eventID":   fmt.Sprintf("urn:uuid:10000000-0000-4000-8000-%06d%06d", i, int(d/time.Hour)+1),
						"eventTime": eventBase.Add(d).Format(time.RFC3339), "eventTimeZoneOffset": "+00:00"})
				}
				if p.Next == nil {
					break
				}
				after = p.Next
			}
			var old []int64
			for _, s := range got {
				if s <= 60 {
					old = append(old, s)
				}
			}
			if !slices.Equal(old, want) {
				t.Errorf("events stored before the walk\n got %v\nwant %v", old, want)
			}
			seen := map[int64]bool{}
			for _, s := range got {
				if seen[s] {
					t.Fatalf("event %d served twice", s)
				}
				seen[s] = true
			}
		})
	}
}

func TestSortKeyJSON(t *testing.T) {
	for _, k := range []SortKey{numberKey(-2.5), numberKey(math.Inf(1)), {Kind: KeyText, Text: "ü<>"}, {Kind: KeyMissing}} {
		b, err := json.Marshal(Position{Seq: 3, Key: &k, Served: 2})
		if err != nil {
			t.Fatal(err)
		}
		var p Position
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if compareKeys(p.Key, &k) != 0 || p.Key.Kind != k.Kind || p.Seq != 3 || p.Served != 2 {
			t.Errorf("%s read back as %+v", b, p)
		}
	}
	var p Position
	if err := json.Unmarshal([]byte(`{"s":1,"k":{"k":9,"v":"x"}}`), &p); err == nil {
		t.Error("a key of unknown kind was accepted")
	}
}
