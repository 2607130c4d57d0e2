package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/subscribe"
)

// receiver is a webhook endpoint on port 0 that records what it is sent.
type receiver struct {
	*httptest.Server
	token string

	mu         sync.Mutex
	down       bool
	deliveries [][]string      // event IDs of each acknowledged delivery
	seen       map[string]int  // acknowledged deliveries per event ID
	badSig     int             // deliveries with a wrong signature
	subIDs     map[string]bool // queryResults.subscriptionID values
	failed     int             // deliveries answered 503
	bodies     [][]byte        // acknowledged bodies
}

func newReceiver(t *testing.T, token string) *receiver {
	r := &receiver{token: token, seen: map[string]int{}, subIDs: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		r.failed++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.token != "" && !subscribe.Verify(r.token, body, req.Header.Get("GS1-Signature")) {
		r.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var doc struct {
		Type      string `json:"type"`
		EPCISBody struct {
			QueryResults struct {
				SubscriptionID string `json:"subscriptionID"`
				ResultsBody    struct {
					EventList []struct {
						EventID string `json:"eventID"`
					} `json:"eventList"`
				} `json:"resultsBody"`
			} `json:"queryResults"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Type != "EPCISQueryDocument" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ids []string
	for _, e := range doc.EPCISBody.QueryResults.ResultsBody.EventList {
		ids = append(ids, e.EventID)
		r.seen[e.EventID]++
	}
	r.subIDs[doc.EPCISBody.QueryResults.SubscriptionID] = true
	r.deliveries = append(r.deliveries, ids)
	r.bodies = append(r.bodies, body)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

// waitFor waits until every id has been delivered, and fails on any
// event delivered twice.
func (r *receiver) waitFor(t *testing.T, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r.mu.Lock()
		missing := 0
		for _, id := range ids {
			if r.seen[id] == 0 {
				missing++
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			r.mu.Lock()
			t.Fatalf("%d of %q not delivered after 15 s; deliveries %q", missing, ids, r.deliveries)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.checkOnce(t)
}

func (r *receiver) checkOnce(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, n := range r.seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

type subServer struct {
	*testServer
	open func() *subscribe.Service // a new service over the same store
	svc  *subscribe.Service
	mu   sync.Mutex
}

// startSubServer starts a server with subscriptions whose service can be
// restarted over the same store.
func startSubServer(t testing.TB, st store.Store, cfg subscribe.Config) *subServer {
	t.Helper()
	s := &subServer{}
	s.open = func() *subscribe.Service {
		svc, err := api.NewSubscriptions(st, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		svc.Start(context.Background())
		return svc
	}
	s.svc = s.open()
	cs := capture.New(st, validator, capture.Config{}, nil, capture.Hooks{EventsSaved: func(int) {
		s.mu.Lock()
		svc := s.svc
		s.mu.Unlock()
		if svc != nil {
			svc.Notify()
		}
	}})
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &switchHandler{}
	srv := httptest.NewServer(h)
	s.testServer = &testServer{Server: srv, st: st}
	s.restartAPI(cs)
	t.Cleanup(func() {
		srv.Close()
		s.mu.Lock()
		if s.svc != nil {
			s.svc.Close()
		}
		s.mu.Unlock()
		cs.Close()
		st.Close()
	})
	return s
}

// switchHandler lets a test swap the API handler (a restarted service).
type switchHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (h *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	x := h.h
	h.mu.Unlock()
	x.ServeHTTP(w, r)
}

func (s *subServer) restartAPI(cs *capture.Service) {
	h := s.Server.Config.Handler.(*switchHandler)
	h.mu.Lock()
	h.h = api.New(api.Config{Subscriptions: s.svc}, s.st, cs, nil, nil)
	h.mu.Unlock()
}

func subBody(dest, rest string) []byte {
	return []byte(`{"dest":"` + dest + `"` + rest + `}`)
}

func eventID(n int) string { return fmt.Sprintf("urn:uuid:5ab50000-0000-4000-8000-%012d", n) }

func shipping(ids ...int) []byte {
	var evs []string
	for _, n := range ids {
		evs = append(evs, objectEvent(eventID(n), fmt.Sprint(n)))
	}
	return document(evs...)
}

func idsOf(ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, eventID(n))
	}
	return out
}

// subscriptionState reads a subscription as the API shows it.
func subscriptionState(t *testing.T, s *testServer, loc string) map[string]any {
	t.Helper()
	r := s.do(t, "GET", loc, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", loc, r.status, r.body)
	}
	return r.json(t)
}

// forEachSubBackend runs f on a server with subscriptions over each
// store. On MongoDB (FerretDB) the service polls and holds back a short
// visibility lag, as `lotline serve` does with a shared store.
func forEachSubBackend(t *testing.T, f func(t *testing.T, s *subServer)) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			if name == "mongo" {
				cfg.SharedStore, cfg.VisibilityLag = true, 100*time.Millisecond
			}
			f(t, startSubServer(t, open(t), cfg))
		})
	}
}

func testConfig() subscribe.Config {
	return subscribe.Config{AllowPrivate: true, ChunkSize: 2, MinBackoff: 50 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond, PollInterval: 50 * time.Millisecond, Timeout: 2 * time.Second}
}

func TestWebhookStream(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			if name == "mongo" {
				cfg.SharedStore, cfg.VisibilityLag = true, 100*time.Millisecond
			}
			s := startSubServer(t, open(t), cfg)
			rcv := newReceiver(t, "s3cret")
			if r := s.do(t, "POST", "/queries", definitionBody("ships", `{"EQ_bizStep":["shipping"]}`)); r.status != http.StatusCreated {
				t.Fatalf("POST /queries = %d %s", r.status, r.body)
			}
			// An event captured before the subscription is not delivered
			// (initialRecordTime defaults to now).
			s.capture(t, shipping(1))
			r := s.do(t, "POST", "/queries/ships/subscriptions", subBody(rcv.URL+"/hook", `,"stream":true,"signatureToken":"s3cret"`))
			if r.status != http.StatusCreated {
				t.Fatalf("subscribe = %d %s", r.status, r.body)
			}
			loc := r.header.Get("Location")
			created := r.json(t)
			if !strings.HasPrefix(loc, "/queries/ships/subscriptions/") || created["subscriptionID"] != strings.TrimPrefix(loc, "/queries/ships/subscriptions/") ||
				created["stream"] != true || created["signed"] != true || created["signatureToken"] != nil || r.header.Get("GS1-Query-Min-Record-Time") == "" {
				t.Errorf("created %s at %s", r.body, loc)
			}

			// Three events: two deliveries of at most two events.
			s.capture(t, shipping(2, 3, 4))
			rcv.waitFor(t, idsOf(2, 3, 4)...)
			rcv.mu.Lock()
			for _, d := range rcv.deliveries {
				if len(d) > 2 {
					t.Errorf("a delivery of %d events, chunk size 2", len(d))
				}
			}
			if rcv.seen[eventID(1)] != 0 || rcv.badSig != 0 || !rcv.subIDs[created["subscriptionID"].(string)] {
				t.Errorf("seen %v, bad signatures %d, subscription IDs %v", rcv.seen, rcv.badSig, rcv.subIDs)
			}
			rcv.mu.Unlock()
			st := subscriptionState(t, s.testServer, loc)
			if st["lastNotifiedAt"] == nil || st["minRecordTime"] == nil || st["signatureToken"] != nil {
				t.Errorf("state %v", st)
			}

			// The receiver goes down: the failure shows, nothing is lost,
			// and the progress waits.
			rcv.setDown(true)
			s.capture(t, shipping(5, 6))
			waitUntil(t, "a failed delivery to show", func() bool {
				st := subscriptionState(t, s.testServer, loc)
				return st["attempts"] != nil && strings.Contains(fmt.Sprint(st["lastError"]), "503")
			})
			rcv.setDown(false)
			rcv.waitFor(t, idsOf(5, 6)...)
			waitUntil(t, "the failure to clear", func() bool {
				st := subscriptionState(t, s.testServer, loc)
				return st["attempts"] == nil && st["lastError"] == nil
			})

			// A rolled-back capture is never delivered.
			job := s.capture(t, document(objectEvent(eventID(7), "7"), objectEvent(eventID(2), "2")))
			if job["success"] != false {
				t.Fatalf("rollback job %v", job)
			}
			s.capture(t, shipping(8))
			rcv.waitFor(t, eventID(8))

			// Restart: a new service over the same store resumes.
			s.mu.Lock()
			s.svc.Close()
			s.svc = nil
			s.mu.Unlock()
			s.capture(t, shipping(9, 10, 11))
			s.mu.Lock()
			s.svc = s.open()
			s.mu.Unlock()
			rcv.waitFor(t, idsOf(9, 10, 11)...)
			rcv.mu.Lock()
			if rcv.seen[eventID(7)] != 0 {
				t.Errorf("event %s of a rolled-back capture delivered", eventID(7))
			}
			rcv.mu.Unlock()

			// Ending it: nothing more arrives, and the list is empty.
			if r := s.do(t, "DELETE", loc, nil); r.status != http.StatusNoContent {
				t.Fatalf("DELETE = %d %s", r.status, r.body)
			}
			problem(t, s.do(t, "GET", loc, nil), http.StatusNotFound, "NoSuchResourceException")
			s.capture(t, shipping(12))
			time.Sleep(300 * time.Millisecond)
			rcv.mu.Lock()
			if rcv.seen[eventID(12)] != 0 {
				t.Errorf("delivered after DELETE")
			}
			rcv.mu.Unlock()
			rcv.checkOnce(t)
		})
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebhookSchedule(t *testing.T) {
	forEachSubBackend(t, func(t *testing.T, s *subServer) {
		rcv := newReceiver(t, "")
		s.do(t, "POST", "/queries", definitionBody("all", `{"eventType":["ObjectEvent"]}`))
		// Every second, reporting empty runs too.
		r := s.do(t, "POST", "/queries/all/subscriptions", subBody(rcv.URL, `,"schedule":{"second":"[0-59]"},"reportIfEmpty":true`))
		if r.status != http.StatusCreated {
			t.Fatalf("subscribe = %d %s", r.status, r.body)
		}
		if m := r.json(t); m["reportIfEmpty"] != true || fmt.Sprint(m["schedule"]) != "map[second:[0-59]]" {
			t.Errorf("created %s", r.body)
		}
		waitUntil(t, "an empty scheduled delivery", func() bool {
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			return len(rcv.deliveries) > 0
		})
		s.capture(t, shipping(1, 2, 3))
		rcv.waitFor(t, idsOf(1, 2, 3)...)
		// Nothing is sent twice over the following runs.
		rcv.mu.Lock()
		n := len(rcv.deliveries)
		rcv.mu.Unlock()
		waitUntil(t, "two more runs", func() bool {
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			return len(rcv.deliveries) >= n+2
		})
		rcv.checkOnce(t)

		// DELETE /queries/{name} ends its subscriptions.
		if r := s.do(t, "DELETE", "/queries/all", nil); r.status != http.StatusNoContent {
			t.Fatalf("DELETE query = %d %s", r.status, r.body)
		}
		ss := s.st.(store.SubscriptionStore)
		if subs, err := ss.Subscriptions(context.Background(), store.SubscriptionPage{Limit: 10}); err != nil || len(subs) != 0 {
			t.Errorf("subscriptions after deleting the query: %v %v", subs, err)
		}
	})
}

func TestWebhookRefusesPrivateAddressAtConnection(t *testing.T) {
	cfg := testConfig()
	cfg.AllowPrivate = false
	s := startSubServer(t, backends["sqlite"](t), cfg)
	rcv := newReceiver(t, "")
	s.do(t, "POST", "/queries", definitionBody("all", `{"eventType":["ObjectEvent"]}`))
	// A literal loopback address is refused at once.
	problem(t, s.do(t, "POST", "/queries/all/subscriptions", subBody(rcv.URL, `,"stream":true`)), http.StatusBadRequest, "ValidationException")
	// A name is checked on the address it resolves to, when connecting.
	dest := strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1)
	r := s.do(t, "POST", "/queries/all/subscriptions", subBody(dest, `,"stream":true`))
	if r.status != http.StatusCreated {
		t.Fatalf("subscribe = %d %s", r.status, r.body)
	}
	s.capture(t, shipping(1))
	waitUntil(t, "the refused connection to show", func() bool {
		st := subscriptionState(t, s.testServer, r.header.Get("Location"))
		return strings.Contains(fmt.Sprint(st["lastError"]), "not allowed")
	})
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.deliveries) != 0 {
		t.Errorf("a private receiver got %d deliveries", len(rcv.deliveries))
	}
}

func TestSubscriptionErrors(t *testing.T) {
	cfg := testConfig()
	cfg.AllowPrivate = false
	cfg.MaxPerOwner = 2
	s := startSubServer(t, backends["sqlite"](t), cfg)
	s.do(t, "POST", "/queries", definitionBody("q", `{"eventType":["ObjectEvent"]}`))
	const ok = "https://receiver.example.com/hook"
	for _, tc := range []struct {
		name, path, body string
		status           int
		typ, pointer     string
	}{
		{"no dest", "/queries/q/subscriptions", `{"stream":true}`, 400, "ValidationException", "/dest"},
		{"ftp", "/queries/q/subscriptions", `{"dest":"ftp://x.example.com/","stream":true}`, 400, "ValidationException", "/dest"},
		{"user info", "/queries/q/subscriptions", `{"dest":"https://u:p@x.example.com/","stream":true}`, 400, "ValidationException", "/dest"},
		{"loopback", "/queries/q/subscriptions", `{"dest":"http://127.0.0.1:8080/","stream":true}`, 400, "ValidationException", "/dest"},
		{"metadata", "/queries/q/subscriptions", `{"dest":"http://169.254.169.254/latest/","stream":true}`, 400, "ValidationException", "/dest"},
		{"private v6", "/queries/q/subscriptions", `{"dest":"http://[fd00:ec2::254]/","stream":true}`, 400, "ValidationException", "/dest"},
		{"neither", "/queries/q/subscriptions", `{"dest":"` + ok + `"}`, 400, "ValidationException", ""},
		{"both", "/queries/q/subscriptions", `{"dest":"` + ok + `","stream":true,"schedule":{"minute":"5"}}`, 400, "ValidationException", "/schedule"},
		{"stream false", "/queries/q/subscriptions", `{"dest":"` + ok + `","stream":false}`, 400, "ValidationException", "/stream"},
		{"bad hour", "/queries/q/subscriptions", `{"dest":"` + ok + `","schedule":{"hour":"24"}}`, 400, "ValidationException", "/schedule/hour"},
		{"bad range", "/queries/q/subscriptions", `{"dest":"` + ok + `","schedule":{"minute":"[5-1]"}}`, 400, "ValidationException", "/schedule/minute"},
		{"never fires", "/queries/q/subscriptions", `{"dest":"` + ok + `","schedule":{"dayOfMonth":"31","month":"2"}}`, 400, "ValidationException", "/schedule"},
		{"empty schedule", "/queries/q/subscriptions", `{"dest":"` + ok + `","schedule":{}}`, 400, "ValidationException", "/schedule"},
		{"unknown member", "/queries/q/subscriptions", `{"dest":"` + ok + `","stream":true,"shedule":{}}`, 400, "ValidationException", "/shedule"},
		{"reportIfEmpty on stream", "/queries/q/subscriptions", `{"dest":"` + ok + `","stream":true,"reportIfEmpty":true}`, 400, "ValidationException", "/reportIfEmpty"},
		{"bad initialRecordTime", "/queries/q/subscriptions", `{"dest":"` + ok + `","stream":true,"initialRecordTime":"yesterday"}`, 400, "ValidationException", "/initialRecordTime"},
		{"no such query", "/queries/nope/subscriptions", `{"dest":"` + ok + `","stream":true}`, 404, "NoSuchResourceException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := problem(t, s.do(t, "POST", tc.path, []byte(tc.body)), tc.status, tc.typ)
			if p["pointer"] != nil && p["pointer"] != tc.pointer || p["pointer"] == nil && tc.pointer != "" {
				t.Errorf("pointer %v, want %q: %v", p["pointer"], tc.pointer, p)
			}
		})
	}
	problem(t, s.do(t, "GET", "/queries/q/subscriptions/nope", nil), http.StatusNotFound, "NoSuchResourceException")
	problem(t, s.do(t, "DELETE", "/queries/q/subscriptions/nope", nil), http.StatusNotFound, "NoSuchResourceException")
	// The per-party bound.
	var locs []string
	for i := range 3 {
		r := s.do(t, "POST", "/queries/q/subscriptions", subBody(ok, `,"schedule":{"hour":"1","minute":"5"}`))
		if i < 2 {
			if r.status != http.StatusCreated {
				t.Fatalf("subscription %d = %d %s", i, r.status, r.body)
			}
			locs = append(locs, r.header.Get("Location"))
			continue
		}
		problem(t, r, http.StatusForbidden, "SecurityException")
	}
	r := s.do(t, "GET", "/queries/q/subscriptions?perPage=1", nil)
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 || len(list) != 1 || r.header.Get("Link") == "" {
		t.Fatalf("list = %d %s Link %q", r.status, r.body, r.header.Get("Link"))
	}
	next := strings.TrimSuffix(strings.TrimPrefix(strings.Split(r.header.Get("Link"), ";")[0], "<"), ">")
	r2 := s.do(t, "GET", next, nil)
	var list2 []map[string]any
	json.Unmarshal(r2.body, &list2)
	got := []string{fmt.Sprint(list[0]["subscriptionID"])}
	for _, m := range list2 {
		got = append(got, fmt.Sprint(m["subscriptionID"]))
	}
	var want []string
	for _, l := range locs {
		want = append(want, l[strings.LastIndexByte(l, '/')+1:])
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	if list[0]["schedule"] == nil || list[0]["createdAt"] == nil || list[0]["dest"] != ok {
		t.Errorf("listed %v", list[0])
	}
}

func TestWebSocketStream(t *testing.T) {
	forEachSubBackend(t, func(t *testing.T, s *subServer) {
		s.do(t, "POST", "/queries", definitionBody("ships", `{"EQ_bizStep":["shipping"]}`))
		wsURL := "ws" + strings.TrimPrefix(s.URL, "http")

		// Parameter errors are answered before the upgrade.
		for _, tc := range []struct{ query, param string }{
			{"", "stream"},
			{"?stream=false", "stream"},
			{"?stream=true&minute=5", "stream"},
			{"?hour=25", "hour"},
			{"?stream=true&perPage=3", "perPage"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, resp, err := websocket.Dial(ctx, wsURL+"/queries/ships/events"+tc.query, nil)
			cancel()
			if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %v %v, want 400", tc.query, resp, err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, resp, err := websocket.Dial(ctx, wsURL+"/queries/nope/events?stream=true", nil)
		if err == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown query: %v %v", resp, err)
		}

		conn, resp, err := websocket.Dial(ctx, wsURL+"/queries/ships/events?stream=true", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("GS1-Query-Min-Record-Time") == "" {
			t.Errorf("handshake %d %v", resp.StatusCode, resp.Header)
		}
		s.capture(t, shipping(1, 2, 3))
		var got []string
		for len(got) < 3 {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("read after %q: %v", got, err)
			}
			var doc struct {
				Type      string `json:"type"`
				EPCISBody struct {
					QueryResults struct {
						ResultsBody struct {
							EventList []struct{ EventID string } `json:"eventList"`
						} `json:"resultsBody"`
					} `json:"queryResults"`
				} `json:"epcisBody"`
			}
			if err := json.Unmarshal(msg, &doc); err != nil || doc.Type != "EPCISQueryDocument" {
				t.Fatalf("message %s: %v", msg, err)
			}
			for _, e := range doc.EPCISBody.QueryResults.ResultsBody.EventList {
				got = append(got, e.EventID)
			}
		}
		if !slices.Equal(got, idsOf(1, 2, 3)) {
			t.Errorf("streamed %q", got)
		}
		conn.Close(websocket.StatusNormalClosure, "")
	})
}

func TestWebSocketSchedule(t *testing.T) {
	forEachSubBackend(t, func(t *testing.T, s *subServer) {
		s.do(t, "POST", "/queries", definitionBody("ships", `{"EQ_bizStep":["shipping"]}`))
		s.capture(t, shipping(1, 2))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		// Every second, from an hour ago: the first run delivers the two
		// events, the next ones report empty results.
		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+
			"/queries/ships/events?second=[0-59]&reportIfEmpty=true&initialRecordTime="+since, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		var sizes []int
		for len(sizes) < 3 {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, strings.Count(string(msg), `"eventID"`))
		}
		if sizes[0] != 2 || sizes[1] != 0 || sizes[2] != 0 {
			t.Errorf("events per scheduled message: %v, want [2 0 0]", sizes)
		}
	})
}

func TestWebhookFormats(t *testing.T) {
	s := startSubServer(t, backends["sqlite"](t), testConfig())
	rcv := newReceiver(t, "")
	s.do(t, "POST", "/queries", definitionBody("ships", `{"EQ_bizStep":["shipping"]}`))
	r := s.do(t, "POST", "/queries/ships/subscriptions", subBody(rcv.URL, `,"stream":true`),
		"GS1-EPC-Format", "Always_GS1_Digital_Link", "GS1-CBV-XML-Format", "Always_URN")
	if r.status != http.StatusCreated {
		t.Fatalf("subscribe = %d %s", r.status, r.body)
	}
	if m := r.json(t); m["epcFormat"] != "Always_GS1_Digital_Link" || m["cbvFormat"] != "Always_URN" {
		t.Errorf("created %s", r.body)
	}
	s.capture(t, shipping(1))
	rcv.waitFor(t, eventID(1))
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	body := string(rcv.bodies[0])
	if !strings.Contains(body, `"https://id.gs1.org/01/`) || strings.Contains(body, "urn:epc:id:sgtin:") ||
		!strings.Contains(body, `"urn:epcglobal:cbv:bizstep:shipping"`) {
		t.Errorf("delivery not in the asked forms: %s", body)
	}
	problem(t, s.do(t, "POST", "/queries/ships/subscriptions", subBody(rcv.URL, `,"stream":true`), "GS1-EPC-Format", "Sometimes"),
		http.StatusBadRequest, "ValidationException")
}
