package sqlitestore

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// TestUpgradeOldKeyTable opens a store whose api_keys table predates roles
// and quotas, made before schema versioning (user_version 0): its keys
// read back as plain keys, and new keys keep theirs.
func TestUpgradeOldKeyTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := rawDB(t, dir)
	if _, err := db.Exec(`CREATE TABLE api_keys (id TEXT PRIMARY KEY, party TEXT NOT NULL, name TEXT NOT NULL,
		created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL, hash BLOB NOT NULL);
		INSERT INTO api_keys VALUES ('old', 'p', 'n', 1, 0, x'01');
		DROP INDEX events_owner_time; DROP INDEX events_owner;
		PRAGMA user_version = 0`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, err := st.APIKey(ctx, "old")
	if err != nil || k.Role != "" || k.RateLimit != 0 || k.Party != "p" {
		t.Fatalf("old key = %+v, %v", k, err)
	}
	if err := st.CreateKey(ctx, &store.APIKey{ID: "new", Party: "p", Hash: []byte{2}, Role: "operator", RateLimit: 5}); err != nil {
		t.Fatal(err)
	}
	if k, err := st.APIKey(ctx, "new"); err != nil || k.Role != "operator" || k.RateLimit != 5 {
		t.Fatalf("new key = %+v, %v", k, err)
	}
	var n int
	if err := st.r.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('events_owner_time', 'events_owner')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("owner indexes after Open: %d, %v", n, err)
	}
}

// TestOwnerQueryUsesOwnerIndex: one party's events, in either order, are
// read through an owner index, without a sort; a grant to others keeps
// the plan that tests every event.
func TestOwnerQueryUsesOwnerIndex(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	grant := []store.Grant{{Owner: "q", Terms: [][]string{{"g=x"}}}}
	for _, tc := range []struct {
		f     store.Filter
		order store.OrderKey
		index string
	}{
		{store.Filter{Owners: []string{"p"}}, store.BySeq, "events_owner "},
		{store.Filter{Owners: []string{"p"}}, store.ByEventTime, "events_owner_time"},
		{store.Filter{Owners: []string{"p"}, EventTime: store.TimeRange{GE: time.Unix(1, 0)}}, store.ByEventTime, "events_owner_time"},
		{store.Filter{Owners: []string{"p"}, Grants: grant}, store.ByEventTime, "events_event_time"},
		{store.Filter{Owners: []string{"p", "q"}}, store.ByEventTime, "events_event_time"},
	} {
		p := st.streamPlan(store.Scan{Filter: tc.f, Order: tc.order, Desc: true}, 0, math.MaxInt64, "")
		args := slices.Clone(p.args)
		for i, a := range args {
			if _, ok := a.(grantArg); ok {
				args[i] = int64(0)
			}
		}
		rows, err := st.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+p.sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; ") + " "; !strings.Contains(p, tc.index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%+v: plan %q, want %s and no sort", tc.f, p, tc.index)
		}
	}
}
