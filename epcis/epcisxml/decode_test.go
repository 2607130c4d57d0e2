package epcisxml

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/lotline/lotline/epcis"
)

// mustJSON decodes expected JSON into the generic tree form.
func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := epcis.DecodeJSON([]byte(s), epcis.JSONLimits{})
	if err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return v
}

func firstEvent(t testing.TB, tree any) map[string]any {
	t.Helper()
	list := tree.(map[string]any)["epcisBody"].(map[string]any)["eventList"].([]any)
	return list[0].(map[string]any)
}

const evHead = `<eventTime>2024-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>`

// TestEventMapping checks the mapping decisions one by one: each XML event
// (in an EPCIS 2.0 document declaring xmlns:ex) gives the JSON-LD members
// listed (type, eventTime and eventTimeZoneOffset are left out).
func TestEventMapping(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{"epcList and CBV values as bare words",
			`<ObjectEvent>` + evHead + `<epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>ADD</action>` +
				`<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep><disposition>https://ref.gs1.org/cbv/Disp-in_transit</disposition>` +
				`<readPoint><id>urn:epc:id:sgln:0614141.07346.1234</id></readPoint></ObjectEvent>`,
			`{"epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"action":"ADD","bizStep":"shipping","disposition":"in_transit","readPoint":{"id":"urn:epc:id:sgln:0614141.07346.1234"}}`},
		{"custom vocabulary values stay URIs",
			`<ObjectEvent>` + evHead + `<action>OBSERVE</action><bizStep>https://example.com/steps/gluing</bizStep></ObjectEvent>`,
			`{"action":"OBSERVE","bizStep":"https://example.com/steps/gluing"}`},
		{"quantities are JSON numbers in canonical form",
			`<ObjectEvent>` + evHead + `<action>OBSERVE</action><quantityList>` +
				`<quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>+007.50</quantity><uom>KGM</uom></quantityElement>` +
				`<quantityElement><epcClass>urn:epc:idpat:sgtin:4012345.098765.*</epcClass><quantity>.5</quantity></quantityElement>` +
				`<quantityElement><epcClass>urn:epc:idpat:sgtin:4012345.098765.*</epcClass><quantity xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/></quantityElement>` +
				`</quantityList></ObjectEvent>`,
			`{"action":"OBSERVE","quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.012345.998877","quantity":7.50,"uom":"KGM"},{"epcClass":"urn:epc:idpat:sgtin:4012345.098765.*","quantity":0.5},{"epcClass":"urn:epc:idpat:sgtin:4012345.098765.*"}]}`},
		{"typed lists",
			`<TransactionEvent>` + evHead + `<bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0614141073467:1152</bizTransaction><bizTransaction>http://example.com/t/1</bizTransaction></bizTransactionList>` +
				`<action>ADD</action><sourceList><source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:0614141.00001</source></sourceList>` +
				`<destinationList><destination type="https://example.com/sdt/x">urn:epc:id:pgln:0614141.00002</destination></destinationList></TransactionEvent>`,
			`{"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0614141073467:1152"},{"bizTransaction":"http://example.com/t/1"}],"action":"ADD",` +
				`"sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:0614141.00001"}],"destinationList":[{"type":"https://example.com/sdt/x","destination":"urn:epc:id:pgln:0614141.00002"}]}`},
		{"sensor data typed by the XSD",
			`<ObjectEvent>` + evHead + `<action>OBSERVE</action><sensorElementList><sensorElement>` +
				`<sensorMetadata time="2024-01-01T00:00:00Z" deviceID="urn:epc:id:giai:4000001.111" ex:batch="7"/>` +
				`<sensorReport type="gs1:Temperature" value="26.0" minValue="1E1" booleanValue="1" hexBinaryValue="0AFF" uom="CEL" bizRules="https://example.com/r"/>` +
				`<sensorReport type="gs1:AbsoluteHumidity" exception="gs1:ALARM_CONDITION" component="gs1:x"/>` +
				`<ex:note>checked</ex:note></sensorElement></sensorElementList></ObjectEvent>`,
			`{"action":"OBSERVE","sensorElementList":[{"sensorMetadata":{"time":"2024-01-01T00:00:00Z","deviceID":"urn:epc:id:giai:4000001.111","ex:batch":7},` +
				`"sensorReport":[{"type":"Temperature","value":26.0,"minValue":1E1,"booleanValue":true,"hexBinaryValue":"0AFF","uom":"CEL","bizRules":"https://example.com/r"},` +
				`{"type":"AbsoluteHumidity","exception":"ALARM_CONDITION","component":"gs1:x"}],"ex:note":"checked"}]}`},
		{"persistent disposition and error declaration",
			`<ObjectEvent>` + evHead + `<errorDeclaration><declarationTime>2024-01-02T00:00:00Z</declarationTime><reason>urn:epcglobal:cbv:er:incorrect_data</reason>` +
				`<correctiveEventIDs><correctiveEventID>urn:uuid:1</correctiveEventID></correctiveEventIDs><ex:by>me</ex:by></errorDeclaration>` +
				`<action>OBSERVE</action><persistentDisposition><unset>urn:epcglobal:cbv:disp:active</unset><set>urn:epcglobal:cbv:disp:recalled</set></persistentDisposition></ObjectEvent>`,
			`{"errorDeclaration":{"declarationTime":"2024-01-02T00:00:00Z","reason":"incorrect_data","correctiveEventIDs":["urn:uuid:1"],"ex:by":"me"},"action":"OBSERVE",` +
				`"persistentDisposition":{"unset":["active"],"set":["recalled"]}}`},
		{"extension elements: numbers, leading zeros, repetition, nesting, attributes",
			`<ObjectEvent>` + evHead + `<action>OBSERVE</action><ilmd><ex:lot>0042</ex:lot><ex:weight>3.5</ex:weight><ex:when>2024-01-01T00:00:00Z</ex:when></ilmd>` +
				`<ex:tag>a</ex:tag><ex:tag>1</ex:tag><ex:box><ex:size>-1e3</ex:size><plain>x</plain></ex:box><ex:net unit="KGM">2</ex:net><ex:empty/></ObjectEvent>`,
			`{"action":"OBSERVE","ilmd":{"ex:lot":"0042","ex:weight":3.5,"ex:when":"2024-01-01T00:00:00Z"},"ex:tag":["a",1],"ex:box":{"ex:size":-1e3,"plain":"x"},` +
				`"ex:net":{"unit":"KGM","#text":2},"ex:empty":""}`},
		{"baseExtension and extension wrappers of 2.0 hold extension elements",
			`<AggregationEvent>` + evHead + `<certificationInfo>https://example.com/cert/1</certificationInfo><baseExtension><ex:a>1</ex:a></baseExtension>` +
				`<parentID>urn:epc:id:sscc:0614141.1234567890</parentID><action>ADD</action><extension><ex:b>2</ex:b></extension><ex:c>3</ex:c></AggregationEvent>`,
			`{"certificationInfo":"https://example.com/cert/1","ex:a":1,"parentID":"urn:epc:id:sscc:0614141.1234567890","action":"ADD","ex:b":2,"ex:c":3}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(xmlDoc(tc.xml), `<epcis:EPCISDocument `, `<epcis:EPCISDocument xmlns:ex="https://example.com/ex/" `, 1)
			d, err := Decode([]byte(src), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			ev := firstEvent(t, d.Tree)
			for _, k := range []string{"type", "eventTime", "eventTimeZoneOffset"} {
				delete(ev, k)
			}
			want := mustJSON(t, tc.want)
			if !reflect.DeepEqual(any(ev), want) {
				got, _ := json.Marshal(ev)
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestVersion12 maps a 1.2 document with its extension wrappers to the
// same event as the 2.0 one.
func TestVersion12(t *testing.T) {
	v12 := `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:ex="https://example.com/ex/" schemaVersion="1.2" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>` +
		`<ObjectEvent>` + evHead + `<baseExtension><eventID>urn:uuid:9</eventID></baseExtension>` +
		`<epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>ADD</action>` +
		`<extension><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>5</quantity></quantityElement></quantityList>` +
		`<ilmd><ex:lot>L1</ex:lot></ilmd><extension><persistentDisposition><set>urn:epcglobal:cbv:disp:active</set></persistentDisposition></extension></extension>` +
		`<ex:x>1</ex:x></ObjectEvent>` +
		`<extension><TransformationEvent>` + evHead + `<inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList></TransformationEvent>` +
		`<extension><AssociationEvent>` + evHead + `<parentID>urn:epc:id:grai:4012345.55555.987</parentID><action>ADD</action></AssociationEvent></extension></extension>` +
		`</EventList></EPCISBody></epcis:EPCISDocument>`
	v20 := `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://example.com/ex/" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>` +
		`<ObjectEvent>` + evHead + `<eventID>urn:uuid:9</eventID><epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>ADD</action>` +
		`<quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>5</quantity></quantityElement></quantityList>` +
		`<persistentDisposition><set>urn:epcglobal:cbv:disp:active</set></persistentDisposition><ilmd><ex:lot>L1</ex:lot></ilmd><ex:x>1</ex:x></ObjectEvent>` +
		`<TransformationEvent>` + evHead + `<inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList></TransformationEvent>` +
		`<AssociationEvent>` + evHead + `<parentID>urn:epc:id:grai:4012345.55555.987</parentID><action>ADD</action></AssociationEvent>` +
		`</EventList></EPCISBody></epcis:EPCISDocument>`
	d12, err := Decode([]byte(v12), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d20, err := Decode([]byte(v20), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d12.Version != "1.2" || d20.Version != "2.0" {
		t.Errorf("versions %q and %q", d12.Version, d20.Version)
	}
	if !reflect.DeepEqual(d12.Tree, d20.Tree) {
		a, _ := json.Marshal(d12.Tree)
		b, _ := json.Marshal(d20.Tree)
		t.Errorf("1.2: %s\n2.0: %s", a, b)
	}
}

// TestDocumentMapping: header, SBDH, master data, prefixes.
func TestDocumentMapping(t *testing.T) {
	src := `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:sbdh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z">` +
		`<EPCISHeader><sbdh:StandardBusinessDocumentHeader><sbdh:HeaderVersion>1.0</sbdh:HeaderVersion><sbdh:Sender><sbdh:Identifier Authority="GS1">0614141000005</sbdh:Identifier></sbdh:Sender></sbdh:StandardBusinessDocumentHeader>` +
		`<extension><EPCISMasterData><VocabularyList><Vocabulary type="urn:epcglobal:epcis:vtype:BusinessLocation"><VocabularyElementList>` +
		`<VocabularyElement id="urn:epc:id:sgln:0614141.00888.0"><attribute id="urn:epcglobal:cbv:mda#name">Warehouse</attribute>` +
		`<attribute id="urn:epcglobal:cbv:mda#address"><a:street xmlns:a="https://example.com/addr/">Main St</a:street></attribute>` +
		`<children><id>urn:epc:id:sgln:0614141.00888.1</id></children></VocabularyElement>` +
		`</VocabularyElementList></Vocabulary></VocabularyList></EPCISMasterData></extension></EPCISHeader>` +
		`<EPCISBody><EventList><ObjectEvent xmlns="https://example.com/default/">` + evHead + `</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`
	// The event above is in a default namespace: refused, EPCIS elements
	// are unqualified.
	if _, err := Decode([]byte(src), Limits{}); err == nil || !strings.Contains(err.Error(), "not an EPCIS event") {
		t.Errorf("event in a default namespace: %v", err)
	}
	src = strings.Replace(src, `<ObjectEvent xmlns="https://example.com/default/">`+evHead+`</ObjectEvent>`,
		`<ObjectEvent>`+evHead+`<epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>ADD</action><x xmlns="https://example.com/default/">1</x></ObjectEvent>`, 1)
	d, err := Decode([]byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := d.Tree.(map[string]any)
	want := mustJSON(t, `{
		"sbdh:StandardBusinessDocumentHeader": {"sbdh:HeaderVersion": 1.0, "sbdh:Sender": {"sbdh:Identifier": {"Authority": "GS1", "#text": "0614141000005"}}},
		"epcisMasterData": {"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:BusinessLocation", "vocabularyElementList": [
			{"id": "urn:epc:id:sgln:0614141.00888.0", "attributes": [
				{"id": "urn:epcglobal:cbv:mda#name", "attribute": "Warehouse"},
				{"id": "urn:epcglobal:cbv:mda#address", "attribute": {"a:street": "Main St"}}],
			 "children": ["urn:epc:id:sgln:0614141.00888.1"]}]}]}}`)
	if !reflect.DeepEqual(m["epcisHeader"], want) {
		got, _ := json.Marshal(m["epcisHeader"])
		t.Errorf("epcisHeader %s", got)
	}
	// A default namespace has no prefix: one is invented and declared.
	ctx := mustJSON(t, `["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
		{"sbdh": "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader", "a": "https://example.com/addr/", "ns1": "https://example.com/default/"}]`)
	if !reflect.DeepEqual(m["@context"], ctx) {
		got, _ := json.Marshal(m["@context"])
		t.Errorf("@context %s", got)
	}
	if firstEvent(t, d.Tree)["ns1:x"] != json.Number("1") {
		t.Errorf("event %v", firstEvent(t, d.Tree))
	}
	if errs := validateTree(t, d.Tree); len(errs) > 0 {
		t.Errorf("the tree fails validation: %v", errs)
	}
}

// TestPrefixCollision: one prefix bound to two namespaces at different
// levels keeps them apart.
func TestPrefixCollision(t *testing.T) {
	src := xmlDoc(`<ObjectEvent xmlns:ex="https://one.example/">` + evHead + `<action>ADD</action><ex:a>1</ex:a><ex:b xmlns:ex="https://two.example/">2</ex:b></ObjectEvent>`)
	d, err := Decode([]byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ev := firstEvent(t, d.Tree)
	ns := epcis.Namespaces(d.Tree.(map[string]any)["@context"])
	got := map[string]any{}
	for k, v := range ev {
		if p, local, ok := strings.Cut(k, ":"); ok {
			got[ns[p]+local] = v
		}
	}
	want := map[string]any{"https://one.example/a": json.Number("1"), "https://two.example/b": json.Number("2")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("expanded extension members %v, want %v", got, want)
	}
}

// TestXPath maps JSON pointers back to the source.
func TestXPath(t *testing.T) {
	src := xmlDoc(xmlObjectEvent + `<ObjectEvent>` + evHead + `<epcList><epc>urn:epc:id:sgtin:0614141.107346.1</epc><epc>urn:epc:id:sgtin:0614141.107346.2</epc></epcList>` +
		`<action>ADD</action><ex:x xmlns:ex="https://example.com/ex/"><ex:y>1</ex:y></ex:x></ObjectEvent>` +
		`<AggregationEvent>` + evHead + `<action>ADD</action></AggregationEvent>`)
	d, err := Decode([]byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ pointer, want string }{
		{"", "/EPCISDocument"},
		{"/epcisBody/eventList", "/EPCISDocument/EPCISBody/EventList"},
		{"/epcisBody/eventList/1/epcList/1", "/EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/epcList/epc[2]"},
		{"/epcisBody/eventList/1/action", "/EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/action"},
		{"/epcisBody/eventList/1/ex:x/ex:y", "/EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/ex:x/ex:y"},
		{"/epcisBody/eventList/2/eventTime", "/EPCISDocument/EPCISBody/EventList/AggregationEvent/eventTime"},
		// Pointers to what the XML did not hold fall back to an ancestor.
		{"/epcisBody/eventList/2/type", "/EPCISDocument/EPCISBody/EventList/AggregationEvent"},
		{"/epcisBody/eventList/0/epcList/7", "/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]"},
		{"/nothing/here", "/EPCISDocument"},
	}
	// XPath is safe for concurrent use: the lookups run at once.
	var wg sync.WaitGroup
	for _, tc := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := d.XPath(tc.pointer); got != tc.want {
				t.Errorf("XPath(%q) = %q, want %q", tc.pointer, got, tc.want)
			}
		}()
	}
	wg.Wait()
}

// TestErrorLocations: a refusal names the element at fault. Events are
// mapped as they end, before their later siblings are read, so an event's
// step always carries its position.
func TestErrorLocations(t *testing.T) {
	tests := []struct{ name, xml, pointer, says string }{
		{"bad epc list item", xmlDoc(`<ObjectEvent>` + evHead + `<epcList><epc>a</epc><id>b</id></epcList><action>ADD</action></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/epcList/id", "<id> is not expected in <epcList>"},
		{"bad decimal", xmlDoc(`<ObjectEvent>` + evHead + `<action>ADD</action><quantityList><quantityElement><epcClass>urn:x</epcClass><quantity>1e3</quantity></quantityElement></quantityList></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/quantityList/quantityElement/quantity", "not an xsd:decimal"},
		{"second event missing its action", xmlDoc(xmlObjectEvent + `<ObjectEvent>` + evHead + `</ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[2]", "required element <action> is missing"},
		{"repeated element", xmlDoc(`<ObjectEvent>` + evHead + `<action>ADD</action><action>ADD</action></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/action[2]", "out of order or repeated"},
		{"EPCIS-namespace unknown element", xmlDoc(`<ObjectEvent>` + evHead + `<action>ADD</action><epcis:foo>1</epcis:foo></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/foo", "unknown element <foo>"},
		{"sensor value not a double", xmlDoc(`<ObjectEvent>` + evHead + `<action>ADD</action><sensorElementList><sensorElement><sensorReport type="gs1:Temperature" value="warm"/></sensorElement></sensorElementList></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/sensorElementList/sensorElement/sensorReport/@value", "not a finite xsd:double"},
		{"time without zone", xmlDoc(`<ObjectEvent><eventTime>2024-01-01T00:00:00</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/eventTime", "with a time zone"},
		{"source without type", xmlDoc(`<ObjectEvent>` + evHead + `<action>ADD</action><sourceList><source>urn:x</source></sourceList></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/sourceList/source", "attribute type is required"},
		{"1.2 QuantityEvent", `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" schemaVersion="1.2" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList><QuantityEvent/></EventList></EPCISBody></epcis:EPCISDocument>`,
			"/EPCISDocument/EPCISBody/EventList/QuantityEvent[1]", "QuantityEvent"},
		{"attribute on a list", xmlDoc(`<ObjectEvent>` + evHead + `<epcList count="1"><epc>urn:x</epc></epcList><action>ADD</action></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/epcList/@count", "takes no attributes"},
		{"mixed content in an extension", xmlDoc(`<ObjectEvent>` + evHead + `<action>ADD</action><ex:a xmlns:ex="https://e/">t<ex:b/></ex:a></ObjectEvent>`),
			"/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/ex:a", "mixed content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.xml), Limits{})
			if err == nil {
				t.Fatal("accepted")
			}
			checkError(t, err)
			e := err.(*epcis.Error)
			if e.Pointer != tc.pointer || !strings.Contains(e.Message, tc.says) {
				t.Errorf("got %q at %q; want %q at %q", e.Message, e.Pointer, tc.says, tc.pointer)
			}
		})
	}
}

// TestXSIType: an extension element's xsi:type (a built-in XML Schema
// type) decides its JSON type; without one, its form does.
func TestXSIType(t *testing.T) {
	const head = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ns.example.com/epcis/" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ` +
		`schemaVersion="2.0" creationDate="2024-03-01T10:00:00Z"><EPCISBody><EventList><ObjectEvent>` +
		`<eventTime>2024-03-01T09:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>` +
		`<epcList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></epcList><action>OBSERVE</action>`
	const tail = `</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`
	tests := []struct {
		elem string
		want any
	}{
		{`<ex:v xsi:type="xs:string">10</ex:v>`, "10"},
		{`<ex:v>10</ex:v>`, json.Number("10")},
		{`<ex:v xsi:type="xs:integer">10</ex:v>`, json.Number("10")},
		{`<ex:v xsi:type="xs:boolean">true</ex:v>`, true},
		{`<ex:v xsi:type="xs:boolean">0</ex:v>`, false},
		{`<ex:v>true</ex:v>`, "true"},
		{`<ex:v xsi:type="xs:decimal">0042</ex:v>`, "0042"}, // not JSON's grammar: kept as text
		{`<ex:v xsi:type="other:string" xmlns:other="urn:x">10</ex:v>`, json.Number("10")},
	}
	for _, tt := range tests {
		d, err := Decode([]byte(head+tt.elem+tail), Limits{})
		if err != nil {
			t.Errorf("%s: %v", tt.elem, err)
			continue
		}
		ev := d.Tree.(map[string]any)["epcisBody"].(map[string]any)["eventList"].([]any)[0].(map[string]any)
		if got := ev["ex:v"]; got != tt.want {
			t.Errorf("%s = %#v, want %#v", tt.elem, got, tt.want)
		}
	}
}
