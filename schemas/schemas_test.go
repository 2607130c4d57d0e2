package schemas

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// decode decodes JSON the way capture does.
func decode(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, s)
	}
	return v
}

// doc wraps events in a minimal valid EPCISDocument.
func doc(events ...string) string {
	return `{"@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
		"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z",
		"epcisBody":{"eventList":[` + strings.Join(events, ",") + `]}}`
}

// objectEvent returns a minimal valid ObjectEvent with extra members
// spliced in (a leading comma is added).
func objectEvent(extra string) string {
	if extra != "" {
		extra = "," + extra
	}
	return `{"type":"ObjectEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",
		"action":"OBSERVE","epcList":["urn:epc:id:sgtin:4012345.011111.1"]` + extra + `}`
}

func TestValidDocuments(t *testing.T) {
	v := MustCompile()
	for name, d := range map[string]string{
		"minimal":            doc(objectEvent("")),
		"empty list":         doc(),
		"extension":          doc(objectEvent(`"example:field":{"example:x":1},"https://ns.example.com/y":"z"`)),
		"user bizStep":       doc(objectEvent(`"bizStep":"https://example.com/steps/blending"`)),
		"ilmd with ADD":      doc(strings.Replace(objectEvent(`"ilmd":{"example:lot":"L1"}`), "OBSERVE", "ADD", 1)),
		"sensor only":        doc(`{"type":"ObjectEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"-05:00","action":"OBSERVE","readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"},"sensorElementList":[{"sensorReport":[{"type":"Temperature","value":4.5,"uom":"CEL"}]}]}`),
		"transformation":     doc(`{"type":"TransformationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+14:00","inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.012345.L1","quantity":2.5,"uom":"KGM"}],"outputEPCList":["urn:epc:id:sgtin:4012345.011111.9"]}`),
		"custom event":       doc(`{"type":"https://example.com/CustomEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+01:00","example:anything":true}`),
		"aggregation delete": doc(`{"type":"AggregationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+01:00","action":"DELETE","parentID":"urn:epc:id:sscc:4012345.0000000001"}`),
	} {
		if vs := v.Document(decode(t, d)); vs != nil {
			t.Errorf("%s: unexpected violations: %s", name, summary(vs))
		}
	}
}

func TestViolations(t *testing.T) {
	v := MustCompile()
	const ev0 = "/epcisBody/eventList/0"
	tests := []struct {
		name    string
		doc     string
		pointer string // of the first violation
		message string // substring of its message
		count   int    // expected number of violations
	}{
		{"missing context", strings.Replace(doc(objectEvent("")), `"@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",`, "", 1), "", "'@context'", 1},
		{"wrong document type", strings.Replace(doc(), `"EPCISDocument"`, `"EPCISQueryDocument"`, 1), "/type", "EPCISDocument", 1},
		{"bad creationDate", strings.Replace(doc(), "2026-01-01T00:00:00Z", "yesterday", 1), "/creationDate", "RFC 3339", 1},
		{"unknown top-level field", strings.Replace(doc(), `"type"`, `"comment":"x","type"`, 1), "/comment", `"comment" is not defined`, 1},
		{"eventList not array", `{"@context":"x:y","type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":{}}}`, "/epcisBody/eventList", "want array", 1},
		{"event without type", doc(`{"eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00"}`), ev0, "'type'", 1},
		{"unknown event type", doc(`{"type":"ObjectEvnt","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00"}`), ev0 + "/type", "absolute URI", 1},
		{"missing action", doc(strings.Replace(objectEvent(""), `"action":"OBSERVE",`, "", 1)), ev0, "'action'", 1},
		{"bad action", doc(strings.Replace(objectEvent(""), "OBSERVE", "CREATE", 1)), ev0 + "/action", "ADD", 1},
		{"bad EPC", doc(objectEvent(`"quantityList":[]`) + `,` + strings.Replace(objectEvent(""), "urn:epc:id:sgtin:4012345.011111.1", "4012345.011111.1", 1)), "/epcisBody/eventList/1/epcList/0", "absolute URI", 1},
		{"duplicate EPC", doc(strings.Replace(objectEvent(""), `["urn:epc:id:sgtin:4012345.011111.1"]`, `["urn:x:1","urn:x:1"]`, 1)), ev0 + "/epcList", "equal", 1},
		{"no identifiers", doc(strings.Replace(objectEvent(""), `,"epcList":["urn:epc:id:sgtin:4012345.011111.1"]`, "", 1)), ev0, "'epcList'", 1},
		{"empty quantityList only", doc(strings.Replace(objectEvent(""), `"epcList":["urn:epc:id:sgtin:4012345.011111.1"]`, `"quantityList":[]`, 1)), ev0, "quantityList", 1},
		{"bad time zone", doc(strings.Replace(objectEvent(""), "+00:00", "+15:00", 1)), ev0 + "/eventTimeZoneOffset", "time zone offset", 1},
		{"CBV URI instead of word", doc(objectEvent(`"bizStep":"urn:epcglobal:cbv:bizstep:shipping"`)), ev0 + "/bizStep", "bare word", 1},
		{"unknown bizStep word", doc(objectEvent(`"bizStep":"transforming"`)), ev0 + "/bizStep", "41 values", 1},
		{"ilmd without ADD", doc(objectEvent(`"ilmd":{"example:lot":"L1"}`)), ev0 + "/action", "ADD", 1},
		{"ilmd field without namespace", doc(strings.Replace(objectEvent(`"ilmd":{"lot":"L1"}`), "OBSERVE", "ADD", 1)), ev0 + "/ilmd/lot", "namespace prefix", 1},
		{"quantity as text", doc(objectEvent(`"quantityList":[{"epcClass":"urn:x:c","quantity":"5"}]`)), ev0 + "/quantityList/0/quantity", "want number", 1},
		{"bad uom", doc(objectEvent(`"quantityList":[{"epcClass":"urn:x:c","quantity":5,"uom":"kg"}]`)), ev0 + "/quantityList/0/uom", "pattern", 1},
		{"unknown field in quantity", doc(objectEvent(`"quantityList":[{"epcClass":"urn:x:c","weight":5}]`)), ev0 + "/quantityList/0/weight", "not defined", 1},
		{"readPoint without id", doc(objectEvent(`"readPoint":{}`)), ev0 + "/readPoint", "'id'", 1},
		{"source without type", doc(objectEvent(`"sourceList":[{"source":"urn:x:y"}]`)), ev0 + "/sourceList/0", "'type'", 1},
		{"web vocabulary URI", doc(objectEvent(`"sensorElementList":[{"sensorReport":[{"type":"https://gs1.org/voc/Temperature"}]}]`)), ev0 + "/sensorElementList/0/sensorReport/0/type", "bare term", 1},
		{"empty sensorReport", doc(objectEvent(`"sensorElementList":[{"sensorReport":[]}]`)), ev0 + "/sensorElementList/0/sensorReport", "minItems", 1},
		{"persistentDisposition empty", doc(objectEvent(`"persistentDisposition":{}`)), ev0 + "/persistentDisposition", "minProperties", 1},
		{"transaction without bizTransactionList", doc(`{"type":"TransactionEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","epcList":["urn:x:1"]}`), ev0, "'bizTransactionList'", 1},
		{"association without parentID", doc(`{"type":"AssociationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","childEPCs":["urn:x:1"]}`), ev0, "'parentID'", 1},
		{"transformation with action", doc(`{"type":"TransformationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","inputEPCList":["urn:x:1"],"outputEPCList":["urn:x:2"]}`), ev0 + "/action", "not defined", 1},
		{"transformation inputs only", doc(`{"type":"TransformationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","inputEPCList":["urn:x:1"]}`), ev0, "none of the allowed forms", 1},
		{"error declaration without time", doc(objectEvent(`"errorDeclaration":{"reason":"incorrect_data"}`)), ev0 + "/errorDeclaration", "'declarationTime'", 1},
		{"two bad events", doc(strings.Replace(objectEvent(""), "OBSERVE", "X", 1), objectEvent(""), strings.Replace(objectEvent(""), "OBSERVE", "Y", 1)), ev0 + "/action", "ADD", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := v.Document(decode(t, tt.doc))
			if len(vs) != tt.count {
				t.Fatalf("got %d violations, want %d: %s", len(vs), tt.count, summary(vs))
			}
			if vs[0].Pointer != tt.pointer || !strings.Contains(vs[0].Message, tt.message) {
				t.Errorf("got %s\nwant pointer %q, message containing %q", vs[0], tt.pointer, tt.message)
			}
		})
	}
}

func TestEvent(t *testing.T) {
	v := MustCompile()
	ev := decode(t, objectEvent("")).(map[string]any)
	if vs := v.ListedEvent(ev); vs != nil {
		t.Errorf("ListedEvent: %s", summary(vs))
	}
	if vs := v.Event(ev); len(vs) != 1 || !strings.Contains(vs[0].Message, "'@context'") {
		t.Errorf("Event without @context: got %s, want one violation about @context", summary(vs))
	}
	ev["@context"] = []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", map[string]any{"example": "https://example.com/"}}
	if vs := v.Event(ev); vs != nil {
		t.Errorf("Event with @context: %s", summary(vs))
	}
	if vs := v.Instance(ev); vs != nil {
		t.Errorf("Instance(event): %s", summary(vs))
	}
}

func TestSchemaIsRE2Only(t *testing.T) {
	// Compile uses Go's regexp engine, so compiling at all proves every
	// pattern is RE2; this guards against look-around sneaking back in.
	if bytes.Contains(Schema(), []byte("(?!")) || bytes.Contains(Schema(), []byte("(?=")) {
		t.Fatal("schema contains a look-ahead")
	}
	if _, err := Compile(); err != nil {
		t.Fatal(err)
	}
}

func TestPointerOrder(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"/a/2", "/a/10", -1},
		{"/a/10", "/a/2", 1},
		{"/a", "/a/0", -1},
		{"/b", "/a/0", 1},
		{"", "/a", -1},
	} {
		got := comparePointers(tt.a, tt.b)
		if (got < 0) != (tt.want < 0) || (got > 0) != (tt.want > 0) {
			t.Errorf("comparePointers(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := pointer([]string{"a/b", "c~d", "0"}); got != "/a~1b/c~0d/0" {
		t.Errorf("pointer = %q", got)
	}
}
