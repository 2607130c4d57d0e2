package epcis

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JSONLimits bound what the JSON decoder accepts. Zero fields take the
// defaults of DefaultJSONLimits.
type JSONLimits struct {
	MaxDepth       int // nesting of objects and arrays
	MaxStringBytes int // one string or key, after unescaping
	MaxArrayLen    int // elements of one array
	MaxObjectKeys  int // members of one object
}

// DefaultJSONLimits are generous for real EPCIS documents (an event with
// tens of thousands of EPCs passes) and small enough that no single value
// can exhaust memory.
var DefaultJSONLimits = JSONLimits{
	MaxDepth:       48,
	MaxStringBytes: 64 << 10,
	MaxArrayLen:    100_000,
	MaxObjectKeys:  1_000,
}

func (l JSONLimits) withDefaults() JSONLimits {
	d := DefaultJSONLimits
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxStringBytes > 0 {
		d.MaxStringBytes = l.MaxStringBytes
	}
	if l.MaxArrayLen > 0 {
		d.MaxArrayLen = l.MaxArrayLen
	}
	if l.MaxObjectKeys > 0 {
		d.MaxObjectKeys = l.MaxObjectKeys
	}
	return d
}

// DecodeJSON parses one JSON value into the generic form used across
// Lotline: map[string]any, []any, string, json.Number, bool and nil. Unlike
// encoding/json it rejects duplicate object keys, invalid UTF-8 (also lone
// surrogate escapes), numbers that do not fit a float64, and anything over
// the limits; every error is a ValidationException with the JSON pointer of
// the offending value.
func DecodeJSON(data []byte, lim JSONLimits) (any, error) {
	d := decoder{data: data, lim: lim.withDefaults()}
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, d.fail("unexpected data after the JSON value")
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int
	lim  JSONLimits
	path []pathToken // JSON pointer of the value being decoded
}

// pathToken is one step of a JSON pointer: an object key, or an array
// index when key is empty and index >= 0. Indexes are formatted only when
// an error needs the pointer.
type pathToken struct {
	key   string
	index int
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func (d *decoder) pointer() string {
	var b strings.Builder
	for _, p := range d.path {
		b.WriteByte('/')
		if p.index >= 0 {
			b.WriteString(strconv.Itoa(p.index))
		} else {
			b.WriteString(pointerEscaper.Replace(p.key))
		}
	}
	return b.String()
}

func (d *decoder) fail(format string, args ...any) *Error {
	e := Invalid(d.pointer(), format, args...)
	return e
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.fail("unexpected end of JSON")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if depth >= d.lim.MaxDepth {
			return nil, d.fail("nesting deeper than %d levels", d.lim.MaxDepth)
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= d.lim.MaxDepth {
			return nil, d.fail("nesting deeper than %d levels", d.lim.MaxDepth)
		}
		return d.array(depth + 1)
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return nil, d.fail("invalid character %q at offset %d", c, d.pos)
	}
}

func (d *decoder) literal(s string) error {
	if len(d.data)-d.pos < len(s) || string(d.data[d.pos:d.pos+len(s)]) != s {
		return d.fail("invalid literal at offset %d", d.pos)
	}
	d.pos += len(s)
	return nil
}

func (d *decoder) object(depth int) (any, error) {
	d.pos++ // '{'
	m := make(map[string]any)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("expected an object key at offset %d", d.pos)
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			d.path = append(d.path, pathToken{key: key, index: -1})
			return nil, d.fail("duplicate key %q", key)
		}
		if len(m) >= d.lim.MaxObjectKeys {
			return nil, d.fail("object has more than %d members", d.lim.MaxObjectKeys)
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("expected ':' after key %q", key)
		}
		d.pos++
		d.skipSpace()
		d.path = append(d.path, pathToken{key: key, index: -1})
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		m[key] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of JSON in object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return m, nil
		default:
			return nil, d.fail("expected ',' or '}' at offset %d", d.pos)
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	d.pos++ // '['
	a := make([]any, 0, 4)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a, nil
	}
	for {
		if len(a) >= d.lim.MaxArrayLen {
			return nil, d.fail("array has more than %d elements", d.lim.MaxArrayLen)
		}
		d.skipSpace()
		d.path = append(d.path, pathToken{index: len(a)})
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		a = append(a, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of JSON in array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return a, nil
		default:
			return nil, d.fail("expected ',' or ']' at offset %d", d.pos)
		}
	}
}

func (d *decoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.pos < len(d.data) && d.data[d.pos] == '0' {
		d.pos++
	} else if digits() == 0 {
		return nil, d.fail("invalid number at offset %d", start)
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.fail("invalid number at offset %d", start)
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.fail("invalid number at offset %d", start)
		}
	}
	s := string(d.data[start:d.pos])
	if len(s) > 64 {
		return nil, d.fail("number longer than 64 characters")
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return nil, d.fail("number %s is out of range", s)
	}
	return json.Number(s), nil
}

// str decodes a string starting at the opening quote.
func (d *decoder) str() (string, error) {
	d.pos++ // '"'
	start := d.pos
	// Fast path: no escapes.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			raw := d.data[start:d.pos]
			d.pos++
			if len(raw) > d.lim.MaxStringBytes {
				return "", d.fail("string longer than %d bytes", d.lim.MaxStringBytes)
			}
			if !utf8.Valid(raw) {
				return "", d.fail("string is not valid UTF-8")
			}
			return string(raw), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", d.fail("control character in string at offset %d", d.pos)
		}
		d.pos++
	}
	if d.pos >= len(d.data) {
		return "", d.fail("unterminated string")
	}
	// Slow path: unescape.
	buf := make([]byte, 0, d.pos-start+16)
	buf = append(buf, d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		if len(buf) > d.lim.MaxStringBytes {
			return "", d.fail("string longer than %d bytes", d.lim.MaxStringBytes)
		}
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if !utf8.Valid(buf) {
				return "", d.fail("string is not valid UTF-8")
			}
			return string(buf), nil
		case c < 0x20:
			return "", d.fail("control character in string at offset %d", d.pos)
		case c != '\\':
			buf = append(buf, c)
			d.pos++
			continue
		}
		d.pos++
		if d.pos >= len(d.data) {
			break
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail("invalid \\u escape at offset %d", d.pos)
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || d.pos+1 >= len(d.data) || d.data[d.pos] != '\\' || d.data[d.pos+1] != 'u' {
					return "", d.fail("lone UTF-16 surrogate in string")
				}
				d.pos += 2
				r2, ok := d.hex4()
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return "", d.fail("lone UTF-16 surrogate in string")
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.fail("invalid escape \\%c in string", e)
		}
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}
