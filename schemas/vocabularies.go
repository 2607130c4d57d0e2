package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// vocabularies holds the enumerations the fast path checks bare words
// against. They are read from the embedded schema when it is compiled, so
// the schema stays the one place these CBV and Web Vocabulary values are
// written down.
type vocabularies struct {
	bizSteps            map[string]bool
	dispositions        map[string]bool
	bizTransactionTypes map[string]bool
	sourceDestTypes     map[string]bool
	errorReasons        map[string]bool
	components          map[string]bool
	measurementTypes    map[string]bool
	sensorAlertTypes    map[string]bool
}

// read fills v from the decoded schema document. Each vocabulary is the
// "enum" of the first anyOf branch at a JSON pointer; an error names the
// pointer that does not lead to one.
func (v *vocabularies) read(schema any) error {
	for _, x := range []struct {
		dst *map[string]bool
		ptr string
	}{
		{&v.bizSteps, "/$defs/bizStep/anyOf/0/enum"},
		{&v.dispositions, "/$defs/disposition/anyOf/0/enum"},
		{&v.bizTransactionTypes, "/$defs/bizTransactionList/items/properties/type/anyOf/0/enum"},
		{&v.sourceDestTypes, "/$defs/sourceDestinationType/anyOf/0/enum"},
		{&v.errorReasons, "/$defs/errorReason/anyOf/0/enum"},
		{&v.components, "/$defs/component/anyOf/0/enum"},
		{&v.measurementTypes, "/$defs/sensorElement/properties/sensorReport/items/properties/type/anyOf/0/enum"},
		{&v.sensorAlertTypes, "/$defs/sensorAlertType/anyOf/0/enum"},
	} {
		list, ok := lookup(schema, x.ptr).([]any)
		if !ok || len(list) == 0 {
			return fmt.Errorf("fast path: no enum at %s", x.ptr)
		}
		set := make(map[string]bool, len(list))
		for i, w := range list {
			s, ok := w.(string)
			if !ok {
				return fmt.Errorf("fast path: %s/%d is not a string", x.ptr, i)
			}
			set[s] = true
		}
		*x.dst = set
	}
	return nil
}

// lookup resolves a JSON pointer (without escapes) in a decoded document,
// or returns nil.
func lookup(doc any, ptr string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch c := doc.(type) {
		case map[string]any:
			doc = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			doc = c[i]
		default:
			return nil
		}
	}
	return doc
}
