package lot

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// Options bound the work of History and say whose events it may read.
// Zero fields take the defaults.
type Options struct {
	// Readers says whose events may be read (store.Readers: zero reads
	// every event).
	Readers store.Readers
	// MaxEvents bounds the events read from the store, counting every
	// event a lookup returns (default 100,000).
	MaxEvents int
	// Timeout bounds the whole walk (default 10s).
	Timeout time.Duration
	// MaxDepth bounds how deeply containers may nest around a unit
	// (unit in case in pallet ...: default 4).
	MaxDepth int
	// ChunkTerms is the number of terms per batched lookup (default 500).
	ChunkTerms int
	// NoInference turns off the indicator-digit inference of the
	// production lot family: without it, only master data and events
	// link a lot to the lots of other packaging levels (see Family).
	NoInference bool
}

// Defaults of Options.
const (
	DefaultMaxEvents  = 100_000
	DefaultTimeout    = 10 * time.Second
	DefaultMaxDepth   = 4
	DefaultChunkTerms = 500
)

func (o Options) withDefaults() Options {
	if o.MaxEvents <= 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.ChunkTerms <= 0 {
		o.ChunkTerms = DefaultChunkTerms
	}
	return o
}

// maxWhy bounds the reasons listed on one entry: an event naming
// thousands of units says so with a count.
const maxWhy = 8

// item is one event read during the walk.
type item struct {
	ev       *store.Event
	e        *epcis.Event
	included bool
	why      []string
	whySet   map[string]bool
	more     int // reasons beyond maxWhy
}

func (it *item) include(reason string) {
	it.included = true
	if it.whySet[reason] {
		return
	}
	if it.whySet == nil {
		it.whySet = map[string]bool{}
	}
	it.whySet[reason] = true
	if len(it.why) < maxWhy {
		it.why = append(it.why, reason)
	} else {
		it.more++
	}
}

// span is a time during which a container held lot material, both ends
// inclusive; a zero end is open.
type span struct{ from, to time.Time }

func (s span) has(t time.Time) bool {
	return (s.from.IsZero() || !t.Before(s.from)) && (s.to.IsZero() || !t.After(s.to))
}

func within(spans []span, t time.Time) bool {
	for _, s := range spans {
		if s.has(t) {
			return true
		}
	}
	return false
}

// walker holds the state of one History call.
type walker struct {
	st      store.Querier
	opt     Options
	id      ID
	class   string // canonical LGTIN
	items   map[int64]*item
	read    int
	retract map[string]bool // eventIDs with an error declaration seen
	what    string          // the walk, in error messages: "lot history", "trace"
	fam     *familyState    // the production lot family, once resolved
}

// History returns the lot's batch record: every event about the lot in
// eventTime order (see the package documentation for what "about" means
// and how the record is grouped). It returns a *epcis.Error of kind
// KindNoSuchResource when no event mentions the lot, and of kind
// KindQueryTooComplex, saying which limit was hit, when the walk exceeds
// opt's bounds.
func History(ctx context.Context, st store.Querier, id ID, opt Options) (*Record, error) {
	opt = opt.withDefaults()
	wctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	w := &walker{st: st, opt: opt, id: id, class: id.Canonical(), items: map[int64]*item{}, retract: map[string]bool{}, what: "lot history"}
	rec, err := w.run(wctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, epcis.Errorf(epcis.KindQueryTooComplex,
				"the lot history took longer than the time limit of %s", opt.Timeout)
		}
		return nil, err
	}
	return rec, nil
}

func (w *walker) run(ctx context.Context) (*Record, error) {
	// (a) class-level events and (b) the events that give the lot number
	// of serialised units, of every level of the production lot family.
	start, err := w.resolve(ctx)
	if err != nil {
		return nil, err
	}
	units := map[string]bool{}
	var unitList []string
	for _, it := range start {
		for _, c := range w.classesNamed(it.e) {
			if c == w.class {
				it.include("class")
			} else {
				it.include("class " + c)
			}
		}
		for _, u := range w.ilmdUnits(it.e) {
			if w.fam.gtins[u.lot.GTIN] && w.fam.addUnit(u.epc, u.lot.GTIN) {
				units[u.epc] = true
				unitList = append(unitList, u.epc)
			}
		}
	}
	// (b) every event naming a unit in any role.
	frontier := start
	if err := w.lookup(ctx, nil, unitTerms(unitList), func(it *item) {
		for _, n := range w.named(it.e, roleAll) {
			if units[n] {
				it.include("unit " + n)
			}
		}
		frontier = append(frontier, it)
	}); err != nil {
		return nil, err
	}

	// (c) containers while they held units (or the class, when packed by
	// quantity), nesting outward one level per round.
	held := map[string][]span{}
	for c := range w.fam.members {
		held[c] = []span{{}}
	}
	for u := range units {
		held[u] = []span{{}}
	}
	containers, err := w.followContainers(ctx, frontier, held, func(p string, it *item) {
		it.include("container " + p)
	})
	if err != nil {
		return nil, err
	}

	// Transformations spread over several events: when an event with a
	// transformationID makes the lot, the inputs may be in another event
	// of that transformation.
	var xterms []string
	xseen := map[string]bool{}
	for _, it := range w.items {
		if it.included && it.e.TransformationID != "" && w.isOutput(it.e, units) && !xseen[it.e.TransformationID] {
			xseen[it.e.TransformationID] = true
			xterms = append(xterms, query.TermTransform+"="+query.Compact(query.CanonicalID(it.e.TransformationID)))
		}
	}
	if err := w.lookup(ctx, nil, xterms, func(it *item) {
		it.include("transformation " + it.e.TransformationID)
	}); err != nil {
		return nil, err
	}

	// (d) error declarations of the events in the record (stored beside
	// them, so usually read already) and their corrective events.
	var idTerms []string
	ids := map[string]bool{}
	for _, it := range w.items {
		if it.included && !ids[it.ev.EventID] {
			ids[it.ev.EventID] = true
			idTerms = append(idTerms, query.TermEventID+"="+query.Compact(it.ev.EventID))
		}
	}
	if err := w.lookup(ctx, []string{query.TermErrorDecl + "=1"}, idTerms, func(it *item) {
		if ids[it.ev.EventID] {
			it.include("error declaration of " + it.ev.EventID)
		}
	}); err != nil {
		return nil, err
	}
	corrective := map[string][]string{} // corrective eventID -> the eventIDs it corrects
	for _, it := range w.items {
		if it.included && it.e.ErrorDeclaration != nil {
			for _, cid := range it.e.ErrorDeclaration.CorrectiveEventIDs {
				corrective[cid] = append(corrective[cid], it.ev.EventID)
			}
		}
	}
	var cterms []string
	for cid := range corrective {
		cterms = append(cterms, query.TermEventID+"="+query.Compact(cid))
	}
	slices.Sort(cterms)
	if err := w.lookup(ctx, nil, cterms, func(it *item) {
		for _, orig := range corrective[it.ev.EventID] {
			it.include("corrective event of " + orig)
		}
	}); err != nil {
		return nil, err
	}

	var included []*item
	for _, it := range w.items {
		if it.included {
			included = append(included, it)
		}
	}
	if len(included) == 0 {
		return nil, epcis.Errorf(epcis.KindNoSuchResource, "no event mentions lot %s", w.class)
	}
	sortItems(included)
	w.aggregationReasons(included)
	w.outputReasons(included)
	return w.record(included, unitList, containers, held, units), nil
}

// followContainers follows, one batched lookup per level of nesting, the
// containers into which an ADD of frontier put something held while it
// was held, nesting outward. It records each container's spans in held,
// calls in for every event of a container within its spans, and returns
// the containers in the order found.
func (w *walker) followContainers(ctx context.Context, frontier []*item, held map[string][]span, in func(p string, it *item)) ([]string, error) {
	var containers []string
	followed := map[string]bool{} // in this call: a container's own events name it again
	for depth := 0; ; depth++ {
		parents := w.parents(frontier, held, followed)
		if len(parents) == 0 {
			return containers, nil
		}
		if depth == w.opt.MaxDepth {
			return nil, epcis.Errorf(epcis.KindQueryTooComplex,
				"containers nest more than %d levels deep around the lot's units (maximum depth)", w.opt.MaxDepth)
		}
		var terms []string
		for _, p := range parents {
			cp := query.Compact(p)
			terms = append(terms, query.TermEPC+"="+cp, query.TermParent+"="+cp)
		}
		var found []*item
		if err := w.lookup(ctx, nil, terms, func(it *item) { found = append(found, it) }); err != nil {
			return nil, err
		}
		sortItems(found)
		// Each container's events, in time order, from one pass.
		byParent := make(map[string][]*item, len(parents))
		for _, p := range parents {
			byParent[p] = nil
		}
		for _, it := range found {
			for _, n := range w.named(it.e, roleEPC|roleParent) {
				if list, ok := byParent[n]; ok && (len(list) == 0 || list[len(list)-1] != it) {
					byParent[n] = append(list, it)
				}
			}
		}
		frontier = frontier[:0:0]
		for _, p := range parents {
			followed[p] = true
			spans := w.spansOf(p, byParent[p], held)
			if len(spans) == 0 {
				continue
			}
			held[p] = spans
			containers = append(containers, p)
			for _, it := range byParent[p] {
				if within(spans, it.e.EventTime) {
					in(p, it)
					frontier = append(frontier, it)
				}
			}
		}
	}
}

// lookup reads the events having, for every list of and, one of its
// terms, and one of terms (batched in chunks), calling fn once per
// distinct event. It counts every event read against MaxEvents.
func (w *walker) lookup(ctx context.Context, and []string, terms []string, fn func(*item)) error {
	seen := map[int64]bool{}
	for len(terms) > 0 {
		n := min(len(terms), w.opt.ChunkTerms)
		chunk := terms[:n]
		terms = terms[n:]
		f := store.Filter{Terms: [][]string{chunk}, Owners: w.opt.Readers.Owners, Grants: w.opt.Readers.Grants}
		if and != nil {
			f.Terms = [][]string{and, chunk}
		}
		err := w.st.Events(ctx, store.Scan{Filter: f}, w.visit(seen, fn))
		if err != nil {
			return err
		}
	}
	return nil
}

// visit returns the scan callback of a lookup: it counts every event read
// against MaxEvents and calls fn once per distinct event (by seq).
func (w *walker) visit(seen map[int64]bool, fn func(*item)) func(*store.Event) (bool, error) {
	return func(ev *store.Event) (bool, error) {
		w.read++
		if w.read > w.opt.MaxEvents {
			return false, epcis.Errorf(epcis.KindQueryTooComplex,
				"the %s reads more than %d events (maximum events)", w.what, w.opt.MaxEvents)
		}
		if seen[ev.Seq] {
			return true, nil
		}
		seen[ev.Seq] = true
		it, err := w.item(ev)
		if err != nil {
			return false, err
		}
		fn(it)
		return true, nil
	}
}

// item returns the decoded view of a stored event, decoding it once.
func (w *walker) item(ev *store.Event) (*item, error) {
	if it, ok := w.items[ev.Seq]; ok {
		return it, nil
	}
	dec := json.NewDecoder(bytes.NewReader(ev.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("lot: stored event %s is corrupt: %w", ev.EventID, err)
	}
	it := &item{ev: ev, e: epcis.NewEvent(m)}
	if it.e.ErrorDeclaration != nil {
		w.retract[ev.EventID] = true
	}
	w.items[ev.Seq] = it
	return it, nil
}

// Roles of identifiers in an event.
const (
	roleEPC    = 1 << iota // epcList, childEPCs
	roleParent             // parentID
	roleInput              // inputEPCList
	roleOutput             // outputEPCList
	roleAll    = roleEPC | roleParent | roleInput | roleOutput
)

// named returns the canonical identifiers an event names in the roles.
func (w *walker) named(e *epcis.Event, roles int) []string {
	var out []string
	add := func(list ...string) {
		for _, s := range list {
			if s == "" {
				continue
			}
			if epc, err := e.ParseID(s); err == nil {
				out = append(out, epc.Canonical())
			} else {
				out = append(out, s)
			}
		}
	}
	if roles&roleEPC != 0 {
		add(e.EPCList...)
		add(e.ChildEPCs...)
	}
	if roles&roleParent != 0 {
		add(e.ParentID)
	}
	if roles&roleInput != 0 {
		add(e.InputEPCList...)
	}
	if roles&roleOutput != 0 {
		add(e.OutputEPCList...)
	}
	return out
}

func (w *walker) canonicalClass(e *epcis.Event, s string) string {
	if epc, err := e.ParseID(s); err == nil {
		return epc.Canonical()
	}
	return s
}

// isLot reports whether a canonical class is the lot, or a lot of its
// family once that is resolved.
func (w *walker) isLot(c string) bool {
	if w.fam != nil {
		_, ok := w.fam.members[c]
		return ok
	}
	return c == w.class
}

func (w *walker) hasClass(e *epcis.Event, lists ...[]epcis.Quantity) bool {
	for _, l := range lists {
		for _, q := range l {
			if w.isLot(w.canonicalClass(e, q.EPCClass)) {
				return true
			}
		}
	}
	return false
}

// classesNamed returns the lots of the family an event names as classes
// in any quantity list, each once.
func (w *walker) classesNamed(e *epcis.Event) []string {
	var out []string
	for _, l := range [][]epcis.Quantity{e.QuantityList, e.ChildQuantityList, e.InputQuantityList, e.OutputQuantityList} {
		for _, q := range l {
			if c := w.canonicalClass(e, q.EPCClass); w.isLot(c) && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// isOutput reports whether a transformation makes the lot or its units.
func (w *walker) isOutput(e *epcis.Event, units map[string]bool) bool {
	if w.hasClass(e, e.OutputQuantityList) {
		return true
	}
	return slices.ContainsFunc(w.named(e, roleOutput), func(s string) bool { return units[s] })
}

// children returns the canonical children of an aggregation event:
// childEPCs and the classes of childQuantityList.
func (w *walker) children(e *epcis.Event) []string {
	out := w.named(e, roleEPC)
	if e.Type != epcis.AggregationEvent {
		return nil
	}
	for _, q := range e.ChildQuantityList {
		out = append(out, w.canonicalClass(e, q.EPCClass))
	}
	return out
}

// parents returns the containers, not yet followed, into which an ADD of
// items put something held while it was held.
func (w *walker) parents(items []*item, held map[string][]span, followed map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		e := it.e
		if e.Type != epcis.AggregationEvent || e.Action != "ADD" || e.ParentID == "" || w.retracted(it) {
			continue
		}
		// A container followed before (at an earlier hop of a trace) is
		// followed again: it may have taken this material later, and
		// gone elsewhere with it.
		p := w.canonicalClass(e, e.ParentID)
		if followed[p] || seen[p] {
			continue
		}
		for _, ch := range w.children(e) {
			if within(held[ch], e.EventTime) {
				seen[p] = true
				out = append(out, p)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// retracted reports whether an event has been declared in error (the
// event itself, not its declaration).
func (w *walker) retracted(it *item) bool {
	return it.e.ErrorDeclaration == nil && w.retract[it.ev.EventID]
}

// spansOf returns when container p held lot material: from an ADD of p
// with a held child (while that child was held) to the next DELETE of p
// naming that child or naming no children (which empties p). items are
// p's events in time order.
func (w *walker) spansOf(p string, items []*item, held map[string][]span) []span {
	var out []span
	open := map[string]time.Time{}
	var order []string
	for _, it := range items {
		e := it.e
		if e.Type != epcis.AggregationEvent || w.retracted(it) || e.ErrorDeclaration != nil ||
			e.ParentID == "" || w.canonicalClass(e, e.ParentID) != p {
			continue
		}
		kids := w.children(e)
		switch e.Action {
		case "ADD":
			for _, ch := range kids {
				if _, ok := open[ch]; !ok && within(held[ch], e.EventTime) {
					open[ch] = e.EventTime
					order = append(order, ch)
				}
			}
		case "DELETE":
			for _, ch := range slices.Clone(order) {
				if len(kids) > 0 && !slices.Contains(kids, ch) {
					continue
				}
				out = append(out, clip(span{open[ch], e.EventTime}, held[ch])...)
				delete(open, ch)
				order = slices.DeleteFunc(order, func(s string) bool { return s == ch })
			}
		}
	}
	for _, ch := range order {
		out = append(out, clip(span{from: open[ch]}, held[ch])...)
	}
	return out
}

// clip intersects s with each of spans.
func clip(s span, spans []span) []span {
	var out []span
	for _, h := range spans {
		r := s
		if !h.from.IsZero() && (r.from.IsZero() || h.from.After(r.from)) {
			r.from = h.from
		}
		if !h.to.IsZero() && (r.to.IsZero() || h.to.Before(r.to)) {
			r.to = h.to
		}
		if r.from.IsZero() || r.to.IsZero() || !r.to.Before(r.from) {
			out = append(out, r)
		}
	}
	return out
}

func sortItems(items []*item) {
	slices.SortFunc(items, func(a, b *item) int {
		if c := a.e.EventTime.Compare(b.e.EventTime); c != 0 {
			return c
		}
		return cmp.Compare(a.ev.Seq, b.ev.Seq)
	})
}

// short is the CBV bare name of a standard value (inspecting,
// non_conformant), the value itself otherwise.
func short(v cbv.Vocabulary, s string) string {
	if s == "" {
		return ""
	}
	c, err := cbv.Normalize(v, s)
	if err != nil {
		return s
	}
	if i := strings.LastIndexByte(c, '-'); i >= 0 && strings.HasPrefix(c, "https://ref.gs1.org/cbv/") {
		return c[i+1:]
	}
	return c
}
