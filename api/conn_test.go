package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/schemas"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

// startProblemServer runs the API as lotline serve does: MaxHeaderBytes,
// a read timeout and the ProblemListener, plus a route that panics.
func startProblemServer(t *testing.T) string {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cs := capture.New(st, schemas.MustCompile(), capture.Config{}, nil, capture.Hooks{})
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := New(Config{MaxEventBytes: 1 << 10}, st, cs, nil, nil)
	s.echo.GET("/test-panic", func(echo.Context) error { panic("boom") })
	srv := httptest.NewUnstartedServer(s)
	srv.Listener = ProblemListener(srv.Listener)
	srv.Config.MaxHeaderBytes = MaxHeaderBytes
	srv.Config.ReadTimeout = time.Second
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		cs.Close()
		st.Close()
	})
	return srv.Listener.Addr().String()
}

// rawRequest sends req as bytes on a new connection and reads one answer.
// The request is written concurrently: the server may answer (and close)
// before it has read all of an oversized one.
func rawRequest(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	go io.WriteString(c, req)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestEveryErrorIsProblemJSON covers the errors answered before a handler
// runs (by net/http, the router, the middleware) as well as by one.
func TestEveryErrorIsProblemJSON(t *testing.T) {
	addr := startProblemServer(t)
	big := strings.Repeat("a", 100<<10)
	cases := []struct {
		name   string
		req    string
		status int
		typ    string
	}{
		{"100 KB URL", "GET /events?eventID=" + big + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "epcisException:ValidationException"},
		{"100 KB header", "GET /events HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431, "epcisException:ValidationException"},
		{"many headers", "GET /events HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: "+strings.Repeat("b", 100)+"\r\n", 1000) + "\r\n", 431, "epcisException:ValidationException"},
		{"no Host", "GET /events HTTP/1.1\r\n\r\n", 400, "epcisException:ValidationException"},
		{"malformed request line", "GET\r\n\r\n", 400, "epcisException:ValidationException"},
		{"bad header line", "GET /events HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "epcisException:ValidationException"},
		{"unknown transfer coding", "POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13\r\n\r\n", 501, "epcisException:ValidationException"},
		{"no such path", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404, "epcisException:NoSuchResourceException"},
		{"method not allowed", "DELETE /events HTTP/1.1\r\nHost: x\r\n\r\n", 405, "epcisException:MethodNotAllowedException"},
		{"panic in a handler", "GET /test-panic HTTP/1.1\r\nHost: x\r\n\r\n", 500, "epcisException:ImplementationException"},
		{"body too large", "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/ld+json\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat(" ", 5000), 413, "epcisException:CaptureLimitExceededException"},
		{"body not sent in time", "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/ld+json\r\nContent-Length: 500\r\n\r\n{", 408, "epcisException:ImplementationException"},
		{"unsupported media type", "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 2\r\n\r\n{}", 415, "epcisException:UnsupportedMediaTypeException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawRequest(t, addr, tc.req)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q: %s", ct, body)
			}
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("not JSON: %v: %s", err, body)
			}
			if p.Type != tc.typ || p.Status != tc.status || p.Title == "" {
				t.Errorf("problem %+v, want type %s status %d", p, tc.typ, tc.status)
			}
		})
	}
}

func TestRewriteNetHTTPErrorLeavesAnswersAlone(t *testing.T) {
	for _, b := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nok",
		"HTTP/1.1 404 Not Found\r\nDate: x\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n",
		"{\"HTTP/1.1 400 x" + netHTTPErrorHeaders,
		"",
	} {
		if _, ok := rewriteNetHTTPError([]byte(b)); ok {
			t.Errorf("rewrote %q", b)
		}
	}
}

// FuzzRewriteNetHTTPError: any write either passes through or becomes a
// whole HTTP answer with a problem+json body.
func FuzzRewriteNetHTTPError(f *testing.F) {
	f.Add([]byte("HTTP/1.1 431 Request Header Fields Too Large" + netHTTPErrorHeaders + "431 Request Header Fields Too Large"))
	f.Add([]byte("HTTP/1.1 400 Bad Request: missing required Host header" + netHTTPErrorHeaders + "400 Bad Request: missing required Host header"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nDate: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, ok := rewriteNetHTTPError(b)
		if !ok {
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(out))), nil)
		if err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.Header.Get("Content-Type") != "application/problem+json" || !json.Valid(body) {
			t.Fatalf("%q: %v", out, err)
		}
	})
}
