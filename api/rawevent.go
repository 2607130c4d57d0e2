package api

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
)

// Answers are written from the stored bytes of events (capture stores
// compact JSON). A translation to the forms a client asks for
// (GS1-EPC-Format, GS1-CBV-XML-Format) changes strings at a few known
// places of an event, the places epcis.Translator.Event visits; the
// members holding them are rewritten token by token, everything else is
// copied. Decoding and re-encoding whole events cost more than the rest
// of a query.

var errNotJSON = errors.New("malformed JSON")

// shape says where the translated strings sit in a member's value.
type shape struct {
	kind   shapeKind
	fn     func(tr *epcis.Translator, s string) string // for strings and string lists
	fields map[string]*shape                           // for objects and object lists
}

type shapeKind uint8

const (
	aString shapeKind = iota
	aStringList
	anObject
	anObjectList
)

func (tr shapeKind) of(fn func(*epcis.Translator, string) string) *shape {
	return &shape{kind: tr, fn: fn}
}

func id(tr *epcis.Translator, s string) string { return tr.ID(s) }

func vocab(v cbv.Vocabulary) func(*epcis.Translator, string) string {
	return func(tr *epcis.Translator, s string) string { return tr.Value(v, s) }
}

// memberShapes mirrors epcis.Translator.Event.
var memberShapes = func() map[string]*shape {
	ids := aStringList.of(id)
	quantities := &shape{kind: anObjectList, fields: map[string]*shape{"epcClass": aString.of(id)}}
	location := &shape{kind: anObject, fields: map[string]*shape{"id": aString.of(id)}}
	typed := func(v cbv.Vocabulary, key string) *shape {
		return &shape{kind: anObjectList, fields: map[string]*shape{"type": aString.of(vocab(v)), key: aString.of(id)}}
	}
	return map[string]*shape{
		"epcList": ids, "childEPCs": ids, "inputEPCList": ids, "outputEPCList": ids,
		"parentID":     aString.of(id),
		"quantityList": quantities, "childQuantityList": quantities, "inputQuantityList": quantities, "outputQuantityList": quantities,
		"readPoint": location, "bizLocation": location,
		"bizStep":     aString.of(vocab(cbv.BizStep)),
		"disposition": aString.of(vocab(cbv.Disp)),
		"persistentDisposition": {kind: anObject, fields: map[string]*shape{
			"set": aStringList.of(vocab(cbv.Disp)), "unset": aStringList.of(vocab(cbv.Disp))}},
		"bizTransactionList": typed(cbv.BTT, "bizTransaction"),
		"sourceList":         typed(cbv.SDT, "source"),
		"destinationList":    typed(cbv.SDT, "destination"),
		"errorDeclaration":   {kind: anObject, fields: map[string]*shape{"reason": aString.of(vocab(cbv.ER))}},
	}
}()

// appendTranslatedMembers appends the members of a stored event object,
// given as rest (the object after its opening brace or after a member:
// `,"k":v,...}`, `"k":v,...}` or `}`), translated by tr. It writes each
// member preceded by a comma, and no closing brace.
func appendTranslatedMembers(b, rest []byte, tr *epcis.Translator) ([]byte, error) {
	i := 0
	for {
		for i < len(rest) && rest[i] == ',' {
			i++
		}
		if i >= len(rest) {
			return nil, errNotJSON
		}
		if rest[i] == '}' {
			if i != len(rest)-1 {
				return nil, errNotJSON
			}
			return b, nil
		}
		key, keyEnd, valEnd, err := member(rest, i)
		if err != nil {
			return nil, err
		}
		b = append(b, ',')
		b = append(b, rest[i:keyEnd+1]...)
		b = appendShaped(b, rest[keyEnd+1:valEnd], memberShapes[key], tr)
		i = valEnd
	}
}

// member reads the member starting at b[i]: its key, the index of the
// colon, and the end of its value.
func member(b []byte, i int) (key string, colon, end int, err error) {
	colon, err = skipValue(b, i)
	if err != nil || b[i] != '"' || colon >= len(b) || b[colon] != ':' {
		return "", 0, 0, errNotJSON
	}
	end, err = skipValue(b, colon+1)
	if err != nil {
		return "", 0, 0, err
	}
	key, ok := jsonString(b[i:colon])
	if !ok {
		return "", 0, 0, errNotJSON
	}
	return key, colon, end, nil
}

// appendShaped appends v, translating the strings sh points at. A value
// of another shape than expected is copied, as Translator.Event leaves
// it alone.
func appendShaped(b, v []byte, sh *shape, tr *epcis.Translator) []byte {
	if sh == nil || len(v) == 0 {
		return append(b, v...)
	}
	switch sh.kind {
	case aString:
		s, ok := jsonString(v)
		if !ok {
			return append(b, v...)
		}
		t := sh.fn(tr, s)
		if t == s {
			return append(b, v...)
		}
		return appendJSONString(b, t)
	case aStringList, anObjectList:
		if v[0] != '[' {
			return append(b, v...)
		}
		elem := aString.of(sh.fn)
		if sh.kind == anObjectList {
			elem = &shape{kind: anObject, fields: sh.fields}
		}
		b = append(b, '[')
		for i, n := 1, 0; ; n++ {
			for i < len(v) && (v[i] == ',' || isSpace(v[i])) {
				i++
			}
			if i >= len(v) || v[i] == ']' {
				return append(b, ']')
			}
			end, err := skipValue(v, i)
			if err != nil {
				return append(b[:len(b)-1-n], v...) // cannot happen on stored JSON
			}
			if n > 0 {
				b = append(b, ',')
			}
			b = appendShaped(b, v[i:end], elem, tr)
			i = end
		}
	case anObject:
		if v[0] != '{' {
			return append(b, v...)
		}
		start := len(b)
		b = append(b, '{')
		for i, n := 1, 0; ; n++ {
			for i < len(v) && (v[i] == ',' || isSpace(v[i])) {
				i++
			}
			if i >= len(v) || v[i] == '}' {
				return append(b, '}')
			}
			key, colon, end, err := member(v, i)
			if err != nil {
				return append(b[:start], v...) // cannot happen on stored JSON
			}
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, v[i:colon+1]...)
			b = appendShaped(b, v[colon+1:end], sh.fields[key], tr)
			i = end
		}
	}
	return append(b, v...)
}

// jsonString reads a JSON string token; ok is false for anything else.
func jsonString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' {
			var s string
			if json.Unmarshal(v, &s) != nil {
				return "", false
			}
			return s, true
		}
	}
	return string(inner), true
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}

// skipValue returns the end of the JSON value starting at b[i] (compact
// JSON, as capture stores it; whitespace before the value is tolerated).
func skipValue(b []byte, i int) (int, error) {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) {
		return 0, errNotJSON
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1, nil
			}
		}
		return 0, errNotJSON
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipValue(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errNotJSON
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ':' && !isSpace(b[j]) {
		j++
	}
	if j == i {
		return 0, errNotJSON
	}
	return j, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
