package subscribe

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/query/engine"
	"github.com/lotline/lotline/store"
)

// Reads shared between subscriptions.
//
// Subscriptions of one named query (say a hundred partners' streams of
// "shipments") would each read the same events after each capture. A
// chunk read is kept for a few seconds and serves every pass it covers:
// a pass of the same query, owners and chunk size after AfterSeq a, from
// MinRecordTime ge and before cutoff lt, is served by a read made after
// a0 <= a over [ge0, lt0) when
//
//   - the read was a full chunk (more events followed) and a is before its
//     last event: the pass gets the read's events after a; more follow.
//     A later cutoff changes nothing: events recorded after lt0 have
//     larger Seqs than every event recorded before it.
//   - or the read was complete and lt0 >= lt: the pass gets the read's
//     events after a, a superset of its window that holds only events
//     visible when the read was made.
//   - or the read was complete, lt0 < lt, and has events after a: the
//     pass delivers them as if its cutoff were lt0, then reads on. Passes
//     started by later wakes thus still share the reads of earlier ones.
//
// and, in every case, the read's window starts no later than the pass's
// (ge0 <= ge): the pass takes the read's events after a recorded at or
// after ge. Shared reads start at the whole second before the window,
// so that passes whose MinRecordTimes differ by milliseconds share them.
// A subscription that fell behind is served from the part of a read it
// overlaps, or ends its own chunk where the others' next read begins
// (catchUp), and so comes back in step with them. The documents written
// from a read are shared too, named for each subscription with
// Config.Name.

// fetchGroup is what reads must share to serve each other.
type fetchGroup struct {
	query, owners string
	size          int
}

// fetched is one read.
type fetched struct {
	after  int64
	ge, lt time.Time // the window read
	at     time.Time
	done   chan struct{}
	page   engine.Page
	// horizon is the newest visible recordTime, read just before page.
	horizon time.Time
	err     error

	mu   sync.Mutex // guards docs
	docs map[docKey][]byte
}

// docKey names a document written from part of a read.
type docKey struct {
	forms    Delivery // identifier forms only
	from, to int      // the events[from:to] of the read
}

// view is the part of a read that serves one pass.
type view struct {
	f       *fetched // nil: read alone
	from    int
	events  []*store.Event
	more    bool
	horizon time.Time
	// short: the read ended at an earlier cutoff, lt; the pass delivers
	// these events and reads on from there.
	short bool
	lt    time.Time
}

const (
	fetchTTL      = 5 * time.Second
	fetchPerGroup = 8
)

// cover returns the part of f that serves a pass after a, from ge,
// before lt.
func (f *fetched) cover(a int64, ge, lt time.Time) (view, bool) {
	if f.err != nil || a < f.after || f.ge.After(ge) {
		return view{}, false
	}
	evs := f.page.Events
	more := f.page.Next != nil
	// The pass's events: after a and recorded at or after ge, a suffix
	// (recordTime never decreases along Seq).
	i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq > a && !evs[i].RecordTime.Before(ge) })
	if more && i == len(evs) {
		return view{}, false // the pass's first events come after the read's last
	}
	v := view{f: f, from: i, events: evs[i:], more: more, horizon: f.horizon}
	if !more && f.lt.Before(lt) {
		// A complete read up to an earlier cutoff: its events are the
		// first of the pass's, which reads on from there. Useless
		// without events (and that ends the reading on).
		if i == len(evs) {
			return view{}, false
		}
		v.short, v.lt = true, f.lt
	}
	return v, true
}

// fetch returns the events of a pass after a before lt: from a read that
// covers it, or by calling read (once for all passes asking at once),
// which returns the horizon it read first and then the page. A shared
// read carries its own horizon: a pass must clamp MinRecordTime with the
// horizon read before its events, not after. qkey "" reads alone.
func (s *Service) fetch(ctx context.Context, qkey string, readers store.Readers, a int64, ge, lt time.Time, size int, read func(ge time.Time) (engine.Page, time.Time, error)) (view, error) {
	alone := func() (view, error) {
		p, h, err := read(ge)
		return view{events: p.Events, more: p.Next != nil, horizon: h}, err
	}
	if qkey == "" {
		return alone()
	}
	// A shared read starts at the second, so that passes whose windows
	// start within it can share it.
	geRead := ge.Truncate(time.Second)
	// Passes share a read only when they read the same events.
	g := fetchGroup{query: qkey, owners: strings.Join(readers.Owners, "\x00") + "\x01" + fmt.Sprint(readers.Grants), size: size}
	now := s.now()
	s.fmu.Lock()
	list := s.fetches[g][:0:0]
	var wait *fetched
	for _, f := range s.fetches[g] {
		if now.Sub(f.at) >= fetchTTL {
			continue
		}
		list = append(list, f)
		select {
		case <-f.done:
			if v, ok := f.cover(a, ge, lt); ok {
				s.fetches[g] = list
				s.fmu.Unlock()
				return v, nil
			}
		default:
			if f.after == a && f.ge.Equal(geRead) && f.lt.Equal(lt) {
				wait = f
			}
		}
	}
	if wait != nil {
		s.fetches[g] = list
		s.fmu.Unlock()
		select {
		case <-wait.done:
		case <-ctx.Done():
			return view{}, ctx.Err()
		}
		if v, ok := wait.cover(a, ge, lt); ok {
			return v, nil
		}
		return alone() // a failed read, or one that does not reach the pass
	}
	f := &fetched{after: a, ge: geRead, lt: lt, at: now, done: make(chan struct{})}
	list = append(list, f)
	if len(list) > fetchPerGroup {
		list = list[len(list)-fetchPerGroup:]
	}
	s.fetches[g] = list
	// Groups whose reads all expired go.
	for g2, l := range s.fetches {
		if len(l) > 0 && now.Sub(l[len(l)-1].at) >= fetchTTL {
			delete(s.fetches, g2)
		}
	}
	s.fmu.Unlock()
	f.page, f.horizon, f.err = read(geRead)
	close(f.done)
	if f.err != nil {
		return view{}, f.err
	}
	v, ok := f.cover(a, ge, lt)
	if !ok {
		// A full chunk recorded before ge, within the second the read
		// began at: read the pass's own window.
		var err error
		if v, err = alone(); err != nil {
			return v, err
		}
	}
	return s.catchUp(g, v, a, ge), nil
}

// catchUp ends a pass's chunk where the next shared read of its group
// begins, when that read could serve the pass from there: a subscription
// behind the others then joins their reads instead of reading chunks of
// its own that end elsewhere for ever. Delivering fewer events than a
// chunk holds, with more to follow, is always right.
func (s *Service) catchUp(g fetchGroup, v view, a int64, ge time.Time) view {
	if len(v.events) == 0 {
		return v
	}
	last := v.events[len(v.events)-1].Seq
	join := int64(-1)
	s.fmu.Lock()
	for _, f := range s.fetches[g] {
		select {
		case <-f.done:
		default:
			continue
		}
		if f.err == nil && f.after > a && f.after < last && !f.ge.After(ge) && (join < 0 || f.after < join) {
			join = f.after
		}
	}
	s.fmu.Unlock()
	if join < 0 {
		return v
	}
	n := sort.Search(len(v.events), func(i int) bool { return v.events[i].Seq > join })
	if n == 0 {
		return v
	}
	v.events, v.more, v.short = v.events[:n], true, false
	return v
}

// render writes the document of a chunk for delivery d: once per read,
// part and identifier forms when the read is shared, then named for the
// subscription.
func (s *Service) render(ch chunk, now time.Time, d Delivery) ([]byte, error) {
	f := ch.shared.f
	if f == nil || s.cfg.Name == nil {
		return s.cfg.Document(ch.events, now, d)
	}
	k := docKey{forms: Delivery{EPCFormat: d.EPCFormat, CBVFormat: d.CBVFormat, Reader: d.Reader}, from: ch.shared.from,
		to: ch.shared.from + len(ch.events)}
	f.mu.Lock()
	body, ok := f.docs[k]
	if !ok {
		var err error
		if body, err = s.cfg.Document(ch.events, now, k.forms); err != nil {
			f.mu.Unlock()
			return nil, err
		}
		if f.docs == nil {
			f.docs = map[docKey][]byte{}
		}
		f.docs[k] = body
	}
	f.mu.Unlock()
	return s.cfg.Name(body, d.SubscriptionID)
}
