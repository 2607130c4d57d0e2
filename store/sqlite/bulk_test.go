package sqlitestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

func openBulkStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// bulkEvents makes n events over two owners with terms and values; the
// eventTimes run against the input order, so the bulk path's sort shows.
func bulkEvents(n int, prefix string) []*store.Event {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []*store.Event
	for i := range n {
		owner := store.LocalOwner
		if i%3 == 0 {
			owner = "0614141000005"
		}
		id := fmt.Sprintf("%s-%04d", prefix, i)
		out = append(out, &store.Event{
			UniqueKey: id, EventID: id, Type: "ObjectEvent", Owner: owner,
			EventTime: base.Add(time.Duration(n-i) * time.Minute),
			Terms:     []string{"bs=" + []string{"a", "b", "c"}[i%3], fmt.Sprintf("loc=%d", i%7), "id=" + id},
			Values:    []store.Value{{Kind: "bizStep", Value: []string{"a", "b", "c"}[i%3]}, {Kind: "epc", Value: id}},
			Body:      fmt.Appendf(nil, `{"eventID":%q}`, id),
		})
	}
	return out
}

func scanIDs(t *testing.T, st store.Store, s store.Scan) []string {
	t.Helper()
	var ids []string
	err := st.Events(context.Background(), s, func(e *store.Event) (bool, error) {
		ids = append(ids, e.EventID)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestImportEventsLikeAddEvents stores the same events through AddEvents
// and through ImportEvents and compares what queries, value listings and
// lookups answer; then imports again and checks nothing is stored twice.
func TestImportEventsLikeAddEvents(t *testing.T) {
	ctx := context.Background()
	add, imp := openBulkStore(t), openBulkStore(t)
	evs := bulkEvents(700, "e")
	var cacheBefore, mmapBefore int
	if err := imp.w.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cacheBefore); err != nil {
		t.Fatal(err)
	}
	if err := imp.w.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&mmapBefore); err != nil || mmapBefore == 0 {
		t.Fatalf("writer mmap_size %d, %v: want the store's own, not 0", mmapBefore, err)
	}
	if _, err := add.AddEvents(ctx, store.Batch{Events: bulkEvents(700, "e")}); err != nil {
		t.Fatal(err)
	}
	// A duplicate inside the call is skipped like one already stored.
	withDup := append(slices.Clone(evs[:400]), bulkEvents(1, "e")[0])
	stored, skipped, err := imp.ImportEvents(ctx, withDup, nil)
	if err != nil || stored != 400 || skipped != 1 {
		t.Fatalf("first import: stored %d skipped %d err %v, want 400, 1, nil", stored, skipped, err)
	}
	stored, skipped, err = imp.ImportEvents(ctx, bulkEvents(700, "e"), nil)
	if err != nil || stored != 300 || skipped != 400 {
		t.Fatalf("second import: stored %d skipped %d err %v, want 300, 400, nil", stored, skipped, err)
	}
	var cache int
	if err := imp.w.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil || cache != cacheBefore {
		t.Errorf("writer cache_size after an import: %d, %v; want the store's own %d back", cache, err, cacheBefore)
	}
	var mmap int
	if err := imp.w.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&mmap); err != nil || mmap != mmapBefore {
		t.Errorf("writer mmap_size after an import: %d, %v; want the store's own %d back", mmap, err, mmapBefore)
	}
	for _, e := range evs[:400] {
		if e.Seq == 0 || e.RecordTime.IsZero() {
			t.Fatalf("event %s: no Seq or RecordTime after ImportEvents", e.EventID)
		}
	}

	scans := []store.Scan{
		{Filter: store.Filter{Terms: [][]string{{"bs=a"}}}, Order: store.ByEventTime},
		{Filter: store.Filter{Terms: [][]string{{"bs=b", "bs=c"}, {"loc=3"}}}, Order: store.ByEventTime, Desc: true},
		{Filter: store.Filter{Terms: [][]string{{"id=e-0123"}}}},
		{Filter: store.Filter{Owners: []string{"0614141000005"}}, Order: store.ByEventTime},
		{Filter: store.Filter{EventTime: store.TimeRange{GE: time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC),
			LT: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)}, Terms: [][]string{{"loc=1"}}}, Order: store.ByEventTime},
	}
	for i, s := range scans {
		want, got := scanIDs(t, add, s), scanIDs(t, imp, s)
		if len(want) == 0 {
			t.Fatalf("scan %d: the AddEvents store answers nothing; the test is broken", i)
		}
		if s.Order == store.BySeq {
			slices.Sort(want)
			slices.Sort(got)
		}
		if !slices.Equal(got, want) {
			t.Errorf("scan %d: ImportEvents store answers %d events %v..., AddEvents store %d", i, len(got), head(got), len(want))
		}
	}
	for _, kind := range []store.ValueKind{"bizStep", "epc", store.OwnedValueKind("epc", "0614141000005")} {
		p := store.ValuePage{Kind: kind, Limit: 1000}
		want, err1 := add.Values(ctx, p)
		got, err2 := imp.Values(ctx, p)
		if err1 != nil || err2 != nil || !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("values %s: import %d (%v), add %d (%v)", kind, len(got), err2, len(want), err1)
		}
	}
	got, err := imp.EventsByID(ctx, "e-0042")
	if err != nil || len(got) != 1 || string(got[0].Body) != `{"eventID":"e-0042"}` {
		t.Fatalf("EventsByID after import: %v %v", got, err)
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// TestImportEventsTermCache checks that a term bitmap cached before an
// import (queries of a frequent term load one) learns the imported seqs.
func TestImportEventsTermCache(t *testing.T) {
	ctx := context.Background()
	st := openBulkStore(t)
	forceCachedWalk(t)
	if _, _, err := st.ImportEvents(ctx, bulkEvents(50, "a"), nil); err != nil {
		t.Fatal(err)
	}
	s := store.Scan{Filter: store.Filter{Terms: [][]string{{"bs=a"}}}, Order: store.ByEventTime}
	if n := len(scanIDs(t, st, s)); n != 17 {
		t.Fatalf("before: %d events with bs=a, want 17", n)
	}
	if _, _, err := st.ImportEvents(ctx, bulkEvents(50, "b"), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(scanIDs(t, st, s)); n != 34 {
		t.Fatalf("after a second import: %d events with bs=a, want 34", n)
	}
}

func TestImportEventsClosed(t *testing.T) {
	st := openBulkStore(t)
	st.Close()
	if _, _, err := st.ImportEvents(context.Background(), bulkEvents(1, "x"), nil); err != store.ErrClosed {
		t.Fatalf("ImportEvents after Close: %v, want store.ErrClosed", err)
	}
}

// BenchmarkWritePath compares the capture write path (AddEvents, one
// non-atomic batch of 2,000) with the bulk path (ImportEvents of 8,192)
// on the synthetic events of BenchmarkEvents, writing b.N events into a
// store that holds -eventsn/10 events already. Compare ns/event and the
// CPU time (go test -bench ... -cpuprofile).
func BenchmarkWritePath(b *testing.B) {
	ctx := context.Background()
	for _, path := range []struct {
		name  string
		batch int
		write func(st *Store, evs []*store.Event) error
	}{
		{"AddEvents", 2000, func(st *Store, evs []*store.Event) error {
			_, err := st.AddEvents(ctx, store.Batch{Events: evs})
			return err
		}},
		{"ImportEvents", 8192, func(st *Store, evs []*store.Event) error {
			_, _, err := st.ImportEvents(ctx, evs, nil)
			return err
		}},
	} {
		b.Run(path.name, func(b *testing.B) {
			st, err := Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			n := *benchEventsN
			rng := rand.New(rand.NewPCG(1, 2))
			pre := n / 10
			var evs []*store.Event
			for i := range pre {
				evs = append(evs, benchEvent(i, n, rng))
			}
			if _, _, err := st.ImportEvents(ctx, evs, nil); err != nil {
				b.Fatal(err)
			}
			next := pre
			b.ResetTimer()
			for left := b.N; left > 0; {
				k := min(left, path.batch)
				left -= k
				b.StopTimer()
				evs = evs[:0]
				for range k {
					evs = append(evs, benchEvent(next, n, rng))
					next++
				}
				b.StartTimer()
				if err := path.write(st, evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "µs/event")
		})
	}
}
