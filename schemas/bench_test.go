package schemas

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis/epcisgen"
)

const benchEvents = 100

func TestSampleDocumentValid(t *testing.T) {
	doc := SampleDocument(benchEvents, 1)
	if vs := MustCompile().Document(doc); vs != nil {
		t.Fatalf("sample document invalid against our schema: %s", summary(vs))
	}
	if vs := official(t).Document(doc); vs != nil {
		t.Fatalf("sample document invalid against GS1's schema: %s", summary(vs))
	}
}

// generatedDocument is a realistic capture payload: the next benchEvents
// events of a supply-chain run (Object, Aggregation and Transformation
// events, ~1 KB each).
func generatedDocument() map[string]any { return epcisgen.New(1).Document(benchEvents) }

func benchmarkDocument(b *testing.B, v *Validator) {
	benchmarkThisDocument(b, v, SampleDocument(benchEvents, 1))
}

func benchmarkThisDocument(b *testing.B, v *Validator, doc map[string]any) {
	if vs := v.Document(doc); vs != nil {
		b.Fatalf("sample document invalid: %s", summary(vs))
	}
	b.ReportAllocs()
	n := 0
	cpu0 := processCPU()
	for b.Loop() {
		v.Document(doc)
		n++
	}
	reportRates(b, n, processCPU()-cpu0)
}

func benchmarkDocumentParallel(b *testing.B, v *Validator) {
	doc := SampleDocument(benchEvents, 1)
	b.ReportAllocs()
	var n atomic.Int64
	b.ResetTimer()
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v.Document(doc)
			n.Add(1)
		}
	})
	reportRates(b, int(n.Load()), processCPU()-cpu0)
}

// reportRates reports events/s (wall clock) and the CPU time per event,
// which includes garbage collection on other threads; 1e6/cpu-µs/event is
// the rate one fully available core would sustain.
func reportRates(b *testing.B, docs int, cpu time.Duration) {
	events := float64(docs * benchEvents)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/events, "cpu-µs/event")
	}
}

// BenchmarkOurs validates a 100-event document with Lotline's schema.
func BenchmarkOurs(b *testing.B) { benchmarkDocument(b, MustCompile()) }

// BenchmarkOursGenerated validates a 100-event document from epcisgen.
func BenchmarkOursGenerated(b *testing.B) {
	benchmarkThisDocument(b, MustCompile(), generatedDocument())
}

// BenchmarkOfficialGenerated is the baseline on the epcisgen document.
func BenchmarkOfficialGenerated(b *testing.B) {
	benchmarkThisDocument(b, official(b), generatedDocument())
}

// BenchmarkOfficial is the baseline to beat: GS1's ratified schema with
// santhosh-tekuri/jsonschema v6 and regexp2, on the same document.
func BenchmarkOfficial(b *testing.B) { benchmarkDocument(b, official(b)) }

// The Parallel variants use every GOMAXPROCS core, as capture does.
func BenchmarkOursParallel(b *testing.B)     { benchmarkDocumentParallel(b, MustCompile()) }
func BenchmarkOfficialParallel(b *testing.B) { benchmarkDocumentParallel(b, official(b)) }

// BenchmarkCompile measures compiling the embedded schema.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvalidDocument measures the error path: a document whose every
// event has an unknown bizStep.
func BenchmarkInvalidDocument(b *testing.B) {
	v := MustCompile()
	doc := SampleDocument(benchEvents, 1)
	for _, ev := range doc["epcisBody"].(map[string]any)["eventList"].([]any) {
		ev.(map[string]any)["bizStep"] = "transforming"
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(v.Document(doc)) == 0 {
			b.Fatal("expected violations")
		}
	}
}

// BenchmarkOneInvalidEvent measures the usual error path: one bad event in
// a generated 100-event document.
func BenchmarkOneInvalidEvent(b *testing.B) {
	v := MustCompile()
	doc := generatedDocument()
	doc["epcisBody"].(map[string]any)["eventList"].([]any)[57].(map[string]any)["bizStep"] = "transforming"
	b.ReportAllocs()
	for b.Loop() {
		if len(v.Document(doc)) != 1 {
			b.Fatal("expected one violation")
		}
	}
}

// TestConcurrentUse runs one Validator from several goroutines; run it with
// -race.
func TestConcurrentUse(t *testing.T) {
	v := MustCompile()
	good := SampleDocument(5, 3)
	bad := SampleDocument(5, 4)
	bad["epcisBody"].(map[string]any)["eventList"].([]any)[2].(map[string]any)["action"] = "CREATE"
	want := v.Document(bad)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 20 {
				if vs := v.Document(good); vs != nil {
					t.Errorf("good document: %s", summary(vs))
				}
				if vs := v.Document(bad); len(vs) != len(want) || vs[0] != want[0] {
					t.Errorf("bad document: got %s, want %s", summary(vs), summary(want))
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}
