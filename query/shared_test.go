package query

import (
	"bytes"
	"encoding/json"
	"github.com/lotline/lotline/gs1/gs1test"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
)

func readJSON(t testing.TB, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		gs1test.Missing(t, "cannot read "+path+": "+err.Error())
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

type standardName struct {
	source, param, value string
}

// sampleByName gives values for parameters whose item type is a
// vocabulary the OpenAPI refers to outside itself.
var sampleByName = map[string]string{
	"eventType":                      "ObjectEvent",
	"EQ_action":                      "ADD",
	"EQ_bizStep":                     "shipping",
	"EQ_disposition":                 "in_transit",
	"EQ_persistentDisposition_set":   "in_transit",
	"EQ_persistentDisposition_unset": "in_transit",
	"EQ_errorReason":                 "incorrect_data",
	"EQ_type":                        "Temperature",
	"orderBy":                        "eventTime",
	"orderDirection":                 "ASC",
	"eventCountLimit":                "1",
	"EQ_hexBinaryValue":              "0AFF",
	"EQ_transformationID":            "urn:epc:id:gdti:4012345.00001.77",
	"perPage":                        "10",
	"nextPageToken":                  "token",
}

func sample(name string, schema map[string]any) string {
	if v, ok := sampleByName[name]; ok {
		return v
	}
	if ref, _ := schema["$ref"].(string); ref != "" {
		switch {
		case strings.HasSuffix(ref, "/time"):
			return "2024-01-01T00:00:00.000-05:00"
		case strings.HasSuffix(ref, "/decimal"), strings.HasSuffix(ref, "date-string-or-number"):
			return "5"
		}
		return "urn:example:value"
	}
	switch schema["type"] {
	case "array":
		items, _ := schema["items"].(map[string]any)
		if enum, ok := items["enum"].([]any); ok {
			return enum[0].(string)
		}
		return sample(name, items)
	case "boolean":
		return "true"
	case "integer":
		if schema["nullable"] == true {
			return ""
		}
		return "1"
	case "number":
		return "1.5"
	case "string":
		if schema["format"] == "date-time" {
			return "2024-01-01T00:00:00.000-05:00"
		}
		if schema["format"] == "uri" {
			return "urn:epc:id:sgtin:4012345.011111.1"
		}
		return "token"
	}
	return "urn:example:value"
}

// standardNames lists the query parameters of GET /events in the OpenAPI,
// and the properties and pattern families of the query schema (one sample
// name per pattern), each with a sample value of its declared type.
func standardNames(t *testing.T) []standardName {
	dir := gs1test.Dir(t)
	var out []standardName
	api := readJSON(t, filepath.Join(dir, "gs1-EPCIS", "openapi", "openapi.json")).(map[string]any)
	params := api["components"].(map[string]any)["parameters"].(map[string]any)
	get := api["paths"].(map[string]any)["/events"].(map[string]any)["get"].(map[string]any)
	for _, p := range get["parameters"].([]any) {
		ref := p.(map[string]any)["$ref"].(string)
		def := params[ref[strings.LastIndexByte(ref, '/')+1:]].(map[string]any)
		if def["in"] != "query" {
			continue
		}
		name := def["name"].(string)
		if strings.HasPrefix(name, "GS1-") {
			continue // headers the OpenAPI also lists as query parameters
		}
		schema, _ := def["schema"].(map[string]any)
		out = append(out, standardName{"openapi.json GET /events", name, sample(name, schema)})
	}
	for _, file := range []string{
		filepath.Join(dir, "ref-gs1-org-2.0.0-copies", "query-schema.json"),
		filepath.Join(dir, "gs1-EPCIS", "openapi", "query-schema.json"),
	} {
		s := readJSON(t, file).(map[string]any)
		q := s["definitions"].(map[string]any)["EPCIS-Query"].(map[string]any)
		props := q["properties"].(map[string]any)
		for name, schema := range props {
			if name == "@context" {
				continue
			}
			out = append(out, standardName{filepath.Base(file), name, sample(name, schema.(map[string]any))})
		}
		for pattern, schema := range q["patternProperties"].(map[string]any) {
			name := samplePatternName(t, pattern)
			out = append(out, standardName{filepath.Base(file) + " " + pattern, name, sample(name, schema.(map[string]any))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].param < out[j].param })
	return out
}

var extensionPattern = regexp.MustCompile(`\[a-z\]\[a-zA-Z0-9\]\*\\+:\\+w\+$`)

// samplePatternName writes a parameter name that the query schema's
// pattern accepts, and checks that it does.
func samplePatternName(t *testing.T, pattern string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(pattern, "^"), "$")
	name = extensionPattern.ReplaceAllString(name, "example:field")
	switch {
	case strings.HasPrefix(name, "EQ_bizTransaction_"):
		name = "EQ_bizTransaction_po"
	case strings.HasPrefix(name, "EQ_source_"), strings.HasPrefix(name, "EQ_destination_"):
		name = name[:strings.LastIndexByte(name[:len(name)-len("[a-z][a-zA-Z0-9_]+")], '_')+1] + "owning_party"
	case strings.HasSuffix(name, "[A-Z0-9]{2,4}"):
		name = strings.TrimSuffix(name, "[A-Z0-9]{2,4}") + "KGM"
	case strings.HasPrefix(name, "EQ_ATTR_"):
		name = "EQ_ATTR_bizLocation_sst"
	}
	// The schema doubles its backslashes; undo that to check the sample.
	re, err := regexp.Compile(strings.ReplaceAll(pattern, `\\`, `\`))
	if err != nil {
		t.Fatalf("pattern %q: %v", pattern, err)
	}
	if !re.MatchString(name) {
		t.Fatalf("sample %q does not match pattern %q", name, pattern)
	}
	return name
}

// exampleEvent is one event of a GS1 example document, as capture stores
// it: the document's namespace declarations copied into its @context.
type exampleEvent struct {
	file string
	ev   *epcis.Event
}

func exampleEvents(t *testing.T) []exampleEvent {
	root := filepath.Join(gs1test.Dir(t), "gs1-EPCIS", "examples", "JSON")
	var out []exampleEvent
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonld") && !strings.HasSuffix(path, ".json") {
			return err
		}
		doc, ok := readJSON(t, path).(map[string]any)
		if !ok {
			return nil
		}
		body, _ := doc["epcisBody"].(map[string]any)
		list, _ := body["eventList"].([]any)
		if qr, ok := body["queryResults"].(map[string]any); ok {
			rb, _ := qr["resultsBody"].(map[string]any)
			list, _ = rb["eventList"].([]any)
		}
		ns := epcis.Namespaces(doc["@context"])
		for _, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				continue
			}
			ctx := map[string]any{}
			for k, v := range ns {
				ctx[k] = v
			}
			m["@context"] = []any{ctx}
			rel, _ := filepath.Rel(root, path)
			out = append(out, exampleEvent{rel, epcis.NewEvent(m)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		gs1test.Missing(t, "fewer than 50 example events under "+root)
	}
	return out
}

// selfQueries derives, from an event's own values written as the document
// writes them, parameters the event must match.
func selfQueries(ev *epcis.Event) []url.Values {
	var qs []url.Values
	add := func(k, v string) {
		if v != "" {
			qs = append(qs, url.Values{k: {v}})
		}
	}
	add("eventType", ev.Type)
	add("EQ_eventID", ev.EventID)
	if !ev.EventTime.IsZero() {
		qs = append(qs, url.Values{
			"GE_eventTime": {ev.Fields["eventTime"].(string)},
			"LT_eventTime": {ev.EventTime.Add(time.Millisecond).Format(time.RFC3339Nano)},
		})
	}
	add("EQ_action", ev.Action)
	add("EQ_bizStep", ev.BizStep)
	add("EQ_disposition", ev.Disposition)
	add("EQ_readPoint", ev.ReadPoint)
	add("WD_readPoint", ev.ReadPoint)
	add("EQ_bizLocation", ev.BizLocation)
	add("EQ_transformationID", ev.TransformationID)
	add("MATCH_parentID", ev.ParentID)
	add("MATCH_anyEPC", ev.ParentID)
	for _, l := range []struct {
		param string
		ids   []string
	}{{"MATCH_epc", ev.EPCList}, {"MATCH_epc", ev.ChildEPCs}, {"MATCH_inputEPC", ev.InputEPCList}, {"MATCH_outputEPC", ev.OutputEPCList}} {
		for _, id := range l.ids {
			add(l.param, id)
			add("MATCH_anyEPC", id)
		}
	}
	for _, l := range []struct {
		param string
		qs    []epcis.Quantity
	}{{"MATCH_epcClass", ev.QuantityList}, {"MATCH_epcClass", ev.ChildQuantityList},
		{"MATCH_inputEPCClass", ev.InputQuantityList}, {"MATCH_outputEPCClass", ev.OutputQuantityList}} {
		for _, qe := range l.qs {
			add(l.param, qe.EPCClass)
			add("MATCH_anyEPCClass", qe.EPCClass)
			if qe.HasQuantity {
				n := string(numberText(qe.Quantity))
				add("EQ_quantity", n)
				if qe.UOM != "" {
					add("EQ_quantity_"+qe.UOM, n)
				}
			}
		}
	}
	for _, tv := range ev.BizTransactions {
		if tv.Type != "" {
			add("EQ_bizTransaction_"+tv.Type, tv.Value)
		}
	}
	for _, tv := range ev.Sources {
		add("EQ_source_"+tv.Type, tv.Value)
	}
	for _, tv := range ev.Destinations {
		add("EQ_destination_"+tv.Type, tv.Value)
	}
	for _, d := range ev.PersistentDispositionSet {
		add("EQ_persistentDisposition_set", d)
	}
	for _, d := range ev.PersistentDispositionUnset {
		add("EQ_persistentDisposition_unset", d)
	}
	if ed := ev.ErrorDeclaration; ed != nil {
		add("EXISTS_errorDeclaration", "true")
		add("EQ_errorReason", ed.Reason)
		add("GE_errorDeclarationTime", ed.DeclarationTimeRaw)
		for _, id := range ed.CorrectiveEventIDs {
			add("EQ_correctiveEventID", id)
		}
	}
	if len(ev.SensorElements) > 0 {
		add("EXISTS_sensorElementList", "")
	}
	for _, el := range ev.SensorElements {
		for _, r := range el.Reports {
			if typ, _ := r["type"].(string); typ != "" && !strings.Contains(typ, ":") {
				add("EQ_type", typ)
			}
			if n, ok := r["value"].(json.Number); ok {
				if uom, _ := r["uom"].(string); uom != "" {
					add("EQ_value_"+uom, string(n))
					add("GE_value_"+uom, string(n))
					add("LE_value_"+uom, string(n))
				}
			}
		}
	}
	ns := epcis.Namespaces(ev.Fields["@context"])
	for k, v := range ev.Fields {
		prefix, local, ok := strings.Cut(k, ":")
		if s, isStr := v.(string); ok && isStr && ns[prefix] != "" {
			add("EQ_"+ns[prefix]+local, s)
			add("EXISTS_"+ns[prefix]+local, "")
		}
	}
	return qs
}

func numberText(f float64) []byte {
	b, _ := json.Marshal(f)
	return b
}

// TestMatchGS1Examples checks, on every event of the GS1 JSON examples,
// that queries built from the event's own values (as its document writes
// them) match it, and that adding a restriction it fails (another event
// type) makes them not match.
func TestMatchGS1Examples(t *testing.T) {
	events := exampleEvents(t)
	n := 0
	for _, e := range events {
		for _, v := range selfQueries(e.ev) {
			q, err := Parse(v, ParseOptions{})
			if err != nil {
				t.Errorf("%s: Parse(%v): %v", e.file, v, err)
				continue
			}
			if !Match(q, e.ev, recordTime, nil) {
				t.Errorf("%s event %s: %v does not match", e.file, e.ev.EventID, v)
			}
			n++
			other := "ObjectEvent"
			if e.ev.Type == other {
				other = "AggregationEvent"
			}
			v.Set("eventType", other)
			if q, err := Parse(v, ParseOptions{}); err == nil && Match(q, e.ev, recordTime, nil) {
				t.Errorf("%s event %s: %v matches", e.file, e.ev.EventID, v)
			}
		}
	}
	t.Logf("%d events, %d self-queries", len(events), n)
}

// TestMatchGS1ExampleSpecifics checks facts of particular GS1 examples:
// sensor statistics, nested extension fields, ILMD and error declarations.
func TestMatchGS1ExampleSpecifics(t *testing.T) {
	byFile := map[string][]*epcis.Event{}
	for _, e := range exampleEvents(t) {
		byFile[filepath.ToSlash(e.file)] = append(byFile[filepath.ToSlash(e.file)], e.ev)
	}
	tests := []struct {
		file, query string
		want        bool
	}{
		{"WithSensorData/SensorDataExample6.jsonld", "GE_maxValue_CEL=13.8&LT_minValue_CEL=12.5&EQ_type=Temperature", true},
		{"WithSensorData/SensorDataExample6.jsonld", "GT_maxValue_CEL=13.8", false},
		{"WithSensorData/SensorDataExample6.jsonld", "GE_percRank=50&GE_percValue_CEL=12.7&LT_sDev_CEL=0.5", true},
		{"WithSensorData/SensorDataExample6.jsonld", "EQ_stringValue=someSensorOutput", true},
		{"WithSensorData/SensorDataExample6.jsonld", "EQ_SENSORREPORT_http://ns.example.com/epcis/cv=123", true},
		{"WithSensorData/SensorDataExample6.jsonld", "EQ_SENSORMETADATA_http://ns.example.com/epcis/someFurtherMetaData=someText", true},
		{"WithSensorData/SensorDataExample6.jsonld", "EQ_INNER_SENSORELEMENT_http://ns.example.com/epcis/measure2=0.987", true},
		{"WithSensorData/SensorDataExample6.jsonld", "GE_startTime=2019-04-01T14:00:00Z&LT_endTime=2019-04-02T14:00:00Z", true},
		{"WithSensorData/SensorDataExample6.jsonld", "EQ_quantity_KGM=150&MATCH_epcClass=urn:epc:class:lgtin:4023333.002000.2019-10-07", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_errorReason=incorrect_data&LT_errorDeclaration_Time=2006-11-07T13:00:00.001Z", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_bizTransaction_po=urn:epc:id:gdti:0614141.00001.1618034", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_bizTransaction_po=urn:epc:id:gsrn:0614141.0000010253", false},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_ILMD_http://example.com/ext1/float=20.0", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_ILMD_cbvmda:lotNumber=ABC123", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_INNER_ILMD_http://example.com/ext3/string=stringInObjectInObjectInArray", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "GT_INNER_http://example.com/ext2/int=12", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "GT_INNER_http://example.com/ext2/int=13", false},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_http://example.com/ext1/array=stringInArray", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "GE_http://example.com/ext1/time=2013-06-08T14:58:56.591Z", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_SENSORELEMENT_http://example.com/ext1/float=20", true},
		{"WithFullCombinationOfFields/object_event_all_possible_fields.jsonld", "EQ_deviceID=https://id.gs1.org/8004/4000001111&EQ_hexBinaryValue=F0F0F0&EQ_booleanValue=true", true},
	}
	for _, tt := range tests {
		evs := byFile[tt.file]
		if len(evs) == 0 {
			t.Errorf("%s: no events", tt.file)
			continue
		}
		q := mustQuery(t, strings.ReplaceAll(tt.query, "+", "%2B"), ParseOptions{})
		got := false
		for _, ev := range evs {
			got = got || Match(q, ev, recordTime, nil)
		}
		if got != tt.want {
			t.Errorf("%s: %s = %v, want %v", tt.file, tt.query, got, tt.want)
		}
	}
}
