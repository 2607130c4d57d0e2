// Package query owns the meaning of EPCIS queries: the SimpleEventQuery
// parameters (Parse), their reference semantics (Match), and the index
// terms an event yields at capture (Terms), to which queries compile with
// Match as the residual check.
package query

import (
	"slices"
	"strconv"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/store"
)

// Term keys. A term is "<key>=<value>" where the value is the compact
// canonical form (see Compact): identifiers as canonical GS1 Digital Links
// when they are GS1 identifiers, CBV values as their Web URIs. Terms are
// kept few because every one is indexed at capture: a query for any EPC
// role is a union of the role terms, and a query by product (a GTIN, or an
// idpat pattern over one GTIN) uses the GTIN term, which every
// identifier carrying a GTIN yields once per event.
const (
	TermType        = "t"  // event type
	TermAction      = "a"  // ADD, OBSERVE, DELETE
	TermEPC         = "e"  // epcList and childEPCs (MATCH_epc)
	TermParent      = "p"  // parentID (MATCH_parentID)
	TermInput       = "i"  // inputEPCList (MATCH_inputEPC)
	TermOutput      = "o"  // outputEPCList (MATCH_outputEPC)
	TermClass       = "c"  // quantityList and childQuantityList epcClass (MATCH_epcClass)
	TermInClass     = "ic" // inputQuantityList (MATCH_inputEPCClass)
	TermOutClass    = "oc" // outputQuantityList (MATCH_outputEPCClass)
	TermBizStep     = "bs"
	TermDisposition = "d"
	TermReadPoint   = "rp"
	TermBizLocation = "bl"
	TermTransform   = "x" // transformationID
	TermErrorDecl   = "ed"
	TermGTIN        = "g" // GTIN-14 of any SGTIN, LGTIN or product class in any role
	// TermRoleGTIN follows a role key ("eg=", "cg=", ...): the GTIN-14
	// and company prefix length ("0" when unknown, as in a Digital Link)
	// of an SGTIN, LGTIN or product class in that role, which is what an
	// SGTIN class pattern (urn:epc:idpat:sgtin:CP.IR.*) matches.
	TermRoleGTIN = "g"
	// TermLot is "lt=<GTIN-14>/<lot>" on an event whose ILMD gives a lot
	// number (cbvmda:lotNumber) for the SGTINs it commissions or makes:
	// the link from a lot to its serialised units, for lot history.
	TermLot     = "lt"
	TermEventID = "id"
	// Extension fields: "f:<IRI>=<kind><value>" for a scalar value of a
	// top-level extension field ("fi:" inside ilmd), where kind is 's'
	// (text), 'n' (number) or 'd' (instant); "fx:<IRI>" / "fix:<IRI>"
	// when the field has a non-empty value. See fieldTerms.
	TermField       = "f:"
	TermILMDField   = "fi:"
	TermFieldExists = "fx:"
	TermILMDExists  = "fix:"
	// Business transactions, sources and destinations: "bt:<type>=<id>",
	// "src:<type>=<id>", "dst:<type>=<id>" (type compacted, "" when absent).
	TermBizTransaction = "bt:"
	TermSource         = "src:"
	TermDestination    = "dst:"
)

const (
	gs1IDHost = "https://id.gs1.org/"
	cbvBase   = "https://ref.gs1.org/cbv/"
)

// Compact shortens the two prefixes that almost every canonical value
// shares, so index keys stay short. It is reversible and keeps the order
// of values with the same prefix, so prefix scans still work.
func Compact(s string) string {
	if rest, ok := strings.CutPrefix(s, gs1IDHost); ok {
		return "~" + rest
	}
	if rest, ok := strings.CutPrefix(s, cbvBase); ok {
		return "^" + rest
	}
	return s
}

// Terms returns the sorted, de-duplicated index terms of an event.
func Terms(e *epcis.Event) []string {
	t := make([]string, 0, 12+len(e.EPCList)+len(e.ChildEPCs)+len(e.InputEPCList)+len(e.OutputEPCList))
	add := func(k, v string) {
		if v != "" {
			t = append(t, k+"="+v)
		}
	}
	id := func(k, v string) {
		c, gtin := canonicalGTIN(e, v)
		add(k, Compact(c))
		add(TermGTIN, gtin)
		add(k+TermRoleGTIN, roleGTIN(e, v))
	}
	ids := func(k string, list []string) {
		for _, v := range list {
			id(k, v)
		}
	}
	classes := func(k string, list []epcis.Quantity) {
		for _, q := range list {
			id(k, q.EPCClass)
		}
	}
	add(TermType, e.Type)
	add(TermEventID, Compact(e.EventID))
	add(TermAction, e.Action)
	ids(TermEPC, e.EPCList)
	ids(TermEPC, e.ChildEPCs)
	if e.ParentID != "" {
		id(TermParent, e.ParentID)
	}
	ids(TermInput, e.InputEPCList)
	ids(TermOutput, e.OutputEPCList)
	classes(TermClass, e.QuantityList)
	classes(TermClass, e.ChildQuantityList)
	classes(TermInClass, e.InputQuantityList)
	classes(TermOutClass, e.OutputQuantityList)
	add(TermBizStep, Compact(CanonicalCBV(cbv.BizStep, e.BizStep)))
	add(TermDisposition, Compact(CanonicalCBV(cbv.Disp, e.Disposition)))
	add(TermReadPoint, Compact(CanonicalID(e.ReadPoint)))
	add(TermBizLocation, Compact(CanonicalID(e.BizLocation)))
	add(TermTransform, Compact(CanonicalID(e.TransformationID)))
	for _, bt := range e.BizTransactions {
		add(TermBizTransaction+Compact(CanonicalCBV(cbv.BTT, bt.Type)), Compact(CanonicalID(bt.Value)))
	}
	for _, s := range e.Sources {
		add(TermSource+Compact(CanonicalCBV(cbv.SDT, s.Type)), Compact(CanonicalID(s.Value)))
	}
	for _, d := range e.Destinations {
		add(TermDestination+Compact(CanonicalCBV(cbv.SDT, d.Type)), Compact(CanonicalID(d.Value)))
	}
	if e.ErrorDeclaration != nil {
		add(TermErrorDecl, "1")
	}
	t = fieldTerms(t, e, e.Fields, TermField, TermFieldExists)
	if ilmd, ok := e.Fields["ilmd"].(map[string]any); ok {
		t = fieldTerms(t, e, ilmd, TermILMDField, TermILMDExists)
		if lot := LotNumber(e, ilmd); lot != "" {
			for _, list := range [][]string{e.EPCList, e.OutputEPCList} {
				for _, id := range list {
					if epc, err := e.ParseID(id); err == nil && epc.Scheme == gs1.SGTIN {
						add(TermLot, LotKey(epc.GTIN(), lot))
					}
				}
			}
		}
	}
	slices.Sort(t)
	return slices.Compact(t)
}

// canonicalGTIN returns the matching form of an identifier and, when it
// carries one, its GTIN-14.
func canonicalGTIN(e *epcis.Event, s string) (canonical, gtin string) {
	if strings.HasPrefix(s, "urn:epc:idpat:") {
		// A class written as a pattern with only the serial a wildcard,
		// as EPCIS 1.x documents do; Match reads it as that class.
		if p, err := gs1.ParsePattern(s); err == nil {
			if c, ok := p.Class(); ok {
				return c.Canonical(), c.GTIN()
			}
		}
		return s, ""
	}
	return canonicalWith(e.ParseID, s)
}

// lotNumberIRIs are the names of the CBV master-data attribute lotNumber:
// EPCIS 2.0's cbvmda:lotNumber and EPCIS 1.x's namespace#local form.
var lotNumberIRIs = []string{"urn:epcglobal:cbv:mda:lotNumber", "urn:epcglobal:cbv:mda#lotNumber"}

// LotNumber returns the lot number an ILMD object gives (as text), or "".
func LotNumber(e *epcis.Event, ilmd map[string]any) string {
	var ns map[string]string
	for k, v := range ilmd {
		if !isExtensionKey(k) {
			continue
		}
		if ns == nil {
			ns = epcis.Namespaces(e.Fields["@context"])
		}
		for _, iri := range fieldIRIs(k, ns) {
			if iri != lotNumberIRIs[0] && iri != lotNumberIRIs[1] {
				continue
			}
			if m, ok := v.(map[string]any); ok {
				v = m["@value"]
			}
			if s, ok := v.(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// lotPrefix begins every canonical GTIN-based class.
const lotPrefix = "https://id.gs1.org/01/"

// LotClass is the canonical LGTIN Digital Link of a GTIN-14 and a lot
// number, the form of ValueLot values.
func LotClass(gtin, lot string) string {
	return gs1.EPC{Scheme: gs1.LGTIN, Key: gtin, Serial: lot}.Canonical()
}

// LotKey is the value of a lot term: a GTIN-14 and a lot number.
func LotKey(gtin, lot string) string { return gtin + "/" + lot }

// roleGTIN is the value of the role GTIN term of an identifier: its
// GTIN-14 and company prefix length when it is one an SGTIN pattern can
// match (an SGTIN, an LGTIN, a product class, or a class written as a
// pattern), read as Match reads it.
func roleGTIN(e *epcis.Event, s string) string {
	var epc gs1.EPC
	switch {
	case strings.HasPrefix(s, "urn:epc:idpat:"):
		p, err := gs1.ParsePattern(s)
		if err != nil {
			return ""
		}
		c, ok := p.Class()
		if !ok {
			return ""
		}
		epc = c
	case strings.HasPrefix(s, "urn:epc:") || strings.HasPrefix(s, "http"):
		var err error
		if epc, err = e.ParseID(s); err != nil {
			return ""
		}
	default:
		return ""
	}
	if epc.Scheme != gs1.SGTIN && epc.Scheme != gs1.LGTIN {
		return ""
	}
	return roleGTINValue(epc.GTIN(), epc.PrefixLen)
}

func roleGTINValue(gtin string, prefixLen int) string {
	if gtin == "" {
		return ""
	}
	return gtin + "/" + strconv.Itoa(prefixLen)
}

// canonicalWith is the one definition of the matching form, parsing GS1
// identifiers with parse.
func canonicalWith(parse func(string) (gs1.EPC, error), s string) (canonical, gtin string) {
	if s == "" {
		return "", ""
	}
	if strings.HasPrefix(s, "urn:epc:") || strings.HasPrefix(s, "http") {
		if epc, err := parse(s); err == nil {
			return epc.Canonical(), epc.GTIN()
		}
	}
	return s, ""
}

// CanonicalID is the matching form of an identifier: the canonical GS1
// Digital Link of a GS1 identifier, the identifier itself otherwise.
func CanonicalID(s string) string {
	c, _ := canonicalWith(gs1.ParseEPC, s)
	return c
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

// Values returns the distinct values an event adds to the listings of the
// resource endpoints (/eventTypes, /epcs, /bizSteps, ...), in matching
// form: identifiers as CanonicalID, CBV values as CanonicalCBV.
func Values(e *epcis.Event) []store.Value {
	var vs []store.Value
	add := func(k store.ValueKind, v string) {
		if v != "" {
			vs = append(vs, store.Value{Kind: k, Value: v})
		}
	}
	add(store.ValueEventType, e.Type)
	for _, l := range [][]string{e.EPCList, e.ChildEPCs, {e.ParentID}, e.InputEPCList, e.OutputEPCList} {
		for _, id := range l {
			c, _ := canonicalGTIN(e, id)
			add(store.ValueEPC, c)
		}
	}
	for _, l := range [][]epcis.Quantity{e.QuantityList, e.ChildQuantityList, e.InputQuantityList, e.OutputQuantityList} {
		for _, q := range l {
			c, _ := canonicalGTIN(e, q.EPCClass)
			add(store.ValueEPC, c)
			if strings.HasPrefix(c, lotPrefix) && strings.Contains(c[len(lotPrefix):], "/10/") {
				add(store.ValueLot, c)
			}
		}
	}
	if ilmd, ok := e.Fields["ilmd"].(map[string]any); ok {
		if n := LotNumber(e, ilmd); n != "" {
			for _, l := range [][]string{e.EPCList, e.OutputEPCList} {
				for _, s := range l {
					if epc, err := e.ParseID(s); err == nil && epc.Scheme == gs1.SGTIN {
						add(store.ValueLot, LotClass(epc.GTIN(), n))
					}
				}
			}
		}
	}
	add(store.ValueBizStep, CanonicalCBV(cbv.BizStep, e.BizStep))
	add(store.ValueDisposition, CanonicalCBV(cbv.Disp, e.Disposition))
	add(store.ValueReadPoint, CanonicalID(e.ReadPoint))
	add(store.ValueBizLocation, CanonicalID(e.BizLocation))
	slices.SortFunc(vs, func(a, b store.Value) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return slices.Compact(vs)
}
