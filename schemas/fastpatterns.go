package schemas

// Plain-Go equivalents of the schema's remaining "pattern" keywords, used by
// the fast path (fast.go); the hottest three are in patterns.go. Each
// accepts exactly the strings its RE2 pattern matches: fastpath_test.go
// checks them against regexp with the pattern text taken from the schema,
// on generated strings and in FuzzPatternsMatchRegex. Go's regexp reads
// invalid UTF-8 as U+FFFD, which no ASCII class matches, so working on
// bytes is exact.

const (
	schemaVersionPattern = `^[0-9]+(\.[0-9]+)*$`
	hexBinaryPattern     = `^[0-9A-Fa-f]+$`
	cbvURIPattern        = `^(urn:epcglobal:cbv|https?://ns\.gs1\.org/cbv/)`
	webVocURIPattern     = `^https?://(www\.)?gs1\.org/voc/`
)

// isSchemaVersion matches ^[0-9]+(\.[0-9]+)*$.
func isSchemaVersion(s string) bool {
	digits := 0 // in the current dot-separated run
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '.' && digits > 0:
			digits = 0
		default:
			return false
		}
	}
	return digits > 0
}

// isHexBinary matches ^[0-9A-Fa-f]+$.
func isHexBinary(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return s != ""
}

// hasCBVPrefix matches ^(urn:epcglobal:cbv|https?://ns\.gs1\.org/cbv/), the
// "not" of userVocabularyURI.
func hasCBVPrefix(s string) bool {
	return hasPrefix(s, "urn:epcglobal:cbv") || hasHTTPPrefix(s, "ns.gs1.org/cbv/")
}

// hasWebVocPrefix matches ^https?://(www\.)?gs1\.org/voc/, the "not" of
// nonWebVocabularyURI.
func hasWebVocPrefix(s string) bool {
	return hasHTTPPrefix(s, "gs1.org/voc/") || hasHTTPPrefix(s, "www.gs1.org/voc/")
}

// hasHTTPPrefix reports whether s starts with "http://"+rest or
// "https://"+rest.
func hasHTTPPrefix(s, rest string) bool {
	if !hasPrefix(s, "http") {
		return false
	}
	s = s[4:]
	if hasPrefix(s, "s") {
		s = s[1:]
	}
	return hasPrefix(s, "://") && hasPrefix(s[3:], rest)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// quickURI reports whether s certainly passes the library's format "uri"
// (net/url.Parse succeeds, an IPv6 host is bracketed and valid, and the
// URI is absolute). It covers the shapes EPCIS documents are made of and
// returns false for anything else, which the caller then hands to the
// library's own check; so it must never accept a string the library
// rejects, and fastpath_test.go checks that on generated strings and in
// FuzzQuickURI.
//
// Accepted: a scheme ([A-Za-z][A-Za-z0-9+.-]*) and ':', then only RFC 3986
// unreserved or sub-delims characters, ':', '@', '/' and well-formed
// %-escapes (no '?', brackets, spaces or control bytes), with at most one
// '#' (a fragment, as in the CBV master data attributes
// urn:epcglobal:cbv:mda#name); when the rest starts with "//", the
// authority must be a plain host name ([A-Za-z0-9.-]+: no user, port or
// IP literal, and so no '#'). net/url cuts the fragment off first and
// accepts it because its escapes are well formed, then takes a rest
// without a leading '/' as an opaque part without further checks, parses
// the plain host without error, and accepts the path for the same reason.
func quickURI(s string) bool {
	n := schemeLen(s)
	if n == 0 {
		return false
	}
	rest := s[n+1:]
	fragment := false
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if uriSafe[c] {
			continue
		}
		if c == '#' && !fragment {
			fragment = true
			continue
		}
		if c != '%' || i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
			return false
		}
		i += 2
	}
	if len(rest) < 2 || rest[0] != '/' || rest[1] != '/' {
		return true // opaque, or a path without authority
	}
	auth := rest[2:]
	for i := 0; i < len(auth); i++ {
		switch c := auth[i]; {
		case c == '/':
			return i > 0
		case isAlpha(c), isDigit(c), c == '.', c == '-':
		default:
			return false
		}
	}
	return auth != ""
}

// schemeLen returns the length of s's leading [A-Za-z][A-Za-z0-9+.-]*
// when a ':' follows it, else 0.
func schemeLen(s string) int {
	if s == "" || !isAlpha(s[0]) {
		return 0
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			return i
		case isAlpha(c), isDigit(c), c == '+', c == '.', c == '-':
		default:
			return 0
		}
	}
	return 0
}

// uriSafe marks the bytes quickURI lets through unexamined: RFC 3986
// unreserved and sub-delims characters, ':', '@' and '/'.
var uriSafe = [256]bool{
	'-': true, '.': true, '_': true, '~': true,
	'!': true, '$': true, '&': true, '\'': true, '(': true, ')': true,
	'*': true, '+': true, ',': true, ';': true, '=': true,
	':': true, '@': true, '/': true,
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true, 'I': true,
	'J': true, 'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true, 'Q': true, 'R': true,
	'S': true, 'T': true, 'U': true, 'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true, 'h': true, 'i': true,
	'j': true, 'k': true, 'l': true, 'm': true, 'n': true, 'o': true, 'p': true, 'q': true, 'r': true,
	's': true, 't': true, 'u': true, 'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
}

// quickDateTime reports whether s certainly passes the library's format
// "date-time". It accepts yyyy-mm-ddThh:mm:ss[.f+](Z|z|±hh:mm) written in
// ASCII digits, with a real calendar date, hh <= 23, mm <= 59, ss <= 59
// and an offset of at most 23:59, which the library accepts (it uses
// time.Parse for the date and strconv.Atoi for the rest). Anything else,
// including leap seconds and the odd forms Atoi allows ("+1"), goes to the
// library; fastpath_test.go checks that quickDateTime never accepts what
// the library rejects.
func quickDateTime(s string) bool {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	h, ok4 := digits(s, 11, 2)
	mi, ok5 := digits(s, 14, 2)
	sec, ok6 := digits(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case rest == "Z" || rest == "z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest, 1, 2)
		om, ok2 := digits(rest, 4, 2)
		return ok1 && ok2 && oh <= 23 && om <= 59
	}
	return false
}

// digits parses s[i:i+n] as ASCII decimal digits.
func digits(s string, i, n int) (int, bool) {
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
