package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/store"
)

// Principal is an authenticated caller.
type Principal struct {
	Party string // canonical party (see ParseParty)
	KeyID string // the API key's ID, or "" for a JWT
	// Method says how the caller signed in, for the audit log: "key" or
	// "jwt".
	Method string
	// Role is RoleParty or RoleOperator (API keys only: a JWT names a
	// party).
	Role string
	// RateLimit is the key's own quota in requests per minute; 0 is the
	// server's.
	RateLimit int
}

// Roles of a key. A party's key reads and writes that party's data; an
// operator's key manages API keys and sharing rules and reads no events.
const (
	RoleParty    = ""
	RoleOperator = "operator"
)

// ParseRole checks a role name as given on the command line ("party" or
// "" for RoleParty).
func ParseRole(s string) (string, error) {
	switch s {
	case "", "party":
		return RoleParty, nil
	case RoleOperator:
		return RoleOperator, nil
	}
	return "", fmt.Errorf("role %q: want party or operator", s)
}

// KeyStore is what the Authenticator needs of the store.
type KeyStore interface {
	APIKey(ctx context.Context, id string) (*store.APIKey, error)
	HasKeys(ctx context.Context) (bool, error)
}

// Config configures an Authenticator.
type Config struct {
	// Keys holds API keys; nil disables API keys.
	Keys KeyStore
	// JWT, when set, accepts bearer JWTs; then credentials are always
	// required.
	JWT *JWTConfig
	// CacheTTL is how long a key looked up in the store is trusted before
	// it is looked up again, and so how long a revocation may take to be
	// noticed (default 5 s). The same delay applies to the first key
	// created on a running open server switching it to authenticated mode.
	CacheTTL time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// DefaultCacheTTL bounds how long a revoked key keeps working.
const DefaultCacheTTL = 5 * time.Second

// maxCached bounds the key cache, so that a flood of made-up key IDs
// cannot grow it without limit.
const maxCached = 10000

// Authenticator checks credentials. It is safe for concurrent use.
type Authenticator struct {
	cfg Config
	jwt *jwtVerifier

	mu       sync.RWMutex
	cache    map[string]cachedKey
	tokens   map[[32]byte]cachedToken // verified JWTs by SHA-256
	required bool                     // sticky: once keys exist, credentials stay required
	checked  time.Time                // when HasKeys was last asked
}

type cachedToken struct {
	party string
	until time.Time // the token's expiry or the cache window, whichever is first
}

type cachedKey struct {
	key     *store.APIKey // nil: no such key
	expires time.Time
}

// New returns an Authenticator; it checks the JWT configuration.
func New(cfg Config) (*Authenticator, error) {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authenticator{cfg: cfg, cache: map[string]cachedKey{}, tokens: map[[32]byte]cachedToken{}}
	if j := cfg.JWT; j != nil {
		if len(j.Keys) == 0 {
			return nil, errors.New("auth: JWT verification needs at least one public key")
		}
		if j.Issuer == "" {
			return nil, errors.New("auth: JWT verification needs the expected issuer")
		}
		jc := *j
		if jc.PartyClaim == "" {
			jc.PartyClaim = "sub"
		}
		if jc.Leeway <= 0 {
			jc.Leeway = 30 * time.Second
		}
		a.jwt = &jwtVerifier{cfg: jc, now: cfg.Now}
		a.required = true
	}
	return a, nil
}

// Required reports whether requests need credentials: a JWT issuer is
// configured or an API key was ever created. The store is asked at most
// once per CacheTTL; once true it stays true.
func (a *Authenticator) Required(ctx context.Context) (bool, error) {
	now := a.cfg.Now()
	a.mu.RLock()
	req, fresh := a.required, now.Sub(a.checked) < a.cfg.CacheTTL
	a.mu.RUnlock()
	if req || fresh || a.cfg.Keys == nil {
		return req, nil
	}
	has, err := a.cfg.Keys.HasKeys(ctx)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	a.required = a.required || has
	a.checked = now
	req = a.required
	a.mu.Unlock()
	return req, nil
}

// Authenticate checks the Authorization header of a request. Bad
// credentials are ErrInvalid wrapped with the reason, for the log: show
// the client ErrInvalid only. Other errors mean the store failed.
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) (Principal, error) {
	scheme, tok, ok := strings.Cut(authorization, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return Principal{}, fmt.Errorf("%w: no bearer credentials", ErrInvalid)
	}
	if id, secret, ok := SplitKey(tok); ok && a.cfg.Keys != nil {
		return a.checkKey(ctx, id, secret)
	}
	if a.jwt != nil && looksLikeJWT(tok) {
		return a.checkJWT(tok)
	}
	return Principal{}, fmt.Errorf("%w: neither an API key nor an accepted JWT", ErrInvalid)
}

func (a *Authenticator) checkKey(ctx context.Context, id, secret string) (Principal, error) {
	now := a.cfg.Now()
	a.mu.RLock()
	c, ok := a.cache[id]
	a.mu.RUnlock()
	if !ok || !now.Before(c.expires) {
		k, err := a.cfg.Keys.APIKey(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			k, err = nil, nil
		}
		if err != nil {
			return Principal{}, err
		}
		c = cachedKey{key: k, expires: now.Add(a.cfg.CacheTTL)}
		a.mu.Lock()
		if len(a.cache) >= maxCached {
			clear(a.cache)
		}
		a.cache[id] = c
		a.mu.Unlock()
	}
	switch {
	case c.key == nil:
		return Principal{}, fmt.Errorf("%w: unknown key %s", ErrInvalid, id)
	case !secretMatches(secret, c.key.Hash):
		return Principal{}, fmt.Errorf("%w: wrong secret for key %s", ErrInvalid, id)
	case !c.key.RevokedAt.IsZero():
		return Principal{}, fmt.Errorf("%w: key %s is revoked", ErrInvalid, id)
	}
	return Principal{Party: c.key.Party, KeyID: id, Method: "key", Role: c.key.Role, RateLimit: c.key.RateLimit}, nil
}

// checkJWT verifies a token, or finds it verified in the cache: a
// signature check costs 100-200 µs, and clients send the same token for
// its whole life.
func (a *Authenticator) checkJWT(tok string) (Principal, error) {
	now := a.cfg.Now()
	sum := sha256.Sum256([]byte(tok))
	a.mu.RLock()
	c, ok := a.tokens[sum]
	a.mu.RUnlock()
	if ok && now.Before(c.until) {
		return Principal{Party: c.party, Method: "jwt"}, nil
	}
	party, exp, err := a.jwt.verify(tok)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: JWT: %v", ErrInvalid, err)
	}
	until := now.Add(a.cfg.CacheTTL)
	if exp.Before(until) {
		until = exp
	}
	a.mu.Lock()
	if len(a.tokens) >= maxCached {
		clear(a.tokens)
	}
	a.tokens[sum] = cachedToken{party: party, until: until}
	a.mu.Unlock()
	return Principal{Party: party, Method: "jwt"}, nil
}

// PresentedKeyID returns the API key ID in an Authorization header, or ""
// when it carries no API key. It checks nothing else.
func PresentedKeyID(authorization string) string {
	scheme, tok, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	id, _, ok := SplitKey(strings.TrimSpace(tok))
	if !ok {
		return ""
	}
	return id
}
