package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// tokenSigner makes opaque page tokens: a JSON payload with an expiry,
// signed with HMAC-SHA256 and base64url-encoded. A client cannot forge or
// alter a position, and an old token stops working.
type tokenSigner struct {
	secret []byte
}

var errBadToken = errors.New("invalid or expired page token")

type tokenEnvelope struct {
	Kind    string          `json:"k"`
	Expires int64           `json:"x"`
	Payload json.RawMessage `json:"p"`
}

func (t tokenSigner) sign(kind string, payload any, ttl time.Duration) (string, time.Time, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := time.Now().Add(ttl).UTC().Truncate(time.Second)
	body, err := json.Marshal(tokenEnvelope{Kind: kind, Expires: exp.Unix(), Payload: p})
	if err != nil {
		return "", time.Time{}, err
	}
	mac := hmac.New(sha256.New, t.secret)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(mac.Sum(nil), body...)), exp, nil
}

func (t tokenSigner) open(kind, token string, payload any) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < sha256.Size+2 || len(token) > 4096 {
		return errBadToken
	}
	sum, body := raw[:sha256.Size], raw[sha256.Size:]
	mac := hmac.New(sha256.New, t.secret)
	mac.Write(body)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return errBadToken
	}
	var env tokenEnvelope
	if err := json.Unmarshal(body, &env); err != nil || env.Kind != kind || time.Now().Unix() > env.Expires {
		return errBadToken
	}
	if err := json.Unmarshal(env.Payload, payload); err != nil {
		return errBadToken
	}
	return nil
}
