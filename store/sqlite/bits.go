package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// Walking the events_event_time index and keeping the events that have a
// term needs a membership test per index entry. Asking FTS5 costs 20-60
// µs per probe (it sets the whole query up each time), so for terms
// carried by many events the store keeps, in memory, the set of seqs of
// each such token as a bitmap: a probe is then a few nanoseconds. The
// writer adds the seqs of each committed batch to the cached bitmaps, and
// each bitmap records the seq up to which it is complete; a reader asks
// FTS5 for the few seqs above that mark. See
// docs/decisions/0008-sqlite-query-plans.md.

// Tuning, as variables so that tests can force every plan.
var (
	// cacheMinPostings is the number of events a token must have for its
	// bitmap to be cached; rarer tokens are read from FTS5 per query.
	cacheMinPostings = 4096
	// cacheMaxBytes bounds the memory of the cached bitmaps.
	cacheMaxBytes = 64 << 20
)

// bitset is a set of seqs. Words are read and written atomically: the
// writer sets bits of new seqs while readers test older ones in the same
// word.
type bitset []uint64

func (b bitset) has(seq int64) bool {
	i := uint64(seq) >> 6
	return i < uint64(len(b)) && atomic.LoadUint64(&b[i])&(1<<(uint64(seq)&63)) != 0
}

// set sets seq, growing b when needed (callers hold termCache.mu).
func (b bitset) set(seq int64) bitset {
	i := int(uint64(seq) >> 6)
	switch {
	case i < len(b):
	case i < cap(b):
		b = b[:i+1] // words past len are zero and seen by no reader
	default:
		n := make(bitset, i+1, max(2*cap(b), i+1, 1024))
		for k := range b {
			n[k] = atomic.LoadUint64(&b[k])
		}
		b = n
	}
	atomic.OrUint64(&b[i], 1<<(uint64(seq)&63))
	return b
}

func (b bitset) bytes() int { return 8 * cap(b) }

// cachedBits is the bitmap of one token, complete for all committed seqs
// up to upTo.
type cachedBits struct {
	bits bitset
	upTo int64
	used uint64 // last use, for eviction
}

// termCache holds the bitmaps of frequent tokens.
type termCache struct {
	mu      sync.RWMutex
	m       map[uint64]*cachedBits // by token hash
	loading map[uint64]chan struct{}
	bytes   int
	clock   atomic.Uint64
	// rare remembers tokens counted below cacheMinPostings, so that a
	// scan asking for them again (a reader's grants, on every query) does
	// not count them again until enough events came to make them frequent.
	rare  map[uint64]rareMark
	exprs map[string]exprMemo // see rareSeqs
	last  atomic.Int64        // the largest seq committed since the store opened
}

// rareMark is a token's count of postings when last counted, and the
// largest seq committed then.
type rareMark struct {
	n  int
	at int64
}

// maxRare bounds the remembered rare tokens (a few MB).
const maxRare = 1 << 16

// exprMemo is the seqs matching an FTS5 expression of rare tokens, all
// of them up to upTo.
type exprMemo struct {
	seqs []int64
	upTo int64
}

// Bounds of the expression memo: expressions (a reader's grants) and the
// seqs of one (a grant of a rare term matches few events).
const (
	maxExprs    = 1024
	maxExprSeqs = 4096 // so at most 32 MB in all
)

// rareSeqs returns the seqs matching an expression of rare tokens (or one
// rare token) in q's snapshot, whose largest seq is last: from the memo, with only the seqs committed since read from
// FTS5, so that a reader's grants cost one index read per commit rather
// than per scan. A memo newer than the snapshot serves as it is: the
// seqs beyond the snapshot are never asked about.
func (s *Store) rareSeqs(ctx context.Context, q querier, match string, last int64) ([]int64, error) {
	c := &s.terms
	c.mu.RLock()
	memo, ok := c.exprs[match]
	c.mu.RUnlock()
	if ok && memo.upTo >= last {
		return memo.seqs, nil
	}
	from := int64(0)
	if ok {
		from = memo.upTo
	}
	tail, err := seqs(ctx, q, `SELECT rowid FROM terms WHERE terms MATCH ? AND rowid > ? ORDER BY rowid`, match, from)
	if err != nil {
		return nil, err
	}
	list := append(slices.Clip(memo.seqs), tail...)
	if len(list) <= maxExprSeqs {
		c.mu.Lock()
		if c.exprs == nil || len(c.exprs) >= maxExprs {
			c.exprs = map[string]exprMemo{}
		}
		if old, ok := c.exprs[match]; !ok || old.upTo < last {
			c.exprs[match] = exprMemo{seqs: list, upTo: last}
		}
		c.mu.Unlock()
	}
	return list, nil
}

// stillRare reports whether tok was counted rare and too few events came
// since for it to have become frequent.
func (c *termCache) stillRare(tok string) bool {
	c.mu.RLock()
	r, ok := c.rare[termHash(tok)]
	c.mu.RUnlock()
	return ok && int64(r.n)+(c.last.Load()-r.at) < int64(cacheMinPostings)
}

// markRare remembers that tok had n postings, fewer than cacheMinPostings.
func (c *termCache) markRare(tok string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rare == nil || len(c.rare) >= maxRare {
		c.rare = map[uint64]rareMark{}
	}
	c.rare[termHash(tok)] = rareMark{n: n, at: c.last.Load()}
}

// postings is what a query needs of one token: its bitmap up to a mark,
// or (for a rare token) all its seqs in the reader's snapshot.
type postings struct {
	bits bitset
	upTo int64
	list []int64 // sorted; used when bits is nil
}

func (p *postings) has(seq int64) bool {
	if p.bits != nil {
		return p.bits.has(seq)
	}
	_, ok := slices.BinarySearch(p.list, seq)
	return ok
}

// get returns the cached postings of tok.
func (c *termCache) get(tok string) (postings, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[tokenHash(tok)]
	if !ok {
		return postings{}, false
	}
	atomic.StoreUint64(&e.used, c.clock.Add(1))
	return postings{bits: e.bits, upTo: e.upTo}, true
}

// load reads the postings of tok into the cache. The bulk is read without
// the lock; the seqs committed meanwhile are read under it, so that no
// commit falls between what load read and what the writer adds. Readers
// asking for a token being loaded wait for it.
func (c *termCache) load(ctx context.Context, db *sql.Conn, tok string) (postings, error) {
	h := tokenHash(tok)
	for {
		c.mu.Lock()
		if e, ok := c.m[h]; ok {
			c.mu.Unlock()
			return postings{bits: e.bits, upTo: e.upTo}, nil
		}
		wait, busy := c.loading[h]
		if !busy {
			if c.loading == nil {
				c.loading = map[uint64]chan struct{}{}
			}
			c.loading[h] = make(chan struct{})
			c.mu.Unlock()
			break
		}
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return postings{}, ctx.Err()
		}
	}
	defer func() {
		c.mu.Lock()
		close(c.loading[h])
		delete(c.loading, h)
		c.mu.Unlock()
	}()
	var b bitset
	upTo, err := readPostings(ctx, db, tok, 0, func(seq int64) { b = b.set(seq) })
	if err != nil {
		return postings{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	upTo2, err := readPostings(ctx, db, tok, upTo, func(seq int64) { b = b.set(seq) })
	if err != nil {
		return postings{}, err
	}
	upTo = max(upTo, upTo2)
	for c.bytes+b.bytes() > cacheMaxBytes && len(c.m) > 0 {
		c.evictLocked()
	}
	if c.m == nil {
		c.m = map[uint64]*cachedBits{}
	}
	c.m[h] = &cachedBits{bits: b, upTo: upTo, used: c.clock.Add(1)}
	c.bytes += b.bytes()
	return postings{bits: b, upTo: upTo}, nil
}

func (c *termCache) evictLocked() {
	var victim uint64
	oldest := uint64(1<<64 - 1)
	for tok, e := range c.m {
		if u := atomic.LoadUint64(&e.used); u < oldest {
			victim, oldest = tok, u
		}
	}
	c.bytes -= c.m[victim].bits.bytes()
	delete(c.m, victim)
}

// readPostings calls fn with each seq above after that has tok, in one
// snapshot, and returns the largest seq committed in it. The seqs come
// as one group_concat text: a row per seq through database/sql costs
// several times more.
func readPostings(ctx context.Context, db *sql.Conn, tok string, after int64, fn func(int64)) (int64, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM events`).Scan(&last); err != nil {
		return 0, err
	}
	var list sql.RawBytes
	rows, err := tx.QueryContext(ctx, `SELECT group_concat(rowid) FROM terms WHERE terms MATCH ? AND rowid > ? AND rowid <= ?`, tok, after, last.Int64)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&list); err != nil {
			return 0, err
		}
	}
	var seq int64
	for _, c := range list {
		if c == ',' {
			fn(seq)
			seq = 0
			continue
		}
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("sqlitestore: unexpected %q in a list of seqs", c)
		}
		seq = 10*seq + int64(c-'0')
	}
	if len(list) > 0 {
		fn(seq)
	}
	return last.Int64, rows.Err()
}

// committed adds the events of a commit to the cached bitmaps. prev is
// the largest seq committed before it, last the largest after. A bitmap
// complete up to prev becomes complete up to last.
func (c *termCache) committed(evs []committedEvent, prev, last int64) {
	c.last.Store(last)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) == 0 {
		return
	}
	for _, e := range evs {
		for _, t := range e.terms {
			if cb, ok := c.m[termHash(t)]; ok {
				old := cb.bits.bytes()
				cb.bits = cb.bits.set(e.seq)
				c.bytes += cb.bits.bytes() - old
			}
		}
	}
	for _, cb := range c.m {
		if cb.upTo >= prev {
			cb.upTo = max(cb.upTo, last)
		}
	}
}

// forget drops every bitmap: after a failed commit, seqs the writer may
// have added could be given to other events.
func (c *termCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.bytes, c.rare, c.exprs = nil, 0, nil, nil
}

type committedEvent struct {
	seq   int64
	terms []string
}

// matcher tests seqs against a conjunction of token disjunctions: from
// the postings up to mark, and from the seqs FTS5 gave above it (tail).
type matcher struct {
	conj [][]*postings
	mark int64
	tail []int64 // sorted
}

func (m *matcher) has(seq int64) bool {
	if seq > m.mark {
		_, ok := slices.BinarySearch(m.tail, seq)
		return ok
	}
	for _, alts := range m.conj {
		ok := false
		for _, p := range alts {
			if p.has(seq) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// tokenSets returns the token lists of a term expression (one per
// conjunct, without repeats).
func tokenSets(terms [][]string) [][]string {
	out := make([][]string, len(terms))
	for i, alts := range terms {
		for _, t := range alts {
			out[i] = append(out[i], token(t))
		}
		slices.Sort(out[i])
		out[i] = slices.Compact(out[i])
	}
	return out
}

// cacheTokens makes sure the bitmaps of the frequent tokens among toks
// are cached. It runs on conn outside the reader's snapshot: a bitmap
// carries its own mark.
func (s *Store) cacheTokens(ctx context.Context, conn *sql.Conn, toks [][]string) error {
	for _, alts := range toks {
		for _, tok := range alts {
			if _, ok := s.terms.get(tok); ok || s.terms.stillRare(tok) {
				continue
			}
			n, err := countCapped(ctx, conn, `SELECT 1 FROM terms WHERE terms MATCH ?`, cacheMinPostings, tok)
			if err != nil {
				return err
			}
			if n < cacheMinPostings {
				s.terms.markRare(tok, n)
			} else {
				if _, err := s.terms.load(ctx, conn, tok); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// newMatcher prepares a matcher for the tokens toks (see tokenSets) of
// the FTS5 query match, in the reader's snapshot q: cached bitmaps for
// the frequent tokens, the seqs of the others read in q, and the seqs
// above the bitmaps' mark read in q.
func (s *Store) newMatcher(ctx context.Context, q querier, toks [][]string, match string) (*matcher, error) {
	m := &matcher{mark: 1<<63 - 1}
	// When no token is cached, one FTS5 query of the whole expression
	// gives the matching seqs at once, instead of one query per token (a
	// reader's grants are asked on every scan).
	cached := false
	for _, alts := range toks {
		for _, tok := range alts {
			if _, ok := s.terms.get(tok); ok {
				cached = true
			}
		}
	}
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(seq) FROM events`).Scan(&last); err != nil {
		return nil, err
	}
	if !cached {
		list, err := s.rareSeqs(ctx, q, match, last.Int64)
		if err != nil {
			return nil, err
		}
		m.conj = [][]*postings{{{list: list}}}
		return m, nil
	}
	for _, alts := range toks {
		var ps []*postings
		for _, tok := range alts {
			p, ok := s.terms.get(tok)
			if !ok {
				var err error
				if p.list, err = s.rareSeqs(ctx, q, tok, last.Int64); err != nil {
					return nil, err
				}
			} else {
				m.mark = min(m.mark, p.upTo)
			}
			ps = append(ps, &p)
		}
		m.conj = append(m.conj, ps)
	}
	if m.mark == 1<<63-1 {
		return m, nil
	}
	// FTS5 takes a while to find nothing above the mark: ask only when the
	// snapshot has seqs above it.
	if last.Int64 > m.mark {
		var err error
		m.tail, err = seqs(ctx, q, `SELECT rowid FROM terms WHERE terms MATCH ? AND rowid > ? ORDER BY rowid`, match, m.mark)
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Matchers are found by lotline_member(handle, seq) through a registry:
// SQLite functions are registered once per process with the driver.
var (
	matchers      sync.Map // handle (int64) -> *matcher
	matcherHandle atomic.Int64
	registerOnce  sync.Once
	registerErr   error
)

// registerMemberFunc registers lotline_member with the driver; it must
// run before the store's connections are opened.
func registerMemberFunc() error {
	registerOnce.Do(func() {
		registerErr = sqlite.RegisterDeterministicScalarFunction("lotline_member", 2,
			func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				h, _ := args[0].(int64)
				seq, _ := args[1].(int64)
				m, ok := matchers.Load(h)
				if !ok {
					return nil, fmt.Errorf("lotline_member: no matcher %d", h)
				}
				return m.(*matcher).has(seq), nil
			})
	})
	return registerErr
}

func registerMatcher(m *matcher) int64 {
	h := matcherHandle.Add(1)
	matchers.Store(h, m)
	return h
}

func unregisterMatcher(h int64) { matchers.Delete(h) }

// querier is a *sql.Tx or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// countCapped counts the rows of q, stopping at limit.
func countCapped(ctx context.Context, db querier, q string, limit int, args ...any) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+` LIMIT `+fmt.Sprint(limit)+`)`, args...).Scan(&n)
	return n, err
}

// seqs returns the integers q selects.
func seqs(ctx context.Context, db querier, q string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
