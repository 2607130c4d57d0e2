package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis/demo"
	"github.com/lotline/lotline/store"
)

// loadDemo captures the demo scenario (epcis/demo) when the store holds
// no event yet, through the capture service as POST /capture would, and
// waits for each job so the data is there when the server starts
// answering. A store with events is left alone, so restarting with --demo
// never loads twice.
func loadDemo(ctx context.Context, st store.Store, cs *capture.Service, log *slog.Logger) error {
	empty := true
	err := st.Events(ctx, store.Scan{BatchSize: 1}, func(*store.Event) (bool, error) {
		empty = false
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !empty {
		log.Info("demo data skipped: the store already holds events")
		return nil
	}
	owner := api.DefaultConfig.Owner
	n := 0
	for i, doc := range demo.Documents() {
		p, err := cs.Prepare(doc, capture.Rollback, owner)
		if err != nil {
			return fmt.Errorf("demo: document %d: %w", i, err)
		}
		j, err := cs.Submit(ctx, p, owner)
		if err != nil {
			return fmt.Errorf("demo: document %d: %w", i, err)
		}
		if j, err = waitJob(ctx, st, j.ID); err != nil {
			return fmt.Errorf("demo: document %d: %w", i, err)
		}
		if !j.Success {
			return fmt.Errorf("demo: document %d: capture failed: %+v", i, j.Errors)
		}
		n += j.StoredCount
	}
	log.Info(fmt.Sprintf("demo data loaded: %d events; try: lotline trace %s", n, demo.FinishedLot),
		"events", n, "lot", demo.FinishedLot, "recalledLot", demo.RawLot)
	return nil
}

// runDemo is lotline demo: lotline serve --demo on a store in a new
// temporary directory, removed when the server stops, so that trying the
// demo leaves nothing behind. Serve's flags apply (but --data and --demo
// are the demo's).
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	for _, a := range args {
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && (name == "data" || name == "demo") {
			return &exitError{2, fmt.Errorf("demo: --%s is not a flag of lotline demo (use lotline serve --demo --data DIR to keep the data)", name)}
		}
	}
	dir, err := os.MkdirTemp("", "lotline-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	env := func(k string) string {
		if k == "LOTLINE_DATA" || k == "LOTLINE_DEMO" {
			return ""
		}
		return getenv(k)
	}
	fmt.Fprintf(stderr, "lotline demo: a temporary store in %s, removed when the server stops\n", dir)
	return runServe(ctx, append([]string{"--demo", "--data", dir}, args...), env, stdout, stderr)
}

// waitJob polls a capture job until it has finished.
func waitJob(ctx context.Context, st store.Store, id string) (*store.Job, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		j, err := st.Job(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if j != nil && !j.Running {
			return j, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("capture job %s still running after a minute", id)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
