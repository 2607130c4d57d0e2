package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/store"
)

// copyFixture copies a testdata database into a fresh data directory.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rawDB makes a store in dir (when it has none) and opens its file
// directly, bypassing Open.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		st, err := Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func indexNames(t *testing.T, db interface {
	Query(string, ...any) (*sql.Rows, error)
}) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_owner%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// TestOpenEarlierRelease opens a database made by commit c1c406b, before
// schema versioning, owner indexes and key roles (testdata/README.md):
// Open migrates it to SchemaVersion, and every event and the key read back.
func TestOpenEarlierRelease(t *testing.T) {
	ctx := context.Background()
	dir := copyFixture(t, "v0-c1c406b.db")
	want, err := os.ReadFile(filepath.Join("testdata", "v0-c1c406b.eventids.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := strings.Fields(string(want))
	if len(wantIDs) != 28 {
		t.Fatalf("fixture lists %d eventIDs, want 28", len(wantIDs))
	}
	if v, err := userVersion(ctx, rawDB(t, dir)); err != nil || v != 0 {
		t.Fatalf("fixture user_version = %d, %v; want 0", v, err)
	}

	var logs bytes.Buffer
	st, err := OpenLog(ctx, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := userVersion(ctx, st.r); err != nil || v != SchemaVersion {
		t.Fatalf("user_version after Open = %d, %v; want %d", v, err, SchemaVersion)
	}
	for _, s := range []string{"predates schema versioning", "step=2", "step=3", "events=28", "sqlite schema up to date"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("migration log lacks %q:\n%s", s, logs.String())
		}
	}
	if got := indexNames(t, st.r); !slices.Equal(got, []string{"events_owner", "events_owner_time"}) {
		t.Errorf("owner indexes = %v", got)
	}

	var got []string
	err = st.Events(ctx, store.Scan{Order: store.BySeq}, func(e *store.Event) (bool, error) {
		if len(e.Body) == 0 || e.Owner != store.LocalOwner {
			return false, fmt.Errorf("event %s: owner %q, %d body bytes", e.EventID, e.Owner, len(e.Body))
		}
		got = append(got, e.EventID)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("events read back:\n%v\nwant\n%v", got, wantIDs)
	}
	for _, id := range wantIDs {
		evs, err := st.EventsByID(ctx, id)
		if err != nil || len(evs) != 1 || evs[0].EventID != id {
			t.Errorf("EventsByID(%s) = %d events, %v", id, len(evs), err)
		}
	}
	// Through an owner index, which the migration made.
	n := 0
	if err := st.Events(ctx, store.Scan{Filter: store.Filter{Owners: []string{store.LocalOwner}}, Order: store.ByEventTime},
		func(*store.Event) (bool, error) { n++; return true, nil }); err != nil || n != len(wantIDs) {
		t.Errorf("local party's events by eventTime: %d, %v", n, err)
	}

	keys, err := st.APIKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != "ef06343f8ddfcc2e" || keys[0].Role != "" || keys[0].RateLimit != 0 {
		t.Fatalf("keys of the old store = %v, %v", keys, err)
	}
	if err := st.CreateKey(ctx, &store.APIKey{ID: "new", Party: "p", Hash: []byte{1}, Role: "operator", RateLimit: 3}); err != nil {
		t.Fatal(err)
	}
	if k, err := st.APIKey(ctx, "new"); err != nil || k.Role != "operator" || k.RateLimit != 3 {
		t.Errorf("new key = %+v, %v", k, err)
	}
	st.Close()

	// A second Open has nothing to migrate.
	logs.Reset()
	st, err = OpenLog(ctx, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if logs.Len() != 0 {
		t.Errorf("second Open logged:\n%s", logs.String())
	}
}

// TestMigratePartlyUpgraded: databases between versions, including
// unversioned ones on which earlier Opens ran some steps, end at
// SchemaVersion with every step's result and no error from a step that
// had run already.
func TestMigratePartlyUpgraded(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		version    int
		dropIndex  bool // owner indexes missing
		oldKeys    bool // api_keys without role and rate_limit
		wantLogged bool
	}{
		{"unversioned, nothing done", 0, true, true, true},
		{"unversioned, indexes made", 0, false, true, true},
		{"unversioned, everything done", 0, false, false, true},
		{"version 1", 1, true, true, true},
		{"version 2", 2, false, true, true},
		{"version 2, no key table", 2, false, false, true},
		{"current", SchemaVersion, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := rawDB(t, dir)
			ddl := fmt.Sprintf("PRAGMA user_version = %d;", tc.version)
			if tc.dropIndex {
				ddl += `DROP INDEX events_owner; DROP INDEX events_owner_time;`
			}
			if tc.oldKeys {
				ddl += `CREATE TABLE api_keys (id TEXT PRIMARY KEY, party TEXT NOT NULL, name TEXT NOT NULL,
					created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL, hash BLOB NOT NULL);
					INSERT INTO api_keys VALUES ('old', 'p', 'n', 1, 0, x'01');`
			}
			if _, err := db.Exec(ddl); err != nil {
				t.Fatal(err)
			}
			db.Close()
			var logs bytes.Buffer
			st, err := OpenLog(ctx, dir, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if v, _ := userVersion(ctx, st.r); v != SchemaVersion {
				t.Errorf("user_version = %d", v)
			}
			if got := indexNames(t, st.r); len(got) != 2 {
				t.Errorf("owner indexes = %v", got)
			}
			if tc.oldKeys {
				if k, err := st.APIKey(ctx, "old"); err != nil || k.Role != "" || k.Party != "p" {
					t.Errorf("old key = %+v, %v", k, err)
				}
			}
			if got := logs.Len() > 0; got != tc.wantLogged {
				t.Errorf("logged %v, want %v:\n%s", got, tc.wantLogged, logs.String())
			}
		})
	}
}

// TestNewerSchemaRefused: a database a newer Lotline migrated is not
// opened, nor changed.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := rawDB(t, dir)
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, dir)
	var ne *store.NewerSchemaError
	if !errors.As(err, &ne) || ne.Version != SchemaVersion+1 || ne.Supported != SchemaVersion {
		t.Fatalf("Open of a newer database: %v", err)
	}
	msg := err.Error()
	for _, s := range []string{filepath.Join(dir, FileName), fmt.Sprintf("schema version %d", SchemaVersion+1), "newer", "restore a backup"} {
		if !strings.Contains(msg, s) || strings.Contains(msg, "\n") {
			t.Errorf("message %q lacks %q or is not one line", msg, s)
		}
	}
	if v, err := userVersion(ctx, db); err != nil || v != SchemaVersion+1 {
		t.Errorf("user_version after the refusal = %d, %v", v, err)
	}
}
