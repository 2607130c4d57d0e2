package gs1

import (
	"errors"
	"testing"
)

func TestParseElementString(t *testing.T) {
	es, err := ParseElementString("(01)09521234543213(17)251231(10)ABC(3103)000195(21)X1")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 5 || es.String() != "(01)09521234543213(17)251231(10)ABC(3103)000195(21)X1" {
		t.Errorf("got %v", es)
	}
	if v, ok := es.Get("17"); !ok || v != "251231" {
		t.Errorf("Get(17) = %q, %v", v, ok)
	}
	e, err := es.EPC()
	if err != nil || e.Canonical() != "https://id.gs1.org/01/09521234543213/21/X1" {
		t.Errorf("EPC() = %v, %v", e, err)
	}
	es, _ = ParseElementString("(01)09521234543213(10)ABC")
	if e, err := es.EPC(); err != nil || e.Scheme != LGTIN {
		t.Errorf("lgtin EPC() = %v, %v", e, err)
	}
}

func TestElementStringErrors(t *testing.T) {
	tests := []struct{ in, part string }{
		{"", "element string"},
		{"01)09521234543213", "element string"},
		{"(01", "element string"},
		{"(1)x", "AI"},
		{"(01)09521234543214", "check digit"},
		{"(01)0952123454321", "AI 01"},
		{"(10)" + "ABCDEFGHIJKLMNOPQRSTU", "AI 10"},
		{"(10)AB CD", "AI 10"},
		{"(17)251331", "AI 17"},
		{"(17)250230", "AI 17"},
		{"(11)240229", ""},
		{"(17)250200", ""},
		{"(11)250100", ""},
		{"(7003)2501011260", "AI 7003"},
		{"(999)1", "AI"},
		{"(10)A(10)B", "AI"},
		{"(253)4012345000092PO-4711", ""},
		{"(253)4012345000093", "check digit"},
		{"(8003)14012345000021", "check digit"},
		{"(8003)14012345000023", "AI 8003"},
		{"(8006)040123451234560302", "piece number"},
		{"(8010)0614141abc", "AI 8010"},
		{"(3103)000195", ""},
		{"(3303)000195", ""},
		{"(3399)000195", "AI"},
		{"(3803)000195", "AI"},
		{"(402)40123452223334442", ""},
		{"(255)40123456789010471A", "AI 255"},
	}
	for _, tc := range tests {
		_, err := ParseElementString(tc.in)
		if tc.part == "" {
			if err != nil {
				t.Errorf("ParseElementString(%q): %v", tc.in, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Part != tc.part {
			t.Errorf("ParseElementString(%q) = %v, want part %q", tc.in, err, tc.part)
		}
	}
}

func TestElementStringEPCErrors(t *testing.T) {
	for _, in := range []string{"(17)251231", "(01)09521234543213(00)106141412345678908", "(01)09521234543213(235)X(21)1"} {
		es, err := ParseElementString(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if _, err := es.EPC(); err == nil {
			t.Errorf("%s: EPC() = nil error", in)
		}
	}
}

func TestAITitle(t *testing.T) {
	if s, ok := AITitle("01"); !ok || s != "GTIN" {
		t.Errorf("AITitle(01) = %q", s)
	}
	if _, ok := AITitle("3920"); ok {
		t.Error("3920 is not a measure AI we know")
	}
}
