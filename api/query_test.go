package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/query/engine"
)

// qEvent is one event of the query fixture, with the values the expected
// answers are computed from.
type qEvent struct {
	id       string
	at       time.Time // eventTime instant
	offset   string    // eventTimeZoneOffset, also the zone eventTime is written in
	shipping bool      // bizStep shipping, else receiving
	serial   int
	quantity int // 0 when the event has no quantityList
	po       int // bizTransaction po PO-{po}
	rank     int // ex:rank, -1 when absent
	json     string
}

var qBase = time.Date(2024, 3, 1, 6, 0, 0, 0, time.UTC)

// qFixture is 24 ObjectEvents: eventTimes with ties written in three time
// zones, two bizSteps, an EPC each, quantities on every third, a po
// transaction, and an extension field ex:rank on three in four.
func qFixture() []qEvent {
	var evs []qEvent
	zones := []string{"+01:00", "-05:00", "+00:00"}
	for i := range 24 {
		e := qEvent{id: fmt.Sprintf("urn:uuid:6b2f0c7e-0000-4000-8000-0000000000%02d", i),
			at: qBase.Add(time.Duration(i*5%12) * time.Hour), offset: zones[i%3], shipping: i%2 == 0,
			serial: 100 + i, po: i % 4, rank: -1}
		off, _ := time.Parse("-07:00", e.offset)
		_, secs := off.Zone()
		fields := []string{
			`"type":"ObjectEvent"`, `"eventID":"` + e.id + `"`,
			`"eventTime":"` + e.at.In(time.FixedZone("", secs)).Format("2006-01-02T15:04:05.000Z07:00") + `"`,
			`"eventTimeZoneOffset":"` + e.offset + `"`, `"action":"OBSERVE"`,
			fmt.Sprintf(`"epcList":["urn:epc:id:sgtin:4012345.011111.%d"]`, e.serial),
			fmt.Sprintf(`"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:4012345000009:PO-%d"}]`, e.po),
		}
		if e.shipping {
			fields = append(fields, `"bizStep":"shipping"`)
		} else {
			fields = append(fields, `"bizStep":"receiving"`)
		}
		if i%3 == 0 {
			e.quantity = i + 1
			fields = append(fields, fmt.Sprintf(`"quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.L%d","quantity":%d}]`, i, e.quantity))
		}
		if i%4 != 0 {
			e.rank = i * 7 % 5
			fields = append(fields, fmt.Sprintf(`"ex:rank":%d`, e.rank))
		}
		e.json = "{" + strings.Join(fields, ",") + "}"
		evs = append(evs, e)
	}
	return evs
}

func idsWhere(evs []qEvent, keep func(qEvent) bool) []string {
	out := []string{}
	for _, e := range evs {
		if keep(e) {
			out = append(out, e.id)
		}
	}
	return out
}

// eventList returns the events of an EPCISQueryDocument answer.
func eventList(t *testing.T, r response) []map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	body, _ := doc["epcisBody"].(map[string]any)
	qr, _ := body["queryResults"].(map[string]any)
	rb, _ := qr["resultsBody"].(map[string]any)
	list, ok := rb["eventList"].([]any)
	if doc["type"] != "EPCISQueryDocument" || !ok {
		t.Fatalf("not an EPCISQueryDocument: %s", r.body)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

func eventIDs(t *testing.T, r response) []string {
	t.Helper()
	out := []string{}
	for _, e := range eventList(t, r) {
		out = append(out, e["eventID"].(string))
	}
	return out
}

// nextLink returns the target of Link rel="next", or "".
func nextLink(t *testing.T, r response) string {
	t.Helper()
	l := r.header.Get("Link")
	if l == "" {
		if r.header.Get("GS1-Next-Page-Token-Expires") != "" {
			t.Error("GS1-Next-Page-Token-Expires without a Link")
		}
		return ""
	}
	target, ok := strings.CutSuffix(l, `>; rel="next"`)
	if !ok || !strings.HasPrefix(target, "</events?") {
		t.Fatalf("Link %q", l)
	}
	exp, err := time.Parse(time.RFC3339, r.header.Get("GS1-Next-Page-Token-Expires"))
	if err != nil || exp.Before(time.Now()) {
		t.Errorf("GS1-Next-Page-Token-Expires %q", r.header.Get("GS1-Next-Page-Token-Expires"))
	}
	return target[1:]
}

// allPages follows the Links from path and returns the eventIDs of every
// page in order, and the number of pages.
func allPages(t *testing.T, s *testServer, path string, between func()) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for next := path; next != ""; pages++ {
		if pages > 200 {
			t.Fatalf("%s: paging does not end", path)
		}
		r := s.do(t, "GET", next, nil)
		ids = append(ids, eventIDs(t, r)...)
		next = nextLink(t, r)
		if between != nil {
			between()
		}
	}
	return ids, pages
}

func wantProblem(t *testing.T, r response, status int, typ, param string) {
	t.Helper()
	if r.status != status || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d (%s), want %d problem+json: %s", r.status, r.header.Get("Content-Type"), status, r.body)
	}
	p := r.json(t)
	if p["type"] != "epcisException:"+typ || (param != "" && p["parameter"] != param) {
		t.Errorf("problem %s, want %s on parameter %q", r.body, typ, param)
	}
}

func TestQueryEvents(t *testing.T) {
	fx := qFixture()
	var list []string
	for _, e := range fx {
		list = append(list, e.json)
	}
	doc := document(list...)
	// byTime is the eventTime order; ties in capture order, reversed
	// with the direction as the keyset walks them.
	byTime := func(desc bool) []string {
		s := slices.Clone(fx)
		slices.SortStableFunc(s, func(a, b qEvent) int { return a.at.Compare(b.at) })
		out := idsWhere(s, func(qEvent) bool { return true })
		if desc {
			slices.Reverse(out)
		}
		return out
	}
	all := idsWhere(fx, func(qEvent) bool { return true })

	forEachBackend(t, func(t *testing.T, s *testServer) {
		if j := s.capture(t, doc); j["success"] != true {
			t.Fatalf("capture: %v", j)
		}
		// An event whose ID the server assigns: a canonical hash with ';'.
		if r := s.do(t, "POST", "/events", []byte(`{`+ctxPrefix+`,"type":"ObjectEvent","eventTime":"2024-03-02T10:00:00Z",`+
			`"eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"inspecting","epcList":["urn:epc:id:sgtin:4012345.011111.999"]}`)); r.status != http.StatusCreated {
			t.Fatalf("POST /events = %d %s", r.status, r.body)
		}
		hashIDs := eventIDs(t, s.do(t, "GET", "/events?EQ_bizStep=inspecting", nil))
		if len(hashIDs) != 1 || !strings.Contains(hashIDs[0], ";") {
			t.Fatalf("the inspecting event: %v", hashIDs)
		}
		hashID := hashIDs[0]

		t.Run("parameters", func(t *testing.T) {
			tests := []struct {
				query string
				want  []string
			}{
				{"EQ_bizStep=shipping", idsWhere(fx, func(e qEvent) bool { return e.shipping })},
				{"EQ_bizStep=urn:epcglobal:cbv:bizstep:receiving|https://ref.gs1.org/cbv/BizStep-shipping", all},
				{"eventType=ObjectEvent&EQ_bizStep=shipping|receiving", all},
				{"eventType=AggregationEvent", nil},
				{"GE_eventTime=2024-03-01T10:00:00.000%2B01:00&LT_eventTime=2024-03-01T10:00:00Z", idsWhere(fx, func(e qEvent) bool {
					return !e.at.Before(qBase.Add(3*time.Hour)) && e.at.Before(qBase.Add(4*time.Hour))
				})},
				{"MATCH_epc=urn:epc:id:sgtin:4012345.011111.105", []string{fx[5].id}},
				{"MATCH_epc=https://id.gs1.org/01/04012345111118/21/107", []string{fx[7].id}},
				{"MATCH_epc=urn:epc:idpat:sgtin:4012345.011111.*&EQ_bizStep=receiving", idsWhere(fx, func(e qEvent) bool { return !e.shipping })},
				{"MATCH_epcClass=urn:epc:class:lgtin:4012345.011111.L9", []string{fx[9].id}},
				{"EQ_bizTransaction_po=urn:epcglobal:cbv:bt:4012345000009:PO-2", idsWhere(fx, func(e qEvent) bool { return e.po == 2 })},
				{"EQ_bizTransaction_desadv=urn:epcglobal:cbv:bt:4012345000009:PO-2", nil},
				{"GT_quantity=10", idsWhere(fx, func(e qEvent) bool { return e.quantity > 10 })},
				{"EQ_https://ns.example.com/epcis/rank=3", idsWhere(fx, func(e qEvent) bool { return e.rank == 3 })},
				{"EXISTS_https://ns.example.com/epcis/rank=true&EQ_bizStep=shipping", idsWhere(fx, func(e qEvent) bool { return e.rank >= 0 && e.shipping })},
				{"EQ_eventID=" + fx[3].id + "|" + fx[4].id, []string{fx[3].id, fx[4].id}},
				{"EQ_eventID=" + hashID, []string{hashID}},
				{"EQ_eventID=" + url.QueryEscape(hashID), []string{hashID}},
				{"GS1-EPC-Format=Always_GS1_Digital_Link&EQ_bizStep=shipping&perPage=100", idsWhere(fx, func(e qEvent) bool { return e.shipping })},
			}
			for _, tt := range tests {
				t.Run(tt.query, func(t *testing.T) {
					got, _ := allPages(t, s, "/events?"+tt.query, nil)
					slices.Sort(got)
					want := slices.Clone(tt.want)
					slices.Sort(want)
					if !slices.Equal(got, want) && len(got)+len(want) > 0 {
						t.Errorf("got %v\nwant %v", got, want)
					}
				})
			}
		})

		t.Run("orders and pages", func(t *testing.T) {
			// The inspecting event is the latest, in eventTime and in
			// capture.
			everything := append(slices.Clone(all), hashID)
			tests := []struct {
				query string
				want  []string
			}{
				{"EQ_bizStep=shipping|receiving", all},
				{"", everything},
				{"orderBy=eventTime&orderDirection=ASC", append(byTime(false), hashID)},
				{"orderBy=eventTime", append([]string{hashID}, byTime(true)...)},
				{"orderBy=recordTime&orderDirection=ASC", everything},
				{"orderBy=recordTime&EQ_bizStep=shipping|receiving", reversed(all)},
				{"orderBy=eventTime&orderDirection=ASC&eventCountLimit=10", byTime(false)[:10]},
				{"orderBy=eventTime&eventCountLimit=5&EQ_bizStep=receiving", firstWhere(byTime(true), fx, 5, func(e qEvent) bool { return !e.shipping })},
				{"orderBy=https://ns.example.com/epcis/rank&orderDirection=ASC&EQ_bizStep=shipping", rankOrder(fx, func(e qEvent) bool { return e.shipping })},
			}
			for _, tt := range tests {
				for _, perPage := range []int{1, 4, 30} {
					t.Run(fmt.Sprintf("%s/perPage=%d", tt.query, perPage), func(t *testing.T) {
						got, pages := allPages(t, s, fmt.Sprintf("/events?%s&perPage=%d", tt.query, perPage), nil)
						if !slices.Equal(got, tt.want) {
							t.Errorf("got  %v\nwant %v", got, tt.want)
						}
						if want := max(1, (len(tt.want)+perPage-1)/perPage); pages != want {
							t.Errorf("%d pages for %d events of %d a page", pages, len(tt.want), perPage)
						}
					})
				}
			}
			// The page size may change from page to page.
			r := s.do(t, "GET", "/events?orderBy=eventTime&orderDirection=ASC&perPage=5", nil)
			next := strings.Replace(nextLink(t, r), "perPage=5", "perPage=50", 1)
			got := append(eventIDs(t, r), eventIDs(t, s.do(t, "GET", next, nil))...)
			if want := append(byTime(false), hashID); !slices.Equal(got, want) {
				t.Errorf("perPage changed: got %v\nwant %v", got, want)
			}
		})

		t.Run("events as stored", func(t *testing.T) {
			r := s.do(t, "GET", "/events?EQ_eventID="+fx[1].id+"|"+fx[2].id+"&GS1-EPC-Format=Never_Translates", nil)
			got := eventList(t, r)
			if len(got) != 2 {
				t.Fatalf("%d events", len(got))
			}
			for i, e := range got {
				var sent map[string]any
				d := json.NewDecoder(strings.NewReader(fx[i+1].json))
				d.UseNumber()
				d.Decode(&sent)
				for k, v := range sent {
					if fmt.Sprint(e[k]) != fmt.Sprint(v) {
						t.Errorf("event %d: %s = %v, sent %v", i+1, k, e[k], v)
					}
				}
				if _, ok := e["epcisBody"]; ok || e["type"] != "ObjectEvent" || e["recordTime"] == nil {
					t.Errorf("event %d is not an event as stored: %v", i+1, e)
				}
			}
			if got[1]["eventTimeZoneOffset"] != "+00:00" || got[0]["eventTimeZoneOffset"] != "-05:00" {
				t.Errorf("offsets %v, %v", got[0]["eventTimeZoneOffset"], got[1]["eventTimeZoneOffset"])
			}
		})

		t.Run("formats", func(t *testing.T) {
			for _, tc := range []struct{ query, header, format, epc string }{
				{"GS1-EPC-Format=Always_EPC_URN", "", "Always_EPC_URN", "urn:epc:id:sgtin:4012345.011111.105"},
				{"", "Always_EPC_URN", "Always_EPC_URN", "urn:epc:id:sgtin:4012345.011111.105"},
				// The header wins over the parameter.
				{"GS1-EPC-Format=Always_EPC_URN", "Always_GS1_Digital_Link", "Always_GS1_Digital_Link", "https://id.gs1.org/01/04012345111118/21/105"},
			} {
				var h []string
				if tc.header != "" {
					h = []string{"GS1-EPC-Format", tc.header}
				}
				r := s.do(t, "GET", "/events?MATCH_epc=urn:epc:id:sgtin:4012345.011111.105&"+tc.query, nil, h...)
				evs := eventList(t, r)
				if r.header.Get("GS1-EPC-Format") != tc.format || len(evs) != 1 || fmt.Sprint(evs[0]["epcList"]) != "["+tc.epc+"]" {
					t.Errorf("%s / header %q: GS1-EPC-Format %q, events %v", tc.query, tc.header, r.header.Get("GS1-EPC-Format"), evs)
				}
			}
			wantProblem(t, s.do(t, "GET", "/events?GS1-EPC-Format=Sometimes", nil), 400, "ValidationException", "GS1-EPC-Format")
		})

		t.Run("tokens", func(t *testing.T) {
			r := s.do(t, "GET", "/events?EQ_bizStep=shipping&perPage=2", nil)
			next := nextLink(t, r)
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			tok := u.Query().Get("nextPageToken")
			if tok == "" || strings.Contains(tok, "shipping") {
				t.Fatalf("token %q", tok)
			}
			if got := eventIDs(t, s.do(t, "GET", next, nil)); len(got) != 2 {
				t.Fatalf("second page %v", got)
			}
			b := []byte(tok)
			b[len(b)/2] ^= 1
			for name, path := range map[string]string{
				"tampered":        "/events?EQ_bizStep=shipping&perPage=2&nextPageToken=" + string(b),
				"other query":     "/events?EQ_bizStep=receiving&perPage=2&nextPageToken=" + tok,
				"more parameters": "/events?EQ_bizStep=shipping&eventType=ObjectEvent&perPage=2&nextPageToken=" + tok,
				"no parameters":   "/events?nextPageToken=" + tok,
				"garbage":         "/events?EQ_bizStep=shipping&nextPageToken=%00%01",
			} {
				t.Run(name, func(t *testing.T) {
					wantProblem(t, s.do(t, "GET", path, nil), 400, "QueryParameterException", "nextPageToken")
				})
			}
		})

		t.Run("errors", func(t *testing.T) {
			for _, tc := range []struct {
				path, typ, param string
				status           int
			}{
				{"/events?EQ_bizStepp=shipping", "QueryParameterException", "EQ_bizStepp", 400},
				{"/events?GE_eventTime=yesterday", "QueryParameterException", "GE_eventTime", 400},
				{"/events?perPage=-1", "QueryParameterException", "perPage", 400},
				{"/events?eventCountLimit=3", "QueryParameterException", "eventCountLimit", 400},
				{"/events?orderBy=eventTime&eventCountLimit=3&maxEventCount=3", "QueryParameterException", "eventCountLimit", 400},
				{"/events?orderDirection=UP", "QueryParameterException", "orderDirection", 400},
				{"/events?maxEventCount=11&EQ_bizStep=shipping", "QueryTooLargeException", "maxEventCount", 413},
				{"/events?EQ_bizStep=" + strings.Repeat("x", 17<<10), "URITooLongException", "", 414},
			} {
				t.Run(tc.path[:min(len(tc.path), 60)], func(t *testing.T) {
					wantProblem(t, s.do(t, "GET", tc.path, nil), tc.status, tc.typ, tc.param)
				})
			}
			if got := eventIDs(t, s.do(t, "GET", "/events?maxEventCount=12&EQ_bizStep=shipping", nil)); len(got) != 12 {
				t.Errorf("maxEventCount=12 of 12: %d events", len(got))
			}
			wantProblem(t, s.do(t, "GET", "/events", nil, "Accept", "text/html"), 406, "NotAcceptableException", "Accept")
			wantProblem(t, s.do(t, "GET", "/events", nil, "GS1-EPCIS-Version", "1.2"), 406, "NotAcceptableException", "GS1-EPCIS-Version")
		})
	})
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// firstWhere keeps the first n ids of order whose event passes keep.
func firstWhere(order []string, fx []qEvent, n int, keep func(qEvent) bool) []string {
	byID := map[string]qEvent{}
	for _, e := range fx {
		byID[e.id] = e
	}
	var out []string
	for _, id := range order {
		if keep(byID[id]) && len(out) < n {
			out = append(out, id)
		}
	}
	return out
}

// rankOrder is the ascending ex:rank order of the events passing keep:
// ties in capture order, events without the field last.
func rankOrder(fx []qEvent, keep func(qEvent) bool) []string {
	s := slices.Clone(fx)
	slices.SortStableFunc(s, func(a, b qEvent) int {
		ra, rb := a.rank, b.rank
		if ra < 0 {
			ra = 1 << 30
		}
		if rb < 0 {
			rb = 1 << 30
		}
		return ra - rb
	})
	return idsWhere(s, keep)
}

// TestQueryEventsWhileCapturing walks pages while another client captures:
// every event stored before the walk comes exactly once, in order.
func TestQueryEventsWhileCapturing(t *testing.T) {
	fx := qFixture()
	var list []string
	for _, e := range fx {
		list = append(list, e.json)
	}
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(list...))
		stop := make(chan struct{})
		var captured atomic.Int64
		post := func(i int) error {
			ev := fmt.Sprintf(`{`+ctxPrefix+`,"type":"ObjectEvent","eventID":"urn:uuid:6b2f0c7e-0000-4000-9000-%012d","eventTime":"2024-03-01T0%d:30:00Z",`+
				`"eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sgtin:4012345.011111.%d"]}`, i, i%10, 5000+i)
			req, _ := http.NewRequest("POST", s.URL+"/events", strings.NewReader(ev))
			req.Header.Set("Content-Type", "application/ld+json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("POST /events = %d", resp.StatusCode)
			}
			captured.Add(1)
			return nil
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 150 {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if err := post(i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		defer func() { close(stop); wg.Wait() }()

		for w, order := range []string{"", "&orderBy=eventTime&orderDirection=ASC", "&orderBy=recordTime"} {
			t.Run(order, func(t *testing.T) {
				want := map[string]bool{}
				for _, id := range eventIDs(t, s.do(t, "GET", "/events?perPage=1000"+order, nil)) {
					want[id] = true
				}
				before := captured.Load()
				// Besides the capturer's events, which a loaded machine may
				// delay past the whole walk, one is captured after the
				// first page, so that every walk sees a capture.
				pages := 0
				got, _ := allPages(t, s, "/events?perPage=3"+order, func() {
					if pages++; pages == 1 {
						if err := post(1000 + w); err != nil {
							t.Fatal(err)
						}
					}
					time.Sleep(2 * time.Millisecond)
				})
				if captured.Load() == before {
					t.Error("nothing was captured during the walk")
				}
				seen := map[string]bool{}
				for _, id := range got {
					if seen[id] {
						t.Fatalf("event %s served twice", id)
					}
					seen[id] = true
				}
				for id := range want {
					if !seen[id] {
						t.Errorf("event %s stored before the walk was skipped", id)
					}
				}
				if order == "" {
					// Capture order: the fixture first, as captured.
					if !slices.Equal(got[:len(fx)], idsWhere(fx, func(qEvent) bool { return true })) {
						t.Errorf("capture order: %v", got[:len(fx)])
					}
				}
			})
		}
	})
}

// TestQueryEventsTooComplex runs a selective residual query under a small
// scan budget.
func TestQueryEventsTooComplex(t *testing.T) {
	fx := qFixture()
	var list []string
	for _, e := range fx {
		list = append(list, e.json)
	}
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{Query: engine.Config{MaxScan: 10}})
	s.capture(t, document(list...))
	r := s.do(t, "GET", "/events?GT_quantity=20", nil)
	wantProblem(t, r, 413, "QueryTooComplexException", "")
	if d := r.json(t)["detail"].(string); !strings.Contains(d, "GT_quantity") || !strings.Contains(d, "GE_eventTime") {
		t.Errorf("detail %q should name GT_quantity and a restriction to add", d)
	}
	// The index answers this one within the budget.
	if got := eventIDs(t, s.do(t, "GET", "/events?EQ_bizStep=shipping&perPage=5", nil)); len(got) != 5 {
		t.Errorf("%d events", len(got))
	}
}

// TestQueryTokenExpiry signs an expired token with the server's key: it
// is refused like a forged one.
func TestQueryTokenExpiry(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{TokenSecret: secret})
	fx := qFixture()
	s.capture(t, document(fx[0].json, fx[1].json, fx[2].json))

	r := s.do(t, "GET", "/events?perPage=1", nil)
	u, _ := url.Parse(nextLink(t, r))
	raw, err := base64.RawURLEncoding.DecodeString(u.Query().Get("nextPageToken"))
	if err != nil || len(raw) < sha256.Size {
		t.Fatalf("token: %v", err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw[sha256.Size:], &env); err != nil {
		t.Fatalf("token body: %v", err)
	}
	resign := func(exp int64) string {
		env["x"] = json.RawMessage(fmt.Sprint(exp))
		body, _ := json.Marshal(env)
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		return base64.RawURLEncoding.EncodeToString(append(mac.Sum(nil), body...))
	}
	// The re-signed token works while it is valid ...
	if got := eventIDs(t, s.do(t, "GET", "/events?perPage=1&nextPageToken="+resign(time.Now().Add(time.Hour).Unix()), nil)); !slices.Equal(got, []string{fx[1].id}) {
		t.Fatalf("valid re-signed token: %v", got)
	}
	// ... and not once it has expired.
	wantProblem(t, s.do(t, "GET", "/events?perPage=1&nextPageToken="+resign(time.Now().Add(-time.Second).Unix()), nil),
		400, "QueryParameterException", "nextPageToken")
}
