package query

import (
	"encoding/json"

	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/store"
)

// StoredMasterData answers MasterData questions from the stored
// vocabulary elements. Identifiers are compared in matching form, so a
// hierarchy written with SGLN URNs answers a query written with Digital
// Links.
type StoredMasterData struct {
	elems map[mdKey]*store.VocabularyElement
}

type mdKey struct{ vocab, id string }

var _ MasterData = (*StoredMasterData)(nil)

// NewMasterData indexes elements (as MasterDataStore.MasterData returns
// them).
func NewMasterData(elems []store.VocabularyElement) *StoredMasterData {
	md := &StoredMasterData{elems: make(map[mdKey]*store.VocabularyElement, len(elems))}
	for i := range elems {
		e := &elems[i]
		md.elems[mdKey{e.Type, matchingForm(e.Type, e.ID)}] = e
	}
	return md
}

// Len returns the number of elements.
func (md *StoredMasterData) Len() int { return len(md.elems) }

// matchingForm is the form of an element id that Match compares.
func matchingForm(vocab, id string) string {
	switch vocab {
	case VocabBusinessStep:
		return CanonicalCBV(cbv.BizStep, id)
	case VocabDisposition:
		return CanonicalCBV(cbv.Disp, id)
	}
	return CanonicalID(id)
}

// Descendants walks the children of id breadth first; a cycle in the
// captured hierarchy is walked once.
func (md *StoredMasterData) Descendants(vocab, id string) []string {
	if md == nil {
		return nil
	}
	seen := map[string]bool{matchingForm(vocab, id): true}
	var out []string
	queue := []string{id}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		e := md.elems[mdKey{vocab, matchingForm(vocab, cur)}]
		if e == nil {
			continue
		}
		for _, c := range e.Children {
			k := matchingForm(vocab, c)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// Attr returns the values of an attribute: a JSON string as its text,
// a list as its elements' texts, anything else as its JSON text.
func (md *StoredMasterData) Attr(vocab, id, attr string) ([]string, bool) {
	if md == nil {
		return nil, false
	}
	var e *store.VocabularyElement
	if vocab == "" {
		// An extension field's vocabulary is unknown: any element with
		// that id answers.
		c := CanonicalID(id)
		for k, el := range md.elems {
			if k.id == c {
				e = el
				break
			}
		}
	} else {
		e = md.elems[mdKey{vocab, matchingForm(vocab, id)}]
	}
	if e == nil {
		return nil, false
	}
	for _, a := range e.Attributes {
		if a.ID == attr {
			return attributeTexts(a.Value), true
		}
	}
	return nil, false
}

func attributeTexts(raw []byte) []string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{string(raw)}
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else if b, err := json.Marshal(e); err == nil {
				out = append(out, string(b))
			}
		}
		return out
	}
	return []string{string(raw)}
}
