package gs1

import (
	"errors"
	"testing"
)

func TestPattern(t *testing.T) {
	tests := []struct {
		pat   string
		match []string
		miss  []string
	}{
		{
			pat: "urn:epc:idpat:sgtin:0614141.812345.*",
			match: []string{
				"urn:epc:id:sgtin:0614141.812345.6789",
				"https://id.gs1.org/01/80614141123458/21/x",
				"urn:epc:class:lgtin:0614141.812345.L1",
				"https://id.gs1.org/01/80614141123458",
			},
			miss: []string{
				"urn:epc:id:sgtin:0614141.812346.6789",
				"urn:epc:id:sscc:0614141.1234567890",
				"https://id.gs1.org/01/80614141123458/235/x",
			},
		},
		{
			pat: "urn:epc:idpat:sgtin:0614141.*.*",
			match: []string{
				"urn:epc:id:sgtin:0614141.812345.6789",
				"urn:epc:id:sgtin:0614141.012345.1",
				"https://id.gs1.org/01/10614141999993/21/x", // prefix length unknown: digit prefix
			},
			miss: []string{
				"urn:epc:id:sgtin:061414.1812345.6789", // different company prefix length
				"urn:epc:id:sgtin:4012345.011111.1",
			},
		},
		{
			pat:   "urn:epc:idpat:sgtin:*.*.*",
			match: []string{"urn:epc:id:sgtin:4012345.011111.1", "urn:epc:class:lgtin:4012345.011111.L"},
			miss:  []string{"urn:epc:id:sgln:4012345.00005.0"},
		},
		{
			pat:   "urn:epc:idpat:sgtin:0614141.812345.6789",
			match: []string{"urn:epc:id:sgtin:0614141.812345.6789", "https://x.example/01/80614141123458/21/6789"},
			miss:  []string{"urn:epc:id:sgtin:0614141.812345.678", "urn:epc:class:lgtin:0614141.812345.6789"},
		},
		{
			pat:   "urn:epc:idpat:sgln:4012345.00005.0",
			match: []string{"urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054"},
			miss:  []string{"urn:epc:id:sgln:4012345.00005.1"},
		},
		{
			pat:   "urn:epc:idpat:giai:4000001.*",
			match: []string{"urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111"},
			miss:  []string{"urn:epc:id:giai:400000.1111"},
		},
		{
			pat:   "urn:epc:idpat:giai:4000001.111",
			match: []string{"urn:epc:id:giai:4000001.111"},
			miss:  []string{"urn:epc:id:giai:4000001.1111"},
		},
		{
			pat:   "urn:epc:idpat:itip:4012345.011111.01.*.*",
			match: []string{"urn:epc:id:itip:4012345.011111.01.02.987", "urn:epc:id:itip:4012345.011111.01.03.1"},
			miss:  []string{"urn:epc:id:itip:4012345.011111.02.02.987"},
		},
		{
			pat:   "urn:epc:idpat:cpi:0614141.123ABC.*",
			match: []string{"urn:epc:id:cpi:0614141.123ABC.123456789"},
			miss:  []string{"urn:epc:id:cpi:0614141.123ABCD.1"},
		},
		{
			pat:   "urn:epc:idpat:sscc:*.*",
			match: []string{"urn:epc:id:sscc:0614141.1234567890"},
		},
	}
	for _, tc := range tests {
		p, err := ParsePattern(tc.pat)
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", tc.pat, err)
			continue
		}
		if p.String() != tc.pat {
			t.Errorf("String() = %q, want %q", p.String(), tc.pat)
		}
		for _, s := range tc.match {
			if !p.Match(MustParseEPC(s)) {
				t.Errorf("%s should match %s", tc.pat, s)
			}
		}
		for _, s := range tc.miss {
			if p.Match(MustParseEPC(s)) {
				t.Errorf("%s should not match %s", tc.pat, s)
			}
		}
	}
}

func TestPatternErrors(t *testing.T) {
	for _, s := range []string{
		"urn:epc:id:sgtin:0614141.812345.1",
		"urn:epc:idpat:sgtin:0614141.*.1",
		"urn:epc:idpat:sgtin:*.812345.*",
		"urn:epc:idpat:sgtin:0614141.81234.*",
		"urn:epc:idpat:sgtin:06141X1.*.*",
		"urn:epc:idpat:lgtin:0614141.812345.*",
		"urn:epc:idpat:sgtin:0614141.*",
		"urn:epc:idpat:bogus:*.*",
		"urn:epc:idpat:itip:4012345.011111.03.02.*",
	} {
		_, err := ParsePattern(s)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("ParsePattern(%q) = %v, want *Error", s, err)
		}
	}
}

func TestPatternClass(t *testing.T) {
	tests := []struct{ pat, class string }{
		{"urn:epc:idpat:sgtin:0614141.812345.*", "https://id.gs1.org/01/80614141123458"},
		{"urn:epc:idpat:itip:4012345.012345.01.02.*", "https://id.gs1.org/8006/040123451234560102"},
		{"urn:epc:idpat:grai:4012345.99999.*", "https://id.gs1.org/8003/04012345999990"},
		{"urn:epc:idpat:sgtin:0614141.*.*", ""},
		{"urn:epc:idpat:itip:4012345.012345.01.*.*", ""},
		{"urn:epc:idpat:sgln:4012345.00005.*", ""},
		{"urn:epc:idpat:sgtin:0614141.812345.1", ""},
	}
	for _, tc := range tests {
		p := MustParsePattern(tc.pat)
		e, ok := p.Class()
		if tc.class == "" {
			if ok {
				t.Errorf("%s: Class() = %v, want none", tc.pat, e)
			}
			continue
		}
		if !ok || e.Canonical() != tc.class {
			t.Errorf("%s: Class() = %v, %v; want %s", tc.pat, e.Canonical(), ok, tc.class)
		}
		if u, err := e.URN(); err != nil || u != tc.pat {
			t.Errorf("%s: Class().URN() = %s, %v", tc.pat, u, err)
		}
	}
}

func TestNewEPC(t *testing.T) {
	e, err := NewEPC(LGTIN, "04012345123456", "L1")
	if err != nil || e.Canonical() != "https://id.gs1.org/01/04012345123456/10/L1" {
		t.Errorf("NewEPC = %v, %v", e, err)
	}
	if _, err := NewEPC(LGTIN, "04012345123457", "L1"); err == nil {
		t.Error("NewEPC accepted a bad check digit")
	}
}
