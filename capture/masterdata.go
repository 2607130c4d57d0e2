package capture

import (
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// vocabAliases maps vocabulary type names some senders use to the
// standard's (EPCIS 2.0 section 6.1.1).
var vocabAliases = map[string]string{
	"urn:epcglobal:epcis:vtype:BizLocation": "urn:epcglobal:epcis:vtype:BusinessLocation",
	"urn:epcglobal:epcis:vtype:BizStep":     "urn:epcglobal:epcis:vtype:BusinessStep",
}

// masterData reads epcisHeader.epcisMasterData: a vocabularyList of
// vocabularies, each a type and a vocabularyElementList of elements with
// an id, attributes ({id, attribute}) and children. The schema has
// checked the shapes; elements without an id are skipped.
func masterData(md map[string]any) ([]store.VocabularyElement, error) {
	var out []store.VocabularyElement
	vocabs, _ := md["vocabularyList"].([]any)
	for _, v := range vocabs {
		voc, _ := v.(map[string]any)
		typ, _ := voc["type"].(string)
		if a, ok := vocabAliases[typ]; ok {
			typ = a
		}
		elems, _ := voc["vocabularyElementList"].([]any)
		for _, e := range elems {
			el, _ := e.(map[string]any)
			id, _ := el["id"].(string)
			if id == "" {
				continue
			}
			ve := store.VocabularyElement{Type: typ, ID: id}
			attrs, _ := el["attributes"].([]any)
			for _, a := range attrs {
				am, _ := a.(map[string]any)
				aid, _ := am["id"].(string)
				if aid == "" {
					continue
				}
				val, err := appendJSON(nil, am["attribute"])
				if err != nil {
					return nil, epcis.Invalid("/epcisHeader/epcisMasterData", "cannot encode attribute %q of %q: %v", aid, id, err)
				}
				ve.Attributes = append(ve.Attributes, store.Attribute{ID: aid, Value: val})
			}
			if ch, ok := el["children"].([]any); ok {
				ve.HasChildren = true
				for _, c := range ch {
					if s, ok := c.(string); ok && s != "" {
						ve.Children = append(ve.Children, s)
					}
				}
			}
			out = append(out, ve)
		}
	}
	return out, nil
}
