package epcisgen

import "strconv"

// Options change what a [Generator] simulates. The zero value is the
// default simulation, whose output [New] gives.
type Options struct {
	// Stages is the number of transformations from raw material to a
	// finished product lot (default 1: raw lots go straight into the
	// product). With more, each run first makes intermediate lots
	// (premix, mix, batch, bulk, ...), each stage a TransformationEvent
	// consuming the lot of the stage before, and now and then a leftover
	// lot of the same stage from an earlier run, so that genealogies
	// branch. The last transformation makes the product lot at
	// consumer-unit level only: its cases, commissioned, packed and
	// shipped under the case GTIN, reach it through the hierarchy (master
	// data or indicator digit), not through the transformation. At most 9.
	Stages int
}

// Lot is a lot whose making (or, for raw material, receipt) event the
// generator has handed out: Class is its LGTIN class and Depth the number
// of transformations between raw material and it (0 for raw material,
// Options.Stages for a finished product lot).
type Lot struct {
	Class string
	Depth int
	// Packing says, for a finished product lot, how its cases travel:
	// PackSerialised, PackUnitQuantity or PackCaseQuantity ("" for other
	// lots). MasterData says whether hierarchy master data describes the
	// product's case (otherwise only the indicator digit links it).
	Packing    string
	MasterData bool
}

// The packings of a finished lot's cases.
const (
	// PackSerialised: cases commissioned under the case GTIN, with the lot
	// number in the ILMD, packed onto pallets as childEPCs.
	PackSerialised = "serialised"
	// PackUnitQuantity: no case serials; pallets packed with a
	// childQuantityList of the lot's consumer-unit class.
	PackUnitQuantity = "unitQuantity"
	// PackCaseQuantity: no case serials; pallets packed with a
	// childQuantityList of the lot's case-level class.
	PackCaseQuantity = "caseQuantity"
)

// NewWithOptions returns a generator whose output depends only on seed
// and o. With the zero Options it gives the same output as [New].
func NewWithOptions(seed uint64, o Options) *Generator {
	g := New(seed)
	g.stages = min(max(o.Stages, 1), 9)
	if g.stages > 1 {
		for _, m := range g.w.makers {
			for k := 1; k < g.stages; k++ {
				// Intermediates are not trade items: they stay out of the
				// product list (and the master data) runs pick from.
				m.intermediates = append(m.intermediates, &product{owner: m, name: "intermediate " + strconv.Itoa(k),
					itemRef: zeroPad(uint64(9000+k), 12-len(m.prefix)), bulk: true, climate: "ambient"})
			}
		}
		g.leftover = map[*product]string{}
	}
	return g
}

// TakeLots returns the lots made or received by the events handed out
// since the last call, and forgets them.
func (g *Generator) TakeLots() []Lot {
	out := g.made
	g.made = nil
	return out
}

// intermediate is the transformation of stage k (1 to stages-1) of a run:
// it consumes the run's current inputs, and sometimes a leftover lot of
// stage k-1, and makes a lot of the maker's intermediate k, which becomes
// the run's only input.
func (g *Generator) intermediate(rn *run) []map[string]any {
	k := rn.stage + 1
	p := rn.maker.intermediates[k-1]
	ev, _ := g.base("TransformationEvent", rn.plant)
	ev["bizStep"] = "commissioning"
	ev["disposition"] = "active"
	where(ev, rn.plant, "2")
	inputs := rn.inputs
	if k > 1 {
		prev := rn.maker.intermediates[k-2]
		if lo, ok := g.leftover[prev]; ok && g.chance(0.3) {
			inputs = append(inputs[:len(inputs):len(inputs)], lotQty{class: lo, kg: float64(20 + g.pick(80))})
		}
	}
	in := make([]any, len(inputs))
	var kg float64
	for i, x := range inputs {
		used := x.kg * (0.6 + 0.4*g.r.Float64())
		kg += used
		in[i] = map[string]any{"epcClass": x.class, "quantity": num(used, 2), "uom": "KGM"}
	}
	ev["inputQuantityList"] = in
	p.lotNext++
	lot := "S" + strconv.Itoa(k) + zeroPad(p.lotNext, 8)
	class := p.lgtin('0', lot)
	ev["outputQuantityList"] = []any{map[string]any{"epcClass": class, "quantity": num(kg*0.95, 2), "uom": "KGM"}}
	ev["ilmd"] = map[string]any{"cbvmda:lotNumber": lot}
	g.leftover[p] = class
	rn.stage = k
	g.stepLots = append(g.stepLots, Lot{Class: class, Depth: k})
	rn.inputs = []lotQty{{class: class, kg: kg * 0.95}}
	return []map[string]any{ev}
}
