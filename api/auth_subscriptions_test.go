package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
)

// TestAuthSubscriptionDelivery: a subscription delivers only the events
// its owner may read, however broad its query, as `lotline serve` wires
// it (subscribe.Config.Readers = api.ReadersFor).
func TestAuthSubscriptionDelivery(t *testing.T) {
	st := backends["sqlite"](t)
	_, keyA := newKey(t, st, partyA)
	_, keyB := newKey(t, st, partyB)
	cfg := testConfig()
	cfg.Readers = api.ReadersFor(st, "")
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
	srv := httptest.NewServer(api.New(api.Config{Subscriptions: svc, Auth: a}, st, cs, nil, nil))
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
	s.captureAs(t, keyA, shipping(1, 2))
	s.captureAs(t, keyB, shipping(3))
	s.captureAs(t, keyA, shipping(4))
	s.captureAs(t, keyB, shipping(5))
	rcv.waitFor(t, idsOf(3, 5)...)
	time.Sleep(300 * time.Millisecond) // let any wrong delivery arrive
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for _, id := range idsOf(1, 2, 4) {
		if rcv.seen[id] != 0 {
			t.Errorf("B's subscription delivered A's event %s; deliveries %q", id, rcv.deliveries)
		}
	}
}
