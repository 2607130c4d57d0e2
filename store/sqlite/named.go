package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lotline/lotline/store"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// CreateQuery implements store.NamedQueryStore.
func (s *Store) CreateQuery(ctx context.Context, q *store.NamedQuery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if q.CreatedAt.IsZero() {
		q.CreatedAt = time.Now().UTC()
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO queries (name, owner, created_at, body) VALUES (?, ?, ?, ?)`,
		q.Name, q.Owner, q.CreatedAt.UnixNano(), q.Body)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return &store.DuplicateError{UniqueKey: q.Name}
		}
		return fmt.Errorf("sqlitestore: create query: %w", err)
	}
	return nil
}

// Query implements store.NamedQueryStore.
func (s *Store) Query(ctx context.Context, name string) (*store.NamedQuery, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	q, err := scanQuery(s.r.QueryRowContext(ctx, `SELECT name, owner, created_at, body FROM queries WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.readErr(err)
	}
	return q, nil
}

func scanQuery(sc scanner) (*store.NamedQuery, error) {
	var q store.NamedQuery
	var at int64
	if err := sc.Scan(&q.Name, &q.Owner, &at, &q.Body); err != nil {
		return nil, err
	}
	q.CreatedAt = time.Unix(0, at).UTC()
	return &q, nil
}

// Queries implements store.NamedQueryStore.
func (s *Store) Queries(ctx context.Context, p store.QueryPage) ([]*store.NamedQuery, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT name, owner, created_at, body FROM queries
		WHERE owner = ? AND name > ? ORDER BY name LIMIT ?`, p.Owner, p.After, p.Limit)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []*store.NamedQuery
	for rows.Next() {
		q, err := scanQuery(rows)
		if err != nil {
			return nil, s.readErr(err)
		}
		out = append(out, q)
	}
	return out, s.wrapNil(rows.Err())
}

// DeleteQuery implements store.NamedQueryStore.
func (s *Store) DeleteQuery(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	r, err := s.w.ExecContext(ctx, `DELETE FROM queries WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("sqlitestore: delete query: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
