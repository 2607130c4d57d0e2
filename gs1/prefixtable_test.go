package gs1

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

const prefixXML = `<?xml version="1.0" encoding="UTF-8"?>
<GCPPrefixFormatList xmlns="urn:test" date="2024-01-01">
  <entry prefix="0614" gcpLength="7"/>
  <entry prefix="40123" gcpLength="7"/>
  <entry prefix="95211" gcpLength="7"/>
  <entry prefix="952" gcpLength="9"/>
  <entry prefix="02" gcpLength="0"/>
</GCPPrefixFormatList>`

const prefixJSON = `{"GCPPrefixFormatList": {"date": "2024-01-01", "entry": [
  {"prefix": "0614", "gcpLength": 7},
  {"prefix": "40123", "gcpLength": "7"},
  {"prefix": "95211", "gcpLength": 7},
  {"prefix": "952", "gcpLength": 9},
  {"prefix": "02", "gcpLength": 0}
]}}`

func TestPrefixTableLoad(t *testing.T) {
	for name, src := range map[string]string{"xml": prefixXML, "json": prefixJSON, "flat": `[{"prefix":"0614","gcpLength":7},{"prefix":"40123","gcpLength":7},{"prefix":"95211","gcpLength":7},{"prefix":"952","gcpLength":9},{"prefix":"02","gcpLength":0}]`} {
		t.Run(name, func(t *testing.T) {
			tab := NewPrefixTable()
			if err := tab.Load(strings.NewReader(src)); err != nil {
				t.Fatal(err)
			}
			if tab.Len() != 5 {
				t.Errorf("Len() = %d", tab.Len())
			}
			tests := []struct{ dl, urn string }{
				{"https://id.gs1.org/01/80614141123458/21/6789", "urn:epc:id:sgtin:0614141.812345.6789"},
				{"https://id.gs1.org/01/09521141012345/21/2017", "urn:epc:id:sgtin:9521141.001234.2017"},
				{"https://id.gs1.org/01/09529999012340", "urn:epc:idpat:sgtin:952999901.0234.*"},
				{"https://id.gs1.org/414/4012345000054", "urn:epc:id:sgln:4012345.00005.0"},
				{"https://id.gs1.org/8004/4012345ABC", "urn:epc:id:giai:4012345.ABC"},
			}
			for _, tc := range tests {
				got, err := tab.URN(MustParseEPC(tc.dl))
				if err != nil || got != tc.urn {
					t.Errorf("URN(%s) = %q, %v; want %s", tc.dl, got, err, tc.urn)
				}
			}
			for _, dl := range []string{"https://id.gs1.org/01/00212345000014/21/1", "https://id.gs1.org/01/07123456789015/21/1"} {
				_, err := tab.URN(MustParseEPC(dl))
				var pe *PrefixLengthError
				if !errors.Is(err, ErrUnknownPrefixLength) || !errors.As(err, &pe) {
					t.Errorf("URN(%s) error = %v, want ErrUnknownPrefixLength", dl, err)
				}
			}
		})
	}
}

func TestPrefixTableLoadErrors(t *testing.T) {
	for _, src := range []string{
		"",
		"<x/>",
		`<l><entry prefix="12a" gcpLength="7"/></l>`,
		`<l><entry prefix="123" gcpLength="3"/></l>`,
		`<l><entry prefix="123" gcpLength="x"/></l>`,
		`{"entry": []}`,
		`{"nothing": 1}`,
		`[{"prefix": "1", "gcpLength": 13}]`,
		`{`,
	} {
		if err := NewPrefixTable().Load(strings.NewReader(src)); err == nil {
			t.Errorf("Load(%q) = nil, want error", src)
		}
	}
}

func TestPrefixTableLearn(t *testing.T) {
	tab := NewPrefixTable()
	dl := MustParseEPC("https://example.com/01/04012345111118/21/abc")
	if _, err := tab.URN(dl); !errors.Is(err, ErrUnknownPrefixLength) {
		t.Fatalf("want unknown, got %v", err)
	}
	tab.Learn(MustParseEPC("urn:epc:id:sgln:4012345.00005.0"))
	got, err := tab.URN(dl)
	if err != nil || got != "urn:epc:id:sgtin:4012345.011111.abc" {
		t.Errorf("after Learn: %q, %v", got, err)
	}
	tab.Learn(dl) // no prefix length: ignored
	if tab.Len() != 1 {
		t.Errorf("Len() = %d", tab.Len())
	}
}

func TestPrefixTableConcurrent(t *testing.T) {
	tab := NewPrefixTable()
	e := MustParseEPC("https://id.gs1.org/01/04012345111118/21/abc")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				tab.Learn(MustParseEPC("urn:epc:id:sgtin:4012345.011111.1"))
				_, _ = tab.URN(e)
			}
		}()
	}
	wg.Wait()
	if got, _ := tab.URN(e); got != "urn:epc:id:sgtin:4012345.011111.abc" {
		t.Errorf("got %q", got)
	}
}

func TestLearnURN(t *testing.T) {
	tab := NewPrefixTable()
	for _, s := range []string{"urn:epc:id:sgtin:4012345.011111.1", "urn:epc:class:lgtin:061414112.0123.L1",
		"urn:epc:idpat:sscc:95201234.*", "urn:uuid:123", "urn:epc:id:sgtin:x.1.2", "https://id.gs1.org/01/1"} {
		tab.LearnURN(s)
	}
	if tab.Len() != 3 {
		t.Fatalf("learned %d prefixes, want 3", tab.Len())
	}
	e := MustParseEPC("https://id.gs1.org/01/04012345111118/21/1")
	urn, err := tab.URN(e)
	if err != nil || urn != "urn:epc:id:sgtin:4012345.011111.1" {
		t.Errorf("URN = %q, %v", urn, err)
	}
}
