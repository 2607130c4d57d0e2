package mongostore_test

import (
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/lotline/lotline/store/mongo/mongotest"
)

func parseURI(s string) (*url.URL, error) { return url.Parse(s) }

// One FerretDB serves every test of the package, each on its own database.
var shared struct {
	once sync.Once
	uri  string
	err  error
	dir  string
	stop func()
}

func sharedURI(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "mongostore-test")
		if shared.err == nil {
			shared.uri, shared.stop, shared.err = mongotest.Run("", shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatalf("starting embedded FerretDB: %v", shared.err)
	}
	return shared.uri
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}
