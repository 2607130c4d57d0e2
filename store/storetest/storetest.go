// Package storetest is the contract suite every Lotline storage backend
// must pass: it is the executable form of the doc comments of
// [store.Store]. A backend's test calls [Run] (or [RunSuite] to include
// the durability test) with a function that opens a fresh, empty store.
//
// The suite keeps its data small (a few hundred events) so that it runs
// quickly on the FerretDB test double of the Mongo backend.
//
// The package is imported by tests only.
package storetest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// Opener opens a store at one place (a directory, a database). Calling it
// again after the store is closed opens the same data.
type Opener func(t *testing.T) store.Store

// Suite describes a backend to the contract suite.
type Suite struct {
	// Open returns a fresh, empty store. If nil, New(t)(t) is used.
	Open func(t *testing.T) store.Store
	// New returns an Opener for a new, empty place. It enables the
	// durability test (data survives Close and a reopen). If nil, that
	// test is skipped.
	New func(t *testing.T) Opener
	// StressBatch is the number of events of each atomic batch in the
	// concurrency test. Zero means 110: more than the 100 documents
	// FerretDB writes per SQLite transaction, so that a backend relying
	// on that would be caught.
	StressBatch int
	// StressBatches is the number of batches each of the two writers of
	// the concurrency test writes. Zero means 3.
	StressBatches int
}

// Run runs the contract suite on stores made by open, which must return
// a fresh, empty store at each call. The suite closes the stores it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	RunSuite(t, Suite{Open: open})
}

// RunSuite runs the contract suite described by s.
func RunSuite(t *testing.T, s Suite) {
	if s.Open == nil && s.New == nil {
		t.Fatal("storetest: Suite needs Open or New")
	}
	if s.StressBatch <= 0 {
		s.StressBatch = 110
	}
	if s.StressBatches <= 0 {
		s.StressBatches = 3
	}
	open := func(t *testing.T) store.Store {
		t.Helper()
		var st store.Store
		if s.Open != nil {
			st = s.Open(t)
		} else {
			st = s.New(t)(t)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	tests := []struct {
		name string
		run  func(t *testing.T, st store.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"NotFound", testNotFound},
		{"AtomicDuplicateStored", testAtomicDuplicateStored},
		{"AtomicDuplicateInBatch", testAtomicDuplicateInBatch},
		{"NonAtomicPartial", testNonAtomicPartial},
		{"DeclarationBeside", testDeclarationBeside},
		{"Ordering", testOrdering},
		{"EmptyBatch", testEmptyBatch},
		{"Jobs", testJobs},
		{"JobsPaging", testJobsPaging},
		{"BatchJob", testBatchJob},
		{"AbandonJobs", testAbandonJobs},
		{"TouchJobs", testTouchJobs},
		{"TouchThenFinish", testTouchThenFinish},
		{"Canceled", testCanceled},
		{"Closed", testClosed},
		{"ConcurrentAtomicVisibility", func(t *testing.T, st store.Store) {
			testConcurrent(t, st, s.StressBatch, s.StressBatches)
		}},
	}
	tests = append(tests, queryTests(s)...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, open(t))
		})
	}
	t.Run("Reopen", func(t *testing.T) {
		if s.New == nil {
			t.Skip("storetest: Suite.New not set: the durability test needs a store that can be reopened")
		}
		testReopen(t, s.New(t))
	})
}

// ctxT returns a context that ends with the test, bounded so that a hung
// backend fails instead of hanging.
func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// base is an arbitrary instant with nanoseconds, in a zone other than UTC,
// so that a backend dropping precision or mangling zones is caught.
var base = time.Date(2024, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+2", 2*3600))

// newEvent returns an event whose fields are all set and derived from id.
func newEvent(id string, i int) *store.Event {
	return &store.Event{
		UniqueKey: id,
		EventID:   id,
		Type:      "ObjectEvent",
		EventTime: base.Add(time.Duration(i)*time.Hour + time.Duration(i)),
		Owner:     "urn:lotline:party:acme",
		Terms: []string{
			"bizStep=https://ref.gs1.org/cbv/BizStep-shipping",
			"epc=urn:epc:id:sgtin:4012345.011111." + id,
			"lot=04012345111118/L" + fmt.Sprint(i),
		},
		// Keys with '.' and '$' (legal in EPCIS extensions, refused as
		// document keys by MongoDB) and non-ASCII text: the body must come
		// back byte for byte.
		Body: []byte(fmt.Sprintf(`{"type":"ObjectEvent","eventID":%q,"ext:a.b":1,"$x":{"y.z":"é\u00e9"},  "n":%d}`, id, i)),
	}
}

// ids returns n event IDs with a prefix unique to the test.
func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

func events(idList []string) []*store.Event {
	out := make([]*store.Event, len(idList))
	for i, id := range idList {
		out[i] = newEvent(id, i)
	}
	return out
}

// mustAdd adds a batch that must be wholly stored.
func mustAdd(t *testing.T, st store.Store, b store.Batch) store.BatchResult {
	t.Helper()
	res, err := st.AddEvents(ctxT(t), b)
	if err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	if res.Stored != len(b.Events) || len(res.Rejected) != 0 {
		t.Fatalf("AddEvents: stored %d of %d, rejected %v", res.Stored, len(b.Events), res.Rejected)
	}
	return res
}

// get returns the visible events with id, or nil when none.
func get(t *testing.T, st store.Store, id string) []*store.Event {
	t.Helper()
	evs, err := st.EventsByID(ctxT(t), id)
	if errors.Is(err, store.ErrNotFound) {
		if evs != nil {
			t.Errorf("EventsByID(%q): ErrNotFound with %d events", id, len(evs))
		}
		return nil
	}
	if err != nil {
		t.Fatalf("EventsByID(%q): %v", id, err)
	}
	if len(evs) == 0 {
		t.Fatalf("EventsByID(%q): no events and no ErrNotFound", id)
	}
	return evs
}

// sameEvent reports how got differs from want (a stored event).
func sameEvent(got, want *store.Event) error {
	sorted := func(s []string) []string {
		c := slices.Clone(s)
		slices.Sort(c)
		return c
	}
	switch {
	case got.Seq != want.Seq:
		return fmt.Errorf("Seq %d, want %d", got.Seq, want.Seq)
	case got.UniqueKey != want.UniqueKey:
		return fmt.Errorf("UniqueKey %q, want %q", got.UniqueKey, want.UniqueKey)
	case got.EventID != want.EventID:
		return fmt.Errorf("EventID %q, want %q", got.EventID, want.EventID)
	case got.Type != want.Type:
		return fmt.Errorf("Type %q, want %q", got.Type, want.Type)
	case !got.EventTime.Equal(want.EventTime):
		return fmt.Errorf("EventTime %v, want %v", got.EventTime.Format(time.RFC3339Nano), want.EventTime.Format(time.RFC3339Nano))
	case !got.RecordTime.Equal(want.RecordTime):
		return fmt.Errorf("RecordTime %v, want %v", got.RecordTime.Format(time.RFC3339Nano), want.RecordTime.Format(time.RFC3339Nano))
	case got.Owner != want.Owner:
		return fmt.Errorf("Owner %q, want %q", got.Owner, want.Owner)
	case got.CaptureID != want.CaptureID:
		return fmt.Errorf("CaptureID %q, want %q", got.CaptureID, want.CaptureID)
	case got.Terms != nil && !slices.Equal(sorted(got.Terms), sorted(want.Terms)):
		return fmt.Errorf("Terms %q, want %q", got.Terms, want.Terms)
	case !bytes.Equal(got.Body, want.Body):
		return fmt.Errorf("Body %q, want %q", got.Body, want.Body)
	}
	return nil
}

func testRoundTrip(t *testing.T, st store.Store) {
	before := time.Now()
	evs := events(ids("rt", 3))
	evs[2].Terms = nil // no terms at all
	b := store.Batch{CaptureID: "capture-1", Atomic: true, Events: evs}
	res := mustAdd(t, st, b)
	after := time.Now()

	if res.RecordTime.IsZero() {
		t.Fatal("BatchResult.RecordTime is zero")
	}
	// Generous bounds: a store may keep RecordTime from going backwards.
	if res.RecordTime.Before(before.Add(-time.Minute)) || res.RecordTime.After(after.Add(time.Minute)) {
		t.Errorf("RecordTime %v not near the time of the call (%v..%v)", res.RecordTime, before, after)
	}
	for i, e := range evs {
		if e.Seq <= 0 {
			t.Errorf("event %d: Seq %d not assigned", i, e.Seq)
		}
		if !e.RecordTime.Equal(res.RecordTime) {
			t.Errorf("event %d: RecordTime %v, BatchResult says %v", i, e.RecordTime, res.RecordTime)
		}
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("event %d: Seq %d not above the previous %d", i, e.Seq, evs[i-1].Seq)
		}
	}
	for _, want := range evs {
		want.CaptureID = b.CaptureID
		got := get(t, st, want.EventID)
		if len(got) != 1 {
			t.Fatalf("EventsByID(%q): %d events, want 1", want.EventID, len(got))
		}
		if err := sameEvent(got[0], want); err != nil {
			t.Errorf("EventsByID(%q): %v", want.EventID, err)
		}
	}
}

func testNotFound(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	mustAdd(t, st, store.Batch{Events: events(ids("nf", 1))})
	if _, err := st.EventsByID(ctx, "nf-999"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EventsByID(unknown): %v, want ErrNotFound", err)
	}
	if _, err := st.EventsByID(ctx, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EventsByID(\"\"): %v, want ErrNotFound", err)
	}
	if _, err := st.Job(ctx, "no-such-job"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Job(unknown): %v, want ErrNotFound", err)
	}
	if err := st.UpdateJob(ctx, &store.Job{ID: "no-such-job", Owner: "o", CreatedAt: base}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateJob(unknown): %v, want ErrNotFound", err)
	}
	if _, err := st.Job(ctx, "no-such-job"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateJob(unknown) created the job: Job says %v", err)
	}
}

// checkRejected checks that res rejects exactly the indexes in want, each
// with a *store.DuplicateError naming the index and key.
func checkRejected(t *testing.T, res store.BatchResult, b store.Batch, want ...int) {
	t.Helper()
	if len(res.Rejected) != len(want) {
		t.Errorf("Rejected %v, want exactly indexes %v", res.Rejected, want)
	}
	for _, i := range want {
		err := res.Rejected[i]
		var de *store.DuplicateError
		if !errors.As(err, &de) {
			t.Errorf("Rejected[%d] = %v, want a *store.DuplicateError", i, err)
			continue
		}
		if de.Index != i || de.UniqueKey != b.Events[i].UniqueKey {
			t.Errorf("Rejected[%d] = %+v, want Index %d UniqueKey %q", i, *de, i, b.Events[i].UniqueKey)
		}
	}
}

func testAtomicDuplicateStored(t *testing.T, st store.Store) {
	first := events(ids("ad-old", 1))
	mustAdd(t, st, store.Batch{Atomic: true, Events: first})
	oldBody := slices.Clone(first[0].Body)

	evs := events(ids("ad-new", 4))
	clash := newEvent(first[0].UniqueKey, 9) // same key, other content
	evs[2] = clash
	b := store.Batch{Atomic: true, CaptureID: "c", Events: evs}
	res, err := st.AddEvents(ctxT(t), b)
	if err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	if res.Stored != 0 {
		t.Errorf("Stored %d, want 0", res.Stored)
	}
	checkRejected(t, res, b, 2)
	for _, i := range []int{0, 1, 3} {
		if got := get(t, st, evs[i].EventID); got != nil {
			t.Errorf("event %d of a rejected atomic batch is visible", i)
		}
	}
	got := get(t, st, first[0].EventID)
	if len(got) != 1 || !bytes.Equal(got[0].Body, oldBody) {
		t.Errorf("stored event changed by a rejected duplicate: %d events", len(got))
	}
	// The same batch without the clash goes in whole.
	evs[2] = newEvent("ad-new-x", 2)
	mustAdd(t, st, store.Batch{Atomic: true, Events: evs})
}

func testAtomicDuplicateInBatch(t *testing.T, st store.Store) {
	evs := events(ids("ab", 3))
	dup := newEvent(evs[0].UniqueKey, 7)
	evs = append(evs, dup)
	b := store.Batch{Atomic: true, Events: evs}
	res, err := st.AddEvents(ctxT(t), b)
	if err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	if res.Stored != 0 {
		t.Errorf("Stored %d, want 0", res.Stored)
	}
	checkRejected(t, res, b, 3)
	for i, e := range evs {
		if get(t, st, e.EventID) != nil {
			t.Errorf("event %d of a rejected atomic batch is visible", i)
		}
	}
}

func testNonAtomicPartial(t *testing.T, st store.Store) {
	old := events(ids("np-old", 1))
	mustAdd(t, st, store.Batch{Events: old})

	evs := events(ids("np", 3))
	evs = append(evs[:1], append([]*store.Event{newEvent(old[0].UniqueKey, 5)}, evs[1:]...)...) // index 1 clashes with stored
	evs = append(evs, newEvent(evs[2].UniqueKey, 6))                                            // index 4 clashes in batch
	b := store.Batch{CaptureID: "np-capture", Events: evs}
	res, err := st.AddEvents(ctxT(t), b)
	if err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	if res.Stored != 3 {
		t.Errorf("Stored %d, want 3", res.Stored)
	}
	checkRejected(t, res, b, 1, 4)
	for _, i := range []int{0, 2, 3} {
		e := evs[i]
		if e.Seq <= 0 || !e.RecordTime.Equal(res.RecordTime) {
			t.Errorf("stored event %d: Seq %d RecordTime %v (batch %v)", i, e.Seq, e.RecordTime, res.RecordTime)
		}
		got := get(t, st, e.EventID)
		if len(got) != 1 {
			t.Fatalf("event %d: %d visible, want 1", i, len(got))
		}
		want := *e
		want.CaptureID = b.CaptureID
		if err := sameEvent(got[0], &want); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
	}
	got := get(t, st, old[0].EventID)
	if len(got) != 1 || got[0].CaptureID != "" {
		t.Errorf("stored event changed by a rejected duplicate: %+v", got)
	}
}

func testDeclarationBeside(t *testing.T, st store.Store) {
	ev := newEvent("decl", 0)
	mustAdd(t, st, store.Batch{Events: []*store.Event{ev}})
	decl := newEvent("decl", 1)
	decl.UniqueKey = "decl#declaration"
	decl.Body = []byte(`{"eventID":"decl","errorDeclaration":{"declarationTime":"2024-03-15T00:00:00Z"}}`)
	mustAdd(t, st, store.Batch{Atomic: true, Events: []*store.Event{decl}})
	// A repeat of the declaration is a duplicate.
	res, err := st.AddEvents(ctxT(t), store.Batch{Events: []*store.Event{newEvent("decl", 2)}})
	if err != nil || res.Stored != 0 || len(res.Rejected) != 1 {
		t.Errorf("repeat of the event: %+v, %v; want rejected", res, err)
	}

	got := get(t, st, "decl")
	if len(got) != 2 {
		t.Fatalf("EventsByID: %d events, want the event and its declaration", len(got))
	}
	for i, want := range []*store.Event{ev, decl} {
		if err := sameEvent(got[i], want); err != nil {
			t.Errorf("event %d (Seq order): %v", i, err)
		}
	}
}

func testOrdering(t *testing.T, st store.Store) {
	var all []*store.Event
	var lastRT time.Time
	for k := range 5 {
		evs := events(ids(fmt.Sprintf("ord%d", k), 1+k%3))
		res := mustAdd(t, st, store.Batch{Atomic: k%2 == 0, Events: evs})
		if res.RecordTime.Before(lastRT) {
			t.Errorf("batch %d: RecordTime %v before the previous batch's %v", k, res.RecordTime, lastRT)
		}
		lastRT = res.RecordTime
		all = append(all, evs...)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Errorf("Seq not increasing in commit order: %d then %d", all[i-1].Seq, all[i].Seq)
		}
		if all[i].RecordTime.Before(all[i-1].RecordTime) {
			t.Errorf("RecordTime decreasing in Seq order: %v then %v", all[i-1].RecordTime, all[i].RecordTime)
		}
	}
	for _, e := range all {
		got := get(t, st, e.EventID)
		if len(got) != 1 || got[0].Seq != e.Seq || !got[0].RecordTime.Equal(e.RecordTime) {
			t.Errorf("%s: stored %+v, assigned Seq %d RecordTime %v", e.EventID, got, e.Seq, e.RecordTime)
		}
	}
}

func testEmptyBatch(t *testing.T, st store.Store) {
	for _, atomic := range []bool{false, true} {
		res, err := st.AddEvents(ctxT(t), store.Batch{Atomic: atomic})
		if err != nil || res.Stored != 0 || len(res.Rejected) != 0 {
			t.Errorf("empty batch (atomic %v): %+v, %v", atomic, res, err)
		}
	}
}

// sameJob reports how got differs from want.
func sameJob(got, want *store.Job) error {
	switch {
	case got.ID != want.ID, got.Owner != want.Owner, got.Running != want.Running,
		got.Success != want.Success, got.ErrorBehaviour != want.ErrorBehaviour,
		got.EventCount != want.EventCount, got.StoredCount != want.StoredCount:
		return fmt.Errorf("got %+v, want %+v", *got, *want)
	case !got.CreatedAt.Equal(want.CreatedAt), !got.UpdatedAt.Equal(want.UpdatedAt),
		!got.FinishedAt.Equal(want.FinishedAt):
		return fmt.Errorf("times: got %v %v %v, want %v %v %v", got.CreatedAt, got.UpdatedAt, got.FinishedAt,
			want.CreatedAt, want.UpdatedAt, want.FinishedAt)
	case len(got.Errors) != len(want.Errors):
		return fmt.Errorf("%d errors, want %d", len(got.Errors), len(want.Errors))
	}
	for i := range got.Errors {
		g, w := got.Errors[i], want.Errors[i]
		if (g.EventIndex == nil) != (w.EventIndex == nil) || (g.EventIndex != nil && *g.EventIndex != *w.EventIndex) {
			return fmt.Errorf("error %d: EventIndex %v, want %v", i, g.EventIndex, w.EventIndex)
		}
		g.EventIndex, w.EventIndex = nil, nil
		if g != w {
			return fmt.Errorf("error %d: %+v, want %+v", i, g, w)
		}
	}
	return nil
}

func newJob(id, owner string, created time.Time) *store.Job {
	return &store.Job{
		ID: id, Owner: owner, Running: true, ErrorBehaviour: "rollback",
		CreatedAt: created, UpdatedAt: created, EventCount: 3,
	}
}

func testJobs(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	j := newJob("job-1", "urn:lotline:party:acme", base)
	if err := st.CreateJob(ctx, j); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	got, err := st.Job(ctx, j.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if err := sameJob(got, j); err != nil {
		t.Errorf("Job after CreateJob: %v", err)
	}
	if err := st.CreateJob(ctx, newJob(j.ID, "someone-else", base)); err == nil {
		t.Errorf("CreateJob with a taken ID: no error")
	}
	if got, _ := st.Job(ctx, j.ID); got == nil || got.Owner != j.Owner {
		t.Errorf("CreateJob with a taken ID replaced the job: %+v", got)
	}

	two := 2
	j.Running, j.Success = false, true
	j.UpdatedAt = base.Add(time.Second + 1)
	j.FinishedAt = base.Add(2*time.Second + 3)
	j.StoredCount = 2
	j.Errors = []store.JobError{
		{Type: "epcisException:ValidationException", Title: "bad event", Status: 400,
			Detail: "eventTime missing", EventIndex: &two, Pointer: "/epcisBody/eventList/2/eventTime"},
		{Type: "about:blank", Title: "plain", Status: 409},
	}
	if err := st.UpdateJob(ctx, j); err != nil {
		t.Fatalf("UpdateJob: %v", err)
	}
	got, err = st.Job(ctx, j.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if err := sameJob(got, j); err != nil {
		t.Errorf("Job after UpdateJob: %v", err)
	}
}

func testJobsPaging(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	var want []*store.Job
	for i := range 8 {
		// Pairs share a CreatedAt, so the ID must break ties.
		j := newJob(fmt.Sprintf("job-%c", 'a'+(i*5)%8), "alice", base.Add(time.Duration(i/2)*time.Second))
		if err := st.CreateJob(ctx, j); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
		want = append(want, j)
	}
	for i := range 2 {
		if err := st.CreateJob(ctx, newJob(fmt.Sprintf("bob-%d", i), "bob", base.Add(time.Hour))); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
	}
	slices.SortFunc(want, func(a, b *store.Job) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})

	for _, limit := range []int{1, 3, 8, 20} {
		var got []*store.Job
		var after *store.JobCursor
		for page := 0; ; page++ {
			if page > len(want)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			jobs, err := st.Jobs(ctx, store.JobPage{Owner: "alice", After: after, Limit: limit})
			if err != nil {
				t.Fatalf("Jobs: %v", err)
			}
			if len(jobs) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(jobs))
			}
			got = append(got, jobs...)
			if len(jobs) < limit {
				break
			}
			last := jobs[len(jobs)-1]
			after = &store.JobCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if len(got) != len(want) {
			t.Errorf("limit %d: %d jobs, want %d", limit, len(got), len(want))
			continue
		}
		for i := range want {
			if got[i].ID != want[i].ID {
				t.Errorf("limit %d: job %d is %s, want %s (newest first, then ID descending)", limit, i, got[i].ID, want[i].ID)
			}
		}
	}
	jobs, err := st.Jobs(ctx, store.JobPage{Owner: "carol", Limit: 10})
	if err != nil || len(jobs) != 0 {
		t.Errorf("Jobs of an owner with none: %d, %v", len(jobs), err)
	}
}

func testBatchJob(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for _, atomic := range []bool{true, false} {
		name := fmt.Sprintf("bj-%v", atomic)
		j := newJob(name, "alice", base)
		if err := st.CreateJob(ctx, j); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
		final := *j
		final.Running, final.Success = false, true
		final.FinishedAt, final.UpdatedAt = base.Add(time.Minute), base.Add(time.Minute)
		final.EventCount = 3
		evs := events(ids(name, 3))
		res := mustAdd(t, st, store.Batch{CaptureID: j.ID, Atomic: atomic, Events: evs, Job: &final})
		if final.StoredCount != 3 || !final.Success {
			t.Errorf("%s: the store set StoredCount %d Success %v, want 3 true", name, final.StoredCount, final.Success)
		}
		got, err := st.Job(ctx, j.ID)
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		if err := sameJob(got, &final); err != nil {
			t.Errorf("%s: job written with the batch: %v", name, err)
		}
		_ = res
	}

	// A batch that is not atomic and has a rejection: the job is marked failed.
	j := newJob("bj-partial", "alice", base)
	if err := st.CreateJob(ctx, j); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	final := *j
	final.Running, final.Success, final.ErrorBehaviour = false, true, "proceed"
	evs := events(ids("bj-partial", 2))
	evs = append(evs, newEvent(evs[0].UniqueKey, 3))
	res, err := st.AddEvents(ctx, store.Batch{CaptureID: j.ID, Events: evs, Job: &final})
	if err != nil || res.Stored != 2 {
		t.Fatalf("AddEvents: %+v %v", res, err)
	}
	if final.StoredCount != 2 || final.Success {
		t.Errorf("partial batch: the store set StoredCount %d Success %v, want 2 false", final.StoredCount, final.Success)
	}
	got, err := st.Job(ctx, j.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if err := sameJob(got, &final); err != nil {
		t.Errorf("partial batch: job written with the batch: %v", err)
	}
}

func testAbandonJobs(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	now := time.Now()
	stale := newJob("stale", "alice", now.Add(-time.Hour))
	fresh := newJob("fresh", "alice", now.Add(-time.Hour))
	fresh.UpdatedAt = now.Add(time.Minute)
	done := newJob("done", "alice", now.Add(-time.Hour))
	done.Running, done.Success, done.FinishedAt = false, true, now.Add(-time.Hour)
	for _, j := range []*store.Job{stale, fresh, done} {
		if err := st.CreateJob(ctx, j); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
	}
	// Committed events are never removed by AbandonJobs.
	evs := events(ids("ab-keep", 2))
	mustAdd(t, st, store.Batch{Atomic: true, Events: evs})

	const reason = "server restarted while the job ran"
	n, err := st.AbandonJobs(ctx, reason, now)
	if err != nil {
		t.Fatalf("AbandonJobs: %v", err)
	}
	if n != 1 {
		t.Errorf("AbandonJobs marked %d jobs, want 1", n)
	}
	got, err := st.Job(ctx, "stale")
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if got.Running || got.Success || got.FinishedAt.IsZero() {
		t.Errorf("abandoned job: Running %v Success %v FinishedAt %v, want finished and failed", got.Running, got.Success, got.FinishedAt)
	}
	if !slices.ContainsFunc(got.Errors, func(e store.JobError) bool { return e.Title == reason || e.Detail == reason }) {
		t.Errorf("abandoned job: errors %+v do not give the reason %q", got.Errors, reason)
	}
	for _, want := range []*store.Job{fresh, done} {
		got, err := st.Job(ctx, want.ID)
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		if err := sameJob(got, want); err != nil {
			t.Errorf("job %s changed by AbandonJobs: %v", want.ID, err)
		}
	}
	if n, err := st.AbandonJobs(ctx, reason, now); err != nil || n != 0 {
		t.Errorf("second AbandonJobs: %d, %v; want 0", n, err)
	}
	for _, e := range evs {
		if get(t, st, e.EventID) == nil {
			t.Errorf("committed event %s removed by AbandonJobs", e.EventID)
		}
	}
}

// testTouchJobs: a heartbeat keeps a running job from being abandoned
// and does nothing to a finished job or an unknown ID.
func testTouchJobs(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	now := time.Now()
	old := now.Add(-time.Hour)
	live := newJob("touch-live", "alice", old)
	dead := newJob("touch-dead", "alice", old)
	done := newJob("touch-done", "alice", old)
	done.Running, done.Success, done.FinishedAt = false, true, old
	for _, j := range []*store.Job{live, dead, done} {
		if err := st.CreateJob(ctx, j); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
	}
	if err := st.TouchJobs(ctx, nil, now); err != nil {
		t.Errorf("TouchJobs(no IDs): %v", err)
	}
	if err := st.TouchJobs(ctx, []string{live.ID, done.ID, "touch-missing"}, now); err != nil {
		t.Fatalf("TouchJobs: %v", err)
	}
	if _, err := st.Job(ctx, "touch-missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TouchJobs of an unknown ID created a job: %v", err)
	}
	n, err := st.AbandonJobs(ctx, "lease ran out", now.Add(-time.Minute))
	if err != nil || n != 1 {
		t.Errorf("AbandonJobs: %d, %v; want 1 (the job not touched)", n, err)
	}
	got, err := st.Job(ctx, live.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if !got.Running {
		t.Errorf("touched job abandoned: %+v", got)
	}
	if got, err := st.Job(ctx, dead.ID); err != nil || got.Running || got.Success {
		t.Errorf("job not touched: %+v %v; want abandoned", got, err)
	}
	got, err = st.Job(ctx, done.ID)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if err := sameJob(got, done); err != nil {
		t.Errorf("finished job changed by TouchJobs: %v", err)
	}
	// Once the heartbeat stops, the lease runs out.
	if n, err := st.AbandonJobs(ctx, "lease ran out", now.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("AbandonJobs after the lease: %d, %v; want 1", n, err)
	}
}

// testTouchThenFinish: a job touched while it runs and then finished with
// its batch stays finished, whatever AbandonJobs runs later; the
// heartbeat must not outlive the job (the SIGKILL crash test found a
// backend where a heartbeat overlapping the final write set the job
// running again, and its lease then ran out).
func testTouchThenFinish(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	now := time.Now()
	for _, atomic := range []bool{true, false} {
		name := fmt.Sprintf("tf-%v", atomic)
		j := newJob(name, "alice", now)
		if err := st.CreateJob(ctx, j); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
		final := *j
		final.Running, final.Success, final.FinishedAt, final.UpdatedAt = false, true, now, now
		if err := st.TouchJobs(ctx, []string{j.ID}, now.Add(time.Second)); err != nil {
			t.Fatalf("TouchJobs: %v", err)
		}
		evs := events(ids(name, 3))
		mustAdd(t, st, store.Batch{CaptureID: j.ID, Atomic: atomic, Events: evs, Job: &final})
		if err := st.TouchJobs(ctx, []string{j.ID}, now.Add(2*time.Second)); err != nil {
			t.Fatalf("TouchJobs: %v", err)
		}
		if n, err := st.AbandonJobs(ctx, "lease ran out", now.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("%s: AbandonJobs: %d, %v; want 0", name, n, err)
		}
		got, err := st.Job(ctx, j.ID)
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		if err := sameJob(got, &final); err != nil {
			t.Errorf("%s: finished job changed: %v", name, err)
		}
		for _, e := range evs {
			if get(t, st, e.EventID) == nil {
				t.Errorf("%s: event %s not visible", name, e.EventID)
			}
		}
	}
}

func testCanceled(t *testing.T, st store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	evs := events(ids("cx", 3))
	start := time.Now()
	res, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: evs})
	if err == nil {
		// A store may finish work it had begun, but then all of it.
		if res.Stored != len(evs) {
			t.Errorf("AddEvents with a canceled context: no error and %d of %d stored", res.Stored, len(evs))
		}
	} else {
		for _, e := range evs {
			if get(t, st, e.EventID) != nil {
				t.Errorf("AddEvents failed (%v) but event %s is visible", err, e.EventID)
			}
		}
	}
	if _, err := st.EventsByID(ctx, "cx-000"); err == nil {
		t.Errorf("EventsByID with a canceled context: no error")
	} else if !errors.Is(err, context.Canceled) {
		t.Errorf("EventsByID with a canceled context: %v, want it to wrap context.Canceled", err)
	}
	if _, err := st.Jobs(ctx, store.JobPage{Owner: "x", Limit: 1}); err == nil {
		t.Errorf("Jobs with a canceled context: no error")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("calls with a canceled context took %v", d)
	}

	// Cancel while a larger atomic batch is being written: the batch is
	// wholly visible if AddEvents succeeded and wholly invisible if not.
	for k, delay := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
		evs := events(ids(fmt.Sprintf("cx%d", k), 40))
		ctx, cancel := context.WithTimeout(context.Background(), delay)
		start := time.Now()
		res, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: evs})
		cancel()
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("AddEvents with a %v deadline took %v", delay, d)
		}
		visible := 0
		for _, e := range []*store.Event{evs[0], evs[len(evs)/2], evs[len(evs)-1]} {
			if get(t, st, e.EventID) != nil {
				visible++
			}
		}
		switch {
		case err == nil && (res.Stored != len(evs) || visible != 3):
			t.Errorf("deadline %v: success but stored %d, %d of 3 probes visible", delay, res.Stored, visible)
		case err != nil && visible != 0:
			t.Errorf("deadline %v: error %v but %d of 3 probes visible", delay, err, visible)
		}
	}
}

func testClosed(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	mustAdd(t, st, store.Batch{Events: events(ids("cl", 1))})
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checks := map[string]error{}
	_, checks["AddEvents"] = st.AddEvents(ctx, store.Batch{Events: events(ids("cl2", 1))})
	_, checks["EventsByID"] = st.EventsByID(ctx, "cl-000")
	checks["CreateJob"] = st.CreateJob(ctx, newJob("cl", "o", base))
	checks["UpdateJob"] = st.UpdateJob(ctx, newJob("cl", "o", base))
	_, checks["Job"] = st.Job(ctx, "cl")
	_, checks["Jobs"] = st.Jobs(ctx, store.JobPage{Owner: "o", Limit: 1})
	_, checks["AbandonJobs"] = st.AbandonJobs(ctx, "r", time.Now())
	for name, err := range checks {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// testConcurrent has two writers add atomic batches while readers look
// at the batch in flight. All events of a batch share one EventID (as an
// event and its declarations do) under distinct UniqueKeys, so that one
// EventsByID call sees the batch at one instant: it must return none of
// its events or all of them. The batches are large (see
// Suite.StressBatch), so that a backend that shows events as it writes
// them is caught with high probability; a backend doing so was caught
// when this test was written.
func testConcurrent(t *testing.T, st store.Store, size, batches int) {
	ctx := ctxT(t)
	const writers, readers = 2, 2

	var mu sync.Mutex
	inflight := map[int]string{} // writer -> EventID of its batch in flight
	var written [][]*store.Event
	var partial, probes, whole int

	batchEvents := func(eventID string) []*store.Event {
		evs := events(ids(eventID, size))
		for _, e := range evs {
			// Keys of one EventID take the form the contract states.
			e.UniqueKey = eventID + "#" + e.UniqueKey
			e.EventID = eventID
		}
		return evs
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, writers+readers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range batches {
				id := fmt.Sprintf("cc-w%d-b%d", w, k)
				evs := batchEvents(id)
				mu.Lock()
				inflight[w] = id
				mu.Unlock()
				res, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: evs})
				mu.Lock()
				delete(inflight, w)
				mu.Unlock()
				if err != nil || res.Stored != size {
					errc <- fmt.Errorf("writer %d batch %d: stored %d, %v", w, k, res.Stored, err)
					return
				}
				// Read your writes: all of it is visible now.
				got, err := st.EventsByID(ctx, id)
				if err != nil || len(got) != size {
					errc <- fmt.Errorf("writer %d batch %d: %d of %d events visible after AddEvents returned: %v", w, k, len(got), size, err)
					return
				}
				mu.Lock()
				written = append(written, evs)
				mu.Unlock()
			}
		}()
	}
	var rg sync.WaitGroup
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
				mu.Lock()
				id := inflight[(r+i)%writers]
				mu.Unlock()
				if id == "" {
					time.Sleep(100 * time.Microsecond)
					continue
				}
				got, err := st.EventsByID(ctx, id)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					errc <- fmt.Errorf("reader %d: %v", r, err)
					return
				}
				mu.Lock()
				probes++
				switch len(got) {
				case 0:
				case size:
					whole++
				default:
					partial++
					t.Errorf("reader %d: saw %d of the %d events of atomic batch %s", r, len(got), size, id)
				}
				mu.Unlock()
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
	t.Logf("%d probes of batches in flight: %d saw none, %d all, %d a part", probes, probes-whole-partial, whole, partial)

	// Seq and RecordTime agree across all batches.
	var all []*store.Event
	for _, evs := range written {
		all = append(all, evs...)
	}
	slices.SortFunc(all, func(a, b *store.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for i := 1; i < len(all); i++ {
		if all[i].Seq == all[i-1].Seq {
			t.Fatalf("Seq %d given twice", all[i].Seq)
		}
		if all[i].RecordTime.Before(all[i-1].RecordTime) {
			t.Errorf("RecordTime decreases along Seq: %d at %v, %d at %v", all[i-1].Seq, all[i-1].RecordTime, all[i].Seq, all[i].RecordTime)
		}
	}
}

func testReopen(t *testing.T, open Opener) {
	ctx := ctxT(t)
	st := open(t)
	evs := events(ids("ro", 3))
	res := mustAdd(t, st, store.Batch{CaptureID: "ro-job", Atomic: true, Events: evs})
	j := newJob("ro-job", "alice", base)
	if err := st.CreateJob(ctx, j); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	st = open(t)
	t.Cleanup(func() { _ = st.Close() })
	for _, e := range evs {
		got := get(t, st, e.EventID)
		if len(got) != 1 {
			t.Fatalf("after reopen: %s: %d events", e.EventID, len(got))
		}
		want := *e
		want.CaptureID = "ro-job"
		if err := sameEvent(got[0], &want); err != nil {
			t.Errorf("after reopen: %s: %v", e.EventID, err)
		}
	}
	got, err := st.Job(ctx, j.ID)
	if err != nil {
		t.Fatalf("after reopen: Job: %v", err)
	}
	if err := sameJob(got, j); err != nil {
		t.Errorf("after reopen: %v", err)
	}
	// A duplicate is still a duplicate, and new events follow the old.
	r2, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: []*store.Event{newEvent("ro-000", 5)}})
	if err != nil || len(r2.Rejected) != 1 {
		t.Errorf("after reopen: repeat of a stored event: %+v, %v", r2, err)
	}
	more := events(ids("ro-more", 2))
	r3 := mustAdd(t, st, store.Batch{Events: more})
	if more[0].Seq <= evs[len(evs)-1].Seq || r3.RecordTime.Before(res.RecordTime) {
		t.Errorf("after reopen: new Seq %d / RecordTime %v not after the old %d / %v",
			more[0].Seq, r3.RecordTime, evs[len(evs)-1].Seq, res.RecordTime)
	}
}
