package subscribe

import (
	"context"
	"errors"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// ErrSlowConsumer ends a stream whose consumer does not keep up: its
// send buffer is full.
var ErrSlowConsumer = errors.New("subscribe: consumer too slow; send buffer full")

// Watcher is one WebSocket stream: a subscription that lives as long as
// its connection and keeps its progress in memory.
type Watcher struct {
	s     *Service
	owner string
	poke  chan struct{}
}

// WatchOptions say when a stream delivers.
type WatchOptions struct {
	// Schedule, when set, makes a scheduled stream; otherwise the stream
	// delivers whenever events are captured.
	Schedule      *Schedule
	ReportIfEmpty bool
	// MinRecordTime is where the stream starts (initialRecordTime).
	MinRecordTime time.Time
	// EPCFormat and CBVFormat are the identifier forms of the documents.
	EPCFormat, CBVFormat string
}

// Watch reserves a stream for owner, counted with its webhook
// subscriptions against MaxPerOwner; an *epcis.Error when the party has
// too many. Close the Watcher when done.
func (s *Service) Watch(ctx context.Context, owner string) (*Watcher, error) {
	n, err := s.st.CountSubscriptions(ctx, owner)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n+s.sockets[owner] >= s.cfg.MaxPerOwner {
		return nil, tooMany(s.cfg.MaxPerOwner)
	}
	s.sockets[owner]++
	w := &Watcher{s: s, owner: owner, poke: make(chan struct{}, 1)}
	s.watchers[w] = struct{}{}
	return w, nil
}

func tooMany(n int) *epcis.Error {
	return epcis.Errorf(epcis.KindForbidden, "a party may have at most %d subscriptions and WebSocket streams at once; end one first", n)
}

// Close releases the stream's reservation.
func (w *Watcher) Close() {
	s := w.s
	s.mu.Lock()
	if _, ok := s.watchers[w]; ok {
		delete(s.watchers, w)
		s.sockets[w.owner]--
		if s.sockets[w.owner] <= 0 {
			delete(s.sockets, w.owner)
		}
	}
	s.mu.Unlock()
}

func (s *Service) pokeWatchers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watchers {
		select {
		case w.poke <- struct{}{}:
		default:
		}
	}
}

// Run streams q's results into out until ctx ends or the consumer falls
// behind: a document that finds out full ends the stream with
// ErrSlowConsumer, so a slow consumer costs at most cap(out) documents
// of memory. The caller writes out's documents to the connection.
func (w *Watcher) Run(ctx context.Context, q *query.Query, o WatchOptions, out chan<- []byte) error {
	s := w.s
	p := store.Progress{MinRecordTime: o.MinRecordTime}
	var timer <-chan time.Time
	arm := func() {
		if o.Schedule != nil {
			next := o.Schedule.Next(s.now())
			timer = time.After(time.Until(next))
		}
	}
	arm()
	if o.Schedule == nil {
		w.poke <- struct{}{} // catch up from MinRecordTime at once
	}
	s.mu.Lock()
	sctx := s.ctx
	s.mu.Unlock()
	if sctx == nil {
		return errors.New("subscribe: service not started")
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sctx.Done():
			return sctx.Err()
		case <-w.poke:
			if o.Schedule != nil {
				continue
			}
		case <-timer:
			arm()
		}
		cutoff := s.now().Add(-s.cfg.VisibilityLag)
		sent := false
		for {
			ch, err := s.next(ctx, "", q, w.owner, p, cutoff, s.cfg.ChunkSize)
			if err != nil {
				return err
			}
			if len(ch.events) == 0 && (o.Schedule == nil || !o.ReportIfEmpty || sent) {
				p = ch.progress
				break
			}
			if err := s.bucket(w.owner).wait(ctx, s.cfg); err != nil {
				return err
			}
			body, err := s.cfg.Document(ch.events, s.now(), Delivery{EPCFormat: o.EPCFormat, CBVFormat: o.CBVFormat, Reader: w.owner})
			if err != nil {
				return err
			}
			select {
			case out <- body:
			default:
				return ErrSlowConsumer
			}
			sent = true
			p = ch.progress
			if !ch.more {
				break
			}
		}
	}
}
