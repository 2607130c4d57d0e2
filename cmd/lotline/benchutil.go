package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis/epcisgen"
)

// Helpers shared by the benchmarks that load generated events into an
// in-process server and then time GET requests (bench query, bench trace).

// startBenchServer starts an in-process server on a random local port
// with its data in dir, sized for documents of eventsPerDoc events sent
// by clients concurrent clients.
func startBenchServer(ctx context.Context, dir string, eventsPerDoc, clients int, stderr io.Writer) (*server, error) {
	sargs := []string{"--addr", "127.0.0.1:0", "--data", dir,
		"--max-events", strconv.Itoa(max(eventsPerDoc, capture.DefaultConfig.MaxEvents)),
		"--queue", strconv.Itoa(max(2*clients, capture.DefaultConfig.Queue)),
		"--max-body", strconv.FormatInt(max(int64(eventsPerDoc)*8<<10, api.DefaultConfig.MaxBodyBytes), 10),
		"--log-level", "warn"}
	sc, err := parseServe(sargs, func(string) string { return "" }, stderr)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return startServer(ctx, sc, log)
}

// loadSpec is what loadGenerated captures: Events events of Gen in
// documents of EventsPerDoc, sent by Clients clients; OnDoc, if set, sees
// every document (in order, before it is sent).
type loadSpec struct {
	Gen                           *epcisgen.Generator
	Events, EventsPerDoc, Clients int
	OnDoc                         func(map[string]any)
}

// loadGenerated captures generated events through POST /capture and
// returns the wall time and the number of failed jobs; the first failure
// stops the load.
func loadGenerated(ctx context.Context, l loadSpec, base string, stdout io.Writer) (time.Duration, int, error) {
	gen := l.Gen
	type doc struct {
		body   []byte
		events int
	}
	docs := make(chan doc, 2*l.Clients)
	genErr := make(chan error, 1)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(docs)
		for left := l.Events; left > 0; {
			n := min(left, l.EventsPerDoc)
			left -= n
			m := gen.Document(n)
			if l.OnDoc != nil {
				l.OnDoc(m)
			}
			b, err := json.Marshal(m)
			if err != nil {
				genErr <- err
				return
			}
			select {
			case docs <- doc{b, n}:
			case <-lctx.Done():
				return
			}
		}
		genErr <- nil
	}()

	tr := &http.Transport{MaxIdleConnsPerHost: 2 * l.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failed   int
		firstErr error
		stored   int
	)
	start := time.Now()
	progress := time.NewTicker(30 * time.Second)
	defer progress.Stop()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-progress.C:
				mu.Lock()
				n := stored
				mu.Unlock()
				fmt.Fprintf(stdout, "loading:      %d events after %s\n", n, time.Since(start).Round(time.Second))
			}
		}
	}()
	for range l.Clients {
		wg.Go(func() {
			for d := range docs {
				err := captureOne(lctx, hc, base, d.body, d.events, 5*time.Millisecond)
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
						cancel() // a failed load measures nothing
					}
				} else {
					stored += d.events
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	close(done)
	if firstErr != nil {
		return wall, failed, fmt.Errorf("bench: loading: %w", firstErr)
	}
	if err := <-genErr; err != nil {
		return wall, failed, err
	}
	if err := ctx.Err(); err != nil {
		return wall, failed, err
	}
	return wall, failed, nil
}
