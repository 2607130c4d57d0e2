package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
)

// lotEvent is one event of the lot scenario: its eventID is
// urn:uuid:...-<n>, its time 2024-03-01T<hhmm>.
func lotEvent(n int, hhmm, body string) string {
	return fmt.Sprintf(`{"eventID":"urn:uuid:6c1d0000-0000-4000-8000-%012d","eventTime":"2024-03-01T%s:%s:00Z","eventTimeZoneOffset":"+00:00",%s}`,
		n, hhmm[:2], hhmm[2:], body)
}

func lotEventID(n int) string { return fmt.Sprintf("urn:uuid:6c1d0000-0000-4000-8000-%012d", n) }

const (
	lotURN = "urn:epc:class:lgtin:4012345.012345.L123"
	lotDL  = "https://id.gs1.org/01/04012345123456/10/L123"
	unit1  = "urn:epc:id:sgtin:4012345.012345.1"
	unit2  = "urn:epc:id:sgtin:4012345.012345.2"
	unit3  = "urn:epc:id:sgtin:4012345.012345.3"
	other  = "urn:epc:id:sgtin:4012345.012345.99" // same product, lot L999
	case1  = "urn:epc:id:sscc:4012345.0000000001"
	case2  = "urn:epc:id:sscc:4012345.0000000002"
	pallet = "urn:epc:id:sscc:4012345.0000000003"
)

// lotScenario is a lot's life: made from a raw material lot (by class),
// commissioned as three serials, inspected (one inspection retracted and
// corrected), units 1 and 2 packed into case 1, unit 3 into case 2; case 1
// goes on a pallet and both ship; unit 3 is taken off case 2 before case 2
// ships; case 1 is emptied and shipped again. The numbers of the events
// that must be in the record are in want.
var lotScenario = []string{
	lotEvent(1, "0700", `"type":"TransformationEvent","bizStep":"commissioning",`+
		`"inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.RAW1","quantity":5,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"`+lotURN+`","quantity":3}]`),
	lotEvent(2, "0800", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","disposition":"active",`+
		`"epcList":["`+unit1+`","`+unit2+`","`+unit3+`"],"ilmd":{"cbvmda:lotNumber":"L123"}`),
	lotEvent(3, "0801", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","disposition":"active",`+
		`"epcList":["`+other+`"],"ilmd":{"cbvmda:lotNumber":"L999"}`),
	lotEvent(4, "0900", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting","disposition":"conformant",`+
		`"epcList":["`+unit1+`"],"readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"}`),
	lotEvent(5, "0930", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"sensor_reporting",`+
		`"quantityList":[{"epcClass":"`+lotDL+`","quantity":3}],`+
		`"sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":4.5,"uom":"CEL"}]}]`),
	lotEvent(6, "0945", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting","disposition":"non_conformant",`+
		`"epcList":["`+unit2+`"]`),
	lotEvent(7, "0950", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting","disposition":"conformant",`+
		`"epcList":["`+unit2+`"]`),
	lotEvent(8, "1000", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+case1+`",`+
		`"childEPCs":["`+unit1+`","`+unit2+`"]`),
	lotEvent(9, "1005", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+case2+`",`+
		`"childEPCs":["`+unit3+`"]`),
	lotEvent(10, "1010", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+pallet+`",`+
		`"childEPCs":["`+case1+`"]`),
	lotEvent(11, "1100", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",`+
		`"epcList":["`+pallet+`"]`),
	lotEvent(12, "1130", `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+case2+`",`+
		`"childEPCs":["`+unit3+`"]`),
	lotEvent(13, "1200", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",`+
		`"epcList":["`+case2+`"]`),
	lotEvent(14, "1300", `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+case1+`"`),
	lotEvent(15, "1400", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",`+
		`"epcList":["`+case1+`"]`),
	lotEvent(16, "1500", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting","disposition":"non_conformant",`+
		`"epcList":["`+other+`"]`),
}

func TestLotHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, document(lotScenario...)); job["success"] != true {
			t.Fatalf("capture failed: %v", job)
		}
		// Event 6 was in error; event 7 corrects it.
		decl := strings.Replace(lotScenario[5], `"type"`, `"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z",`+
			`"reason":"incorrect_data","correctiveEventIDs":["`+lotEventID(7)+`"]},"type"`, 1)
		if job := s.capture(t, document(decl)); job["success"] != true {
			t.Fatalf("declaration refused: %v", job)
		}

		r := s.do(t, "GET", "/lots/"+url.PathEscape(lotURN)+"/history", nil)
		if r.status != http.StatusOK {
			t.Fatalf("history = %d\n%s", r.status, r.body)
		}
		m := r.json(t)
		var got []int
		retracted := map[int]bool{}
		declared := 0
		why := map[int][]string{}
		for _, x := range m["entries"].([]any) {
			en := x.(map[string]any)
			var n int
			fmt.Sscanf(en["eventID"].(string)[len("urn:uuid:6c1d0000-0000-4000-8000-"):], "%d", &n)
			if en["errorDeclaration"] != nil {
				declared = n
				continue
			}
			got = append(got, n)
			retracted[n] = en["retracted"] == true
			for _, w := range en["why"].([]any) {
				why[n] = append(why[n], w.(string))
			}
		}
		want := []int{1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14}
		if !slices.Equal(got, want) {
			t.Errorf("events in the record = %v, want %v (in time order)", got, want)
		}
		if declared != 6 || !retracted[6] || retracted[7] {
			t.Errorf("declaration of %d, retracted %v; want event 6 declared and retracted only", declared, retracted)
		}
		wantWhy := map[int]string{1: "class", 5: "class", 4: "unit https://id.gs1.org/01/04012345123456/21/1",
			7: "corrective event of " + lotEventID(6), 11: "container https://id.gs1.org/00/040123450000000030",
			10: "container https://id.gs1.org/00/040123450000000016"}
		for n, w := range wantWhy {
			if !slices.Contains(why[n], w) {
				t.Errorf("event %d: why = %v, want %q in it", n, why[n], w)
			}
		}
		if m["releaseStatus"] != "conformant" {
			t.Errorf("releaseStatus = %v", m["releaseStatus"])
		}
		groups := m["groups"].(map[string]any)
		groupIDs := func(name string) []int {
			var ns []int
			for _, x := range groups[name].([]any) {
				var n int
				id := x.(map[string]any)["eventID"].(string)
				fmt.Sscanf(id[len("urn:uuid:6c1d0000-0000-4000-8000-"):], "%d", &n)
				ns = append(ns, n)
			}
			return ns
		}
		for name, want := range map[string][]int{
			"inspections":  {4, 6, 7},
			"shipments":    {11},
			"processSteps": {1, 2, 5, 8, 9, 12},
			"containers":   {8, 9, 10, 11, 12, 14},
			"release":      {4, 7},
		} {
			if got := groupIDs(name); !slices.Equal(got, want) {
				t.Errorf("group %s = %v, want %v", name, got, want)
			}
		}
		if dev := groupIDs("deviations"); !slices.Contains(dev, 6) {
			t.Errorf("deviations = %v, want event 6 (non_conformant, retracted) in it", dev)
		}
		mats := groups["materialsConsumed"].([]any)
		if len(mats) != 1 || mats[0].(map[string]any)["input"] != "https://id.gs1.org/01/04012345111118/10/RAW1" ||
			mats[0].(map[string]any)["quantity"] != 5.0 {
			t.Errorf("materialsConsumed = %v", mats)
		}
		for _, x := range m["entries"].([]any) {
			en := x.(map[string]any)
			if strings.HasSuffix(en["eventID"].(string), "-000000000005") && en["sensorData"] != true {
				t.Errorf("event 5 carries sensor data: %v", en)
			}
		}
		if units := m["units"].([]any); len(units) != 3 {
			t.Errorf("units = %v", units)
		}
		counts := m["counts"].(map[string]any)
		evs := m["events"].(map[string]any)["epcisBody"].(map[string]any)["queryResults"].(map[string]any)["resultsBody"].(map[string]any)["eventList"].([]any)
		if counts["events"] != float64(len(want)+1) || len(evs) != len(want)+1 {
			t.Errorf("counts = %v, %d events in the document; want %d", counts, len(evs), len(want)+1)
		}

		// The Digital Link names the same lot.
		r2 := s.do(t, "GET", "/lots/"+url.PathEscape(lotDL)+"/history", nil)
		if r2.status != http.StatusOK {
			t.Fatalf("history by Digital Link = %d\n%s", r2.status, r2.body)
		}
		m2 := r2.json(t)
		delete(m, "events") // creationDate differs
		delete(m2, "events")
		if fmt.Sprint(m) != fmt.Sprint(m2) {
			t.Errorf("URN and Digital Link give different records:\n%v\n%v", m, m2)
		}
	})
}

func TestLotHistoryErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(lotScenario[2]))
		for _, tt := range []struct {
			path   string
			status int
			typ    string
		}{
			{"/lots/" + url.PathEscape("urn:epc:class:lgtin:4012345.012345.NONE") + "/history", 404, "NoSuchResourceException"},
			{"/lots/" + url.PathEscape(unit1) + "/history", 400, "QueryParameterException"},
			{"/lots/L123/history", 400, "QueryParameterException"},
			{"/lots/" + url.PathEscape(lotURN) + "/history?perPage=3", 400, "QueryParameterException"},
		} {
			r := s.do(t, "GET", tt.path, nil)
			if r.status != tt.status || r.json(t)["type"] != "epcisException:"+tt.typ {
				t.Errorf("GET %s = %d %s; want %d %s", tt.path, r.status, r.body, tt.status, tt.typ)
			}
		}
	})
}

// The genealogy scenario: raw lots A and B received from a supplier,
// mixed into an intermediate lot (and A, by an event later declared in
// error, into lot BAD1); filling, split over two events of one
// transformationID, makes the finished lot, whose serials are
// commissioned with its lot number and packed: 1 and 2 into case 1 (on
// the pallet), 3 into case 2, then taken off it before case 2 ships to a
// third buyer; the pallet ships to two buyers and one receives it.
const (
	trRawA     = "urn:epc:class:lgtin:4012345.011111.RA1"
	trRawB     = "urn:epc:class:lgtin:4012345.022222.RB1"
	trMix      = "urn:epc:class:lgtin:4012345.033333.MIX1"
	trFin      = "urn:epc:class:lgtin:4012345.044444.FIN1"
	trBad      = "urn:epc:class:lgtin:4012345.055555.BAD1"
	trCase1    = "urn:epc:id:sscc:4012345.0000000011"
	trCase2    = "urn:epc:id:sscc:4012345.0000000012"
	trPallet   = "urn:epc:id:sscc:4012345.0000000013"
	trSupplier = "urn:epc:id:pgln:4012345.00009"
	trUs       = "urn:epc:id:pgln:4012345.00001"
	trBuyer1   = "urn:epc:id:pgln:4012345.00021"
	trBuyer2   = "urn:epc:id:pgln:4012345.00022"
	trBuyer3   = "urn:epc:id:pgln:4012345.00023"
	trPlant    = "urn:epc:id:sgln:4012345.00001.0"
	trDock     = "urn:epc:id:sgln:4012345.00021.0"
)

func owning(kind, p string) string { return `{"type":"owning_party","` + kind + `":"` + p + `"}` }

func trUnit(n int) string { return fmt.Sprintf("urn:epc:id:sgtin:4012345.044444.%d", n) }

var traceScenario = []string{
	lotEvent(1, "0600", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","bizLocation":{"id":"`+trPlant+`"},`+
		`"quantityList":[{"epcClass":"`+trRawA+`","quantity":100,"uom":"KGM"},{"epcClass":"`+trRawB+`","quantity":50,"uom":"KGM"}],`+
		`"sourceList":[`+owning("source", trSupplier)+`],"destinationList":[`+owning("destination", trUs)+`]`),
	lotEvent(2, "0700", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:mixing-1",`+
		`"inputQuantityList":[{"epcClass":"`+trRawA+`","quantity":10,"uom":"KGM"},{"epcClass":"`+trRawB+`","quantity":5,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"`+trMix+`","quantity":15,"uom":"KGM"}]`),
	lotEvent(3, "0720", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:bad-1",`+
		`"inputQuantityList":[{"epcClass":"`+trRawA+`","quantity":1,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":"`+trBad+`","quantity":1,"uom":"KGM"}]`),
	lotEvent(4, "0800", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:filling-1",`+
		`"inputQuantityList":[{"epcClass":"`+trMix+`","quantity":15,"uom":"KGM"}]`),
	lotEvent(5, "0805", `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:filling-1",`+
		`"outputQuantityList":[{"epcClass":"`+trFin+`","quantity":3}]`),
	lotEvent(6, "0810", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning",`+
		`"epcList":["`+trUnit(1)+`","`+trUnit(2)+`","`+trUnit(3)+`"],"ilmd":{"cbvmda:lotNumber":"FIN1"}`),
	lotEvent(7, "0900", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+trCase1+`",`+
		`"childEPCs":["`+trUnit(1)+`","`+trUnit(2)+`"]`),
	lotEvent(8, "0905", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+trCase2+`",`+
		`"childEPCs":["`+trUnit(3)+`"]`),
	lotEvent(9, "0910", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+trPallet+`",`+
		`"childEPCs":["`+trCase1+`"]`),
	lotEvent(10, "0930", `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+trCase2+`",`+
		`"childEPCs":["`+trUnit(3)+`"]`),
	lotEvent(11, "1000", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+trPallet+`"],`+
		`"destinationList":[`+owning("destination", trBuyer1)+`,`+owning("destination", trBuyer2)+`]`),
	lotEvent(12, "1030", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+trCase2+`"],`+
		`"destinationList":[`+owning("destination", trBuyer3)+`]`),
	lotEvent(13, "1100", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":["`+trPallet+`"],`+
		`"bizLocation":{"id":"`+trDock+`"},"destinationList":[`+owning("destination", trBuyer1)+`]`),
}

// traceEdges writes a trace's edges as "kind from>to eventNumbers" with
// short names, sorted.
func traceEdges(t *testing.T, m map[string]any) []string {
	t.Helper()
	names := map[string]string{}
	for name, id := range map[string]string{"rawA": trRawA, "rawB": trRawB, "mix": trMix, "fin": trFin, "bad": trBad,
		"case1": trCase1, "case2": trCase2, "pallet": trPallet, "supplier": trSupplier, "us": trUs,
		"buyer1": trBuyer1, "buyer2": trBuyer2, "buyer3": trBuyer3, "plant": trPlant, "dock": trDock} {
		names[query.CanonicalID(id)] = name
	}
	name := func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		return s
	}
	var out []string
	for _, x := range m["edges"].([]any) {
		e := x.(map[string]any)
		var ns []string
		for _, id := range e["eventIDs"].([]any) {
			ns = append(ns, strings.TrimLeft(id.(string)[len("urn:uuid:6c1d0000-0000-4000-8000-"):], "0"))
		}
		out = append(out, fmt.Sprintf("%s %s>%s %s", e["kind"], name(e["from"].(string)), name(e["to"].(string)),
			strings.Join(ns, ",")))
	}
	slices.Sort(out)
	return out
}

func TestLotTrace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, document(traceScenario...)); job["success"] != true {
			t.Fatalf("capture failed: %v", job)
		}
		decl := strings.Replace(traceScenario[2], `"type"`,
			`"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z","reason":"incorrect_data"},"type"`, 1)
		if job := s.capture(t, document(decl)); job["success"] != true {
			t.Fatalf("declaration refused: %v", job)
		}
		tests := []struct {
			name, lot, params string
			want              []string
		}{
			{"backward to the raw lots and the supplier", trFin, "?direction=backward", []string{
				"consumed-into mix>fin 4,5",
				"consumed-into rawA>mix 2",
				"consumed-into rawB>mix 2",
				"received-at rawA>plant 1",
				"received-at rawA>us 1",
				"received-at rawB>plant 1",
				"received-at rawB>us 1",
				"supplied supplier>rawA 1",
				"supplied supplier>rawB 1",
			}},
			{"backward one hop", lotDLOf(trFin), "?direction=backward&depth=1", []string{
				"consumed-into mix>fin 4,5",
			}},
			// Not case 2's shipment to buyer 3 (unit 3 had left it), not
			// the retracted transformation into BAD1.
			{"forward to containers and buyers", trRawA, "?direction=forward", []string{
				"consumed-into mix>fin 4,5",
				"consumed-into rawA>mix 2",
				"packed-into case1>pallet 9",
				"packed-into fin>case1 7",
				"packed-into fin>case2 8",
				"received-at pallet>buyer1 13",
				"received-at pallet>dock 13",
				"received-at rawA>plant 1",
				"received-at rawA>us 1",
				"shipped-to pallet>buyer1 11",
				"shipped-to pallet>buyer2 11",
				"supplied supplier>rawA 1",
			}},
			{"forward one hop", trRawA, "?direction=forward&depth=1", []string{
				"consumed-into rawA>mix 2",
				"received-at rawA>plant 1",
				"received-at rawA>us 1",
				"supplied supplier>rawA 1",
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := s.do(t, "GET", "/lots/"+url.PathEscape(tt.lot)+"/trace"+tt.params, nil)
				if r.status != http.StatusOK {
					t.Fatalf("trace = %d\n%s", r.status, r.body)
				}
				m := r.json(t)
				if got := traceEdges(t, m); !slices.Equal(got, tt.want) {
					t.Errorf("edges =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
				counts := m["counts"].(map[string]any)
				if counts["edges"] != float64(len(tt.want)) || counts["nodes"] != float64(len(m["nodes"].([]any))) {
					t.Errorf("counts = %v", counts)
				}
				if m["lot"] != query.CanonicalID(tt.lot) {
					t.Errorf("lot = %v", m["lot"])
				}
			})
		}

		// Both ways by default, depth 10; the buyers are party nodes.
		r := s.do(t, "GET", "/lots/"+url.PathEscape(trMix)+"/trace", nil)
		if r.status != http.StatusOK {
			t.Fatalf("trace = %d\n%s", r.status, r.body)
		}
		m := r.json(t)
		if m["direction"] != "both" || m["depth"] != 10.0 {
			t.Errorf("direction %v, depth %v", m["direction"], m["depth"])
		}
		kinds := map[string]string{}
		for _, x := range m["nodes"].([]any) {
			n := x.(map[string]any)
			kinds[n["id"].(string)] = n["kind"].(string)
		}
		for id, kind := range map[string]string{trRawA: "lot", trFin: "lot", trPallet: "container",
			trBuyer2: "party", trDock: "location", trSupplier: "party"} {
			if kinds[query.CanonicalID(id)] != kind {
				t.Errorf("node %s is %q, want %s", id, kinds[query.CanonicalID(id)], kind)
			}
		}
		for _, id := range []string{trBad, trBuyer3} {
			if _, ok := kinds[query.CanonicalID(id)]; ok {
				t.Errorf("node %s should not be in the trace", id)
			}
		}
	})
}

// lotDLOf is the Digital Link of an LGTIN class, another name of the lot.
func lotDLOf(class string) string { return query.CanonicalID(class) }

func TestLotTraceErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(traceScenario[0]))
		lot := "/lots/" + url.PathEscape(trRawA) + "/trace"
		for _, tt := range []struct {
			path   string
			status int
			typ    string
			param  string
		}{
			{"/lots/" + url.PathEscape("urn:epc:class:lgtin:4012345.011111.NONE") + "/trace", 404, "NoSuchResourceException", ""},
			{"/lots/" + url.PathEscape(trPallet) + "/trace", 400, "QueryParameterException", "lot"},
			{lot + "?direction=sideways", 400, "QueryParameterException", "direction"},
			{lot + "?direction=forward&direction=backward", 400, "QueryParameterException", "direction"},
			{lot + "?depth=0", 400, "QueryParameterException", "depth"},
			{lot + "?depth=51", 400, "QueryParameterException", "depth"},
			{lot + "?depth=two", 400, "QueryParameterException", "depth"},
			{lot + "?perPage=3", 400, "QueryParameterException", "perPage"},
		} {
			r := s.do(t, "GET", tt.path, nil)
			m := r.json(t)
			if r.status != tt.status || m["type"] != "epcisException:"+tt.typ || (tt.param != "" && m["parameter"] != tt.param) {
				t.Errorf("GET %s = %d %s; want %d %s naming %q", tt.path, r.status, r.body, tt.status, tt.typ, tt.param)
			}
		}
	})
}

func TestListLotsAsURNs(t *testing.T) {
	prefixes := gs1.NewPrefixTable()
	s := startServer(t, backends["sqlite"](t), capture.Config{Prefixes: prefixes}, api.Config{Prefixes: prefixes})
	s.capture(t, document(lotScenario...))
	r := s.do(t, "GET", "/lots?gtin=04012345123456", nil, "GS1-EPC-Format", "Always_EPC_URN")
	want := []any{lotURN, "urn:epc:class:lgtin:4012345.012345.L999"}
	if got := r.json(t)["member"]; !slices.Equal(got.([]any), want) || r.header.Get("GS1-EPC-Format") != "Always_EPC_URN" {
		t.Errorf("lots as URNs = %v (%s), want %q", got, r.header.Get("GS1-EPC-Format"), want)
	}
}

// TestListLots: GET /lots lists the lots named by class or by ILMD, in
// canonical order, one GTIN's with gtin=, paginated, in the EPC format
// asked for.
func TestListLots(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(lotScenario...))
		members := func(path string, h ...string) ([]string, response) {
			t.Helper()
			r := s.do(t, "GET", path, nil, h...)
			if r.status != 200 {
				t.Fatalf("GET %s = %d %s", path, r.status, r.body)
			}
			var got []string
			for _, m := range r.json(t)["member"].([]any) {
				got = append(got, m.(string))
			}
			return got, r
		}
		got, _ := members("/lots?gtin=04012345123456")
		want := []string{lotDL, "https://id.gs1.org/01/04012345123456/10/L999"}
		if !slices.Equal(got, want) {
			t.Errorf("lots of the GTIN = %q, want %q", got, want)
		}
		all, _ := members("/lots?perPage=1000")
		for _, l := range []string{lotDL, query.CanonicalID("urn:epc:class:lgtin:4012345.011111.RAW1")} {
			if !slices.Contains(all, l) {
				t.Errorf("GET /lots lacks %s: %q", l, all)
			}
		}
		if !slices.IsSorted(all) {
			t.Errorf("GET /lots is not in order: %q", all)
		}
		// Pages of 2 walk the same list without gaps or repeats.
		var paged []string
		path := "/lots?perPage=2"
		for path != "" {
			page, r := members(path)
			paged = append(paged, page...)
			path = ""
			if link := r.header.Get("Link"); link != "" {
				path = link[1:strings.Index(link, ">")]
			}
		}
		if !slices.Equal(paged, all) {
			t.Errorf("paged lots = %q, want %q", paged, all)
		}
		if r := s.do(t, "GET", "/lots?gtin=04012345123456&GS1-EPC-Format=Always_EPC_URN", nil); r.header.Get("Lotline-Untranslated-EPCs") != "2" {
			t.Errorf("lots as URNs without prefix lengths: %s, untranslated %q", r.body, r.header.Get("Lotline-Untranslated-EPCs"))
		}
		for _, bad := range []string{"/lots?gtin=04012345123457", "/lots?gtin=123", "/lots?lot=1"} {
			r := s.do(t, "GET", bad, nil)
			if r.status != 400 || r.json(t)["type"] != "epcisException:QueryParameterException" {
				t.Errorf("GET %s = %d %s, want a 400 QueryParameterException", bad, r.status, r.body)
			}
		}
	})
}
