package lot

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// DefaultMaxOthers bounds the other lots of the same product a recall
// assesses.
const DefaultMaxOthers = 50

// Reasons given for the other lots of the same product.
const (
	ReasonMadeFromLot   = "made from the recalled lot"
	ReasonSharedInput   = "made from an input lot the recalled lot was also made from"
	ReasonSharedCase    = "packed in a container that held the recalled lot's material"
	ReasonNotAffected   = "no transformation shares an input lot with the recalled lot, and it was not packed in an affected container"
	ReasonNotDetermined = "not assessed: beyond the maximum number of other lots"
)

// RecallOptions bound a recall.
type RecallOptions struct {
	// Depth is the number of transformations followed forward from the
	// lot, and backward when looking for shared inputs (default 10).
	Depth int
	// MaxNodes bounds the nodes of each genealogy walked (default 10,000).
	MaxNodes int
	// MaxOthers bounds the other lots of the same product assessed
	// (default 50); the rest are counted in RecallResult.OthersNotAssessed.
	MaxOthers int
	Options
}

// RecallResult is the answer of GET /lots/{lot}/recall (see the package
// documentation for what "affected" means).
type RecallResult struct {
	Lot       string   `json:"lot"`
	GTIN      string   `json:"gtin"`
	LotNumber string   `json:"lotNumber"`
	Affected  Affected `json:"affected"`
	// SameProduct are the other lots of the same GTIN, affected or not,
	// each with its reason, sorted by lot number.
	SameProduct       []OtherLot `json:"sameProduct"`
	OthersNotAssessed int        `json:"othersNotAssessed"`
	// Events are the critical tracking events, in eventTime order: the
	// rows of the FSMA 204 spreadsheet.
	Events []CTE `json:"events"`
	// Family is the production lot family recalled as one: every
	// level's lot is affected with the recalled lot.
	Family *Family `json:"family"`
	// Balance is the family's mass balance: how much of what was made
	// the events account for, and where the rest was last seen.
	Balance *Balance `json:"balance"`
}

// Affected is the affected set by kind of node, each sorted by ID.
type Affected struct {
	Lots       []AffectedNode `json:"lots"`
	Items      []AffectedNode `json:"items"`
	Containers []AffectedNode `json:"containers"`
	Locations  []AffectedNode `json:"locations"`
	Parties    []AffectedNode `json:"parties"`
}

// AffectedNode is a node of the affected set with the events that put it
// there (for the recalled lot: the events that moved or used it).
type AffectedNode struct {
	ID         string     `json:"id"`
	Label      string     `json:"label"`
	Quantities []Quantity `json:"quantities,omitempty"`
	EventIDs   []string   `json:"eventIDs"`
}

// Quantity is a lot's quantity in one event's quantity list.
type Quantity struct {
	EventID  string  `json:"eventID"`
	List     string  `json:"list"` // quantityList, childQuantityList, inputQuantityList, outputQuantityList
	Quantity float64 `json:"quantity"`
	UOM      string  `json:"uom,omitempty"`
}

// OtherLot is another lot of the same product and why it is, or is not,
// affected; EventIDs prove an affected lot's link.
type OtherLot struct {
	Lot       string   `json:"lot"`
	LotNumber string   `json:"lotNumber"`
	Affected  bool     `json:"affected"`
	Reason    string   `json:"reason"`
	Via       string   `json:"via,omitempty"` // the shared input lot or container
	EventIDs  []string `json:"eventIDs,omitempty"`
}

// CTE is one critical tracking event with its key data elements.
type CTE struct {
	EventID             string   `json:"eventID"`
	Kind                string   `json:"cte"` // receiving, shipping, transformation, or the bizStep
	Type                string   `json:"type"`
	EventTime           string   `json:"eventTime"` // with the event's offset
	TraceabilityLotCode []string `json:"traceabilityLotCodes"`
	Products            []string `json:"products"` // master data description of the GTIN, or the GTIN
	Quantities          []string `json:"quantities"`
	Units               []string `json:"units"`
	Location            string   `json:"location"`
	References          []string `json:"referenceDocuments"` // type:id
	Sources             []string `json:"sources"`
	Destinations        []string `json:"destinations"`
	// ParentID and EPCs are the identifiers the event names, at the level
	// it happened (a pallet's SSCC, a case's SGTIN): its parentID, and its
	// epcList, childEPCs, inputEPCList and outputEPCList (see levelEPCs).
	ParentID string   `json:"parentID,omitempty"`
	EPCs     []string `json:"epcs"`
	at       time.Time
}

// CSVHeader names the columns of Rows.
var CSVHeader = []string{"Traceability Lot Code", "Product", "Quantity", "Unit of Measure", "Location", "Date",
	"Reference Documents", "Source", "Destination", "Critical Tracking Event", "EPCIS Event Type", "Event ID"}

// Rows returns the FSMA 204 sortable spreadsheet, one row per critical
// tracking event, without the header (CSVHeader). Lists are joined by
// "; ".
func (r *RecallResult) Rows() [][]string {
	j := func(s []string) string { return strings.Join(s, "; ") }
	out := make([][]string, 0, len(r.Events))
	for _, c := range r.Events {
		out = append(out, []string{j(c.TraceabilityLotCode), j(c.Products), j(c.Quantities), j(c.Units), c.Location,
			c.EventTime, j(c.References), j(c.Sources), j(c.Destinations), c.Kind, c.Type, c.EventID})
	}
	return out
}

// Store is what a recall reads: events, the listing of lots that names
// the other lots of a product, and master data describing products.
type Store interface {
	store.Querier
	store.ValueStore
	VocabularyElements(ctx context.Context, typ string, ids []string) ([]store.VocabularyElement, error)
}

// Recall returns the lot's affected set, the other lots of its product
// with whether and why they are affected, and its critical tracking
// events. Errors are those of Trace; the time limit (opt.Timeout) bounds
// the whole recall.
func Recall(ctx context.Context, st Store, id ID, opt RecallOptions) (*RecallResult, error) {
	if opt.Depth <= 0 {
		opt.Depth = DefaultTraceDepth
	}
	if opt.MaxOthers <= 0 {
		opt.MaxOthers = DefaultMaxOthers
	}
	opt.Options = opt.Options.withDefaults()
	rctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	r, err := recall(rctx, st, id, opt)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, epcis.Errorf(epcis.KindQueryTooComplex,
				"the recall took longer than the time limit of %s", opt.Timeout)
		}
		return nil, err
	}
	return r, nil
}

func recall(ctx context.Context, st Store, id ID, opt RecallOptions) (*RecallResult, error) {
	topt := func(dir string) TraceOptions {
		return TraceOptions{Direction: dir, Depth: opt.Depth, MaxNodes: opt.MaxNodes, Options: opt.Options}
	}
	fwd, err := Trace(ctx, st, id, topt(Forward))
	if err != nil {
		return nil, err
	}
	me := id.Canonical()
	kinds := map[string]string{}
	labels := map[string]string{}
	for _, n := range fwd.Nodes {
		kinds[n.ID], labels[n.ID] = n.Kind, n.Label
	}
	// Reached from the lot, and every level of its family, along the
	// material's edges; supplied edges run from a supplier to the
	// material, so a supplier is never reached.
	evs := map[string]map[string]bool{me: {}}
	lotsOf := map[string]map[string]bool{me: {me: true}} // node -> affected lots whose material reached it
	own := map[string]bool{me: true}                     // the family's lots
	for _, l := range fwd.Family.Levels {
		own[l.Lot] = true
		if evs[l.Lot] == nil {
			evs[l.Lot], lotsOf[l.Lot] = map[string]bool{}, map[string]bool{l.Lot: true}
		}
	}
	// Every packaging level of a reached lot is reached: packaged-as
	// edges count both ways.
	edges := slices.Clone(fwd.Edges)
	for _, e := range fwd.Edges {
		if e.Kind == EdgePackagedAs {
			e.From, e.To = e.To, e.From
			edges = append(edges, e)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			if _, ok := evs[e.From]; !ok {
				continue
			}
			if evs[e.To] == nil {
				evs[e.To], lotsOf[e.To] = map[string]bool{}, map[string]bool{}
				changed = true
			}
			if kinds[e.To] == NodeLot && !lotsOf[e.To][e.To] {
				lotsOf[e.To][e.To] = true
				changed = true
			}
			for l := range lotsOf[e.From] {
				if kinds[e.To] != NodeLot && !lotsOf[e.To][l] {
					lotsOf[e.To][l] = true
					changed = true
				}
			}
			for _, x := range e.EventIDs {
				evs[e.To][x] = true
				if own[e.From] {
					evs[e.From][x] = true
				}
			}
		}
	}
	// The events proving the set, and the lot's own batch record.
	w := &walker{st: st, opt: opt.Options, id: id, class: me, items: map[int64]*item{}, retract: map[string]bool{}, what: "recall"}
	byID := map[string]*item{}
	var terms []string
	edgeLots := map[string]map[string]bool{} // eventID -> lots it is about
	touch := map[string]map[string]bool{}    // affected lot -> events of its edges, either way
	for _, e := range edges {
		if _, ok := evs[e.From]; !ok {
			continue
		}
		for _, n := range []string{e.From, e.To} {
			if kinds[n] == NodeLot || own[n] {
				if touch[n] == nil {
					touch[n] = map[string]bool{}
				}
				for _, x := range e.EventIDs {
					touch[n][x] = true
				}
			}
		}
		for _, x := range e.EventIDs {
			if edgeLots[x] == nil {
				edgeLots[x] = map[string]bool{}
				terms = append(terms, query.TermEventID+"="+query.Compact(x))
			}
			for l := range lotsOf[e.From] {
				edgeLots[x][l] = true
			}
			if kinds[e.To] == NodeLot {
				edgeLots[x][e.To] = true
			}
		}
	}
	if err := w.lookup(ctx, nil, terms, func(it *item) {
		if it.e.ErrorDeclaration == nil {
			byID[it.ev.EventID] = it
		}
	}); err != nil {
		return nil, err
	}
	rec, err := History(ctx, st, id, opt.Options)
	if err != nil {
		return nil, err
	}
	for i, en := range rec.Entries {
		if en.Retracted || en.ErrorDeclaration != nil {
			continue
		}
		if _, ok := byID[en.EventID]; !ok {
			it, err := w.item(rec.Events[i])
			if err != nil {
				return nil, err
			}
			byID[en.EventID] = it
		}
		if edgeLots[en.EventID] == nil {
			edgeLots[en.EventID] = map[string]bool{}
		}
		edgeLots[en.EventID][me] = true
	}

	r := &RecallResult{Lot: me, GTIN: id.GTIN, LotNumber: id.Lot, SameProduct: []OtherLot{},
		Family: rec.Family, Balance: rec.Balance}
	for _, n := range sortedKeys(evs) {
		an := AffectedNode{ID: n, Label: labels[n], EventIDs: sortedKeys(evs[n])}
		if an.Label == "" {
			an.Label = lotLabel(id)
		}
		switch kinds[n] {
		case NodeLot, "":
			// Quantities made, held, moved or consumed, in every event
			// of the lot's edges.
			an.Quantities = quantities(w, n, sortedKeys(touch[n]), byID)
			r.Affected.Lots = append(r.Affected.Lots, an)
		case NodeItem:
			r.Affected.Items = append(r.Affected.Items, an)
		case NodeContainer:
			r.Affected.Containers = append(r.Affected.Containers, an)
		case NodeLocation:
			r.Affected.Locations = append(r.Affected.Locations, an)
		case NodeParty:
			r.Affected.Parties = append(r.Affected.Parties, an)
		}
	}
	r.Events = ctes(w, byID, edgeLots)
	if err := describe(ctx, st, r.Events); err != nil {
		return nil, err
	}
	if err := r.sameProduct(ctx, st, id, opt, evs, kinds, topt); err != nil {
		return nil, err
	}
	return r, nil
}

// sameProduct assesses the other lots of the lot's GTIN.
func (r *RecallResult) sameProduct(ctx context.Context, st Store, id ID, opt RecallOptions,
	affected map[string]map[string]bool, kinds map[string]string, topt func(string) TraceOptions) error {
	lots, total, err := lotsOfGTIN(ctx, st, id, opt.MaxOthers, opt.Readers.Owners)
	if err != nil {
		return err
	}
	r.OthersNotAssessed = total - len(lots)
	if len(lots) == 0 {
		return nil
	}
	// One backward walk from the lot and all the others together: each
	// hop is one batched lookup for every lot, not one per lot.
	back, err := traceFrom(ctx, st, append([]ID{id}, lots...), topt(Backward), nil)
	if err != nil {
		return err
	}
	g := back.graph(id)
	inputs := ancestors(g, id.Canonical())
	var open []ID // not yet known to be affected
	byLot := map[string]*OtherLot{}
	for _, l := range lots {
		c := l.Canonical()
		if !back.mentioned[c] {
			continue // its events are not visible to this client
		}
		o := &OtherLot{Lot: c, LotNumber: l.Lot, Reason: ReasonNotAffected}
		byLot[c] = o
		if ev, ok := affected[c]; ok {
			o.Affected, o.Reason, o.EventIDs = true, ReasonMadeFromLot, sortedKeys(ev)
			continue
		}
		theirs := ancestors(g, c)
		for _, in := range sortedKeys(theirs) {
			if _, shared := inputs[in]; shared || in == id.Canonical() {
				o.Affected, o.Reason, o.Via, o.EventIDs = true, ReasonSharedInput, in, theirs[in]
				break
			}
		}
		if !o.Affected {
			open = append(open, l)
		}
	}
	// Their own containers, for all of them together; no transformation
	// is followed.
	if len(open) > 0 {
		fo := topt(Forward)
		fo.Depth = 0
		fwd, err := traceFrom(ctx, st, open, fo, nil)
		if err != nil {
			return err
		}
		for _, e := range fwd.graph(open[0]).Edges {
			o := byLot[e.From]
			if o == nil || o.Affected || e.Kind != EdgePackedInto || kinds[e.To] != NodeContainer || affected[e.To] == nil {
				continue
			}
			o.Affected, o.Reason, o.Via, o.EventIDs = true, ReasonSharedCase, e.To, e.EventIDs
		}
	}
	for _, l := range lots {
		if o := byLot[l.Canonical()]; o != nil {
			r.SameProduct = append(r.SameProduct, *o)
		}
	}
	return nil
}

func ancestors(g *Graph, lot string) map[string][]string {
	out := map[string][]string{}
	reached := map[string]bool{lot: true}
	for changed := true; changed; {
		changed = false
		for _, e := range g.Edges {
			if e.Kind != EdgeConsumedInto || !reached[e.To] || reached[e.From] {
				continue
			}
			reached[e.From] = true
			out[e.From] = e.EventIDs
			changed = true
		}
	}
	return out
}

// quantities returns a lot's quantities in the quantity lists of events.
func quantities(w *walker, lot string, ids []string, byID map[string]*item) []Quantity {
	var out []Quantity
	for _, x := range ids {
		it := byID[x]
		if it == nil {
			continue
		}
		e := it.e
		for _, l := range []struct {
			name string
			qs   []epcis.Quantity
		}{{"quantityList", e.QuantityList}, {"childQuantityList", e.ChildQuantityList},
			{"inputQuantityList", e.InputQuantityList}, {"outputQuantityList", e.OutputQuantityList}} {
			for _, q := range l.qs {
				if q.HasQuantity && w.canonicalClass(e, q.EPCClass) == lot {
					out = append(out, Quantity{EventID: x, List: l.name, Quantity: q.Quantity, UOM: q.UOM})
				}
			}
		}
	}
	return out
}

// ctes turns the events into critical tracking events in eventTime
// order, each about the lots lotsOf gives it.
func ctes(w *walker, byID map[string]*item, lotsOf map[string]map[string]bool) []CTE {
	out := make([]CTE, 0, len(byID))
	for x, it := range byID {
		e := it.e
		c := CTE{EventID: x, Type: e.Type, Kind: short(cbv.BizStep, e.BizStep), at: e.EventTime,
			EventTime: eventTime(e), Location: e.BizLocation,
			TraceabilityLotCode: []string{}, Products: []string{}, Quantities: []string{}, Units: []string{},
			References: []string{}, Sources: []string{}, Destinations: []string{}, ParentID: e.ParentID, EPCs: levelEPCs(e)}
		switch {
		case e.Type == "TransformationEvent" || e.TransformationID != "":
			c.Kind = "transformation"
		case c.Kind == "arriving":
			c.Kind = "receiving"
		case c.Kind == "departing":
			c.Kind = "shipping"
		case c.Kind == "":
			c.Kind = e.Type
		}
		if c.Location == "" {
			c.Location = e.ReadPoint
		}
		for _, l := range sortedKeys(lotsOf[x]) {
			c.TraceabilityLotCode = append(c.TraceabilityLotCode, l)
			if epc, err := gs1.ParseEPC(l); err == nil && !slices.Contains(c.Products, epc.GTIN()) {
				c.Products = append(c.Products, epc.GTIN())
			}
			for _, q := range quantities(w, l, []string{x}, byID) {
				c.Quantities = append(c.Quantities, strconv.FormatFloat(q.Quantity, 'f', -1, 64))
				c.Units = append(c.Units, q.UOM)
			}
		}
		for _, b := range e.BizTransactions {
			c.References = append(c.References, short(cbv.BTT, b.Type)+":"+b.Value)
		}
		for _, s := range e.Sources {
			c.Sources = append(c.Sources, s.Value)
		}
		for _, d := range e.Destinations {
			c.Destinations = append(c.Destinations, d.Value)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b CTE) int {
		if n := a.at.Compare(b.at); n != 0 {
			return n
		}
		return strings.Compare(a.EventID, b.EventID)
	})
	return out
}

// eventTime is the event's time in its own offset.
func eventTime(e *epcis.Event) string {
	t := e.EventTime
	if off := e.TimeZoneOffset; len(off) == 6 {
		h, _ := strconv.Atoi(off[1:3])
		m, _ := strconv.Atoi(off[4:6])
		secs := h*3600 + m*60
		if off[0] == '-' {
			secs = -secs
		}
		t = t.In(time.FixedZone(off, secs))
	}
	return t.Format(time.RFC3339Nano)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// productAttrs are the master-data attributes describing a product, best
// first.
var productAttrs = []string{"urn:epcglobal:cbv:mda#descriptionShort", "urn:epcglobal:cbv:mda#tradeItemDescription",
	"urn:epcglobal:cbv:mda#regulatedProductName", "urn:epcglobal:cbv:mda#name"}

// describe replaces the GTINs of the events' products by their master
// data description: of the product class, else of one of the events' lots
// of it. It reads only the EPCClass elements that can name them: the
// canonical Digital Links, and the URNs with every company prefix length
// (an ID written as a Digital Link on another host is not found).
func describe(ctx context.Context, st Store, evs []CTE) error {
	lotsOf := map[string][]string{} // GTIN -> lot numbers
	for _, c := range evs {
		for _, l := range c.TraceabilityLotCode {
			if epc, err := gs1.ParseEPC(l); err == nil && !slices.Contains(lotsOf[epc.GTIN()], epc.Lot()) {
				lotsOf[epc.GTIN()] = append(lotsOf[epc.GTIN()], epc.Lot())
			}
		}
		for _, g := range c.Products {
			if _, ok := lotsOf[g]; !ok {
				lotsOf[g] = nil
			}
		}
	}
	var ids []string
	for g, lots := range lotsOf {
		ids = append(ids, classIDs(gs1.EPC{Scheme: gs1.SGTIN, Key: g})...)
		for _, l := range lots {
			ids = append(ids, classIDs(gs1.EPC{Scheme: gs1.LGTIN, Key: g, Serial: l})...)
		}
	}
	els, err := st.VocabularyElements(ctx, EPCClassVocabulary, ids)
	if err != nil {
		return err
	}
	type desc struct {
		text    string
		product bool // of the product class, not of a lot
	}
	best := map[string]desc{}
	for _, el := range els {
		epc, err := gs1.ParseEPC(el.ID)
		if err != nil || epc.GTIN() == "" {
			continue
		}
		d := desc{product: epc.Scheme != gs1.LGTIN}
		for _, name := range productAttrs {
			for _, a := range el.Attributes {
				var v string
				if a.ID == name && json.Unmarshal(a.Value, &v) == nil && v != "" && d.text == "" {
					d.text = v
				}
			}
		}
		if old, seen := best[epc.GTIN()]; d.text != "" && (!seen || (d.product && !old.product)) {
			best[epc.GTIN()] = d
		}
	}
	for i := range evs {
		for j, g := range evs[i].Products {
			if d, ok := best[g]; ok {
				evs[i].Products[j] = d.text
			}
		}
	}
	return nil
}

// classIDs are the IDs a master-data element of a product class or lot
// may have: its canonical Digital Link and its URN (idpat for a product
// class) for each company prefix length.
func classIDs(c gs1.EPC) []string {
	ids := []string{c.Canonical()}
	for n := 6; n <= 12; n++ {
		c.PrefixLen = n
		if u, err := c.URN(); err == nil {
			ids = append(ids, u)
		}
	}
	return ids
}

// lotsOfGTIN returns the first limit lots of the lot's GTIN other than
// itself, in the order of their canonical forms, and how many there are:
// a page and a count of the store's lot listing, never their events.
func lotsOfGTIN(ctx context.Context, st store.ValueStore, id ID, limit int, owners []string) (lots []ID, total int, err error) {
	kind := store.ValueLot
	if len(owners) == 1 {
		kind = store.OwnedValueKind(kind, owners[0]) // only lots the caller's events name
	}
	p := store.ValuePage{Kind: kind, Prefix: query.LotClass(id.GTIN, ""), Limit: limit + 1}
	page, err := st.Values(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	for _, v := range page {
		if l, err := Parse(v); err == nil && l != id && len(lots) < limit {
			lots = append(lots, l)
		}
	}
	if len(page) <= limit {
		return lots, len(lots), nil
	}
	// More than a page: count the rest in the store, without reading them.
	if total, err = st.CountValues(ctx, p); err != nil {
		return nil, 0, err
	}
	if mine, err := st.HasValue(ctx, store.Value{Kind: kind, Value: id.Canonical()}); err != nil {
		return nil, 0, err
	} else if mine {
		total--
	}
	return lots, total, nil
}
