package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestXMLRelaxations: the XML variant accepts what the XSD allows and the
// JSON Schema refuses (a sensorReport without type), and keeps the rules
// the XSD cannot state but the standard does.
func TestXMLRelaxations(t *testing.T) {
	v := MustCompile()
	x := v.XML()
	if x == v {
		t.Fatal("XML() is the JSON validator")
	}
	if x.XML() != x {
		t.Error("the XML variant has a variant of its own")
	}
	cases := []struct {
		name          string
		doc           string
		jsonOK, xmlOK bool
	}{
		{"sensorReport without type", doc(objectEvent(`"sensorElementList":[{"sensorReport":[{"value":4.5,"uom":"CEL"}]}]`)), false, true},
		{"sensorReport with an exception only", doc(objectEvent(`"sensorElementList":[{"sensorReport":[{"exception":"ALARM_CONDITION"}]}]`)), false, true},
		{"sensorReport with type", doc(objectEvent(`"sensorElementList":[{"sensorReport":[{"type":"Temperature","value":4.5,"uom":"CEL"}]}]`)), true, true},
		{"sensorReport with a bad type", doc(objectEvent(`"sensorElementList":[{"sensorReport":[{"type":"https://gs1.org/voc/Temperature"}]}]`)), false, false},
		{"sensorReport with a bad value", doc(objectEvent(`"sensorElementList":[{"sensorReport":[{"value":"warm"}]}]`)), false, false},
		{"ObjectEvent without epcList or quantityList", doc(`{"type":"ObjectEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE"}`), false, false},
		{"TransformationEvent with no input or output", doc(`{"type":"TransformationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","transformationID":"urn:epc:id:gdti:4012345.00001.1"}`), false, false},
	}
	for _, tc := range cases {
		var d any
		dec := json.NewDecoder(strings.NewReader(tc.doc))
		dec.UseNumber()
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		if got := len(v.Document(d)) == 0; got != tc.jsonOK {
			t.Errorf("%s: JSON valid %v, want %v: %v", tc.name, got, tc.jsonOK, v.Document(d))
		}
		if got := len(x.Document(d)) == 0; got != tc.xmlOK {
			t.Errorf("%s: XML valid %v, want %v: %v", tc.name, got, tc.xmlOK, x.Document(d))
		}
	}
}
