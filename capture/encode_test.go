package capture

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lotline/lotline/epcis"
)

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"b":1,"a":[true,false,null,"x\"\\\n\t\r\u0001<>&"],"c":{"z":1.50,"y":"é😀\u2028"}}`,
		`[]`, `{}`, `"plain"`, `-0.0e5`,
	} {
		v, err := epcis.DecodeJSON([]byte(in), epcis.JSONLimits{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := marshalStd(v)
		if !bytes.Equal(got, want) {
			t.Errorf("appendJSON(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

func marshalStd(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimRight(buf.Bytes(), "\n"), err
}

// FuzzAppendJSON checks the encoder against encoding/json: the same bytes
// for every tree the decoder produces, and output that decodes back to the
// same tree.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null]}`, `"\u2029\u0000"`, `"\b\f"`, `{"k":{"x":true}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := epcis.DecodeJSON(data, epcis.JSONLimits{})
		if err != nil {
			return
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := marshalStd(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendJSON = %s, encoding/json = %s", got, want)
		}
		back, err := epcis.DecodeJSON(got, epcis.JSONLimits{})
		if err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("round trip: %v %v", err, back)
		}
	})
}
