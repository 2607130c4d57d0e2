package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// queryConfig is what `lotline query` can be told.
type queryConfig struct {
	conn    connFlags
	Name    string // a named query: GET /queries/{name}/events
	Limit   int    // stop after this many events (0: all)
	PerPage int    // perPage asked of the server (0: the server's default, or Limit)
	Format  string // json, ndjson, csv, table
	Params  []queryParam
}

// queryParam is one query parameter, in the order given.
type queryParam struct{ Name, Value string }

var queryFormats = []string{"json", "ndjson", "csv", "table"}

const queryUsage = `Usage: lotline query [flags] [NAME=VALUE...]

Runs an EPCIS 2.0 query against a server (GET /events, or GET
/queries/{name}/events with --name) and follows the pages to the end.
Query parameters are NAME=VALUE arguments or flags (--NAME=VALUE or
--NAME VALUE) for any name that is not one of the flags below; a list is
VALUE1|VALUE2 or the parameter repeated:

  lotline query EQ_bizStep=shipping GE_eventTime=2024-03-01T00:00:00Z
  lotline query --eventType ObjectEvent --MATCH_epc 'urn:epc:id:sgtin:4012345.011111.*'
  lotline query --name recent-shipments --format table

Flags:
`

// splitQueryArgs separates the query parameters from the flags of
// `lotline query`: a NAME=VALUE argument is a parameter, and so is a flag
// whose name is not in flags (--NAME=VALUE, or --NAME VALUE), while a
// flag in flags is kept for the flag package, with its value when
// valued[name]. After "--" every argument is a NAME=VALUE.
func splitQueryArgs(args []string, flags map[string]bool) (rest []string, params []queryParam, err error) {
	onlyParams := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if onlyParams || !strings.HasPrefix(a, "-") || a == "-" {
			p, err := parseQueryParam(a)
			if err != nil {
				return nil, nil, err
			}
			params = append(params, p)
			continue
		}
		if a == "--" {
			onlyParams = true
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if valued, ok := flags[name]; ok {
			rest = append(rest, a)
			if valued && !hasValue && i+1 < len(args) {
				i++
				rest = append(rest, args[i])
			}
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("parameter %s: no value (write --%s=VALUE or %s=VALUE)", quoteName(name), name, name)
			}
			i++
			value = args[i]
		}
		if err := checkParamName(name); err != nil {
			return nil, nil, err
		}
		params = append(params, queryParam{name, value})
	}
	return rest, params, nil
}

// parseQueryParam reads one NAME=VALUE argument. The value is taken as
// written (a REST query value: a list is VALUE1|VALUE2) and may be empty;
// the name may not.
func parseQueryParam(s string) (queryParam, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		return queryParam{}, fmt.Errorf("argument %s is not NAME=VALUE", quoteName(s))
	}
	if err := checkParamName(name); err != nil {
		return queryParam{}, err
	}
	return queryParam{name, value}, nil
}

// checkParamName refuses a parameter name that is empty or holds spaces
// or control characters, which no EPCIS parameter (standard, or an
// extension field's EQ_ns:name or EQ_https://...#name) does.
func checkParamName(name string) error {
	if name == "" {
		return errors.New("a query parameter has no name (write NAME=VALUE)")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar }) {
		return fmt.Errorf("parameter name %s holds a space or a control character", quoteName(name))
	}
	if strings.HasPrefix(name, "-") {
		return fmt.Errorf("parameter name %s begins with a dash", quoteName(name))
	}
	return nil
}

func quoteName(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}

func parseQuery(args []string, getenv func(string) string, stderr io.Writer) (*queryConfig, error) {
	c := queryConfig{}
	fs := clientFlagSet("lotline query", queryUsage, &c.conn, getenv, stderr)
	fs.StringVar(&c.Name, "name", "", "run the named query NAME (GET /queries/NAME/events)")
	fs.IntVar(&c.Limit, "limit", 0, "stop after this many events (0: all)")
	fs.IntVar(&c.PerPage, "per-page", 0, "events per page asked of the server (default: the server's, or --limit if smaller)")
	fs.StringVar(&c.Format, "format", "json", "output: json (one EPCISQueryDocument), ndjson (an event a line), csv or table")
	known := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { known[f.Name] = true })
	known["h"], known["help"] = false, false
	rest, params, err := splitQueryArgs(args, known)
	if err != nil {
		return nil, &exitError{2, err}
	}
	if err := fs.Parse(rest); err != nil {
		return nil, &exitError{2, err}
	}
	c.Params = params
	var errs []error
	if !slices.Contains(queryFormats, c.Format) {
		errs = append(errs, fmt.Errorf("--format: %q is not one of %s", c.Format, strings.Join(queryFormats, ", ")))
	}
	if c.Limit < 0 {
		errs = append(errs, fmt.Errorf("--limit: %d is negative", c.Limit))
	}
	if c.PerPage < 0 {
		errs = append(errs, fmt.Errorf("--per-page: %d is negative", c.PerPage))
	}
	for _, p := range params {
		if p.Name == "nextPageToken" {
			errs = append(errs, errors.New("nextPageToken: the command follows the pages itself"))
		}
		if p.Name == "perPage" && c.PerPage > 0 {
			errs = append(errs, errors.New("perPage is given both as a parameter and as --per-page"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return &c, nil
}

// firstURL is the path and query of the query's first page.
func (c *queryConfig) firstURL() string {
	path := "/events"
	if c.Name != "" {
		path = "/queries/" + url.PathEscape(c.Name) + "/events"
	}
	parts := make([]string, 0, len(c.Params)+1)
	perPage := c.PerPage
	if perPage == 0 && c.Limit > 0 {
		perPage = c.Limit
		for _, p := range c.Params {
			if p.Name == "perPage" {
				perPage = 0
			}
		}
	}
	for _, p := range c.Params {
		parts = append(parts, url.QueryEscape(p.Name)+"="+url.QueryEscape(p.Value))
	}
	if perPage > 0 {
		parts = append(parts, "perPage="+strconv.Itoa(perPage))
	}
	if len(parts) == 0 {
		return path
	}
	return path + "?" + strings.Join(parts, "&")
}

// queryPage is one EPCISQueryDocument answer, read for what the output
// needs; the events stay as the server wrote them.
type queryPage struct {
	Context       json.RawMessage `json:"@context"`
	Type          string          `json:"type"`
	SchemaVersion string          `json:"schemaVersion"`
	CreationDate  string          `json:"creationDate"`
	EPCISBody     struct {
		QueryResults struct {
			QueryName   string `json:"queryName"`
			ResultsBody struct {
				EventList []json.RawMessage `json:"eventList"`
			} `json:"resultsBody"`
		} `json:"queryResults"`
	} `json:"epcisBody"`
}

// events are the page's events, as the server wrote them.
func (p *queryPage) events() []json.RawMessage { return p.EPCISBody.QueryResults.ResultsBody.EventList }

// nextLink is the target of the link with rel="next" in a Link header's
// value (RFC 8288; several header lines joined by commas), or "".
func nextLink(v string) string {
	for _, link := range splitLinks(v) {
		target, params, ok := strings.Cut(link, ">")
		target = strings.TrimSpace(target)
		if !ok || !strings.HasPrefix(target, "<") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
				if strings.EqualFold(rel, "next") {
					return target[1:]
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header value at the commas between links (not
// those inside <...> or quotes).
func splitLinks(v string) []string {
	var out []string
	inURI, inQuote, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '<' && !inQuote:
			inURI = true
		case c == '>' && !inQuote:
			inURI = false
		case c == '"' && !inURI:
			inQuote = !inQuote
		case c == ',' && !inURI && !inQuote:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// runQueryCmd runs a query and writes its events, every page of them.
func runQueryCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseQuery(args, getenv, stderr)
	if err != nil {
		return err
	}
	cl, err := c.conn.client()
	if err != nil {
		return &exitError{2, err}
	}
	out := newEventWriter(c.Format, stdout)
	progress := newProgress(stderr)
	events, pages := 0, 0
	next := c.firstURL()
	seen := map[string]bool{}
	for next != "" && (c.Limit == 0 || events < c.Limit) {
		a, err := cl.get(ctx, next, "application/ld+json")
		if err != nil {
			progress.clear()
			return commandError("query", err)
		}
		var page queryPage
		if err := json.Unmarshal(a.Body, &page); err != nil {
			progress.clear()
			return commandError("query", fmt.Errorf("GET %s: the answer is not an EPCISQueryDocument: %w", a.URL, err))
		}
		pages++
		if pages == 1 {
			out.begin(&page)
		}
		out.context(page.Context)
		for _, ev := range page.events() {
			if c.Limit > 0 && events == c.Limit {
				break
			}
			if err := out.event(ev); err != nil {
				progress.clear()
				return commandError("query", err)
			}
			events++
		}
		progress.printf("query: page %d, %d events", pages, events)
		seen[a.URL] = true
		next = nextLink(strings.Join(a.Header.Values("Link"), ","))
		if next != "" {
			if u, err := cl.resolve(next); err != nil || seen[u] {
				progress.clear()
				return commandError("query", fmt.Errorf("GET %s: the next page's Link %q is not a new URL", a.URL, next))
			}
		}
	}
	progress.clear()
	return out.end()
}
