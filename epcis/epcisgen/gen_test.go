package epcisgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/lotline/lotline/gs1/gs1test"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/eventhash"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/schemas"
)

// decode reads JSON the way capture does (numbers as json.Number).
func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	v, err := epcis.DecodeJSON(b, epcis.JSONLimits{})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v.(map[string]any)
}

func eventsOf(doc map[string]any) []map[string]any {
	list := doc["epcisBody"].(map[string]any)["eventList"].([]any)
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

// TestDocumentsPassCapture runs generated documents through capture's
// validation (schema, semantic rules, event hash) in rollback mode.
func TestDocumentsPassCapture(t *testing.T) {
	svc := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	for _, tc := range []struct {
		seed       uint64
		docs, size int
	}{
		{1, 20, 50}, {2, 3, 1}, {3, 2, 500}, {0xdeadbeef, 10, 37},
	} {
		g := New(tc.seed)
		for d := range tc.docs {
			// Through bytes, as a client would send it.
			raw := g.DocumentJSON(tc.size)
			// Prepare consumes the tree it is given: keep a second decoding.
			doc := decode(t, raw)
			p, err := svc.Prepare(decode(t, raw), capture.Rollback, "local")
			if err != nil {
				var errs epcis.Errors
				if errors.As(err, &errs) && len(errs) > 0 {
					t.Fatalf("seed %d doc %d: %d invalid events, first: %v\nevent: %s", tc.seed, d, len(errs), errs[0],
						mustJSON(eventsOf(doc)[errs[0].EventIndex]))
				}
				t.Fatalf("seed %d doc %d: %v", tc.seed, d, err)
			}
			if p.EventCount != tc.size || len(p.Errors) != 0 {
				t.Fatalf("seed %d doc %d: %d events, %d errors; want %d, 0", tc.seed, d, p.EventCount, len(p.Errors), tc.size)
			}
		}
	}
}

// TestDocumentMapPassesCapture checks the map form too (json.Number values
// built directly, not decoded).
func TestDocumentMapPassesCapture(t *testing.T) {
	svc := capture.New(nil, schemas.MustCompile(), capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	if _, err := svc.Prepare(New(9).Document(300), capture.Rollback, "local"); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestOfficialSchema checks generated documents against GS1's ratified
// JSON Schema as well.
func TestOfficialSchema(t *testing.T) {
	dir := gs1test.Dir(t)
	v, err := schemas.CompileOfficial(filepath.Join(dir, "ref-gs1-org-2.0.0-copies", "epcis-json-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	g := New(4)
	for range 5 {
		doc := decode(t, g.DocumentJSON(100))
		if vs := v.Document(doc); len(vs) > 0 {
			t.Fatalf("GS1 schema: %d violations, first %s: %s", len(vs), vs[0].Pointer, vs[0].Message)
		}
	}
}

// identifiers yields every GS1 identifier of an event with the field it
// sits in and whether it must be a class.
func identifiers(ev map[string]any, yield func(field, id string, class bool)) {
	for _, k := range []string{"epcList", "childEPCs", "inputEPCList", "outputEPCList"} {
		if l, ok := ev[k].([]any); ok {
			for _, x := range l {
				yield(k, x.(string), false)
			}
		}
	}
	if p, ok := ev["parentID"].(string); ok {
		yield("parentID", p, false)
	}
	for _, k := range []string{"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"} {
		if l, ok := ev[k].([]any); ok {
			for _, x := range l {
				yield(k, x.(map[string]any)["epcClass"].(string), true)
			}
		}
	}
	for _, k := range []string{"readPoint", "bizLocation"} {
		if m, ok := ev[k].(map[string]any); ok {
			yield(k, m["id"].(string), false)
		}
	}
	for _, k := range []string{"sourceList", "destinationList"} {
		if l, ok := ev[k].([]any); ok {
			for _, x := range l {
				m := x.(map[string]any)
				yield(k, m[strings.TrimSuffix(k, "List")].(string), false)
			}
		}
	}
	if l, ok := ev["sensorElementList"].([]any); ok {
		for _, x := range l {
			id := x.(map[string]any)["sensorMetadata"].(map[string]any)["deviceID"].(string)
			yield("deviceID", id, false)
		}
	}
}

// TestIdentifiers parses every identifier with package gs1 (check digits,
// lengths, character sets) and checks it formats back unchanged.
func TestIdentifiers(t *testing.T) {
	g := New(5)
	var urns, links int
	for range 2000 {
		ev := g.Event()
		identifiers(ev, func(field, id string, class bool) {
			e, err := gs1.ParseEPC(id)
			if err != nil {
				t.Fatalf("%s %q: %v", field, id, err)
			}
			if e.IsClass() != class {
				t.Errorf("%s %q: IsClass = %v", field, id, e.IsClass())
			}
			if strings.HasPrefix(id, "https://") {
				links++
				if got := e.DigitalLink(); got != id {
					t.Errorf("%s %q: formats back as %q", field, id, got)
				}
				return
			}
			urns++
			if got, err := e.URN(); err != nil || got != id {
				t.Errorf("%s %q: formats back as %q (%v)", field, id, got, err)
			}
		})
	}
	if urns == 0 || links == 0 {
		t.Errorf("want both forms: %d URNs, %d Digital Links", urns, links)
	}
}

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct{ digits, want string }{
		{"0061414112345", "2"},     // GTIN 00614141123452
		{"0401234512345", "6"},     // GTIN 04012345123456
		{"10614141234567890", "8"}, // SSCC 106141412345678908
	} {
		got := string(checkDigit(tc.digits))
		if want := string(gs1.CheckDigit(tc.digits)); got != want {
			t.Errorf("checkDigit(%s) = %s, gs1 says %s", tc.digits, got, want)
		}
		if got != tc.want {
			t.Errorf("checkDigit(%s) = %s, want %s", tc.digits, got, tc.want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b, c := New(7), New(7), New(8)
	for i := range 5 {
		x, y, z := a.DocumentJSON(40), b.DocumentJSON(40), c.DocumentJSON(40)
		if !bytes.Equal(x, y) {
			t.Fatalf("document %d differs between two generators with seed 7", i)
		}
		if bytes.Equal(x, z) {
			t.Fatalf("document %d is the same for seeds 7 and 8", i)
		}
	}
}

// TestUniqueAndOrdered checks that event times strictly increase, that no
// two events share an event hash, and that no serial is commissioned twice.
func TestUniqueAndOrdered(t *testing.T) {
	g := New(11)
	var last time.Time
	hashes := map[string]bool{}
	commissioned := map[string]bool{}
	ns := map[string]string{ExtensionPrefix: ExtensionNamespace}
	for range 10 {
		doc := decode(t, g.DocumentJSON(500))
		for i, ev := range eventsOf(doc) {
			et, err := epcis.ParseTime(ev["eventTime"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if !et.After(last) {
				t.Fatalf("event %d: eventTime %s not after %s", i, et, last)
			}
			last = et
			h, err := eventhash.Hash(ev, ns)
			if err != nil {
				t.Fatal(err)
			}
			if hashes[h] {
				t.Fatalf("event hash %s repeated", h)
			}
			hashes[h] = true
			if ev["action"] == "ADD" && ev["type"] == "ObjectEvent" {
				for _, x := range ev["epcList"].([]any) {
					if commissioned[x.(string)] {
						t.Fatalf("%s commissioned twice", x)
					}
					commissioned[x.(string)] = true
				}
			}
		}
	}
}

// TestMix checks the simulation produces every kind of event the
// benchmarks rely on, in plausible proportions.
func TestMix(t *testing.T) {
	g := New(12)
	features := map[string]int{}
	const n = 5000
	for range n {
		ev := g.Event()
		typ := ev["type"].(string)
		switch {
		case typ == "ObjectEvent" && ev["action"] == "ADD":
			features["commissioning"]++
			k := len(ev["epcList"].([]any))
			if k < 5 || k > 50 {
				t.Errorf("commissioning event with %d EPCs, want 5 to 50", k)
			}
			if _, ok := ev["ilmd"].(map[string]any)["cbvmda:lotNumber"]; !ok {
				t.Errorf("commissioning event without cbvmda:lotNumber")
			}
		case typ == "AggregationEvent" && ev["action"] == "ADD":
			features["packing"]++
		case typ == "AggregationEvent":
			features["unpacking"]++
		case typ == "TransformationEvent":
			features["transformation"]++
		}
		if _, ok := ev["quantityList"]; ok {
			features["quantityList"]++
		}
		if _, ok := ev["sensorElementList"]; ok {
			features["sensor"]++
		}
		if _, ok := ev["bizTransactionList"]; ok {
			features["bizTransaction"]++
		}
		if id, ok := ev["eventID"].(string); ok && strings.HasPrefix(id, "urn:uuid:") {
			features["uuid"]++
		}
		if _, ok := ev[ExtensionPrefix+":batchTemperature"]; ok {
			features["extension"]++
		}
		if z, ok := ev[ExtensionPrefix+":temperatureZone"].(string); ok && (z == "ambient" || z == "chilled") {
			features["temperatureZone"]++
		}
		if ilmd, ok := ev["ilmd"].(map[string]any); ok && strings.HasPrefix(ilmd[ExtensionPrefix+":productionLine"].(string), "LINE-") {
			features["ilmdExtension"]++
		}
		if strings.Contains(mustJSON(ev), "https://id.gs1.org/") {
			features["digitalLink"]++
		}
		if ev["disposition"] == "non_conformant" {
			features["non_conformant"]++
		}
	}
	t.Logf("%v, types %v", features, g.Counts())
	for _, f := range []string{"commissioning", "packing", "unpacking", "transformation", "quantityList",
		"sensor", "bizTransaction", "uuid", "extension", "temperatureZone", "ilmdExtension", "digitalLink", "non_conformant"} {
		if features[f] == 0 {
			t.Errorf("no %s event in %d", f, n)
		}
	}
	if u := features["uuid"]; u < n/20 || u > n/5 {
		t.Errorf("%d of %d events have a urn:uuid eventID, want about a tenth", u, n)
	}
	total := 0
	for _, c := range g.Counts() {
		total += c
	}
	if total != n {
		t.Errorf("Counts sum to %d, want %d", total, n)
	}
}

// TestDocumentRoundTrip checks Document and DocumentJSON agree.
func TestDocumentRoundTrip(t *testing.T) {
	a, b := New(13), New(13)
	for _, n := range []int{0, 1, 17} {
		want := a.Document(n)
		got := decode(t, b.DocumentJSON(n))
		if !reflect.DeepEqual(normalize(t, want), got) {
			t.Fatalf("Document(%d) and DocumentJSON(%d) differ", n, n)
		}
	}
}

// normalize turns []string-free maps built by the generator into exactly
// what decoding gives, by a JSON round trip.
func normalize(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}
