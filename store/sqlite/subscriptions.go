package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lotline/lotline/store"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// subscriptionsSchema is part of the schema created at Open. What a
// subscription is (destination, schedule, ...) never changes and is kept
// as one JSON document; progress and lease are columns, because they are
// compared and set on their own.
const subscriptionsSchema = `
CREATE TABLE IF NOT EXISTS subscriptions (
	id               TEXT    PRIMARY KEY,
	query            TEXT    NOT NULL,
	owner            TEXT    NOT NULL,
	created_at       INTEGER NOT NULL,
	def              BLOB    NOT NULL,
	min_record_time  INTEGER NOT NULL,
	after_seq        INTEGER NOT NULL,
	last_notified_at INTEGER NOT NULL,
	last_error       TEXT    NOT NULL,
	attempts         INTEGER NOT NULL,
	due_at           INTEGER NOT NULL,
	lease_holder     TEXT    NOT NULL,
	lease_until      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_query ON subscriptions(query, id);
CREATE INDEX IF NOT EXISTS subscriptions_owner ON subscriptions(owner);
`

// subDef is the unchanging part of a subscription, stored as JSON.
type subDef struct {
	Dest              string         `json:"dest"`
	SignatureToken    string         `json:"token,omitempty"`
	Stream            bool           `json:"stream,omitempty"`
	Schedule          store.Schedule `json:"schedule,omitzero"`
	ReportIfEmpty     bool           `json:"reportIfEmpty,omitempty"`
	InitialRecordTime time.Time      `json:"initialRecordTime,omitzero"`
	EPCFormat         string         `json:"epcFormat,omitempty"`
	CBVFormat         string         `json:"cbvFormat,omitempty"`
}

// unixNanos stores a time exactly; the zero time is 0.
func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

const subColumns = `id, query, owner, created_at, def, min_record_time, after_seq, last_notified_at,
	last_error, attempts, due_at, lease_holder, lease_until`

func scanSubscription(sc scanner) (*store.Subscription, error) {
	var s store.Subscription
	var created, minRT, notified, due, until int64
	var def []byte
	if err := sc.Scan(&s.ID, &s.QueryName, &s.Owner, &created, &def, &minRT, &s.AfterSeq, &notified,
		&s.LastError, &s.Attempts, &due, &s.LeaseHolder, &until); err != nil {
		return nil, err
	}
	var d subDef
	if err := json.Unmarshal(def, &d); err != nil {
		return nil, fmt.Errorf("sqlitestore: subscription %s is corrupt: %w", s.ID, err)
	}
	s.Dest, s.SignatureToken, s.Stream, s.Schedule = d.Dest, d.SignatureToken, d.Stream, d.Schedule
	s.ReportIfEmpty, s.InitialRecordTime = d.ReportIfEmpty, d.InitialRecordTime
	s.EPCFormat, s.CBVFormat = d.EPCFormat, d.CBVFormat
	s.CreatedAt = fromUnixNanos(created)
	s.MinRecordTime = fromUnixNanos(minRT)
	s.LastNotifiedAt = fromUnixNanos(notified)
	s.DueAt = fromUnixNanos(due)
	s.LeaseUntil = fromUnixNanos(until)
	return &s, nil
}

// CreateSubscription implements store.SubscriptionStore.
func (s *Store) CreateSubscription(ctx context.Context, sub *store.Subscription) error {
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = time.Now().UTC()
	}
	def, err := json.Marshal(subDef{Dest: sub.Dest, SignatureToken: sub.SignatureToken, Stream: sub.Stream,
		Schedule: sub.Schedule, ReportIfEmpty: sub.ReportIfEmpty, InitialRecordTime: sub.InitialRecordTime,
		EPCFormat: sub.EPCFormat, CBVFormat: sub.CBVFormat})
	if err != nil {
		return fmt.Errorf("sqlitestore: encode subscription: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO subscriptions (`+subColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		sub.ID, sub.QueryName, sub.Owner, unixNanos(sub.CreatedAt), def, unixNanos(sub.MinRecordTime), sub.AfterSeq,
		unixNanos(sub.LastNotifiedAt), sub.LastError, sub.Attempts, unixNanos(sub.DueAt), sub.LeaseHolder, unixNanos(sub.LeaseUntil))
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return &store.DuplicateError{UniqueKey: sub.ID}
		}
		return fmt.Errorf("sqlitestore: create subscription: %w", err)
	}
	return nil
}

// Subscription implements store.SubscriptionStore.
func (s *Store) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	sub, err := scanSubscription(s.r.QueryRowContext(ctx, `SELECT `+subColumns+` FROM subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.readErr(err)
	}
	return sub, nil
}

// Subscriptions implements store.SubscriptionStore.
func (s *Store) Subscriptions(ctx context.Context, p store.SubscriptionPage) ([]*store.Subscription, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	q := `SELECT ` + subColumns + ` FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?`
	args := []any{p.After, p.Limit}
	if p.QueryName != "" {
		q = `SELECT ` + subColumns + ` FROM subscriptions WHERE query = ? AND id > ? ORDER BY id LIMIT ?`
		args = []any{p.QueryName, p.After, p.Limit}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []*store.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.readErr(err)
		}
		out = append(out, sub)
	}
	return out, s.wrapNil(rows.Err())
}

// CountSubscriptions implements store.SubscriptionStore.
func (s *Store) CountSubscriptions(ctx context.Context, owner string) (int, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE owner = ?`, owner).Scan(&n); err != nil {
		return 0, s.readErr(err)
	}
	return n, nil
}

// writeSubs runs one statement on the writer and returns the rows it
// changed.
func (s *Store) writeSubs(ctx context.Context, what, q string, args ...any) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	r, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// writeProgress is writeSubs for lease and progress changes, committed
// without waiting for the disk (synchronous=NORMAL in WAL mode: the
// database stays consistent, but a power cut may undo the last commits).
// Undoing a progress update only makes a subscription deliver a chunk
// again, which its at-least-once guarantee allows; waiting for an fsync
// on each delivery of each subscription would instead hold up captures,
// which share the one writer. The next ordinary commit syncs these too.
func (s *Store) writeProgress(ctx context.Context, what, q string, args ...any) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	// The writer is one connection, held by s.mu: the pragma applies to
	// this statement only.
	if _, err := s.w.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		return 0, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	r, err := s.w.ExecContext(ctx, q, args...)
	if _, rerr := s.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous=FULL"); rerr != nil {
		// Never leave captures undurable: close rather than go on.
		s.closed = true
		s.isClosed.Store(true)
		return 0, fmt.Errorf("sqlitestore: %s: restoring synchronous=FULL: %w", what, rerr)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: %s: %w", what, err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// DeleteSubscription implements store.SubscriptionStore.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	n, err := s.writeSubs(ctx, "delete subscription", `DELETE FROM subscriptions WHERE id = ?`, id)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// DeleteSubscriptions implements store.SubscriptionStore.
func (s *Store) DeleteSubscriptions(ctx context.Context, queryName string) (int, error) {
	n, err := s.writeSubs(ctx, "delete subscriptions", `DELETE FROM subscriptions WHERE query = ?`, queryName)
	return int(n), err
}

// leaseLost tells a missing subscription from a lease held by another.
func (s *Store) leaseLost(ctx context.Context, id string) error {
	if _, err := s.Subscription(ctx, id); err != nil {
		return err
	}
	return store.ErrLeaseHeld
}

// AcquireSubscription implements store.SubscriptionStore. The single
// writer makes the conditional update a compare-and-set.
func (s *Store) AcquireSubscription(ctx context.Context, id, holder string, now, until time.Time) (*store.Subscription, error) {
	n, err := s.writeProgress(ctx, "acquire subscription", `UPDATE subscriptions SET lease_holder = ?, lease_until = ?
		WHERE id = ? AND (lease_holder = ? OR lease_holder = '' OR lease_until <= ?)`,
		holder, unixNanos(until), id, holder, unixNanos(now))
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, s.leaseLost(ctx, id)
	}
	return s.Subscription(ctx, id)
}

// UpdateSubscriptionProgress implements store.SubscriptionStore.
func (s *Store) UpdateSubscriptionProgress(ctx context.Context, id, holder string, now time.Time, p store.Progress) error {
	n, err := s.writeProgress(ctx, "update subscription", `UPDATE subscriptions SET min_record_time = ?, after_seq = ?,
		last_notified_at = ?, last_error = ?, attempts = ?, due_at = ?
		WHERE id = ? AND lease_holder = ? AND lease_until > ?`,
		unixNanos(p.MinRecordTime), p.AfterSeq, unixNanos(p.LastNotifiedAt), p.LastError, p.Attempts, unixNanos(p.DueAt),
		id, holder, unixNanos(now))
	if err == nil && n == 0 {
		return s.leaseLost(ctx, id)
	}
	return err
}

// ReleaseSubscription implements store.SubscriptionStore.
func (s *Store) ReleaseSubscription(ctx context.Context, id, holder string) error {
	n, err := s.writeProgress(ctx, "release subscription", `UPDATE subscriptions SET lease_holder = '', lease_until = 0
		WHERE id = ? AND lease_holder = ?`, id, holder)
	if err == nil && n == 0 {
		return s.leaseLost(ctx, id)
	}
	return err
}

var _ store.SubscriptionStore = (*Store)(nil)
