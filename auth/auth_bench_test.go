package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// BenchmarkAuthenticate measures one authentication: an API key served
// from the cache, and a JWT of each algorithm (verified every time).
//
//	go test ./auth -run '^$' -bench Authenticate
func BenchmarkAuthenticate(b *testing.B) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	var pubs []PublicKey
	for _, k := range []crypto.Signer{rsaKey, ecKey, edKey} {
		pk, err := checked(k.Public())
		if err != nil {
			b.Fatal(err)
		}
		pubs = append(pubs, pk)
	}
	ks := &memKeys{keys: map[string]*store.APIKey{}}
	_, key := ks.add(partyA)
	a, err := New(Config{Keys: ks, JWT: &JWTConfig{Keys: pubs, Issuer: "i", Audience: "a"}, CacheTTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	claims := map[string]any{"iss": "i", "aud": "a", "sub": partyA, "exp": time.Now().Add(time.Hour).Unix()}
	for _, bc := range []struct{ name, cred string }{
		{"key", key},
		{"RS256", signJWT(b, "RS256", "", rsaKey, claims)},
		{"ES256", signJWT(b, "ES256", "", ecKey, claims)},
		{"EdDSA", signJWT(b, "EdDSA", "", edKey, claims)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				if _, err := a.Authenticate(ctx, "Bearer "+bc.cred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
