package sqlitestore_test

import (
	"context"
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// BenchmarkAddEvents measures the SQLite write path alone on realistic
// prepared events, in atomic batches of 100 (one captured document each).
func BenchmarkAddEvents(b *testing.B) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	gen := epcisgen.New(1)
	const perBatch = 100
	var batches [][]*store.Event
	terms := 0
	for range 50 {
		p, err := cs.Prepare(gen.Document(perBatch), capture.Rollback, "local")
		if err != nil {
			b.Fatal(err)
		}
		evs := p.Events()
		for _, e := range evs {
			terms += len(e.Terms)
		}
		batches = append(batches, evs)
	}
	st, err := sqlitestore.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		evs := batches[i%len(batches)]
		if i >= len(batches) {
			// Fresh keys for repeated batches.
			for _, e := range evs {
				e.UniqueKey = e.EventID + "#r" + string(rune('a'+i/len(batches)))
			}
		}
		if _, err := st.AddEvents(context.Background(), store.Batch{Atomic: true, Events: evs}); err != nil {
			b.Fatal(err)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(terms)/float64(50*perBatch), "terms/event")
}
