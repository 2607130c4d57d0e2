package eventhash

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Result is the hash of one event of a document.
type Result struct {
	// Index is the position of the event in the document's event list.
	Index int
	// EventID is the event's eventID as given; empty when it has none.
	EventID string
	// Hash is the event hash URI.
	Hash string
	// PreHash is the canonical pre-hash string the hash is computed from.
	PreHash string
}

// Document hashes every event of an EPCIS document or EPCIS query
// document in the JSON-LD binding. Prefixes defined in the document's
// @context (and in an event's own @context) are used to expand extension
// keys. Fields named in an "ignoreFields" list of the document, of its
// epcisBody or of its queryResults (the extension of the reference
// implementation, e.g. "repository-x:ignoreFields") are left out of each
// event's hash.
//
// Errors are *Error values with the JSON pointer of the offending part.
func Document(data []byte) ([]Result, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{Reason: "not a JSON object: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Reason: "data after the JSON document"}
	}
	ns := namespaces(ContextNamespaces(doc["@context"]))
	ignore := map[string]bool{}
	r := renderer{ns: ns}
	collectIgnore(ignore, r.ns, doc)

	body, ok := doc["epcisBody"].(map[string]any)
	if !ok {
		return nil, &Error{Pointer: "/epcisBody", Reason: "missing or not an object"}
	}
	collectIgnore(ignore, r.ns, body)
	var (
		events  []any
		pointer string
	)
	switch {
	case body["eventList"] != nil:
		events, ok = body["eventList"].([]any)
		pointer = "/epcisBody/eventList"
	case body["queryResults"] != nil:
		qr, isObj := body["queryResults"].(map[string]any)
		if !isObj {
			return nil, &Error{Pointer: "/epcisBody/queryResults", Reason: "not an object"}
		}
		collectIgnore(ignore, r.ns, qr)
		rb, isObj := qr["resultsBody"].(map[string]any)
		if !isObj {
			return nil, &Error{Pointer: "/epcisBody/queryResults/resultsBody", Reason: "missing or not an object"}
		}
		events, ok = rb["eventList"].([]any)
		pointer = "/epcisBody/queryResults/resultsBody/eventList"
	case body["event"] != nil:
		events, ok = []any{body["event"]}, true
		pointer = "/epcisBody/event"
	default:
		return nil, &Error{Pointer: "/epcisBody", Reason: "no eventList, queryResults or event"}
	}
	if !ok {
		return nil, &Error{Pointer: pointer, Reason: "not an array"}
	}

	results := make([]Result, 0, len(events))
	for i, e := range events {
		ptr := pointer
		if pointer != "/epcisBody/event" {
			ptr += "/" + strconv.Itoa(i)
		}
		ev, isObj := e.(map[string]any)
		if !isObj {
			return nil, &Error{Pointer: ptr, Reason: "event is not an object"}
		}
		evNS := ns
		if c, ok := ev["@context"]; ok {
			evNS = namespaces{}
			for k, v := range ns {
				evNS[k] = v
			}
			for k, v := range ContextNamespaces(c) {
				evNS[k] = v
			}
		}
		if len(ignore) > 0 {
			ev = withoutIgnored(ev, ignore, evNS)
		}
		pre, err := PreHash(ev, evNS)
		if err != nil {
			err.(*Error).Pointer = ptr + err.(*Error).Pointer
			return nil, err
		}
		id, _ := ev["eventID"].(string)
		results = append(results, Result{Index: i, EventID: id, Hash: HashPreHash(pre), PreHash: pre})
	}
	return results, nil
}

// ContextNamespaces returns the prefix definitions of a JSON-LD @context
// value (a string, an object or an array of both): every term whose
// definition is an IRI string or an object with a string "@id". Remote
// contexts (strings) are not fetched.
func ContextNamespaces(ctx any) map[string]string {
	out := map[string]string{}
	var walk func(any)
	walk = func(c any) {
		switch x := c.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, v := range x {
				if strings.HasPrefix(k, "@") {
					continue
				}
				switch d := v.(type) {
				case string:
					out[k] = d
				case map[string]any:
					if id, ok := d["@id"].(string); ok {
						out[k] = id
					}
				}
			}
		}
	}
	walk(ctx)
	return out
}

// collectIgnore adds the field names listed by any "…ignoreFields" key of
// obj, expanded, to ignore.
func collectIgnore(ignore map[string]bool, ns namespaces, obj map[string]any) {
	for k, v := range obj {
		if k != "ignoreFields" && !strings.HasSuffix(k, ":ignoreFields") {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		for _, f := range list {
			if s, ok := f.(string); ok {
				ignore[ns.key(s)] = true
			}
		}
	}
}

// withoutIgnored returns a shallow copy of ev without the ignored fields.
func withoutIgnored(ev map[string]any, ignore map[string]bool, ns namespaces) map[string]any {
	out := make(map[string]any, len(ev))
	for k, v := range ev {
		if k == "type" || !ignore[ns.key(k)] {
			out[k] = v
		}
	}
	return out
}
