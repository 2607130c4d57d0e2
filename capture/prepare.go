package capture

import (
	"strconv"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/eventhash"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
)

// serverFields are set by the server; a client's values are dropped.
var serverFields = []string{"recordTime"}

// prepareEvent validates one decoded event and turns it into the stored
// form. base is its JSON pointer in the request; ns the namespaces of the
// enclosing document. Schema violations found for the event are passed in.
func prepareEvent(m map[string]any, ns map[string]string, base string, violations epcis.Errors, owner string, prefixes *gs1.PrefixTable) (*store.Event, epcis.Errors) {
	ev := epcis.NewEvent(m)
	errs := violations
	if len(errs) == 0 {
		// Semantic rules assume the schema's shapes; run them only on
		// schema-valid events so every problem is reported once.
		errs = ev.Validate(base)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, k := range serverFields {
		delete(m, k)
	}
	if prefixes != nil {
		learnPrefixes(ev, prefixes)
	}
	if ev.EventID == "" {
		id, err := eventhash.Hash(m, ns)
		if err != nil {
			return nil, epcis.Errors{epcis.Invalid(base, "cannot compute the event hash: %v", err)}
		}
		m["eventID"] = id
		ev.EventID = id
	}
	if len(ns) > 0 {
		m["@context"] = mergeContext(m["@context"], ns)
	}
	body, err := appendJSON(nil, m)
	if err != nil {
		return nil, epcis.Errors{epcis.Invalid(base, "cannot encode the event: %v", err)}
	}
	se := &store.Event{
		UniqueKey: StoredKey(owner, ev),
		EventID:   ev.EventID,
		Type:      ev.Type,
		EventTime: ev.EventTime,
		Owner:     owner,
		Terms:     query.Terms(ev),
		Values:    query.Values(ev),
		Body:      body,
	}
	return se, nil
}

// learnPrefixes records the company prefix lengths of the event's EPC URNs.
func learnPrefixes(ev *epcis.Event, t *gs1.PrefixTable) {
	for _, list := range [][]string{ev.EPCList, ev.ChildEPCs, ev.InputEPCList, ev.OutputEPCList} {
		for _, s := range list {
			t.LearnURN(s)
		}
	}
	t.LearnURN(ev.ParentID)
	t.LearnURN(ev.ReadPoint)
	t.LearnURN(ev.BizLocation)
	for _, list := range [][]epcis.Quantity{ev.QuantityList, ev.ChildQuantityList, ev.InputQuantityList, ev.OutputQuantityList} {
		for _, q := range list {
			t.LearnURN(q.EPCClass)
		}
	}
}

// StoredKey is the store's unique key of an event captured by owner: its
// UniqueKey made the capturing party's, so that two parties may each
// capture an event with one eventID (a shipment both sides record) and a
// party learns nothing of another's events from a refusal. The open
// mode's local party keeps the plain key.
func StoredKey(owner string, ev *epcis.Event) string {
	key := UniqueKey(ev)
	if owner == store.LocalOwner || owner == "" {
		return key
	}
	return key + "\x1f" + owner // after the key, so a store finds it by eventID prefix
}

// UniqueKey is the idempotency key of an event: its eventID, or for an
// event carrying an errorDeclaration, the eventID and the declaration time,
// so the declaration is stored beside the event it declares in error.
func UniqueKey(ev *epcis.Event) string {
	if ev.ErrorDeclaration == nil {
		return ev.EventID
	}
	return ev.EventID + "#errorDeclaration@" + ev.ErrorDeclaration.DeclarationTime.UTC().Format("2006-01-02T15:04:05.999999999Z")
}

// mergeContext adds the document's namespace declarations to an event's own
// @context, so the stored event carries every prefix its extension fields
// use and can be served in any later document.
func mergeContext(own any, ns map[string]string) any {
	obj := make(map[string]any, len(ns))
	for k, v := range ns {
		obj[k] = v
	}
	switch c := own.(type) {
	case nil:
		return []any{obj}
	case []any:
		return append(c, obj)
	default:
		return []any{c, obj}
	}
}

// violationErrors converts schema violations to ValidationExceptions and
// splits them into those about one event (by index) and those about the
// document itself.
func violationErrors(vs []schemas.Violation, eventList string) (perEvent map[int]epcis.Errors, doc epcis.Errors) {
	prefix := eventList + "/"
	for _, v := range vs {
		e := epcis.Invalid(v.Pointer, "%s", v.Message)
		if rest, ok := strings.CutPrefix(v.Pointer, prefix); ok {
			idx := rest
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				idx = rest[:i]
			}
			if n, err := strconv.Atoi(idx); err == nil {
				if perEvent == nil {
					perEvent = map[int]epcis.Errors{}
				}
				e.EventIndex = n
				perEvent[n] = append(perEvent[n], e)
				continue
			}
		}
		doc = append(doc, e)
	}
	return perEvent, doc
}
