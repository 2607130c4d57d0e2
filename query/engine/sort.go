package engine

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// KeyKind is the type of a sort key. Keys of different kinds order by
// kind: numbers, then times, then text, then events lacking the field.
type KeyKind uint8

// The kinds of sort key.
const (
	KeyNumber KeyKind = iota
	KeyTime
	KeyText
	KeyMissing
)

// SortKey is an event's value of the orderBy extension field.
type SortKey struct {
	Kind KeyKind `json:"k"`
	// Text holds the value: a number as strconv.FormatFloat writes it, a
	// time in RFC 3339 UTC, or the text itself.
	Text string `json:"v,omitempty"`

	num float64
	tm  time.Time
}

// UnmarshalJSON reads a key back from a page token.
func (k *SortKey) UnmarshalJSON(b []byte) error {
	var raw struct {
		Kind KeyKind `json:"k"`
		Text string  `json:"v"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*k = SortKey{Kind: raw.Kind, Text: raw.Text}
	var err error
	switch raw.Kind {
	case KeyNumber:
		k.num, err = strconv.ParseFloat(raw.Text, 64)
	case KeyTime:
		k.tm, err = time.Parse(time.RFC3339Nano, raw.Text)
	case KeyText, KeyMissing:
	default:
		err = strconv.ErrSyntax
	}
	return err
}

func numberKey(f float64) SortKey {
	return SortKey{Kind: KeyNumber, Text: strconv.FormatFloat(f, 'g', -1, 64), num: f}
}

// compareKeys orders two present keys ascending.
func compareKeys(a, b *SortKey) int {
	if a.Kind != b.Kind {
		return cmp.Compare(a.Kind, b.Kind)
	}
	switch a.Kind {
	case KeyNumber:
		return cmp.Compare(a.num, b.num)
	case KeyTime:
		return a.tm.Compare(b.tm)
	case KeyText:
		// Case-sensitive, by UTF-8 code units, as the standard asks.
		return strings.Compare(a.Text, b.Text)
	}
	return 0
}

// keyed is a candidate with its sort key.
type keyed struct {
	key SortKey
	ev  *store.Event
}

// order compares in the query's order: events lacking the field last in
// either direction, ties (and the lacking ones) by Seq in the direction.
func order(a, b *keyed, desc bool) int {
	am, bm := a.key.Kind == KeyMissing, b.key.Kind == KeyMissing
	if am != bm {
		if am {
			return 1
		}
		return -1
	}
	if !am {
		if c := compareKeys(&a.key, &b.key); c != 0 {
			if desc {
				return -c
			}
			return c
		}
	}
	return compareSeq(a.ev.Seq, b.ev.Seq, desc)
}

// sorted answers a query ordered by an extension field, which no index
// keeps: every candidate is read, and the need+1 first ones after the
// position are kept in a bounded heap.
func (r *run) sorted(ctx context.Context) (Page, error) {
	q := r.q
	desc := q.Order.Desc
	var pos *keyed
	if a := r.after; a != nil {
		pos = &keyed{key: *a.Key, ev: &store.Event{Seq: a.Seq}}
	}
	h := &topN{desc: desc}
	limit := r.need + 1
	s := store.Scan{Filter: r.plan.Filter, Order: store.BySeq, BatchSize: 1000}
	err := r.e.st.Events(ctx, s, func(ev *store.Event) (bool, error) {
		if err := r.visit(ctx); err != nil {
			return false, err
		}
		x, err := decode(ev)
		if err != nil {
			return false, err
		}
		if !r.plan.Exact && !query.Match(q, x, ev.RecordTime, r.md) {
			return true, nil
		}
		r.matched++
		k := keyed{key: fieldKey(x, q.Order.Field), ev: ev}
		if pos != nil && order(&k, pos, desc) <= 0 {
			return true, nil
		}
		if r.need == 0 {
			return true, nil
		}
		if h.Len() < limit {
			heap.Push(h, k)
		} else if order(&k, &h.items[0], desc) < 0 {
			h.items[0] = k
			heap.Fix(h, 0)
		}
		return true, nil
	})
	if err != nil {
		return Page{}, err
	}
	if err := r.checkMax(); err != nil {
		return Page{}, err
	}
	items := h.items
	slices.SortFunc(items, func(a, b keyed) int { return order(&a, &b, desc) })
	more := len(items) > r.need
	items = items[:min(len(items), r.need)]
	out := Page{Events: make([]*store.Event, len(items))}
	for i := range items {
		out.Events[i] = items[i].ev
	}
	if more && r.hasNext(len(items)) {
		last := items[len(items)-1]
		k := last.key
		out.Next = &Position{Seq: last.ev.Seq, Key: &k, Served: r.served + len(items)}
	}
	return out, nil
}

// topN is a max-heap (in the query's order) of the best candidates so far:
// its root is the worst kept one, replaced when a better one comes.
type topN struct {
	items []keyed
	desc  bool
}

func (h *topN) Len() int           { return len(h.items) }
func (h *topN) Less(i, j int) bool { return order(&h.items[i], &h.items[j], h.desc) > 0 }
func (h *topN) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *topN) Push(x any)         { h.items = append(h.items, x.(keyed)) }
func (h *topN) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// fieldKey returns the sort key of the top-level extension field f of ev:
// a number (a JSON number, or text that is a decimal number, as the
// matcher compares them), a time (text that is a timestamp with a time
// zone), or text. A repeated field orders by its first value; a field
// absent, empty or holding an object orders last.
func fieldKey(ev *epcis.Event, f query.FieldName) SortKey {
	for _, v := range query.FieldValues(ev, f) {
		if key, ok := scalarKey(v); ok {
			return key
		}
	}
	return SortKey{Kind: KeyMissing}
}

func scalarKey(v any) (SortKey, bool) {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return scalarKey(x[0])
		}
	case map[string]any:
		if val, ok := x["@value"]; ok {
			return scalarKey(val)
		}
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err == nil || isRange(err) {
			return numberKey(f), true
		}
	case float64:
		return numberKey(x), true
	case string:
		if x == "" {
			return SortKey{}, false
		}
		if isDecimal(x) {
			if f, err := strconv.ParseFloat(x, 64); err == nil || isRange(err) {
				return numberKey(f), true
			}
		}
		if t, err := epcis.ParseTime(x); err == nil {
			return SortKey{Kind: KeyTime, Text: t.UTC().Format(time.RFC3339Nano), tm: t}, true
		}
		return SortKey{Kind: KeyText, Text: x}, true
	case bool:
		return SortKey{Kind: KeyText, Text: strconv.FormatBool(x)}, true
	}
	return SortKey{}, false
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isDecimal reports whether s is a JSON number literal (no hex, NaN,
// infinity or underscores, which strconv would also read).
func isDecimal(s string) bool {
	if s == "" || !(s[0] == '-' || '0' <= s[0] && s[0] <= '9') {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}
