package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1/gs1test"
)

func definitionBody(name, query string) []byte {
	return []byte(`{"name":"` + name + `","query":` + query + `}`)
}

func TestNamedQueries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, resDocument); job["success"] != true {
			t.Fatalf("capture: %v", job)
		}
		// The OpenAPI's example definition.
		const shipOrRecv = `{"eventType":["ObjectEvent"],"EQ_bizStep":["shipping","receiving"]}`
		r := s.do(t, "POST", "/queries", definitionBody("myQuery", shipOrRecv))
		if r.status != http.StatusCreated || r.header.Get("Location") != "/queries/myQuery" {
			t.Fatalf("POST /queries = %d, Location %q: %s", r.status, r.header.Get("Location"), r.body)
		}
		r = s.do(t, "POST", "/queries", definitionBody("myQuery", `{"eventType":["AggregationEvent"]}`))
		problem(t, r, http.StatusConflict, "ResourceAlreadyExistsException")

		// The definition as stored, the first one.
		r = s.do(t, "GET", "/queries/myQuery", nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET /queries/myQuery = %d %s", r.status, r.body)
		}
		var def struct {
			Name  string
			Query map[string]any
		}
		if err := json.Unmarshal(r.body, &def); err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		json.Unmarshal([]byte(shipOrRecv), &want)
		if def.Name != "myQuery" || fmt.Sprint(def.Query) != fmt.Sprint(want) {
			t.Errorf("GET /queries/myQuery = %s", r.body)
		}

		// Its events, in pages; and it may not be changed by parameters.
		if got := resultIDs(t, s.do(t, "GET", "/queries/myQuery/events", nil)); !slices.Equal(got, ids(resShipID, resRecvID)) {
			t.Errorf("events = %q", got)
		}
		var got []string
		pages := walk(t, s, "/queries/myQuery/events?perPage=1")
		for _, p := range pages {
			got = append(got, resultIDs(t, p)...)
		}
		slices.Sort(got)
		if !slices.Equal(got, ids(resShipID, resRecvID)) || len(pages) != 2 {
			t.Errorf("paged events %q in %d pages", got, len(pages))
		}
		for _, bad := range []struct{ query, param string }{
			{"EQ_bizStep=shipping", "EQ_bizStep"}, {"eventType=ObjectEvent", "eventType"}, {"perPage=0", "perPage"},
			{"nextPageToken=forged", "nextPageToken"},
		} {
			p := problem(t, s.do(t, "GET", "/queries/myQuery/events?"+bad.query, nil), http.StatusBadRequest, "QueryParameterException")
			if p["parameter"] != bad.param {
				t.Errorf("?%s: parameter %v, want %s", bad.query, p["parameter"], bad.param)
			}
		}
		// Extension fields named with the definition's own prefixes (the
		// event wrote ex:vat, with ex bound to the same namespace).
		r = s.do(t, "POST", "/queries", definitionBody("brewing",
			`{"@context":[{"my":"https://ns.example.com/epcis/"}],"EQ_my:vat":["V1"],"GE_eventTime":"2024-03-01T12:30:00+00:00"}`))
		if r.status != http.StatusCreated {
			t.Fatalf("POST brewing = %d %s", r.status, r.body)
		}
		if got := resultIDs(t, s.do(t, "GET", "/queries/brewing/events", nil)); !slices.Equal(got, ids(resBrewID)) {
			t.Errorf("brewing events = %q", got)
		}

		// The list, in name order, paginated.
		for _, n := range []string{"q-3", "q-1", "q-2"} {
			if r := s.do(t, "POST", "/queries", definitionBody(n, `{"EQ_disposition":["in_transit"]}`)); r.status != http.StatusCreated {
				t.Fatalf("POST %s = %d %s", n, r.status, r.body)
			}
		}
		var names []string
		for _, p := range walk(t, s, "/queries?perPage=2") {
			var list []map[string]any
			if err := json.Unmarshal(p.body, &list); err != nil {
				t.Fatalf("GET /queries is not an array of definitions: %s", p.body)
			}
			if len(list) > 2 {
				t.Errorf("a page of %d", len(list))
			}
			for _, d := range list {
				if _, ok := d["query"].(map[string]any); !ok {
					t.Errorf("listed definition without query: %v", d)
				}
				names = append(names, d["name"].(string))
			}
		}
		if want := []string{"brewing", "myQuery", "q-1", "q-2", "q-3"}; !slices.Equal(names, want) {
			t.Errorf("GET /queries names %q, want %q", names, want)
		}

		// Delete.
		if r := s.do(t, "DELETE", "/queries/myQuery", nil); r.status != http.StatusNoContent {
			t.Fatalf("DELETE = %d %s", r.status, r.body)
		}
		for _, req := range [][2]string{{"DELETE", "/queries/myQuery"}, {"GET", "/queries/myQuery"}, {"GET", "/queries/myQuery/events"},
			{"GET", "/queries/no-such"}, {"GET", "/queries/bad%20name/events"}} {
			problem(t, s.do(t, req[0], req[1], nil), http.StatusNotFound, "NoSuchResourceException")
		}
		// The name is free again, and a new definition is a new query:
		// tokens of the old one do not carry over.
		if r := s.do(t, "POST", "/queries", definitionBody("myQuery", `{"eventType":["ObjectEvent"]}`)); r.status != http.StatusCreated {
			t.Fatalf("POST again = %d %s", r.status, r.body)
		}
		next := nextOf(t, pages[0])
		if p := problem(t, s.do(t, "GET", next, nil), http.StatusBadRequest, "QueryParameterException"); p["parameter"] != "nextPageToken" {
			t.Errorf("an old token on a new definition: %v", p)
		}
	})
}

func TestNamedQueryErrors(t *testing.T) {
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{})
	long := strings.Repeat("q", 129)
	for _, tt := range []struct {
		body         string
		typ, pointer string
		param        string
	}{
		{`[]`, "ValidationException", "", ""},
		{`{"query":{}}`, "ValidationException", "/name", ""},
		{`{"name":5,"query":{}}`, "ValidationException", "/name", ""},
		{`{"name":"a b","query":{}}`, "ValidationException", "/name", ""},
		{`{"name":"..","query":{}}`, "ValidationException", "/name", ""},
		{`{"name":"q/1","query":{}}`, "ValidationException", "/name", ""},
		{`{"name":"` + long + `","query":{}}`, "ValidationException", "/name", ""},
		{`{"name":"q"}`, "ValidationException", "/query", ""},
		{`{"name":"q","query":"eventType=ObjectEvent"}`, "ValidationException", "/query", ""},
		{`{"name":"q","query":{"EQ_bizStep":"shipping"}}`, "QueryParameterException", "/query/EQ_bizStep", "EQ_bizStep"},
		{`{"name":"q","query":{"EQ_bizStep":["loafing"]}}`, "QueryParameterException", "/query/EQ_bizStep", "EQ_bizStep"},
		{`{"name":"q","query":{"EQ_bizStep":["a|b"]}}`, "QueryParameterException", "/query/EQ_bizStep/0", "EQ_bizStep"},
		{`{"name":"q","query":{"EQ_quantity":[1,"2"]}}`, "QueryParameterException", "/query/EQ_quantity/1", "EQ_quantity"},
		{`{"name":"q","query":{"GE_eventTime":"yesterday"}}`, "QueryParameterException", "/query/GE_eventTime", "GE_eventTime"},
		{`{"name":"q","query":{"perPage":10}}`, "QueryParameterException", "/query/perPage", "perPage"},
		{`{"name":"q","query":{"a/b~c":["x"]}}`, "QueryParameterException", "/query/a~1b~0c", "a/b~c"},
		{`{"name":"q","query":{"eventCountLimit":5}}`, "QueryParameterException", "/query/eventCountLimit", "eventCountLimit"},
		{`{"name":"q","query":{"eventType":["ObjectEvent"]`, "ValidationException", "/query", ""},
		{`{"name":"q","name":"r","query":{}}`, "ValidationException", "/name", ""},
	} {
		r := s.do(t, "POST", "/queries", []byte(tt.body))
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", tt.body, r.status, r.body)
			continue
		}
		p := r.json(t)
		if p["type"] != "epcisException:"+tt.typ || str(p["pointer"]) != tt.pointer || str(p["parameter"]) != tt.param {
			t.Errorf("%s: %s; want %s at %q (parameter %q)", tt.body, r.body, tt.typ, tt.pointer, tt.param)
		}
	}
	r := s.do(t, "POST", "/queries", []byte(`{"name":"q","query":{}}`), "Content-Type", "text/plain")
	problem(t, r, http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException")
	r = s.do(t, "POST", "/queries", []byte(`{"name":"q","query":{"x":"`+strings.Repeat("y", 2<<20)+`"}}`))
	problem(t, r, http.StatusRequestEntityTooLarge, "CaptureLimitExceededException")
	// No query was created by any of these.
	if r := s.do(t, "GET", "/queries", nil); string(r.body) != "[]\n" {
		t.Errorf("GET /queries = %s", r.body)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// TestQueryBodiesAgreeWithSchema proves that POST /queries accepts the
// query objects the standard's query schema accepts and refuses those it
// refuses, on a table of bodies covering every parameter family, except
// where the table says why Lotline departs from the schema.
func TestQueryBodiesAgreeWithSchema(t *testing.T) {
	path := filepath.Join(gs1test.Dir(t), "ref-gs1-org-2.0.0-copies", "query-schema.json")
	schema := compileQuerySchema(t, path)
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{})
	const dt = `"2024-03-01T10:00:00.000+01:00"`
	for i, tt := range []struct {
		query string
		valid bool
		// schemaDiffers says why the schema's verdict is the opposite.
		schemaDiffers string
	}{
		{`{}`, true, ""},
		{`{"eventType":["ObjectEvent","TransformationEvent"],"EQ_bizStep":["shipping","receiving"]}`, true, ""},
		{`{"eventType":["https://ns.example.com/MyEvent"]}`, true, ""},
		{`{"GE_eventTime":` + dt + `,"LT_eventTime":"2024-04-01T00:00:00Z","GE_recordTime":` + dt + `,"LT_recordTime":` + dt + `}`, true, ""},
		{`{"EQ_action":["ADD","OBSERVE","DELETE"]}`, true, ""},
		{`{"EQ_disposition":["in_transit"],"EQ_persistentDisposition_set":["recalled"],"EQ_persistentDisposition_unset":["https://ns.example.com/d"]}`, true, ""},
		{`{"EQ_readPoint":["urn:epc:id:sgln:4012345.00001.0"],"WD_readPoint":["https://id.gs1.org/414/4012345000016"],"EQ_bizLocation":["urn:epc:id:sgln:4012345.00002.0"],"WD_bizLocation":["urn:example:loc:1"]}`, true, ""},
		{`{"EQ_transformationID":["urn:uuid:7d3c0c1e-0000-4000-8000-000000000009"],"EQ_eventID":["ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0"]}`, true, ""},
		{`{"MATCH_epc":["urn:epc:id:sgtin:4012345.011111.1"],"MATCH_parentID":["urn:epc:id:sscc:4012345.0000000001"],"MATCH_inputEPC":["urn:epc:idpat:sgtin:4012345.011111.*"],"MATCH_outputEPC":["https://id.gs1.org/01/04012345111118/21/1"],"MATCH_anyEPC":["urn:epc:idpat:sgtin:4012345.*.*"]}`, true, ""},
		{`{"MATCH_epcClass":["urn:epc:class:lgtin:4012345.011111.LOTA"],"MATCH_inputEPCClass":["urn:epc:idpat:sgtin:4012345.011111.*"],"MATCH_outputEPCClass":["https://id.gs1.org/01/04012345111118/10/LOTA"],"MATCH_anyEPCClass":["https://id.gs1.org/01/04012345111118"]}`, true, ""},
		{`{"EQ_quantity":[10,20.5],"GT_quantity":1,"GE_quantity":1.5,"LT_quantity":100,"LE_quantity":1e3}`, true, ""},
		{`{"EQ_quantity_KGM":[10],"GE_quantity_KGM":1,"LT_quantity_LTR":2,"GT_quantity_KGM":0,"LE_quantity_KGM":5}`, true, ""},
		{`{"EXISTS_errorDeclaration":1,"GE_errorDeclaration_Time":` + dt + `,"LT_errorDeclaration_Time":` + dt + `,"EQ_errorReason":["did_not_occur","https://ns.example.com/er"],"EQ_correctiveEventID":["urn:uuid:7d3c0c1e-0000-4000-8000-000000000001"]}`, true, ""},
		{`{"orderBy":"eventTime","orderDirection":"ASC","eventCountLimit":10}`, true, ""},
		{`{"orderBy":"recordTime","maxEventCount":100}`, true, ""},
		{`{"EQ_bizTransaction_po":["urn:epcglobal:cbv:bt:4012345000009:PO-1"],"EQ_source_owning_party":["urn:epc:id:pgln:4012345.00000"],"EQ_destination_location":["urn:epc:id:sgln:4012345.00002.0"]}`, true, ""},
		{`{"EQ_type":["Temperature"],"EQ_deviceID":["urn:epc:id:giai:4012345.1"],"EQ_dataProcessingMethod":["https://ns.example.com/m"],"EQ_microorganism":["https://www.ncbi.nlm.nih.gov/taxonomy/1126011"],"EQ_chemicalSubstance":["https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N"],"EQ_bizRules":["https://ns.example.com/rules/1"]}`, true, ""},
		{`{"EQ_stringValue":["abc"],"EQ_hexBinaryValue":["0A1B"],"EQ_uriValue":["https://ns.example.com/u"],"EQ_booleanValue":true}`, true, ""},
		{`{"GE_time":` + dt + `,"LT_time":` + dt + `,"GE_startTime":` + dt + `,"LT_startTime":` + dt + `,"GE_endTime":` + dt + `,"LT_endTime":` + dt + `}`, true, ""},
		{`{"EQ_value_CEL":[4.5],"GE_value_CEL":1,"LT_minValue_CEL":2,"GT_maxValue_CEL":3,"LE_meanValue_CEL":4,"GE_sDev_CEL":0.1,"LT_percValue_P1":50}`, true, ""},
		{`{"GE_percRank":10,"LT_percRank":90}`, true, ""},
		{`{"EXISTS_sensorElementList":1}`, true, ""},
		{`{"@context":[{"ex":"https://ns.example.com/epcis/"}],"EQ_bizStep":["shipping"]}`, true, ""},

		{`{"EQ_bizStep":"shipping"}`, false, ""},
		{`{"eventType":["Event"]}`, false, ""},
		{`{"eventType":"ObjectEvent"}`, false, ""},
		{`{"EQ_action":["MOVE"]}`, false, ""},
		{`{"EQ_disposition":["loafing"]}`, false, ""},
		{`{"GE_eventTime":"yesterday"}`, false, ""},
		{`{"GE_eventTime":1700000000}`, false, ""},
		{`{"GE_eventTime":["2024-03-01T10:00:00Z"]}`, false, ""},
		{`{"GT_quantity":"5"}`, false, ""},
		{`{"EQ_quantity":["10"]}`, false, ""},
		{`{"EQ_quantity_KGM":5}`, false, ""},
		{`{"orderDirection":"UP"}`, false, ""},
		{`{"orderBy":["eventTime"]}`, false, ""},
		{`{"maxEventCount":"10"}`, false, ""},
		{`{"maxEventCount":1.5}`, false, ""},
		{`{"EQ_booleanValue":"true"}`, false, ""},
		{`{"EXISTS_errorDeclaration":true}`, false, ""},
		{`{"EXISTS_errorDeclaration":null}`, false, ""},
		{`{"MATCH_epc":["not a URI"]}`, false, ""},
		{`{"EQ_readPoint":[5]}`, false, ""},
		{`{"perPage":10}`, false, ""},
		{`{"nextPageToken":"x"}`, false, ""},
		{`{"bogus":["x"]}`, false, ""},
		{`{"EQ_type":["Warmth"]}`, false, ""},
		{`{"EQ_errorReason":["lost"]}`, false, ""},

		// Where Lotline departs from the schema.
		{`{"EQ_bizStep":["urn:epcglobal:cbv:bizstep:shipping"],"EQ_disposition":["urn:epcglobal:cbv:disp:in_transit"]}`, true,
			"the schema's vocab-other-uri refuses CBV URNs; Lotline takes every form of a CBV value, as GET /events does"},
		{`{"GE_errorDeclarationTime":` + dt + `}`, true,
			"the OpenAPI's spelling of GE_errorDeclaration_Time, which the schema lacks; both are taken (issue 4)"},
		{`{"EQ_ex:temp":["4.5"],"GT_ex:temp":4,"EXISTS_ex:temp":1,"@context":[{"ex":"https://ns.example.com/epcis/"}]}`, true,
			"the schema's extension-field patterns (^EQ_[a-z][a-zA-Z0-9]*\\\\:\\\\w+$) demand a literal backslash, so it refuses every extension field"},
		{`{"EQ_INNER_ILMD_ex:lot":["L1"],"GE_ERROR_DECLARATION_ex:n":2,"@context":{"ex":"https://ns.example.com/epcis/"}}`, true,
			"as above, for the ILMD, INNER and ERROR_DECLARATION families"},
		{`{"HASATTR_bizLocation":["urn:epcglobal:cbv:mda:sst"],"EQ_ATTR_bizLocation_urn:epcglobal:cbv:mda:sst":["201"]}`, true,
			"as above, for HASATTR_ and EQ_ATTR_"},
		{`{"EQ_bizStep":[]}`, false,
			"an empty list restricts to nothing the URL form could say; refused rather than guessed"},
		{`{"EQ_stringValue":["a|b"]}`, false,
			"'|' separates the values of a parameter, so such a value could not be asked for in GET /events either"},
		{`{"eventCountLimit":10}`, false, "the standard's rule that eventCountLimit needs orderBy, which no schema expresses"},
		{`{"eventCountLimit":10,"maxEventCount":10,"orderBy":"eventTime"}`, false, "the standard makes eventCountLimit and maxEventCount exclusive"},
	} {
		var q any
		if err := json.Unmarshal([]byte(tt.query), &q); err != nil {
			t.Fatalf("case %d is not JSON: %v", i, err)
		}
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(tt.query))
		schemaValid := schema.Validate(inst) == nil
		if want := tt.valid != (tt.schemaDiffers != ""); schemaValid != want {
			t.Errorf("%s: the schema says valid=%v, the table %v (%q)", tt.query, schemaValid, want, tt.schemaDiffers)
		}
		name := fmt.Sprintf("agree-%d", i)
		r := s.do(t, "POST", "/queries", definitionBody(name, tt.query))
		if got := r.status == http.StatusCreated; got != tt.valid {
			t.Errorf("%s: POST = %d %s, want valid=%v", tt.query, r.status, r.body, tt.valid)
		}
		if !tt.valid && r.status == http.StatusBadRequest {
			if p := r.json(t); !strings.HasPrefix(str(p["pointer"]), "/query/") || str(p["parameter"]) == "" {
				t.Errorf("%s: %s names no parameter and pointer", tt.query, r.body)
			}
		}
		if tt.valid && r.status == http.StatusCreated {
			// What is accepted also runs.
			if r := s.do(t, "GET", "/queries/"+name+"/events", nil); r.status != http.StatusOK {
				t.Errorf("%s: GET events = %d %s", tt.query, r.status, r.body)
			}
		}
	}
}

// compileQuerySchema compiles GS1's query schema (draft-07, with
// look-ahead patterns, hence regexp2) asserting formats.
func compileQuerySchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return (*ecmaRegexp)(re), nil
	})
	const loc = "https://ref.gs1.org/standards/epcis/2.0.0/query-schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }
