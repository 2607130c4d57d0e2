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
	b, ok := appendCanonicalID(nil, s)
	if !ok {
		return ""
	}
	return string(b)
}

// appendCanonicalID appends the canonical form of s to dst; ok is false
// (and dst unchanged) when s is not a GS1 identifier.
func appendCanonicalID(dst []byte, s string) ([]byte, bool) {
	n := len(dst)
	var ok bool
	switch {
	case strings.HasPrefix(s, "urn:epc:"):
		dst, ok = epcURIToDL(dst, s)
	case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
		dst, ok = constrainDL(dst, s)
	}
	if !ok {
		return dst[:n], false
	}
	return dst, true
}

const dlBase = "https://id.gs1.org/"

// checkDigit returns the GS1 mod-10 check digit of a string of digits.
func checkDigit(digits []byte) byte {
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

// appendEscaped appends s, percent-encoding the characters GS1 Digital
// Link requires to be encoded and that EPC URIs may carry unencoded.
// Existing escapes are kept.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '!':
			dst = append(dst, "%21"...)
		case '(':
			dst = append(dst, "%28"...)
		case ')':
			dst = append(dst, "%29"...)
		case '*':
			dst = append(dst, "%2A"...)
		case '+':
			dst = append(dst, "%2B"...)
		case ',':
			dst = append(dst, "%2C"...)
		case ':':
			dst = append(dst, "%3A"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendGTIN appends the GTIN-14 built from the company prefix and the
// indicator digit plus item reference of an SGTIN-style EPC.
func appendGTIN(dst []byte, cp, itemRef string) ([]byte, bool) {
	if !validCP(cp) || len(cp)+len(itemRef) != 13 || !allDigits(itemRef) {
		return dst, false
	}
	n := len(dst)
	dst = append(dst, itemRef[0])
	dst = append(dst, cp...)
	dst = append(dst, itemRef[1:]...)
	return append(dst, checkDigit(dst[n:])), true
}

// appendWithCheck appends cp+ref and its check digit when their lengths
// add up to n digits.
func appendWithCheck(dst []byte, cp, ref string, n int) ([]byte, bool) {
	if !validCP(cp) || len(cp)+len(ref) != n || (ref != "" && !allDigits(ref)) {
		return dst, false
	}
	start := len(dst)
	dst = append(dst, cp...)
	dst = append(dst, ref...)
	return append(dst, checkDigit(dst[start:])), true
}

// cut3 splits s at its first two dots.
func cut3(s string) (a, b, c string, ok bool) {
	a, rest, ok1 := strings.Cut(s, ".")
	b, c, ok2 := strings.Cut(rest, ".")
	return a, b, c, ok1 && ok2
}

// epcURIToDL converts EPC URIs, EPC class URIs and EPC pattern URIs.
func epcURIToDL(dst []byte, s string) ([]byte, bool) {
	var kind string
	switch {
	case strings.HasPrefix(s, "urn:epc:id:"):
		kind, s = "id", s[len("urn:epc:id:"):]
	case strings.HasPrefix(s, "urn:epc:class:"):
		kind, s = "class", s[len("urn:epc:class:"):]
	case strings.HasPrefix(s, "urn:epc:idpat:"):
		kind, s = "idpat", s[len("urn:epc:idpat:"):]
	default:
		return dst, false
	}
	scheme, body, ok := strings.Cut(s, ":")
	if !ok {
		return dst, false
	}
	switch kind {
	case "id":
		return epcIDToDL(dst, scheme, body)
	case "class":
		cp, ref, lot, ok := cut3(body)
		if scheme != "lgtin" || !ok || !epcChars(lot, 20) {
			return dst, false
		}
		dst = append(dst, dlBase+"01/"...)
		if dst, ok = appendGTIN(dst, cp, ref); !ok {
			return dst, false
		}
		dst = append(dst, "/10/"...)
		return appendEscaped(dst, lot), true
	default:
		return epcPatternToDL(dst, scheme, body)
	}
}

func epcIDToDL(dst []byte, scheme, body string) ([]byte, bool) {
	ok := false
	switch scheme {
	case "sgtin", "upui":
		cp, ref, serial, ok3 := cut3(body)
		max, ai := 20, "/21/"
		if scheme == "upui" {
			max, ai = 28, "/235/"
		}
		if !ok3 || !epcChars(serial, max) {
			return dst, false
		}
		dst = append(dst, dlBase+"01/"...)
		if dst, ok = appendGTIN(dst, cp, ref); !ok {
			return dst, false
		}
		dst = append(dst, ai...)
		return appendEscaped(dst, serial), true
	case "sscc":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok || !validCP(cp) || len(cp)+len(ref) != 17 || !allDigits(ref) {
			return dst, false
		}
		dst = append(dst, dlBase+"00/"...)
		n := len(dst)
		dst = append(dst, ref[0])
		dst = append(dst, cp...)
		dst = append(dst, ref[1:]...)
		return append(dst, checkDigit(dst[n:])), true
	case "sgln":
		cp, ref, ext, ok3 := cut3(body)
		if !ok3 || !epcChars(ext, 20) {
			return dst, false
		}
		dst = append(dst, dlBase+"414/"...)
		if dst, ok = appendWithCheck(dst, cp, ref, 12); !ok {
			return dst, false
		}
		if ext == "0" {
			return dst, true
		}
		dst = append(dst, "/254/"...)
		return appendEscaped(dst, ext), true
	case "grai":
		cp, ref, serial, ok3 := cut3(body)
		if !ok3 || !epcChars(serial, 16) {
			return dst, false
		}
		dst = append(dst, dlBase+"8003/0"...)
		if dst, ok = appendWithCheck(dst, cp, ref, 12); !ok {
			return dst, false
		}
		return appendEscaped(dst, serial), true
	case "giai", "ginc":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok || !validCP(cp) || !epcChars(ref, 30-len(cp)) {
			return dst, false
		}
		if scheme == "ginc" {
			dst = append(dst, dlBase+"401/"...)
		} else {
			dst = append(dst, dlBase+"8004/"...)
		}
		dst = append(dst, cp...)
		return appendEscaped(dst, ref), true
	case "gsrn", "gsrnp":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok {
			return dst, false
		}
		if scheme == "gsrn" {
			dst = append(dst, dlBase+"8018/"...)
		} else {
			dst = append(dst, dlBase+"8017/"...)
		}
		return appendWithCheck(dst, cp, ref, 17)
	case "gdti", "sgcn":
		cp, ref, serial, ok3 := cut3(body)
		if !ok3 {
			return dst, false
		}
		if scheme == "gdti" {
			if !epcChars(serial, 17) {
				return dst, false
			}
			dst = append(dst, dlBase+"253/"...)
		} else {
			if len(serial) > 12 || !allDigits(serial) {
				return dst, false
			}
			dst = append(dst, dlBase+"255/"...)
		}
		if dst, ok = appendWithCheck(dst, cp, ref, 12); !ok {
			return dst, false
		}
		return appendEscaped(dst, serial), true
	case "cpi":
		cp, rest, ok := strings.Cut(body, ".")
		dot := strings.LastIndexByte(rest, '.')
		if !ok || dot < 0 {
			return dst, false
		}
		ref, serial := rest[:dot], rest[dot+1:]
		if !validCP(cp) || !cpiChars(ref, 30-len(cp)) || len(serial) > 12 || !allDigits(serial) {
			return dst, false
		}
		dst = append(dst, dlBase+"8010/"...)
		dst = append(dst, cp...)
		dst = append(dst, ref...)
		dst = append(dst, "/8011/"...)
		return append(dst, serial...), true
	case "gsin":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok {
			return dst, false
		}
		dst = append(dst, dlBase+"402/"...)
		return appendWithCheck(dst, cp, ref, 16)
	case "itip":
		cp, ref, rest, ok3 := cut3(body)
		piece, rest, ok4 := strings.Cut(rest, ".")
		total, serial, ok5 := strings.Cut(rest, ".")
		if !ok3 || !ok4 || !ok5 || len(piece) != 2 || len(total) != 2 || !allDigits(piece) || !allDigits(total) || !epcChars(serial, 20) {
			return dst, false
		}
		dst = append(dst, dlBase+"8006/"...)
		if dst, ok = appendGTIN(dst, cp, ref); !ok {
			return dst, false
		}
		dst = append(dst, piece...)
		dst = append(dst, total...)
		dst = append(dst, "/21/"...)
		return appendEscaped(dst, serial), true
	case "pgln":
		cp, ref, ok := strings.Cut(body, ".")
		if !ok {
			return dst, false
		}
		dst = append(dst, dlBase+"417/"...)
		return appendWithCheck(dst, cp, ref, 12)
	}
	return dst, false
}

func epcPatternToDL(dst []byte, scheme, body string) ([]byte, bool) {
	if !strings.HasSuffix(body, ".*") {
		return dst, false
	}
	body = body[:len(body)-2]
	ok := false
	switch scheme {
	case "sgtin", "upui":
		cp, ref, found := strings.Cut(body, ".")
		if !found {
			return dst, false
		}
		dst = append(dst, dlBase+"01/"...)
		return appendGTIN(dst, cp, ref)
	case "grai", "gdti", "sgcn":
		cp, ref, found := strings.Cut(body, ".")
		if !found {
			return dst, false
		}
		switch scheme {
		case "grai":
			dst = append(dst, dlBase+"8003/0"...)
		case "gdti":
			dst = append(dst, dlBase+"253/"...)
		default:
			dst = append(dst, dlBase+"255/"...)
		}
		return appendWithCheck(dst, cp, ref, 12)
	case "cpi":
		cp, ref, found := strings.Cut(body, ".")
		if !found || !validCP(cp) || !cpiChars(ref, 30-len(cp)) {
			return dst, false
		}
		dst = append(dst, dlBase+"8010/"...)
		dst = append(dst, cp...)
		return append(dst, ref...), true
	case "itip":
		cp, ref, rest, ok3 := cut3(body)
		piece, total, ok4 := strings.Cut(rest, ".")
		if !ok3 || !ok4 || len(piece) != 2 || len(total) != 2 || !allDigits(piece) || !allDigits(total) {
			return dst, false
		}
		dst = append(dst, dlBase+"8006/"...)
		if dst, ok = appendGTIN(dst, cp, ref); !ok {
			return dst, false
		}
		dst = append(dst, piece...)
		return append(dst, total...), true
	}
	return dst, false
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
// constrained canonical form.
func constrainDL(dst []byte, s string) ([]byte, bool) {
	rest := s[strings.Index(s, "//")+2:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return dst, false
	}
	path := rest[slash+1:]
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimSuffix(path, "/")
	// Find the primary key: the first "/<key>/<4 digits…>" pair.
	var ai, key string
	for path != "" {
		seg, after, _ := strings.Cut(path, "/")
		next, _, _ := strings.Cut(after, "/")
		if a, ok := dlPrimary[seg]; ok && len(next) >= 5 && allDigits(next[:4]) {
			ai, key = a, next
			path = after[len(next):]
			break
		}
		path = after
	}
	if ai == "" {
		return dst, false
	}
	var qbuf [4][2]string
	quals := qbuf[:0]
	for path != "" {
		path = path[1:] // the "/" before the qualifier
		q, after, ok := strings.Cut(path, "/")
		if !ok {
			return dst, false
		}
		v := after
		if i := strings.IndexByte(after, '/'); i >= 0 {
			v = after[:i]
		}
		path = after[len(v):]
		if a, ok := dlQualifier[q]; ok {
			q = a
		}
		if q == "22" { // the CPV is not part of the constrained form
			continue
		}
		if len(quals) == len(qbuf) {
			return dst, false
		}
		quals = append(quals, [2]string{q, v})
	}
	pad := ""
	if ai == "01" {
		switch len(key) {
		case 8:
			pad = "000000"
		case 12:
			pad = "00"
		case 13:
			pad = "0"
		}
	}
	// Only the finest level: a serial makes the lot redundant.
	if (ai == "01" || ai == "8006") && len(quals) == 2 && quals[0][0] == "10" && quals[1][0] == "21" {
		quals = quals[1:]
	}
	if !validDL(ai, pad, key, quals) {
		return dst, false
	}
	dst = append(dst, dlBase...)
	dst = append(dst, ai...)
	dst = append(dst, '/')
	dst = append(dst, pad...)
	dst = append(dst, key...)
	for _, q := range quals {
		dst = append(dst, '/')
		dst = append(dst, q[0]...)
		dst = append(dst, '/')
		dst = append(dst, q[1]...)
	}
	return dst, true
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
func validDL(ai, pad, key string, q [][2]string) bool {
	switch ai {
	case "00":
		return len(q) == 0 && digitsN(key, 18)
	case "01":
		if !digitsN(key, 14-len(pad)) {
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
