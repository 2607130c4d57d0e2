package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/store"
)

const (
	partyA = "https://id.gs1.org/417/4012345000009"
	partyB = "https://id.gs1.org/417/0614141000012"
)

// newKey stores an API key for party and returns it in full.
func newKey(t *testing.T, st store.Store, party string) (id, key string) {
	t.Helper()
	id, key, digest := auth.NewKey()
	if err := st.(store.KeyStore).CreateKey(context.Background(), &store.APIKey{ID: id, Party: party, Hash: digest}); err != nil {
		t.Fatal(err)
	}
	return id, key
}

// authServer is a server that requires credentials, on st, whose keys
// are cached for ttl.
func authServer(t *testing.T, st store.Store, ttl time.Duration, jwt *auth.JWTConfig) *testServer {
	t.Helper()
	a, err := auth.New(auth.Config{Keys: st.(auth.KeyStore), JWT: jwt, CacheTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, st, capture.Config{}, api.Config{Auth: a})
}

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

// captureAs posts a document as the holder of key and waits for its job.
func (s *testServer) captureAs(t *testing.T, key string, doc []byte) (loc string) {
	t.Helper()
	r := s.do(t, "POST", "/capture", doc, bearer(key)...)
	if r.status != http.StatusAccepted {
		t.Fatalf("POST /capture = %d\n%s", r.status, r.body)
	}
	loc = r.header.Get("Location")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		j := s.do(t, "GET", loc, nil, bearer(key)...)
		if j.status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s", loc, j.status, j.body)
		}
		if m := j.json(t); m["running"] == false {
			if m["success"] != true {
				t.Fatalf("capture failed: %s", j.body)
			}
			return loc
		}
	}
	t.Fatalf("job %s still running", loc)
	return ""
}

// sameNotFound checks that two answers are the same 404, but for the
// identifier each names.
func sameNotFound(t *testing.T, what string, got response, gotID string, unknown response, unknownID string) {
	t.Helper()
	if got.status != http.StatusNotFound || unknown.status != http.StatusNotFound {
		t.Fatalf("%s: statuses %d and %d, want 404 for both\n%s\n%s", what, got.status, unknown.status, got.body, unknown.body)
	}
	norm := func(b []byte, id string) string {
		s := string(b)
		for _, form := range []string{id, url.PathEscape(id), strings.ReplaceAll(url.PathEscape(id), ":", "%3A")} {
			s = strings.ReplaceAll(s, form, "ID")
		}
		return s
	}
	if g, u := norm(got.body, gotID), norm(unknown.body, unknownID); g != u {
		t.Errorf("%s: another party's resource answers\n%s\nbut an unknown one\n%s", what, g, u)
	}
	if got.header.Get("Content-Type") != unknown.header.Get("Content-Type") {
		t.Errorf("%s: content types %q and %q differ", what, got.header.Get("Content-Type"), unknown.header.Get("Content-Type"))
	}
}

func TestAuthMatrix(t *testing.T) {
	ids := []string{"urn:uuid:a0000000-0000-4000-8000-000000000001", "urn:uuid:a0000000-0000-4000-8000-000000000002",
		"urn:uuid:a0000000-0000-4000-8000-000000000003"}
	docA := document(objectEvent(ids[0], "501"), objectEvent(ids[1], "502"), objectEvent(ids[2], "503"))
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			revokedID, revokedKey := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			const ttl = 100 * time.Millisecond
			s := authServer(t, st, ttl, nil)

			// Without credentials: 401 everywhere but health and readiness.
			for _, path := range []string{"/events", "/events/" + url.PathEscape(ids[0]), "/capture", "/queries", "/epcs",
				"/metrics", "/no-such-path"} {
				r := s.do(t, "GET", path, nil)
				wantProblem(t, r, http.StatusUnauthorized, "SecurityException", "")
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("GET %s: WWW-Authenticate %q", path, r.header.Get("WWW-Authenticate"))
				}
			}
			for _, path := range []string{"/healthz", "/readyz"} {
				if r := s.do(t, "GET", path, nil); r.status != http.StatusOK {
					t.Errorf("GET %s without credentials = %d", path, r.status)
				}
			}
			// Bad credentials of every kind get the same answer.
			_, unknownKey, _ := auth.NewKey()
			idA, secretA, _ := auth.SplitKey(keyA)
			var first string
			for _, cred := range []string{"Bearer " + unknownKey, "Bearer ll_" + idA + "_" + strings.Repeat("x", len(secretA)),
				"Basic " + keyA, "Bearer " + keyA + "x", "Bearer a.b.c"} {
				r := s.do(t, "GET", "/events", nil, "Authorization", cred)
				wantProblem(t, r, http.StatusUnauthorized, "SecurityException", "")
				if p := r.json(t); p["detail"] != "invalid credentials" {
					t.Errorf("%q: detail %v", cred, p["detail"])
				} else if first == "" {
					first = string(r.body)
				} else if string(r.body) != first {
					t.Errorf("%q answers\n%s\nnot\n%s", cred, r.body, first)
				}
			}

			// A captures; its events and job record A as owner.
			job := s.captureAs(t, keyA, docA)
			evs, err := st.EventsByID(context.Background(), ids[0])
			if err != nil || len(evs) != 1 || evs[0].Owner != partyA {
				t.Fatalf("stored event: %+v, %v; want owner %s", evs, err, partyA)
			}
			if r := s.do(t, "POST", "/queries", definitionBody("a-query", `{"eventType":["ObjectEvent"]}`), bearer(keyA)...); r.status != http.StatusCreated {
				t.Fatalf("POST /queries = %d\n%s", r.status, r.body)
			}

			// A sees its own.
			if got := eventIDs(t, s.do(t, "GET", "/events", nil, bearer(keyA)...)); len(got) != 3 {
				t.Errorf("A's /events = %v, want its 3 events", got)
			}
			if r := s.do(t, "GET", "/events/"+url.PathEscape(ids[0]), nil, bearer(keyA)...); r.status != http.StatusOK {
				t.Errorf("A's /events/{id} = %d", r.status)
			}
			if got := eventIDs(t, s.do(t, "GET", "/queries/a-query/events", nil, bearer(keyA)...)); len(got) != 3 {
				t.Errorf("A's /queries/a-query/events = %v", got)
			}

			// B sees none of it, and cannot tell it exists.
			if got := eventIDs(t, s.do(t, "GET", "/events", nil, bearer(keyB)...)); len(got) != 0 {
				t.Errorf("B's /events = %v, want none", got)
			}
			if got := eventIDs(t, s.do(t, "GET", "/events?MATCH_epc="+url.QueryEscape("urn:epc:id:sgtin:4012345.011111.501"), nil, bearer(keyB)...)); len(got) != 0 {
				t.Errorf("B's /events?MATCH_epc = %v, want none", got)
			}
			unknownEvent := "urn:uuid:a0000000-0000-4000-8000-0000000000ff"
			sameNotFound(t, "/events/{id}",
				s.do(t, "GET", "/events/"+url.PathEscape(ids[0]), nil, bearer(keyB)...), ids[0],
				s.do(t, "GET", "/events/"+url.PathEscape(unknownEvent), nil, bearer(keyB)...), unknownEvent)
			jobID := strings.TrimPrefix(job, "/capture/")
			sameNotFound(t, "/capture/{id}", s.do(t, "GET", job, nil, bearer(keyB)...), jobID,
				s.do(t, "GET", "/capture/no-such-job", nil, bearer(keyB)...), "no-such-job")
			if r := s.do(t, "GET", "/capture", nil, bearer(keyB)...); strings.Contains(string(r.body), jobID) {
				t.Errorf("B's /capture lists A's job: %s", r.body)
			}
			sameNotFound(t, "/queries/{name}", s.do(t, "GET", "/queries/a-query", nil, bearer(keyB)...), "a-query",
				s.do(t, "GET", "/queries/b-query", nil, bearer(keyB)...), "b-query")
			sameNotFound(t, "/queries/{name}/events", s.do(t, "GET", "/queries/a-query/events", nil, bearer(keyB)...), "a-query",
				s.do(t, "GET", "/queries/b-query/events", nil, bearer(keyB)...), "b-query")
			if r := s.do(t, "GET", "/queries", nil, bearer(keyB)...); strings.Contains(string(r.body), "a-query") {
				t.Errorf("B's /queries lists A's query: %s", r.body)
			}
			lot := "/lots/" + url.PathEscape("urn:epc:class:lgtin:4012345.011111.LOTA")
			if r := s.do(t, "GET", lot, nil, bearer(keyB)...); strings.Contains(string(r.body), "a0000000") {
				t.Errorf("B's lot history shows A's events: %s", r.body)
			}

			// A page token is bound to the party that received it.
			r := s.do(t, "GET", "/events?perPage=2", nil, bearer(keyA)...)
			next := nextLink(t, r)
			if next == "" {
				t.Fatal("no next page for A")
			}
			wantProblem(t, s.do(t, "GET", next, nil, bearer(keyB)...), http.StatusBadRequest, "QueryParameterException", "nextPageToken")
			if got := eventIDs(t, s.do(t, "GET", next, nil, bearer(keyA)...)); len(got) != 1 {
				t.Errorf("A's second page = %v", got)
			}

			// A revoked key stops working once the cache window has passed.
			if r := s.do(t, "GET", "/events", nil, bearer(revokedKey)...); r.status != http.StatusOK {
				t.Fatalf("key before revocation: %d", r.status)
			}
			if err := st.(store.KeyStore).RevokeKey(context.Background(), revokedID, time.Now()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(ttl + 50*time.Millisecond)
			wantProblem(t, s.do(t, "GET", "/events", nil, bearer(revokedKey)...), http.StatusUnauthorized, "SecurityException", "")
		})
	}
}

// TestAuthValueListings: the resource listings (/epcs, /bizSteps, ...)
// and /lots show a party only the values of events it may read, and
// /epcs/{epc} of another party's EPC is the 404 of an unknown one.
func TestAuthValueListings(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			s := authServer(t, st, time.Second, nil)
			s.captureAs(t, keyA, document(objectEvent("", "777"), transformationEvent))
			epc := "urn:epc:id:sgtin:4012345.011111.777"
			has := func(r response) bool {
				return strings.Contains(string(r.body), "011111.777") || strings.Contains(string(r.body), "/01/04012345111118/21/777")
			}
			for _, path := range []string{"/epcs?perPage=1000", "/bizLocations", "/readPoints?perPage=1000"} {
				rb := s.do(t, "GET", path, nil, bearer(keyB)...)
				if rb.status != http.StatusOK || strings.Contains(string(rb.body), "4012345") {
					t.Errorf("B's %s = %d, lists A's values:\n%s", path, rb.status, rb.body)
				}
			}
			if r := s.do(t, "GET", "/epcs?perPage=1000", nil, bearer(keyA)...); !has(r) {
				t.Errorf("A's /epcs lacks A's EPC:\n%s", r.body)
			}
			if r := s.do(t, "GET", "/epcs/"+url.PathEscape(epc), nil, bearer(keyB)...); r.status != http.StatusNotFound {
				t.Errorf("B's /epcs/{A's EPC} = %d, want 404", r.status)
			}
			if r := s.do(t, "GET", "/epcs/"+url.PathEscape(epc), nil, bearer(keyA)...); r.status != http.StatusOK {
				t.Errorf("A's /epcs/{A's EPC} = %d, want 200", r.status)
			}
			if r := s.do(t, "GET", "/lots", nil, bearer(keyB)...); strings.Contains(string(r.body), "LOTB") {
				t.Errorf("B's /lots lists A's lot:\n%s", r.body)
			}
			if r := s.do(t, "GET", "/lots", nil, bearer(keyA)...); !strings.Contains(string(r.body), "LOTB") {
				t.Errorf("A's /lots lacks A's lot:\n%s", r.body)
			}
		})
	}
}

// TestAuthOpenUntilFirstKey: a server without keys is open (one local
// party); the first key created switches it to requiring credentials
// within the cache window, and the data captured before stays with the
// local party.
func TestAuthOpenUntilFirstKey(t *testing.T) {
	st := backends["sqlite"](t)
	const ttl = 50 * time.Millisecond
	s := authServer(t, st, ttl, nil)
	ev := []byte(`{` + ctxPrefix + `,` + strings.TrimPrefix(objectEvent("", "1"), "{"))
	if r := s.do(t, "POST", "/events", ev); r.status != http.StatusCreated {
		t.Fatalf("open POST /events = %d\n%s", r.status, r.body)
	}
	if got := eventIDs(t, s.do(t, "GET", "/events", nil)); len(got) != 1 {
		t.Fatalf("open /events = %v", got)
	}
	_, key := newKey(t, st, partyA)
	time.Sleep(ttl + 20*time.Millisecond)
	wantProblem(t, s.do(t, "GET", "/events", nil), http.StatusUnauthorized, "SecurityException", "")
	if got := eventIDs(t, s.do(t, "GET", "/events", nil, bearer(key)...)); len(got) != 0 {
		t.Errorf("party A sees the local party's events: %v", got)
	}
}

// TestAuthJWT: a party signing in with a JWT is the same owner as with an
// API key of the same GLN, written any other way.
func TestAuthJWT(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	st := backends["sqlite"](t)
	_, keyA := newKey(t, st, partyA)
	s := authServer(t, st, time.Second, &auth.JWTConfig{Keys: []auth.PublicKey{{Alg: "EdDSA", Key: pub}},
		Issuer: "https://idp.example", Audience: "lotline"})
	s.captureAs(t, keyA, document(objectEvent("", "9")))
	token := func(sub string, exp time.Time) string {
		enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
		signed := enc(map[string]string{"alg": "EdDSA"}) + "." + enc(map[string]any{"iss": "https://idp.example",
			"aud": "lotline", "sub": sub, "exp": exp.Unix()})
		return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signed)))
	}
	hour := time.Now().Add(time.Hour)
	if got := eventIDs(t, s.do(t, "GET", "/events", nil, bearer(token("urn:epc:id:pgln:4012345.00000", hour))...)); len(got) != 1 {
		t.Errorf("A by JWT sees %v, want its one event", got)
	}
	if got := eventIDs(t, s.do(t, "GET", "/events", nil, bearer(token("0614141000012", hour))...)); len(got) != 0 {
		t.Errorf("B by JWT sees %v", got)
	}
	wantProblem(t, s.do(t, "GET", "/events", nil, bearer(token("0614141000012", time.Now().Add(-time.Hour)))...),
		http.StatusUnauthorized, "SecurityException", "")
}

func TestAuditLog(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			keyIDA, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			a, err := auth.New(auth.Config{Keys: st.(auth.KeyStore)})
			if err != nil {
				t.Fatal(err)
			}
			al := api.NewAuditLog(st.(store.AuditStore), nil)
			s := startServer(t, st, capture.Config{}, api.Config{Auth: a, Audit: al})
			t.Cleanup(func() { al.Close() })

			s.captureAs(t, keyA, document(objectEvent("", "601"), objectEvent("", "602")))
			if got := eventIDs(t, s.do(t, "GET", "/events?eventType=ObjectEvent&perPage=1", nil, bearer(keyA)...)); len(got) != 1 {
				t.Fatalf("A's events: %v", got)
			}
			s.do(t, "GET", "/events", nil, bearer(keyB)...)
			s.do(t, "GET", "/events", nil) // 401: not audited

			// Records are written in batches: wait for A's.
			var recs []any
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				r := s.do(t, "GET", "/audit?perPage=100", nil, bearer(keyA)...)
				if r.status != http.StatusOK {
					t.Fatalf("GET /audit = %d\n%s", r.status, r.body)
				}
				recs, _ = r.json(t)["records"].([]any)
				if len(recs) >= 3 {
					break
				}
			}
			var sawCapture, sawQuery bool
			for _, x := range recs {
				m := x.(map[string]any)
				if m["party"] != partyA || m["keyID"] != keyIDA {
					t.Errorf("A's /audit holds %v", m)
				}
				switch {
				case m["method"] == "POST" && m["path"] == "/capture":
					sawCapture = m["events"] == 2.0 && m["status"] == 202.0
				case m["path"] == "/events":
					sawQuery = m["events"] == 1.0 && m["query"] == "eventType=ObjectEvent&perPage=1" && m["status"] == 200.0
				}
			}
			if !sawCapture || !sawQuery {
				t.Errorf("A's audit records lack the capture of 2 events or the query returning 1:\n%v", recs)
			}
			// B sees its own record only; A's page token is useless to B.
			r := s.do(t, "GET", "/audit?perPage=1", nil, bearer(keyA)...)
			next := r.header.Get("Link")
			if !strings.HasPrefix(next, "</audit?") {
				t.Fatalf("no next page: %q", next)
			}
			next = strings.TrimSuffix(strings.TrimPrefix(next, "<"), `>; rel="next"`)
			wantProblem(t, s.do(t, "GET", next, nil, bearer(keyB)...), http.StatusBadRequest, "QueryParameterException", "nextPageToken")
			if r := s.do(t, "GET", next, nil, bearer(keyA)...); r.status != http.StatusOK {
				t.Errorf("A's next audit page = %d", r.status)
			}
			recsB, _ := s.do(t, "GET", "/audit?perPage=100", nil, bearer(keyB)...).json(t)["records"].([]any)
			for _, x := range recsB {
				if m := x.(map[string]any); m["party"] != partyB {
					t.Errorf("B's /audit holds %v", m)
				}
			}
		})
	}
}
