package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/lotline/lotline/epcis"
)

// translatedKeys are the event members a Translator may change (see
// epcis.Translator.Event); every other member is copied as stored.
var translatedKeys = map[string]bool{
	"epcList": true, "childEPCs": true, "inputEPCList": true, "outputEPCList": true, "parentID": true,
	"quantityList": true, "childQuantityList": true, "inputQuantityList": true, "outputQuantityList": true,
	"readPoint": true, "bizLocation": true, "bizStep": true, "disposition": true, "persistentDisposition": true,
	"bizTransactionList": true, "sourceList": true, "destinationList": true, "errorDeclaration": true,
}

var errNotJSON = errors.New("malformed JSON")

// appendTranslatedMembers appends the members of a stored event object,
// given as rest (the object after its opening brace or after a member:
// `,"k":v,...}`, `"k":v,...}` or `}`), with the members a translator
// changes decoded, translated and encoded again, one by one; the others
// are copied. It writes the members without the closing brace, each
// preceded by a comma.
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
		keyEnd, err := skipValue(rest, i)
		if err != nil || rest[i] != '"' || keyEnd >= len(rest) || rest[keyEnd] != ':' {
			return nil, errNotJSON
		}
		valEnd, err := skipValue(rest, keyEnd+1)
		if err != nil {
			return nil, err
		}
		key := string(rest[i+1 : keyEnd-1])
		if bytes.IndexByte(rest[i:keyEnd], '\\') >= 0 {
			if err := json.Unmarshal(rest[i:keyEnd], &key); err != nil {
				return nil, err
			}
		}
		b = append(b, ',')
		if !translatedKeys[key] {
			b = append(b, rest[i:valEnd]...)
			i = valEnd
			continue
		}
		b = append(b, rest[i:keyEnd+1]...)
		if idKeys[key] {
			untranslated := tr.Untranslated
			if out, ok := appendTranslatedIDs(b, rest[keyEnd+1:valEnd], tr); ok {
				b = out
				i = valEnd
				continue
			}
			tr.Untranslated = untranslated // the decoding path counts again
		}
		b = b[:len(b)-(keyEnd+1-i)]
		d := json.NewDecoder(bytes.NewReader(rest[keyEnd+1 : valEnd]))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		m := map[string]any{key: v}
		tr.Event(m)
		b = append(b, rest[i:keyEnd+1]...)
		if b, err = appendJSONValue(b, m[key]); err != nil {
			return nil, err
		}
		i = valEnd
	}
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// skipValue returns the end of the JSON value starting at b[i] (compact
// JSON, as capture stores it; whitespace between tokens is tolerated).
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
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
		j++
	}
	if j == i {
		return 0, errNotJSON
	}
	return j, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// idKeys are the members that hold identifiers directly: a string or a
// list of strings, translated by Translator.ID.
var idKeys = map[string]bool{"epcList": true, "childEPCs": true, "inputEPCList": true, "outputEPCList": true, "parentID": true}

// appendTranslatedIDs translates a compact JSON string or list of strings
// without decoding it, when no string holds an escape (identifiers never
// need one); ok is false otherwise, and the caller decodes.
func appendTranslatedIDs(b, v []byte, tr *epcis.Translator) (_ []byte, ok bool) {
	if bytes.IndexByte(v, '\\') >= 0 || len(v) < 2 {
		return b, false
	}
	one := func(b, q []byte) ([]byte, bool) {
		if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
			return b, false
		}
		id := tr.ID(string(q[1 : len(q)-1]))
		if strings.ContainsAny(id, "\"\\") || hasControl(id) {
			return b, false
		}
		b = append(b, '"')
		b = append(b, id...)
		return append(b, '"'), true
	}
	if v[0] == '"' {
		return one(b, v)
	}
	if v[0] != '[' || v[len(v)-1] != ']' {
		return b, false
	}
	b = append(b, '[')
	items := v[1 : len(v)-1]
	for n := 0; len(items) > 0; n++ {
		end := bytes.IndexByte(items[1:], '"') + 2 // the closing quote (no escapes)
		if items[0] != '"' || end < 2 {
			return b, false
		}
		if n > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = one(b, items[:end]); !ok {
			return b, false
		}
		items = items[end:]
		if len(items) > 0 {
			if items[0] != ',' || len(items) == 1 {
				return b, false
			}
			items = items[1:]
		}
	}
	return append(b, ']'), true
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}
