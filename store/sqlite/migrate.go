package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/lotline/lotline/store"
)

// SchemaVersion is the version of the database schema this code writes,
// kept in the database header (PRAGMA user_version). Open brings an older
// database up to it by running the missing migrations, and refuses a newer
// one with a *store.NewerSchemaError.
const SchemaVersion = 3

// A migration brings a database from version-1 to version. Each runs in
// one write transaction together with the user_version update, so a crash
// leaves the database at the version before or after it. Every step is
// idempotent, because databases made before versioning (user_version 0)
// already hold the tables and maybe the indexes of some steps.
//
// The list only grows: a schema change is a new migration at the end,
// never an edit of an earlier one (in particular, the schema constant is
// version 1 and stays as it was).
type migration struct {
	version int
	name    string
	run     func(ctx context.Context, tx execQuerier) error
}

var migrations = []migration{
	{1, "base tables", func(ctx context.Context, tx execQuerier) error {
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("sqlitestore: create schema: %w", err)
		}
		return nil
	}},
	{2, "owner indexes", createOwnerIndex},
	{3, "api key role and rate_limit columns", addKeyColumns},
}

// newerSchema is Open's answer for a database newer than this code.
func newerSchema(path string, v int) error {
	return &store.NewerSchemaError{Backend: "sqlitestore", Where: path, Version: v, Supported: SchemaVersion, Undo: "a backup"}
}

// userVersion reads PRAGMA user_version.
func userVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlitestore: read schema version: %w", err)
	}
	return v, nil
}

// migrate brings the database on the writer db up to SchemaVersion. Each
// step re-reads the version inside its write transaction, so two
// processes opening one old database at once run each step once.
func migrate(ctx context.Context, db *sql.DB, path string, log *slog.Logger) error {
	v, err := userVersion(ctx, db)
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return newerSchema(path, v)
	}
	if v == SchemaVersion {
		return nil
	}
	var events int64 = -1
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'`).Scan(&tables); err != nil {
		return fmt.Errorf("sqlitestore: read schema: %w", err)
	}
	level := slog.LevelDebug // a new database: nothing worth telling
	if tables > 0 {
		level = slog.LevelInfo
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil {
			return fmt.Errorf("sqlitestore: count events: %w", err)
		}
		if v == 0 {
			log.Info("sqlite database predates schema versioning; running every idempotent migration",
				"path", path, "events", events)
		}
	}
	start := time.Now()
	for _, m := range migrations[v:] {
		t0 := time.Now()
		log.Log(ctx, level, "sqlite schema migration", "path", path, "step", m.version, "of", SchemaVersion, "name", m.name, "events", events)
		did, err := migrateStep(ctx, db, path, m)
		if err != nil {
			return err
		}
		if did {
			log.Log(ctx, level, "sqlite schema migration done", "step", m.version, "name", m.name, "elapsed", time.Since(t0).Round(time.Millisecond))
		}
	}
	log.Log(ctx, level, "sqlite schema up to date", "path", path, "from", v, "to", SchemaVersion, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// migrateStep runs m unless the database is already at its version; it
// reports whether it ran.
func migrateStep(ctx context.Context, db *sql.DB, path string, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE on the writer
	if err != nil {
		return false, fmt.Errorf("sqlitestore: migration %d: %w", m.version, err)
	}
	defer tx.Rollback()
	cur, err := userVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	if cur > SchemaVersion {
		return false, newerSchema(path, cur)
	}
	if cur >= m.version {
		return false, nil
	}
	if err := m.run(ctx, tx); err != nil {
		return false, err
	}
	// PRAGMA takes no parameters; m.version is a constant of this file.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, m.version)); err != nil {
		return false, fmt.Errorf("sqlitestore: migration %d: set version: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlitestore: migration %d: commit: %w", m.version, err)
	}
	return true, nil
}
