package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

const partyA = "https://id.gs1.org/417/0614141000012"

func TestParseParty(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "urn:epc:id:pgln:0614141.00001", want: partyA},
		{in: "urn:epc:id:sgln:0614141.00001.0", want: partyA},
		{in: "https://id.gs1.org/417/0614141000012", want: partyA},
		{in: "https://example.com/414/0614141000012", want: partyA},
		{in: "0614141000012", want: partyA},
		{in: "0614141000013", bad: true},                        // check digit
		{in: "urn:epc:id:sgln:0614141.00001.12", bad: true},     // a sub-location, not a party
		{in: "urn:epc:id:sgtin:0614141.812345.6789", bad: true}, // not a GLN
		{in: "local", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		got, err := ParseParty(tc.in)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("ParseParty(%q) = %q, %v; want %q, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestSplitKey(t *testing.T) {
	id, key, digest := NewKey()
	gid, secret, ok := SplitKey(key)
	if !ok || gid != id || !secretMatches(secret, digest) {
		t.Fatalf("SplitKey(%q) = %q, %q, %v; want the key's own ID %q and secret", key, gid, secret, ok, id)
	}
	if _, key2, _ := NewKey(); key2 == key {
		t.Error("two keys are equal")
	}
	for _, bad := range []string{"", "ll_", "ll_" + id, "xx_" + id + "_" + secret, "ll_" + id + "_" + secret[1:],
		"ll_zzzzzzzzzzzzzzzz_" + secret, "ll_" + id[1:] + "_a" + secret} {
		if _, _, ok := SplitKey(bad); ok {
			t.Errorf("SplitKey(%q) accepted", bad)
		}
	}
}

// memKeys is a KeyStore in memory that counts lookups.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string]*store.APIKey
	lookups int
}

func (m *memKeys) APIKey(_ context.Context, id string) (*store.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	k, ok := m.keys[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	c := *k
	return &c, nil
}

func (m *memKeys) HasKeys(context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys) > 0, nil
}

func (m *memKeys) add(party string) (id, key string) {
	id, key, digest := NewKey()
	m.mu.Lock()
	m.keys[id] = &store.APIKey{ID: id, Party: party, Hash: digest}
	m.mu.Unlock()
	return id, key
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	ks := &memKeys{keys: map[string]*store.APIKey{}}
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, err := New(Config{Keys: ks, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if req, err := a.Required(ctx); err != nil || req {
		t.Fatalf("Required with no keys = %v, %v", req, err)
	}
	id, key := ks.add(partyA)
	if req, _ := a.Required(ctx); req {
		t.Error("Required changed before the cache window passed")
	}
	clk.t = clk.t.Add(DefaultCacheTTL)
	if req, _ := a.Required(ctx); !req {
		t.Error("Required = false after a key was created and the window passed")
	}
	_, secret, _ := SplitKey(key)
	otherID, _ := ks.add("https://id.gs1.org/417/4012345000009")
	tests := []struct {
		name, header string
		ok           bool
	}{
		{"valid", "Bearer " + key, true},
		{"lower-case scheme", "bearer " + key, true},
		{"no header", "", false},
		{"basic scheme", "Basic " + key, false},
		{"empty token", "Bearer ", false},
		{"wrong secret", "Bearer ll_" + id + "_" + strings.Repeat("A", len(secret)), false},
		{"secret of another key", "Bearer ll_" + otherID + "_" + secret, false},
		{"unknown key", "Bearer ll_0123456789abcdef_" + secret, false},
		{"garbage", "Bearer hello", false},
	}
	for _, tc := range tests {
		p, err := a.Authenticate(ctx, tc.header)
		if tc.ok {
			if err != nil || p.Party != partyA || p.KeyID != id || p.Method != "key" {
				t.Errorf("%s: got %+v, %v; want party A by key %s", tc.name, p, err, id)
			}
		} else if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %+v, %v; want ErrInvalid", tc.name, p, err)
		}
	}
	// Verified keys are cached: repeated requests do not hit the store.
	before := ks.lookups
	for range 100 {
		if _, err := a.Authenticate(ctx, "Bearer "+key); err != nil {
			t.Fatal(err)
		}
	}
	if ks.lookups != before {
		t.Errorf("100 cached authentications made %d store lookups", ks.lookups-before)
	}
	// Revocation takes effect once the cache window has passed.
	ks.mu.Lock()
	ks.keys[id].RevokedAt = clk.t
	ks.mu.Unlock()
	clk.t = clk.t.Add(DefaultCacheTTL)
	if _, err := a.Authenticate(ctx, "Bearer "+key); !errors.Is(err, ErrInvalid) {
		t.Errorf("revoked key: %v, want ErrInvalid", err)
	}
	// Revoking every key does not reopen the server.
	ks.mu.Lock()
	clear(ks.keys)
	ks.mu.Unlock()
	clk.t = clk.t.Add(time.Hour)
	if req, _ := a.Required(ctx); !req {
		t.Error("Required went back to false")
	}
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signJWT builds a compact JWS of claims signed with priv (nil: unsigned).
func signJWT(t testing.TB, alg, kid string, priv crypto.Signer, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": alg, "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(claims)
	signed := b64u(hb) + "." + b64u(cb)
	d := sha256.Sum256([]byte(signed))
	var sig []byte
	var err error
	switch k := priv.(type) {
	case nil:
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k, d[:])
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(signed))
	}
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64u(sig)
}

func TestJWT(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	strangerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	// The operator's keys: a JWKS with the RSA and EC keys, a PEM with the Ed25519 one.
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "r1", "alg": "RS256", "use": "sig", "n": b64u(rsaKey.N.Bytes()), "e": b64u(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64u(ecKey.X.FillBytes(make([]byte, 32))), "y": b64u(ecKey.Y.FillBytes(make([]byte, 32)))},
	}})
	keys, err := ParseKeys(jwks)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(edKey.Public())
	pemKeys, err := ParseKeys(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, pemKeys...)

	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	a, err := New(Config{JWT: &JWTConfig{Keys: keys, Issuer: "https://idp.example", Audience: "lotline"},
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": "https://idp.example", "aud": []string{"other", "lotline"},
			"sub": "urn:epc:id:pgln:0614141.00001", "exp": now.Add(time.Hour).Unix(), "nbf": now.Add(-time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	hmacToken := func() string {
		// alg confusion: HS256 keyed with the RSA public key's bytes.
		hb, _ := json.Marshal(map[string]string{"alg": "HS256"})
		cb, _ := json.Marshal(claims(nil))
		signed := b64u(hb) + "." + b64u(cb)
		m := hmac.New(sha256.New, rsaKey.N.Bytes())
		m.Write([]byte(signed))
		return signed + "." + b64u(m.Sum(nil))
	}
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"RS256", signJWT(t, "RS256", "r1", rsaKey, claims(nil)), true},
		{"ES256", signJWT(t, "ES256", "e1", ecKey, claims(nil)), true},
		{"EdDSA from PEM, no kid", signJWT(t, "EdDSA", "", edKey, claims(nil)), true},
		{"audience as a string", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["aud"] = "lotline" })), true},
		{"expired within leeway", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() })), true},
		{"expired", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })), false},
		{"no exp", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { delete(c, "exp") })), false},
		{"not yet valid", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() })), false},
		{"wrong issuer", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), false},
		{"wrong audience", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["aud"] = "someone-else" })), false},
		{"no audience", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { delete(c, "aud") })), false},
		{"wrong key", signJWT(t, "ES256", "e1", strangerKey, claims(nil)), false},
		{"kid of another key", signJWT(t, "ES256", "r1", ecKey, claims(nil)), false},
		{"alg none", signJWT(t, "none", "", nil, claims(nil)), false},
		{"alg of another key type", signJWT(t, "RS256", "", ecKey, claims(nil)), false},
		{"HS256 keyed with the public key", hmacToken(), false},
		{"party not a GLN", signJWT(t, "ES256", "e1", ecKey, claims(func(c map[string]any) { c["sub"] = "alice" })), false},
		{"tampered claims", func() string {
			tok := signJWT(t, "ES256", "e1", ecKey, claims(nil))
			parts := strings.Split(tok, ".")
			cb, _ := json.Marshal(claims(func(c map[string]any) { c["sub"] = "urn:epc:id:pgln:4012345.00000" }))
			return parts[0] + "." + b64u(cb) + "." + parts[2]
		}(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.Authenticate(context.Background(), "Bearer "+tc.token)
			if tc.ok {
				if err != nil || p.Party != partyA || p.Method != "jwt" {
					t.Errorf("got %+v, %v; want party A", p, err)
				}
			} else if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %+v, %v; want ErrInvalid", p, err)
			}
		})
	}
	if req, _ := a.Required(context.Background()); !req {
		t.Error("a JWT issuer does not make credentials required")
	}
}

func TestJWTPartyClaim(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pk, _ := checked(&ecKey.PublicKey)
	a, err := New(Config{JWT: &JWTConfig{Keys: []PublicKey{pk}, Issuer: "i", PartyClaim: "gln"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := signJWT(t, "ES256", "", ecKey, map[string]any{"iss": "i", "sub": "user-17", "gln": "0614141000012",
		"exp": time.Now().Add(time.Minute).Unix()})
	if p, err := a.Authenticate(context.Background(), "Bearer "+tok); err != nil || p.Party != partyA {
		t.Errorf("got %+v, %v; want the party from the gln claim", p, err)
	}
}

func TestParseKeysRefuses(t *testing.T) {
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	tests := map[string]string{
		"empty":           "",
		"garbage":         "hello",
		"RSA 1024":        string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"P-384":           string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der384})),
		"private key PEM": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})),
		"JWKS private":    `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + b64u(make([]byte, 32)) + `","d":"AA"}]}`,
		"JWKS alg clash":  `{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"RS256","x":"` + b64u(make([]byte, 32)) + `"}]}`,
		"JWKS oct":        `{"keys":[{"kty":"oct","k":"AA"}]}`,
		"JWKS empty":      `{"keys":[]}`,
	}
	for name, in := range tests {
		if _, err := ParseKeys([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
