package eventhash

import (
	"strings"
	"time"
)

// canonTime writes a timestamp in UTC with exactly three fractional
// digits, rounding half-up ("…03.1415Z" → "…03.142Z"). A string that is
// not an xsd:dateTime is returned unchanged. A timestamp without a zone
// offset is taken as UTC.
func canonTime(s string) string {
	t, ok := parseTime(s)
	if !ok {
		return s
	}
	ms := (t.Nanosecond() + 500_000) / 1_000_000
	t = t.Truncate(time.Second).Add(time.Duration(ms) * time.Millisecond).UTC()
	var buf [32]byte
	return string(t.AppendFormat(buf[:0], "2006-01-02T15:04:05.000Z"))
}

func parseTime(s string) (time.Time, bool) {
	// The time package reads at most 9 fractional digits; the rounding only
	// needs the fourth, so cut the rest.
	if dot := strings.IndexByte(s, '.'); dot > 0 {
		end := dot + 1
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		if end-dot-1 > 9 {
			s = s[:dot+10] + s[end:]
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range [...]string{
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04:05.999999999",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// maxNumberLen bounds the plain-decimal form of a number; longer results
// (huge exponents) leave the text unchanged rather than expanding it.
const maxNumberLen = 400

// canonNumber writes a decimal number without a leading "+", leading
// zeros, exponent or trailing fractional zeros ("1.0" → "1",
// "0.34340" → "0.3434", "1.5e3" → "1500"). ok is false when s is not a
// number.
func canonNumber(s string) (string, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[intStart:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
	}
	if intPart == "" && frac == "" {
		return "", false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if exp < 1_000_000 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if es == i {
			return "", false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return "", false
	}
	// Fast path: a plain integer without sign or leading zeros.
	if len(intPart) == len(s) && (len(s) == 1 || s[0] != '0') {
		return s, true
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	// value = 0.digits… shifted: the decimal point sits after `point`
	// digits of `digits`.
	point := len(intPart) - (len(intPart+frac) - len(digits)) + exp
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return "0", true
	}
	if point > maxNumberLen || point < -maxNumberLen || len(digits) > maxNumberLen {
		return "", false
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String(), true
}

// cbvURN rewrites a CBV 1.x URN (urn:epcglobal:cbv:bizstep:shipping) into
// its CBV 2.0 Web URI.
func cbvURN(s string) string {
	if !strings.HasPrefix(s, "urn:epcglobal:cbv:") {
		return s
	}
	for _, p := range cbvURNPrefixes {
		if strings.HasPrefix(s, p.urn) {
			return p.web + s[len(p.urn):]
		}
	}
	return s
}

// namespaces resolves prefixes: the document's own first, then the
// defaults of the EPCIS context.
type namespaces map[string]string

func (ns namespaces) lookup(prefix string) (string, bool) {
	if iri, ok := ns[prefix]; ok {
		return iri, true
	}
	iri, ok := defaultNamespaces[prefix]
	return iri, ok
}

// appendKey appends a field name: "prefix:local" as "{IRI}local" when the
// prefix is known, anything else as given.
func (ns namespaces) appendKey(dst []byte, k string) []byte {
	if i := strings.IndexByte(k, ':'); i > 0 {
		if iri, ok := ns.lookup(k[:i]); ok {
			dst = append(dst, '{')
			dst = append(dst, iri...)
			dst = append(dst, '}')
			return append(dst, k[i+1:]...)
		}
	}
	return append(dst, k...)
}

// key returns appendKey as a string.
func (ns namespaces) key(k string) string { return string(ns.appendKey(nil, k)) }

// curie expands a value written as a CURIE of a GS1 vocabulary
// ("gs1:Temperature", "cbv:BizStep-shipping"). CURIEs of user namespaces
// are hashed as written, as the reference does.
func (ns namespaces) curie(s string) string {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i+1 < len(s) && s[i+1] == '/' {
		return s // no prefix, or an IRI such as https://…
	}
	iri, ok := ns.lookup(s[:i])
	if !ok || !(strings.HasPrefix(iri, "https://ref.gs1.org") || strings.HasPrefix(iri, "https://gs1.org")) {
		return s
	}
	return iri + s[i+1:]
}

// appendValue appends one canonical string value: whitespace trimmed,
// bare terms of voc and CURIEs of the GS1 vocabularies expanded, CBV URNs
// as Web URIs, numbers without trailing zeros, identifiers as canonical
// GS1 Digital Link URIs.
func (ns namespaces) appendValue(dst []byte, s string, voc *vocab) []byte {
	s = strings.TrimSpace(s)
	if s == "" {
		return dst
	}
	if voc != nil {
		if _, ok := voc.terms[s]; ok {
			dst = append(dst, voc.prefix...)
			return append(dst, s...)
		}
	}
	s = ns.curie(s)
	s = cbvURN(s)
	if c := s[0]; c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' {
		if n, ok := canonNumber(s); ok {
			return append(dst, n...)
		}
	}
	if out, ok := appendCanonicalID(dst, s); ok {
		return out
	}
	return append(dst, s...)
}

// value returns appendValue as a string.
func (ns namespaces) value(s string) string { return string(ns.appendValue(nil, s, nil)) }
