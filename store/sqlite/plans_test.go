package sqlitestore

import (
	"context"
	"fmt"
	"testing"

	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/store/storetest"
)

// TestContractEachPlan runs the contract suite with each scan plan forced
// wherever it applies, with term postings read per query and with every
// token's bitmap cached (so that the writer's updates of cached bitmaps
// meet readers walking pages while others capture).
func TestContractEachPlan(t *testing.T) {
	defer func(min int) { cacheMinPostings, forcePlan = min, nil }(cacheMinPostings)
	for _, kind := range []planKind{planStream, planSorted, planWalk, planWindow} {
		for _, cached := range []bool{false, true} {
			t.Run(fmt.Sprintf("plan%d/cached=%v", kind, cached), func(t *testing.T) {
				forcePlan = &kind
				cacheMinPostings = 1 << 30
				if cached {
					cacheMinPostings = 1
				}
				storetest.Run(t, func(t *testing.T) store.Store {
					st, err := Open(context.Background(), t.TempDir())
					if err != nil {
						t.Fatal(err)
					}
					return st
				})
			})
		}
	}
}
