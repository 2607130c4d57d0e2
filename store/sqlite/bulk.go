package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/store"
)

// The bulk path (lotline import) writes many thousands of already
// prepared events in one transaction. Unlike AddEvents, which inserts
// events one statement each inside a savepoint per batch (so that every
// event of an atomic batch can be refused on its own) and writes a
// group's terms and values after, ImportEvents:
//
//   - drops the events whose UniqueKey is already stored, or earlier in
//     the same call, and counts them (an import that is run again after an
//     interruption stores nothing twice);
//   - sorts the rest by eventTime, so the eventTime indexes grow at a few
//     places rather than at random ones, and seq order follows eventTime
//     within a load;
//   - inserts events and value rows with multi-row statements of
//     bulkRows rows, and the FTS5 rows of the call in one statement (see
//     bulkTermRows); BenchmarkWritePath measures this against AddEvents,
//     which on a quiet machine is no slower;
//   - collects the value listings' rows of the whole call in memory and
//     writes each distinct one once, in key order.
//
// See docs/decisions/0017-bulk-import-path.md.

// bulkRows is the number of rows of one multi-row INSERT. Eight columns
// of 256 rows stay far below SQLite's limit of 32,766 bound parameters.
const bulkRows = 256

// bulkTermRows is the number of rows of one INSERT into the FTS5 table.
// FTS5 writes its pending postings as a new segment at the start of each
// statement that runs in a statement journal, as a multi-row INSERT
// does, so the term rows of a transaction go in as few statements as
// the bound-parameter limit allows (two parameters a row).
const bulkTermRows = 16_000

// bulkCacheKiB is the writer's page cache during a bulk transaction
// (SQLite's default is 2,000 KiB).
const bulkCacheKiB = 48 << 10

// ImportEvents stores prepared events in one transaction, like a
// non-atomic AddEvents batch without a job, and returns how many it
// stored and how many it skipped because their UniqueKey was already
// stored (or appeared earlier in evs). md is merged into the stored master
// data. The stored events get Seq and RecordTime. It returns an error only
// when the store failed; nothing of the call is stored then.
func (s *Store) ImportEvents(ctx context.Context, evs []*store.Event, md []store.VocabularyElement) (stored, skipped int, err error) {
	order := make([]*store.Event, 0, len(evs))
	seen := make(map[string]struct{}, len(evs))
	for _, e := range evs {
		if _, dup := seen[e.UniqueKey]; dup {
			skipped++
			continue
		}
		seen[e.UniqueKey] = struct{}{}
		order = append(order, e)
	}
	slices.SortStableFunc(order, func(a, b *store.Event) int { return a.EventTime.Compare(b.EventTime) })

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, 0, store.ErrClosed
	}
	rt := s.nextRecordTime()
	// A bulk transaction touches many pages of the indexes; with the
	// writer's own page cache SQLite spills them to the WAL (and writes
	// some many times) before the commit, so it gets a larger one. The
	// writer's memory map is off too: a bulk load touches index pages all
	// over a growing file, and every mapped page it touched would count in
	// the process's RSS (up to mmap_size, 1 GiB), where the page cache is
	// bounded. Both are put back to the writer's settings afterwards (a
	// multi-row INSERT's statement journal stays in memory by the writer's
	// temp_store).
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d; PRAGMA mmap_size = 0", bulkCacheKiB)); err != nil {
		return 0, 0, fmt.Errorf("sqlitestore: %w", err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+cacheSize+"; PRAGMA mmap_size = "+mmapSize)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlitestore: begin: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	b := bulkWriter{tx: tx}
	defer b.close()

	seqs, err := b.insertEvents(ctx, order, rt)
	if err != nil {
		return 0, 0, err
	}
	var done []*store.Event
	var committed []committedEvent
	for i, e := range order {
		if seqs[i] == 0 {
			skipped++
			continue
		}
		done = append(done, e)
		committed = append(committed, committedEvent{seq: seqs[i], terms: e.Terms})
	}
	if err := b.insertTerms(ctx, committed); err != nil {
		return 0, 0, err
	}
	written := bulkValues(done, &s.recent)
	if err := b.insertValues(ctx, written); err != nil {
		return 0, 0, err
	}
	if len(md) > 0 && (len(done) > 0 || len(evs) == 0) {
		if err := putMasterDataTx(ctx, tx, md, rt); err != nil {
			return 0, 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		s.terms.forget()
		return 0, 0, fmt.Errorf("sqlitestore: commit: %w", err)
	}
	s.lastRecord = rt
	s.compact.lastWrite.Store(time.Now().UnixNano())
	for _, v := range written {
		s.recent.add(v)
	}
	prevSeq := s.lastSeq
	for i, e := range order {
		if seqs[i] > 0 {
			e.Seq, e.RecordTime, e.CaptureID = seqs[i], rt, ""
			s.lastSeq = max(s.lastSeq, seqs[i])
		}
	}
	s.terms.committed(committed, prevSeq, s.lastSeq)
	return len(done), skipped, nil
}

// bulkWriter holds the multi-row statements of one ImportEvents
// transaction, prepared for bulkRows rows (a shorter last chunk is
// prepared on its own).
type bulkWriter struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	args  []any
	toks  []byte
}

func (b *bulkWriter) close() {
	for _, st := range b.stmts {
		st.Close()
	}
}

// stmt returns the statement head + rows copies of row (comma-separated)
// + tail, prepared once per transaction.
func (b *bulkWriter) stmt(ctx context.Context, head, row, tail string, rows int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s|%d", head, rows)
	if st, ok := b.stmts[key]; ok {
		return st, nil
	}
	q := head + strings.TrimSuffix(strings.Repeat(row+",", rows), ",") + tail
	st, err := b.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: prepare bulk insert: %w", err)
	}
	if b.stmts == nil {
		b.stmts = map[string]*sql.Stmt{}
	}
	b.stmts[key] = st
	return st, nil
}

// insertEvents inserts evs and returns the seq of each, or 0 for an event
// whose UniqueKey was already stored.
func (b *bulkWriter) insertEvents(ctx context.Context, evs []*store.Event, rt time.Time) ([]int64, error) {
	seqs := make([]int64, len(evs))
	at := make(map[string]int, bulkRows)
	for lo := 0; lo < len(evs); lo += bulkRows {
		chunk := evs[lo:min(lo+bulkRows, len(evs))]
		st, err := b.stmt(ctx, `INSERT INTO events (ukey, event_id, type, event_time, record_time, owner, capture_id, body) VALUES `,
			`(?,?,?,?,?,?,'',?)`, ` ON CONFLICT(ukey) DO NOTHING RETURNING seq, ukey`, len(chunk))
		if err != nil {
			return nil, err
		}
		b.args = b.args[:0]
		clear(at)
		for i, e := range chunk {
			b.args = append(b.args, e.UniqueKey, e.EventID, e.Type, e.EventTime.UnixNano(), rt.UnixNano(), e.Owner, e.Body)
			at[e.UniqueKey] = lo + i
		}
		rows, err := st.QueryContext(ctx, b.args...)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: bulk insert events: %w", err)
		}
		for rows.Next() {
			var seq int64
			var ukey string
			if err := rows.Scan(&seq, &ukey); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlitestore: bulk insert events: %w", err)
			}
			seqs[at[ukey]] = seq
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("sqlitestore: bulk insert events: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlitestore: bulk insert events: %w", err)
		}
	}
	return seqs, nil
}

// insertTerms adds the FTS5 rows of the stored events, in seq order.
func (b *bulkWriter) insertTerms(ctx context.Context, evs []committedEvent) error {
	withTerms := make([]committedEvent, 0, len(evs))
	for _, e := range evs {
		if len(e.terms) > 0 {
			withTerms = append(withTerms, e)
		}
	}
	ends := make([]int, min(bulkTermRows, len(withTerms)))
	for lo := 0; lo < len(withTerms); lo += bulkTermRows {
		chunk := withTerms[lo:min(lo+bulkTermRows, len(withTerms))]
		st, err := b.stmt(ctx, `INSERT INTO terms (rowid, tokens) VALUES `, `(?,?)`, ``, len(chunk))
		if err != nil {
			return err
		}
		// The tokens of a chunk share one buffer, cut into one slice per
		// row once it has stopped growing.
		b.toks = b.toks[:0]
		for i, e := range chunk {
			b.toks = appendTokens(b.toks, e.terms)
			ends[i] = len(b.toks)
		}
		b.args = b.args[:0]
		start := 0
		for i, e := range chunk {
			b.args = append(b.args, e.seq, b.toks[start:ends[i]:ends[i]])
			start = ends[i]
		}
		if _, err := st.ExecContext(ctx, b.args...); err != nil {
			return fmt.Errorf("sqlitestore: bulk index events: %w", err)
		}
	}
	return nil
}

// bulkValues returns, sorted by key, the value rows the stored events add
// that the writer does not know to be stored already: each value for
// every owner and, but for store.LocalOwner, for the event's owner (as
// writeValues records them).
func bulkValues(done []*store.Event, recent *recentValues) []store.Value {
	set := map[store.Value]struct{}{}
	for _, e := range done {
		for _, v := range e.Values {
			if !recent.has(v) {
				set[v] = struct{}{}
			}
			if e.Owner != store.LocalOwner {
				w := store.Value{Kind: store.OwnedValueKind(v.Kind, e.Owner), Value: v.Value}
				if !recent.has(w) {
					set[w] = struct{}{}
				}
			}
		}
	}
	out := make([]store.Value, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b store.Value) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	return out
}

func (b *bulkWriter) insertValues(ctx context.Context, vals []store.Value) error {
	for lo := 0; lo < len(vals); lo += bulkRows {
		chunk := vals[lo:min(lo+bulkRows, len(vals))]
		st, err := b.stmt(ctx, `INSERT OR IGNORE INTO vals (kind, value) VALUES `, `(?,?)`, ``, len(chunk))
		if err != nil {
			return err
		}
		b.args = b.args[:0]
		for _, v := range chunk {
			b.args = append(b.args, string(v.Kind), v.Value)
		}
		if _, err := st.ExecContext(ctx, b.args...); err != nil {
			return fmt.Errorf("sqlitestore: bulk record values: %w", err)
		}
	}
	return nil
}
