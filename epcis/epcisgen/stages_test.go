package epcisgen

import (
	"errors"
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
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
			doc := decode(t, g.DocumentJSON(100))
			if _, err := svc.Prepare(doc, capture.Rollback, "local"); err != nil {
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
