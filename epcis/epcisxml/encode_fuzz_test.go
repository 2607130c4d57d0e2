package epcisxml

import (
	"errors"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/eventhash"
)

// FuzzAppendEvent feeds JSON events to AppendEvent: it must never panic,
// must answer either an *epcis.Error with the input buffer unchanged, or
// well-formed XML (every prefix declared, no character XML forbids) whose
// root is the event's type element. When Decode accepts that XML (it
// validates what the encoder passes through), the event must keep its
// canonical hash.
func FuzzAppendEvent(f *testing.F) {
	for _, s := range []string{
		`{"type":"ObjectEvent","eventTime":"2024-01-01T10:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["urn:epc:id:sgtin:0614141.107346.2017"],"bizStep":"shipping","ex:a":{"ex:b":[1,"x",true,null]}}`,
		`{"@context":{"p":"urn:p:"},"type":"AggregationEvent","action":"ADD","parentID":"urn:x","p:q":"<&>","http://a.example/b#c":1.5e3}`,
		`{"type":"TransformationEvent","inputEPCList":["a"],"ilmd":{"cbvmda:lotNumber":"L1"},"sensorElementList":[{"sensorReport":[{"type":"Temperature","value":1,"ex:x":"y"}]}]}`,
		`{"type":"TransactionEvent","action":"DELETE","bizTransactionList":[{"type":"po","bizTransaction":"urn:t"}],"xsi:odd":"a","xml:lang":"b"}`,
		`{"type":"AssociationEvent","parentID":"urn:p","action":"ADD","errorDeclaration":{"declarationTime":"2024-01-01T10:00:00Z","reason":"incorrect_data","ex:why":"z"}}`,
	} {
		f.Add([]byte(s))
	}
	ns := map[string]string{"ex": "https://ex.example/", "epcis": "https://ref.gs1.org/epcis/"}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := epcis.DecodeJSON(data, epcis.JSONLimits{})
		if err != nil {
			return
		}
		ev, ok := x.(map[string]any)
		if !ok {
			return
		}
		in := []byte("<w>")
		out, err := AppendEvent(in, ev, ns)
		if err != nil {
			var ee *epcis.Error
			if !errors.As(err, &ee) {
				t.Fatalf("error %T %v, want *epcis.Error", err, err)
			}
			if string(out) != "<w>" {
				t.Fatalf("buffer changed on error: %q", out)
			}
			return
		}
		root, err := parseOutput(encWithDeclarations(ns, out[len(in):]))
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		if len(root.kids) != 1 || root.kids[0].name.Local != ev["type"] {
			t.Fatalf("root element is not the event type %v:\n%s", ev["type"], out)
		}
		alone, err := AppendEvent(nil, ev, nil)
		if err != nil {
			t.Fatalf("fails alone (%v) but not inside a document", err)
		}
		dec, err := Decode(alone, Limits{})
		if err != nil {
			return
		}
		back, ok := dec.Tree.(map[string]any)
		if !ok {
			t.Fatalf("decoded %T", dec.Tree)
		}
		for p, iri := range epcis.Namespaces(back["@context"]) {
			if iri == p+":" {
				// An undeclared prefix: "p:x" is the IRI p:x, which XML
				// declares as namespace "p:"; the hash writes the key
				// as given when the prefix is undeclared and expanded
				// when it is, so the two differ in form only.
				return
			}
		}
		h1, err1 := eventhash.PreHash(ev, encEventNS(nil, ev))
		h2, err2 := eventhash.PreHash(back, encEventNS(nil, back))
		if err1 != nil || err2 != nil || h1 != h2 {
			t.Fatalf("hash changed:\n before %s\n after  %s\n%s", h1, h2, alone)
		}
	})
}

// FuzzAppendDocument does for whole documents (headers, master data, query
// results) what FuzzAppendEvent does for events: no panic, and either an
// *epcis.Error or well-formed XML.
func FuzzAppendDocument(f *testing.F) {
	for _, s := range []string{
		`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ex.example/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-01-01T00:00:00Z","sender":"urn:s","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"ADD","epcList":["urn:x"],"ex:a":1}]}}`,
		`{"type":"EPCISDocument","epcisHeader":{"epcisMasterData":{"vocabularyList":[{"type":"urn:epcglobal:epcis:vtype:ReadPoint","vocabularyElementList":[{"id":"urn:r","attributes":[{"id":"urn:a","attribute":{"ex:o":"v"}}],"children":["urn:c"]}]}]}},"epcisBody":{"eventList":[]}}`,
		`{"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","subscriptionID":"s","resultsBody":{"eventList":[{"type":"AssociationEvent","parentID":"urn:p","action":"DELETE"}]}}}}`,
		`{"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"queryName":"SimpleMasterDataQuery","resultsBody":{"vocabularyList":[]}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := epcis.DecodeJSON(data, epcis.JSONLimits{})
		if err != nil {
			return
		}
		doc, ok := x.(map[string]any)
		if !ok {
			return
		}
		out, err := AppendDocument(nil, doc)
		if err != nil {
			var ee *epcis.Error
			if !errors.As(err, &ee) {
				t.Fatalf("error %T %v, want *epcis.Error", err, err)
			}
			return
		}
		if _, err := parseOutput(out); err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
	})
}
