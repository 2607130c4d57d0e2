package query

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
)

// maxTermText bounds the text values indexed as terms: longer values are
// left to the residual check (Compile knows the same bound).
const maxTermText = 200

// fieldTerms appends the terms of the top-level extension fields of obj
// (the event, or its ilmd). They make EQ_ and EXISTS_ (and, through the
// exists term, the comparisons) on those fields index lookups. The terms
// are necessary conditions of the matcher's comparisons, not sufficient
// ones: Compile keeps the residual check for every field restriction.
func fieldTerms(t []string, e *epcis.Event, obj map[string]any, valKey, existsKey string) []string {
	var ns map[string]string
	for k, v := range obj {
		if !isExtensionKey(k) {
			continue
		}
		if ns == nil {
			ns = epcis.Namespaces(e.Fields["@context"])
		}
		for _, iri := range fieldIRIs(k, ns) {
			if exists(v) {
				t = append(t, existsKey+iri)
			}
			t = appendScalarTerms(t, valKey+iri+"=", v)
		}
	}
	return t
}

// fieldIRIs returns the IRIs the key k names, as keyIs reads it: the
// expanded name, and the EPCIS 1.x form namespace#local when the
// namespace does not end in '/' or '#'.
func fieldIRIs(k string, ns map[string]string) []string {
	prefix, local, _ := strings.Cut(k, ":")
	if prefix == "urn" || strings.HasPrefix(local, "//") {
		return []string{k}
	}
	base, ok := ns[prefix]
	if !ok {
		if base, ok = standardPrefixes[prefix]; !ok {
			return nil
		}
	}
	if strings.HasSuffix(base, "/") || strings.HasSuffix(base, "#") {
		return []string{base + local}
	}
	return []string{base + local, base + "#" + local}
}

// exists mirrors the matcher's EXISTS_ test.
func exists(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case string:
		return x != ""
	}
	return true
}

// appendScalarTerms appends a term for every reading equalValue can make
// of v: its text, its number and its instant.
func appendScalarTerms(t []string, key string, v any) []string {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			t = appendScalarTerms(t, key, e)
		}
	case map[string]any:
		if val, ok := x["@value"]; ok {
			t = appendScalarTerms(t, key, val)
		}
	case string:
		if len(x) <= maxTermText {
			t = append(t, key+"s"+x)
		}
		if f, ok := parseDecimal(x); ok {
			t = append(t, key+"n"+termNumber(f))
		}
		if tm, ok := parseTime(x); ok {
			t = append(t, key+"d"+instantText(tm))
		}
	case bool:
		t = append(t, key+"s"+strconv.FormatBool(x))
	case json.Number, float64, int:
		if f, ok := number(x); ok {
			t = append(t, key+"n"+termNumber(f))
		}
	}
	return t
}

func termNumber(f float64) string {
	if f == 0 {
		return "0" // -0 equals 0
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func instantText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// valueTerms returns the terms a field value equal to pv must have, or
// ok false when pv cannot be looked up (a long text).
func valueTerms(key string, pv Value) (terms []string, ok bool) {
	if len(pv.Raw) <= maxTermText {
		terms = append(terms, key+"s"+pv.Raw)
	} else if !pv.IsNum && !pv.IsTime {
		return nil, false
	}
	if pv.IsNum {
		terms = append(terms, key+"n"+termNumber(pv.Num))
	}
	if pv.IsTime {
		terms = append(terms, key+"d"+instantText(pv.Time))
	}
	return terms, true
}
