package sqlitestore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lotline/lotline/store"
)

// TestEventsByIDUsesTheKeyIndex guards against a full scan of events for
// a lookup by eventID.
func TestEventsByIDUsesTheKeyIndex(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.r.Query(`EXPLAIN QUERY PLAN SELECT seq FROM events WHERE (ukey = ?1 OR (ukey > ?2 AND ukey < ?3)) AND event_id = ?1 ORDER BY seq`, "a", "a#", "a$")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		rows.Scan(&id, &parent, &unused, &detail)
		plan = append(plan, detail)
	}
	p := strings.Join(plan, "; ")
	if strings.Contains(p, "SCAN events") || !strings.Contains(p, "ukey") {
		t.Errorf("query plan %q does not use the ukey index", p)
	}
}

func TestCreateJobTwiceIsADuplicate(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	j := &store.Job{ID: "same", Owner: "o"}
	if err := st.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	var de *store.DuplicateError
	if err := st.CreateJob(ctx, j); !errors.As(err, &de) {
		t.Fatalf("second CreateJob: %v, want a *store.DuplicateError", err)
	}
}
