package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/lotline/lotline/store"
)

// DefaultDatabase is the database used when the URI names none.
const DefaultDatabase = "lotline"

// Collection names.
const (
	collEvents   = "events"
	collJobs     = "jobs"
	collPending  = "pending"
	collCounters = "counters"
	collLeases   = "leases"
	collValues   = "values"
	collMaster   = "masterdata"
	collQueries  = "queries"
	counterID    = "events"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Logger receives the driver and cleanup problems the caller is not
	// told about (a failed undo, say). Nil discards them.
	Logger *slog.Logger
	// ConnectTimeout bounds Open's first round trip to the server.
	// Zero means 10 s.
	ConnectTimeout time.Duration
	// CommitTimeout bounds the last steps of an atomic batch (commit or
	// undo), which run even after the caller's context is done so that a
	// batch is not left behind half-written. Zero means 10 s.
	CommitTimeout time.Duration
}

// ConfigError reports a URI or option Open cannot use.
type ConfigError struct {
	Field string // "uri", "database"
	Err   error
}

func (e *ConfigError) Error() string { return "mongostore: bad " + e.Field + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Store is a [store.Store] on MongoDB. It is safe for concurrent use.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	events   *mongo.Collection
	jobs     *mongo.Collection
	pending  *mongo.Collection
	counters *mongo.Collection
	leases   *mongo.Collection
	values   *mongo.Collection
	master   *mongo.Collection
	queries  *mongo.Collection
	log      *slog.Logger

	seen seenValues // values known to be in the values collection

	commitTimeout time.Duration
	allocMu       sync.Mutex // see the package doc: FerretDB loses concurrent $inc
	closed        atomic.Bool

	// beforeCommit, when set by tests, runs after an atomic batch's events
	// are inserted and before its marker is deleted.
	beforeCommit func()
}

var _ store.Store = (*Store)(nil)

// Open connects to the MongoDB deployment named by uri (mongodb:// or
// mongodb+srv://), whose path names the database (DefaultDatabase when
// empty), checks the connection and creates the collections' indexes.
func Open(ctx context.Context, uri string, opts Options) (*Store, error) {
	cs, err := connstring.Parse(uri)
	if err != nil {
		return nil, &ConfigError{Field: "uri", Err: err}
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	co := options.Client().ApplyURI(uri)
	if cs.WString == "" && !cs.WNumberSet {
		co.SetWriteConcern(writeconcern.Majority())
	}
	if cs.ReadConcernLevel == "" {
		co.SetReadConcern(readconcern.Majority())
	}
	if !cs.RetryWritesSet {
		co.SetRetryWrites(true)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	connectTimeout := opts.ConnectTimeout
	if connectTimeout <= 0 {
		connectTimeout = 10 * time.Second
	}
	s := &Store{log: logger, commitTimeout: opts.CommitTimeout}
	if s.commitTimeout <= 0 {
		s.commitTimeout = 10 * time.Second
	}
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("mongostore: connect: %w", err)
	}
	s.client = client
	s.db = client.Database(dbName)
	s.events = s.db.Collection(collEvents)
	s.jobs = s.db.Collection(collJobs)
	s.pending = s.db.Collection(collPending)
	s.counters = s.db.Collection(collCounters)
	s.leases = s.db.Collection(collLeases)
	s.values = s.db.Collection(collValues)
	s.master = s.db.Collection(collMaster)
	s.queries = s.db.Collection(collQueries)

	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := s.setup(pctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// Close disconnects from the server. Every later call returns
// store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.commitTimeout)
	defer cancel()
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongostore: close: %w", err)
	}
	return nil
}

// check is called first by every method.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return ctx.Err()
}

// wrap turns a driver error into the error the caller sees: ErrClosed
// after Close, the context's error when it is done, else the driver error
// with what was being done.
func (s *Store) wrap(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("mongostore: %s: %w (%v)", what, cerr, err)
	}
	return fmt.Errorf("mongostore: %s: %w", what, err)
}

// nanos and fromNanos store times exactly; the zero time is 0. Times
// that Unix nanoseconds cannot hold (before 1678 or after 2262) are
// clamped to the nearest one that can, so that they still sort and
// compare in their place.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minNanosTime):
		return math.MinInt64
	case t.After(maxNanosTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minNanosTime = time.Unix(0, math.MinInt64)
	maxNanosTime = time.Unix(0, math.MaxInt64)
)

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func newBatchID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
