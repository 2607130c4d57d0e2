package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/lotline/lotline/gs1/gs1test"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
)

const ctxPrefix = `"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ns.example.com/epcis/"}]`

func document(events ...string) []byte {
	return []byte(`{` + ctxPrefix + `,"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00Z",` +
		`"epcisBody":{"eventList":[` + strings.Join(events, ",") + `]}}`)
}

func objectEvent(id, serial string) string {
	idField := ""
	if id != "" {
		idField = `"eventID":"` + id + `",`
	}
	return `{"type":"ObjectEvent",` + idField + `"eventTime":"2024-03-01T09:00:00.000+01:00","eventTimeZoneOffset":"+01:00",` +
		`"epcList":["urn:epc:id:sgtin:4012345.011111.` + serial + `"],"action":"OBSERVE","bizStep":"shipping",` +
		`"disposition":"in_transit","readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"},` +
		`"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:4012345000009:PO-1"}],` +
		`"ex:batchTemp":{"ex:value":"4.5","@type":"ex:Celsius"},"recordTime":"1999-01-01T00:00:00Z"}`
}

const aggregationEvent = `{"type":"AggregationEvent","eventID":"urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-000000000001",` +
	`"eventTime":"2024-03-01T10:00:00Z","eventTimeZoneOffset":"+00:00","parentID":"urn:epc:id:sscc:4012345.0000000001",` +
	`"childEPCs":["urn:epc:id:sgtin:4012345.011111.900"],"action":"ADD","bizStep":"packing"}`

const transformationEvent = `{"type":"TransformationEvent","eventID":"urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-000000000002",` +
	`"eventTime":"2024-03-01T11:00:00Z","eventTimeZoneOffset":"+00:00",` +
	`"inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.LOTA","quantity":10.5,"uom":"KGM"}],` +
	`"outputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.022222.LOTB","quantity":200}],` +
	`"bizStep":"commissioning","ilmd":{"ex:note":"mixed"}}`

func TestCaptureRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		doc := document(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-000000000000", "1"), aggregationEvent, transformationEvent)
		job := s.capture(t, doc)
		if job["success"] != true || job["captureErrorBehaviour"] != "rollback" || job["finishedAt"] == nil {
			t.Fatalf("job = %v", job)
		}
		var sent map[string]any
		json.Unmarshal(doc, &sent)
		for i, raw := range sent["epcisBody"].(map[string]any)["eventList"].([]any) {
			want := raw.(map[string]any)
			id := want["eventID"].(string)
			r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil, "GS1-EPC-Format", "Never_Translates")
			if r.status != http.StatusOK {
				t.Fatalf("GET event %d = %d\n%s", i, r.status, r.body)
			}
			got := r.json(t)
			if got["type"] != "EPCISQueryDocument" {
				t.Fatalf("type %v", got["type"])
			}
			ctx := fmt.Sprint(got["@context"])
			if !strings.Contains(ctx, "https://ns.example.com/epcis/") {
				t.Errorf("namespace lost from @context: %s", ctx)
			}
			list := got["epcisBody"].(map[string]any)["queryResults"].(map[string]any)["resultsBody"].(map[string]any)["eventList"].([]any)
			if len(list) != 1 {
				t.Fatalf("%d events", len(list))
			}
			ev := list[0].(map[string]any)
			rt, _ := ev["recordTime"].(string)
			if rt == "" || strings.HasPrefix(rt, "1999") {
				t.Errorf("recordTime %q: the server must set it", rt)
			}
			delete(ev, "recordTime")
			delete(want, "recordTime")
			if !reflect.DeepEqual(ev, want) {
				t.Errorf("event %d read back differs:\n got %v\nwant %v", i, ev, want)
			}
		}
	})
}

func TestCaptureAssignsEventHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		doc := document(objectEvent("", "7"))
		if job := s.capture(t, doc); job["success"] != true {
			t.Fatalf("job %v", job)
		}
		// The same document again is recognised as a duplicate.
		job := s.capture(t, doc)
		if job["success"] != false {
			t.Fatalf("recapture succeeded: %v", job)
		}
		errs := job["errors"].([]any)
		e := errs[0].(map[string]any)
		if e["type"] != "epcisException:ResourceAlreadyExistsException" || e["eventIndex"] != 0.0 {
			t.Errorf("error %v", e)
		}
		detail := e["detail"].(string)
		i := strings.Index(detail, "ni:///sha-256;")
		if i < 0 {
			t.Fatalf("no hash ID in %q", detail)
		}
		id := strings.Fields(detail[i:])[0]
		r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d", id, r.status)
		}
	})
}

func TestRollbackIsAllOrNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		bad := strings.Replace(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-00000000000b", "2"), `"+01:00"`, `"+1:00"`, 1)
		r := s.do(t, "POST", "/capture", document(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-00000000000a", "1"), bad))
		if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("status %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
		}
		p := r.json(t)
		if p["type"] != "epcisException:ValidationException" || p["eventIndex"] != 1.0 ||
			p["pointer"] != "/epcisBody/eventList/1/eventTimeZoneOffset" {
			t.Errorf("problem %v", p)
		}
		if r := s.do(t, "GET", "/events/"+url.PathEscape("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-00000000000a"), nil); r.status != http.StatusNotFound {
			t.Errorf("valid event of a refused document stored: %d", r.status)
		}

		// A duplicate found at storage time rolls back the whole document.
		s.capture(t, document(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000c1", "3")))
		job := s.capture(t, document(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000c2", "4"),
			objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000c1", "3")))
		if job["success"] != false || job["storedCount"] != 0.0 {
			t.Fatalf("job %v", job)
		}
		if r := s.do(t, "GET", "/events/"+url.PathEscape("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000c2"), nil); r.status != http.StatusNotFound {
			t.Errorf("event of a rolled-back job is visible: %d", r.status)
		}
	})
}

func TestProceedStoresValidEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		bad := strings.Replace(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000d2", "2"), "sgtin:4012345.011111.2", "sgtin:4012345.011111.2 x", 1)
		job := s.capture(t, document(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000d1", "1"), bad,
			objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000d3", "3")), "GS1-Capture-Error-Behaviour", "proceed")
		if job["success"] != false || job["captureErrorBehaviour"] != "proceed" || job["storedCount"] != 2.0 {
			t.Fatalf("job %v", job)
		}
		errs := job["errors"].([]any)
		if len(errs) == 0 || errs[0].(map[string]any)["eventIndex"] != 1.0 ||
			!strings.HasPrefix(errs[0].(map[string]any)["pointer"].(string), "/epcisBody/eventList/1/epcList/0") {
			t.Errorf("errors %v", errs)
		}
		for _, id := range []string{"d1", "d3"} {
			if r := s.do(t, "GET", "/events/"+url.PathEscape("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000"+id), nil); r.status != http.StatusOK {
				t.Errorf("event %s: %d", id, r.status)
			}
		}
	})
}

// queryDocument wraps events in an EPCISQueryDocument, as another
// repository's answer would come.
func queryDocument(events ...string) []byte {
	return []byte(`{` + ctxPrefix + `,"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00Z",` +
		`"epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[` + strings.Join(events, ",") + `]}}}}`)
}

// TestCaptureQueryDocument: POST /capture takes an EPCISQueryDocument too
// (the OpenAPI: "should support both"), and its errors point into it.
func TestCaptureQueryDocument(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		job := s.capture(t, queryDocument(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000e1", "1")))
		if job["success"] != true || job["storedCount"] != 1.0 {
			t.Fatalf("job %v", job)
		}
		if r := s.do(t, "GET", "/events/"+url.PathEscape("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000e1"), nil); r.status != http.StatusOK {
			t.Errorf("event of a captured query document: %d", r.status)
		}
		bad := strings.Replace(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000e2", "2"), `"+01:00"`, `"+1:00"`, 1)
		r := s.do(t, "POST", "/capture", queryDocument(bad))
		if p := r.json(t); r.status != http.StatusBadRequest ||
			p["pointer"] != "/epcisBody/queryResults/resultsBody/eventList/0/eventTimeZoneOffset" {
			t.Errorf("invalid event in a query document: %d %v", r.status, p)
		}
		// A duplicate found at storage time points into the query document.
		job = s.capture(t, queryDocument(objectEvent("urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000e1", "1")), "GS1-Capture-Error-Behaviour", "proceed")
		errs, _ := job["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["pointer"] != "/epcisBody/queryResults/resultsBody/eventList/0/eventID" {
			t.Errorf("duplicate in a query document: %v", job)
		}
	})
}

func TestPostEvent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		ev := []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ns.example.com/epcis/"}],` +
			strings.TrimPrefix(objectEvent("", "55"), "{"))
		r := s.do(t, "POST", "/events", ev)
		if r.status != http.StatusCreated {
			t.Fatalf("POST /events = %d\n%s", r.status, r.body)
		}
		loc := r.header.Get("Location")
		if !strings.HasPrefix(loc, "/events/ni:") {
			t.Fatalf("Location %q", loc)
		}
		if g := s.do(t, "GET", loc, nil); g.status != http.StatusOK {
			t.Fatalf("GET %s = %d", loc, g.status)
		}
		r = s.do(t, "POST", "/events", ev)
		if r.status != http.StatusConflict || r.json(t)["type"] != "epcisException:ResourceAlreadyExistsException" {
			t.Fatalf("repeat = %d %s", r.status, r.body)
		}
		r = s.do(t, "GET", "/events/urn:uuid:00000000-0000-0000-0000-000000000000", nil)
		if r.status != http.StatusNotFound || r.json(t)["type"] != "epcisException:NoSuchResourceException" {
			t.Fatalf("unknown = %d %s", r.status, r.body)
		}
	})
}

func TestErrorDeclarationIsStoredBeside(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		id := "urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000e1"
		s.capture(t, document(objectEvent(id, "8")))
		decl := strings.Replace(objectEvent(id, "8"), `"action"`,
			`"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z","reason":"incorrect_data"},"action"`, 1)
		if job := s.capture(t, document(decl)); job["success"] != true {
			t.Fatalf("declaration refused: %v", job)
		}
		r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil)
		list := r.json(t)["epcisBody"].(map[string]any)["queryResults"].(map[string]any)["resultsBody"].(map[string]any)["eventList"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["errorDeclaration"] != nil || list[1].(map[string]any)["errorDeclaration"] == nil {
			t.Fatalf("want the event then its declaration, got %v", list)
		}
	})
}

func TestCaptureJobsArePaginated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		ids := map[string]bool{}
		for i := range 5 {
			job := s.capture(t, document(objectEvent("", fmt.Sprint(100+i))))
			ids[job["captureID"].(string)] = true
		}
		seen := map[string]bool{}
		next := "/capture?perPage=2"
		for pages := 0; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			r := s.do(t, "GET", next, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s = %d %s", next, r.status, r.body)
			}
			var jobs []map[string]any
			if err := json.Unmarshal(r.body, &jobs); err != nil {
				t.Fatalf("GET %s: not a JSON array of jobs: %v %s", next, err, r.body)
			}
			for _, j := range jobs {
				id := j["captureID"].(string)
				if seen[id] {
					t.Errorf("job %s listed twice", id)
				}
				seen[id] = true
			}
			next = ""
			if l := r.header.Get("Link"); l != "" {
				next = strings.TrimSuffix(strings.SplitN(l, ">", 2)[0], ">")[1:]
				if r.header.Get("GS1-Next-Page-Token-Expires") == "" {
					t.Error("no GS1-Next-Page-Token-Expires")
				}
			}
		}
		if !reflect.DeepEqual(seen, ids) {
			t.Errorf("listed %v, want %v", seen, ids)
		}
		r := s.do(t, "GET", "/capture?nextPageToken=forged", nil)
		if r.status != http.StatusBadRequest || r.json(t)["parameter"] != "nextPageToken" {
			t.Errorf("forged token: %d %s", r.status, r.body)
		}
	})
}

func TestDiscoveryAndHeaders(t *testing.T) {
	s := startServer(t, backends["sqlite"](t), capture.Config{MaxEvents: 123}, api.Config{MaxBodyBytes: 4567})
	for _, path := range []string{"/", "/capture", "/capture/x", "/events", "/events/x"} {
		r := s.do(t, "OPTIONS", path, nil)
		if r.status != http.StatusNoContent || r.header.Get("Allow") == "" || r.header.Get("GS1-EPCIS-Version") != "2.0.0" ||
			r.header.Get("GS1-CBV-Version") != "2.0.0" || r.header.Get("GS1-EPCIS-Min") == "" || r.header.Get("GS1-Vendor-Version") == "" ||
			r.header.Get("GS1-EPC-Format") == "" {
			t.Errorf("OPTIONS %s = %d %v", path, r.status, r.header)
		}
	}
	r := s.do(t, "OPTIONS", "/capture", nil)
	if r.header.Get("GS1-EPCIS-Capture-Limit") != "123" || r.header.Get("GS1-EPCIS-Capture-File-Size-Limit") != "4567" ||
		r.header.Get("GS1-Capture-Error-Behaviour") != "all" {
		t.Errorf("capture limits %v", r.header)
	}
	if r := s.do(t, "GET", "/", nil); r.status != http.StatusOK || r.header.Get("GS1-EPCIS-Max") != "2.0.0" {
		t.Errorf("GET / = %d", r.status)
	}
	for _, h := range [][2]string{{"GS1-EPCIS-Version", "1.2"}, {"GS1-EPCIS-Min", "2.1"}, {"GS1-EPCIS-Max", "1.2.0"}, {"GS1-CBV-Version", "1.2"}} {
		r := s.do(t, "GET", "/", nil, h[0], h[1])
		if r.status != http.StatusNotAcceptable || r.json(t)["type"] != "epcisException:NotAcceptableException" {
			t.Errorf("%s: %s = %d %s", h[0], h[1], r.status, r.body)
		}
	}
	// An Accept that names HTML first is a browser's and is sent on to
	// the pages (TestPages), so text/html is not among the refusals here.
	for accept, want := range map[string]int{"application/xml": 406, "application/xml, text/html;q=0.9": 406,
		"application/ld+json": 200, "application/json;q=0.5, application/xml": 200, "*/*": 200, "application/json;q=0": 406} {
		if r := s.do(t, "GET", "/", nil, "Accept", accept); r.status != want {
			t.Errorf("Accept %q: %d, want %d", accept, r.status, want)
		}
	}
	if r := s.do(t, "GET", "/", nil, "GS1-EPCIS-Version", "2.0"); r.status != http.StatusOK {
		t.Errorf("2.0 refused: %d", r.status)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := s.do(t, "GET", p, nil, "Accept", "text/plain;version=0.0.4"); r.status != http.StatusOK {
			t.Errorf("%s = %d", p, r.status)
		}
	}
}

// TestCaptureGS1Examples captures every JSON-LD EPCISDocument of the
// standard's examples and of other projects' public test data that GS1's
// JSON Schema accepts (the schemas package proves ours agrees with it): the
// semantic rules must not refuse any of them.
func TestCaptureGS1Examples(t *testing.T) {
	dir := gs1test.Dir(t)
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{})
	var files []string
	for _, sub := range []string{"gs1-EPCIS/examples", "more-examples"} {
		filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".jsonld") || strings.HasSuffix(p, ".json")) {
				files = append(files, p)
			}
			return nil
		})
	}
	// Documents Lotline refuses although GS1's schema accepts them, and why.
	refused := map[string]string{
		"gs1-EPCIS/examples/JSON/AssociationEvent/AssociationEvent-h.jsonld":                                          "an event has the key eventID twice; duplicate keys are refused (RFC 8259 leaves their meaning undefined)",
		"gs1-EPCIS/examples/JSON-simple-context/AssociationEvent/AssociationEvent-h.jsonld":                           "an event has the key eventID twice",
		"more-examples/epcis-event-hash-generator/tests/examples/epclist_normalisation.jsonld":                        "an LGTIN class in epcList; epcList names instances, classes belong in quantityList",
		"more-examples/openepcis-test-resources/2.0/EPCIS/JSON/Capture/Documents/Combination_of_different_event.json": "GTIN 03001345000771 has a wrong check digit (6 expected)",
	}
	captured, schemaInvalid, deliberate := 0, 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if json.Unmarshal(data, &doc) != nil || doc["type"] != "EPCISDocument" {
			continue
		}
		rel, _ := filepath.Rel(dir, f)
		t.Run(rel, func(t *testing.T) {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var v any
			dec.Decode(&v)
			if vs := validator.Document(v); len(vs) > 0 {
				schemaInvalid++
				if r := s.do(t, "POST", "/capture", data); r.status != http.StatusBadRequest {
					t.Errorf("schema-invalid example answered %d, want 400", r.status)
				}
				return
			}
			r := s.do(t, "POST", "/capture", data)
			if why, ok := refused[filepath.ToSlash(rel)]; ok {
				if r.status != http.StatusBadRequest {
					t.Errorf("expected refusal (%s), got %d", why, r.status)
				}
				deliberate++
				return
			}
			if r.status != http.StatusAccepted {
				t.Fatalf("example refused: %d %s", r.status, r.body)
			}
			job := s.waitJob(t, r.header.Get("Location"))
			if job["success"] != true {
				// The same events appear in several example folders; only
				// a duplicate is acceptable then.
				for _, e := range job["errors"].([]any) {
					if e.(map[string]any)["type"] != "epcisException:ResourceAlreadyExistsException" {
						t.Fatalf("example refused: %v", job["errors"])
					}
				}
			}
			captured++
		})
	}
	t.Logf("%d example documents captured, %d refused as the GS1 JSON Schema refuses them, %d refused deliberately",
		captured, schemaInvalid, deliberate)
	if captured < 50 {
		t.Errorf("only %d examples captured", captured)
	}
}
