package web

import (
	"errors"
	"strings"
	"testing"

	"github.com/lotline/lotline/gs1"
)

func TestParseSearch(t *testing.T) {
	const (
		lotDL   = "https://id.gs1.org/01/04012345111118/10/PB-1"
		sgtinDL = "https://id.gs1.org/01/04012345111118/21/S1"
		ssccDL  = "https://id.gs1.org/00/040123450000000016"
	)
	sscc := gs1.MustParseEPC(ssccDL)
	for _, tc := range []struct {
		name, q, gtin, lot string
		kind, want         string // want: canonical Digital Link
		err                string // part of the error, when one is expected
	}{
		{name: "element string", q: "(01)04012345111118(10)PB-1", kind: TargetLot, want: lotDL},
		{name: "element string, other AIs ignored", q: "(01)04012345111118(17)261231(10)PB-1", kind: TargetLot, want: lotDL},
		{name: "element string, SGTIN", q: "(01)04012345111118(21)S1", kind: TargetSGTIN, want: sgtinDL},
		{name: "element string, SSCC", q: "(00)" + sscc.Key, kind: TargetSSCC, want: ssccDL},
		{name: "raw with GS", q: "0104012345111118\x1d10PB-1", kind: TargetLot, want: lotDL},
		{name: "raw, variable field last", q: "010401234511111810PB-1", kind: TargetLot, want: lotDL},
		{name: "raw, fixed-length date then lot", q: "011040123451111817261231" + "10PB-1", err: "check digit"},
		{name: "raw, date between", q: "010401234511111817261231" + "10PB-1", kind: TargetLot, want: lotDL},
		{name: "raw with symbology identifier", q: "]C1010401234511111810PB-1", kind: TargetLot, want: lotDL},
		{name: "raw with GS typed out", q: "0104012345111118<GS>10PB-1", kind: TargetLot, want: lotDL},
		{name: "raw, lot before serial with GS", q: "010401234511111810PB-1\x1d21S1", kind: TargetSGTIN, want: sgtinDL},
		{name: "raw SSCC", q: "00" + sscc.Key, kind: TargetSSCC, want: ssccDL},
		{name: "bare SSCC", q: sscc.Key, kind: TargetSSCC, want: ssccDL},
		{name: "GTIN space lot", q: "04012345111118 PB-1", kind: TargetLot, want: lotDL},
		{name: "form fields", gtin: "04012345111118", lot: " PB-1 ", kind: TargetLot, want: lotDL},
		{name: "form fields win over q", q: "junk", gtin: "04012345111118", lot: "PB-1", kind: TargetLot, want: lotDL},
		{name: "LGTIN URN", q: "urn:epc:class:lgtin:4012345.011111.PB-1", kind: TargetLot, want: lotDL},
		{name: "SGTIN URN", q: "urn:epc:id:sgtin:4012345.011111.S1", kind: TargetSGTIN, want: sgtinDL},
		{name: "SSCC URN", q: "urn:epc:id:sscc:4012345.0000000001", kind: TargetSSCC, want: ssccDL},
		{name: "Digital Link on another host", q: "https://example.com/01/04012345111118/10/PB-1", kind: TargetLot, want: lotDL},
		{name: "spaces around", q: "  (01)04012345111118(10)PB-1\n", kind: TargetLot, want: lotDL},
		{name: "empty", q: "  ", err: "type or scan"},
		{name: "GTIN alone", q: "(01)04012345111118", err: "GTIN alone"},
		{name: "bad check digit", q: "(01)04012345111119(10)PB-1", err: "check digit"},
		{name: "form, bad GTIN", gtin: "123", lot: "A", err: "AI 01"},
		{name: "form, no lot", gtin: "04012345111118", err: "AI 10"},
		{name: "unknown AI", q: "9x", err: "no known AI"},
		{name: "cut inside a fixed value", q: "01040123", err: "ends inside"},
		{name: "duplicate AI", q: "0104012345111118\x1d0104012345111118", err: "more than once"},
		{name: "a location", q: "urn:epc:id:sgln:4012345.00001.0", err: "names a sgln"},
		{name: "a product class", q: "https://id.gs1.org/01/04012345111118", err: "names a sgtin"},
		{name: "garbage URN", q: "urn:nope", err: ""},
		{name: "too long", q: strings.Repeat("1", maxSearchLen+1), err: "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSearch(tc.q, tc.gtin, tc.lot)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("= %+v, want an error containing %q", got, tc.err)
				}
				if !errors.Is(err, ErrSearch) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %q, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.kind || got.EPC.Canonical() != tc.want {
				t.Errorf("= %s %s, want %s %s", got.Kind, got.EPC.Canonical(), tc.kind, tc.want)
			}
		})
	}
}

// FuzzParseSearch: any input gives a target or an ErrSearch, never a
// panic, and a target's Digital Link parses back to the same target.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"(01)04012345111118(10)PB-1", "0104012345111118\x1d10PB-1", "]C1010401234511111810PB-1",
		"urn:epc:id:sscc:4012345.0000000001", "04012345111118 PB-1", "(00)", "00", "01", "3103000123", "<GS>", "https://id.gs1.org/01/04012345111118/21/S1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := ParseSearch(q, "", "")
		if err != nil {
			if !errors.Is(err, ErrSearch) {
				t.Fatalf("error %v is not an ErrSearch", err)
			}
			return
		}
		again, err := ParseSearch(got.EPC.Canonical(), "", "")
		if err != nil || again.Kind != got.Kind || again.EPC.Canonical() != got.EPC.Canonical() {
			t.Fatalf("%q -> %s %s -> %+v, %v", q, got.Kind, got.EPC.Canonical(), again, err)
		}
	})
}
