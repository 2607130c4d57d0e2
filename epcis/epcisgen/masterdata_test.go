package epcisgen

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/hierarchy"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// headerElements reads a document's epcisHeader.epcisMasterData as the
// store keeps it (capture reads it the same way).
func headerElements(t *testing.T, doc map[string]any) []store.VocabularyElement {
	t.Helper()
	h, ok := doc["epcisHeader"].(map[string]any)
	if !ok {
		return nil
	}
	var out []store.VocabularyElement
	for _, v := range h["epcisMasterData"].(map[string]any)["vocabularyList"].([]any) {
		voc := v.(map[string]any)
		for _, e := range voc["vocabularyElementList"].([]any) {
			el := e.(map[string]any)
			ve := store.VocabularyElement{Type: voc["type"].(string), ID: el["id"].(string)}
			for _, a := range el["attributes"].([]any) {
				am := a.(map[string]any)
				b, err := json.Marshal(am["attribute"])
				if err != nil {
					t.Fatal(err)
				}
				ve.Attributes = append(ve.Attributes, store.Attribute{ID: am["id"].(string), Value: b})
			}
			if ch, ok := el["children"].([]any); ok {
				ve.HasChildren = true
				for _, c := range ch {
					ve.Children = append(ve.Children, c.(string))
				}
			}
			out = append(out, ve)
		}
	}
	return out
}

// TestMasterData checks that the first document describes every location,
// read point and product its events name, with the location hierarchy
// WD_bizLocation and WD_readPoint follow, and that each document
// describes the product lots it makes.
func TestMasterData(t *testing.T) {
	g := New(21)
	var all []store.VocabularyElement
	var docs [][]map[string]any
	for d := range 30 {
		doc := decode(t, g.DocumentJSON(60))
		elems := headerElements(t, doc)
		if d > 0 {
			for _, e := range elems {
				if e.Type != VocabEPCClass {
					t.Fatalf("document %d: master data of %s %s; only the first describes the world", d, e.Type, e.ID)
				}
			}
		}
		transformations := 0
		for _, ev := range eventsOf(doc) {
			if ev["type"] == "TransformationEvent" {
				transformations++
			}
		}
		if d > 0 && len(elems) != transformations {
			t.Errorf("document %d: %d master data elements for %d transformations", d, len(elems), transformations)
		}
		all = append(all, elems...)
		docs = append(docs, eventsOf(doc))
	}
	md := query.NewMasterData(all)
	if md.Len() != len(all) {
		t.Fatalf("%d elements, %d distinct", len(all), md.Len())
	}

	// Each site is a BusinessLocation and a ReadPoint whose descendants
	// are its areas and read points.
	sites := map[string]bool{}
	under := map[string]string{} // area or read point -> site
	for _, e := range all {
		if !strings.HasSuffix(e.ID, ".0") || e.Type == VocabEPCClass {
			continue
		}
		sites[e.ID] = true
		vocab := query.VocabBusinessLocation
		if e.Type == VocabReadPoint {
			vocab = query.VocabReadPoint
		}
		for _, c := range md.Descendants(vocab, e.ID) {
			under[vocab+" "+c] = e.ID
		}
	}
	if len(sites) != 9 {
		t.Errorf("%d sites, want 9", len(sites))
	}
	zones := map[string]bool{}
	lines := map[string]bool{}
	for _, evs := range docs {
		for _, ev := range evs {
			if ev["type"] == "ObjectEvent" && ev["bizStep"] == "transporting" {
				continue // on the road: no location
			}
			bl := ev["bizLocation"].(map[string]any)["id"].(string)
			rp := ev["readPoint"].(map[string]any)["id"].(string)
			site := under[query.VocabBusinessLocation+" "+bl]
			if site == "" {
				t.Fatalf("bizLocation %s is under no site", bl)
			}
			if got := under[query.VocabReadPoint+" "+rp]; got != site {
				t.Errorf("read point %s is under %q, its bizLocation %s under %q", rp, got, bl, site)
			}
			z, ok := md.Attr(query.VocabBusinessLocation, bl, TemperatureZone)
			if !ok || len(z) != 1 {
				t.Fatalf("bizLocation %s: temperatureZone %v, %v", bl, z, ok)
			}
			zones[z[0]] = true
			if n, ok := md.Attr(query.VocabReadPoint, rp, "urn:epcglobal:cbv:mda#name"); !ok || n[0] == "" {
				t.Errorf("read point %s has no name", rp)
			}
		}
		for _, ev := range evs {
			if ev["type"] != "TransformationEvent" {
				continue
			}
			class := ev["outputQuantityList"].([]any)[0].(map[string]any)["epcClass"].(string)
			ilmd := ev["ilmd"].(map[string]any)
			lot, ok := md.Attr(query.VocabEPCClass, class, "urn:epcglobal:cbv:mda#lotNumber")
			if !ok || !slices.Equal(lot, []string{ilmd["cbvmda:lotNumber"].(string)}) {
				t.Errorf("lot class %s: master data lotNumber %v, ILMD %v", class, lot, ilmd["cbvmda:lotNumber"])
			}
			line, _ := md.Attr(query.VocabEPCClass, class, ProductionLine)
			if len(line) != 1 || line[0] != ilmd[ExtensionPrefix+":productionLine"] {
				t.Errorf("lot class %s: master data line %v, ILMD %v", class, line, ilmd[ExtensionPrefix+":productionLine"])
			}
			lines[line[0]] = true
		}
	}
	if len(zones) < 2 || len(lines) < 2 {
		t.Errorf("want variety: zones %v, lines %v", zones, lines)
	}

	// Products are EPCClasses, as pure identity patterns or GTIN Digital
	// Links.
	products := 0
	for _, e := range all {
		if e.Type == VocabEPCClass && (strings.HasPrefix(e.ID, "urn:epc:idpat:sgtin:") || strings.Count(e.ID, "/") == 4) {
			products++
		}
	}
	if products != 12 {
		t.Errorf("%d product classes, want 12 (9 products, 3 cases with hierarchy master data)", products)
	}
}

// TestHierarchyMasterData: three of the five finished products describe
// their case (the class of indicator digit 1, same GTIN body) as holding
// caseSize consumer units, in both attribute forms of gs1/hierarchy; the
// other two have no case master data.
func TestHierarchyMasterData(t *testing.T) {
	w := newWorld()
	forms := map[string]int{}
	described := 0
	for _, m := range w.makers {
		for _, p := range m.products {
			var found []hierarchy.Child
			for _, e := range w.masterData() {
				if e.id != p.class('1') {
					continue
				}
				for _, a := range e.attrs {
					am := a.(map[string]any)
					raw, err := json.Marshal(am["attribute"])
					if err != nil {
						t.Fatal(err)
					}
					ch, err := hierarchy.Children(am["id"].(string), raw)
					if err != nil {
						t.Fatalf("%s %s: %v", e.id, am["id"], err)
					}
					if ch != nil {
						forms[am["id"].(string)]++
						found = append(found, ch...)
					}
				}
			}
			if p.hierarchy == "" {
				if found != nil {
					t.Errorf("%s: hierarchy %v, want none (indicator-digit inference)", p.name, found)
				}
				continue
			}
			described++
			want := []hierarchy.Child{{GTIN: p.gtin('0'), Quantity: int64(p.caseSize)}}
			if !slices.Equal(found, want) {
				t.Errorf("%s: hierarchy %v, want %v", p.name, found, want)
			}
			if !hierarchy.SameBody(p.gtin('0'), p.gtin('1')) || !gs1.ValidCheckDigit(p.gtin('1')) {
				t.Errorf("%s: case GTIN %s is not the indicator-1 variant of %s", p.name, p.gtin('1'), p.gtin('0'))
			}
		}
	}
	if described != 3 || forms[hierarchy.GDSNNextLowerLevel] == 0 || forms[hierarchy.Contains] == 0 {
		t.Errorf("%d products described, forms %v; want 3, both forms", described, forms)
	}
}
