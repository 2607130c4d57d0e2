package api

// This file is the XML form of the lot answers. GS1 defines no XML for a
// lot's history, genealogy or recall, so Lotline writes them in its own
// namespace (LotsNamespace), mapped member for member from the JSON
// answer, so the two forms cannot drift apart (see docs/server.md, "Lot
// history", and docs/decisions/0011-lot-answers-in-xml.md):
//
//   - the root element is LotHistory, LotTrace or LotRecall;
//   - each JSON member is a child element of the same name (a name that is
//     not an XML name becomes <member name="...">);
//   - a list is an element holding one element per item, named by the
//     singular of the list's name (units/unit, entries/entry,
//     quantities/quantity, eventIDs/eventID; held/span, why/reason,
//     materialsConsumed/material, release/entry, sameProduct/lot), or
//     <member> when the name is not a plural;
//   - strings, numbers and booleans are the element's text; null members
//     are left out;
//   - the history's events are an EPCIS 2.0 epcisq:EPCISQueryDocument
//     element, as GET /events answers in XML.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LotsNamespace is the XML namespace of the lot answers.
const LotsNamespace = "https://lotline.dev/ns/lots"

// lotXMLItem names the items of the lists whose singular is not their
// name less an s.
var lotXMLItem = map[string]string{
	"held":              "span",
	"why":               "reason",
	"materialsConsumed": "material",
	"release":           "entry",
	"sameProduct":       "lot",
}

// xmlItemName is the element name of an item of the list name.
func xmlItemName(list string) string {
	if n, ok := lotXMLItem[list]; ok {
		return n
	}
	switch {
	case strings.HasSuffix(list, "ies") && len(list) > 3:
		return list[:len(list)-3] + "y"
	case strings.HasSuffix(list, "s") && len(list) > 1:
		return list[:len(list)-1]
	}
	return "member"
}

// appendLotXML appends the XML form of the JSON answer js under the root
// element root. inject gives, for top-level members, XML to write in
// place of their JSON value (the history's EPCISQueryDocument).
func appendLotXML(b []byte, root string, js []byte, inject map[string][]byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("api: lot answer is not a JSON object: %v", err)
	}
	b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"...)
	b = append(b, "<"+root+` xmlns="`+LotsNamespace+`">`...)
	x := lotXML{d: d, b: b, inject: inject}
	if err := x.members(1); err != nil {
		return nil, err
	}
	return append(x.b, "</"+root+">\n"...), nil
}

type lotXML struct {
	d      *json.Decoder
	b      []byte
	inject map[string][]byte
}

// members writes the members of an object whose '{' has been read, up to
// and including its '}'.
func (x *lotXML) members(depth int) error {
	for {
		tok, err := x.d.Token()
		if err != nil {
			return err
		}
		if tok == json.Delim('}') {
			return nil
		}
		key, ok := tok.(string)
		if !ok {
			return errors.New("api: lot answer: object key expected")
		}
		if raw, ok := x.inject[key]; ok && depth == 1 {
			var skip json.RawMessage
			if err := x.d.Decode(&skip); err != nil {
				return err
			}
			x.open(key)
			x.b = append(x.b, raw...)
			x.close(key)
			continue
		}
		if err := x.value(key); err != nil {
			return err
		}
	}
}

// value writes the next JSON value as the element name (nothing for null).
func (x *lotXML) value(name string) error {
	tok, err := x.d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case nil:
		return nil
	case json.Delim:
		x.open(name)
		if t == '{' {
			if err := x.members(2); err != nil {
				return err
			}
		} else {
			item := xmlItemName(name)
			for x.d.More() {
				if err := x.value(item); err != nil {
					return err
				}
			}
			if _, err := x.d.Token(); err != nil { // ']'
				return err
			}
		}
		x.close(name)
	case string:
		x.open(name)
		x.text(t)
		x.close(name)
	case json.Number:
		x.open(name)
		x.b = append(x.b, t...)
		x.close(name)
	case bool:
		x.open(name)
		if t {
			x.b = append(x.b, "true"...)
		} else {
			x.b = append(x.b, "false"...)
		}
		x.close(name)
	}
	return nil
}

func (x *lotXML) open(name string) {
	if isXMLName(name) {
		x.b = append(append(append(x.b, '<'), name...), '>')
		return
	}
	x.b = append(x.b, `<member name="`...)
	x.text(name)
	x.b = append(x.b, `">`...)
}

func (x *lotXML) close(name string) {
	if !isXMLName(name) {
		name = "member"
	}
	x.b = append(append(append(x.b, "</"...), name...), '>')
}

// text appends s escaped as XML character data (and attribute values).
func (x *lotXML) text(s string) {
	if plainText(s) {
		x.b = append(x.b, s...) // most text: identifiers, names, times
		return
	}
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(s))
	x.b = append(x.b, buf.Bytes()...)
}

// plainText reports whether s is printable ASCII without markup
// characters, which XML text holds as it is.
func plainText(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '<', c == '>', c == '&', c == '\'', c == '"':
			return false
		}
	}
	return true
}

// isXMLName reports whether s is an XML name without a colon (so the
// default namespace applies to it).
func isXMLName(s string) bool {
	if s == "" || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return utf8.ValidString(s)
}

// queryDocumentElement is an EPCISQueryDocument XML without its XML
// declaration, to be embedded in a lot answer.
func queryDocumentElement(doc []byte) []byte {
	if bytes.HasPrefix(doc, []byte("<?xml")) {
		if i := bytes.Index(doc, []byte("?>")); i >= 0 {
			doc = doc[i+2:]
		}
	}
	return bytes.TrimSpace(doc)
}
