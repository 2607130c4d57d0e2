package api

import (
	"bytes"
	"encoding/json"
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
