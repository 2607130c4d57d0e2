package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/store"
)

const eventCols = `e.seq, e.ukey, e.event_id, e.type, e.event_time, e.record_time, e.owner, e.capture_id, e.body`

// ftsQuery returns the FTS5 query for a conjunction of term disjunctions,
// "" when terms restrict nothing, and ok false when they pass nothing (an
// empty disjunction).
func ftsQuery(terms [][]string) (q string, ok bool) {
	var b []byte
	for _, alts := range terms {
		if len(alts) == 0 {
			return "", false
		}
		toks := make([]string, 0, len(alts))
		for _, t := range alts {
			toks = append(toks, token(t))
		}
		slices.Sort(toks)
		toks = slices.Compact(toks)
		if len(b) > 0 {
			b = append(b, " AND "...)
		}
		if len(toks) == 1 {
			b = append(b, toks[0]...)
			continue
		}
		b = append(b, '(')
		b = append(b, strings.Join(toks, " OR ")...)
		b = append(b, ')')
	}
	return string(b), true
}

// Events implements store.Querier. See query plans in plan.go.
func (s *Store) Events(ctx context.Context, sc store.Scan, fn func(*store.Event) (bool, error)) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	match, ok := ftsQuery(sc.Filter.Terms)
	if !ok || (sc.Filter.Owners != nil && len(sc.Filter.Owners) == 0) {
		return nil
	}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return s.readErr(err)
	}
	defer conn.Close()
	q, args, err := s.plan(ctx, conn, sc, match)
	if err != nil {
		return err
	}
	if q == "" {
		return nil
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return s.queryErr(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := scanEvent(rows)
		if err != nil {
			return s.queryErr(ctx, err)
		}
		more, err := fn(e)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return s.queryErr(ctx, err)
	}
	return ctx.Err()
}

// queryErr prefers the context's error: a canceled query fails with an
// interrupt from the driver, which says less.
func (s *Store) queryErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return s.readErr(err)
}

// sqlBuilder collects WHERE conditions and their arguments.
type sqlBuilder struct {
	where []string
	args  []any
}

func (b *sqlBuilder) add(cond string, args ...any) {
	b.where = append(b.where, cond)
	b.args = append(b.args, args...)
}

func (b *sqlBuilder) clause() string {
	if len(b.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.where, " AND ")
}

// firstSeqAtOrAfter returns the smallest seq recorded at or after t, or
// 0 when none is. Since recordTime never decreases along seq, every event
// recorded at or after t has at least that seq.
func firstSeqAtOrAfter(ctx context.Context, conn *sql.Conn, t time.Time) (int64, error) {
	var seq int64
	err := conn.QueryRowContext(ctx, `SELECT seq FROM events INDEXED BY events_record_time
		WHERE record_time >= ? ORDER BY record_time, seq LIMIT 1`, t.UnixNano()).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// residual adds the conditions on the events row that every plan checks.
func residual(b *sqlBuilder, f store.Filter) {
	if !f.EventTime.GE.IsZero() {
		b.add("e.event_time >= ?", f.EventTime.GE.UnixNano())
	}
	if !f.EventTime.LT.IsZero() {
		b.add("e.event_time < ?", f.EventTime.LT.UnixNano())
	}
	if !f.RecordTime.GE.IsZero() {
		b.add("e.record_time >= ?", f.RecordTime.GE.UnixNano())
	}
	if !f.RecordTime.LT.IsZero() {
		b.add("e.record_time < ?", f.RecordTime.LT.UnixNano())
	}
	if len(f.Owners) > 0 {
		b.add("e.owner IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Owners)), ",")+")", anys(f.Owners)...)
	}
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func desc(d bool) string {
	if d {
		return " DESC"
	}
	return ""
}

// plan returns the statement that answers sc, or "" when nothing can
// pass.
func (s *Store) plan(ctx context.Context, conn *sql.Conn, sc store.Scan, match string) (string, []any, error) {
	f := sc.Filter
	// Seq bounds lo <= seq < hi from the record time range and, in BySeq
	// order, the cursor. Seqs start at 1.
	lo, hi := int64(1), int64(math.MaxInt64)
	if !f.RecordTime.GE.IsZero() {
		seq, err := firstSeqAtOrAfter(ctx, conn, f.RecordTime.GE)
		if err != nil {
			return "", nil, s.queryErr(ctx, err)
		}
		if seq == 0 {
			return "", nil, nil
		}
		lo = seq
	}
	if !f.RecordTime.LT.IsZero() {
		seq, err := firstSeqAtOrAfter(ctx, conn, f.RecordTime.LT)
		if err != nil {
			return "", nil, s.queryErr(ctx, err)
		}
		if seq > 0 {
			hi = seq
		}
	}
	if c := sc.After; sc.Order == store.BySeq && c != nil {
		if sc.Desc {
			hi = min(hi, c.Seq)
		} else if c.Seq < math.MaxInt64 {
			lo = max(lo, c.Seq+1)
		} else {
			return "", nil, nil
		}
	}
	if lo >= hi {
		return "", nil, nil
	}

	var b sqlBuilder
	var from, order string
	seqCol := "e.seq"
	if match != "" {
		from = "terms CROSS JOIN events e ON e.seq = terms.rowid"
		seqCol = "terms.rowid"
		b.add("terms MATCH ?", match)
	} else if sc.Order == store.BySeq {
		from = "events e NOT INDEXED"
	} else {
		from = "events e INDEXED BY events_event_time"
	}
	if lo > 1 {
		b.add(seqCol+" >= ?", lo)
	}
	if hi < math.MaxInt64 {
		b.add(seqCol+" < ?", hi)
	}
	residual(&b, f)
	switch sc.Order {
	case store.BySeq:
		order = seqCol + desc(sc.Desc)
	case store.ByEventTime:
		if c := sc.After; c != nil {
			op := ">"
			if sc.Desc {
				op = "<"
			}
			b.add("(e.event_time, e.seq) "+op+" (?, ?)", c.Time.UnixNano(), c.Seq)
		}
		order = "e.event_time" + desc(sc.Desc) + ", e.seq" + desc(sc.Desc)
	default:
		return "", nil, fmt.Errorf("sqlitestore: unknown scan order %d", sc.Order)
	}
	return "SELECT " + eventCols + " FROM " + from + b.clause() + " ORDER BY " + order, b.args, nil
}
