package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/store"
)

const eventCols = `e.seq, e.ukey, e.event_id, e.type, e.event_time, e.record_time, e.owner, e.capture_id, e.body`

// ftsQuery returns the FTS5 query for token sets (see tokenSets): "a AND
// (b OR c)". It is "" for no sets.
func ftsQuery(toks [][]string) string {
	var b strings.Builder
	for i, alts := range toks {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if len(alts) == 1 {
			b.WriteString(alts[0])
			continue
		}
		b.WriteString("(" + strings.Join(alts, " OR ") + ")")
	}
	return b.String()
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
	timeRange(b, f.EventTime, "e.event_time")
	timeRange(b, f.RecordTime, "e.record_time")
	ownerCond(b, f)
}

// ownerCond adds the owner part of f: the event's owner is one of
// f.Owners or a grant admits the event. Each grant is tested as
// "[e.owner = ? AND] e.seq IN (the FTS5 match of its terms) [AND its
// eventTime bounds]"; SQLite evaluates the subquery once per statement.
func ownerCond(b *sqlBuilder, f store.Filter) {
	if f.Owners == nil {
		return
	}
	var alts []string
	var args []any
	if len(f.Owners) > 0 {
		alts = append(alts, "e.owner IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Owners)), ",")+")")
		args = append(args, anys(f.Owners)...)
	}
	for _, g := range f.Grants {
		if !grantAdmits(g) {
			continue
		}
		var gb sqlBuilder
		if g.Owner != "" {
			gb.add("e.owner = ?", g.Owner)
		}
		gb.add("e.seq IN (SELECT rowid FROM terms WHERE terms MATCH ?)", ftsQuery(tokenSets(g.Terms)))
		timeRange(&gb, g.EventTime, "e.event_time")
		alts = append(alts, strings.Join(gb.where, " AND "))
		args = append(args, gb.args...)
	}
	switch len(alts) {
	case 0:
		b.add("0") // Events returns before planning; kept for safety
	case 1:
		b.add(alts[0], args...)
	default:
		b.add("(("+strings.Join(alts, ") OR (")+"))", args...)
	}
}

// grantAdmits reports whether g can admit any event: it has terms and
// none of its disjunctions is empty.
func grantAdmits(g store.Grant) bool {
	if len(g.Terms) == 0 {
		return false
	}
	for _, alts := range g.Terms {
		if len(alts) == 0 {
			return false
		}
	}
	return true
}

// ownersAdmitNothing reports whether the owner part of f passes no event.
func ownersAdmitNothing(f store.Filter) bool {
	return f.Owners != nil && len(f.Owners) == 0 && !slices.ContainsFunc(f.Grants, grantAdmits)
}

// timeRange adds the bounds of r on col.
func timeRange(b *sqlBuilder, r store.TimeRange, col string) {
	if !r.GE.IsZero() {
		b.add(col+" >= ?", r.GE.UnixNano())
	}
	if !r.LT.IsZero() {
		b.add(col+" < ?", r.LT.UnixNano())
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
