package subscribe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/query/engine"
	"github.com/lotline/lotline/store"
)

// Store is what the service reads and writes.
type Store interface {
	engine.Store
	Query(ctx context.Context, name string) (*store.NamedQuery, error)
	store.SubscriptionStore
}

// Config configures a Service. Zero fields take the defaults of
// DefaultConfig; Document and Compile are required.
type Config struct {
	// Holder names this server in leases; random when empty.
	Holder string
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses (never the cloud metadata addresses).
	AllowPrivate bool
	// ChunkSize is the most events in one delivery.
	ChunkSize int
	// VisibilityLag: a pass takes only events recorded at least this long
	// ago (see the package doc). 0 is right for SQLite.
	VisibilityLag time.Duration
	// SharedStore says other servers capture into the store too, so
	// stream subscriptions are polled every PollInterval rather than only
	// woken by local captures.
	SharedStore bool
	// Lease is how long a pass holds a subscription without renewal.
	Lease time.Duration
	// Timeout bounds one delivery (connect, send, answer).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a retry; it doubles
	// with each failure, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// PollInterval is how often the stored subscriptions are read again
	// (scheduled runs, retries, subscriptions made on other servers).
	PollInterval time.Duration
	// MaxPerOwner bounds the webhook subscriptions plus open WebSocket
	// streams of one party.
	MaxPerOwner int
	// RatePerOwner and Burst bound the deliveries (webhook POSTs and
	// WebSocket messages) per second of one party.
	RatePerOwner float64
	Burst        int
	// Concurrency bounds the passes running at once.
	Concurrency int
	// SocketBuffer is the number of documents a WebSocket stream may have
	// waiting to be sent before the consumer is deemed too slow.
	SocketBuffer int
	// Document writes the EPCISQueryDocument of a delivery.
	Document func(evs []*store.Event, now time.Time, d Delivery) ([]byte, error)
	// Name, when set, returns a document written by Document without a
	// subscription ID, named for one (a new slice): so subscriptions that
	// share a read share the document too.
	Name func(doc []byte, subscriptionID string) ([]byte, error)
	// Compile turns a stored named query into the query it runs.
	Compile func(nq *store.NamedQuery) (*query.Query, error)
	// Readers returns what a party may read (store.Readers: its owners,
	// nil for all in open single-party mode, and the grants sharing other
	// parties' events with it); nil reads everything.
	Readers func(owner string) store.Readers
	// Engine runs the queries; nil makes one over the store.
	Engine *engine.Engine
	Log    *slog.Logger
}

// Delivery says what a document is written for: the subscription (empty
// for a WebSocket stream) and the identifier forms it asked for (see
// store.Subscription).
type Delivery struct {
	SubscriptionID       string
	EPCFormat, CBVFormat string
	// Reader is the party the document goes to (the subscription's
	// owner): other owners' events are redacted for it.
	Reader string
}

// DefaultConfig holds the defaults.
var DefaultConfig = Config{
	ChunkSize:    1000,
	Lease:        30 * time.Second,
	Timeout:      10 * time.Second,
	MinBackoff:   time.Second,
	MaxBackoff:   10 * time.Minute,
	PollInterval: time.Second,
	MaxPerOwner:  100,
	RatePerOwner: 100,
	Burst:        200,
	Concurrency:  8,
	SocketBuffer: 8,
}

// Service runs subscriptions. Start it, and Close it when done.
type Service struct {
	st     Store
	cfg    Config
	eng    *engine.Engine
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	wake chan struct{}
	sem  chan struct{}
	stop context.CancelFunc
	wg   sync.WaitGroup

	fmu     sync.Mutex
	fetches map[fetchGroup][]*fetched

	mu      sync.Mutex
	ctx     context.Context // the service's, for passes started by Notify
	subs    map[string]*subState
	buckets map[string]*bucket
	sockets map[string]int // open WebSocket streams by owner
	chunks  map[string]int // chunk sizes lowered by a receiver's 413
	// cutoff is the cutoff of the last wake: every pass takes the latest,
	// so that passes of one query at one progress point share one read
	// (see fetch.go), however many wakes asked for them.
	cutoff   time.Time
	watchers map[*Watcher]struct{}
}

type subState struct {
	sub            *store.Subscription
	running, again bool
}

// New returns a service over st.
func New(st Store, cfg Config) *Service {
	d := DefaultConfig
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&cfg.ChunkSize, d.ChunkSize)
	set(&cfg.MaxPerOwner, d.MaxPerOwner)
	set(&cfg.Burst, d.Burst)
	set(&cfg.Concurrency, d.Concurrency)
	set(&cfg.SocketBuffer, d.SocketBuffer)
	setD(&cfg.Lease, d.Lease)
	setD(&cfg.Timeout, d.Timeout)
	setD(&cfg.MinBackoff, d.MinBackoff)
	setD(&cfg.MaxBackoff, d.MaxBackoff)
	setD(&cfg.PollInterval, d.PollInterval)
	if cfg.RatePerOwner <= 0 {
		cfg.RatePerOwner = d.RatePerOwner
	}
	if cfg.VisibilityLag < 0 {
		cfg.VisibilityLag = 0
	}
	if cfg.Holder == "" {
		var b [8]byte
		rand.Read(b[:])
		cfg.Holder = hex.EncodeToString(b[:])
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	eng := cfg.Engine
	if eng == nil {
		eng = engine.New(st, engine.Config{})
	}
	return &Service{st: st, cfg: cfg, eng: eng, client: Client(cfg.Timeout, cfg.AllowPrivate), log: cfg.Log,
		now: time.Now, wake: make(chan struct{}, 1), sem: make(chan struct{}, cfg.Concurrency),
		subs: map[string]*subState{}, buckets: map[string]*bucket{}, sockets: map[string]int{}, fetches: map[fetchGroup][]*fetched{}, chunks: map[string]int{},
		watchers: map[*Watcher]struct{}{}}
}

// Config returns the configuration with defaults applied.
func (s *Service) Config() Config { return s.cfg }

// Start reads the stored subscriptions, catches every one of them up,
// and keeps serving them until Close.
func (s *Service) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.loop(ctx)
	}()
}

// Close stops the service and waits for running passes: a delivery in
// flight is finished (within Config.Timeout) and recorded, and no new
// one starts.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.wg.Wait()
	// Hand the leases back, so that the next server (or this one,
	// restarted) need not wait for them to expire.
	s.mu.Lock()
	var held []string
	now := s.now()
	for id, st := range s.subs {
		if st.sub.LeaseHolder == s.cfg.Holder && st.sub.LeaseUntil.After(now) {
			held = append(held, id)
		}
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range held {
		if err := s.st.ReleaseSubscription(ctx, id, s.cfg.Holder); err != nil &&
			!errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrLeaseHeld) {
			s.log.Warn("releasing subscription", "subscription", id, "err", err)
		}
	}
}

// wakeGap is the least time between two wakes of the stream
// subscriptions, and maxWakeGap the most a wake waits for the passes of
// the previous one to finish: the passes of one wake then share one
// cutoff, and so their reads and documents, instead of drifting apart
// (see fetch.go). They add at most that to a delivery's delay.
const (
	wakeGap    = 20 * time.Millisecond
	maxWakeGap = 100 * time.Millisecond
)

// Notify wakes the stream subscriptions: events were just captured. It
// never blocks; it is the capture hook.
func (s *Service) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) loop(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	s.refresh(ctx, true)
	var lastWake time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			// Wakes closer than wakeGap are taken together, so that the
			// passes of a burst of captures share their reads.
			for s.now().Sub(lastWake) < wakeGap || (s.running() && s.now().Sub(lastWake) < maxWakeGap) {
				select {
				case <-time.After(5 * time.Millisecond):
				case <-ctx.Done():
					return
				}
			}
			lastWake = s.now()
			s.kick(ctx, func(st *subState) bool { return st.sub.Stream })
			s.pokeWatchers()
		case <-t.C:
			s.refresh(ctx, s.cfg.SharedStore || s.cfg.VisibilityLag > 0)
			if s.cfg.SharedStore || s.cfg.VisibilityLag > 0 {
				s.pokeWatchers()
			}
		}
	}
}

// refresh reads every stored subscription and starts passes for those
// due: scheduled runs and retries whose time has come, and, when
// streams is set, every stream subscription.
func (s *Service) refresh(ctx context.Context, streams bool) {
	var all []*store.Subscription
	after := ""
	for {
		page, err := s.st.Subscriptions(ctx, store.SubscriptionPage{After: after, Limit: 500})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("reading subscriptions", "err", err)
			}
			return
		}
		all = append(all, page...)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	s.mu.Lock()
	seen := make(map[string]bool, len(all))
	for _, sub := range all {
		seen[sub.ID] = true
		if st, ok := s.subs[sub.ID]; ok {
			if !st.running {
				st.sub = sub
			}
			continue
		}
		s.subs[sub.ID] = &subState{sub: sub}
	}
	for id, st := range s.subs {
		if !seen[id] && !st.running {
			delete(s.subs, id)
		}
	}
	s.mu.Unlock()
	now := s.now()
	s.kick(ctx, func(st *subState) bool {
		if st.sub.Stream && streams {
			return true
		}
		return !st.sub.DueAt.IsZero() && !st.sub.DueAt.After(now)
	})
}

// kick starts a pass for each known subscription that want selects and
// whose retry time has come; one already running runs again after.
func (s *Service) kick(ctx context.Context, want func(*subState) bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceCutoff(now)
	for id, st := range s.subs {
		if !want(st) || (!st.sub.DueAt.IsZero() && st.sub.DueAt.After(now)) {
			continue
		}
		s.startLocked(ctx, id, st)
	}
}

// running reports whether any pass is under way or waiting to run.
func (s *Service) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.subs {
		if st.running {
			return true
		}
	}
	return false
}

// advanceCutoff moves the passes' cutoff to now less the visibility
// lag. Callers hold s.mu.
func (s *Service) advanceCutoff(now time.Time) {
	if c := now.Add(-s.cfg.VisibilityLag); c.After(s.cutoff) {
		s.cutoff = c
	}
}

func (s *Service) startLocked(ctx context.Context, id string, st *subState) {
	if st.running {
		st.again = true
		return
	}
	st.running = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			select {
			case s.sem <- struct{}{}:
			case <-ctx.Done():
				s.mu.Lock()
				st.running = false
				s.mu.Unlock()
				return
			}
			s.mu.Lock()
			cp := *st.sub
			cutoff := s.cutoff
			s.mu.Unlock()
			sub := s.serve(ctx, id, &cp, cutoff)
			<-s.sem
			s.mu.Lock()
			if sub != nil {
				st.sub = sub
			}
			if !st.again || ctx.Err() != nil {
				st.running = false
				s.mu.Unlock()
				return
			}
			st.again = false
			s.mu.Unlock()
		}
	}()
}

// serve runs one pass over a stored subscription and returns it as it
// now stands (nil when unknown: gone, or held by another server).
//
// The lease is kept between passes and renewed when less than half of it
// is left, so a busy stream costs one store write per delivery (its
// progress) rather than three; Close releases it. Each pass still reads
// the subscription (a deletion through another server ends it there).
func (s *Service) serve(ctx context.Context, id string, cached *store.Subscription, cutoff time.Time) *store.Subscription {
	now := s.now()
	sub := cached
	if sub != nil && sub.LeaseHolder == s.cfg.Holder && sub.LeaseUntil.Sub(now) >= s.cfg.Lease/2 {
		// Read it again all the same (a read, not a write): it may have
		// been deleted through another server.
		var err error
		sub, err = s.st.Subscription(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			s.forget(id)
			return nil
		}
		if err != nil {
			return nil
		}
	}
	if sub == nil || sub.LeaseHolder != s.cfg.Holder || sub.LeaseUntil.Sub(now) < s.cfg.Lease/2 {
		var err error
		sub, err = s.st.AcquireSubscription(ctx, id, s.cfg.Holder, now, now.Add(s.cfg.Lease))
		switch {
		case errors.Is(err, store.ErrNotFound):
			s.forget(id)
			return nil
		case errors.Is(err, store.ErrLeaseHeld):
			return nil
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn("acquiring subscription", "subscription", id, "err", err)
			}
			return nil
		}
	}
	if !sub.DueAt.IsZero() && sub.DueAt.After(now) {
		return sub // another server served it meanwhile
	}
	nq, err := s.st.Query(ctx, sub.QueryName)
	if errors.Is(err, store.ErrNotFound) {
		// The query was deleted; its subscriptions go with it.
		if err := s.st.DeleteSubscription(ctx, id); err == nil || errors.Is(err, store.ErrNotFound) {
			s.forget(id)
		}
		return nil
	}
	if err != nil {
		return sub
	}
	q, err := s.cfg.Compile(nq)
	if err != nil {
		s.fail(ctx, sub, fmt.Errorf("the named query no longer runs: %w", err))
		return sub
	}
	var sched *Schedule
	if !sub.Stream {
		if sched, err = ParseSchedule(sub.Schedule); err != nil {
			s.fail(ctx, sub, err)
			return sub
		}
	}
	s.pass(ctx, sub, nq.Name+"\x00"+string(nq.Body), q, sched, cutoff)
	return sub
}

// pass delivers everything due to a webhook, chunk by chunk, updating
// sub's progress as the store records it.
func (s *Service) pass(ctx context.Context, sub *store.Subscription, qkey string, q *query.Query, sched *Schedule, cutoff time.Time) {
	sent := false
	for {
		ch, err := s.next(ctx, qkey, q, sub.Owner, sub.Progress, cutoff, s.chunkSize(sub.ID))
		if err != nil {
			if ctx.Err() == nil {
				s.fail(ctx, sub, err)
			}
			return
		}
		p := ch.progress
		if len(ch.events) == 0 && (sched == nil || !sub.ReportIfEmpty || sent) {
			// Nothing to deliver. Record the new MinRecordTime now and
			// then (not on every wake: it only saves rescanning), and
			// always at the end of a scheduled run.
			if sched != nil {
				p.DueAt = sched.Next(s.now())
			}
			if p.DueAt != sub.DueAt || p.MinRecordTime.Sub(sub.MinRecordTime) > 10*time.Second {
				s.update(ctx, sub, p)
			}
			return
		}
		if !s.renew(ctx, sub) {
			return
		}
		if err := s.bucket(sub.Owner).wait(ctx, s.cfg); err != nil {
			return
		}
		now := s.now()
		body, err := s.render(ch, now, Delivery{SubscriptionID: sub.ID, EPCFormat: sub.EPCFormat, CBVFormat: sub.CBVFormat, Reader: sub.Owner})
		if err != nil {
			s.fail(ctx, sub, err)
			return
		}
		if ctx.Err() != nil {
			return
		}
		// A delivery under way is not cut short by Close: the receiver
		// may have taken it, and its 2xx must be recorded, or the chunk
		// would be delivered again after the restart. Timeout bounds it.
		err = s.post(context.WithoutCancel(ctx), sub, body, deliveryID(sub, ch.events))
		if errors.Is(err, errTooLarge) && len(ch.events) > 1 {
			// The receiver asks for smaller batches (the standard's 413):
			// halve this subscription's chunks and send again at once.
			s.shrink(sub.ID, len(ch.events)/2)
			continue
		}
		if err != nil {
			s.fail(ctx, sub, err)
			return
		}
		sent = true
		p.LastNotifiedAt, p.LastError, p.Attempts, p.DueAt = now, "", 0, time.Time{}
		if sched != nil && !ch.more {
			p.DueAt = sched.Next(now)
		}
		if !s.update(ctx, sub, p) || !ch.more {
			return
		}
	}
}

// chunk is one delivery's events and the progress once it is delivered.
type chunk struct {
	events   []*store.Event
	progress store.Progress
	more     bool // more events are due before the cutoff
	shared   view // the read the events come from
}

// next reads the events of q after progress p and before cutoff, at most
// ChunkSize of them, in Seq order. qkey identifies q for sharing reads
// between subscriptions (see fetch); "" reads alone.
func (s *Service) next(ctx context.Context, qkey string, q *query.Query, owner string, p store.Progress, cutoff time.Time, size int) (chunk, error) {
	qq := *q
	qq.Order = query.Order{}
	qq.EventCountLimit, qq.MaxEventCount, qq.NextPageToken = 0, 0, ""
	qq.PerPage = size
	var readers store.Readers
	if s.cfg.Readers != nil {
		readers = s.cfg.Readers(owner)
	}
	ge := p.MinRecordTime
	if q.RecordTime.GE.After(ge) {
		ge = q.RecordTime.GE
	}
	np := p
	// MinRecordTime may pass only events certainly visible. A store
	// assigns a batch's recordTime before it commits it, so the cutoff
	// alone is not enough: an event recorded just before it may still
	// be committing. Every event recorded before the newest visible
	// one's recordTime is visible (on SQLite, which commits in Seq
	// order; on MongoDB within the visibility lag, which the cutoff
	// already holds back), so each read first reads that horizon, and
	// MinRecordTime passes neither it nor the cutoff.
	advance := func(t, horizon time.Time) {
		if horizon.Before(t) {
			t = horizon
		}
		if t.After(np.MinRecordTime) {
			np.MinRecordTime = t
		}
	}
	// A query too costly for the engine's scan budget over the whole
	// window is run over its earlier half, and so on: the window is
	// then covered over several passes.
	for range 40 {
		lt := cutoff
		if !q.RecordTime.LT.IsZero() && q.RecordTime.LT.Before(lt) {
			lt = q.RecordTime.LT
		}
		if !ge.Before(lt) {
			// Nothing can match before the cutoff (the query's own
			// recordTime bounds exclude it, or it is passed already).
			advance(cutoff, cutoff)
			return chunk{progress: np}, nil
		}
		v, err := s.fetch(ctx, qkey, readers, p.AfterSeq, ge, lt, size, func(from time.Time) (engine.Page, time.Time, error) {
			horizon, err := s.horizon(ctx)
			if err != nil {
				return engine.Page{}, time.Time{}, err
			}
			qq.RecordTime = query.TimeRange{GE: from, LT: lt}
			page, err := s.eng.Page(ctx, &qq, readers, &engine.Position{Seq: p.AfterSeq})
			return page, horizon, err
		})
		if epcis.KindOf(err) == epcis.KindQueryTooComplex && cutoff.Sub(ge) > time.Millisecond && ctx.Err() == nil {
			cutoff = ge.Add(cutoff.Sub(ge) / 2)
			continue
		}
		if err != nil {
			return chunk{}, err
		}
		if n := len(v.events); n > 0 {
			np.AfterSeq = v.events[n-1].Seq
		}
		if v.short {
			advance(v.lt, v.horizon)
			return chunk{events: v.events, progress: np, more: true, shared: v}, nil
		}
		if v.more {
			return chunk{events: v.events, progress: np, more: true, shared: v}, nil
		}
		advance(cutoff, v.horizon)
		return chunk{events: v.events, progress: np, shared: v}, nil
	}
	return chunk{}, epcis.Errorf(epcis.KindQueryTooComplex, "the subscription's query examines too many events")
}

// horizon returns the recordTime of the newest visible event (of any
// party), or the zero time when there is none.
func (s *Service) horizon(ctx context.Context) (time.Time, error) {
	var h time.Time
	err := s.st.Events(ctx, store.Scan{Order: store.BySeq, Desc: true, BatchSize: 1}, func(e *store.Event) (bool, error) {
		h = e.RecordTime
		return false, nil
	})
	return h, err
}

// deliveryID names a chunk, so that a receiver can drop a repeat (a
// delivery acknowledged while the server crashed is sent again).
func deliveryID(sub *store.Subscription, evs []*store.Event) string {
	if len(evs) == 0 {
		return sub.ID + ":empty:" + strconv.FormatInt(sub.MinRecordTime.UnixNano(), 10)
	}
	return sub.ID + ":" + strconv.FormatInt(evs[0].Seq, 10) + "-" + strconv.FormatInt(evs[len(evs)-1].Seq, 10)
}

// errTooLarge is a receiver's 413: it wants smaller deliveries.
var errTooLarge = errors.New("the receiver answered 413: delivery too large")

// chunkSize is the most events a subscription's deliveries hold: the
// configured size, or less after its receiver answered 413 (until this
// server restarts).
func (s *Service) chunkSize(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.chunks[id]; ok {
		return n
	}
	return s.cfg.ChunkSize
}

func (s *Service) shrink(id string, n int) {
	s.mu.Lock()
	s.chunks[id] = max(1, n)
	s.mu.Unlock()
}

// post sends one delivery; any answer but 2xx is an error.
func (s *Service) post(ctx context.Context, sub *store.Subscription, body []byte, id string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Dest, bytes.NewReader(body))
	if err != nil {
		return err
	}
	h := req.Header
	h.Set("Content-Type", "application/ld+json")
	h.Set("GS1-EPCIS-Version", "2.0.0")
	h.Set("GS1-CBV-Version", "2.0.0")
	h.Set("GS1-Query-Min-Record-Time", sub.MinRecordTime.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	h.Set("Lotline-Subscription-ID", sub.ID)
	h.Set("Lotline-Delivery-ID", id)
	h.Set("User-Agent", "lotline-webhook")
	if sub.SignatureToken != "" {
		h.Set(SignatureHeader, Sign(sub.SignatureToken, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusRequestEntityTooLarge {
		return errTooLarge
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}

// renew extends the lease when less than half of it is left.
func (s *Service) renew(ctx context.Context, sub *store.Subscription) bool {
	now := s.now()
	if sub.LeaseUntil.Sub(now) > s.cfg.Lease/2 {
		return true
	}
	got, err := s.st.AcquireSubscription(ctx, sub.ID, s.cfg.Holder, now, now.Add(s.cfg.Lease))
	if err != nil {
		return false
	}
	sub.LeaseUntil = got.LeaseUntil
	return true
}

// update records progress p with the lease; false when it could not.
func (s *Service) update(ctx context.Context, sub *store.Subscription, p store.Progress) bool {
	err := s.st.UpdateSubscriptionProgress(context.WithoutCancel(ctx), sub.ID, s.cfg.Holder, s.now(), p)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.forget(sub.ID)
		} else {
			s.log.Warn("recording subscription progress", "subscription", sub.ID, "err", err)
		}
		return false
	}
	sub.Progress = p
	return true
}

// fail records a failed delivery and when to retry.
func (s *Service) fail(ctx context.Context, sub *store.Subscription, err error) {
	p := sub.Progress
	p.Attempts++
	p.LastError = err.Error()
	if len(p.LastError) > 500 {
		p.LastError = p.LastError[:500]
	}
	p.DueAt = s.now().Add(s.backoff(p.Attempts))
	s.log.Info("subscription delivery failed", "subscription", sub.ID, "attempts", p.Attempts, "retryAt", p.DueAt, "err", err)
	s.update(ctx, sub, p)
}

// backoff is the wait before retry n (1, 2, ...): MinBackoff doubled
// n-1 times, capped at MaxBackoff, then a random half of it taken off so
// that many subscriptions of one failed receiver do not retry together.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.MinBackoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func (s *Service) forget(id string) {
	s.mu.Lock()
	if st, ok := s.subs[id]; ok && !st.running {
		delete(s.subs, id)
	}
	s.mu.Unlock()
}

// bucket is a token bucket bounding one party's deliveries.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func (s *Service) bucket(owner string) *bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[owner]
	if b == nil {
		b = &bucket{tokens: float64(s.cfg.Burst), last: time.Now()}
		s.buckets[owner] = b
	}
	return b
}

// wait takes a token, waiting for one when the bucket is empty.
func (b *bucket) wait(ctx context.Context, cfg Config) error {
	for {
		b.mu.Lock()
		now := time.Now()
		b.tokens = min(float64(cfg.Burst), b.tokens+now.Sub(b.last).Seconds()*cfg.RatePerOwner)
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		wait := time.Duration((1 - b.tokens) / cfg.RatePerOwner * float64(time.Second))
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Create stores a new subscription (its ID, Owner, QueryName, Dest,
// token, Stream or Schedule, ReportIfEmpty and InitialRecordTime set by
// the caller, who has checked them) with its starting progress, and
// serves it at once when it is a stream. It refuses a party's
// subscription beyond MaxPerOwner with an *epcis.Error.
func (s *Service) Create(ctx context.Context, sub *store.Subscription) error {
	n, err := s.st.CountSubscriptions(ctx, sub.Owner)
	if err != nil {
		return err
	}
	s.mu.Lock()
	n += s.sockets[sub.Owner]
	s.mu.Unlock()
	if n >= s.cfg.MaxPerOwner {
		return tooMany(s.cfg.MaxPerOwner)
	}
	now := s.now().UTC()
	if sub.InitialRecordTime.IsZero() {
		sub.InitialRecordTime = now
	}
	sub.Progress = store.Progress{MinRecordTime: sub.InitialRecordTime}
	if !sub.Stream {
		sched, err := ParseSchedule(sub.Schedule)
		if err != nil {
			return err
		}
		sub.DueAt = sched.Next(now)
	}
	sub.LeaseHolder, sub.LeaseUntil = "", time.Time{}
	if err := s.st.CreateSubscription(ctx, sub); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *sub
	st := &subState{sub: &cp}
	s.subs[sub.ID] = st
	if sub.Stream && s.ctx != nil {
		s.advanceCutoff(now)
		s.startLocked(s.ctx, sub.ID, st)
	}
	return nil
}

// Delete ends a subscription; store.ErrNotFound when there is none.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := s.st.DeleteSubscription(ctx, id); err != nil {
		return err
	}
	s.forget(id)
	return nil
}

// DeleteQuery ends every subscription of a named query.
func (s *Service) DeleteQuery(ctx context.Context, name string) error {
	if _, err := s.st.DeleteSubscriptions(ctx, name); err != nil {
		return err
	}
	s.mu.Lock()
	for id, st := range s.subs {
		if st.sub.QueryName == name && !st.running {
			delete(s.subs, id)
		}
	}
	s.mu.Unlock()
	return nil
}

// Subscription returns a stored subscription, or store.ErrNotFound.
func (s *Service) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	return s.st.Subscription(ctx, id)
}

// List returns one page of stored subscriptions.
func (s *Service) List(ctx context.Context, p store.SubscriptionPage) ([]*store.Subscription, error) {
	return s.st.Subscriptions(ctx, p)
}
