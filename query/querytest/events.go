package querytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lotline/lotline/epcis"
)

// Gen draws random events and queries. It is not safe for concurrent use.
type Gen struct {
	r    *rand.Rand
	seed uint64
	n    int // events generated so far, for unique event IDs

	ids []string // explicit eventIDs given so far
}

// New returns a generator; the same seed gives the same sequence.
func New(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, 0xd1ff)), seed: seed}
}

// Seed returns the generator's seed.
func (g *Gen) Seed() uint64 { return g.seed }

func (g *Gen) intn(n int) int        { return g.r.IntN(n) }
func (g *Gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *Gen, list []T) T { return list[g.r.IntN(len(list))] }

// some picks 1 to max distinct elements of list.
func some[T any](g *Gen, list []T, max int) []T {
	n := 1 + g.intn(max)
	if n > len(list) {
		n = len(list)
	}
	perm := g.r.Perm(len(list))[:n]
	out := make([]T, n)
	for i, p := range perm {
		out[i] = list[p]
	}
	return out
}

// write returns one written form of an identifier.
func (g *Gen) write(x id) string {
	if len(x.forms) == 0 || g.chance(0.5) {
		return x.urn
	}
	return pick(g, x.forms)
}

// writeAll writes distinct identifiers (the lists must not repeat one,
// even in two forms, for uniqueItems and the CBV hash to agree).
func (g *Gen) writeAll(list []id, max int) []any {
	var out []any
	for _, x := range some(g, list, max) {
		out = append(out, g.write(x))
	}
	return out
}

// cbvForm writes a CBV value as a bare word, a Web URI or a CURIE; a
// user-defined URI is written as is.
func (g *Gen) cbvForm(prefix, v string) string {
	if isURI(v) {
		return v
	}
	switch g.intn(4) {
	case 0:
		return "https://ref.gs1.org/cbv/" + prefix + "-" + v
	case 1:
		return "cbv:" + prefix + "-" + v
	}
	return v
}

func isURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// Base of event times: events fall in the five days after it.
var timeBase = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)

// tieTimes are instants many events share, so that orders by eventTime
// must break ties.
var tieTimes = []time.Time{
	timeBase.Add(36 * time.Hour),
	timeBase.Add(36*time.Hour + time.Millisecond),
	timeBase.Add(60*time.Hour + 1),
}

var offsets = []string{"Z", "+01:00", "-05:00", "+05:45", "+14:00", "-12:00", "+00:00"}

// EventTimes are the instants the generator draws event times around;
// queries bound times near them.
func eventInstant(g *Gen) time.Time {
	switch {
	case g.chance(0.2):
		return pick(g, tieTimes)
	case g.chance(0.1):
		return timeBase.Add(time.Duration(g.r.Int64N(int64(120 * time.Hour))))
	}
	return timeBase.Add(time.Duration(g.r.Int64N(120*3600*1000)) * time.Millisecond)
}

// formatTime writes t in a random offset, with as many fraction digits as
// it needs (none, milliseconds or nanoseconds).
func (g *Gen) formatTime(t time.Time) (text, offset string) {
	off := pick(g, offsets)
	loc := time.UTC
	if off != "Z" {
		var h, m int
		fmt.Sscanf(off[1:], "%d:%d", &h, &m)
		secs := h*3600 + m*60
		if off[0] == '-' {
			secs = -secs
		}
		loc = time.FixedZone(off, secs)
	}
	layout := "2006-01-02T15:04:05.000Z07:00"
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		layout = "2006-01-02T15:04:05.000000000Z07:00"
	} else if t.Nanosecond() == 0 && g.chance(0.5) {
		layout = "2006-01-02T15:04:05Z07:00"
	}
	text = t.In(loc).Format(layout)
	if off == "Z" {
		return text, "+00:00"
	}
	return text, off
}

// Document is one generated EPCISDocument, decoded as capture decodes
// requests (numbers as json.Number).
type Document struct {
	Doc map[string]any
	// Events counts the events of the document.
	Events int
}

// JSON encodes the document.
func (d Document) JSON() []byte {
	b, err := json.Marshal(d.Doc)
	if err != nil {
		panic(err) // only maps, slices, strings, numbers and booleans
	}
	return b
}

// Documents generates n events (plus error declarations of some of them,
// stored beside the events they declare in error) in documents of 1 to 25
// events. The first document carries the master data; a later one changes
// it.
func (g *Gen) Documents(n int) []Document {
	var docs []Document
	var declared []map[string]any // events to declare in error later
	left := n
	for i := 0; left > 0; i++ {
		size := 1 + g.intn(25)
		if size > left {
			size = left
		}
		left -= size
		exv := nsEx
		if i%3 == 1 {
			exv = nsOther
		}
		var events []any
		// Declarations of events of earlier documents.
		if len(declared) > 0 && g.chance(0.5) {
			for _, ev := range declared {
				events = append(events, g.declaration(ev, 0))
				if g.chance(0.1) {
					events = append(events, g.declaration(ev, 1)) // declared twice
				}
			}
			declared = nil
		}
		for range size {
			ev := g.event(exv)
			events = append(events, ev)
			if _, ok := ev["eventID"]; ok && g.chance(0.15) {
				declared = append(declared, ev)
			}
		}
		doc := g.document(events, exv)
		switch {
		case i == 0:
			header(doc, masterData(false))
		case i == 3 || left == 0 && i < 3:
			header(doc, masterData(true))
		}
		docs = append(docs, Document{Doc: decode(doc), Events: len(events)})
	}
	if len(declared) > 0 {
		var events []any
		for _, ev := range declared {
			events = append(events, g.declaration(ev, 0))
		}
		docs = append(docs, Document{Doc: decode(g.document(events, nsEx)), Events: len(events)})
	}
	return docs
}

func header(doc, md map[string]any) {
	doc["epcisHeader"] = map[string]any{"epcisMasterData": md}
}

func (g *Gen) document(events []any, exv string) map[string]any {
	ctx := map[string]any{"exv": exv}
	for k, v := range docPrefixes {
		ctx[k] = v
	}
	return map[string]any{
		"@context":      []any{epcis.StandardContext, ctx},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  "2024-03-10T08:00:00.000Z",
		"epcisBody":     map[string]any{"eventList": events},
	}
}

// decode round-trips v through JSON so that numbers are json.Number and
// the generated maps are not shared between documents.
func decode(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// declaration copies ev with an errorDeclaration: capture stores it beside
// the event it declares in error, under the same eventID. The nth
// declaration of an event is made in the nth two days after the events.
func (g *Gen) declaration(ev map[string]any, nth int) map[string]any {
	c := decode(ev)
	t, _ := g.formatTime(timeBase.Add(130*time.Hour + time.Duration(48*nth+g.intn(48))*time.Hour))
	ed := map[string]any{"declarationTime": t}
	if g.chance(0.8) {
		ed["reason"] = g.cbvForm("ER", pick(g, errorReasons))
	}
	if g.chance(0.6) && len(g.ids) > 0 {
		// Few events correct others, so that queries for them hit.
		var ids []any
		for _, id := range some(g, g.ids[:min(len(g.ids), 8)], 2) {
			ids = append(ids, id)
		}
		ed["correctiveEventIDs"] = ids
	}
	g.extensions(ed, 2)
	if g.chance(0.5) {
		ed[g.fieldKey()] = g.nested(1)
	}
	c["errorDeclaration"] = ed
	return c
}

// event generates one event of a random type. exv is the namespace the
// document binds the prefix exv to.
func (g *Gen) event(exv string) map[string]any {
	g.n++
	typ := pick(g, epcis.EventTypes)
	ev := map[string]any{"type": typ}
	t, off := g.formatTime(eventInstant(g))
	ev["eventTime"] = t
	if g.chance(0.15) {
		off = pick(g, []string{"+02:00", "-08:00", "+09:30"}) // an offset other than the time's
	}
	ev["eventTimeZoneOffset"] = off
	if g.chance(0.75) {
		id := fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-%012x", uint32(g.seed), g.n)
		ev["eventID"] = id
		g.ids = append(g.ids, id)
	}
	action := pick(g, []string{"ADD", "OBSERVE", "DELETE"})
	instances := append(append(append(append([]id{}, sgtins...), ssccs...), grais...), others...)
	classes := append(append([]id{}, lgtins...), productClasses...)

	switch typ {
	case epcis.ObjectEvent:
		ev["action"] = action
		if g.chance(0.8) {
			ev["epcList"] = g.writeAll(instances, 4)
		}
		if _, ok := ev["epcList"]; !ok || g.chance(0.4) {
			ev["quantityList"] = g.quantities(classes)
		}
		if action == "ADD" && g.chance(0.6) {
			ev["ilmd"] = g.ilmd()
		}
	case epcis.AggregationEvent, epcis.AssociationEvent:
		ev["action"] = action
		parents := append(append([]id{}, ssccs...), grais...)
		if typ == epcis.AssociationEvent {
			parents = append(append([]id{}, giais...), grais...)
		}
		if typ == epcis.AssociationEvent || action != "OBSERVE" || g.chance(0.5) {
			ev["parentID"] = g.write(pick(g, parents))
		}
		if action != "DELETE" || g.chance(0.5) {
			if g.chance(0.7) {
				ev["childEPCs"] = g.writeAll(append(append([]id{}, sgtins...), ssccs...), 4)
			}
			if _, ok := ev["childEPCs"]; !ok || g.chance(0.3) {
				ev["childQuantityList"] = g.quantities(classes)
			}
		}
	case epcis.TransactionEvent:
		ev["action"] = action
		if g.chance(0.3) {
			ev["parentID"] = g.write(pick(g, ssccs))
		}
		if g.chance(0.7) {
			ev["epcList"] = g.writeAll(instances, 3)
		}
		if _, ok := ev["epcList"]; !ok && action != "DELETE" || g.chance(0.3) {
			ev["quantityList"] = g.quantities(classes)
		}
	case epcis.TransformationEvent:
		if g.chance(0.6) {
			ev["transformationID"] = g.write(pick(g, append(append([]id{}, gdtis...), plain("urn:example:xform:1"))))
		}
		_, hasID := ev["transformationID"]
		in, out := g.chance(0.7), g.chance(0.7)
		if !hasID || !in && !out {
			in, out = true, true
		}
		if in {
			if g.chance(0.6) {
				ev["inputEPCList"] = g.writeAll(sgtins, 3)
			} else {
				ev["inputQuantityList"] = g.quantities(classes)
			}
		}
		if out {
			if g.chance(0.6) {
				ev["outputEPCList"] = g.writeAll(sgtins, 3)
			} else {
				ev["outputQuantityList"] = g.quantities(classes)
			}
		}
		if g.chance(0.3) {
			ev["ilmd"] = g.ilmd()
		}
	}

	if g.chance(0.8) {
		ev["bizStep"] = g.cbvForm("BizStep", pick(g, bizSteps))
	}
	if g.chance(0.7) {
		ev["disposition"] = g.cbvForm("Disp", pick(g, dispositions))
	}
	if g.chance(0.25) {
		pd := map[string]any{}
		if g.chance(0.7) {
			pd["set"] = g.cbvList("Disp", persistent)
		}
		if _, ok := pd["set"]; !ok || g.chance(0.4) {
			pd["unset"] = g.cbvList("Disp", persistent)
		}
		ev["persistentDisposition"] = pd
	}
	if g.chance(0.8) {
		ev["readPoint"] = g.location()
	}
	if g.chance(0.7) {
		ev["bizLocation"] = g.location()
	}
	if _, ok := ev["bizTransactionList"]; typ == epcis.TransactionEvent && !ok || g.chance(0.4) {
		var list []any
		for range 1 + g.intn(3) {
			bt := map[string]any{"bizTransaction": g.write(pick(g, bizTxValues))}
			if g.chance(0.85) {
				bt["type"] = g.cbvForm("BTT", pick(g, btTypes))
			}
			list = append(list, bt)
		}
		ev["bizTransactionList"] = list
	}
	for _, f := range []struct{ list, key string }{{"sourceList", "source"}, {"destinationList", "destination"}} {
		if g.chance(0.3) {
			var list []any
			for range 1 + g.intn(3) {
				list = append(list, map[string]any{"type": g.cbvForm("SDT", pick(g, sdTypes)), f.key: g.write(pick(g, sdValues))})
			}
			ev[f.list] = list
		}
	}
	if g.chance(0.3) {
		ev["sensorElementList"] = g.sensors()
	}
	g.extensions(ev, 4)
	if g.chance(0.2) {
		// Event-level prefix declarations, which capture keeps with the
		// event beside the document's.
		ev["@context"] = []any{map[string]any{"ex3": nsLegacy}}
		ev["ex3:"+pick(g, fieldNames)] = g.value(0)
	}
	if g.chance(0.15) {
		ev[nsEx+pick(g, fieldNames)] = g.value(0) // a full IRI as key
	}
	if g.chance(0.1) {
		ev["exv:"+pick(g, fieldNames)] = g.value(0)
	}
	return ev
}

func (g *Gen) ilmd() map[string]any {
	ilmd := map[string]any{}
	g.extensions(ilmd, 3)
	if g.chance(0.4) {
		ilmd[g.fieldKey()] = g.nested(1)
	}
	return ilmd
}

func (g *Gen) cbvList(prefix string, vals []string) []any {
	var out []any
	for _, v := range some(g, vals, 3) {
		out = append(out, g.cbvForm(prefix, v))
	}
	return out
}

func (g *Gen) quantities(classes []id) []any {
	var out []any
	for _, c := range some(g, classes, 3) {
		q := map[string]any{"epcClass": g.write(c)}
		if g.chance(0.8) {
			q["quantity"] = json.Number(pick(g, quantityVals))
			if g.chance(0.6) {
				q["uom"] = pick(g, quantityUOMs)
			}
		}
		out = append(out, q)
	}
	return out
}

func (g *Gen) location() map[string]any {
	loc := map[string]any{"id": g.write(pick(g, locations))}
	switch {
	case g.chance(0.15):
		loc["ex:color"] = pick(g, []string{"red", "blue"})
	case g.chance(0.15):
		g.extensions(loc, 1)
	case g.chance(0.15):
		loc[g.fieldKey()] = map[string]any{"ex:color": pick(g, []string{"red", "blue"})}
	}
	return loc
}

func (g *Gen) sensors() []any {
	var out []any
	for range 1 + g.intn(2) {
		el := map[string]any{}
		if g.chance(0.7) {
			md := map[string]any{}
			for _, k := range []string{"time", "startTime", "endTime"} {
				if g.chance(0.5) {
					md[k], _ = g.formatTime(eventInstant(g))
				}
			}
			if g.chance(0.5) {
				md["deviceID"] = g.write(pick(g, giais))
			}
			if g.chance(0.3) {
				md["dataProcessingMethod"] = g.write(pick(g, dpMethods))
			}
			if g.chance(0.4) {
				md["bizRules"] = g.write(pick(g, bizRules))
			}
			if g.chance(0.3) {
				md["deviceMetadata"] = "https://example.com/devices/meta"
			}
			g.extensions(md, 1)
			if g.chance(0.2) {
				md[g.fieldKey()] = g.nested(1)
			}
			el["sensorMetadata"] = md
		}
		var reps []any
		for range 1 + g.intn(3) {
			r := g.report()
			// An attribute at both levels must agree (capture refuses
			// otherwise): a report repeats the metadata's value.
			if md, ok := el["sensorMetadata"].(map[string]any); ok {
				for _, k := range []string{"deviceID", "dataProcessingMethod", "deviceMetadata", "rawData"} {
					if v, both := md[k]; both && r[k] != nil {
						r[k] = v
					}
				}
			}
			reps = append(reps, r)
		}
		el["sensorReport"] = reps
		if g.chance(0.4) {
			g.extensions(el, 2)
		}
		if g.chance(0.2) {
			el[g.fieldKey()] = g.nested(1)
		}
		out = append(out, el)
	}
	return out
}

func (g *Gen) report() map[string]any {
	r := map[string]any{"type": pick(g, measureTypes)}
	num := func(k string) {
		if g.chance(0.4) {
			r[k] = json.Number(pick(g, sensorNumbers))
		}
	}
	for _, k := range []string{"value", "minValue", "maxValue", "meanValue", "sDev", "percValue"} {
		num(k)
	}
	if g.chance(0.3) {
		r["percRank"] = json.Number(pick(g, []string{"50", "95", "99.5"}))
	}
	if g.chance(0.7) {
		r["uom"] = pick(g, uoms)
	}
	if g.chance(0.4) {
		r["time"], _ = g.formatTime(eventInstant(g))
	}
	opt := func(k string, p float64, v func() any) {
		if g.chance(p) {
			r[k] = v()
		}
	}
	opt("deviceID", 0.3, func() any { return g.write(pick(g, giais)) })
	opt("dataProcessingMethod", 0.2, func() any { return g.write(pick(g, dpMethods)) })
	opt("stringValue", 0.2, func() any { return pick(g, stringVals) })
	opt("booleanValue", 0.2, func() any { return g.chance(0.5) })
	opt("hexBinaryValue", 0.2, func() any { return pick(g, hexVals) })
	opt("uriValue", 0.2, func() any { return pick(g, uriVals) })
	opt("microorganism", 0.15, func() any { return pick(g, microbes) })
	opt("chemicalSubstance", 0.15, func() any { return pick(g, chemicals) })
	if g.chance(0.3) {
		g.extensions(r, 1)
	}
	if g.chance(0.1) {
		r[g.fieldKey()] = g.nested(1)
	}
	return r
}

// extensions adds up to max extension fields to obj, some with nested
// objects (the INNER scopes).
func (g *Gen) extensions(obj map[string]any, max int) {
	for range g.intn(max + 1) {
		obj[g.fieldKey()] = g.value(0)
	}
}

// fieldKey names an extension field with a document prefix; the first
// names come up more often, so that scoped queries meet them.
func (g *Gen) fieldKey() string {
	names := fieldNames
	if g.chance(0.5) {
		names = names[:3]
	}
	return pick(g, []string{"ex:", "ex2:"}) + pick(g, names)
}

// nested returns an object of extension fields, at least one of them
// nested again when depth allows.
func (g *Gen) nested(depth int) map[string]any {
	inner := map[string]any{}
	for range 1 + g.intn(2) {
		inner[g.fieldKey()] = g.value(depth + 1)
	}
	if depth < 2 {
		inner[g.fieldKey()] = g.nested(depth + 1)
	}
	return inner
}

// value returns an extension field value: a scalar of any type, a JSON-LD
// value object, a list, or (at depth 0 and 1) an object of nested fields.
func (g *Gen) value(depth int) any {
	switch n := g.intn(12); {
	case n < 3:
		return json.Number(pick(g, numberVals))
	case n < 5:
		return pick(g, textVals)
	case n < 7:
		return pick(g, timeVals)
	case n == 7:
		return g.chance(0.5)
	case n == 8:
		return pick(g, thingVals)
	case n == 9:
		v := map[string]any{"@value": pick(g, append(append([]string{}, numberVals...), timeVals...))}
		if g.chance(0.5) {
			v["@type"] = "xsd:string"
		}
		return v
	case n == 10:
		return []any{g.value(2), g.value(2)}
	}
	if depth >= 2 {
		return pick(g, textVals)
	}
	inner := map[string]any{}
	for range 1 + g.intn(2) {
		inner[g.fieldKey()] = g.value(depth + 1)
	}
	return inner
}

// masterData is the document-header master data: location hierarchies
// and attributes of locations, business steps, classes, instances and
// things named by extension fields. update gives the later change: a new
// attribute value, a new attribute, and siteB's children replaced.
func masterData(update bool) map[string]any {
	attr := func(kv ...any) []any {
		var out []any
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, map[string]any{"id": kv[i], "attribute": kv[i+1]})
		}
		return out
	}
	elem := func(id string, attrs []any, children ...string) map[string]any {
		e := map[string]any{"id": id}
		if attrs != nil {
			e["attributes"] = attrs
		}
		if children != nil {
			var ch []any
			for _, c := range children {
				ch = append(ch, c)
			}
			e["children"] = ch
		}
		return e
	}
	vocab := func(typ string, elems ...any) map[string]any {
		return map[string]any{"type": typ, "vocabularyElementList": elems}
	}
	if update {
		return map[string]any{"vocabularyList": []any{
			vocab("urn:epcglobal:epcis:vtype:BusinessLocation",
				elem(dockA.urn, attr(attrSST, "203", attrCapacity, json.Number("80"))),
				elem(siteB.urn, attr(attrName, "Plant B"), dockB.urn, lone.forms[0]),
			),
			vocab("urn:epcglobal:epcis:vtype:EPCClass",
				elem(lgtins[1].urn, attr(attrBest, "2025-06-30")),
			),
		}}
	}
	return map[string]any{"vocabularyList": []any{
		vocab("urn:epcglobal:epcis:vtype:BusinessLocation",
			elem(siteA.urn, attr(attrSST, "201", attrName, "Plant A", attrCapacity, json.Number("120")), dockA.forms[0], whA.urn),
			elem(dockA.urn, attr(attrSST, "202"), doorA1.urn, doorA2.forms[1]),
			elem(siteB.urn, attr(attrSST, "201"), dockB.urn),
			elem(yard.urn, attr(attrName, "Yard", attrColour, map[string]any{"r": json.Number("1")})),
		),
		vocab("urn:epcglobal:epcis:vtype:ReadPoint",
			elem(siteA.urn, attr(attrName, "Gate house"), doorA1.forms[0]),
			elem(doorA2.urn, attr(attrSST, "299")),
		),
		vocab("urn:epcglobal:epcis:vtype:BusinessStep",
			elem("https://ref.gs1.org/cbv/BizStep-shipping", attr(attrPhase, "outbound")),
			elem("urn:example:bizstep:blending", attr(attrPhase, "production")),
		),
		vocab("urn:epcglobal:epcis:vtype:Disposition",
			elem("https://ref.gs1.org/cbv/Disp-damaged", attr(attrPhase, "hold")),
		),
		vocab("urn:epcglobal:epcis:vtype:EPCClass",
			elem(lgtins[0].urn, attr(attrBest, "2025-01-01", attrDesc, "Widget lot 1")),
			elem(lgtins[1].forms[0], attr(attrBest, "2025-02-01")),
			elem(productClasses[0].forms[0], attr(attrDesc, "Widget")),
		),
		vocab("urn:epcglobal:epcis:vtype:EPCInstance",
			elem(sgtins[0].urn, attr(attrColour, "red")),
			elem(sgtins[5].forms[0], attr(attrColour, "blue")),
			elem(ssccs[0].urn, attr(attrDesc, "Pallet 1")),
		),
		vocab("urn:example:vtype:Thing",
			elem("urn:example:thing:1", attr(attrColour, "red", attrSST, json.Number("5"))),
			elem("urn:example:thing:2", attr(attrColour, "green")),
		),
	}}
}
