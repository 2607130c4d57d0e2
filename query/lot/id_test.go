package lot

import (
	"errors"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis"
)

func TestParse(t *testing.T) {
	want := ID{GTIN: "04012345123456", Lot: "L123"}
	tests := []struct {
		in   string
		want ID
		bad  bool
	}{
		{in: "urn:epc:class:lgtin:4012345.012345.L123", want: want},
		{in: "https://id.gs1.org/01/04012345123456/10/L123", want: want},
		{in: "https://example.com/01/04012345123456/10/L123", want: want},
		{in: "https://example.com/some/prefix/01/04012345123456/10/L123", want: want},
		{in: "https://id.gs1.org/01/04012345123456/10/L%2F1", want: ID{"04012345123456", "L/1"}},
		{in: "urn:epc:class:lgtin:4012345.012345.L%2F1", want: ID{"04012345123456", "L/1"}},
		{in: "", bad: true},
		{in: "L123", bad: true},
		{in: "urn:epc:id:sgtin:4012345.012345.1", bad: true},
		{in: "https://id.gs1.org/01/04012345123456/21/S1", bad: true},
		{in: "https://id.gs1.org/01/04012345123456", bad: true},
		{in: "https://id.gs1.org/00/340123450000000017", bad: true},
		{in: "https://id.gs1.org/01/04012345123457/10/L123", bad: true}, // check digit
		{in: "urn:epc:class:lgtin:4012345.012345.", bad: true},
		{in: "https://id.gs1.org/01/04012345123456/10/" + strings.Repeat("L", 600), bad: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.bad {
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != epcis.KindQueryParameter || ee.Param != "lot" {
				t.Errorf("Parse(%q) = %v, %v; want a QueryParameter error on lot", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	id := ID{GTIN: "04012345123456", Lot: "L/1"}
	if got, want := id.Canonical(), "https://id.gs1.org/01/04012345123456/10/L%2F1"; got != want {
		t.Errorf("Canonical = %s, want %s", got, want)
	}
}

// FuzzParse checks that a parsed lot's canonical form names the same lot
// and is its own canonical form, and that failures are typed.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"urn:epc:class:lgtin:4012345.012345.L123", "https://id.gs1.org/01/04012345123456/10/L123",
		"https://x.example/01/04012345123456/10/%41%2F", "urn:epc:id:sscc:4012345.0000000001", "https://id.gs1.org/01/04012345123456/21/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			var ee *epcis.Error
			if !errors.As(err, &ee) || ee.Kind != epcis.KindQueryParameter || ee.Param != "lot" {
				t.Fatalf("Parse(%q): untyped error %v", s, err)
			}
			return
		}
		c := id.Canonical()
		back, err := Parse(c)
		if err != nil || back != id {
			t.Fatalf("Parse(%q) = %+v; Parse(Canonical %q) = %+v, %v", s, id, c, back, err)
		}
		if back.Canonical() != c {
			t.Fatalf("canonical form not stable: %q then %q", c, back.Canonical())
		}
	})
}
