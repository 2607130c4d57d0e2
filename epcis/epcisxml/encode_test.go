package epcisxml

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/gs1/gs1test"
	"github.com/lotline/lotline/schemas"
)

// encJsonExample is one JSON-LD file of GS1's or openepcis's examples that
// Lotline accepts.
type encJsonExample struct {
	rel  string
	tree map[string]any
}

// encJsonExampleDirs are the JSON folders the encoder is tested on.
var encJsonExampleDirs = []string{
	"gs1-EPCIS/examples/JSON",
	"gs1-EPCIS/examples/JSON-simple-context",
	"more-examples/openepcis-test-resources/2.0/EPCIS/JSON/Capture/Documents",
	"more-examples/openepcis-test-resources/2.0/EPCIS/JSON/Capture/Events",
	"more-examples/openepcis-test-resources/2.0/EPCIS/JSON/Query",
}

// encLoadJSONExamples returns the documents and bare events of
// encJsonExampleDirs that Lotline accepts: epcis.DecodeJSON reads them
// (duplicate keys are refused there) and, for capture documents and
// events, the EPCIS JSON Schema accepts them. Invalid-fixture folders are
// left out.
func encLoadJSONExamples(t *testing.T) (dir string, docs, events []encJsonExample) {
	t.Helper()
	dir = gs1test.Dir(t)
	v := schemas.MustCompile()
	refused := 0
	for _, sub := range encJsonExampleDirs {
		filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "Invalid" || d.Name() == "Queries" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, ".jsonld") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, p)
			x, err := epcis.DecodeJSON(data, epcis.JSONLimits{})
			if err != nil {
				refused++
				t.Logf("%s: not read (%v)", rel, err)
				return nil
			}
			m, ok := x.(map[string]any)
			if !ok {
				return nil
			}
			switch typ, _ := m["type"].(string); {
			case typ == "EPCISDocument":
				if vs := v.Document(m); len(vs) > 0 {
					refused++
					t.Logf("%s: refused by the schema (%v)", rel, vs[0])
					return nil
				}
				docs = append(docs, encJsonExample{rel, m})
			case typ == "EPCISQueryDocument":
				docs = append(docs, encJsonExample{rel, m})
			case EventFields[typ] != nil:
				if vs := v.Event(m); len(vs) > 0 {
					refused++
					return nil
				}
				events = append(events, encJsonExample{rel, m})
			}
			return nil
		})
	}
	t.Logf("%d documents and %d bare events accepted, %d files refused by the JSON reader or schema", len(docs), len(events), refused)
	return dir, docs, events
}

// TestEncodeExamples encodes every accepted example: the output must be
// well-formed XML that follows the content models of GS1's XSDs, with one
// event element per JSON event, in order.
func TestEncodeExamples(t *testing.T) {
	dir, docs, events := encLoadJSONExamples(t)
	xsd := epcisXSD(t, dir)
	if len(docs) < 60 {
		t.Errorf("only %d example documents found", len(docs))
	}
	for _, ex := range docs {
		t.Run(ex.rel, func(t *testing.T) {
			out, err := AppendDocument(nil, ex.tree)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range xsd.checkDocument(out) {
				t.Error(v)
			}
			root, err := parseOutput(out)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := encEventTypes(root), encJsonEventTypes(ex.tree); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("events %v, want %v", got, want)
			}
		})
	}
	for _, ex := range events {
		t.Run(ex.rel, func(t *testing.T) {
			out, err := AppendEvent(nil, ex.tree, epcis.Namespaces(ex.tree["@context"]))
			if err != nil {
				t.Fatal(err)
			}
			root, err := parseOutput(encWithDeclarations(epcis.Namespaces(ex.tree["@context"]), out))
			if err != nil {
				t.Fatal(err)
			}
			root = root.kids[0]
			typ := ex.tree["type"].(string)
			if root.name.Local != typ {
				t.Fatalf("root %s, want %s", root.name.Local, typ)
			}
			for _, v := range xsd.check(root, typ+"Type", "/"+typ) {
				t.Error(v)
			}
		})
	}
}

// encWithDeclarations wraps an event in an element that declares ns, as
// AppendQueryDocumentStart does.
func encWithDeclarations(ns map[string]string, event []byte) []byte {
	b := []byte("<w")
	for _, p := range sortedKeys(ns) {
		if iri, ok := declaredNS(ns, p); ok {
			b = appendNSDecl(b, p, iri)
		}
	}
	b = append(b, '>')
	b = append(b, event...)
	return append(b, "</w>"...)
}

// encEventTypes lists the event elements of an encoded document.
func encEventTypes(root *xmlElem) []string {
	var out []string
	var walk func(e *xmlElem)
	walk = func(e *xmlElem) {
		if e.name.Space == "" && EventFields[e.name.Local] != nil {
			out = append(out, e.name.Local)
			return
		}
		for _, k := range e.kids {
			walk(k)
		}
	}
	walk(root)
	return out
}

func encJsonEventTypes(doc map[string]any) []string {
	body, _ := doc["epcisBody"].(map[string]any)
	list, _ := body["eventList"].([]any)
	if qr, ok := body["queryResults"].(map[string]any); ok {
		rb, _ := qr["resultsBody"].(map[string]any)
		list, _ = rb["eventList"].([]any)
	}
	var out []string
	for _, x := range list {
		out = append(out, x.(map[string]any)["type"].(string))
	}
	return out
}

// mustJSON decodes JSON into the generic tree, numbers as json.Number.
func mustEvent(t testing.TB, s string) map[string]any {
	t.Helper()
	x, err := epcis.DecodeJSON([]byte(s), epcis.JSONLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return x.(map[string]any)
}

func TestAppendEventForms(t *testing.T) {
	ns := map[string]string{"ex": "https://ex.example/ns/"}
	tests := []struct {
		name  string
		event string
		ns    map[string]string
		want  []string // substrings, in this order
		not   []string
	}{
		{
			name:  "order follows the XSD, not the JSON",
			event: `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"eventTimeZoneOffset":"+01:00","eventTime":"2024-01-01T10:00:00.000+01:00","eventID":"urn:uuid:1"}`,
			want:  []string{"<ObjectEvent>", "<eventTime>", "<eventTimeZoneOffset>", "<eventID>", "<epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>", "<action>OBSERVE</action>", "<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>", "</ObjectEvent>"},
		},
		{
			name:  "CBV URIs stay as they are",
			event: `{"type":"ObjectEvent","action":"OBSERVE","bizStep":"https://ref.gs1.org/cbv/BizStep-shipping","disposition":"urn:epcglobal:cbv:disp:in_transit","epcList":[]}`,
			want:  []string{"<bizStep>https://ref.gs1.org/cbv/BizStep-shipping</bizStep>", "<disposition>urn:epcglobal:cbv:disp:in_transit</disposition>"},
		},
		{
			name:  "typed lists and persistent disposition",
			event: `{"type":"TransactionEvent","action":"ADD","bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0614141073467:PO1"},{"bizTransaction":"urn:x:1"}],"sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:0614141.00001"}],"persistentDisposition":{"set":["completeness_verified"],"unset":["completeness_inferred"]}}`,
			want:  []string{`<bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:0614141073467:PO1</bizTransaction><bizTransaction>urn:x:1</bizTransaction></bizTransactionList>`, `<sourceList><source type="urn:epcglobal:cbv:sdt:owning_party">`, `<persistentDisposition><unset>urn:epcglobal:cbv:disp:completeness_inferred</unset><set>urn:epcglobal:cbv:disp:completeness_verified</set></persistentDisposition>`},
		},
		{
			name:  "sensor reports are attributes, sensor types gs1: CURIEs",
			event: `{"type":"ObjectEvent","action":"OBSERVE","epcList":[],"sensorElementList":[{"sensorMetadata":{"time":"2024-01-01T10:00:00Z","ex:batch":"b1"},"sensorReport":[{"type":"Temperature","value":26.5,"uom":"CEL","booleanValue":true,"exception":"ALARM_CONDITION"}],"ex:note":"n"}]}`,
			ns:    ns,
			want:  []string{`<sensorElement><sensorMetadata time="2024-01-01T10:00:00Z" ex:batch="b1"/>`, `<sensorReport type="gs1:Temperature" exception="gs1:ALARM_CONDITION" value="26.5" booleanValue="true" uom="CEL"/>`, `<ex:note>n</ex:note></sensorElement>`},
			not:   []string{"xmlns:ex"}, // declared on the enclosing element
		},
		{
			name:  "extensions: nesting, arrays, types",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":[],"ilmd":{"cbvmda:lotNumber":"LOT1","ex:n":[1,"2",true,{"ex:in":"x"}],"ex:none":null}}`,
			ns:    ns,
			want: []string{` xmlns:cbvmda="urn:epcglobal:cbv:mda"`, ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`, `<ilmd><cbvmda:lotNumber>LOT1</cbvmda:lotNumber>`,
				`<ex:n xsi:type="xsd:integer">1</ex:n><ex:n xsi:type="xsd:string">2</ex:n><ex:n xsi:type="xsd:boolean">true</ex:n><ex:n><ex:in>x</ex:in></ex:n>`, `<ex:none xsi:nil="true"/></ilmd>`},
		},
		{
			name:  "full IRI keys get a prefix, unknown prefixes name themselves",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":[],"https://other.example/v#field":"a","foo:bar":"b","urn:x:y:z":"c"}`,
			ns:    ns,
			want:  []string{`xmlns:foo="foo:"`, `xmlns:ns1="https://other.example/v#"`, `xmlns:urn="urn:x:y:"`, `<foo:bar>b</foo:bar>`, `<ns1:field>a</ns1:field>`, `<urn:z>c</urn:z>`},
		},
		{
			name:  "a full IRI key in a known namespace takes its prefix",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":[],"https://ex.example/ns/thing":"a","urn:epcglobal:cbv:mda:lotNumber":"L"}`,
			ns:    ns,
			want:  []string{`<ObjectEvent xmlns:cbvmda="urn:epcglobal:cbv:mda">`, `<ex:thing>a</ex:thing>`, `<cbvmda:lotNumber>L</cbvmda:lotNumber>`},
		},
		{
			name:  "a prefix XML reserves is renamed",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":[],"xsi:odd":"a","epcis:x":"b"}`,
			want:  []string{`<ns1:x>b</ns1:x>`, `<ns2:odd>a</ns2:odd>`},
			not:   []string{"<xsi:odd", "<epcis:x"},
		},
		{
			name:  "escaping",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":["urn:x:<&>\"'"],"ex:t":"a\r\nb\t]]>"}`,
			ns:    ns,
			want:  []string{`<epc>urn:x:&lt;&amp;&gt;"'</epc>`, "<ex:t>a&#xD;\nb\t]]&gt;</ex:t>"},
		},
		{
			name:  "event context",
			event: `{"@context":[{"own":"https://own.example/"}],"type":"AssociationEvent","parentID":"urn:x:p","action":"ADD","own:f":"v"}`,
			want:  []string{`<AssociationEvent xmlns:own="https://own.example/">`, `<parentID>urn:x:p</parentID>`, `<own:f>v</own:f>`},
		},
		{
			name:  "value objects and text with attributes",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":[],"ex:v":{"@value":"5","@type":"xsd:integer"},"ex:w":{"#text":"t","ex:unit":"kg"}}`,
			ns:    ns,
			want:  []string{`<ex:v xsi:type="xsd:integer">5</ex:v>`, `<ex:w ex:unit="kg">t</ex:w>`},
		},
		{
			name:  "certificationInfo list",
			event: `{"type":"ObjectEvent","action":"ADD","epcList":[],"certificationInfo":["https://c/1","https://c/2"]}`,
			want:  []string{`<certificationInfo>https://c/1</certificationInfo><certificationInfo>https://c/2</certificationInfo>`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("<x>")
			out, err := AppendEvent(prefix, mustEvent(t, tc.event), tc.ns)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("the buffer's contents were not kept")
			}
			s := string(out[len(prefix):])
			rest := s
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing (or out of order) %q in\n%s", w, s)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tc.not {
				if strings.Contains(s, n) {
					t.Errorf("unexpected %q in\n%s", n, s)
				}
			}
			// With the declarations ns stands for, it parses.
			if _, err := parseOutput(encWithDeclarations(tc.ns, []byte(s))); err != nil {
				t.Errorf("not well-formed: %v\n%s", err, s)
			}
		})
	}
}

func TestAppendEventErrors(t *testing.T) {
	tests := []struct {
		name, event string
		kind        epcis.Kind
		pointer     string
	}{
		{"unknown type", `{"type":"QuantityEvent"}`, epcis.KindValidation, "/type"},
		{"unprefixed unknown field", `{"type":"ObjectEvent","action":"ADD","colour":"red"}`, epcis.KindValidation, "/colour"},
		{"field of another event type", `{"type":"AggregationEvent","action":"ADD","ilmd":{}}`, epcis.KindValidation, "/ilmd"},
		{"object as a sensor attribute", `{"type":"ObjectEvent","action":"ADD","sensorElementList":[{"sensorReport":[{"type":"Temperature","ex:o":{"ex:a":1}}]}]}`, epcis.KindNotAcceptable, "/sensorElementList/0/sensorReport/0/ex:o"},
		{"control character", `{"type":"ObjectEvent","action":"ADD","epcList":["urn:x:\u0001"]}`, epcis.KindNotAcceptable, "/epcList/0"},
		{"object for a string", `{"type":"ObjectEvent","action":{"a":1}}`, epcis.KindValidation, "/action"},
		{"extra member of a closed type", `{"type":"ObjectEvent","action":"ADD","quantityList":[{"epcClass":"urn:x:c","ex:q":1}]}`, epcis.KindNotAcceptable, "/quantityList/0/ex:q"},
		{"key that is no XML name", `{"type":"ObjectEvent","action":"ADD","ex:1a":"x"}`, epcis.KindNotAcceptable, "/ex:1a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte("kept")
			out, err := AppendEvent(in, mustEvent(t, tc.event), map[string]string{"ex": "https://ex.example/"})
			if err == nil {
				t.Fatalf("no error; wrote %s", out)
			}
			if string(out) != "kept" {
				t.Errorf("output on error %q, want the input back", out)
			}
			ee, ok := err.(*epcis.Error)
			if !ok {
				t.Fatalf("%T %v, want *epcis.Error", err, err)
			}
			if ee.Kind != tc.kind || ee.Pointer != tc.pointer {
				t.Errorf("kind %v pointer %q (%v), want %v %q", ee.Kind, ee.Pointer, err, tc.kind, tc.pointer)
			}
		})
	}
}

func TestAppendDocumentMasterData(t *testing.T) {
	doc := mustEvent(t, `{
		"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ext1":"http://example.com/ext1/"}],
		"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z",
		"epcisHeader":{"epcisMasterData":{"vocabularyList":[{"type":"urn:epcglobal:epcis:vtype:BusinessLocation",
			"vocabularyElementList":[{"id":"urn:epc:id:sgln:0037000.00729.0",
				"attributes":[{"id":"urn:epcglobal:cbv:mda#name","attribute":"Plant & Co"},
					{"id":"http://example.com/ext1#object","attribute":{"ext1:a":"1","inner":"x"}},
					{"id":"urn:epcglobal:cbv:mda#sst","attribute":201}],
				"children":["urn:epc:id:sgln:0037000.00729.8201"]}]}]}},
		"epcisBody":{"eventList":[]}}`)
	out, err := AppendDocument(nil, doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `<EPCISHeader><extension><EPCISMasterData><VocabularyList><Vocabulary type="urn:epcglobal:epcis:vtype:BusinessLocation"><VocabularyElementList><VocabularyElement id="urn:epc:id:sgln:0037000.00729.0">` +
		`<attribute id="urn:epcglobal:cbv:mda#name">Plant &amp; Co</attribute>` +
		`<attribute id="http://example.com/ext1#object"><ext1:a xsi:type="xsd:string">1</ext1:a><inner>x</inner></attribute>` +
		`<attribute id="urn:epcglobal:cbv:mda#sst">201</attribute>` +
		`<children><id>urn:epc:id:sgln:0037000.00729.8201</id></children></VocabularyElement></VocabularyElementList></Vocabulary></VocabularyList></EPCISMasterData></extension></EPCISHeader><EPCISBody><EventList></EventList></EPCISBody>`
	if !strings.Contains(string(out), want) {
		t.Errorf("got\n%s\nwant it to contain\n%s", out, want)
	}
	xsd := epcisXSD(t, gs1test.Dir(t))
	for _, v := range xsd.checkDocument(out) {
		t.Error(v)
	}
}

func TestQueryDocumentStream(t *testing.T) {
	ns := map[string]string{"ex": "https://ex.example/", "xml-bad": "https://bad.example/", "epcis": "https://ref.gs1.org/epcis/"}
	b := AppendQueryDocumentStart(nil, ns, "SimpleEventQuery", "sub-1", mustTime(t, "2024-03-01T10:00:00.5+01:00"))
	for _, ev := range []string{
		`{"type":"ObjectEvent","eventTime":"2024-01-01T10:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["urn:x:1"],"ex:a":"1x","xml-bad:b":"2x"}`,
		`{"type":"AggregationEvent","eventTime":"2024-01-01T10:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","parentID":"urn:x:p","epcis:c":"3x"}`,
	} {
		var err error
		if b, err = AppendEvent(b, mustEvent(t, ev), ns); err != nil {
			t.Fatal(err)
		}
	}
	b = AppendQueryDocumentEnd(b)
	s := string(b)
	for _, w := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:2" xmlns:ex="https://ex.example/" schemaVersion="2.0" creationDate="2024-03-01T09:00:00.500Z"><EPCISBody><epcisq:QueryResults><queryName>SimpleEventQuery</queryName><subscriptionID>sub-1</subscriptionID><resultsBody><EventList><ObjectEvent xmlns:ns1="https://bad.example/">`,
		`<ex:a>1x</ex:a><ns1:b>2x</ns1:b></ObjectEvent><AggregationEvent xmlns:ns1="https://ref.gs1.org/epcis/">`,
	} {
		if !strings.Contains(s, w) {
			t.Errorf("missing %q in\n%s", w, s)
		}
	}
	xsd := epcisXSD(t, gs1test.Dir(t))
	for _, v := range xsd.checkDocument(b) {
		t.Error(v)
	}
}

func TestExceptionAndCaptureJob(t *testing.T) {
	err := epcis.Invalid("/epcisBody/eventList/0/action", "action must be ADD, OBSERVE or DELETE")
	got := string(AppendException(nil, ProblemOf(err)))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<epcis:EPCISException xmlns:epcis="urn:epcglobal:epcis:xsd:2"><type>epcisException:ValidationException</type><title>Invalid EPCIS data</title><status>400</status><detail>/epcisBody/eventList/0/action: action must be ADD, OBSERVE or DELETE</detail></epcis:EPCISException>` + "\n"
	if got != want {
		t.Errorf("exception\n%s\nwant\n%s", got, want)
	}
	if p := ProblemOf(os.ErrClosed); p.Detail != "internal error" || p.Status != 500 {
		t.Errorf("internal error shown as %+v", p)
	}
	job := CaptureJob{CaptureID: "c<1>", Running: false, Success: false, ErrorBehaviour: "rollback",
		CreatedAt: mustTime(t, "2022-03-03T10:33:31.116+01:00"), FinishedAt: mustTime(t, "2022-03-03T10:33:45.001+01:00"),
		Errors: []Problem{{Type: "epcisException:ValidationException", Title: "Invalid EPCIS data", Status: 400, Detail: "bad"}}}
	got = string(AppendCaptureJob(nil, job))
	want = `<epcis:EPCISCaptureJob xmlns:epcis="urn:epcglobal:epcis:xsd:2" running="false" success="false" captureID="c&lt;1&gt;"><captureErrorBehaviour>rollback</captureErrorBehaviour><createdAt>2022-03-03T09:33:31.116Z</createdAt><finishedAt>2022-03-03T09:33:45.001Z</finishedAt><errors><error><type>epcisException:ValidationException</type><title>Invalid EPCIS data</title><status>400</status><detail>bad</detail></error></errors></epcis:EPCISCaptureJob>`
	if !strings.Contains(got, want) {
		t.Errorf("capture job\n%s\nwant\n%s", got, want)
	}
	xsd := epcisXSD(t, gs1test.Dir(t))
	for _, doc := range [][]byte{AppendException(nil, ProblemOf(err)), []byte(got)} {
		for _, v := range xsd.checkDocument(doc) {
			t.Error(v)
		}
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := epcis.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestEncodeGeneratedXSD checks generated documents (every event type,
// sensor data, ILMD, master data) against the XSD content models.
func TestEncodeGeneratedXSD(t *testing.T) {
	xsd := epcisXSD(t, gs1test.Dir(t))
	g := epcisgen.New(3)
	for d := 0; d < 2; d++ {
		out, err := AppendDocument(nil, g.Document(500))
		if err != nil {
			t.Fatal(err)
		}
		vs := xsd.checkDocument(out)
		for i, v := range vs {
			if i == 10 {
				t.Errorf("... %d violations in all", len(vs))
				break
			}
			t.Error(v)
		}
	}
}
