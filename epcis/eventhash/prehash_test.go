package eventhash

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// mustEvent decodes one event the way capture does (UseNumber).
func mustEvent(t testing.TB, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("bad test event %s: %v", s, err)
	}
	return m
}

var exampleNS = map[string]string{"example": "https://ns.example.com/epcis/"}

func TestPreHash(t *testing.T) {
	const head = `"type":"ObjectEvent","eventTime":"2020-03-04T11:00:30+01:00","eventTimeZoneOffset":"+01:00"`
	const headPre = "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00"
	tests := []struct {
		name, event, want string
	}{
		{"ignored fields", `{` + head + `,"eventID":"x","recordTime":"2020-01-01T00:00:00Z","errorDeclaration":{"declarationTime":"2020-01-01T00:00:00Z"},"rdfs:comment":"c","comment":"c","action":"OBSERVE"}`,
			headPre + "action=OBSERVE"},
		{"empty list and blank value omitted", `{` + head + `,"epcList":[],"action":"OBSERVE","disposition":"  "}`,
			headPre + "action=OBSERVE"},
		{"list sorted after normalisation", `{` + head + `,"epcList":["urn:epc:id:sscc:4012345.0000000333","https://id.gs1.org/00/040123450000001112"]}`,
			headPre + "epcListepc=https://id.gs1.org/00/040123450000001112epc=https://id.gs1.org/00/040123450000003338"},
		{"quantities", `{` + head + `,"quantityList":[{"uom":"KGM","quantity":12.50,"epcClass":"urn:epc:class:lgtin:4054739.099902.P2"},{"epcClass":"urn:epc:idpat:sgtin:4012345.066666.*","quantity":1.0}],"action":"ADD"}`,
			headPre + "quantityListquantityElementepcClass=https://id.gs1.org/01/04012345666663quantity=1quantityElementepcClass=https://id.gs1.org/01/04054739999025/10/P2quantity=12.5uom=KGMaction=ADD"},
		{"extensions sorted, nested, arrays flattened", `{` + head + `,"example:b":{"example:y":["3","1"],"example:x":true},"example:a":null,"example:c":""}`,
			headPre + "{https://ns.example.com/epcis/}a{https://ns.example.com/epcis/}b{https://ns.example.com/epcis/}x=true{https://ns.example.com/epcis/}y=1{https://ns.example.com/epcis/}y=3{https://ns.example.com/epcis/}c"},
		{"typed lists with the extensions", `{` + head + `,"sourceList":[{"source":"urn:epc:id:pgln:4012345.00000","type":"owning_party"}],"bizTransactionList":[{"bizTransaction":"urn:epcglobal:cbv:bt:4012345000009:1","type":"urn:epcglobal:cbv:btt:po"}],"example:z":"1"}`,
			headPre + "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:4012345000009:1sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/417/4012345000009{https://ns.example.com/epcis/}z=1"},
		{"readPoint extension inline", `{` + head + `,"readPoint":{"example:f":"AB","id":"urn:epc:id:sgln:4012345.00011.0"},"bizLocation":{}}`,
			headPre + "readPointid=https://id.gs1.org/414/4012345000115{https://ns.example.com/epcis/}f=AB"},
		{"sensor report order and vocabulary", `{` + head + `,"sensorElementList":[{"sensorReport":[{"uom":"CEL","value":26.0,"type":"Temperature","time":"2020-03-04T11:00:30.0004+01:00"}],"sensorMetadata":{"bizRules":"x","time":"2020-03-04T11:00:30+01:00"}}]}`,
			headPre + "sensorElementListsensorElementsensorMetadatatime=2020-03-04T10:00:30.000ZbizRules=xsensorReporttype=https://gs1.org/voc/Temperaturetime=2020-03-04T10:00:30.000Zvalue=26uom=CEL"},
		{"persistent disposition", `{` + head + `,"persistentDisposition":{"unset":["recalled"],"set":["damaged","active"]}}`,
			headPre + "persistentDispositionset=https://ref.gs1.org/cbv/Disp-activeset=https://ref.gs1.org/cbv/Disp-damagedunset=https://ref.gs1.org/cbv/Disp-recalled"},
		{"ilmd", `{` + head + `,"ilmd":{"cbvmda:lotNumber":"LOT1","example:batch":"0047"}}`,
			headPre + "ilmd{https://ns.example.com/epcis/}batch=47{urn:epcglobal:cbv:mda:}lotNumber=LOT1"},
		{"unknown bare terms kept", `{` + head + `,"bizStep":"my_step","disposition":"cbv:Disp-active"}`,
			headPre + "bizStep=my_stepdisposition=https://ref.gs1.org/cbv/Disp-active"},
		{"odd shapes do not break", `{` + head + `,"epcList":"urn:epc:id:sscc:4012345.0000000333","readPoint":"x","sensorElementList":[1,{"sensorReport":{"value":1}}],"bizTransactionList":{"type":"po"}}`,
			headPre + "epcListepc=https://id.gs1.org/00/040123450000003338readPoint=xsensorElementListsensorElement=1sensorElementsensorReportvalue=1bizTransactionListtype=https://ref.gs1.org/cbv/BTT-po"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PreHash(mustEvent(t, tt.event), exampleNS)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPreHashErrors(t *testing.T) {
	for _, ev := range []map[string]any{nil, {}, {"type": 1}} {
		_, err := PreHash(ev, nil)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("PreHash(%v): error %v, want *Error", ev, err)
		}
	}
}

func TestDocumentErrors(t *testing.T) {
	tests := []struct{ doc, pointer string }{
		{`[]`, ""},
		{`{} {}`, ""},
		{`{"epcisBody":1}`, "/epcisBody"},
		{`{"epcisBody":{}}`, "/epcisBody"},
		{`{"epcisBody":{"eventList":{}}}`, "/epcisBody/eventList"},
		{`{"epcisBody":{"eventList":[{"type":"ObjectEvent"},3]}}`, "/epcisBody/eventList/1"},
		{`{"epcisBody":{"eventList":[{"action":"ADD"}]}}`, "/epcisBody/eventList/0/type"},
		{`{"epcisBody":{"queryResults":{}}}`, "/epcisBody/queryResults/resultsBody"},
	}
	for _, tt := range tests {
		_, err := Document([]byte(tt.doc))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Document(%s): error %v, want *Error", tt.doc, err)
			continue
		}
		if e.Pointer != tt.pointer {
			t.Errorf("Document(%s): pointer %q, want %q (%v)", tt.doc, e.Pointer, tt.pointer, err)
		}
	}
}

func TestDocumentSingleEventAndEventContext(t *testing.T) {
	doc := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"a":"https://a.example/"}],
	"epcisBody":{"event":{"@context":{"b":"https://b.example/"},"type":"ObjectEvent","eventID":"id1","a:x":"1","b:y":"2"}}}`
	res, err := Document([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].EventID != "id1" || res[0].PreHash != "eventType=ObjectEvent{https://a.example/}x=1{https://b.example/}y=2" {
		t.Fatalf("got %+v", res)
	}
}

// TestPreHashDoesNotModify checks that the event is left as it was.
func TestPreHashDoesNotModify(t *testing.T) {
	ev := mustEvent(t, typicalEvent)
	before, _ := json.Marshal(ev)
	if _, err := PreHash(ev, exampleNS); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(ev)
	if !bytes.Equal(before, after) {
		t.Error("PreHash modified its input")
	}
}
