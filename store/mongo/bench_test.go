package mongostore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// BenchmarkAddEventsAtomic measures an atomic batch of 10 events on the
// embedded FerretDB (a test double: the figures say nothing of MongoDB).
func BenchmarkAddEventsAtomic(b *testing.B) {
	s := openStore(b, withDB(b, sharedURI(b)))
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		evs := batchOf(fmt.Sprintf("b%d", i), 10)
		if _, err := s.AddEvents(ctx, store.Batch{Atomic: true, Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventsByID looks up one of 200 stored events.
func BenchmarkEventsByID(b *testing.B) {
	s := openStore(b, withDB(b, sharedURI(b)))
	defer s.Close()
	ctx := context.Background()
	if _, err := s.AddEvents(ctx, store.Batch{Events: batchOf("q", 200)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.EventsByID(ctx, fmt.Sprintf("q-%d", i%200)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTouchJobsAbandon is one sweep of a server with 10 jobs in
// flight among 100: the heartbeat, then AbandonJobs with a lease that has
// not run out.
func BenchmarkTouchJobsAbandon(b *testing.B) {
	s := openStore(b, withDB(b, sharedURI(b)))
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	var live []string
	for i := range 100 {
		j := &store.Job{ID: fmt.Sprintf("j%03d", i), Owner: "o", Running: i%10 == 0, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateJob(ctx, j); err != nil {
			b.Fatal(err)
		}
		if j.Running {
			live = append(live, j.ID)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		at := time.Now()
		if err := s.TouchJobs(ctx, live, at); err != nil {
			b.Fatal(err)
		}
		if n, err := s.AbandonJobs(ctx, "bench", at.Add(-time.Minute)); err != nil || n != 0 {
			b.Fatalf("AbandonJobs: %d, %v", n, err)
		}
	}
}
