package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/lotline/lotline/epcis"
)

// net/http answers a request it cannot parse (headers or URL over
// MaxHeaderBytes, a malformed request line, a missing Host, an unknown
// transfer coding) itself, before any handler runs, with a text/plain
// body written straight to the connection in one Write. ProblemListener
// wraps the listener so that those answers leave as problem+json like
// every other error: the connection recognises net/http's literal answer
// and writes the problem in its place.
//
// The recognition is exact: net/http writes "HTTP/1.1 <code> <text>"
// followed at once by netHTTPErrorHeaders, a header block no handler's
// answer can have (Go writes Date and sorts headers for those).

// netHTTPErrorHeaders is what net/http (server.go, errorHeaders) puts
// after the status line of the answers it writes itself.
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// MaxHeaderBytes is the request line and headers a server should accept
// (http.Server.MaxHeaderBytes; net/http allows 4 KiB above it).
const MaxHeaderBytes = 64 << 10

// ProblemListener returns ln whose connections turn net/http's own
// plain-text error answers into application/problem+json. Wrap the
// listener given to http.Server.Serve, under any TLS listener's
// tls.NewListener only if the server does not terminate TLS itself (the
// plain text is written to the TLS connection, above the wrapped one).
func ProblemListener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

type problemConn struct {
	net.Conn
}

func (c *problemConn) Write(b []byte) (int, error) {
	if p, ok := rewriteNetHTTPError(b); ok {
		if _, err := c.Conn.Write(p); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// rewriteNetHTTPError returns the problem+json answer for one of
// net/http's own error answers, or ok false for anything else.
func rewriteNetHTTPError(b []byte) ([]byte, bool) {
	rest, found := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !found || len(rest) < 4 || rest[3] != ' ' {
		return nil, false
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil || code < 400 || code > 599 {
		return nil, false
	}
	line, body, found := bytes.Cut(rest, []byte(netHTTPErrorHeaders))
	if !found || bytes.Contains(line, []byte("\r\n")) {
		return nil, false
	}
	return problemAnswer(code, string(body)), true
}

// problemAnswer is a whole HTTP/1.1 answer, closing the connection, for a
// request net/http refused before routing.
func problemAnswer(code int, text string) []byte {
	var e *epcis.Error
	switch code {
	case http.StatusRequestHeaderFieldsTooLarge:
		e = epcis.Errorf(epcis.KindHeadersTooLarge, "the request line and headers are larger than the server accepts (%d bytes)", MaxHeaderBytes)
	case http.StatusNotImplemented:
		e = epcis.Errorf(epcis.KindValidation, "unsupported transfer encoding")
		e.Param = "Transfer-Encoding"
	default:
		e = epcis.Errorf(epcis.KindValidation, "malformed HTTP request: %s", text)
	}
	p := problemOf(e)
	p.Status = code // the kind's status may differ (501): keep net/http's
	body, _ := json.Marshal(p)
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		code, http.StatusText(code), len(body), body)
}
