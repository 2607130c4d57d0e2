package schemas

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders the library's messages for kinds we do not reword.
var printer = message.NewPrinter(language.English)

// Violation is one reason an instance does not match the schema.
type Violation struct {
	// Pointer is an RFC 6901 JSON pointer into the instance, e.g.
	// /epcisBody/eventList/3/epcList/0. "" is the whole instance.
	Pointer string
	// Message says what is wrong there, in English.
	Message string
}

func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + v.Message
}

// maxViolations bounds the list returned for one instance.
const maxViolations = 100

// flatten turns the library's error tree into a short, sorted list of the
// deepest relevant errors.
func flatten(err error) []Violation {
	return sortViolations(unsorted(err, "", nil))
}

// unsorted appends err's violations to out, in no particular order and
// without a bound, with prefix (a JSON pointer) before each pointer: the
// violations of an event validated on its own, placed where it sits in
// its document.
func unsorted(err error, prefix string, out []Violation) []Violation {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return append(out, Violation{Pointer: prefix, Message: err.Error()})
	}
	n := len(out)
	collect(ve, &out)
	if prefix != "" {
		for i := n; i < len(out); i++ {
			out[i].Pointer = prefix + out[i].Pointer
		}
	}
	return out
}

// sortViolations orders violations by pointer, drops repeats and keeps the
// first maxViolations.
func sortViolations(out []Violation) []Violation {
	slices.SortFunc(out, func(a, b Violation) int {
		if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	out = slices.Compact(out)
	if len(out) > maxViolations {
		out = out[:maxViolations]
	}
	return out
}

func collect(e *jsonschema.ValidationError, out *[]Violation) {
	ptr := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf:
		collectAlternatives(e, out)
		return
	case *kind.OneOf:
		if k.Subschemas == nil { // no branch matched
			collectAlternatives(e, out)
			return
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, unknownField(ptr, p))
		}
		return
	case *kind.PropertyNames: // GS1's schema restricts names this way
		*out = append(*out, unknownField(ptr, k.Property))
		return
	}
	if len(e.Causes) == 0 {
		*out = append(*out, Violation{Pointer: ptr, Message: describe(e)})
		return
	}
	for _, c := range e.Causes {
		collect(c, out)
	}
}

const noneMatched = "matches none of the allowed forms: "

func unknownField(object, name string) Violation {
	return Violation{
		Pointer: object + "/" + escape(name),
		Message: fmt.Sprintf("field %q is not defined here; extension fields must be named by an absolute URI or a namespace prefix such as \"example:%s\"", name, name),
	}
}

// collectAlternatives reports an anyOf/oneOf with no matching branch. If
// every branch failed somewhere below this value, the branch that got
// deepest is the one the author meant, and only its errors are reported.
// Otherwise one violation here lists what each alternative required.
func collectAlternatives(e *jsonschema.ValidationError, out *[]Violation) {
	here := len(e.InstanceLocation)
	best, bestDepth, allDeeper := -1, -1, true
	for i, c := range e.Causes {
		d := minLeafDepth(c)
		if d <= here {
			allDeeper = false
		}
		if md := maxLeafDepth(c); md > bestDepth {
			best, bestDepth = i, md
		}
	}
	if allDeeper && best >= 0 {
		collect(e.Causes[best], out)
		return
	}
	var parts []string
	for _, c := range e.Causes {
		var sub []Violation
		collect(c, &sub)
		var msgs []string
		for _, s := range sub {
			m := strings.TrimPrefix(s.Message, noneMatched)
			if rel := strings.TrimPrefix(s.Pointer, pointer(e.InstanceLocation)); rel != "" {
				m = rel + ": " + m
			}
			if !slices.Contains(msgs, m) {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) > 0 {
			parts = append(parts, strings.Join(msgs, " and "))
		}
	}
	*out = append(*out, Violation{
		Pointer: pointer(e.InstanceLocation),
		Message: noneMatched + strings.Join(parts, "; or "),
	})
}

func minLeafDepth(e *jsonschema.ValidationError) int {
	if len(e.Causes) == 0 {
		return len(e.InstanceLocation)
	}
	d := -1
	for _, c := range e.Causes {
		if x := minLeafDepth(c); d < 0 || x < d {
			d = x
		}
	}
	return d
}

func maxLeafDepth(e *jsonschema.ValidationError) int {
	if len(e.Causes) == 0 {
		return len(e.InstanceLocation)
	}
	d := -1
	for _, c := range e.Causes {
		d = max(d, maxLeafDepth(c))
	}
	return d
}

// describe words a leaf error for an EPCIS author.
func describe(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Not:
		switch {
		case strings.HasSuffix(e.SchemaURL, "/userVocabularyURI/not"), strings.HasSuffix(e.SchemaURL, "/userVocabularyURI"):
			return "a CBV value must be written as its bare word (e.g. \"shipping\"), not as a CBV URI"
		case strings.HasSuffix(e.SchemaURL, "/nonWebVocabularyURI/not"), strings.HasSuffix(e.SchemaURL, "/nonWebVocabularyURI"):
			return "a GS1 Web Vocabulary term must be written as its bare term (e.g. \"Temperature\"), not as a gs1.org/voc/ URI"
		}
	case *kind.Enum:
		if len(k.Want) > 6 {
			return fmt.Sprintf("%s is not one of the %d values the standard defines", display(k.Got), len(k.Want))
		}
	case *kind.Format:
		switch k.Want {
		case "uri":
			return fmt.Sprintf("%s is not an absolute URI: %v", display(k.Got), k.Err)
		case "date-time":
			return fmt.Sprintf("%s is not an RFC 3339 date-time with a time zone: %v", display(k.Got), k.Err)
		}
	case *kind.Pattern:
		if k.Want == `^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$` {
			return fmt.Sprintf("%q is not a time zone offset from -14:00 to +14:00 written as ±hh:mm", k.Got)
		}
	}
	return e.ErrorKind.LocalizedString(printer)
}

func display(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// pointer encodes instance location tokens as an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

var tokenEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escape(t string) string { return tokenEscaper.Replace(t) }

// comparePointers orders pointers token by token, numerically where both
// tokens are array indexes, so /eventList/2 sorts before /eventList/10.
func comparePointers(a, b string) int {
	at, bt := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(at) && i < len(bt); i++ {
		if at[i] == bt[i] {
			continue
		}
		ai, aerr := strconv.Atoi(at[i])
		bi, berr := strconv.Atoi(bt[i])
		if aerr == nil && berr == nil {
			return ai - bi
		}
		return strings.Compare(at[i], bt[i])
	}
	return len(at) - len(bt)
}
