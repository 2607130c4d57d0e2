package querytest

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/query"
)

// TestQueriesParse checks that every generated query is valid.
func TestQueriesParse(t *testing.T) {
	facts := Facts{
		EventIDs:           []string{"urn:uuid:1", "ni:///sha-256;abc?ver=CBV2.0"},
		RecordTimes:        []time.Time{timeBase, timeBase.Add(time.Second)},
		CorrectiveEventIDs: []string{"urn:uuid:1"},
	}
	for seed := uint64(1); seed <= 10; seed++ {
		g := New(seed)
		for i := range 2000 {
			v := g.Query(facts)
			if i%2 == 1 {
				v = g.Single(facts)
			}
			if _, err := query.Parse(v, query.ParseOptions{}); err != nil {
				t.Fatalf("seed %d, query %d: %v\n%v", seed, i, err, v)
			}
		}
	}
}

// TestExpectOrder checks the reference order and limits on a few events.
func TestExpectOrder(t *testing.T) {
	mk := func(seq int64, eventTime string, fields string) *Stored {
		body := `{"@context":[{"ex":"https://ns.example.com/epcis/"}],"type":"ObjectEvent","action":"OBSERVE",` +
			`"eventTime":"` + eventTime + `","eventTimeZoneOffset":"+00:00","eventID":"urn:uuid:` + string(rune('a'+seq-1)) + `"` + fields + `}`
		s, err := NewStored(seq, string(rune('a'+seq-1)), timeBase.Add(time.Duration(seq/2)*time.Second), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	all := []*Stored{
		mk(1, "2024-03-04T10:00:00Z", `,"ex:n":5`),
		mk(2, "2024-03-04T09:00:00Z", `,"ex:n":"12.0"`),
		mk(3, "2024-03-04T11:00:00+01:00", `,"ex:n":"2024-01-01T00:00:00Z"`),
		mk(4, "2024-03-04T08:00:00Z", `,"ex:n":"abc"`),
		mk(5, "2024-03-04T10:00:00Z", ``),
		mk(6, "2024-03-04T07:00:00Z", `,"ex:n":[-1,100],"https://ns.example.com/epcis/n":{"@value":"7"}`),
		mk(7, "2024-03-04T12:00:00Z", `,"ex:n":{"ex:x":1}`),
	}
	tests := []struct {
		params string
		want   string // keys in order
		large  bool
	}{
		{"", "abcdefg", false},
		{"orderBy=eventTime&orderDirection=ASC", "fdbaceg", false},
		{"orderBy=eventTime", "gecabdf", false},
		{"orderBy=recordTime&orderDirection=ASC", "abcdefg", false},
		{"orderBy=recordTime", "gfedcba", false},
		// numbers, then times, then text, then events without a scalar
		// value; the first key in byte order of two naming one field.
		{"orderBy=https://ns.example.com/epcis/n&orderDirection=ASC", "fabcdeg", false},
		{"orderBy=https://ns.example.com/epcis/n", "dcbafge", false},
		{"orderBy=eventTime&orderDirection=ASC&eventCountLimit=3", "fdb", false},
		{"maxEventCount=6", "", true},
		{"maxEventCount=7", "abcdefg", false},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.params)
		if err != nil {
			t.Fatal(err)
		}
		q, err := query.Parse(v, query.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		a := Expect(q, all, nil)
		var got []byte
		for _, s := range a.Events {
			got = append(got, s.UniqueKey...)
		}
		if string(got) != tt.want || a.TooLarge != tt.large || a.Matches != len(all) {
			t.Errorf("%s: got %q (too large %v, %d matches), want %q (too large %v)", tt.params, got, a.TooLarge, a.Matches, tt.want, tt.large)
		}
	}
	if !slices.Equal(FactsOf(all).RecordTimes, []time.Time{timeBase, timeBase.Add(time.Second), timeBase.Add(2 * time.Second), timeBase.Add(3 * time.Second)}) {
		t.Errorf("FactsOf record times: %v", FactsOf(all).RecordTimes)
	}
}
