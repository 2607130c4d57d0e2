package redact_test

import (
	"encoding/json"
	"fmt"

	"github.com/lotline/lotline/redact"
)

func ExamplePolicy_Apply() {
	p, err := redact.ParseList("https://acme.example/process/,sensorElementList")
	if err != nil {
		panic(err)
	}
	var ev map[string]any
	json.Unmarshal([]byte(`{
		"@context": [{"acme": "https://acme.example/process/"}],
		"type": "ObjectEvent", "eventID": "ni:///sha-256;0a1b?ver=CBV2.0",
		"ilmd": {"cbvmda:lotNumber": "L1", "acme:recipe": "R7"},
		"sensorElementList": [{"sensorReport": [{"type": "gs1:Temperature", "value": 21}]}]
	}`), &ev)
	fmt.Println(p.Apply(ev))
	fmt.Println(ev["ilmd"], ev["eventID"])
	// Output:
	// [https://acme.example/process/recipe sensorElementList]
	// map[cbvmda:lotNumber:L1] ni:///sha-256;0a1b?ver=CBV2.0
}
