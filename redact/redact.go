// Package redact removes confidential fields from EPCIS events before they
// are given to a party that does not own them (issue 9, "Redaction").
//
// A Policy names what is confidential: whole extension namespaces, single
// extension fields, or standard members such as ilmd. Apply removes them
// from a decoded event in place and says what it removed. The package
// decides nothing about who reads what: the caller applies a policy to the
// events a reader does not own. It never touches eventID, type, eventTime
// or any other standard member outside the list it accepts, so the event's
// canonical hash still identifies it.
package redact

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/lotline/lotline/epcis"
)

// Members are the standard event members a policy may withhold whole.
var Members = []string{
	"bizTransactionList",
	"certificationInfo",
	"destinationList",
	"ilmd",
	"persistentDisposition",
	"sensorElementList",
	"sourceList",
}

// standardPrefixes are the prefixes the EPCIS 2.0 JSON-LD context defines
// (the same table as query's and eventhash's); an event's own @context
// entries take precedence when keys are read, and policy entries may use
// them (cbvmda:lotNumber).
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

// Policy says which fields are confidential. The zero value and nil
// withhold nothing. A Policy is not changed after Parse and may be shared.
type Policy struct {
	entries    []string        // normalised, sorted, for String
	namespaces []string        // IRIs ending in '/', '#' or ':'
	fields     map[string]bool // full field IRIs
	members    []string        // standard member names

	// For MayWithhold.
	memberKeys map[string][]byte // member -> `"member":`
	iris       []string          // namespaces and fields
	prefixes   map[string]bool   // proper prefixes of iris
	riskyKeys  [][]byte          // `"p:` for standard prefixes p that may expand into iris
}

// Parse reads a policy from its entries. Each entry is one of:
//   - a namespace IRI ending in '/', '#' or ':' (https://acme.example/process/,
//     urn:acme:process:): every extension field in it, at any depth;
//   - a field IRI (https://acme.example/process/ovenTemp): that field;
//   - a standard member name (see Members): the whole member.
//
// The standard prefixes may abbreviate IRIs (cbvmda:lotNumber, gs1:).
// Blank entries are skipped; anything else is an error naming the entry.
func Parse(entries []string) (*Policy, error) {
	p := &Policy{fields: map[string]bool{}}
	seen := map[string]bool{}
	for _, raw := range entries {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if slices.Contains(Members, e) {
			if !seen[e] {
				p.members = append(p.members, e)
			}
			seen[e] = true
			continue
		}
		iri, err := entryIRI(e)
		if err != nil {
			return nil, err
		}
		if seen[iri] {
			continue
		}
		seen[iri] = true
		if strings.HasSuffix(iri, "/") || strings.HasSuffix(iri, "#") || strings.HasSuffix(iri, ":") {
			p.namespaces = append(p.namespaces, iri)
		} else {
			p.fields[iri] = true
		}
	}
	for e := range seen {
		p.entries = append(p.entries, e)
	}
	sort.Strings(p.entries)
	sort.Strings(p.members)
	p.index()
	return p, nil
}

// ParseList reads a comma-separated list of entries (the form of
// `lotline serve --confidential`).
func ParseList(s string) (*Policy, error) { return Parse(strings.Split(s, ",")) }

// entryIRI checks that e is an absolute IRI (scheme ':' rest, no spaces)
// and expands a standard prefix.
func entryIRI(e string) (string, error) {
	scheme, rest, ok := strings.Cut(e, ":")
	if !ok || !validScheme(scheme) || strings.ContainsFunc(e, func(r rune) bool { return r <= ' ' || r == '"' || r == '<' || r == '>' }) {
		return "", fmt.Errorf("confidential entry %q is not a namespace IRI (ending in '/', '#' or ':'), a field IRI or one of the members %s",
			e, strings.Join(Members, ", "))
	}
	if base, ok := standardPrefixes[scheme]; ok && !strings.HasPrefix(rest, "//") {
		return base + rest, nil
	}
	return e, nil
}

func validScheme(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Empty reports whether the policy withholds nothing.
func (p *Policy) Empty() bool {
	return p == nil || len(p.namespaces)+len(p.fields)+len(p.members) == 0
}

// WithholdsMember reports whether the policy withholds the standard
// member name (one of Members) whole.
func (p *Policy) WithholdsMember(name string) bool {
	return p != nil && slices.Contains(p.members, name)
}

// Entries returns the policy's entries, normalised (standard prefixes
// expanded) and sorted.
func (p *Policy) Entries() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.entries)
}

// String is the comma-separated list of Entries, which ParseList reads back.
func (p *Policy) String() string { return strings.Join(p.Entries(), ",") }

// Apply removes the confidential fields of the decoded event ev in place
// and returns what it removed: the standard members by name and the
// extension fields by IRI, sorted, each once. An extension key (a CURIE or
// an IRI: any key with a colon that does not start with '@') is read every
// way it may be meant: expanded through the @context in force (the
// event's, extended by any nested @context), through the standard
// prefixes, in the EPCIS 1.x form namespace#local when the namespace ends
// in neither '/' nor '#', and as written. It is confidential when one of
// those readings is, so a doubtful key is withheld rather than given out.
// Standard members other than Members are never removed.
func (p *Policy) Apply(ev map[string]any) (withheld []string) {
	if p.Empty() || ev == nil {
		return nil
	}
	found := map[string]bool{}
	for _, m := range p.members {
		if _, ok := ev[m]; ok {
			delete(ev, m)
			found[m] = true
		}
	}
	if len(p.namespaces)+len(p.fields) > 0 {
		p.object(ev, epcis.Namespaces(ev["@context"]), found)
	}
	if len(found) == 0 {
		return nil
	}
	withheld = make([]string, 0, len(found))
	for k := range found {
		withheld = append(withheld, k)
	}
	sort.Strings(withheld)
	return withheld
}

// object removes the confidential extension keys of m and walks into the
// values it keeps (extension values, ilmd, readPoint, sensor reports...).
func (p *Policy) object(m map[string]any, ns map[string]string, found map[string]bool) {
	for k, v := range m {
		if k == "@context" {
			continue
		}
		if isExtensionKey(k) {
			if iri, ok := p.match(k, ns); ok {
				delete(m, k)
				found[iri] = true
				continue
			}
		}
		p.value(v, ns, found)
	}
}

func (p *Policy) value(v any, ns map[string]string, found map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if c, ok := x["@context"]; ok {
			ns = withContext(ns, c)
		}
		p.object(x, ns, found)
	case []any:
		for _, e := range x {
			p.value(e, ns, found)
		}
	}
}

// withContext returns ns extended by the prefixes of a nested @context.
func withContext(ns map[string]string, ctx any) map[string]string {
	inner := epcis.Namespaces(ctx)
	if len(inner) == 0 {
		return ns
	}
	out := make(map[string]string, len(ns)+len(inner))
	for k, v := range ns {
		out[k] = v
	}
	for k, v := range inner {
		out[k] = v
	}
	return out
}

// isExtensionKey reports whether an object key names an extension field:
// standard members are plain words, JSON-LD keywords start with '@'.
func isExtensionKey(k string) bool {
	return strings.IndexByte(k, ':') > 0 && k[0] != '@'
}

// match returns the reading of key k by which it is confidential.
func (p *Policy) match(k string, ns map[string]string) (string, bool) {
	prefix, local, _ := strings.Cut(k, ":")
	if base, ok := ns[prefix]; ok {
		if iri, ok := p.matchBase(base, local); ok {
			return iri, true
		}
	}
	if base, ok := standardPrefixes[prefix]; ok {
		if iri, ok := p.matchBase(base, local); ok {
			return iri, true
		}
	}
	return k, p.confidential(k)
}

func (p *Policy) matchBase(base, local string) (string, bool) {
	if iri := base + local; p.confidential(iri) {
		return iri, true
	}
	if !strings.HasSuffix(base, "/") && !strings.HasSuffix(base, "#") {
		if iri := base + "#" + local; p.confidential(iri) {
			return iri, true
		}
	}
	return "", false
}

func (p *Policy) confidential(iri string) bool {
	if p.fields[iri] {
		return true
	}
	for _, n := range p.namespaces {
		if strings.HasPrefix(iri, n) {
			return true
		}
	}
	return false
}

// MayWithhold reports whether Apply could withhold anything from the event
// whose JSON text is body, without decoding it: false guarantees that
// Apply would withhold nothing, true may be wrong. It lets a caller skip
// decoding events a policy cannot touch. The guarantee rests on reading
// strings as written, so a body with any backslash escape is answered
// true. A key is confidential through one of its readings (see Apply):
// as written, in which case it contains a policy IRI; or through a base
// IRI B (declared in a @context, where it is the whole string "B", or a
// standard prefix's), in which case B contains a policy IRI or is a proper
// prefix of one.
func (p *Policy) MayWithhold(body []byte) bool {
	if p.Empty() {
		return false
	}
	if bytes.IndexByte(body, '\\') >= 0 {
		return true
	}
	for _, m := range p.members {
		if bytes.Contains(body, p.memberKeys[m]) {
			return true
		}
	}
	if len(p.namespaces)+len(p.fields) == 0 {
		return false
	}
	for _, x := range p.iris {
		if bytes.Contains(body, []byte(x)) {
			return true
		}
	}
	for _, k := range p.riskyKeys {
		if bytes.Contains(body, k) {
			return true
		}
	}
	// Every string of body, as it is written: the declared bases are among
	// them.
	for rest := body; ; {
		i := bytes.IndexByte(rest, '"')
		if i < 0 {
			return false
		}
		j := bytes.IndexByte(rest[i+1:], '"')
		if j < 0 {
			return true // not JSON
		}
		if p.prefixes[string(rest[i+1:i+1+j])] {
			return true
		}
		rest = rest[i+1+j+1:]
	}
}

// index fills the tables MayWithhold reads.
func (p *Policy) index() {
	p.memberKeys = map[string][]byte{}
	for _, m := range p.members {
		p.memberKeys[m] = []byte(`"` + m + `":`)
	}
	p.iris = append(slices.Clone(p.namespaces), slices.Sorted(maps.Keys(p.fields))...)
	p.prefixes = map[string]bool{}
	for _, x := range p.iris {
		for i := 1; i < len(x); i++ {
			p.prefixes[x[:i]] = true
		}
		for prefix, base := range standardPrefixes {
			if strings.HasPrefix(base, x) || strings.HasPrefix(x, base) {
				p.riskyKeys = append(p.riskyKeys, []byte(`"`+prefix+`:`))
			}
		}
	}
}
