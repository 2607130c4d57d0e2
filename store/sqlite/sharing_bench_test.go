package sqlitestore

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// BenchmarkGrants reports the latency of one page of 100 events (p50,
// p99) for a party reading its own events and those a grant shares with
// it, on BenchmarkEvents' synthetic events of which 70% belong to the
// sharing party and 30% to the reader (-eventsn sets their number); 1%,
// taken from the sharing party, belong to a third, rare party.
// benchOwnerIndex off measures BenchmarkGrants without the owner indexes
// (before/after in docs/benchmarks.md).
var benchOwnerIndex = flag.Bool("ownerindex", true, "keep the owner indexes in BenchmarkGrants' store")

func BenchmarkGrants(b *testing.B) {
	ctx := context.Background()
	n := *benchEventsN
	st, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if !*benchOwnerIndex {
		noOwnerIndex = true
		defer func() { noOwnerIndex = false }()
		if _, err := st.w.ExecContext(ctx, `DROP INDEX events_owner_time; DROP INDEX events_owner`); err != nil {
			b.Fatal(err)
		}
	}
	const maker, buyer, rare = "maker", "buyer", "rare"
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i += 2000 {
		var evs []*store.Event
		for k := i; k < min(i+2000, n); k++ {
			e := benchEvent(k, n, rng)
			e.Owner = maker
			if k%10 >= 7 {
				e.Owner = buyer
			}
			if k%100 == 0 {
				e.Owner = rare
			}
			evs = append(evs, e)
		}
		if _, err := st.AddEvents(ctx, store.Batch{Events: evs}); err != nil {
			b.Fatal(err)
		}
	}
	grant := func(terms ...[]string) []store.Grant { return []store.Grant{{Owner: maker, Terms: terms}} }
	shapes := []struct {
		name string
		f    store.Filter
	}{
		{"own", store.Filter{Owners: []string{buyer}}},
		{"own/rare", store.Filter{Owners: []string{rare}}},
		{"type+own/rare", store.Filter{Terms: [][]string{{"t=AggregationEvent"}}, Owners: []string{rare}}},
		{"own+gtinGrant", store.Filter{Owners: []string{buyer}, Grants: grant([]string{"g=gtin-7"})}},
		{"own+bizStepGrant", store.Filter{Owners: []string{buyer}, Grants: grant([]string{"bs=^BizStep-0"})}},
		{"own+gtinAndStepsGrant", store.Filter{Owners: []string{buyer}, Grants: grant([]string{"g=gtin-7", "g=gtin-8"}, []string{"bs=^BizStep-0", "bs=^BizStep-1"})}},
		{"type+own+bizStepGrant", store.Filter{Terms: [][]string{{"t=AggregationEvent"}}, Owners: []string{buyer}, Grants: grant([]string{"bs=^BizStep-0"})}},
		{"grantOnly/bizStep", store.Filter{Owners: []string{}, Grants: grant([]string{"bs=^BizStep-1"})}},
		{"grantOnly/gtin", store.Filter{Owners: []string{}, Grants: grant([]string{"g=gtin-9"})}},
	}
	for _, sh := range shapes {
		for _, o := range []struct {
			name  string
			order store.OrderKey
		}{{"seq-desc", store.BySeq}, {"time-desc", store.ByEventTime}} {
			b.Run(fmt.Sprintf("%s/%s", sh.name, o.name), func(b *testing.B) {
				s := store.Scan{Filter: sh.f, Order: o.order, Desc: true}
				for range 5 {
					readPage(b, st, s)
				}
				var lat []time.Duration
				for b.Loop() {
					start := time.Now()
					readPage(b, st, s)
					lat = append(lat, time.Since(start))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
