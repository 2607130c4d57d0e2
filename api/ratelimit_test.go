package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/store"
)

// newRoleKey stores an API key with a role and quota and returns it.
func newRoleKey(t *testing.T, st store.Store, party, role string, perMinute int) (id, key string) {
	t.Helper()
	id, key, digest := auth.NewKey()
	k := &store.APIKey{ID: id, Party: party, Hash: digest, Role: role, RateLimit: perMinute}
	if err := st.(store.KeyStore).CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return id, key
}

// limitedServer requires credentials, keeps an audit log, and applies lim.
func limitedServer(t *testing.T, st store.Store, lim api.RateLimits) *testServer {
	t.Helper()
	a, err := auth.New(auth.Config{Keys: st.(auth.KeyStore), CacheTTL: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	al := api.NewAuditLog(st.(store.AuditStore), nil)
	s := startServer(t, st, capture.Config{}, api.Config{Auth: a, Audit: al, Limits: lim})
	t.Cleanup(func() { al.Close() })
	return s
}

func wantTooMany(t *testing.T, r response) {
	t.Helper()
	wantProblem(t, r, http.StatusTooManyRequests, "ServiceUnavailableException", "")
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
}

func TestAuthFailuresRateLimited(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			idA, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			_, opKey := newRoleKey(t, st, partyA, auth.RoleOperator, 0)
			s := limitedServer(t, st, api.RateLimits{AuthFailures: 3, AuthFailureEvery: time.Hour})

			// Guesses at A's secret: three failures, then 429 even for
			// A's right secret, and for the client's other keys.
			wrongA := "ll_" + idA + "_" + strings.Repeat("x", 43)
			for i := range 3 {
				wantProblem(t, s.do(t, "GET", "/events", nil, bearer(wrongA)...), http.StatusUnauthorized, "SecurityException", "")
				_ = i
			}
			wantTooMany(t, s.do(t, "GET", "/events", nil, bearer(wrongA)...))
			wantTooMany(t, s.do(t, "GET", "/events", nil, bearer(keyA)...))
			wantTooMany(t, s.do(t, "GET", "/events", nil, bearer(keyB)...))
			// Without credentials the answer stays 401: nothing was guessed.
			wantProblem(t, s.do(t, "GET", "/events", nil), http.StatusUnauthorized, "SecurityException", "")

			// The failures are in the audit log, under no party, with the
			// key ID presented. (A fresh server: this client is blocked on
			// the first.)
			s2 := limitedServer(t, st, api.RateLimits{})
			var recs []any
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				r := s2.do(t, "GET", "/audit?perPage=100", nil, bearer(opKey)...)
				if r.status != http.StatusOK {
					t.Fatalf("GET /audit as operator = %d\n%s", r.status, r.body)
				}
				if recs, _ = r.json(t)["records"].([]any); len(recs) >= 6 {
					break
				}
			}
			var failed, limited int
			for _, x := range recs {
				m := x.(map[string]any)
				if m["party"] != "" {
					t.Errorf("failure record filed under %v", m["party"])
				}
				switch m["status"] {
				case 401.0:
					if m["keyID"] == idA {
						failed++
					}
				case 429.0:
					limited++
				}
			}
			if failed != 3 || limited != 3 {
				t.Errorf("audit holds %d failures for A's key and %d refusals, want 3 and 3:\n%v", failed, limited, recs)
			}
			// A party cannot read the failures.
			wantProblem(t, s2.do(t, "GET", "/audit?party=", nil, bearer(keyB)...), http.StatusBadRequest, "QueryParameterException", "party")
		})
	}
}

func TestAuthFailuresPerClient(t *testing.T) {
	st := backends["sqlite"](t)
	_, keyA := newKey(t, st, partyA)
	s := limitedServer(t, st, api.RateLimits{AuthFailures: 2, AuthFailureEvery: time.Hour})
	// Tokens that name no key count against the client address alone.
	for _, tok := range []string{"garbage", "ll_nothing"} {
		wantProblem(t, s.do(t, "GET", "/events", nil, bearer(tok)...), http.StatusUnauthorized, "SecurityException", "")
	}
	wantTooMany(t, s.do(t, "GET", "/events", nil, bearer(keyA)...))
}

func TestRequestQuota(t *testing.T) {
	st := backends["sqlite"](t)
	_, plain := newKey(t, st, partyA)
	_, own := newRoleKey(t, st, partyB, "", 4)
	s := limitedServer(t, st, api.RateLimits{RequestsPerMinute: 2})
	for _, tc := range []struct {
		key   string
		quota int
	}{{plain, 2}, {own, 4}} {
		for i := range tc.quota {
			r := s.do(t, "GET", "/events", nil, bearer(tc.key)...)
			if r.status != http.StatusOK {
				t.Fatalf("request %d = %d: %s", i, r.status, r.body)
			}
			if got := r.header.Get("RateLimit-Remaining"); got != strconv.Itoa(tc.quota-1-i) {
				t.Errorf("request %d: RateLimit-Remaining %q, want %d", i, got, tc.quota-1-i)
			}
			if got := r.header.Get("RateLimit-Limit"); got != strconv.Itoa(tc.quota) {
				t.Errorf("RateLimit-Limit %q, want %d", got, tc.quota)
			}
		}
		r := s.do(t, "GET", "/events", nil, bearer(tc.key)...)
		wantTooMany(t, r)
		if r.header.Get("RateLimit-Remaining") != "0" {
			t.Errorf("429 without RateLimit-Remaining: 0: %v", r.header)
		}
	}
}

func TestOperatorRole(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, opKey := newRoleKey(t, st, "https://id.gs1.org/417/9520123456788", auth.RoleOperator, 0)
			s := limitedServer(t, st, api.RateLimits{})
			op := bearer(opKey)
			loc := s.captureAs(t, keyA, document(objectEvent("urn:uuid:7a1d9c58-8f0e-4b7c-9d3c-000000000001", "901")))

			// No event, job, query or lot is an operator's to read or write.
			for _, req := range []struct{ method, path string }{
				{"GET", "/events"}, {"GET", "/events/urn:uuid:7a1d9c58-8f0e-4b7c-9d3c-000000000001"}, {"GET", loc},
				{"GET", "/capture"}, {"POST", "/capture"}, {"GET", "/lots"}, {"GET", "/queries"}, {"GET", "/eventTypes"},
			} {
				wantProblem(t, s.do(t, req.method, req.path, nil, op...), http.StatusForbidden, "SecurityException", "")
			}

			// Keys: an operator makes, lists and revokes them; a party cannot.
			wantProblem(t, s.do(t, "GET", "/keys", nil, bearer(keyA)...), http.StatusForbidden, "SecurityException", "")
			r := s.do(t, "POST", "/keys", []byte(`{"party":"0614141000012","name":"B's client","rateLimit":60}`), op...)
			if r.status != http.StatusCreated {
				t.Fatalf("POST /keys = %d: %s", r.status, r.body)
			}
			made := r.json(t)
			keyB, _ := made["key"].(string)
			if made["party"] != partyB || made["role"] != "party" || made["rateLimit"] != 60.0 || !strings.HasPrefix(keyB, "ll_") {
				t.Fatalf("made %v", made)
			}
			if r := s.do(t, "GET", "/events", nil, bearer(keyB)...); r.status != http.StatusOK {
				t.Fatalf("the new key: GET /events = %d", r.status)
			}
			list := s.do(t, "GET", "/keys", nil, op...)
			if list.status != http.StatusOK || strings.Contains(string(list.body), keyB) || !strings.Contains(string(list.body), made["id"].(string)) {
				t.Fatalf("GET /keys = %d: %s", list.status, list.body)
			}
			wantProblem(t, s.do(t, "POST", "/keys", []byte(`{"party":"0614141000012","role":"root"}`), op...), http.StatusBadRequest, "ValidationException", "")
			if r := s.do(t, "DELETE", "/keys/"+made["id"].(string), nil, op...); r.status != http.StatusNoContent {
				t.Fatalf("DELETE /keys = %d: %s", r.status, r.body)
			}
			wantProblem(t, s.do(t, "DELETE", "/keys/nosuchkey", nil, op...), http.StatusNotFound, "NoSuchResourceException", "")
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				r := s.do(t, "GET", "/events", nil, bearer(keyB)...)
				if r.status == http.StatusUnauthorized {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("revoked key still answered %d", r.status)
				}
			}

			// Sharing rules: an operator manages a named party's.
			rule := []byte(`{"grantee":"0614141000012","gtins":["04012345111118"]}`)
			wantProblem(t, s.do(t, "POST", "/sharing-rules", rule, op...), http.StatusBadRequest, "QueryParameterException", "owner")
			r = s.do(t, "POST", "/sharing-rules?owner=4012345000009", rule, op...)
			if r.status != http.StatusCreated {
				t.Fatalf("POST /sharing-rules as operator = %d: %s", r.status, r.body)
			}
			id, _ := r.json(t)["id"].(string)
			if got := s.do(t, "GET", "/sharing-rules", nil, bearer(keyA)...); !strings.Contains(string(got.body), id) {
				t.Errorf("A does not see the rule made for it: %s", got.body)
			}
			if got := s.do(t, "GET", "/sharing-rules?owner=4012345000009", nil, op...); !strings.Contains(string(got.body), id) {
				t.Errorf("the operator does not list A's rule: %s", got.body)
			}
			wantProblem(t, s.do(t, "GET", "/sharing-rules?owner=0614141000012", nil, bearer(keyA)...), http.StatusForbidden, "SecurityException", "")
			if r := s.do(t, "DELETE", "/sharing-rules/"+id+"?owner=4012345000009", nil, op...); r.status != http.StatusNoContent {
				t.Fatalf("DELETE /sharing-rules as operator = %d: %s", r.status, r.body)
			}
		})
	}
}
