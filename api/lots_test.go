package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
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
		if len(mats) != 1 || mats[0].(map[string]any)["input"] != "urn:epc:class:lgtin:4012345.011111.RAW1" ||
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
