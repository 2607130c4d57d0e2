// Package sqlitestore is Lotline's embedded default store: one SQLite
// database file in a data directory, written through the pure-Go
// modernc.org/sqlite driver so the binary builds without cgo.
//
// The database runs in WAL mode with synchronous=FULL, so a batch is on disk
// before AddEvents returns. All writes go through one connection (SQLite
// has one writer anyway); reads use a pool and see only committed
// transactions, which is what makes an atomic batch all-or-nothing for
// readers. Index terms live in an FTS5 full-text index (see terms.go).
package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lotline/lotline/store"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the database file inside the data directory.
const FileName = "lotline.db"

// Writer connection settings (docs/decisions/0016-sqlite-group-commit-and-pragmas.md).
const (
	// pageSize applies to databases created from now on; fewer, larger
	// pages mean fewer WAL frames (two write calls each) per commit.
	pageSize = "8192"
	// cacheSize is the writer's page cache in KiB (negative means KiB).
	cacheSize = "-32768"
	// mmapSize lets the writer read pages from the mapped file instead of
	// one pread per page missing from the cache.
	mmapSize = "1073741824"
	// walAutocheckpoint is the WAL size in pages that triggers a
	// checkpoint at commit: fewer, larger checkpoints write a hot page once
	// for many commits.
	walAutocheckpoint = "4000"
)

// Store is a store.Store on SQLite. It is safe for concurrent use.
type Store struct {
	path string
	w    *sql.DB // the single writer connection
	r    *sql.DB // readers

	mu         sync.Mutex // serialises writers and guards lastRecord and recent
	lastRecord time.Time
	closed     bool
	isClosed   atomic.Bool  // closed, for readers that must not wait for a writer
	recent     recentValues // values known to be in vals
	lastSeq    int64        // the largest committed seq (guarded by mu)

	terms termCache // bitmaps of frequent terms (see bits.go)

	qmu   sync.Mutex      // guards queue
	queue []*pendingBatch // batches waiting for the next group commit

	// Writer statements, prepared once on the writer connection and
	// reused by every transaction (see writeStmts). Guarded by mu.
	ws writeStmts

	compact compaction // term index compaction when idle (compact.go)
}

var _ store.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS events (
	seq         INTEGER PRIMARY KEY,
	ukey        TEXT    NOT NULL UNIQUE,
	event_id    TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	event_time  INTEGER NOT NULL,
	record_time INTEGER NOT NULL,
	owner       TEXT    NOT NULL,
	capture_id  TEXT    NOT NULL,
	body        BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_event_time ON events(event_time, seq);
CREATE INDEX IF NOT EXISTS events_record_time ON events(record_time, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5(tokens, content='', detail=none, tokenize='ascii');
CREATE TABLE IF NOT EXISTS jobs (
	id         TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	running    INTEGER NOT NULL,
	doc        BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_owner_created ON jobs(owner, created_at, id);
CREATE INDEX IF NOT EXISTS jobs_running ON jobs(running, updated_at);
CREATE TABLE IF NOT EXISTS vals (
	kind  TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS masterdata (
	type       TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	doc        BLOB    NOT NULL,
	PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queries (
	name       TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	body       BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS queries_owner ON queries(owner, name);
` + subscriptionsSchema

// Open opens (creating if needed) the store in dir, migrating an older
// schema (see migrate.go) without logging.
func Open(ctx context.Context, dir string) (*Store, error) {
	return OpenLog(ctx, dir, slog.New(slog.DiscardHandler))
}

// OpenLog is Open with a logger for schema migrations.
func OpenLog(ctx context.Context, dir string, log *slog.Logger) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	if err := registerMemberFunc(); err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// page_size comes first: it only takes effect on a new database, before
	// WAL mode is set. See docs/decisions/0016-sqlite-group-commit-and-pragmas.md
	// for each setting; synchronous stays FULL, so a commit is on disk
	// before any job of its group is acknowledged.
	dsn := "file:" + path + "?_pragma=page_size(" + pageSize + ")&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(OFF)&_pragma=cache_size(" + cacheSize + ")" +
		"&_pragma=mmap_size(" + mmapSize + ")&_pragma=wal_autocheckpoint(" + walAutocheckpoint + ")" +
		"&_pragma=temp_store(MEMORY)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w, path, log); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=mmap_size(1073741824)&_pragma=temp_store(MEMORY)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	n := runtime.GOMAXPROCS(0) * 2
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{path: path, w: w, r: r}
	s.ws.db = w
	var last, lastSeq sql.NullInt64
	if err := w.QueryRowContext(ctx, `SELECT MAX(record_time), MAX(seq) FROM events`).Scan(&last, &lastSeq); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	if last.Valid {
		s.lastRecord = time.Unix(0, last.Int64).UTC()
	}
	s.lastSeq = lastSeq.Int64
	s.startCompactor()
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	s.stopCompactor()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.isClosed.Store(true)
	s.ws.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// nextRecordTime returns now, or the last record time if the clock went
// back, so recordTime never decreases in seq order. Callers hold s.mu.
func (s *Store) nextRecordTime() time.Time {
	now := time.Now().UTC()
	if now.Before(s.lastRecord) {
		now = s.lastRecord
	}
	return now
}

// AddEvents implements store.Store. Batches from concurrent callers are
// committed together (group commit): the first caller to find the writer
// free writes every batch waiting at that moment in one transaction, each
// in its own savepoint so an atomic batch can still fail alone, and one
// fsync makes them all durable before any caller returns.
func (s *Store) AddEvents(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	w := &pendingBatch{ctx: ctx, b: b, done: make(chan struct{})}
	s.qmu.Lock()
	s.queue = append(s.queue, w)
	s.qmu.Unlock()
	s.mu.Lock()
	select {
	case <-w.done: // a group commit by another caller included it
		s.mu.Unlock()
		return w.res, w.err
	default:
	}
	s.qmu.Lock()
	group := s.queue
	s.queue = nil
	s.qmu.Unlock()
	s.writeGroup(group)
	s.mu.Unlock()
	<-w.done
	return w.res, w.err
}

// pendingBatch is a batch waiting for the writer.
type pendingBatch struct {
	ctx  context.Context
	b    store.Batch
	res  store.BatchResult
	err  error
	seqs []int64
	// written holds the values the batch recorded (see recentValues).
	written map[store.Value]struct{}
	done    chan struct{}
}

// writeGroup writes a group of batches in one transaction and reports to
// each. Callers hold s.mu.
func (s *Store) writeGroup(group []*pendingBatch) {
	finish := func(err error) {
		for _, p := range group {
			if err != nil {
				p.res, p.err = store.BatchResult{}, err
			}
			close(p.done)
		}
	}
	if s.closed {
		finish(store.ErrClosed)
		return
	}
	// The transaction must not die with one caller's context; each batch
	// still checks its own before it is written.
	ctx := context.WithoutCancel(group[0].ctx)
	rt := s.nextRecordTime()
	// Statements are prepared before BEGIN: the writer pool has one
	// connection, which the transaction then holds.
	if err := s.ws.prepare(ctx); err != nil {
		finish(err)
		return
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		finish(fmt.Errorf("sqlitestore: begin: %w", err))
		return
	}
	defer tx.Rollback() // no-op after Commit
	wt := s.ws.in(tx)
	defer wt.close()
	// Terms and values of the group's stored events are written once for
	// the whole group, after every batch has kept or dropped its events.
	var terms []committedEvent // the group's term rows, and the term cache's news
	var vals map[store.Value]struct{}
	for _, p := range group {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			continue
		}
		if _, err := wt.exec(ctx, s.ws.savepoint); err != nil {
			finish(fmt.Errorf("sqlitestore: savepoint: %w", err))
			return
		}
		p.res, p.err = wt.writeBatch(ctx, p, rt, &s.recent)
		ends := []*sql.Stmt{s.ws.release}
		if p.err != nil || (p.b.Atomic && len(p.res.Rejected) > 0) {
			ends = []*sql.Stmt{s.ws.rollback, s.ws.release}
			if p.err == nil {
				p.res = store.BatchResult{Rejected: p.res.Rejected}
			}
			p.seqs = nil
		}
		for _, end := range ends {
			if _, err := wt.exec(ctx, end); err != nil {
				finish(fmt.Errorf("sqlitestore: end savepoint: %w", err))
				return
			}
		}
		if p.err == nil && p.seqs != nil {
			terms = appendTermRows(terms, p.seqs, p.b.Events)
			if len(p.written) > 0 && vals == nil {
				vals = map[store.Value]struct{}{}
			}
			for v := range p.written {
				vals[v] = struct{}{}
			}
		}
	}
	if err := wt.writeTerms(ctx, terms); err != nil {
		finish(err)
		return
	}
	if err := wt.writeValues(ctx, vals); err != nil {
		finish(err)
		return
	}
	if err := tx.Commit(); err != nil {
		s.terms.forget()
		finish(fmt.Errorf("sqlitestore: commit: %w", err))
		return
	}
	// Only now is the group durable (synchronous=FULL): no caller has been
	// answered before this point.
	s.lastRecord = rt
	s.compact.lastWrite.Store(time.Now().UnixNano())
	for v := range vals {
		s.recent.add(v)
	}
	prevSeq := s.lastSeq
	for _, p := range group {
		if p.err == nil {
			for _, seq := range p.seqs {
				s.lastSeq = max(s.lastSeq, seq)
			}
		}
	}
	s.terms.committed(terms, prevSeq, s.lastSeq) // events without terms change no bitmap
	for _, p := range group {
		for i, e := range p.b.Events {
			if p.seqs != nil && p.seqs[i] > 0 {
				e.Seq = p.seqs[i]
				e.RecordTime = rt
				e.CaptureID = p.b.CaptureID
			}
		}
	}
	finish(nil)
}

// writeStmts are the writer's statements, prepared once on the writer
// connection: the event INSERT, the savepoint statements and multi-row
// INSERTs of terms and values in power-of-two row counts up to maxRows,
// so that any number of rows is written by at most log2(maxRows)+n/maxRows
// statements, none of them compiled again. They are guarded by Store.mu.
type writeStmts struct {
	db                           *sql.DB
	insEvent                     *sql.Stmt
	savepoint, release, rollback *sql.Stmt
	terms, vals                  multiInsert
	// Buffers reused by every group: the arguments of multi-row INSERTs
	// and the tokens of the terms.
	args []any
	toks []byte
}

// maxRows is the largest multi-row INSERT: 64 rows of two columns stay
// far below SQLite's limit of bound parameters.
const maxRows = 64

// multiInsert is one INSERT statement prepared for 1, 2, 4, ... maxRows
// rows of VALUES.
type multiInsert struct {
	cols  int
	stmts []*sql.Stmt // stmts[k] has 1<<k rows
}

func (m *multiInsert) prepare(ctx context.Context, db *sql.DB, head string, cols int) error {
	m.cols = cols
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	for n := 1; n <= maxRows; n *= 2 {
		st, err := db.PrepareContext(ctx, head+" VALUES "+strings.TrimSuffix(strings.Repeat(row+",", n), ","))
		if err != nil {
			return fmt.Errorf("sqlitestore: prepare: %w", err)
		}
		m.stmts = append(m.stmts, st)
	}
	return nil
}

func (ws *writeStmts) prepare(ctx context.Context) error {
	if ws.insEvent != nil {
		return nil
	}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = ws.db.PrepareContext(ctx, q)
		return st
	}
	ws.savepoint = prep("SAVEPOINT batch")
	ws.release = prep("RELEASE batch")
	ws.rollback = prep("ROLLBACK TO batch")
	if err == nil {
		err = ws.terms.prepare(ctx, ws.db, "INSERT INTO terms (rowid, tokens)", 2)
	}
	if err == nil {
		err = ws.vals.prepare(ctx, ws.db, "INSERT OR IGNORE INTO vals (kind, value)", 2)
	}
	insEvent := prep(`INSERT INTO events
		(ukey, event_id, type, event_time, record_time, owner, capture_id, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(ukey) DO NOTHING`)
	if err != nil {
		ws.close()
		return fmt.Errorf("sqlitestore: prepare: %w", err)
	}
	ws.insEvent = insEvent
	return nil
}

func (ws *writeStmts) close() {
	for _, st := range ws.all() {
		if st != nil {
			st.Close()
		}
	}
	db := ws.db
	*ws = writeStmts{db: db}
}

func (ws *writeStmts) all() []*sql.Stmt {
	sts := []*sql.Stmt{ws.insEvent, ws.savepoint, ws.release, ws.rollback}
	sts = append(sts, ws.terms.stmts...)
	return append(sts, ws.vals.stmts...)
}

// txWriter is the writer's statements bound to one transaction (each
// bound lazily, once per transaction). The argument buffers are
// writeStmts' own, reused by every group the writer commits.
type txWriter struct {
	ws    *writeStmts
	tx    *sql.Tx
	bound map[*sql.Stmt]*sql.Stmt
}

func (ws *writeStmts) in(tx *sql.Tx) *txWriter {
	return &txWriter{ws: ws, tx: tx, bound: map[*sql.Stmt]*sql.Stmt{}}
}

func (t *txWriter) stmt(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	b := t.bound[st]
	if b == nil {
		b = t.tx.StmtContext(ctx, st)
		t.bound[st] = b
	}
	return b
}

func (t *txWriter) exec(ctx context.Context, st *sql.Stmt, args ...any) (sql.Result, error) {
	return t.stmt(ctx, st).ExecContext(ctx, args...)
}

func (t *txWriter) close() {
	for _, b := range t.bound {
		b.Close()
	}
}

// insertRows writes rows (m.cols arguments each, flattened in args) with
// m's statements: maxRows at a time, then the power-of-two remainders.
func (t *txWriter) insertRows(ctx context.Context, m *multiInsert, args []any) error {
	per := m.cols
	for len(args) > 0 {
		k := len(m.stmts) - 1
		for (1<<k)*per > len(args) {
			k--
		}
		n := (1 << k) * per
		if _, err := t.exec(ctx, m.stmts[k], args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	clear(t.ws.args) // hold no strings until the next group
	return nil
}

// writeBatch inserts one batch's events (and its job state and master
// data) inside the group's transaction; its terms and values are left in
// p.seqs and p.written for the group. An atomic batch stops at its first
// duplicate; the caller rolls its savepoint back.
func (t *txWriter) writeBatch(ctx context.Context, p *pendingBatch, rt time.Time, recent *recentValues) (store.BatchResult, error) {
	b := p.b
	res := store.BatchResult{RecordTime: rt}
	p.seqs = make([]int64, len(b.Events))
	p.written = nil
	ins := t.stmt(ctx, t.ws.insEvent)
	for i, e := range b.Events {
		r, err := ins.ExecContext(ctx, e.UniqueKey, e.EventID, e.Type, e.EventTime.UnixNano(), rt.UnixNano(),
			e.Owner, b.CaptureID, e.Body)
		if err != nil {
			return store.BatchResult{}, fmt.Errorf("sqlitestore: insert event %d: %w", i, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			if res.Rejected == nil {
				res.Rejected = map[int]error{}
			}
			res.Rejected[i] = &store.DuplicateError{Index: i, UniqueKey: e.UniqueKey}
			if b.Atomic {
				return res, nil
			}
			p.seqs[i] = -1
			continue
		}
		seq, err := r.LastInsertId()
		if err != nil {
			return store.BatchResult{}, fmt.Errorf("sqlitestore: %w", err)
		}
		p.seqs[i] = seq
		if len(e.Values) > 0 {
			if p.written == nil {
				p.written = map[store.Value]struct{}{}
			}
			newValues(recent, e.Values, e.Owner, p.written)
		}
		res.Stored++
	}
	if len(b.MasterData) > 0 && (res.Stored > 0 || len(b.Events) == 0) {
		if err := putMasterDataTx(ctx, t.tx, b.MasterData, rt); err != nil {
			return store.BatchResult{}, err
		}
	}
	if b.Job != nil {
		b.Job.StoredCount = res.Stored
		if len(res.Rejected) > 0 {
			b.Job.Success = false
		}
		if err := putJobTx(ctx, t.tx, b.Job, updateJobSQL); err != nil {
			return store.BatchResult{}, err
		}
	}
	return res, nil
}

// EventsByID implements store.Store.
func (s *Store) EventsByID(ctx context.Context, eventID string) ([]*store.Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, ukey, event_id, type, event_time, record_time,
		owner, capture_id, body FROM events WHERE ukey >= ?1 AND ukey < ?2 AND event_id = ?1
		ORDER BY seq`, eventID, eventID+"$")
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []*store.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	if len(out) == 0 {
		return nil, store.ErrNotFound
	}
	return out, nil
}

type scanner interface{ Scan(...any) error }

func scanEvent(sc scanner) (*store.Event, error) {
	var e store.Event
	var et, rt int64
	if err := sc.Scan(&e.Seq, &e.UniqueKey, &e.EventID, &e.Type, &et, &rt, &e.Owner, &e.CaptureID, &e.Body); err != nil {
		return nil, fmt.Errorf("sqlitestore: scan event: %w", err)
	}
	e.EventTime = time.Unix(0, et).UTC()
	e.RecordTime = time.Unix(0, rt).UTC()
	return &e, nil
}

func (s *Store) readErr(err error) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return store.ErrClosed
	}
	return fmt.Errorf("sqlitestore: %w", err)
}

const (
	insertJobSQL = `INSERT INTO jobs (id, owner, created_at, updated_at, running, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`
	updateJobSQL = `UPDATE jobs SET owner = ?2, created_at = ?3, updated_at = ?4, running = ?5, doc = ?6 WHERE id = ?1`
)

// CreateJob implements store.Store.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	return s.putJob(ctx, j, insertJobSQL)
}

// UpdateJob implements store.Store.
func (s *Store) UpdateJob(ctx context.Context, j *store.Job) error {
	return s.putJob(ctx, j, updateJobSQL)
}

func (s *Store) putJob(ctx context.Context, j *store.Job, q string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	return putJobTx(ctx, s.w, j, q)
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func putJobTx(ctx context.Context, db execer, j *store.Job, q string) error {
	doc, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("sqlitestore: encode job: %w", err)
	}
	r, err := db.ExecContext(ctx, q, j.ID, j.Owner, j.CreatedAt.UnixNano(), j.UpdatedAt.UnixNano(), j.Running, doc)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return &store.DuplicateError{UniqueKey: j.ID}
		}
		return fmt.Errorf("sqlitestore: write job: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// TouchJobs implements store.Store.
func (s *Store) TouchJobs(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	// The job document carries UpdatedAt too; both change together.
	q := "UPDATE jobs SET updated_at = ?, doc = json_set(doc, '$.UpdatedAt', ?) WHERE running = 1 AND id IN (" +
		strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	args := []any{at.UnixNano(), at.UTC().Format(time.RFC3339Nano)}
	for _, id := range ids {
		args = append(args, id)
	}
	if _, err := s.w.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("sqlitestore: touch jobs: %w", err)
	}
	return nil
}

// Job implements store.Store.
func (s *Store) Job(ctx context.Context, id string) (*store.Job, error) {
	var doc []byte
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM jobs WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.readErr(err)
	}
	return decodeJob(doc)
}

func decodeJob(doc []byte) (*store.Job, error) {
	var j store.Job
	if err := json.Unmarshal(doc, &j); err != nil {
		return nil, fmt.Errorf("sqlitestore: decode job: %w", err)
	}
	return &j, nil
}

// Jobs implements store.Store.
func (s *Store) Jobs(ctx context.Context, p store.JobPage) ([]*store.Job, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	q := `SELECT doc FROM jobs WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?`
	args := []any{p.Owner, p.Limit}
	if p.After != nil {
		q = `SELECT doc FROM jobs WHERE owner = ? AND (created_at, id) < (?, ?)
			ORDER BY created_at DESC, id DESC LIMIT ?`
		args = []any{p.Owner, p.After.CreatedAt.UnixNano(), p.After.ID, p.Limit}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []*store.Job
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, s.readErr(err)
		}
		j, err := decodeJob(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, s.wrapNil(rows.Err())
}

func (s *Store) wrapNil(err error) error {
	if err == nil {
		return nil
	}
	return s.readErr(err)
}

// AbandonJobs implements store.Store. SQLite batches are transactions, so
// an unfinished batch left nothing behind; only job records need marking.
// The stale jobs are read and failed in one write transaction, so a job
// that finishes meanwhile is never overwritten as failed.
func (s *Store) AbandonJobs(ctx context.Context, reason string, staleBefore time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: begin: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM jobs WHERE running = 1 AND updated_at < ?`, staleBefore.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: %w", err)
	}
	var stale []*store.Job
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlitestore: %w", err)
		}
		j, err := decodeJob(doc)
		if err != nil {
			rows.Close()
			return 0, err
		}
		stale = append(stale, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlitestore: %w", err)
	}
	now := time.Now().UTC()
	for _, j := range stale {
		j.Running = false
		j.Success = false
		j.FinishedAt = now
		j.UpdatedAt = now
		j.StoredCount = 0
		j.Errors = append(j.Errors, store.JobError{
			Type:   "epcisException:ImplementationException",
			Title:  "Capture job abandoned",
			Status: 500,
			Detail: reason,
		})
		if err := putJobTx(ctx, tx, j, updateJobSQL); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlitestore: commit: %w", err)
	}
	return len(stale), nil
}
