package epcisxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lotline/lotline/epcis"
)

// Limits bound what Decode accepts. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	MaxDepth     int // nesting of elements
	MaxElements  int // elements in the whole document
	MaxTextBytes int // character data of one element, or one attribute value
	MaxAttrs     int // attributes of one element, namespace declarations included
}

// DefaultLimits fit real EPCIS documents (a capture of tens of thousands
// of events) while keeping any single part of the input small.
var DefaultLimits = Limits{MaxDepth: 48, MaxElements: 2_000_000, MaxTextBytes: 64 << 10, MaxAttrs: 64}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxElements > 0 {
		d.MaxElements = l.MaxElements
	}
	if l.MaxTextBytes > 0 {
		d.MaxTextBytes = l.MaxTextBytes
	}
	if l.MaxAttrs > 0 {
		d.MaxAttrs = l.MaxAttrs
	}
	return d
}

// elem is one parsed element. The whole document is read into elems
// before it is mapped, because the XSD's content models (sequence order,
// required elements) are easiest to check with the children at hand.
type elem struct {
	ns, local string
	attrs     []xml.Attr // without namespace declarations
	kids      []*elem
	text      string            // character data directly inside the element
	prefix    string            // the prefix as written, to match the end tag
	scope     map[string]string // namespaces declared on this element
	parent    *elem
	value     map[string]any // the mapped event, once an event ends
	closed    bool           // its end tag has been read
}

// parser builds the elem tree and remembers the prefixes each namespace
// was declared with, so that extension keys can use the document's own.
type parser struct {
	lim      Limits
	elements int
	declared map[string][]string // namespace -> prefixes declared for it, in order
	pairs    map[[2]string]bool  // (namespace, prefix) declared
	prefixes map[string]bool     // every prefix declared

	// onRoot is called once the root's start tag is read, onEnd when an
	// element is complete: the converter maps each event as soon as it
	// ends and drops its subtree, so a document is refused at its first
	// bad event and memory holds one event's elements at a time.
	onRoot, onEnd func(*elem) error
}

// charsetReader refuses every declared encoding but UTF-8's aliases and
// US-ASCII (a subset of UTF-8, checked byte by byte).
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8":
		return in, nil
	case "us-ascii", "ascii":
		return asciiReader{in}, nil
	}
	return nil, errEncoding{label}
}

type errEncoding struct{ label string }

func (e errEncoding) Error() string {
	return fmt.Sprintf("the declared encoding %q is not supported: send UTF-8", e.label)
}

type asciiReader struct{ r io.Reader }

func (a asciiReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	for _, c := range p[:n] {
		if c >= 0x80 {
			return 0, errors.New("a byte above 127 in a document declared US-ASCII")
		}
	}
	return n, err
}

// tokens is a source of XML tokens with the meaning of encoding/xml's
// RawToken: the scanner, or (in the tests, as the reference) encoding/xml.
type tokens interface {
	next() (xml.Token, error)
}

func (p *parser) parse(data []byte) (*elem, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	return p.build(&scanner{data: data})
}

// build makes the element tree of a token stream, enforcing the limits
// and refusing directives.
func (p *parser) build(d tokens) (*elem, error) {
	var (
		root  *elem
		cur   *elem
		depth int
		text  []byte // character data since the last tag, reused
	)
	fail := func(format string, args ...any) error {
		where := "/"
		if cur != nil {
			where = xpath(cur)
		}
		return invalid(where, format, args...)
	}
	for {
		tok, err := d.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var enc errEncoding
			if errors.As(err, &enc) {
				return nil, fail("%s", enc.Error())
			}
			return nil, fail("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			// DOCTYPE, ENTITY and the like are refused before anything is
			// expanded, which rules out entity expansion attacks and
			// external entities alike. A bare <!DOCTYPE name>, which can
			// declare nothing and load nothing, passes: a dozen of GS1's
			// own examples carry one.
			if root != nil || !bareDoctype(t) {
				return nil, fail("XML directives (DOCTYPE with declarations or an external identifier, ENTITY) are not accepted")
			}
		case xml.ProcInst:
			if t.Target == "xml" {
				if enc := procAttr(string(t.Inst), "encoding"); enc != "" {
					if _, err := charsetReader(enc, nil); err != nil {
						return nil, fail("%v", err)
					}
				}
			}
		case xml.StartElement:
			depth++
			if depth > p.lim.MaxDepth {
				return nil, fail("elements nested deeper than %d levels", p.lim.MaxDepth)
			}
			p.elements++
			if p.elements > p.lim.MaxElements {
				return nil, fail("more than %d elements", p.lim.MaxElements)
			}
			if len(t.Attr) > p.lim.MaxAttrs {
				return nil, fail("element <%s> has more than %d attributes", t.Name.Local, p.lim.MaxAttrs)
			}
			if cur != nil && len(bytes.TrimSpace(text)) > 0 {
				// Text between children (mixed content): kept so that the
				// mapping can refuse it where it has no JSON form.
				cur.text += string(text)
			}
			text = text[:0]
			e := &elem{local: t.Name.Local, prefix: t.Name.Space, parent: cur}
			if cur != nil {
				cur.kids = append(cur.kids, e)
			} else if root != nil {
				return nil, fail("more than one root element")
			} else {
				root = e
			}
			cur = e
			if err := p.element(e, t); err != nil {
				return nil, err
			}
			if e.parent == nil && p.onRoot != nil {
				if err := p.onRoot(e); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			if cur == nil || t.Name.Local != cur.local || t.Name.Space != cur.prefix {
				return nil, fail("end element </%s> does not close the open element", t.Name.Local)
			}
			if len(text) > 0 {
				cur.text += string(text)
			}
			text = text[:0]
			cur.closed = true
			if p.onEnd != nil {
				if err := p.onEnd(cur); err != nil {
					return nil, err
				}
			}
			cur = cur.parent
			depth--
		case xml.CharData:
			if cur == nil {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fail("text outside the root element")
				}
				continue
			}
			if len(text)+len(t)+len(cur.text) > p.lim.MaxTextBytes {
				return nil, fail("text of element <%s> longer than %d bytes", cur.local, p.lim.MaxTextBytes)
			}
			text = append(text, t...)
		}
	}
	if root == nil {
		return nil, invalid("/", "no root element")
	}
	if cur != nil {
		return nil, invalid(xpath(cur), "unexpected end of the document")
	}
	return root, nil
}

// element resolves the namespaces of a start element. Tokens are raw (as
// encoding/xml's RawToken gives them), so that directives are seen before
// anything else is interpreted; prefixes are therefore resolved here,
// against the scope the xmlns attributes of the element and its ancestors
// build.
func (p *parser) element(e *elem, t xml.StartElement) error {
	for _, a := range t.Attr {
		if len(a.Value) > p.lim.MaxTextBytes {
			return invalid(xpath(e)+"/@"+a.Name.Local, "attribute value longer than %d bytes", p.lim.MaxTextBytes)
		}
	}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			if a.Value == "" {
				return invalid(xpath(e), "namespace prefix %q undeclared with an empty IRI", a.Name.Local)
			}
			e.declare(a.Name.Local, a.Value)
			p.declare(a.Value, a.Name.Local)
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			e.declare("", a.Value)
			if a.Value != "" {
				p.declare(a.Value, "")
			}
		}
	}
	ns, ok := e.resolve(t.Name.Space, true)
	if !ok {
		return invalid(xpath(e), "prefix %q is not declared", t.Name.Space)
	}
	e.ns = ns
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		if a.Name.Space != "" {
			ns, ok := e.resolve(a.Name.Space, false)
			if !ok {
				return invalid(xpath(e)+"/@"+a.Name.Space+":"+a.Name.Local, "prefix %q is not declared", a.Name.Space)
			}
			a.Name.Space = ns
		}
		for _, b := range e.attrs {
			if b.Name == a.Name {
				return invalid(xpath(e)+"/@"+a.Name.Local, "attribute given twice")
			}
		}
		e.attrs = append(e.attrs, a)
	}
	return nil
}

func (e *elem) declare(prefix, ns string) {
	if e.scope == nil {
		e.scope = map[string]string{}
	}
	e.scope[prefix] = ns
}

func (p *parser) declare(ns, prefix string) {
	// Sets, not scans: a document may declare many thousands.
	if p.pairs[[2]string{ns, prefix}] {
		return
	}
	p.pairs[[2]string{ns, prefix}] = true
	p.prefixes[prefix] = true
	p.declared[ns] = append(p.declared[ns], prefix)
}

// resolve finds the namespace a prefix stands for in the element's scope.
// Unprefixed elements take the default namespace; unprefixed attributes
// have none.
func (e *elem) resolve(prefix string, isElement bool) (string, bool) {
	switch prefix {
	case "xml":
		return NSXML, true
	case "xmlns":
		return NSXMLNS, true
	case "":
		if !isElement {
			return "", true
		}
	}
	for x := e; x != nil; x = x.parent {
		if ns, ok := x.scope[prefix]; ok {
			return ns, true
		}
	}
	return "", prefix == ""
}

// procAttr reads a pseudo-attribute such as encoding="..." of the XML
// declaration.
func procAttr(inst, name string) string {
	i := strings.Index(inst, name)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(inst[i+len(name):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return rest[1 : 1+j]
}

// xpath is the XPath-like location of e: each step is the element's name
// (prefixed when it is in a namespace other than EPCIS's), with a 1-based
// position when siblings share its name.
func xpath(e *elem) string {
	var steps []string
	for x := e; x != nil; x = x.parent {
		steps = append(steps, step(x, nil))
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(steps[i])
	}
	return b.String()
}

// sibling is an element's 1-based position among its same-named siblings
// and their number.
type sibling struct{ pos, n int }

// step is the last step of x's XPath. With a cache (the XPath table of
// Decoded.XPath, built for every element), each parent's children are
// counted once instead of once per child.
func step(x *elem, cache map[*elem]sibling) string {
	name := x.local
	if x.ns != "" && !isEPCISNS(x.ns) {
		if p := x.prefixHint(); p != "" {
			name = p + ":" + name
		}
	}
	if x.parent == nil {
		return name
	}
	var sb sibling
	if cache != nil {
		var ok bool
		if sb, ok = cache[x]; !ok {
			type key struct{ ns, local string }
			count := map[key]int{}
			for _, s := range x.parent.kids {
				k := key{s.ns, s.local}
				count[k]++
				cache[s] = sibling{pos: count[k]}
			}
			for _, s := range x.parent.kids {
				c := cache[s]
				c.n = count[key{s.ns, s.local}]
				cache[s] = c
			}
			sb = cache[x]
		}
	} else {
		for _, s := range x.parent.kids {
			if s.local == x.local && s.ns == x.ns {
				sb.n++
				if s == x {
					sb.pos = sb.n
				}
			}
		}
	}
	// While an event list is still being read (events are mapped as they
	// end), later siblings are unknown: its items then always carry
	// their position.
	open := !x.parent.closed && (x.parent.local == "EventList" || x.parent.local == "extension") && x.parent.ns == ""
	if sb.n > 1 || open {
		name += "[" + strconv.Itoa(sb.pos) + "]"
	}
	return name
}

// prefixHint is a prefix in scope for the element's namespace, for error
// messages.
func (e *elem) prefixHint() string {
	for x := e; x != nil; x = x.parent {
		for p, ns := range x.scope {
			if ns == e.ns && p != "" {
				return p
			}
		}
	}
	return ""
}

func isEPCISNS(ns string) bool {
	switch ns {
	case NSEPCIS2, NSEPCIS12, NSQuery2, NSQuery12, NSMasterData2, NSMasterData12:
		return true
	}
	return false
}

// invalid is the ValidationException of the decoder: the pointer is the
// XPath-like location, repeated in the message for readers of the
// message alone.
func invalid(where, format string, args ...any) *epcis.Error {
	return &epcis.Error{
		Kind:       epcis.KindValidation,
		Pointer:    where,
		Message:    fmt.Sprintf(format, args...) + " (at " + where + ")",
		EventIndex: -1,
	}
}

// bareDoctype reports whether d is "DOCTYPE name" with nothing else: no
// internal subset, no SYSTEM or PUBLIC identifier.
func bareDoctype(d xml.Directive) bool {
	f := strings.Fields(string(d))
	if len(f) != 2 || f[0] != "DOCTYPE" {
		return false
	}
	for _, r := range f[1] {
		if !(r == '_' || r == '-' || r == '.' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
