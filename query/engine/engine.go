// Package engine runs parsed EPCIS queries against a store, one page at a
// time. It owns what happens between a *query.Query and the store's
// keyset scan: compiling the query with the current master data, the
// residual check of each candidate with query.Match, the result order,
// eventCountLimit and maxEventCount, and the bound on the work one request
// may do. It does not parse parameters (package query does) nor encode
// pages or tokens (package api does): a Position is plain data that the
// caller carries between requests, signed.
package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// Store is what the engine reads; every store.Store is one.
type Store interface {
	store.Querier
	MasterData(ctx context.Context, types ...string) ([]store.VocabularyElement, error)
}

// Config bounds the engine's work.
type Config struct {
	// MaxScan bounds the candidate events one Page call may examine (read
	// from the store and, when the plan is not exact, check with Match).
	// A request that needs more is refused with QueryTooComplexException.
	// Examining a candidate costs about 20 µs on an idle core of the
	// 2-core machine (measured on a 750-byte event: JSON decoding is nine
	// tenths of it; 70 µs under a load average of 8), plus the store's
	// read, so the default of 100,000 caps a request at 2 to 7 seconds;
	// a query that the indexes answer never comes near it.
	MaxScan int
	// MasterDataTTL is how long a copy of the master data (for WD_,
	// EQ_ATTR_ and HASATTR_) is used before it is read again. Other servers
	// sharing the store may change it meanwhile; Invalidate forgets the
	// copy at once after a local capture.
	MasterDataTTL time.Duration
}

// DefaultConfig holds the defaults Config's zero fields take.
var DefaultConfig = Config{MaxScan: 100_000, MasterDataTTL: 2 * time.Second}

// Engine answers queries from a store. It is safe for concurrent use.
type Engine struct {
	st  Store
	cfg Config
	now func() time.Time

	mu sync.Mutex
	// md caches master data by the vocabulary types read, joined by
	// spaces ("" for all types): a WD_bizLocation query reads the
	// locations only, not the (many) product and lot elements.
	md map[string]*cachedMasterData
}

type cachedMasterData struct {
	md   *query.StoredMasterData
	read time.Time
}

// New returns an engine reading st.
func New(st Store, cfg Config) *Engine {
	if cfg.MaxScan <= 0 {
		cfg.MaxScan = DefaultConfig.MaxScan
	}
	if cfg.MasterDataTTL <= 0 {
		cfg.MasterDataTTL = DefaultConfig.MasterDataTTL
	}
	return &Engine{st: st, cfg: cfg, now: time.Now, md: map[string]*cachedMasterData{}}
}

// Invalidate forgets the cached master data, so that the next query that
// needs it reads it again. Call it after capturing master data.
func (e *Engine) Invalidate() {
	e.mu.Lock()
	clear(e.md)
	e.mu.Unlock()
}

// masterData returns the master data q needs, or nil when q asks nothing
// of master data (then it is not read at all).
func (e *Engine) masterData(ctx context.Context, q *query.Query) (query.MasterData, error) {
	types, needed := vocabularies(q)
	if !needed {
		return nil, nil
	}
	key := strings.Join(types, " ")
	// One reader at a time: concurrent queries after expiry wait for one
	// read rather than all reading.
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.md[key]; c != nil && e.now().Sub(c.read) < e.cfg.MasterDataTTL {
		return c.md, nil
	}
	elems, err := e.st.MasterData(ctx, types...)
	if err != nil {
		return nil, err
	}
	c := &cachedMasterData{md: query.NewMasterData(elems), read: e.now()}
	e.md[key] = c
	return c.md, nil
}

// vocabularies returns the sorted vocabulary types q reads master data
// of (nil for all of them), and whether it reads any.
func vocabularies(q *query.Query) (types []string, needed bool) {
	set := map[string]bool{}
	if len(q.ReadPointsWD) > 0 {
		set[query.VocabReadPoint] = true
	}
	if len(q.BizLocationsWD) > 0 {
		set[query.VocabBusinessLocation] = true
	}
	fields := make([]query.AttrField, 0, len(q.Attrs)+len(q.HasAttrs))
	for _, a := range q.Attrs {
		fields = append(fields, a.Field)
	}
	for _, a := range q.HasAttrs {
		fields = append(fields, a.Field)
	}
	for _, f := range fields {
		v := f.Vocabulary()
		if v == "" {
			return nil, true // an extension field: any vocabulary
		}
		set[v] = true
	}
	if len(set) == 0 {
		return nil, false
	}
	for t := range set {
		types = append(types, t)
	}
	slices.Sort(types)
	return types, true
}

// Position is where the next page starts: the last event served, in the
// query's order, and how many events were served before (for
// eventCountLimit). It is plain data for the caller to carry in a page
// token; it is only meaningful with the query that produced it.
type Position struct {
	Seq int64 `json:"s"`
	// EventTime is the last event's eventTime, for orderBy=eventTime.
	EventTime time.Time `json:"t,omitzero"`
	// Key is the last event's value of the orderBy extension field.
	Key *SortKey `json:"k,omitempty"`
	// Served counts the events of all pages up to here.
	Served int `json:"n,omitempty"`
}

// Page is one page of a query's results.
type Page struct {
	// Events are the matching events, in the query's order, as stored.
	Events []*store.Event
	// Next is where the following page starts, or nil when this page is
	// the last.
	Next *Position
}

// Page returns the events of q (at most q.PerPage of them) that follow
// after, or the first page when after is nil. readers restricts the
// events to those the reader may read (store.Readers: its owners, nil for
// every party's, and the grants sharing others' events).
//
// The order is q.Order: eventTime or recordTime in its direction, an
// extension field (events lacking it last, ties in capture order), or
// capture order (ascending) when q has no orderBy. Errors are
// *epcis.Error values: QueryTooLargeException when more than
// q.MaxEventCount events match (checked on the first page), and
// QueryTooComplexException when answering would examine more than
// Config.MaxScan events or ctx's deadline passes; a nextPageToken error
// when after does not fit q's order. Other errors come from the store.
func (e *Engine) Page(ctx context.Context, q *query.Query, readers store.Readers, after *Position) (Page, error) {
	md, err := e.masterData(ctx, q)
	if err != nil {
		return Page{}, err
	}
	plan := query.Compile(q, md)
	plan.Filter.Owners, plan.Filter.Grants = readers.Owners, readers.Grants
	r := run{e: e, q: q, md: md, plan: plan, after: after}
	if err := r.init(); err != nil {
		return Page{}, err
	}
	var page Page
	if q.Order.Field.IRI != "" || q.Order.Field.CURIE != "" {
		page, err = r.sorted(ctx)
	} else {
		page, err = r.scan(ctx)
	}
	if err != nil {
		return Page{}, r.explain(ctx, err)
	}
	return page, nil
}

// run is one Page call.
type run struct {
	e     *Engine
	q     *query.Query
	md    query.MasterData
	plan  query.Plan
	after *Position

	served  int // events served by earlier pages
	need    int // events this page may hold
	countTo int // matches to count before stopping (need+1, or maxEventCount+1)
	scanned int
	matched int
}

var errBudget = errors.New("engine: scan budget exhausted")

func (r *run) init() error {
	q := r.q
	perPage := q.PerPage
	if perPage <= 0 {
		perPage = 30
	}
	r.need = perPage
	if r.after != nil {
		r.served = r.after.Served
		extension := q.Order.Field.IRI != "" || q.Order.Field.CURIE != ""
		if (r.after.Key != nil) != extension || (!r.after.EventTime.IsZero()) != (q.Order.By == "eventTime") || r.served < 0 {
			e := epcis.Errorf(epcis.KindQueryParameter, "the page token does not belong to this query")
			e.Param = "nextPageToken"
			return e
		}
	}
	if q.EventCountLimit > 0 {
		r.need = max(0, min(r.need, q.EventCountLimit-r.served))
	}
	r.countTo = r.need + 1
	if q.MaxEventCount > 0 && r.after == nil {
		r.countTo = max(r.countTo, q.MaxEventCount+1)
	}
	return nil
}

// visit counts a candidate against the budget and ctx.
func (r *run) visit(ctx context.Context) error {
	r.scanned++
	if r.scanned > r.e.cfg.MaxScan {
		return errBudget
	}
	if r.scanned&1023 == 0 {
		return ctx.Err()
	}
	return nil
}

// decode reads a stored event for Match and for sort keys.
func decode(ev *store.Event) (*epcis.Event, error) {
	d := json.NewDecoder(bytes.NewReader(ev.Body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("engine: stored event %d (%s) is corrupt: %w", ev.Seq, ev.EventID, err)
	}
	return epcis.NewEvent(m), nil
}

// scan answers a query in an order the store keeps: capture order or
// eventTime. The store visits candidates from the position on; the first
// need matches make the page, one more proves a next page.
func (r *run) scan(ctx context.Context) (Page, error) {
	q := r.q
	s := store.Scan{Filter: r.plan.Filter, BatchSize: r.need + 1}
	switch q.Order.By {
	case "eventTime":
		s.Order, s.Desc = store.ByEventTime, q.Order.Desc
	case "recordTime":
		s.Order, s.Desc = store.BySeq, q.Order.Desc
	default:
		// No order asked: the standard leaves it to us; capture order is
		// the cheapest to resume.
		s.Order = store.BySeq
	}
	if !r.plan.Exact {
		// Some candidates will fail the residual check: ask for more.
		s.BatchSize = min(4*(r.need+1), 1000)
	}
	if a := r.after; a != nil {
		s.After = &store.Cursor{Time: a.EventTime, Seq: a.Seq}
	}
	if r.need == 0 {
		return Page{}, nil
	}
	var page []*store.Event
	more := false
	err := r.e.st.Events(ctx, s, func(ev *store.Event) (bool, error) {
		if err := r.visit(ctx); err != nil {
			return false, err
		}
		if !r.plan.Exact {
			x, err := decode(ev)
			if err != nil {
				return false, err
			}
			if !query.Match(q, x, ev.RecordTime, r.md) {
				return true, nil
			}
		}
		r.matched++
		if len(page) < r.need {
			page = append(page, ev)
		} else {
			more = true
		}
		return r.matched < r.countTo, nil
	})
	if err != nil {
		return Page{}, err
	}
	if err := r.checkMax(); err != nil {
		return Page{}, err
	}
	out := Page{Events: page}
	if more && r.hasNext(len(page)) {
		last := page[len(page)-1]
		out.Next = &Position{Seq: last.Seq, Served: r.served + len(page)}
		if s.Order == store.ByEventTime {
			out.Next.EventTime = last.EventTime
		}
	}
	return out, nil
}

// hasNext says whether eventCountLimit leaves room after n more events.
func (r *run) hasNext(n int) bool {
	return n > 0 && (r.q.EventCountLimit == 0 || r.served+n < r.q.EventCountLimit)
}

func (r *run) checkMax() error {
	if max := r.q.MaxEventCount; max > 0 && r.after == nil && r.matched > max {
		e := epcis.Errorf(epcis.KindQueryTooLarge, "more than %d events match the query (maxEventCount)", max)
		e.Param = "maxEventCount"
		return e
	}
	return nil
}

// explain turns the budget and deadline into the standard's exception.
func (r *run) explain(ctx context.Context, err error) error {
	var advice string
	switch {
	case errors.Is(err, errBudget):
		advice = fmt.Sprintf("answering this page would examine more than %d stored events", r.e.cfg.MaxScan)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		advice = "the query did not finish in the time allowed"
	default:
		return err
	}
	e := epcis.Errorf(epcis.KindQueryTooComplex, "%s; %s", advice, r.restrictionAdvice())
	e.Err = err
	return e
}

// restrictionAdvice names what makes the query expensive and what to add.
func (r *run) restrictionAdvice() string {
	q := r.q
	var why []string
	if q.Order.Field.IRI != "" || q.Order.Field.CURIE != "" {
		why = append(why, "orderBy "+q.Order.By+" sorts every matching event")
	}
	if q.MaxEventCount > 0 {
		why = append(why, "maxEventCount counts every matching event")
	}
	if res := residual(q); len(res) > 0 {
		why = append(why, strings.Join(res, ", ")+" cannot be looked up in the index and are checked event by event")
	}
	add := "add a restriction the index answers: a GE_eventTime/LT_eventTime or GE_recordTime/LT_recordTime window, eventType, EQ_bizStep, EQ_bizLocation, MATCH_epc or MATCH_epcClass with full identifiers, or EQ_bizTransaction_{type}"
	if len(why) == 0 {
		return add
	}
	return strings.Join(why, "; ") + "; " + add
}

// residual names the parameters of q that Compile leaves to Match.
func residual(q *query.Query) []string {
	var out []string
	for _, c := range q.Quantity {
		out = append(out, c.Param)
	}
	for _, c := range q.Fields {
		out = append(out, c.Param)
	}
	for _, c := range q.Attrs {
		out = append(out, c.Param)
	}
	for _, c := range q.HasAttrs {
		out = append(out, c.Param)
	}
	if len(q.PersistentDispositionSet) > 0 {
		out = append(out, "EQ_persistentDisposition_set")
	}
	if len(q.PersistentDispositionUnset) > 0 {
		out = append(out, "EQ_persistentDisposition_unset")
	}
	if !q.Sensor.IsZero() {
		out = append(out, "the sensor parameters")
	}
	if !q.ErrorDeclarationTime.IsZero() || len(q.ErrorReasons) > 0 || len(q.CorrectiveEventIDs) > 0 {
		out = append(out, "the errorDeclaration parameters")
	}
	for _, m := range []struct {
		name string
		ms   []query.IDMatch
	}{{"MATCH_epc", q.EPC}, {"MATCH_parentID", q.ParentID}, {"MATCH_inputEPC", q.InputEPC},
		{"MATCH_outputEPC", q.OutputEPC}, {"MATCH_anyEPC", q.AnyEPC}, {"MATCH_epcClass", q.EPCClass},
		{"MATCH_inputEPCClass", q.InputEPCClass}, {"MATCH_outputEPCClass", q.OutputEPCClass},
		{"MATCH_anyEPCClass", q.AnyEPCClass}} {
		for _, x := range m.ms {
			if x.Pattern != nil {
				out = append(out, m.name+" patterns")
				break
			}
		}
	}
	return out
}

// compareSeq orders by Seq in a direction.
func compareSeq(a, b int64, desc bool) int {
	if desc {
		return cmp.Compare(b, a)
	}
	return cmp.Compare(a, b)
}
