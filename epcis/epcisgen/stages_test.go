package epcisgen

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/hierarchy"
	"github.com/lotline/lotline/schemas"
)

// TestStages checks the multi-stage simulation: its documents pass
// capture, every lot TakeLots reports at depth k > 0 is the output of a
// TransformationEvent whose inputs are lots of depth k-1, and lots at
// every depth from raw material to the finished product appear.
func TestStages(t *testing.T) {
	svc := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	for _, tc := range []struct {
		stages, want int // want: the depth of finished lots
	}{{0, 1}, {1, 1}, {3, 3}, {5, 5}, {20, 9}} {
		g := NewWithOptions(4, Options{Stages: tc.stages})
		depth := map[string]int{} // lot class -> depth
		inputs := map[string][]string{}
		for d := range 10 {
			raw := g.DocumentJSON(100)
			// Prepare consumes the tree it is given: read a second decoding.
			doc := decode(t, raw)
			if _, err := svc.Prepare(decode(t, raw), capture.Rollback, "local"); err != nil {
				var errs epcis.Errors
				if errors.As(err, &errs) && len(errs) > 0 {
					t.Fatalf("stages %d doc %d: %v\nevent: %s", tc.stages, d, errs[0], mustJSON(eventsOf(doc)[errs[0].EventIndex]))
				}
				t.Fatalf("stages %d doc %d: %v", tc.stages, d, err)
			}
			for _, ev := range eventsOf(doc) {
				if ev["type"] != "TransformationEvent" {
					continue
				}
				for _, o := range ev["outputQuantityList"].([]any) {
					out := o.(map[string]any)["epcClass"].(string)
					for _, in := range ev["inputQuantityList"].([]any) {
						inputs[out] = append(inputs[out], in.(map[string]any)["epcClass"].(string))
					}
				}
			}
			for _, l := range g.TakeLots() {
				if _, dup := depth[l.Class]; dup {
					t.Fatalf("stages %d: lot %s reported twice", tc.stages, l.Class)
				}
				depth[l.Class] = l.Depth
			}
		}
		seen := map[int]int{}
		for class, k := range depth {
			seen[k]++
			if k == 0 {
				continue
			}
			if len(inputs[class]) == 0 {
				t.Fatalf("stages %d: lot %s (depth %d) is not the output of a transformation", tc.stages, class, k)
			}
			for _, in := range inputs[class] {
				if d, ok := depth[in]; !ok || d != k-1 {
					t.Errorf("stages %d: lot %s (depth %d) consumes %s of depth %d (known %v)", tc.stages, class, k, in, d, ok)
				}
			}
		}
		for k := 0; k <= tc.want; k++ {
			if seen[k] == 0 {
				t.Errorf("stages %d: no lot at depth %d (by depth: %v)", tc.stages, k, seen)
			}
		}
		if seen[tc.want+1] != 0 {
			t.Errorf("stages %d: lots deeper than %d: %v", tc.stages, tc.want, seen)
		}
	}
}

// TestPackagingLayouts checks the packaging the runs mix: cases are
// serialised under the case GTIN (indicator digit 1, the lot number in the
// commissioning ILMD), or packed onto pallets by quantity of the lot's
// consumer-unit class or of its case-level class; lots are made under the
// consumer-unit GTIN only; and each lot's units made equal its cases
// times the product's case size (the mass balance adds up).
func TestPackagingLayouts(t *testing.T) {
	w := newWorld()
	caseSize := map[string]int{} // consumer-unit GTIN -> units per case
	for _, m := range w.makers {
		for _, p := range m.products {
			caseSize[p.gtin('0')] = p.caseSize
		}
	}
	type lotKey struct{ gtin, lot string }
	key := func(id string) (lotKey, byte) {
		e, err := gs1.ParseEPC(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		g, err := hierarchy.WithIndicator(e.GTIN(), '0')
		if err != nil {
			t.Fatal(err)
		}
		return lotKey{g, e.Lot()}, hierarchy.Indicator(e.GTIN())
	}
	made := map[lotKey]float64{}
	inCases := map[lotKey]float64{}
	serialLot := map[string]lotKey{} // case -> its lot
	palletLot := map[string]lotKey{}
	stored := map[lotKey]bool{}
	layouts := map[string]int{}
	g := NewWithOptions(9, Options{Stages: 3})
	for range 20000 {
		ev := g.Event()
		switch {
		case ev["type"] == "TransformationEvent":
			for _, o := range ev["outputQuantityList"].([]any) {
				q := o.(map[string]any)
				k, ind := key(q["epcClass"].(string))
				if _, product := caseSize[k.gtin]; !product {
					continue // an intermediate
				}
				if ind != '0' {
					t.Errorf("lot made under %s, want the consumer-unit GTIN", q["epcClass"])
				}
				f, _ := q["quantity"].(json.Number).Float64()
				made[k] += f
			}
		case ev["type"] == "ObjectEvent" && ev["action"] == "ADD":
			lot := ev["ilmd"].(map[string]any)["cbvmda:lotNumber"].(string)
			for _, x := range ev["epcList"].([]any) {
				e := gs1.MustParseEPC(x.(string))
				if hierarchy.Indicator(e.GTIN()) != '1' {
					t.Fatalf("commissioned %s: want a case GTIN (indicator 1)", x)
				}
				g0, _ := hierarchy.WithIndicator(e.GTIN(), '0')
				k := lotKey{g0, lot}
				serialLot[x.(string)] = k
				inCases[k] += float64(caseSize[g0])
			}
			layouts["serialised"]++
		case ev["type"] == "AggregationEvent" && ev["action"] == "ADD":
			pallet := ev["parentID"].(string)
			if cq, ok := ev["childQuantityList"].([]any); ok {
				q := cq[0].(map[string]any)
				k, ind := key(q["epcClass"].(string))
				f, _ := q["quantity"].(json.Number).Float64()
				if ind == '1' {
					f *= float64(caseSize[k.gtin])
					layouts["byCaseClass"]++
				} else {
					layouts["byUnitClass"]++
				}
				inCases[k] += f
				palletLot[pallet] = k
			} else {
				palletLot[pallet] = serialLot[ev["childEPCs"].([]any)[0].(string)]
			}
		case ev["bizStep"] == "storing":
			// Stored after packing: the lot's cases are all counted.
			stored[palletLot[ev["epcList"].([]any)[0].(string)]] = true
		}
	}
	for _, l := range []string{"serialised", "byUnitClass", "byCaseClass"} {
		if layouts[l] == 0 {
			t.Errorf("no %s packing in 20000 events: %v", l, layouts)
		}
	}
	if len(stored) < 20 {
		t.Fatalf("only %d lots stored", len(stored))
	}
	for k := range stored {
		if made[k] == 0 || made[k] != inCases[k] {
			t.Errorf("lot %s/%s: %v units made, %v in cases", k.gtin, k.lot, made[k], inCases[k])
		}
	}
}
