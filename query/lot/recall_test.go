package lot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
)

// finLot is another lot of FIN1's product made from raw lot B (shared
// with FIN1, so affected) or from a raw lot of its own (not affected).
func finLot(n int, lotNo, raw string) string {
	return ev(n, "0900", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:f-`+lotNo+`",`+
		`"inputQuantityList":[{"epcClass":"`+raw+`","quantity":1,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.044444.`+lotNo+`","quantity":4}]`)
}

func TestRecallSameProduct(t *testing.T) {
	evs := append(slices.Clone(traceScenario), traceDeclaration(),
		finLot(30, "A2", rawB), finLot(31, "A3", "urn:epc:class:lgtin:4012345.077777.RZ"), finLot(32, "A4", rawB),
		// A shipment in another offset, for the CTE's date.
		`{"eventID":"urn:uuid:33","eventTime":"2024-03-01T13:00:00Z","eventTimeZoneOffset":"+02:00","type":"ObjectEvent",`+
			`"action":"OBSERVE","bizStep":"departing","readPoint":{"id":"`+plant+`"},"quantityList":[{"epcClass":"`+fin+`","quantity":1}]}`,
		// A lot of the product only received here, and one only observed:
		// both are lots of the product the recall must account for.
		ev(34, "0930", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving",`+
			`"quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.044444.A5","quantity":6}]`),
		ev(35, "0930", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting",`+
			`"quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.044444.A6","quantity":6}]`))
	st := newMemStore(t, evs...)
	tests := []struct {
		max         int
		want        []string
		notAssessed int
	}{
		{0, []string{"A2 true urn:uuid:30", "A3 false ", "A4 true urn:uuid:32", "A5 false ", "A6 false "}, 0},
		{2, []string{"A2 true urn:uuid:30", "A3 false "}, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			r, err := Recall(context.Background(), st, mustParse(t, fin), RecallOptions{MaxOthers: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range r.SameProduct {
				got = append(got, fmt.Sprintf("%s %v %s", o.LotNumber, o.Affected, strings.Join(o.EventIDs, ",")))
				if o.Affected && o.Reason != ReasonSharedInput || !o.Affected && o.Reason != ReasonNotAffected {
					t.Errorf("%s: reason %q", o.LotNumber, o.Reason)
				}
			}
			if !slices.Equal(got, tt.want) || r.OthersNotAssessed != tt.notAssessed {
				t.Errorf("sameProduct = %q (%d not assessed), want %q (%d)", got, r.OthersNotAssessed, tt.want, tt.notAssessed)
			}
			last := r.Events[len(r.Events)-1]
			if last.EventID != "urn:uuid:33" || last.EventTime != "2024-03-01T15:00:00+02:00" || last.Kind != "shipping" ||
				last.Location == "" || !slices.Equal(last.Quantities, []string{"1"}) {
				t.Errorf("last CTE = %+v", last)
			}
			rows := r.Rows()
			if len(rows) != len(r.Events) || len(rows[0]) != len(CSVHeader) {
				t.Errorf("%d rows of %d columns for %d events", len(rows), len(rows[0]), len(r.Events))
			}
		})
	}
}

func TestRecallLimits(t *testing.T) {
	st := newMemStore(t, traceScenario...)
	for _, tt := range []struct {
		name   string
		st     *memStore
		lot    string
		opt    RecallOptions
		kind   epcis.Kind
		detail string
	}{
		{"no event", st, "urn:epc:class:lgtin:4012345.099999.NONE", RecallOptions{}, epcis.KindNoSuchResource, "no event mentions"},
		{"events", st, rawA, RecallOptions{Options: Options{MaxEvents: 6}}, epcis.KindQueryTooComplex, "maximum events"},
		{"nodes", st, rawA, RecallOptions{MaxNodes: 3}, epcis.KindQueryTooComplex, "maximum nodes"},
		{"time", &memStore{block: true}, rawA, RecallOptions{Options: Options{Timeout: 20 * time.Millisecond}},
			epcis.KindQueryTooComplex, "time limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Recall(context.Background(), tt.st, mustParse(t, tt.lot), tt.opt)
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != tt.kind || !strings.Contains(ee.Message, tt.detail) {
				t.Fatalf("Recall = %v; want %v saying %q", err, tt.kind, tt.detail)
			}
		})
	}
}

// TestClassIDs: the IDs describe looks up include every form a product
// class or lot's master data may be captured under.
func TestClassIDs(t *testing.T) {
	for _, tt := range []struct {
		epc  gs1.EPC
		want []string
	}{
		{gs1.EPC{Scheme: gs1.SGTIN, Key: "04012345444445"},
			[]string{"https://id.gs1.org/01/04012345444445", "urn:epc:idpat:sgtin:4012345.044444.*", "urn:epc:idpat:sgtin:401234.0544444.*"}},
		{gs1.EPC{Scheme: gs1.LGTIN, Key: "04012345444445", Serial: "F/1"},
			[]string{"https://id.gs1.org/01/04012345444445/10/F%2F1", "urn:epc:class:lgtin:4012345.044444.F%2F1"}},
	} {
		got := classIDs(tt.epc)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("classIDs(%v) = %q, lacks %q", tt.epc, got, w)
			}
		}
		if len(got) != 8 {
			t.Errorf("classIDs(%v) = %d IDs, want the Digital Link and 7 URNs", tt.epc, len(got))
		}
	}
}

// TestRecallReachesOtherLevels: a raw lot goes into a finished lot made
// at the each level; the finished lot is shipped only at the case level
// (another GTIN, same lot number). Recalling the raw lot must follow the
// finished lot into its case level and reach the buyer; with inference
// off and nothing else linking the levels, it cannot.
func TestRecallReachesOtherLevels(t *testing.T) {
	const (
		raw    = "urn:epc:class:lgtin:4012345.066666.SUG1"
		each   = "urn:epc:class:lgtin:4012345.011111.FG1"
		caseFG = "urn:epc:class:lgtin:4012345.111111.FG1"
	)
	st := newMemStore(t,
		ev(1, "0600", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","quantityList":[{"epcClass":"`+raw+`","quantity":20,"uom":"KGM"}]`),
		ev(2, "0700", `"type":"TransformationEvent","bizStep":"commissioning",`+
			`"inputQuantityList":[{"epcClass":"`+raw+`","quantity":2,"uom":"KGM"}],`+
			`"outputQuantityList":[{"epcClass":"`+each+`","quantity":48}]`),
		ev(3, "0900", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","quantityList":[{"epcClass":"`+caseFG+`","quantity":2}],`+
			`"destinationList":[`+party("destination", buyer1)+`]`),
	)
	for _, tc := range []struct {
		name      string
		opt       Options
		wantBuyer bool
	}{{"inferred levels", Options{}, true}, {"no inference", Options{NoInference: true}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Recall(context.Background(), st, mustParse(t, raw), RecallOptions{Options: tc.opt})
			if err != nil {
				t.Fatal(err)
			}
			has := func(nodes []AffectedNode, id string) bool {
				return slices.ContainsFunc(nodes, func(n AffectedNode) bool { return n.ID == query.CanonicalID(id) })
			}
			if !has(r.Affected.Lots, each) {
				t.Errorf("lots %+v: the each-level finished lot is missing", r.Affected.Lots)
			}
			if got := has(r.Affected.Lots, caseFG); got != tc.wantBuyer {
				t.Errorf("case-level lot affected = %v, want %v (lots %+v)", got, tc.wantBuyer, r.Affected.Lots)
			}
			if got := has(r.Affected.Parties, buyer1); got != tc.wantBuyer {
				t.Errorf("buyer affected = %v, want %v (parties %+v)", got, tc.wantBuyer, r.Affected.Parties)
			}
			shipped := slices.ContainsFunc(r.Events, func(c CTE) bool { return c.EventID == "urn:uuid:3" })
			if shipped != tc.wantBuyer {
				t.Errorf("shipment among the CTEs = %v, want %v", shipped, tc.wantBuyer)
			}
		})
	}
}
