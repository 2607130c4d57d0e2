package epcisgen

import (
	"strconv"

	"github.com/lotline/lotline/gs1/hierarchy"
)

// Master data sent in epcisHeader.epcisMasterData. The first document
// describes the world: every site as a BusinessLocation whose children
// are its areas (the events' bizLocations), every read point, and every
// product as an EPCClass. Later documents describe the product lots made
// in them (an EPCClass per lot, sent with the document that carries the
// lot's transformation).

// Vocabulary types of the EPCIS master data the generator sends.
const (
	VocabBusinessLocation = "urn:epcglobal:epcis:vtype:BusinessLocation"
	VocabReadPoint        = "urn:epcglobal:epcis:vtype:ReadPoint"
	VocabEPCClass         = "urn:epcglobal:epcis:vtype:EPCClass"
)

// The CBV master data attributes are URIs in this namespace.
const mda = "urn:epcglobal:cbv:mda#"

// element is one vocabulary element under construction.
type element struct {
	vocab    string
	id       string
	attrs    []any
	children []any
}

func attr(id string, v any) map[string]any { return map[string]any{"id": id, "attribute": v} }

// worldMasterData describes the sites, their areas and read points, and
// the products.
func (w *world) masterData() []element {
	var out []element
	for _, c := range w.companies() {
		for _, s := range c.sites {
			site := element{vocab: VocabBusinessLocation, id: s.sgln("0"), attrs: []any{
				attr(mda+"name", c.name+" "+s.name),
				attr(mda+"streetAddressOne", s.street),
				attr(mda+"city", s.city),
				attr(mda+"postalCode", s.postalCode),
				attr(mda+"countryCode", s.country),
			}}
			rps := element{vocab: VocabReadPoint, id: s.sgln("0"), attrs: []any{attr(mda+"name", c.name+" "+s.name)}}
			var areas []element
			for _, a := range s.areas {
				site.children = append(site.children, s.sgln(a.ext))
				areas = append(areas, element{vocab: VocabBusinessLocation, id: s.sgln(a.ext), attrs: []any{
					attr(mda+"name", a.name),
					attr(mda+"site", s.gln()),
					attr(mda+"sst", a.sst),
					attr(TemperatureZone, a.climate),
				}})
			}
			var points []element
			for _, rp := range s.readPoints {
				rps.children = append(rps.children, s.sgln(rp.ext))
				points = append(points, element{vocab: VocabReadPoint, id: s.sgln(rp.ext), attrs: []any{
					attr(mda+"name", rp.name),
					attr(mda+"site", s.gln()),
					attr(mda+"sst", rp.area.sst),
				}})
			}
			out = append(out, site)
			out = append(out, areas...)
			out = append(out, rps)
			out = append(out, points...)
		}
		for _, p := range c.products {
			out = append(out, element{vocab: VocabEPCClass, id: p.class('0'), attrs: []any{
				attr(mda+"descriptionShort", p.name),
				attr(mda+"manufacturerOfTradeItemPartyName", c.name),
				attr(TemperatureZone, p.climate),
			}})
			if h := p.hierarchyAttr(); h != nil {
				out = append(out, element{vocab: VocabEPCClass, id: p.class('1'), attrs: []any{
					attr(mda+"descriptionShort", p.name+", case of "+strconv.Itoa(p.caseSize)),
					attr(mda+"manufacturerOfTradeItemPartyName", c.name),
					h,
				}})
			}
		}
	}
	return out
}

// hierarchyAttr is the attribute saying that the product's case holds
// caseSize consumer units, or nil when the product has none.
func (p *product) hierarchyAttr() map[string]any {
	n := num(float64(p.caseSize), 0)
	switch p.hierarchy {
	case hierarchy.GDSNNextLowerLevel:
		return attr(p.hierarchy, map[string]any{
			hierarchy.GDSNQuantityOfChildren: num(1, 0),
			hierarchy.GDSNTotalQuantity:      n,
			// One child: an object, as GDSN's JSON writes it (and as it
			// comes back from EPCIS XML, which cannot tell a list of one).
			hierarchy.GDSNChildTradeItem: map[string]any{
				hierarchy.GDSNGTIN:                p.gtin('0'),
				hierarchy.GDSNQuantityOfNextLower: n,
			},
		})
	case hierarchy.Contains:
		return attr(p.hierarchy, map[string]any{hierarchy.ContainsGTIN: p.gtin('0'), hierarchy.ContainsQuantity: n})
	}
	return nil
}

// lotMasterData describes a product lot made by run rn.
func (rn *run) lotMasterData() element {
	return element{vocab: VocabEPCClass, id: rn.product.lgtin('0', rn.lot), attrs: []any{
		attr(mda+"lotNumber", rn.lot),
		attr(mda+"itemExpirationDate", rn.expiry.Format("2006-01-02")),
		attr(ProductionLine, rn.line),
	}}
}

// header returns epcisHeader with the elements grouped by vocabulary, in
// the order of their first appearance, or nil for none.
func header(elems []element) map[string]any {
	if len(elems) == 0 {
		return nil
	}
	var order []string
	lists := map[string][]any{}
	for _, e := range elems {
		if _, ok := lists[e.vocab]; !ok {
			order = append(order, e.vocab)
		}
		m := map[string]any{"id": e.id}
		if len(e.attrs) > 0 {
			m["attributes"] = e.attrs
		}
		if len(e.children) > 0 {
			m["children"] = e.children
		}
		lists[e.vocab] = append(lists[e.vocab], m)
	}
	vocabs := make([]any, len(order))
	for i, v := range order {
		vocabs[i] = map[string]any{"type": v, "vocabularyElementList": lists[v]}
	}
	return map[string]any{"epcisMasterData": map[string]any{"vocabularyList": vocabs}}
}
