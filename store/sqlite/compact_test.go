package sqlitestore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// segments counts the FTS5 segments of the term index.
func segments(t *testing.T, st *Store) int {
	t.Helper()
	var n int
	if err := st.r.QueryRow(`SELECT count(DISTINCT segid) FROM terms_idx`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func xSeqs(t *testing.T, st *Store) []int64 {
	t.Helper()
	var got []int64
	err := st.Events(context.Background(), store.Scan{Filter: store.Filter{Terms: [][]string{{"x"}}}}, func(e *store.Event) (bool, error) {
		got = append(got, e.Seq)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestCompaction: once the writer is idle, a term index of many segments
// becomes one, queries answer the same, and a small growth afterwards
// does not start another compaction.
func TestCompaction(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.stopCompactor()
	st.compact.idle, st.compact.pages, st.compact.growth = 100*time.Millisecond, 8, 0.5
	var want []int64
	for i := range 40 {
		want = append(want, addX(t, st, i*50, 50)...)
	}
	before := segments(t, st)
	if before < 2 {
		t.Fatalf("%d segments after 40 commits; the test needs several", before)
	}
	st.startCompactor()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.WaitCompacted(ctx); err != nil {
		t.Fatalf("WaitCompacted: %v (segments %d)", err, segments(t, st))
	}
	if n := segments(t, st); n != 1 {
		t.Errorf("%d segments after compaction (from %d), want 1", n, before)
	}
	if got := xSeqs(t, st); !slices.Equal(got, want) {
		t.Errorf("after compaction the term finds %d events, want %d", len(got), len(want))
	}
	// 10 more events are under the growth threshold (half the events).
	want = append(want, addX(t, st, 2000, 10)...)
	if st.compact.due(st.lastSeq) {
		t.Errorf("a compaction is due after a growth of 10 events in %d", st.lastSeq)
	}
	if err := st.WaitCompacted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := xSeqs(t, st); !slices.Equal(got, want) {
		t.Errorf("after more events the term finds %d events, want %d", len(got), len(want))
	}
}

// TestCompactionYieldsToCaptures: while captures keep the writer busy a
// compaction does not complete; Close stops a waiting compactor.
func TestCompactionYieldsToCaptures(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st.stopCompactor()
	st.compact.idle, st.compact.pages, st.compact.growth = 300*time.Millisecond, 8, 0.01
	st.startCompactor()
	for i := range 20 {
		addX(t, st, i*50, 50)
		time.Sleep(20 * time.Millisecond)
	}
	if !st.compact.due(st.lastSeq) {
		t.Error("no compaction due right after the captures")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
