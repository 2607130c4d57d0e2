package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
)

// TestHostileInput sends malformed and malicious requests. Each must get a
// 4xx problem+json answer naming the EPCIS exception (and, where it
// applies, the pointer or parameter at fault), and the server must go on
// serving.
func TestHostileInput(t *testing.T) {
	s := startServer(t, backends["sqlite"](t), capture.Config{MaxEvents: 5},
		api.Config{MaxBodyBytes: 64 << 10, MaxEventBytes: 8 << 10, JSON: epcis.JSONLimits{MaxDepth: 16, MaxStringBytes: 2048, MaxArrayLen: 500}})
	ev := objectEvent("", "1")
	withEvent := func(old, new string) []byte { return document(strings.Replace(ev, old, new, 1)) }
	deep := strings.Repeat(`{"ex:a":`, 40) + `1` + strings.Repeat(`}`, 40)
	manyEPCs := `"epcList":["` + strings.Repeat(`urn:epc:id:sgtin:4012345.011111.1","`, 600) + `urn:epc:id:sgtin:4012345.011111.1"]`
	bomb := gzipped(bytes.Repeat([]byte(" "), 10<<20)) // 10 MiB of spaces in a few KiB

	tests := []struct {
		name    string
		method  string
		path    string
		body    []byte
		headers []string
		status  int
		typ     string
		where   string // expected pointer or parameter, if any
	}{
		{"not JSON", "POST", "/capture", []byte("hello"), nil, 400, "ValidationException", ""},
		{"truncated JSON", "POST", "/capture", document(ev)[:100], nil, 400, "ValidationException", ""},
		{"empty body", "POST", "/capture", []byte{}, nil, 400, "ValidationException", ""},
		{"JSON array", "POST", "/capture", []byte(`[]`), nil, 400, "ValidationException", ""},
		{"wrong document type", "POST", "/capture", bytes.Replace(document(ev), []byte(`"EPCISDocument"`), []byte(`"EPCISMasterDataDocument"`), 1), nil, 400, "ValidationException", "/type"},
		{"duplicate key", "POST", "/capture", withEvent(`"action":"OBSERVE"`, `"action":"OBSERVE","action":"ADD"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/action"},
		{"invalid UTF-8", "POST", "/capture", withEvent(`"shipping"`, "\"ship\xffping\""), nil, 400, "ValidationException", "/epcisBody/eventList/0/bizStep"},
		{"lone surrogate", "POST", "/capture", withEvent(`"shipping"`, `"\ud800"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/bizStep"},
		{"nesting too deep", "POST", "/capture", withEvent(`"action"`, `"ex:deep":`+deep+`,"action"`), nil, 400, "ValidationException", ""},
		{"string too long", "POST", "/capture", withEvent(`"ex:value":"4.5"`, `"ex:value":"`+strings.Repeat("x", 3000)+`"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/ex:batchTemp/ex:value"},
		{"list too long", "POST", "/capture", withEvent(`"epcList":["urn:epc:id:sgtin:4012345.011111.1"]`, manyEPCs), nil, 400, "ValidationException", "/epcisBody/eventList/0/epcList"},
		{"number out of range", "POST", "/capture", []byte(strings.Replace(transformationEvent, "10.5", "1e999", 1)), nil, 400, "ValidationException", "/inputQuantityList/0/quantity"},
		{"negative quantity", "POST", "/capture", document(strings.Replace(transformationEvent, "10.5", "-3", 1)), nil, 400, "ValidationException", "/epcisBody/eventList/0/inputQuantityList/0/quantity"},
		{"too many events", "POST", "/capture", document(ev, ev, ev, ev, ev, ev), nil, 413, "CaptureLimitExceededException", ""},
		{"body too large", "POST", "/capture", document(strings.Repeat(ev+",", 300) + ev), nil, 413, "CaptureLimitExceededException", ""},
		{"gzip bomb", "POST", "/capture", bomb, []string{"Content-Encoding", "gzip"}, 413, "CaptureLimitExceededException", ""},
		{"corrupt gzip", "POST", "/capture", []byte("\x1f\x8b\x08\x00garbage"), []string{"Content-Encoding", "gzip"}, 400, "ValidationException", "Content-Encoding"},
		{"unknown encoding", "POST", "/capture", document(ev), []string{"Content-Encoding", "br"}, 415, "UnsupportedMediaTypeException", "Content-Encoding"},
		{"wrong content type", "POST", "/capture", document(ev), []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaTypeException", "Content-Type"},
		{"bad error behaviour", "POST", "/capture", document(ev), []string{"GS1-Capture-Error-Behaviour", "ignore"}, 400, "ValidationException", "GS1-Capture-Error-Behaviour"},
		{"bad check digit", "POST", "/capture", withEvent(`"urn:epc:id:sgtin:4012345.011111.1"`, `"https://id.gs1.org/01/04012345111119/21/1"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/epcList/0"},
		{"event time without zone", "POST", "/capture", withEvent(`"2024-03-01T09:00:00.000+01:00"`, `"2024-03-01T09:00:00.000"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/eventTime"},
		{"bad offset", "POST", "/capture", withEvent(`"eventTimeZoneOffset":"+01:00"`, `"eventTimeZoneOffset":"+25:00"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/eventTimeZoneOffset"},
		{"unknown bizStep word", "POST", "/capture", withEvent(`"shipping"`, `"teleporting"`), nil, 400, "ValidationException", "/epcisBody/eventList/0/bizStep"},
		{"ilmd on OBSERVE", "POST", "/capture", withEvent(`"action":"OBSERVE"`, `"action":"OBSERVE","ilmd":{"ex:x":"1"}`), nil, 400, "ValidationException", "/epcisBody/eventList/0/action"},
		{"unknown event type", "POST", "/capture", withEvent(`"ObjectEvent"`, `"MagicEvent"`), nil, 400, "ValidationException", "/epcisBody/eventList/0"},
		{"aggregation ADD without parent", "POST", "/capture", document(strings.Replace(aggregationEvent, `"parentID":"urn:epc:id:sscc:4012345.0000000001",`, "", 1)), nil, 400, "ValidationException", "/epcisBody/eventList/0/parentID"},
		{"event not an object", "POST", "/capture", document(`"ObjectEvent"`), nil, 400, "ValidationException", "/epcisBody/eventList/0"},
		{"remote context only", "POST", "/capture", bytes.Replace(document(ev), []byte(`{"ex":"https://ns.example.com/epcis/"}`), []byte(`"https://evil.example/ctx.jsonld"`), 1), nil, 202, "", ""},
		{"POST /events too large", "POST", "/events", []byte(`{"type":"ObjectEvent","ex:x":"` + strings.Repeat("y", 9000) + `"}`), nil, 413, "CaptureLimitExceededException", ""},
		{"POST /events a document", "POST", "/events", document(ev), nil, 400, "ValidationException", ""},
		{"unknown path", "GET", "/nowhere", nil, nil, 404, "NoSuchResourceException", ""},
		{"wrong method", "DELETE", "/capture", nil, nil, 405, "MethodNotAllowedException", ""},
		{"bad perPage", "GET", "/capture?perPage=-1", nil, nil, 400, "QueryParameterException", "perPage"},
		{"unknown capture job", "GET", "/capture/doesnotexist", nil, nil, 404, "NoSuchResourceException", ""},
		{"bad version", "POST", "/capture", document(ev), []string{"GS1-EPCIS-Version", "7.0"}, 406, "NotAcceptableException", "GS1-EPCIS-Version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, tt.body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tt.status, r.body)
			}
			if tt.status == 202 {
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			p := r.json(t)
			if p["type"] != "epcisException:"+tt.typ || p["status"] != float64(tt.status) || p["title"] == "" {
				t.Errorf("problem %v, want type %s", p, tt.typ)
			}
			if tt.where != "" {
				ptr, _ := p["pointer"].(string)
				param, _ := p["parameter"].(string)
				if !strings.HasSuffix(ptr, tt.where) && param != tt.where && !strings.HasPrefix(ptr, tt.where) {
					t.Errorf("problem names pointer %q parameter %q, want %q\n%v", ptr, param, tt.where, p)
				}
			}
			if h := s.do(t, "GET", "/healthz", nil); h.status != http.StatusOK {
				t.Fatalf("server stopped serving after %s", tt.name)
			}
		})
	}
	if len(tests) < 25 {
		t.Fatalf("only %d hostile inputs", len(tests))
	}
}
