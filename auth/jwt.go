package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// JWTConfig configures bearer JWT verification.
type JWTConfig struct {
	// Keys verify signatures (see ParseKeys).
	Keys []PublicKey
	// Issuer must equal the iss claim. Required.
	Issuer string
	// Audience, when set, must be one of the aud claim's values.
	Audience string
	// PartyClaim names the claim holding the party (default "sub").
	PartyClaim string
	// Leeway tolerates clock skew on exp and nbf (default 30 s).
	Leeway time.Duration
}

// PublicKey is one verification key and the algorithm it is used with.
// The algorithm follows from the key's type, never from the token: an
// RSA key verifies only RS256, a P-256 key only ES256, an Ed25519 key only
// EdDSA, which rules out algorithm confusion and "none".
type PublicKey struct {
	ID  string // kid; empty matches any token without one
	Alg string // RS256, ES256 or EdDSA
	Key crypto.PublicKey
}

// maxTokenBytes bounds a bearer token before any decoding.
const maxTokenBytes = 8 << 10

// ParseKeys reads verification keys from a JWKS document ({"keys": [...]})
// or from PEM blocks (PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE).
func ParseKeys(data []byte) ([]PublicKey, error) {
	var keys []PublicKey
	var err error
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		keys, err = parseJWKS(t)
	} else {
		keys, err = parsePEM(data)
	}
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no public keys found")
	}
	return keys, nil
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"`
}

func parseJWKS(data []byte) ([]PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	var out []PublicKey
	for i, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.D != "" {
			return nil, fmt.Errorf("JWKS key %d (%q) holds a private key; give the public keys only", i, k.Kid)
		}
		pk, err := k.public()
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (%q): %w", i, k.Kid, err)
		}
		pk.ID = k.Kid
		if k.Alg != "" && k.Alg != pk.Alg {
			return nil, fmt.Errorf("JWKS key %d (%q): alg %q does not fit a %s key (want %s)", i, k.Kid, k.Alg, k.Kty, pk.Alg)
		}
		out = append(out, pk)
	}
	return out, nil
}

func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (k jwk) public() (PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err1 := b64(k.N)
		e, err2 := b64(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return PublicKey{}, errors.New("bad RSA n or e")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		return checked(pub)
	case "EC":
		if k.Crv != "P-256" {
			return PublicKey{}, fmt.Errorf("curve %q is not supported (P-256 only)", k.Crv)
		}
		x, err1 := b64(k.X)
		y, err2 := b64(k.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return PublicKey{}, errors.New("bad EC x or y")
		}
		raw := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if err != nil {
			return PublicKey{}, err
		}
		return checked(pub)
	case "OKP":
		x, err := b64(k.X)
		if k.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return PublicKey{}, errors.New("only Ed25519 OKP keys are supported")
		}
		return checked(ed25519.PublicKey(x))
	}
	return PublicKey{}, fmt.Errorf("key type %q is not supported", k.Kty)
}

func parsePEM(data []byte) ([]PublicKey, error) {
	var out []PublicKey
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		var pub any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				pub = c.PublicKey
			}
		default:
			return nil, fmt.Errorf("PEM block %q is not a public key or certificate", b.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM %s: %w", b.Type, err)
		}
		pk, err := checked(pub)
		if err != nil {
			return nil, fmt.Errorf("PEM %s: %w", b.Type, err)
		}
		out = append(out, pk)
	}
	if len(bytes.TrimSpace(data)) > 0 && len(out) == 0 {
		return nil, errors.New("neither a JWKS document nor PEM public keys")
	}
	return out, nil
}

// checked accepts only the key types and sizes we verify with.
func checked(pub any) (PublicKey, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 || k.E < 3 {
			return PublicKey{}, fmt.Errorf("RSA key of %d bits: at least 2048 needed", k.N.BitLen())
		}
		return PublicKey{Alg: "RS256", Key: k}, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return PublicKey{}, errors.New("EC keys must be on P-256 (ES256)")
		}
		return PublicKey{Alg: "ES256", Key: k}, nil
	case ed25519.PublicKey:
		return PublicKey{Alg: "EdDSA", Key: k}, nil
	}
	return PublicKey{}, fmt.Errorf("key type %T is not supported (RSA, P-256, Ed25519)", pub)
}

// jwtVerifier checks bearer JWTs against a JWTConfig.
type jwtVerifier struct {
	cfg JWTConfig
	now func() time.Time
}

// looksLikeJWT tells a JWT (three dot-separated parts) from an API key.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// verify returns the party a token names and when the token expires, or
// why it is refused (for the log only; the client is told ErrInvalid).
func (v *jwtVerifier) verify(tok string) (party string, expires time.Time, err error) {
	party, expires, err = v.check(tok)
	return
}

func (v *jwtVerifier) check(tok string) (string, time.Time, error) {
	if len(tok) > maxTokenBytes {
		return "", time.Time{}, errors.New("token too long")
	}
	h64, rest, _ := strings.Cut(tok, ".")
	p64, s64, _ := strings.Cut(rest, ".")
	hb, err1 := b64(h64)
	pb, err2 := b64(p64)
	sig, err3 := b64(s64)
	if err1 != nil || err2 != nil || err3 != nil {
		return "", time.Time{}, errors.New("not base64url")
	}
	var hdr struct {
		Alg  string `json:"alg"`
		Kid  string `json:"kid"`
		Crit []any  `json:"crit"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return "", time.Time{}, fmt.Errorf("header: %w", err)
	}
	if len(hdr.Crit) > 0 {
		return "", time.Time{}, errors.New("critical header extensions are not supported")
	}
	signed := tok[:len(h64)+1+len(p64)]
	verified := false
	for _, k := range v.cfg.Keys {
		if k.Alg != hdr.Alg || (hdr.Kid != "" && k.ID != "" && k.ID != hdr.Kid) {
			continue
		}
		if verifySig(k, signed, sig) {
			verified = true
			break
		}
	}
	if !verified {
		return "", time.Time{}, fmt.Errorf("no configured key verifies this %q token (kid %q)", hdr.Alg, hdr.Kid)
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return "", time.Time{}, fmt.Errorf("claims: %w", err)
	}
	now := v.now()
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return "", time.Time{}, errors.New("no exp claim")
	}
	if !now.Before(exp.Add(v.cfg.Leeway)) {
		return "", time.Time{}, errors.New("expired")
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && now.Add(v.cfg.Leeway).Before(nbf) {
		return "", time.Time{}, errors.New("not valid yet")
	} else if !ok && claims["nbf"] != nil {
		return "", time.Time{}, errors.New("bad nbf claim")
	}
	if iss, _ := claims["iss"].(string); iss != v.cfg.Issuer {
		return "", time.Time{}, fmt.Errorf("issuer %q is not %q", iss, v.cfg.Issuer)
	}
	if v.cfg.Audience != "" && !hasAudience(claims["aud"], v.cfg.Audience) {
		return "", time.Time{}, fmt.Errorf("audience %v does not include %q", claims["aud"], v.cfg.Audience)
	}
	raw, _ := claims[v.cfg.PartyClaim].(string)
	if raw == "" {
		return "", time.Time{}, fmt.Errorf("no %q claim", v.cfg.PartyClaim)
	}
	party, err := ParseParty(raw)
	return party, exp, err
}

func verifySig(k PublicKey, signed string, sig []byte) bool {
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		d := sha256.Sum256([]byte(signed))
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) == nil
	case *ecdsa.PublicKey:
		// JWS carries r||s, 32 bytes each, not ASN.1.
		if len(sig) != 64 {
			return false
		}
		d := sha256.Sum256([]byte(signed))
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, d[:], r, s)
	case ed25519.PublicKey:
		return ed25519.Verify(pub, []byte(signed), sig)
	}
	return false
}

func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)), true
}

func hasAudience(v any, want string) bool {
	switch a := v.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if s, _ := x.(string); s == want {
				return true
			}
		}
	}
	return false
}
