package web

import (
	"errors"
	"strings"

	"github.com/lotline/lotline/gs1"
)

// Kinds of Target.
const (
	TargetLot   = "lot"
	TargetSGTIN = "sgtin"
	TargetSSCC  = "sscc"
)

// Target is what a search names: a lot (an LGTIN), a serialised unit (an
// SGTIN) or a logistic unit (an SSCC), as an EPC whose Canonical form is
// the GS1 Digital Link the store indexes.
type Target struct {
	Kind string
	EPC  gs1.EPC
}

// maxSearchLen bounds the text ParseSearch reads.
const maxSearchLen = 512

// groupSeparator is ASCII GS, FNC1 in a scanned element string.
const groupSeparator = '\x1d'

// ErrSearch wraps every error of ParseSearch.
var ErrSearch = errors.New("search")

func searchError(msg string) error { return &searchErr{msg} }

type searchErr struct{ msg string }

func (e *searchErr) Error() string { return e.msg }
func (e *searchErr) Unwrap() error { return ErrSearch }

// ParseSearch reads what a user typed or scanned into the search box:
//   - an EPC URN (urn:epc:class:lgtin:..., urn:epc:id:sgtin:..., urn:epc:id:sscc:...)
//     or a GS1 Digital Link on any host;
//   - a GS1 element string, with parentheses ("(01)04012345111118(10)PB-1")
//     or as a scanner sends it: AIs run together, a variable-length value
//     ended by GS (ASCII 29), by the text "<GS>" or "{GS}", or by FNC1
//     written "]C1"/"]d2"/"]Q3" symbology identifiers at the start;
//   - a GTIN-14 and a lot number separated by space ("04012345111118 PB-1"),
//     or an SSCC-18 alone.
//
// gtin and lotNo are the separate fields of the search form; when gtin is
// given, the two name a lot and q is not read.
func ParseSearch(q, gtin, lotNo string) (Target, error) {
	if gtin = strings.TrimSpace(gtin); gtin != "" {
		return fromElements(gs1.ElementString{{AI: "01", Value: gtin}, {AI: "10", Value: strings.TrimSpace(lotNo)}}, true)
	}
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return Target{}, searchError("type or scan a lot, an SGTIN or an SSCC")
	case len(q) > maxSearchLen:
		return Target{}, searchError("the search is too long")
	case strings.HasPrefix(q, "urn:") || strings.HasPrefix(q, "http://") || strings.HasPrefix(q, "https://"):
		epc, err := gs1.ParseEPC(q)
		if err != nil {
			return Target{}, searchError(err.Error())
		}
		return target(epc)
	case strings.HasPrefix(q, "("):
		es, err := gs1.ParseElementString(q)
		if err != nil {
			return Target{}, searchError(err.Error())
		}
		return fromElements(es, false)
	}
	if f := strings.Fields(q); len(f) == 2 && len(f[0]) == 14 && allDigits(f[0]) {
		return fromElements(gs1.ElementString{{AI: "01", Value: f[0]}, {AI: "10", Value: f[1]}}, true)
	}
	if len(q) == 18 && allDigits(q) {
		return fromElements(gs1.ElementString{{AI: "00", Value: q}}, true)
	}
	es, err := parseRaw(q)
	if err != nil {
		return Target{}, err
	}
	return fromElements(es, false)
}

// target classifies a parsed EPC.
func target(epc gs1.EPC) (Target, error) {
	switch {
	case epc.Scheme == gs1.LGTIN:
		return Target{Kind: TargetLot, EPC: epc}, nil
	case epc.Scheme == gs1.SGTIN && !epc.IsClass():
		return Target{Kind: TargetSGTIN, EPC: epc}, nil
	case epc.Scheme == gs1.SSCC:
		return Target{Kind: TargetSSCC, EPC: epc}, nil
	}
	return Target{}, searchError("this names a " + string(epc.Scheme) + "; search for a lot (GTIN and lot), an SGTIN (GTIN and serial) or an SSCC")
}

// fromElements names the target of an element string: an SSCC (00), an
// SGTIN (01 and 21) or a lot (01 and 10); other AIs (dates, quantities)
// are ignored. validate checks the values, which ParseElementString has
// done already.
func fromElements(es gs1.ElementString, validate bool) (Target, error) {
	if validate {
		for _, e := range es {
			if err := gs1.ValidateAI(e.AI, e.Value); err != nil {
				return Target{}, searchError(err.Error())
			}
		}
	}
	var epc gs1.EPC
	var err error
	sscc, hasSSCC := es.Get("00")
	gtin, hasGTIN := es.Get("01")
	serial, hasSerial := es.Get("21")
	lotNo, hasLot := es.Get("10")
	switch {
	case hasSSCC:
		epc, err = gs1.NewEPC(gs1.SSCC, sscc, "")
	case hasGTIN && hasSerial:
		epc, err = gs1.NewEPC(gs1.SGTIN, gtin, serial)
	case hasGTIN && hasLot:
		epc, err = gs1.NewEPC(gs1.LGTIN, gtin, lotNo)
	case hasGTIN:
		return Target{}, searchError("a GTIN alone names a product, not a lot: add its lot (10) or serial (21)")
	default:
		return Target{}, searchError("no SSCC (00) or GTIN (01) in the element string")
	}
	if err != nil {
		return Target{}, searchError(err.Error())
	}
	return target(epc)
}

// predefinedLength gives the value length of the AIs whose first two
// digits fix it (GS1 General Specifications, figure 5.10.1-2), AI digits
// excluded; such values are not ended by FNC1.
var predefinedLength = map[string]struct{ aiLen, valueLen int }{
	"00": {2, 18}, "01": {2, 14}, "02": {2, 14}, "03": {2, 14}, "04": {2, 16},
	"11": {2, 6}, "12": {2, 6}, "13": {2, 6}, "14": {2, 6}, "15": {2, 6}, "16": {2, 6}, "17": {2, 6}, "18": {2, 6}, "19": {2, 6},
	"20": {2, 2},
	"31": {4, 6}, "32": {4, 6}, "33": {4, 6}, "34": {4, 6}, "35": {4, 6}, "36": {4, 6},
	"41": {3, 13},
}

// parseRaw reads an element string as a scanner sends it (see
// ParseSearch).
func parseRaw(s string) (gs1.ElementString, error) {
	for _, sym := range []string{"]C1", "]d2", "]Q3", "]e0", "]J1"} {
		s = strings.TrimPrefix(s, sym)
	}
	for _, gs := range []string{"<GS>", "{GS}", "<gs>", "{gs}", "\\x1d", "\\u001d", "^"} {
		s = strings.ReplaceAll(s, gs, string(groupSeparator))
	}
	var es gs1.ElementString
	for s != "" {
		if s[0] == groupSeparator {
			s = s[1:]
			continue
		}
		ai, n := "", 0
		if p, ok := predefinedLength[s[:min(2, len(s))]]; ok {
			if len(s) < p.aiLen+p.valueLen {
				return nil, searchError("the element string ends inside the value of AI " + s[:min(p.aiLen, len(s))])
			}
			ai, n = s[:p.aiLen], p.valueLen
		} else {
			for l := 2; l <= 4 && l <= len(s); l++ {
				if _, ok := gs1.AITitle(s[:l]); ok && allDigits(s[:l]) {
					ai = s[:l]
					break
				}
			}
			if ai == "" {
				return nil, searchError("not a GS1 element string: no known AI at " + quote(s))
			}
			n = strings.IndexByte(s[len(ai):], groupSeparator)
			if n < 0 {
				n = len(s) - len(ai)
			}
		}
		val := s[len(ai) : len(ai)+n]
		if err := gs1.ValidateAI(ai, val); err != nil {
			return nil, searchError(err.Error())
		}
		if _, dup := es.Get(ai); dup {
			return nil, searchError("AI " + ai + " appears more than once")
		}
		es = append(es, gs1.AIValue{AI: ai, Value: val})
		s = s[len(ai)+n:]
	}
	if len(es) == 0 {
		return nil, searchError("type or scan a lot, an SGTIN or an SSCC")
	}
	return es, nil
}

func quote(s string) string {
	if len(s) > 24 {
		s = s[:24] + "…"
	}
	return "“" + strings.ToValidUTF8(s, "?") + "”"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
