package epcisgen

import (
	"strconv"
	"time"
)

// run is one production run: a product lot from raw materials to the
// retailer. Its steps produce events in order; runs interleave.
type run struct {
	maker        *company
	plant        *site
	store        *site // maker's cold store or warehouse
	product      *product
	lot          string
	line         string // production line of the lot
	expiry       time.Time
	units        int        // consumer units made
	inputs       []lotQty   // raw material lots consumed
	batches      []int      // cases per commissioning event (serialised runs) or in all
	byQuantity   byte       // 0: serialised cases; '0' or '1': cases not serialised, packed by quantity of that level's class
	commissioned int        // commissioning events so far
	cases        []string   // serialised cases, in commissioning order
	pallets      [][]string // serialised cases of each pallet
	palletCases  []int      // cases on each pallet
	palletIDs    []string
	dist, shop   *site
	po, desadv   string
	steps        []stepFunc
	stage        int // transformations done so far
}

// stepFunc builds the events of one step of a run.
type stepFunc func(g *Generator, rn *run) []map[string]any

type lotQty struct {
	class string
	kg    float64
}

func (g *Generator) newRun() *run {
	w := g.w
	// The first maker (EPC URNs) runs about two production runs in three,
	// the second (Digital Links) the rest.
	m := w.makers[0]
	if g.chance(0.35) {
		m = w.makers[1]
	}
	rn := &run{
		maker:   m,
		plant:   m.sites[0],
		store:   m.sites[1],
		product: m.products[g.pick(len(m.products))],
		dist:    w.distributor.sites[g.pick(len(w.distributor.sites))],
		shop:    w.retailer.sites[g.pick(len(w.retailer.sites))],
	}
	rn.product.lotNext++
	rn.lot = "L" + g.clock.Format("060102") + zeroPad(rn.product.lotNext, 4)
	// Lines rotate with the lot counter, which keeps the random sequence
	// (and so every other field) as it was before lines were recorded.
	rn.line = "LINE-" + strconv.FormatUint(1+rn.product.lotNext%3, 10)
	for i := 0; i < 1+g.pick(3); i++ {
		p := w.supplier.products[g.pick(len(w.supplier.products))]
		p.lotNext++
		rn.inputs = append(rn.inputs, lotQty{
			class: p.lgtin('0', "R"+zeroPad(p.lotNext, 6)),
			kg:    float64(100+g.pick(900)) + float64(g.pick(10))/10,
		})
	}
	// The cases are planned now, so that the lot made is exactly the
	// units in its cases (a mass balance adds up). About one run in four
	// packs its cases onto pallets by quantity, without serials: half of
	// those count consumer units of the lot's class, half cases of the
	// case-level class.
	for range 1 + g.pick(3) {
		rn.batches = append(rn.batches, 5+g.pick(46))
	}
	if g.chance(0.25) {
		rn.byQuantity = '0'
		if g.chance(0.5) {
			rn.byQuantity = '1'
		}
	}
	rn.steps = []stepFunc{(*Generator).receiveInputs}
	for range g.stages - 1 {
		rn.steps = append(rn.steps, (*Generator).intermediate)
	}
	rn.steps = append(rn.steps, (*Generator).transform)
	if rn.byQuantity == 0 {
		for range rn.batches {
			rn.steps = append(rn.steps, (*Generator).commission)
		}
	}
	rn.steps = append(rn.steps, (*Generator).inspect, (*Generator).pack, (*Generator).storeCold,
		(*Generator).ship, (*Generator).transport, (*Generator).receive, (*Generator).unpack,
		(*Generator).shipOn)
	return rn
}

// totalCases is the number of cases the run makes.
func (rn *run) totalCases() int {
	n := 0
	for _, b := range rn.batches {
		n += b
	}
	return n
}

// quantityOnPallet is the childQuantityList entry of a pallet holding n
// cases of a run packed by quantity.
func (rn *run) quantityOnPallet(n int) map[string]any {
	if rn.byQuantity == '1' {
		return map[string]any{"epcClass": rn.product.lgtin('1', rn.lot), "quantity": num(float64(n), 0)}
	}
	return map[string]any{"epcClass": rn.product.lgtin('0', rn.lot), "quantity": num(float64(n*rn.product.caseSize), 0)}
}
