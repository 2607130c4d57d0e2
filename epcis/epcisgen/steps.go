package epcisgen

import (
	"strconv"
	"time"
)

// The steps of a production run, in order. Each returns the events it
// built; times are taken from the generator's clock as the events are
// built, so they increase in the order events are handed out.

func (g *Generator) receiveInputs(rn *run) []map[string]any {
	sup := g.w.supplier
	ev, _ := g.base("ObjectEvent", rn.plant)
	ev["action"] = "OBSERVE"
	ev["bizStep"] = "receiving"
	ev["disposition"] = "in_progress"
	where(ev, rn.plant, "1")
	q := make([]any, len(rn.inputs))
	for i, in := range rn.inputs {
		q[i] = map[string]any{"epcClass": in.class, "quantity": num(in.kg, 1), "uom": "KGM"}
	}
	ev["quantityList"] = q
	for _, in := range rn.inputs {
		g.stepLots = append(g.stepLots, Lot{Class: in.class})
	}
	ev["bizTransactionList"] = typed("bizTransaction",
		"po", rn.maker.bizTransaction("PO"),
		"desadv", sup.bizTransaction("DA"))
	ev["sourceList"] = typed("source",
		"owning_party", sup.party,
		"location", sup.sites[0].sgln("0"))
	ev["destinationList"] = typed("destination",
		"owning_party", rn.maker.party,
		"location", rn.plant.sgln("0"))
	return []map[string]any{ev}
}

func (g *Generator) ilmd(rn *run) map[string]any {
	return map[string]any{
		"cbvmda:lotNumber":                  rn.lot,
		"cbvmda:itemExpirationDate":         rn.expiry.Format("2006-01-02"),
		ExtensionPrefix + ":productionLine": rn.line,
	}
}

// climate records the temperature zone the product travels in, on the
// events of its cold chain.
func climate(ev map[string]any, rn *run) {
	ev[ExtensionPrefix+":temperatureZone"] = rn.product.climate
}

func (g *Generator) transform(rn *run) []map[string]any {
	ev, t := g.base("TransformationEvent", rn.plant)
	rn.expiry = t.Add(rn.product.shelf)
	rn.units = rn.product.caseSize * rn.totalCases()
	ev["bizStep"] = "commissioning"
	ev["disposition"] = "active"
	where(ev, rn.plant, "2")
	in := make([]any, len(rn.inputs))
	for i, x := range rn.inputs {
		in[i] = map[string]any{"epcClass": x.class, "quantity": num(x.kg*(0.6+0.4*g.r.Float64()), 2), "uom": "KGM"}
	}
	ev["inputQuantityList"] = in
	out := []any{map[string]any{
		"epcClass": rn.product.lgtin('0', rn.lot),
		"quantity": num(float64(rn.units), 0),
	}}
	// The lot is made under the consumer unit's GTIN only; its cases (GTIN
	// of indicator digit 1) reach it through the hierarchy master data or
	// the indicator-digit convention.
	packing := PackSerialised
	switch rn.byQuantity {
	case '0':
		packing = PackUnitQuantity
	case '1':
		packing = PackCaseQuantity
	}
	g.stepLots = append(g.stepLots, Lot{Class: rn.product.lgtin('0', rn.lot), Depth: g.stages,
		Packing: packing, MasterData: rn.product.hierarchy != ""})
	ev["outputQuantityList"] = out
	ev["ilmd"] = g.ilmd(rn)
	g.md = append(g.md, rn.lotMasterData())
	return []map[string]any{ev}
}

func (g *Generator) commission(rn *run) []map[string]any {
	ev, _ := g.base("ObjectEvent", rn.plant)
	n := rn.batches[rn.commissioned]
	rn.commissioned++
	epcs := make([]string, n)
	for i := range epcs {
		epcs[i] = rn.product.sgtin('1', g.nextSerial())
	}
	rn.cases = append(rn.cases, epcs...)
	ev["action"] = "ADD"
	ev["epcList"] = strs(epcs)
	ev["bizStep"] = "commissioning"
	ev["disposition"] = "active"
	where(ev, rn.plant, "4")
	ev["ilmd"] = g.ilmd(rn)
	return []map[string]any{ev}
}

// temperatures returns a sensor element with n temperature reports, one
// every five minutes up to t, around mean degrees Celsius.
func (g *Generator) temperatures(c *company, device string, t time.Time, n int, mean float64) map[string]any {
	reps := make([]any, n)
	start := t.Add(-time.Duration(n) * 5 * time.Minute)
	for i := range reps {
		reps[i] = map[string]any{
			"type":  "Temperature",
			"time":  start.Add(time.Duration(i) * 5 * time.Minute).Format(utcMillis),
			"value": num(mean+g.r.NormFloat64()*0.8, 1),
			"uom":   "CEL",
		}
	}
	return map[string]any{
		"sensorMetadata": map[string]any{
			"deviceID": "urn:epc:id:giai:" + c.prefix + "." + device,
		},
		"sensorReport": reps,
	}
}

func (g *Generator) inspect(rn *run) []map[string]any {
	ev, t := g.base("ObjectEvent", rn.plant)
	ev["action"] = "OBSERVE"
	if rn.byQuantity != 0 {
		// No serials: the inspection counts the consumer units sampled.
		ev["quantityList"] = []any{map[string]any{"epcClass": rn.product.lgtin('0', rn.lot), "quantity": num(float64(5+g.pick(10)), 0)}}
	} else {
		n := min(len(rn.cases), 5+g.pick(10))
		sample := make([]string, n)
		for i := range sample {
			sample[i] = rn.cases[g.pick(len(rn.cases))]
		}
		ev["epcList"] = strs(dedupe(sample))
	}
	ev["bizStep"] = "inspecting"
	ev["disposition"] = "conformant"
	if g.chance(0.05) {
		ev["disposition"] = "non_conformant"
	}
	where(ev, rn.plant, "3")
	if g.chance(0.5) {
		ev["sensorElementList"] = []any{g.temperatures(rn.maker, "QA"+strconv.Itoa(1+g.pick(3)), t, 1+g.pick(3), 4)}
	}
	return []map[string]any{ev}
}

func dedupe(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// pack puts the cases on pallets of 10 to 30 cases, one AggregationEvent
// per pallet: the serialised cases as childEPCs, or, in a run packed by
// quantity, a childQuantityList.
func (g *Generator) pack(rn *run) []map[string]any {
	per := 10 + g.pick(21)
	total := rn.totalCases()
	var evs []map[string]any
	for i := 0; i < total; i += per {
		n := min(per, total-i)
		pallet := rn.maker.sscc('3')
		rn.palletCases = append(rn.palletCases, n)
		rn.palletIDs = append(rn.palletIDs, pallet)
		ev, _ := g.base("AggregationEvent", rn.plant)
		ev["action"] = "ADD"
		ev["parentID"] = pallet
		if rn.byQuantity != 0 {
			ev["childQuantityList"] = []any{rn.quantityOnPallet(n)}
		} else {
			cases := rn.cases[i : i+n]
			rn.pallets = append(rn.pallets, cases)
			ev["childEPCs"] = strs(cases)
		}
		ev["bizStep"] = "packing"
		ev["disposition"] = "in_progress"
		where(ev, rn.plant, "5")
		evs = append(evs, ev)
	}
	return evs
}

func (g *Generator) storeCold(rn *run) []map[string]any {
	ev, t := g.base("ObjectEvent", rn.store)
	ev["action"] = "OBSERVE"
	ev["epcList"] = strs(rn.palletIDs)
	ev["bizStep"] = "storing"
	ev["disposition"] = "in_progress"
	where(ev, rn.store, "2")
	climate(ev, rn)
	ev["sensorElementList"] = []any{g.temperatures(rn.maker, "CR"+strconv.Itoa(1+g.pick(4)), t, 4+g.pick(9), 3.5)}
	return []map[string]any{ev}
}

func (g *Generator) ship(rn *run) []map[string]any {
	d := rn.dist.owner
	rn.po = d.bizTransaction("PO")
	rn.desadv = rn.maker.bizTransaction("DA")
	ev, _ := g.base("ObjectEvent", rn.store)
	ev["action"] = "OBSERVE"
	ev["epcList"] = strs(rn.palletIDs)
	ev["bizStep"] = "shipping"
	ev["disposition"] = "in_transit"
	where(ev, rn.store, "1")
	climate(ev, rn)
	ev["bizTransactionList"] = typed("bizTransaction", "po", rn.po, "desadv", rn.desadv)
	ev["sourceList"] = typed("source",
		"owning_party", rn.maker.party,
		"location", rn.store.sgln("0"))
	ev["destinationList"] = typed("destination",
		"owning_party", d.party,
		"location", rn.dist.sgln("0"))
	return []map[string]any{ev}
}

func (g *Generator) transport(rn *run) []map[string]any {
	ev, t := g.base("ObjectEvent", rn.store)
	ev["action"] = "OBSERVE"
	ev["epcList"] = strs(rn.palletIDs)
	ev["bizStep"] = "transporting"
	ev["disposition"] = "in_transit"
	climate(ev, rn)
	ev["sensorElementList"] = []any{g.temperatures(rn.maker, "TRK"+strconv.Itoa(10+g.pick(30)), t, 6+g.pick(19), 4.5)}
	return []map[string]any{ev}
}

func (g *Generator) receive(rn *run) []map[string]any {
	d := rn.dist.owner
	ev, _ := g.base("ObjectEvent", rn.dist)
	ev["action"] = "OBSERVE"
	ev["epcList"] = strs(rn.palletIDs)
	ev["bizStep"] = "receiving"
	ev["disposition"] = "in_progress"
	where(ev, rn.dist, "1")
	climate(ev, rn)
	ev["bizTransactionList"] = typed("bizTransaction", "po", rn.po, "desadv", rn.desadv)
	ev["sourceList"] = typed("source",
		"owning_party", rn.maker.party,
		"location", rn.store.sgln("0"))
	ev["destinationList"] = typed("destination",
		"owning_party", d.party,
		"location", rn.dist.sgln("0"))
	return []map[string]any{ev}
}

func (g *Generator) unpack(rn *run) []map[string]any {
	ev, _ := g.base("AggregationEvent", rn.dist)
	ev["action"] = "DELETE"
	ev["parentID"] = rn.palletIDs[0]
	if rn.byQuantity != 0 {
		ev["childQuantityList"] = []any{rn.quantityOnPallet(rn.palletCases[0])}
	} else {
		ev["childEPCs"] = strs(rn.pallets[0])
	}
	ev["bizStep"] = "unpacking"
	ev["disposition"] = "in_progress"
	where(ev, rn.dist, "3")
	return []map[string]any{ev}
}

// shipOn sends cases of the lot on to the retailer, counted by class, and
// records their receipt at the shop.
func (g *Generator) shipOn(rn *run) []map[string]any {
	d, shop := rn.dist.owner, rn.shop.owner
	po, desadv := shop.bizTransaction("PO"), d.bizTransaction("DA")
	cases := num(float64(1+g.pick(rn.palletCases[0])), 0)
	class := rn.product.lgtin('1', rn.lot)
	var evs []map[string]any
	for _, step := range []struct {
		at                 *site
		bizStep, disp, rdp string
	}{
		{rn.dist, "shipping", "in_transit", "2"},
		{rn.shop, "receiving", "sellable_not_accessible", "1"},
	} {
		ev, _ := g.base("ObjectEvent", step.at)
		ev["action"] = "OBSERVE"
		ev["quantityList"] = []any{map[string]any{"epcClass": class, "quantity": cases}}
		ev["bizStep"] = step.bizStep
		ev["disposition"] = step.disp
		where(ev, step.at, step.rdp)
		climate(ev, rn)
		ev["bizTransactionList"] = typed("bizTransaction", "po", po, "desadv", desadv)
		ev["sourceList"] = typed("source",
			"owning_party", d.party,
			"location", rn.dist.sgln("0"))
		ev["destinationList"] = typed("destination",
			"owning_party", shop.party,
			"location", rn.shop.sgln("0"))
		evs = append(evs, ev)
	}
	return evs
}
