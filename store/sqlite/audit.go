package sqlitestore

import (
	"context"
	"fmt"

	"github.com/lotline/lotline/store"
)

// auditSchema is created by the first records written; readers take a
// missing table as an empty log.
const auditSchema = `
CREATE TABLE IF NOT EXISTS audit (
	id         TEXT    PRIMARY KEY,
	party      TEXT    NOT NULL,
	at         INTEGER NOT NULL,
	key_id     TEXT    NOT NULL,
	request_id TEXT    NOT NULL,
	method     TEXT    NOT NULL,
	path       TEXT    NOT NULL,
	query      TEXT    NOT NULL,
	status     INTEGER NOT NULL,
	events     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_party ON audit(party, id);`

var _ store.AuditStore = (*Store)(nil)

// AppendAudit implements store.AuditStore: one transaction per batch.
func (s *Store) AppendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if len(recs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, auditSchema); err != nil {
		return fmt.Errorf("sqlitestore: create audit table: %w", err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: append audit: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO audit (id, party, at, key_id, request_id, method, path, query, status, events)
		VALUES (?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("sqlitestore: append audit: %w", err)
	}
	defer stmt.Close()
	for _, r := range recs {
		if _, err := stmt.ExecContext(ctx, r.ID, r.Party, unixNanos(r.Time), r.KeyID, r.RequestID, r.Method, r.Path,
			r.Query, r.Status, r.Events); err != nil {
			return fmt.Errorf("sqlitestore: append audit: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitestore: append audit: %w", err)
	}
	return nil
}

// AuditRecords implements store.AuditStore.
func (s *Store) AuditRecords(ctx context.Context, p store.AuditPage) ([]store.AuditRecord, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	q := `SELECT id, party, at, key_id, request_id, method, path, query, status, events FROM audit WHERE party = ?`
	args := []any{p.Party}
	if p.Before != "" {
		q += ` AND id < ?`
		args = append(args, p.Before)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, p.Limit)...)
	if err != nil {
		var n int
		if terr := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit'`).Scan(&n); terr == nil && n == 0 {
			return nil, nil
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []store.AuditRecord
	for rows.Next() {
		var r store.AuditRecord
		var at int64
		if err := rows.Scan(&r.ID, &r.Party, &at, &r.KeyID, &r.RequestID, &r.Method, &r.Path, &r.Query, &r.Status, &r.Events); err != nil {
			return nil, s.readErr(err)
		}
		r.Time = fromUnixNanos(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	return out, nil
}
