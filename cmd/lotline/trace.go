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
	"slices"
	"strconv"
	"strings"
	"time"
)

// traceConfig is what `lotline trace` can be told.
type traceConfig struct {
	URL       string
	Direction string
	Depth     int
	JSON      bool
	CSV       bool
	Lot       string
	// DepthSet: --depth was given, so the recall is asked for it too
	// (otherwise the server's default applies).
	DepthSet bool
}

func parseTrace(args []string, getenv func(string) string, stderr io.Writer) (*traceConfig, error) {
	c := traceConfig{}
	def := getenv("LOTLINE_URL")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	fs := flag.NewFlagSet("lotline trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lotline trace [flags] LOT\n\nLOT is an LGTIN class URN or a GS1 Digital Link with GTIN and lot.\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.URL, "url", def, "base URL of the Lotline server ($LOTLINE_URL)")
	fs.StringVar(&c.Direction, "direction", "both", "backward, forward or both")
	fs.IntVar(&c.Depth, "depth", 10, "transformations to follow from the lot (1 to 50)")
	fs.BoolVar(&c.JSON, "json", false, "print the server's trace JSON, indented, instead of the tree")
	fs.BoolVar(&c.CSV, "csv", false, "print the lot's recall spreadsheet (GET /lots/{lot}/recall as text/csv) instead of the tree")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	fs.Visit(func(f *flag.Flag) { c.DepthSet = c.DepthSet || f.Name == "depth" })
	var errs []error
	if fs.NArg() != 1 {
		errs = append(errs, fmt.Errorf("trace takes one LOT, got %d arguments", fs.NArg()))
	} else {
		c.Lot = fs.Arg(0)
	}
	switch c.Direction {
	case "backward", "forward", "both":
	default:
		errs = append(errs, fmt.Errorf("--direction: %q is not backward, forward or both", c.Direction))
	}
	if c.Depth < 1 || c.Depth > 50 {
		errs = append(errs, fmt.Errorf("--depth: %d is not from 1 to 50", c.Depth))
	}
	if c.JSON && c.CSV {
		errs = append(errs, errors.New("--json and --csv exclude each other"))
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--url: %q is not an http(s) URL", c.URL))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	c.URL = strings.TrimRight(c.URL, "/")
	return &c, nil
}

// runTrace prints a lot's genealogy as fetched from a running server.
func runTrace(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseTrace(args, getenv, stderr)
	if err != nil {
		return err
	}
	lotPath := c.URL + "/lots/" + url.PathEscape(c.Lot)
	client := &http.Client{Timeout: 2 * time.Minute}
	if c.CSV {
		u := lotPath + "/recall"
		if c.DepthSet {
			u += "?depth=" + strconv.Itoa(c.Depth)
		}
		body, err := traceGet(ctx, client, u, "text/csv")
		if err != nil {
			var pe *problemError
			// A server without the recall answers an unrouted 404, whose
			// detail is exactly this (a lot without events gets a detail
			// naming it), or refuses the text/csv Accept with 406.
			if errors.As(err, &pe) && (pe.Status == http.StatusNotFound && pe.Detail == "no such resource" || pe.Status == http.StatusNotAcceptable) {
				return &exitError{1, fmt.Errorf("trace: the server at %s has no GET /lots/{lot}/recall: the recall spreadsheet is not available on this server version", c.URL)}
			}
			return &exitError{1, fmt.Errorf("trace: %w", err)}
		}
		_, err = stdout.Write(body)
		return err
	}
	q := url.Values{"direction": {c.Direction}, "depth": {strconv.Itoa(c.Depth)}}
	body, err := traceGet(ctx, client, lotPath+"/trace?"+q.Encode(), "application/json")
	if err != nil {
		return &exitError{1, fmt.Errorf("trace: %w", err)}
	}
	if c.JSON {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err != nil {
			return &exitError{1, fmt.Errorf("trace: the server's answer is not JSON: %w", err)}
		}
		buf.WriteByte('\n')
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	var g traceGraph
	if err := json.Unmarshal(body, &g); err != nil {
		return &exitError{1, fmt.Errorf("trace: the server's answer is not a trace: %w", err)}
	}
	_, err = io.WriteString(stdout, g.tree())
	return err
}

// problemError is an application/problem+json answer of the server.
type problemError struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

func (p *problemError) Error() string {
	if p.Detail == "" {
		return p.Title
	}
	return p.Title + ": " + p.Detail
}

// traceGet fetches one resource and turns a non-200 answer into an error,
// a *problemError when the server explains itself.
func traceGet(ctx context.Context, client *http.Client, u, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return body, nil
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/problem+json" {
		p := &problemError{}
		if json.Unmarshal(body, p) == nil && p.Title != "" {
			p.Status = resp.StatusCode
			return nil, p
		}
	}
	return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
}

// traceGraph is the answer of GET /lots/{lot}/trace (see package
// query/lot), read only for what the tree shows.
type traceGraph struct {
	Lot       string `json:"lot"`
	Direction string `json:"direction"`
	Depth     int    `json:"depth"`
	Nodes     []struct {
		Kind  string `json:"kind"`
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"nodes"`
	Edges []traceEdge `json:"edges"`
}

type traceEdge struct {
	Kind     string   `json:"kind"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	EventIDs []string `json:"eventIDs"`
}

// Words for an edge read from the node printed above it: forward along
// the edge, or backward against it.
var (
	forwardWords  = map[string]string{"consumed-into": "went into", "packed-into": "packed into", "shipped-to": "shipped to", "received-at": "received at", "supplied": "supplied"}
	backwardWords = map[string]string{"consumed-into": "made from", "packed-into": "holds", "shipped-to": "shipped from", "received-at": "received from", "supplied": "supplied by"}
	edgeRank      = map[string]int{"consumed-into": 0, "packed-into": 1, "shipped-to": 2, "received-at": 3, "supplied": 4}
)

// tree writes the graph from the lot outwards: what it was made from, then
// where it went. A node is expanded once; later it is marked (see above),
// which also ends cycles.
func (g *traceGraph) tree() string {
	kind, label := map[string]string{}, map[string]string{}
	for _, n := range g.Nodes {
		kind[n.ID], label[n.ID] = n.Kind, cmp.Or(n.Label, n.ID)
	}
	out, in := map[string][]traceEdge{}, map[string][]traceEdge{}
	for _, e := range g.Edges {
		out[e.From] = append(out[e.From], e)
		in[e.To] = append(in[e.To], e)
	}
	name := func(id string) string {
		return cmp.Or(kind[id], "node") + " " + cmp.Or(label[id], id)
	}
	sortBy := func(es []traceEdge, other func(traceEdge) string) []traceEdge {
		es = slices.Clone(es)
		slices.SortStableFunc(es, func(a, b traceEdge) int {
			return cmp.Or(cmp.Compare(edgeRank[a.Kind], edgeRank[b.Kind]), cmp.Compare(label[other(a)], label[other(b)]), cmp.Compare(other(a), other(b)))
		})
		return es
	}
	from := func(e traceEdge) string { return e.From }
	to := func(e traceEdge) string { return e.To }

	var b strings.Builder
	seen := map[string]bool{g.Lot: true}
	line := func(depth int, words, id string, ids []string) bool {
		fmt.Fprintf(&b, "%s%s %s", strings.Repeat("  ", depth), words, name(id))
		if len(ids) > 0 {
			short := make([]string, len(ids))
			for i, x := range ids {
				short[i] = shortEventID(x)
			}
			fmt.Fprintf(&b, "  [%s]", strings.Join(short, " "))
		}
		if seen[id] {
			b.WriteString("  (see above)\n")
			return false
		}
		seen[id] = true
		b.WriteByte('\n')
		return true
	}
	// Backward: what each node was made from or supplied by; for material
	// upstream of the lot, also where it was shipped or received, which
	// are leaves.
	var back func(id string, depth int)
	back = func(id string, depth int) {
		for _, e := range sortBy(in[id], from) {
			if line(depth, backwardWords[e.Kind], e.From, e.EventIDs) {
				back(e.From, depth+1)
			}
		}
		if id == g.Lot {
			return
		}
		for _, e := range sortBy(out[id], to) {
			if e.Kind == "shipped-to" || e.Kind == "received-at" {
				line(depth, forwardWords[e.Kind], e.To, e.EventIDs)
			}
		}
	}
	var fwd func(id string, depth int)
	fwd = func(id string, depth int) {
		for _, e := range sortBy(out[id], to) {
			if line(depth, forwardWords[e.Kind], e.To, e.EventIDs) {
				fwd(e.To, depth+1)
			}
		}
	}

	fmt.Fprintf(&b, "%s\n", name(g.Lot))
	fmt.Fprintf(&b, "  %s\n", g.Lot)
	if g.Direction != "forward" {
		b.WriteString("\nbackward (made from), depth " + strconv.Itoa(g.Depth) + ":\n")
		n := b.Len()
		back(g.Lot, 1)
		if b.Len() == n {
			b.WriteString("  (nothing recorded)\n")
		}
	}
	if g.Direction != "backward" {
		b.WriteString("\nforward (went into, packed into, shipped to, received at), depth " + strconv.Itoa(g.Depth) + ":\n")
		n := b.Len()
		fwd(g.Lot, 1)
		if b.Len() == n {
			b.WriteString("  (nothing recorded)\n")
		}
	}
	fmt.Fprintf(&b, "\n%d nodes, %d edges\n", len(g.Nodes), len(g.Edges))
	return b.String()
}

// shortEventID keeps the first 12 characters of an event ID's distinctive
// part: the hex of a CBV hash (ni:///sha-256;HEX?ver=...), the UUID of a
// urn:uuid, or the whole ID otherwise. --json gives the full IDs.
func shortEventID(id string) string {
	s := id
	switch {
	case strings.HasPrefix(s, "ni:///"):
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[i+1:]
		}
		if i := strings.IndexByte(s, '?'); i >= 0 {
			s = s[:i]
		}
	case strings.HasPrefix(s, "urn:uuid:"):
		s = strings.TrimPrefix(s, "urn:uuid:")
	default:
		return s
	}
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}
