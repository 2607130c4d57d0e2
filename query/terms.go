// Package query owns the meaning of EPCIS queries: the index terms an
// event yields at capture, and (with the query issue) the compilation of
// SimpleEventQuery parameters to terms plus a residual check.
package query

import (
	"slices"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
)

// Term prefixes. A term is "<prefix>=<value>" where the value is
// canonical: identifiers in canonical GS1 Digital Link form when they are
// GS1 identifiers, CBV values in their Web URI form.
const (
	TermType        = "type"
	TermEventID     = "eventID"
	TermEPC         = "epc"    // epcList and childEPCs (MATCH_epc)
	TermParent      = "parent" // parentID (MATCH_parentID)
	TermInput       = "input"  // inputEPCList (MATCH_inputEPC)
	TermOutput      = "output" // outputEPCList (MATCH_outputEPC)
	TermAnyEPC      = "anyEPC" // all of the above (MATCH_anyEPC)
	TermClass       = "class"  // quantityList and childQuantityList (MATCH_epcClass)
	TermInClass     = "inClass"
	TermOutClass    = "outClass"
	TermAnyClass    = "anyClass"
	TermLot         = "lot"  // GTIN-14/lot of an LGTIN class
	TermGTIN        = "gtin" // GTIN-14 of an SGTIN, LGTIN or product class
	TermBizStep     = "bizStep"
	TermDisposition = "disposition"
	TermReadPoint   = "readPoint"
	TermBizLocation = "bizLocation"
	TermAction      = "action"
	TermTransform   = "transformationID"
	TermErrorDecl   = "errorDeclaration"
)

// Terms returns the sorted, de-duplicated index terms of an event.
func Terms(e *epcis.Event) []string {
	t := make([]string, 0, 16+len(e.EPCList))
	add := func(k, v string) {
		if v != "" {
			t = append(t, k+"="+v)
		}
	}
	addID := func(k, v string) {
		if v == "" {
			return
		}
		c := CanonicalID(v)
		add(k, c)
		add(TermAnyEPC, c)
		if epc, err := gs1.ParseEPC(v); err == nil {
			add(TermGTIN, epc.GTIN())
		}
	}
	addClass := func(k, v string) {
		if v == "" {
			return
		}
		c := CanonicalID(v)
		add(k, c)
		add(TermAnyClass, c)
		if epc, err := gs1.ParseEPC(v); err == nil {
			add(TermGTIN, epc.GTIN())
			if lot := epc.Lot(); lot != "" {
				add(TermLot, epc.GTIN()+"/"+lot)
			}
		}
	}
	add(TermType, e.Type)
	add(TermEventID, e.EventID)
	add(TermAction, e.Action)
	for _, v := range e.EPCList {
		addID(TermEPC, v)
	}
	addID(TermParent, e.ParentID)
	for _, v := range e.ChildEPCs {
		addID(TermEPC, v)
	}
	for _, v := range e.InputEPCList {
		addID(TermInput, v)
	}
	for _, v := range e.OutputEPCList {
		addID(TermOutput, v)
	}
	for k, list := range map[string][]epcis.Quantity{
		TermClass:   append(e.QuantityList[:len(e.QuantityList):len(e.QuantityList)], e.ChildQuantityList...),
		TermInClass: e.InputQuantityList, TermOutClass: e.OutputQuantityList,
	} {
		for _, q := range list {
			addClass(k, q.EPCClass)
		}
	}
	add(TermBizStep, CanonicalCBV(cbv.BizStep, e.BizStep))
	add(TermDisposition, CanonicalCBV(cbv.Disp, e.Disposition))
	add(TermReadPoint, CanonicalID(e.ReadPoint))
	add(TermBizLocation, CanonicalID(e.BizLocation))
	add(TermTransform, e.TransformationID)
	for _, bt := range e.BizTransactions {
		add("bt:"+CanonicalCBV(cbv.BTT, bt.Type), bt.Value)
	}
	for _, s := range e.Sources {
		add("src:"+CanonicalCBV(cbv.SDT, s.Type), CanonicalID(s.Value))
	}
	for _, d := range e.Destinations {
		add("dest:"+CanonicalCBV(cbv.SDT, d.Type), CanonicalID(d.Value))
	}
	if e.ErrorDeclaration != nil {
		add(TermErrorDecl, "true")
	}
	slices.Sort(t)
	return slices.Compact(t)
}

// CanonicalID is the matching form of an identifier: the canonical GS1
// Digital Link of a GS1 identifier, the identifier itself otherwise.
func CanonicalID(s string) string {
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "urn:epc:") || strings.HasPrefix(s, "http") {
		if epc, err := gs1.ParseEPC(s); err == nil {
			return epc.Canonical()
		}
	}
	return s
}

// CanonicalCBV is the matching form of a CBV value: its Web URI when it is
// a standard value, the value itself otherwise.
func CanonicalCBV(v cbv.Vocabulary, s string) string {
	if s == "" {
		return ""
	}
	if c, err := cbv.Normalize(v, s); err == nil {
		return c
	}
	return s
}
