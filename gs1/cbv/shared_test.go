package cbv

import (
	"encoding/json"
	"encoding/xml"
	"github.com/lotline/lotline/gs1/gs1test"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTablesMatchContext checks our vocabulary tables against the term
// definitions of the EPCIS 2.0 JSON-LD context (draft and ratified copies):
// the same terms, mapping to the same IRIs.
func TestTablesMatchContext(t *testing.T) {
	dir := gs1test.Dir(t)
	// Where each vocabulary's term map sits in the context.
	paths := map[Vocabulary][]string{
		BizStep:         {"bizStep"},
		Disp:            {"disposition"},
		BTT:             {"bizTransactionList", "type"},
		SDT:             {"sourceList", "type"},
		ER:              {"errorDeclaration", "reason"},
		Comp:            {"sensorElementList", "sensorReport", "component"},
		MeasurementType: {"sensorElementList", "sensorReport", "type"},
		SensorAlertType: {"sensorElementList", "sensorReport", "exception"},
	}
	for _, file := range []string{"gs1-EPCIS/jsonld-context/epcis-context.jsonld", "ref-gs1-org-2.0.0-copies/epcis-context.jsonld"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			gs1test.Missing(t, err.Error())
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		ctx := doc["@context"].(map[string]any)
		prefixes := map[string]string{"cbv:": ctx["cbv"].(string), "gs1:": ctx["gs1"].(string)}
		for v, path := range paths {
			m := ctx
			for _, key := range path {
				m = m[key].(map[string]any)["@context"].(map[string]any)
			}
			var words []string
			for w, iri := range m {
				s, ok := iri.(string)
				if !ok || strings.HasPrefix(w, "@") || w == "epcis" {
					continue
				}
				for p, full := range prefixes {
					if strings.HasPrefix(s, p) {
						s = full + s[len(p):]
					}
				}
				words = append(words, w)
				if got, err := Normalize(v, w); err != nil || got != s {
					t.Errorf("%s: %s %q maps to %q in the context, Normalize gives %q, %v", file, v, w, s, got, err)
				}
			}
			ours := Terms(v)
			slices.Sort(words)
			slices.Sort(ours)
			if !slices.Equal(words, ours) {
				t.Errorf("%s: %s terms differ:\ncontext %v\nours    %v", file, v, words, ours)
			}
		}
	}
}

// Values in the examples that are wrong, with the reason Normalize rejects them.
var knownBadValues = map[string]string{
	"Test reason":         "FasTnT EPCIS 1.2 fixture: an error reason must be a CBV term or an absolute URI",
	"testSource":          "FasTnT EPCIS 1.2 fixture: a relative reference, not a CBV term or an absolute URI",
	"testDest":            "FasTnT EPCIS 1.2 fixture: a relative reference, not a CBV term or an absolute URI",
	"testDest2":           "FasTnT EPCIS 1.2 fixture: a relative reference, not a CBV term or an absolute URI",
	"Molar_concentration": "openepcis fixture: not a CBV 2.0 measurement type; the EPCIS 2.0 JSON Schema rejects it too",
	"EffectiveDoseRate":   "openepcis fixture: not a CBV 2.0 measurement type; the EPCIS 2.0 JSON Schema rejects it too",
}

// TestSharedExamples normalises every vocabulary value found in the EPCIS
// documents of the GS1 and third-party examples.
func TestSharedExamples(t *testing.T) {
	dir := gs1test.Dir(t)
	counts := map[Vocabulary]int{}
	t.Cleanup(func() {
		if counts["rejected in invalid fixtures"] == 0 && !t.Failed() {
			t.Error("expected the deliberately invalid fixtures to hold rejected values")
		}
	})
	check := func(file string, v Vocabulary, s string) {
		counts[v]++
		n, err := Normalize(v, s)
		if err != nil {
			if strings.Contains(file, "Invalid") {
				counts["rejected in invalid fixtures"]++
				return
			}
			if why, ok := knownBadValues[s]; ok {
				t.Logf("%s: %s %q rejected as expected (%s)", file, v, s, why)
				return
			}
			t.Errorf("%s: %v", file, err)
			return
		}
		if IsStandard(v, s) && !strings.HasPrefix(n, "https://") {
			t.Errorf("%s: %s %q normalised to %q", file, v, s, n)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if strings.Contains(rel, "json-schema") || strings.Contains(rel, "jsonld-context") || strings.Contains(rel, "ontology") ||
			strings.Contains(rel, "openapi") || strings.Contains(rel, "xsd") || strings.HasPrefix(rel, "ref-gs1-org") {
			return nil
		}
		switch filepath.Ext(path) {
		case ".json", ".jsonld":
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var v any
			if json.Unmarshal(b, &v) != nil {
				return nil
			}
			walkJSON(v, "", func(v Vocabulary, s string) { check(rel, v, s) })
		case ".xml":
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			walkXML(f, func(v Vocabulary, s string) { check(rel, v, s) })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("normalised %v", counts)
	for _, v := range []Vocabulary{BizStep, Disp, BTT, SDT, ER, Comp, MeasurementType, SensorAlertType} {
		if counts[v] == 0 {
			t.Errorf("no %s values found under %s", v, dir)
		}
	}
}

// walkJSON finds vocabulary values by their field names in EPCIS JSON(-LD).
func walkJSON(x any, parent string, fn func(Vocabulary, string)) {
	switch x := x.(type) {
	case []any:
		for _, e := range x {
			walkJSON(e, parent, fn)
		}
	case map[string]any:
		for k, val := range x {
			s, isStr := val.(string)
			switch {
			case k == "bizStep" && isStr:
				fn(BizStep, s)
			case k == "disposition" && isStr:
				fn(Disp, s)
			case (k == "set" || k == "unset") && parent == "persistentDisposition":
				eachString(val, func(s string) { fn(Disp, s) })
			case k == "type" && isStr && parent == "bizTransactionList":
				fn(BTT, s)
			case k == "type" && isStr && (parent == "sourceList" || parent == "destinationList"):
				fn(SDT, s)
			case k == "reason" && isStr && parent == "errorDeclaration":
				fn(ER, s)
			case k == "type" && isStr && parent == "sensorReport":
				fn(MeasurementType, s)
			case k == "component" && isStr && parent == "sensorReport":
				fn(Comp, s)
			case k == "exception" && isStr && parent == "sensorReport":
				fn(SensorAlertType, s)
			default:
				walkJSON(val, k, fn)
			}
		}
	}
}

func eachString(x any, fn func(string)) {
	switch x := x.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			eachString(e, fn)
		}
	}
}

// walkXML finds vocabulary values by element and attribute names in EPCIS XML.
func walkXML(r io.Reader, fn func(Vocabulary, string)) {
	dec := xml.NewDecoder(r)
	var stack []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			for _, a := range tok.Attr {
				switch {
				case a.Name.Local == "type" && name == "bizTransaction":
					fn(BTT, a.Value)
				case a.Name.Local == "type" && (name == "source" || name == "destination"):
					fn(SDT, a.Value)
				case a.Name.Local == "type" && name == "sensorReport":
					fn(MeasurementType, a.Value)
				case a.Name.Local == "component" && name == "sensorReport":
					fn(Comp, a.Value)
				case a.Name.Local == "exception" && name == "sensorReport":
					fn(SensorAlertType, a.Value)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			s := strings.TrimSpace(string(tok))
			if s == "" || len(stack) == 0 {
				continue
			}
			parent := ""
			if len(stack) > 1 {
				parent = stack[len(stack)-2]
			}
			switch el := stack[len(stack)-1]; {
			case el == "bizStep":
				fn(BizStep, s)
			case el == "disposition":
				fn(Disp, s)
			case (el == "set" || el == "unset") && parent == "persistentDisposition":
				fn(Disp, s)
			case el == "reason" && parent == "errorDeclaration":
				fn(ER, s)
			}
		}
	}
}

// TestTablesMatchSchema checks our term lists against the enumerations of
// the EPCIS 2.0 JSON Schema (draft and ratified copies).
func TestTablesMatchSchema(t *testing.T) {
	dir := gs1test.Dir(t)
	defs := map[string]Vocabulary{
		"bizStep": BizStep, "disposition": Disp, "bizTransaction-type": BTT, "source-dest-type": SDT,
		"component": Comp, "measurementType": MeasurementType, "sensorAlertType": SensorAlertType,
	}
	for _, file := range []string{"gs1-EPCIS/json-schema/EPCIS-JSON-Schema.json", "ref-gs1-org-2.0.0-copies/epcis-json-schema.json"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			gs1test.Missing(t, err.Error())
		}
		var schema struct {
			Definitions map[string]struct {
				AnyOf []struct {
					Enum []string `json:"enum"`
				} `json:"anyOf"`
			} `json:"definitions"`
		}
		if err := json.Unmarshal(b, &schema); err != nil {
			t.Fatal(err)
		}
		for def, v := range defs {
			var enum []string
			for _, a := range schema.Definitions[def].AnyOf {
				enum = append(enum, a.Enum...)
			}
			ours := Terms(v)
			slices.Sort(enum)
			slices.Sort(ours)
			if !slices.Equal(enum, ours) {
				t.Errorf("%s: %s enum differs from our %s terms:\nschema %v\nours   %v", file, def, v, enum, ours)
			}
		}
	}
}
