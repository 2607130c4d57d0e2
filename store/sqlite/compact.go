package sqlitestore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lotline/lotline/store"
)

// Term index compaction. FTS5 writes each commit's postings as a new
// segment and merges segments in the background of later commits
// (automerge), so a loaded index holds about ten segments, and every term
// lookup probes each of them. Lot traces look up hundreds of terms per
// hop: at 1,000,000 events they ran three to four times faster on one
// segment than on the ten a load left (docs/benchmarks.md). So when the
// writer has been idle for a while and enough events arrived since the
// last compaction, the store merges the index into one segment, a bounded
// amount of work per step, giving the writer back between steps and
// stopping as soon as captures resume. The threshold bounds the cost: a
// compaction rewrites the whole index, so it runs only after the index
// grew by a fraction of its size, not after every trickle of events.

// compaction holds the compactor's settings and state.
type compaction struct {
	idle  time.Duration // writer idle this long before a step
	pages int           // FTS5 pages written per merge step
	// growth is the fraction of events newer than the last compaction
	// that makes the next one worth its cost.
	growth float64

	lastWrite atomic.Int64 // unix nanoseconds of the last commit
	stop      chan struct{}
	wg        sync.WaitGroup

	mu          sync.Mutex
	compactedAt int64 // lastSeq when the index was last one segment
	running     bool
}

// Defaults of compaction.
const (
	compactIdle   = 2 * time.Second
	compactPages  = 400
	compactGrowth = 0.01
)

// startCompactor starts the compactor goroutine; Close stops it.
func (s *Store) startCompactor() {
	c := &s.compact
	if c.idle == 0 {
		c.idle, c.pages, c.growth = compactIdle, compactPages, compactGrowth
	}
	c.stop = make(chan struct{})
	c.lastWrite.Store(time.Now().UnixNano())
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(c.idle / 4)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				s.compactWhenIdle()
			}
		}
	}()
}

// stopCompactor stops the goroutine and waits for it (before Close takes
// the writer).
func (s *Store) stopCompactor() {
	if s.compact.stop == nil {
		return
	}
	select {
	case <-s.compact.stop:
	default:
		close(s.compact.stop)
	}
	s.compact.wg.Wait()
}

// due reports whether enough events arrived since the last compaction.
func (c *compaction) due(lastSeq int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	fresh := lastSeq - c.compactedAt
	return fresh > 0 && float64(fresh) >= c.growth*float64(lastSeq)
}

// idleFor reports whether the writer committed nothing for c.idle.
func (c *compaction) idleFor(now time.Time) bool {
	return now.Sub(time.Unix(0, c.lastWrite.Load())) >= c.idle
}

// compactWhenIdle runs merge steps while the writer stays idle, until the
// index is one segment.
func (s *Store) compactWhenIdle() {
	c := &s.compact
	s.mu.Lock()
	lastSeq := s.lastSeq
	s.mu.Unlock()
	if !c.due(lastSeq) || !c.idleFor(time.Now()) {
		return
	}
	c.mu.Lock()
	c.running = true
	c.mu.Unlock()
	finished := false
	defer func() {
		c.mu.Lock()
		c.running = false
		if finished {
			c.compactedAt = lastSeq
		}
		c.mu.Unlock()
	}()
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		if !c.idleFor(time.Now()) {
			return // captures resumed: they go first
		}
		more, seq, err := s.mergeStep(c.pages)
		if err != nil {
			return // tried again at the next idle tick
		}
		if seq != lastSeq {
			return // events arrived meanwhile; the next round includes them
		}
		if !more {
			finished = true
			return
		}
	}
}

// mergeStep writes up to pages pages of an incremental optimize of the
// term index under the writer lock and reports whether work remains (the
// step wrote something) and the last committed seq.
func (s *Store) mergeStep(pages int) (more bool, lastSeq int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, s.lastSeq, store.ErrClosed
	}
	ctx := context.Background()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return false, s.lastSeq, err
	}
	defer conn.Close()
	var before, after int64
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
		return false, s.lastSeq, err
	}
	// A negative page count merges segments of every level, as optimize
	// does, a step at a time (see the FTS5 documentation of 'merge').
	if _, err := conn.ExecContext(ctx, `INSERT INTO terms(terms, rank) VALUES('merge', ?)`, -pages); err != nil {
		return false, s.lastSeq, err
	}
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
		return false, s.lastSeq, err
	}
	// FTS5 documents that a step changing fewer than two rows found
	// nothing left to merge.
	return after-before >= 2, s.lastSeq, nil
}

// WaitCompacted waits until no compaction is due or running, or ctx
// ends. Benchmarks call it after a load so that they measure the index a
// server settles into.
func (s *Store) WaitCompacted(ctx context.Context) error {
	c := &s.compact
	for {
		s.mu.Lock()
		lastSeq := s.lastSeq
		s.mu.Unlock()
		c.mu.Lock()
		running := c.running
		c.mu.Unlock()
		if !running && !c.due(lastSeq) {
			return nil
		}
		select {
		case <-time.After(c.idle / 4):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
