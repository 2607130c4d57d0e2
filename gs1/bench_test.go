package gs1

import (
	"strings"
	"testing"
)

var sinkEPC EPC

func BenchmarkParseEPC(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"SGTIN_URN", "urn:epc:id:sgtin:0614141.812345.6789"},
		{"SGTIN_DigitalLink", "https://id.gs1.org/01/80614141123458/21/6789"},
		{"SGLN_URN", "urn:epc:id:sgln:4012345.00005.0"},
		{"LGTIN_URN", "urn:epc:class:lgtin:4012345.012345.998877"},
		{"LGTIN_DigitalLink", "https://example.com/01/04012345123456/10/998877"},
		{"SSCC_DigitalLink", "https://id.gs1.org/00/106141412345678908"},
		{"SGTIN_URN_escaped", "urn:epc:id:sgtin:0614141.812345.6789%2F%26"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e, err := ParseEPC(bc.in)
				if err != nil {
					b.Fatal(err)
				}
				sinkEPC = e
			}
		})
	}
}

func BenchmarkCanonical(b *testing.B) {
	e := MustParseEPC("urn:epc:id:sgtin:0614141.812345.6789")
	buf := make([]byte, 0, 128)
	b.Run("Canonical", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = e.Canonical()
		}
	})
	b.Run("AppendDigitalLink", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = e.AppendDigitalLink(buf[:0])
		}
	})
	b.Run("AppendURN", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = e.AppendURN(buf[:0])
		}
	})
}

func BenchmarkPrefixTableURN(b *testing.B) {
	tab := NewPrefixTable()
	var sb strings.Builder
	sb.WriteString("<l>")
	for i := 100000; i < 200000; i++ {
		sb.WriteString(`<entry prefix="` + itoa(i) + `" gcpLength="7"/>`)
	}
	sb.WriteString("</l>")
	if err := tab.Load(strings.NewReader(sb.String())); err != nil {
		b.Fatal(err)
	}
	e := MustParseEPC("https://id.gs1.org/01/01512345111116/21/6789")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tab.URN(e); err != nil {
			b.Fatal(err)
		}
	}
}
