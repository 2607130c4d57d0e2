package lot

import (
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
)

// maxIDLen bounds the text Parse reads: a GTIN-14 and a lot number of at
// most 20 characters, percent-encoded, fit well within it.
const maxIDLen = 512

// ID names a lot: a GTIN-14 and a batch/lot number (AI 10).
type ID struct {
	GTIN string
	Lot  string
}

// Parse reads a lot identity: an LGTIN class URN
// (urn:epc:class:lgtin:4012345.012345.L123) or a GS1 Digital Link with a
// GTIN and a lot on any host (https://id.gs1.org/01/04012345123456/10/L123),
// percent-encoding decoded. Both forms of one lot give the same ID. A
// string that is neither is a *epcis.Error of kind KindQueryParameter
// naming the parameter "lot".
func Parse(s string) (ID, error) {
	if len(s) > maxIDLen {
		return ID{}, badLot("is longer than %d bytes", maxIDLen)
	}
	epc, err := gs1.ParseEPC(s)
	if err != nil {
		return ID{}, badLot("is neither an LGTIN class URN nor a GS1 Digital Link with a GTIN (01) and a lot (10): %v", err)
	}
	if epc.Scheme != gs1.LGTIN {
		return ID{}, badLot("names a %s, not a lot: give an LGTIN class URN or a GS1 Digital Link with a GTIN (01) and a lot (10)", epc.Scheme)
	}
	return ID{GTIN: epc.GTIN(), Lot: epc.Lot()}, nil
}

func badLot(format string, args ...any) *epcis.Error {
	e := epcis.Errorf(epcis.KindQueryParameter, format, args...)
	e.Param = "lot"
	return e
}

// class is the lot as an LGTIN (company prefix length unknown).
func (id ID) class() gs1.EPC { return gs1.EPC{Scheme: gs1.LGTIN, Key: id.GTIN, Serial: id.Lot} }

// Canonical is the lot's canonical GS1 Digital Link
// (https://id.gs1.org/01/{gtin}/10/{lot}), the form index terms use.
func (id ID) Canonical() string { return id.class().Canonical() }

// String is Canonical.
func (id ID) String() string { return id.Canonical() }

// lotLabel is how a lot node reads in a graph: "FIN1 (GTIN 04012345444445)".
func lotLabel(id ID) string { return id.Lot + " (GTIN " + id.GTIN + ")" }
