package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/redact"
)

// The sharing scenario, captured by party A: a shipment naming party B as
// destination, an inspection and the commissioning of lot L1, and an
// event about another product.
const (
	shareLot   = "urn:epc:class:lgtin:4012345.011111.L1"
	shareShip  = "urn:uuid:5a1e0000-0000-4000-8000-000000000001"
	shareInsp  = "urn:uuid:5a1e0000-0000-4000-8000-000000000002"
	shareMake  = "urn:uuid:5a1e0000-0000-4000-8000-000000000003"
	shareOther = "urn:uuid:5a1e0000-0000-4000-8000-000000000004"
	partyBURN  = "urn:epc:id:pgln:0614141.00001" // partyB's GLN 0614141000012
	partyC     = "https://id.gs1.org/417/4000001000005"
)

func shareEvent(id, hhmm, body string) string {
	return `{"type":"ObjectEvent","eventID":"` + id + `","eventTime":"2024-03-01T` + hhmm[:2] + `:` + hhmm[2:] +
		`:00Z","eventTimeZoneOffset":"+00:00",` + body + `}`
}

var shareScenario = []string{
	shareEvent(shareShip, "1000", `"action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sscc:4012345.0000000077"],`+
		`"destinationList":[{"type":"owning_party","destination":"`+partyBURN+`"}]`),
	shareEvent(shareInsp, "0900", `"action":"OBSERVE","bizStep":"inspecting","disposition":"conformant",`+
		`"quantityList":[{"epcClass":"`+shareLot+`","quantity":5}]`),
	shareEvent(shareMake, "0800", `"action":"ADD","bizStep":"commissioning",`+
		`"quantityList":[{"epcClass":"`+shareLot+`","quantity":5}]`),
	shareEvent(shareOther, "0700", `"action":"OBSERVE","bizStep":"inspecting",`+
		`"quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.022222.X9","quantity":1}]`),
}

// TestSharing: a party reads its events, those naming it, and those its
// partner's rules share, on every read path; nothing else, and a stranger
// nothing at all. Rules are managed by their owner only.
func TestSharing(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			_, keyC := newKey(t, st, partyC)
			s := authServer(t, st, time.Second, nil)
			s.captureAs(t, keyA, document(shareScenario...))
			sees := func(key string) []string {
				t.Helper()
				r := s.do(t, "GET", "/events?perPage=100", nil, bearer(key)...)
				if r.status != http.StatusOK {
					t.Fatalf("GET /events = %d %s", r.status, r.body)
				}
				ids := eventIDs(t, r)
				slices.Sort(ids)
				return ids
			}
			byID := func(key, id string) int {
				return s.do(t, "GET", "/events/"+url.PathEscape(id), nil, bearer(key)...).status
			}
			if got := sees(keyB); !slices.Equal(got, []string{shareShip}) {
				t.Errorf("B sees %q before any rule, want only the shipment naming B", got)
			}
			if got := sees(keyC); len(got) != 0 {
				t.Errorf("a stranger sees %q", got)
			}
			if got := byID(keyB, shareShip); got != http.StatusOK {
				t.Errorf("B's GET /events/{shipment naming B} = %d", got)
			}

			// A shares the inspections of lot L1 with B.
			rule := `{"grantee":"` + partyBURN + `","lots":["` + shareLot + `"],"bizSteps":["inspecting"],"from":"2024-01-01T00:00:00Z"}`
			r := s.do(t, "POST", "/sharing-rules", []byte(rule), append(bearer(keyA), "Content-Type", "application/json")...)
			if r.status != http.StatusCreated || !strings.HasPrefix(r.header.Get("Location"), "/sharing-rules/") {
				t.Fatalf("POST /sharing-rules = %d %s", r.status, r.body)
			}
			ruleID := r.json(t)["id"].(string)
			if got := sees(keyB); !slices.Equal(got, []string{shareShip, shareInsp}) {
				t.Errorf("B sees %q with the rule, want the shipment and the inspection", got)
			}
			for id, want := range map[string]int{shareInsp: 200, shareMake: 404, shareOther: 404} {
				if got := byID(keyB, id); got != want {
					t.Errorf("B's GET /events/%s = %d, want %d", id, got, want)
				}
			}
			if got := byID(keyC, shareInsp); got != http.StatusNotFound {
				t.Errorf("a stranger's GET /events/{shared inspection} = %d", got)
			}
			if got := sees(keyC); len(got) != 0 {
				t.Errorf("a stranger sees %q after A shared with B", got)
			}
			// The lot's batch record for B holds the shared inspection only.
			hist := s.do(t, "GET", "/lots/"+url.PathEscape(shareLot)+"/history", nil, bearer(keyB)...)
			if hist.status != http.StatusOK || !strings.Contains(string(hist.body), shareInsp) || strings.Contains(string(hist.body), shareMake) {
				t.Errorf("B's lot history = %d, want the inspection and not the commissioning:\n%s", hist.status, hist.body)
			}
			if r := s.do(t, "GET", "/lots/"+url.PathEscape(shareLot)+"/history", nil, bearer(keyC)...); r.status != http.StatusNotFound {
				t.Errorf("a stranger's lot history = %d, want the 404 of an unknown lot", r.status)
			}

			// Rules belong to their owner.
			var listed struct {
				Rules []struct{ ID, Grantee string }
			}
			if r := s.do(t, "GET", "/sharing-rules", nil, bearer(keyA)...); r.status != 200 || json.Unmarshal(r.body, &listed) != nil ||
				len(listed.Rules) != 1 || listed.Rules[0].ID != ruleID || listed.Rules[0].Grantee != partyB {
				t.Errorf("A's rules = %d %s", r.status, r.body)
			}
			if r := s.do(t, "GET", "/sharing-rules", nil, bearer(keyB)...); r.status != 200 || strings.Contains(string(r.body), ruleID) {
				t.Errorf("B lists A's rule: %s", r.body)
			}
			if r := s.do(t, "DELETE", "/sharing-rules/"+ruleID, nil, bearer(keyB)...); r.status != http.StatusNotFound {
				t.Errorf("B deletes A's rule: %d", r.status)
			}
			if r := s.do(t, "DELETE", "/sharing-rules/"+ruleID, nil, bearer(keyA)...); r.status != http.StatusNoContent {
				t.Fatalf("A deletes its rule: %d %s", r.status, r.body)
			}
			if got := sees(keyB); !slices.Equal(got, []string{shareShip}) {
				t.Errorf("B sees %q after the rule is gone", got)
			}
		})
	}
}

// TestSharingRuleErrors: a rule must name a grantee and at least one
// product or business step, with valid identifiers and times.
func TestSharingRuleErrors(t *testing.T) {
	st := backends["sqlite"](t)
	_, keyA := newKey(t, st, partyA)
	s := authServer(t, st, time.Second, nil)
	for _, tt := range []struct{ body, pointer string }{
		{`{"grantee":"` + partyBURN + `"}`, ""},
		{`{"grantee":"` + partyBURN + `","from":"2024-01-01T00:00:00Z"}`, ""},
		{`{"grantee":"nobody","bizSteps":["shipping"]}`, "/grantee"},
		{`{"grantee":"` + partyBURN + `","lots":["L1"]}`, "/lots/0"},
		{`{"grantee":"` + partyBURN + `","gtins":["04012345111119"]}`, "/gtins/0"},
		{`{"grantee":"` + partyBURN + `","bizSteps":["not a step"]}`, "/bizSteps/0"},
		{`{"grantee":"` + partyBURN + `","bizSteps":["shipping"],"from":"2024-02-01T00:00:00Z","to":"2024-01-01T00:00:00Z"}`, "/to"},
		{`{"grantee":"` + partyBURN + `","bizSteps":["shipping"],"everything":true}`, ""},
	} {
		r := s.do(t, "POST", "/sharing-rules", []byte(tt.body), append(bearer(keyA), "Content-Type", "application/json")...)
		if r.status != http.StatusBadRequest || r.json(t)["type"] != "epcisException:ValidationException" || r.json(t)["pointer"] != nil && r.json(t)["pointer"] != tt.pointer {
			t.Errorf("POST /sharing-rules %s = %d %s, want a 400 at %q", tt.body, r.status, r.body, tt.pointer)
		}
	}
	if r := s.do(t, "GET", "/sharing-rules", nil); r.status != http.StatusUnauthorized {
		t.Errorf("GET /sharing-rules without credentials = %d", r.status)
	}
}

// TestSharingMatrix calls every read path as the owner, as a partner with
// a sharing rule, as a partner only named in a shipment, as a stranger and
// without credentials, and checks what each gets: the events it may read,
// with confidential fields withheld from all but the owner, and nothing of
// the others (not in bodies, counts or listings).
func TestSharingMatrix(t *testing.T) {
	const partyD = "https://id.gs1.org/417/4000002000004" // named in the shipment only
	const secret = "batch-temperature-secret"
	policy, err := redact.ParseList("https://ns.example.com/epcis/")
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			_, keyC := newKey(t, st, partyC)
			_, keyD := newKey(t, st, partyD)
			a, err := auth.New(auth.Config{Keys: st.(auth.KeyStore), CacheTTL: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			s := startServer(t, st, capture.Config{}, api.Config{Auth: a, Confidential: policy})
			withSecret := func(ev string) string {
				return strings.Replace(ev, `"action"`, `"ex:process":"`+secret+`","action"`, 1)
			}
			ship := strings.Replace(shareScenario[0], partyBURN, "urn:epc:id:pgln:4000002.00000", 1)
			s.captureAs(t, keyA, document(ship, withSecret(shareScenario[1]), withSecret(shareScenario[2]), shareScenario[3]))
			rule := `{"grantee":"` + partyBURN + `","lots":["` + shareLot + `"],"bizSteps":["inspecting"]}`
			if r := s.do(t, "POST", "/sharing-rules", []byte(rule), append(bearer(keyA), "Content-Type", "application/json")...); r.status != 201 {
				t.Fatalf("POST /sharing-rules = %d %s", r.status, r.body)
			}
			if r := s.do(t, "POST", "/queries", definitionBody("all", `{"eventType":["ObjectEvent"]}`), bearer(keyB)...); r.status != 201 {
				t.Fatalf("B's POST /queries = %d %s", r.status, r.body)
			}
			lotPath := "/lots/" + url.PathEscape(shareLot)
			type role struct {
				name string
				key  string
				sees []string // event IDs readable
			}
			roles := []role{
				{"owner", keyA, []string{shareShip, shareInsp, shareMake, shareOther}},
				{"partner with a rule", keyB, []string{shareInsp}},
				{"partner named in a shipment", keyD, []string{shareShip}},
				{"stranger", keyC, nil},
			}
			all := []string{shareShip, shareInsp, shareMake, shareOther}
			for _, ro := range roles {
				// asked is the event a request names itself, which its
				// answer may echo.
				bodyOK := func(path string, r response, asked ...string) {
					t.Helper()
					for _, id := range all {
						if !slices.Contains(ro.sees, id) && !slices.Contains(asked, id) && strings.Contains(string(r.body), id) {
							t.Errorf("%s: %s leaks event %s", ro.name, path, id)
						}
					}
					if ro.key != keyA && strings.Contains(string(r.body), secret) {
						t.Errorf("%s: %s leaks the confidential field", ro.name, path)
					}
				}
				// Event lists: exactly the readable events.
				for _, path := range []string{"/events?perPage=100", "/eventTypes/ObjectEvent/events?perPage=100"} {
					r := s.do(t, "GET", path, nil, bearer(ro.key)...)
					got := eventIDs(t, r)
					slices.Sort(got)
					want := slices.Clone(ro.sees)
					slices.Sort(want)
					if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
						t.Errorf("%s: %s = %q, want %q", ro.name, path, got, want)
					}
					bodyOK(path, r)
				}
				// Events by ID: readable ones 200, the others the 404 of an unknown one.
				for _, id := range all {
					r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil, bearer(ro.key)...)
					if want := slices.Contains(ro.sees, id); (r.status == 200) != want || (!want && r.status != 404) {
						t.Errorf("%s: GET /events/%s = %d, readable %v", ro.name, id, r.status, want)
					}
					bodyOK("/events/{id}", r, id)
				}
				// Lot history, trace and recall (and its CSV) show no more.
				for _, path := range []string{lotPath + "/history", lotPath + "/trace", lotPath + "/recall"} {
					r := s.do(t, "GET", path, nil, bearer(ro.key)...)
					bodyOK(path, r)
				}
				r := s.do(t, "GET", lotPath+"/recall", nil, append(bearer(ro.key), "Accept", "text/csv")...)
				bodyOK("recall CSV", r)
				// Listings never show another party's values.
				for _, path := range []string{"/epcs?perPage=1000", "/lots?perPage=1000", "/bizLocations"} {
					r := s.do(t, "GET", path, nil, bearer(ro.key)...)
					if ro.key != keyA && (strings.Contains(string(r.body), "4012345") || strings.Contains(string(r.body), "L1")) {
						t.Errorf("%s: %s lists the owner's values: %s", ro.name, path, r.body)
					}
				}
			}
			// A named query of the partner runs over what the partner may read.
			r := s.do(t, "GET", "/queries/all/events", nil, bearer(keyB)...)
			if got := eventIDs(t, r); !slices.Equal(got, []string{shareInsp}) {
				t.Errorf("B's named query = %q, want the shared inspection", got)
			}
			if strings.Contains(string(r.body), secret) || r.header.Get("Lotline-Withheld") != "1" {
				t.Errorf("B's named query: confidential field or withheld header wrong (%q): %s", r.header.Get("Lotline-Withheld"), r.body)
			}
			// The owner reads its events whole.
			if r := s.do(t, "GET", "/events/"+url.PathEscape(shareInsp), nil, bearer(keyA)...); !strings.Contains(string(r.body), secret) {
				t.Errorf("the owner does not read its confidential field: %s", r.body)
			}
			// Without credentials: 401 on every read path.
			for _, path := range []string{"/events", "/events/" + url.PathEscape(shareInsp), lotPath + "/history", "/sharing-rules", "/epcs", "/queries"} {
				if r := s.do(t, "GET", path, nil); r.status != http.StatusUnauthorized || strings.Contains(string(r.body), secret) {
					t.Errorf("no credentials: GET %s = %d", path, r.status)
				}
			}
		})
	}
}

// TestSharingOwnedLocations: a party reads the events at the locations
// master data says it owns (https://lotline.dev/ns/owningParty), and
// below them, whoever captured them.
func TestSharingOwnedLocations(t *testing.T) {
	const (
		site = "urn:epc:id:sgln:4000001.00001.0" // partyC's warehouse
		dock = "urn:epc:id:sgln:4000001.00001.dock"
		away = "urn:epc:id:sgln:4012345.00001.0"
		atC  = "urn:uuid:5a1e0000-0000-4000-8000-0000000000c1"
		atA  = "urn:uuid:5a1e0000-0000-4000-8000-0000000000c2"
	)
	md := `"epcisHeader":{"epcisMasterData":{"vocabularyList":[{"type":"urn:epcglobal:epcis:vtype:BusinessLocation",` +
		`"vocabularyElementList":[{"id":"` + site + `","attributes":[{"id":"https://lotline.dev/ns/owningParty","attribute":"4000001000005"}],` +
		`"children":["` + dock + `"]}]}]}},"epcisBody"`
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			_, keyC := newKey(t, st, partyC)
			s := authServer(t, st, time.Second, nil)
			doc := strings.Replace(string(document(
				shareEvent(atC, "1100", `"action":"OBSERVE","bizStep":"receiving","epcList":["urn:epc:id:sscc:4012345.0000000077"],"bizLocation":{"id":"`+dock+`"}`),
				shareEvent(atA, "1000", `"action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sscc:4012345.0000000077"],"bizLocation":{"id":"`+away+`"}`),
			)), `"epcisBody"`, md, 1)
			s.captureAs(t, keyA, []byte(doc))
			ids := func(key string) []string {
				return eventIDs(t, s.do(t, "GET", "/events", nil, bearer(key)...))
			}
			if got := ids(keyC); !slices.Equal(got, []string{atC}) {
				t.Errorf("the location's owner sees %q, want the event at its dock", got)
			}
			if got := ids(keyB); len(got) != 0 {
				t.Errorf("another party sees %q", got)
			}
			if got := ids(keyA); len(got) != 2 {
				t.Errorf("the capturing party sees %q", got)
			}
		})
	}
}

// TestNamesPerParty: eventIDs and named-query names are each party's, so
// a party neither is refused for nor learns of another party's use of
// one; within a party they stay unique.
func TestNamesPerParty(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			s := authServer(t, st, time.Second, nil)
			const id = "urn:uuid:5a1e0000-0000-4000-8000-0000000000d1"
			ev := []byte(`{` + ctxPrefix + `,` + strings.TrimPrefix(objectEvent(id, "77"), "{"))
			for _, tt := range []struct {
				key    string
				status int
			}{{keyA, 201}, {keyB, 201}, {keyB, 409}, {keyA, 409}} {
				if r := s.do(t, "POST", "/events", ev, bearer(tt.key)...); r.status != tt.status {
					t.Errorf("POST /events = %d, want %d\n%s", r.status, tt.status, r.body)
				}
			}
			for _, key := range []string{keyA, keyB} {
				r := s.do(t, "GET", "/events/"+url.PathEscape(id), nil, bearer(key)...)
				if got := eventIDs(t, r); len(got) != 1 {
					t.Errorf("GET /events/{id} = %d events, want the party's own one", len(got))
				}
			}
			for _, tt := range []struct {
				key, query string
				status     int
			}{{keyA, `{"eventType":["ObjectEvent"]}`, 201}, {keyB, `{"EQ_bizStep":["shipping"]}`, 201}, {keyB, `{"eventType":["ObjectEvent"]}`, 409}} {
				if r := s.do(t, "POST", "/queries", definitionBody("q1", tt.query), bearer(tt.key)...); r.status != tt.status {
					t.Errorf("POST /queries q1 = %d, want %d\n%s", r.status, tt.status, r.body)
				}
			}
			if r := s.do(t, "GET", "/queries/q1", nil, bearer(keyB)...); !strings.Contains(string(r.body), "EQ_bizStep") || strings.Contains(string(r.body), "eventType") {
				t.Errorf("B's q1 = %s, want B's definition", r.body)
			}
			if r := s.do(t, "GET", "/queries", nil, bearer(keyA)...); strings.Count(string(r.body), `"q1"`) != 1 || strings.Contains(string(r.body), "EQ_bizStep") {
				t.Errorf("A's /queries = %s", r.body)
			}
			if r := s.do(t, "DELETE", "/queries/q1", nil, bearer(keyB)...); r.status != 204 {
				t.Fatalf("B's DELETE q1 = %d", r.status)
			}
			if r := s.do(t, "GET", "/queries/q1/events", nil, bearer(keyA)...); r.status != 200 || len(eventIDs(t, r)) != 1 {
				t.Errorf("A's q1 after B deleted its own = %d %s", r.status, r.body)
			}
		})
	}
}
