package gs1

import "strings"

// Pattern is an EPC pure identity pattern, urn:epc:idpat:SCHEME:fields,
// where trailing fields may be the wildcard "*":
// urn:epc:idpat:sgtin:0614141.112345.*, urn:epc:idpat:sgtin:0614141.*.*,
// urn:epc:idpat:sscc:*.*. A pattern with no wildcard matches one EPC.
type Pattern struct {
	scheme    Scheme
	fields    [5]string // unescaped; "*" for a wildcard
	n, fixed  uint8     // field count; number of leading non-wildcard fields
	keyPrefix string    // key digits fixed by the pattern (without check digit when partial)
	keyExact  bool      // keyPrefix is the whole key
}

// ParsePattern parses an urn:epc:idpat: URN. Every fixed field is validated
// as in ParseEPC; wildcards may only replace trailing fields.
func ParsePattern(s string) (Pattern, error) {
	const pre = "urn:epc:idpat:"
	if !strings.HasPrefix(s, pre) {
		return Pattern{}, errf("pattern", s, "must start with "+pre)
	}
	rest := s[len(pre):]
	colon := strings.IndexByte(rest, ':')
	if colon < 0 {
		return Pattern{}, errf("pattern", s, "missing scheme")
	}
	name, body := rest[:colon], rest[colon+1:]
	info := lookupScheme(name)
	if info == nil || info.scheme == LGTIN {
		return Pattern{}, errf("scheme", name, "no EPC pattern for this scheme")
	}
	p := Pattern{scheme: info.scheme, n: uint8(info.urnFields)}
	var raw [5]string
	if splitFields(body, raw[:info.urnFields]) != info.urnFields {
		return Pattern{}, errf("pattern", s, "want "+itoa(info.urnFields)+" dot-separated fields after "+name+":")
	}
	fixed := 0
	for fixed < info.urnFields && raw[fixed] != "*" {
		fixed++
	}
	for _, f := range raw[fixed:info.urnFields] {
		if f != "*" {
			return Pattern{}, errf("pattern", s, "only trailing fields may be wildcards")
		}
	}
	p.fixed = uint8(fixed)
	if fixed == info.urnFields {
		// No wildcard: one EPC.
		e, err := parseURN("urn:epc:id:" + name + ":" + body)
		if err != nil {
			return Pattern{}, err
		}
		p.setFromEPC(e, info)
		return p, nil
	}
	if fixed == 0 {
		for i := range raw[:info.urnFields] {
			p.fields[i] = "*"
		}
		return p, nil
	}
	cp := raw[0]
	if len(cp) < minPrefixLen || len(cp) > 12 || !allDigits(cp) {
		return Pattern{}, errf("company prefix", cp, "must be "+itoa(minPrefixLen)+" to 12 digits")
	}
	p.fields[0] = cp
	for i := 1; i < info.urnFields; i++ {
		p.fields[i] = "*"
	}
	if fixed >= 2 {
		// CP.REF.* (and for ITIP CP.IR.PP.*, CP.IR.PP.TT.*): the key's
		// reference is fixed; parse a stand-in with every field to reuse the checks.
		stand := [5]string{raw[0], raw[1], "01", "01", "1"}
		if info.keyLen == 0 {
			stand[2] = "1"
		}
		for i := 2; i < fixed; i++ {
			stand[i] = raw[i]
		}
		if info.scheme == ITIP && fixed == 3 {
			stand[3] = "99"
		}
		urn := "urn:epc:id:" + name + ":" + strings.Join(stand[:info.urnFields], ".")
		e, err := parseURN(urn)
		if err != nil {
			return Pattern{}, err
		}
		for i := 1; i < fixed; i++ {
			v, _ := unescape(raw[i])
			p.fields[i] = v
		}
		switch {
		case info.scheme == ITIP && fixed < 4:
			p.keyPrefix = e.Key[:14+2*(fixed-2)]
		case info.keyLen == 0:
			p.keyPrefix, p.keyExact = e.Key, true
		default:
			p.keyPrefix, p.keyExact = e.Key, true
		}
	}
	return p, nil
}

func (p *Pattern) setFromEPC(e EPC, info *schemeInfo) {
	p.keyPrefix, p.keyExact = e.Key, true
	p.fields[0] = e.CompanyPrefix()
	ref := e.Reference()
	p.fields[1] = ref
	i := 2
	if info.scheme == ITIP {
		p.fields[2], p.fields[3] = e.Key[14:16], e.Key[16:18]
		i = 4
	}
	if info.urnFields > i {
		s := e.Serial
		if info.scheme == SGLN && s == "" {
			s = "0"
		}
		p.fields[i] = s
	}
}

// MustParsePattern is ParsePattern that panics on error.
func MustParsePattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Scheme returns the scheme of the pattern.
func (p Pattern) Scheme() Scheme { return p.scheme }

// CompanyPrefix returns the GS1 Company Prefix fixed by the pattern, or ""
// if it is a wildcard.
func (p Pattern) CompanyPrefix() string {
	if p.fixed == 0 {
		return ""
	}
	return p.fields[0]
}

// String returns the pattern URN.
func (p Pattern) String() string {
	if p.scheme == "" {
		return ""
	}
	b := make([]byte, 0, 64)
	b = append(b, "urn:epc:idpat:"...)
	b = append(b, p.scheme...)
	b = append(b, ':')
	for i := 0; i < int(p.n); i++ {
		if i > 0 {
			b = append(b, '.')
		}
		if i >= int(p.fixed) {
			b = append(b, '*')
			continue
		}
		b = appendEscaped(b, p.fields[i], urnEscape)
	}
	return string(b)
}

// Match reports whether e matches p. An SGTIN pattern also matches LGTIN and
// product-class identifiers of a matching GTIN unless it fixes the serial,
// as EPCIS MATCH_epcClass requires. An EPC whose company prefix length is
// unknown matches a company-prefix pattern when its key starts with that
// prefix; GS1 Company Prefixes never nest, so this is exact.
func (p Pattern) Match(e EPC) bool {
	if p.scheme == "" {
		return false
	}
	serialFixed := p.fixed == p.n
	if e.Scheme != p.scheme && (p.scheme != SGTIN || e.Scheme != LGTIN || serialFixed) {
		return false
	}
	if serialFixed {
		return e.Key == p.keyPrefix && e.Serial == p.serialValue()
	}
	if p.fixed == 0 {
		return true
	}
	info := lookupScheme(string(p.scheme))
	cp := p.fields[0]
	if e.PrefixLen != 0 && e.PrefixLen != len(cp) {
		return false
	}
	st := info.cpStart()
	if len(e.Key) < st || !strings.HasPrefix(e.Key[st:], cp) {
		return false
	}
	if p.keyPrefix != "" {
		if p.keyExact {
			return e.Key == p.keyPrefix
		}
		return strings.HasPrefix(e.Key, p.keyPrefix)
	}
	return true
}

func (p Pattern) serialValue() string {
	s := p.fields[p.n-1]
	if p.scheme == SGLN && s == "0" {
		return ""
	}
	info := lookupScheme(string(p.scheme))
	if info.serialClass == 0 {
		return ""
	}
	return s
}

// Class returns the class-level EPC a pattern denotes when only its serial
// is a wildcard (urn:epc:idpat:sgtin:CP.IR.* is the product class
// https://id.gs1.org/01/{gtin}); ok is false for other patterns and for
// schemes without class-level identifiers.
func (p Pattern) Class() (e EPC, ok bool) {
	info := lookupScheme(string(p.scheme))
	if info == nil || !info.classOK || int(p.fixed) != int(p.n)-1 || !p.keyExact && info.scheme != ITIP {
		return EPC{}, false
	}
	if info.scheme == ITIP && len(p.keyPrefix) != 18 {
		return EPC{}, false
	}
	return EPC{Scheme: p.scheme, Key: p.keyPrefix, PrefixLen: len(p.fields[0])}, true
}
