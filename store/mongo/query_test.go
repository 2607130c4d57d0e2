package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// Tests of what the contract suite cannot see on this backend: the
// visibility of an atomic batch caught between insert and commit, values
// recorded by several stores, master data created by two stores at once,
// times beyond Unix nanoseconds, and cancellation mid-scan.

func scanAll(t *testing.T, st store.Store, sc store.Scan) []*store.Event {
	t.Helper()
	var out []*store.Event
	err := st.Events(context.Background(), sc, func(e *store.Event) (bool, error) {
		out = append(out, e)
		return true, nil
	})
	if err != nil {
		t.Fatalf("Events(%+v): %v", sc, err)
	}
	return out
}

func eventIDs(evs []*store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

// TestEventsHideInFlightBatch: between the insert of an atomic batch and
// its commit, Events shows none of it, while its values are recorded
// already (they are written before the batch becomes visible).
func TestEventsHideInFlightBatch(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	ctx := context.Background()
	before := batchOf("before", 2)
	if _, err := s.AddEvents(ctx, store.Batch{Events: before}); err != nil {
		t.Fatal(err)
	}
	evs := batchOf("flight", 4)
	for _, e := range evs {
		e.Terms = []string{"w=1"}
		e.Values = []store.Value{{Kind: store.ValueBizStep, Value: "in-flight"}}
	}
	release := inFlight(t, s, store.Batch{Atomic: true, Events: evs,
		MasterData: []store.VocabularyElement{{Type: "vt", ID: "loc"}}})
	earlier := eventIDs(before)
	for _, tt := range []struct {
		sc   store.Scan
		want []string
	}{
		{store.Scan{}, earlier},
		{store.Scan{Order: store.ByEventTime, Desc: true}, []string{earlier[1], earlier[0]}},
		{store.Scan{Filter: store.Filter{Terms: [][]string{{"w=1"}}}}, nil},
	} {
		if got := eventIDs(scanAll(t, s, tt.sc)); !slices.Equal(got, tt.want) {
			t.Errorf("Events(%+v) during the batch = %q, want %q", tt.sc, got, tt.want)
		}
	}
	if has, err := s.HasValue(ctx, store.Value{Kind: store.ValueBizStep, Value: "in-flight"}); err != nil || !has {
		t.Errorf("HasValue of the batch in flight = %v, %v; want true", has, err)
	}
	if res, err := release(); err != nil || res.Stored != len(evs) {
		t.Fatalf("AddEvents: %+v, %v", res, err)
	}
	got := eventIDs(scanAll(t, s, store.Scan{Filter: store.Filter{Terms: [][]string{{"w=1"}}}}))
	if want := eventIDs(evs); !slices.Equal(got, want) {
		t.Errorf("Events after commit = %q, want %q", got, want)
	}
}

// TestValuesFromTwoStores: a store that has not seen a value itself
// records it again; the value already stored is not an error and is
// listed once.
func TestValuesFromTwoStores(t *testing.T) {
	uri := withDB(t, sharedURI(t))
	a, b := openStore(t, uri), openStore(t, uri)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	add := func(s store.Store, id string, vals ...string) {
		t.Helper()
		e := batchOf(id, 1)[0]
		for _, v := range vals {
			e.Values = append(e.Values, store.Value{Kind: store.ValueEPC, Value: v})
		}
		if res, err := s.AddEvents(ctx, store.Batch{Events: []*store.Event{e}}); err != nil || res.Stored != 1 {
			t.Fatalf("AddEvents: %+v, %v", res, err)
		}
	}
	add(a, "a1", "x", "y")
	add(b, "b1", "y", "z", "x")
	add(a, "a2", "z", "w")
	got, err := b.Values(ctx, store.ValuePage{Kind: store.ValueEPC, Limit: 10})
	if want := []string{"w", "x", "y", "z"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Values = %q, %v; want %q", got, err, want)
	}
	for _, s := range []store.Store{a, b} {
		if has, err := s.HasValue(ctx, store.Value{Kind: store.ValueEPC, Value: "w"}); err != nil || !has {
			t.Errorf("HasValue(w) = %v, %v", has, err)
		}
	}
}

// TestMasterDataCreatedTwiceAtOnce: two stores creating the same element
// at once both succeed, and the second merges into the first (the clash
// on insert makes it read again), so no attribute is lost.
func TestMasterDataCreatedTwiceAtOnce(t *testing.T) {
	uri := withDB(t, sharedURI(t))
	a, b := openStore(t, uri), openStore(t, uri)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	const rounds = 5
	for r := range rounds {
		id := fmt.Sprintf("loc%d", r)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []store.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.PutMasterData(ctx, []store.VocabularyElement{{Type: "vt", ID: id,
					Attributes: []store.Attribute{{ID: fmt.Sprintf("by%d", i), Value: []byte(`1`)}}}})
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: PutMasterData: %v", r, err)
		}
	}
	md, err := a.MasterData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(md) != rounds {
		t.Fatalf("MasterData: %d elements, want %d", len(md), rounds)
	}
	for _, e := range md {
		var ids []string
		for _, at := range e.Attributes {
			ids = append(ids, at.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []string{"by0", "by1"}) {
			t.Errorf("%s: attributes %q, want both writers'", e.ID, ids)
		}
	}
}

// TestEventsFarTimes: eventTimes that Unix nanoseconds cannot hold keep
// their place in eventTime order, and time bounds beyond them never drop
// an event they should pass.
func TestEventsFarTimes(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	times := map[string]time.Time{
		"ancient": time.Date(1200, 1, 1, 0, 0, 0, 0, time.UTC),
		"old":     time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC),
		"now":     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"far":     time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	var evs []*store.Event
	for _, id := range []string{"far", "now", "ancient", "old"} {
		evs = append(evs, &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent", EventTime: times[id], Body: []byte(`{}`)})
	}
	if _, err := s.AddEvents(context.Background(), store.Batch{Events: evs}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		r    store.TimeRange
		want []string
	}{
		{store.TimeRange{}, []string{"ancient", "old", "now", "far"}},
		{store.TimeRange{LT: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{store.TimeRange{LT: time.Date(1300, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"ancient"}},
		{store.TimeRange{GE: time.Date(1650, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"old", "now", "far"}},
		{store.TimeRange{GE: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), LT: time.Date(5000, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"now"}},
		{store.TimeRange{GE: time.Date(5000, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"far"}},
		{store.TimeRange{LT: time.Date(99999, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"ancient", "old", "now", "far"}},
	} {
		got := eventIDs(scanAll(t, s, store.Scan{Filter: store.Filter{EventTime: tt.r}, Order: store.ByEventTime}))
		// Clamping may admit more, never fewer: every wanted event must be
		// there, in order; extras only from the clamped ends.
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("EventTime %v..%v: %q lacks %q", tt.r.GE, tt.r.LT, got, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(tt.want, g) && g != "ancient" && g != "far" {
				t.Errorf("EventTime %v..%v: %q has %q", tt.r.GE, tt.r.LT, got, g)
			}
		}
		if !slices.IsSortedFunc(got, func(a, b string) int { return times[a].Compare(times[b]) }) {
			t.Errorf("EventTime %v..%v: %q not in eventTime order", tt.r.GE, tt.r.LT, got)
		}
	}
}

// TestEventsCanceledMidScan: a context cancelled while the scan is
// between fetched batches, or inside one, ends the scan with its error.
func TestEventsCanceledMidScan(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	if _, err := s.AddEvents(context.Background(), store.Batch{Events: batchOf("c", 12)}); err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{0, 1, 5} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := s.Events(ctx, store.Scan{BatchSize: batch}, func(*store.Event) (bool, error) {
			if n++; n == 3 {
				cancel()
			}
			return true, nil
		})
		cancel()
		if !errors.Is(err, context.Canceled) || n != 3 {
			t.Errorf("batch size %d: Events after cancel = %v after %d events; want context.Canceled after 3", batch, err, n)
		}
		// Uncancelled, a small batch size still visits everything.
		if got := scanAll(t, s, store.Scan{BatchSize: batch, Desc: true}); len(got) != 12 {
			t.Errorf("batch size %d: %d events, want 12", batch, len(got))
		}
	}
}
