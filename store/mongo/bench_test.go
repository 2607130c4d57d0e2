package mongostore_test

import (
	"context"
	"fmt"
	"testing"

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
