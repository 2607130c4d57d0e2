package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/lotline/lotline/store/mongo/mongotest"
)

// keysCmd runs `lotline keys ARGS...` and returns its stdout and stderr.
func keysCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"keys"}, args...), func(string) string { return "" }, nil, &out, &errb)
	return out.String(), errb.String(), err
}

func TestKeysCommand(t *testing.T) {
	stores := map[string][]string{
		"sqlite": {"--data", t.TempDir()},
		"mongo":  {"--store", mongotest.Start(t)},
	}
	for name, where := range stores {
		t.Run(name, func(t *testing.T) {
			key, msg, err := keysCmd(t, append([]string{"create", "--party", "urn:epc:id:pgln:4012345.00000", "--name", "buyer app"}, where...)...)
			if err != nil {
				t.Fatalf("create: %v\n%s", err, msg)
			}
			key = strings.TrimSpace(key)
			if !strings.HasPrefix(key, "ll_") || strings.Count(key, "\n") != 0 || !strings.Contains(msg, "only this once") {
				t.Fatalf("create printed %q, %q", key, msg)
			}
			id := strings.Split(key, "_")[1]
			list, _, err := keysCmd(t, append([]string{"list"}, where...)...)
			if err != nil {
				t.Fatal(err)
			}
			secret := key[len("ll_"+id+"_"):]
			if !strings.Contains(list, id) || !strings.Contains(list, "https://id.gs1.org/417/4012345000009") ||
				!strings.Contains(list, "buyer app") || strings.Contains(list, secret) {
				t.Errorf("list:\n%s", list)
			}
			// Flags may follow the key ID.
			if _, msg, err := keysCmd(t, append([]string{"revoke", id}, where...)...); err != nil {
				t.Fatalf("revoke: %v %s", err, msg)
			}
			list, _, _ = keysCmd(t, append([]string{"list"}, where...)...)
			if line := lineWith(list, id); strings.HasSuffix(strings.TrimSpace(line), "-") {
				t.Errorf("revoked key listed as valid: %q", line)
			}
			if _, _, err := keysCmd(t, append([]string{"revoke", "0123456789abcdef"}, where...)...); err == nil {
				t.Error("revoking an unknown key succeeded")
			}
			// An operator key with its own quota.
			opKey, msg, err := keysCmd(t, append([]string{"create", "--party", "4012345000009", "--role", "operator", "--rate", "120"}, where...)...)
			if err != nil || !strings.Contains(msg, "operator key") {
				t.Fatalf("create --role operator: %v %s", err, msg)
			}
			list, _, _ = keysCmd(t, append([]string{"list"}, where...)...)
			if line := lineWith(list, strings.Split(opKey, "_")[1]); !strings.Contains(line, "operator") || !strings.Contains(line, "120/min") {
				t.Errorf("operator key listed as %q", line)
			}
		})
	}
	bad := [][]string{
		{},
		{"rotate"},
		{"create", "--data", t.TempDir()}, // no party
		{"create", "--data", t.TempDir(), "--party", "alice"}, // not a GLN
		{"create", "--data", t.TempDir(), "--party", "urn:epc:id:sgtin:4012345.011111.1"},
		{"revoke", "--data", t.TempDir()},
		{"list", "extra", "--data", t.TempDir()},
		{"create", "--data", t.TempDir(), "--party", "4012345000009", "--role", "root"},
		{"create", "--data", t.TempDir(), "--party", "4012345000009", "--rate", "-1"},
	}
	for _, args := range bad {
		var ee *exitError
		if _, _, err := keysCmd(t, args...); !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("keys %q: %v, want a usage error", args, err)
		}
	}
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func TestServeSecureDefault(t *testing.T) {
	start := func(args ...string) (*server, string, error) {
		t.Helper()
		c, err := parseServe(args, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var logb bytes.Buffer
		srv, err := startServer(context.Background(), c, slog.New(slog.NewTextHandler(&logb, nil)))
		if srv != nil {
			t.Cleanup(func() { srv.close(context.Background()) })
		}
		return srv, logb.String(), err
	}
	if c, _ := parseServe(nil, func(string) string { return "" }, io.Discard); c.Addr != "127.0.0.1:8080" {
		t.Errorf("default --addr = %q, want loopback", c.Addr)
	}
	// Open mode on loopback, and it says so.
	if _, log, err := start("--addr", "127.0.0.1:0", "--data", t.TempDir()); err != nil || !strings.Contains(log, "open single-party mode") {
		t.Errorf("loopback without keys: %v\n%s", err, log)
	}
	// Any other address needs authentication or the explicit opt-out.
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		_, _, err := start("--addr", addr, "--data", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "--insecure-no-auth") {
			t.Errorf("%s without keys: %v, want a refusal naming the options", addr, err)
		}
	}
	srv, log, err := start("--addr", "0.0.0.0:0", "--data", t.TempDir(), "--insecure-no-auth")
	if err != nil || !strings.Contains(log, "INSECURE") {
		t.Fatalf("--insecure-no-auth: %v\n%s", err, log)
	}
	if r, err := http.Get("http://" + strings.Replace(srv.Addr, "0.0.0.0", "127.0.0.1", 1) + "/events"); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("insecure server: %v %v", r, err)
	}
	// With a key, 0.0.0.0 is fine and credentials are required.
	dir := t.TempDir()
	key, _, err := keysCmd(t, "create", "--data", dir, "--party", "4012345000009")
	if err != nil {
		t.Fatal(err)
	}
	srv, log, err = start("--addr", "0.0.0.0:0", "--data", dir)
	if err != nil || !strings.Contains(log, "authentication required") {
		t.Fatalf("with a key: %v\n%s", err, log)
	}
	base := "http://" + strings.Replace(srv.Addr, "0.0.0.0", "127.0.0.1", 1)
	if r, err := http.Get(base + "/events"); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %v %v", r, err)
	}
	req, _ := http.NewRequest("GET", base+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(key))
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("with the key: %v %v", r, err)
	}
	// JWT flags must come together.
	if _, _, err := start("--addr", "127.0.0.1:0", "--data", t.TempDir(), "--jwt-issuer", "x"); err == nil {
		t.Error("--jwt-issuer without --jwt-keys accepted")
	}
}
