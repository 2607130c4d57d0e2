package subscribe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader carries a delivery's signature.
const SignatureHeader = "GS1-Signature"

// Sign returns the GS1-Signature value of a delivery body: "sha256="
// followed by the lowercase hex HMAC-SHA256 of the exact body bytes, keyed
// with the subscription's signatureToken as UTF-8 bytes.
func Sign(token string, body []byte) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a GS1-Signature value against a body, in constant time;
// it is what a receiver written in Go would call.
func Verify(token string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(token))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}
