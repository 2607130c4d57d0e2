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
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// The genealogy scenario: two raw lots received from a supplier, mixed
// into an intermediate lot, filled (two events of one transformationID)
// into the finished lot, whose serials are packed into cases and a
// pallet; unit 3 leaves case 2 before case 2 ships; the pallet ships to
// two buyers and is received by one; a transformation of raw A into
// another lot is declared in error.
const (
	rawA     = "urn:epc:class:lgtin:4012345.011111.RA1"
	rawB     = "urn:epc:class:lgtin:4012345.022222.RB1"
	mix      = "urn:epc:class:lgtin:4012345.033333.MIX1"
	fin      = "urn:epc:class:lgtin:4012345.044444.FIN1"
	bad      = "urn:epc:class:lgtin:4012345.055555.BAD1"
	f1       = "urn:epc:id:sgtin:4012345.044444.1"
	f2       = "urn:epc:id:sgtin:4012345.044444.2"
	f3       = "urn:epc:id:sgtin:4012345.044444.3"
	case1    = "urn:epc:id:sscc:4012345.0000000011"
	case2    = "urn:epc:id:sscc:4012345.0000000012"
	pallet   = "urn:epc:id:sscc:4012345.0000000013"
	supplier = "urn:epc:id:pgln:4012345.00009"
	us       = "urn:epc:id:pgln:4012345.00001"
	buyer1   = "urn:epc:id:pgln:4012345.00021"
	buyer2   = "urn:epc:id:pgln:4012345.00022"
	buyer3   = "urn:epc:id:pgln:4012345.00023"
	plant    = "urn:epc:id:sgln:4012345.00001.0"
	dock1    = "urn:epc:id:sgln:4012345.00021.0"
)

func party(kind, p string) string {
	return `{"type":"owning_party","` + kind + `":"` + p + `"}`
}

var traceScenario = []string{
	ev(1, "0600", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","bizLocation":{"id":"`+plant+`"},`+
		`"quantityList":[{"epcClass":"`+rawA+`","quantity":100,"uom":"KGM"},{"epcClass":"`+rawB+`","quantity":50,"uom":"KGM"}],`+
		`"sourceList":[`+party("source", supplier)+`],"destinationList":[`+party("destination", us)+`]`),
	ev(2, "0700", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:mixing-1",`+
		`"inputQuantityList":[{"epcClass":"`+rawA+`","quantity":10,"uom":"KGM"},{"epcClass":"`+rawB+`","quantity":5,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"`+mix+`","quantity":15,"uom":"KGM"}]`),
	ev(3, "0720", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:bad-1",`+
		`"inputQuantityList":[{"epcClass":"`+rawA+`","quantity":1,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"`+bad+`","quantity":1,"uom":"KGM"}]`),
	ev(4, "0800", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:filling-1",`+
		`"inputQuantityList":[{"epcClass":"`+mix+`","quantity":15,"uom":"KGM"}]`),
	ev(5, "0805", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:filling-1",`+
		`"outputQuantityList":[{"epcClass":"`+fin+`","quantity":3}]`),
	ev(6, "0810", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["`+f1+`","`+f2+`","`+f3+`"],`+
		`"ilmd":{"cbvmda:lotNumber":"FIN1"}`),
	ev(7, "0900", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+case1+`","childEPCs":["`+f1+`","`+f2+`"]`),
	ev(8, "0905", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+case2+`","childEPCs":["`+f3+`"]`),
	ev(9, "0910", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+pallet+`","childEPCs":["`+case1+`"]`),
	ev(10, "0930", `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+case2+`","childEPCs":["`+f3+`"]`),
	ev(11, "1000", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+pallet+`"],`+
		`"sourceList":[`+party("source", us)+`],"destinationList":[`+party("destination", buyer1)+`,`+party("destination", buyer2)+`]`),
	ev(12, "1030", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+case2+`"],`+
		`"destinationList":[`+party("destination", buyer3)+`]`),
	ev(13, "1100", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":["`+pallet+`"],`+
		`"bizLocation":{"id":"`+dock1+`"}`),
}

// traceDeclaration declares event 3 in error.
func traceDeclaration() string {
	return strings.Replace(traceScenario[2], `"type"`,
		`"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z","reason":"incorrect_data"},"type"`, 1)
}

// edgeNames writes edges as "kind from>to ids" with short names.
func edgeNames(g *Graph) []string {
	names := map[string]string{}
	for name, id := range map[string]string{"rawA": rawA, "rawB": rawB, "mix": mix, "fin": fin, "bad": bad,
		"case1": case1, "case2": case2, "pallet": pallet, "supplier": supplier, "us": us, "buyer1": buyer1,
		"buyer2": buyer2, "buyer3": buyer3, "plant": plant, "dock1": dock1} {
		names[query.CanonicalID(id)] = name
	}
	name := func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		return s
	}
	var out []string
	for _, e := range g.Edges {
		ids := strings.ReplaceAll(strings.Join(e.EventIDs, ","), "urn:uuid:", "")
		out = append(out, fmt.Sprintf("%s %s>%s %s", e.Kind, name(e.From), name(e.To), ids))
	}
	slices.Sort(out)
	return out
}

func TestTrace(t *testing.T) {
	st := newMemStore(t, append(slices.Clone(traceScenario), traceDeclaration())...)
	tests := []struct {
		name  string
		lot   string
		opt   TraceOptions
		want  []string
		nodes int
	}{
		{"backward", fin, TraceOptions{Direction: Backward}, []string{
			"consumed-into mix>fin 4,5",
			"consumed-into rawA>mix 2",
			"consumed-into rawB>mix 2",
			"received-at rawA>plant 1",
			"received-at rawA>us 1",
			"received-at rawB>plant 1",
			"received-at rawB>us 1",
			"supplied supplier>rawA 1",
			"supplied supplier>rawB 1",
		}, 7},
		{"backward depth 1", fin, TraceOptions{Direction: Backward, Depth: 1}, []string{
			"consumed-into mix>fin 4,5",
		}, 2},
		{"forward", rawA, TraceOptions{Direction: Forward}, []string{
			"consumed-into mix>fin 4,5",
			"consumed-into rawA>mix 2",
			"packed-into case1>pallet 9",
			"packed-into fin>case1 7",
			"packed-into fin>case2 8",
			"received-at pallet>dock1 13",
			"received-at rawA>plant 1",
			"received-at rawA>us 1",
			"shipped-to pallet>buyer1 11",
			"shipped-to pallet>buyer2 11",
			"supplied supplier>rawA 1",
			"supplied us>pallet 11",
		}, 12},
		{"forward depth 1", rawA, TraceOptions{Direction: Forward, Depth: 1}, []string{
			"consumed-into rawA>mix 2",
			"received-at rawA>plant 1",
			"received-at rawA>us 1",
			"supplied supplier>rawA 1",
		}, 5},
		// Depth counts transformations: the finished lot is one hop from
		// the intermediate lot, with its containers and shipments.
		{"both", mix, TraceOptions{Depth: 1}, []string{
			"consumed-into mix>fin 4,5",
			"consumed-into rawA>mix 2",
			"consumed-into rawB>mix 2",
			"packed-into case1>pallet 9",
			"packed-into fin>case1 7",
			"packed-into fin>case2 8",
			"received-at pallet>dock1 13",
			"received-at rawA>plant 1",
			"received-at rawA>us 1",
			"received-at rawB>plant 1",
			"received-at rawB>us 1",
			"shipped-to pallet>buyer1 11",
			"shipped-to pallet>buyer2 11",
			"supplied supplier>rawA 1",
			"supplied supplier>rawB 1",
			"supplied us>pallet 11",
		}, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Trace(context.Background(), st, mustParse(t, tt.lot), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := edgeNames(g); !slices.Equal(got, tt.want) {
				t.Errorf("edges =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(g.Nodes) != tt.nodes {
				t.Errorf("%d nodes, want %d: %v", len(g.Nodes), tt.nodes, g.Nodes)
			}
			if !slices.IsSortedFunc(g.Nodes, func(a, b Node) int {
				return strings.Compare(a.Kind+" "+a.ID, b.Kind+" "+b.ID)
			}) {
				t.Errorf("nodes not sorted: %v", g.Nodes)
			}
		})
	}
}

// Without its declaration, the transformation into lot BAD1 is an edge;
// so the declaration is what removes it.
func TestTraceRetraction(t *testing.T) {
	g, err := Trace(context.Background(), newMemStore(t, traceScenario...), mustParse(t, rawA),
		TraceOptions{Direction: Forward, Depth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := edgeNames(g); !slices.Contains(got, "consumed-into rawA>bad 3") {
		t.Errorf("edges %v lack the undeclared transformation into BAD1", got)
	}
}

func TestTraceLimits(t *testing.T) {
	st := newMemStore(t, traceScenario...)
	tests := []struct {
		name   string
		st     *memStore
		lot    string
		opt    TraceOptions
		kind   epcis.Kind
		detail string
	}{
		{"no event", st, "urn:epc:class:lgtin:4012345.099999.NONE", TraceOptions{}, epcis.KindNoSuchResource, "no event mentions"},
		{"direction", st, rawA, TraceOptions{Direction: "sideways"}, epcis.KindQueryParameter, "direction"},
		{"nodes", st, rawA, TraceOptions{MaxNodes: 3}, epcis.KindQueryTooComplex, "maximum nodes"},
		{"events", st, rawA, TraceOptions{Options: Options{MaxEvents: 4}}, epcis.KindQueryTooComplex, "maximum events"},
		{"time", &memStore{block: true}, rawA, TraceOptions{Options: Options{Timeout: 20 * time.Millisecond}},
			epcis.KindQueryTooComplex, "time limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Trace(context.Background(), tt.st, mustParse(t, tt.lot), tt.opt)
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != tt.kind || !strings.Contains(ee.Message, tt.detail) {
				t.Fatalf("Trace = %v; want %v saying %q", err, tt.kind, tt.detail)
			}
		})
	}
}

// Each hop costs a fixed number of batched lookups, whatever the number
// of units.
func TestTraceLookups(t *testing.T) {
	st := newMemStore(t, append(slices.Clone(traceScenario), traceDeclaration())...)
	if _, err := Trace(context.Background(), st, mustParse(t, fin), TraceOptions{Direction: Backward}); err != nil {
		t.Fatal(err)
	}
	// Three hops (fin, mix, raw lots), each: class terms, unit terms,
	// transformationIDs, declarations, serial lots; then the final
	// declarations; the lookups with no terms do not reach the store.
	if st.scans > 3*5+1 {
		t.Errorf("%d lookups, want at most %d", st.scans, 3*5+1)
	}
}

// Serialised inputs are grouped into the lot their commissioning names,
// or kept as items; serialised outputs made with a lot number in the
// transformation's ILMD are that lot, and followed into containers.
func TestTraceSerials(t *testing.T) {
	const (
		s1   = "urn:epc:id:sgtin:4012345.011111.1"
		s2   = "urn:epc:id:sgtin:4012345.011111.2"
		s9   = "urn:epc:id:sgtin:4012345.011111.9"
		p1   = "urn:epc:id:sgtin:4012345.044444.1"
		p2   = "urn:epc:id:sgtin:4012345.044444.2"
		rs1  = "urn:epc:class:lgtin:4012345.011111.RS1"
		ps1  = "urn:epc:class:lgtin:4012345.044444.PS1"
		box  = "urn:epc:id:sscc:4012345.0000000021"
		shop = "urn:epc:id:pgln:4012345.00031"
	)
	st := newMemStore(t,
		ev(1, "0800", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["`+s1+`","`+s2+`"],"ilmd":{"cbvmda:lotNumber":"RS1"}`),
		ev(2, "0801", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["`+s9+`"]`),
		ev(3, "0900", `"type":"TransformationEvent","bizStep":"commissioning","inputEPCList":["`+s1+`","`+s2+`","`+s9+`"],`+
			`"outputEPCList":["`+p1+`","`+p2+`"],"ilmd":{"cbvmda:lotNumber":"PS1"}`),
		ev(4, "1000", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+box+`","childEPCs":["`+p1+`"]`),
		ev(5, "1100", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+box+`"],`+
			`"destinationList":[`+party("destination", shop)+`]`),
	)
	name := map[string]string{query.CanonicalID(rs1): "rs1", query.CanonicalID(ps1): "ps1", query.CanonicalID(s9): "s9",
		query.CanonicalID(box): "box", query.CanonicalID(shop): "shop"}
	edges := func(g *Graph) []string {
		var out []string
		for _, e := range g.Edges {
			out = append(out, e.Kind+" "+name[e.From]+">"+name[e.To]+" "+strings.Join(e.EventIDs, ","))
		}
		return out
	}
	tests := []struct {
		lot  string
		dir  string
		want []string
	}{
		{ps1, Backward, []string{"consumed-into rs1>ps1 urn:uuid:3", "consumed-into s9>ps1 urn:uuid:3"}},
		{rs1, Forward, []string{"consumed-into rs1>ps1 urn:uuid:3", "packed-into ps1>box urn:uuid:4",
			"shipped-to box>shop urn:uuid:5"}},
	}
	for _, tt := range tests {
		g, err := Trace(context.Background(), st, mustParse(t, tt.lot), TraceOptions{Direction: tt.dir})
		if err != nil {
			t.Fatal(err)
		}
		if got := edges(g); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: edges\n%s\nwant\n%s", tt.dir, tt.lot, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// TestTraceBothIsTheUnion checks that a trace in both directions has
// exactly the edges of the backward and the forward traces together, from
// every lot of the scenario (the start lot's own units, containers and
// shipments must not be lost because the backward walk read them first).
func TestTraceBothIsTheUnion(t *testing.T) {
	st := newMemStore(t, append(slices.Clone(traceScenario), traceDeclaration())...)
	for _, l := range []string{rawA, rawB, mix, fin} {
		edges := func(dir string) []string {
			t.Helper()
			g, err := Trace(context.Background(), st, mustParse(t, l), TraceOptions{Direction: dir})
			if err != nil {
				t.Fatalf("%s %s: %v", l, dir, err)
			}
			return edgeNames(g)
		}
		want := append(edges(Backward), edges(Forward)...)
		slices.Sort(want)
		want = slices.Compact(want)
		if got := edges(Both); !slices.Equal(got, want) {
			t.Errorf("%s: both gives\n%q\nwant backward and forward together\n%q", l, got, want)
		}
	}
}

// TestTraceContainerAcrossHops: a returnable container (a GRAI) carries
// the intermediate lot's units first and, after they are taken off, the
// finished lot's units made from it; a forward trace of the raw lot
// follows the container at both hops, and each shipment only with the
// contents it had then.
func TestTraceContainerAcrossHops(t *testing.T) {
	const (
		crate = "urn:epc:id:grai:4012345.00001.7"
		mixU  = "urn:epc:id:sgtin:4012345.033333.1"
		finU  = "urn:epc:id:sgtin:4012345.044444.9"
	)
	st := newMemStore(t,
		ev(1, "0700", `"type":"TransformationEvent","bizStep":"commissioning",`+
			`"inputQuantityList":[{"epcClass":"`+rawA+`","quantity":10,"uom":"KGM"}],"outputEPCList":["`+mixU+`"],"ilmd":{"cbvmda:lotNumber":"MIX1"}`),
		ev(2, "0710", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+crate+`","childEPCs":["`+mixU+`"]`),
		ev(3, "0720", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+crate+`"],`+
			`"destinationList":[`+party("destination", buyer1)+`]`),
		ev(4, "0730", `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+crate+`","childEPCs":["`+mixU+`"]`),
		ev(5, "0800", `"type":"TransformationEvent","bizStep":"commissioning","inputEPCList":["`+mixU+`"],`+
			`"outputEPCList":["`+finU+`"],"ilmd":{"cbvmda:lotNumber":"FIN1"}`),
		ev(6, "0810", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+crate+`","childEPCs":["`+finU+`"]`),
		ev(7, "0820", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+crate+`"],`+
			`"destinationList":[`+party("destination", buyer2)+`]`),
	)
	g, err := Trace(context.Background(), st, mustParse(t, rawA), TraceOptions{Direction: Forward})
	if err != nil {
		t.Fatal(err)
	}
	got := edgeNames(g)
	c := query.CanonicalID(crate)
	for _, w := range []string{
		"consumed-into rawA>mix 1",
		"consumed-into mix>fin 5",
		"packed-into mix>" + c + " 2",
		"packed-into fin>" + c + " 6",
		"shipped-to " + c + ">buyer1 3",
		"shipped-to " + c + ">buyer2 7",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("forward trace lacks %q; edges:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// TestTraceReachedFamilyFromMasterData: a raw lot goes into a lot made at
// the bottle level, and master data alone says the case contains 12
// bottles (no event names the case-level lot). The forward trace from the
// raw lot still shows the reached lot's case level as a packaged-as edge:
// a reached lot's family is not taken for one level while master data
// links another.
func TestTraceReachedFamilyFromMasterData(t *testing.T) {
	const (
		raw  = "urn:epc:class:lgtin:4012345.066666.SUG1"
		each = "urn:epc:class:lgtin:4012345.011111.FG1"
	)
	m := newMemStore(t,
		ev(1, "0700", `"type":"TransformationEvent","bizStep":"commissioning",`+
			`"inputQuantityList":[{"epcClass":"`+raw+`","quantity":2,"uom":"KGM"}],`+
			`"outputQuantityList":[{"epcClass":"`+each+`","quantity":48}]`))
	for _, tc := range []struct {
		name string
		md   bool
		want int
	}{{"without master data", false, 0}, {"with master data", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			m.vocab = nil
			if tc.md {
				m.vocab = []store.VocabularyElement{{Type: EPCClassVocabulary, ID: "urn:epc:idpat:sgtin:4012345.111111.*",
					Attributes: []store.Attribute{attr(AttrContains, `{"gtin":"04012345111118","quantity":12}`)}}}
			}
			g, err := Trace(context.Background(), m, mustParse(t, raw), TraceOptions{Direction: Forward})
			if err != nil {
				t.Fatal(err)
			}
			packaged := 0
			for _, e := range g.Edges {
				if e.Kind == "packaged-as" {
					packaged++
				}
			}
			if packaged != tc.want {
				t.Errorf("%d packaged-as edges, want %d: %v", packaged, tc.want, edgeNames(g))
			}
		})
	}
}
