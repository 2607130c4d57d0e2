package capture_test

import (
	"context"
	"testing"
	"time"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/schemas"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// TestCloseReturnsWithSweeper checks that a service on a shared store (with
// its heartbeat sweeper running) shuts down.
func TestCloseReturnsWithSweeper(t *testing.T) {
	st, err := sqlitestore.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs := capture.New(st, schemas.MustCompile(), capture.Config{SharedStore: true, AbandonAfter: 40 * time.Millisecond}, nil, capture.Hooks{})
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the sweeper run once
	done := make(chan struct{})
	go func() { cs.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
}
