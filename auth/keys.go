package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// keyPrefix starts every API key, so that a leaked one is recognisable
// (and secret scanners can be taught it).
const keyPrefix = "ll_"

// secretBytes is the entropy of a key's secret part.
const secretBytes = 32

// NewKey makes a new API key: a public ID (16 hex digits) and the full key
// to hand to the client once, ll_<id>_<secret> with a 32-byte random
// secret in base64url, and the digest to store.
func NewKey() (id, key string, digest []byte) {
	var idb [8]byte
	var sec [secretBytes]byte
	rand.Read(idb[:])
	rand.Read(sec[:])
	id = hex.EncodeToString(idb[:])
	secret := base64.RawURLEncoding.EncodeToString(sec[:])
	return id, keyPrefix + id + "_" + secret, Digest(secret)
}

// SplitKey parses an API key into its ID and secret; ok is false when it
// does not have the shape of one. (The secret may itself contain '_'.)
func SplitKey(key string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(key, keyPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != 16 || len(secret) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// Digest is what the store keeps of a secret.
func Digest(secret string) []byte {
	d := sha256.Sum256([]byte(secret))
	return d[:]
}

// secretMatches compares a presented secret with a stored digest in
// constant time.
func secretMatches(secret string, digest []byte) bool {
	return subtle.ConstantTimeCompare(Digest(secret), digest) == 1
}
