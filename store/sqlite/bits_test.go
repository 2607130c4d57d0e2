package sqlitestore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

func TestBitset(t *testing.T) {
	var b bitset
	in := []int64{0, 1, 63, 64, 65, 1000, 70000, 70001}
	for _, seq := range in {
		b = b.set(seq)
	}
	for seq := int64(0); seq < 70100; seq++ {
		want := false
		for _, s := range in {
			want = want || s == seq
		}
		if b.has(seq) != want {
			t.Fatalf("has(%d) = %v, want %v", seq, !want, want)
		}
	}
}

// forceCachedWalk makes every term cached and every ByEventTime scan a
// walk, for the duration of the test.
func forceCachedWalk(t *testing.T) {
	min, force := cacheMinPostings, forcePlan
	walk := planWalk
	cacheMinPostings, forcePlan = 1, &walk
	t.Cleanup(func() { cacheMinPostings, forcePlan = min, force })
}

func addX(t *testing.T, st *Store, from, n int) []int64 {
	t.Helper()
	seqs, err := addXE(st, from, n)
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

// addXE adds n events, every other one with the term x, and returns the
// seqs of those.
func addXE(st *Store, from, n int) ([]int64, error) {
	var evs []*store.Event
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("x-%d", i)
		terms := []string{"t=" + id}
		if i%2 == 0 {
			terms = append(terms, "x")
		}
		evs = append(evs, &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent", Owner: "o",
			EventTime: time.Unix(int64(i*7%100), 0), Terms: terms, Body: []byte(`{}`)})
	}
	if _, err := st.AddEvents(context.Background(), store.Batch{Events: evs}); err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range evs {
		if len(e.Terms) == 2 {
			out = append(out, e.Seq)
		}
	}
	return out, nil
}

func scanX(t *testing.T, st *Store) map[int64]bool {
	t.Helper()
	got, err := scanXE(st)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// scanXE returns the seqs of the events with the term x, read ByEventTime.
func scanXE(st *Store) (map[int64]bool, error) {
	got := map[int64]bool{}
	err := st.Events(context.Background(), store.Scan{Filter: store.Filter{Terms: [][]string{{"x"}}}, Order: store.ByEventTime},
		func(e *store.Event) (bool, error) {
			if got[e.Seq] {
				return false, fmt.Errorf("seq %d twice", e.Seq)
			}
			got[e.Seq] = true
			return true, nil
		})
	return got, err
}

// TestCachedBitmapFollowsCommits: a cached bitmap takes the events of
// later commits, and a bitmap behind the store (as one loaded while a
// batch commits would be) is completed from FTS5 above its mark.
func TestCachedBitmapFollowsCommits(t *testing.T) {
	forceCachedWalk(t)
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := addX(t, st, 0, 40)
	check := func(when string) {
		t.Helper()
		got := scanX(t, st)
		if len(got) != len(want) {
			t.Errorf("%s: %d events, want %d", when, len(got), len(want))
		}
		for _, seq := range want {
			if !got[seq] {
				t.Errorf("%s: seq %d missing", when, seq)
			}
		}
	}
	check("first scan")
	cb := st.terms.m[termHash("x")]
	if cb == nil || cb.upTo != st.lastSeq {
		t.Fatalf("bitmap of x not cached up to %d: %+v", st.lastSeq, cb)
	}
	want = append(want, addX(t, st, 40, 40)...)
	if cb.upTo != st.lastSeq || !cb.bits.has(want[len(want)-1]) {
		t.Errorf("bitmap not updated by a commit: upTo %d, last seq %d", cb.upTo, st.lastSeq)
	}
	check("after a commit")

	// Put the bitmap behind: the scan must find the rest above the mark.
	mark := want[10]
	var behind bitset
	for _, seq := range want {
		if seq <= mark {
			behind = behind.set(seq)
		}
	}
	st.terms.mu.Lock()
	cb.bits, cb.upTo = behind, mark
	st.terms.mu.Unlock()
	check("bitmap behind")
	// A bitmap behind is not moved forward by commits that do not follow
	// its mark.
	want = append(want, addX(t, st, 80, 10)...)
	if cb.upTo != mark {
		t.Errorf("a bitmap behind moved to %d over a gap", cb.upTo)
	}
	check("bitmap behind after a commit")
}

// TestCachedBitmapsWhileCapturing drops and reloads bitmaps while a
// writer commits: every scan finds every event committed before it began.
func TestCachedBitmapsWhileCapturing(t *testing.T) {
	forceCachedWalk(t)
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	var acked []int64
	var stop atomic.Bool
	done := make(chan error, 1)
	go func() {
		for k := 0; !stop.Load() && k < 400; k++ {
			seqs, err := addXE(st, k*10, 10)
			if err != nil {
				done <- err
				return
			}
			mu.Lock()
			acked = append(acked, seqs...)
			mu.Unlock()
		}
		done <- nil
	}()
	// Two readers, so that loads of one bitmap overlap.
	deadline := time.Now().Add(2 * time.Second)
	var scans atomic.Int64
	var rg sync.WaitGroup
	errs := make(chan error, 2)
	for r := range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				if r == 0 && i%3 == 0 {
					st.terms.forget()
				}
				mu.Lock()
				before := append([]int64(nil), acked...)
				mu.Unlock()
				got, err := scanXE(st)
				if err != nil {
					errs <- err
					return
				}
				for _, seq := range before {
					if !got[seq] {
						errs <- fmt.Errorf("reader %d scan %d: seq %d, committed before the scan, missing", r, i, seq)
						return
					}
				}
				scans.Add(1)
			}
		}()
	}
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stop.Store(true)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d scans, %d events", scans.Load(), len(acked))
}

// BenchmarkCommittedBitmaps measures what the writer adds to a commit of
// 100 events of 20 terms each when 50 bitmaps are cached (3 of the
// event's terms among them).
func BenchmarkCommittedBitmaps(b *testing.B) {
	var c termCache
	c.m = map[uint64]*cachedBits{}
	for i := range 50 {
		c.m[termHash(fmt.Sprintf("bs=%d", i))] = &cachedBits{}
	}
	evs := make([]committedEvent, 100)
	for i := range evs {
		evs[i].seq = int64(i)
		for k := range 17 {
			evs[i].terms = append(evs[i].terms, fmt.Sprintf("e=urn:epc:id:sgtin:4012345.011111.%d-%d", i, k))
		}
		evs[i].terms = append(evs[i].terms, "bs=1", "bs=2", "bs=3")
	}
	b.ReportAllocs()
	seq := int64(0)
	for b.Loop() {
		for i := range evs {
			evs[i].seq = seq
			seq++
		}
		c.committed(evs, seq-100, seq)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// TestRareTokens: a token counted rare is not counted again until enough
// events were committed since to make it frequent.
func TestRareTokens(t *testing.T) {
	var c termCache
	if c.stillRare("t1") {
		t.Fatal("an uncounted token is rare")
	}
	c.committed(nil, 0, 100)
	c.markRare("t1", cacheMinPostings-10)
	if !c.stillRare("t1") {
		t.Error("a token just counted rare is not")
	}
	c.committed(nil, 100, 105)
	if !c.stillRare("t1") {
		t.Error("5 new events cannot make a token 10 short of frequent")
	}
	c.committed(nil, 105, 110)
	if c.stillRare("t1") {
		t.Error("10 new events may make it frequent: it must be counted again")
	}
	c.markRare("t2", 0)
	c.forget()
	if c.stillRare("t2") {
		t.Error("forget keeps rare tokens")
	}
}

// TestGrantMemo: a grant of rare tokens asked again after new events
// finds them (the memo reads what was committed since).
func TestGrantMemo(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	addX(t, st, 0, 10)
	f := store.Filter{Owners: []string{"nobody"}, Grants: []store.Grant{{Terms: [][]string{{"t=x-1", "t=x-21"}}}}}
	ids := func() []string {
		var out []string
		if err := st.Events(context.Background(), store.Scan{Filter: f}, func(e *store.Event) (bool, error) {
			out = append(out, e.EventID)
			return true, nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for range 2 { // the second time from the memo
		if got := ids(); len(got) != 1 || got[0] != "x-1" {
			t.Fatalf("grant finds %q, want x-1", got)
		}
	}
	addX(t, st, 10, 20)
	if got := ids(); len(got) != 2 || got[1] != "x-21" {
		t.Errorf("after x-21 was added the grant finds %q", got)
	}
}
