package sqlitestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/lotline/lotline/store"
)

// sharingSchema is created by the first rule written; readers take a
// missing table as "no rules". The lists are JSON arrays: a rule is
// always read whole.
const sharingSchema = `
CREATE TABLE IF NOT EXISTS sharing_rules (
	id         TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,
	grantee    TEXT    NOT NULL,
	gtins      TEXT    NOT NULL,
	lots       TEXT    NOT NULL,
	biz_steps  TEXT    NOT NULL,
	from_time  INTEGER NOT NULL,
	to_time    INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sharing_rules_owner ON sharing_rules(owner, created_at, id);
CREATE INDEX IF NOT EXISTS sharing_rules_grantee ON sharing_rules(grantee, created_at, id);`

var _ store.SharingRuleStore = (*Store)(nil)

// CreateRule implements store.SharingRuleStore.
func (s *Store) CreateRule(ctx context.Context, r *store.SharingRule) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	var lists [3][]byte
	for i, l := range [][]string{r.GTINs, r.Lots, r.BizSteps} {
		if l == nil {
			l = []string{}
		}
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("sqlitestore: create rule: %w", err)
		}
		lists[i] = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, sharingSchema); err != nil {
		return fmt.Errorf("sqlitestore: create sharing rule table: %w", err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO sharing_rules (id, owner, grantee, gtins, lots, biz_steps, from_time, to_time, created_at)
		VALUES (?,?,?,?,?,?,?,?,?)`, r.ID, r.Owner, r.Grantee, string(lists[0]), string(lists[1]), string(lists[2]),
		unixNanos(r.From), unixNanos(r.To), unixNanos(r.CreatedAt))
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return &store.DuplicateError{UniqueKey: r.ID}
		}
		return fmt.Errorf("sqlitestore: create rule: %w", err)
	}
	return nil
}

// RulesOf implements store.SharingRuleStore.
func (s *Store) RulesOf(ctx context.Context, owner string) ([]*store.SharingRule, error) {
	return s.rules(ctx, "owner", owner)
}

// RulesFor implements store.SharingRuleStore.
func (s *Store) RulesFor(ctx context.Context, grantee string) ([]*store.SharingRule, error) {
	return s.rules(ctx, "grantee", grantee)
}

// rules lists the rules whose column col (owner or grantee) is party.
func (s *Store) rules(ctx context.Context, col, party string) ([]*store.SharingRule, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, owner, grantee, gtins, lots, biz_steps, from_time, to_time, created_at
		FROM sharing_rules WHERE `+col+` = ? ORDER BY created_at, id`, party)
	if err != nil {
		if none, terr := s.noTable(ctx, "sharing_rules"); terr == nil && none {
			return nil, nil
		}
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []*store.SharingRule
	for rows.Next() {
		var r store.SharingRule
		var gtins, lots, steps string
		var from, to, created int64
		if err := rows.Scan(&r.ID, &r.Owner, &r.Grantee, &gtins, &lots, &steps, &from, &to, &created); err != nil {
			return nil, s.readErr(err)
		}
		for _, l := range []struct {
			text string
			to   *[]string
		}{{gtins, &r.GTINs}, {lots, &r.Lots}, {steps, &r.BizSteps}} {
			if err := json.Unmarshal([]byte(l.text), l.to); err != nil {
				return nil, fmt.Errorf("sqlitestore: rule %s: %w", r.ID, err)
			}
			if len(*l.to) == 0 {
				*l.to = nil
			}
		}
		r.From, r.To, r.CreatedAt = fromUnixNanos(from), fromUnixNanos(to), fromUnixNanos(created)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	return out, nil
}

// DeleteRule implements store.SharingRuleStore.
func (s *Store) DeleteRule(ctx context.Context, owner, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, sharingSchema); err != nil {
		return fmt.Errorf("sqlitestore: create sharing rule table: %w", err)
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM sharing_rules WHERE id = ? AND owner = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("sqlitestore: delete rule: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlitestore: delete rule: %w", err)
	} else if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// noTable reports whether the table name, created by its first write,
// does not exist yet.
func (s *Store) noTable(ctx context.Context, name string) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		return false, s.readErr(err)
	}
	return n == 0, nil
}
