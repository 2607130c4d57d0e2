package eventhash

import "strings"

// canonicalID returns the constrained canonical GS1 Digital Link URI of an
// identifier given as an EPC URI (urn:epc:id:…), EPC class URI
// (urn:epc:class:lgtin:…), EPC pattern URI (urn:epc:idpat:…) or GS1
// Digital Link URI on any domain; it returns "" for anything else.
//
// "Constrained" means: domain id.gs1.org, no query string or fragment,
// AI numbers instead of short names, only the finest level of
// identification (a serial wins over a lot, the CPV is dropped).
//
// This is the package's own conversion, kept behind this one function so
// that it can be replaced by package gs1 once that exists.
func canonicalID(s string) string {
	switch {
	case strings.HasPrefix(s, "urn:epc:"):
		return epcURIToDL(s)
	case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
		return constrainDL(s)
	}
	return ""
}

const dlBase = "https://id.gs1.org/"

// checkDigit returns the GS1 mod-10 check digit of a string of digits.
func checkDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validCP reports whether s can be a GS1 Company Prefix in an EPC URI.
func validCP(s string) bool { return len(s) >= 6 && len(s) <= 12 && allDigits(s) }

// epcChars reports whether s is 1..max characters of the EPC URI
// character set for serials and references (GS1 AI encodable set 82,
// with the URI-reserved ones percent-encoded).
func epcChars(s string, max int) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !validEscape(s[i+1], s[i+2]) {
				return false
			}
			i += 2
		} else if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' ||
			strings.IndexByte("!')(*+,.:;=_-", c) >= 0) {
			return false
		}
		n++
	}
	return n >= 1 && n <= max
}

// validEscape accepts the escapes TDS allows in EPC URIs: %21-%2F except
// %23/%24, %30-%3F, %41-%4F, %50-%5A, %5F, %61-%6F, %70-%7A.
func validEscape(h, l byte) bool {
	l = upper(l)
	isHex := l >= '0' && l <= '9' || l >= 'A' && l <= 'F'
	if !isHex {
		return false
	}
	switch h {
	case '2':
		return strings.IndexByte("125679ABCDEF", l) >= 0
	case '3':
		return true
	case '4', '6':
		return l != '0'
	case '5':
		return l >= '0' && l <= '9' || l == 'A' || l == 'F'
	case '7':
		return l >= '0' && l <= '9' || l == 'A'
	}
	return false
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// cpiChars reports whether s is a CPI component reference: 1..max of
// [0-9A-Z-] or the escapes %23, %2D, %2F.
func cpiChars(s string, max int) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || s[i+1] != '2' || strings.IndexByte("3dDfF", s[i+2]) < 0 {
				return false
			}
			i += 2
		} else if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
		n++
	}
	return n >= 1 && n <= max
}

// dlEscape percent-encodes the characters GS1 Digital Link requires to be
// encoded and that EPC URIs may carry unencoded. Existing escapes are kept.
func dlEscape(s string) string {
	if !strings.ContainsAny(s, "!()*+,:") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '!':
			b.WriteString("%21")
		case '(':
			b.WriteString("%28")
		case ')':
			b.WriteString("%29")
		case '*':
			b.WriteString("%2A")
		case '+':
			b.WriteString("%2B")
		case ',':
			b.WriteString("%2C")
		case ':':
			b.WriteString("%3A")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// gtin14 builds a GTIN-14 from the company prefix and the indicator digit
// plus item reference of an SGTIN-style EPC.
func gtin14(cp, itemRef string) (string, bool) {
	if !validCP(cp) || len(cp)+len(itemRef) != 13 || !allDigits(itemRef) {
		return "", false
	}
	raw := itemRef[:1] + cp + itemRef[1:]
	return raw + string(checkDigit(raw)), true
}

// withCheck appends the check digit to cp+ref when their lengths add up
// to n digits.
func withCheck(cp, ref string, n int) (string, bool) {
	if !validCP(cp) || len(cp)+len(ref) != n || (ref != "" && !allDigits(ref)) {
		return "", false
	}
	raw := cp + ref
	return raw + string(checkDigit(raw)), true
}

// epcURIToDL converts EPC URIs, EPC class URIs and EPC pattern URIs.
func epcURIToDL(s string) string {
	var scheme, body string
	kind := ""
	switch {
	case strings.HasPrefix(s, "urn:epc:id:"):
		kind, s = "id", s[len("urn:epc:id:"):]
	case strings.HasPrefix(s, "urn:epc:class:"):
		kind, s = "class", s[len("urn:epc:class:"):]
	case strings.HasPrefix(s, "urn:epc:idpat:"):
		kind, s = "idpat", s[len("urn:epc:idpat:"):]
	default:
		return ""
	}
	scheme, body, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	switch kind {
	case "id":
		return epcIDToDL(scheme, body)
	case "class":
		if scheme != "lgtin" {
			return ""
		}
		p := strings.SplitN(body, ".", 3)
		if len(p) != 3 || !epcChars(p[2], 20) {
			return ""
		}
		g, ok := gtin14(p[0], p[1])
		if !ok {
			return ""
		}
		return dlBase + "01/" + g + "/10/" + dlEscape(p[2])
	default:
		return epcPatternToDL(scheme, body)
	}
}

func epcIDToDL(scheme, body string) string {
	switch scheme {
	case "sgtin", "upui":
		p := strings.SplitN(body, ".", 3)
		if len(p) != 3 {
			return ""
		}
		g, ok := gtin14(p[0], p[1])
		if !ok {
			return ""
		}
		if scheme == "sgtin" {
			if !epcChars(p[2], 20) {
				return ""
			}
			return dlBase + "01/" + g + "/21/" + dlEscape(p[2])
		}
		if !epcChars(p[2], 28) {
			return ""
		}
		return dlBase + "01/" + g + "/235/" + dlEscape(p[2])
	case "sscc":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok || !validCP(cp) || len(cp)+len(ref) != 17 || !allDigits(ref) {
			return ""
		}
		raw := ref[:1] + cp + ref[1:]
		return dlBase + "00/" + raw + string(checkDigit(raw))
	case "sgln":
		p := strings.SplitN(body, ".", 3)
		if len(p) != 3 || !epcChars(p[2], 20) {
			return ""
		}
		gln, ok := withCheck(p[0], p[1], 12)
		if !ok {
			return ""
		}
		if p[2] == "0" {
			return dlBase + "414/" + gln
		}
		return dlBase + "414/" + gln + "/254/" + dlEscape(p[2])
	case "grai":
		p := strings.SplitN(body, ".", 3)
		if len(p) != 3 || !epcChars(p[2], 16) {
			return ""
		}
		g, ok := withCheck(p[0], p[1], 12)
		if !ok {
			return ""
		}
		return dlBase + "8003/0" + g + dlEscape(p[2])
	case "giai", "ginc":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok || !validCP(cp) || !epcChars(ref, 30-len(cp)) {
			return ""
		}
		ai := "8004/"
		if scheme == "ginc" {
			ai = "401/"
		}
		return dlBase + ai + cp + dlEscape(ref)
	case "gsrn", "gsrnp":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok {
			return ""
		}
		g, ok := withCheck(cp, ref, 17)
		if !ok {
			return ""
		}
		if scheme == "gsrn" {
			return dlBase + "8018/" + g
		}
		return dlBase + "8017/" + g
	case "gdti", "sgcn":
		p := strings.SplitN(body, ".", 3)
		if len(p) != 3 {
			return ""
		}
		g, ok := withCheck(p[0], p[1], 12)
		if !ok {
			return ""
		}
		if scheme == "gdti" {
			if !epcChars(p[2], 17) {
				return ""
			}
			return dlBase + "253/" + g + dlEscape(p[2])
		}
		if len(p[2]) > 12 || !allDigits(p[2]) {
			return ""
		}
		return dlBase + "255/" + g + p[2]
	case "cpi":
		first, serial, ok := strings.Cut(body, ".")
		if !ok {
			return ""
		}
		dot := strings.LastIndexByte(serial, '.')
		if dot < 0 {
			return ""
		}
		ref, serial := serial[:dot], serial[dot+1:]
		if !validCP(first) || !cpiChars(ref, 30-len(first)) || len(serial) > 12 || !allDigits(serial) {
			return ""
		}
		return dlBase + "8010/" + first + ref + "/8011/" + serial
	case "gsin":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok {
			return ""
		}
		g, ok := withCheck(cp, ref, 16)
		if !ok {
			return ""
		}
		return dlBase + "402/" + g
	case "itip":
		p := strings.SplitN(body, ".", 5)
		if len(p) != 5 || len(p[2]) != 2 || len(p[3]) != 2 || !allDigits(p[2]) || !allDigits(p[3]) || !epcChars(p[4], 20) {
			return ""
		}
		g, ok := gtin14(p[0], p[1])
		if !ok {
			return ""
		}
		return dlBase + "8006/" + g + p[2] + p[3] + "/21/" + dlEscape(p[4])
	case "pgln":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok {
			return ""
		}
		g, ok := withCheck(cp, ref, 12)
		if !ok {
			return ""
		}
		return dlBase + "417/" + g
	}
	return ""
}

func epcPatternToDL(scheme, body string) string {
	p := strings.Split(body, ".")
	if len(p) < 3 || p[len(p)-1] != "*" {
		return ""
	}
	switch scheme {
	case "sgtin", "upui":
		if len(p) != 3 {
			return ""
		}
		if g, ok := gtin14(p[0], p[1]); ok {
			return dlBase + "01/" + g
		}
	case "grai", "gdti", "sgcn":
		if len(p) != 3 {
			return ""
		}
		g, ok := withCheck(p[0], p[1], 12)
		if !ok {
			return ""
		}
		switch scheme {
		case "grai":
			return dlBase + "8003/0" + g
		case "gdti":
			return dlBase + "253/" + g
		default:
			return dlBase + "255/" + g
		}
	case "cpi":
		if len(p) != 3 || !validCP(p[0]) || !cpiChars(p[1], 30-len(p[0])) {
			return ""
		}
		return dlBase + "8010/" + p[0] + p[1]
	case "itip":
		if len(p) != 5 || len(p[2]) != 2 || len(p[3]) != 2 || !allDigits(p[2]) || !allDigits(p[3]) {
			return ""
		}
		if g, ok := gtin14(p[0], p[1]); ok {
			return dlBase + "8006/" + g + p[2] + p[3]
		}
	}
	return ""
}

// dlPrimary maps the primary-key path segments of GS1 Digital Link (AIs
// and their short names) to the AI.
var dlPrimary = map[string]string{
	"01": "01", "gtin": "01", "8006": "8006", "itip": "8006",
	"8010": "8010", "cpid": "8010", "414": "414", "gln": "414",
	"417": "417", "party": "417", "8017": "8017", "gsrnp": "8017",
	"8018": "8018", "gsrn": "8018", "255": "255", "gcn": "255",
	"00": "00", "sscc": "00", "253": "253", "gdti": "253",
	"401": "401", "ginc": "401", "402": "402", "gsin": "402",
	"8003": "8003", "grai": "8003", "8004": "8004", "giai": "8004",
}

// dlQualifier maps key-qualifier and data-attribute short names to AIs.
var dlQualifier = map[string]string{
	"cpv": "22", "lot": "10", "ser": "21",
}

// constrainDL rewrites a GS1 Digital Link URI on any domain into its
// constrained canonical form, or returns "" when s is not one.
func constrainDL(s string) string {
	rest := s[strings.Index(s, "//")+2:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return ""
	}
	path := rest[slash:]
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(strings.TrimSuffix(path[1:], "/"), "/")
	start := -1
	for i := 0; i+1 < len(segs); i++ {
		if _, ok := dlPrimary[segs[i]]; ok && len(segs[i+1]) >= 5 && allDigits(segs[i+1][:4]) {
			start = i
			break
		}
	}
	if start < 0 {
		return ""
	}
	segs = segs[start:]
	if len(segs)%2 != 0 {
		return ""
	}
	ai, key := dlPrimary[segs[0]], segs[1]
	quals := make([][2]string, 0, (len(segs)-2)/2)
	for i := 2; i < len(segs); i += 2 {
		q := segs[i]
		if a, ok := dlQualifier[q]; ok {
			q = a
		}
		if q == "22" { // the CPV is not part of the constrained form
			continue
		}
		quals = append(quals, [2]string{q, segs[i+1]})
	}
	if ai == "01" {
		switch len(key) {
		case 8:
			key = "000000" + key
		case 12:
			key = "00" + key
		case 13:
			key = "0" + key
		}
	}
	// Only the finest level: a serial makes the lot redundant.
	if (ai == "01" || ai == "8006") && len(quals) == 2 && quals[0][0] == "10" && quals[1][0] == "21" {
		quals = quals[1:]
	}
	if !validDL(ai, key, quals) {
		return ""
	}
	var b strings.Builder
	b.Grow(len(dlBase) + len(path))
	b.WriteString(dlBase)
	b.WriteString(ai)
	b.WriteByte('/')
	b.WriteString(key)
	for _, q := range quals {
		b.WriteByte('/')
		b.WriteString(q[0])
		b.WriteByte('/')
		b.WriteString(q[1])
	}
	return b.String()
}

// dlValue reports whether s is 0..max characters of the set the reference
// accepts in a canonical Digital Link path value.
func dlValue(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' ||
			strings.IndexByte("\"'-.;<=>?_", c) >= 0) {
			return false
		}
	}
	return true
}

func digitsN(s string, n int) bool { return len(s) == n && allDigits(s) }

// validDL checks the syntax of the constrained forms.
func validDL(ai, key string, q [][2]string) bool {
	switch ai {
	case "00":
		return len(q) == 0 && digitsN(key, 18)
	case "01":
		if !digitsN(key, 14) {
			return false
		}
		if len(q) == 0 {
			return true
		}
		if len(q) != 1 {
			return false
		}
		switch q[0][0] {
		case "21", "10":
			return dlValue(q[0][1], 20)
		case "235":
			return dlValue(q[0][1], 28)
		}
		return false
	case "253":
		return len(q) == 0 && len(key) >= 13 && allDigits(key[:13]) && dlValue(key[13:], 17)
	case "255":
		return len(q) == 0 && len(key) >= 13 && len(key) <= 25 && allDigits(key)
	case "401", "8004":
		return len(q) == 0 && dlValue(key, 30)
	case "402":
		return len(q) == 0 && digitsN(key, 17)
	case "414":
		if !digitsN(key, 13) {
			return false
		}
		return len(q) == 0 || len(q) == 1 && q[0][0] == "254" && dlValue(q[0][1], 20)
	case "417":
		return len(q) == 0 && digitsN(key, 13)
	case "8003":
		return len(q) == 0 && len(key) >= 14 && allDigits(key[:14]) && dlValue(key[14:], 16)
	case "8006":
		if !digitsN(key, 18) {
			return false
		}
		return len(q) == 0 || len(q) == 1 && (q[0][0] == "21" || q[0][0] == "10") && dlValue(q[0][1], 20)
	case "8010":
		for i := 0; i < len(key); i++ {
			c := key[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '#' || c == '-' || c == '/') {
				return false
			}
		}
		if len(key) > 30 {
			return false
		}
		return len(q) == 0 || len(q) == 1 && q[0][0] == "8011" && len(q[0][1]) <= 12 && (q[0][1] == "" || allDigits(q[0][1]))
	case "8017", "8018":
		return len(q) == 0 && digitsN(key, 18)
	}
	return false
}
