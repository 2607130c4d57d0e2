package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// queryDocument wraps stored events in an EPCISQueryDocument, translated
// by tr. Each stored
// event carries the namespace prefixes of the document it came from in its
// own @context; they are hoisted into the document's @context (a prefix
// bound to two namespaces stays on the events that use it).
func queryDocument(evs []*store.Event, now time.Time, tr *epcis.Translator) (map[string]any, error) {
	list := make([]any, 0, len(evs))
	ns := map[string]string{}
	conflict := map[string]bool{}
	decoded := make([]map[string]any, 0, len(evs))
	for _, e := range evs {
		// UseNumber keeps numbers as captured (large integers, 1.10).
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(e.Body))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		for k, v := range epcis.Namespaces(m["@context"]) {
			if old, ok := ns[k]; ok && old != v {
				conflict[k] = true
			}
			ns[k] = v
		}
		m["recordTime"] = e.RecordTime.Format("2006-01-02T15:04:05.000Z07:00")
		tr.Event(m)
		decoded = append(decoded, m)
	}
	for k := range conflict {
		delete(ns, k)
	}
	for _, m := range decoded {
		if len(conflict) == 0 {
			delete(m, "@context")
		}
		list = append(list, m)
	}
	ctx := []any{epcis.StandardContext}
	if len(ns) > 0 {
		obj := map[string]any{}
		for k, v := range maps.All(ns) {
			obj[k] = v
		}
		ctx = append(ctx, obj)
	}
	return map[string]any{
		"@context":      ctx,
		"type":          "EPCISQueryDocument",
		"schemaVersion": "2.0",
		"creationDate":  now.UTC().Format("2006-01-02T15:04:05.000Z"),
		"epcisBody": map[string]any{
			"queryResults": map[string]any{
				"queryName":   "SimpleEventQuery",
				"resultsBody": map[string]any{"eventList": list},
			},
		},
	}, nil
}

// appendQueryDocument appends to b the EPCISQueryDocument of stored
// events, as queryDocument builds it for a translator that changes
// nothing, without decoding the events: each stored body is copied, with
// its @context cut out (when its prefixes are hoisted) and recordTime
// added. Stored bodies come from capture's encoder, which writes keys in
// order, so an @context is the first member. Decoding and re-encoding a
// page of 100 events cost about twice the rest of a query.
func appendQueryDocument(b []byte, evs []*store.Event, now time.Time) ([]byte, error) {
	type split struct{ ctx, rest []byte }
	parts := make([]split, len(evs))
	ns := map[string]string{}
	conflict := map[string]bool{}
	for i, e := range evs {
		ctx, rest, err := splitContext(e.Body)
		if err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		parts[i] = split{ctx, rest}
		if ctx == nil {
			continue
		}
		var v any
		if err := json.Unmarshal(ctx, &v); err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		for k, v := range epcis.Namespaces(v) {
			if old, ok := ns[k]; ok && old != v {
				conflict[k] = true
			}
			ns[k] = v
		}
	}
	for k := range conflict {
		delete(ns, k)
	}
	ctx := []any{epcis.StandardContext}
	if len(ns) > 0 {
		ctx = append(ctx, ns)
	}
	c, err := json.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	b = append(b, `{"@context":`...)
	b = append(b, c...)
	b = append(b, `,"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":"`...)
	b = now.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `","epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[`...)
	for i, e := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if p := parts[i]; p.ctx != nil && len(conflict) > 0 {
			b = append(b, `"@context":`...)
			b = append(b, p.ctx...)
			b = append(b, ',')
		}
		b = append(b, `"recordTime":"`...)
		b = e.RecordTime.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, '"')
		rest := parts[i].rest // the members after @context: `,"k":v...}` or `}`, or `"k":v...}` when there was none
		if rest[0] != ',' && rest[0] != '}' {
			b = append(b, ',')
		}
		b = append(b, rest...)
	}
	return append(b, "]}}}}\n"...), nil
}

// splitContext splits a stored event object into the value of its
// leading @context member (nil when it has none) and the rest of the
// object after it.
func splitContext(body []byte) (ctx, rest []byte, err error) {
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return nil, nil, errors.New("not a JSON object")
	}
	const key = `{"@context":`
	if !bytes.HasPrefix(body, []byte(key)) {
		return nil, body[1:], nil
	}
	d := json.NewDecoder(bytes.NewReader(body[len(key):]))
	var raw json.RawMessage
	if err := d.Decode(&raw); err != nil {
		return nil, nil, err
	}
	end := len(key) + int(d.InputOffset())
	rest = body[end:]
	if len(rest) == 0 || rest[0] != ',' && rest[0] != '}' {
		return nil, nil, errors.New("unexpected text after @context")
	}
	return body[len(key):end], rest, nil
}
