package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// epcisContext is the standard's JSON-LD context, which every document the
// kit sends names.
const epcisContext = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

// extNS is the namespace of the user extension fields the kit sends.
const extNS = "https://ns.example.com/epcis/"

// ev is an event under construction.
type ev = map[string]any

// document wraps events in an EPCISDocument.
func document(events ...ev) map[string]any {
	list := make([]any, len(events))
	for i, e := range events {
		list[i] = e
	}
	return map[string]any{
		"@context":      []any{epcisContext, map[string]any{"example": extNS}},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  time.Now().UTC().Format(time.RFC3339),
		"epcisBody":     map[string]any{"eventList": list},
	}
}

// fixture is one case's world: a fresh read point that every event of the
// case carries and every query of the case is scoped by, so that results
// can be checked exactly on a server holding other data.
type fixture struct {
	c     *Client
	rp    string    // the case's read point (an SGLN with a fresh extension)
	base  time.Time // the case's first event time
	n     int
	scope url.Values
}

func newFixture(c *Client) *fixture {
	rp := c.ids.SGLN()
	return &fixture{c: c, rp: rp, base: time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), scope: url.Values{"EQ_readPoint": {rp}}}
}

// at returns the case's base time plus i minutes, as eventTime text.
func (f *fixture) at(i int) string {
	return f.base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z")
}

// event starts an event of the type at the next minute, with a fresh
// eventID and the case's read point.
func (f *fixture) event(typ string) ev {
	f.n++
	return ev{
		"type":                typ,
		"eventID":             f.c.ids.EventID(),
		"eventTime":           f.at(f.n),
		"eventTimeZoneOffset": "+00:00",
		"readPoint":           map[string]any{"id": f.rp},
	}
}

// object is an ObjectEvent with the action and EPCs.
func (f *fixture) object(action string, epcs ...string) ev {
	e := f.event("ObjectEvent")
	e["action"] = action
	e["epcList"] = strs(epcs)
	return e
}

// with sets fields on e and returns it.
func with(e ev, kv ...any) ev {
	for i := 0; i+1 < len(kv); i += 2 {
		e[kv[i].(string)] = kv[i+1]
	}
	return e
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func qty(class string, q float64, uom string) map[string]any {
	m := map[string]any{"epcClass": class, "quantity": q}
	if uom != "" {
		m["uom"] = uom
	}
	return m
}

// capture captures the events as one document and waits for success.
func (f *fixture) capture(ctx context.Context, events ...ev) error {
	return f.c.Capture(ctx, document(events...))
}

// query runs a query over /events scoped to the case's events.
func (f *fixture) query(ctx context.Context, params url.Values, hdr ...string) ([]map[string]any, error) {
	q := url.Values{}
	for k, v := range f.scope {
		q[k] = v
	}
	for k, v := range params {
		q[k] = v
	}
	return f.c.Events(ctx, q, hdr...)
}

// expect runs the query and checks that it returns exactly the events.
func (f *fixture) expect(ctx context.Context, params url.Values, want ...ev) error {
	got, err := f.query(ctx, params)
	if err != nil {
		return err
	}
	if err := sameEvents(got, want...); err != nil {
		return fmt.Errorf("query %s: %w", encodeQuery(params), err)
	}
	return nil
}

// q builds query parameters from name, value pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func eventID(e map[string]any) string {
	s, _ := e["eventID"].(string)
	return s
}

// sameEvents checks that got holds each wanted event once and nothing
// else, by eventID.
func sameEvents(got []map[string]any, want ...ev) error {
	w := map[string]bool{}
	for _, e := range want {
		w[eventID(e)] = true
	}
	seen := map[string]int{}
	var extra, missing, dup []string
	for _, e := range got {
		id := eventID(e)
		seen[id]++
		if seen[id] == 2 {
			dup = append(dup, id)
		}
		if !w[id] && seen[id] == 1 {
			extra = append(extra, id)
		}
	}
	for id := range w {
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	if len(extra)+len(missing)+len(dup) == 0 {
		return nil
	}
	sort.Strings(missing)
	sort.Strings(extra)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("missing %d of %d expected events %v", len(missing), len(want), missing))
	}
	if len(extra) > 0 {
		parts = append(parts, fmt.Sprintf("%d unexpected events %v", len(extra), extra))
	}
	if len(dup) > 0 {
		parts = append(parts, fmt.Sprintf("events returned twice %v", dup))
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

// field returns a nested field of an event by a path of keys.
func field(e map[string]any, path ...string) any {
	var v any = e
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func list(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// compact is a short JSON rendering of v for messages.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return snippet(b)
}
