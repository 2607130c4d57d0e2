package subscribe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
	"github.com/lotline/lotline/subscribe"
)

// seqDocument stands in for the EPCISQueryDocument writer: the Seqs of
// the delivered events, as a JSON array.
func seqDocument(evs []*store.Event, _ time.Time, _ subscribe.Delivery) ([]byte, error) {
	seqs := make([]int64, len(evs))
	for i, e := range evs {
		seqs[i] = e.Seq
	}
	return json.Marshal(seqs)
}

func allEvents(*store.NamedQuery) (*query.Query, error) { return &query.Query{}, nil }

func openStore(t *testing.T) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var evSeq int

func addEvents(t *testing.T, st store.Store, n int) {
	t.Helper()
	b := store.Batch{Atomic: true}
	for range n {
		evSeq++
		id := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", evSeq)
		b.Events = append(b.Events, &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent",
			EventTime: time.Now(), Owner: "o", Body: []byte(`{"type":"ObjectEvent","eventID":"` + id + `"}`)})
	}
	if _, err := st.AddEvents(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// TestTwoServersShareOneSubscription runs two services over one store:
// the lease lets one of them serve the subscription at a time, and the
// shared progress means no event is delivered twice or lost.
func TestTwoServersShareOneSubscription(t *testing.T) {
	st := openStore(t)
	var mu sync.Mutex
	seen := map[int64]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var seqs []int64
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &seqs); err != nil {
			w.WriteHeader(400)
			return
		}
		time.Sleep(2 * time.Millisecond) // let passes overlap
		mu.Lock()
		for _, s := range seqs {
			seen[s]++
		}
		mu.Unlock()
	}))
	defer rcv.Close()
	if err := st.CreateQuery(context.Background(), &store.NamedQuery{Name: "all", Owner: "o", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var svcs []*subscribe.Service
	for i := range 2 {
		svc := subscribe.New(st, subscribe.Config{Holder: fmt.Sprint("server", i), AllowPrivate: true, ChunkSize: 7,
			PollInterval: 20 * time.Millisecond, SharedStore: true, Document: seqDocument, Compile: allEvents})
		svc.Start(context.Background())
		defer svc.Close()
		svcs = append(svcs, svc)
	}
	sub := &store.Subscription{ID: "s", QueryName: "all", Owner: "o", Dest: rcv.URL, Stream: true,
		InitialRecordTime: time.Now().Add(-time.Hour)}
	if err := svcs[0].Create(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	const batches, per = 30, 5
	for range batches {
		addEvents(t, st, per)
		for _, s := range svcs {
			s.Notify()
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == batches*per {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events delivered", n, batches*per)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for s, n := range seen {
		if n != 1 {
			t.Errorf("event %d delivered %d times", s, n)
		}
	}
}

// TestSlowConsumerIsDropped: a stream whose documents are not taken ends
// with ErrSlowConsumer once its buffer is full, instead of buffering.
func TestSlowConsumerIsDropped(t *testing.T) {
	st := openStore(t)
	svc := subscribe.New(st, subscribe.Config{ChunkSize: 1, Document: seqDocument, Compile: allEvents})
	svc.Start(context.Background())
	defer svc.Close()
	start := time.Now().Add(-time.Second)
	addEvents(t, st, 5)
	w, err := svc.Watch(context.Background(), "o")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	out := make(chan []byte, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = w.Run(ctx, &query.Query{}, subscribe.WatchOptions{MinRecordTime: start}, out)
	if !errors.Is(err, subscribe.ErrSlowConsumer) {
		t.Fatalf("Run = %v, want ErrSlowConsumer", err)
	}
	if len(out) != 2 {
		t.Errorf("%d documents buffered, want the buffer's 2", len(out))
	}
}

// TestWatchBound: streams count against the per-party bound.
func TestWatchBound(t *testing.T) {
	st := openStore(t)
	svc := subscribe.New(st, subscribe.Config{MaxPerOwner: 2, Document: seqDocument, Compile: allEvents})
	var ws []*subscribe.Watcher
	for i := range 3 {
		w, err := svc.Watch(context.Background(), "o")
		if i == 2 {
			if err == nil {
				t.Fatal("third stream allowed with MaxPerOwner 2")
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	ws[0].Close()
	w, err := svc.Watch(context.Background(), "o")
	if err != nil {
		t.Fatalf("after closing one: %v", err)
	}
	w.Close()
	if _, err := svc.Watch(context.Background(), "other"); err != nil {
		t.Errorf("another party: %v", err)
	}
}

// hidingStore hides chosen events from readers, as a batch whose
// recordTime is assigned but which has not committed yet.
type hidingStore struct {
	*sqlitestore.Store
	mu     sync.Mutex
	hidden map[int64]bool
}

func (h *hidingStore) Events(ctx context.Context, s store.Scan, fn func(*store.Event) (bool, error)) error {
	return h.Store.Events(ctx, s, func(e *store.Event) (bool, error) {
		h.mu.Lock()
		hid := h.hidden[e.Seq]
		h.mu.Unlock()
		if hid {
			return true, nil
		}
		return fn(e)
	})
}

// TestLateCommitIsNotSkipped: an event recorded before a pass but made
// visible after it is still delivered (the progress point never passes
// the newest visible event's recordTime).
func TestLateCommitIsNotSkipped(t *testing.T) {
	st := &hidingStore{Store: openStore(t), hidden: map[int64]bool{}}
	ctx := context.Background()
	var mu sync.Mutex
	var got []int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var seqs []int64
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &seqs)
		mu.Lock()
		got = append(got, seqs...)
		mu.Unlock()
	}))
	defer rcv.Close()
	if err := st.CreateQuery(ctx, &store.NamedQuery{Name: "all", Owner: "o", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	addEvents(t, st, 1) // visible
	// The next batch has its recordTime but is not visible yet.
	b := store.Batch{Atomic: true, Events: []*store.Event{{UniqueKey: "late", EventID: "late", Type: "ObjectEvent",
		EventTime: time.Now(), Owner: "o", Body: []byte(`{}`)}}}
	if _, err := st.Store.AddEvents(ctx, b); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.hidden[b.Events[0].Seq] = true
	st.mu.Unlock()

	svc := subscribe.New(st, subscribe.Config{AllowPrivate: true, PollInterval: 20 * time.Millisecond,
		Document: seqDocument, Compile: allEvents})
	svc.Start(ctx)
	defer svc.Close()
	if err := svc.Create(ctx, &store.Subscription{ID: "s", QueryName: "all", Owner: "o", Dest: rcv.URL, Stream: true,
		InitialRecordTime: start}); err != nil {
		t.Fatal(err)
	}
	wait := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			k := len(got)
			mu.Unlock()
			if k >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events delivered", k, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(1)
	time.Sleep(50 * time.Millisecond) // let the pass record its progress
	st.mu.Lock()
	clear(st.hidden) // the batch commits
	st.mu.Unlock()
	svc.Notify()
	wait(2)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[1] != b.Events[0].Seq {
		t.Errorf("delivered %v, want the late event %d second", got, b.Events[0].Seq)
	}
}

// TestReceiverAsksForSmallerDeliveries: a 413 halves the chunks until
// the receiver takes them; nothing is lost or repeated.
func TestReceiverAsksForSmallerDeliveries(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[int64]int{}
	var sizes []int
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var seqs []int64
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &seqs)
		if len(seqs) > 3 {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		mu.Lock()
		sizes = append(sizes, len(seqs))
		for _, s := range seqs {
			seen[s]++
		}
		mu.Unlock()
	}))
	defer rcv.Close()
	if err := st.CreateQuery(ctx, &store.NamedQuery{Name: "all", Owner: "o", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	addEvents(t, st, 20)
	svc := subscribe.New(st, subscribe.Config{AllowPrivate: true, ChunkSize: 16, Document: seqDocument, Compile: allEvents})
	svc.Start(ctx)
	defer svc.Close()
	if err := svc.Create(ctx, &store.Subscription{ID: "s", QueryName: "all", Owner: "o", Dest: rcv.URL, Stream: true,
		InitialRecordTime: start}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 20 delivered", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for s, n := range seen {
		if n != 1 {
			t.Errorf("event %d delivered %d times", s, n)
		}
	}
	for _, n := range sizes {
		if n != 2 { // 16, 8, 4 refused; 2 taken from then on
			t.Errorf("delivery sizes %v, want 2 each", sizes)
			break
		}
	}
	got, err := svc.Subscription(ctx, "s")
	if err != nil || got.Attempts != 0 || got.LastError != "" {
		t.Errorf("a 413 counted as a failure: %+v %v", got, err)
	}
}

// TestManySubscriptionsShareReads: subscriptions of one query at many
// progress points, created while events are captured, each get exactly
// their events (the shared reads of fetch.go serve passes at different
// positions and cutoffs).
func TestManySubscriptionsShareReads(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string]map[int64]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var seqs []int64
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &seqs)
		id := r.Header.Get("Lotline-Subscription-ID")
		mu.Lock()
		if got[id] == nil {
			got[id] = map[int64]int{}
		}
		for _, s := range seqs {
			got[id][s]++
		}
		mu.Unlock()
	}))
	defer rcv.Close()
	if err := st.CreateQuery(ctx, &store.NamedQuery{Name: "all", Owner: "o", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	svc := subscribe.New(st, subscribe.Config{AllowPrivate: true, ChunkSize: 4, Concurrency: 3,
		Document: seqDocument, Compile: allEvents})
	svc.Start(ctx)
	defer svc.Close()

	type batch struct {
		rt   time.Time
		seqs []int64
	}
	var batches []batch
	want := map[string][]int64{} // subscription -> first batch
	first := map[string]int{}
	const nBatches, subsEvery = 40, 2
	for i := range nBatches {
		b := store.Batch{Atomic: true}
		for range 3 {
			evSeq++
			id := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", evSeq)
			b.Events = append(b.Events, &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent",
				EventTime: time.Now(), Owner: "o", Body: []byte(`{}`)})
		}
		res, err := st.AddEvents(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, e := range b.Events {
			seqs = append(seqs, e.Seq)
		}
		batches = append(batches, batch{res.RecordTime, seqs})
		svc.Notify()
		if i%subsEvery == 0 {
			// A subscription starting at a batch some way back.
			from := i / 2
			id := fmt.Sprint("s", i)
			first[id] = from
			if err := svc.Create(ctx, &store.Subscription{ID: id, QueryName: "all", Owner: "o", Dest: rcv.URL,
				Stream: true, InitialRecordTime: batches[from].rt}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(3 * time.Millisecond)
	}
	for id, from := range first {
		for _, b := range batches[from:] {
			want[id] = append(want[id], b.seqs...)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		done := true
		for id, seqs := range want {
			if len(got[id]) < len(seqs) {
				done = false
			}
		}
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for id, seqs := range want {
		if len(got[id]) != len(seqs) {
			t.Errorf("%s: %d events delivered, want %d", id, len(got[id]), len(seqs))
		}
		for _, s := range seqs {
			if got[id][s] != 1 {
				t.Errorf("%s: event %d delivered %d times", id, s, got[id][s])
			}
		}
	}
}
