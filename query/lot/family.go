package lot

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	gs1hierarchy "github.com/lotline/lotline/gs1/hierarchy"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// This file resolves a lot's production lot family: the lots of one lot
// number at every packaging level of one product (the eaches under the
// consumer unit's GTIN, the cases under the case's GTIN, ...), linked by
// the trade-item hierarchy of master data, by the GTIN indicator-digit
// convention (marked inferred), and by the events that move the lot
// number between levels (aggregations of one level's units into another
// level's serials, transformations that repack one level into another).

// Reasons a family link exists.
const (
	LinkMasterData     = "master-data"
	LinkInferred       = "inferred-indicator-digit"
	LinkAggregation    = "aggregation"
	LinkTransformation = "transformation"
)

// EPCClassVocabulary is the vocabulary type of product master data.
const EPCClassVocabulary = query.VocabEPCClass

// Master-data attributes that say what a trade item contains. The GDSN
// Trade Item Hierarchy (catalogue item notification
// tradeItem/nextLowerLevelTradeItemInformation/childTradeItem, each with
// gtin and quantityOfNextLowerLevelTradeItem) is read under any
// namespace, by the last segment of the attribute ID; Lotline's own
// attribute takes the same value shapes.
const (
	AttrNextLowerLevel = "nextLowerLevelTradeItemInformation"
	AttrChildTradeItem = "childTradeItem"
	AttrContains       = gs1hierarchy.Contains
)

// Family is the production lot family of a lot: every level's lot with
// the same lot number, and the links between levels.
type Family struct {
	LotNumber string `json:"lotNumber"`
	// Levels are the lots of the family, lowest level (the base unit)
	// first, then by GTIN.
	Levels []Level `json:"levels"`
	// Links say which level contains which, and why.
	Links []Link `json:"links"`
}

// Level is the lot of one packaging level of the family.
type Level struct {
	Lot  string `json:"lot"` // canonical GS1 Digital Link
	GTIN string `json:"gtin"`
	// BaseUnits is how many base units (units of the lowest level) one
	// unit of this level holds: 1 for the base level, 0 when unknown.
	BaseUnits float64 `json:"baseUnits"`
	// Units are the level's serialised units (canonical SGTINs).
	Units []string `json:"units"`
}

// Link says that one unit of the Parent level's lot contains Quantity
// units of the Child level's lot (0 when no source gives the number).
// Inferred is true when the only reason is the indicator-digit
// convention.
type Link struct {
	Parent   string   `json:"parent"`
	Child    string   `json:"child"`
	Quantity float64  `json:"quantity,omitempty"`
	Inferred bool     `json:"inferred"`
	Reasons  []Reason `json:"reasons"`
}

// Reason is one reason a link exists: a master-data element (Kind
// master-data, VocabularyIDs and Attribute), the indicator-digit
// convention (Kind inferred-indicator-digit), or events
// (aggregation, transformation: EventIDs).
type Reason struct {
	Kind          string   `json:"kind"`
	VocabularyIDs []string `json:"vocabularyIDs,omitempty"`
	Attribute     string   `json:"attribute,omitempty"`
	EventIDs      []string `json:"eventIDs,omitempty"`
	Quantity      float64  `json:"quantity,omitempty"`
}

// vocabularyReader reads master data elements by ID; a store without it
// gives no hierarchy (inference and events still link).
type vocabularyReader interface {
	VocabularyElements(ctx context.Context, typ string, ids []string) ([]store.VocabularyElement, error)
}

// child is one "parent GTIN contains qty of GTIN" of master data.
type child struct {
	gtin, vocab, attr string
	qty               float64
}

// hierarchy is the trade-item hierarchy of master data, by parent GTIN.
type hierarchy map[string][]child

// loadHierarchy reads the EPCClass master data that can describe the
// GTIN's place in a hierarchy: the elements of the GTIN and of its
// indicator-digit siblings (their product classes and their lots of this
// lot number, under every ID form classIDs gives), then of every GTIN
// those elements name, up to depth rounds. Each round is one read of
// elements by ID, never a scan of all master data: a higher level with
// another GTIN-13 body is found from the lower level only when master
// data of a sibling names it, and always from the higher level itself.
func loadHierarchy(ctx context.Context, st store.Querier, gtin, lot string, depth int) (hierarchy, error) {
	vr, ok := st.(vocabularyReader)
	if !ok {
		return hierarchy{}, nil
	}
	var els []store.VocabularyElement
	loaded := map[string]bool{}
	next := []string{gtin}
	h := hierarchy{}
	for round := 0; len(next) > 0 && round <= depth; round++ {
		var ids []string
		for _, g := range next {
			for _, s := range append([]string{g}, siblings(g)...) {
				if !loaded[s] {
					loaded[s] = true
					ids = append(ids, classIDs(gs1.EPC{Scheme: gs1.SGTIN, Key: s})...)
					ids = append(ids, classIDs(gs1.EPC{Scheme: gs1.LGTIN, Key: s, Serial: lot})...)
				}
			}
		}
		got, err := vr.VocabularyElements(ctx, EPCClassVocabulary, ids)
		if err != nil {
			return nil, err
		}
		els = append(els, got...)
		h = hierarchyOf(els)
		next = next[:0]
		for p, cs := range h {
			for _, g := range append([]string{p}, childGTINs(cs)...) {
				if !loaded[g] && !slices.Contains(next, g) {
					next = append(next, g)
				}
			}
		}
		slices.Sort(next)
	}
	return h, nil
}

func childGTINs(cs []child) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.gtin
	}
	return out
}

// hierarchyOf reads the containment master data states: an EPCClass
// element whose ID is a product class, an LGTIN or a GTIN Digital Link,
// with a next-lower-level attribute.
func hierarchyOf(els []store.VocabularyElement) hierarchy {
	h := hierarchy{}
	for _, el := range els {
		if el.Type != EPCClassVocabulary {
			continue
		}
		epc, err := gs1.ParseEPC(el.ID)
		if err != nil || epc.GTIN() == "" {
			continue
		}
		parent := epc.GTIN()
		for _, a := range el.Attributes {
			if !isHierarchyAttr(a.ID) {
				continue
			}
			var v any
			if json.Unmarshal(a.Value, &v) != nil {
				continue
			}
			for _, c := range childrenOf(v) {
				if c.gtin != parent && !slices.ContainsFunc(h[parent], func(o child) bool { return o.gtin == c.gtin }) {
					c.vocab, c.attr = el.ID, a.ID
					h[parent] = append(h[parent], c)
				}
			}
		}
	}
	return h
}

func isHierarchyAttr(id string) bool {
	if id == AttrContains {
		return true
	}
	last := id[strings.LastIndexAny(id, "#/:")+1:]
	return last == AttrNextLowerLevel || last == AttrChildTradeItem
}

// childrenOf reads the value of a hierarchy attribute: an object
// {"childTradeItem": [...]} (nextLowerLevelTradeItemInformation), a list,
// Lotline's {"children": [...]}, or one child {"gtin": "...",
// "quantityOfNextLowerLevelTradeItem": 24}
// ("quantity" is accepted too; gtin may be a GTIN, a product class URN or
// a Digital Link, under any namespace prefix).
func childrenOf(v any) []child {
	switch x := v.(type) {
	case []any:
		var out []child
		for _, e := range x {
			out = append(out, childrenOf(e)...)
		}
		return out
	case map[string]any:
		if c, ok := field(x, AttrChildTradeItem); ok {
			return childrenOf(c)
		}
		if c, ok := x[gs1hierarchy.ContainsChildren]; ok {
			return childrenOf(c)
		}
		g, _ := field(x, "gtin")
		if g == nil {
			g, _ = field(x, "tradeItemIdentification")
		}
		s, _ := g.(string)
		gtin := gtinOf(s)
		if gtin == "" {
			return nil
		}
		q, _ := field(x, "quantityOfNextLowerLevelTradeItem")
		if q == nil {
			q, _ = field(x, "quantity")
		}
		return []child{{gtin: gtin, qty: number(q)}}
	}
	return nil
}

// field finds a member by its name after any namespace prefix
// ("gs1:gtin", "https://…#gtin").
func field(m map[string]any, name string) (any, bool) {
	for k, v := range m {
		if k == name || k[strings.LastIndexAny(k, "#/:")+1:] == name {
			return v, true
		}
	}
	return nil, false
}

func number(v any) float64 {
	switch n := v.(type) {
	case float64:
		if n > 0 {
			return n
		}
	case string:
		if f, err := strconv.ParseFloat(n, 64); err == nil && f > 0 {
			return f
		}
	}
	return 0
}

// gtinOf reads a GTIN-8, -12, -13 or -14 (as a GTIN-14), or the GTIN of a
// product class URN or Digital Link.
func gtinOf(s string) string {
	if n := len(s); (n == 8 || n == 12 || n == 13 || n == 14) && strings.Trim(s, "0123456789") == "" {
		g, _ := gs1hierarchy.GTIN14(s) // "" for a wrong check digit
		return g
	}
	if epc, err := gs1.ParseEPC(s); err == nil {
		return epc.GTIN()
	}
	return ""
}

// siblings are the GTINs of the same GTIN-13 body with indicator digits
// 0 to 8 (9 is variable measure), the GTIN itself excluded.
func siblings(gtin string) []string {
	if len(gtin) != 14 || gtin[0] == '9' {
		return nil
	}
	var out []string
	for d := byte('0'); d <= '8'; d++ {
		if d == gtin[0] {
			continue
		}
		s, err := gs1hierarchy.WithIndicator(gtin, d)
		if err != nil {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// linkKey names a link by its parent and child GTINs.
type linkKey struct{ parent, child string }

// familyState is the family while it is resolved.
type familyState struct {
	lot     string
	members map[string]ID // canonical LGTIN -> lot
	gtins   map[string]bool
	links   map[linkKey]*Link
	reasons map[linkKey]map[string]*Reason // by kind
	units   map[string]string              // canonical SGTIN -> its GTIN
	unitsOf map[string][]string            // GTIN -> units
}

func newFamilyState(id ID) *familyState {
	f := &familyState{lot: id.Lot, members: map[string]ID{}, gtins: map[string]bool{},
		links: map[linkKey]*Link{}, reasons: map[linkKey]map[string]*Reason{},
		units: map[string]string{}, unitsOf: map[string][]string{}}
	f.add(id.GTIN)
	return f
}

func (f *familyState) add(gtin string) {
	l := ID{GTIN: gtin, Lot: f.lot}
	f.members[l.Canonical()] = l
	f.gtins[gtin] = true
}

func (f *familyState) addUnit(u, gtin string) bool {
	if _, ok := f.units[u]; ok {
		return false
	}
	f.units[u] = gtin
	f.unitsOf[gtin] = append(f.unitsOf[gtin], u)
	return true
}

// reason adds a reason to the link from parent to child GTIN.
func (f *familyState) reason(parent, child string, r Reason) {
	k := linkKey{parent, child}
	if f.reasons[k] == nil {
		f.reasons[k] = map[string]*Reason{}
	}
	old := f.reasons[k][r.Kind]
	if old == nil {
		cp := r
		f.reasons[k][r.Kind] = &cp
		return
	}
	for _, x := range r.VocabularyIDs {
		if !slices.Contains(old.VocabularyIDs, x) {
			old.VocabularyIDs = append(old.VocabularyIDs, x)
		}
	}
	for _, x := range r.EventIDs {
		if !slices.Contains(old.EventIDs, x) {
			old.EventIDs = append(old.EventIDs, x)
		}
	}
	if old.Quantity == 0 {
		old.Quantity = r.Quantity
	}
}

// candidates returns the GTINs the hierarchy of master data links to the
// lot's (either way, transitively) with their links, then, when infer is
// set, the indicator-digit siblings of every GTIN that master data says
// nothing about. A candidate becomes a member only when an event names
// its lot (see walker.familyLookup); master-data members are members
// outright.
func (f *familyState) candidates(h hierarchy, infer bool) []string {
	parents := map[string][]string{} // child -> parents
	for p, cs := range h {
		for _, c := range cs {
			parents[c.gtin] = append(parents[c.gtin], p)
		}
	}
	queue := []string{}
	for g := range f.gtins {
		queue = append(queue, g)
	}
	slices.Sort(queue)
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, c := range h[g] {
			f.reason(g, c.gtin, Reason{Kind: LinkMasterData, VocabularyIDs: []string{c.vocab}, Attribute: c.attr, Quantity: c.qty})
			if !f.gtins[c.gtin] {
				f.add(c.gtin)
				queue = append(queue, c.gtin)
			}
		}
		for _, p := range parents[g] {
			if !f.gtins[p] {
				f.add(p)
				queue = append(queue, p)
			}
			for _, c := range h[p] {
				if c.gtin == g {
					f.reason(p, g, Reason{Kind: LinkMasterData, VocabularyIDs: []string{c.vocab}, Attribute: c.attr, Quantity: c.qty})
				}
			}
		}
	}
	if !infer {
		return nil
	}
	var out []string
	for g := range f.gtins {
		if len(h[g]) > 0 || len(parents[g]) > 0 {
			continue
		}
		for _, s := range siblings(g) {
			if !f.gtins[s] && len(h[s]) == 0 && len(parents[s]) == 0 && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// infer links a candidate sibling found in events to the base unit of
// its GTIN-13 body: indicator 1-8 is a grouping of indicator 0.
func (f *familyState) infer(gtin string) {
	f.add(gtin)
	base, _ := gs1hierarchy.WithIndicator(gtin, '0')
	for g := range f.gtins {
		if g == gtin || !gs1hierarchy.SameBody(g, gtin) {
			continue
		}
		switch {
		case gtin[0] == '0':
			f.reason(g, gtin, Reason{Kind: LinkInferred})
		case g == base:
			f.reason(gtin, g, Reason{Kind: LinkInferred})
		}
	}
}

// lotTerms are the terms that find a lot's events: its class in any
// quantity list, and the lot number of its serialised units.
func lotTerms(l ID) []string {
	c := query.Compact(l.Canonical())
	return []string{query.TermClass + "=" + c, query.TermInClass + "=" + c, query.TermOutClass + "=" + c,
		query.TermLot + "=" + query.LotKey(l.GTIN, l.Lot)}
}

// unitTerms are the terms that find every event naming units.
func unitTerms(units []string) []string {
	var out []string
	for _, u := range units {
		cu := query.Compact(u)
		out = append(out, query.TermEPC+"="+cu, query.TermParent+"="+cu,
			query.TermInput+"="+cu, query.TermOutput+"="+cu)
	}
	return out
}

// resolve finds the lot's family: master data first, then one batched
// lookup of the lot's and every candidate's events, then rounds (bounded
// by MaxDepth) for the lots of the same lot number a transformation
// repacks the family into or from. It returns the events found, which
// name the family's lots as classes or give their units' lot number.
func (w *walker) resolve(ctx context.Context) ([]*item, error) {
	f := newFamilyState(w.id)
	w.fam = f
	h, err := loadHierarchy(ctx, w.st, w.id.GTIN, w.id.Lot, w.opt.MaxDepth)
	if err != nil {
		return nil, err
	}
	cands := f.candidates(h, !w.opt.NoInference)
	candSet := map[string]bool{}
	for _, c := range cands {
		candSet[c] = true
	}
	var terms []string
	for _, l := range sortedMembers(f.members) {
		terms = append(terms, lotTerms(l)...)
	}
	for _, c := range cands {
		terms = append(terms, lotTerms(ID{GTIN: c, Lot: f.lot})...)
	}
	var found []*item
	seen := map[*item]bool{}
	collect := func(it *item) {
		if !seen[it] {
			seen[it] = true
			found = append(found, it)
		}
	}
	if err := w.lookup(ctx, nil, terms, collect); err != nil {
		return nil, err
	}
	for round := 0; ; round++ {
		// Inferred candidates that some event names join the family.
		for _, it := range found {
			for _, g := range w.lotGTINs(it.e) {
				if candSet[g] && !f.gtins[g] {
					f.infer(g)
				}
			}
		}
		// Repacking transformations carry the lot number to other levels
		// of the product: GTINs of the same GTIN-13 body, or both already
		// members (a transformation of one product into another that
		// happens to reuse the lot number is genealogy, not a repack).
		var more []string
		for _, it := range found {
			e := it.e
			if e.Type != epcis.TransformationEvent || e.ErrorDeclaration != nil || w.retract[it.ev.EventID] {
				continue
			}
			ins, outs := w.levelGTINs(e, e.InputEPCList, e.InputQuantityList), w.levelGTINs(e, e.OutputEPCList, e.OutputQuantityList)
			for _, in := range ins {
				for _, out := range outs {
					if in == out || (!f.gtins[in] && !f.gtins[out]) ||
						(!(f.gtins[in] && f.gtins[out]) && !gs1hierarchy.SameBody(in, out)) {
						continue
					}
					parent, child := out, in
					if out[0] == '0' && in[0] != '0' {
						parent, child = in, out // unpacking to the base unit
					}
					f.reason(parent, child, Reason{Kind: LinkTransformation, EventIDs: []string{it.ev.EventID}})
					for _, g := range []string{in, out} {
						if !f.gtins[g] {
							f.add(g)
							more = append(more, lotTerms(ID{GTIN: g, Lot: f.lot})...)
						}
					}
				}
			}
		}
		if len(more) == 0 || round >= w.opt.MaxDepth {
			break
		}
		if err := w.lookup(ctx, nil, more, collect); err != nil {
			return nil, err
		}
	}
	// Only the events of members (a candidate no event named is none).
	out := found[:0]
	for _, it := range found {
		if slices.ContainsFunc(w.lotGTINs(it.e), func(g string) bool { return f.gtins[g] }) {
			out = append(out, it)
		}
	}
	return out, nil
}

func sortedMembers(m map[string]ID) []ID {
	out := make([]ID, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// lotGTINs returns the GTINs whose lot of the family's lot number the
// event names: LGTIN classes in quantity lists, and SGTINs an ILMD with
// that lot number commissions or makes.
func (w *walker) lotGTINs(e *epcis.Event) []string {
	var out []string
	add := func(g string) {
		if g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	for _, l := range [][]epcis.Quantity{e.QuantityList, e.ChildQuantityList, e.InputQuantityList, e.OutputQuantityList} {
		for _, q := range l {
			if epc, err := e.ParseID(q.EPCClass); err == nil && epc.Scheme == gs1.LGTIN && epc.Lot() == w.id.Lot {
				add(epc.GTIN())
			}
		}
	}
	for _, u := range w.ilmdUnits(e) {
		add(u.lot.GTIN)
	}
	return out
}

// ilmdUnits returns the SGTINs an event commissions or makes with the
// family's lot number in its ILMD.
func (w *walker) ilmdUnits(e *epcis.Event) []unitOfLot {
	ilmd, ok := e.Fields["ilmd"].(map[string]any)
	if !ok || query.LotNumber(e, ilmd) != w.id.Lot {
		return nil
	}
	var out []unitOfLot
	for _, list := range [][]string{e.EPCList, e.OutputEPCList} {
		for _, s := range list {
			if epc, err := e.ParseID(s); err == nil && epc.Scheme == gs1.SGTIN {
				out = append(out, unitOfLot{epc.Canonical(), ID{GTIN: epc.GTIN(), Lot: w.id.Lot}})
			}
		}
	}
	return out
}

// levelGTINs returns the GTINs of one side of a transformation that
// carry the family's lot number: LGTIN classes of it, and SGTINs of
// units known to be of it or made with it.
func (w *walker) levelGTINs(e *epcis.Event, epcs []string, qs []epcis.Quantity) []string {
	var out []string
	add := func(g string) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	for _, q := range qs {
		if epc, err := e.ParseID(q.EPCClass); err == nil && epc.Scheme == gs1.LGTIN && epc.Lot() == w.id.Lot {
			add(epc.GTIN())
		}
	}
	made := map[string]bool{}
	for _, u := range w.ilmdUnits(e) {
		made[u.epc] = true
	}
	for _, s := range epcs {
		if epc, err := e.ParseID(s); err == nil && epc.Scheme == gs1.SGTIN {
			c := epc.Canonical()
			if _, ok := w.fam.units[c]; ok || made[c] {
				add(epc.GTIN())
			}
		}
	}
	return out
}

// aggregationReasons adds, for every aggregation of the record not in
// error that puts a family level's material into a serialised unit of
// another family level, that event as a reason of their link, with the
// quantity it packed.
func (w *walker) aggregationReasons(items []*item) {
	f := w.fam
	for _, it := range items {
		e := it.e
		if e.Type != epcis.AggregationEvent || e.Action != "ADD" || e.ErrorDeclaration != nil || w.retracted(it) {
			continue
		}
		p := w.canonicalClass(e, e.ParentID)
		pg, ok := f.units[p]
		if !ok {
			continue
		}
		counts := map[string]float64{}
		for _, ch := range w.named(e, roleEPC) {
			if g, ok := f.units[ch]; ok && g != pg {
				counts[g]++
			}
		}
		for _, q := range e.ChildQuantityList {
			if l, ok := f.members[w.canonicalClass(e, q.EPCClass)]; ok && l.GTIN != pg && q.HasQuantity && countUOM(q.UOM) {
				counts[l.GTIN] += q.Quantity
			}
		}
		for g, n := range counts {
			f.reason(pg, g, Reason{Kind: LinkAggregation, EventIDs: []string{it.ev.EventID}, Quantity: n})
		}
	}
}

// outputReasons adds, for every transformation of items not in error
// whose outputs name two levels of the family by count (3,012 eaches and
// 251 cases of the lot, made and packed in one step), that event as a
// reason of their link, the level with fewer units containing the other,
// with the whole number of units one holds (3,012 / 251 = 12).
func (w *walker) outputReasons(items []*item) {
	f := w.fam
	for _, it := range items {
		e := it.e
		if e.Type != epcis.TransformationEvent || e.ErrorDeclaration != nil || w.retracted(it) {
			continue
		}
		qty := map[string]float64{}
		var gtins []string
		for _, q := range e.OutputQuantityList {
			if l, ok := f.members[w.canonicalClass(e, q.EPCClass)]; ok && q.HasQuantity && q.Quantity > 0 && countUOM(q.UOM) {
				if _, seen := qty[l.GTIN]; !seen {
					gtins = append(gtins, l.GTIN)
				}
				qty[l.GTIN] += q.Quantity
			}
		}
		for i, a := range gtins {
			for _, b := range gtins[i+1:] {
				parent, child := a, b
				if qty[a] > qty[b] {
					parent, child = b, a
				}
				if n := math.Floor(qty[child] / qty[parent]); n >= 2 {
					f.reason(parent, child, Reason{Kind: LinkTransformation, EventIDs: []string{it.ev.EventID}, Quantity: n})
				}
			}
		}
	}
}

// countUOM reports whether a quantity's unit counts units (none, or the
// UN/CEFACT codes for one: EA each, C62 one, H87 piece).
func countUOM(u string) bool {
	switch u {
	case "", "EA", "C62", "H87":
		return true
	}
	return false
}

// family builds the answer: levels lowest first, links with their
// reasons, the quantity of a link being the first its reasons give
// (master data first).
func (f *familyState) family() *Family {
	out := &Family{LotNumber: f.lot, Levels: []Level{}, Links: []Link{}}
	keys := make([]linkKey, 0, len(f.reasons))
	for k := range f.reasons {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b linkKey) int { return cmp.Or(cmp.Compare(a.parent, b.parent), cmp.Compare(a.child, b.child)) })
	qty := map[linkKey]float64{}
	lotOf := func(g string) string { return ID{GTIN: g, Lot: f.lot}.Canonical() }
	order := map[string]int{LinkMasterData: 0, LinkAggregation: 1, LinkTransformation: 2, LinkInferred: 3}
	for _, k := range keys {
		l := Link{Parent: lotOf(k.parent), Child: lotOf(k.child), Inferred: true}
		for _, r := range f.reasons[k] {
			slices.Sort(r.EventIDs)
			slices.Sort(r.VocabularyIDs)
			l.Reasons = append(l.Reasons, *r)
			if r.Kind != LinkInferred {
				l.Inferred = false
			}
		}
		slices.SortFunc(l.Reasons, func(a, b Reason) int { return cmp.Compare(order[a.Kind], order[b.Kind]) })
		for _, r := range l.Reasons {
			if l.Quantity == 0 && r.Quantity > 0 {
				l.Quantity = r.Quantity
			}
		}
		qty[k] = l.Quantity
		out.Links = append(out.Links, l)
	}
	// Base units per unit of each level, through the links; depth orders
	// the levels, a level no link puts above another being a base.
	base := map[string]float64{}
	depth := map[string]int{}
	var resolve func(g string, seen map[string]bool) (float64, int)
	resolve = func(g string, seen map[string]bool) (float64, int) {
		if v, ok := base[g]; ok {
			return v, depth[g]
		}
		if seen[g] {
			return 0, 0
		}
		seen[g] = true
		v, d, children := 1.0, 0, false
		for _, k := range keys {
			if k.parent != g || !f.gtins[k.child] {
				continue
			}
			cv, cd := resolve(k.child, seen)
			if !children || cd+1 > d {
				if cv > 0 && qty[k] > 0 {
					v = cv * qty[k]
				} else {
					v = 0
				}
				d = cd + 1
			}
			children = true
		}
		base[g], depth[g] = v, d
		return v, d
	}
	for g := range f.gtins {
		resolve(g, map[string]bool{})
	}
	for _, l := range sortedMembers(f.members) {
		units := slices.Clone(f.unitsOf[l.GTIN])
		if units == nil {
			units = []string{}
		}
		slices.Sort(units)
		out.Levels = append(out.Levels, Level{Lot: l.Canonical(), GTIN: l.GTIN, BaseUnits: base[l.GTIN], Units: units})
	}
	slices.SortStableFunc(out.Levels, func(a, b Level) int { return cmp.Compare(depth[a.GTIN], depth[b.GTIN]) })
	return out
}
