package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/lotline/lotline/store"
)

// keysSchema is created by the first key written rather than at Open:
// a store without keys has no table, and readers take a missing table as
// "no keys".
const keysSchema = `
CREATE TABLE IF NOT EXISTS api_keys (
	id         TEXT    PRIMARY KEY,
	party      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL,
	hash       BLOB    NOT NULL,
	role       TEXT    NOT NULL DEFAULT '',
	rate_limit INTEGER NOT NULL DEFAULT 0
);`

var _ store.KeyStore = (*Store)(nil)

// CreateKey implements store.KeyStore.
func (s *Store) CreateKey(ctx context.Context, k *store.APIKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, keysSchema); err != nil {
		return fmt.Errorf("sqlitestore: create key table: %w", err)
	}
	// An older table got its role and rate_limit columns at Open
	// (migration 3); keysSchema makes a new one with them.
	_, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (id, party, name, created_at, revoked_at, hash, role, rate_limit) VALUES (?,?,?,?,?,?,?,?)`,
		k.ID, k.Party, k.Name, unixNanos(k.CreatedAt), unixNanos(k.RevokedAt), k.Hash, k.Role, k.RateLimit)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return &store.DuplicateError{UniqueKey: k.ID}
		}
		return fmt.Errorf("sqlitestore: create key: %w", err)
	}
	return nil
}

const keyColumns = `id, party, name, created_at, revoked_at, hash, role, rate_limit`

func scanKey(sc scanner) (*store.APIKey, error) {
	var k store.APIKey
	var created, revoked int64
	if err := sc.Scan(&k.ID, &k.Party, &k.Name, &created, &revoked, &k.Hash, &k.Role, &k.RateLimit); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = fromUnixNanos(created), fromUnixNanos(revoked)
	return &k, nil
}

// APIKey implements store.KeyStore.
func (s *Store) APIKey(ctx context.Context, id string) (*store.APIKey, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	k, err := scanKey(s.r.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		if none, terr := s.noKeyTable(ctx); terr == nil && none {
			return nil, store.ErrNotFound
		}
		return nil, s.readErr(err)
	}
	return k, nil
}

// APIKeys implements store.KeyStore.
func (s *Store) APIKeys(ctx context.Context) ([]*store.APIKey, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		if none, terr := s.noKeyTable(ctx); terr == nil && none {
			return nil, nil
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []*store.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, s.readErr(err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	return out, nil
}

// RevokeKey implements store.KeyStore.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, keysSchema); err != nil {
		return fmt.Errorf("sqlitestore: create key table: %w", err)
	}
	r, err := s.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`,
		unixNanos(at), id)
	if err != nil {
		return fmt.Errorf("sqlitestore: revoke key: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlitestore: revoke key: %w", err)
	} else if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// HasKeys implements store.KeyStore.
func (s *Store) HasKeys(ctx context.Context) (bool, error) {
	if err := s.checkOpen(); err != nil {
		return false, err
	}
	none, err := s.noKeyTable(ctx)
	if err != nil || none {
		return false, err
	}
	var one int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM api_keys LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.readErr(err)
	}
	return true, nil
}

// noKeyTable reports whether no key was ever written (the table is created
// by the first).
func (s *Store) noKeyTable(ctx context.Context) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'api_keys'`).Scan(&n); err != nil {
		return false, s.readErr(err)
	}
	return n == 0, nil
}
