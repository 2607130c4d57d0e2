package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
)

// Schema steps added after the first release: migrations 2 and 3 (see
// migrate.go). Each is idempotent, because a database made before schema
// versioning may already have had them run by an earlier Open.

// execQuerier is a *sql.DB or a *sql.Tx.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// createOwnerIndex adds the indexes per-party queries need: one party's
// events in seq (and so recordTime) order, and in eventTime order,
// without reading every other party's events to test their owner (see
// ownerIndex in plan.go).
func createOwnerIndex(ctx context.Context, db execQuerier) error {
	if _, err := db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS events_owner ON events(owner, seq);
CREATE INDEX IF NOT EXISTS events_owner_time ON events(owner, event_time, seq)`); err != nil {
		return fmt.Errorf("sqlitestore: create owner index: %w", err)
	}
	return nil
}

// addKeyColumns gives an api_keys table made before roles and quotas its
// role and rate_limit columns. A store without the table is left alone
// (the first key creates it whole).
func addKeyColumns(ctx context.Context, db execQuerier) error {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info('api_keys')`)
	if err != nil {
		return fmt.Errorf("sqlitestore: read key table: %w", err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("sqlitestore: read key table: %w", err)
		}
		have[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlitestore: read key table: %w", err)
	}
	if len(have) == 0 {
		return nil
	}
	for _, c := range []struct{ name, def string }{
		{"role", `TEXT NOT NULL DEFAULT ''`},
		{"rate_limit", `INTEGER NOT NULL DEFAULT 0`},
	} {
		if have[c.name] {
			continue
		}
		if _, err := db.ExecContext(ctx, `ALTER TABLE api_keys ADD COLUMN `+c.name+` `+c.def); err != nil {
			return fmt.Errorf("sqlitestore: add key column %s: %w", c.name, err)
		}
	}
	return nil
}
