package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to the server under test. Cases use it for every request.
type Client struct {
	base *url.URL
	http *http.Client
	ids  *IDs
	// examples is the directory of example documents given to the run, if any.
	examples string
	// jobWait bounds how long Capture polls a capture job.
	jobWait time.Duration
}

// NewClient returns a client for the server at base (e.g.
// "http://localhost:8080" or "https://host/epcis"), with identifiers fresh
// to this run.
func NewClient(base string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("conformance: %q is not an http(s) URL", base)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: u, http: hc, ids: NewIDs(), jobWait: 30 * time.Second}, nil
}

// IDs returns the run's generator of fresh identifiers.
func (c *Client) IDs() *IDs { return c.ids }

// Response is a whole HTTP answer, body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL
}

// Request is one HTTP request of a case.
type Request struct {
	Method string
	// Path is relative to the base URL ("/events?x=y"), or an absolute URL
	// (a Location or Link the server returned).
	Path   string
	Header map[string]string
	Body   []byte
	// ContentType defaults to application/json when Body is set.
	ContentType string
}

// Do sends r and reads the whole answer.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	u, err := c.resolve(r.Path)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if _, ok := r.Header["Accept"]; !ok {
		req.Header.Set("Accept", "application/json, application/ld+json, application/problem+json")
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", r.Method, u.Redacted(), err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b, URL: u}, nil
}

// resolve turns a path into a URL: an absolute URL is kept, a path is
// taken relative to the base URL (unless it already starts with the base
// path, as a Location header may).
func (c *Client) resolve(p string) (*url.URL, error) {
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		return url.Parse(p)
	}
	prefix := strings.TrimSuffix(c.base.EscapedPath(), "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if prefix != "" && (p == prefix || strings.HasPrefix(p, prefix+"/")) {
		prefix = ""
	}
	return url.Parse(c.base.Scheme + "://" + c.base.Host + prefix + p)
}

// Get is a GET with optional headers (pairs of name, value).
func (c *Client) Get(ctx context.Context, path string, hdr ...string) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: path, Header: pairs(hdr)})
}

// PostJSON posts v (marshalled unless it already is []byte) as JSON.
func (c *Client) PostJSON(ctx context.Context, path string, v any, hdr ...string) (*Response, error) {
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: path, Body: b, Header: pairs(hdr)})
}

func pairs(kv []string) map[string]string {
	if len(kv)%2 != 0 {
		panic("conformance: odd number of header strings")
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("%s: answer %d is not the JSON expected: %v (body %s)", r.URL.Path, r.Status, err, snippet(r.Body))
	}
	return nil
}

// Problem is an RFC 7807 problem answer.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// ExpectStatus fails unless the answer has one of the statuses.
func (r *Response) ExpectStatus(want ...int) error {
	for _, w := range want {
		if r.Status == w {
			return nil
		}
	}
	return fmt.Errorf("%s %s: status %d, want %v (body %s)", "answer of", r.URL.Path, r.Status, want, snippet(r.Body))
}

// ExpectProblem checks an error answer: the status, an
// application/problem+json body, and a type naming the EPCIS exception
// (epcisException:Name, or any URI ending in Name).
func (r *Response) ExpectProblem(status int, exception string) error {
	if err := r.ExpectStatus(status); err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Errorf("%s: status %d with Content-Type %q, want application/problem+json", r.URL.Path, status, ct)
	}
	var p Problem
	if err := r.JSON(&p); err != nil {
		return err
	}
	if exception != "" && !exceptionIs(p.Type, exception) {
		return fmt.Errorf("%s: problem type %q, want epcisException:%s", r.URL.Path, p.Type, exception)
	}
	if p.Status != 0 && p.Status != status {
		return fmt.Errorf("%s: problem status %d differs from the HTTP status %d", r.URL.Path, p.Status, status)
	}
	return nil
}

// exceptionIs accepts the compact form the OpenAPI uses and full IRIs of
// the same exception.
func exceptionIs(typ, name string) bool {
	return typ == "epcisException:"+name || strings.HasSuffix(typ, "/"+name) || strings.HasSuffix(typ, "#"+name) || strings.HasSuffix(typ, ":"+name)
}

// Job is a capture job as the OpenAPI's CaptureJob schema describes it.
type Job struct {
	CaptureID             string            `json:"captureID"`
	Running               bool              `json:"running"`
	Success               bool              `json:"success"`
	CaptureErrorBehaviour string            `json:"captureErrorBehaviour"`
	Errors                []json.RawMessage `json:"errors"`
	ErrorFile             string            `json:"errorFile"`
	CreatedAt             string            `json:"createdAt"`
	FinishedAt            string            `json:"finishedAt"`
}

// captureRefused is the error of Capture when the server answered
// POST /capture with something else than 202.
type captureRefused struct{ resp *Response }

func (e *captureRefused) Error() string {
	return fmt.Sprintf("POST /capture answered %d: %s", e.resp.Status, snippet(e.resp.Body))
}

// StartCapture posts an EPCIS document to /capture and returns the answer,
// which for an accepted document is 202 with the job's Location.
func (c *Client) StartCapture(ctx context.Context, doc any, hdr ...string) (*Response, error) {
	return c.PostJSON(ctx, "/capture", doc, hdr...)
}

// WaitJob polls the capture job at loc until it stops running.
func (c *Client) WaitJob(ctx context.Context, loc string) (*Job, error) {
	deadline := time.Now().Add(c.jobWait)
	delay := 10 * time.Millisecond
	for {
		r, err := c.Get(ctx, loc)
		if err != nil {
			return nil, err
		}
		if err := r.ExpectStatus(http.StatusOK); err != nil {
			return nil, fmt.Errorf("GET capture job %s: %w", loc, err)
		}
		var j Job
		if err := r.JSON(&j); err != nil {
			return nil, err
		}
		if !j.Running {
			return &j, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("capture job %s still running after %s", loc, c.jobWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 500*time.Millisecond)
	}
}

// Capture captures doc through /capture and waits for the job to succeed.
// Cases that build on captured data use it; a failure here fails them.
func (c *Client) Capture(ctx context.Context, doc any, hdr ...string) error {
	r, err := c.StartCapture(ctx, doc, hdr...)
	if err != nil {
		return err
	}
	if r.Status != http.StatusAccepted {
		return fmt.Errorf("capture: %w", &captureRefused{r})
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return errors.New("capture: 202 without a Location header")
	}
	j, err := c.WaitJob(ctx, loc)
	if err != nil {
		return err
	}
	if !j.Success {
		return fmt.Errorf("capture job %s failed: %s", loc, rawList(j.Errors))
	}
	return nil
}

func rawList(m []json.RawMessage) string {
	var parts []string
	for _, r := range m {
		parts = append(parts, snippet(r))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// QueryDoc is the part of an EPCISQueryDocument the kit reads.
type QueryDoc struct {
	Type      string `json:"type"`
	EPCISBody struct {
		QueryResults struct {
			QueryName      string `json:"queryName"`
			SubscriptionID string `json:"subscriptionID"`
			ResultsBody    struct {
				EventList []map[string]any `json:"eventList"`
			} `json:"resultsBody"`
		} `json:"queryResults"`
	} `json:"epcisBody"`
}

// Events returns the events of a query document answer.
func (r *Response) Events() ([]map[string]any, error) {
	var d QueryDoc
	if err := r.JSON(&d); err != nil {
		return nil, err
	}
	if d.Type != "EPCISQueryDocument" {
		return nil, fmt.Errorf("%s: type %q, want EPCISQueryDocument", r.URL.Path, d.Type)
	}
	return d.EPCISBody.QueryResults.ResultsBody.EventList, nil
}

// Page is one page of events and the link to the next.
type Page struct {
	Events []map[string]any
	Next   string
	Resp   *Response
}

// QueryPage fetches one page of events.
func (c *Client) QueryPage(ctx context.Context, path string, hdr ...string) (*Page, error) {
	r, err := c.Get(ctx, path, hdr...)
	if err != nil {
		return nil, err
	}
	if err := r.ExpectStatus(http.StatusOK); err != nil {
		return nil, err
	}
	ev, err := r.Events()
	if err != nil {
		return nil, err
	}
	return &Page{Events: ev, Next: nextLink(r.Header), Resp: r}, nil
}

// QueryAll fetches every page of events from path, following Link
// rel="next", and fails on more than maxPages pages.
func (c *Client) QueryAll(ctx context.Context, path string, hdr ...string) ([]map[string]any, error) {
	var all []map[string]any
	for n := 0; path != ""; n++ {
		if n == 1000 {
			return nil, errors.New("more than 1000 pages: the server's Link rel=next never ends")
		}
		p, err := c.QueryPage(ctx, path, hdr...)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Events...)
		path = p.Next
	}
	return all, nil
}

// Events runs a query over /events with the parameters and returns all
// matching events (every page).
func (c *Client) Events(ctx context.Context, q url.Values, hdr ...string) ([]map[string]any, error) {
	return c.QueryAll(ctx, "/events?"+encodeQuery(q), hdr...)
}

// encodeQuery encodes parameters keeping '|' and ':' readable; the
// standard separates several values of one parameter with '|'.
func encodeQuery(q url.Values) string {
	s := q.Encode()
	s = strings.ReplaceAll(s, "%7C", "|")
	return strings.ReplaceAll(s, "%3A", ":")
}

// nextLink returns the URL of a Link header's rel="next", or "".
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "<") {
				continue
			}
			end := strings.Index(part, ">")
			if end < 0 {
				continue
			}
			for _, attr := range strings.Split(part[end+1:], ";") {
				attr = strings.ReplaceAll(strings.TrimSpace(attr), " ", "")
				if attr == `rel="next"` || attr == "rel=next" {
					return part[1:end]
				}
			}
		}
	}
	return ""
}
