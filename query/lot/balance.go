package lot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
)

// Balance is the mass balance of a production lot family, in base units
// (units of its lowest level, BaseLot), from the events of its record
// that are not in error.
//
// Material is followed as tokens, so that nothing is counted twice: a
// serialised unit is one token (worth its level's BaseUnits, or what it
// was seen to hold), a class quantity one token per quantity list entry
// that made, packed or moved it. A container counts as what it held at
// the time of the event (its ADD/DELETE history replayed), so a pallet
// shipped twice, or a case shipped on a pallet and again alone, counts
// once.
type Balance struct {
	BaseLot string `json:"baseLot"`
	// Made is what the lowest level with a making event (commissioning
	// ObjectEvent ADD, or TransformationEvent output) made; higher
	// levels' making is packing, listed in Packed.
	Made float64 `json:"made"`
	// Packed is, per level above the base, what was made or repacked at
	// that level, in the level's units and in base units.
	Packed []LevelQuantity `json:"packed"`
	// PackedInContainers is the material aggregated into containers
	// (cases, pallets) at any time.
	PackedInContainers float64 `json:"packedInContainers"`
	Shipped            float64 `json:"shipped"`  // bizStep shipping or departing
	Received           float64 `json:"received"` // bizStep receiving or arriving
	// Destroyed is material with disposition destroyed or bizStep
	// destroying.
	Destroyed float64 `json:"destroyed"`
	// Consumed is material a transformation used as input to something
	// outside the family.
	Consumed float64 `json:"consumed"`
	// Accounted is what was shipped, destroyed or consumed (each token
	// once).
	Accounted float64 `json:"accounted"`
	// OnHand is Made less Accounted: by the records still with its
	// holder. EPCIS says where material went, not that it is still
	// there, so it is also Unaccounted: LastSeen says where to look.
	OnHand      float64 `json:"onHand"`
	Unaccounted float64 `json:"unaccounted"`
	// Excess is what was accounted beyond what was made (events of
	// material made elsewhere, or counted twice by the sender).
	Excess float64 `json:"excess,omitempty"`
	// LastSeen is the last event naming material not accounted for.
	LastSeen *Sighting `json:"lastSeen,omitempty"`
	// Unconverted are units of levels whose base units are unknown (no
	// quantity in master data or seen packed), left out of the figures.
	Unconverted []LevelQuantity `json:"unconverted,omitempty"`
	// Uncounted are quantities in units of measure that do not count
	// units (KGM, LTR, ...), left out of the figures in the units given.
	Uncounted []Quantity `json:"uncounted,omitempty"`
	// Summary says it in words: "1,200 of 1,250 units accounted for
	// (...); 50 not shipped, last seen at ...".
	Summary string `json:"summary"`
}

// LevelQuantity is a quantity of one level's units and its base units.
type LevelQuantity struct {
	Lot       string  `json:"lot"`
	Units     float64 `json:"units"`
	BaseUnits float64 `json:"baseUnits"`
}

// Sighting is where an event saw material.
type Sighting struct {
	EventID   string    `json:"eventID"`
	EventTime time.Time `json:"eventTime"`
	BizStep   string    `json:"bizStep,omitempty"`
	Location  string    `json:"location,omitempty"` // bizLocation, else readPoint
}

// tokens is a set of material tokens.
type tokens map[string]bool

// balancer replays a record's events.
type balancer struct {
	w                                              *walker
	base                                           map[string]float64 // GTIN -> base units per unit
	weight                                         map[string]float64 // token -> base units
	contents                                       map[string]tokens  // container or unit -> what it holds
	made                                           map[string]tokens  // GTIN -> tokens made at that level
	levelN                                         map[string]float64 // GTIN -> level units made
	shipped, received, destroyed, consumed, packed tokens
	unconv                                         map[string]float64
	uncount                                        []Quantity
}

// balance computes the mass balance of the family over items, the
// record's events in time order.
func (w *walker) balance(items []*item, fam *Family) *Balance {
	b := &balancer{w: w, base: map[string]float64{}, weight: map[string]float64{}, contents: map[string]tokens{},
		made: map[string]tokens{}, levelN: map[string]float64{}, shipped: tokens{}, received: tokens{},
		destroyed: tokens{}, consumed: tokens{}, packed: tokens{}, unconv: map[string]float64{}}
	for _, l := range fam.Levels {
		b.base[l.GTIN] = l.BaseUnits
	}
	touched := make([]tokens, len(items))
	for i, it := range items {
		if it.e.ErrorDeclaration != nil || w.retracted(it) {
			continue
		}
		touched[i] = b.event(it)
	}
	accounted := union(b.shipped, b.destroyed, b.consumed)
	r := &Balance{BaseLot: fam.Levels[0].Lot, Packed: []LevelQuantity{}}
	for i, l := range fam.Levels {
		m := b.sum(b.made[l.GTIN])
		if r.Made == 0 && m > 0 {
			r.Made = m
			continue
		}
		if i > 0 && b.levelN[l.GTIN] > 0 {
			r.Packed = append(r.Packed, LevelQuantity{Lot: l.Lot, Units: b.levelN[l.GTIN], BaseUnits: m})
		}
	}
	for _, l := range fam.Levels {
		if n := b.unconv[l.GTIN]; n > 0 {
			r.Unconverted = append(r.Unconverted, LevelQuantity{Lot: l.Lot, Units: n})
		}
	}
	r.Uncounted = b.uncount
	r.PackedInContainers = b.sum(b.packed)
	r.Shipped, r.Received = b.sum(b.shipped), b.sum(b.received)
	r.Destroyed, r.Consumed = b.sum(b.destroyed), b.sum(b.consumed)
	r.Accounted = b.sum(accounted)
	if d := r.Made - r.Accounted; d > 0 {
		r.OnHand, r.Unaccounted = d, d
	} else {
		r.Excess = -d
	}
	for i := len(items) - 1; i >= 0 && r.Unaccounted > 0; i-- {
		if touched[i].any(func(t string) bool { return !accounted[t] }) {
			e := items[i].e
			s := &Sighting{EventID: items[i].ev.EventID, EventTime: e.EventTime, BizStep: short(cbv.BizStep, e.BizStep), Location: e.BizLocation}
			if s.Location == "" {
				s.Location = e.ReadPoint
			}
			r.LastSeen = s
			break
		}
	}
	r.Summary = summary(r)
	return r
}

// event replays one event and returns the tokens it names.
func (b *balancer) event(it *item) tokens {
	e, w, f := it.e, b.w, b.w.fam
	step := short(cbv.BizStep, e.BizStep)
	named := tokens{}
	expandInto := func(dst tokens, id string) {
		for t := range b.expand(id, map[string]bool{}) {
			dst[t] = true
		}
	}
	// Units an event makes with the lot number join their level.
	makes := e.Type == epcis.TransformationEvent || (e.Type == epcis.ObjectEvent && e.Action == "ADD")
	if makes {
		for _, u := range w.ilmdUnits(e) {
			if f.gtins[u.lot.GTIN] {
				b.unit(u.epc, u.lot.GTIN)
				if !b.made[u.lot.GTIN][u.epc] {
					b.add(b.made, u.lot.GTIN, u.epc)
					b.levelN[u.lot.GTIN]++
				}
			}
		}
	}
	// Class quantities are tokens of their own.
	qtok := map[string]string{} // list/index -> token
	classTok := func(list string, i int, q epcis.Quantity) (string, string) {
		l, ok := f.members[w.canonicalClass(e, q.EPCClass)]
		if !ok || !q.HasQuantity {
			return "", ""
		}
		if !countUOM(q.UOM) {
			b.uncount = append(b.uncount, Quantity{EventID: it.ev.EventID, List: list, Quantity: q.Quantity, UOM: q.UOM})
			return "", ""
		}
		t := "q " + it.ev.EventID + " " + list + " " + strconv.Itoa(i)
		if bu := b.base[l.GTIN]; bu > 0 {
			b.weight[t] = q.Quantity * bu
		} else {
			b.unconv[l.GTIN] += q.Quantity
			b.weight[t] = 0
		}
		qtok[list+strconv.Itoa(i)] = t
		return t, l.GTIN
	}
	for _, l := range []struct {
		name string
		qs   []epcis.Quantity
	}{{"quantityList", e.QuantityList}, {"childQuantityList", e.ChildQuantityList},
		{"inputQuantityList", e.InputQuantityList}, {"outputQuantityList", e.OutputQuantityList}} {
		for i, q := range l.qs {
			t, g := classTok(l.name, i, q)
			if t == "" {
				continue
			}
			named[t] = true
			if (makes && l.name == "quantityList") || l.name == "outputQuantityList" {
				b.add(b.made, g, t)
				b.levelN[g] += q.Quantity
			}
		}
	}
	for _, id := range w.named(e, roleAll) {
		expandInto(named, id)
	}
	switch e.Type {
	case epcis.AggregationEvent:
		p := w.canonicalClass(e, e.ParentID)
		if p == "" {
			break
		}
		switch e.Action {
		case "ADD":
			if b.contents[p] == nil {
				b.contents[p] = tokens{}
			}
			for _, ch := range w.named(e, roleEPC) {
				b.contents[p][ch] = true
				expandInto(b.packed, ch)
			}
			for i := range e.ChildQuantityList {
				if t := qtok["childQuantityList"+strconv.Itoa(i)]; t != "" {
					b.contents[p][t] = true
					b.packed[t] = true
				}
			}
		case "DELETE":
			kids := w.named(e, roleEPC)
			if len(kids) == 0 && len(e.ChildQuantityList) == 0 {
				delete(b.contents, p)
			}
			for _, ch := range kids {
				delete(b.contents[p], ch)
			}
		}
	case epcis.TransformationEvent:
		var ins tokens = tokens{}
		for _, id := range w.named(e, roleInput) {
			expandInto(ins, id)
		}
		for i := range e.InputQuantityList {
			if t := qtok["inputQuantityList"+strconv.Itoa(i)]; t != "" {
				ins[t] = true
			}
		}
		outFamily := len(w.levelGTINs(e, e.OutputEPCList, e.OutputQuantityList)) > 0
		if !outFamily {
			for t := range ins {
				b.consumed[t] = true
			}
		}
	}
	var dst tokens
	switch {
	case e.Disposition != "" && short(cbv.Disp, e.Disposition) == "destroyed", step == "destroying":
		dst = b.destroyed
	case step == "shipping" || step == "departing":
		dst = b.shipped
	case step == "receiving" || step == "arriving":
		dst = b.received
	}
	for t := range named {
		if dst != nil {
			dst[t] = true
		}
	}
	return named
}

// unit registers a family unit as a token worth its level's base units.
func (b *balancer) unit(u, gtin string) {
	if _, ok := b.weight[u]; ok {
		return
	}
	b.weight[u] = b.base[gtin]
	if b.base[gtin] == 0 {
		b.unconv[gtin]++
	}
}

func (b *balancer) add(m map[string]tokens, g, t string) {
	if m[g] == nil {
		m[g] = tokens{}
	}
	m[g][t] = true
}

// expand returns the tokens an identifier stands for now: what it holds
// when it holds family material, else itself when it is family material.
func (b *balancer) expand(id string, seen map[string]bool) tokens {
	out := tokens{}
	if seen[id] {
		return out
	}
	seen[id] = true
	for ch := range b.contents[id] {
		for t := range b.expand(ch, seen) {
			out[t] = true
		}
	}
	if len(out) > 0 {
		return out
	}
	if g, ok := b.w.fam.units[id]; ok {
		b.unit(id, g)
		out[id] = true
	} else if _, ok := b.weight[id]; ok {
		out[id] = true // a class quantity token
	}
	return out
}

func (b *balancer) sum(ts tokens) float64 {
	var n float64
	for t := range ts {
		n += b.weight[t]
	}
	return n
}

func union(sets ...tokens) tokens {
	out := tokens{}
	for _, s := range sets {
		for t := range s {
			out[t] = true
		}
	}
	return out
}

// any reports whether some token of ts satisfies f.
func (ts tokens) any(f func(string) bool) bool {
	for t := range ts {
		if f(t) {
			return true
		}
	}
	return false
}

// summary says the balance in words.
func summary(r *Balance) string {
	var sb strings.Builder
	parts := fmt.Sprintf("%s shipped, %s destroyed, %s consumed", Thousands(r.Shipped), Thousands(r.Destroyed), Thousands(r.Consumed))
	if r.Made == 0 {
		fmt.Fprintf(&sb, "no event records the lot being made; %s units accounted for (%s)", Thousands(r.Accounted), parts)
		return sb.String()
	}
	fmt.Fprintf(&sb, "%s of %s units accounted for (%s)", Thousands(math.Min(r.Accounted, r.Made)), Thousands(r.Made), parts)
	switch {
	case r.Unaccounted > 0:
		fmt.Fprintf(&sb, "; %s not shipped", Thousands(r.Unaccounted))
		if s := r.LastSeen; s != nil {
			sb.WriteString(", last seen")
			if s.Location != "" {
				sb.WriteString(" at " + s.Location)
			}
			step := s.BizStep
			if step == "" {
				step = "event"
			}
			fmt.Fprintf(&sb, " (%s %s, %s)", step, s.EventID, s.EventTime.UTC().Format(time.RFC3339))
		}
	case r.Excess > 0:
		fmt.Fprintf(&sb, "; %s more than made", Thousands(r.Excess))
	}
	if len(r.Unconverted) > 0 || len(r.Uncounted) > 0 {
		sb.WriteString("; some quantities could not be counted in units (see unconverted, uncounted)")
	}
	return sb.String()
}

// Thousands formats a quantity with thousands separators: 1,250 or 2.5.
func Thousands(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var sb strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	out := sb.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
