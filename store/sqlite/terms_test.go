package sqlitestore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// TestTermIndex checks that stored terms can be looked up alone and in
// conjunctions of disjunctions, in seq order.
func TestTermIndex(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev := func(id string, terms ...string) *store.Event {
		return &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent", EventTime: time.Now(), Terms: terms, Body: []byte(`{}`)}
	}
	b := store.Batch{Atomic: true, Events: []*store.Event{
		ev("a", "t=ObjectEvent", "bs=^BizStep-shipping", "e=~01/04012345111118/21/1"),
		ev("b", "t=ObjectEvent", "bs=^BizStep-receiving", "e=~01/04012345111118/21/1"),
		ev("c", "t=AggregationEvent", "bs=^BizStep-shipping", "p=~00/040123450000000016"),
		ev("d"),
	}}
	if _, err := st.AddEvents(ctx, b); err != nil {
		t.Fatal(err)
	}
	seqOf := map[int64]string{}
	for _, e := range b.Events {
		seqOf[e.Seq] = e.EventID
	}
	tests := []struct {
		match string
		want  []string
	}{
		{token("bs=^BizStep-shipping"), []string{"a", "c"}},
		{token("e=~01/04012345111118/21/1"), []string{"a", "b"}},
		{token("t=ObjectEvent") + " AND " + token("bs=^BizStep-shipping"), []string{"a"}},
		{token("p=~00/040123450000000016") + " OR " + token("bs=^BizStep-receiving"), []string{"b", "c"}},
		{token("e=unknown"), nil},
	}
	for _, tt := range tests {
		rows, err := st.r.QueryContext(ctx, `SELECT rowid FROM terms WHERE terms MATCH ? ORDER BY rowid`, tt.match)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var seq int64
			rows.Scan(&seq)
			got = append(got, seqOf[seq])
		}
		rows.Close()
		if !slices.Equal(got, tt.want) {
			t.Errorf("MATCH %s = %v, want %v", tt.match, got, tt.want)
		}
	}
}

func BenchmarkToken(b *testing.B) {
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = appendToken(buf[:0], "e=~01/04012345111118/21/123456789")
	}
}

// TestTouchJobsUpdatesTheJob checks that a heartbeat shows in the job read
// back, as the contract says.
func TestTouchJobsUpdatesTheJob(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := time.Now().Add(-time.Hour).UTC()
	j := &store.Job{ID: "j1", Owner: "o", Running: true, Success: true, ErrorBehaviour: "rollback", CreatedAt: old, UpdatedAt: old}
	if err := st.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	if err := st.TouchJobs(ctx, []string{"j1"}, at); err != nil {
		t.Fatal(err)
	}
	got, err := st.Job(ctx, "j1")
	if err != nil || !got.UpdatedAt.Equal(at) {
		t.Fatalf("UpdatedAt %v (err %v), want %v", got.UpdatedAt, err, at)
	}
	if n, err := st.AbandonJobs(ctx, "test", at); err != nil || n != 0 {
		t.Fatalf("a touched job was abandoned: %d %v", n, err)
	}
}
