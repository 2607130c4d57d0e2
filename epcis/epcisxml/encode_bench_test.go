package epcisxml

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisgen"
)

// realisticEvent is a shipping event as a contract manufacturer sends it:
// a dozen serialised items, a lot by quantity, location, transactions,
// parties and an extension.
const realisticEvent = `{
	"type": "ObjectEvent",
	"eventTime": "2024-03-01T10:15:30.123+01:00",
	"recordTime": "2024-03-01T10:15:31.000Z",
	"eventTimeZoneOffset": "+01:00",
	"eventID": "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0",
	"epcList": ["urn:epc:id:sgtin:4012345.011111.1001","urn:epc:id:sgtin:4012345.011111.1002","urn:epc:id:sgtin:4012345.011111.1003",
		"urn:epc:id:sgtin:4012345.011111.1004","urn:epc:id:sgtin:4012345.011111.1005","urn:epc:id:sgtin:4012345.011111.1006",
		"urn:epc:id:sgtin:4012345.011111.1007","urn:epc:id:sgtin:4012345.011111.1008","urn:epc:id:sgtin:4012345.011111.1009",
		"urn:epc:id:sgtin:4012345.011111.1010","urn:epc:id:sgtin:4012345.011111.1011","urn:epc:id:sgtin:4012345.011111.1012"],
	"action": "OBSERVE",
	"bizStep": "shipping",
	"disposition": "in_transit",
	"readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
	"bizLocation": {"id": "urn:epc:id:sgln:4012345.00001.0"},
	"bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-4711"},
		{"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:DA-0815"}],
	"quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.022222.LOT-2024-03", "quantity": 120.5, "uom": "KGM"}],
	"sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00000"},
		{"type": "location", "source": "urn:epc:id:sgln:4012345.00001.0"}],
	"destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:0614141.00000"},
		{"type": "location", "destination": "urn:epc:id:sgln:0614141.00777.0"}],
	"example:shipment": {"example:carrier": "ACME Freight", "example:trailer": "TR-12", "example:temperatureControlled": true}
}`

// BenchmarkAppendEvent writes one realistic event per iteration into a
// reused buffer, as a streamed query answer does.
func BenchmarkAppendEvent(b *testing.B) {
	ev := mustEvent(b, realisticEvent)
	ns := QueryNamespaces(map[string]string{"example": "http://ns.example.com/epcis/"})
	buf, err := AppendEvent(nil, ev, ns)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if buf, err = AppendEvent(buf[:0], ev, ns); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendEventGenerated streams the generator's event mix (all
// event types, ILMD, sensor data) as a query answer, and reports events/s.
func BenchmarkAppendEventGenerated(b *testing.B) {
	doc := epcisgen.New(1).Document(1000)
	ns := QueryNamespaces(epcis.Namespaces(doc["@context"]))
	events := encDocEvents(doc)
	buf := AppendQueryDocumentStart(nil, ns, "SimpleEventQuery", "", time.Unix(0, 0))
	start := len(buf)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = AppendEvent(buf[:start], events[i%len(events)], ns); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMarshalJSONEvent is the yardstick: the same event written as
// JSON by encoding/json.
func BenchmarkMarshalJSONEvent(b *testing.B) {
	ev := mustEvent(b, realisticEvent)
	out, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := json.Marshal(ev); err != nil {
			b.Fatal(err)
		}
	}
}
