package epcis

import (
	"strings"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
)

// EPCFormat is a value of the GS1-EPC-Format header: the form in which
// GS1 identifiers are returned.
type EPCFormat string

// The GS1-EPC-Format values of the REST binding.
const (
	AlwaysDigitalLink EPCFormat = "Always_GS1_Digital_Link"
	AlwaysEPCURN      EPCFormat = "Always_EPC_URN"
	NeverTranslates   EPCFormat = "Never_Translates"
	NoPreference      EPCFormat = "No_Preference"
)

// ParseEPCFormat reads a GS1-EPC-Format header; empty means the default,
// Always_GS1_Digital_Link.
func ParseEPCFormat(s string) (EPCFormat, bool) {
	switch f := EPCFormat(strings.TrimSpace(s)); f {
	case "":
		return AlwaysDigitalLink, true
	case AlwaysDigitalLink, AlwaysEPCURN, NeverTranslates, NoPreference:
		return f, true
	}
	return "", false
}

// CBVFormat is a value of the GS1-CBV-XML-Format header: the form of CBV
// values in answers.
type CBVFormat string

// The GS1-CBV-XML-Format values of the REST binding.
const (
	CBVAlwaysWebURI    CBVFormat = "Always_Web_URI"
	CBVAlwaysURN       CBVFormat = "Always_URN"
	CBVNeverTranslates CBVFormat = "Never_Translates"
	CBVNoPreference    CBVFormat = "No_Preference"
)

// ParseCBVFormat reads a GS1-CBV-XML-Format header; empty means
// No_Preference (values as captured).
func ParseCBVFormat(s string) (CBVFormat, bool) {
	switch f := CBVFormat(strings.TrimSpace(s)); f {
	case "":
		return CBVNoPreference, true
	case CBVAlwaysWebURI, CBVAlwaysURN, CBVNeverTranslates, CBVNoPreference:
		return f, true
	}
	return "", false
}

// Translator rewrites the identifiers and CBV values of stored events into
// the forms a client asked for. Stored events keep the form they were
// captured in; only answers are translated.
type Translator struct {
	EPC      EPCFormat
	CBV      CBVFormat
	Prefixes *gs1.PrefixTable // company prefix lengths for Digital Link to URN; may be nil
	// Untranslated counts identifiers that could not be given as URNs
	// because their company prefix length is unknown; they are left as
	// Digital Links.
	Untranslated int

	// memo remembers the translations of one answer: its events name the
	// same locations, products and parties again and again.
	memo map[string]memoID
}

type memoID struct {
	id           string
	untranslated bool
}

// maxMemo bounds the memo of one Translator.
const maxMemo = 4096

// Translates reports whether t changes anything: false when the client
// left both forms to the server, so events can be given as stored.
func (t *Translator) Translates() bool {
	return t.EPC == AlwaysDigitalLink || t.EPC == AlwaysEPCURN || t.CBV == CBVAlwaysWebURI || t.CBV == CBVAlwaysURN
}

// Event translates one event object in place.
func (t *Translator) Event(m map[string]any) {
	if !t.Translates() {
		return
	}
	for _, k := range []string{"epcList", "childEPCs", "inputEPCList", "outputEPCList"} {
		if list, ok := m[k].([]any); ok {
			for i, v := range list {
				list[i] = t.id(v)
			}
		}
	}
	if v, ok := m["parentID"]; ok {
		m["parentID"] = t.id(v)
	}
	for _, k := range []string{"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"} {
		t.eachObject(m[k], func(q map[string]any) {
			if v, ok := q["epcClass"]; ok {
				q["epcClass"] = t.id(v)
			}
		})
	}
	for _, k := range []string{"readPoint", "bizLocation"} {
		if o, ok := m[k].(map[string]any); ok {
			if v, ok := o["id"]; ok {
				o["id"] = t.id(v)
			}
		}
	}
	t.cbvField(m, "bizStep", cbv.BizStep)
	t.cbvField(m, "disposition", cbv.Disp)
	if pd, ok := m["persistentDisposition"].(map[string]any); ok {
		for _, k := range []string{"set", "unset"} {
			if list, ok := pd[k].([]any); ok {
				for i, v := range list {
					list[i] = t.cbv(cbv.Disp, v)
				}
			}
		}
	}
	t.eachObject(m["bizTransactionList"], func(o map[string]any) {
		t.cbvField(o, "type", cbv.BTT)
		if v, ok := o["bizTransaction"]; ok {
			o["bizTransaction"] = t.id(v)
		}
	})
	for _, k := range [][2]string{{"sourceList", "source"}, {"destinationList", "destination"}} {
		t.eachObject(m[k[0]], func(o map[string]any) {
			t.cbvField(o, "type", cbv.SDT)
			if v, ok := o[k[1]]; ok {
				o[k[1]] = t.id(v)
			}
		})
	}
	if ed, ok := m["errorDeclaration"].(map[string]any); ok {
		t.cbvField(ed, "reason", cbv.ER)
	}
}

// ID returns one identifier in the form t asks for, as Event writes
// identifiers (GS1 identifiers translated, anything else unchanged).
func (t *Translator) ID(s string) string { return t.id(s).(string) }

// Value returns one value of vocabulary v in the form t asks for, as Event
// writes CBV values.
func (t *Translator) Value(v cbv.Vocabulary, s string) string { return t.cbv(v, s).(string) }

func (t *Translator) eachObject(v any, f func(map[string]any)) {
	list, _ := v.([]any)
	for _, x := range list {
		if o, ok := x.(map[string]any); ok {
			f(o)
		}
	}
}

// id returns a GS1 identifier in the requested form; anything else as is.
func (t *Translator) id(v any) any {
	s, ok := v.(string)
	if !ok || (t.EPC != AlwaysDigitalLink && t.EPC != AlwaysEPCURN) {
		return v
	}
	if !strings.HasPrefix(s, "urn:epc:") && !strings.HasPrefix(s, "http") {
		return v
	}
	if m, ok := t.memo[s]; ok {
		if m.untranslated {
			t.Untranslated++
		}
		return m.id
	}
	before := t.Untranslated
	out := t.translateID(s)
	if t.memo == nil {
		t.memo = make(map[string]memoID)
	}
	if len(t.memo) < maxMemo {
		t.memo[s] = memoID{out, t.Untranslated > before}
	}
	return out
}

// translateID translates one identifier that may be a GS1 identifier.
func (t *Translator) translateID(s string) string {
	epc, err := gs1.ParseEPC(s)
	if err != nil {
		return s
	}
	if t.EPC == AlwaysDigitalLink {
		return epc.DigitalLink()
	}
	if strings.HasPrefix(s, "urn:") {
		return s
	}
	var urn string
	if t.Prefixes != nil {
		urn, err = t.Prefixes.URN(epc)
	} else {
		urn, err = epc.URN()
	}
	if err != nil {
		t.Untranslated++
		return epc.DigitalLink()
	}
	return urn
}

func (t *Translator) cbvField(m map[string]any, key string, v cbv.Vocabulary) {
	if x, ok := m[key]; ok {
		m[key] = t.cbv(v, x)
	}
}

func (t *Translator) cbv(v cbv.Vocabulary, x any) any {
	s, ok := x.(string)
	if !ok || !cbv.IsStandard(v, s) {
		return x
	}
	switch t.CBV {
	case CBVAlwaysWebURI:
		return cbv.Format(v, s, cbv.WebURI)
	case CBVAlwaysURN:
		return cbv.Format(v, s, cbv.URN)
	}
	return x
}
