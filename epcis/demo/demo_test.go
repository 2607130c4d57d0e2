package demo

import (
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/schemas"
)

// TestDocumentsAreValid runs every document through capture in rollback
// mode (which refuses a document with any invalid event) and checks that
// no event repeats and the scenario has the events it describes.
func TestDocumentsAreValid(t *testing.T) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{}, nil, capture.Hooks{})
	seen := map[string]bool{}
	types := map[string]int{}
	for i, d := range Documents() {
		p, err := cs.Prepare(d, capture.Rollback, "urn:example:party")
		if err != nil {
			t.Fatalf("document %d refused: %v", i, err)
		}
		for _, e := range p.Events() {
			if seen[e.UniqueKey] {
				t.Fatalf("document %d repeats event %s", i, e.UniqueKey)
			}
			seen[e.UniqueKey] = true
			types[e.Type]++
		}
	}
	for typ, want := range map[string]int{"ObjectEvent": 17, "TransformationEvent": 3, "AggregationEvent": 8} {
		if types[typ] != want {
			t.Errorf("%d %s, want %d", types[typ], typ, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := JSON()
	if len(a) != 6 {
		t.Fatalf("%d documents, want 6", len(a))
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			t.Fatalf("document %d differs between calls", i)
		}
	}
}
