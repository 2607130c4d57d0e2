package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// appendQueryDocument appends to b the EPCISQueryDocument of stored
// events in the forms tr asks for, without decoding whole events: each
// stored body is copied, with its @context cut out (when its prefixes are
// hoisted into the document's) and recordTime added; only the members tr
// may change are decoded and translated. Stored bodies come from capture's encoder, which writes keys in
// order, so an @context is the first member. Decoding and re-encoding a
// page of 100 events cost about twice the rest of a query.
func appendQueryDocument(b []byte, evs []*store.Event, now time.Time, tr *epcis.Translator) ([]byte, error) {
	type split struct{ ctx, rest []byte }
	parts := make([]split, len(evs))
	ns := map[string]string{}
	conflict := map[string]bool{}
	seen := map[string]map[string]string{}
	for i, e := range evs {
		ctx, rest, err := splitContext(e.Body)
		if err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		parts[i] = split{ctx, rest}
		if ctx == nil {
			continue
		}
		// Events of one document share their @context: read each once.
		declared, ok := seen[string(ctx)]
		if !ok {
			var v any
			if err := json.Unmarshal(ctx, &v); err != nil {
				return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
			}
			declared = epcis.Namespaces(v)
			seen[string(ctx)] = declared
		}
		for k, v := range declared {
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
		if tr.Translates() {
			if b, err = appendTranslatedMembers(b, rest, tr); err != nil {
				return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
			}
			b = append(b, '}')
			continue
		}
		if rest[0] != ',' && rest[0] != '}' {
			b = append(b, ',')
		}
		b = append(b, rest...)
	}
	return append(b, "]}}}}\n"...), nil
}

// splitContext splits a stored event object into the value of its
// @context member (nil when it has none) and the other members: rest is
// `,"k":v,...}`, `"k":v,...}` or `}`. Capture's encoder writes keys in
// order, so @context is usually the first member and rest a subslice.
func splitContext(body []byte) (ctx, rest []byte, err error) {
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return nil, nil, errNotJSON
	}
	i := 1
	for {
		for i < len(body) && (body[i] == ',' || isSpace(body[i])) {
			i++
		}
		if i >= len(body) {
			return nil, nil, errNotJSON
		}
		if body[i] == '}' {
			if i != len(body)-1 {
				return nil, nil, errNotJSON
			}
			return nil, body[1:], nil
		}
		keyEnd, err := skipValue(body, i)
		if err != nil || body[i] != '"' || keyEnd >= len(body) || body[keyEnd] != ':' {
			return nil, nil, errNotJSON
		}
		valEnd, err := skipValue(body, keyEnd+1)
		if err != nil {
			return nil, nil, err
		}
		if valEnd >= len(body) || body[valEnd] != ',' && body[valEnd] != '}' {
			return nil, nil, errNotJSON
		}
		if !isContextKey(body[i:keyEnd]) {
			i = valEnd
			continue
		}
		ctx = body[keyEnd+1 : valEnd]
		if !json.Valid(ctx) {
			return nil, nil, errNotJSON
		}
		if i == 1 {
			return ctx, body[valEnd:], nil
		}
		// Members before it: body[1:i] ends with the comma before the key.
		rest = make([]byte, 0, len(body))
		rest = append(rest, ',')
		rest = append(rest, bytes.TrimRight(body[1:i], ",")...)
		return ctx, append(rest, body[valEnd:]...), nil
	}
}

func isContextKey(k []byte) bool {
	if string(k) == `"@context"` {
		return true
	}
	var s string
	return bytes.IndexByte(k, '\\') >= 0 && json.Unmarshal(k, &s) == nil && s == "@context"
}
