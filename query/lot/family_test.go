package lot

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/store"
)

func TestSiblings(t *testing.T) {
	for _, tc := range []struct {
		gtin string
		want []string
	}{
		{"04012345111118", []string{"14012345111115", "24012345111112", "34012345111119", "44012345111116",
			"54012345111113", "64012345111110", "74012345111117", "84012345111114"}},
		{"14012345111115", []string{"04012345111118", "24012345111112", "34012345111119", "44012345111116",
			"54012345111113", "64012345111110", "74012345111117", "84012345111114"}},
		{"94012345111111", nil}, // variable measure: no groupings
		{"4012345", nil},
	} {
		if got := siblings(tc.gtin); !slices.Equal(got, tc.want) {
			t.Errorf("siblings(%s) = %v, want %v", tc.gtin, got, tc.want)
		}
	}
}

func TestGTINOf(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"04012345111118", "04012345111118"},
		{"4012345111118", "04012345111118"}, // GTIN-13
		{"04012345111119", ""},              // bad check digit
		{"urn:epc:idpat:sgtin:4012345.011111.*", "04012345111118"},
		{"https://id.gs1.org/01/14012345111115", "14012345111115"},
		{"urn:epc:class:lgtin:4012345.111111.PB-1", "14012345111115"},
		{"urn:epc:id:sscc:4012345.0000000101", ""},
		{"", ""},
	} {
		if got := gtinOf(tc.in); got != tc.want {
			t.Errorf("gtinOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func attr(id, value string) store.Attribute { return store.Attribute{ID: id, Value: []byte(value)} }

func TestHierarchyOf(t *testing.T) {
	caseID := "urn:epc:idpat:sgtin:4012345.111111.*"
	for _, tc := range []struct {
		name string
		el   store.VocabularyElement
		want []child
	}{
		{"GDSN nextLowerLevelTradeItemInformation", store.VocabularyElement{ID: caseID, Attributes: []store.Attribute{
			attr("gs1:nextLowerLevelTradeItemInformation", `{"quantityOfChildren":1,"childTradeItem":[{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":24}]}`)}},
			[]child{{gtin: "04012345111118", qty: 24}}},
		{"GDSN childTradeItem under a namespace URI", store.VocabularyElement{ID: "https://id.gs1.org/01/14012345111115", Attributes: []store.Attribute{
			attr("https://gs1.example/gdsn#childTradeItem", `{"gs1:gtin":"04012345111118","gs1:quantityOfNextLowerLevelTradeItem":"12"}`)}},
			[]child{{gtin: "04012345111118", qty: 12}}},
		{"Lotline attribute, list, quantity unknown", store.VocabularyElement{ID: caseID, Attributes: []store.Attribute{
			attr(AttrContains, `[{"gtin":"urn:epc:idpat:sgtin:4012345.011111.*"},{"gtin":"24012345111112","quantity":2}]`)}},
			[]child{{gtin: "04012345111118"}, {gtin: "24012345111112", qty: 2}}},
		{"Lotline attribute with children, as epcisgen writes it", store.VocabularyElement{ID: caseID, Attributes: []store.Attribute{
			attr(AttrContains, `{"children":[{"gtin":"04012345111118","quantity":20}]}`)}},
			[]child{{gtin: "04012345111118", qty: 20}}},
		{"itself and unknown shapes are ignored", store.VocabularyElement{ID: caseID, Attributes: []store.Attribute{
			attr(AttrContains, `{"gtin":"14012345111115","quantity":3}`), attr(AttrContains, `"24 eaches"`),
			attr("urn:epcglobal:cbv:mda#descriptionShort", `"Case"`)}},
			nil},
		{"not a product class", store.VocabularyElement{ID: "urn:epc:id:sgln:4012345.00001.0", Attributes: []store.Attribute{
			attr(AttrContains, `{"gtin":"04012345111118","quantity":3}`)}},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.el.Type = EPCClassVocabulary
			h := hierarchyOf([]store.VocabularyElement{tc.el})
			var got []child
			for _, cs := range h {
				for _, c := range cs {
					got = append(got, child{gtin: c.gtin, qty: c.qty})
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("children = %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzHierarchyOf: any attribute value gives children that are valid
// GTIN-14s other than the parent, with a non-negative quantity.
func FuzzHierarchyOf(f *testing.F) {
	f.Add(AttrContains, `{"gtin":"04012345111118","quantity":24}`)
	f.Add("gs1:nextLowerLevelTradeItemInformation", `{"childTradeItem":[{"gtin":"4012345111118","quantityOfNextLowerLevelTradeItem":"6"}]}`)
	f.Add("x:childTradeItem", `[[{"gtin":"urn:epc:idpat:sgtin:4012345.011111.*"}]]`)
	f.Fuzz(func(t *testing.T, id, value string) {
		if !json.Valid([]byte(value)) {
			return
		}
		h := hierarchyOf([]store.VocabularyElement{{Type: EPCClassVocabulary, ID: "urn:epc:idpat:sgtin:4012345.111111.*",
			Attributes: []store.Attribute{attr(id, value)}}})
		for p, cs := range h {
			for _, c := range cs {
				if c.gtin == p || len(c.gtin) != 14 || !gs1.ValidCheckDigit(c.gtin) || c.qty < 0 {
					t.Errorf("child %+v of %s", c, p)
				}
			}
		}
	})
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {50, "50"}, {1250, "1,250"}, {1234567.5, "1,234,567.5"}, {-1200, "-1,200"}, {100, "100"}} {
		if got := Thousands(tc.v); got != tc.want {
			t.Errorf("Thousands(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestBalanceSerialised: serialised eaches packed into a case serial
// under the case's own GTIN, the case on a pallet; the pallet ships, then
// the case ships again alone (a second leg). The eaches shipped are
// counted once, and only through what the containers held: 2 of 3.
func TestBalanceSerialised(t *testing.T) {
	const (
		e1, e2, e3 = "urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2", "urn:epc:id:sgtin:4012345.011111.3"
		c1         = "urn:epc:id:sgtin:4012345.111111.9"
		loc        = "urn:epc:id:sgln:4012345.00001.0"
	)
	m := newMemStore(t,
		ev(1, "0800", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["`+e1+`","`+e2+`","`+e3+`"],"ilmd":{"cbvmda:lotNumber":"PB-1"}`),
		ev(2, "0801", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning","epcList":["`+c1+`"],"ilmd":{"cbvmda:lotNumber":"PB-1"}`),
		nest(3, "0810", c1, e1, e2),
		nest(4, "0820", sscc(1), c1),
		ev(5, "0900", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+sscc(1)+`"]`),
		ev(6, "1000", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","epcList":["`+c1+`"]`),
		ev(7, "1100", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"storing","bizLocation":{"id":"`+loc+`"},"epcList":["`+e3+`"]`),
		ev(8, "1200", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","epcList":["`+sscc(1)+`"]`),
	)
	rec, err := History(context.Background(), m, mustParse(t, "urn:epc:class:lgtin:4012345.011111.PB-1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := rec.Balance
	if b.Made != 3 || b.Shipped != 2 || b.Received != 2 || b.Accounted != 2 || b.Unaccounted != 1 || b.PackedInContainers != 2 {
		t.Errorf("balance = %+v, want 3 made, 2 shipped, 2 received, 1 unaccounted", b)
	}
	if b.LastSeen == nil || b.LastSeen.EventID != "urn:uuid:7" || b.LastSeen.Location != loc {
		t.Errorf("lastSeen = %+v, want the storing of e3", b.LastSeen)
	}
	// The case's level holds 2 eaches, learnt from its packing.
	if len(rec.Family.Links) != 1 || rec.Family.Links[0].Quantity != 2 || rec.Family.Links[0].Inferred {
		t.Errorf("links = %+v, want case contains 2 (aggregation and inferred)", rec.Family.Links)
	}
	if want := []string{"https://id.gs1.org/01/04012345111118/21/1", "https://id.gs1.org/01/04012345111118/21/2",
		"https://id.gs1.org/01/04012345111118/21/3", "https://id.gs1.org/01/14012345111115/21/9"}; !slices.Equal(rec.Units, want) {
		t.Errorf("units = %v, want %v", rec.Units, want)
	}

	// Inference off: the case serial is another product's.
	rec, err = History(context.Background(), m, mustParse(t, "urn:epc:class:lgtin:4012345.011111.PB-1"), Options{NoInference: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Family.Levels) != 1 || len(rec.Units) != 3 {
		t.Errorf("without inference: levels %+v, units %v", rec.Family.Levels, rec.Units)
	}
}

// TestOutputsOfTwoLevels: one transformation makes 24 eaches and 2 cases
// of the lot (the layout epcisgen writes); the link learns that a case
// holds 12, and a shipment of one case by class counts 12 eaches.
func TestOutputsOfTwoLevels(t *testing.T) {
	const each, cs = "urn:epc:class:lgtin:4012345.011111.PB-1", "urn:epc:class:lgtin:4012345.111111.PB-1"
	m := newMemStore(t,
		ev(1, "0800", `"type":"TransformationEvent","bizStep":"commissioning",`+
			`"inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.022222.RAW","quantity":3,"uom":"KGM"}],`+
			`"outputQuantityList":[{"epcClass":"`+each+`","quantity":24},{"epcClass":"`+cs+`","quantity":2}]`),
		ev(2, "0900", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","quantityList":[{"epcClass":"`+cs+`","quantity":1}]`),
	)
	rec, err := History(context.Background(), m, mustParse(t, cs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := rec.Family.Links
	if len(l) != 1 || l[0].Quantity != 12 || l[0].Inferred || len(l[0].Reasons) != 2 || l[0].Reasons[0].Kind != LinkTransformation {
		t.Fatalf("links = %+v, want case contains 12 by the transformation (and the indicator digit)", l)
	}
	if b := rec.Balance; b.Made != 24 || b.Shipped != 12 || b.Unaccounted != 12 || len(b.Packed) != 1 || b.Packed[0].BaseUnits != 24 {
		t.Errorf("balance = %+v", b)
	}
	if len(rec.Balance.Uncounted) != 0 {
		t.Errorf("uncounted = %+v: the raw material's KGM is not the family's", rec.Balance.Uncounted)
	}
}
