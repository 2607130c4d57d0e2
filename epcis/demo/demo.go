// Package demo builds a small, realistic contract-manufacturing scenario
// as EPCIS 2.0 JSON-LD documents, for `lotline serve --demo`: a supplier
// ships two certified raw-material lots to a contract manufacturer, who
// mixes them into an intermediate lot, fills two finished lots of
// bottles, samples and destroys two bottles for the laboratory, inspects
// (with a deviation and a corrected re-inspection), releases, packs the
// bottles into cases, puts cases on pallets (moving one case from one
// pallet to another), and ships to three buyers, who receive; later one
// raw lot is recalled.
//
// The packaging follows the common GS1 layout: the production lot is made
// under the bottle's GTIN (indicator digit 0, [FinishedLot]); the cases
// are serialised under the case's own GTIN (indicator digit 1, same
// GTIN-13 body, [CaseClass]) and their commissioning ILMD gives the lot
// number; the first document's header says, as EPCClass master data in
// GDSN's terms (see gs1/hierarchy), that a case contains [CaseSize]
// bottles. Lot A's cases are linked to the lot only that way; lot B's
// bottles are also packed into their cases by quantity (AggregationEvents
// with a childQuantityList of the lot's class). Pallets are SSCCs.
//
// Lot A's mass balance: 62 bottles made, 2 sampled and destroyed, 60 in
// five cases, of which one case (12) went to the first buyer, three (36)
// to the second, and one (12) stays in the warehouse.
//
// The documents are deterministic: fixed identifiers and dates in March
// and April 2026, no eventIDs (capture gives each event its CBV hash).
package demo

import (
	"encoding/json"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/hierarchy"
)

// Identifiers a user types to explore the scenario.
const (
	// RawLot is the raw-material lot later recalled by its supplier.
	RawLot = "urn:epc:class:lgtin:4098765.011111.SUG-2601"
	// OtherRawLot is the second raw-material lot.
	OtherRawLot = "urn:epc:class:lgtin:4098765.022222.CIT-2602"
	// IntermediateLot is the mixed bulk made from both raw lots.
	IntermediateLot = "urn:epc:class:lgtin:4012345.033333.MIX-2603"
	// FinishedLot is the finished lot the README traces; FinishedLotB is
	// the second lot filled from the same mix.
	FinishedLot  = "urn:epc:class:lgtin:4012345.044444.FG-2603A"
	FinishedLotB = "urn:epc:class:lgtin:4012345.044444.FG-2603B"
	// EachClass is the bottle's product class (indicator digit 0) and
	// CaseClass the case's (indicator digit 1); a case holds CaseSize
	// bottles.
	EachClass = "urn:epc:idpat:sgtin:4012345.044444.*"
	CaseClass = "urn:epc:idpat:sgtin:4012345.144444.*"
	CaseSize  = 12
)

// EachGTIN and CaseGTIN are the GTIN-14s of EachClass and CaseClass.
var (
	EachGTIN = gs1.MustParseEPC(EachClass).GTIN()
	CaseGTIN = must(hierarchy.WithIndicator(EachGTIN, '1'))
)

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// Parties (PGLN) and sites (SGLN).
const (
	supplier     = "urn:epc:id:pgln:4098765.00001"
	supplierSite = "urn:epc:id:sgln:4098765.00010.0"
	maker        = "urn:epc:id:pgln:4012345.00001"
	makerSite    = "urn:epc:id:sgln:4012345.00001.0"
	areaReceive  = "urn:epc:id:sgln:4012345.00001.RCV"
	areaMix      = "urn:epc:id:sgln:4012345.00001.MIX"
	areaFill     = "urn:epc:id:sgln:4012345.00001.FIL"
	areaQC       = "urn:epc:id:sgln:4012345.00001.QC"
	areaStore    = "urn:epc:id:sgln:4012345.00001.WH"
)

// Buyer is one customer of the contract manufacturer.
type Buyer struct {
	Name, Party, Site, PO string
}

// Buyers receive the finished lots: the first two get lot A, the third
// lot B.
var Buyers = []Buyer{
	{"Nordmarkt Retail GmbH", "urn:epc:id:pgln:4023456.00001", "urn:epc:id:sgln:4023456.00011.0", "urn:epcglobal:cbv:bt:4023456000016:PO-NM-5520"},
	{"Alpenfrisch AG", "urn:epc:id:pgln:4034567.00001", "urn:epc:id:sgln:4034567.00012.0", "urn:epcglobal:cbv:bt:4034567000015:PO-AF-0931"},
	{"Baltic Foods Ltd", "urn:epc:id:pgln:4045678.00001", "urn:epc:id:sgln:4045678.00013.0", "urn:epcglobal:cbv:bt:4045678000014:PO-BF-7710"},
}

const (
	supplierPO = "urn:epcglobal:cbv:bt:4012345000016:PO-4711"
	desadv     = "urn:epcglobal:cbv:bt:4098765000010:DESADV-88120"
	fillingRun = "urn:uuid:7d1c2a4e-3f6b-4c8a-9e21-5b0f2c6d2603"
)

func caseID(serial string) string { return "urn:epc:id:sgtin:4012345.144444." + serial }
func sscc(ref string) string      { return "urn:epc:id:sscc:4012345." + ref }

// Bottles made and sampled, cases of each lot and pallets.
const (
	madeA, sampledA = 62, 2
	madeB           = 2 * CaseSize
)

var (
	casesA  = []string{caseID("1001"), caseID("1002"), caseID("1003"), caseID("1004"), caseID("1005")}
	casesB  = []string{caseID("2001"), caseID("2002")}
	pallets = []string{sscc("0000000201"), sscc("0000000202"), sscc("0000000203")}
)

// CasesA returns the case serials of lot A, CasesB those of lot B.
func CasesA() []string { return append([]string(nil), casesA...) }

// CasesB returns the case serials of lot B.
func CasesB() []string { return append([]string(nil), casesB...) }

// Pallets returns the pallets shipped to the buyers, in Buyers' order.
func Pallets() []string { return append([]string(nil), pallets...) }

type obj = map[string]any

func ev(typ, when string, fields obj) obj {
	e := obj{"type": typ, "eventTime": when, "eventTimeZoneOffset": "+01:00"}
	for k, v := range fields {
		e[k] = v
	}
	return e
}

func qty(class string, q float64, uom string) obj {
	m := obj{"epcClass": class, "quantity": q}
	if uom != "" {
		m["uom"] = uom
	}
	return m
}

func bt(typ, id string) obj { return obj{"type": typ, "bizTransaction": id} }

func party(dir, typ, id string) obj { return obj{"type": typ, dir: id} }

func strs(list ...string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

func document(created string, events []any, header obj) obj {
	d := obj{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/epcis-context.jsonld"},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  created,
		"epcisBody":     obj{"eventList": events},
	}
	if header != nil {
		d["epcisHeader"] = header
	}
	return d
}

func attr(id string, v any) obj { return obj{"id": id, "attribute": v} }

func masterData() obj {
	loc := func(id, name string, children ...string) obj {
		e := obj{"id": id, "attributes": []any{attr("urn:epcglobal:cbv:mda#name", name)}}
		if len(children) > 0 {
			e["children"] = strs(children...)
		}
		return e
	}
	prod := func(class, short string, more ...any) obj {
		return obj{"id": class, "attributes": append([]any{attr("urn:epcglobal:cbv:mda#descriptionShort", short)}, more...)}
	}
	// The case's next lower level, in GDSN's terms.
	contents := attr(hierarchy.GDSNNextLowerLevel, obj{
		hierarchy.GDSNQuantityOfChildren: 1.0,
		hierarchy.GDSNTotalQuantity:      float64(CaseSize),
		hierarchy.GDSNChildTradeItem: obj{
			hierarchy.GDSNGTIN:                EachGTIN,
			hierarchy.GDSNQuantityOfNextLower: float64(CaseSize),
		},
	})
	locations := []any{
		loc(supplierSite, "Südzucker Rohstoffe, Werk Ochsenfurt"),
		loc(makerSite, "Lotline Contract Manufacturing, Plant Hamburg", areaReceive, areaMix, areaFill, areaQC, areaStore),
		loc(areaReceive, "Goods receipt"),
		loc(areaMix, "Mixing room 1"),
		loc(areaFill, "Filling line 2"),
		loc(areaQC, "Quality control laboratory"),
		loc(areaStore, "Finished goods warehouse"),
	}
	for _, b := range Buyers {
		locations = append(locations, loc(b.Site, b.Name+", distribution centre"))
	}
	return obj{"epcisMasterData": obj{"vocabularyList": []any{
		obj{"type": "urn:epcglobal:epcis:vtype:BusinessLocation", "vocabularyElementList": locations},
		obj{"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": []any{
			prod(RawLot, "Sugar, granulated, 25 kg bag"),
			prod(OtherRawLot, "Citric acid, anhydrous"),
			prod(IntermediateLot, "Lemon syrup base, bulk"),
			prod(EachClass, "Lemon syrup 500 ml bottle"),
			prod(CaseClass, "Lemon syrup 500 ml, case of 12 bottles", contents),
			prod(FinishedLot, "Lemon syrup 500 ml bottle"),
			prod(FinishedLotB, "Lemon syrup 500 ml bottle"),
		}},
	}}}
}

// Documents returns the scenario as EPCIS documents (decoded JSON values,
// as capture takes them), in capture order. The first carries the master
// data in its header.
func Documents() []any {
	inbound := []any{
		ev("ObjectEvent", "2026-03-02T07:30:00.000+01:00", obj{
			"action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
			"readPoint":          obj{"id": supplierSite},
			"quantityList":       []any{qty(RawLot, 500, "KGM"), qty(OtherRawLot, 50, "KGM")},
			"bizTransactionList": []any{bt("po", supplierPO), bt("desadv", desadv)},
			"sourceList":         []any{party("source", "owning_party", supplier), party("source", "location", supplierSite)},
			"destinationList":    []any{party("destination", "owning_party", maker), party("destination", "location", makerSite)},
		}),
	}
	// One receipt per lot, each with the supplier's certificate of analysis.
	for _, r := range []struct{ lot, cert string }{
		{RawLot, "https://certs.example.org/coa/SUG-2601"},
		{OtherRawLot, "https://certs.example.org/coa/CIT-2602"},
	} {
		q := 500.0
		if r.lot == OtherRawLot {
			q = 50
		}
		inbound = append(inbound, ev("ObjectEvent", "2026-03-02T14:10:00.000+01:00", obj{
			"action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
			"readPoint": obj{"id": areaReceive}, "bizLocation": obj{"id": makerSite},
			"quantityList":       []any{qty(r.lot, q, "KGM")},
			"bizTransactionList": []any{bt("po", supplierPO), bt("desadv", desadv)},
			"sourceList":         []any{party("source", "owning_party", supplier), party("source", "location", supplierSite)},
			"destinationList":    []any{party("destination", "owning_party", maker), party("destination", "location", makerSite)},
			"certificationInfo":  r.cert,
		}))
	}

	production := []any{
		// Mixing, with its process parameters.
		ev("TransformationEvent", "2026-03-03T09:45:00.000+01:00", obj{
			"bizStep": "commissioning", "disposition": "in_progress",
			"readPoint": obj{"id": areaMix}, "bizLocation": obj{"id": makerSite},
			"inputQuantityList":  []any{qty(RawLot, 200, "KGM"), qty(OtherRawLot, 20, "KGM")},
			"outputQuantityList": []any{qty(IntermediateLot, 220, "KGM")},
			"sensorElementList": []any{obj{
				"sensorMetadata": obj{"startTime": "2026-03-03T09:00:00.000+01:00", "endTime": "2026-03-03T09:45:00.000+01:00"},
				"sensorReport": []any{
					obj{"type": "gs1:MT-Temperature", "value": 65.0, "uom": "CEL"},
					obj{"type": "https://lotline.example/mt/mixingTime", "value": 45.0, "uom": "MIN"},
				},
			}},
		}),
		// Filling: one run (one transformationID) making two lots of
		// bottles, counted, not serialised.
		ev("TransformationEvent", "2026-03-03T13:00:00.000+01:00", obj{
			"transformationID": fillingRun, "bizStep": "commissioning", "disposition": "in_progress",
			"readPoint": obj{"id": areaFill}, "bizLocation": obj{"id": makerSite},
			"inputQuantityList":  []any{qty(IntermediateLot, 150, "KGM")},
			"outputQuantityList": []any{qty(FinishedLot, madeA, "")},
		}),
		ev("TransformationEvent", "2026-03-03T15:30:00.000+01:00", obj{
			"transformationID": fillingRun, "bizStep": "commissioning", "disposition": "in_progress",
			"readPoint": obj{"id": areaFill}, "bizLocation": obj{"id": makerSite},
			"inputQuantityList":  []any{qty(IntermediateLot, 70, "KGM")},
			"outputQuantityList": []any{qty(FinishedLotB, madeB, "")},
		}),
		// The cases are labelled as they are filled: serialised under the
		// case GTIN, the lot number in their ILMD.
		commission(casesA, "FG-2603A", "2026-03-03T14:30:00.000+01:00"),
		commission(casesB, "FG-2603B", "2026-03-03T15:40:00.000+01:00"),
	}

	quality := []any{
		// Two bottles of lot A go to the laboratory and are destroyed
		// after testing.
		ev("ObjectEvent", "2026-03-04T08:00:00.000+01:00", obj{
			"action": "OBSERVE", "bizStep": "sampling", "disposition": "in_progress",
			"readPoint": obj{"id": areaQC}, "bizLocation": obj{"id": makerSite},
			"quantityList": []any{qty(FinishedLot, sampledA, "")},
		}),
		ev("ObjectEvent", "2026-03-04T10:00:00.000+01:00", obj{
			"action": "DELETE", "bizStep": "destroying", "disposition": "destroyed",
			"readPoint": obj{"id": areaQC}, "bizLocation": obj{"id": makerSite},
			"quantityList": []any{qty(FinishedLot, sampledA, "")},
		}),
		inspect(FinishedLot, madeA-sampledA, "2026-03-04T08:30:00.000+01:00", "conformant"),
		// Lot B fails its first inspection (fill weight), is corrected and
		// passes the re-inspection.
		inspect(FinishedLotB, madeB, "2026-03-04T08:45:00.000+01:00", "non_conformant"),
		inspect(FinishedLotB, madeB, "2026-03-04T11:20:00.000+01:00", "conformant"),
		release(FinishedLot, madeA-sampledA, "2026-03-04T12:00:00.000+01:00"),
		release(FinishedLotB, madeB, "2026-03-04T12:05:00.000+01:00"),
	}

	// Lot B's bottles are packed into its cases by quantity. Pallet 201
	// gets lot A's cases 1001 and 1002, pallet 202 cases 1003 and 1004;
	// case 1002 is then moved from pallet 201 to 202. Pallet 203 gets lot
	// B's cases. Case 1005 stays in the warehouse.
	outbound := []any{
		packQuantity(casesB[0], FinishedLotB, CaseSize, "2026-03-05T08:00:00.000+01:00"),
		packQuantity(casesB[1], FinishedLotB, CaseSize, "2026-03-05T08:05:00.000+01:00"),
		palletize("ADD", pallets[0], casesA[0:2], "2026-03-05T09:00:00.000+01:00"),
		palletize("ADD", pallets[1], casesA[2:4], "2026-03-05T09:05:00.000+01:00"),
		palletize("ADD", pallets[2], casesB, "2026-03-05T09:10:00.000+01:00"),
		palletize("DELETE", pallets[0], casesA[1:2], "2026-03-05T09:40:00.000+01:00"),
		palletize("ADD", pallets[1], casesA[1:2], "2026-03-05T09:45:00.000+01:00"),
		ev("ObjectEvent", "2026-03-05T10:00:00.000+01:00", obj{
			"action": "OBSERVE", "bizStep": "storing", "disposition": "sellable_accessible",
			"epcList": strs(casesA[4]), "readPoint": obj{"id": areaStore}, "bizLocation": obj{"id": makerSite},
		}),
	}
	var receipts []any
	for i, b := range Buyers {
		outbound = append(outbound, ship(pallets[i], b, "2026-03-05T14:00:00.000+01:00"))
		receipts = append(receipts, receive(pallets[i], b, "2026-03-06T10:00:00.000+01:00"))
	}

	// Weeks later the supplier recalls the sugar lot; the manufacturer
	// puts what is left of it on hold as recalled.
	recall := []any{
		ev("ObjectEvent", "2026-04-14T09:00:00.000+01:00", obj{
			"action": "OBSERVE", "bizStep": "holding", "disposition": "recalled",
			"readPoint": obj{"id": areaReceive}, "bizLocation": obj{"id": makerSite},
			"quantityList": []any{qty(RawLot, 300, "KGM")},
		}),
	}

	return []any{
		document("2026-03-02T15:00:00Z", inbound, masterData()),
		document("2026-03-03T16:00:00Z", production, nil),
		document("2026-03-04T13:00:00Z", quality, nil),
		document("2026-03-05T15:00:00Z", outbound, nil),
		document("2026-03-06T11:00:00Z", receipts, nil),
		document("2026-04-14T09:30:00Z", recall, nil),
	}
}

// commission labels serialised units (cases) of a lot: the ILMD gives
// the lot number and expiry.
func commission(units []string, lot, when string) obj {
	return ev("ObjectEvent", when, obj{
		"action": "ADD", "bizStep": "commissioning", "disposition": "active",
		"epcList": strs(units...), "readPoint": obj{"id": areaFill}, "bizLocation": obj{"id": makerSite},
		"ilmd": obj{"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": "2027-09-30"},
	})
}

func inspect(lot string, n int, when, disposition string) obj {
	return ev("ObjectEvent", when, obj{
		"action": "OBSERVE", "bizStep": "inspecting", "disposition": disposition,
		"readPoint": obj{"id": areaQC}, "bizLocation": obj{"id": makerSite},
		"quantityList": []any{qty(lot, float64(n), "")},
	})
}

// release is the quality decision: CBV has no releasing step, so it is a
// storing event with disposition conformant.
func release(lot string, n int, when string) obj {
	return ev("ObjectEvent", when, obj{
		"action": "OBSERVE", "bizStep": "storing", "disposition": "conformant",
		"readPoint": obj{"id": areaStore}, "bizLocation": obj{"id": makerSite},
		"quantityList": []any{qty(lot, float64(n), "")},
	})
}

// packQuantity packs n units of a lot, not serialised, into parent.
func packQuantity(parent, lot string, n int, when string) obj {
	return ev("AggregationEvent", when, obj{
		"action": "ADD", "bizStep": "packing", "disposition": "in_progress",
		"parentID": parent, "childQuantityList": []any{qty(lot, float64(n), "")},
		"readPoint": obj{"id": areaFill}, "bizLocation": obj{"id": makerSite},
	})
}

func palletize(action, parent string, children []string, when string) obj {
	step := "packing"
	if action == "DELETE" {
		step = "unpacking"
	}
	return ev("AggregationEvent", when, obj{
		"action": action, "bizStep": step, "disposition": "in_progress",
		"parentID": parent, "childEPCs": strs(children...),
		"readPoint": obj{"id": areaStore}, "bizLocation": obj{"id": makerSite},
	})
}

func ship(pallet string, b Buyer, when string) obj {
	return ev("ObjectEvent", when, obj{
		"action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
		"epcList": strs(pallet), "readPoint": obj{"id": areaStore},
		"bizTransactionList": []any{bt("po", b.PO)},
		"sourceList":         []any{party("source", "owning_party", maker), party("source", "location", makerSite)},
		"destinationList":    []any{party("destination", "owning_party", b.Party), party("destination", "location", b.Site)},
	})
}

func receive(pallet string, b Buyer, when string) obj {
	return ev("ObjectEvent", when, obj{
		"action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
		"epcList": strs(pallet), "readPoint": obj{"id": b.Site}, "bizLocation": obj{"id": b.Site},
		"bizTransactionList": []any{bt("po", b.PO)},
		"sourceList":         []any{party("source", "owning_party", maker), party("source", "location", makerSite)},
		"destinationList":    []any{party("destination", "owning_party", b.Party), party("destination", "location", b.Site)},
	})
}

// JSON returns the documents as JSON texts, for files or POST /capture.
func JSON() ([][]byte, error) {
	var out [][]byte
	for _, d := range Documents() {
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
