package epcisxml

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
)

// The encoder of one event, driven by the element table of names.go.

// eventKeys are, per event type, the JSON members the XSD names; every
// other member is an extension.
var eventKeys = func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for typ, fields := range EventFields {
		m := map[string]bool{"type": true, "@context": true}
		for _, f := range CommonFields {
			m[f.Name] = true
		}
		for _, f := range fields {
			m[f.Name] = true
		}
		out[typ] = m
	}
	return out
}()

// The members of these objects that the XSD names; the others are
// extensions.
var (
	locationKeys         = map[string]bool{"id": true}
	sensorElementKeys    = map[string]bool{"sensorMetadata": true, "sensorReport": true}
	errorDeclarationKeys = func() map[string]bool {
		m := map[string]bool{}
		for _, f := range ErrorDeclarationFields {
			m[f.Name] = true
		}
		return m
	}()
)

// cbvXML gives a standard CBV value in its XML form. JSON-LD writes
// standard values as bare words ("shipping"), which are not URIs; XML gets
// the CBV URN (urn:epcglobal:cbv:bizstep:shipping), or for the sensor
// vocabularies the gs1: CURIE, as the standard's XML examples do (see
// ValueVocab). Values that are already URIs are written as they are: the
// GS1-CBV-XML-Format translation belongs to the caller (epcis.Translator).
func cbvXML(v cbv.Vocabulary, s string) string {
	if urn, ok := cbvURNs[cbvTerm{v, s}]; ok {
		return urn
	}
	if cbv.IsURI(s) || !cbv.IsStandard(v, s) {
		return s
	}
	return cbv.Format(v, s, cbv.URN)
}

// cbvURNs holds the XML form of every bare word of the vocabularies in
// ValueVocab, so that the common case costs one map lookup.
type cbvTerm struct {
	v cbv.Vocabulary
	s string
}

var cbvURNs = func() map[cbvTerm]string {
	m := map[cbvTerm]string{}
	for _, v := range ValueVocab {
		for _, t := range cbv.Terms(v) {
			word := cbv.Format(v, t, cbv.BareWord)
			m[cbvTerm{v, word}] = cbv.Format(v, t, cbv.URN)
		}
	}
	return m
}()

// event writes one event element. alone is set for AppendEvent, where the
// namespace declarations go on the event element.
func (e *encoder) event(ev map[string]any, alone bool) error {
	typ, _ := ev["type"].(string)
	fields, ok := EventFields[typ]
	if !ok {
		return e.invalid("/type", "unknown event type %q", typ)
	}
	e.ns.local = nil
	if c, ok := ev["@context"]; ok {
		e.ns.local = epcis.Namespaces(c)
	}
	e.open(typ)
	if alone {
		e.declAt = len(e.b)
	}
	e.b = append(e.b, '>')
	for _, f := range CommonFields {
		if v, ok := ev[f.Name]; ok {
			if err := e.field(f, v); err != nil {
				return err
			}
		}
	}
	for _, f := range fields {
		if v, ok := ev[f.Name]; ok {
			if err := e.field(f, v); err != nil {
				return err
			}
		}
	}
	if err := e.extensions(ev, eventKeys[typ], false); err != nil {
		return err
	}
	e.close(typ)
	e.ns.local = nil
	if alone {
		e.declare()
	}
	return nil
}

// field writes one standard element of an event.
func (e *encoder) field(f Field, v any) error {
	e.push(f.Name)
	defer e.pop()
	switch f.Kind {
	case KindEPCList:
		return e.idList(f.Name, f.Item, v)
	case KindQuantityList:
		return e.quantityList(f, v)
	case KindBizTransactionList:
		return e.typedList(f, v, "bizTransaction", false)
	case KindSourceList:
		return e.typedList(f, v, "source", true)
	case KindDestinationList:
		return e.typedList(f, v, "destination", true)
	case KindLocation:
		return e.location(f.Name, v)
	case KindSensorElementList:
		return e.sensorElementList(v)
	case KindPersistentDisposition:
		return e.persistentDisposition(v)
	case KindErrorDeclaration:
		return e.errorDeclaration(v)
	case KindILMD:
		m, ok := v.(map[string]any)
		if !ok {
			return e.invalid("", "must be an object")
		}
		e.b = append(e.b, "<ilmd>"...)
		if err := e.extensions(m, nil, false); err != nil {
			return err
		}
		e.b = append(e.b, "</ilmd>"...)
		return nil
	}
	// certificationInfo may be a list in JSON; the XSD has room for one.
	// Several are written as repeated elements, which XML readers that
	// follow the XSD strictly refuse, rather than being dropped.
	if list, ok := v.([]any); ok && f.Name == "certificationInfo" {
		for i, x := range list {
			e.pushIndex(i)
			if err := e.simple(f.Name, x); err != nil {
				return err
			}
			e.pop()
		}
		return nil
	}
	if voc, ok := ValueVocab[f.Name]; ok {
		if s, ok := v.(string); ok {
			v = cbvXML(voc, s)
		}
	}
	return e.simple(f.Name, v)
}

// array returns v as an array; object returns an item of one as an
// object (the caller has pushed its index).
func (e *encoder) array(v any) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, e.invalid("", "must be an array")
	}
	return list, nil
}

func (e *encoder) object(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, e.invalid("", "must be an object")
	}
	return m, nil
}

// closed refuses members other than keys in an object whose XSD type has
// no extension point.
func (e *encoder) closed(m map[string]any, keys ...string) error {
	for k := range m {
		if !slices.Contains(keys, k) {
			return e.inexpressible("/"+k, "the XML binding has no place for %q here", k)
		}
	}
	return nil
}

func (e *encoder) quantityList(f Field, v any) error {
	qs, err := e.array(v)
	if err != nil {
		return err
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, f.Name...)
	e.b = append(e.b, '>')
	for i, x := range qs {
		e.pushIndex(i)
		q, err := e.object(x)
		if err != nil {
			return err
		}
		if err := e.closed(q, "epcClass", "quantity", "uom"); err != nil {
			return err
		}
		e.b = append(e.b, "<quantityElement>"...)
		for _, k := range []string{"epcClass", "quantity", "uom"} {
			if x, ok := q[k]; ok {
				e.push(k)
				if err := e.simple(k, x); err != nil {
					return err
				}
				e.pop()
			}
		}
		e.b = append(e.b, "</quantityElement>"...)
		e.pop()
	}
	e.close(f.Name)
	return nil
}

// typedList writes bizTransactionList, sourceList or destinationList:
// <item type="…">id</item>.
func (e *encoder) typedList(f Field, v any, idKey string, typeRequired bool) error {
	voc := ValueVocab[f.Item+"/@type"]
	items, err := e.array(v)
	if err != nil {
		return err
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, f.Name...)
	e.b = append(e.b, '>')
	for i, x := range items {
		e.pushIndex(i)
		it, err := e.object(x)
		if err != nil {
			return err
		}
		if err := e.closed(it, "type", idKey); err != nil {
			return err
		}
		e.open(f.Item)
		if t, ok := it["type"]; ok {
			e.push("type")
			s, ok := t.(string)
			if !ok {
				return e.invalid("", "must be a string")
			}
			if err := e.attr("type", cbvXML(voc, s)); err != nil {
				return err
			}
			e.pop()
		} else if typeRequired {
			return e.invalid("/type", "missing type")
		}
		e.b = append(e.b, '>')
		e.push(idKey)
		s, err := e.scalar(it[idKey])
		if err != nil {
			return err
		}
		if err := e.text(s); err != nil {
			return err
		}
		e.pop()
		e.close(f.Item)
		e.pop()
	}
	e.close(f.Name)
	return nil
}

// location writes readPoint or bizLocation: <id> then extensions.
func (e *encoder) location(name string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return e.invalid("", "must be an object")
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
	if id, ok := m["id"]; ok {
		e.push("id")
		if err := e.simple("id", id); err != nil {
			return err
		}
		e.pop()
	}
	if err := e.extensions(m, locationKeys, false); err != nil {
		return err
	}
	e.close(name)
	return nil
}

func (e *encoder) persistentDisposition(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return e.invalid("", "must be an object")
	}
	if err := e.closed(m, "unset", "set"); err != nil {
		return err
	}
	e.b = append(e.b, "<persistentDisposition>"...)
	for _, k := range []string{"unset", "set"} { // the XSD's order
		x, ok := m[k]
		if !ok {
			continue
		}
		e.push(k)
		list, ok := x.([]any)
		if !ok {
			return e.invalid("", "must be an array")
		}
		for i, d := range list {
			e.pushIndex(i)
			if s, ok := d.(string); ok {
				d = cbvXML(ValueVocab["persistentDisposition"], s)
			}
			if err := e.simple(k, d); err != nil {
				return err
			}
			e.pop()
		}
		e.pop()
	}
	e.b = append(e.b, "</persistentDisposition>"...)
	return nil
}

func (e *encoder) errorDeclaration(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return e.invalid("", "must be an object")
	}
	e.b = append(e.b, "<errorDeclaration>"...)
	for _, f := range ErrorDeclarationFields {
		x, ok := m[f.Name]
		if !ok {
			continue
		}
		e.push(f.Name)
		var err error
		switch {
		case f.Kind == KindEPCList:
			err = e.idList(f.Name, f.Item, x)
		case f.Name == "reason":
			if s, ok := x.(string); ok {
				x = cbvXML(ValueVocab["reason"], s)
			}
			err = e.simple(f.Name, x)
		default:
			err = e.simple(f.Name, x)
		}
		if err != nil {
			return err
		}
		e.pop()
	}
	if err := e.extensions(m, errorDeclarationKeys, false); err != nil {
		return err
	}
	e.b = append(e.b, "</errorDeclaration>"...)
	return nil
}

// sensorReportOrder adds to the table's attributes bizRules, which the
// JSON Schema allows on a sensor report and the XSD's anyAttribute admits.
var sensorReportOrder = func() []string {
	if slices.Contains(SensorReportOrder, "bizRules") {
		return SensorReportOrder
	}
	return append(slices.Clip(SensorReportOrder), "bizRules")
}()

func (e *encoder) sensorElementList(v any) error {
	els, err := e.array(v)
	if err != nil {
		return err
	}
	e.b = append(e.b, "<sensorElementList>"...)
	for i, x := range els {
		e.pushIndex(i)
		el, err := e.object(x)
		if err != nil {
			return err
		}
		e.b = append(e.b, "<sensorElement>"...)
		if md, ok := el["sensorMetadata"]; ok {
			e.push("sensorMetadata")
			if err := e.attrElement("sensorMetadata", md, SensorMetadataOrder); err != nil {
				return err
			}
			e.pop()
		}
		if reps, ok := el["sensorReport"]; ok {
			e.push("sensorReport")
			list, ok := reps.([]any)
			if !ok {
				return e.invalid("", "must be an array")
			}
			for j, r := range list {
				e.pushIndex(j)
				if err := e.attrElement("sensorReport", r, sensorReportOrder); err != nil {
					return err
				}
				e.pop()
			}
			e.pop()
		}
		if err := e.extensions(el, sensorElementKeys, false); err != nil {
			return err
		}
		e.b = append(e.b, "</sensorElement>"...)
		e.pop()
	}
	e.b = append(e.b, "</sensorElementList>"...)
	return nil
}

// attrElement writes sensorMetadata or sensorReport: an empty element whose
// members are all attributes, the standard ones in order, then extension
// members as attributes in their namespaces.
func (e *encoder) attrElement(name string, v any, order []string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return e.invalid("", "must be an object")
	}
	e.open(name)
	for _, k := range order {
		x, ok := m[k]
		if !ok {
			continue
		}
		e.push(k)
		s, err := e.scalar(x)
		if err != nil {
			return err
		}
		if voc, ok := ValueVocab[name+"/@"+k]; ok {
			s = cbvXML(voc, s)
		}
		if err := e.attr(k, s); err != nil {
			return err
		}
		e.pop()
	}
	for _, k := range sortedAnyKeys(m) {
		if slices.Contains(order, k) {
			continue
		}
		if !strings.Contains(k, ":") || strings.HasPrefix(k, "@") {
			return e.invalid("/"+k, "%s has no attribute %q", name, k)
		}
		if err := e.extensionAttr(k, m[k], name); err != nil {
			return err
		}
	}
	e.b = append(e.b, "/>"...)
	return nil
}

// extensionAttr writes member k of an element as an attribute. The XSD
// gives sensorMetadata and sensorReport simple content only, so an object,
// an array or null there has no XML form.
func (e *encoder) extensionAttr(k string, x any, elem string) error {
	e.push(k)
	defer e.pop()
	q, ok := e.ns.qname(k)
	if !ok {
		return e.inexpressible("", "%q is not an XML attribute name", k)
	}
	switch x.(type) {
	case map[string]any, []any, nil:
		return e.inexpressible("", "%s cannot be an XML attribute of %s", jsonKind(x), elem)
	}
	s, err := e.scalar(x)
	if err != nil {
		return err
	}
	return e.attrX(q, s)
}

// extensions writes the members of m not in known as extension elements,
// in key order (JSON objects have none; sorting makes the output
// deterministic). A member without a prefix is refused unless nested is
// set: inside an extension value, unprefixed keys are unqualified XML
// elements, as in GS1's master data example.
func (e *encoder) extensions(m map[string]any, known map[string]bool, nested bool) error {
	var keys []string
	for k := range m {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := e.extension(k, m[k], nested); err != nil {
			return err
		}
	}
	return nil
}

// extension writes one extension member: an array as repeated elements
// (nested arrays flattened: XML cannot tell them apart, nor can the event
// hash), an object as child elements, a string as text, a number or
// boolean as text typed with xsi:type, null as xsi:nil.
func (e *encoder) extension(key string, v any, nested bool) error {
	e.push(key)
	defer e.pop()
	if key == "@context" {
		return nil
	}
	if strings.HasPrefix(key, "@") {
		return e.inexpressible("", "the JSON-LD keyword %s has no XML form here", key)
	}
	if !nested && !strings.Contains(key, ":") {
		return e.invalid("", "%q is neither a field of this EPCIS element nor an extension (prefix:name or an IRI)", key)
	}
	name, ok := e.ns.qname(key)
	if !ok {
		return e.inexpressible("", "%q cannot be an XML element name", key)
	}
	return e.extensionValue(name, v)
}

func (e *encoder) extensionValue(name xname, v any) error {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxDepth {
		return e.invalid("", "extension values nest deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			e.pushIndex(i)
			if err := e.extensionValue(name, item); err != nil {
				return err
			}
			e.pop()
		}
		return nil
	case map[string]any:
		if val, ok := x["@value"]; ok {
			return e.literal(name, x, val)
		}
		if text, ok := x[TextKey]; ok {
			return e.textWithAttrs(name, x, text)
		}
		e.openX(name)
		if len(x) == 0 {
			e.b = append(e.b, "/>"...)
			return nil
		}
		e.b = append(e.b, '>')
		if err := e.extensions(x, nil, true); err != nil {
			return err
		}
		e.closeX(name)
		return nil
	case nil:
		e.openX(name)
		e.b = append(e.b, ' ')
		e.b = append(e.b, e.ns.prefixFor("xsi", NSXSI)...)
		e.b = append(e.b, `:nil="true"/>`...)
		return nil
	}
	s, err := e.scalar(v)
	if err != nil {
		return err
	}
	e.openX(name)
	e.xsiType(xsdType(v, s))
	e.b = append(e.b, '>')
	if err := e.text(s); err != nil {
		return err
	}
	e.closeX(name)
	return nil
}

// textWithAttrs writes an object that the decoder made of an extension
// element with attributes: TextKey holds the text, the other members are
// the attributes.
func (e *encoder) textWithAttrs(name xname, obj map[string]any, text any) error {
	e.openX(name)
	for _, k := range sortedAnyKeys(obj) {
		if k != TextKey {
			if err := e.extensionAttr(k, obj[k], name.local); err != nil {
				return err
			}
		}
	}
	e.push(TextKey)
	defer e.pop()
	s, err := e.scalar(text)
	if err != nil {
		return err
	}
	e.xsiType(xsdType(text, s))
	e.b = append(e.b, '>')
	if err := e.text(s); err != nil {
		return err
	}
	e.closeX(name)
	return nil
}

// xsiType writes the attribute xsi:type="xsd:local" unless local is empty.
func (e *encoder) xsiType(local string) {
	if local == "" {
		return
	}
	e.b = append(e.b, ' ')
	e.b = append(e.b, e.ns.prefixFor("xsi", NSXSI)...)
	e.b = append(e.b, `:type="`...)
	e.b = append(e.b, e.ns.prefixFor("xsd", nsXSD)...)
	e.b = append(e.b, ':')
	e.b = append(e.b, local...)
	e.b = append(e.b, '"')
}

// literal writes a JSON-LD value object {"@value": …, "@type": "xsd:…"}
// as a typed element; other value objects (with @language, or a type
// outside XML Schema) have no XML form.
func (e *encoder) literal(name xname, obj map[string]any, val any) error {
	typ, _ := obj["@type"].(string)
	for k := range obj {
		if k != "@value" && !(k == "@type" && typ != "") {
			return e.inexpressible("/"+k, "a JSON-LD value object with %s has no XML form", k)
		}
	}
	local := ""
	if typ != "" {
		iri := typ
		if p, l, ok := strings.Cut(typ, ":"); ok {
			if full, ok := e.ns.lookup(p); ok {
				iri = full + l
			}
		}
		l, ok := strings.CutPrefix(iri, standardPrefixes["xsd"])
		if !ok || !isNCName(l) {
			return e.inexpressible("/@type", "the datatype %q is not an XML Schema type", typ)
		}
		local = l
	}
	e.push("@value")
	defer e.pop()
	s, err := e.scalar(val)
	if err != nil {
		return err
	}
	if local == "" {
		local = xsdType(val, s)
	}
	e.openX(name)
	e.xsiType(local)
	e.b = append(e.b, '>')
	if err := e.text(s); err != nil {
		return err
	}
	e.closeX(name)
	return nil
}

// xsdType is the XML Schema type that keeps a value's JSON type through
// XML: xsd:integer, xsd:decimal or xsd:double by a number's lexical form,
// xsd:boolean, and xsd:string for a string that would otherwise read back
// as a number or a boolean. Other strings get none.
func xsdType(v any, lexical string) string {
	switch v.(type) {
	case string:
		if isJSONNumber(lexical) || lexical == "true" || lexical == "false" {
			return "string"
		}
		return ""
	case bool:
		return "boolean"
	case json.Number, float64, int, int64:
		switch {
		case strings.ContainsAny(lexical, "eE"):
			return "double"
		case strings.Contains(lexical, "."):
			return "decimal"
		}
		return "integer"
	}
	return ""
}

func sortedAnyKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
