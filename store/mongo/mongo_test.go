package mongostore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
	"github.com/lotline/lotline/store/storetest"
)

// dbSeq names a fresh database per store on one shared FerretDB.
var dbSeq atomic.Int64

// withDB returns uri with its path replaced by a new database name.
func withDB(t testing.TB, uri string) string {
	t.Helper()
	u, err := parseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/t%d", dbSeq.Add(1))
	return u.String()
}

func openStore(t testing.TB, uri string) *mongostore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := mongostore.Open(ctx, uri, mongostore.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	return s
}

func TestContract(t *testing.T) {
	uri := sharedURI(t)
	storetest.RunSuite(t, storetest.Suite{
		New: func(t *testing.T) storetest.Opener {
			dbURI := withDB(t, uri)
			return func(t *testing.T) store.Store { return openStore(t, dbURI) }
		},
	})
}

func TestKeyContract(t *testing.T) {
	uri := sharedURI(t)
	storetest.RunKeys(t, func(t *testing.T) storetest.KeyBackend {
		return openStore(t, withDB(t, uri))
	})
}

func TestSharingContract(t *testing.T) {
	uri := sharedURI(t)
	storetest.RunSharing(t, func(t *testing.T) storetest.SharingBackend {
		return openStore(t, withDB(t, uri))
	})
}

func TestAuditContract(t *testing.T) {
	uri := sharedURI(t)
	storetest.RunAudit(t, func(t *testing.T) storetest.AuditBackend {
		return openStore(t, withDB(t, uri))
	})
}

func TestSubscriptionContract(t *testing.T) {
	uri := sharedURI(t)
	storetest.RunSubscriptions(t, func(t *testing.T) storetest.SubscriptionBackend {
		return openStore(t, withDB(t, uri))
	})
}

// TestSecretContract runs the shared-secret contract on MongoDB, with a
// second client on the same database standing for a second server.
func TestSecretContract(t *testing.T) {
	uri := sharedURI(t)
	var last string
	storetest.RunSecrets(t, func(t *testing.T) storetest.SecretBackend {
		last = withDB(t, uri)
		return openStore(t, last)
	}, func(t *testing.T) storetest.SecretBackend { return openStore(t, last) })
}
