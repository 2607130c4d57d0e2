package hierarchy

import (
	"errors"
	"reflect"
	"testing"
)

func TestChildren(t *testing.T) {
	each, each2 := "04012345111118", "04012345222227"
	tests := []struct {
		name  string
		id    string
		value string
		want  []Child
		bad   bool
	}{
		{"lotline one child", Contains, `{"gtin":"04012345111118","quantity":12}`, []Child{{each, 12}}, false},
		{"lotline GTIN-13, quantity string", Contains, `{"gtin":"4012345111118","quantity":"6"}`, []Child{{each, 6}}, false},
		{"lotline mixed case", Contains, `{"children":[{"gtin":"04012345111118","quantity":6},{"gtin":"04012345222227","quantity":6}]}`, []Child{{each, 6}, {each2, 6}}, false},
		{"lotline children beside gtin", Contains, `{"children":[{"gtin":"04012345111118","quantity":6}],"gtin":"04012345111118"}`, nil, true},
		{"lotline list at top", Contains, `[{"gtin":"04012345111118","quantity":12}]`, nil, true},
		{"gdsn object child", GDSNNextLowerLevel, `{"quantityOfChildren":"1","totalQuantityOfNextLowerLevelTradeItem":"50","childTradeItem":{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":"50"}}`, []Child{{each, 50}}, false},
		{"gdsn list", GDSNNextLowerLevel, `{"childTradeItem":[{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":8},{"gtin":"04012345222227","quantityOfNextLowerLevelTradeItem":14}],"totalQuantityOfNextLowerLevelTradeItem":22}`, []Child{{each, 8}, {each2, 14}}, false},
		{"other attribute", "urn:epcglobal:cbv:mda#lotNumber", `"PB-1"`, nil, false},
		{"gdsn total disagrees", GDSNNextLowerLevel, `{"childTradeItem":{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":8},"totalQuantityOfNextLowerLevelTradeItem":9}`, nil, true},
		{"gdsn children count disagrees", GDSNNextLowerLevel, `{"childTradeItem":{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":8},"quantityOfChildren":2}`, nil, true},
		{"gdsn no children", GDSNNextLowerLevel, `{"quantityOfChildren":1}`, nil, true},
		{"gdsn not an object", GDSNNextLowerLevel, `[1]`, nil, true},
		{"bad check digit", Contains, `{"gtin":"04012345111119","quantity":12}`, nil, true},
		{"short gtin", Contains, `{"gtin":"4012345","quantity":12}`, nil, true},
		{"gtin not a string", Contains, `{"gtin":4012345111118,"quantity":12}`, nil, true},
		{"zero quantity", Contains, `{"gtin":"04012345111118","quantity":0}`, nil, true},
		{"fractional quantity", Contains, `{"gtin":"04012345111118","quantity":1.5}`, nil, true},
		{"no quantity", Contains, `{"gtin":"04012345111118"}`, nil, true},
		{"empty children", Contains, `{"children":[]}`, nil, true},
		{"null child", Contains, `{"children":[null]}`, nil, true},
		{"string value", Contains, `"04012345111118"`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Children(tt.id, []byte(tt.value))
			if tt.bad {
				if !errors.Is(err, ErrValue) {
					t.Fatalf("Children = %v, %v; want ErrValue", got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Children = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestIndicator(t *testing.T) {
	tests := []struct {
		gtin string
		d    byte
		want string
	}{
		{"04012345111118", '1', "14012345111115"},
		{"04012345111118", '2', "24012345111112"},
		{"14012345111115", '0', "04012345111118"},
		{"04012345222227", '1', "14012345222224"},
	}
	for _, tt := range tests {
		got, err := WithIndicator(tt.gtin, tt.d)
		if err != nil || got != tt.want {
			t.Errorf("WithIndicator(%s, %c) = %q, %v; want %s", tt.gtin, tt.d, got, err, tt.want)
		}
		if !SameBody(tt.gtin, got) || Indicator(got) != tt.d {
			t.Errorf("SameBody/Indicator disagree for %s and %s", tt.gtin, got)
		}
	}
	if SameBody("04012345111118", "04012345222227") {
		t.Error("SameBody of different items")
	}
	for _, bad := range []struct {
		gtin string
		d    byte
	}{{"04012345111119", '1'}, {"4012345111118", '1'}, {"04012345111118", 'x'}} {
		if got, err := WithIndicator(bad.gtin, bad.d); err == nil {
			t.Errorf("WithIndicator(%s, %c) = %q, want an error", bad.gtin, bad.d, got)
		}
	}
}

func FuzzChildren(f *testing.F) {
	f.Add(Contains, `{"children":[{"gtin":"04012345111118","quantity":12}]}`)
	f.Add(GDSNNextLowerLevel, `{"childTradeItem":{"gtin":"04012345111118","quantityOfNextLowerLevelTradeItem":"8"},"totalQuantityOfNextLowerLevelTradeItem":8}`)
	f.Fuzz(func(t *testing.T, id, value string) {
		got, err := Children(id, []byte(value))
		if err != nil {
			if !errors.Is(err, ErrValue) {
				t.Fatalf("error %v does not wrap ErrValue", err)
			}
			return
		}
		if !IsHierarchyAttribute(id) && got != nil {
			t.Fatalf("children for foreign attribute %q", id)
		}
		for _, c := range got {
			if len(c.GTIN) != 14 || c.Quantity < 1 {
				t.Fatalf("bad child %+v", c)
			}
			if _, err := GTIN14(c.GTIN); err != nil {
				t.Fatalf("child GTIN %s: %v", c.GTIN, err)
			}
		}
	})
}
