package redact_test

import (
	"bytes"
	"encoding/json"
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

// FuzzMayWithhold checks MayWithhold against Apply: when it says false for
// an event as Go's encoder writes it (capture stores events so), Apply
// withholds nothing.
func FuzzMayWithhold(f *testing.F) {
	f.Add(`{`+acmeCtx+`,`+head+`,"acme:x":{"acme:y":[{"buyer:z":1}]},"ilmd":{"acme:r":"R"}}`, "https://acme.example/process/x")
	f.Add(`{"@context":{"a":"urn:a"},"a:b":1}`, "urn:a#")
	f.Add(`{"@context":{"a":{"@id":"https://h/"}},"x":{"@context":{"b":"https://h/p"},"b:q":1}}`, "https://h/pq")
	f.Add(`{"gs1:x":1,"cbvmda:lotNumber":"L"}`, "urn:epcglobal:cbv:,gs1:x")
	f.Add(`{"k<&>":1,"@context":{"k<&>":"https://a/<"}}`, "https://a/<")
	f.Fuzz(func(t *testing.T, doc, list string) {
		v, err := epcis.DecodeJSON([]byte(doc), epcis.JSONLimits{})
		if err != nil {
			return
		}
		if _, ok := v.(map[string]any); !ok {
			return
		}
		p, err := redact.ParseList(list)
		if err != nil {
			return
		}
		for _, html := range []bool{false, true} {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			if p.MayWithhold(b.Bytes()) {
				continue
			}
			ev, err := epcis.DecodeJSON(b.Bytes(), epcis.JSONLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Apply(ev.(map[string]any)); got != nil {
				t.Fatalf("MayWithhold false, Apply withheld %q from %s", got, b.Bytes())
			}
		}
	})
}
