package query

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
)

// MasterData answers the master-data questions of WD_readPoint,
// WD_bizLocation, EQ_ATTR_ and HASATTR_. Vocabulary types are the Vocab
// constants (VocabReadPoint, ...), or "" for the vocabulary of an extension
// field, which the query cannot know; ids are in CanonicalID form for
// identifiers (CanonicalCBV form for bizStep and disposition).
type MasterData interface {
	// Descendants returns the direct and indirect children of id (not id
	// itself) in the hierarchy the master data defines, in any form
	// CanonicalID accepts; nil when id has none or is unknown.
	Descendants(vocab, id string) []string
	// Attr returns the values of attribute attr (a URI) of element id; ok
	// is false when there is no master data for id or it lacks attr.
	Attr(vocab, id, attr string) (values []string, ok bool)
}

// Match reports whether a stored event satisfies q, per the semantics of
// SimpleEventQuery (EPCIS 2.0 section 8.2.7.1). ev is the event as
// captured: its Fields carry an "@context" declaring the prefixes of its
// extension fields. recordTime is the time the repository recorded it (if
// zero, Fields["recordTime"] is read). md may be nil: WD_ then matches only
// the named locations themselves, and EQ_ATTR_ and HASATTR_ match nothing.
//
// Match is the reference implementation of the query language: stores
// compile queries to index terms and are tested against it. It never
// modifies ev.Fields. Pagination and order (PerPage, NextPageToken, Order,
// EventCountLimit, MaxEventCount) are not restrictions and are not
// checked here.
func Match(q *Query, ev *epcis.Event, recordTime time.Time, md MasterData) bool {
	m := matcher{q: q, ev: ev, md: md}
	return m.match(recordTime)
}

type matcher struct {
	q  *Query
	ev *epcis.Event
	md MasterData
	ns map[string]string // the event's prefixes, read when first needed
}

func (m *matcher) match(recordTime time.Time) bool {
	q, ev := m.q, m.ev
	if len(q.EventTypes) > 0 && !contains(q.EventTypes, ev.Type) {
		return false
	}
	if !q.EventTime.Contains(ev.EventTime) {
		return false
	}
	if !q.RecordTime.IsZero() {
		if recordTime.IsZero() {
			recordTime, _ = parseTime(str(ev.Fields["recordTime"]))
		}
		if !q.RecordTime.Contains(recordTime) {
			return false
		}
	}
	if len(q.EventIDs) > 0 && (ev.EventID == "" || !contains(q.EventIDs, ev.EventID)) {
		return false
	}
	if len(q.Actions) > 0 && (ev.Action == "" || !contains(q.Actions, ev.Action)) {
		return false
	}
	if !oneOf(q.BizSteps, CanonicalCBV(cbv.BizStep, ev.BizStep)) ||
		!oneOf(q.Dispositions, CanonicalCBV(cbv.Disp, ev.Disposition)) ||
		!oneOf(q.ReadPoints, CanonicalID(ev.ReadPoint)) ||
		!oneOf(q.BizLocations, CanonicalID(ev.BizLocation)) ||
		!oneOf(q.TransformationIDs, CanonicalID(ev.TransformationID)) {
		return false
	}
	if len(q.PersistentDispositionSet) > 0 && !anyCBV(q.PersistentDispositionSet, cbv.Disp, ev.PersistentDispositionSet) ||
		len(q.PersistentDispositionUnset) > 0 && !anyCBV(q.PersistentDispositionUnset, cbv.Disp, ev.PersistentDispositionUnset) {
		return false
	}
	if len(q.ReadPointsWD) > 0 && !m.withDescendants(VocabReadPoint, CanonicalID(ev.ReadPoint), q.ReadPointsWD) ||
		len(q.BizLocationsWD) > 0 && !m.withDescendants(VocabBusinessLocation, CanonicalID(ev.BizLocation), q.BizLocationsWD) {
		return false
	}
	if !m.ids() || !m.quantities() {
		return false
	}
	if !typedHold(q.BizTransactions, cbv.BTT, ev.BizTransactions) ||
		!typedHold(q.Sources, cbv.SDT, ev.Sources) ||
		!typedHold(q.Destinations, cbv.SDT, ev.Destinations) {
		return false
	}
	if !m.errorDeclaration() || !m.sensor() {
		return false
	}
	for i := range q.Fields {
		if !m.field(&q.Fields[i]) {
			return false
		}
	}
	for i := range q.Attrs {
		if !m.attr(&q.Attrs[i]) {
			return false
		}
	}
	for i := range q.HasAttrs {
		if !m.hasAttr(&q.HasAttrs[i]) {
			return false
		}
	}
	return true
}

// oneOf reports whether v is one of list; an empty list restricts nothing,
// and an empty v (the event lacks the field) matches no list.
func oneOf(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	return v != "" && contains(list, v)
}

func anyCBV(list []string, voc cbv.Vocabulary, vals []string) bool {
	for _, v := range vals {
		if contains(list, CanonicalCBV(voc, v)) {
			return true
		}
	}
	return false
}

func (m *matcher) withDescendants(vocab, id string, list []string) bool {
	if id == "" {
		return false
	}
	if contains(list, id) {
		return true
	}
	if m.md == nil {
		return false
	}
	for _, v := range list {
		for _, d := range m.md.Descendants(vocab, v) {
			if CanonicalID(d) == id {
				return true
			}
		}
	}
	return false
}

// typedHold checks EQ_bizTransaction_, EQ_source_, EQ_destination_: for
// every condition one list element must carry both its type and one of
// its values.
func typedHold(conds []TypedCond, voc cbv.Vocabulary, list []epcis.TypedValue) bool {
	for _, c := range conds {
		found := false
		for _, tv := range list {
			if CanonicalCBV(voc, tv.Type) == c.Type && contains(c.Values, CanonicalID(tv.Value)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (m *matcher) ids() bool {
	q, ev := m.q, m.ev
	var parent []string
	if ev.ParentID != "" {
		parent = []string{ev.ParentID}
	}
	if len(q.EPC) > 0 && !m.matchIDs(q.EPC, ev.EPCList, ev.ChildEPCs) ||
		len(q.ParentID) > 0 && !m.matchIDs(q.ParentID, parent) ||
		len(q.InputEPC) > 0 && !m.matchIDs(q.InputEPC, ev.InputEPCList) ||
		len(q.OutputEPC) > 0 && !m.matchIDs(q.OutputEPC, ev.OutputEPCList) ||
		len(q.AnyEPC) > 0 && !m.matchIDs(q.AnyEPC, ev.EPCList, ev.ChildEPCs, parent, ev.InputEPCList, ev.OutputEPCList) {
		return false
	}
	if len(q.EPCClass) > 0 && !m.matchClasses(q.EPCClass, ev.QuantityList, ev.ChildQuantityList) ||
		len(q.InputEPCClass) > 0 && !m.matchClasses(q.InputEPCClass, ev.InputQuantityList) ||
		len(q.OutputEPCClass) > 0 && !m.matchClasses(q.OutputEPCClass, ev.OutputQuantityList) ||
		len(q.AnyEPCClass) > 0 && !m.matchClasses(q.AnyEPCClass, ev.QuantityList, ev.ChildQuantityList, ev.InputQuantityList, ev.OutputQuantityList) {
		return false
	}
	return true
}

func (m *matcher) matchIDs(ms []IDMatch, lists ...[]string) bool {
	for _, list := range lists {
		for _, id := range list {
			if m.matchID(ms, id) {
				return true
			}
		}
	}
	return false
}

func (m *matcher) matchClasses(ms []IDMatch, lists ...[]epcis.Quantity) bool {
	for _, list := range lists {
		for _, qe := range list {
			if m.matchID(ms, qe.EPCClass) {
				return true
			}
		}
	}
	return false
}

// matchID matches one identifier of the event against MATCH_ values. An
// event's class may itself be written as a pattern with only the serial a
// wildcard (urn:epc:idpat:sgtin:CP.IR.*), which is the product class.
func (m *matcher) matchID(ms []IDMatch, id string) bool {
	if id == "" {
		return false
	}
	epc, err := m.parseID(id)
	canonical := id
	if err == nil {
		canonical = epc.Canonical()
	}
	for i := range ms {
		x := &ms[i]
		if x.Pattern != nil {
			if err == nil && x.Pattern.Match(epc) {
				return true
			}
			continue
		}
		if x.Canonical == canonical {
			return true
		}
	}
	return false
}

func (m *matcher) parseID(id string) (gs1.EPC, error) {
	if strings.HasPrefix(id, "urn:epc:idpat:") {
		p, err := gs1.ParsePattern(id)
		if err != nil {
			return gs1.EPC{}, err
		}
		if e, ok := p.Class(); ok {
			return e, nil
		}
		return gs1.EPC{}, &gs1.Error{Part: "class", Value: id, Reason: "a pattern with wildcards other than the serial is no class"}
	}
	if strings.HasPrefix(id, "urn:epc:") || strings.HasPrefix(id, "http") {
		return m.ev.ParseID(id)
	}
	return gs1.EPC{}, &gs1.Error{Part: "identifier", Value: id, Reason: "not a GS1 identifier"}
}

// quantities checks the quantity parameters: each holds when some
// quantity element of any list (with the unit, when one is named) has a
// quantity satisfying it.
func (m *matcher) quantities() bool {
	ev := m.ev
	for _, c := range m.q.Quantity {
		found := false
		for _, list := range [][]epcis.Quantity{ev.QuantityList, ev.ChildQuantityList, ev.InputQuantityList, ev.OutputQuantityList} {
			for _, qe := range list {
				if x, ok := inUnit(qe.Quantity, qe.UOM, c.UOM); qe.HasQuantity && ok && c.holds(x) {
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (m *matcher) errorDeclaration() bool {
	q := m.q
	if !q.ErrorDeclarationExists && q.ErrorDeclarationTime.IsZero() && len(q.ErrorReasons) == 0 && len(q.CorrectiveEventIDs) == 0 {
		return true
	}
	ed := m.ev.ErrorDeclaration
	if ed == nil {
		return false
	}
	if !q.ErrorDeclarationTime.Contains(ed.DeclarationTime) {
		return false
	}
	if !oneOf(q.ErrorReasons, CanonicalCBV(cbv.ER, ed.Reason)) {
		return false
	}
	if len(q.CorrectiveEventIDs) > 0 {
		found := false
		for _, id := range ed.CorrectiveEventIDs {
			if contains(q.CorrectiveEventIDs, id) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (m *matcher) sensor() bool {
	s := &m.q.Sensor
	if s.IsZero() {
		return true
	}
	els := m.ev.SensorElements
	if len(els) == 0 {
		return false
	}
	// anyMeta and anyReport report whether some metadata object or report
	// satisfies f.
	anyMeta := func(f func(map[string]any) bool) bool {
		for _, el := range els {
			if el.Metadata != nil && f(el.Metadata) {
				return true
			}
		}
		return false
	}
	anyReport := func(f func(map[string]any) bool) bool {
		for _, el := range els {
			for _, r := range el.Reports {
				if f(r) {
					return true
				}
			}
		}
		return false
	}
	inRange := func(r TimeRange, key string) func(map[string]any) bool {
		return func(o map[string]any) bool {
			t, ok := parseTime(str(o[key]))
			return ok && r.Contains(t)
		}
	}
	in := func(list []string, key string, canon func(string) string) func(map[string]any) bool {
		return func(o map[string]any) bool {
			v := str(o[key])
			return v != "" && contains(list, canon(v))
		}
	}
	same := func(s string) string { return s }
	if !s.Time.IsZero() && !anyMeta(inRange(s.Time, "time")) && !anyReport(inRange(s.Time, "time")) {
		return false
	}
	if !s.StartTime.IsZero() && !anyMeta(inRange(s.StartTime, "startTime")) ||
		!s.EndTime.IsZero() && !anyMeta(inRange(s.EndTime, "endTime")) {
		return false
	}
	measurement := func(v string) string { return CanonicalCBV(cbv.MeasurementType, v) }
	if len(s.Types) > 0 && !anyReport(in(s.Types, "type", measurement)) {
		return false
	}
	if len(s.DeviceIDs) > 0 && !anyMeta(in(s.DeviceIDs, "deviceID", CanonicalID)) && !anyReport(in(s.DeviceIDs, "deviceID", CanonicalID)) {
		return false
	}
	if len(s.DataProcessingMethods) > 0 && !anyMeta(in(s.DataProcessingMethods, "dataProcessingMethod", CanonicalID)) &&
		!anyReport(in(s.DataProcessingMethods, "dataProcessingMethod", CanonicalID)) {
		return false
	}
	if len(s.BizRules) > 0 && !anyMeta(in(s.BizRules, "bizRules", CanonicalID)) {
		return false
	}
	for _, f := range []struct {
		list  []string
		key   string
		canon func(string) string
	}{
		{s.Microorganisms, "microorganism", same},
		{s.ChemicalSubstances, "chemicalSubstance", same},
		{s.StringValues, "stringValue", same},
		{s.HexBinaryValues, "hexBinaryValue", strings.ToUpper},
		{s.URIValues, "uriValue", same},
	} {
		if len(f.list) > 0 && !anyReport(in(f.list, f.key, f.canon)) {
			return false
		}
	}
	if s.HasBoolean && !anyReport(func(r map[string]any) bool {
		b, ok := r["booleanValue"].(bool)
		return ok && b == s.BooleanValue
	}) {
		return false
	}
	for _, c := range s.Values {
		if !anyReport(func(r map[string]any) bool {
			x, ok := number(r[c.Field])
			if ok {
				x, ok = inUnit(x, str(r["uom"]), c.UOM)
			}
			return ok && c.holds(x)
		}) {
			return false
		}
	}
	return true
}

// field checks one extension-field restriction.
func (m *matcher) field(c *FieldCond) bool {
	inner := false
	var containers []map[string]any
	add := func(v any) {
		if o, ok := v.(map[string]any); ok {
			containers = append(containers, o)
		}
	}
	f := m.ev.Fields
	switch c.Scope {
	case ScopeEvent, ScopeInner:
		add(f)
	case ScopeILMD, ScopeInnerILMD:
		add(f["ilmd"])
	case ScopeErrorDeclaration, ScopeInnerErrorDeclaration:
		add(f["errorDeclaration"])
	case ScopeReadPoint, ScopeInnerReadPoint:
		add(f["readPoint"])
	case ScopeBizLocation, ScopeInnerBizLocation:
		add(f["bizLocation"])
	case ScopeSensorElement, ScopeInnerSensorElement, ScopeSensorMetadata, ScopeInnerSensorMetadata,
		ScopeSensorReport, ScopeInnerSensorReport:
		list, _ := f["sensorElementList"].([]any)
		for _, x := range list {
			el, _ := x.(map[string]any)
			switch c.Scope {
			case ScopeSensorElement, ScopeInnerSensorElement:
				add(el)
			case ScopeSensorMetadata, ScopeInnerSensorMetadata:
				add(el["sensorMetadata"])
			default:
				reps, _ := el["sensorReport"].([]any)
				for _, r := range reps {
					add(r)
				}
			}
		}
	}
	switch c.Scope {
	case ScopeInner, ScopeInnerILMD, ScopeInnerErrorDeclaration, ScopeInnerReadPoint, ScopeInnerBizLocation,
		ScopeInnerSensorElement, ScopeInnerSensorMetadata, ScopeInnerSensorReport:
		inner = true
	}
	found := false
	visit := func(v any) bool {
		if m.holds(c, v) {
			found = true
		}
		return found
	}
	for _, o := range containers {
		for k, v := range o {
			if !isExtensionKey(k) {
				continue
			}
			if inner {
				if m.walkInner(v, c.Field, visit) {
					return true
				}
				continue
			}
			if m.keyIs(k, c.Field) && visit(v) {
				return true
			}
		}
	}
	return found
}

// walkInner calls visit with the value of every field named f nested at
// any depth inside v, until visit returns true.
func (m *matcher) walkInner(v any, f FieldName, visit func(any) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			if strings.HasPrefix(k, "@") {
				continue
			}
			if m.keyIs(k, f) && visit(sub) {
				return true
			}
			if m.walkInner(sub, f, visit) {
				return true
			}
		}
	case []any:
		for _, sub := range x {
			if m.walkInner(sub, f, visit) {
				return true
			}
		}
	}
	return false
}

// standardPrefixes are the namespace prefixes the EPCIS 2.0 JSON-LD
// context declares; a document's own declarations take precedence.
var standardPrefixes = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"cbvmda":  "urn:epcglobal:cbv:mda:",
	"gs1":     "https://gs1.org/voc/",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
}

// isExtensionKey reports whether a key of an event object names an
// extension field: standard fields are plain words, extensions are CURIEs
// or IRIs.
func isExtensionKey(k string) bool {
	return strings.IndexByte(k, ':') > 0 && !strings.HasPrefix(k, "@")
}

// keyIs reports whether the event key k (a CURIE with a prefix of the
// event's @context, or an IRI) names the field f.
func (m *matcher) keyIs(k string, f FieldName) bool {
	if f.CURIE != "" {
		return k == f.CURIE
	}
	prefix, local, ok := strings.Cut(k, ":")
	if !ok {
		return false
	}
	if prefix == "urn" || strings.HasPrefix(local, "//") {
		return k == f.IRI
	}
	if m.ns == nil {
		m.ns = epcis.Namespaces(m.ev.Fields["@context"])
	}
	ns, ok := m.ns[prefix]
	if !ok {
		if ns, ok = standardPrefixes[prefix]; !ok {
			return false
		}
	}
	if len(f.IRI) != len(ns)+len(local) {
		// EPCIS 1.x names fields namespace#local when the namespace
		// does not end in '/' or '#'.
		return !strings.HasSuffix(ns, "/") && !strings.HasSuffix(ns, "#") &&
			len(f.IRI) == len(ns)+1+len(local) && f.IRI[len(ns)] == '#' &&
			strings.HasPrefix(f.IRI, ns) && strings.HasSuffix(f.IRI, local)
	}
	return strings.HasPrefix(f.IRI, ns) && strings.HasSuffix(f.IRI, local)
}

// holds applies a comparison to a field value. A repeated field (a JSON
// array) holds when one of its values does; a JSON-LD value object
// {"@value": ...} compares its value.
func (m *matcher) holds(c *FieldCond, v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case []any:
		if c.Op == EXISTS {
			return len(x) > 0
		}
		for _, e := range x {
			if m.holds(c, e) {
				return true
			}
		}
		return false
	case map[string]any:
		if c.Op == EXISTS {
			return len(x) > 0
		}
		if val, ok := x["@value"]; ok {
			return m.holds(c, val)
		}
		return false
	case string:
		if c.Op == EXISTS {
			return x != ""
		}
	}
	if c.Op == EXISTS {
		return true
	}
	if c.Op == EQ {
		for _, pv := range c.Values {
			if equalValue(v, pv) {
				return true
			}
		}
		return false
	}
	pv := c.Values[0]
	var order int
	switch {
	case pv.IsNum:
		x, ok := number(v)
		if !ok {
			return false
		}
		order = cmp.Compare(x, pv.Num)
	case pv.IsTime:
		t, ok := parseTime(str(v))
		if !ok {
			return false
		}
		order = t.Compare(pv.Time)
	default:
		return false
	}
	switch c.Op {
	case GT:
		return order > 0
	case GE:
		return order >= 0
	case LT:
		return order < 0
	case LE:
		return order <= 0
	}
	return false
}

// equalValue compares a scalar field value with a parameter value: as
// text, as numbers (5 = "5.0") or as instants (the same time in two
// offsets).
func equalValue(v any, pv Value) bool {
	switch x := v.(type) {
	case string:
		if x == pv.Raw {
			return true
		}
		if pv.IsNum {
			if f, ok := parseDecimal(x); ok && f == pv.Num {
				return true
			}
		}
		if pv.IsTime {
			if t, ok := parseTime(x); ok && t.Equal(pv.Time) {
				return true
			}
		}
	case bool:
		return pv.Raw == "true" && x || pv.Raw == "false" && !x
	default:
		if f, ok := number(v); ok && pv.IsNum {
			return f == pv.Num
		}
	}
	return false
}

// number reads a JSON number, or a string holding a decimal number (XML
// and many JSON-LD documents write extension numbers as text).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		return parseDecimal(string(n))
	case float64:
		return n, true
	case int:
		return float64(n), true
	case string:
		return parseDecimal(n)
	}
	return 0, false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// attrValues returns the vocabulary and the values (in matching form) of
// the field an EQ_ATTR_ or HASATTR_ parameter names.
func (m *matcher) attrValues(f AttrField) (vocab string, ids []string) {
	ev := m.ev
	canonIDs := func(lists ...[]string) []string {
		var out []string
		for _, l := range lists {
			for _, s := range l {
				if c := CanonicalID(s); c != "" {
					out = append(out, c)
				}
			}
		}
		return out
	}
	switch f.Name {
	case "readPoint":
		return VocabReadPoint, canonIDs([]string{ev.ReadPoint})
	case "bizLocation":
		return VocabBusinessLocation, canonIDs([]string{ev.BizLocation})
	case "bizStep":
		if ev.BizStep == "" {
			return VocabBusinessStep, nil
		}
		return VocabBusinessStep, []string{CanonicalCBV(cbv.BizStep, ev.BizStep)}
	case "disposition":
		if ev.Disposition == "" {
			return VocabDisposition, nil
		}
		return VocabDisposition, []string{CanonicalCBV(cbv.Disp, ev.Disposition)}
	case "epcList":
		return VocabEPCInstance, canonIDs(ev.EPCList)
	case "childEPCs":
		return VocabEPCInstance, canonIDs(ev.ChildEPCs)
	case "parentID":
		return VocabEPCInstance, canonIDs([]string{ev.ParentID})
	case "inputEPCList":
		return VocabEPCInstance, canonIDs(ev.InputEPCList)
	case "outputEPCList":
		return VocabEPCInstance, canonIDs(ev.OutputEPCList)
	case "epcClass":
		var classes []string
		for _, l := range [][]epcis.Quantity{ev.QuantityList, ev.ChildQuantityList, ev.InputQuantityList, ev.OutputQuantityList} {
			for _, qe := range l {
				if qe.EPCClass == "" {
					continue
				}
				if e, err := m.parseID(qe.EPCClass); err == nil {
					classes = append(classes, e.Canonical())
				} else {
					classes = append(classes, qe.EPCClass)
				}
			}
		}
		return VocabEPCClass, classes
	}
	for k, v := range ev.Fields {
		if !isExtensionKey(k) || !m.keyIs(k, f.Extension) {
			continue
		}
		var collect func(any)
		collect = func(v any) {
			switch x := v.(type) {
			case string:
				ids = append(ids, CanonicalID(x))
			case []any:
				for _, e := range x {
					collect(e)
				}
			case map[string]any:
				if id, ok := x["@id"].(string); ok {
					ids = append(ids, CanonicalID(id))
				} else if val, ok := x["@value"]; ok {
					collect(val)
				}
			}
		}
		collect(v)
	}
	return "", ids
}

func (m *matcher) attr(c *AttrCond) bool {
	if m.md == nil {
		return false
	}
	vocab, ids := m.attrValues(c.Field)
	for _, id := range ids {
		vals, ok := m.md.Attr(vocab, id, c.Attr)
		if !ok {
			continue
		}
		for _, v := range vals {
			for _, pv := range c.Values {
				if equalValue(v, pv) {
					return true
				}
			}
		}
	}
	return false
}

func (m *matcher) hasAttr(c *HasAttrCond) bool {
	if m.md == nil {
		return false
	}
	vocab, ids := m.attrValues(c.Field)
	for _, id := range ids {
		for _, a := range c.Attrs {
			if _, ok := m.md.Attr(vocab, id, a); ok {
				return true
			}
		}
	}
	return false
}

// FieldValues returns the values of the top-level extension fields of ev
// that name f, as Match reads field names (a CURIE of the event's
// prefixes, an IRI, or EPCIS 1.x's namespace#local), in key order.
func FieldValues(ev *epcis.Event, f FieldName) []any {
	m := matcher{ev: ev}
	var keys []string
	for k := range ev.Fields {
		if isExtensionKey(k) && m.keyIs(k, f) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = ev.Fields[k]
	}
	return out
}
