package schemas

import (
	"regexp"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Patterns the schema uses on every event, every member name and every
// quantity. They are written in RE2 like all the others; only the matching
// is done by hand, because Go's regexp spends several hundred nanoseconds per
// call on such short inputs. FuzzFastPatterns checks each matcher against
// regexp on the same pattern.
const (
	extensionNamePattern  = `^[A-Za-z][A-Za-z0-9+.-]*:`
	timeZoneOffsetPattern = `^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$`
	uomPattern            = `^[A-Z0-9]{2,3}$`
)

var fastPatterns = map[string]func(string) bool{
	extensionNamePattern:  isExtensionName,
	timeZoneOffsetPattern: isTimeZoneOffset,
	uomPattern:            isUOM,
}

// compileRE2 is the schema's regexp engine: Go's regexp, with the hand
// matchers above for the hottest patterns. Every pattern must still compile
// as RE2.
func compileRE2(s string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, err
	}
	if m, ok := fastPatterns[s]; ok {
		return &fastRegexp{src: s, match: m}, nil
	}
	return re, nil
}

// fastRegexp is used by pointer: the library keys patternProperties by
// Regexp, so the value must be hashable.
type fastRegexp struct {
	src   string
	match func(string) bool
}

func (r *fastRegexp) MatchString(s string) bool { return r.match(s) }
func (r *fastRegexp) String() string            { return r.src }

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isExtensionName matches ^[A-Za-z][A-Za-z0-9+.-]*: (a URI scheme or
// namespace prefix followed by a colon).
func isExtensionName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			return true
		case isAlpha(c), isDigit(c), c == '+', c == '.', c == '-':
		default:
			return false
		}
	}
	return false
}

// isTimeZoneOffset matches ^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$.
func isTimeZoneOffset(s string) bool {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	if s[1:] == "14:00" {
		return true
	}
	switch s[1] {
	case '0':
		if !isDigit(s[2]) {
			return false
		}
	case '1':
		if s[2] < '0' || s[2] > '3' {
			return false
		}
	default:
		return false
	}
	return s[4] >= '0' && s[4] <= '5' && isDigit(s[5])
}

// isUOM matches ^[A-Z0-9]{2,3}$.
func isUOM(s string) bool {
	if len(s) != 2 && len(s) != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z') && !isDigit(c) {
			return false
		}
	}
	return true
}
