package demo

import (
	"encoding/json"
	"testing"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/hierarchy"
	"github.com/lotline/lotline/schemas"
)

// TestDocumentsAreValid runs every document through capture in rollback
// mode (which refuses a document with any invalid event) and checks that
// no event repeats and the scenario has the events it describes.
func TestDocumentsAreValid(t *testing.T) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{}, nil, capture.Hooks{})
	seen := map[string]bool{}
	types := map[string]int{}
	for i, d := range Documents() {
		p, err := cs.Prepare(d, capture.Rollback, "urn:example:party")
		if err != nil {
			t.Fatalf("document %d refused: %v", i, err)
		}
		for _, e := range p.Events() {
			if seen[e.UniqueKey] {
				t.Fatalf("document %d repeats event %s", i, e.UniqueKey)
			}
			seen[e.UniqueKey] = true
			types[e.Type]++
		}
	}
	for typ, want := range map[string]int{"ObjectEvent": 20, "TransformationEvent": 3, "AggregationEvent": 7} {
		if types[typ] != want {
			t.Errorf("%d %s, want %d", types[typ], typ, want)
		}
	}
}

// decoded returns the documents as capture's JSON decoder gives them.
func decoded(t *testing.T) []map[string]any {
	t.Helper()
	texts, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(texts))
	for i, b := range texts {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func events(docs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, d := range docs {
		for _, e := range d["epcisBody"].(map[string]any)["eventList"].([]any) {
			out = append(out, e.(map[string]any))
		}
	}
	return out
}

// TestCaseLevelLayout checks the packaging the scenario claims: the lot is
// made under the bottle GTIN, the cases are serialised under the case GTIN
// (indicator 1, same body, own check digit) with the lot number in their
// commissioning ILMD, and the header's master data says a case holds
// CaseSize bottles.
func TestCaseLevelLayout(t *testing.T) {
	if want := "04012345444445"; EachGTIN != want {
		t.Errorf("EachGTIN = %s, want %s", EachGTIN, want)
	}
	if want := "14012345444442"; CaseGTIN != want {
		t.Errorf("CaseGTIN = %s, want %s", CaseGTIN, want)
	}
	if !gs1.ValidCheckDigit(CaseGTIN) || !hierarchy.SameBody(EachGTIN, CaseGTIN) || hierarchy.Indicator(CaseGTIN) != '1' {
		t.Errorf("CaseGTIN %s does not follow the indicator-digit convention for %s", CaseGTIN, EachGTIN)
	}
	if g := gs1.MustParseEPC(FinishedLot).GTIN(); g != EachGTIN {
		t.Errorf("FinishedLot GTIN %s, want the bottle's %s", g, EachGTIN)
	}

	docs := decoded(t)
	// Master data: parse it as capture stores it and read the hierarchy.
	var found []hierarchy.Child
	for _, v := range docs[0]["epcisHeader"].(map[string]any)["epcisMasterData"].(map[string]any)["vocabularyList"].([]any) {
		voc := v.(map[string]any)
		for _, e := range voc["vocabularyElementList"].([]any) {
			el := e.(map[string]any)
			attrs, _ := el["attributes"].([]any)
			for _, a := range attrs {
				am := a.(map[string]any)
				raw, _ := json.Marshal(am["attribute"])
				ch, err := hierarchy.Children(am["id"].(string), raw)
				if err != nil {
					t.Fatalf("%s %s: %v", el["id"], am["id"], err)
				}
				if ch != nil {
					if voc["type"] != "urn:epcglobal:epcis:vtype:EPCClass" || el["id"] != CaseClass {
						t.Errorf("hierarchy attribute on %s %s, want on the EPCClass %s", voc["type"], el["id"], CaseClass)
					}
					found = append(found, ch...)
				}
			}
		}
	}
	if len(found) != 1 || found[0] != (hierarchy.Child{GTIN: EachGTIN, Quantity: CaseSize}) {
		t.Errorf("hierarchy master data %v, want one child of %d × %s", found, CaseSize, EachGTIN)
	}

	// Every case is commissioned once, under the case GTIN, with its lot
	// number; lot B's bottles are packed into its cases by quantity.
	lotOf := map[string]string{}
	packed := map[string]float64{}
	for _, e := range events(docs) {
		if e["bizStep"] == "commissioning" && e["action"] == "ADD" {
			lot := e["ilmd"].(map[string]any)["cbvmda:lotNumber"].(string)
			for _, id := range e["epcList"].([]any) {
				epc := gs1.MustParseEPC(id.(string))
				if epc.GTIN() != CaseGTIN {
					t.Errorf("commissioned %s under GTIN %s, want the case GTIN %s", id, epc.GTIN(), CaseGTIN)
				}
				if _, dup := lotOf[id.(string)]; dup {
					t.Errorf("case %s commissioned twice", id)
				}
				lotOf[id.(string)] = lot
			}
		}
		if cq, ok := e["childQuantityList"].([]any); ok {
			for _, q := range cq {
				qm := q.(map[string]any)
				packed[qm["epcClass"].(string)] += qm["quantity"].(float64)
			}
		}
	}
	for lot, list := range map[string][]string{"FG-2603A": casesA, "FG-2603B": casesB} {
		for _, c := range list {
			if lotOf[c] != lot {
				t.Errorf("case %s has lot %q in its ILMD, want %s", c, lotOf[c], lot)
			}
		}
	}
	if packed[FinishedLotB] != madeB || len(packed) != 1 {
		t.Errorf("quantity packing %v, want %d of %s", packed, madeB, FinishedLotB)
	}
}

// TestLotABalances: what lot A's events say adds up: made = destroyed +
// in cases, and every case is shipped or stored.
func TestLotABalances(t *testing.T) {
	var made, destroyed float64
	for _, e := range events(decoded(t)) {
		for _, list := range []string{"outputQuantityList", "quantityList"} {
			qs, _ := e[list].([]any)
			for _, q := range qs {
				qm := q.(map[string]any)
				if qm["epcClass"] != FinishedLot {
					continue
				}
				switch {
				case list == "outputQuantityList":
					made += qm["quantity"].(float64)
				case e["disposition"] == "destroyed":
					destroyed += qm["quantity"].(float64)
				}
			}
		}
	}
	if inCases := float64(len(casesA) * CaseSize); made != destroyed+inCases || destroyed == 0 {
		t.Errorf("lot A: %v made, %v destroyed, %v in cases: does not balance", made, destroyed, inCases)
	}
}

func TestDeterministic(t *testing.T) {
	a, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := JSON()
	if len(a) != 6 {
		t.Fatalf("%d documents, want 6", len(a))
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			t.Fatalf("document %d differs between calls", i)
		}
	}
}
