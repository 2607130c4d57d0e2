package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/lotline/lotline/store"
)

// Value listings live in vals (kind, value), a WITHOUT ROWID table whose
// primary key is the listing's order. Most values of a new event were
// seen before (its type, bizStep, location), so the writer remembers
// recently written values and skips their INSERT OR IGNORE.

// recentCap bounds each generation of the recently seen set: at most two
// generations (about 2*recentCap values, a few MB) are kept.
const recentCap = 1 << 15

// recentValues is a bounded set of values known to be stored, in two
// generations: a value found in the old one moves to the new one, and
// when the new one is full the old one is dropped. Values seen again and
// again (bizSteps, locations) stay; unique ones (EPCs) pass through.
// It is guarded by Store.mu, and only holds values of committed batches.
type recentValues struct {
	cur, old map[store.Value]struct{}
}

func (r *recentValues) has(v store.Value) bool {
	if _, ok := r.cur[v]; ok {
		return true
	}
	if _, ok := r.old[v]; ok {
		r.add(v)
		return true
	}
	return false
}

func (r *recentValues) add(v store.Value) {
	if r.cur == nil || len(r.cur) >= recentCap {
		r.old, r.cur = r.cur, make(map[store.Value]struct{}, recentCap)
	}
	r.cur[v] = struct{}{}
}

// newValues adds to written the values a stored event records that are
// not known to be stored yet. Each value is recorded for every owner and
// for the event's owner (store.OwnedValueKind), but for store.LocalOwner.
// written enters the recent set only once its batch is committed.
func newValues(recent *recentValues, vals []store.Value, owner string, written map[store.Value]struct{}) {
	for _, v := range vals {
		ws := [2]store.Value{v}
		n := 1
		if owner != store.LocalOwner {
			ws[1] = store.Value{Kind: store.OwnedValueKind(v.Kind, owner), Value: v.Value}
			n = 2
		}
		for _, w := range ws[:n] {
			if _, ok := written[w]; ok || recent.has(w) {
				continue
			}
			written[w] = struct{}{}
		}
	}
}

// writeValues records vals in (kind, value) order, the order of the
// table's key, with multi-row INSERT OR IGNOREs.
func (t *txWriter) writeValues(ctx context.Context, vals map[store.Value]struct{}) error {
	if len(vals) == 0 {
		return nil
	}
	sorted := make([]store.Value, 0, len(vals))
	for v := range vals {
		sorted = append(sorted, v)
	}
	slices.SortFunc(sorted, func(a, b store.Value) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	args := t.ws.args[:0]
	for _, v := range sorted {
		args = append(args, string(v.Kind), v.Value)
	}
	t.ws.args = args
	if err := t.insertRows(ctx, &t.ws.vals, args); err != nil {
		return fmt.Errorf("sqlitestore: record values: %w", err)
	}
	return nil
}

// Values implements store.ValueStore.
func (s *Store) Values(ctx context.Context, p store.ValuePage) ([]string, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	where, args := valueRange(p)
	rows, err := s.r.QueryContext(ctx, `SELECT value FROM vals WHERE `+where+` ORDER BY value LIMIT ?`, append(args, p.Limit)...)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, s.readErr(err)
		}
		out = append(out, v)
	}
	return out, s.wrapNil(rows.Err())
}

// CountValues implements store.ValueStore: a count over the index range.
func (s *Store) CountValues(ctx context.Context, p store.ValuePage) (int, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	where, args := valueRange(p)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM vals WHERE `+where, args...).Scan(&n); err != nil {
		return 0, s.readErr(err)
	}
	return n, nil
}

// valueRange is the condition selecting p's values (Limit aside).
func valueRange(p store.ValuePage) (string, []any) {
	// One lower bound, so that SQLite seeks to it rather than scanning
	// from the looser one.
	where, args := `kind = ? AND value > ?`, []any{string(p.Kind), p.After}
	if p.Prefix != "" && p.After < p.Prefix {
		where, args = `kind = ? AND value >= ?`, []any{string(p.Kind), p.Prefix}
	}
	if end := store.PrefixEnd(p.Prefix); p.Prefix != "" && end != "" {
		where += ` AND value < ?`
		args = append(args, end)
	}
	return where, args
}

// HasValue implements store.ValueStore.
func (s *Store) HasValue(ctx context.Context, v store.Value) (bool, error) {
	if err := s.checkOpen(); err != nil {
		return false, err
	}
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM vals WHERE kind = ? AND value = ?`, string(v.Kind), v.Value).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.readErr(err)
	}
	return true, nil
}

// checkOpen returns store.ErrClosed after Close.
func (s *Store) checkOpen() error {
	if s.isClosed.Load() {
		return store.ErrClosed
	}
	return nil
}
