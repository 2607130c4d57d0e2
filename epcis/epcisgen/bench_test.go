package epcisgen

import "testing"

func BenchmarkDocument100(b *testing.B) {
	g := New(1)
	b.ReportAllocs()
	for b.Loop() {
		g.Document(100)
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDocumentJSON100(b *testing.B) {
	g := New(1)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n += len(g.DocumentJSON(100))
	}
	b.ReportMetric(float64(n)/float64(b.N*100), "bytes/event")
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}
