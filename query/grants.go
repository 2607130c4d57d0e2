package query

import (
	"strings"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/store"
)

// Index terms that trading-partner grants (store.Grant) are made of.

// PartyTerms are the terms of events naming a party as owning or
// possessing party in a source or destination list. party is a GLN's
// canonical Digital Link (…/417/{gln}); the party written as the GLN of a
// location (…/414/{gln}) counts too.
func PartyTerms(party string) []string {
	ids := []string{Compact(CanonicalID(party))}
	if gln, ok := strings.CutPrefix(party, "https://id.gs1.org/417/"); ok {
		ids = append(ids, Compact(CanonicalID("https://id.gs1.org/414/"+gln)))
	}
	var terms []string
	for _, list := range []string{TermSource, TermDestination} {
		for _, typ := range []string{"owning_party", "possessing_party"} {
			for _, id := range ids {
				terms = append(terms, list+Compact(CanonicalCBV(cbv.SDT, typ))+"="+id)
			}
		}
	}
	return terms
}

// ProductTerms are the terms of events about one of the GTINs (any role,
// any of its serials, lots or classes) or one of the lots (canonical LGTIN
// Digital Links: named as a class, or given to units by ILMD).
func ProductTerms(gtins, lots []string) []string {
	var terms []string
	for _, g := range gtins {
		terms = append(terms, TermGTIN+"="+g)
	}
	for _, l := range lots {
		c := Compact(l)
		terms = append(terms, TermClass+"="+c, TermInClass+"="+c, TermOutClass+"="+c)
		if gtin, lot, ok := lotOf(l); ok {
			terms = append(terms, TermLot+"="+LotKey(gtin, lot))
		}
	}
	return terms
}

// BizStepTerms are the terms of events with one of the business steps.
func BizStepTerms(steps []string) []string {
	var terms []string
	for _, s := range steps {
		terms = append(terms, TermBizStep+"="+Compact(CanonicalCBV(cbv.BizStep, s)))
	}
	return terms
}

// RuleGrant is the grant a sharing rule gives its grantee: the owner's
// events about its products (if any) with its business steps (if any)
// within its time window. A rule with neither gives a grant without terms,
// which admits nothing.
func RuleGrant(r *store.SharingRule) store.Grant {
	g := store.Grant{Owner: r.Owner, EventTime: store.TimeRange{GE: r.From, LT: r.To}}
	if p := ProductTerms(r.GTINs, r.Lots); len(p) > 0 {
		g.Terms = append(g.Terms, p)
	}
	if b := BizStepTerms(r.BizSteps); len(b) > 0 {
		g.Terms = append(g.Terms, b)
	}
	return g
}

// lotOf reads a canonical LGTIN's GTIN and lot number.
func lotOf(lgtin string) (gtin, lot string, ok bool) {
	e, err := gs1.ParseEPC(lgtin)
	if err != nil || e.Scheme != gs1.LGTIN {
		return "", "", false
	}
	return e.GTIN(), e.Lot(), true
}

// OwningPartyAttr is the master-data attribute of a business location or
// read point naming the party that owns it (a GLN in any form). CBV has
// no such attribute; this one is Lotline's.
const OwningPartyAttr = "https://lotline.dev/ns/owningParty"

// LocationTerms are the terms of events whose readPoint or bizLocation is
// one of the locations or below one of them in the master data's
// hierarchy.
func LocationTerms(md *StoredMasterData, locations []string) []string {
	seen := map[string]bool{}
	var terms []string
	for _, loc := range locations {
		for _, vocab := range []string{VocabBusinessLocation, VocabReadPoint} {
			for _, id := range append([]string{CanonicalID(loc)}, md.Descendants(vocab, loc)...) {
				if c := Compact(CanonicalID(id)); !seen[c] {
					seen[c] = true
					terms = append(terms, TermBizLocation+"="+c, TermReadPoint+"="+c)
				}
			}
		}
	}
	return terms
}
