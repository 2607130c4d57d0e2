package conformance

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// wsConn is the reading half of a WebSocket (RFC 6455) client connection:
// enough for the kit to receive what a query subscription sends.
type wsConn struct {
	rw io.ReadWriteCloser
	r  *bufio.Reader
}

// errNoUpgrade marks a server that answered the handshake without
// switching protocols.
var errNoUpgrade = errors.New("no WebSocket upgrade")

// dialWS opens a WebSocket on path (relative to the base URL).
func (c *Client) dialWS(ctx context.Context, path string) (*wsConn, *http.Response, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", key)
	// The kit's client has an overall timeout that would cut the stream;
	// the context bounds it instead.
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
		return nil, resp, errNoUpgrade
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != base64.StdEncoding.EncodeToString(sum[:]) {
		resp.Body.Close()
		return nil, resp, fmt.Errorf("101 with Sec-WebSocket-Accept %q, not the one RFC 6455 derives from the key", got)
	}
	rw, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return nil, resp, errors.New("101 answer without a usable connection")
	}
	return &wsConn{rw: rw, r: bufio.NewReader(rw)}, resp, nil
}

// next returns the next whole text or binary message; pings and pongs are
// skipped, a close frame is an error.
func (w *wsConn) next() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.r, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(w.r, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(w.r, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if h[1]&0x80 != 0 {
			return nil, errors.New("the server sent a masked frame (RFC 6455 §5.1 forbids it)")
		}
		if n > 64<<20 {
			return nil, fmt.Errorf("a frame of %d bytes", n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(w.r, payload); err != nil {
			return nil, err
		}
		switch op {
		case 0x8:
			return nil, fmt.Errorf("the server closed the WebSocket: %q", payload)
		case 0x9, 0xA:
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}

func (w *wsConn) Close() error { return w.rw.Close() }

// websocketStream subscribes to a named query over a WebSocket with
// stream=true, captures a matching event and waits for it.
func websocketStream(ctx context.Context, c *Client) error {
	f := newFixture(c)
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_readPoint": []any{f.rp}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ws, resp, err := c.dialWS(ctx, "/queries/"+url.PathEscape(name)+"/events?stream=true")
	if errors.Is(err, errNoUpgrade) {
		return Skip("GET /queries/{name}/events with Upgrade: websocket answered %d: no WebSocket subscriptions", resp.StatusCode)
	}
	if err != nil {
		return err
	}
	defer ws.Close()
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	e := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	for {
		msg, err := ws.next()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("no message holding the captured event %s within 20s", eventID(e))
			}
			return err
		}
		if strings.Contains(string(msg), eventID(e)) {
			if !strings.Contains(string(msg), "EPCISQueryDocument") {
				return fmt.Errorf("the message with the event is not an EPCISQueryDocument: %s", snippet(msg))
			}
			return nil
		}
	}
}
