package epcisxml

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis"
)

// benchXML is an EPCIS 2.0 document of n realistic ObjectEvents.
func benchXML(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://example.com/ex/" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<ObjectEvent><eventTime>2024-01-01T10:%02d:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset><epcList>`, i%60)
		for j := 0; j < 10; j++ {
			fmt.Fprintf(&b, `<epc>urn:epc:id:sgtin:4012345.011111.%d</epc>`, i*10+j)
		}
		b.WriteString(`</epcList><action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep><disposition>urn:epcglobal:cbv:disp:in_transit</disposition>` +
			`<readPoint><id>urn:epc:id:sgln:4012345.00001.0</id></readPoint><bizLocation><id>urn:epc:id:sgln:4012345.00002.0</id></bizLocation>` +
			`<bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:4012345000009:PO-1</bizTransaction></bizTransactionList>` +
			`<ilmd><ex:lot>L42</ex:lot><ex:weight>12.5</ex:weight></ilmd></ObjectEvent>`)
	}
	b.WriteString(`</EventList></EPCISBody></epcis:EPCISDocument>`)
	return []byte(b.String())
}

// BenchmarkDecode decodes 1,000 events from XML, and for comparison the
// same document as JSON-LD with epcis.DecodeJSON; events/s is reported.
func BenchmarkDecode(b *testing.B) {
	const n = 1000
	data := benchXML(n)
	d, err := Decode(data, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	js, err := json.Marshal(d.Tree)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("XML", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if _, err := Decode(data, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("JSON", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		for i := 0; i < b.N; i++ {
			if _, err := epcis.DecodeJSON(js, epcis.JSONLimits{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkXPath builds the XPath table of a 10,000-event document (the
// first XPath call decodes again, recording every location).
func BenchmarkXPath(b *testing.B) {
	data := benchXML(10_000)
	for i := 0; i < b.N; i++ {
		d, err := Decode(data, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if got := d.XPath("/epcisBody/eventList/9999/epcList/9"); got != "/EPCISDocument/EPCISBody/EventList/ObjectEvent[10000]/epcList/epc[10]" {
			b.Fatalf("XPath %s", got)
		}
	}
}
