package redact_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/redact"
)

// FuzzApply checks Apply on any event and policy: it never panics, never
// touches eventID, type or eventTime, returns a sorted list without
// repeats, and leaves nothing a second Apply would withhold.
func FuzzApply(f *testing.F) {
	f.Add(`{`+acmeCtx+`,`+head+`,"acme:x":{"acme:y":[{"buyer:z":1}]},"ilmd":{"acme:r":"R"}}`, "https://acme.example/process/,ilmd")
	f.Add(`{"@context":{"a":"urn:a:"},"eventID":"x","a:b":{"@context":{"a":"https://b/"},"a:c":1}}`, "urn:a:,https://b/c")
	f.Add(`{"type":"ObjectEvent","eventTime":"t","gs1:x":1,"sensorElementList":[{"sensorReport":[{"gs1:y":2}]}]}`, "gs1:,sensorElementList")
	f.Add(`{"eventID":"e","urn:x:y":1,"https://h/p#q":2}`, "urn:x:,https://h/p#")
	f.Fuzz(func(t *testing.T, doc, list string) {
		v, err := epcis.DecodeJSON([]byte(doc), epcis.JSONLimits{})
		if err != nil {
			return
		}
		ev, ok := v.(map[string]any)
		if !ok {
			return
		}
		p, err := redact.ParseList(list)
		if err != nil {
			return
		}
		keep := map[string]any{}
		for _, k := range []string{"eventID", "type", "eventTime"} {
			if x, ok := ev[k]; ok {
				keep[k] = x
			}
		}
		got := p.Apply(ev)
		for _, k := range []string{"eventID", "type", "eventTime"} {
			if !reflect.DeepEqual(ev[k], keep[k]) {
				t.Fatalf("%s changed: %v -> %v", k, keep[k], ev[k])
			}
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("withheld not sorted and unique: %q", got)
		}
		if (len(got) > 0) && p.Empty() {
			t.Fatalf("empty policy withheld %q", got)
		}
		if again := p.Apply(ev); again != nil {
			t.Fatalf("second Apply withheld %q", again)
		}
	})
}
