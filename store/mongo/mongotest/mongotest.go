// Package mongotest starts a MongoDB-compatible server inside the test
// process, so that tests of the Mongo backend (and of a whole Lotline
// server on it) need nothing installed.
//
// The server is FerretDB v1 with its SQLite handler, keeping its data in a
// temporary directory of the test. FerretDB is a test double only: it lacks
// transactions, $lookup, partial and TTL indexes and more, and it is slow
// (about 0.25 ms per stored document per query), so keep test data small.
//
// The package is imported by tests only; it owns no production code.
package mongotest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// startTimeout bounds how long Start waits for FerretDB to listen.
const startTimeout = 30 * time.Second

// Start starts an embedded FerretDB for the duration of the test and
// returns its mongodb:// URI with the database path set to db (or to
// "lotline" when db is ""). The server keeps its data in a fresh
// t.TempDir() and is stopped by t.Cleanup.
//
// When the server cannot be started Start fails the test; it never skips,
// so CI cannot pass without running the Mongo tests.
func Start(t testing.TB) (uri string) {
	t.Helper()
	return StartDB(t, "", t.TempDir())
}

// StartDB is Start with an explicit database name and data directory, so
// that a test can stop a server and start a new one on the same data
// (to prove data survives a restart). It returns the server's URI whose
// path names db ("lotline" when db is "").
func StartDB(t testing.TB, db, dir string) (uri string) {
	t.Helper()
	u, stop, err := Run(db, dir)
	if err != nil {
		t.Fatalf("mongotest: starting embedded FerretDB: %v", err)
	}
	t.Cleanup(stop)
	return u
}

// Run starts an embedded FerretDB that keeps its data in dir and listens on
// a free port of 127.0.0.1. It returns the URI (path naming db, default
// "lotline") and a function that stops the server and waits for it. Use it
// outside tests (a benchmark command, a TestMain); tests should prefer
// Start.
func Run(db, dir string) (uri string, stop func(), err error) {
	if db == "" {
		db = "lotline"
	}
	if dir == "" {
		return "", nil, errors.New("mongotest: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("mongotest: %w", err)
	}
	// FerretDB's SQLite URL must name a directory and end with a slash.
	sqliteURL := (&url.URL{Scheme: "file", Opaque: strings.TrimSuffix(dir, "/") + "/"}).String()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return "", nil, fmt.Errorf("mongotest: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// MongoDBURI blocks until the listener is ready; bound the wait so a
	// server that never listens fails the test instead of hanging it.
	got := make(chan string, 1)
	go func() { got <- f.MongoDBURI() }()
	select {
	case uri = <-got:
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("mongotest: FerretDB stopped before listening: %v", err)
	case <-time.After(startTimeout):
		cancel()
		return "", nil, fmt.Errorf("mongotest: FerretDB did not listen within %v", startTimeout)
	}

	u, err := url.Parse(uri)
	if err != nil {
		cancel()
		<-done
		return "", nil, fmt.Errorf("mongotest: FerretDB URI %q: %w", uri, err)
	}
	u.Path = "/" + db

	stop = func() {
		cancel()
		<-done
	}
	return u.String(), stop, nil
}
