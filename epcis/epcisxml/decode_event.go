package epcisxml

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
)

// event maps one event element of type typ to its JSON-LD object.
func (c *converter) event(e *elem, typ, ptr string) (map[string]any, error) {
	c.at(ptr, e)
	m := map[string]any{"type": typ}
	known := []string(nil)
	if e.parent == nil {
		known = []string{"schemaVersion", "creationDate"} // a bare event carries the document's attributes
	}
	if err := c.otherAttrs(m, e, ptr, known...); err != nil {
		return nil, err
	}
	var (
		seq  []Field // the whole sequence, for messages
		ext  []*elem // extension elements, in document order
		kids = e.kids
		i    int
		err  error
	)
	if c.v12 && typ == "AssociationEvent" {
		return m, c.association12(m, e, ptr)
	}
	if c.v12 {
		l := Layout12[typ]
		seq = append(append(append(append([]Field{}, CommonFields[:3]...), Field{Name: "baseExtension"}), l.Main...), Field{Name: "extension"})
		if i, err = c.seq(m, e, kids, i, CommonFields[:3], ptr, seq); err != nil {
			return nil, err
		}
		if i < len(kids) && epcisElem(kids[i], "baseExtension") {
			if ext, err = c.wrapper(m, kids[i], Base12, typ, ptr, ext); err != nil {
				return nil, err
			}
			i++
		}
		if i, err = c.seq(m, e, kids, i, l.Main, ptr, seq); err != nil {
			return nil, err
		}
		if i < len(kids) && epcisElem(kids[i], "extension") {
			if typ == "TransformationEvent" {
				err = c.later12(m, kids[i], typ, ptr)
			} else {
				ext, err = c.wrapper(m, kids[i], l.Ext, typ, ptr, ext)
			}
			if err != nil {
				return nil, err
			}
			i++
		}
	} else {
		seq = append(append(append(append([]Field{}, CommonFields...), Field{Name: "baseExtension"}), EventFields[typ]...), Field{Name: "extension"})
		if i, err = c.seq(m, e, kids, i, CommonFields, ptr, seq); err != nil {
			return nil, err
		}
		if i < len(kids) && epcisElem(kids[i], "baseExtension") {
			if ext, err = c.wrapper(m, kids[i], nil, typ, ptr, ext); err != nil {
				return nil, err
			}
			i++
		}
		if i, err = c.seq(m, e, kids, i, EventFields[typ], ptr, seq); err != nil {
			return nil, err
		}
		if i < len(kids) && epcisElem(kids[i], "extension") {
			if ext, err = c.wrapper(m, kids[i], nil, typ, ptr, ext); err != nil {
				return nil, err
			}
			i++
		}
	}
	for _, k := range kids[i:] {
		if !foreign(k) {
			return nil, c.stray(k, seq)
		}
		ext = append(ext, k)
	}
	if err := c.extensionMembers(m, ext, ptr); err != nil {
		return nil, err
	}
	return m, nil
}

// wrapper maps an extension wrapper (baseExtension, or a 1.2 event's
// extension): the EPCIS fields it holds in order, an optional empty
// <extension>, then foreign elements, which are appended to ext.
func (c *converter) wrapper(m map[string]any, w *elem, fields []Field, typ, ptr string, ext []*elem) ([]*elem, error) {
	i, err := c.seq(m, w, w.kids, 0, fields, ptr, append(append([]Field{}, fields...), Field{Name: "extension"}))
	if err != nil {
		return nil, err
	}
	if fields != nil && i < len(w.kids) && epcisElem(w.kids[i], "extension") {
		if err := c.later12(m, w.kids[i], typ, ptr); err != nil {
			return nil, err
		}
		i++
	}
	for _, k := range w.kids[i:] {
		if !foreign(k) {
			return nil, c.stray(k, fields)
		}
		ext = append(ext, k)
	}
	if strings.TrimSpace(w.text) != "" {
		return nil, invalid(xpath(w), "text is not allowed in <%s>", w.local)
	}
	return ext, nil
}

// association12 maps an AssociationEvent of a 1.2 document. EPCIS 2.0 puts
// it in EventList/extension/extension, which the 1.2 XSD leaves
// unvalidated (a lax ##local wildcard), and GS1's own examples write its
// elements out of the 2.0 order and its eventID in a 1.2 baseExtension:
// so its elements are taken in any order, each once.
func (c *converter) association12(m map[string]any, e *elem, ptr string) error {
	all := append(append([]Field{}, CommonFields...), EventFields["AssociationEvent"]...)
	var ext []*elem
	for _, k := range e.kids {
		switch {
		case foreign(k):
			ext = append(ext, k)
			continue
		case epcisElem(k, "baseExtension"):
			var err error
			if ext, err = c.wrapper(m, k, nil, "AssociationEvent", ptr, ext); err != nil {
				// a 1.2 baseExtension: eventID, errorDeclaration, then
				// foreign elements.
				if ext, err = c.wrapper(m, k, Base12, "AssociationEvent", ptr, ext); err != nil {
					return err
				}
			}
			continue
		case epcisElem(k, "extension"):
			if err := c.later12(m, k, "AssociationEvent", ptr); err != nil {
				return err
			}
			continue
		}
		var f *Field
		for i := range all {
			if epcisElem(k, all[i].Name) {
				f = &all[i]
			}
		}
		if f == nil {
			return c.stray(k, all)
		}
		if _, dup := m[f.Name]; dup {
			return invalid(xpath(k), "<%s> is given twice", f.Name)
		}
		v, err := c.field(k, *f, c.sub(ptr, f.Name))
		if err != nil {
			return err
		}
		m[f.Name] = v
	}
	for _, f := range all {
		if _, ok := m[f.Name]; f.Required && !ok {
			return invalid(xpath(e), "required element <%s> is missing", f.Name)
		}
	}
	return c.extensionMembers(m, ext, ptr)
}

// later12 maps the innermost <extension> of a 1.2 event, where the EPCIS
// 2.0 standard puts the 2.0 elements a 1.2 document carries
// (sensorElementList, persistentDisposition, certificationInfo, ...): an
// element is taken when it is a 2.0 field of the event that the document
// has not given yet. Anything else there is an unqualified element
// without an IRI, and refused.
func (c *converter) later12(m map[string]any, x *elem, typ, ptr string) error {
	all := append(append([]Field{}, CommonFields...), EventFields[typ]...)
	for _, k := range x.kids {
		var f *Field
		for i := range all {
			if epcisElem(k, all[i].Name) {
				f = &all[i]
			}
		}
		if f == nil {
			return invalid(xpath(k), "<%s> is not an element of EPCIS 2.0 (extension elements must be in a namespace of their own)", k.local)
		}
		if _, dup := m[f.Name]; dup {
			return invalid(xpath(k), "<%s> is given twice", f.Name)
		}
		v, err := c.field(k, *f, c.sub(ptr, f.Name))
		if err != nil {
			return err
		}
		m[f.Name] = v
	}
	if strings.TrimSpace(x.text) != "" {
		return invalid(xpath(x), "text is not allowed in <extension>")
	}
	return nil
}

// seq maps kids[i:] against fields, an xsd:sequence, and returns the index
// of the first child it did not take. all is the enclosing sequence, for
// the messages.
func (c *converter) seq(m map[string]any, parent *elem, kids []*elem, i int, fields []Field, ptr string, all []Field) (int, error) {
	for _, f := range fields {
		if i < len(kids) && epcisElem(kids[i], f.Name) {
			v, err := c.field(kids[i], f, c.sub(ptr, f.Name))
			if err != nil {
				return i, err
			}
			m[f.Name] = v
			i++
			continue
		}
		if f.Required {
			for _, k := range kids[i:] {
				if epcisElem(k, f.Name) {
					return i, invalid(xpath(k), "<%s> is out of order: the XSD's sequence is %s", f.Name, names(all))
				}
			}
			return i, invalid(xpath(parent), "required element <%s> is missing", f.Name)
		}
	}
	return i, nil
}

// stray explains an EPCIS-namespace or unqualified element that the
// sequence did not take.
func (c *converter) stray(k *elem, all []Field) error {
	if k.ns == "" {
		for _, f := range all {
			if f.Name == k.local {
				return invalid(xpath(k), "<%s> is out of order or repeated: the XSD's sequence is %s", k.local, names(all))
			}
		}
	}
	return invalid(xpath(k), "unknown element <%s>: extension elements must be in a namespace of their own (xsd:any namespace=\"##other\")", k.local)
}

func names(fs []Field) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
	}
	return b.String()
}

// field maps one EPCIS element by its kind.
func (c *converter) field(e *elem, f Field, ptr string) (any, error) {
	c.at(ptr, e)
	if f.Kind != KindILMD && f.Kind != KindErrorDeclaration {
		// Only those two types have xsd:anyAttribute; the others take
		// no attributes (typed lists carry theirs on the items).
		for _, a := range e.attrs {
			if a.Name.Space != NSXSI {
				return nil, invalid(xpath(e)+"/@"+a.Name.Local, "<%s> takes no attributes", e.local)
			}
		}
	}
	switch f.Kind {
	case KindEPCList:
		return c.textList(e, f.Item, ptr, KindURI)
	case KindQuantityList:
		return c.quantityList(e, ptr)
	case KindBizTransactionList, KindSourceList, KindDestinationList:
		return c.typedList(e, f, ptr)
	case KindLocation:
		return c.location(e, ptr)
	case KindSensorElementList:
		return c.sensorElementList(e, ptr)
	case KindPersistentDisposition:
		return c.persistentDisposition(e, ptr)
	case KindErrorDeclaration:
		return c.errorDeclaration(e, ptr)
	case KindILMD:
		m := map[string]any{}
		kids := e.kids
		if len(kids) > 0 && epcisElem(kids[0], "extension") {
			if err := c.emptyExtension(kids[0]); err != nil {
				return nil, err
			}
			kids = kids[1:]
		}
		for _, k := range kids {
			if !foreign(k) {
				return nil, c.stray(k, []Field{{Name: "extension"}})
			}
		}
		if err := c.otherAttrs(m, e, ptr); err != nil {
			return nil, err
		}
		return m, c.extensionMembers(m, kids, ptr)
	}
	s, err := c.leaf(e)
	if err != nil {
		return nil, err
	}
	v, err := simple(e, s, f.Kind, f.Name)
	if err != nil {
		return nil, err
	}
	return bare(f.Name, v), nil
}

// bare writes a standard CBV value as JSON-LD does, as its bare word.
func bare(key string, v any) any {
	if voc, ok := ValueVocab[key]; ok {
		if s, ok := v.(string); ok {
			return cbv.Format(voc, s, cbv.BareWord)
		}
	}
	return v
}

// leaf is the text of an element that may hold no elements.
func (c *converter) leaf(e *elem) (string, error) {
	if len(e.kids) > 0 {
		return "", invalid(xpath(e.kids[0]), "<%s> holds text only, not <%s>", e.local, e.kids[0].local)
	}
	for _, a := range e.attrs {
		if a.Name.Space != NSXSI {
			return "", invalid(xpath(e)+"/@"+a.Name.Local, "<%s> takes no attributes", e.local)
		}
	}
	return e.text, nil
}

// simple checks and converts the text of a simple type.
func simple(e *elem, s string, k Kind, name string) (any, error) {
	return simpleAt(e, "", s, k, name)
}

// simpleAt is simple for the attribute attr of e ("" for e's text); the
// location is computed only on error.
func simpleAt(e *elem, attr, s string, k Kind, name string) (any, error) {
	where := func() string {
		if attr != "" {
			return xpath(e) + "/@" + attr
		}
		return xpath(e)
	}
	s = strings.TrimSpace(s)
	switch k {
	case KindURI:
		if s == "" {
			return nil, invalid(where(), "<%s> must not be empty", name)
		}
		if strings.ContainsAny(s, " \t\r\n") {
			return nil, invalid(where(), "<%s> %q is not a URI (it contains white space)", name, s)
		}
	case KindTime:
		if _, err := epcis.ParseTime(s); err != nil {
			return nil, invalid(where(), "<%s> %q is not an xsd:dateTime with a time zone (e.g. 2024-03-01T10:00:00.000+01:00)", name, s)
		}
	case KindOffset:
		if !epcis.ValidOffset(s) {
			return nil, invalid(where(), "<%s> %q is not a time zone offset (+hh:mm or -hh:mm)", name, s)
		}
	case KindAction:
		if s != "ADD" && s != "OBSERVE" && s != "DELETE" {
			return nil, invalid(where(), "<action> %q is not ADD, OBSERVE or DELETE", s)
		}
	case KindDecimal:
		n, ok := decimal(s)
		if !ok {
			return nil, invalid(where(), "<%s> %q is not an xsd:decimal", name, s)
		}
		return n, nil
	case KindDouble:
		n, ok := double(s)
		if !ok {
			return nil, invalid(where(), "%s %q is not a finite xsd:double", name, s)
		}
		return n, nil
	case KindBool:
		switch s {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, invalid(where(), "%s %q is not an xsd:boolean", name, s)
	case KindHex:
		if len(s)%2 != 0 || strings.Trim(s, "0123456789abcdefABCDEF") != "" {
			return nil, invalid(where(), "%s %q is not xsd:hexBinary", name, s)
		}
	}
	return s, nil
}

// decimal checks the lexical form of xsd:decimal and returns it as a JSON
// number: no "+", no superfluous leading zeros, "0" before a leading ".",
// nothing after a trailing ".".
func decimal(s string) (json.Number, bool) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasDot && frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return json.Number(out), true
}

// double checks xsd:double and returns a JSON number. INF and NaN have no
// JSON form and are refused.
func double(s string) (json.Number, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "" || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") ||
		strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") || strings.EqualFold(s, "nan") {
		return "", false
	}
	if isJSONNumber(s) {
		return json.Number(s), true
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether s is a number in JSON's grammar (RFC 8259:
// no "+", no leading zeros) that fits a float64.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// scalar is the JSON value of the text of an extension element: a JSON
// number when the text is one, else the text.
func scalar(s string) any {
	s = strings.TrimSpace(s)
	if isJSONNumber(s) {
		return json.Number(s)
	}
	return s
}

// textList maps a list of text elements named item (epc, id,
// correctiveEventID) to an array of strings.
func (c *converter) textList(e *elem, item, ptr string, k Kind) ([]any, error) {
	if strings.TrimSpace(e.text) != "" {
		return nil, invalid(xpath(e), "text is not allowed in <%s>, only <%s> elements", e.local, item)
	}
	out := make([]any, 0, len(e.kids))
	for i, x := range e.kids {
		if !epcisElem(x, item) {
			return nil, invalid(xpath(x), "<%s> is not expected in <%s>, only <%s>", x.local, e.local, item)
		}
		c.at(c.subi(ptr, i), x)
		s, err := c.leaf(x)
		if err != nil {
			return nil, err
		}
		v, err := simple(x, s, k, item)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (c *converter) quantityList(e *elem, ptr string) ([]any, error) {
	out := make([]any, 0, len(e.kids))
	for i, q := range e.kids {
		if !epcisElem(q, "quantityElement") {
			return nil, invalid(xpath(q), "<%s> is not expected in <%s>, only <quantityElement>", q.local, e.local)
		}
		qp := c.subi(ptr, i)
		c.at(qp, q)
		m := map[string]any{}
		kids := q.kids
		if len(kids) == 0 || !epcisElem(kids[0], "epcClass") {
			return nil, c.unexpected(q, kids, 0, "epcClass")
		}
		j := 0
		for _, f := range []Field{{Name: "epcClass", Kind: KindURI}, {Name: "quantity", Kind: KindDecimal}, {Name: "uom", Kind: KindString}} {
			if j >= len(kids) || !epcisElem(kids[j], f.Name) {
				continue
			}
			k := kids[j]
			c.at(c.sub(qp, f.Name), k)
			j++
			if f.Name == "quantity" && nilled(k) {
				continue // xsi:nil: the quantity is unknown, as if absent
			}
			s, err := c.leaf(k)
			if err != nil {
				return nil, err
			}
			v, err := simple(k, s, f.Kind, f.Name)
			if err != nil {
				return nil, err
			}
			if f.Name == "uom" {
				if _, ok := m["quantity"]; !ok && !hasKid(kids, "quantity") {
					return nil, invalid(xpath(k), "<uom> needs a <quantity> before it")
				}
			}
			m[f.Name] = v
		}
		if j < len(kids) {
			return nil, invalid(xpath(kids[j]), "<%s> is not expected in <quantityElement> (epcClass, quantity, uom)", kids[j].local)
		}
		out = append(out, m)
	}
	return out, nil
}

func hasKid(kids []*elem, name string) bool {
	for _, k := range kids {
		if epcisElem(k, name) {
			return true
		}
	}
	return false
}

// NSXSD is the namespace of XML Schema's built-in types (xsi:type values).
const NSXSD = "http://www.w3.org/2001/XMLSchema"

// typedScalar reads an extension element's text by its xsi:type when it
// names a built-in XML Schema type (as the encoder writes it): a string
// type keeps "10" a string, xsd:boolean gives a JSON boolean, a numeric
// type a number; without one, by its form (scalar).
func typedScalar(e *elem, text string) any {
	for _, a := range e.attrs {
		if a.Name.Space != NSXSI || a.Name.Local != "type" {
			continue
		}
		prefix, local, ok := strings.Cut(strings.TrimSpace(a.Value), ":")
		if !ok {
			prefix, local = "", prefix
		}
		if ns, ok := e.resolve(prefix, true); !ok || ns != NSXSD {
			break
		}
		switch local {
		case "boolean":
			switch text {
			case "true", "1":
				return true
			case "false", "0":
				return false
			}
		case "integer", "int", "long", "short", "byte", "decimal", "double", "float",
			"nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
			"unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte":
			if isJSONNumber(text) {
				return json.Number(text)
			}
		default:
			return text // string, anyURI, dateTime, ...: text as written
		}
		return text
	}
	return scalar(text)
}

func nilled(e *elem) bool {
	for _, a := range e.attrs {
		if a.Name.Space == NSXSI && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// typedList maps bizTransactionList, sourceList and destinationList:
// <item type="t">value</item> -> {"type": t, item: value}.
func (c *converter) typedList(e *elem, f Field, ptr string) ([]any, error) {
	if len(e.kids) == 0 {
		return nil, invalid(xpath(e), "<%s> needs at least one <%s>", e.local, f.Item)
	}
	out := make([]any, 0, len(e.kids))
	for i, x := range e.kids {
		if !epcisElem(x, f.Item) {
			return nil, invalid(xpath(x), "<%s> is not expected in <%s>, only <%s>", x.local, e.local, f.Item)
		}
		c.at(c.subi(ptr, i), x)
		if len(x.kids) > 0 {
			return nil, invalid(xpath(x.kids[0]), "<%s> holds text only", f.Item)
		}
		v, err := simple(x, x.text, KindURI, f.Item)
		if err != nil {
			return nil, err
		}
		m := map[string]any{f.Item: v}
		typ, ok := attr(x, "type")
		if ok {
			t, err := simple(x, typ, KindURI, f.Item+"/@type")
			if err != nil {
				return nil, err
			}
			m["type"] = bare(f.Item+"/@type", t)
		} else if f.Kind != KindBizTransactionList {
			return nil, invalid(xpath(x), "attribute type is required on <%s>", f.Item)
		}
		for _, a := range x.attrs {
			if a.Name.Space == "" && a.Name.Local == "type" || a.Name.Space == NSXSI {
				continue
			}
			return nil, invalid(xpath(x)+"/@"+a.Name.Local, "attribute %s is not defined on <%s>", a.Name.Local, f.Item)
		}
		out = append(out, m)
	}
	return out, nil
}

// location maps readPoint and bizLocation: id, an optional empty
// extension, then extension elements as members.
func (c *converter) location(e *elem, ptr string) (map[string]any, error) {
	kids := e.kids
	if len(kids) == 0 || !epcisElem(kids[0], "id") {
		return nil, c.unexpected(e, kids, 0, "id")
	}
	c.at(c.sub(ptr, "id"), kids[0])
	s, err := c.leaf(kids[0])
	if err != nil {
		return nil, err
	}
	id, err := simple(kids[0], s, KindURI, "id")
	if err != nil {
		return nil, err
	}
	m := map[string]any{"id": id}
	kids = kids[1:]
	if len(kids) > 0 && epcisElem(kids[0], "extension") {
		if err := c.emptyExtension(kids[0]); err != nil {
			return nil, err
		}
		kids = kids[1:]
	}
	for _, k := range kids {
		if !foreign(k) {
			return nil, c.stray(k, []Field{{Name: "id"}, {Name: "extension"}})
		}
	}
	return m, c.extensionMembers(m, kids, ptr)
}

func (c *converter) persistentDisposition(e *elem, ptr string) (map[string]any, error) {
	m := map[string]any{}
	var unset, set []any
	seenSet := false
	for _, k := range e.kids {
		if !epcisElem(k, "set") && !epcisElem(k, "unset") {
			return nil, invalid(xpath(k), "<%s> is not expected in <persistentDisposition> (unset, then set)", k.local)
		}
		if k.local == "unset" && seenSet {
			return nil, invalid(xpath(k), "<unset> is out of order: the XSD's sequence is unset*, set*")
		}
		s, err := c.leaf(k)
		if err != nil {
			return nil, err
		}
		v, err := simple(k, s, KindURI, k.local)
		if err != nil {
			return nil, err
		}
		v = bare("persistentDisposition", v)
		if k.local == "set" {
			seenSet = true
			c.at(c.subi(c.sub(ptr, "set"), len(set)), k)
			set = append(set, v)
		} else {
			c.at(c.subi(c.sub(ptr, "unset"), len(unset)), k)
			unset = append(unset, v)
		}
	}
	if unset != nil {
		m["unset"] = unset
	}
	if set != nil {
		m["set"] = set
	}
	return m, nil
}

// errorDeclaration maps errorDeclaration. EPCIS 2.0 makes its content an
// unordered choice; 1.2 a sequence. Each EPCIS element may appear once.
func (c *converter) errorDeclaration(e *elem, ptr string) (map[string]any, error) {
	m := map[string]any{}
	var ext []*elem
	order := 0
	for _, k := range e.kids {
		if foreign(k) {
			ext = append(ext, k)
			continue
		}
		pos := -1
		for j, f := range ErrorDeclarationFields {
			if epcisElem(k, f.Name) {
				pos = j
			}
		}
		if epcisElem(k, "extension") {
			if err := c.emptyExtension(k); err != nil {
				return nil, err
			}
			continue
		}
		if pos < 0 {
			return nil, c.stray(k, append(ErrorDeclarationFields, Field{Name: "extension"}))
		}
		f := ErrorDeclarationFields[pos]
		if _, dup := m[f.Name]; dup {
			return nil, invalid(xpath(k), "<%s> is repeated", f.Name)
		}
		if c.v12 && (pos < order || len(ext) > 0) {
			return nil, invalid(xpath(k), "<%s> is out of order: the XSD's sequence is declarationTime, reason, correctiveEventIDs, extension", f.Name)
		}
		order = pos
		v, err := c.field(k, f, c.sub(ptr, f.Name))
		if err != nil {
			return nil, err
		}
		m[f.Name] = v
	}
	if _, ok := m["declarationTime"]; !ok {
		return nil, invalid(xpath(e), "required element <declarationTime> is missing")
	}
	if err := c.otherAttrs(m, e, ptr); err != nil {
		return nil, err
	}
	return m, c.extensionMembers(m, ext, ptr)
}

func (c *converter) sensorElementList(e *elem, ptr string) ([]any, error) {
	if len(e.kids) == 0 {
		return nil, invalid(xpath(e), "<sensorElementList> needs at least one <sensorElement>")
	}
	out := make([]any, 0, len(e.kids))
	for i, se := range e.kids {
		if !epcisElem(se, "sensorElement") {
			if epcisElem(se, "extension") && i == len(e.kids)-1 && i > 0 {
				if err := c.emptyExtension(se); err != nil {
					return nil, err
				}
				continue
			}
			return nil, invalid(xpath(se), "<%s> is not expected in <sensorElementList>, only <sensorElement>", se.local)
		}
		sp := c.subi(ptr, i)
		c.at(sp, se)
		m := map[string]any{}
		kids := se.kids
		if len(kids) > 0 && epcisElem(kids[0], "sensorMetadata") {
			md, err := c.sensorAttrs(kids[0], SensorMetadataAttrs, c.sub(sp, "sensorMetadata"))
			if err != nil {
				return nil, err
			}
			m["sensorMetadata"] = md
			kids = kids[1:]
		}
		var reports []any
		for len(kids) > 0 && epcisElem(kids[0], "sensorReport") {
			r, err := c.sensorAttrs(kids[0], SensorReportAttrs, c.subi(c.sub(sp, "sensorReport"), len(reports)))
			if err != nil {
				return nil, err
			}
			reports = append(reports, r)
			kids = kids[1:]
		}
		if reports == nil {
			return nil, c.unexpected(se, kids, 0, "sensorReport")
		}
		m["sensorReport"] = reports
		if len(kids) > 0 && epcisElem(kids[0], "extension") {
			if err := c.emptyExtension(kids[0]); err != nil {
				return nil, err
			}
			kids = kids[1:]
		}
		for _, k := range kids {
			if !foreign(k) {
				return nil, c.stray(k, []Field{{Name: "sensorMetadata"}, {Name: "sensorReport"}, {Name: "extension"}})
			}
		}
		if err := c.extensionMembers(m, kids, sp); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// sensorAttrs maps sensorMetadata and sensorReport, whose data are
// attributes, typed by the XSD. Foreign attributes become "prefix:name"
// members.
func (c *converter) sensorAttrs(e *elem, types map[string]Kind, ptr string) (map[string]any, error) {
	c.at(ptr, e)
	if len(e.kids) > 0 {
		return nil, invalid(xpath(e.kids[0]), "<%s> takes attributes only, not <%s>", e.local, e.kids[0].local)
	}
	if strings.TrimSpace(e.text) != "" {
		return nil, invalid(xpath(e), "<%s> takes attributes only, not text", e.local)
	}
	m := map[string]any{}
	for _, a := range e.attrs {
		if a.Name.Space == "" {
			k, ok := types[a.Name.Local]
			if !ok {
				// xsd:anyAttribute admits undefined unqualified
				// attributes (GS1's examples put bizRules on
				// sensorReport); they are kept as strings.
				m[a.Name.Local] = strings.TrimSpace(a.Value)
				continue
			}
			if k == KindString {
				m[a.Name.Local] = a.Value // xsd:string: kept as written
				continue
			}
			v, err := simpleAt(e, a.Name.Local, a.Value, k, "@"+a.Name.Local)
			if err != nil {
				return nil, err
			}
			m[a.Name.Local] = bare(e.local+"/@"+a.Name.Local, v)
			continue
		}
		if err := c.foreignAttr(m, e, a, ptr); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// extensionMembers adds extension elements to m as "prefix:name" members
// (an unqualified element nested in an extension keeps its bare name).
// Siblings of the same name become an array, in document order.
func (c *converter) extensionMembers(m map[string]any, kids []*elem, ptr string) error {
	if len(kids) == 0 {
		return nil
	}
	keys := make([]string, len(kids))
	count := map[string]int{}
	for i, k := range kids {
		keys[i] = c.key(k)
		count[keys[i]]++
	}
	seen := map[string]int{}
	for i, k := range kids {
		key := keys[i]
		if _, dup := m[key]; dup && seen[key] == 0 {
			return invalid(xpath(k), "<%s> gives the member %q twice", k.local, key)
		}
		kp := c.sub(ptr, key)
		if count[key] > 1 {
			kp = c.subi(kp, seen[key])
		}
		v, err := c.extValue(k, kp)
		if err != nil {
			return err
		}
		if count[key] > 1 {
			if seen[key] == 0 {
				m[key] = make([]any, 0, count[key])
				c.at(c.sub(ptr, key), k)
			}
			m[key] = append(m[key].([]any), v)
		} else {
			m[key] = v
		}
		seen[key]++
	}
	return nil
}

func (c *converter) key(e *elem) string {
	if e.ns == "" {
		return e.local
	}
	return c.prefix(e.ns) + ":" + e.local
}

// TextKey is the member that holds the text of an extension element that
// also has attributes.
const TextKey = "#text"

// extValue maps the content of an extension element: its text (a JSON
// number when it is one), or an object of its attributes and children.
func (c *converter) extValue(e *elem, ptr string) (any, error) {
	c.at(ptr, e)
	var attrs []int
	for i, a := range e.attrs {
		if a.Name.Space != NSXSI {
			attrs = append(attrs, i)
		}
	}
	text := strings.TrimSpace(e.text)
	if len(e.kids) == 0 && len(attrs) == 0 {
		if nilled(e) {
			return nil, nil
		}
		return typedScalar(e, text), nil
	}
	m := map[string]any{}
	for _, i := range attrs {
		a := e.attrs[i]
		key := a.Name.Local
		if a.Name.Space != "" {
			key = c.prefix(a.Name.Space) + ":" + key
		}
		m[key] = scalar(a.Value)
		c.at(c.sub(ptr, key), e)
	}
	if len(e.kids) > 0 {
		if text != "" {
			return nil, invalid(xpath(e), "mixed content (text beside elements) in <%s> has no JSON-LD form", e.local)
		}
		if err := c.extensionMembers(m, e.kids, ptr); err != nil {
			return nil, err
		}
	} else if text != "" {
		m[TextKey] = scalar(text)
	}
	return m, nil
}
