package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1"
)

// TestEPCFormat checks that answers honour GS1-EPC-Format and
// GS1-CBV-XML-Format, and say what they applied.
func TestEPCFormat(t *testing.T) {
	prefixes := gs1.NewPrefixTable()
	s := startServer(t, backends["sqlite"](t), capture.Config{Prefixes: prefixes}, api.Config{Prefixes: prefixes})
	id := "urn:uuid:2b9e5b8a-7b4a-4d2e-9a53-0000000000f1"
	ev := strings.Replace(objectEvent(id, "1"), `"epcList":["urn:epc:id:sgtin:4012345.011111.1"]`,
		`"epcList":["urn:epc:id:sgtin:4012345.011111.1","https://id.gs1.org/01/04012345111118/21/2","https://example.com/01/09521234543213/21/X"]`, 1)
	if job := s.capture(t, document(ev)); job["success"] != true {
		t.Fatalf("job %v", job)
	}
	get := func(headers ...string) (map[string]any, http.Header) {
		r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil, headers...)
		if r.status != http.StatusOK {
			t.Fatalf("GET = %d %s", r.status, r.body)
		}
		doc := r.json(t)
		list := doc["epcisBody"].(map[string]any)["queryResults"].(map[string]any)["resultsBody"].(map[string]any)["eventList"].([]any)
		return list[0].(map[string]any), r.header
	}
	tests := []struct {
		headers      []string
		wantEPCs     []string
		wantBizStep  string
		wantReadPt   string
		applied      string
		untranslated string
	}{
		{nil, []string{"https://id.gs1.org/01/04012345111118/21/1", "https://id.gs1.org/01/04012345111118/21/2", "https://id.gs1.org/01/09521234543213/21/X"},
			"shipping", "https://id.gs1.org/414/4012345000016", "Always_GS1_Digital_Link", ""},
		{[]string{"GS1-EPC-Format", "Always_EPC_URN", "GS1-CBV-XML-Format", "Always_URN"},
			[]string{"urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2", "https://id.gs1.org/01/09521234543213/21/X"},
			"urn:epcglobal:cbv:bizstep:shipping", "urn:epc:id:sgln:4012345.00001.0", "Always_EPC_URN", "1"},
		{[]string{"GS1-EPC-Format", "Never_Translates", "GS1-CBV-XML-Format", "Always_Web_URI"},
			[]string{"urn:epc:id:sgtin:4012345.011111.1", "https://id.gs1.org/01/04012345111118/21/2", "https://example.com/01/09521234543213/21/X"},
			"https://ref.gs1.org/cbv/BizStep-shipping", "urn:epc:id:sgln:4012345.00001.0", "Never_Translates", ""},
	}
	for _, tt := range tests {
		ev, h := get(tt.headers...)
		epcs := ev["epcList"].([]any)
		for i, want := range tt.wantEPCs {
			if epcs[i] != want {
				t.Errorf("%v: epcList[%d] = %v, want %s", tt.headers, i, epcs[i], want)
			}
		}
		if ev["bizStep"] != tt.wantBizStep || ev["readPoint"].(map[string]any)["id"] != tt.wantReadPt {
			t.Errorf("%v: bizStep %v readPoint %v", tt.headers, ev["bizStep"], ev["readPoint"])
		}
		if h.Get("GS1-EPC-Format") != tt.applied || h.Get("Lotline-Untranslated-EPCs") != tt.untranslated {
			t.Errorf("%v: applied %q untranslated %q", tt.headers, h.Get("GS1-EPC-Format"), h.Get("Lotline-Untranslated-EPCs"))
		}
	}
	r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil, "GS1-EPC-Format", "Sometimes")
	if r.status != http.StatusBadRequest || r.json(t)["parameter"] != "GS1-EPC-Format" {
		t.Errorf("bad header: %d %s", r.status, r.body)
	}
}
