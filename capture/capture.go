// Package capture turns EPCIS documents and single events into stored
// events: it validates them (the project's JSON Schema, then the semantic
// rules of package epcis), assigns event IDs (the CBV 2.0 event hash when
// none is given), derives index terms, and writes them through a store,
// tracking each document as a capture job processed by a bounded worker
// pool.
//
// It knows nothing of HTTP: the api package decodes requests and maps
// errors to responses.
package capture

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
)

// Error behaviours of the GS1-Capture-Error-Behaviour header.
const (
	Rollback = "rollback"
	Proceed  = "proceed"
)

// Config sets the capture limits and the worker pool.
type Config struct {
	// MaxEvents is the most events one document may carry
	// (GS1-EPCIS-Capture-Limit).
	MaxEvents int
	// Workers is the number of jobs stored concurrently.
	Workers int
	// Queue is how many validated jobs may wait for a worker; beyond it
	// Submit answers ServiceUnavailable.
	Queue int
	// AbandonAfter is the lease of a running job in a store shared by
	// several servers: a job its server has not touched for this long is
	// marked failed by any server. (A single server's store abandons every
	// running job at start-up.)
	AbandonAfter time.Duration
	// SharedStore says several servers use the store, so start-up must not
	// abandon jobs that another live server is running.
	SharedStore bool
	// Prefixes learns the GS1 Company Prefix lengths shown by captured EPC
	// URNs, so that answers can give Digital Links as URNs. May be nil.
	Prefixes *gs1.PrefixTable
}

// DefaultConfig is what lotline serve uses unless told otherwise.
var DefaultConfig = Config{MaxEvents: 10_000, Workers: 4, Queue: 64, AbandonAfter: 30 * time.Second}

// Hooks receive measurements; any field may be nil.
type Hooks struct {
	JobDone     func(behaviour string, success bool, events, stored int, d time.Duration)
	EventsSaved func(n int)
	Rejected    func(n int)
	// MasterDataSaved is called after master data from a document header
	// was stored, so that caches of it can be dropped.
	MasterDataSaved func()
}

// Service captures documents and events into a store.
type Service struct {
	st     store.Store
	schema *schemas.Validator
	cfg    Config
	log    *slog.Logger
	hooks  Hooks

	queue   chan *job
	wg      sync.WaitGroup // workers
	sweepWG sync.WaitGroup // the sweeper, which runs until stop
	stop    context.CancelFunc
	mu      sync.Mutex
	done    bool
	// inFlight holds the jobs queued or running here, as recorded when
	// they were submitted; a shared store is told they are alive
	// (TouchJobs) while they are, and clients polling them are answered
	// without a store read.
	inFlight map[string]*store.Job
}

type job struct {
	rec    *store.Job
	events []*store.Event
	index  []int // index in the document of each prepared event
	// eventList is the JSON pointer of the document's event list.
	eventList string
	// masterData is the document header's master data, stored with the
	// events.
	masterData []store.VocabularyElement
}

// New returns a service; call Start before Submit.
func New(st store.Store, schema *schemas.Validator, cfg Config, log *slog.Logger, hooks Hooks) *Service {
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultConfig.MaxEvents
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultConfig.Workers
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultConfig.Queue
	}
	if cfg.AbandonAfter <= 0 {
		cfg.AbandonAfter = DefaultConfig.AbandonAfter
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, schema: schema, cfg: cfg, log: log, hooks: hooks, queue: make(chan *job, cfg.Queue),
		inFlight: map[string]*store.Job{}}
}

// Config returns the service's configuration with defaults applied.
func (s *Service) Config() Config { return s.cfg }

// Start marks jobs left running by a previous process as failed and starts
// the workers. They run until Close.
func (s *Service) Start(ctx context.Context) error {
	staleBefore := time.Now().Add(time.Second)
	if s.cfg.SharedStore {
		staleBefore = time.Now().Add(-s.cfg.AbandonAfter)
	}
	n, err := s.st.AbandonJobs(ctx, "the server stopped before the job finished; no event of it was stored", staleBefore)
	if err != nil {
		return fmt.Errorf("capture: abandon jobs: %w", err)
	}
	if n > 0 {
		s.log.Warn("marked unfinished capture jobs as failed", "jobs", n)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = cancel
	for range s.cfg.Workers {
		s.wg.Add(1)
		go s.worker(wctx)
	}
	if s.cfg.SharedStore {
		s.sweepWG.Add(1)
		go s.sweeper(wctx)
	}
	return nil
}

// Close stops accepting jobs, finishes the queued ones and waits for the
// workers.
func (s *Service) Close() {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	s.done = true
	close(s.queue)
	s.mu.Unlock()
	s.wg.Wait()
	if s.stop != nil {
		s.stop()
	}
	s.sweepWG.Wait()
}

// sweeper keeps this server's jobs alive in a shared store and fails the
// jobs of servers that stopped: a job not touched for AbandonAfter is
// abandoned by whichever server sweeps first.
func (s *Service) sweeper(ctx context.Context) {
	defer s.sweepWG.Done()
	t := time.NewTicker(s.cfg.AbandonAfter / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			ids := make([]string, 0, len(s.inFlight))
			for id := range s.inFlight {
				ids = append(ids, id)
			}
			s.mu.Unlock()
			if err := s.st.TouchJobs(ctx, ids, time.Now().UTC()); err != nil {
				s.log.Error("keep capture jobs alive", "err", err)
			}
			if _, err := s.st.AbandonJobs(ctx, "the job made no progress; its server probably stopped",
				time.Now().Add(-s.cfg.AbandonAfter)); err != nil {
				s.log.Error("sweep capture jobs", "err", err)
			}
		}
	}
}

// RunningJob returns a copy of a job queued or running on this server, or
// false when the job is not (it may have finished, or run elsewhere; the
// store has it then).
func (s *Service) RunningJob(id string) (*store.Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.inFlight[id]
	if !ok {
		return nil, false
	}
	return copyJob(j), true
}

// Prepared is a validated document ready to be submitted as a job.
type Prepared struct {
	Behaviour  string
	EventCount int
	events     []*store.Event
	index      []int
	masterData []store.VocabularyElement
	eventList  string // JSON pointer of the document's event list
	// Errors lists the invalid events. In rollback mode a document with
	// errors is refused as a whole; in proceed mode they are reported in
	// the job and the valid events stored.
	Errors epcis.Errors
}

// Prepare validates a decoded EPCISDocument for capture. It consumes doc:
// each event is removed from the tree once prepared (a large document's
// tree and stored form are not held whole at once). It returns an
// error (a ValidationException or CaptureLimitExceededException) when the
// document as a whole cannot be captured: not an EPCIS document, too many
// events, or, in rollback mode, any invalid event (the error is then
// epcis.Errors listing them all).
func (s *Service) Prepare(doc any, behaviour, owner string) (*Prepared, error) {
	return s.prepare(s.schema, doc, behaviour, owner)
}

// PrepareXML is Prepare for a document decoded from XML: the schema rules
// the XSD does not have are relaxed (see schemas.Validator.XML).
func (s *Service) PrepareXML(doc any, behaviour, owner string) (*Prepared, error) {
	return s.prepare(s.schema.XML(), doc, behaviour, owner)
}

func (s *Service) prepare(schema *schemas.Validator, doc any, behaviour, owner string) (*Prepared, error) {
	if behaviour != Rollback && behaviour != Proceed {
		return nil, &epcis.Error{Kind: epcis.KindValidation, Param: "GS1-Capture-Error-Behaviour",
			Message: fmt.Sprintf("%q is not rollback or proceed", behaviour), EventIndex: -1}
	}
	d, err := epcis.NewDocument(doc)
	if err != nil {
		return nil, err
	}
	if len(d.Events) > s.cfg.MaxEvents {
		return nil, epcis.Errorf(epcis.KindCaptureLimitExceeded,
			"the document has %d events; this server captures at most %d per document", len(d.Events), s.cfg.MaxEvents)
	}
	check := schema.Document
	if d.EventList == epcis.QueryDocumentEventList {
		check = schema.Instance
	}
	perEvent, docErrs := violationErrors(check(doc), d.EventList)
	if len(docErrs) > 0 {
		return nil, docErrs
	}
	p := &Prepared{Behaviour: behaviour, EventCount: len(d.Events), eventList: d.EventList}
	if d.MasterData != nil {
		if p.masterData, err = masterData(d.MasterData); err != nil {
			return nil, err
		}
	}
	for i, m := range d.Events {
		base := d.EventPointer(i)
		ev, errs := prepareEvent(m, d.Namespaces, base, perEvent[i], owner, s.cfg.Prefixes)
		d.Release(i)
		if len(errs) > 0 {
			for _, e := range errs {
				e.EventIndex = i
			}
			p.Errors = append(p.Errors, errs...)
			continue
		}
		p.events = append(p.events, ev)
		p.index = append(p.index, i)
	}
	if behaviour == Rollback && len(p.Errors) > 0 {
		return nil, p.Errors
	}
	return p, nil
}

// Events returns the stored form of the valid events (for benchmarks and
// tools that write them without a job).
func (p *Prepared) Events() []*store.Event { return p.events }

// MasterData returns the master data of the document's header, in the
// stored form.
func (p *Prepared) MasterData() []store.VocabularyElement { return p.masterData }

// Submit records a capture job for a prepared document and queues it. The
// returned job is running.
func (s *Service) Submit(ctx context.Context, p *Prepared, owner string) (*store.Job, error) {
	now := time.Now().UTC()
	rec := &store.Job{
		ID:             newID(),
		Owner:          owner,
		Running:        true,
		Success:        len(p.Errors) == 0,
		ErrorBehaviour: p.Behaviour,
		CreatedAt:      now,
		UpdatedAt:      now,
		EventCount:     p.EventCount,
	}
	for _, e := range p.Errors {
		rec.Errors = append(rec.Errors, jobError(e))
	}
	if err := s.st.CreateJob(ctx, rec); err != nil {
		return nil, fmt.Errorf("capture: create job: %w", err)
	}
	j := &job{rec: rec, events: p.events, index: p.index, eventList: p.eventList, masterData: p.masterData}
	for _, e := range j.events {
		e.CaptureID = rec.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, epcis.Errorf(epcis.KindUnavailable, "the server is shutting down")
	}
	select {
	case s.queue <- j:
		s.inFlight[rec.ID] = copyJob(rec)
	default:
		// Record that the job will never run, then refuse it.
		rec.Running, rec.Success, rec.FinishedAt = false, false, time.Now().UTC()
		rec.Errors = append(rec.Errors, store.JobError{Type: epcis.KindUnavailable.ExceptionType(),
			Title: "Capture queue full", Status: epcis.KindUnavailable.Status()})
		if err := s.st.UpdateJob(context.WithoutCancel(ctx), rec); err != nil {
			s.log.Error("record refused job", "job", rec.ID, "err", err)
		}
		return nil, epcis.Errorf(epcis.KindUnavailable, "too many capture jobs are waiting; retry later")
	}
	return copyJob(rec), nil
}

func (s *Service) worker(ctx context.Context) {
	defer s.wg.Done()
	for j := range s.queue {
		s.run(ctx, j)
		s.mu.Lock()
		delete(s.inFlight, j.rec.ID)
		s.mu.Unlock()
	}
}

func (s *Service) run(ctx context.Context, j *job) {
	start := j.rec.CreatedAt
	final := copyJob(j.rec)
	final.Running = false
	final.FinishedAt = time.Now().UTC()
	final.UpdatedAt = final.FinishedAt
	b := store.Batch{CaptureID: j.rec.ID, Atomic: j.rec.ErrorBehaviour == Rollback, Events: j.events, MasterData: j.masterData}
	if len(j.events) > 0 {
		b.Job = final
	}
	res, err := s.st.AddEvents(ctx, b)
	switch {
	case err != nil:
		s.log.Error("capture job failed in the store", "job", j.rec.ID, "err", err)
		final.Success = false
		final.StoredCount = 0
		final.Errors = append(final.Errors, store.JobError{Type: epcis.KindInternal.ExceptionType(),
			Title: "Storage error", Status: 500, Detail: "the events could not be stored; none was stored"})
		s.writeJob(ctx, final)
	case len(res.Rejected) > 0:
		final.Success = false
		for bi, rerr := range res.Rejected {
			idx := j.index[bi]
			msg := rerr.Error()
			var dup *store.DuplicateError
			if errors.As(rerr, &dup) {
				msg = fmt.Sprintf("an event with eventID %s is already stored", j.events[bi].EventID)
			}
			final.Errors = append(final.Errors, store.JobError{
				Type: epcis.KindResourceAlreadyExists.ExceptionType(), Title: epcis.KindResourceAlreadyExists.Title(),
				Status: epcis.KindResourceAlreadyExists.Status(), Detail: msg, EventIndex: &idx,
				Pointer: j.eventList + "/" + strconv.Itoa(idx) + "/eventID",
			})
		}
		slices.SortStableFunc(final.Errors, func(a, b store.JobError) int {
			return cmp.Compare(errIndex(a), errIndex(b))
		})
		// The store wrote a proceed job's state with the batch, already
		// failed if anything was rejected; add the details now.
		final.StoredCount = res.Stored
		s.writeJob(ctx, final)
	default:
		if b.Job == nil {
			s.writeJob(ctx, final)
		}
	}
	if s.hooks.EventsSaved != nil {
		s.hooks.EventsSaved(res.Stored)
	}
	if len(b.MasterData) > 0 && (res.Stored > 0 || len(b.Events) == 0) && s.hooks.MasterDataSaved != nil {
		s.hooks.MasterDataSaved()
	}
	if s.hooks.JobDone != nil {
		s.hooks.JobDone(final.ErrorBehaviour, final.Success, final.EventCount, res.Stored, time.Since(start))
	}
}

func (s *Service) writeJob(ctx context.Context, j *store.Job) {
	if err := s.st.UpdateJob(ctx, j); err != nil {
		s.log.Error("record capture job", "job", j.ID, "err", err)
	}
}

// CaptureEvent validates and stores one event synchronously (POST /events).
// It returns a ResourceAlreadyExistsException when the event is already
// stored.
func (s *Service) CaptureEvent(ctx context.Context, v any, owner string) (*store.Event, error) {
	return s.captureEvent(ctx, s.schema, v, owner)
}

// CaptureEventXML is CaptureEvent for an event decoded from XML (see
// PrepareXML).
func (s *Service) CaptureEventXML(ctx context.Context, v any, owner string) (*store.Event, error) {
	return s.captureEvent(ctx, s.schema.XML(), v, owner)
}

func (s *Service) captureEvent(ctx context.Context, schema *schemas.Validator, v any, owner string) (*store.Event, error) {
	ev, err := s.prepareOne(schema, v, owner)
	if err != nil {
		return nil, err
	}
	res, err := s.st.AddEvents(ctx, store.Batch{Atomic: true, Events: []*store.Event{ev}})
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	if len(res.Rejected) > 0 {
		return nil, &epcis.Error{Kind: epcis.KindResourceAlreadyExists, EventIndex: -1, Pointer: "/eventID",
			Message: fmt.Sprintf("an event with eventID %s is already stored", ev.EventID)}
	}
	if s.hooks.EventsSaved != nil {
		s.hooks.EventsSaved(1)
	}
	return ev, nil
}

// PrepareEvent validates one decoded event as CaptureEvent does and
// returns its stored form without storing it (for bulk import). The error
// is epcis.Errors listing every problem found.
func (s *Service) PrepareEvent(v any, owner string) (*store.Event, error) {
	return s.prepareOne(s.schema, v, owner)
}

func (s *Service) prepareOne(schema *schemas.Validator, v any, owner string) (*store.Event, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, epcis.Invalid("", "an event must be a JSON object")
	}
	var errs epcis.Errors
	for _, vi := range schema.Event(v) {
		errs = append(errs, epcis.Invalid(vi.Pointer, "%s", vi.Message))
	}
	ns := epcis.Namespaces(m["@context"])
	ev, errs := prepareEvent(m, ns, "", errs, owner, s.cfg.Prefixes)
	if len(errs) > 0 {
		return nil, errs
	}
	return ev, nil
}

func jobError(e *epcis.Error) store.JobError {
	je := store.JobError{Type: e.Kind.ExceptionType(), Title: e.Kind.Title(), Status: e.Kind.Status(),
		Detail: e.Message, Pointer: e.Pointer}
	if e.EventIndex >= 0 {
		idx := e.EventIndex
		je.EventIndex = &idx
	}
	return je
}

func errIndex(e store.JobError) int {
	if e.EventIndex == nil {
		return -1
	}
	return *e.EventIndex
}

func copyJob(j *store.Job) *store.Job {
	c := *j
	c.Errors = append([]store.JobError(nil), j.Errors...)
	return &c
}

func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
