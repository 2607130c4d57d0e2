package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/lotline/lotline/store"
)

// Events answers a scan with one of four plans, chosen from cheap capped
// counts (see docs/decisions/0008-sqlite-query-plans.md):
//
//   - stream: one statement gives the answer in order. BySeq with terms
//     reads FTS5 in rowid order and joins each candidate to its row;
//     BySeq without terms reads events by seq; ByEventTime without terms
//     reads the events_event_time index.
//   - sorted (ByEventTime, few term candidates): the candidates' keys are
//     sorted by (event_time, seq), a limited number at a time, and the
//     rows read for the keys kept.
//   - walk (ByEventTime, many term candidates): the events_event_time
//     index is walked in order and each entry tested against the terms'
//     postings in memory (lotline_member, see bits.go) before its row is
//     read.
//   - window (BySeq with an eventTime window holding few events): the
//     window's seqs, tested the same way, are read in seq order.
//
// Every plan reads in one read transaction, so a scan sees one snapshot.

// Costs in µs, measured on BenchmarkEvents' store.
const (
	costLookup = 1.5  // an events row found by seq and tested
	costWalk   = 0.25 // an events_event_time entry tested by lotline_member
	// maxWindow bounds the events of an eventTime window that the window
	// plan collects, and the entries counted to find the window's seqs.
	maxWindow = 20000
)

type planKind uint8

const (
	planStream planKind = iota
	planSorted
	planWalk
	planWindow
)

type scanPlan struct {
	kind planKind
	// The statement, or (sorted) the function that builds it per chunk.
	sql    string
	args   []any
	sorted func(after *store.Cursor, limit int) (string, []any)
	// walk, window: the term tokens whose matcher tests each seq (nil: no
	// terms), and the index in args of the matcher's handle.
	toks      [][]string
	match     string
	memberArg int
}

// Events implements store.Querier.
func (s *Store) Events(ctx context.Context, sc store.Scan, fn func(*store.Event) (bool, error)) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f := sc.Filter
	for _, alts := range f.Terms {
		if len(alts) == 0 {
			return nil // an empty disjunction passes nothing
		}
	}
	if ownersAdmitNothing(f) {
		return nil
	}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return s.queryErr(ctx, err)
	}
	defer conn.Close()
	terms := f.Terms
	if c := grantCandidates(f); c != nil {
		terms = append(slices.Clone(terms), c)
	}
	toks := tokenSets(terms)
	p, err := s.plan(ctx, conn, sc, toks)
	if err != nil || p == nil {
		return s.wrapQueryErr(ctx, err)
	}
	if p.toks != nil {
		if err := s.cacheTokens(ctx, conn, p.toks); err != nil {
			return s.queryErr(ctx, err)
		}
	}
	grants := map[grantArg][][]string{} // the token sets of the grants ownerCond tests
	if f.Owners != nil {
		for k, g := range f.Grants {
			if grantAdmits(g) {
				grants[grantArg(k)] = tokenSets(g.Terms)
				if err := s.cacheTokens(ctx, conn, grants[grantArg(k)]); err != nil {
					return s.queryErr(ctx, err)
				}
			}
		}
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.queryErr(ctx, err)
	}
	defer tx.Rollback()
	r := &scanRun{s: s, ctx: ctx, tx: tx, fn: fn}
	for k, toks := range grants {
		m, err := s.newMatcher(ctx, tx, toks, ftsQuery(toks))
		if err != nil {
			return s.queryErr(ctx, err)
		}
		if r.grants == nil {
			r.grants = map[grantArg]int64{}
		}
		h := registerMatcher(m)
		defer unregisterMatcher(h)
		r.grants[k] = h
	}
	switch p.kind {
	case planStream:
		_, _, err = r.stream(p.sql, p.args)
	case planSorted:
		err = r.sorted(p, sc)
	case planWalk, planWindow:
		err = r.member(p)
	}
	return s.wrapQueryErr(ctx, err)
}

// wrapQueryErr turns the end of a scan into what Events returns.
func (s *Store) wrapQueryErr(ctx context.Context, err error) error {
	var fe fnError
	switch {
	case err == nil, errors.Is(err, errStop):
		return nil
	case errors.As(err, &fe):
		return fe.err
	}
	return s.queryErr(ctx, err)
}

// errStop ends a scan when fn returns false; fnError carries fn's error.
var errStop = errors.New("stop")

type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// scanRun executes a plan in one read transaction.
type scanRun struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	fn  func(*store.Event) (bool, error)
	// grants are the handles of the grants' matchers (see ownerCond).
	grants map[grantArg]int64
}

func (r *scanRun) emit(e *store.Event) error {
	more, err := r.fn(e)
	if err != nil {
		return fnError{err}
	}
	if !more {
		return errStop
	}
	return nil
}

// stream passes each row of q to fn and returns how many it passed and
// the last.
func (r *scanRun) stream(q string, args []any) (int, *store.Event, error) {
	rows, err := r.tx.QueryContext(r.ctx, q, bindGrants(args, r.grants)...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	n := 0
	var last *store.Event
	for rows.Next() {
		if err := r.ctx.Err(); err != nil {
			return n, last, err
		}
		e, err := scanEvent(rows)
		if err != nil {
			return n, last, err
		}
		n++
		last = e
		if err := r.emit(e); err != nil {
			return n, last, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, last, err
	}
	return n, last, r.ctx.Err()
}

// sorted runs a sorted plan a chunk at a time, each chunk after the last
// event of the previous one, growing chunks from the caller's batch size.
func (r *scanRun) sorted(p *scanPlan, sc store.Scan) error {
	limit := sc.BatchSize
	if limit <= 0 {
		limit = 256
	}
	after := sc.After
	for {
		q, args := p.sorted(after, limit)
		n, last, err := r.stream(q, args)
		if err != nil || n < limit {
			return err
		}
		after = &store.Cursor{Time: last.EventTime, Seq: last.Seq}
		limit = min(4*limit, 4096)
	}
}

// member runs a walk or window plan: its statement tests seqs with
// lotline_member against a matcher prepared in the scan's snapshot.
func (r *scanRun) member(p *scanPlan) error {
	if p.toks == nil {
		_, _, err := r.stream(p.sql, p.args)
		return err
	}
	m, err := r.s.newMatcher(r.ctx, r.tx, p.toks, p.match)
	if err != nil {
		return err
	}
	h := registerMatcher(m)
	defer unregisterMatcher(h)
	args := slices.Clone(p.args)
	args[p.memberArg] = h
	_, _, err = r.stream(p.sql, args)
	return err
}

// plan chooses how to answer sc, or returns nil when nothing can pass.
// Its counts run on conn outside the scan's snapshot: they only steer.
func (s *Store) plan(ctx context.Context, conn *sql.Conn, sc store.Scan, toks [][]string) (*scanPlan, error) {
	f := sc.Filter
	match := ftsQuery(toks)
	// Seq bounds lo <= seq < hi from the record time range and, in BySeq
	// order, the cursor (recordTime never decreases along seq).
	lo, hi := int64(1), int64(math.MaxInt64)
	if !f.RecordTime.GE.IsZero() {
		seq, err := firstSeqAtOrAfter(ctx, conn, f.RecordTime.GE)
		if err != nil || seq == 0 {
			return nil, err
		}
		lo = seq
	}
	if !f.RecordTime.LT.IsZero() {
		seq, err := firstSeqAtOrAfter(ctx, conn, f.RecordTime.LT)
		if err != nil {
			return nil, err
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
			return nil, nil
		}
	}
	var last sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT MAX(seq) FROM events`).Scan(&last); err != nil {
		return nil, err
	}
	// Events committed after this may or may not be visited: no bound
	// from last is written into the plan.
	if lo >= hi || last.Int64 < lo {
		return nil, nil
	}

	// An eventTime window holding few events bounds the seqs of the term
	// candidates to sort.
	window := !f.EventTime.GE.IsZero() || !f.EventTime.LT.IsZero()
	windowCount := -1
	if window {
		var b sqlBuilder
		timeRange(&b, f.EventTime, "event_time")
		seqRange(&b, lo, hi, "seq")
		inWindow := "FROM events INDEXED BY events_event_time" + b.clause()
		n, err := countCapped(ctx, conn, "SELECT 1 "+inWindow, maxWindow, b.args...)
		if err != nil || n == 0 {
			return nil, err
		}
		if n < maxWindow {
			windowCount = n
			if match != "" && sc.Order == store.ByEventTime {
				var wlo, whi int64
				if err := conn.QueryRowContext(ctx, "SELECT MIN(seq), MAX(seq) "+inWindow, b.args...).Scan(&wlo, &whi); err != nil {
					return nil, err
				}
				lo, hi = wlo, whi+1
			}
		}
	}
	span := float64(min(hi-1, last.Int64) - lo + 1)
	need := float64(sc.BatchSize)
	if need <= 0 {
		need = span
	}

	var p *scanPlan
	switch {
	case sc.Order == store.ByEventTime && match == "":
		p = s.streamPlan(sc, lo, hi, "")
	case sc.Order == store.ByEventTime:
		// Sort the candidates when that costs less than walking the index
		// to the expected position of the last one needed: n*costLookup
		// against need*span/n*costWalk.
		limit := int(math.Ceil(math.Sqrt(need * span * costWalk / costLookup)))
		n, err := s.countTerms(ctx, conn, match, lo, hi, limit)
		if err != nil {
			return nil, err
		}
		if n < limit {
			p = s.sortedPlan(sc, lo, hi, match)
		} else {
			p = s.seqPlan(planWalk, sc, lo, hi, toks, match)
		}
	case windowCount < 0:
		p = s.streamPlan(sc, lo, hi, match)
	default:
		// BySeq within a small window: collect the window's members and
		// read them in seq order, unless the term candidates are so few
		// that reading them all costs less. (Estimating how many
		// candidates precede the window's in seq order would assume
		// eventTime unrelated to capture order; it is not, so compare
		// bounded worst cases.)
		windowCost := float64(windowCount) * costWalk
		streamRows := span
		if match != "" {
			n, err := s.countTerms(ctx, conn, match, lo, hi, int(windowCost/costLookup)+1)
			if err != nil {
				return nil, err
			}
			streamRows = min(streamRows, float64(n))
		}
		if windowCost < streamRows*costLookup {
			p = s.seqPlan(planWindow, sc, lo, hi, toks, match)
		} else {
			p = s.streamPlan(sc, lo, hi, match)
		}
	}
	if forcePlan != nil {
		switch k := *forcePlan; {
		case k == planStream:
			p = s.streamPlan(sc, lo, hi, match)
		case k == planSorted && sc.Order == store.ByEventTime && match != "":
			p = s.sortedPlan(sc, lo, hi, match)
		case k == planWalk && sc.Order == store.ByEventTime:
			p = s.seqPlan(planWalk, sc, lo, hi, toks, match)
		case k == planWindow && sc.Order == store.BySeq && windowCount >= 0:
			p = s.seqPlan(planWindow, sc, lo, hi, toks, match)
		}
	}
	return p, nil
}

// forcePlan, when set by a test, replaces the chosen plan by this kind
// wherever it can answer the scan.
var forcePlan *planKind

// countTerms counts the events with match in [lo, hi), up to limit.
func (s *Store) countTerms(ctx context.Context, conn *sql.Conn, match string, lo, hi int64, limit int) (int, error) {
	var b sqlBuilder
	b.add("terms MATCH ?", match)
	seqRange(&b, lo, hi, "rowid")
	return countCapped(ctx, conn, "SELECT 1 FROM terms"+b.clause(), limit, b.args...)
}

// streamPlan is one statement in the scan's order.
func (s *Store) streamPlan(sc store.Scan, lo, hi int64, match string) *scanPlan {
	var b sqlBuilder
	var from, order string
	seqCol := "e.seq"
	switch {
	case match != "":
		// FTS5 yields candidates in rowid order (DESC too) and honours
		// rowid bounds; CROSS JOIN keeps it the outer loop.
		from = "terms CROSS JOIN events e ON e.seq = terms.rowid"
		seqCol = "terms.rowid"
		b.add("terms MATCH ?", match)
	case sc.Order == store.BySeq:
		from = "events e NOT INDEXED"
		if ownerIndex(sc.Filter) {
			from = "events e INDEXED BY events_owner"
		}
	default:
		from = "events e INDEXED BY events_event_time"
		if ownerIndex(sc.Filter) {
			from = "events e INDEXED BY events_owner_time"
		}
	}
	seqRange(&b, lo, hi, seqCol)
	f := sc.Filter
	f.EventTime = scanTimes(sc)
	residual(&b, f)
	if sc.Order == store.BySeq {
		order = seqCol + desc(sc.Desc)
	} else {
		cursor(&b, sc)
		order = "e.event_time" + desc(sc.Desc) + ", e.seq" + desc(sc.Desc)
	}
	return &scanPlan{kind: planStream, sql: "SELECT " + eventCols + " FROM " + from + b.clause() + " ORDER BY " + order, args: b.args}
}

// ownerIndex reports whether a scan without terms reads one party's
// events only (no grant admits others'): the owner indexes then give them
// in order, where the table or events_event_time would read every
// party's events to test their owner.
func ownerIndex(f store.Filter) bool {
	return !noOwnerIndex && len(f.Owners) == 1 && !slices.ContainsFunc(f.Grants, grantAdmits)
}

// noOwnerIndex, set by a benchmark, plans as before the owner indexes.
var noOwnerIndex bool

// sortedPlan sorts the keys of the term candidates by eventTime and reads
// the rows of the first limit of them after the cursor.
func (s *Store) sortedPlan(sc store.Scan, lo, hi int64, match string) *scanPlan {
	return &scanPlan{kind: planSorted, sorted: func(after *store.Cursor, limit int) (string, []any) {
		var b sqlBuilder
		b.add("terms MATCH ?", match)
		seqRange(&b, lo, hi, "terms.rowid")
		chunk := sc
		chunk.After = after
		f := sc.Filter
		f.EventTime = scanTimes(chunk)
		residual(&b, f)
		cursor(&b, chunk)
		d := desc(sc.Desc)
		inner := "SELECT e.seq AS kseq, e.event_time AS ktime FROM terms CROSS JOIN events e ON e.seq = terms.rowid" +
			b.clause() + " ORDER BY e.event_time" + d + ", e.seq" + d + fmt.Sprintf(" LIMIT %d", limit)
		return "SELECT " + eventCols + " FROM (" + inner + ") k CROSS JOIN events e ON e.seq = k.kseq ORDER BY k.ktime" + d + ", k.kseq" + d, b.args
	}}
}

// seqPlan walks the events_event_time index: in its order (walk) or over
// a window whose events are then read in seq order (window). Members are
// tested on the index entry, before the row is read.
func (s *Store) seqPlan(kind planKind, sc store.Scan, lo, hi int64, toks [][]string, match string) *scanPlan {
	p := &scanPlan{kind: kind, match: match, memberArg: -1}
	prefix := "" // the window's index scan is a subquery
	if kind == planWalk {
		prefix = "e."
	}
	var b sqlBuilder
	if match != "" {
		p.toks = toks
		p.memberArg = 0
		b.add("lotline_member(?, "+prefix+"seq)", nil)
	}
	timeRange(&b, scanTimes(sc), prefix+"event_time")
	seqRange(&b, lo, hi, prefix+"seq")
	if kind == planWalk {
		cursor(&b, sc)
		residual(&b, store.Filter{RecordTime: sc.Filter.RecordTime, Owners: sc.Filter.Owners, Grants: sc.Filter.Grants})
		d := desc(sc.Desc)
		p.sql = "SELECT " + eventCols + " FROM events e INDEXED BY events_event_time" + b.clause() +
			" ORDER BY e.event_time" + d + ", e.seq" + d
		p.args = b.args
		return p
	}
	inner := "SELECT seq FROM events INDEXED BY events_event_time" + b.clause()
	var o sqlBuilder
	o.args = b.args
	o.add("e.seq IN (" + inner + ")")
	residual(&o, store.Filter{RecordTime: sc.Filter.RecordTime, Owners: sc.Filter.Owners, Grants: sc.Filter.Grants})
	p.sql = "SELECT " + eventCols + " FROM events e" + o.clause() + " ORDER BY e.seq" + desc(sc.Desc)
	p.args = o.args
	return p
}

// scanTimes is the eventTime range of sc, narrowed in ByEventTime order
// to the side of the cursor to visit, so that an index scan starts at the
// cursor rather than filtering up to it.
func scanTimes(sc store.Scan) store.TimeRange {
	r := sc.Filter.EventTime
	c := sc.After
	if c == nil || sc.Order != store.ByEventTime {
		return r
	}
	if sc.Desc {
		if lt := c.Time.Add(1); r.LT.IsZero() || lt.Before(r.LT) {
			r.LT = lt
		}
	} else if r.GE.IsZero() || c.Time.After(r.GE) {
		r.GE = c.Time
	}
	return r
}

// seqRange adds lo <= col < hi, leaving out open bounds.
func seqRange(b *sqlBuilder, lo, hi int64, col string) {
	if lo > 1 {
		b.add(col+" >= ?", lo)
	}
	if hi < math.MaxInt64 {
		b.add(col+" < ?", hi)
	}
}

// cursor adds the ByEventTime keyset condition on e.
func cursor(b *sqlBuilder, sc store.Scan) {
	c := sc.After
	if c == nil || sc.Order != store.ByEventTime {
		return
	}
	op := ">"
	if sc.Desc {
		op = "<"
	}
	b.add("(e.event_time, e.seq) "+op+" (?, ?)", c.Time.UnixNano(), c.Seq)
}
