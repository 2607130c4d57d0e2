package epcisxml

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// standardPrefixes are the prefixes the EPCIS 2.0 JSON-LD context defines,
// with its IRIs; a document's own @context overrides them. In XML they
// become the namespaces of ContextPrefixes (see xmlNS), which the decoder
// maps back to these prefixes.
var standardPrefixes = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"cbvmda":  "urn:epcglobal:cbv:mda:",
	"gs1":     "https://gs1.org/voc/",
	"rdf":     "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
	"vtype":   "urn:epcglobal:epcis:vtype:",
}

// reservedPrefixes are the XML prefixes the binding itself writes. A
// JSON-LD prefix of the same name that stands for another IRI (the
// context's own "epcis" and "xsd" do) is given another XML prefix.
var reservedPrefixes = map[string]string{
	"epcis":  NSEPCIS2,
	"epcisq": NSQuery2,
	"sbdh":   NSSBDH,
	"xsi":    NSXSI,
	"xsd":    nsXSD,
}

// nsTable maps the JSON-LD names of extension fields to XML qualified
// names and records the namespace declarations that this requires.
type nsTable struct {
	ctx   map[string]string // JSON-LD prefix -> IRI: the document's @context, or AppendEvent's ns
	local map[string]string // the current event's own @context, if any
	outer map[string]string // XML prefix -> IRI declared on an enclosing element (AppendEvent's ns)
	bound []binding         // declared by the element being written
}

type binding struct{ prefix, iri string }

// lookup returns the IRI a JSON-LD prefix stands for.
func (t *nsTable) lookup(prefix string) (string, bool) {
	if iri, ok := t.local[prefix]; ok {
		return iri, true
	}
	if iri, ok := t.ctx[prefix]; ok {
		return iri, true
	}
	iri, ok := standardPrefixes[prefix]
	return iri, ok
}

// qname returns the XML name of a JSON-LD key: a compact IRI
// "prefix:local" of a known prefix, or an absolute IRI, which is split
// after its last '#', '/' or ':' into namespace and local name. A key
// without a colon is returned as an unqualified name. ok is false when
// the local name is not an XML name or the namespace is empty.
func (t *nsTable) qname(key string) (xname, bool) {
	i := strings.IndexByte(key, ':')
	if i < 0 {
		return xname{local: key}, isNCName(key)
	}
	prefix, local := key[:i], key[i+1:]
	if iri, ok := t.lookup(prefix); ok && !strings.HasPrefix(local, "//") {
		if !isNCName(local) || iri == "" {
			return xname{}, false
		}
		return xname{t.prefixFor(prefix, xmlNS(iri)), local}, true
	}
	j := strings.LastIndexAny(key, "#/")
	if j < i {
		j = strings.LastIndexByte(key, ':')
	}
	iri, local := key[:j+1], key[j+1:]
	if !isNCName(local) {
		return xname{}, false
	}
	hint := t.prefixOf(iri)
	if hint == "" && !strings.HasPrefix(key[i+1:], "//") {
		// "foo:bar" with foo undeclared is, in JSON-LD, the IRI foo:bar;
		// the XML namespace "foo:" with prefix foo says the same.
		hint = prefix
	}
	return xname{t.prefixFor(hint, xmlNS(iri)), local}, true
}

// prefixOf returns a JSON-LD prefix that stands for iri, so that a key
// written as a full IRI gets the document's own prefix.
func (t *nsTable) prefixOf(iri string) string {
	best := ""
	for _, m := range []map[string]string{t.local, t.ctx, standardPrefixes} {
		for p, v := range m {
			if v == iri && (best == "" || p < best) {
				best = p
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}

// xmlNS is the XML namespace of a JSON-LD namespace IRI: the same, except
// for the context's own prefixes, which XML writes as ContextPrefixes says
// (cbvmda: urn:epcglobal:cbv:mda, without the context's trailing ':').
func xmlNS(iri string) string {
	if x, ok := contextXMLNS[iri]; ok {
		return x
	}
	return iri
}

var contextXMLNS = func() map[string]string {
	m := map[string]string{}
	for p, x := range ContextPrefixes {
		if iri, ok := standardPrefixes[p]; ok {
			m[iri] = x
		}
	}
	return m
}()

// prefixFor returns the XML prefix of namespace iri, preferring hint,
// binding one when none is in scope.
func (t *nsTable) prefixFor(hint, iri string) string {
	if hint != "" && usablePrefix(hint, iri) {
		if x, ok := declaredNS(t.outer, hint); ok {
			if x == iri {
				return hint
			}
		} else {
			inUse := false
			for _, bd := range t.bound {
				if bd.prefix == hint {
					if bd.iri == iri {
						return hint
					}
					inUse = true
				}
			}
			if !inUse {
				t.bind(hint, iri)
				return hint
			}
		}
	}
	for _, bd := range t.bound {
		if bd.iri == iri {
			return bd.prefix
		}
	}
	best := ""
	for p := range t.outer {
		if x, ok := declaredNS(t.outer, p); ok && x == iri && (best == "" || p < best) {
			best = p
		}
	}
	if best != "" {
		return best
	}
	for n := 1; ; n++ {
		p := "ns" + strconv.Itoa(n)
		if t.free(p) {
			t.bind(p, iri)
			return p
		}
	}
}

// free reports whether prefix is neither declared above nor bound here.
func (t *nsTable) free(prefix string) bool {
	if _, ok := t.outer[prefix]; ok {
		return false
	}
	if _, ok := reservedPrefixes[prefix]; ok {
		return false
	}
	for _, bd := range t.bound {
		if bd.prefix == prefix {
			return false
		}
	}
	return true
}

func (t *nsTable) bind(prefix, iri string) {
	t.bound = append(t.bound, binding{prefix, iri})
}

// declaredNS returns the XML namespace that AppendQueryDocumentStart
// declares prefix for, given its ns, and whether it declares it: it does
// for every prefix that is an XML name not starting with "xml" and not one
// of the binding's reserved prefixes bound to another namespace.
// AppendEvent counts exactly those as declared.
func declaredNS(ns map[string]string, prefix string) (string, bool) {
	iri, ok := ns[prefix]
	if !ok {
		return "", false
	}
	iri = xmlNS(iri)
	return iri, usablePrefix(prefix, iri)
}

// xname is an XML name: prefix (empty when unqualified) and local part,
// kept apart so that writing one costs no concatenation.
type xname struct{ prefix, local string }

func usablePrefix(prefix, iri string) bool {
	if !isNCName(prefix) || len(prefix) >= 3 && strings.EqualFold(prefix[:3], "xml") || iri == "" {
		return false
	}
	r, ok := reservedPrefixes[prefix]
	return !ok || r == iri
}

// isNCName reports whether s is an XML name without a colon.
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
			case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
			default:
				return false
			}
			continue
		}
		if !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) && r != 0xB7) {
			return false
		}
	}
	return true
}
