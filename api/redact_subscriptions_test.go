package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/redact"
)

// TestRedactedDelivery: B's webhook subscription delivers A's shipment
// naming B without A's confidential extension, and B's own event whole,
// as `lotline serve` wires it (Config.Document = api.DeliveryDocument).
func TestRedactedDelivery(t *testing.T) {
	st := backends["sqlite"](t)
	_, keyA := newKey(t, st, partyA)
	_, keyB := newKey(t, st, partyB)
	policy, err := redact.ParseList("https://ns.example.com/epcis/")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Readers = api.ReadersFor(st, "")
	cfg.Document = api.DeliveryDocument(nil, policy, "")
	svc, err := api.NewSubscriptions(st, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Start(context.Background())
	a, err := auth.New(auth.Config{Keys: st.(auth.KeyStore)})
	if err != nil {
		t.Fatal(err)
	}
	cs := capture.New(st, validator, capture.Config{}, nil, capture.Hooks{EventsSaved: func(int) { svc.Notify() }})
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Subscriptions: svc, Auth: a, Confidential: policy}, st, cs, nil, nil))
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
		cs.Close()
		st.Close()
	})
	s := &testServer{Server: srv, st: st}

	rcv := newReceiver(t, "")
	if r := s.do(t, "POST", "/queries", definitionBody("all", `{"eventType":["ObjectEvent"]}`), bearer(keyB)...); r.status != http.StatusCreated {
		t.Fatalf("POST /queries = %d %s", r.status, r.body)
	}
	if r := s.do(t, "POST", "/queries/all/subscriptions", subBody(rcv.URL+"/hook", `,"stream":true`), bearer(keyB)...); r.status != http.StatusCreated {
		t.Fatalf("subscribe = %d %s", r.status, r.body)
	}
	time.Sleep(1100 * time.Millisecond) // past the subscription's initialRecordTime second
	aShip := eventID(1)
	s.captureAs(t, keyA, document(shareEvent(aShip, "1000", `"action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sscc:4012345.0000000077"],`+
		`"destinationList":[{"type":"owning_party","destination":"`+partyBURN+`"}],"ex:batchTemp":{"ex:value":"4.5","@type":"ex:Celsius"}`)))
	s.captureAs(t, keyB, shipping(2))
	rcv.waitFor(t, idsOf(1, 2)...)

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	found := 0
	for _, body := range rcv.bodies {
		var doc struct {
			EPCISBody struct {
				QueryResults struct {
					ResultsBody struct{ EventList []map[string]any }
				}
			}
		}
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		for _, ev := range doc.EPCISBody.QueryResults.ResultsBody.EventList {
			switch ev["eventID"] {
			case aShip:
				found++
				if ev["ex:batchTemp"] != nil || ev[api.WithheldIRI] == nil || ev["destinationList"] == nil {
					t.Errorf("A's shipment delivered to B as %v; want it without ex:batchTemp, marked", ev)
				}
			case eventID(2):
				found++
				if ev["ex:batchTemp"] == nil || ev[api.WithheldIRI] != nil {
					t.Errorf("B's own event delivered as %v; want it whole", ev)
				}
			}
		}
	}
	if found < 2 {
		t.Errorf("deliveries %s: want both events", rcv.bodies)
	}
}
