package querytest

import (
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/schemas"
)

// TestDocumentsAreValid checks that capture accepts every generated
// document whole (rollback mode refuses a document with any invalid
// event) and that no event repeats, for several seeds.
func TestDocumentsAreValid(t *testing.T) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{}, nil, capture.Hooks{})
	for seed := uint64(1); seed <= 5; seed++ {
		g := New(seed)
		seen := map[string]bool{}
		for i, d := range g.Documents(400) {
			p, err := cs.Prepare(d.Doc, capture.Rollback, "urn:example:party")
			if err != nil {
				t.Fatalf("seed %d: document %d refused: %v\n%s", seed, i, err, d.JSON())
			}
			if len(p.Events()) != d.Events {
				t.Fatalf("seed %d: document %d: %d events prepared, want %d", seed, i, len(p.Events()), d.Events)
			}
			for _, e := range p.Events() {
				if seen[e.UniqueKey] {
					t.Fatalf("seed %d: document %d repeats event %s", seed, i, e.UniqueKey)
				}
				seen[e.UniqueKey] = true
			}
		}
	}
}
