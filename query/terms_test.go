package query

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis"
)

func TestTerms(t *testing.T) {
	ev := epcis.NewEvent(map[string]any{
		"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:shipping",
		"disposition":        "in_transit",
		"epcList":            []any{"urn:epc:id:sgtin:4012345.011111.1", "https://id.gs1.org/01/04012345111118/21/1"},
		"quantityList":       []any{map[string]any{"epcClass": "urn:epc:class:lgtin:4012345.011111.L1", "quantity": 5.0}},
		"readPoint":          map[string]any{"id": "urn:epc:id:sgln:4012345.00001.0"},
		"bizTransactionList": []any{map[string]any{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO1"}},
		"sourceList":         []any{map[string]any{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00000"}},
		"errorDeclaration":   map[string]any{"declarationTime": "2024-01-01T00:00:00Z"},
	})
	want := []string{
		"a=OBSERVE",
		"bs=^BizStep-shipping",
		"bt:^BTT-po=urn:epcglobal:cbv:bt:4012345000009:PO1",
		"c=~01/04012345111118/10/L1",
		"cg=04012345111118/7", // the LGTIN's GTIN and prefix length, for SGTIN class patterns
		"d=^Disp-in_transit",
		"e=~01/04012345111118/21/1",
		"ed=1",
		"eg=04012345111118/0", // the Digital Link: prefix length unknown
		"eg=04012345111118/7", // the URN
		"g=04012345111118",
		"rp=~414/4012345000016",
		"src:^SDT-owning_party=~417/4012345000009",
		"t=ObjectEvent",
	}
	got := Terms(ev)
	if !slices.Equal(got, want) {
		t.Errorf("Terms =\n%q\nwant\n%q", got, want)
	}
}

func TestTermsOfClassPatternsAndTransactions(t *testing.T) {
	ev := epcis.NewEvent(map[string]any{
		"type":               "ObjectEvent",
		"quantityList":       []any{map[string]any{"epcClass": "urn:epc:idpat:sgtin:4012345.011111.*", "quantity": 5.0}},
		"bizTransactionList": []any{map[string]any{"type": "desadv", "bizTransaction": "urn:epc:id:gdti:4012345.00001.77"}},
		"transformationID":   "urn:epc:id:gdti:4012345.00001.78",
	})
	got := Terms(ev)
	for _, want := range []string{"c=~01/04012345111118", "g=04012345111118", "bt:^BTT-desadv=~253/401234500001677", "x=~253/401234500001678"} {
		if !slices.Contains(got, want) {
			t.Errorf("Terms = %q, missing %q", got, want)
		}
	}
}

func TestCompactKeepsOtherValues(t *testing.T) {
	for _, s := range []string{"urn:uuid:1", "https://example.com/x", "", "~odd"} {
		if got := Compact(s); got != s {
			t.Errorf("Compact(%q) = %q", s, got)
		}
	}
}

func BenchmarkTerms(b *testing.B) {
	ev := epcis.NewEvent(map[string]any{
		"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
		"epcList": []any{"urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2",
			"urn:epc:id:sgtin:4012345.011111.3", "urn:epc:id:sgtin:4012345.011111.4"},
		"readPoint":   map[string]any{"id": "urn:epc:id:sgln:4012345.00001.0"},
		"bizLocation": map[string]any{"id": "urn:epc:id:sgln:4012345.00001.0"},
	})
	b.ReportAllocs()
	for b.Loop() {
		Terms(ev)
	}
}

// TestLotTerms checks the link from a lot to its serialised units: the
// lot number of the ILMD in its 2.0 (cbvmda: of the standard context, or
// its IRI) and 1.x (namespace#local) forms, for SGTINs only.
func TestLotTerms(t *testing.T) {
	tests := []struct {
		name, ilmd, ctx string
		want            []string
	}{
		{"standard prefix", `{"cbvmda:lotNumber": "L1"}`, `[]`, []string{"lt=04012345111118/L1"}},
		{"IRI key", `{"urn:epcglobal:cbv:mda:lotNumber": "L1"}`, `[]`, []string{"lt=04012345111118/L1"}},
		{"1.x namespace", `{"m:lotNumber": {"@value": "L2"}}`, `[{"m": "urn:epcglobal:cbv:mda"}]`, []string{"lt=04012345111118/L2"}},
		{"other namespace", `{"ex:lotNumber": "L3"}`, `[{"ex": "https://example.com/"}]`, nil},
		{"not text", `{"cbvmda:lotNumber": 5}`, `[]`, nil},
		{"no lot", `{"cbvmda:bestBeforeDate": "2025-01-01"}`, `[]`, nil},
	}
	for _, tt := range tests {
		var ilmd map[string]any
		var ctx any
		if err := json.Unmarshal([]byte(tt.ilmd), &ilmd); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(tt.ctx), &ctx)
		ev := epcis.NewEvent(map[string]any{
			"@context": ctx, "type": "ObjectEvent", "action": "ADD",
			"epcList": []any{"urn:epc:id:sgtin:4012345.011111.1", "https://id.gs1.org/01/04012345111118/21/2", "urn:epc:id:sscc:4012345.0000000001"},
			"ilmd":    ilmd,
		})
		var got []string
		for _, term := range Terms(ev) {
			if strings.HasPrefix(term, TermLot+"=") {
				got = append(got, term)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: lot terms %q, want %q", tt.name, got, tt.want)
		}
	}
}
