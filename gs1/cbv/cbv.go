// Package cbv normalises values of the GS1 Core Business Vocabulary (CBV
// 2.0) and of the GS1 Web vocabulary terms that EPCIS 2.0 sensor data uses.
//
// A standard value may arrive in several forms: a bare word ("shipping", as
// JSON-LD documents write it under the EPCIS context), a URN
// ("urn:epcglobal:cbv:bizstep:shipping", as XML documents write it), a Web
// URI ("https://ref.gs1.org/cbv/BizStep-shipping") or a compact URI with
// the context's protected prefixes ("cbv:BizStep-shipping",
// "gs1:Temperature"). Normalize maps all of them to the Web URI, the one
// form this project stores and matches on; Format writes a canonical value
// back in the form an output binding needs.
//
// A value outside the standard vocabulary must be a URI (any RFC 3986
// scheme, "urn:", "https:", or a prefix such as "example:") and is returned
// unchanged, except that the context's own prefixes cbv: and gs1: are
// expanded. A bare word that is not a standard term is an error.
//
// The package does not know which EPCIS field takes which vocabulary beyond
// the Vocabulary names; that mapping belongs to the EPCIS model.
package cbv

import "strings"

// Vocabulary names a standard vocabulary, using the CBV's own names (the
// term prefix of its Web URIs).
type Vocabulary string

// The vocabularies.
const (
	BizStep         Vocabulary = "BizStep"         // business steps (bizStep)
	Disp            Vocabulary = "Disp"            // dispositions (disposition, persistentDisposition)
	BTT             Vocabulary = "BTT"             // business transaction types (bizTransaction type)
	SDT             Vocabulary = "SDT"             // source/destination types
	ER              Vocabulary = "ER"              // error reasons (errorDeclaration reason)
	Comp            Vocabulary = "Comp"            // sensor report components
	MeasurementType Vocabulary = "MeasurementType" // sensor measurement types, gs1:Temperature etc.
	SensorAlertType Vocabulary = "SensorAlertType" // sensor report exceptions, gs1:ALARM_CONDITION etc.
)

// Vocabularies lists every vocabulary the package knows.
var Vocabularies = []Vocabulary{BizStep, Disp, BTT, SDT, ER, Comp, MeasurementType, SensorAlertType}

// Form is one written form of a standard value.
type Form int

const (
	// WebURI is the canonical form: https://ref.gs1.org/cbv/BizStep-shipping,
	// https://gs1.org/voc/Temperature.
	WebURI Form = iota
	// URN is the CBV 1.x form used by EPCIS XML:
	// urn:epcglobal:cbv:bizstep:shipping. MeasurementType and
	// SensorAlertType have no URN; they are written as CURIEs
	// (gs1:Temperature), as EPCIS 2.0 XML does.
	URN
	// BareWord is the JSON-LD form under the EPCIS context: shipping, Temperature.
	BareWord
	// CURIE is the compact form with the EPCIS context prefixes:
	// cbv:BizStep-shipping, gs1:Temperature.
	CURIE
)

// String returns the name of the form.
func (f Form) String() string {
	switch f {
	case WebURI:
		return "WebURI"
	case URN:
		return "URN"
	case BareWord:
		return "BareWord"
	case CURIE:
		return "CURIE"
	}
	return "Form(" + itoa(int(f)) + ")"
}

// Error reports a value that is neither a standard term nor a URI.
type Error struct {
	Vocabulary Vocabulary
	Value      string
	Reason     string
}

func (e *Error) Error() string {
	return "cbv: invalid " + string(e.Vocabulary) + " value " + quote(e.Value) + ": " + e.Reason
}

type vocabInfo struct {
	name  Vocabulary
	web   string // Web URI prefix
	urn   string // URN prefix ("" if none)
	curie string // CURIE prefix
	terms []string
}

type term struct {
	word, web string
	vocab     *vocabInfo
}

// index maps, per vocabulary, a bare word to its term; and every Web URI to
// its term.
type index struct {
	byWord map[Vocabulary]map[string]*term
	byWeb  map[string]*term
}

var idx = func() *index {
	x := &index{byWord: map[Vocabulary]map[string]*term{}, byWeb: map[string]*term{}}
	for i := range vocabularies {
		v := &vocabularies[i]
		m := make(map[string]*term, len(v.terms))
		for _, w := range v.terms {
			t := &term{word: w, web: v.web + w, vocab: v}
			m[w] = t
			x.byWeb[t.web] = t
		}
		x.byWord[v.name] = m
	}
	return x
}()

func vocab(v Vocabulary) *vocabInfo {
	for i := range vocabularies {
		if vocabularies[i].name == v {
			return &vocabularies[i]
		}
	}
	return nil
}

// ParseVocabulary returns the Vocabulary named s.
func ParseVocabulary(s string) (Vocabulary, error) {
	if vocab(Vocabulary(s)) == nil {
		return "", &Error{Vocabulary: Vocabulary(s), Reason: "unknown vocabulary"}
	}
	return Vocabulary(s), nil
}

// Terms returns the bare words of the standard vocabulary v, in the
// standard's order.
func Terms(v Vocabulary) []string {
	if vi := vocab(v); vi != nil {
		return append([]string(nil), vi.terms...)
	}
	return nil
}

// lookup finds the standard term s denotes in v, in any form.
func lookup(vi *vocabInfo, s string) *term {
	if t, ok := idx.byWord[vi.name][s]; ok {
		return t
	}
	var w string
	switch {
	case vi.urn != "" && strings.HasPrefix(s, vi.urn):
		w = s[len(vi.urn):]
	case strings.HasPrefix(s, vi.web):
		w = s[len(vi.web):]
	case strings.HasPrefix(s, vi.curie):
		w = s[len(vi.curie):]
	case vi.web == gs1Voc:
		for _, alias := range gs1VocAliases {
			if strings.HasPrefix(s, alias) {
				w = s[len(alias):]
				break
			}
		}
	}
	if w == "" {
		return nil
	}
	return idx.byWord[vi.name][w]
}

const gs1Voc = "https://gs1.org/voc/"

var gs1VocAliases = []string{"http://gs1.org/voc/", "https://www.gs1.org/voc/", "http://www.gs1.org/voc/"}

// Normalize returns the canonical Web URI of a standard value of v given in
// any of its forms. A value that is not standard must be a URI: it is
// returned unchanged, except that the EPCIS context prefixes cbv: and gs1:
// are expanded (cbv:X to https://ref.gs1.org/cbv/X, gs1:X to
// https://gs1.org/voc/X). Anything else, a bare word outside the vocabulary
// in particular, is an *Error.
func Normalize(v Vocabulary, s string) (string, error) {
	vi := vocab(v)
	if vi == nil {
		return "", &Error{Vocabulary: v, Value: s, Reason: "unknown vocabulary"}
	}
	if t := lookup(vi, s); t != nil {
		return t.web, nil
	}
	if !IsURI(s) {
		if s == "" {
			return "", &Error{Vocabulary: v, Value: s, Reason: "empty"}
		}
		return "", &Error{Vocabulary: v, Value: s, Reason: "not a standard " + string(v) + " term and not a URI"}
	}
	switch {
	case strings.HasPrefix(s, "cbv:"):
		return "https://ref.gs1.org/cbv/" + s[4:], nil
	case strings.HasPrefix(s, "gs1:"):
		return gs1Voc + s[4:], nil
	}
	return s, nil
}

// IsStandard reports whether s, in any form, is a value of the standard
// vocabulary v.
func IsStandard(v Vocabulary, s string) bool {
	vi := vocab(v)
	return vi != nil && lookup(vi, s) != nil
}

// Format writes a value of v in the requested form. value is normally the
// output of Normalize; other forms are normalised first. A value that is not
// standard, or that cannot be normalised, is returned unchanged.
func Format(v Vocabulary, value string, form Form) string {
	vi := vocab(v)
	if vi == nil {
		return value
	}
	t := lookup(vi, value)
	if t == nil {
		return value
	}
	switch form {
	case BareWord:
		return t.word
	case URN:
		if vi.urn != "" {
			return vi.urn + t.word
		}
		return vi.curie + t.word
	case CURIE:
		return vi.curie + t.word
	}
	return t.web
}

// IsURI reports whether s is an absolute URI by RFC 3986 syntax: a scheme
// (letter, then letters, digits, '+', '-', '.'), ':', then at least one
// character, with no whitespace, control characters or characters a URI
// cannot hold. EPCIS requires URIs for identifiers and custom vocabulary
// values.
func IsURI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || colon == len(s)-1 {
		return false
	}
	for i := 0; i < colon; i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	for i := colon + 1; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' {
			return false
		}
	}
	return true
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
