package store

import (
	"context"
	"time"
)

// APIKey is an API key as stored: everything but the secret, of which only
// a SHA-256 digest is kept (see package auth).
type APIKey struct {
	ID        string    // public part of the key, unique
	Party     string    // the party the key authenticates, canonical (see auth.ParseParty)
	Name      string    // operator's label, may be empty
	CreatedAt time.Time // set by the store when zero
	RevokedAt time.Time // zero while the key is valid
	Hash      []byte    // SHA-256 of the secret part
	// Role is "" for a trading partner's key and "operator" for one that
	// manages keys and sharing rules but reads no events (see auth.Role).
	Role string
	// RateLimit is the requests per minute the key may make; 0 is the
	// server's default quota.
	RateLimit int
}

// KeyStore keeps API keys. Keys are few (one per trading partner and
// client), so listing them all is fine; looking one up by ID must be an
// index lookup, since the API does it for every request not served from
// its cache.
type KeyStore interface {
	// CreateKey stores k; an ID already taken is a *DuplicateError whose
	// UniqueKey is the ID.
	CreateKey(ctx context.Context, k *APIKey) error
	// APIKey returns the key with that ID, revoked or not, or ErrNotFound.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// APIKeys lists every key, revoked ones included, oldest first.
	APIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeKey marks the key revoked at at, or returns ErrNotFound. Revoking
	// a revoked key keeps its first revocation time.
	RevokeKey(ctx context.Context, id string, at time.Time) error
	// HasKeys reports whether any key, revoked or not, was ever created:
	// from then on the server requires credentials.
	HasKeys(ctx context.Context) (bool, error)
}
