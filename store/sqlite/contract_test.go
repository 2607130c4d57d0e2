package sqlitestore_test

import (
	"context"
	"testing"

	"github.com/lotline/lotline/store"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
	"github.com/lotline/lotline/store/storetest"
)

// TestContract runs the backend contract suite on SQLite.
func TestContract(t *testing.T) {
	storetest.RunSuite(t, storetest.Suite{
		New: func(t *testing.T) storetest.Opener {
			dir := t.TempDir()
			return func(t *testing.T) store.Store {
				s, err := sqlitestore.Open(context.Background(), dir)
				if err != nil {
					t.Fatalf("sqlitestore.Open: %v", err)
				}
				return s
			}
		},
	})
}

// TestSubscriptionContract runs the subscription contract on SQLite.
func TestSubscriptionContract(t *testing.T) {
	storetest.RunSubscriptions(t, func(t *testing.T) storetest.SubscriptionBackend {
		s, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("sqlitestore.Open: %v", err)
		}
		return s
	})
}

// TestKeyContract runs the API key contract on SQLite.
func TestKeyContract(t *testing.T) {
	storetest.RunKeys(t, func(t *testing.T) storetest.KeyBackend {
		s, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("sqlitestore.Open: %v", err)
		}
		return s
	})
}

// TestAuditContract runs the audit log contract on SQLite.
func TestAuditContract(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) storetest.AuditBackend {
		s, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("sqlitestore.Open: %v", err)
		}
		return s
	})
}

// TestSharingContract runs the sharing-rule contract on SQLite.
func TestSharingContract(t *testing.T) {
	storetest.RunSharing(t, func(t *testing.T) storetest.SharingBackend {
		s, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("sqlitestore.Open: %v", err)
		}
		return s
	})
}

// TestSecretContract runs the shared-secret contract on SQLite, without
// the second-server case: an SQLite store belongs to one process.
func TestSecretContract(t *testing.T) {
	storetest.RunSecrets(t, func(t *testing.T) storetest.SecretBackend {
		s, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("sqlitestore.Open: %v", err)
		}
		return s
	}, nil)
}
