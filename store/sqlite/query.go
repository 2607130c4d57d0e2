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
// f.Owners or a grant admits the event. Grant k is tested as
// "[e.owner = ? AND] lotline_member(grantArg(k), e.seq) [AND its eventTime
// bounds]": Events binds grantArg(k) to a matcher of the grant's terms
// (see bits.go), whose bitmaps make a grant of a term carried by many
// events (a business step, a busy GTIN) as cheap as a rare one. (An
// "e.seq IN (SELECT rowid FROM terms WHERE terms MATCH ?)" reads every
// posting of the grant's terms for each statement: 16 ms a page at
// 100,000 events for one business step, growing with the store.)
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
	for k, g := range f.Grants {
		if !grantAdmits(g) {
			continue
		}
		var gb sqlBuilder
		if g.Owner != "" {
			gb.add("e.owner = ?", g.Owner)
		}
		gb.add("lotline_member(?, e.seq)", grantArg(k))
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

// grantArg is the placeholder of the matcher handle of Filter.Grants[k]
// in a statement's arguments; scanRun.stream binds it. The driver
// rejects one left unbound.
type grantArg int

// bindGrants returns args with each grantArg replaced by its handle.
func bindGrants(args []any, handles map[grantArg]int64) []any {
	if len(handles) == 0 {
		return args
	}
	out := slices.Clone(args)
	for i, a := range out {
		if k, ok := a.(grantArg); ok {
			out[i] = handles[k]
		}
	}
	return out
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

// grantCandidates returns, when only grants admit events (Owners is
// empty), a disjunction of terms every admitted event has: the shortest
// disjunction of each grant. Planned as one more term conjunct, it lets
// the index find the candidates instead of a scan testing every event;
// the owner condition still decides. It returns nil otherwise.
func grantCandidates(f store.Filter) []string {
	if f.Owners == nil || len(f.Owners) > 0 {
		return nil
	}
	var out []string
	for _, g := range f.Grants {
		if !grantAdmits(g) {
			continue
		}
		shortest := g.Terms[0]
		for _, alts := range g.Terms[1:] {
			if len(alts) < len(shortest) {
				shortest = alts
			}
		}
		out = append(out, shortest...)
	}
	return out
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
