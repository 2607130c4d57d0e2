package epcisxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lotline/lotline/gs1/gs1test"
)

// This file is a small checker of the EPCIS 2.0 XSD's content models, read
// from GS1's XSD files themselves (not from names.go, which it thereby
// checks too): for each element of a known type, the children must follow
// the type's xsd:sequence (order, minOccurs, maxOccurs), elements of other
// namespaces may only come where a ##other wildcard is, and required
// attributes must be present. Simple values are not checked. It covers
// EPCglobal-epcis-2_0.xsd and EPCglobal-epcis-query-2_0.xsd; the SBDH is
// left alone.

type xsdParticle struct {
	name     string // local name (unqualified) or "{ns}name" for a ref
	typ      string // complexType name without prefix; "" for simple types
	min, max int    // max -1: unbounded
}

type xsdComplexType struct {
	name     string
	seq      []xsdParticle
	choice   bool // children from seq in any order (xsd:choice)
	other    bool // ##other wildcard at the end
	attrs    map[string]bool
	required []string
	simple   bool
	anything bool // xsd:anyType content (master data attribute values)
}

type xsdSchema struct {
	types    map[string]*xsdComplexType
	elements map[string]string // "{ns}name" -> type of the global elements
}

type xsdNode struct {
	name  string
	attrs map[string]string
	kids  []*xsdNode
}

func parseXSDNodes(t testing.TB, path string) *xsdNode {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	root := &xsdNode{}
	stack := []*xsdNode{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &xsdNode{name: x.Name.Local, attrs: map[string]string{}}
			for _, a := range x.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return root.kids[0]
}

func localName(qname string) string {
	if i := strings.IndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

func occurs(s string, def int) int {
	switch s {
	case "":
		return def
	case "unbounded":
		return -1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// loadXSD reads the complex types and global elements of the given XSD
// files (target namespaces from their schema elements).
func loadXSD(t testing.TB, files ...string) *xsdSchema {
	s := &xsdSchema{types: map[string]*xsdComplexType{}, elements: map[string]string{}}
	var bases = map[string]string{}
	for _, f := range files {
		root := parseXSDNodes(t, f)
		tns := root.attrs["targetNamespace"]
		for _, n := range root.kids {
			switch n.name {
			case "element":
				s.elements["{"+tns+"}"+n.attrs["name"]] = localName(n.attrs["type"])
			case "complexType":
				typ := &xsdComplexType{name: n.attrs["name"], attrs: map[string]bool{}}
				var walk func(n *xsdNode, min int)
				walk = func(n *xsdNode, min int) {
					for _, k := range n.kids {
						switch k.name {
						case "sequence":
							walk(k, occurs(k.attrs["minOccurs"], 1)*min)
						case "choice":
							typ.choice = true
							walk(k, 0)
						case "complexContent", "simpleContent":
							if k.name == "simpleContent" {
								typ.simple = true
							}
							walk(k, min)
						case "extension", "restriction":
							switch b := localName(k.attrs["base"]); b {
							case "anyType":
								typ.anything = true
							case "Document":
							default:
								bases[typ.name] = b
							}
							walk(k, min)
						case "element":
							name := k.attrs["name"]
							if ref := k.attrs["ref"]; ref != "" {
								name = "{" + tns + "}" + localName(ref)
								if strings.HasPrefix(ref, "sbdh:") {
									name = "{" + NSSBDH + "}" + localName(ref)
								}
							}
							typ.seq = append(typ.seq, xsdParticle{
								name: name, typ: localName(k.attrs["type"]),
								min: occurs(k.attrs["minOccurs"], 1) * min, max: occurs(k.attrs["maxOccurs"], 1),
							})
						case "any":
							if k.attrs["namespace"] == "##other" {
								typ.other = true
							}
						case "attribute":
							typ.attrs[k.attrs["name"]] = true
							if k.attrs["use"] == "required" {
								typ.required = append(typ.required, k.attrs["name"])
							}
						}
					}
				}
				walk(n, 1)
				s.types[typ.name] = typ
			}
		}
	}
	// Derived types (the events from EPCISEventType) start with their
	// base's sequence.
	for name, base := range bases {
		if b, ok := s.types[base]; ok {
			typ := s.types[name]
			typ.seq = append(append([]xsdParticle{}, b.seq...), typ.seq...)
			for a := range b.attrs {
				typ.attrs[a] = true
			}
		}
	}
	return s
}

// xmlElem is a parsed element of the encoder's output.
type xmlElem struct {
	name  xml.Name
	attrs []xml.Attr
	kids  []*xmlElem
	text  string
}

// parseOutput parses XML with encoding/xml (which checks well-formedness:
// nesting, attribute syntax, entities, characters, UTF-8) and refuses a
// DOCTYPE and undeclared prefixes.
func parseOutput(data []byte) (*xmlElem, error) {
	if err := checkPrefixes(data); err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	root := &xmlElem{}
	stack := []*xmlElem{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			var attrs []xml.Attr
			for _, a := range x.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				attrs = append(attrs, a)
			}
			n := &xmlElem{name: x.Name, attrs: attrs}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			stack[len(stack)-1].text += string(x)
		case xml.Directive:
			return nil, fmt.Errorf("directive <!%s> in the output", x)
		}
	}
	if len(root.kids) != 1 {
		return nil, fmt.Errorf("%d root elements", len(root.kids))
	}
	return root.kids[0], nil
}

// checkPrefixes reads the raw tokens, which keep the prefixes as written,
// and refuses a prefix used where no declaration is in scope, a
// declaration of an empty namespace, an attribute given twice, and
// names that are not XML names.
func checkPrefixes(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	scopes := []map[string]bool{{"xml": true}}
	declared := func(p string) bool {
		for i := len(scopes) - 1; i >= 0; i-- {
			if scopes[i][p] {
				return true
			}
		}
		return false
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			scope := map[string]bool{}
			seen := map[xml.Name]bool{}
			for _, a := range x.Attr {
				if seen[a.Name] {
					return fmt.Errorf("attribute %s:%s twice", a.Name.Space, a.Name.Local)
				}
				seen[a.Name] = true
				if a.Name.Space == "xmlns" {
					if a.Value == "" {
						return fmt.Errorf("xmlns:%s declares an empty namespace", a.Name.Local)
					}
					scope[a.Name.Local] = true
				}
			}
			scopes = append(scopes, scope)
			if x.Name.Space != "" && !declared(x.Name.Space) {
				return fmt.Errorf("element %s:%s: prefix not declared", x.Name.Space, x.Name.Local)
			}
			if !isNCName(x.Name.Local) {
				return fmt.Errorf("element name %q", x.Name.Local)
			}
			for _, a := range x.Attr {
				if a.Name.Space != "" && a.Name.Space != "xmlns" && !declared(a.Name.Space) {
					return fmt.Errorf("attribute %s:%s: prefix not declared", a.Name.Space, a.Name.Local)
				}
			}
		case xml.EndElement:
			scopes = scopes[:len(scopes)-1]
		}
	}
}

// check returns the content-model violations under e, of type typ, at path.
func (s *xsdSchema) check(e *xmlElem, typ, path string) []string {
	tp, ok := s.types[typ]
	if !ok {
		return nil // a simple type or a type outside these XSDs
	}
	var out []string
	attrs := map[string]bool{}
	for _, a := range e.attrs {
		if a.Name.Space == "" {
			attrs[a.Name.Local] = true
		}
	}
	for _, r := range tp.required {
		if !attrs[r] {
			out = append(out, fmt.Sprintf("%s: required attribute %s missing", path, r))
		}
	}
	if tp.anything {
		return out
	}
	if tp.simple {
		if len(e.kids) > 0 {
			out = append(out, fmt.Sprintf("%s: element children in simple content", path))
		}
		return out
	}
	pos, count := 0, map[int]int{}
	otherSeen := false
	for i, k := range e.kids {
		kp := fmt.Sprintf("%s/%s[%d]", path, k.name.Local, i+1)
		key := k.name.Local
		if k.name.Space != "" {
			key = "{" + k.name.Space + "}" + k.name.Local
		}
		found := -1
		start := pos
		if tp.choice {
			start = 0
		}
		for j := start; j < len(tp.seq); j++ {
			if tp.seq[j].name == key {
				found = j
				break
			}
		}
		if found < 0 || otherSeen && !tp.choice {
			if k.name.Space != "" && !isEPCISNS(k.name.Space) && tp.other {
				otherSeen = true
				continue
			}
			out = append(out, fmt.Sprintf("%s: not allowed here in %s (expected after position %d of %v)", kp, typ, pos, particleNames(tp.seq)))
			continue
		}
		count[found]++
		if max := tp.seq[found].max; max >= 0 && count[found] > max {
			out = append(out, fmt.Sprintf("%s: more than %d", kp, max))
		}
		pos = found
		ctyp := tp.seq[found].typ
		if ctyp == "" && strings.HasPrefix(key, "{") {
			ctyp = s.elements[key]
		}
		out = append(out, s.check(k, ctyp, kp)...)
	}
	if !tp.choice {
		for j, p := range tp.seq {
			if p.min > 0 && count[j] < p.min {
				out = append(out, fmt.Sprintf("%s: required element %s missing in %s", path, p.name, typ))
			}
		}
	}
	return out
}

func particleNames(seq []xsdParticle) []string {
	var out []string
	for _, p := range seq {
		out = append(out, p.name)
	}
	return out
}

// checkDocument checks an encoded document against the XSDs.
func (s *xsdSchema) checkDocument(data []byte) []string {
	root, err := parseOutput(data)
	if err != nil {
		return []string{"not well-formed: " + err.Error()}
	}
	typ, ok := s.elements["{"+root.name.Space+"}"+root.name.Local]
	if !ok {
		return []string{fmt.Sprintf("unknown root element {%s}%s", root.name.Space, root.name.Local)}
	}
	return s.check(root, typ, "/"+root.name.Local)
}

func epcisXSD(t testing.TB, dir string) *xsdSchema {
	x := filepath.Join(dir, "gs1-EPCIS", "xsd")
	return loadXSD(t, filepath.Join(x, "EPCglobal-epcis-2_0.xsd"), filepath.Join(x, "EPCglobal-epcis-query-2_0.xsd"))
}

// TestXSDChecker shows that the checker the encoder's tests rely on
// catches what it must.
func TestXSDChecker(t *testing.T) {
	xsd := epcisXSD(t, gs1test.Dir(t))
	head := `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ex.example/" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>`
	tail := `</EventList></EPCISBody></epcis:EPCISDocument>`
	tests := []struct {
		name, event string
		want        string // substring of a violation; "" for none
	}{
		{"valid", `<ObjectEvent><eventTime>t</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList><epc>e</epc></epcList><action>ADD</action><ex:x>1</ex:x></ObjectEvent>`, ""},
		{"order", `<ObjectEvent><eventTime>t</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>ADD</action><epcList/></ObjectEvent>`, "epcList[4]: not allowed here"},
		{"required element", `<ObjectEvent><eventTime>t</eventTime><action>ADD</action></ObjectEvent>`, "required element eventTimeZoneOffset missing"},
		{"extension before a standard element", `<ObjectEvent><eventTime>t</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><ex:x>1</ex:x><action>ADD</action></ObjectEvent>`, "action[4]: not allowed here"},
		{"unqualified unknown element", `<ObjectEvent><eventTime>t</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>ADD</action><colour/></ObjectEvent>`, "colour[4]: not allowed here"},
		{"maxOccurs", `<ObjectEvent><eventTime>t</eventTime><eventTime>t</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>`, "more than 1"},
		{"required attribute", `<ObjectEvent><eventTime>t</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>ADD</action><sourceList><source>s</source></sourceList></ObjectEvent>`, "required attribute type missing"},
		{"undeclared prefix", `<ObjectEvent><zz:x/></ObjectEvent>`, "prefix not declared"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := xsd.checkDocument([]byte(head + tc.event + tail))
			if tc.want == "" {
				if len(vs) > 0 {
					t.Errorf("violations in a valid document: %v", vs)
				}
				return
			}
			for _, v := range vs {
				if strings.Contains(v, tc.want) {
					return
				}
			}
			t.Errorf("want a violation with %q, got %v", tc.want, vs)
		})
	}
}
