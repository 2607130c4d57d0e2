package epcisxml_test

import (
	"fmt"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
)

// A query answer is streamed: the envelope's start, one event at a time
// into the same buffer, then the end. QueryNamespaces adds xsi and xsd to
// the namespaces the root declares.
func ExampleAppendEvent() {
	ns := epcisxml.QueryNamespaces(map[string]string{"ex": "https://ns.example.com/epcis/"})
	ev, _ := epcis.DecodeJSON([]byte(`{
		"type": "ObjectEvent",
		"action": "OBSERVE",
		"bizStep": "shipping",
		"epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
		"eventTime": "2024-03-01T10:00:00.000+01:00",
		"eventTimeZoneOffset": "+01:00",
		"ex:carrier": "ACME",
		"ex:pallets": 3
	}`), epcis.JSONLimits{})
	b := epcisxml.AppendQueryDocumentStart(nil, ns, "SimpleEventQuery", "", time.Date(2024, 3, 1, 9, 5, 0, 0, time.UTC))
	b, err := epcisxml.AppendEvent(b, ev.(map[string]any), ns)
	if err != nil {
		fmt.Println(err)
		return
	}
	b = epcisxml.AppendQueryDocumentEnd(b)
	fmt.Printf("%s", b)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:2" xmlns:ex="https://ns.example.com/epcis/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0" creationDate="2024-03-01T09:05:00.000Z"><EPCISBody><epcisq:QueryResults><queryName>SimpleEventQuery</queryName><resultsBody><EventList><ObjectEvent><eventTime>2024-03-01T10:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep><ex:carrier>ACME</ex:carrier><ex:pallets xsi:type="xsd:integer">3</ex:pallets></ObjectEvent></EventList></resultsBody></epcisq:QueryResults></EPCISBody></epcisq:EPCISQueryDocument>
}
