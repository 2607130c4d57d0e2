package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
)

// The events of the resource tests, each with the values it carries.
const (
	resShipID   = "urn:uuid:7d3c0c1e-0000-4000-8000-000000000001"
	resRecvID   = "urn:uuid:7d3c0c1e-0000-4000-8000-000000000002"
	resPackID   = "urn:uuid:7d3c0c1e-0000-4000-8000-000000000003"
	resMakeID   = "urn:uuid:7d3c0c1e-0000-4000-8000-000000000004"
	resBrewID   = "urn:uuid:7d3c0c1e-0000-4000-8000-000000000005"
	resItem1    = "urn:epc:id:sgtin:4012345.011111.1"
	resItem2    = "urn:epc:id:sgtin:4012345.011111.2"
	resItem3    = "urn:epc:id:sgtin:4012345.011111.3"
	resCase     = "urn:epc:id:sscc:4012345.0000000001"
	resLotA     = "urn:epc:class:lgtin:4012345.011111.LOTA"
	resLotB     = "urn:epc:class:lgtin:4012345.022222.LOTB"
	resDock     = "urn:epc:id:sgln:4012345.00001.0"
	resPlant    = "urn:epc:id:sgln:4012345.00002.0"
	resGate     = "urn:epc:id:sgln:4012345.00003.0"
	resStore    = "urn:epc:id:sgln:4012345.00004.0"
	resVat      = "https://ns.example.com/rp/vat-1"
	resBrewing  = "https://ns.example.com/bizstep/brewing"
	resAged     = "https://ns.example.com/disp/aged"
	resBrewTime = "2024-03-01T13:00:00Z"
)

func resObject(id, epc, bizStep, disp, readPoint, bizLocation, at string) string {
	ev := `{"type":"ObjectEvent","eventID":"` + id + `","eventTime":"` + at + `","eventTimeZoneOffset":"+00:00",` +
		`"epcList":["` + epc + `"],"action":"OBSERVE","bizStep":"` + bizStep + `","disposition":"` + disp + `",` +
		`"readPoint":{"id":"` + readPoint + `"}`
	if bizLocation != "" {
		ev += `,"bizLocation":{"id":"` + bizLocation + `"}`
	}
	return ev + `}`
}

var resDocument = document(
	resObject(resShipID, resItem1, "shipping", "in_transit", resDock, resPlant, "2024-03-01T09:00:00Z"),
	resObject(resRecvID, resItem2, "receiving", "in_progress", resGate, resStore, "2024-03-01T10:00:00Z"),
	`{"type":"AggregationEvent","eventID":"`+resPackID+`","eventTime":"2024-03-01T11:00:00Z","eventTimeZoneOffset":"+00:00",`+
		`"parentID":"`+resCase+`","childEPCs":["`+resItem1+`"],"action":"ADD","bizStep":"packing","readPoint":{"id":"`+resDock+`"}}`,
	`{"type":"TransformationEvent","eventID":"`+resMakeID+`","eventTime":"2024-03-01T12:00:00Z","eventTimeZoneOffset":"+00:00",`+
		`"inputQuantityList":[{"epcClass":"`+resLotA+`","quantity":10,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"`+resLotB+`","quantity":20}],"bizStep":"commissioning"}`,
	strings.TrimSuffix(resObject(resBrewID, resItem3, resBrewing, resAged, resVat, "", resBrewTime), `}`)+`,"ex:vat":"V1"}`,
)

// dl is the canonical GS1 Digital Link of an EPC URN, the form listings
// hold identifiers in.
func dl(t *testing.T, urn string) string {
	t.Helper()
	e, err := gs1.ParseEPC(urn)
	if err != nil {
		t.Fatal(err)
	}
	return e.Canonical()
}

func webURIs(t *testing.T, v cbv.Vocabulary, words ...string) []string {
	t.Helper()
	var out []string
	for _, w := range words {
		u, err := cbv.Normalize(v, w)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// members returns a Collection's members, checking its shape.
func members(t *testing.T, r response) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	m := r.json(t)
	if m["@context"] != "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld" || m["type"] != "Collection" {
		t.Errorf("not a Collection: %s", r.body)
	}
	list, ok := m["member"].([]any)
	if !ok {
		t.Fatalf("no member array: %s", r.body)
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.(string)
	}
	return out
}

// nextOf returns the path and query of a page's Link rel="next", or "".
func nextOf(t *testing.T, r response) string {
	t.Helper()
	l := r.header.Get("Link")
	if l == "" {
		return ""
	}
	if !strings.HasSuffix(l, `>; rel="next"`) || !strings.HasPrefix(l, "<") {
		t.Fatalf("Link %q", l)
	}
	if r.header.Get("GS1-Next-Page-Token-Expires") == "" {
		t.Error("a next page without GS1-Next-Page-Token-Expires")
	}
	return strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
}

// walk follows Link rel="next" from path and returns each page.
func walk(t *testing.T, s *testServer, path string, headers ...string) []response {
	t.Helper()
	var pages []response
	for next := path; next != ""; {
		if len(pages) > 100 {
			t.Fatalf("%s: paging does not end", path)
		}
		r := s.do(t, "GET", next, nil, headers...)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", next, r.status, r.body)
		}
		pages = append(pages, r)
		next = nextOf(t, r)
	}
	return pages
}

// resultIDs returns the eventIDs of an EPCISQueryDocument answer, sorted.
func resultIDs(t *testing.T, r response) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	doc := r.json(t)
	body, _ := doc["epcisBody"].(map[string]any)
	qr, _ := body["queryResults"].(map[string]any)
	rb, _ := qr["resultsBody"].(map[string]any)
	list, ok := rb["eventList"].([]any)
	if doc["type"] != "EPCISQueryDocument" || !ok {
		t.Fatalf("not an EPCISQueryDocument: %s", r.body)
	}
	ids := []string{}
	for _, e := range list {
		ids = append(ids, e.(map[string]any)["eventID"].(string))
	}
	slices.Sort(ids)
	return ids
}

func ids(list ...string) []string {
	out := append([]string{}, list...)
	slices.Sort(out)
	return out
}

func problem(t *testing.T, r response, status int, typ string) map[string]any {
	t.Helper()
	if r.status != status || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d (%s), want %d problem+json: %s", r.status, r.header.Get("Content-Type"), status, r.body)
	}
	p := r.json(t)
	if p["type"] != "epcisException:"+typ {
		t.Errorf("type %v, want %s: %s", p["type"], typ, r.body)
	}
	return p
}

func TestDiscoveryListsTopLevelResources(t *testing.T) {
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{})
	got := members(t, s.do(t, "GET", "/", nil))
	want := []string{"events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions", "capture", "queries", "lots"}
	if !slices.Equal(got, want) {
		t.Errorf("GET / members %q, want %q", got, want)
	}
	for _, tt := range []struct{ path, allow string }{
		{"/", "GET, OPTIONS"},
		{"/eventTypes", "GET, OPTIONS"}, {"/eventTypes/ObjectEvent", "GET, OPTIONS"}, {"/eventTypes/ObjectEvent/events", "GET, OPTIONS"},
		{"/epcs", "GET, OPTIONS"}, {"/epcs/x", "GET, OPTIONS"}, {"/epcs/x/events", "GET, OPTIONS"},
		{"/bizSteps/x/events", "GET, OPTIONS"}, {"/bizLocations/x", "GET, OPTIONS"},
		{"/readPoints", "GET, OPTIONS"}, {"/dispositions/x/events", "GET, OPTIONS"},
		{"/queries", "GET, POST, OPTIONS"}, {"/queries/q", "GET, DELETE, OPTIONS"}, {"/queries/q/events", "GET, OPTIONS"},
	} {
		r := s.do(t, "OPTIONS", tt.path, nil)
		if r.status != http.StatusNoContent || r.header.Get("Allow") != tt.allow || r.header.Get("GS1-EPCIS-Version") != "2.0.0" ||
			r.header.Get("GS1-EPC-Format") == "" || r.header.Get("GS1-CBV-XML-Format") == "" {
			t.Errorf("OPTIONS %s = %d, Allow %q; want 204, %q (%v)", tt.path, r.status, r.header.Get("Allow"), tt.allow, r.header)
		}
	}
	problem(t, s.do(t, "GET", "/?perPage=3", nil), http.StatusBadRequest, "QueryParameterException")
	problem(t, s.do(t, "DELETE", "/epcs", nil), http.StatusMethodNotAllowed, "MethodNotAllowedException")
}

func TestValueListings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, resDocument); job["success"] != true {
			t.Fatalf("capture: %v", job)
		}
		bizSteps := append(webURIs(t, cbv.BizStep, cbv.Terms(cbv.BizStep)...), resBrewing)
		slices.Sort(bizSteps)
		dispositions := append(webURIs(t, cbv.Disp, cbv.Terms(cbv.Disp)...), resAged)
		slices.Sort(dispositions)
		for _, tt := range []struct {
			path string
			want []string
		}{
			// The standard event types and CBV values are listed whether
			// or not an event has them, as the OpenAPI describes.
			{"/eventTypes", []string{"AggregationEvent", "AssociationEvent", "ObjectEvent", "TransactionEvent", "TransformationEvent"}},
			{"/epcs", ids(dl(t, resItem1), dl(t, resItem2), dl(t, resItem3), dl(t, resCase), dl(t, resLotA), dl(t, resLotB))},
			{"/bizSteps", bizSteps},
			{"/dispositions", dispositions},
			{"/readPoints", ids(dl(t, resDock), dl(t, resGate), resVat)},
			{"/bizLocations", ids(dl(t, resPlant), dl(t, resStore))},
		} {
			if got := members(t, s.do(t, "GET", tt.path+"?perPage=1000", nil)); !slices.Equal(got, tt.want) {
				t.Errorf("GET %s = %q, want %q", tt.path, got, tt.want)
			}
			// Walking the pages gives the same values, each once.
			for _, perPage := range []string{"1", "7"} {
				var got []string
				for _, p := range walk(t, s, tt.path+"?perPage="+perPage) {
					page := members(t, p)
					if n := len(page); n == 0 && len(tt.want) > 0 || perPage == "1" && n > 1 {
						t.Errorf("%s?perPage=%s: a page of %d", tt.path, perPage, n)
					}
					got = append(got, page...)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s?perPage=%s pages = %q, want %q", tt.path, perPage, got, tt.want)
				}
			}
		}
		// The default page is 30 values, and a token is bound to its listing.
		r := s.do(t, "GET", "/bizSteps", nil)
		if n := len(members(t, r)); n != 30 {
			t.Errorf("default page of %d bizSteps, want 30", n)
		}
		next := nextOf(t, r)
		tok := next[strings.Index(next, "nextPageToken="):]
		if p := problem(t, s.do(t, "GET", "/dispositions?"+tok, nil), http.StatusBadRequest, "QueryParameterException"); p["parameter"] != "nextPageToken" {
			t.Errorf("a /bizSteps token on /dispositions: %v", p)
		}
		for _, bad := range []struct{ query, param string }{
			{"nextPageToken=forged", "nextPageToken"}, {"perPage=0", "perPage"}, {"perPage=x", "perPage"}, {"perPge=3", "perPge"},
			{"GS1-EPC-Format=Sometimes", "GS1-EPC-Format"},
		} {
			r := s.do(t, "GET", "/epcs?"+bad.query, nil)
			if r.status != http.StatusBadRequest || r.json(t)["parameter"] != bad.param {
				t.Errorf("GET /epcs?%s = %d %s; want 400 naming %s", bad.query, r.status, r.body, bad.param)
			}
		}
	})
}

func TestValueListingForms(t *testing.T) {
	prefixes := gs1.NewPrefixTable()
	s := startServer(t, backends["sqlite"](t), capture.Config{Prefixes: prefixes}, api.Config{Prefixes: prefixes})
	if job := s.capture(t, resDocument); job["success"] != true {
		t.Fatalf("capture: %v", job)
	}
	urns := ids(resItem1, resItem2, resItem3, resCase, resLotA, resLotB)
	for _, tt := range []struct {
		path    string
		headers []string
		want    func([]string) bool
	}{
		{"/epcs", []string{"GS1-EPC-Format", "Always_EPC_URN"}, func(got []string) bool {
			slices.Sort(got)
			return slices.Equal(got, urns)
		}},
		{"/epcs?GS1-EPC-Format=Always_EPC_URN", nil, func(got []string) bool { return slices.Contains(got, resCase) }},
		{"/epcs?GS1-EPC-Format=Always_EPC_URN&perPage=1", nil, func(got []string) bool {
			// Every page in the form the query string asked for.
			var all []string
			for _, p := range walk(t, s, "/epcs?GS1-EPC-Format=Always_EPC_URN&perPage=1") {
				all = append(all, members(t, p)...)
			}
			slices.Sort(all)
			return slices.Equal(all, urns)
		}},
		{"/readPoints", []string{"GS1-EPC-Format", "Always_EPC_URN"}, func(got []string) bool {
			// In the listing's order, which is that of the stored form.
			return slices.Equal(got, []string{resDock, resGate, resVat})
		}},
		{"/epcs", []string{"GS1-EPC-Format", "Never_Translates"}, func(got []string) bool { return slices.Contains(got, dl(t, resCase)) }},
		{"/bizSteps?perPage=1000", []string{"GS1-CBV-XML-Format", "Always_URN"}, func(got []string) bool {
			return slices.Contains(got, "urn:epcglobal:cbv:bizstep:shipping") && slices.Contains(got, resBrewing) &&
				!slices.Contains(got, "https://ref.gs1.org/cbv/BizStep-shipping")
		}},
		{"/dispositions?perPage=1000", []string{"GS1-CBV-XML-Format", "Always_Web_URI"}, func(got []string) bool {
			return slices.Contains(got, "https://ref.gs1.org/cbv/Disp-in_transit") && slices.Contains(got, resAged)
		}},
	} {
		r := s.do(t, "GET", tt.path, nil, tt.headers...)
		if got := members(t, r); !tt.want(got) {
			t.Errorf("GET %s %v = %q", tt.path, tt.headers, got)
		}
	}
}

func TestValueResources(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, resDocument); job["success"] != true {
			t.Fatalf("capture: %v", job)
		}
		esc := url.PathEscape
		found := []string{
			"/eventTypes/ObjectEvent", "/eventTypes/AssociationEvent", // standard, though no event has it
			"/epcs/" + resItem1, "/epcs/" + esc(dl(t, resItem1)), "/epcs/" + esc(resItem1),
			"/epcs/" + resLotA, "/epcs/" + esc(dl(t, resLotA)), "/epcs/" + resCase,
			"/bizSteps/shipping", "/bizSteps/urn:epcglobal:cbv:bizstep:shipping", "/bizSteps/" + esc("https://ref.gs1.org/cbv/BizStep-shipping"),
			"/bizSteps/cbv:BizStep-receiving", "/bizSteps/destroying", "/bizSteps/" + esc(resBrewing),
			"/bizLocations/" + resPlant, "/bizLocations/" + esc(dl(t, resStore)),
			"/readPoints/" + resDock, "/readPoints/" + esc(resVat),
			"/dispositions/in_transit", "/dispositions/urn:epcglobal:cbv:disp:in_progress", "/dispositions/" + esc(resAged),
		}
		for _, p := range found {
			if got := members(t, s.do(t, "GET", p, nil)); !slices.Equal(got, []string{"events"}) {
				t.Errorf("GET %s = %q, want [events]", p, got)
			}
		}
		missing := []string{
			"/eventTypes/Event", "/eventTypes/" + esc("https://ns.example.com/MyEvent"),
			"/epcs/" + resItem1 + "9", "/epcs/" + esc("https://id.gs1.org/01/04012345111118/21/99"), "/epcs/urn:epc:id:sgtin:garbage",
			"/bizSteps/brewing", "/bizSteps/" + esc("https://ns.example.com/bizstep/roasting"),
			"/bizLocations/" + resDock, // a read point, not a business location
			"/readPoints/" + resPlant,
			"/dispositions/shipping",
			"/epcs/" + resItem1 + "9/events", "/bizSteps/brewing/events", "/readPoints/" + resPlant + "/events",
		}
		for _, p := range missing {
			problem(t, s.do(t, "GET", p, nil), http.StatusNotFound, "NoSuchResourceException")
		}
	})
}

func TestValueEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, resDocument); job["success"] != true {
			t.Fatalf("capture: %v", job)
		}
		esc := url.PathEscape
		for _, tt := range []struct {
			path string
			want []string
		}{
			{"/eventTypes/ObjectEvent/events", ids(resShipID, resRecvID, resBrewID)},
			{"/eventTypes/AggregationEvent/events", ids(resPackID)},
			{"/eventTypes/AssociationEvent/events", ids()},
			// MATCH_anyEPC: the item is in the epcList of one event and
			// the childEPCs of another.
			{"/epcs/" + resItem1 + "/events", ids(resShipID, resPackID)},
			{"/epcs/" + esc(dl(t, resItem1)) + "/events", ids(resShipID, resPackID)},
			{"/epcs/" + resCase + "/events", ids(resPackID)},
			// A class: MATCH_anyEPCClass.
			{"/epcs/" + resLotA + "/events", ids(resMakeID)},
			{"/epcs/" + esc(dl(t, resLotB)) + "/events", ids(resMakeID)},
			{"/bizSteps/shipping/events", ids(resShipID)},
			{"/bizSteps/receiving/events", ids(resRecvID)},
			{"/bizSteps/" + esc(resBrewing) + "/events", ids(resBrewID)},
			{"/bizSteps/destroying/events", ids()},
			{"/dispositions/in_transit/events", ids(resShipID)},
			{"/dispositions/" + esc(resAged) + "/events", ids(resBrewID)},
			{"/readPoints/" + resDock + "/events", ids(resShipID, resPackID)},
			{"/readPoints/" + esc(resVat) + "/events", ids(resBrewID)},
			{"/bizLocations/" + resStore + "/events", ids(resRecvID)},

			// Query parameters combine with the resource's own: both hold.
			{"/readPoints/" + resDock + "/events?eventType=ObjectEvent", ids(resShipID)},
			{"/epcs/" + resItem1 + "/events?EQ_bizStep=packing", ids(resPackID)},
			{"/epcs/" + resItem1 + "/events?MATCH_parentID=" + resCase, ids(resPackID)},
			{"/bizSteps/shipping/events?EQ_bizStep=shipping%7Creceiving", ids(resShipID)},
			{"/bizSteps/shipping/events?EQ_bizStep=receiving", ids()},
			{"/bizSteps/shipping/events?EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping", ids(resShipID)},
			{"/eventTypes/ObjectEvent/events?eventType=AggregationEvent", ids()},
			{"/eventTypes/ObjectEvent/events?eventType=AggregationEvent%7CObjectEvent&EQ_disposition=in_progress", ids(resRecvID)},
			{"/dispositions/in_transit/events?EQ_disposition=in_progress", ids()},
			{"/readPoints/" + resDock + "/events?EQ_readPoint=" + esc(dl(t, resDock)), ids(resShipID, resPackID)},
			{"/bizLocations/" + resStore + "/events?EQ_bizLocation=" + resPlant, ids()},
			{"/epcs/" + resItem1 + "/events?MATCH_anyEPC=urn:epc:idpat:sgtin:4012345.011111.*", ids(resShipID, resPackID)},
			{"/epcs/" + resLotA + "/events?MATCH_anyEPCClass=urn:epc:idpat:sgtin:4012345.011111.*", ids(resMakeID)},
			{"/epcs/" + resItem3 + "/events?GE_eventTime=" + esc(resBrewTime), ids(resBrewID)},
			{"/epcs/" + resItem3 + "/events?LT_eventTime=" + esc(resBrewTime), ids()},
		} {
			if got := resultIDs(t, s.do(t, "GET", tt.path, nil)); !slices.Equal(got, tt.want) {
				t.Errorf("GET %s = %q, want %q", tt.path, got, tt.want)
			}
		}

		// Pages of one event each, with the parameters kept in the Link.
		var got []string
		pages := walk(t, s, "/readPoints/"+resDock+"/events?perPage=1&orderBy=eventTime&orderDirection=ASC")
		for _, p := range pages {
			got = append(got, resultIDs(t, p)...)
		}
		if want := []string{resShipID, resPackID}; !slices.Equal(got, want) || len(pages) != 2 {
			t.Errorf("pages %q in %d pages, want %q in 2", got, len(pages), want)
		}

		for _, bad := range []struct{ path, param string }{
			{"/bizSteps/shipping/events?bogus=1", "bogus"},
			{"/bizSteps/shipping/events?EQ_bizStep=not%20a%20step", "EQ_bizStep"},
			{"/bizSteps/shipping/events?perPage=-1", "perPage"},
			{"/bizSteps/shipping/events?nextPageToken=forged", "nextPageToken"},
			// Events carrying this item and another: not one query.
			{"/epcs/" + resItem1 + "/events?MATCH_anyEPC=" + resItem2, "MATCH_anyEPC"},
			{"/epcs/" + resLotA + "/events?MATCH_anyEPCClass=" + resLotB, "MATCH_anyEPCClass"},
		} {
			p := problem(t, s.do(t, "GET", bad.path, nil), http.StatusBadRequest, "QueryParameterException")
			if p["parameter"] != bad.param {
				t.Errorf("GET %s: parameter %v, want %s", bad.path, p["parameter"], bad.param)
			}
		}
		// A token is bound to its path.
		first := walk(t, s, "/eventTypes/ObjectEvent/events?perPage=1")[0]
		next := nextOf(t, first)
		tok := next[strings.Index(next, "nextPageToken="):]
		if p := problem(t, s.do(t, "GET", "/eventTypes/AggregationEvent/events?perPage=1&"+tok, nil), http.StatusBadRequest, "QueryParameterException"); p["parameter"] != "nextPageToken" {
			t.Errorf("a token on another path: %v", p)
		}
	})
}
