package sqlitestore

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// The query benchmark runs the query shapes of the product's latency
// target (p50 <= 5 ms, p99 <= 25 ms per page of 100 events at 1M events)
// on synthetic events with realistic term frequencies. Building the
// store takes a while; -eventsdb keeps it in a directory between runs.
var (
	benchEventsDB = flag.String("eventsdb", "", "directory in which BenchmarkEvents keeps its store between runs")
	benchEventsN  = flag.Int("eventsn", 200_000, "events in BenchmarkEvents' store")
)

// Synthetic term frequencies, per event: one of 12 bizSteps (skewed), of
// 8 dispositions, of 40 locations and of 500 GTINs; EPCs recur in 4
// events spread over the whole history; business transactions cover 10
// adjacent events. EventTimes follow capture order, 10 s apart, with an
// hour of jitter, and 5% of events are captured up to 30 days late.
const (
	benchSteps     = 12
	benchDisps     = 8
	benchLocations = 40
	benchGTINs     = 500
	benchEPCRecur  = 4
	benchTxSize    = 10
)

var benchT0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func benchEvent(i, n int, rng *rand.Rand) *store.Event {
	step := int(rng.ExpFloat64()*2) % benchSteps
	types := []string{"ObjectEvent", "ObjectEvent", "ObjectEvent", "ObjectEvent", "ObjectEvent", "ObjectEvent", "ObjectEvent",
		"AggregationEvent", "AggregationEvent", "TransactionEvent"}
	typ := types[rng.IntN(len(types))]
	et := benchT0.Add(time.Duration(i)*10*time.Second - time.Duration(rng.Int64N(int64(time.Hour))))
	if rng.IntN(20) == 0 {
		et = et.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
	}
	id := fmt.Sprintf("ev-%07d", i)
	terms := []string{
		"t=" + typ,
		fmt.Sprintf("bs=^BizStep-%d", step),
		fmt.Sprintf("d=^Disp-%d", rng.IntN(benchDisps)),
		fmt.Sprintf("bl=loc-%d", rng.IntN(benchLocations)),
		fmt.Sprintf("rp=rp-%d", rng.IntN(benchLocations*2)),
		fmt.Sprintf("e=epc-%d", i%(n/benchEPCRecur)),
		fmt.Sprintf("g=gtin-%d", i%benchGTINs),
		fmt.Sprintf("bt:po=po-%d", i/benchTxSize),
	}
	body := fmt.Sprintf(`{"type":%q,"eventID":%q,"eventTime":%q,"pad":%q}`, typ, id, et.Format(time.RFC3339Nano), strings.Repeat("x", 600))
	return &store.Event{UniqueKey: id, EventID: id, Type: typ, EventTime: et, Owner: "local", Terms: terms, Body: []byte(body)}
}

// benchStore opens the benchmark's store, building it when needed.
func benchStore(b *testing.B) *Store {
	b.Helper()
	ctx := context.Background()
	n := *benchEventsN
	dir := *benchEventsDB
	if dir == "" {
		dir = b.TempDir()
	} else {
		dir = filepath.Join(dir, fmt.Sprintf("events-v2-%d", n))
	}
	_, err := os.Stat(filepath.Join(dir, FileName))
	built := err == nil
	st, err := Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	if built {
		return st
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	const per = 2000
	for i := 0; i < n; i += per {
		evs := make([]*store.Event, 0, per)
		for k := i; k < min(i+per, n); k++ {
			evs = append(evs, benchEvent(k, n, rng))
		}
		if _, err := st.AddEvents(ctx, store.Batch{Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d events in %v", n, time.Since(start).Round(time.Second))
	return st
}

// benchShape is one query shape; filter returns its filter for one
// iteration.
type benchShape struct {
	name   string
	filter func(rng *rand.Rand) store.Filter
	// pages > 1 measures the page reached by walking that many pages of
	// 100 with the keyset cursor (the earlier pages are walked outside the
	// timing).
	pages int
}

func benchShapes(n int) []benchShape {
	one := func(term string) [][]string { return [][]string{{term}} }
	day := 24 * time.Hour
	span := time.Duration(n) * 10 * time.Second
	return []benchShape{
		{name: "epc", filter: func(r *rand.Rand) store.Filter {
			return store.Filter{Terms: one(fmt.Sprintf("e=epc-%d", r.IntN(n/benchEPCRecur)))}
		}},
		{name: "gtin", filter: func(r *rand.Rand) store.Filter {
			return store.Filter{Terms: one(fmt.Sprintf("g=gtin-%d", r.IntN(benchGTINs)))}
		}},
		{name: "bizStep+day", filter: func(r *rand.Rand) store.Filter {
			from := benchT0.Add(time.Duration(r.Int64N(int64(span - day))))
			return store.Filter{Terms: one(fmt.Sprintf("bs=^BizStep-%d", r.IntN(3))), EventTime: store.TimeRange{GE: from, LT: from.Add(day)}}
		}},
		{name: "bizLocation", filter: func(r *rand.Rand) store.Filter {
			return store.Filter{Terms: one(fmt.Sprintf("bl=loc-%d", r.IntN(benchLocations)))}
		}},
		{name: "10bizLocations", filter: func(r *rand.Rand) store.Filter {
			var alts []string
			for range 10 {
				alts = append(alts, fmt.Sprintf("bl=loc-%d", r.IntN(benchLocations)))
			}
			return store.Filter{Terms: [][]string{alts}}
		}},
		{name: "bizTransaction", filter: func(r *rand.Rand) store.Filter {
			return store.Filter{Terms: one(fmt.Sprintf("bt:po=po-%d", r.IntN(n/benchTxSize)))}
		}},
		{name: "type+disposition", filter: func(r *rand.Rand) store.Filter {
			return store.Filter{Terms: [][]string{{"t=ObjectEvent"}, {fmt.Sprintf("d=^Disp-%d", r.IntN(benchDisps))}}}
		}},
		{name: "bizStep/page50", pages: 50, filter: func(r *rand.Rand) store.Filter {
			return store.Filter{Terms: one(fmt.Sprintf("bs=^BizStep-%d", r.IntN(3)))}
		}},
		{name: "all", filter: func(*rand.Rand) store.Filter { return store.Filter{} }},
	}
}

// readPage reads one page of 100 events and returns the cursor after it.
func readPage(b *testing.B, st *Store, s store.Scan) (int, *store.Cursor) {
	const page = 100
	s.BatchSize = page + 1
	got := 0
	var last *store.Event
	err := st.Events(context.Background(), s, func(e *store.Event) (bool, error) {
		got++
		last = e
		return got < page, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if last == nil {
		return 0, nil
	}
	return got, &store.Cursor{Time: last.EventTime, Seq: last.Seq}
}

// BenchmarkEvents reports the latency of one page of 100 events (p50,
// p99) for each query shape, order and direction.
func BenchmarkEvents(b *testing.B) {
	st := benchStore(b)
	defer st.Close()
	n := *benchEventsN
	orders := []struct {
		name  string
		order store.OrderKey
		desc  bool
	}{
		{"seq", store.BySeq, false}, {"seq-desc", store.BySeq, true},
		{"time", store.ByEventTime, false}, {"time-desc", store.ByEventTime, true},
	}
	for _, shape := range benchShapes(n) {
		for _, o := range orders {
			b.Run(shape.name+"/"+o.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(3, 4))
				var lat []time.Duration
				events := 0
				// Like a server that has run for a while: the first queries
				// load the bitmaps of frequent terms (see bits.go).
				for range 20 {
					readPage(b, st, store.Scan{Filter: shape.filter(rng), Order: o.order, Desc: o.desc})
				}
				for b.Loop() {
					s := store.Scan{Filter: shape.filter(rng), Order: o.order, Desc: o.desc}
					if shape.pages > 1 {
						b.StopTimer()
						for range shape.pages - 1 {
							_, s.After = readPage(b, st, s)
						}
						b.StartTimer()
					}
					start := time.Now()
					got, _ := readPage(b, st, s)
					lat = append(lat, time.Since(start))
					events += got
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(events)/float64(len(lat)), "events/page")
			})
		}
	}
}
