package api

import (
	"bytes"
	"encoding/json"
	"errors"

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
