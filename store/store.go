// Package store defines what Lotline needs from a storage backend: an
// append-only event log with atomic per-document visibility, and capture
// jobs. Backends live in subpackages (sqlitestore, mongostore) and are
// proven equal by the contract suite in store/storetest.
//
// The package owns no storage itself and knows nothing about HTTP or JSON
// documents: events arrive already validated, normalised and identified.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a requested event or job does not exist or
// is not visible to the caller.
var ErrNotFound = errors.New("store: not found")

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("store: closed")

// DuplicateError reports that an event's UniqueKey is already stored (or
// appears earlier in the same batch).
type DuplicateError struct {
	Index     int    // index of the offending event in the batch
	UniqueKey string // the key that clashed
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("store: event %d: %q already exists", e.Index, e.UniqueKey)
}

// Event is one captured event as stored. Events are never updated or
// deleted once visible.
type Event struct {
	// Seq is assigned by the store. Within one store it orders events by
	// commit: a larger Seq was recorded at the same RecordTime or later.
	Seq int64
	// UniqueKey identifies the event for idempotency. It is the EventID for
	// ordinary events and, for an event carrying an errorDeclaration, the
	// EventID followed by '#' and a suffix naming the declaration, so that
	// a declaration is stored beside the event it corrects; either may be
	// followed by "\x1f" and the owner when the owner is not LocalOwner, so
	// that each party's eventIDs are its own. It always begins with the
	// EventID, and whatever follows sorts below '$', so a backend may find
	// all events of an EventID by the range [EventID, EventID+"$").
	UniqueKey string
	EventID   string
	Type      string // ObjectEvent, AggregationEvent, ...
	EventTime time.Time
	// RecordTime is assigned by the store when the event becomes visible;
	// any value set by the caller is ignored.
	RecordTime time.Time
	Owner      string // the party that captured it
	CaptureID  string // the capture job, or "" for POST /events
	// Terms are the index terms the query layer derives from the event
	// (see query.Terms). They are written for lookups; reads need not
	// return them (a backend may leave Terms nil on events it reads).
	Terms []string
	// Values are the distinct values the event adds to the value listings
	// of the resource endpoints (see ValueStore). Like Terms, they are
	// written, and reads need not return them.
	Values []Value
	// Body is the event as a JSON object, without recordTime (which is
	// added from RecordTime on output).
	Body []byte
}

// Batch is a set of events captured together.
type Batch struct {
	CaptureID string
	// Atomic means all or nothing: if any event fails, none is stored, and
	// no reader ever sees a part of the batch.
	Atomic bool
	Events []*Event
	// Job, when set, is the capture job's final state. It is written with
	// the batch, so that a job recorded as finished has its events visible
	// and a job whose events became visible is never later marked failed.
	// The store fills in StoredCount, and sets Success to false if any
	// event was rejected, before writing it.
	Job *Job
	// MasterData from the document's header is merged into the stored
	// master data (see MasterDataStore.PutMasterData) when any event of
	// the batch is stored, or when the batch has no events.
	MasterData []VocabularyElement
}

// BatchResult says what happened to each event of a batch.
type BatchResult struct {
	// Stored counts the events made visible.
	Stored int
	// Rejected maps a batch index to the reason the event was not stored
	// (a *DuplicateError). In an atomic batch a rejection means nothing was
	// stored and Stored is 0.
	Rejected map[int]error
	// RecordTime is the recordTime given to the stored events.
	RecordTime time.Time
}

// JobState is the lifecycle of a capture job.
type Job struct {
	ID             string
	Owner          string
	Running        bool
	Success        bool
	ErrorBehaviour string // "rollback" or "proceed"
	CreatedAt      time.Time
	UpdatedAt      time.Time // last progress; a running job not updated for long is abandoned
	FinishedAt     time.Time // zero while running
	EventCount     int       // events in the submitted document
	StoredCount    int       // events stored
	Errors         []JobError
}

// JobError is one problem found while processing a capture job, in the
// shape of an RFC 7807 problem detail.
type JobError struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail,omitempty"`
	EventIndex *int   `json:"eventIndex,omitempty"`
	Pointer    string `json:"pointer,omitempty"`
}

// JobCursor is a keyset position in a job listing (newest first).
type JobCursor struct {
	CreatedAt time.Time
	ID        string
}

// JobPage asks for at most Limit jobs of Owner, newest first, strictly
// after the cursor when it is set.
type JobPage struct {
	Owner string
	After *JobCursor
	Limit int
}

// Store is the storage contract every backend implements.
type Store interface {
	// AddEvents stores a batch and assigns Seq and RecordTime to the stored
	// events. It returns an error only when the store itself failed; in that
	// case an atomic batch is wholly invisible.
	AddEvents(ctx context.Context, b Batch) (BatchResult, error)
	// EventsByID returns the visible events with this eventID (the event
	// and any error declarations stored beside it) in Seq order, or
	// ErrNotFound.
	EventsByID(ctx context.Context, eventID string) ([]*Event, error)

	// CreateJob stores a new job; UpdateJob replaces an existing one.
	CreateJob(ctx context.Context, j *Job) error
	UpdateJob(ctx context.Context, j *Job) error
	// Job returns the job with that ID, or ErrNotFound.
	Job(ctx context.Context, id string) (*Job, error)
	// TouchJobs sets UpdatedAt to at on those of the listed jobs that are
	// still running: the heartbeat by which a live server keeps its jobs
	// from being abandoned by another server sharing the store.
	TouchJobs(ctx context.Context, ids []string, at time.Time) error
	// Jobs lists jobs of one owner, newest first.
	Jobs(ctx context.Context, p JobPage) ([]*Job, error)
	// AbandonJobs marks every running job last updated before staleBefore
	// as finished and failed with the given reason (used at start-up after a
	// crash, and periodically by servers sharing one store), and removes any
	// events of unfinished atomic batches begun before staleBefore, which no
	// reader could see. It returns how many jobs it marked.
	AbandonJobs(ctx context.Context, reason string, staleBefore time.Time) (int, error)

	Querier
	MasterDataStore
	ValueStore
	NamedQueryStore

	Close() error
}
