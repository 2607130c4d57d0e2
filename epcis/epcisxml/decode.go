package epcisxml

import (
	"encoding/xml"
	"strconv"
	"strings"
	"sync"

	"github.com/lotline/lotline/epcis"
)

// Decoded is an XML EPCIS document or event turned into the JSON-LD tree.
type Decoded struct {
	// Tree is the JSON-LD form: map[string]any, []any, string,
	// json.Number, bool and nil, as epcis.DecodeJSON returns.
	Tree any
	// Root is EPCISDocument, EPCISQueryDocument, or the event type of a
	// bare event element.
	Root string
	// Version is the EPCIS version of the source, "2.0" or "1.2". The tree
	// is EPCIS 2.0 either way.
	Version string

	data []byte
	lim  Limits
	once sync.Once
	mu   sync.Mutex
	conv *converter // the second decoding, recording locations
}

// Decode reads an EPCIS 2.0 or 1.2 XML document (or one bare event) into
// the JSON-LD tree Lotline captures. It enforces the XSD's content models
// and simple types for the EPCIS elements; every error is an *epcis.Error
// of kind KindValidation whose Pointer is the XPath-like location of the
// offending element. The Decoded keeps data, which XPath reads again:
// the caller must not change it afterwards.
func Decode(data []byte, lim Limits) (*Decoded, error) {
	lim = lim.withDefaults()
	d := &Decoded{data: data, lim: lim}
	c, err := run(data, lim, false)
	if err != nil {
		return nil, err
	}
	d.Tree, d.Root, d.Version = c.tree, c.root, c.version
	return d, nil
}

// XPath gives the XPath-like location in the source of a JSON pointer into
// Tree, such as /epcisBody/eventList/3/epcList/1 ->
// /EPCISDocument/EPCISBody/EventList/ObjectEvent[4]/epcList/epc[2]. A
// pointer to a value the XML did not hold (or to a part of one) falls back
// to its nearest ancestor that has a location. The table is built on the
// first call, by decoding the source again, so Decode pays nothing for it;
// each event's part of it is built when a pointer into the event is first
// asked for. XPath is safe for concurrent use.
func (d *Decoded) XPath(pointer string) string {
	d.once.Do(func() {
		if c, err := run(d.data, d.lim, true); err == nil {
			d.conv = c
		}
	})
	c := d.conv
	if c == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if rest, ok := strings.CutPrefix(pointer, c.listPtr+"/"); ok && c.listPtr != "" {
		n, _, _ := strings.Cut(rest, "/")
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(c.lazy) && !c.lazy[i].done {
			le := &c.lazy[i]
			le.done = true
			c.event(le.e, le.typ, le.ptr) // records its locations; it decoded before
		}
	}
	for p := pointer; ; {
		if x, ok := c.paths[p]; ok {
			return x
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return c.paths[""]
		}
		p = p[:i]
	}
}

// lazyEvent is an event whose locations are recorded only when asked for.
type lazyEvent struct {
	e        *elem
	typ, ptr string
	done     bool
}

func run(data []byte, lim Limits, record bool) (*converter, error) {
	p := &parser{lim: lim, declared: map[string][]string{}, pairs: map[[2]string]bool{}, prefixes: map[string]bool{}}
	c := &converter{declared: p.declared, prefixes: p.prefixes, used: map[string]string{}, taken: map[string]string{}, record: record}
	if record {
		c.paths = map[string]string{}
		c.xpaths = map[*elem]string{}
		c.siblings = map[*elem]sibling{}
	}
	p.onRoot, p.onEnd = c.begin, c.ended
	root, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	if err := c.top(root); err != nil {
		return nil, err
	}
	return c, nil
}

type converter struct {
	declared map[string][]string // namespace -> prefixes declared in the source
	prefixes map[string]bool     // every prefix declared in the source
	invented int                 // the last ns<N> prefix tried
	used     map[string]string   // namespace -> prefix used in the tree
	taken    map[string]string   // prefix -> namespace
	v12      bool
	record   bool
	paths    map[string]string // JSON pointer -> XPath, when recording
	lazy     []lazyEvent       // the events of the list, when recording
	xpaths   map[*elem]string
	siblings map[*elem]sibling

	tree    any
	root    string
	version string

	// Events are mapped as they end (see ended) when the root is a
	// document: rootElem is its element, listPtr the JSON pointer of its
	// event list, counts the events mapped per EventList.
	rootElem *elem
	listPtr  string
	counts   map[*elem]int
	stream   bool
}

// begin reads the root's start tag: the version, and whether events are
// to be mapped as they end.
func (c *converter) begin(e *elem) error {
	c.version = "2.0"
	if e.ns == NSEPCIS12 || e.ns == NSQuery12 {
		c.v12, c.version = true, "1.2"
		// Drafts of EPCIS 2.0 kept the 1.x namespace with schemaVersion
		// 2.0 and the 2.0 layout (the event hash generator's test
		// documents are written so): the version attribute decides the
		// layout then.
		if v, ok := attr(e, "schemaVersion"); ok && strings.HasPrefix(strings.TrimSpace(v), "2") {
			c.v12, c.version = false, "2.0"
		}
	}
	switch {
	case e.local == "EPCISDocument" && (e.ns == NSEPCIS2 || e.ns == NSEPCIS12):
		c.listPtr = "/epcisBody/eventList"
	case e.local == "EPCISQueryDocument" && (e.ns == NSQuery2 || e.ns == NSQuery12):
		c.listPtr = "/epcisBody/queryResults/resultsBody/eventList"
	default:
		return nil // a bare event, or no EPCIS document (top says so)
	}
	c.rootElem = e
	c.counts = map[*elem]int{}
	// The XPath table is built once the whole tree is read, so that
	// positions among siblings are final.
	c.stream = !c.record
	return nil
}

// isEventList reports whether l is the event list of the document:
// EPCISBody/EventList, or EPCISBody/QueryResults/resultsBody/EventList.
func (c *converter) isEventList(l *elem) bool {
	if l == nil || !epcisElem(l, "EventList") || l.parent == nil {
		return false
	}
	b := l.parent
	if epcisElem(b, "resultsBody") && b.parent != nil && b.parent.local == "QueryResults" {
		b = b.parent.parent
	}
	return b != nil && epcisElem(b, "EPCISBody") && b.parent == c.rootElem
}

// ended maps an event as soon as its end tag is read and drops its
// elements; eventList later collects the mapped events in order. Other
// children of the event list are refused at once.
func (c *converter) ended(e *elem) error {
	if !c.stream || e.parent == nil {
		return nil
	}
	p := e.parent
	var list *elem
	switch {
	case c.isEventList(p):
		if err := c.listItem(e); err != nil || e.local == "extension" {
			return err
		}
		list = p
	case c.v12 && epcisElem(e, "TransformationEvent") && epcisElem(p, "extension") && c.isEventList(p.parent):
		list = p.parent
	case c.v12 && epcisElem(e, "AssociationEvent") && epcisElem(p, "extension") && p.parent != nil &&
		epcisElem(p.parent, "extension") && c.isEventList(p.parent.parent):
		list = p.parent.parent
	default:
		return nil
	}
	v, err := c.event(e, e.local, c.subi(c.listPtr, c.counts[list]))
	if err != nil {
		return err
	}
	c.counts[list]++
	e.value, e.kids = v, nil
	return nil
}

// listItem refuses a child of EventList that is neither an event of the
// document's version nor an extension.
func (c *converter) listItem(k *elem) error {
	switch {
	case k.ns != "":
		return invalid(xpath(k), "<%s> is not an EPCIS event", k.local)
	case k.local == "extension":
		return nil
	case k.local == "QuantityEvent" && c.v12:
		return invalid(xpath(k), "QuantityEvent (deprecated in EPCIS 1.1, removed in 2.0) is not accepted: send an ObjectEvent with a quantityList")
	case isEventType(k.local) && (k.local != "TransformationEvent" && k.local != "AssociationEvent" || !c.v12):
		return nil
	}
	return invalid(xpath(k), "<%s> is not an EPCIS %s event", k.local, c.version)
}

func (c *converter) at(ptr string, e *elem) {
	if c.record {
		c.paths[ptr] = c.xpath(e)
	}
}

// xpath is the XPath of e, memoised while the XPath table is built.
func (c *converter) xpath(e *elem) string {
	if x, ok := c.xpaths[e]; ok {
		return x
	}
	x := "/" + step(e, c.siblings)
	if e.parent != nil {
		x = c.xpath(e.parent) + x
	}
	c.xpaths[e] = x
	return x
}

// sub extends a JSON pointer; only while recording locations.
func (c *converter) sub(ptr, key string) string {
	if !c.record {
		return ""
	}
	return ptr + "/" + pointerEscaper.Replace(key)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func (c *converter) subi(ptr string, i int) string {
	if !c.record {
		return ""
	}
	return ptr + "/" + strconv.Itoa(i)
}

// prefix is the prefix a namespace gets in the tree's keys and @context:
// the first one the document declared for it that is not already taken
// by another namespace, else an invented ns1, ns2, ...
func (c *converter) prefix(ns string) string {
	if p, ok := c.used[ns]; ok {
		return p
	}
	if p := contextPrefix(ns); p != "" {
		return p
	}
	choose := ""
	for _, p := range c.declared[ns] {
		if p == "" {
			continue
		}
		if _, busy := c.taken[p]; !busy && ContextPrefixes[p] == "" {
			choose = p
			break
		}
	}
	for choose == "" {
		c.invented++
		p := "ns" + strconv.Itoa(c.invented)
		if _, busy := c.taken[p]; !busy && !c.prefixes[p] {
			choose = p
		}
	}
	c.used[ns] = choose
	c.taken[choose] = ns
	return choose
}

// contextPrefix is the prefix the EPCIS context defines for ns, if any.
func contextPrefix(ns string) string {
	trim := func(s string) string { return strings.TrimRight(s, "#:/") }
	for p, iri := range ContextPrefixes {
		if trim(iri) == trim(ns) {
			return p
		}
	}
	return ""
}

// context is the @context of the tree: the standard's, then the prefixes
// of the extension namespaces used.
func (c *converter) context() []any {
	ctx := []any{epcis.StandardContext}
	if len(c.used) > 0 {
		m := make(map[string]any, len(c.used))
		for ns, p := range c.used {
			m[p] = ns
		}
		ctx = append(ctx, m)
	}
	return ctx
}

// top dispatches on the root element.
func (c *converter) top(e *elem) error {
	switch e.ns {
	case NSEPCIS12, NSQuery12, NSEPCIS2, NSQuery2, "":
	default:
		return invalid(xpath(e), "<%s> in namespace %q is not an EPCIS document: the root must be EPCISDocument in %s or %s", e.local, e.ns, NSEPCIS2, NSEPCIS12)
	}
	c.at("", e)
	switch {
	case e.local == "EPCISDocument" && (e.ns == NSEPCIS2 || e.ns == NSEPCIS12):
		c.root = "EPCISDocument"
		m, err := c.document(e, false)
		if err != nil {
			return err
		}
		c.tree = m
	case e.local == "EPCISQueryDocument" && (e.ns == NSQuery2 || e.ns == NSQuery12):
		c.root = "EPCISQueryDocument"
		m, err := c.document(e, true)
		if err != nil {
			return err
		}
		c.tree = m
	case isEventType(e.local) && (e.ns == "" || e.ns == NSEPCIS2):
		// A bare event, as POST /events takes it (the openepcis fixtures
		// write it unqualified, with the document's attributes).
		// Its layout is not named by a namespace: 2.0 is tried, then 1.2.
		c.root = e.local
		ev, err := c.event(e, e.local, "")
		if err != nil && e.ns == "" {
			c.v12, c.version = true, "1.2"
			var err12 error
			if ev, err12 = c.event(e, e.local, ""); err12 != nil {
				return err // the 2.0 reading's complaint
			}
			err = nil
		}
		if err != nil {
			return err
		}
		ev["@context"] = c.context()
		c.tree = ev
	default:
		return invalid(xpath(e), "<%s> is not an EPCIS document: the root must be EPCISDocument, EPCISQueryDocument or an event", e.local)
	}
	return nil
}

func isEventType(s string) bool {
	for _, t := range EventTypes {
		if s == t {
			return true
		}
	}
	return false
}

// epcisElem reports whether e is an element of the EPCIS vocabulary named
// name: EPCIS elements below the root are unqualified
// (elementFormDefault="unqualified").
func epcisElem(e *elem, name string) bool {
	return e.local == name && e.ns == ""
}

// foreign reports whether e is an extension element (##other): in a
// namespace, and not in an EPCIS one.
func foreign(e *elem) bool {
	return e.ns != "" && !isEPCISNS(e.ns)
}

// document maps EPCISDocument and EPCISQueryDocument.
func (c *converter) document(e *elem, query bool) (map[string]any, error) {
	m := map[string]any{}
	typ := "EPCISDocument"
	if query {
		typ = "EPCISQueryDocument"
	}
	m["type"] = typ
	m["schemaVersion"] = "2.0"
	var sawVersion, sawDate bool
	for _, a := range e.attrs {
		switch {
		case a.Name.Space == "" && a.Name.Local == "schemaVersion":
			sawVersion = true
			v := strings.TrimSpace(a.Value)
			if _, ok := decimal(v); !ok {
				return nil, invalid(xpath(e)+"/@schemaVersion", "schemaVersion %q is not a decimal", a.Value)
			}
		case a.Name.Space == "" && a.Name.Local == "creationDate":
			sawDate = true
			s := strings.TrimSpace(a.Value)
			if _, err := epcis.ParseTime(s); err != nil {
				return nil, invalid(xpath(e)+"/@creationDate", "creationDate %q is not a date and time with a time zone", a.Value)
			}
			m["creationDate"] = s
		case a.Name.Space == "":
			// xsd:anyAttribute admits it; an unqualified attribute has no
			// IRI in JSON-LD and says nothing about the events, so it is
			// left out.
		default:
			if err := c.foreignAttr(m, e, a, ""); err != nil {
				return nil, err
			}
		}
	}
	if !sawVersion {
		return nil, invalid(xpath(e), "attribute schemaVersion is required")
	}
	if !sawDate {
		return nil, invalid(xpath(e), "attribute creationDate is required")
	}
	kids := e.kids
	i := 0
	if i < len(kids) && epcisElem(kids[i], "EPCISHeader") {
		h, err := c.header(kids[i], "/epcisHeader")
		if err != nil {
			return nil, err
		}
		if len(h) > 0 {
			m["epcisHeader"] = h
		}
		i++
	}
	if i >= len(kids) || !epcisElem(kids[i], "EPCISBody") {
		return nil, c.unexpected(e, kids, i, "EPCISBody")
	}
	var (
		body map[string]any
		err  error
	)
	if query {
		body, err = c.queryBody(kids[i], "/epcisBody")
	} else {
		body, err = c.body(kids[i], "/epcisBody")
	}
	if err != nil {
		return nil, err
	}
	m["epcisBody"] = body
	i++
	if i < len(kids) && epcisElem(kids[i], "extension") {
		if err := c.emptyExtension(kids[i]); err != nil {
			return nil, err
		}
		i++
	}
	if err := c.extensions(m, e, kids[i:], ""); err != nil {
		return nil, err
	}
	m["@context"] = c.context()
	return m, nil
}

// unexpected explains why kids[i] (or the end of e) is not the element
// wanted.
func (c *converter) unexpected(e *elem, kids []*elem, i int, want string) error {
	if i >= len(kids) {
		return invalid(xpath(e), "<%s> is required", want)
	}
	return invalid(xpath(kids[i]), "<%s> is not expected here; <%s> is required at this place", kids[i].local, want)
}

// emptyExtension accepts an <extension> of ##local content only when it is
// empty: its children would be unqualified elements from a later EPCIS
// version, which have no JSON-LD name.
func (c *converter) emptyExtension(e *elem) error {
	if len(e.kids) > 0 {
		return invalid(xpath(e.kids[0]), "<%s> inside <extension> is not an element of EPCIS 2.0 (extension elements must be in their own namespace)", e.kids[0].local)
	}
	if strings.TrimSpace(e.text) != "" {
		return invalid(xpath(e), "text is not allowed in <extension>")
	}
	return nil
}

// header maps EPCISHeader: the SBDH is kept as an extension member
// ("sbdh:StandardBusinessDocumentHeader", which GS1's JSON schema allows in
// epcisHeader), master data as epcisMasterData.
func (c *converter) header(e *elem, ptr string) (map[string]any, error) {
	c.at(ptr, e)
	h := map[string]any{}
	kids := e.kids
	i := 0
	if i < len(kids) && kids[i].ns == NSSBDH && kids[i].local == "StandardBusinessDocumentHeader" {
		if err := c.extensions(h, e, kids[i:i+1], ptr); err != nil {
			return nil, err
		}
		i++
	}
	if i < len(kids) && epcisElem(kids[i], "extension") {
		x := kids[i]
		j := 0
		if j < len(x.kids) && epcisElem(x.kids[j], ElemMasterData) {
			md, err := c.masterData(x.kids[j], c.sub(ptr, JSONMasterData))
			if err != nil {
				return nil, err
			}
			h[JSONMasterData] = md
			j++
		}
		if j < len(x.kids) && epcisElem(x.kids[j], "extension") {
			if err := c.emptyExtension(x.kids[j]); err != nil {
				return nil, err
			}
			j++
		}
		if j < len(x.kids) {
			return nil, invalid(xpath(x.kids[j]), "<%s> is not expected in EPCISHeader/extension (EPCISMasterData, then extension)", x.kids[j].local)
		}
		i++
	}
	// 1.2 allows ##other after extension; 2.0 does not.
	rest := kids[i:]
	if !c.v12 && len(rest) > 0 {
		return nil, invalid(xpath(rest[0]), "<%s> is not expected in EPCISHeader (StandardBusinessDocumentHeader, then extension)", rest[0].local)
	}
	if err := c.extensions(h, e, rest, ptr); err != nil {
		return nil, err
	}
	return h, nil
}

// masterData maps EPCISMasterData to epcisMasterData.
func (c *converter) masterData(e *elem, ptr string) (map[string]any, error) {
	c.at(ptr, e)
	if len(e.kids) == 0 || !epcisElem(e.kids[0], ElemVocabularyList) {
		return nil, c.unexpected(e, e.kids, 0, ElemVocabularyList)
	}
	for _, k := range e.kids[1:] {
		if epcisElem(k, "extension") && k == e.kids[1] {
			if err := c.emptyExtension(k); err != nil {
				return nil, err
			}
			continue
		}
		return nil, invalid(xpath(k), "<%s> is not expected in EPCISMasterData", k.local)
	}
	list, err := c.vocabularyList(e.kids[0], c.sub(ptr, JSONVocabularyList))
	if err != nil {
		return nil, err
	}
	return map[string]any{JSONVocabularyList: list}, nil
}

func (c *converter) vocabularyList(e *elem, ptr string) ([]any, error) {
	c.at(ptr, e)
	list := []any{}
	for i, v := range e.kids {
		if !epcisElem(v, ElemVocabulary) {
			return nil, invalid(xpath(v), "<%s> is not expected in VocabularyList (Vocabulary elements only)", v.local)
		}
		vp := c.subi(ptr, i)
		c.at(vp, v)
		voc := map[string]any{}
		typ, ok := attr(v, "type")
		if !ok {
			return nil, invalid(xpath(v), "attribute type is required")
		}
		voc["type"] = strings.TrimSpace(typ)
		if err := c.otherAttrs(voc, v, vp, "type"); err != nil {
			return nil, err
		}
		kids := v.kids
		j := 0
		if j < len(kids) && epcisElem(kids[j], ElemVocabElementList) {
			els, err := c.vocabularyElements(kids[j], c.sub(vp, JSONVocabElementList))
			if err != nil {
				return nil, err
			}
			voc[JSONVocabElementList] = els
			j++
		}
		if j < len(kids) && epcisElem(kids[j], "extension") {
			if err := c.emptyExtension(kids[j]); err != nil {
				return nil, err
			}
			j++
		}
		if err := c.extensions(voc, v, kids[j:], vp); err != nil {
			return nil, err
		}
		list = append(list, voc)
	}
	return list, nil
}

func (c *converter) vocabularyElements(e *elem, ptr string) ([]any, error) {
	c.at(ptr, e)
	if len(e.kids) == 0 {
		return nil, invalid(xpath(e), "VocabularyElementList needs at least one VocabularyElement")
	}
	out := make([]any, 0, len(e.kids))
	for i, ve := range e.kids {
		if !epcisElem(ve, ElemVocabElement) {
			return nil, invalid(xpath(ve), "<%s> is not expected in VocabularyElementList", ve.local)
		}
		vp := c.subi(ptr, i)
		c.at(vp, ve)
		m := map[string]any{}
		id, ok := attr(ve, "id")
		if !ok {
			return nil, invalid(xpath(ve), "attribute id is required")
		}
		m["id"] = strings.TrimSpace(id)
		if err := c.otherAttrs(m, ve, vp, "id"); err != nil {
			return nil, err
		}
		kids := ve.kids
		j := 0
		var attrs []any
		for j < len(kids) && epcisElem(kids[j], ElemVocabAttribute) {
			a := kids[j]
			ap := c.subi(c.sub(vp, JSONVocabAttributes), len(attrs))
			c.at(ap, a)
			aid, ok := attr(a, "id")
			if !ok {
				return nil, invalid(xpath(a), "attribute id is required")
			}
			am := map[string]any{"id": strings.TrimSpace(aid)}
			if len(a.kids) > 0 {
				if strings.TrimSpace(a.text) != "" {
					return nil, invalid(xpath(a), "an attribute holds either text or elements, not both")
				}
				val := map[string]any{}
				if err := c.extensionMembers(val, a.kids, c.sub(ap, JSONVocabAttribute)); err != nil {
					return nil, err
				}
				am[JSONVocabAttribute] = val
			} else {
				am[JSONVocabAttribute] = strings.TrimSpace(a.text)
			}
			attrs = append(attrs, am)
			j++
		}
		if attrs != nil {
			m[JSONVocabAttributes] = attrs
		}
		if j < len(kids) && epcisElem(kids[j], ElemVocabChildren) {
			ids, err := c.textList(kids[j], "id", c.sub(vp, JSONVocabChildren), KindURI)
			if err != nil {
				return nil, err
			}
			if len(ids) > 0 {
				m[JSONVocabChildren] = ids
			}
			j++
		}
		if j < len(kids) && epcisElem(kids[j], "extension") {
			if err := c.emptyExtension(kids[j]); err != nil {
				return nil, err
			}
			j++
		}
		if err := c.extensions(m, ve, kids[j:], vp); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// body maps EPCISBody of a capture document.
func (c *converter) body(e *elem, ptr string) (map[string]any, error) {
	c.at(ptr, e)
	b := map[string]any{}
	kids := e.kids
	i := 0
	events := []any{}
	lp := c.sub(ptr, "eventList")
	if i < len(kids) && epcisElem(kids[i], "EventList") {
		var err error
		if events, err = c.eventList(kids[i], lp); err != nil {
			return nil, err
		}
		i++
	}
	b["eventList"] = events
	if i < len(kids) && epcisElem(kids[i], "extension") {
		if err := c.emptyExtension(kids[i]); err != nil {
			return nil, err
		}
		i++
	}
	if err := c.extensions(b, e, kids[i:], ptr); err != nil {
		return nil, err
	}
	return b, nil
}

func (c *converter) eventList(e *elem, ptr string) ([]any, error) {
	c.at(ptr, e)
	events := make([]any, 0, len(e.kids))
	add := func(k *elem, typ string) error {
		if k.value != nil { // mapped when it ended
			events = append(events, k.value)
			return nil
		}
		if c.record && c.isEventList(e) {
			// XPath records an event's locations when asked for it.
			p := c.subi(ptr, len(events))
			c.at(p, k)
			c.lazy = append(c.lazy, lazyEvent{e: k, typ: typ, ptr: p})
			events = append(events, nil)
			return nil
		}
		ev, err := c.event(k, typ, c.subi(ptr, len(events)))
		if err != nil {
			return err
		}
		events = append(events, ev)
		return nil
	}
	for _, k := range e.kids {
		if err := c.listItem(k); err != nil {
			return nil, err
		}
		switch {
		case k.local == "extension":
			// 1.2 keeps TransformationEvent here; 2.0 allows only ##other
			// elements, which have no place in a JSON-LD event list.
			for _, x := range k.kids {
				if c.v12 && epcisElem(x, "TransformationEvent") {
					if err := add(x, "TransformationEvent"); err != nil {
						return nil, err
					}
					continue
				}
				if c.v12 && epcisElem(x, "extension") {
					// Where the 2.0 standard puts an AssociationEvent in
					// a 1.2 document.
					for _, y := range x.kids {
						if !epcisElem(y, "AssociationEvent") {
							return nil, invalid(xpath(y), "<%s> in EventList/extension/extension is not an event Lotline can capture", y.local)
						}
						if err := add(y, "AssociationEvent"); err != nil {
							return nil, err
						}
					}
					continue
				}
				return nil, invalid(xpath(x), "<%s> in EventList/extension is not an event Lotline can capture", x.local)
			}
		default:
			if err := add(k, k.local); err != nil {
				return nil, err
			}
		}
	}
	return events, nil
}

// queryBody maps the EPCISBody of an EPCISQueryDocument: QueryResults
// with queryName, subscriptionID, and resultsBody/EventList.
func (c *converter) queryBody(e *elem, ptr string) (map[string]any, error) {
	c.at(ptr, e)
	if len(e.kids) != 1 || e.kids[0].local != "QueryResults" || (e.kids[0].ns != NSQuery2 && e.kids[0].ns != NSQuery12 && e.kids[0].ns != "") {
		return nil, invalid(xpath(e), "an EPCISQueryDocument body holds exactly one epcisq:QueryResults")
	}
	qe := e.kids[0]
	qp := c.sub(ptr, "queryResults")
	c.at(qp, qe)
	qr := map[string]any{}
	// Query documents are read for conversion, not captured, and those
	// in the wild often omit queryName or swap it with subscriptionID:
	// both are optional here and taken in either order.
	kids := qe.kids
	i := 0
	for i < len(kids) && (epcisElem(kids[i], "queryName") || epcisElem(kids[i], "subscriptionID")) {
		if _, dup := qr[kids[i].local]; dup {
			return nil, invalid(xpath(kids[i]), "<%s> is given twice", kids[i].local)
		}
		s, err := c.leaf(kids[i])
		if err != nil {
			return nil, err
		}
		qr[kids[i].local] = strings.TrimSpace(s)
		i++
	}
	if i >= len(kids) || !epcisElem(kids[i], "resultsBody") {
		return nil, c.unexpected(qe, kids, i, "resultsBody")
	}
	rb := kids[i]
	rp := c.sub(qp, "resultsBody")
	c.at(rp, rb)
	res := map[string]any{}
	switch {
	case len(rb.kids) == 1 && epcisElem(rb.kids[0], "EventList"):
		events, err := c.eventList(rb.kids[0], c.sub(rp, "eventList"))
		if err != nil {
			return nil, err
		}
		res["eventList"] = events
	case len(rb.kids) == 1 && epcisElem(rb.kids[0], ElemVocabularyList):
		list, err := c.vocabularyList(rb.kids[0], c.sub(rp, JSONVocabularyList))
		if err != nil {
			return nil, err
		}
		res[JSONVocabularyList] = list
	default:
		return nil, invalid(xpath(rb), "resultsBody holds one EventList or VocabularyList")
	}
	qr["resultsBody"] = res
	i++
	if i < len(kids) && epcisElem(kids[i], "extension") {
		if err := c.emptyExtension(kids[i]); err != nil {
			return nil, err
		}
		i++
	}
	if err := c.extensions(qr, qe, kids[i:], qp); err != nil {
		return nil, err
	}
	return map[string]any{"queryResults": qr}, nil
}

func attr(e *elem, name string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// otherAttrs maps the attributes of e other than the named ones: foreign
// attributes become "prefix:name" members; xsi attributes are dropped;
// any other unqualified attribute is refused, as JSON-LD could not name it.
func (c *converter) otherAttrs(m map[string]any, e *elem, ptr string, known ...string) error {
next:
	for _, a := range e.attrs {
		if a.Name.Space == "" {
			for _, k := range known {
				if a.Name.Local == k {
					continue next
				}
			}
		}
		if err := c.foreignAttr(m, e, a, ptr); err != nil {
			return err
		}
	}
	return nil
}

func (c *converter) foreignAttr(m map[string]any, e *elem, a xml.Attr, ptr string) error {
	switch a.Name.Space {
	case NSXSI, NSXML:
		return nil // schemaLocation, nil, lang: XML machinery, no data
	case "":
		return invalid(xpath(e)+"/@"+a.Name.Local, "attribute %s is not defined here (extension attributes must be in their own namespace)", a.Name.Local)
	}
	if isEPCISNS(a.Name.Space) {
		return invalid(xpath(e)+"/@"+a.Name.Local, "attribute %s in the EPCIS namespace is not defined", a.Name.Local)
	}
	key := c.prefix(a.Name.Space) + ":" + a.Name.Local
	if _, dup := m[key]; dup {
		return invalid(xpath(e)+"/@"+a.Name.Local, "attribute %s collides with an element of the same name", key)
	}
	m[key] = scalar(a.Value)
	c.at(c.sub(ptr, key), e)
	return nil
}

// extensions maps the trailing ##other elements of parent; an
// unqualified or EPCIS-namespace element among them is refused.
func (c *converter) extensions(m map[string]any, parent *elem, kids []*elem, ptr string) error {
	for _, k := range kids {
		if !foreign(k) {
			return invalid(xpath(k), "<%s> is not expected in <%s> (extension elements must be in a namespace of their own)", k.local, parent.local)
		}
	}
	if strings.TrimSpace(parent.text) != "" {
		return invalid(xpath(parent), "text is not allowed in <%s>", parent.local)
	}
	return c.extensionMembers(m, kids, ptr)
}
