package capture_test

import (
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/schemas"
)

// BenchmarkPrepare measures decoding and preparing realistic documents of
// 100 events (JSON checks, schema, rules, event hash, terms, stored form).
func BenchmarkPrepare(b *testing.B) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	gen := epcisgen.New(3)
	docs := make([][]byte, 20)
	for i := range docs {
		docs[i] = gen.DocumentJSON(100)
	}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		v, err := epcis.DecodeJSON(docs[i%len(docs)], epcis.JSONLimits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cs.Prepare(v, capture.Rollback, "local"); err != nil {
			b.Fatal(err)
		}
		n += 100
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
