package epcisgen_test

import (
	"encoding/json"
	"fmt"

	"github.com/lotline/lotline/epcis/epcisgen"
)

func ExampleGenerator_Document() {
	g := epcisgen.New(42)
	doc := g.Document(3)
	for _, x := range doc["epcisBody"].(map[string]any)["eventList"].([]any) {
		ev := x.(map[string]any)
		fmt.Println(ev["type"], ev["bizStep"])
	}
	// Output:
	// ObjectEvent receiving
	// TransformationEvent commissioning
	// ObjectEvent commissioning
}

func ExampleGenerator_DocumentJSON() {
	g := epcisgen.New(1)
	var doc struct {
		Type      string `json:"type"`
		EPCISBody struct {
			EventList []json.RawMessage `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(g.DocumentJSON(25), &doc); err != nil {
		panic(err)
	}
	fmt.Println(doc.Type, len(doc.EPCISBody.EventList))
	// Output:
	// EPCISDocument 25
}
