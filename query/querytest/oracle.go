package querytest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// Stored is a stored event as the reference sees it: Seq and RecordTime as
// the store assigned them, the event decoded from the body capture
// prepared (not from what the store returns).
type Stored struct {
	Seq        int64
	UniqueKey  string
	RecordTime time.Time
	Event      *epcis.Event
}

// NewStored decodes a prepared event body.
func NewStored(seq int64, uniqueKey string, recordTime time.Time, body []byte) (*Stored, error) {
	m, err := DecodeBody(body)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", uniqueKey, err)
	}
	return &Stored{Seq: seq, UniqueKey: uniqueKey, RecordTime: recordTime, Event: epcis.NewEvent(m)}, nil
}

// DecodeBody decodes an event body as capture encodes it (numbers as
// json.Number).
func DecodeBody(body []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// Answer is the reference answer to a query.
type Answer struct {
	// Events are the matching events in the query's order, cut at
	// eventCountLimit.
	Events []*Stored
	// Matches counts all matching events (before eventCountLimit).
	Matches int
	// TooLarge is set when more than maxEventCount events match: the
	// answer is then a QueryTooLargeException.
	TooLarge bool
}

// Expect answers q over all stored events with query.Match and md.
//
// The order is the standard's where it fixes one and Lotline's documented
// choice where it does not (see engine.Page): no orderBy gives capture
// order (Seq ascending); eventTime and recordTime order by that time,
// ties by Seq, all in the direction; an extension field orders by the
// field's first value, numbers before times before text, events lacking
// a scalar value last in either direction, ties by Seq in the direction.
func Expect(q *query.Query, all []*Stored, md query.MasterData) Answer {
	var out []*Stored
	for _, s := range all {
		if query.Match(q, s.Event, s.RecordTime, md) {
			out = append(out, s)
		}
	}
	a := Answer{Matches: len(out)}
	if q.MaxEventCount > 0 && len(out) > q.MaxEventCount {
		a.TooLarge = true
		return a
	}
	dir := func(c int) int {
		if q.Order.Desc {
			return -c
		}
		return c
	}
	switch {
	case q.Order.By == "":
		sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	case q.Order.By == "eventTime":
		slices.SortFunc(out, func(x, y *Stored) int {
			return dir(cmp.Or(x.Event.EventTime.Compare(y.Event.EventTime), cmp.Compare(x.Seq, y.Seq)))
		})
	case q.Order.By == "recordTime":
		slices.SortFunc(out, func(x, y *Stored) int {
			return dir(cmp.Or(x.RecordTime.Compare(y.RecordTime), cmp.Compare(x.Seq, y.Seq)))
		})
	default:
		keys := make(map[*Stored]sortKey, len(out))
		for _, s := range out {
			keys[s] = keyOf(s.Event, q.Order.Field)
		}
		slices.SortFunc(out, func(x, y *Stored) int {
			kx, ky := keys[x], keys[y]
			if kx.missing != ky.missing {
				if kx.missing {
					return 1
				}
				return -1
			}
			return dir(cmp.Or(kx.compare(ky), cmp.Compare(x.Seq, y.Seq)))
		})
	}
	if q.EventCountLimit > 0 && len(out) > q.EventCountLimit {
		out = out[:q.EventCountLimit]
	}
	a.Events = out
	return a
}

// sortKey is a value of the orderBy field. Kinds order numbers, then
// times, then text.
type sortKey struct {
	missing bool
	kind    int // 0 number, 1 time, 2 text
	num     float64
	tm      time.Time
	text    string
}

func (k sortKey) compare(o sortKey) int {
	if k.missing || o.missing {
		return 0
	}
	if c := cmp.Compare(k.kind, o.kind); c != 0 {
		return c
	}
	switch k.kind {
	case 0:
		return cmp.Compare(k.num, o.num)
	case 1:
		return k.tm.Compare(o.tm)
	}
	return strings.Compare(k.text, o.text)
}

// keyOf reads the orderBy field of an event: the first scalar value of a
// top-level extension field with that name. When several keys of the
// event name the field (a CURIE and the full IRI, say), the first in
// byte order that holds a scalar value gives the key, so the order does
// not depend on how the event's object happens to be walked.
func keyOf(ev *epcis.Event, f query.FieldName) sortKey {
	ns := epcis.Namespaces(ev.Fields["@context"])
	var names []string
	for k := range ev.Fields {
		if namesField(k, f, ns) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if key, ok := scalar(ev.Fields[k]); ok {
			return key
		}
	}
	return sortKey{missing: true}
}

// namesField reports whether the event key k names f. A query CURIE (a
// prefix the query did not declare) names the keys spelled the same; an
// IRI names a key whose prefix the event (or the EPCIS context) binds to
// a namespace that, followed by the local name, gives the IRI, or
// namespace#local when the namespace ends in neither '/' nor '#' (EPCIS
// 1.x); a key that is itself an IRI names only that IRI.
func namesField(k string, f query.FieldName, ns map[string]string) bool {
	prefix, local, ok := strings.Cut(k, ":")
	if !ok || prefix == "" || strings.HasPrefix(k, "@") {
		return false
	}
	if f.CURIE != "" {
		return k == f.CURIE
	}
	if prefix == "urn" || strings.HasPrefix(local, "//") {
		return k == f.IRI
	}
	base, ok := ns[prefix]
	if !ok {
		base, ok = contextPrefixes[prefix]
	}
	if !ok {
		return false
	}
	if f.IRI == base+local {
		return true
	}
	return !strings.HasSuffix(base, "/") && !strings.HasSuffix(base, "#") && f.IRI == base+"#"+local
}

// contextPrefixes are the prefixes the EPCIS 2.0 JSON-LD context binds.
var contextPrefixes = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"cbvmda":  "urn:epcglobal:cbv:mda:",
	"gs1":     "https://gs1.org/voc/",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
}

// scalar reads a sort key: a JSON number, text that is a JSON number
// literal (a number), text that is a timestamp with a zone (a time), other
// non-empty text or a boolean (text); a list gives its first element's
// key, a JSON-LD value object its value's. Anything else has no key.
func scalar(v any) (sortKey, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return sortKey{num: f}, err == nil
	case bool:
		return sortKey{kind: 2, text: strconv.FormatBool(x)}, true
	case string:
		if x == "" {
			return sortKey{}, false
		}
		if json.Valid([]byte(x)) && (x[0] == '-' || '0' <= x[0] && x[0] <= '9') {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return sortKey{num: f}, true
			}
		}
		if t, err := epcis.ParseTime(x); err == nil {
			return sortKey{kind: 1, tm: t}, true
		}
		return sortKey{kind: 2, text: x}, true
	case []any:
		if len(x) > 0 {
			return scalar(x[0])
		}
	case map[string]any:
		if val, ok := x["@value"]; ok {
			return scalar(val)
		}
	}
	return sortKey{}, false
}

// MergeMasterData applies captured master data in capture order, as
// store.MasterDataStore.PutMasterData is specified to: an element new to
// the store is added; a known one (same type and id) has each captured
// attribute replaced and the others kept, and its children replaced when
// the capture lists children. The result is ordered by type, then id.
func MergeMasterData(batches ...[]store.VocabularyElement) []store.VocabularyElement {
	type key struct{ typ, id string }
	byKey := map[key]*store.VocabularyElement{}
	var order []key
	for _, b := range batches {
		for _, e := range b {
			k := key{e.Type, e.ID}
			old, ok := byKey[k]
			if !ok {
				c := e
				c.Attributes = slices.Clone(e.Attributes)
				c.Children = slices.Clone(e.Children)
				byKey[k] = &c
				order = append(order, k)
				continue
			}
			for _, a := range e.Attributes {
				i := slices.IndexFunc(old.Attributes, func(x store.Attribute) bool { return x.ID == a.ID })
				if i >= 0 {
					old.Attributes[i] = a
				} else {
					old.Attributes = append(old.Attributes, a)
				}
			}
			if e.HasChildren {
				old.Children, old.HasChildren = slices.Clone(e.Children), true
			}
		}
	}
	out := make([]store.VocabularyElement, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	slices.SortFunc(out, func(a, b store.VocabularyElement) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.ID, b.ID))
	})
	return out
}

// DocumentMasterData reads the master data of a document's header
// (epcisHeader.epcisMasterData.vocabularyList) as stored elements.
func DocumentMasterData(doc map[string]any) []store.VocabularyElement {
	h, _ := doc["epcisHeader"].(map[string]any)
	md, _ := h["epcisMasterData"].(map[string]any)
	vocabs, _ := md["vocabularyList"].([]any)
	var out []store.VocabularyElement
	for _, v := range vocabs {
		voc, _ := v.(map[string]any)
		typ, _ := voc["type"].(string)
		elems, _ := voc["vocabularyElementList"].([]any)
		for _, x := range elems {
			el, _ := x.(map[string]any)
			e := store.VocabularyElement{Type: typ}
			e.ID, _ = el["id"].(string)
			attrs, _ := el["attributes"].([]any)
			for _, a := range attrs {
				am, _ := a.(map[string]any)
				id, _ := am["id"].(string)
				val, err := json.Marshal(am["attribute"])
				if err != nil {
					panic(err) // decoded JSON encodes
				}
				e.Attributes = append(e.Attributes, store.Attribute{ID: id, Value: val})
			}
			if ch, ok := el["children"].([]any); ok {
				e.HasChildren = true
				for _, c := range ch {
					s, _ := c.(string)
					e.Children = append(e.Children, s)
				}
			}
			out = append(out, e)
		}
	}
	return out
}
