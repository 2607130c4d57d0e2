package querytest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
)

// Facts are what queries draw from that only the store knows: the stored
// events' IDs and record times, and the IDs error declarations name as
// corrective events.
type Facts struct {
	EventIDs           []string
	RecordTimes        []time.Time
	CorrectiveEventIDs []string
}

// FactsOf collects the facts of stored events.
func FactsOf(all []*Stored) Facts {
	var f Facts
	ids, corrective, rts := map[string]bool{}, map[string]bool{}, map[time.Time]bool{}
	for _, s := range all {
		if !ids[s.Event.EventID] {
			ids[s.Event.EventID] = true
			f.EventIDs = append(f.EventIDs, s.Event.EventID)
		}
		if ed := s.Event.ErrorDeclaration; ed != nil {
			for _, id := range ed.CorrectiveEventIDs {
				if !corrective[id] {
					corrective[id] = true
					f.CorrectiveEventIDs = append(f.CorrectiveEventIDs, id)
				}
			}
		}
		if !rts[s.RecordTime] {
			rts[s.RecordTime] = true
			f.RecordTimes = append(f.RecordTimes, s.RecordTime)
		}
	}
	return f
}

// Query returns random SimpleEventQuery parameters: mostly one to three
// restrictions with values from the generator's pools (so that results
// are often non-empty), sometimes none or more, sometimes values no event
// has; then an order, limits and a small page size. Every query is valid:
// query.Parse accepts it.
func (g *Gen) Query(f Facts) url.Values {
	v := url.Values{}
	n := 1 + g.intn(3)
	switch {
	case g.chance(0.05):
		n = 0
	case g.chance(0.1):
		n = 4 + g.intn(2)
	}
	for range n {
		restrictions[g.intn(len(restrictions))].add(g, f, v)
	}
	g.order(v)
	return v
}

// Single returns random parameters with exactly one restriction, which
// matches more often than several: tests use it to find a query of a
// family that random queries left without results.
func (g *Gen) Single(f Facts) url.Values {
	v := url.Values{}
	restrictions[g.intn(len(restrictions))].add(g, f, v)
	g.order(v)
	return v
}

// restriction adds one restriction (one parameter or a pair of bounds).
type restriction struct {
	name string
	add  func(g *Gen, f Facts, v url.Values)
}

// restrictions lists the parameter families, some several times so that
// the common ones come up more often.
var restrictions = []restriction{
	{"eventType", func(g *Gen, f Facts, v url.Values) {
		v.Set("eventType", strings.Join(some(g, epcis.EventTypes, 2), "|"))
	}},
	{"eventTime", func(g *Gen, f Facts, v url.Values) { g.timeRange(v, "GE_eventTime", "LT_eventTime", g.boundNear) }},
	{"eventTime", func(g *Gen, f Facts, v url.Values) { g.timeRange(v, "GE_eventTime", "LT_eventTime", g.boundNear) }},
	{"recordTime", func(g *Gen, f Facts, v url.Values) {
		if len(f.RecordTimes) == 0 {
			return
		}
		g.timeRange(v, "GE_recordTime", "LT_recordTime", func() time.Time {
			t := pick(g, f.RecordTimes)
			return t.Add(time.Duration(g.intn(3)-1) * pick(g, []time.Duration{time.Nanosecond, time.Microsecond, time.Millisecond}))
		})
	}},
	{"EQ_action", func(g *Gen, f Facts, v url.Values) {
		v.Set("EQ_action", strings.Join(some(g, []string{"ADD", "OBSERVE", "DELETE"}, 2), "|"))
	}},
	{"EQ_bizStep", func(g *Gen, f Facts, v url.Values) {
		v.Set("EQ_bizStep", g.cbvQuery("BizStep", "bizstep", bizSteps, 2))
	}},
	{"EQ_bizStep", func(g *Gen, f Facts, v url.Values) {
		v.Set("EQ_bizStep", g.cbvQuery("BizStep", "bizstep", bizSteps, 2))
	}},
	{"EQ_disposition", func(g *Gen, f Facts, v url.Values) {
		v.Set("EQ_disposition", g.cbvQuery("Disp", "disp", dispositions, 2))
	}},
	{"EQ_persistentDisposition", func(g *Gen, f Facts, v url.Values) {
		name := pick(g, []string{"EQ_persistentDisposition_set", "EQ_persistentDisposition_unset"})
		v.Set(name, g.cbvQuery("Disp", "disp", persistent, 2))
	}},
	{"location", func(g *Gen, f Facts, v url.Values) {
		name := pick(g, []string{"EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation"})
		v.Set(name, g.idQuery(locations, 2))
	}},
	{"location", func(g *Gen, f Facts, v url.Values) {
		name := pick(g, []string{"WD_readPoint", "WD_bizLocation"})
		v.Set(name, g.idQuery([]id{siteA, dockA, siteB, lone, doorA2}, 1))
	}},
	{"EQ_transformationID", func(g *Gen, f Facts, v url.Values) {
		v.Set("EQ_transformationID", g.idQuery(append(append([]id{}, gdtis...), plain("urn:example:xform:1"), plain("urn:example:xform:none")), 2))
	}},
	{"EQ_eventID", func(g *Gen, f Facts, v url.Values) {
		var ids []string
		for range 1 + g.intn(3) {
			if len(f.EventIDs) > 0 && g.chance(0.9) {
				ids = append(ids, pick(g, f.EventIDs))
			} else {
				ids = append(ids, "urn:uuid:00000000-0000-4000-8000-000000000000")
			}
		}
		v.Set("EQ_eventID", strings.Join(ids, "|"))
	}},
	{"MATCH_ instances", func(g *Gen, f Facts, v url.Values) {
		name := pick(g, []string{"MATCH_epc", "MATCH_parentID", "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_anyEPC"})
		v.Set(name, g.matchQuery(false))
	}},
	{"MATCH_ instances", func(g *Gen, f Facts, v url.Values) {
		name := pick(g, []string{"MATCH_epc", "MATCH_anyEPC"})
		v.Set(name, g.matchQuery(false))
	}},
	{"MATCH_ classes", func(g *Gen, f Facts, v url.Values) {
		name := pick(g, []string{"MATCH_epcClass", "MATCH_inputEPCClass", "MATCH_outputEPCClass", "MATCH_anyEPCClass"})
		v.Set(name, g.matchQuery(true))
	}},
	{"quantity", func(g *Gen, f Facts, v url.Values) {
		op := pick(g, []string{"EQ", "GT", "GE", "LT", "LE"})
		name := op + "_quantity"
		if g.chance(0.5) {
			name += "_" + pick(g, append(append([]string{}, quantityUOMs...), "MTR"))
		}
		v.Set(name, g.numbers(op, quantityVals))
	}},
	{"typed", func(g *Gen, f Facts, v url.Values) {
		switch g.intn(3) {
		case 0:
			v.Set("EQ_bizTransaction_"+g.typeName("BTT", "btt", btTypes), g.idQuery(bizTxValues, 2))
		case 1:
			v.Set("EQ_source_"+g.typeName("SDT", "sdt", sdTypes), g.idQuery(sdValues, 2))
		default:
			v.Set("EQ_destination_"+g.typeName("SDT", "sdt", sdTypes), g.idQuery(sdValues, 2))
		}
	}},
	{"typed", func(g *Gen, f Facts, v url.Values) {
		v.Set("EQ_bizTransaction_"+g.typeName("BTT", "btt", btTypes), g.idQuery(bizTxValues, 1))
	}},
	{"errorDeclaration", func(g *Gen, f Facts, v url.Values) { g.errorDeclaration(f, v) }},
	{"sensor", func(g *Gen, f Facts, v url.Values) { g.sensor(v) }},
	{"sensor", func(g *Gen, f Facts, v url.Values) { g.sensor(v) }},
	{"field", func(g *Gen, f Facts, v url.Values) { g.field(v, "") }},
	{"field", func(g *Gen, f Facts, v url.Values) { g.field(v, "") }},
	{"field scoped", func(g *Gen, f Facts, v url.Values) { g.field(v, pick(g, scopeInfixes).infix) }},
	{"field scoped", func(g *Gen, f Facts, v url.Values) { g.field(v, pick(g, scopeInfixes).infix) }},
	{"field scoped", func(g *Gen, f Facts, v url.Values) { g.field(v, pick(g, scopeInfixes).infix) }},
	{"field scoped", func(g *Gen, f Facts, v url.Values) { g.field(v, pick(g, scopeInfixes).infix) }},
	{"EQ_ATTR_", func(g *Gen, f Facts, v url.Values) { g.attr(v) }},
	{"HASATTR_", func(g *Gen, f Facts, v url.Values) {
		v.Set("HASATTR_"+pick(g, attrFieldNames), strings.Join(some(g, attrNames, 2), "|"))
	}},
}

// boundNear returns an instant near the event times: one of the shared
// instants exactly, one a nanosecond off, or any in the event range.
func (g *Gen) boundNear() time.Time {
	switch g.intn(4) {
	case 0:
		return pick(g, tieTimes)
	case 1:
		return pick(g, tieTimes).Add(time.Duration(g.intn(3) - 1))
	}
	return eventInstant(g)
}

// timeRange sets a lower bound, an upper bound or both.
func (g *Gen) timeRange(v url.Values, ge, lt string, bound func() time.Time) {
	a, b := bound(), bound()
	if b.Before(a) && g.chance(0.8) {
		a, b = b, a
	}
	switch g.intn(3) {
	case 0:
		v.Set(ge, g.queryTime(a))
	case 1:
		v.Set(lt, g.queryTime(b))
	default:
		v.Set(ge, g.queryTime(a))
		v.Set(lt, g.queryTime(b))
	}
}

// queryTime writes a bound in a random offset.
func (g *Gen) queryTime(t time.Time) string {
	s, _ := g.formatTime(t)
	return s
}

// cbvQuery writes 1 to max CBV values in any form a query may use: bare
// word, URN, Web URI or CURIE; sometimes one no event has.
func (g *Gen) cbvQuery(prefix, urnPrefix string, vals []string, max int) string {
	var out []string
	for _, x := range some(g, vals, max) {
		out = append(out, g.cbvQueryForm(prefix, urnPrefix, x))
	}
	if g.chance(0.1) {
		out = append(out, "urn:example:unused")
	}
	return strings.Join(out, "|")
}

func (g *Gen) cbvQueryForm(prefix, urnPrefix, x string) string {
	if isURI(x) {
		return x
	}
	switch g.intn(4) {
	case 0:
		return "urn:epcglobal:cbv:" + urnPrefix + ":" + x
	case 1:
		return "https://ref.gs1.org/cbv/" + prefix + "-" + x
	case 2:
		return "cbv:" + prefix + "-" + x
	}
	return x
}

// typeName writes a business-transaction or source/destination type for
// a parameter name.
func (g *Gen) typeName(prefix, urnPrefix string, vals []string) string {
	return g.cbvQueryForm(prefix, urnPrefix, pick(g, vals))
}

// idQuery writes 1 to max identifiers of list in random forms.
func (g *Gen) idQuery(list []id, max int) string {
	var out []string
	for _, x := range some(g, list, max) {
		out = append(out, g.write(x))
	}
	return strings.Join(out, "|")
}

// patterns are idpat values of every kind: a product (serial wildcard), a
// company prefix, a whole scheme, and a pattern naming one EPC.
var (
	instancePatterns = []string{
		"urn:epc:idpat:sgtin:4012345.011111.*", "urn:epc:idpat:sgtin:0614141.812345.*",
		"urn:epc:idpat:sgtin:4012345.*.*", "urn:epc:idpat:sgtin:0614141.*.*", "urn:epc:idpat:sgtin:*.*.*",
		"urn:epc:idpat:sgtin:4012345.022222.A7", "urn:epc:idpat:sscc:4012345.*", "urn:epc:idpat:sscc:*.*",
		"urn:epc:idpat:grai:4012345.00001.*", "urn:epc:idpat:grai:4012345.*.*", "urn:epc:idpat:giai:4012345.*",
		"urn:epc:idpat:sgtin:40123.*.*",
	}
	classPatterns = []string{
		"urn:epc:idpat:sgtin:4012345.011111.*", "urn:epc:idpat:sgtin:0614141.107346.*",
		"urn:epc:idpat:sgtin:4012345.*.*", "urn:epc:idpat:sgtin:0614141.*.*", "urn:epc:idpat:sgtin:*.*.*",
	}
)

// matchQuery writes MATCH_ values: identifiers in any form and patterns.
func (g *Gen) matchQuery(classes bool) string {
	var out []string
	for range 1 + g.intn(2) {
		switch {
		case g.chance(0.3):
			if classes {
				out = append(out, pick(g, classPatterns))
			} else {
				out = append(out, pick(g, instancePatterns))
			}
		case classes:
			out = append(out, g.write(pick(g, append(append([]id{}, lgtins...), productClasses...))))
		default:
			out = append(out, g.write(pick(g, append(append(append(append([]id{}, sgtins...), ssccs...), grais...), giais...))))
		}
	}
	return strings.Join(out, "|")
}

// numbers writes the value of a numeric parameter: EQ takes a list.
func (g *Gen) numbers(op string, pool []string) string {
	if op == "EQ" {
		return strings.Join(some(g, pool, 2), "|")
	}
	return pick(g, pool)
}

func (g *Gen) errorDeclaration(f Facts, v url.Values) {
	switch g.intn(5) {
	case 0:
		v.Set("EXISTS_errorDeclaration", pick(g, []string{"true", ""}))
	case 1:
		// Both spellings name one parameter: a query may use one.
		for _, name := range []string{"GE_errorDeclarationTime", "LT_errorDeclarationTime", "GE_errorDeclaration_Time", "LT_errorDeclaration_Time"} {
			v.Del(name)
		}
		ge, lt := "GE_errorDeclarationTime", "LT_errorDeclarationTime"
		if g.chance(0.5) {
			ge, lt = "GE_errorDeclaration_Time", "LT_errorDeclaration_Time"
		}
		g.timeRange(v, ge, lt, func() time.Time {
			return timeBase.Add(130*time.Hour + time.Duration(g.intn(100))*time.Hour)
		})
	case 2:
		v.Set("EQ_errorReason", g.cbvQuery("ER", "er", errorReasons, 2))
	case 3:
		ids := f.CorrectiveEventIDs
		if len(ids) == 0 || g.chance(0.2) {
			ids = f.EventIDs
		}
		if len(ids) > 0 {
			v.Set("EQ_correctiveEventID", strings.Join(some(g, ids, 2), "|"))
		}
	default:
		v.Set("EXISTS_errorDeclaration", "true")
		v.Set("EQ_errorReason", g.cbvQuery("ER", "er", errorReasons, 1))
	}
}

// measureQueryForms are the forms a query may write a measurement type in.
var measureQueryForms = map[string][]string{
	"Temperature":      {"Temperature", "gs1:Temperature", "https://gs1.org/voc/Temperature"},
	"RelativeHumidity": {"RelativeHumidity", "https://gs1.org/voc/RelativeHumidity"},
	"Pressure":         {"Pressure"},
	"ph":               {"urn:example:measure:ph"},
}

func (g *Gen) sensor(v url.Values) {
	switch g.intn(14) {
	case 0:
		v.Set("EXISTS_sensorElementList", "true")
	case 1:
		g.timeRange(v, "GE_time", "LT_time", g.boundNear)
	case 2:
		if g.chance(0.5) {
			g.timeRange(v, "GE_startTime", "LT_startTime", g.boundNear)
		} else {
			g.timeRange(v, "GE_endTime", "LT_endTime", g.boundNear)
		}
	case 3:
		var out []string
		for _, k := range some(g, []string{"Temperature", "RelativeHumidity", "Pressure", "ph"}, 2) {
			out = append(out, pick(g, measureQueryForms[k]))
		}
		v.Set("EQ_type", strings.Join(out, "|"))
	case 4:
		v.Set("EQ_deviceID", g.idQuery(giais, 2))
	case 5:
		if g.chance(0.5) {
			v.Set("EQ_dataProcessingMethod", g.idQuery(dpMethods, 1))
		} else {
			v.Set("EQ_bizRules", g.idQuery(bizRules, 1))
		}
	case 6:
		if g.chance(0.5) {
			v.Set("EQ_microorganism", strings.Join(some(g, microbes, 1), "|"))
		} else {
			v.Set("EQ_chemicalSubstance", strings.Join(some(g, chemicals, 1), "|"))
		}
	case 7:
		v.Set("EQ_stringValue", strings.Join(some(g, append(append([]string{}, stringVals...), "Moldy"), 2), "|"))
	case 8:
		v.Set("EQ_hexBinaryValue", strings.Join(some(g, append(append([]string{}, hexVals...), "0AFF", "abcd"), 2), "|"))
	case 9:
		if g.chance(0.5) {
			v.Set("EQ_uriValue", strings.Join(some(g, uriVals, 1), "|"))
		} else {
			v.Set("EQ_booleanValue", pick(g, []string{"true", "false"}))
		}
	case 10:
		v.Set("EQ_value_"+pick(g, uoms), g.numbers("EQ", sensorNumbers))
	case 11:
		op := pick(g, []string{"GT", "GE", "LT", "LE"})
		field := pick(g, []string{"value", "minValue", "maxValue", "meanValue", "sDev", "percValue"})
		v.Set(op+"_"+field+"_"+pick(g, uoms), g.numbers(op, sensorNumbers))
	case 12:
		op := pick(g, []string{"GT", "GE", "LT", "LE"})
		v.Set(op+"_percRank", pick(g, []string{"50", "95", "99.5", "0"}))
	default:
		g.timeRange(v, "GE_time", "LT_time", g.boundNear)
		v.Set("EQ_type", "Temperature")
	}
}

// scopeInfixes are the extension-field scopes with the comparisons the
// query schema defines for them.
var scopeInfixes = []struct {
	infix string
	ops   []string
}{
	{"INNER_", allOps},
	{"ILMD_", allOps},
	{"INNER_ILMD_", allOps},
	{"ERROR_DECLARATION_", allOps},
	{"INNER_ERROR_DECLARATION_", allOps},
	{"SENSORELEMENT_", allOps},
	{"SENSORMETADATA_", allOps},
	{"SENSORREPORT_", allOps},
	{"INNER_SENSORELEMENT_", cmpOps},
	{"INNER_SENSORMETADATA_", cmpOps},
	{"INNER_SENSORREPORT_", cmpOps},
	{"readPoint_", []string{"EQ"}},
	{"bizLocation_", []string{"EQ"}},
	{"INNER_readPoint_", []string{"EQ"}},
	{"INNER_bizLocation_", []string{"EQ"}},
}

var (
	allOps = []string{"EQ", "GT", "GE", "LT", "LE", "EXISTS"}
	cmpOps = []string{"EQ", "GT", "GE", "LT", "LE"}
)

// fieldIRI names an extension field as a query does: mostly a full IRI
// (in each namespace, the legacy one in both its forms), sometimes a
// CURIE, which the query does not declare and so matches fields written
// with that very prefix.
func (g *Gen) fieldIRI() string {
	names := fieldNames
	if g.chance(0.5) {
		names = names[:3]
	}
	local := pick(g, names)
	switch g.intn(10) {
	case 0, 1, 2, 3:
		return nsEx + local
	case 4, 5:
		return nsHash + local
	case 6:
		return nsLegacy + local
	case 7:
		return nsLegacy + "#" + local
	case 8:
		return nsOther + local
	}
	return pick(g, []string{"ex:", "ex2:", "exv:"}) + local
}

// field adds an extension-field restriction in a scope. Scoped fields
// are fewer, so their restrictions are more often EXISTS and name the
// common fields.
func (g *Gen) field(v url.Values, infix string) {
	ops := allOps
	for _, s := range scopeInfixes {
		if s.infix == infix {
			ops = s.ops
		}
	}
	op := pick(g, ops)
	if infix != "" && slices.Contains(ops, "EXISTS") && g.chance(0.4) {
		op = "EXISTS"
	}
	iri := g.fieldIRI()
	if infix != "" && g.chance(0.6) {
		iri = pick(g, []string{nsEx, nsHash}) + pick(g, fieldNames[:3])
	}
	if strings.Contains(infix, "readPoint") || strings.Contains(infix, "bizLocation") {
		if g.chance(0.6) {
			v.Set(op+"_"+infix+nsEx+"color", strings.Join(some(g, []string{"red", "blue", "Red"}, 2), "|"))
			return
		}
	}
	name := op + "_" + infix + iri
	switch op {
	case "EXISTS":
		v.Set(name, "true")
	case "EQ":
		var vals []string
		for range 1 + g.intn(2) {
			vals = append(vals, g.fieldValue(true))
		}
		v.Set(name, strings.Join(vals, "|"))
	default:
		v.Set(name, g.fieldValue(false))
	}
}

// fieldValue returns a value an extension field may be compared with:
// for EQ any text; for the other comparisons a number or a time.
func (g *Gen) fieldValue(eq bool) string {
	if eq {
		switch g.intn(6) {
		case 0:
			return pick(g, thingVals)
		case 1:
			return pick(g, []string{"true", "false"})
		case 2:
			for {
				if s := pick(g, textVals); s != "" {
					return s
				}
			}
		}
	}
	if g.chance(0.6) {
		return pick(g, numberVals)
	}
	return pick(g, timeVals)
}

// attrFieldNames are the fields EQ_ATTR_ and HASATTR_ name: the standard
// ones and extension fields holding master-data identifiers.
var attrFieldNames = []string{
	"readPoint", "bizLocation", "bizStep", "disposition", "epcList", "childEPCs", "parentID",
	"inputEPCList", "outputEPCList", "epcClass", nsEx + "thing", nsHash + "thing",
}

var attrValues = []string{"201", "202", "203", "299", "Plant A", "Plant B", "Gate house", "outbound", "production",
	"hold", "2025-01-01", "2025-02-01", "2025-06-30", "Widget", "red", "blue", "green", "5", "5.0", "120", "80"}

// attrCases are field, attribute and value triples the master data
// holds (some only after the later update, some replaced by it).
var attrCases = [][3]string{
	{"bizLocation", attrSST, "201"}, {"bizLocation", attrSST, "202"}, {"bizLocation", attrSST, "203"},
	{"bizLocation", attrName, "Plant A"}, {"bizLocation", attrName, "Plant B"}, {"bizLocation", attrCapacity, "120"},
	{"bizLocation", attrCapacity, "80.0"}, {"readPoint", attrName, "Gate house"}, {"readPoint", attrSST, "299"},
	{"bizStep", attrPhase, "outbound"}, {"bizStep", attrPhase, "production"}, {"disposition", attrPhase, "hold"},
	{"epcClass", attrBest, "2025-01-01"}, {"epcClass", attrBest, "2025-06-30"}, {"epcClass", attrDesc, "Widget"},
	{"epcList", attrColour, "red"}, {"childEPCs", attrColour, "blue"}, {"parentID", attrDesc, "Pallet 1"},
	{"epcList", attrDesc, "Pallet 1"}, {nsEx + "thing", attrColour, "red"}, {nsEx + "thing", attrSST, "5"},
	{nsHash + "thing", attrColour, "green"},
}

func (g *Gen) attr(v url.Values) {
	if g.chance(0.2) {
		v.Set("EQ_ATTR_"+pick(g, attrFieldNames)+"_"+pick(g, attrNames), strings.Join(some(g, attrValues, 3), "|"))
		return
	}
	c := pick(g, attrCases)
	vals := []string{c[2]}
	if g.chance(0.3) {
		vals = append(vals, pick(g, attrValues))
	}
	v.Set("EQ_ATTR_"+c[0]+"_"+c[1], strings.Join(vals, "|"))
}

// order adds orderBy, orderDirection, eventCountLimit, maxEventCount and
// perPage.
func (g *Gen) order(v url.Values) {
	switch n := g.intn(20); {
	case n < 8:
		v.Set("orderBy", "eventTime")
	case n < 12:
		v.Set("orderBy", "recordTime")
	case n < 15:
		v.Set("orderBy", pick(g, []string{nsEx + "temp", nsEx + "when", nsEx + "color", nsHash + "count", nsEx + "count", "ex:temp"}))
	}
	if g.chance(0.7) {
		v.Set("orderDirection", pick(g, []string{"ASC", "DESC"}))
	}
	switch {
	case v.Get("orderBy") != "" && g.chance(0.25):
		v.Set("eventCountLimit", strconv.Itoa(1+g.intn(15)))
	case g.chance(0.15):
		v.Set("maxEventCount", strconv.Itoa(1+g.intn(60)))
	}
	v.Set("perPage", strconv.Itoa(1+g.intn(7)))
}
