package mongostore

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/lotline/lotline/store"
)

// TestFilterShape pins the find filters Events sends. FerretDB plans no
// index, so the contract suite cannot tell a filter MongoDB serves from
// an index from one it must scan for: these shapes are the ones the
// indexes created in setup are designed for.
func TestFilterShape(t *testing.T) {
	t0 := time.Unix(1700000000, 5)
	ext := func(d bson.D) string {
		b, err := bson.MarshalExtJSON(d, false, false)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tt := range []struct {
		name string
		sc   store.Scan
		want string
	}{
		{"nothing", store.Scan{}, `{}`},
		{"one term", store.Scan{Filter: store.Filter{Terms: [][]string{{"a"}}}}, `{"tm":"a"}`},
		{"single terms gathered in $all", store.Scan{Filter: store.Filter{Terms: [][]string{{"b"}, {"a"}, {"b", "b"}}}},
			`{"tm":{"$all":["a","b"]}}`},
		{"one $in per list", store.Scan{Filter: store.Filter{Terms: [][]string{{"c", "a"}, {"x"}, {"d", "e"}}}},
			`{"$and":[{"tm":{"$in":["a","c"]}},{"tm":{"$in":["d","e"]}},{"tm":"x"}]}`},
		{"times and owners", store.Scan{Filter: store.Filter{
			EventTime: store.TimeRange{GE: t0}, RecordTime: store.TimeRange{LT: t0}, Owners: []string{"o2", "o1"}}},
			`{"$and":[{"et":{"$gte":1700000000000000005}},{"rt":{"$lt":1700000000000000005}},{"o":{"$in":["o1","o2"]}}]}`},
		{"seq cursor", store.Scan{After: &store.Cursor{Seq: 7}}, `{"_id":{"$gt":7}}`},
		{"seq cursor desc", store.Scan{After: &store.Cursor{Seq: 7}, Desc: true}, `{"_id":{"$lt":7}}`},
		{"eventTime cursor", store.Scan{Order: store.ByEventTime, After: &store.Cursor{Time: t0, Seq: 7}},
			`{"$and":[{"et":{"$gte":1700000000000000005}},{"$or":[{"et":{"$gt":1700000000000000005}},{"et":1700000000000000005,"_id":{"$gt":7}}]}]}`},
		{"eventTime cursor desc", store.Scan{Order: store.ByEventTime, Desc: true, After: &store.Cursor{Time: t0, Seq: 7}},
			`{"$and":[{"et":{"$lte":1700000000000000005}},{"$or":[{"et":{"$lt":1700000000000000005}},{"et":1700000000000000005,"_id":{"$lt":7}}]}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clauses, ok := eventFilter(tt.sc.Filter)
			if !ok {
				t.Fatal("filter passes nothing")
			}
			if got := ext(and(append(clauses, keyset(tt.sc)...))); got != tt.want {
				t.Errorf("filter\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	for _, f := range []store.Filter{
		{Terms: [][]string{{"a"}, {}}},
		{Owners: []string{}},
	} {
		if _, ok := eventFilter(f); ok {
			t.Errorf("eventFilter(%+v) passes something, want nothing", f)
		}
	}
}

// TestSeenValuesBounded: the set of values known stored keeps at most two
// generations, and the latest values are always in it.
func TestSeenValuesBounded(t *testing.T) {
	var c seenValues
	const n = 3*seenCap + 17
	for i := range n {
		c.add([]string{fmt.Sprint(i)})
	}
	if size := len(c.cur) + len(c.prev); size > 2*seenCap {
		t.Errorf("%d values remembered, want at most %d", size, 2*seenCap)
	}
	for _, i := range []int{n - 1, n - seenCap} {
		if !c.has(fmt.Sprint(i)) {
			t.Errorf("value %d of %d forgotten", i, n)
		}
	}
	if c.has("0") {
		t.Error("the oldest value is still remembered")
	}
}
