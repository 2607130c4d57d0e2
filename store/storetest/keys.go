package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// KeyBackend is a store that also keeps API keys.
type KeyBackend interface {
	store.Store
	store.KeyStore
}

// RunKeys runs the API key part of the contract on stores made by open,
// which must return a fresh, empty store at each call.
func RunKeys(t *testing.T, open func(t *testing.T) KeyBackend) {
	tests := []struct {
		name string
		run  func(t *testing.T, st KeyBackend)
	}{
		{"Empty", testKeysEmpty},
		{"RoundTrip", testKeysRoundTrip},
		{"Revoke", testKeysRevoke},
		{"RoleAndRateLimit", testKeysRoleAndRateLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() { _ = st.Close() })
			tc.run(t, st)
		})
	}
}

var keyT0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func newKey(id, party string, at time.Time) *store.APIKey {
	return &store.APIKey{ID: id, Party: party, Name: "client " + id, CreatedAt: at,
		Hash: bytes.Repeat([]byte{id[0]}, 32)}
}

func testKeysEmpty(t *testing.T, st KeyBackend) {
	ctx := context.Background()
	if has, err := st.HasKeys(ctx); err != nil || has {
		t.Errorf("HasKeys on an empty store = %v, %v; want false", has, err)
	}
	if ks, err := st.APIKeys(ctx); err != nil || len(ks) != 0 {
		t.Errorf("APIKeys on an empty store = %v, %v; want none", ks, err)
	}
	if _, err := st.APIKey(ctx, "k1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("APIKey on an empty store: %v, want ErrNotFound", err)
	}
	if err := st.RevokeKey(ctx, "k1", keyT0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeKey on an empty store: %v, want ErrNotFound", err)
	}
}

func testKeysRoundTrip(t *testing.T, st KeyBackend) {
	ctx := context.Background()
	// Created out of ID order: the listing is by creation time.
	want := []*store.APIKey{newKey("kb", "https://id.gs1.org/417/0614141000012", keyT0),
		newKey("ka", "https://id.gs1.org/417/4012345000009", keyT0.Add(time.Second))}
	for _, k := range want {
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	var dup *store.DuplicateError
	if err := st.CreateKey(ctx, newKey("ka", "other", keyT0)); !errors.As(err, &dup) || dup.UniqueKey != "ka" {
		t.Errorf("duplicate ID: %v, want a *DuplicateError for ka", err)
	}
	if has, err := st.HasKeys(ctx); err != nil || !has {
		t.Errorf("HasKeys = %v, %v; want true", has, err)
	}
	got, err := st.APIKey(ctx, "ka")
	if err != nil {
		t.Fatal(err)
	}
	if !sameKey(got, want[1]) {
		t.Errorf("APIKey(ka) = %+v, want %+v", got, want[1])
	}
	list, err := st.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || !sameKey(list[0], want[0]) || !sameKey(list[1], want[1]) {
		t.Errorf("APIKeys = %+v, want %+v", list, want)
	}
	fresh := &store.APIKey{ID: "kc", Party: "p", Hash: []byte{1}}
	if err := st.CreateKey(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if fresh.CreatedAt.IsZero() {
		t.Error("CreatedAt not set by the store")
	}
}

func testKeysRevoke(t *testing.T, st KeyBackend) {
	ctx := context.Background()
	if err := st.CreateKey(ctx, newKey("k1", "p1", keyT0)); err != nil {
		t.Fatal(err)
	}
	at := keyT0.Add(time.Hour)
	if err := st.RevokeKey(ctx, "k1", at); err != nil {
		t.Fatal(err)
	}
	// A second revocation succeeds and keeps the first time.
	if err := st.RevokeKey(ctx, "k1", at.Add(time.Hour)); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	k, err := st.APIKey(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if !k.RevokedAt.Equal(at) {
		t.Errorf("RevokedAt = %v, want %v", k.RevokedAt, at)
	}
	// Revoked keys still count: revoking the last key must not reopen the server.
	if has, err := st.HasKeys(ctx); err != nil || !has {
		t.Errorf("HasKeys after revocation = %v, %v; want true", has, err)
	}
	if err := st.RevokeKey(ctx, "nope", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v, want ErrNotFound", err)
	}
}

func sameKey(a, b *store.APIKey) bool {
	return a.ID == b.ID && a.Party == b.Party && a.Name == b.Name && a.CreatedAt.Equal(b.CreatedAt) &&
		a.RevokedAt.Equal(b.RevokedAt) && bytes.Equal(a.Hash, b.Hash) && a.Role == b.Role && a.RateLimit == b.RateLimit
}

// testKeysRoleAndRateLimit: a key's role and quota come back from a lookup
// and from the listing; a plain key has neither.
func testKeysRoleAndRateLimit(t *testing.T, st KeyBackend) {
	ctx := context.Background()
	op := newKey("op", "https://id.gs1.org/417/4012345000009", keyT0)
	op.Role, op.RateLimit = "operator", 120
	plain := newKey("pl", "https://id.gs1.org/417/0614141000012", keyT0.Add(time.Second))
	for _, k := range []*store.APIKey{op, plain} {
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []*store.APIKey{op, plain} {
		got, err := st.APIKey(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameKey(got, want) {
			t.Errorf("APIKey(%s) = %+v, want %+v", want.ID, got, want)
		}
	}
	list, err := st.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Role != "operator" || list[0].RateLimit != 120 || list[1].Role != "" || list[1].RateLimit != 0 {
		t.Errorf("APIKeys = %+v", list)
	}
}
