package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/lotline/lotline/store"
)

// SecretBackend is a store that also keeps shared secrets.
type SecretBackend interface {
	store.Store
	store.SecretStore
}

// RunSecrets runs the shared-secret part of the contract. open must
// return a fresh, empty store at each call; second, when not nil, opens
// another handle on the store open returned last (a second server on the
// same database), and the test checks the two agree.
func RunSecrets(t *testing.T, open func(t *testing.T) SecretBackend, second func(t *testing.T) SecretBackend) {
	tests := []struct {
		name string
		run  func(t *testing.T, st SecretBackend)
	}{
		{"FirstWins", testSecretFirstWins},
		{"Concurrent", testSecretConcurrent},
		{"SecondServer", func(t *testing.T, st SecretBackend) {
			if second == nil {
				t.Skip("storetest: no second handle on the store")
			}
			got, err := st.Secret(ctxT(t), "shared", []byte("first handle"))
			if err != nil {
				t.Fatal(err)
			}
			other := second(t)
			t.Cleanup(func() { _ = other.Close() })
			if v, err := other.Secret(ctxT(t), "shared", []byte("second handle")); err != nil || !bytes.Equal(v, got) {
				t.Errorf("second handle: Secret = %q, %v; want %q", v, err, got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() { _ = st.Close() })
			tc.run(t, st)
		})
	}
}

func testSecretFirstWins(t *testing.T, st SecretBackend) {
	ctx := ctxT(t)
	if _, err := st.Secret(ctx, "k", nil); err == nil {
		t.Error("Secret with an empty fresh value: no error")
	}
	a, err := st.Secret(ctx, "k", []byte("alpha"))
	if err != nil || string(a) != "alpha" {
		t.Fatalf("first Secret = %q, %v; want the fresh value", a, err)
	}
	if b, err := st.Secret(ctx, "k", []byte("beta")); err != nil || string(b) != "alpha" {
		t.Errorf("second Secret = %q, %v; want the stored alpha", b, err)
	}
	if c, err := st.Secret(ctx, "other", []byte("gamma")); err != nil || string(c) != "gamma" {
		t.Errorf("Secret of another name = %q, %v; want its own fresh value", c, err)
	}
	bin := []byte{0, 0xff, 0x80, 0, 1}
	if d, err := st.Secret(ctx, "binary", bin); err != nil || !bytes.Equal(d, bin) {
		t.Errorf("binary secret = %x, %v; want %x", d, err, bin)
	}
	if d, err := st.Secret(ctx, "binary", []byte("x")); err != nil || !bytes.Equal(d, bin) {
		t.Errorf("binary secret read back = %x, %v; want %x", d, err, bin)
	}
}

// testSecretConcurrent: servers starting together on one database all
// end up with the same key.
func testSecretConcurrent(t *testing.T, st SecretBackend) {
	ctx := ctxT(t)
	const n = 8
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = st.Secret(ctx, "race", fmt.Appendf(nil, "fresh-%d", i))
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Errorf("caller %d got %q, caller 0 got %q: callers disagree", i, got[i], got[0])
		}
	}
	if v, err := st.Secret(ctx, "race", []byte("late")); err != nil || !bytes.Equal(v, got[0]) {
		t.Errorf("after the race: %q, %v; want %q", v, err, got[0])
	}
}
