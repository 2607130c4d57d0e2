package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lotline/lotline/store"
)

// secretsSchema is created by the first secret asked for, like the key
// table: a store that never shared a secret has no table.
const secretsSchema = `CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)`

var _ store.SecretStore = (*Store)(nil)

// Secret implements store.SecretStore. `lotline serve` on SQLite keeps its
// page-token key in the data directory instead (one process uses the
// store); the method is here so that every backend keeps the contract.
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if len(fresh) == 0 {
		return nil, errors.New("sqlitestore: secret: empty fresh value")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, secretsSchema); err != nil {
		return nil, fmt.Errorf("sqlitestore: create secret table: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("sqlitestore: store secret: %w", err)
	}
	var v []byte
	err := s.w.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(v) == 0) {
		return nil, fmt.Errorf("sqlitestore: secret %q vanished", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: read secret: %w", err)
	}
	return v, nil
}
