package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

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

// explain returns the query plan of q, one detail per step.
func explain(t *testing.T, st *Store, q string, args ...any) string {
	t.Helper()
	rows, err := st.r.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%v: %s", err, q)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// TestEventsPlans guards the query plans of Events: a single-term scan
// never reads the whole events table, capture order comes from FTS5's
// rowid order without a sort, and the walk and window plans read the
// events_event_time index and sort nothing.
func TestEventsPlans(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var evs []*store.Event
	for i := range 50 {
		id := fmt.Sprintf("p-%d", i)
		evs = append(evs, &store.Event{UniqueKey: id, EventID: id, Type: "ObjectEvent", Owner: "o",
			EventTime: time.Unix(int64(i), 0), Terms: []string{"bs=x", "e=" + id}, Body: []byte(`{}`)})
	}
	if _, err := st.AddEvents(ctx, store.Batch{Events: evs}); err != nil {
		t.Fatal(err)
	}
	conn, err := st.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	terms := [][]string{{"e=p-7"}}
	toks := tokenSets(terms)
	window := store.TimeRange{GE: time.Unix(10, 0), LT: time.Unix(20, 0)}
	for _, order := range []store.OrderKey{store.BySeq, store.ByEventTime} {
		for _, desc := range []bool{false, true} {
			after := &store.Cursor{Time: time.Unix(12, 0), Seq: 5}
			if desc {
				after = &store.Cursor{Time: time.Unix(18, 0), Seq: 45}
			}
			for _, f := range []store.Filter{{Terms: terms}, {Terms: terms, EventTime: window, Owners: []string{"o"}}} {
				sc := store.Scan{Filter: f, Order: order, Desc: desc, After: after, BatchSize: 101}
				p, err := st.plan(ctx, conn, sc, toks)
				if err != nil || p == nil {
					t.Fatalf("plan: %v %v", p, err)
				}
				q, args := p.sql, p.args
				if p.kind == planSorted {
					q, args = p.sorted(after, 101)
				}
				got := explain(t, st, q, args...)
				if strings.Contains(got, "SCAN e ") || strings.HasSuffix(got, "SCAN e") || !strings.Contains(got, "SCAN terms VIRTUAL TABLE") {
					t.Errorf("%s: single-term plan %q reads events other than by the term", describeOrder(sc), got)
				}
				if order == store.BySeq && strings.Contains(got, "TEMP B-TREE") {
					t.Errorf("%s: plan %q sorts", describeOrder(sc), got)
				}
			}
		}
	}
	// The plans chosen for broad terms.
	wide := store.Filter{Terms: [][]string{{"bs=x"}}, EventTime: window}
	for _, desc := range []bool{false, true} {
		sc := store.Scan{Filter: wide, Order: store.ByEventTime, Desc: desc, After: &store.Cursor{Time: time.Unix(15, 0), Seq: 15}}
		walk := st.seqPlan(planWalk, sc, 1, math.MaxInt64, tokenSets(wide.Terms), ftsQuery(tokenSets(wide.Terms)))
		walk.args[walk.memberArg] = int64(0)
		if got := explain(t, st, walk.sql, walk.args...); !strings.Contains(got, "INDEX events_event_time (event_time>? AND event_time<?)") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("walk plan %q: not an ordered range of events_event_time", got)
		}
		sc.Order = store.BySeq
		win := st.seqPlan(planWindow, sc, 1, math.MaxInt64, tokenSets(wide.Terms), ftsQuery(tokenSets(wide.Terms)))
		win.args[win.memberArg] = int64(0)
		if got := explain(t, st, win.sql, win.args...); !strings.Contains(got, "SEARCH e USING INTEGER PRIMARY KEY") ||
			!strings.Contains(got, "COVERING INDEX events_event_time") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("window plan %q: not the window's seqs read in order", got)
		}
	}
}

func describeOrder(sc store.Scan) string {
	return fmt.Sprintf("order %d desc %v window %v", sc.Order, sc.Desc, !sc.Filter.EventTime.GE.IsZero())
}
