package gs1

import (
	"strconv"
	"testing"
)

func seedIDs(f *testing.F) {
	for _, tc := range translations {
		f.Add(tc.urn)
		f.Add(tc.dl)
	}
	for _, tc := range dlNormalisations {
		f.Add(tc.in)
	}
}

// checkEPC asserts the invariants of a successfully parsed EPC.
func checkEPC(t *testing.T, in string, e EPC) {
	t.Helper()
	if err := e.Validate(); err != nil {
		t.Fatalf("%q parsed to invalid %+v: %v", in, e, err)
	}
	dl := e.DigitalLink()
	d, err := ParseDigitalLink(dl)
	if err != nil {
		t.Fatalf("%q: DigitalLink %q does not parse: %v", in, dl, err)
	}
	if d.DigitalLink() != dl || d.Canonical() != e.Canonical() {
		t.Fatalf("%q: DL round trip %q -> %q", in, dl, d.DigitalLink())
	}
	want := e
	want.PrefixLen = 0
	if d != want {
		t.Fatalf("%q: DL round trip %+v -> %+v", in, want, d)
	}
	es, err := ParseElementString(e.ElementString())
	if err != nil {
		t.Fatalf("%q: element string %q does not parse: %v", in, e.ElementString(), err)
	}
	if x, err := es.EPC(); err != nil || x != want {
		t.Fatalf("%q: element string round trip %+v, %v", in, x, err)
	}
	if e.PrefixLen == 0 {
		return
	}
	u, err := e.URN()
	if err != nil {
		t.Fatalf("%q: URN: %v", in, err)
	}
	back, err := ParseEPC(u)
	if err != nil || back != e {
		t.Fatalf("%q: URN round trip %q -> %+v, %v", in, u, back, err)
	}
	// URN -> DL -> URN with the prefix length known.
	tab := NewPrefixTable()
	tab.Learn(e)
	if u2, err := tab.URN(d); err != nil || u2 != u {
		t.Fatalf("%q: URN->DL->URN gave %q, %v; want %q", in, u2, err, u)
	}
}

func FuzzParseEPC(f *testing.F) {
	seedIDs(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEPC(s)
		if err != nil {
			return
		}
		checkEPC(t, s, e)
	})
}

func FuzzParseDigitalLink(f *testing.F) {
	seedIDs(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseDigitalLink(s)
		if err != nil {
			return
		}
		if e.PrefixLen != 0 {
			t.Fatalf("%q: Digital Link gave a prefix length", s)
		}
		checkEPC(t, s, e)
	})
}

// FuzzEPCFields builds EPCs from fields rather than text, so that the
// round trips are exercised on valid values far more often.
func FuzzEPCFields(f *testing.F) {
	f.Add(uint8(0), uint64(4012345011111), uint8(7), "98\"")
	f.Add(uint8(2), uint64(4012345000050), uint8(7), "0")
	f.Add(uint8(4), uint64(4012345), uint8(7), "ABC%/")
	f.Add(uint8(12), uint64(4012345011111), uint8(7), "x")
	f.Fuzz(func(t *testing.T, si uint8, n uint64, plen uint8, serial string) {
		info := &schemeTable[int(si)%len(schemeTable)]
		digits := strconv.FormatUint(n, 10)
		var key string
		switch {
		case info.keyLen == 0:
			key = digits + serial
			if len(key) > info.alnumMax {
				return
			}
			serial = ""
			if info.scheme == CPI {
				key, serial = digits+"A", strconv.FormatUint(n%1000, 10)
			}
		default:
			body := info.checkedLen() - 1
			if len(digits) > body {
				digits = digits[len(digits)-body:]
			}
			for len(digits) < body {
				digits = "0" + digits
			}
			if info.lead == leadZero {
				digits = "0" + digits[1:]
			}
			key = digits + string(CheckDigit(digits))
			if info.scheme == ITIP {
				key += "0102"
			}
		}
		e := EPC{Scheme: info.scheme, Key: key, Serial: serial, PrefixLen: int(plen % 14)}
		if e.Validate() != nil {
			return
		}
		checkEPC(t, "fields", e)
	})
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"urn:epc:idpat:sgtin:0614141.812345.*", "urn:epc:idpat:sgtin:0614141.*.*", "urn:epc:idpat:sgtin:*.*.*",
		"urn:epc:idpat:giai:4000001.*", "urn:epc:idpat:itip:4012345.011111.01.*.*", "urn:epc:idpat:sgln:4012345.00005.0", "urn:epc:idpat:cpi:0614141.1%23.*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			return
		}
		q, err := ParsePattern(p.String())
		if err != nil || q != p {
			t.Fatalf("%q: round trip via %q gave %+v, %v; want %+v", s, p.String(), q, err, p)
		}
	})
}

func FuzzParseElementString(f *testing.F) {
	for _, tc := range translations {
		f.Add(tc.es)
	}
	f.Add("(01)09521234543213(17)251231(10)ABC(3103)000195")
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseElementString(s)
		if err != nil {
			return
		}
		back, err := ParseElementString(es.String())
		if err != nil || back.String() != es.String() || len(back) != len(es) {
			t.Fatalf("%q: round trip via %q gave %v, %v", s, es.String(), back, err)
		}
		for i := range es {
			if es[i] != back[i] {
				t.Fatalf("%q: element %d %v != %v", s, i, es[i], back[i])
			}
		}
		if e, err := es.EPC(); err == nil {
			checkEPC(t, s, e)
		}
	})
}
