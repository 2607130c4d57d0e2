package gs1

// Character classes of the GS1 General Specifications and of URI syntax.
const (
	cDigit   = 1 << iota // 0-9
	cSet82               // GS1 AI encodable character set 82
	cSet39               // GS1 AI encodable character set 39
	cURNEsc              // CSet82 characters a TDS pure-identity URN writes as %XX
	cURIKeep             // RFC 3986 unreserved: never percent-encoded in a Digital Link
)

var charClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= cDigit | cSet82 | cSet39 | cURIKeep
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= cSet82 | cSet39 | cURIKeep
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= cSet82 | cURIKeep
	}
	for _, c := range "!\"%&'()*+,-./:;<=>?_" {
		t[c] |= cSet82
	}
	for _, c := range "#-/" {
		t[c] |= cSet39
	}
	for _, c := range "\"%&/<>?" {
		t[c] |= cURNEsc
	}
	for _, c := range "-._~" {
		t[c] |= cURIKeep
	}
	return t
}()

// badChar returns the index of the first byte of s outside class, or -1.
func badChar(s string, class uint8) int {
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&class == 0 {
			return i
		}
	}
	return -1
}

func allDigits(s string) bool { return badChar(s, cDigit) < 0 }

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape decodes %XX escapes in s. It returns s itself (no allocation) when
// s holds no '%'. ok is false for a malformed escape.
func unescape(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] != '%' {
		i++
	}
	if i == len(s) {
		return s, true
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), true
}

const hexUpper = "0123456789ABCDEF"

// appendEscaped appends s, writing every byte for which escape reports true
// as %XX with upper-case hex.
func appendEscaped(b []byte, s string, escape func(c byte) bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if escape(c) {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		} else {
			b = append(b, c)
		}
	}
	return b
}

// urnEscape: the seven CSet82 characters TDS escapes in URNs, plus '#' (CSet39).
func urnEscape(c byte) bool { return charClass[c]&cURNEsc != 0 || c == '#' }

// dlEscape: everything that is not RFC 3986 unreserved.
func dlEscape(c byte) bool { return charClass[c]&cURIKeep == 0 }

// component decodes one escaped component (URN field or Digital Link path
// segment) and checks it against class and length bounds. part names the
// component in errors.
func component(part, raw string, class uint8, minLen, maxLen int) (string, error) {
	v, ok := unescape(raw)
	if !ok {
		return "", errf(part, raw, "malformed percent-escape")
	}
	if len(v) < minLen {
		if minLen == 1 {
			return "", errf(part, raw, "must not be empty")
		}
		return "", errf(part, raw, "too short")
	}
	if len(v) > maxLen {
		return "", errf(part, raw, "longer than "+itoa(maxLen)+" characters")
	}
	if i := badChar(v, class); i >= 0 {
		return "", errf(part, raw, "character "+quoteByte(v[i])+" not allowed ("+className(class)+")")
	}
	return v, nil
}

func className(class uint8) string {
	switch class {
	case cDigit:
		return "digits only"
	case cSet39:
		return "GS1 character set 39"
	default:
		return "GS1 character set 82"
	}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return "0x" + string([]byte{hexUpper[c>>4], hexUpper[c&15]})
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
