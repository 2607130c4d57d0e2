package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseServeFlagsAndEnv(t *testing.T) {
	env := map[string]string{"LOTLINE_ADDR": "127.0.0.1:9999", "LOTLINE_MAX_EVENTS": "77", "LOTLINE_DATA": "/tmp/x"}
	c, err := parseServe([]string{"--data", "/tmp/y"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.MaxEvents != 77 || c.Data != "/tmp/y" {
		t.Errorf("config %+v: env must set defaults and flags must win", c)
	}
	for _, args := range [][]string{{"--max-events", "0"}, {"--addr", "nonsense"}, {"--read-timeout", "soon"}, {"extra"}} {
		if _, err := parseServe(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("parseServe(%q) accepted", args)
		}
	}
}

// TestServeStartsAndTimesOutSlowClients starts the real server on port 0
// and checks that a client that sends its body too slowly is cut off while
// others are served.
func TestServeStartsAndTimesOutSlowClients(t *testing.T) {
	c, err := parseServe([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--read-timeout", "500ms"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close(context.Background())

	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /capture HTTP/1.1\r\nHost: x\r\nContent-Type: application/ld+json\r\nContent-Length: 100000\r\n\r\n{\"type\":")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("slow client got %d %s", resp.StatusCode, b)
		}
	} else if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("slow client: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slow client held for %v", d)
	}
	r, err := http.Get("http://" + srv.Addr + "/healthz")
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("server not serving after a slow client: %v", err)
	}
	r.Body.Close()
}
