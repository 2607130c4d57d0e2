package api

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query/lot"
)

// bigGraph is a trace of n containers of one lot, each shipped to one of
// 50 parties: the size of answer the 10,000-node limit allows.
func bigGraph(n int) *lotTrace {
	g := &lot.Graph{Lot: "https://id.gs1.org/01/04012345123456/10/L1", Direction: lot.Forward, Depth: 10}
	g.Nodes = append(g.Nodes, lot.Node{Kind: lot.NodeLot, ID: g.Lot, Label: "L1 (GTIN 04012345123456)"})
	for i := range n {
		c := fmt.Sprintf("https://id.gs1.org/00/04012345%09d%d", i, 0)
		p := fmt.Sprintf("https://id.gs1.org/417/40123450%04d%d", i%50, 0)
		g.Nodes = append(g.Nodes, lot.Node{Kind: lot.NodeContainer, ID: c, Label: c})
		g.Edges = append(g.Edges, lot.Edge{Kind: lot.EdgePackedInto, From: g.Lot, To: c, EventIDs: []string{fmt.Sprintf("urn:uuid:%d", i)}},
			lot.Edge{Kind: lot.EdgeShippedTo, From: c, To: p, EventIDs: []string{fmt.Sprintf("urn:uuid:s%d", i)}})
	}
	return &lotTrace{Graph: g, Counts: map[string]int{"nodes": len(g.Nodes)}}
}

// BenchmarkTranslateLot measures translating a 10,000-node trace into EPC
// URNs and into Digital Links (the default: every identifier parsed and
// written again).
func BenchmarkTranslateLot(b *testing.B) {
	prefixes := gs1.NewPrefixTable()
	prefixes.Add("4012345", 7)
	for _, f := range []epcis.EPCFormat{epcis.AlwaysEPCURN, epcis.AlwaysDigitalLink} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				t := bigGraph(10_000)
				tr := &epcis.Translator{EPC: f, Prefixes: prefixes}
				b.StartTimer()
				translateLot(t, tr)
			}
		})
	}
}

// BenchmarkLotXML measures the XML form of the same trace.
func BenchmarkLotXML(b *testing.B) {
	js, err := json.Marshal(bigGraph(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(js)))
	for b.Loop() {
		if _, err := appendLotXML(nil, "LotTrace", js, nil); err != nil {
			b.Fatal(err)
		}
	}
}
