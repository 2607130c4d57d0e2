package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/store"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// BenchmarkEventsAuth measures what authentication adds to GET
// /events?perPage=30 on SQLite holding 1,000 events of each of two
// parties: "off" is open mode (all events visible), "key" an API key
// (cached after the first request), "jwt" an EdDSA JWT (verified on the first
// request, cached for 5 s like a key), and "key+audit" a key with the
// audit log on. The handler is called directly, without a network.
//
//	go test ./api -run '^$' -bench EventsAuth
func BenchmarkEventsAuth(b *testing.B) {
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cs := capture.New(st, validator, capture.Config{}, nil, capture.Hooks{})
	if err := cs.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	a, err := auth.New(auth.Config{Keys: st, JWT: &auth.JWTConfig{Keys: []auth.PublicKey{{Alg: "EdDSA", Key: pub}},
		Issuer: "https://idp.example", Audience: "lotline"}})
	if err != nil {
		b.Fatal(err)
	}
	open := api.New(api.Config{}, st, cs, nil, nil)
	secured := api.New(api.Config{Auth: a}, st, cs, nil, nil)
	al := api.NewAuditLog(st, nil)
	defer al.Close()
	audited := api.New(api.Config{Auth: a, Audit: al}, st, cs, nil, nil)

	keys := map[string]string{}
	for _, p := range []string{partyA, partyB} {
		id, key, digest := auth.NewKey()
		if err := st.CreateKey(ctx, &store.APIKey{ID: id, Party: p, Hash: digest}); err != nil {
			b.Fatal(err)
		}
		keys[p] = key
		for d := range 10 {
			evs := make([]string, 100)
			for i := range evs {
				evs[i] = objectEvent("", fmt.Sprintf("%s%d%03d", p[len(p)-4:], d, i))
			}
			req := httptest.NewRequest("POST", "/capture", strings.NewReader(string(document(evs...))))
			req.Header.Set("Content-Type", "application/ld+json")
			req.Header.Set("Authorization", "Bearer "+key)
			w := httptest.NewRecorder()
			secured.ServeHTTP(w, req)
			if w.Code != http.StatusAccepted {
				b.Fatalf("capture: %d %s", w.Code, w.Body)
			}
			waitJobDirect(b, secured, w.Header().Get("Location"), key)
		}
	}
	enc := func(v any) string { j, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(j) }
	signed := enc(map[string]string{"alg": "EdDSA"}) + "." + enc(map[string]any{"iss": "https://idp.example",
		"aud": "lotline", "sub": partyA, "exp": time.Now().Add(time.Hour).Unix()})
	jwt := signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signed)))

	for _, bc := range []struct {
		name string
		h    http.Handler
		cred string
	}{{"off", open, ""}, {"key", secured, keys[partyA]}, {"jwt", secured, jwt}, {"key+audit", audited, keys[partyA]}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", "/events?perPage=30", nil)
				if bc.cred != "" {
					req.Header.Set("Authorization", "Bearer "+bc.cred)
				}
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

func waitJobDirect(b *testing.B, h http.Handler, loc, key string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		req := httptest.NewRequest("GET", loc, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", loc, w.Code, w.Body)
		}
		if m["running"] == false {
			if m["success"] != true {
				b.Fatalf("capture failed: %s", w.Body)
			}
			return
		}
	}
	b.Fatalf("job %s still running", loc)
}
