package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

func startTestServer(t *testing.T, dir string) *server {
	t.Helper()
	c, err := parseServe([]string{"--addr", "127.0.0.1:0", "--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestBackupDuringCapture captures continuously through a real server,
// runs lotline backup mid-capture, restores the backup into a new data
// directory, starts a server on it and finds every event acknowledged
// before the backup began (capture jobs finished with success, single
// events answered 201), and no document partly.
func TestBackupDuringCapture(t *testing.T) {
	ctx := context.Background()
	dirA := t.TempDir()
	srv := startTestServer(t, dirA)
	base := "http://" + srv.Addr
	rec := &crashRecord{finished: map[string]bool{}}
	cctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var serialMu sync.Mutex
	serial := 0
	for c := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cctx.Err() == nil {
				serialMu.Lock()
				serial++
				n := serial
				serialMu.Unlock()
				if c == 0 {
					postEvent(cctx, base, rec, n)
				} else {
					postDoc(cctx, base, rec, n, 2+n%20)
				}
			}
		}()
	}
	// Wait for some acknowledged captures before the backup.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rec.mu.Lock()
		n, m := len(rec.finished), len(rec.ackEvents)
		rec.mu.Unlock()
		if n >= 10 && m >= 10 {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("only %d jobs and %d events acknowledged in 60s", n, m)
		}
	}
	// Everything acknowledged now must be in the backup.
	rec.mu.Lock()
	var want []string
	jobsBefore := 0
	for _, d := range rec.docs {
		if d.location != "" && rec.finished[d.location] {
			want = append(want, d.ids...)
			jobsBefore++
		}
	}
	want = append(want, rec.ackEvents...)
	acksBefore := len(rec.finished) + len(rec.ackEvents)
	rec.mu.Unlock()

	out := filepath.Join(t.TempDir(), "lotline-backup.db")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", dirA, out}, func(string) string { return "" }, nil, &stdout, &stderr); err != nil {
		cancel()
		t.Fatalf("backup: %v\n%s", err, stderr.String())
	}
	t.Log(strings.TrimSpace(stdout.String()))
	rec.mu.Lock()
	acksDuring := len(rec.finished) + len(rec.ackEvents) - acksBefore
	rec.mu.Unlock()
	time.Sleep(200 * time.Millisecond) // capture goes on after the backup
	cancel()
	wg.Wait()
	if err := srv.close(ctx); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	t.Logf("%d events of %d jobs and single events acknowledged before the backup; %d acknowledgements while it ran; %d documents sent in all",
		len(want), jobsBefore, acksDuring, len(rec.docs))
	rec.mu.Unlock()

	dirB := filepath.Join(t.TempDir(), "restored")
	stdout.Reset()
	if err := run(ctx, []string{"restore", out, "--data", dirB}, func(string) string { return "" }, nil, &stdout, &stderr); err != nil {
		t.Fatalf("restore: %v\n%s", err, stderr.String())
	}
	if err := run(ctx, []string{"restore", out, "--data", dirB}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--force") {
		t.Errorf("second restore without --force: %v", err)
	}
	srvB := startTestServer(t, dirB)
	defer srvB.close(ctx)
	baseB := "http://" + srvB.Addr
	for _, id := range want {
		if !visible(t, baseB, id) {
			t.Errorf("event %s, acknowledged before the backup, is not in the restored store", id)
		}
	}
	// The backup is one commit's state: no document is in it partly.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, d := range rec.docs {
		n := 0
		for _, id := range d.ids {
			if visible(t, baseB, id) {
				n++
			}
		}
		if n != 0 && n != len(d.ids) {
			t.Errorf("document %s is partly in the backup: %d of %d events", d.location, n, len(d.ids))
		}
	}
}

// TestServeRefusesNewerSchema: lotline serve on a database a newer
// release migrated stops with one line saying so.
func TestServeRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	srv := startTestServer(t, dir)
	srv.close(context.Background())
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlitestore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, sqlitestore.SchemaVersion+7))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("serve started on a newer database")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, fmt.Sprintf("schema version %d, newer than the %d", sqlitestore.SchemaVersion+7, sqlitestore.SchemaVersion)) {
		t.Errorf("serve's error = %q", msg)
	}
}
