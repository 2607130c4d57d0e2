package lot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// memStore is an obviously correct store.Querier: it checks every event's
// terms against the filter, and counts the lookups.
type memStore struct {
	evs   []*store.Event
	scans int
	block bool // wait for the context to end instead of answering
	vocab []store.VocabularyElement
}

func (m *memStore) Events(ctx context.Context, s store.Scan, fn func(*store.Event) (bool, error)) error {
	m.scans++
	if m.block {
		<-ctx.Done()
		return ctx.Err()
	}
	for _, ev := range m.evs {
		pass := true
		for _, list := range s.Filter.Terms {
			if !slices.ContainsFunc(list, func(t string) bool { return slices.Contains(ev.Terms, t) }) {
				pass = false
			}
		}
		if !pass {
			continue
		}
		cp := *ev
		if ok, err := fn(&cp); err != nil || !ok {
			return err
		}
	}
	return nil
}

// newMemStore stores events given as JSON objects, numbered in order.
func newMemStore(t *testing.T, events ...string) *memStore {
	t.Helper()
	m := &memStore{}
	for i, s := range events {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		e := epcis.NewEvent(obj)
		m.evs = append(m.evs, &store.Event{Seq: int64(i + 1), EventID: e.EventID, Type: e.Type,
			EventTime: e.EventTime, Terms: query.Terms(e), Values: query.Values(e), Body: []byte(s)})
	}
	return m
}

// Values lists the distinct values of the stored events, as the stores do.
func (m *memStore) Values(ctx context.Context, p store.ValuePage) ([]string, error) {
	var out []string
	for _, ev := range m.evs {
		for _, v := range ev.Values {
			if v.Kind == p.Kind && v.Value > p.After && strings.HasPrefix(v.Value, p.Prefix) && !slices.Contains(out, v.Value) {
				out = append(out, v.Value)
			}
		}
	}
	slices.Sort(out)
	return out[:min(len(out), p.Limit)], nil
}

func (m *memStore) CountValues(ctx context.Context, p store.ValuePage) (int, error) {
	p.Limit = len(m.evs) * 100
	vs, err := m.Values(ctx, p)
	return len(vs), err
}

// VocabularyElements answers the master data a test put in m.vocab.
func (m *memStore) VocabularyElements(ctx context.Context, typ string, ids []string) ([]store.VocabularyElement, error) {
	var out []store.VocabularyElement
	for _, el := range m.vocab {
		if el.Type == typ && slices.Contains(ids, el.ID) {
			out = append(out, el)
		}
	}
	return out, nil
}

func (m *memStore) HasValue(ctx context.Context, v store.Value) (bool, error) {
	for _, ev := range m.evs {
		if slices.Contains(ev.Values, v) {
			return true, nil
		}
	}
	return false, nil
}

func ev(n int, hhmm, body string) string {
	return fmt.Sprintf(`{"eventID":"urn:uuid:%d","eventTime":"2024-03-01T%s:%s:00Z","eventTimeZoneOffset":"+00:00",%s}`,
		n, hhmm[:2], hhmm[2:], body)
}

const (
	lotClass = "urn:epc:class:lgtin:4012345.012345.L1"
	u1       = "urn:epc:id:sgtin:4012345.012345.1"
	u2       = "urn:epc:id:sgtin:4012345.012345.2"
	u3       = "urn:epc:id:sgtin:4012345.012345.3"
)

var commission = ev(1, "0800", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning",`+
	`"epcList":["`+u1+`","`+u2+`","`+u3+`"],"ilmd":{"cbvmda:lotNumber":"L1"}`)

func nest(n int, hhmm, parent string, children ...string) string {
	return ev(n, hhmm, `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+parent+
		`","childEPCs":["`+strings.Join(children, `","`)+`"]`)
}

func sscc(i int) string { return fmt.Sprintf("urn:epc:id:sscc:4012345.%010d", i) }

func eventIDs(r *Record) []string {
	var ids []string
	for _, e := range r.Entries {
		ids = append(ids, strings.TrimPrefix(e.EventID, "urn:uuid:"))
	}
	return ids
}

func mustParse(t *testing.T, s string) ID {
	t.Helper()
	id, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestHistoryLimits(t *testing.T) {
	id := mustParse(t, lotClass)
	deep := []string{commission, nest(2, "0900", sscc(1), u1), nest(3, "0901", sscc(2), sscc(1)),
		nest(4, "0902", sscc(3), sscc(2))}
	tests := []struct {
		name   string
		st     *memStore
		opt    Options
		kind   epcis.Kind
		detail string
	}{
		{"no event", newMemStore(t, ev(1, "0800", `"type":"ObjectEvent","action":"OBSERVE","epcList":["`+u1+`"]`)),
			Options{}, epcis.KindNoSuchResource, "no event mentions"},
		{"events", newMemStore(t, deep...), Options{MaxEvents: 3}, epcis.KindQueryTooComplex, "maximum events"},
		{"depth", newMemStore(t, deep...), Options{MaxDepth: 2}, epcis.KindQueryTooComplex, "maximum depth"},
		{"time", &memStore{block: true}, Options{Timeout: 20 * time.Millisecond}, epcis.KindQueryTooComplex, "time limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := History(context.Background(), tt.st, id, tt.opt)
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != tt.kind || !strings.Contains(ee.Message, tt.detail) {
				t.Fatalf("History = %v; want %v saying %q", err, tt.kind, tt.detail)
			}
		})
	}
	// Within the depth limit the same nesting is followed to the top.
	r, err := History(context.Background(), newMemStore(t, deep...), id, Options{MaxDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(r); !slices.Equal(got, []string{"1", "2", "3", "4"}) || len(r.Containers) != 3 {
		t.Errorf("events %v, containers %v", got, r.Containers)
	}
}

// A caller's own cancellation is not a limit of the lot history.
func TestHistoryCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := History(ctx, &memStore{block: true}, mustParse(t, lotClass), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("History = %v, want context.Canceled", err)
	}
}

func TestHistorySpans(t *testing.T) {
	id := mustParse(t, lotClass)
	ship := func(n int, hhmm, epc string) string {
		return ev(n, hhmm, `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+epc+`"]`)
	}
	del := func(n int, hhmm, parent string, children ...string) string {
		kids := ""
		if len(children) > 0 {
			kids = `,"childEPCs":["` + strings.Join(children, `","`) + `"]`
		}
		return ev(n, hhmm, `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+parent+`"`+kids)
	}
	tests := []struct {
		name   string
		events []string
		want   []string
	}{
		{"shipped before the unit was taken off", []string{commission, nest(2, "0900", sscc(1), u1), ship(3, "1000", sscc(1)),
			del(4, "1100", sscc(1), u1), ship(5, "1200", sscc(1))}, []string{"1", "2", "3", "4"}},
		{"emptied by a DELETE without children", []string{commission, nest(2, "0900", sscc(1), u1, u2), del(3, "1000", sscc(1)),
			ship(4, "1100", sscc(1))}, []string{"1", "2", "3"}},
		{"one unit of two taken off: still held", []string{commission, nest(2, "0900", sscc(1), u1, u2), del(3, "1000", sscc(1), u1),
			ship(4, "1100", sscc(1))}, []string{"1", "2", "3", "4"}},
		{"events before the ADD are not about the lot", []string{commission, ship(2, "0830", sscc(1)), nest(3, "0900", sscc(1), u1),
			ship(4, "1000", sscc(1))}, []string{"1", "3", "4"}},
		{"a case put on a pallet after the unit left it", []string{commission, nest(2, "0900", sscc(1), u1), del(3, "0930", sscc(1), u1),
			nest(4, "1000", sscc(2), sscc(1)), ship(5, "1100", sscc(2))}, []string{"1", "2", "3"}},
		{"a unit taken off a case on a pallet", []string{commission, nest(2, "0900", sscc(1), u1), nest(3, "0910", sscc(2), sscc(1)),
			ship(4, "0920", sscc(2)), del(5, "0930", sscc(1), u1), ship(6, "1100", sscc(2))}, []string{"1", "2", "3", "4", "5"}},
		{"a retracted packing opens no span", []string{commission, nest(2, "0900", sscc(1), u1),
			strings.Replace(nest(2, "0900", sscc(1), u1), `"type"`, `"errorDeclaration":{"declarationTime":"2024-03-02T00:00:00Z"},"type"`, 1),
			ship(4, "1000", sscc(1))}, []string{"1", "2", "2"}},
		{"packed by class", []string{ev(1, "0800", `"type":"AggregationEvent","action":"ADD","parentID":"`+sscc(1)+
			`","childQuantityList":[{"epcClass":"`+lotClass+`","quantity":5}]`), ship(2, "0900", sscc(1))}, []string{"1", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := History(context.Background(), newMemStore(t, tt.events...), id, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := eventIDs(r); !slices.Equal(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

// Chunked lookups give the same record as one lookup.
func TestHistoryChunks(t *testing.T) {
	events := []string{commission, nest(2, "0900", sscc(1), u1), nest(3, "0901", sscc(2), u2, u3),
		ev(4, "1000", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+sscc(1)+`","`+sscc(2)+`"]`)}
	id := mustParse(t, lotClass)
	var bodies []string
	for _, chunk := range []int{1, 2, 500} {
		st := newMemStore(t, events...)
		r, err := History(context.Background(), st, id, Options{ChunkTerms: chunk})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		bodies = append(bodies, string(b))
		if chunk == 500 && st.scans > 6 {
			t.Errorf("%d lookups for one unit level and one container level", st.scans)
		}
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("records differ by chunk size:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
	}
}

// A transformation spread over two events by transformationID: the
// inputs are in one, the lot in the other.
func TestHistoryTransformationID(t *testing.T) {
	x := `"transformationID":"urn:epc:id:gdti:4012345.00001.T1",`
	st := newMemStore(t,
		ev(1, "0700", `"type":"TransformationEvent",`+x+`"inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.RAW","quantity":2.5,"uom":"KGM"}]`),
		ev(2, "0710", `"type":"TransformationEvent",`+x+`"outputEPCList":["`+u1+`"],"ilmd":{"cbvmda:lotNumber":"L1"}`),
		ev(3, "0720", `"type":"TransformationEvent","transformationID":"urn:epc:id:gdti:4012345.00001.T2","inputEPCList":["urn:epc:id:sgtin:4012345.011111.9"]`))
	r, err := History(context.Background(), st, mustParse(t, "https://id.gs1.org/01/04012345123456/10/L1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(r); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("events %v", got)
	}
	m := r.Groups.MaterialsConsumed
	if len(m) != 1 || m[0].Input != "urn:epc:class:lgtin:4012345.011111.RAW" || m[0].Quantity == nil || *m[0].Quantity != 2.5 || m[0].UOM != "KGM" {
		b, _ := json.Marshal(m)
		t.Errorf("materials %s", bytes.TrimSpace(b))
	}
}
