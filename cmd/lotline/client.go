package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The client commands (query, capture, trace, recall) talk to a running
// server through one client, set up from the same connection flags.

// defaultServerURL is where a client command looks for a server when
// neither --url nor $LOTLINE_URL says.
const defaultServerURL = "http://localhost:8080"

// connFlags are the connection flags every client command takes.
type connFlags struct {
	URL     string
	Key     string
	Timeout time.Duration
}

// register adds --url, --key and --timeout to fs, their defaults read
// from $LOTLINE_URL and $LOTLINE_KEY.
func (c *connFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.URL, "url", cmp.Or(getenv("LOTLINE_URL"), defaultServerURL), "base URL of the Lotline server ($LOTLINE_URL)")
	// The key's default is not shown in -h: it is a secret.
	c.Key = getenv("LOTLINE_KEY")
	fs.Func("key", "API key, sent as Authorization: Bearer KEY (default $LOTLINE_KEY)", func(s string) error {
		c.Key = s
		return nil
	})
	fs.DurationVar(&c.Timeout, "timeout", 2*time.Minute, "bound on each request to the server")
}

// clientFlagSet is the flag set of a client command: usage printed
// before the flags, and the connection flags into conn.
func clientFlagSet(name, usage string, conn *connFlags, getenv func(string) string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	conn.register(fs, getenv)
	return fs
}

// client returns the client the flags describe, or a usage error.
func (c *connFlags) client() (*client, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url: %q is not an http(s) URL", c.URL)
	}
	if c.Timeout <= 0 {
		return nil, fmt.Errorf("--timeout: %v is not positive", c.Timeout)
	}
	if strings.ContainsAny(c.Key, "\r\n") {
		return nil, errors.New("--key: the key holds a line break")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return &client{base: u, key: c.Key, http: &http.Client{Timeout: c.Timeout}}, nil
}

// client is a Lotline (or any EPCIS 2.0 REST) server seen from the CLI.
type client struct {
	base *url.URL
	key  string
	http *http.Client
}

// resolve turns a path (with query) or a URL reference the server gave,
// such as a Link target, into an absolute URL. A path is taken below the
// base URL's own path, so a server behind a path prefix works.
func (c *client) resolve(ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	if r.IsAbs() {
		return r.String(), nil
	}
	if r.Host == "" && strings.HasPrefix(r.Path, "/") && c.base.Path != "" && !strings.HasPrefix(r.Path, c.base.Path+"/") {
		r.Path = c.base.Path + r.Path
		r.RawPath = ""
	}
	return c.base.ResolveReference(r).String(), nil
}

// answer is a successful (2xx) answer, read whole.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
	URL    string // the URL asked
}

// maxAnswer bounds an answer read into memory.
const maxAnswer = 256 << 20

// do sends one request. A non-2xx answer is an error: a *problem when the
// server explains itself in application/problem+json, else an error
// naming the status.
func (c *client) do(ctx context.Context, method, ref, accept, contentType string, body []byte, hdr http.Header) (*answer, error) {
	u, err := c.resolve(ref)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, u, err)
	}
	if len(b) > maxAnswer {
		return nil, fmt.Errorf("%s %s: the answer is larger than %d bytes", method, u, maxAnswer)
	}
	if resp.StatusCode/100 == 2 {
		return &answer{Status: resp.StatusCode, Header: resp.Header, Body: b, URL: u}, nil
	}
	if p := parseProblem(resp.Header.Get("Content-Type"), b); p != nil {
		if p.Status == 0 {
			p.Status = resp.StatusCode
		}
		return nil, p
	}
	return nil, fmt.Errorf("%s %s: %s", method, u, resp.Status)
}

// get is do for a GET.
func (c *client) get(ctx context.Context, ref, accept string) (*answer, error) {
	return c.do(ctx, http.MethodGet, ref, accept, "", nil, nil)
}

// problem is an application/problem+json answer: the EPCIS exception and
// where the fault is (see api.Problem).
type problem struct {
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	Status     int       `json:"status"`
	Detail     string    `json:"detail"`
	Instance   string    `json:"instance"`
	Pointer    string    `json:"pointer"`
	EventIndex *int      `json:"eventIndex"`
	Parameter  string    `json:"parameter"`
	RequestID  string    `json:"requestID"`
	Errors     []problem `json:"errors"`
}

// parseProblem reads a problem+json body, or returns nil when the body is
// not one.
func parseProblem(contentType string, body []byte) *problem {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/problem+json" {
		return nil
	}
	p := &problem{}
	if json.Unmarshal(body, p) != nil || (p.Title == "" && p.Type == "") {
		return nil
	}
	return p
}

// Error is the problem on one line: title, detail and where.
func (p *problem) Error() string {
	s := cmp.Or(p.Title, p.Type, "HTTP "+strconv.Itoa(p.Status))
	if p.Detail != "" && p.Detail != p.Title {
		s += ": " + p.Detail
	}
	if w := p.where(); w != "" {
		s += " (" + w + ")"
	}
	if p.RequestID != "" {
		s += " [request " + p.RequestID + "]"
	}
	return s
}

// where says what the fault is in: the JSON pointer, the event, the
// parameter.
func (p *problem) where() string {
	var parts []string
	if p.Pointer != "" {
		parts = append(parts, "at "+p.Pointer)
	} else if p.EventIndex != nil {
		parts = append(parts, "event "+strconv.Itoa(*p.EventIndex))
	}
	if p.Parameter != "" {
		parts = append(parts, "parameter "+p.Parameter)
	}
	return strings.Join(parts, ", ")
}

// lines is the problem as a reader sees it: its one line, then each of the
// errors it lists on its own line.
func (p *problem) lines() []string {
	out := []string{p.Error()}
	for i := range p.Errors {
		e := &p.Errors[i]
		if e.Error() == p.Error() {
			continue
		}
		out = append(out, "  "+e.Error())
	}
	return out
}

// commandError is a client command's failure, exit status 1; a problem
// answer is printed with all the errors it lists.
func commandError(cmd string, err error) error {
	var p *problem
	if errors.As(err, &p) && len(p.Errors) > 0 {
		return &exitError{1, fmt.Errorf("%s: %s", cmd, strings.Join(p.lines(), "\n"))}
	}
	return &exitError{1, fmt.Errorf("%s: %w", cmd, err)}
}
