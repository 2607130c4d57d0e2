package schemas_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lotline/lotline/schemas"
)

func ExampleValidator_Document() {
	v := schemas.MustCompile()

	dec := json.NewDecoder(strings.NewReader(`{
	  "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
	  "type": "EPCISDocument",
	  "schemaVersion": "2.0",
	  "creationDate": "2026-03-01T08:00:00Z",
	  "epcisBody": {"eventList": [{
	    "type": "ObjectEvent",
	    "eventTime": "2026-03-01T07:55:00+01:00",
	    "eventTimeZoneOffset": "+01:00",
	    "action": "OBSERVE",
	    "bizStep": "urn:epcglobal:cbv:bizstep:shipping",
	    "epcList": ["urn:epc:id:sgtin:4012345.011111.1", "4012345.011111.2"]
	  }]}
	}`))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		panic(err)
	}
	for _, vi := range v.Document(doc) {
		fmt.Println(vi.Pointer)
		fmt.Println("  ", vi.Message)
	}
	// Output:
	// /epcisBody/eventList/0/bizStep
	//    matches none of the allowed forms: "urn:epcglobal:cbv:bizstep:shipping" is not one of the 41 values the standard defines; or a CBV value must be written as its bare word (e.g. "shipping"), not as a CBV URI
	// /epcisBody/eventList/0/epcList/1
	//    "4012345.011111.2" is not an absolute URI: relative url
}

func ExampleMeasureRate() {
	v := schemas.MustCompile()
	doc := schemas.SampleDocument(10, 1)
	rate := schemas.MeasureRate(v, doc, 10, 0)
	fmt.Println(rate > 0)
	// Output: true
}
