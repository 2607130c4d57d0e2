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
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// traceConfig is what `lotline trace` and `lotline recall` can be told.
type traceConfig struct {
	conn      connFlags
	Direction string
	Depth     int
	Format    string // tree, json or csv
	Lot       string
	// DepthSet: --depth was given, so the recall is asked for it too
	// (otherwise the server's default applies).
	DepthSet bool
}

const (
	traceUsage = `Usage: lotline trace [flags] LOT

Prints a lot's genealogy (GET /lots/{lot}/trace) as a tree: what it was
made from, and where it went. LOT is an LGTIN class URN or a GS1 Digital
Link with GTIN and lot.

Flags:
`
	recallUsage = `Usage: lotline recall [flags] LOT

Prints a lot's recall (GET /lots/{lot}/recall) as a tree: the affected
lots, items, containers, locations and parties, the other lots of the
product with the reason each is or is not affected, the critical tracking
events, and the mass balance when the server gives one. --format csv
prints the FSMA 204 sortable spreadsheet. LOT is an LGTIN class URN or a
GS1 Digital Link with GTIN and lot.

Flags:
`
)

// parseTrace reads the flags of trace (recall false) or recall.
func parseTrace(args []string, getenv func(string) string, stderr io.Writer, recall bool) (*traceConfig, error) {
	c := traceConfig{}
	cmd, usage := "trace", traceUsage
	if recall {
		cmd, usage = "recall", recallUsage
	}
	fs := clientFlagSet("lotline "+cmd, usage, &c.conn, getenv, stderr)
	var asJSON, asCSV bool
	if !recall {
		fs.StringVar(&c.Direction, "direction", "both", "backward, forward or both")
		fs.BoolVar(&asJSON, "json", false, "same as --format json")
		fs.BoolVar(&asCSV, "csv", false, "same as --format csv")
	}
	fs.IntVar(&c.Depth, "depth", 10, "transformations to follow from the lot (1 to 50)")
	formatHelp := "tree, json (the server's answer, indented) or csv (the recall spreadsheet, GET /lots/{lot}/recall as text/csv)"
	fs.StringVar(&c.Format, "format", "tree", formatHelp)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { c.DepthSet = c.DepthSet || f.Name == "depth" })
	var errs []error
	if len(pos) != 1 {
		errs = append(errs, fmt.Errorf("%s takes one LOT, got %d arguments", cmd, len(pos)))
	} else {
		c.Lot = pos[0]
	}
	switch c.Direction {
	case "", "backward", "forward", "both":
	default:
		errs = append(errs, fmt.Errorf("--direction: %q is not backward, forward or both", c.Direction))
	}
	if c.Depth < 1 || c.Depth > 50 {
		errs = append(errs, fmt.Errorf("--depth: %d is not from 1 to 50", c.Depth))
	}
	switch {
	case asJSON && asCSV:
		errs = append(errs, errors.New("--json and --csv exclude each other"))
	case (asJSON || asCSV) && c.Format != "tree":
		errs = append(errs, errors.New("--json and --csv exclude --format"))
	case asJSON:
		c.Format = "json"
	case asCSV:
		c.Format = "csv"
	}
	switch c.Format {
	case "tree", "json", "csv":
	default:
		errs = append(errs, fmt.Errorf("--format: %q is not tree, json or csv", c.Format))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return &c, nil
}

// runTrace prints a lot's genealogy as fetched from a running server.
func runTrace(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runLot(ctx, args, getenv, stdout, stderr, false)
}

// runRecall prints a lot's recall as fetched from a running server.
func runRecall(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runLot(ctx, args, getenv, stdout, stderr, true)
}

func runLot(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, recall bool) error {
	cmd := "trace"
	if recall {
		cmd = "recall"
	}
	c, err := parseTrace(args, getenv, stderr, recall)
	if err != nil {
		return err
	}
	cl, err := c.conn.client()
	if err != nil {
		return &exitError{2, err}
	}
	lotPath := "/lots/" + url.PathEscape(c.Lot)
	recallURL := lotPath + "/recall"
	if c.DepthSet {
		recallURL += "?depth=" + strconv.Itoa(c.Depth)
	}
	if c.Format == "csv" {
		a, err := cl.get(ctx, recallURL, "text/csv")
		if err != nil {
			var p *problem
			// A server without the recall answers an unrouted 404, whose
			// detail is exactly this (a lot without events gets a detail
			// naming it), or refuses the text/csv Accept with 406.
			if errors.As(err, &p) && (p.Status == http.StatusNotFound && p.Detail == "no such resource" || p.Status == http.StatusNotAcceptable) {
				return &exitError{1, fmt.Errorf("%s: the server at %s has no GET /lots/{lot}/recall: the recall spreadsheet is not available on this server version", cmd, c.conn.URL)}
			}
			return commandError(cmd, err)
		}
		_, err = stdout.Write(a.Body)
		return err
	}
	u := recallURL
	if !recall {
		q := url.Values{"direction": {c.Direction}, "depth": {strconv.Itoa(c.Depth)}}
		u = lotPath + "/trace?" + q.Encode()
	}
	a, err := cl.get(ctx, u, "application/json")
	if err != nil {
		return commandError(cmd, err)
	}
	if c.Format == "json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, a.Body, "", "  "); err != nil {
			return &exitError{1, fmt.Errorf("%s: the server's answer is not JSON: %w", cmd, err)}
		}
		buf.WriteByte('\n')
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	var text string
	if recall {
		var r recallAnswer
		if err := json.Unmarshal(a.Body, &r); err != nil {
			return &exitError{1, fmt.Errorf("recall: the server's answer is not a recall: %w", err)}
		}
		text = r.tree()
	} else {
		var g traceGraph
		if err := json.Unmarshal(a.Body, &g); err != nil {
			return &exitError{1, fmt.Errorf("trace: the server's answer is not a trace: %w", err)}
		}
		text = g.tree()
	}
	text += balanceSections(a.Body)
	_, err = io.WriteString(stdout, text)
	return err
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

// edgeWords is how an edge reads from the node printed above it: forward
// along the edge, or backward against it. A kind the CLI does not know
// reads as its name.
func edgeWords(kind string, forward bool) string {
	words := backwardWords
	if forward {
		words = forwardWords
	}
	if w, ok := words[kind]; ok {
		return w
	}
	if forward {
		return kind
	}
	return kind + " (from)"
}

// tree writes the graph from the lot outwards: what it was made from, then
// where it went, each a box-drawn tree. A node is expanded once; later it
// is marked (see above), which also ends cycles.
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
	rank := func(k string) int {
		if r, ok := edgeRank[k]; ok {
			return r
		}
		return len(edgeRank)
	}
	sortBy := func(es []traceEdge, other func(traceEdge) string) []traceEdge {
		es = slices.Clone(es)
		slices.SortStableFunc(es, func(a, b traceEdge) int {
			return cmp.Or(cmp.Compare(rank(a.Kind), rank(b.Kind)), cmp.Compare(a.Kind, b.Kind),
				cmp.Compare(label[other(a)], label[other(b)]), cmp.Compare(other(a), other(b)))
		})
		return es
	}
	from := func(e traceEdge) string { return e.From }
	to := func(e traceEdge) string { return e.To }

	seen := map[string]bool{g.Lot: true}
	// add puts the line of an edge under parent and reports whether the
	// node it reaches is new (to be expanded).
	add := func(parent *treeNode, words, id string, ids []string) (*treeNode, bool) {
		text := words + " " + name(id) + eventRefs(ids)
		if seen[id] {
			parent.add(text + "  (see above)")
			return nil, false
		}
		seen[id] = true
		return parent.add(text), true
	}
	// Backward: what each node was made from or supplied by; for material
	// upstream of the lot, also where it was shipped or received, which
	// are leaves.
	var back func(id string, at *treeNode)
	back = func(id string, at *treeNode) {
		for _, e := range sortBy(in[id], from) {
			if n, ok := add(at, edgeWords(e.Kind, false), e.From, e.EventIDs); ok {
				back(e.From, n)
			}
		}
		if id == g.Lot {
			return
		}
		for _, e := range sortBy(out[id], to) {
			if e.Kind == "shipped-to" || e.Kind == "received-at" {
				add(at, edgeWords(e.Kind, true), e.To, e.EventIDs)
			}
		}
	}
	var fwd func(id string, at *treeNode)
	fwd = func(id string, at *treeNode) {
		for _, e := range sortBy(out[id], to) {
			if n, ok := add(at, edgeWords(e.Kind, true), e.To, e.EventIDs); ok {
				fwd(e.To, n)
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", name(g.Lot))
	fmt.Fprintf(&b, "  %s\n", g.Lot)
	section := func(title string, walk func(string, *treeNode)) {
		b.WriteString("\n" + title + ", depth " + strconv.Itoa(g.Depth) + ":\n")
		root := &treeNode{}
		walk(g.Lot, root)
		if len(root.kids) == 0 {
			b.WriteString("  (nothing recorded)\n")
		}
		root.write(&b)
	}
	if g.Direction != "forward" {
		section("backward (made from)", back)
	}
	if g.Direction != "backward" {
		section("forward (went into, packed into, shipped to, received at)", fwd)
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
