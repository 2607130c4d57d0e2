package capture_test

import (
	"runtime"
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

// BenchmarkPrepareLarge decodes and prepares one 8 MiB document (7,500
// events) per iteration and reports the live heap each stage holds:
// the document's bytes, its decoded tree, and the prepared events (what
// a capture job keeps until the store has written them). Two such
// documents in flight are what issue 17's memory target bounds.
func BenchmarkPrepareLarge(b *testing.B) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	doc := epcisgen.New(5).DocumentJSON(7500)
	live := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapAlloc) / (1 << 20)
	}
	var tree, prepared, base float64
	for b.Loop() {
		b.StopTimer()
		base = live()
		b.StartTimer()
		v, err := epcis.DecodeJSON(doc, epcis.JSONLimits{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		tree = live() - base
		b.StartTimer()
		p, err := cs.Prepare(v, capture.Rollback, "local")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		v = nil
		prepared = live() - base
		runtime.KeepAlive(p)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(doc))/(1<<20), "doc-MiB")
	b.ReportMetric(tree, "tree-MiB")
	b.ReportMetric(prepared, "prepared-MiB")
}
