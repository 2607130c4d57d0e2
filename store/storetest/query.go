package storetest

// The query half of the contract: Events (filters, orders, keyset
// cursors), master data, value listings and named queries. Expected
// results come from a model of the contract (passes, before, afterCursor)
// applied to the events as stored, so every case checks the whole
// sequence a backend returns, not a hand-written answer.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// suiteTest is one named test of the suite (the element type of RunSuite's
// table).
type suiteTest = struct {
	name string
	run  func(t *testing.T, st store.Store)
}

// queryTests returns the tests of the query contract.
func queryTests(s Suite) []suiteTest {
	return []suiteTest{
		{"EventsFilter", testEventsFilter},
		{"EventsCursor", testEventsCursor},
		{"EventsPages", testEventsPages},
		{"EventsGrants", testEventsGrants},
		{"EventsStop", testEventsStop},
		{"EventsWalkWhileCapturing", testEventsWalkWhileCapturing},
		{"EventsAtomicVisibility", func(t *testing.T, st store.Store) {
			testEventsAtomic(t, st, s.StressBatch, s.StressBatches)
		}},
		{"MasterDataMerge", testMasterDataMerge},
		{"MasterDataWithBatch", testMasterDataWithBatch},
		{"Values", testValues},
		{"ValuesOfStoredEventsOnly", testValuesStoredOnly},
		{"NamedQueries", testNamedQueries},
		{"QueryClosed", testQueryClosed},
	}
}

// qOwners are the parties of the query fixture.
const (
	qAlice = "urn:lotline:party:alice"
	qBob   = "urn:lotline:party:bob"
)

// qEventTime is the eventTime of fixture event i: seven distinct hours in
// an order unrelated to Seq, so that many events tie on eventTime; events
// 9 and 23 are one nanosecond before their hour, next to event 2's, which
// catches a backend that truncates times in range filters or cursors.
func qEventTime(i int) time.Time {
	t := base.Add(time.Duration(i*5%7) * time.Hour)
	if i == 9 || i == 23 {
		t = t.Add(-1)
	}
	return t
}

// queryFixture stores 42 events in three batches (so they have up to
// three record times) and returns them as stored, in Seq order.
func queryFixture(t *testing.T, st store.Store) []*store.Event {
	t.Helper()
	var all []*store.Event
	for b := range 3 {
		var evs []*store.Event
		for k := range 14 {
			i := b*14 + k
			e := newEvent(fmt.Sprintf("q-%02d", i), i)
			e.EventTime = qEventTime(i)
			e.Owner = qAlice
			if i%4 == 0 {
				e.Owner = qBob
			}
			e.Terms = []string{
				"t=" + []string{"A", "B"}[i%2],
				"bs=" + []string{"x", "y", "z"}[i%3],
				fmt.Sprintf("bl=L%d", i%5),
				"e=" + e.EventID,
				"w=1",
			}
			if i%13 == 12 {
				e.Terms = nil // an event without terms
			}
			evs = append(evs, e)
		}
		mustAdd(t, st, store.Batch{CaptureID: fmt.Sprintf("q-batch-%d", b), Atomic: b != 1, Events: evs})
		for _, e := range evs {
			e.CaptureID = fmt.Sprintf("q-batch-%d", b)
		}
		all = append(all, evs...)
	}
	return all
}

// inRange reports whether tm is in the half-open range r.
func inRange(tm time.Time, r store.TimeRange) bool {
	return (r.GE.IsZero() || !tm.Before(r.GE)) && (r.LT.IsZero() || tm.Before(r.LT))
}

// passes is the model of Filter.
func passes(e *store.Event, f store.Filter) bool {
	for _, alts := range f.Terms {
		if !slices.ContainsFunc(alts, func(term string) bool { return slices.Contains(e.Terms, term) }) {
			return false
		}
	}
	if f.Owners != nil && !slices.Contains(f.Owners, e.Owner) &&
		!slices.ContainsFunc(f.Grants, func(g store.Grant) bool { return grantPasses(e, g) }) {
		return false
	}
	return inRange(e.EventTime, f.EventTime) && inRange(e.RecordTime, f.RecordTime)
}

// grantPasses is the model of Grant.
func grantPasses(e *store.Event, g store.Grant) bool {
	if len(g.Terms) == 0 || (g.Owner != "" && g.Owner != e.Owner) || !inRange(e.EventTime, g.EventTime) {
		return false
	}
	return passes(e, store.Filter{Terms: g.Terms})
}

// compareIn compares a and b in the ascending order of key.
func compareIn(key store.OrderKey, aTime time.Time, aSeq int64, bTime time.Time, bSeq int64) int {
	if key == store.ByEventTime {
		if c := aTime.Compare(bTime); c != 0 {
			return c
		}
	}
	return cmp.Compare(aSeq, bSeq)
}

// expect is the model of Events: the events of all passing s, in s's
// order, after s.After.
func expect(all []*store.Event, s store.Scan) []*store.Event {
	var out []*store.Event
	for _, e := range all {
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
	slices.SortFunc(out, func(a, b *store.Event) int {
		d := compareIn(s.Order, a.EventTime, a.Seq, b.EventTime, b.Seq)
		if s.Desc {
			return -d
		}
		return d
	})
	return out
}

// collect returns every event Events passes to fn for s.
func collect(t *testing.T, st store.Store, s store.Scan) []*store.Event {
	t.Helper()
	var got []*store.Event
	err := st.Events(ctxT(t), s, func(e *store.Event) (bool, error) {
		got = append(got, e)
		return true, nil
	})
	if err != nil {
		t.Fatalf("Events(%s): %v", describeScan(s), err)
	}
	return got
}

func describeScan(s store.Scan) string {
	var b strings.Builder
	f := s.Filter
	switch {
	case f.Terms == nil:
		b.WriteString("terms nil")
	default:
		fmt.Fprintf(&b, "terms %q", f.Terms)
	}
	rng := func(name string, r store.TimeRange) {
		if !r.GE.IsZero() {
			fmt.Fprintf(&b, ", %s >= %s", name, r.GE.Format(time.RFC3339Nano))
		}
		if !r.LT.IsZero() {
			fmt.Fprintf(&b, ", %s < %s", name, r.LT.Format(time.RFC3339Nano))
		}
	}
	rng("eventTime", f.EventTime)
	rng("recordTime", f.RecordTime)
	if f.Owners != nil {
		fmt.Fprintf(&b, ", owners %q", f.Owners)
	}
	for _, g := range f.Grants {
		fmt.Fprintf(&b, ", grant{owner %q, terms %q", g.Owner, g.Terms)
		rng("eventTime", g.EventTime)
		b.WriteString("}")
	}
	if s.Order == store.ByEventTime {
		b.WriteString(", ByEventTime")
	} else {
		b.WriteString(", BySeq")
	}
	if s.Desc {
		b.WriteString(" desc")
	}
	if s.After != nil {
		fmt.Fprintf(&b, " after (%s, %d)", s.After.Time.Format(time.RFC3339Nano), s.After.Seq)
	}
	return b.String()
}

func seqList(evs []*store.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

// checkEvents checks that got is want, event by event.
func checkEvents(t *testing.T, s store.Scan, got, want []*store.Event) {
	t.Helper()
	if !slices.Equal(seqList(got), seqList(want)) {
		t.Errorf("Events(%s):\n got Seqs %v\nwant Seqs %v", describeScan(s), seqList(got), seqList(want))
		return
	}
	for i := range got {
		if err := sameEvent(got[i], want[i]); err != nil {
			t.Errorf("Events(%s): event %d: %v", describeScan(s), i, err)
			return
		}
	}
}

// scans returns s in each order and direction.
func scans(f store.Filter) []store.Scan {
	var out []store.Scan
	for _, order := range []store.OrderKey{store.BySeq, store.ByEventTime} {
		for _, desc := range []bool{false, true} {
			out = append(out, store.Scan{Filter: f, Order: order, Desc: desc})
		}
	}
	return out
}

func testEventsFilter(t *testing.T, st store.Store) {
	all := queryFixture(t, st)
	rt1, rt2 := all[14].RecordTime, all[28].RecordTime
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name string
		f    store.Filter
		none bool // the model must find nothing (guards the fixture)
	}{
		{name: "nil terms pass all"},
		{name: "no conjuncts pass all", f: store.Filter{Terms: [][]string{}}},
		{name: "one term", f: store.Filter{Terms: [][]string{{"bs=x"}}}},
		{name: "one event", f: store.Filter{Terms: [][]string{{"e=q-17"}}}},
		{name: "conjunction", f: store.Filter{Terms: [][]string{{"t=A"}, {"bs=y"}}}},
		{name: "disjunction", f: store.Filter{Terms: [][]string{{"bl=L1", "bl=L3", "bl=L4"}}}},
		{name: "conjunction of disjunctions", f: store.Filter{Terms: [][]string{{"t=B"}, {"bs=x", "bs=z"}, {"bl=L0", "bl=L2", "bl=nowhere"}}}},
		{name: "repeated term", f: store.Filter{Terms: [][]string{{"bs=x", "bs=x"}, {"bs=x"}}}},
		{name: "unknown term", f: store.Filter{Terms: [][]string{{"bs=unknown"}}}, none: true},
		{name: "disjoint conjunction", f: store.Filter{Terms: [][]string{{"t=A"}, {"t=B"}}}, none: true},
		{name: "empty inner list", f: store.Filter{Terms: [][]string{{"w=1"}, {}}}, none: true},
		{name: "only an empty inner list", f: store.Filter{Terms: [][]string{{}}}, none: true},
		{name: "eventTime from", f: store.Filter{EventTime: store.TimeRange{GE: hour(3)}}},
		{name: "eventTime until", f: store.Filter{EventTime: store.TimeRange{LT: hour(3)}}},
		{name: "eventTime window", f: store.Filter{EventTime: store.TimeRange{GE: hour(2), LT: hour(5)}}},
		{name: "eventTime one instant", f: store.Filter{EventTime: store.TimeRange{GE: hour(3).Add(-1), LT: hour(3)}}},
		{name: "eventTime empty window", f: store.Filter{EventTime: store.TimeRange{GE: hour(4), LT: hour(4)}}, none: true},
		{name: "recordTime from", f: store.Filter{RecordTime: store.TimeRange{GE: rt1}}},
		{name: "recordTime until", f: store.Filter{RecordTime: store.TimeRange{LT: rt2}}},
		{name: "recordTime after all", f: store.Filter{RecordTime: store.TimeRange{GE: all[41].RecordTime.Add(1)}}, none: true},
		{name: "one owner", f: store.Filter{Owners: []string{qBob}}},
		{name: "two owners", f: store.Filter{Owners: []string{qAlice, qBob}}},
		{name: "unknown owner", f: store.Filter{Owners: []string{"urn:lotline:party:carol"}}, none: true},
		{name: "no owners", f: store.Filter{Owners: []string{}}, none: true},
		{name: "everything", f: store.Filter{
			Terms:     [][]string{{"w=1"}, {"bs=x", "bs=y"}},
			EventTime: store.TimeRange{GE: hour(1), LT: hour(6)},
			Owners:    []string{qAlice},
		}},
		{name: "terms and recordTime", f: store.Filter{
			Terms:      [][]string{{"bl=L2", "bl=L3"}},
			RecordTime: store.TimeRange{GE: rt1, LT: all[41].RecordTime.Add(time.Second)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := expect(all, store.Scan{Filter: tt.f})
			if (len(want) == 0) != tt.none {
				t.Fatalf("fixture: the model finds %d events", len(want))
			}
			for _, s := range scans(tt.f) {
				checkEvents(t, s, collect(t, st, s), expect(all, s))
			}
		})
	}
}

// testEventsCursor: a scan after a cursor visits exactly the events
// strictly after it, including when the cursor ties on eventTime with
// other events or names no event.
func testEventsCursor(t *testing.T, st store.Store) {
	all := queryFixture(t, st)
	filters := []store.Filter{
		{},
		{Terms: [][]string{{"w=1"}}},
		{Terms: [][]string{{"t=A", "bs=y"}}, Owners: []string{qAlice}},
		{EventTime: store.TimeRange{GE: base.Add(time.Hour)}},
	}
	for _, f := range filters {
		for _, s := range scans(f) {
			full := expect(all, s)
			// The first, a middle and the last event of the scan (the
			// middle one ties on eventTime with others), and positions
			// between events and beyond all of them.
			mid := full[len(full)/2]
			cursors := []store.Cursor{
				{Time: full[0].EventTime, Seq: full[0].Seq},
				{Time: mid.EventTime, Seq: mid.Seq},
				{Time: full[len(full)-1].EventTime, Seq: full[len(full)-1].Seq},
				{Time: mid.EventTime, Seq: mid.Seq + 1},
				{Time: mid.EventTime.Add(1), Seq: 0},
				{Time: base.Add(-time.Hour), Seq: 0},
				{Time: base.Add(100 * time.Hour), Seq: all[len(all)-1].Seq + 1000},
			}
			for _, c := range cursors {
				sc := s
				sc.After = &c
				checkEvents(t, sc, collect(t, st, sc), expect(all, sc))
			}
		}
	}
}

// walk reads a scan in pages of n events, each page one Events call that
// stops itself by returning false and the next starting after the last
// event of the previous page.
func walk(ctx context.Context, st store.Store, s store.Scan, n int, page func()) ([]*store.Event, error) {
	var out []*store.Event
	for pages := 0; ; pages++ {
		var got []*store.Event
		s.BatchSize = n + 1
		err := st.Events(ctx, s, func(e *store.Event) (bool, error) {
			if len(got) == n {
				return false, fmt.Errorf("fn called again after it returned false")
			}
			got = append(got, e)
			return len(got) < n, nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, got...)
		if len(got) < n {
			return out, nil
		}
		last := got[n-1]
		s.After = &store.Cursor{Time: last.EventTime, Seq: last.Seq}
		if page != nil {
			page()
		}
		if pages > 10000 {
			return out, fmt.Errorf("walk does not end")
		}
	}
}

func testEventsPages(t *testing.T, st store.Store) {
	all := queryFixture(t, st)
	for _, f := range []store.Filter{{}, {Terms: [][]string{{"t=B"}, {"bl=L1", "bl=L2", "bl=L3"}}}} {
		for _, s := range scans(f) {
			want := expect(all, s)
			for _, n := range []int{1, 4, len(want), 100} {
				got, err := walk(ctxT(t), st, s, n, nil)
				if err != nil {
					t.Fatalf("walk(%s) in pages of %d: %v", describeScan(s), n, err)
				}
				checkEvents(t, s, got, want)
			}
		}
	}
}

// testEventsStop: fn's false ends the scan without error, fn's error ends
// it and is returned, and a canceled context fails the call.
func testEventsStop(t *testing.T, st store.Store) {
	queryFixture(t, st)
	for _, s := range scans(store.Filter{Terms: [][]string{{"w=1"}}}) {
		calls := 0
		err := st.Events(ctxT(t), s, func(*store.Event) (bool, error) {
			calls++
			return calls < 2, nil
		})
		if err != nil || calls != 2 {
			t.Errorf("Events(%s) stopped by fn: %v after %d calls, want nil after 2", describeScan(s), err, calls)
		}
		boom := errors.New("boom")
		calls = 0
		err = st.Events(ctxT(t), s, func(*store.Event) (bool, error) {
			calls++
			if calls == 3 {
				return true, boom
			}
			return true, nil
		})
		if !errors.Is(err, boom) || calls != 3 {
			t.Errorf("Events(%s) with fn failing: %v after %d calls, want boom after 3", describeScan(s), err, calls)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := st.Events(ctx, store.Scan{}, func(*store.Event) (bool, error) { calls++; return true, nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Events with a canceled context: %v after %d calls, want context.Canceled", err, calls)
	}
	// Canceled while fn runs: the scan ends with the context's error.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	calls = 0
	err = st.Events(ctx, store.Scan{BatchSize: 1}, func(*store.Event) (bool, error) {
		calls++
		cancel()
		return true, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Events canceled from fn: %v after %d calls, want context.Canceled", err, calls)
	}
}

// testEventsWalkWhileCapturing walks pages while another goroutine
// captures: every event visible when the walk began is visited once, in
// order, and nothing is visited twice.
func testEventsWalkWhileCapturing(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	before := queryFixture(t, st)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; k < 20; k++ {
			select {
			case <-stop:
				return
			default:
			}
			evs := events(ids(fmt.Sprintf("wc%02d", k), 3))
			for i, e := range evs {
				// Spread over the fixture's eventTimes, so that new events
				// land before and after the walk's position.
				e.EventTime = qEventTime(k*3 + i).Add(time.Duration(k))
				e.Terms = append(e.Terms, "w=1")
			}
			if _, err := st.AddEvents(ctx, store.Batch{Atomic: k%2 == 0, Events: evs}); err != nil {
				werr = err
				return
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
		if werr != nil {
			t.Errorf("writer: %v", werr)
		}
	}()
	walks := []store.Scan{
		{Order: store.BySeq},
		{Order: store.ByEventTime},
		{Order: store.ByEventTime, Desc: true},
		{Filter: store.Filter{Terms: [][]string{{"w=1"}}}, Order: store.ByEventTime},
	}
	for _, s := range walks {
		page := func() { time.Sleep(time.Millisecond) } // let the writer in
		got, err := walk(ctx, st, s, 6, page)
		if err != nil {
			t.Fatalf("walk(%s): %v", describeScan(s), err)
		}
		seen := map[int64]bool{}
		for i, e := range got {
			if seen[e.Seq] {
				t.Errorf("walk(%s): Seq %d visited twice", describeScan(s), e.Seq)
			}
			seen[e.Seq] = true
			if i > 0 {
				d := compareIn(s.Order, got[i-1].EventTime, got[i-1].Seq, e.EventTime, e.Seq)
				if (!s.Desc && d >= 0) || (s.Desc && d <= 0) {
					t.Errorf("walk(%s): Seq %d after Seq %d is out of order", describeScan(s), e.Seq, got[i-1].Seq)
				}
			}
		}
		for _, e := range expect(before, s) {
			if !seen[e.Seq] {
				t.Errorf("walk(%s): event %s (Seq %d), visible when the walk began, was not visited", describeScan(s), e.EventID, e.Seq)
			}
		}
	}
}

// testEventsAtomic: while writers add atomic batches, readers looking for
// a batch in flight by term or by eventTime see none of it or all of it.
func testEventsAtomic(t *testing.T, st store.Store, size, batches int) {
	ctx := ctxT(t)
	const writers, readers = 2, 2
	// Batch (w, k) has its own term and its own eventTime window.
	window := func(w, k int) store.TimeRange {
		from := base.Add(time.Duration(1000+w*batches+k) * 24 * time.Hour)
		return store.TimeRange{GE: from, LT: from.Add(24 * time.Hour)}
	}
	var mu sync.Mutex
	inflight := map[int][2]int{} // writer -> batch in flight
	var probes, whole int
	var wg, rg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, writers+readers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range batches {
				name := fmt.Sprintf("ea-w%d-b%d", w, k)
				evs := events(ids(name, size))
				for i, e := range evs {
					e.EventTime = window(w, k).GE.Add(time.Duration(i) * time.Second)
					e.Terms = append(e.Terms, "batch="+name)
				}
				mu.Lock()
				inflight[w] = [2]int{k, 1}
				mu.Unlock()
				res, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: evs})
				mu.Lock()
				delete(inflight, w)
				mu.Unlock()
				if err != nil || res.Stored != size {
					errc <- fmt.Errorf("writer %d batch %d: stored %d, %v", w, k, res.Stored, err)
					return
				}
			}
		}()
	}
	for r := range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				w := (r + i) % writers
				mu.Lock()
				b, ok := inflight[w]
				mu.Unlock()
				if !ok {
					time.Sleep(100 * time.Microsecond)
					continue
				}
				s := store.Scan{Filter: store.Filter{Terms: [][]string{{fmt.Sprintf("batch=ea-w%d-b%d", w, b[0])}}}}
				if i%2 == 1 {
					s = store.Scan{Filter: store.Filter{EventTime: window(w, b[0])}, Order: store.ByEventTime, Desc: true}
				}
				n := 0
				if err := st.Events(ctx, s, func(*store.Event) (bool, error) { n++; return true, nil }); err != nil {
					errc <- fmt.Errorf("reader %d: %v", r, err)
					return
				}
				mu.Lock()
				probes++
				if n == size {
					whole++
				}
				mu.Unlock()
				if n != 0 && n != size {
					t.Errorf("reader %d: Events(%s) saw %d of the %d events of an atomic batch", r, describeScan(s), n, size)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	t.Logf("%d probes of batches in flight, %d saw all", probes, whole)
}

// sameJSON reports whether a and b are equal JSON values.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// checkMasterData checks the stored master data against want, comparing
// attributes by ID and children as sets.
func checkMasterData(t *testing.T, st store.Store, want []store.VocabularyElement) {
	t.Helper()
	got, err := st.MasterData(ctxT(t))
	if err != nil {
		t.Fatalf("MasterData: %v", err)
	}
	// Asked by vocabulary type, the store returns exactly the elements of
	// those types, in the same order.
	types := map[string]bool{}
	for _, w := range want {
		types[w.Type] = true
	}
	for typ := range types {
		for _, ask := range [][]string{{typ}, {typ, "urn:example:vtype:none"}} {
			sub, err := st.MasterData(ctxT(t), ask...)
			if err != nil {
				t.Fatalf("MasterData(%q): %v", ask, err)
			}
			var ids []string
			for _, e := range sub {
				ids = append(ids, e.Type+" "+e.ID)
			}
			var wantIDs []string
			for _, e := range got {
				if e.Type == typ {
					wantIDs = append(wantIDs, e.Type+" "+e.ID)
				}
			}
			if !slices.Equal(ids, wantIDs) {
				t.Errorf("MasterData(%q) = %q, want %q", ask, ids, wantIDs)
			}
		}
		// By ID: every second element of the type, an unknown ID and
		// one asked twice give exactly those elements, whole.
		var ask []string
		var wantEls []store.VocabularyElement
		for _, e := range got {
			if e.Type == typ && len(ask)%2 == 0 {
				wantEls = append(wantEls, e)
			}
			if e.Type == typ {
				ask = append(ask, e.ID)
			}
		}
		ask = slices.DeleteFunc(ask, func(id string) bool {
			return !slices.ContainsFunc(wantEls, func(e store.VocabularyElement) bool { return e.ID == id })
		})
		if len(ask) > 0 {
			ask = append(ask, "urn:example:none", ask[0])
		}
		byID, err := st.VocabularyElements(ctxT(t), typ, ask)
		if err != nil {
			t.Fatalf("VocabularyElements(%s): %v", typ, err)
		}
		if fmt.Sprint(byID) != fmt.Sprint(wantEls) && !(len(byID) == 0 && len(wantEls) == 0) {
			t.Errorf("VocabularyElements(%s, %q) = %+v, want %+v", typ, ask, byID, wantEls)
		}
	}
	if none, err := st.VocabularyElements(ctxT(t), "urn:example:vtype:none", []string{"x"}); err != nil || len(none) != 0 {
		t.Errorf("VocabularyElements of an unknown type = %d elements, %v; want none", len(none), err)
	}
	if none, err := st.MasterData(ctxT(t), "urn:example:vtype:none"); err != nil || len(none) != 0 {
		t.Errorf("MasterData of an unknown type = %d elements, %v; want none", len(none), err)
	}
	if len(got) != len(want) {
		t.Fatalf("MasterData: %d elements, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Type != w.Type || g.ID != w.ID {
			t.Errorf("element %d is (%s, %s), want (%s, %s) (ordered by Type then ID)", i, g.Type, g.ID, w.Type, w.ID)
			continue
		}
		if g.UpdatedAt.IsZero() {
			t.Errorf("element %s: UpdatedAt not set", g.ID)
		}
		ga := slices.Clone(g.Attributes)
		wa := slices.Clone(w.Attributes)
		byID := func(a, b store.Attribute) int { return cmp.Compare(a.ID, b.ID) }
		slices.SortFunc(ga, byID)
		slices.SortFunc(wa, byID)
		same := len(ga) == len(wa)
		for k := 0; same && k < len(ga); k++ {
			same = ga[k].ID == wa[k].ID && sameJSON(ga[k].Value, wa[k].Value)
		}
		if !same {
			t.Errorf("element %s: attributes %s, want %s", g.ID, attrs(ga), attrs(wa))
		}
		gc, wc := slices.Clone(g.Children), slices.Clone(w.Children)
		slices.Sort(gc)
		slices.Sort(wc)
		if !slices.Equal(gc, wc) {
			t.Errorf("element %s: children %q, want %q", g.ID, gc, wc)
		}
	}
}

func attrs(a []store.Attribute) string {
	s := ""
	for _, x := range a {
		s += fmt.Sprintf("%s=%s ", x.ID, x.Value)
	}
	return s
}

const (
	vtLoc     = "urn:epcglobal:epcis:vtype:BusinessLocation"
	vtProduct = "urn:epcglobal:epcis:vtype:EPCClass"
)

func attr(id, value string) store.Attribute { return store.Attribute{ID: id, Value: []byte(value)} }

func testMasterDataMerge(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	if err := st.PutMasterData(ctx, nil); err != nil {
		t.Fatalf("PutMasterData(nil): %v", err)
	}
	checkMasterData(t, st, nil)
	loc := "urn:epc:id:sgln:4012345.00001.0"
	put := func(elems ...store.VocabularyElement) {
		t.Helper()
		if err := st.PutMasterData(ctx, elems); err != nil {
			t.Fatalf("PutMasterData: %v", err)
		}
	}
	put(store.VocabularyElement{
		Type: vtLoc, ID: loc,
		Attributes:  []store.Attribute{attr("urn:epcglobal:cbv:mda#name", `"Plant 1"`), attr("ex:size", `12.5`), attr("ex:addr", `{"city":"Köln","zip":"50667"}`)},
		Children:    []string{loc + ".a", loc + ".b"},
		HasChildren: true,
	}, store.VocabularyElement{
		// The same ID under another type is another element.
		Type: vtProduct, ID: loc, Attributes: []store.Attribute{attr("ex:kind", `"odd"`)},
	}, store.VocabularyElement{
		Type: vtLoc, ID: "urn:epc:id:sgln:4012345.00000.0", Attributes: []store.Attribute{attr("ex:n", `1`)},
	})
	checkMasterData(t, st, []store.VocabularyElement{
		{Type: vtLoc, ID: "urn:epc:id:sgln:4012345.00000.0", Attributes: []store.Attribute{attr("ex:n", `1`)}},
		{Type: vtLoc, ID: loc,
			Attributes: []store.Attribute{attr("urn:epcglobal:cbv:mda#name", `"Plant 1"`), attr("ex:size", `12.5`), attr("ex:addr", `{"city":"Köln","zip":"50667"}`)},
			Children:   []string{loc + ".a", loc + ".b"}},
		{Type: vtProduct, ID: loc, Attributes: []store.Attribute{attr("ex:kind", `"odd"`)}},
	})

	// Captured attributes replace stored ones by ID, others stay; children
	// stay when the capture lists none.
	put(store.VocabularyElement{
		Type: vtLoc, ID: loc,
		Attributes: []store.Attribute{attr("ex:size", `[1,2]`), attr("ex:new", `true`)},
	})
	merged := store.VocabularyElement{Type: vtLoc, ID: loc,
		Attributes: []store.Attribute{attr("urn:epcglobal:cbv:mda#name", `"Plant 1"`), attr("ex:size", `[1,2]`), attr("ex:addr", `{"city":"Köln","zip":"50667"}`), attr("ex:new", `true`)},
		Children:   []string{loc + ".a", loc + ".b"}}
	checkMasterData(t, st, []store.VocabularyElement{
		{Type: vtLoc, ID: "urn:epc:id:sgln:4012345.00000.0", Attributes: []store.Attribute{attr("ex:n", `1`)}},
		merged,
		{Type: vtProduct, ID: loc, Attributes: []store.Attribute{attr("ex:kind", `"odd"`)}},
	})

	// Children listed replace the stored ones; an empty list removes them.
	put(store.VocabularyElement{Type: vtLoc, ID: loc, Children: []string{loc + ".c"}, HasChildren: true})
	merged.Children = []string{loc + ".c"}
	checkMasterData(t, st, []store.VocabularyElement{
		{Type: vtLoc, ID: "urn:epc:id:sgln:4012345.00000.0", Attributes: []store.Attribute{attr("ex:n", `1`)}},
		merged,
		{Type: vtProduct, ID: loc, Attributes: []store.Attribute{attr("ex:kind", `"odd"`)}},
	})
	put(store.VocabularyElement{Type: vtLoc, ID: loc, HasChildren: true})
	merged.Children = nil
	checkMasterData(t, st, []store.VocabularyElement{
		{Type: vtLoc, ID: "urn:epc:id:sgln:4012345.00000.0", Attributes: []store.Attribute{attr("ex:n", `1`)}},
		merged,
		{Type: vtProduct, ID: loc, Attributes: []store.Attribute{attr("ex:kind", `"odd"`)}},
	})
}

// testMasterDataWithBatch: a batch's master data is written when any of
// its events is stored or when it has no events, and not otherwise.
func testMasterDataWithBatch(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	md := func(id string) []store.VocabularyElement {
		return []store.VocabularyElement{{Type: vtLoc, ID: id, Attributes: []store.Attribute{attr("ex:from", `"`+id+`"`)}}}
	}
	old := events(ids("mdb-old", 1))
	mustAdd(t, st, store.Batch{Events: old})

	mustAdd(t, st, store.Batch{Atomic: true, Events: events(ids("mdb-a", 2)), MasterData: md("stored-atomic")})
	mustAdd(t, st, store.Batch{MasterData: md("no-events")})
	mustAdd(t, st, store.Batch{Atomic: true, MasterData: md("no-events-atomic")})
	// Atomic with a duplicate: nothing stored, no master data.
	evs := append(events(ids("mdb-b", 2)), newEvent(old[0].UniqueKey, 3))
	if res, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: evs, MasterData: md("rejected-atomic")}); err != nil || res.Stored != 0 {
		t.Fatalf("AddEvents: %+v, %v; want all rejected", res, err)
	}
	// Not atomic, every event a duplicate: no master data.
	if res, err := st.AddEvents(ctx, store.Batch{Events: []*store.Event{newEvent(old[0].UniqueKey, 4)}, MasterData: md("all-duplicates")}); err != nil || res.Stored != 0 {
		t.Fatalf("AddEvents: %+v, %v; want all rejected", res, err)
	}
	// Not atomic, some stored: master data written.
	evs = append(events(ids("mdb-c", 1)), newEvent(old[0].UniqueKey, 5))
	if res, err := st.AddEvents(ctx, store.Batch{Events: evs, MasterData: md("partial")}); err != nil || res.Stored != 1 {
		t.Fatalf("AddEvents: %+v, %v; want one stored", res, err)
	}
	var want []store.VocabularyElement
	for _, id := range []string{"no-events", "no-events-atomic", "partial", "stored-atomic"} {
		want = append(want, md(id)...)
	}
	checkMasterData(t, st, want)
}

func testValues(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	epcs := []string{"urn:epc:id:sgtin:1.2.3", "B", "a", "Z", "é", "https://id.gs1.org/01/04012345111118/21/9", "a0", "a-"}
	evs := events(ids("val", len(epcs)))
	for i, e := range evs {
		e.Values = []store.Value{
			{Kind: store.ValueEventType, Value: "ObjectEvent"},
			{Kind: store.ValueEPC, Value: epcs[i]},
			{Kind: store.ValueEPC, Value: epcs[(i+1)%len(epcs)]}, // each twice
			{Kind: store.ValueBizStep, Value: []string{"bs-ship", "bs-recv"}[i%2]},
		}
	}
	evs[0].Values = append(evs[0].Values, store.Value{Kind: store.ValueEventType, Value: "ObjectEvent"}, // repeated in one event
		store.Value{Kind: store.ValueBizLocation, Value: "B"}) // the same string in another listing
	mustAdd(t, st, store.Batch{Atomic: true, Events: evs[:3]})
	mustAdd(t, st, store.Batch{Events: evs[3:]})

	sorted := slices.Clone(epcs)
	slices.Sort(sorted)
	lists := map[store.ValueKind][]string{
		store.ValueEPC:         sorted,
		store.ValueEventType:   {"ObjectEvent"},
		store.ValueBizStep:     {"bs-recv", "bs-ship"},
		store.ValueBizLocation: {"B"},
		store.ValueReadPoint:   nil,
		store.ValueDisposition: nil,
	}
	for kind, want := range lists {
		got, err := st.Values(ctx, store.ValuePage{Kind: kind, Limit: 100})
		if err != nil {
			t.Fatalf("Values(%s): %v", kind, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Values(%s) = %q, want %q", kind, got, want)
		}
	}
	// Pages, and positions between values.
	for _, limit := range []int{1, 3, len(sorted)} {
		var got []string
		after := ""
		for page := 0; ; page++ {
			if page > len(sorted)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			vs, err := st.Values(ctx, store.ValuePage{Kind: store.ValueEPC, After: after, Limit: limit})
			if err != nil {
				t.Fatalf("Values: %v", err)
			}
			if len(vs) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(vs))
			}
			got = append(got, vs...)
			if len(vs) < limit {
				break
			}
			after = vs[len(vs)-1]
		}
		if !slices.Equal(got, sorted) {
			t.Errorf("limit %d: pages %q, want %q", limit, got, sorted)
		}
	}
	for _, tt := range []struct {
		after string
		limit int
		want  []string
	}{
		{"a", 2, []string{"a-", "a0"}},
		{"a+", 10, []string{"a-", "a0", "https://id.gs1.org/01/04012345111118/21/9", "urn:epc:id:sgtin:1.2.3", "é"}},
		{"\xff", 10, nil},
		{"", 0, nil},
	} {
		got, err := st.Values(ctx, store.ValuePage{Kind: store.ValueEPC, After: tt.after, Limit: tt.limit})
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Values(after %q, limit %d) = %q, %v; want %q", tt.after, tt.limit, got, err, tt.want)
		}
	}
	// Each owner's listing holds the values of its events only.
	owner := evs[0].Owner
	for i := range evs {
		if evs[i].Owner != owner {
			t.Fatalf("the test's events have several owners")
		}
	}
	if got, err := st.Values(ctx, store.ValuePage{Kind: store.OwnedValueKind(store.ValueEPC, owner), Limit: 100}); err != nil || !slices.Equal(got, sorted) {
		t.Errorf("Values(epc of %q) = %q, %v; want %q", owner, got, err, sorted)
	}
	if got, err := st.Values(ctx, store.ValuePage{Kind: store.OwnedValueKind(store.ValueEPC, owner+"-other"), Limit: 100}); err != nil || len(got) != 0 {
		t.Errorf("Values(epc of another owner) = %q, %v; want none", got, err)
	}
	if ok, err := st.HasValue(ctx, store.Value{Kind: store.OwnedValueKind(store.ValueBizLocation, owner), Value: "B"}); err != nil || !ok {
		t.Errorf("HasValue(bizLocation B of %q) = %v, %v", owner, ok, err)
	}
	if ok, err := st.HasValue(ctx, store.Value{Kind: store.OwnedValueKind(store.ValueBizLocation, "x"), Value: "B"}); err != nil || ok {
		t.Errorf("HasValue(bizLocation B of another owner) = %v, %v", ok, err)
	}
	// The open mode's local party reads every listing whole: its events'
	// values are not copied into an owned listing.
	local := events(ids("val-local", 1))[0]
	local.Owner = store.LocalOwner
	local.Values = []store.Value{{Kind: store.ValueReadPoint, Value: "local-rp"}}
	mustAdd(t, st, store.Batch{Events: []*store.Event{local}})
	if got, err := st.Values(ctx, store.ValuePage{Kind: store.ValueReadPoint, Limit: 10}); err != nil || !slices.Equal(got, []string{"local-rp"}) {
		t.Errorf("Values(readPoint) = %q, %v; want the local party's value", got, err)
	}
	if got, err := st.Values(ctx, store.ValuePage{Kind: store.OwnedValueKind(store.ValueReadPoint, store.LocalOwner), Limit: 10}); err != nil || len(got) != 0 {
		t.Errorf("Values(readPoint of the local party) = %q, %v; want no copy", got, err)
	}
	// Prefixes, with and without After, and counts of the same ranges.
	for _, tt := range []struct {
		prefix, after string
		want          []string
	}{
		{"a", "", []string{"a", "a-", "a0"}},
		{"a", "a", []string{"a-", "a0"}},
		{"a", "A", []string{"a", "a-", "a0"}},
		{"a0", "", []string{"a0"}},
		{"https://id.gs1.org/01/", "", []string{"https://id.gs1.org/01/04012345111118/21/9"}},
		{"b", "", nil},
		{"\xc3", "", []string{"é"}},
		{"a", "b", nil},
	} {
		p := store.ValuePage{Kind: store.ValueEPC, Prefix: tt.prefix, After: tt.after, Limit: 10}
		got, err := st.Values(ctx, p)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Values(prefix %q, after %q) = %q, %v; want %q", tt.prefix, tt.after, got, err, tt.want)
		}
		n, err := st.CountValues(ctx, p)
		if err != nil || n != len(tt.want) {
			t.Errorf("CountValues(prefix %q, after %q) = %d, %v; want %d", tt.prefix, tt.after, n, err, len(tt.want))
		}
	}
	if n, err := st.CountValues(ctx, store.ValuePage{Kind: store.ValueEPC}); err != nil || n != len(sorted) {
		t.Errorf("CountValues(epc) = %d, %v; want %d", n, err, len(sorted))
	}
	for _, tt := range []struct {
		v    store.Value
		want bool
	}{
		{store.Value{Kind: store.ValueEPC, Value: "é"}, true},
		{store.Value{Kind: store.ValueBizLocation, Value: "B"}, true},
		{store.Value{Kind: store.ValueReadPoint, Value: "B"}, false},
		{store.Value{Kind: store.ValueEPC, Value: "b"}, false},
		{store.Value{Kind: store.ValueEPC, Value: ""}, false},
	} {
		got, err := st.HasValue(ctx, tt.v)
		if err != nil || got != tt.want {
			t.Errorf("HasValue(%+v) = %v, %v; want %v", tt.v, got, err, tt.want)
		}
	}
}

// testValuesStoredOnly: values of rejected events are not recorded.
func testValuesStoredOnly(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	val := func(s string) []store.Value { return []store.Value{{Kind: store.ValueBizStep, Value: s}} }
	old := events(ids("vs-old", 1))
	old[0].Values = val("first")
	mustAdd(t, st, store.Batch{Events: old})

	dup := newEvent(old[0].UniqueKey, 1)
	dup.Values = val("of-a-duplicate")
	fresh := newEvent("vs-new", 2)
	fresh.Values = val("of-a-stored-event")
	if res, err := st.AddEvents(ctx, store.Batch{Events: []*store.Event{fresh, dup}}); err != nil || res.Stored != 1 {
		t.Fatalf("AddEvents: %+v, %v", res, err)
	}
	a, b := newEvent("vs-atomic", 3), newEvent(old[0].UniqueKey, 4)
	a.Values, b.Values = val("of-a-rejected-batch"), val("of-a-rejected-batch-dup")
	if res, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: []*store.Event{a, b}}); err != nil || res.Stored != 0 {
		t.Fatalf("AddEvents: %+v, %v", res, err)
	}
	got, err := st.Values(ctx, store.ValuePage{Kind: store.ValueBizStep, Limit: 10})
	if want := []string{"first", "of-a-stored-event"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Values = %q, %v; want %q", got, err, want)
	}
	for _, v := range []string{"of-a-duplicate", "of-a-rejected-batch", "of-a-rejected-batch-dup"} {
		if has, err := st.HasValue(ctx, store.Value{Kind: store.ValueBizStep, Value: v}); err != nil || has {
			t.Errorf("HasValue(%q) = %v, %v; want false", v, has, err)
		}
	}
}

func testNamedQueries(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	body := func(name string) []byte {
		return []byte(`{"name":"` + name + `","query":{"eventType":["ObjectEvent"],"EQ_bizStep":["shipping"]},  "x":"é"}`)
	}
	names := []string{"q-c", "q-a", "q-e", "q-b", "q-d"}
	at := base.Add(time.Minute + 7)
	for i, n := range names {
		q := &store.NamedQuery{Name: n, Owner: qAlice, Body: body(n)}
		if i == 0 {
			q.CreatedAt = at
		}
		if err := st.CreateQuery(ctx, q); err != nil {
			t.Fatalf("CreateQuery(%s): %v", n, err)
		}
	}
	if err := st.CreateQuery(ctx, &store.NamedQuery{Name: "q-bob", Owner: qBob, Body: body("q-bob")}); err != nil {
		t.Fatalf("CreateQuery: %v", err)
	}
	// A name is taken whoever owns it.
	var de *store.DuplicateError
	err := st.CreateQuery(ctx, &store.NamedQuery{Name: "q-a", Owner: qBob, Body: []byte(`{}`)})
	if !errors.As(err, &de) || de.UniqueKey != "q-a" {
		t.Errorf("CreateQuery of a taken name: %v, want a *store.DuplicateError naming it", err)
	}

	got, err := st.Query(ctx, "q-c")
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if got.Name != "q-c" || got.Owner != qAlice || !got.CreatedAt.Equal(at) || string(got.Body) != string(body("q-c")) {
		t.Errorf("Query(q-c) = %+v (body %s)", got, got.Body)
	}
	got, err = st.Query(ctx, "q-a")
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if got.Owner != qAlice || got.CreatedAt.IsZero() || string(got.Body) != string(body("q-a")) {
		t.Errorf("Query(q-a) after a clashing create = %+v (body %s); want the first, with CreatedAt set", got, got.Body)
	}
	if _, err := st.Query(ctx, "q-none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Query(unknown): %v, want ErrNotFound", err)
	}

	sorted := slices.Clone(names)
	slices.Sort(sorted)
	for _, limit := range []int{1, 2, 5, 10} {
		var got []string
		after := ""
		for page := 0; ; page++ {
			if page > len(names)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			qs, err := st.Queries(ctx, store.QueryPage{Owner: qAlice, After: after, Limit: limit})
			if err != nil {
				t.Fatalf("Queries: %v", err)
			}
			if len(qs) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(qs))
			}
			for _, q := range qs {
				if q.Owner != qAlice || string(q.Body) != string(body(q.Name)) {
					t.Errorf("Queries: %+v", q)
				}
				got = append(got, q.Name)
			}
			if len(qs) < limit {
				break
			}
			after = qs[len(qs)-1].Name
		}
		if !slices.Equal(got, sorted) {
			t.Errorf("limit %d: Queries gave %q, want %q", limit, got, sorted)
		}
	}
	if qs, err := st.Queries(ctx, store.QueryPage{Owner: qAlice, After: "q-b", Limit: 2}); err != nil || len(qs) != 2 || qs[0].Name != "q-c" || qs[1].Name != "q-d" {
		t.Errorf("Queries after q-b: %v, %v; want q-c, q-d", qs, err)
	}
	if qs, err := st.Queries(ctx, store.QueryPage{Owner: "urn:lotline:party:carol", Limit: 10}); err != nil || len(qs) != 0 {
		t.Errorf("Queries of an owner with none: %v, %v", qs, err)
	}

	if err := st.DeleteQuery(ctx, "q-a"); err != nil {
		t.Fatalf("DeleteQuery: %v", err)
	}
	if _, err := st.Query(ctx, "q-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Query after DeleteQuery: %v, want ErrNotFound", err)
	}
	if err := st.DeleteQuery(ctx, "q-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteQuery twice: %v, want ErrNotFound", err)
	}
	if qs, err := st.Queries(ctx, store.QueryPage{Owner: qAlice, Limit: 10}); err != nil || len(qs) != len(names)-1 {
		t.Errorf("Queries after DeleteQuery: %d, %v; want %d", len(qs), err, len(names)-1)
	}
	// A deleted name can be taken again.
	if err := st.CreateQuery(ctx, &store.NamedQuery{Name: "q-a", Owner: qBob, Body: []byte(`{}`)}); err != nil {
		t.Errorf("CreateQuery of a deleted name: %v", err)
	}
	if got, err := st.Query(ctx, "q-a"); err != nil || got.Owner != qBob {
		t.Errorf("Query of the re-created name: %+v, %v", got, err)
	}
}

func testQueryClosed(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checks := map[string]error{}
	checks["Events"] = st.Events(ctx, store.Scan{}, func(*store.Event) (bool, error) { return true, nil })
	checks["PutMasterData"] = st.PutMasterData(ctx, []store.VocabularyElement{{Type: vtLoc, ID: "x"}})
	_, checks["MasterData"] = st.MasterData(ctx)
	_, checks["Values"] = st.Values(ctx, store.ValuePage{Kind: store.ValueEPC, Limit: 1})
	_, checks["HasValue"] = st.HasValue(ctx, store.Value{Kind: store.ValueEPC, Value: "x"})
	checks["CreateQuery"] = st.CreateQuery(ctx, &store.NamedQuery{Name: "x", Owner: "o", Body: []byte(`{}`)})
	_, checks["Query"] = st.Query(ctx, "x")
	_, checks["Queries"] = st.Queries(ctx, store.QueryPage{Owner: "o", Limit: 1})
	checks["DeleteQuery"] = st.DeleteQuery(ctx, "x")
	for name, err := range checks {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// testEventsGrants: Filter.Grants admit, besides the events of Owners,
// exactly the events of other parties that a grant matches as a whole
// (owner, every disjunction of its terms, its eventTime window), in
// every order, direction, cursor position and page size, and combined
// with the rest of the filter.
func testEventsGrants(t *testing.T, st store.Store) {
	all := queryFixture(t, st)
	rt1 := all[14].RecordTime
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	const carol = "urn:lotline:party:carol" // owns no event
	has := func(e *store.Event, terms ...string) bool {
		return slices.ContainsFunc(terms, func(term string) bool { return slices.Contains(e.Terms, term) })
	}
	window := store.TimeRange{GE: hour(2), LT: hour(5)}
	tests := []struct {
		name string
		f    store.Filter
		// decoy is true of events a wrong backend would admit: the model
		// must find some in the fixture and admit none of them.
		decoy func(e *store.Event) bool
	}{
		{
			name:  "grant of one owner",
			f:     store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"bs=x"}}}}},
			decoy: func(e *store.Event) bool { return e.Owner == qBob && !has(e, "bs=x") },
		},
		{
			name:  "grant of any owner",
			f:     store.Filter{Owners: []string{carol}, Grants: []store.Grant{{Terms: [][]string{{"bs=y"}}}}},
			decoy: func(e *store.Event) bool { return !has(e, "bs=y") },
		},
		{
			name:  "grant owner restricts",
			f:     store.Filter{Owners: []string{carol}, Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"w=1"}}}}},
			decoy: func(e *store.Event) bool { return e.Owner == qAlice },
		},
		{
			name: "grant conjunction of disjunctions",
			f: store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{
				{Owner: qBob, Terms: [][]string{{"bs=x", "bs=y"}, {"bl=L0", "bl=L1"}}},
			}},
			decoy: func(e *store.Event) bool {
				return e.Owner == qBob && has(e, "bs=x", "bs=y") != has(e, "bl=L0", "bl=L1")
			},
		},
		{
			name:  "grant eventTime window",
			f:     store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"w=1"}}, EventTime: window}}},
			decoy: func(e *store.Event) bool { return e.Owner == qBob && !inRange(e.EventTime, window) },
		},
		{
			name: "two grants",
			f: store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{
				{Owner: qBob, Terms: [][]string{{"bs=x"}}},
				{Owner: qBob, Terms: [][]string{{"bl=L2"}}, EventTime: store.TimeRange{GE: hour(3)}},
			}},
			decoy: func(e *store.Event) bool {
				return e.Owner == qBob && !has(e, "bs=x") && (!has(e, "bl=L2") || e.EventTime.Before(hour(3)))
			},
		},
		{
			name:  "grant without terms",
			f:     store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{{Owner: qBob}, {Terms: [][]string{}}}},
			decoy: func(e *store.Event) bool { return e.Owner == qBob },
		},
		{
			name:  "grant with an empty disjunction",
			f:     store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"w=1"}, {}}}}},
			decoy: func(e *store.Event) bool { return e.Owner == qBob },
		},
		{
			name:  "grant of an unknown term",
			f:     store.Filter{Owners: []string{qAlice}, Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"bs=unknown"}}}}},
			decoy: func(e *store.Event) bool { return e.Owner == qBob },
		},
		{
			name:  "only grants",
			f:     store.Filter{Owners: []string{}, Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"bs=z"}}}}},
			decoy: func(e *store.Event) bool { return e.Owner == qAlice || !has(e, "bs=z") },
		},
		{
			name: "only grants, two",
			f: store.Filter{Owners: []string{}, Grants: []store.Grant{
				{Owner: qBob, Terms: [][]string{{"bs=x", "bs=y"}, {"bl=L0"}}},
				{Owner: qAlice, Terms: [][]string{{"e=q-05", "e=q-19", "e=q-20"}}, EventTime: store.TimeRange{GE: hour(1)}},
				{Owner: qBob},
			}},
			decoy: func(e *store.Event) bool {
				return (e.Owner == qBob && has(e, "bs=x", "bs=y") && !has(e, "bl=L0")) ||
					(e.Owner == qAlice && !has(e, "e=q-05", "e=q-19", "e=q-20"))
			},
		},
		{
			name:  "only grants admitting nothing",
			f:     store.Filter{Owners: []string{}, Grants: []store.Grant{{Owner: qBob}}},
			decoy: func(e *store.Event) bool { return true },
		},
		{
			name: "grants ignored without owners",
			f:    store.Filter{Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"bs=z"}}}}},
		},
		{
			name: "grant and filter terms",
			f: store.Filter{
				Terms:  [][]string{{"bs=x", "bs=z"}},
				Owners: []string{qAlice},
				Grants: []store.Grant{{Owner: qBob, Terms: [][]string{{"bl=L0", "bl=L4"}}}},
			},
			decoy: func(e *store.Event) bool { return has(e, "bs=y") || (e.Owner == qBob && !has(e, "bl=L0", "bl=L4")) },
		},
		{
			name: "grant and eventTime",
			f: store.Filter{
				EventTime: store.TimeRange{GE: hour(1), LT: hour(6)},
				Owners:    []string{qAlice},
				Grants:    []store.Grant{{Owner: qBob, Terms: [][]string{{"w=1"}}, EventTime: store.TimeRange{GE: hour(3)}}},
			},
			decoy: func(e *store.Event) bool {
				return !e.EventTime.Before(hour(6)) || (e.Owner == qBob && e.EventTime.Before(hour(3)))
			},
		},
		{
			name: "grant and recordTime",
			f: store.Filter{
				RecordTime: store.TimeRange{GE: rt1},
				Owners:     []string{carol},
				Grants:     []store.Grant{{Terms: [][]string{{"t=A"}}}},
			},
			decoy: func(e *store.Event) bool { return e.RecordTime.Before(rt1) || !has(e, "t=A") },
		},
		{
			name: "everything",
			f: store.Filter{
				Terms:      [][]string{{"w=1"}},
				EventTime:  store.TimeRange{LT: hour(6)},
				RecordTime: store.TimeRange{LT: all[28].RecordTime},
				Owners:     []string{qAlice},
				Grants: []store.Grant{
					{Owner: qBob, Terms: [][]string{{"bs=x", "bs=y"}, {"bl=L0", "bl=L3"}}, EventTime: store.TimeRange{GE: hour(1)}},
					{Owner: carol, Terms: [][]string{{"w=1"}}},
				},
			},
			decoy: func(e *store.Event) bool {
				return e.Owner == qBob && !(has(e, "bs=x", "bs=y") && has(e, "bl=L0", "bl=L3"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := expect(all, store.Scan{Filter: tt.f})
			if tt.decoy != nil {
				decoys := 0
				for _, e := range all {
					if tt.decoy(e) {
						decoys++
						if slices.Contains(want, e) {
							t.Fatalf("fixture: the model admits decoy %s", e.EventID)
						}
					}
				}
				if decoys == 0 {
					t.Fatal("fixture: no decoy event")
				}
			}
			if slices.Contains(tt.f.Owners, qAlice) && !slices.ContainsFunc(want, func(e *store.Event) bool { return e.Owner == qAlice }) {
				t.Fatal("fixture: the model admits no event of Owners")
			}
			for _, s := range scans(tt.f) {
				full := expect(all, s)
				checkEvents(t, s, collect(t, st, s), full)
				if len(full) == 0 {
					continue
				}
				mid := full[len(full)/2]
				for _, c := range []store.Cursor{{Time: mid.EventTime, Seq: mid.Seq}, {Time: mid.EventTime.Add(1), Seq: 0}} {
					sc := s
					sc.After = &c
					checkEvents(t, sc, collect(t, st, sc), expect(all, sc))
				}
				got, err := walk(ctxT(t), st, s, 3, nil)
				if err != nil {
					t.Fatalf("walk(%s) in pages of 3: %v", describeScan(s), err)
				}
				checkEvents(t, s, got, full)
			}
		})
	}
}
