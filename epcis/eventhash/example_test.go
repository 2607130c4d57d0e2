package eventhash_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lotline/lotline/epcis/eventhash"
)

func decode(s string) map[string]any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

func ExamplePreHash() {
	event := decode(`{
	  "type": "ObjectEvent",
	  "eventTime": "2020-03-04T11:00:30+01:00",
	  "eventTimeZoneOffset": "+01:00",
	  "epcList": ["urn:epc:id:sgtin:0614141.011111.987"],
	  "action": "OBSERVE",
	  "bizStep": "departing",
	  "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.0"},
	  "example:userExt": "CD-34"
	}`)
	pre, err := eventhash.PreHash(event, map[string]string{"example": "https://ns.example.com/epcis/"})
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.ReplaceAll(pre, "=", " = "))
	// Output:
	// eventType = ObjectEventeventTime = 2020-03-04T10:00:30.000ZeventTimeZoneOffset = +01:00epcListepc = https://id.gs1.org/01/00614141111114/21/987action = OBSERVEbizStep = https://ref.gs1.org/cbv/BizStep-departingreadPointid = https://id.gs1.org/414/4012345000115{https://ns.example.com/epcis/}userExt = CD-34
}

func ExampleHash() {
	event := decode(`{
	  "type": "ObjectEvent",
	  "eventTime": "2019-10-21T14:45:00Z",
	  "eventTimeZoneOffset": "+01:00",
	  "recordTime": "2023-06-02T07:03:16.073Z",
	  "epcList": ["https://id.gs1.org/00/040123451111111127"],
	  "action": "OBSERVE",
	  "bizStep": "inspecting",
	  "disposition": "in_progress",
	  "readPoint": {"id": "https://id.gs1.org/414/4012345000245/254/1"}
	}`)
	h, err := eventhash.Hash(event, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(h)
	// Output:
	// ni:///sha-256;b3d481c5590757ab8361a6cb0e924820feb3b61eb568e7d7703f21a96f76f51d?ver=CBV2.0
}

func ExampleDocument() {
	doc := []byte(`{
	  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
	  "type": "EPCISDocument",
	  "schemaVersion": "2.0",
	  "creationDate": "2023-01-01T00:00:00Z",
	  "epcisBody": {"eventList": [
	    {"type": "ObjectEvent", "eventTime": "2023-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
	     "epcList": ["urn:epc:id:sscc:4012345.0000000333"], "action": "OBSERVE"}
	  ]}
	}`)
	results, err := eventhash.Document(doc)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Index, r.PreHash)
	}
	// Output:
	// 0 eventType=ObjectEventeventTime=2023-01-01T00:00:00.000ZeventTimeZoneOffset=+00:00epcListepc=https://id.gs1.org/00/040123450000003338action=OBSERVE
}
