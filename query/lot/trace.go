package lot

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// Directions of a trace.
const (
	Backward = "backward"
	Forward  = "forward"
	Both     = "both"
)

// Node kinds.
const (
	NodeLot       = "lot"
	NodeItem      = "item"
	NodeContainer = "container"
	NodeLocation  = "location"
	NodeParty     = "party"
)

// Edge kinds. Edges follow the material: from an input to an output, from
// contents to a container, from material to where it went, and from a
// supplier to the material it supplied.
const (
	EdgeConsumedInto = "consumed-into"
	EdgePackedInto   = "packed-into"
	EdgeShippedTo    = "shipped-to"
	EdgeReceivedAt   = "received-at"
	EdgeSupplied     = "supplied"
	// EdgePackagedAs links two levels of one production lot family:
	// from the lot of the lower level (eaches) to the lot of the level
	// that contains it (cases), with the reasons of the family link.
	EdgePackagedAs = "packaged-as"
)

// Defaults of TraceOptions.
const (
	DefaultTraceDepth = 10
	DefaultMaxNodes   = 10_000
)

// TraceOptions say which way and how far Trace goes, and bound its work.
type TraceOptions struct {
	// Direction is Backward, Forward or Both (default Both).
	Direction string
	// Depth is the number of transformations followed from the lot
	// (default 10): depth 1 reaches the lots made from it, or the lots it
	// was made from, and no further.
	Depth int
	// MaxNodes bounds the nodes of the graph (default 10,000).
	MaxNodes int
	// Options bound the events read, the time and the nesting of
	// containers, and say whose events may be read.
	Options
}

// Graph is a lot's genealogy: the answer of GET /lots/{lot}/trace.
type Graph struct {
	Lot       string `json:"lot"`
	Direction string `json:"direction"`
	Depth     int    `json:"depth"`
	Nodes     []Node `json:"nodes"`
	Edges     []Edge `json:"edges"`
	// Family is the production lot family the trace started from (every
	// level's lot is a start).
	Family *Family `json:"family"`
}

// Node is a lot, item, container, location or party; ID is its
// canonical form (a GS1 Digital Link for GS1 identifiers).
type Node struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Edge links two nodes by their IDs; EventIDs are the events proving it.
type Edge struct {
	Kind     string   `json:"kind"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	EventIDs []string `json:"eventIDs"`
	// Reasons and Inferred are those of the family link of a
	// packaged-as edge; VocabularyIDs the master data proving it.
	Reasons       []string `json:"reasons,omitempty"`
	VocabularyIDs []string `json:"vocabularyIDs,omitempty"`
	Inferred      bool     `json:"inferred,omitempty"`
}

type edgeKey struct{ kind, from, to string }

// pending is an edge proven by an event, kept until the walk knows
// whether the event was declared in error.
type pending struct {
	key edgeKey
	it  *item
}

// tracer holds the state of one Trace call.
type tracer struct {
	w        *walker
	opt      TraceOptions
	kinds    map[string]string // node ID -> kind
	labels   map[string]string
	unitLot  map[string]ID   // canonical SGTIN -> its lot
	classLot map[string]ID   // canonical LGTIN -> its lot
	lots     map[string]ID   // lot node -> its lot
	unitRead map[string]bool // units whose events were read
	held     map[string][]span
	edges    []pending
	checked  map[string]bool // eventIDs whose declarations were looked up
	// mentioned are the start lots' nodes some event names.
	mentioned map[string]bool
	// families, when set, are the production lot families of the lots
	// the walk reaches, by member lot: a lot reached through a
	// transformation is reached at every packaging level (its cases
	// shipped under the case GTIN are as affected as its eaches).
	families map[string]*familyState
}

// Trace returns the lot's genealogy (see the package documentation). It
// returns a *epcis.Error of kind KindQueryParameter for a bad direction
// (Param "direction"), of kind KindNoSuchResource when no event mentions
// the lot, and of kind KindQueryTooComplex, naming the limit, when the
// walk exceeds the bounds of opt.
func Trace(ctx context.Context, st store.Querier, id ID, opt TraceOptions) (*Graph, error) {
	if opt.Depth <= 0 {
		opt.Depth = DefaultTraceDepth
	}
	fam, err := resolveFamily(ctx, st, id, opt.Options, "trace")
	if err != nil {
		return nil, err
	}
	starts := []ID{id}
	for _, l := range sortedMembers(fam.members) {
		if l != id {
			starts = append(starts, l)
		}
	}
	t, err := traceFrom(ctx, st, starts, opt, fam)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(starts, func(l ID) bool { return t.mentioned[l.Canonical()] }) {
		return nil, epcis.Errorf(epcis.KindNoSuchResource, "no event mentions lot %s", id.Canonical())
	}
	// The aggregations the walk read that pack one level into another's
	// units prove the family's links (as History finds them).
	aw := *t.w
	aw.fam = fam
	var read []*item
	for _, it := range t.w.items {
		read = append(read, it)
	}
	sortItems(read)
	aw.aggregationReasons(read)
	aw.outputReasons(read)
	g := t.graph(id)
	g.Family = fam.family()
	links := slices.Clone(g.Family.Links)
	for _, f := range t.reachedFamilies(fam) {
		links = append(links, f.family().Links...)
	}
	g.addFamily(links)
	return g, nil
}

// reachedFamilies returns, once each and in lot order, the families of
// the lots the walk reached other than start's that have more than one
// level.
func (t *tracer) reachedFamilies(start *familyState) []*familyState {
	var out []*familyState
	seen := map[*familyState]bool{start: true}
	for _, k := range sortedKeys(t.families) {
		if f := t.families[k]; !seen[f] {
			seen[f] = true
			if len(f.members) > 1 {
				out = append(out, f)
			}
		}
	}
	return out
}

// expandFamilies adds to the frontier every other packaging level of the
// frontier's lots (resolving each family once per trace), marking them
// seen.
func (t *tracer) expandFamilies(ctx context.Context, frontier []ID, seen map[ID]bool) ([]ID, error) {
	if t.families == nil {
		return frontier, nil
	}
	for i := 0; i < len(frontier); i++ {
		l := frontier[i]
		f, ok := t.families[l.Canonical()]
		if !ok {
			var err error
			if f, err = resolveFamily(ctx, t.w.st, l, t.opt.Options, "trace"); err != nil {
				return nil, err
			}
			for _, m := range f.members { // l among them
				if _, done := t.families[m.Canonical()]; !done {
					t.families[m.Canonical()] = f
				}
			}
		}
		for _, m := range sortedMembers(f.members) {
			if !seen[m] {
				seen[m] = true
				frontier = append(frontier, m)
			}
		}
	}
	return frontier, nil
}

// resolveFamily resolves a lot's production lot family (see
// walker.resolve) with its serialised units, within opt's time limit.
func resolveFamily(ctx context.Context, st store.Querier, id ID, opt Options, what string) (*familyState, error) {
	opt = opt.withDefaults()
	wctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	w := &walker{st: st, opt: opt, id: id, class: id.Canonical(), items: map[int64]*item{}, retract: map[string]bool{}, what: what}
	found, err := w.resolve(wctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, epcis.Errorf(epcis.KindQueryTooComplex, "the %s took longer than the time limit of %s", what, opt.Timeout)
		}
		return nil, err
	}
	for _, it := range found {
		for _, u := range w.ilmdUnits(it.e) {
			if w.fam.gtins[u.lot.GTIN] {
				w.fam.addUnit(u.epc, u.lot.GTIN)
			}
		}
	}
	return w.fam, nil
}

// addFamily adds a packaged-as edge for every family link, from the
// child level's lot to the parent's, and their lot nodes.
func (g *Graph) addFamily(links []Link) {
	have := map[string]bool{}
	for _, n := range g.Nodes {
		have[n.ID] = true
	}
	done := map[[2]string]bool{}
	for _, l := range links {
		if done[[2]string{l.Child, l.Parent}] {
			continue
		}
		done[[2]string{l.Child, l.Parent}] = true
		e := Edge{Kind: EdgePackagedAs, From: l.Child, To: l.Parent, EventIDs: []string{}, Inferred: l.Inferred}
		for _, r := range l.Reasons {
			e.Reasons = append(e.Reasons, r.Kind)
			e.EventIDs = append(e.EventIDs, r.EventIDs...)
			e.VocabularyIDs = append(e.VocabularyIDs, r.VocabularyIDs...)
		}
		slices.Sort(e.EventIDs)
		e.EventIDs = slices.Compact(e.EventIDs)
		g.Edges = append(g.Edges, e)
		for _, n := range []string{l.Child, l.Parent} {
			if !have[n] {
				have[n] = true
				lid, _ := Parse(n)
				g.Nodes = append(g.Nodes, Node{Kind: NodeLot, ID: n, Label: lotLabel(lid)})
			}
		}
	}
	slices.SortFunc(g.Nodes, func(a, b Node) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
}

// traceFrom walks from several lots at once, one batched lookup per hop
// for all of them; the tracer's edges are those of every start's trace
// (a lot reached from several starts is expanded once). With a start
// family (whose members the starts must include), every lot the walk
// reaches is followed at all its packaging levels too; without, only the
// lots reached.
func traceFrom(ctx context.Context, st store.Querier, starts []ID, opt TraceOptions, start *familyState) (*tracer, error) {
	switch opt.Direction {
	case "":
		opt.Direction = Both
	case Backward, Forward, Both:
	default:
		e := epcis.Errorf(epcis.KindQueryParameter, "direction must be backward, forward or both, not %q", opt.Direction)
		e.Param = "direction"
		return nil, e
	}
	// Depth 0 follows no transformation: the start lots' own material,
	// movements and (forward) containers.
	opt.Depth = max(opt.Depth, 0)
	if opt.MaxNodes <= 0 {
		opt.MaxNodes = DefaultMaxNodes
	}
	opt.Options = opt.Options.withDefaults()
	wctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	t := &tracer{
		w: &walker{st: st, opt: opt.Options, id: starts[0], class: starts[0].Canonical(), items: map[int64]*item{},
			retract: map[string]bool{}, what: "trace"},
		opt: opt, kinds: map[string]string{}, labels: map[string]string{},
		unitLot: map[string]ID{}, classLot: map[string]ID{}, lots: map[string]ID{}, unitRead: map[string]bool{}, held: map[string][]span{},
		checked: map[string]bool{}, mentioned: map[string]bool{},
	}
	if start != nil {
		t.families = map[string]*familyState{}
		for _, m := range start.members {
			t.families[m.Canonical()] = start
		}
	}
	if err := t.run(wctx, starts); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, epcis.Errorf(epcis.KindQueryTooComplex,
				"the trace took longer than the time limit of %s", opt.Timeout)
		}
		return nil, err
	}
	return t, nil
}

func (t *tracer) run(ctx context.Context, starts []ID) error {
	for _, dir := range []string{Backward, Forward} {
		if t.opt.Direction != Both && t.opt.Direction != dir {
			continue
		}
		if err := t.walk(ctx, starts, dir); err != nil {
			return err
		}
	}
	// Declarations of the events proving edges not yet checked.
	var items []*item
	for _, p := range t.edges {
		items = append(items, p.it)
	}
	return t.declarations(ctx, items)
}

// walk follows the lots one way, one hop (transformation) per round, and
// notes which start lots some event mentions.
func (t *tracer) walk(ctx context.Context, starts []ID, dir string) error {
	// Each walk reads its units' events itself: the forward walk needs
	// the units' packing and shipping events that a backward walk read
	// but did not follow.
	t.unitRead = map[string]bool{}
	seen := map[ID]bool{}
	var frontier []ID
	for _, l := range starts {
		if !seen[l] {
			seen[l] = true
			frontier = append(frontier, l)
		}
	}
	for depth := 0; len(frontier) > 0; depth++ {
		mat, err := t.material(ctx, frontier)
		if err != nil {
			return err
		}
		// Movements of the frontier's lots only: an event may name other
		// known lots too (co-inputs, say), which this walk does not follow.
		inFrontier := map[string]bool{}
		for _, l := range frontier {
			inFrontier[t.lotNode(l)] = true
		}
		for _, it := range mat {
			nodes := slices.DeleteFunc(t.materialNodes(it.e), func(n string) bool { return !inFrontier[n] })
			if depth == 0 {
				for _, n := range nodes {
					t.mentioned[n] = true
				}
			}
			if err := t.movements(it, nodes); err != nil {
				return err
			}
		}
		if dir == Forward {
			if err := t.containers(ctx, frontier, mat); err != nil {
				return err
			}
		}
		if depth == t.opt.Depth {
			break
		}
		next, err := t.transformations(ctx, frontier, mat, dir)
		if err != nil {
			return err
		}
		frontier = frontier[:0:0]
		for _, l := range next {
			if !seen[l] {
				seen[l] = true
				frontier = append(frontier, l)
			}
		}
		if frontier, err = t.expandFamilies(ctx, frontier, seen); err != nil {
			return err
		}
	}
	return nil
}

// material reads, in two batched lookups, the events naming the lots as a
// class or giving their units' lot number, then those naming the units.
func (t *tracer) material(ctx context.Context, lots []ID) ([]*item, error) {
	byKey := map[ID]bool{}
	var terms []string
	for _, l := range lots {
		byKey[l] = true
		t.classLot[l.Canonical()] = l
		terms = append(terms, lotTerms(l)...)
	}
	var out []*item
	var units []string
	if err := t.w.lookup(ctx, nil, terms, func(it *item) {
		out = append(out, it)
		for _, u := range t.lotUnits(it.e) {
			if byKey[u.lot] {
				// A unit may be known already, from the transformation
				// that made it, without its events having been read.
				if !t.unitRead[u.epc] {
					t.unitRead[u.epc] = true
					units = append(units, u.epc)
				}
				t.unitLot[u.epc] = u.lot
			}
		}
	}); err != nil {
		return nil, err
	}
	seen := map[*item]bool{}
	for _, it := range out {
		seen[it] = true
	}
	if err := t.w.lookup(ctx, nil, unitTerms(units), func(it *item) {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}); err != nil {
		return nil, err
	}
	sortItems(out)
	return out, nil
}

type unitOfLot struct {
	epc string
	lot ID
}

// lotUnits returns the SGTINs an event commissions or makes with a lot
// number in its ILMD, each with its lot.
func (t *tracer) lotUnits(e *epcis.Event) []unitOfLot {
	ilmd, ok := e.Fields["ilmd"].(map[string]any)
	if !ok {
		return nil
	}
	n := query.LotNumber(e, ilmd)
	if n == "" {
		return nil
	}
	var out []unitOfLot
	for _, list := range [][]string{e.EPCList, e.OutputEPCList} {
		for _, s := range list {
			if epc, err := e.ParseID(s); err == nil && epc.Scheme == gs1.SGTIN {
				out = append(out, unitOfLot{epc.Canonical(), ID{GTIN: epc.GTIN(), Lot: n}})
			}
		}
	}
	return out
}

// nodeOf returns the node standing for a canonical identifier: its lot
// for a unit or an LGTIN, the container for a followed container.
func (t *tracer) nodeOf(id string) (string, bool) {
	if l, ok := t.unitLot[id]; ok {
		return t.lotNode(l), true
	}
	if l, ok := t.classLot[id]; ok {
		return t.lotNode(l), true
	}
	return "", false
}

func (t *tracer) lotNode(l ID) string {
	c := l.Canonical()
	t.lots[c] = l
	t.kinds[c] = NodeLot
	t.labels[c] = lotLabel(l)
	return c
}

func (t *tracer) node(kind, id string) string {
	if _, ok := t.kinds[id]; !ok {
		t.kinds[id] = kind
		t.labels[id] = id
	}
	return id
}

// materialNodes returns the lot nodes an event names (units or classes).
func (t *tracer) materialNodes(e *epcis.Event) []string {
	var out []string
	for _, n := range t.w.named(e, roleAll) {
		if id, ok := t.nodeOf(n); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, l := range [][]epcis.Quantity{e.QuantityList, e.ChildQuantityList, e.InputQuantityList, e.OutputQuantityList} {
		for _, q := range l {
			if id, ok := t.nodeOf(t.w.canonicalClass(e, q.EPCClass)); ok && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func (t *tracer) edge(kind, from, to string, it *item) error {
	if from == to {
		return nil
	}
	t.edges = append(t.edges, pending{edgeKey{kind, from, to}, it})
	if len(t.kinds) > t.opt.MaxNodes {
		return epcis.Errorf(epcis.KindQueryTooComplex,
			"the trace reaches more than %d nodes (maximum nodes)", t.opt.MaxNodes)
	}
	return nil
}

// movements adds the edges an event of moving goods gives the nodes it
// concerns: shipped-to its destinations, received-at where it was
// received, and supplied from the parties of its source list.
func (t *tracer) movements(it *item, nodes []string) error {
	e := it.e
	step := short(cbv.BizStep, e.BizStep)
	if len(nodes) == 0 || !isShipment(step) || step == "void_shipping" || e.ErrorDeclaration != nil {
		return nil
	}
	receiving := step == "receiving" || step == "arriving"
	var targets []edgeKey // kind and to
	for _, d := range e.Destinations {
		switch short(cbv.SDT, d.Type) {
		case "owning_party", "possessing_party":
			k := EdgeShippedTo
			if receiving {
				k = EdgeReceivedAt
			}
			targets = append(targets, edgeKey{kind: k, to: t.node(NodeParty, query.CanonicalID(d.Value))})
		case "location":
			k := EdgeShippedTo
			if receiving {
				k = EdgeReceivedAt
			}
			targets = append(targets, edgeKey{kind: k, to: t.node(NodeLocation, query.CanonicalID(d.Value))})
		}
	}
	if receiving && e.BizLocation != "" {
		targets = append(targets, edgeKey{kind: EdgeReceivedAt, to: t.node(NodeLocation, query.CanonicalID(e.BizLocation))})
	}
	for _, n := range nodes {
		for _, k := range targets {
			if err := t.edge(k.kind, n, k.to, it); err != nil {
				return err
			}
		}
		for _, s := range e.Sources {
			if ty := short(cbv.SDT, s.Type); ty == "owning_party" || ty == "possessing_party" {
				if err := t.edge(EdgeSupplied, t.node(NodeParty, query.CanonicalID(s.Value)), n, it); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// containers follows the containers the material was packed into (over
// ADD/DELETE spans, nesting outward) and their movements while they held
// it.
func (t *tracer) containers(ctx context.Context, lots []ID, mat []*item) error {
	followed := map[ID]bool{}
	for _, l := range lots {
		followed[l] = true
		if c := l.Canonical(); t.held[c] == nil {
			t.held[c] = []span{{}}
		}
	}
	for u, l := range t.unitLot {
		if _, ok := t.held[u]; !ok && followed[l] {
			t.held[u] = []span{{}}
		}
	}
	var ferr error
	_, err := t.w.followContainers(ctx, mat, t.held, func(p string, it *item) {
		if ferr != nil {
			return
		}
		t.node(NodeContainer, p)
		e := it.e
		if e.Type == epcis.AggregationEvent && e.Action == "ADD" && e.ParentID != "" && t.w.canonicalClass(e, e.ParentID) == p {
			for _, ch := range t.w.children(e) {
				if !within(t.held[ch], e.EventTime) {
					continue
				}
				from, ok := t.nodeOf(ch)
				if !ok {
					if _, isC := t.kinds[ch]; !isC {
						continue
					}
					from = ch
				}
				if ferr = t.edge(EdgePackedInto, from, p, it); ferr != nil {
					return
				}
			}
			return
		}
		ferr = t.movements(it, []string{p})
	})
	if err != nil {
		return err
	}
	return ferr
}

// transformations follows one hop: the transformations (all events of a
// transformationID) making the frontier lots (backward) or consuming them
// (forward), adding consumed-into edges, and returns the lots on the far
// side.
func (t *tracer) transformations(ctx context.Context, frontier []ID, mat []*item, dir string) ([]ID, error) {
	inFrontier := map[string]bool{}
	for _, l := range frontier {
		inFrontier[l.Canonical()] = true
	}
	touches := func(e *epcis.Event, roles int, qs []epcis.Quantity) bool {
		for _, n := range t.w.named(e, roles) {
			if id, ok := t.nodeOf(n); ok && inFrontier[id] {
				return true
			}
		}
		for _, q := range qs {
			if id, ok := t.nodeOf(t.w.canonicalClass(e, q.EPCClass)); ok && inFrontier[id] {
				return true
			}
		}
		return false
	}
	groups := map[string][]*item{}
	grouped := map[*item]bool{}
	group := func(key string, it *item) {
		if !grouped[it] {
			grouped[it] = true
			groups[key] = append(groups[key], it)
		}
	}
	var xterms []string
	for _, it := range mat {
		e := it.e
		if e.Type != epcis.TransformationEvent || e.ErrorDeclaration != nil {
			continue
		}
		near := touches(e, roleOutput, e.OutputQuantityList)
		if dir == Forward {
			near = touches(e, roleInput, e.InputQuantityList)
		}
		if !near {
			continue
		}
		key := "event " + it.ev.EventID
		if e.TransformationID != "" {
			key = "x " + query.CanonicalID(e.TransformationID)
			if _, ok := groups[key]; !ok {
				xterms = append(xterms, query.TermTransform+"="+query.Compact(query.CanonicalID(e.TransformationID)))
			}
		}
		group(key, it)
	}
	slices.Sort(xterms)
	if err := t.w.lookup(ctx, nil, xterms, func(it *item) {
		group("x "+query.CanonicalID(it.e.TransformationID), it)
	}); err != nil {
		return nil, err
	}
	var all []*item
	for _, g := range groups {
		all = append(all, g...)
	}
	if err := t.declarations(ctx, all); err != nil {
		return nil, err
	}
	// Serialised inputs and outputs grouped to their lots, in one lookup.
	var unknown []string
	unknownSet := map[string]bool{}
	for _, it := range all {
		for _, u := range t.lotUnits(it.e) {
			if _, ok := t.unitLot[u.epc]; !ok {
				t.unitLot[u.epc] = u.lot
			}
		}
		for _, n := range t.w.named(it.e, roleInput|roleOutput) {
			if _, ok := t.unitLot[n]; !ok && !unknownSet[n] && isSGTIN(n) {
				unknownSet[n] = true
				unknown = append(unknown, n)
			}
		}
	}
	var uterms []string
	for _, u := range unknown {
		cu := query.Compact(u)
		uterms = append(uterms, query.TermEPC+"="+cu, query.TermOutput+"="+cu)
	}
	if err := t.w.lookup(ctx, nil, uterms, func(it *item) {
		if t.w.retracted(it) || it.e.ErrorDeclaration != nil {
			return
		}
		for _, u := range t.lotUnits(it.e) {
			if _, ok := t.unitLot[u.epc]; !ok {
				t.unitLot[u.epc] = u.lot
			}
		}
	}); err != nil {
		return nil, err
	}

	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var next []ID
	for _, k := range keys {
		type end struct {
			node string
			it   *item
		}
		var ins, outs []end
		for _, it := range groups[k] {
			if t.w.retracted(it) || it.e.ErrorDeclaration != nil {
				continue
			}
			e := it.e
			for _, n := range t.ends(e, e.InputEPCList, e.InputQuantityList) {
				ins = append(ins, end{n, it})
			}
			for _, n := range t.ends(e, e.OutputEPCList, e.OutputQuantityList) {
				outs = append(outs, end{n, it})
			}
		}
		for _, in := range ins {
			for _, out := range outs {
				// Only the material being followed: forward, not the
				// co-inputs; backward, not the co-products.
				if (dir == Forward && !inFrontier[in.node]) || (dir == Backward && !inFrontier[out.node]) {
					continue
				}
				if err := t.edge(EdgeConsumedInto, in.node, out.node, in.it); err != nil {
					return nil, err
				}
				if err := t.edge(EdgeConsumedInto, in.node, out.node, out.it); err != nil {
					return nil, err
				}
			}
		}
		far := outs
		if dir == Backward {
			far = ins
		}
		for _, f := range far {
			if t.kinds[f.node] == NodeLot && !inFrontier[f.node] {
				next = append(next, t.lots[f.node])
			}
		}
	}
	return next, nil
}

// ends returns the nodes of one side of a transformation: lots for LGTIN
// classes and serials of a known lot, items otherwise.
func (t *tracer) ends(e *epcis.Event, epcs []string, qs []epcis.Quantity) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range epcs {
		c := s
		if epc, err := e.ParseID(s); err == nil {
			c = epc.Canonical()
		}
		if l, ok := t.unitLot[c]; ok {
			add(t.lotNode(l))
		} else {
			add(t.node(NodeItem, c))
		}
	}
	for _, q := range qs {
		epc, err := e.ParseID(q.EPCClass)
		switch {
		case err == nil && epc.Scheme == gs1.LGTIN:
			l := ID{GTIN: epc.GTIN(), Lot: epc.Lot()}
			t.classLot[l.Canonical()] = l
			add(t.lotNode(l))
		case err == nil:
			add(t.node(NodeItem, epc.Canonical()))
		default:
			add(t.node(NodeItem, q.EPCClass))
		}
	}
	return out
}

func isSGTIN(canonical string) bool {
	epc, err := gs1.ParseEPC(canonical)
	return err == nil && epc.Scheme == gs1.SGTIN
}

// declarations reads, in one batched lookup, the error declarations of
// the events not yet checked, so that retracted events prove no edge.
func (t *tracer) declarations(ctx context.Context, items []*item) error {
	var terms []string
	for _, it := range items {
		if id := it.ev.EventID; !t.checked[id] {
			t.checked[id] = true
			terms = append(terms, query.TermEventID+"="+query.Compact(id))
		}
	}
	slices.Sort(terms)
	return t.w.lookup(ctx, []string{query.TermErrorDecl + "=1"}, terms, func(*item) {})
}

// graph builds the answer from the edges whose events were not declared
// in error, sorted.
func (t *tracer) graph(id ID) *Graph {
	ev := map[edgeKey]map[string]bool{}
	for _, p := range t.edges {
		if t.w.retracted(p.it) || p.it.e.ErrorDeclaration != nil {
			continue
		}
		if ev[p.key] == nil {
			ev[p.key] = map[string]bool{}
		}
		ev[p.key][p.it.ev.EventID] = true
	}
	start := t.lotNode(id)
	used := map[string]bool{start: true}
	g := &Graph{Lot: start, Direction: t.opt.Direction, Depth: t.opt.Depth, Nodes: []Node{}, Edges: []Edge{}}
	for k, ids := range ev {
		e := Edge{Kind: k.kind, From: k.from, To: k.to}
		for i := range ids {
			e.EventIDs = append(e.EventIDs, i)
		}
		slices.Sort(e.EventIDs)
		g.Edges = append(g.Edges, e)
		used[k.from], used[k.to] = true, true
	}
	for n := range used {
		g.Nodes = append(g.Nodes, Node{Kind: t.kinds[n], ID: n, Label: t.labels[n]})
	}
	slices.SortFunc(g.Nodes, func(a, b Node) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return g
}
