package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"testing"
)

// FuzzLotXML: any JSON object maps to well-formed XML with the Lotline
// namespace on its root, whatever its member names and strings hold.
func FuzzLotXML(f *testing.F) {
	for _, s := range []string{`{}`, `{"lot":"https://id.gs1.org/01/04012345123456/10/L1","units":["a","b"]}`,
		`{"counts":{"consumed-into":3,"9x":1,"a b":2,"xmlns":4},"why":["<&>\"'"],"held":[{"from":null}]}`,
		`{"nested":[[1,2],[true,false]],"s":"\u0001\r\n"}`, `{"events":{"x":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		var v map[string]any
		if json.Unmarshal(js, &v) != nil || v == nil {
			return
		}
		b, err := appendLotXML(nil, "LotTrace", js, map[string][]byte{"events": []byte("<injected/>")})
		if err != nil {
			t.Fatalf("valid JSON object refused: %v", err)
		}
		d := xml.NewDecoder(bytes.NewReader(b))
		root := true
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed XML: %v\n%s\nfrom %s", err, b, js)
			}
			if se, ok := tok.(xml.StartElement); ok && root {
				root = false
				if se.Name.Space != LotsNamespace || se.Name.Local != "LotTrace" {
					t.Fatalf("root %v", se.Name)
				}
			}
		}
	})
}
