package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
	"github.com/lotline/lotline/store/mongo/mongotest"
)

func batchOf(prefix string, n int) []*store.Event {
	evs := make([]*store.Event, n)
	for i := range evs {
		id := fmt.Sprintf("%s-%d", prefix, i)
		evs[i] = &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent",
			EventTime: time.Unix(1700000000, int64(i)), Body: []byte(`{"a.b":1}`)}
	}
	return evs
}

func visible(t *testing.T, s *mongostore.Store, evs []*store.Event) int {
	t.Helper()
	n := 0
	for _, e := range evs {
		_, err := s.EventsByID(context.Background(), e.EventID)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("EventsByID: %v", err)
		}
	}
	return n
}

// inFlight starts AddEvents of b and returns once its events are inserted
// but not committed; release lets it commit and returns its outcome.
func inFlight(t *testing.T, s *mongostore.Store, b store.Batch) (release func() (store.BatchResult, error)) {
	t.Helper()
	reached, proceed := make(chan struct{}), make(chan struct{})
	mongostore.SetBeforeCommit(s, func() { close(reached); <-proceed })
	type out struct {
		res store.BatchResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := s.AddEvents(context.Background(), b)
		done <- out{res, err}
	}()
	select {
	case <-reached:
	case o := <-done:
		t.Fatalf("AddEvents returned before commit: %+v %v", o.res, o.err)
	}
	return func() (store.BatchResult, error) {
		close(proceed)
		o := <-done
		mongostore.SetBeforeCommit(s, nil)
		return o.res, o.err
	}
}

// TestHiddenUntilCommit proves the marker hides a batch whose events are
// all inserted, and that its removal shows all of them.
func TestHiddenUntilCommit(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	evs := batchOf("hid", 5)
	release := inFlight(t, s, store.Batch{Atomic: true, Events: evs})
	if n := visible(t, s, evs); n != 0 {
		t.Errorf("%d events of an uncommitted batch visible", n)
	}
	res, err := release()
	if err != nil || res.Stored != len(evs) {
		t.Fatalf("AddEvents: %+v %v", res, err)
	}
	if n := visible(t, s, evs); n != len(evs) {
		t.Errorf("%d of %d events visible after commit", n, len(evs))
	}
}

// TestAbandonInFlight: AbandonJobs declares a stale in-flight batch dead;
// its writer then fails and nothing of it is ever visible.
func TestAbandonInFlight(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	evs := batchOf("dead", 5)
	release := inFlight(t, s, store.Batch{Atomic: true, Events: evs})
	if _, err := s.AbandonJobs(context.Background(), "test", time.Now().Add(time.Second)); err != nil {
		t.Fatalf("AbandonJobs: %v", err)
	}
	_, err := release()
	if !errors.Is(err, mongostore.ErrAbandoned) {
		t.Errorf("AddEvents of an abandoned batch: %v, want ErrAbandoned", err)
	}
	if n := visible(t, s, evs); n != 0 {
		t.Errorf("%d events of an abandoned batch visible", n)
	}
	// The tombstone goes once it is stale itself; the keys are free again.
	if _, err := s.AbandonJobs(context.Background(), "test", time.Now().Add(time.Second)); err != nil {
		t.Fatalf("AbandonJobs: %v", err)
	}
	res, err := s.AddEvents(context.Background(), store.Batch{Atomic: true, Events: evs})
	if err != nil || res.Stored != len(evs) {
		t.Errorf("re-adding the events of an abandoned batch: %+v %v", res, err)
	}
}

// TestAbandonSparesJobInFlight: a job whose batch is in flight (and not
// stale) is not failed even when the job itself was last updated long ago,
// so a job whose events become visible is never marked failed.
func TestAbandonSparesJobInFlight(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	j := &store.Job{ID: "j1", Owner: "o", Running: true, ErrorBehaviour: "rollback", CreatedAt: old, UpdatedAt: old}
	if err := s.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	final := *j
	final.Running, final.Success, final.FinishedAt = false, true, time.Now()
	evs := batchOf("spare", 3)
	release := inFlight(t, s, store.Batch{CaptureID: j.ID, Atomic: true, Events: evs, Job: &final})
	n, err := s.AbandonJobs(ctx, "test", time.Now().Add(-time.Minute))
	if err != nil || n != 0 {
		t.Errorf("AbandonJobs: %d, %v; want 0 (its batch is in flight)", n, err)
	}
	if _, err := release(); err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	got, err := s.Job(ctx, j.ID)
	if err != nil || got.Running || !got.Success || got.StoredCount != 3 {
		t.Errorf("job after commit: %+v %v", got, err)
	}
}

// TestAbandonSparesLeasedBatch: a batch in flight longer than the lease
// (a large document on a slow database) is not abandoned while its
// server renews its job's lease; once the lease is stale too, it is.
func TestAbandonSparesLeasedBatch(t *testing.T) {
	s := openStore(t, withDB(t, sharedURI(t)))
	defer s.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		lease time.Duration // the lease's time, from now
		spare bool
	}{
		{"renewed", 2 * time.Second, true},
		{"stale", -time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			j := &store.Job{ID: "jl-" + tc.name, Owner: "o", Running: true, ErrorBehaviour: "rollback", CreatedAt: now, UpdatedAt: now.Add(-time.Hour)}
			if err := s.CreateJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			final := *j
			final.Running, final.Success, final.FinishedAt = false, true, time.Now()
			evs := batchOf("leased-"+tc.name, 3)
			release := inFlight(t, s, store.Batch{CaptureID: j.ID, Atomic: true, Events: evs, Job: &final})
			if err := s.TouchJobs(ctx, []string{j.ID}, now.Add(tc.lease)); err != nil {
				t.Fatal(err)
			}
			// The batch began before staleBefore: only the lease can spare it.
			if _, err := s.AbandonJobs(ctx, "test", time.Now().Add(time.Second)); err != nil {
				t.Fatalf("AbandonJobs: %v", err)
			}
			_, err := release()
			if tc.spare {
				if err != nil {
					t.Fatalf("AddEvents of a batch whose job is leased: %v", err)
				}
				if n := visible(t, s, evs); n != len(evs) {
					t.Errorf("%d of %d events visible", n, len(evs))
				}
				return
			}
			if !errors.Is(err, mongostore.ErrAbandoned) {
				t.Errorf("AddEvents of a batch whose lease is stale: %v, want ErrAbandoned", err)
			}
			if n := visible(t, s, evs); n != 0 {
				t.Errorf("%d events of an abandoned batch visible", n)
			}
		})
	}
}

func TestOpenBadURI(t *testing.T) {
	_, err := mongostore.Open(context.Background(), "postgres://x/y", mongostore.Options{})
	var ce *mongostore.ConfigError
	if !errors.As(err, &ce) || ce.Field != "uri" {
		t.Errorf("Open(bad URI): %v, want a *ConfigError for the uri", err)
	}
}

func Example() {
	dir, err := os.MkdirTemp("", "mongostore-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	uri, stop, err := mongotest.Run("example", dir) // a test double; use a real deployment's URI
	if err != nil {
		panic(err)
	}
	defer stop()

	ctx := context.Background()
	s, err := mongostore.Open(ctx, uri, mongostore.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ev := &store.Event{UniqueKey: "ni:///sha-256;1", EventID: "ni:///sha-256;1", Type: "ObjectEvent",
		EventTime: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), Body: []byte(`{"ext:a.b":{"$v":1}}`)}
	res, err := s.AddEvents(ctx, store.Batch{Atomic: true, Events: []*store.Event{ev}})
	if err != nil {
		panic(err)
	}
	got, err := s.EventsByID(ctx, ev.EventID)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Stored, got[0].EventTime.Format(time.RFC3339Nano), string(got[0].Body))
	// Output: 1 2024-01-02T03:04:05.000000006Z {"ext:a.b":{"$v":1}}
}
