package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
)

// The family scenario is production lot PB-1 as manufacturers label it:
// 100 eaches made by class under the consumer unit's GTIN (indicator 0),
// four cases serialised under the case's own GTIN (indicator 1) with
// lotNumber PB-1 in ILMD, 24 eaches packed into each case by quantity
// (childQuantityList), cases 1 and 2 onto pallet 1, case 3 onto pallet 2,
// case 2 moved from pallet 1 to pallet 2, both pallets shipped to two
// buyers; case 4 is put on pallet 3 by an event later declared in error,
// pallet 3 ships to buyer 3 without it, and case 4 is last seen in the
// warehouse. So 72 of 100 eaches are accounted for.
const (
	fmEach     = "urn:epc:class:lgtin:4012345.011111.PB-1"
	fmEachDL   = "https://id.gs1.org/01/04012345111118/10/PB-1"
	fmCaseLot  = "https://id.gs1.org/01/14012345111115/10/PB-1"
	fmCaseURN  = "urn:epc:class:lgtin:4012345.111111.PB-1"
	fmPallet1  = "urn:epc:id:sscc:4012345.0000000101"
	fmPallet2  = "urn:epc:id:sscc:4012345.0000000102"
	fmPallet3  = "urn:epc:id:sscc:4012345.0000000103"
	fmPlant    = "urn:epc:id:sgln:4012345.00001.0"
	fmStore    = "urn:epc:id:sgln:4012345.00002.0"
	fmBuyer1   = "urn:epc:id:pgln:4098765.00001"
	fmBuyer2   = "urn:epc:id:pgln:4098765.00002"
	fmBuyer3   = "urn:epc:id:pgln:4098765.00003"
	fmDeclared = 60 // the packing of case 4 onto pallet 3, declared in error
)

func fmCase(n int) string { return "urn:epc:id:sgtin:4012345.111111.100" + string(rune('0'+n)) }

func fmPack(n int, hhmm, parent string, children ...string) string {
	return lotEvent(n, hhmm, `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+parent+`",`+
		`"childEPCs":["`+strings.Join(children, `","`)+`"],"bizLocation":{"id":"`+fmPlant+`"}`)
}

func fmShip(n int, hhmm, what, buyer string) string {
	return lotEvent(n, hhmm, `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit",`+
		`"epcList":["`+what+`"],"bizLocation":{"id":"`+fmPlant+`"},"destinationList":[`+owning("destination", buyer)+`]`)
}

var familyScenario = []string{
	lotEvent(50, "0600", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","bizLocation":{"id":"`+fmPlant+`"},`+
		`"quantityList":[{"epcClass":"`+fmEach+`","quantity":100}]`),
	lotEvent(51, "0700", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","bizLocation":{"id":"`+fmPlant+`"},`+
		`"epcList":["`+fmCase(1)+`","`+fmCase(2)+`","`+fmCase(3)+`","`+fmCase(4)+`"],"ilmd":{"cbvmda:lotNumber":"PB-1"}`),
	lotEvent(52, "0710", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+fmCase(1)+`",`+
		`"childQuantityList":[{"epcClass":"`+fmEach+`","quantity":24}]`),
	lotEvent(53, "0711", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+fmCase(2)+`",`+
		`"childQuantityList":[{"epcClass":"`+fmEach+`","quantity":24}]`),
	lotEvent(54, "0712", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+fmCase(3)+`",`+
		`"childQuantityList":[{"epcClass":"`+fmEach+`","quantity":24}]`),
	lotEvent(55, "0713", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+fmCase(4)+`",`+
		`"childQuantityList":[{"epcClass":"`+fmEach+`","quantity":24}]`),
	fmPack(56, "0800", fmPallet1, fmCase(1), fmCase(2)),
	fmPack(57, "0801", fmPallet2, fmCase(3)),
	lotEvent(58, "0830", `"type":"AggregationEvent","action":"DELETE","bizStep":"unpacking","parentID":"`+fmPallet1+`",`+
		`"childEPCs":["`+fmCase(2)+`"]`),
	fmPack(59, "0831", fmPallet2, fmCase(2)),
	fmPack(fmDeclared, "0840", fmPallet3, fmCase(4)),
	fmShip(61, "0900", fmPallet1, fmBuyer1),
	fmShip(62, "0901", fmPallet2, fmBuyer2),
	fmShip(63, "0902", fmPallet3, fmBuyer3),
	lotEvent(64, "1000", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"storing","bizLocation":{"id":"`+fmStore+`"},`+
		`"epcList":["`+fmCase(4)+`"]`),
}

// familyDeclaration declares the packing of case 4 onto pallet 3 in error.
var familyDeclaration = strings.Replace(familyScenario[10], `"type"`,
	`"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z","reason":"incorrect_data"},"type"`, 1)

// familyMasterData says the case (GTIN 14012345111115) contains 24
// eaches (GTIN 04012345111118), in GDSN terms.
const familyMasterData = `"epcisHeader":{"epcisMasterData":{"vocabularyList":[{"type":"urn:epcglobal:epcis:vtype:EPCClass",` +
	`"vocabularyElementList":[{"id":"urn:epc:idpat:sgtin:4012345.111111.*","attributes":[` +
	`{"id":"gs1:nextLowerLevelTradeItemInformation","attribute":{"childTradeItem":[{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":24}]}}]}]}]}},"epcisBody"`

// familyFixture captures the scenario (with master data when md) and the
// declaration.
func familyFixture(t *testing.T, s *testServer, md bool, events []string) {
	t.Helper()
	doc := document(events...)
	if md {
		doc = []byte(strings.Replace(string(doc), `"epcisBody"`, familyMasterData, 1))
	}
	if job := s.capture(t, doc); job["success"] != true {
		t.Fatalf("capture failed: %v", job)
	}
	if job := s.capture(t, document(familyDeclaration)); job["success"] != true {
		t.Fatalf("declaration refused: %v", job)
	}
}

func getOK(t *testing.T, s *testServer, path string) map[string]any {
	t.Helper()
	r := s.do(t, "GET", path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", path, r.status, r.body)
	}
	return r.json(t)
}

func memberIDs(list any, key string) []string {
	var out []string
	for _, x := range list.([]any) {
		out = append(out, x.(map[string]any)[key].(string))
	}
	slices.Sort(out)
	return out
}

func TestLotFamily(t *testing.T) {
	for _, tc := range []struct {
		name       string
		md         bool
		inferred   bool
		reasonKind string
	}{
		{"inferred by indicator digit", false, true, "inferred-indicator-digit"},
		{"from master data", true, false, "master-data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *testServer) {
				familyFixture(t, s, tc.md, familyScenario)
				for _, lotID := range []string{fmEach, fmEachDL, fmCaseURN} {
					base := "/lots/" + url.PathEscape(lotID)
					h := getOK(t, s, base+"/history")
					fam := h["family"].(map[string]any)
					if got := memberIDs(fam["levels"], "lot"); !slices.Equal(got, []string{fmEachDL, fmCaseLot}) {
						t.Fatalf("%s: family levels = %v", lotID, got)
					}
					if lv := fam["levels"].([]any); lv[0].(map[string]any)["lot"] != fmEachDL ||
						lv[1].(map[string]any)["baseUnits"] != 24.0 || len(lv[1].(map[string]any)["units"].([]any)) != 4 {
						t.Errorf("%s: levels = %v, want eaches first, cases of 24 with 4 units", lotID, lv)
					}
					links := fam["links"].([]any)
					if len(links) != 1 {
						t.Fatalf("%s: links = %v", lotID, links)
					}
					l := links[0].(map[string]any)
					var kinds []string
					var evidence []string
					for _, r := range l["reasons"].([]any) {
						rm := r.(map[string]any)
						kinds = append(kinds, rm["kind"].(string))
						if rm["kind"] == "aggregation" {
							for _, x := range rm["eventIDs"].([]any) {
								evidence = append(evidence, x.(string))
							}
						}
						if rm["kind"] == "master-data" && !slices.Contains(rm["vocabularyIDs"].([]any), any("https://id.gs1.org/01/14012345111115")) {
							t.Errorf("%s: master-data reason without its vocabulary ID: %v", lotID, rm)
						}
					}
					if l["parent"] != fmCaseLot || l["child"] != fmEachDL || l["quantity"] != 24.0 ||
						!slices.Contains(kinds, tc.reasonKind) || !slices.Contains(kinds, "aggregation") {
						t.Errorf("%s: link = %v, want case contains 24 eaches, by %s and aggregation", lotID, l, tc.reasonKind)
					}
					// The aggregation proof is the four case packings, not the
					// pallet ones. Inferred is false: events prove the link.
					if len(evidence) != 4 || l["inferred"] != false {
						t.Errorf("%s: aggregation evidence = %v, inferred = %v", lotID, evidence, l["inferred"])
					}

					// Containers: both pallets, never pallet 3 (declared in error).
					var conts []string
					for _, c := range h["containers"].([]any) {
						conts = append(conts, c.(map[string]any)["id"].(string))
					}
					if slices.Contains(conts, "https://id.gs1.org/00/040123450000001033") || len(conts) < 6 {
						t.Errorf("%s: containers = %v, want the 4 cases and pallets 1 and 2 only", lotID, conts)
					}

					b := h["balance"].(map[string]any)
					want := map[string]float64{"made": 100, "shipped": 72, "accounted": 72, "unaccounted": 28, "packedInContainers": 96}
					for k, v := range want {
						if b[k] != v {
							t.Errorf("%s: balance %s = %v, want %v (%v)", lotID, k, b[k], v, b)
						}
					}
					if ls, _ := b["lastSeen"].(map[string]any); ls == nil || ls["eventID"] != lotEventID(64) {
						t.Errorf("%s: lastSeen = %v, want the storing of case 4", lotID, b["lastSeen"])
					}
					if sum := b["summary"].(string); !strings.HasPrefix(sum, "72 of 100 units accounted for") || !strings.Contains(sum, "28 not shipped, last seen at https://id.gs1.org/414/4012345000023") {
						t.Errorf("%s: summary = %q", lotID, sum)
					}

					// Recall reaches the buyers of the pallets, not buyer 3.
					rc := getOK(t, s, base+"/recall")
					parties := memberIDs(rc["affected"].(map[string]any)["parties"], "id")
					if !slices.Contains(parties, "https://id.gs1.org/417/4098765000010") ||
						!slices.Contains(parties, "https://id.gs1.org/417/4098765000027") ||
						slices.Contains(parties, "https://id.gs1.org/417/4098765000034") {
						t.Errorf("%s: recall parties = %v, want buyers 1 and 2 only", lotID, parties)
					}
					if rb := rc["balance"].(map[string]any); rb["unaccounted"] != 28.0 {
						t.Errorf("%s: recall balance = %v", lotID, rb)
					}

					// Trace: a packaged-as edge between the levels, with its reasons.
					tr := getOK(t, s, base+"/trace")
					found := false
					for _, x := range tr["edges"].([]any) {
						e := x.(map[string]any)
						if e["kind"] == "packaged-as" && e["from"] == fmEachDL && e["to"] == fmCaseLot {
							found = true
							if (e["inferred"] == true) != false || !slices.Contains(e["reasons"].([]any), any(tc.reasonKind)) {
								t.Errorf("%s: packaged-as edge = %v", lotID, e)
							}
						}
					}
					if !found {
						t.Errorf("%s: trace has no packaged-as edge: %v", lotID, tr["edges"])
					}
				}
			})
		})
	}
}

// TestLotFamilyInferenceOff: without master data and with inference off,
// the eaches' lot is alone: nothing links the cases to it.
func TestLotFamilyInferenceOff(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, open(t), capture.Config{}, api.Config{NoHierarchyInference: true})
			familyFixture(t, s, false, familyScenario)
			h := getOK(t, s, "/lots/"+url.PathEscape(fmEach)+"/history")
			fam := h["family"].(map[string]any)
			if got := memberIDs(fam["levels"], "lot"); !slices.Equal(got, []string{fmEachDL}) || len(fam["links"].([]any)) != 0 {
				t.Errorf("family = %v, want the eaches' lot alone", fam)
			}
			// The eaches packed by class into cases still reach pallets 1 and 2.
			rc := getOK(t, s, "/lots/"+url.PathEscape(fmEach)+"/recall")
			if parties := memberIDs(rc["affected"].(map[string]any)["parties"], "id"); len(parties) != 2 {
				t.Errorf("recall parties = %v, want the two buyers (reached through the class packed into cases)", parties)
			}
		})
	}
}

// TestLotFamilyInferredOnly: the cases' lot alone, serialised with no
// packing event and no master data, is linked to the eaches only by the
// indicator digit, and the link says so.
func TestLotFamilyInferredOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		evs := []string{familyScenario[0], familyScenario[1], familyScenario[6], familyScenario[11]}
		familyFixture(t, s, false, evs)
		h := getOK(t, s, "/lots/"+url.PathEscape(fmCaseURN)+"/history")
		fam := h["family"].(map[string]any)
		links := fam["links"].([]any)
		if len(links) != 1 || links[0].(map[string]any)["inferred"] != true {
			t.Fatalf("links = %v, want one inferred link", links)
		}
		// No quantity is known: the cases cannot be converted to eaches.
		b := h["balance"].(map[string]any)
		if b["made"] != 100.0 || b["unconverted"] == nil {
			t.Errorf("balance = %v, want 100 made and the cases unconverted", b)
		}
	})
}

// TestLotFamilyRepack: a TransformationEvent repacks 48 eaches into 2
// cases by class (quantity only); the cases' lot joins the family by the
// transformation, which proves the link, and a shipment of the cases'
// class counts 48 eaches.
func TestLotFamilyRepack(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, open(t), capture.Config{}, api.Config{NoHierarchyInference: true})
			evs := []string{familyScenario[0],
				lotEvent(70, "0700", `"type":"TransformationEvent","bizStep":"packing",`+
					`"inputQuantityList":[{"epcClass":"`+fmEach+`","quantity":48}],`+
					`"outputQuantityList":[{"epcClass":"`+fmCaseURN+`","quantity":2}]`),
				lotEvent(71, "0900", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping",`+
					`"quantityList":[{"epcClass":"`+fmCaseURN+`","quantity":2}],"destinationList":[`+owning("destination", fmBuyer1)+`]`),
			}
			doc := strings.Replace(string(document(evs...)), `"epcisBody"`,
				strings.Replace(familyMasterData, `"gs1:nextLowerLevelTradeItemInformation","attribute":{"childTradeItem":[{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":24}]}`,
					`"https://lotline.dev/ns/contains","attribute":{"gtin":"04012345111118","quantity":24}`, 1), 1)
			if job := s.capture(t, []byte(doc)); job["success"] != true {
				t.Fatalf("capture: %v", job)
			}
			h := getOK(t, s, "/lots/"+url.PathEscape(fmEach)+"/history")
			l := h["family"].(map[string]any)["links"].([]any)[0].(map[string]any)
			var kinds []string
			for _, r := range l["reasons"].([]any) {
				kinds = append(kinds, r.(map[string]any)["kind"].(string))
			}
			if !slices.Equal(kinds, []string{"master-data", "transformation"}) || l["quantity"] != 24.0 {
				t.Errorf("link = %v, want master data (Lotline attribute) and the transformation", l)
			}
			b := h["balance"].(map[string]any)
			if b["made"] != 100.0 || b["shipped"] != 48.0 || b["unaccounted"] != 52.0 {
				t.Errorf("balance = %v, want 100 made, 48 shipped, 52 unaccounted", b)
			}
			if p := b["packed"].([]any); len(p) != 1 || p[0].(map[string]any)["baseUnits"] != 48.0 {
				t.Errorf("packed = %v, want 2 cases = 48 eaches", p)
			}
		})
	}
}
