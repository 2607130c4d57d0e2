package schemas

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"math/big"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// fastPath decides, in plain Go and without allocating, whether an
// instance is valid against the embedded schema. It mirrors
// epcis-2.0.schema.json keyword by keyword (each function names the $defs
// entry it stands for) and is only ever trusted to say "valid": when it
// says no, the Validator runs the compiled schema, which gives the verdict
// and the violations. So a gap in the fast path costs time, never a wrong
// answer, as long as it never accepts what the schema rejects; the tests
// in fastpath_test.go check that it gives exactly the schema's verdict on
// every fixture, on thousands of mutants and in a fuzz target.
//
// Whoever edits the schema must edit this file too; those tests fail
// until both agree again.
type fastPath struct {
	uriFormat      *jsonschema.Schema // {"format":"uri"}, for strings quickURI cannot vouch for
	dateTimeFormat *jsonschema.Schema // {"format":"date-time"}, likewise for quickDateTime
	seed           maphash.Seed       // for uniqueItems on long lists
	vocabularies                      // the enums, read from the schema
}

// newFastPath reads the vocabularies from the schema document and compiles
// the two format checks with the compiler (and so the format
// implementations) the schema itself uses.
func newFastPath(c *jsonschema.Compiler, schema any) (*fastPath, error) {
	f := &fastPath{seed: maphash.MakeSeed()}
	if err := f.vocabularies.read(schema); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		dst    **jsonschema.Schema
		format string
	}{{&f.uriFormat, "uri"}, {&f.dateTimeFormat, "date-time"}} {
		loc := SchemaID + "/format/" + x.format
		if err := c.AddResource(loc, map[string]any{"format": x.format}); err != nil {
			return nil, err
		}
		s, err := c.Compile(loc)
		if err != nil {
			return nil, err
		}
		*x.dst = s
	}
	return f, nil
}

// --- top level ---------------------------------------------------------

// instance is the schema's root: a document, a query document or a
// standalone event, chosen by "type".
func (f *fastPath) instance(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	switch t, ok := m["type"].(string); {
	case !ok:
		return false
	case t == "EPCISDocument":
		return f.document(m)
	case t == "EPCISQueryDocument":
		return f.queryDocument(m)
	}
	return f.standaloneEvent(m)
}

// document is #/$defs/document.
func (f *fastPath) document(x any) bool {
	events, ok := f.documentShell(x)
	if !ok {
		return false
	}
	for _, ev := range events {
		if !f.event(ev) {
			return false
		}
	}
	return true
}

// documentShell checks all of #/$defs/document except the events, and
// returns the event list.
func (f *fastPath) documentShell(x any) (events []any, ok bool) {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "@context", "type", "schemaVersion", "creationDate", "epcisBody") {
		return nil, false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "@context":
			ok = f.ldContext(v)
		case "type":
			ok = v == "EPCISDocument"
		case "id":
			ok = f.uriValue(v)
		case "schemaVersion":
			ok = schemaVersionValue(v)
		case "creationDate":
			ok = f.dateTimeValue(v)
		case "instanceIdentifier", "sender", "receiver":
			_, ok = v.(string)
		case "epcisHeader":
			ok = f.header(v)
		case "epcisBody":
			body, isObj := v.(map[string]any)
			events, ok = body["eventList"].([]any)
			ok = isObj && ok
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return nil, false
		}
	}
	return events, true
}

// queryDocument is #/$defs/queryDocument.
func (f *fastPath) queryDocument(m map[string]any) bool {
	if !has(m, "@context", "type", "epcisBody") {
		return false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "@context":
			ok = f.ldContext(v)
		case "type":
			ok = v == "EPCISQueryDocument"
		case "id":
			ok = f.uriValue(v)
		case "schemaVersion":
			ok = schemaVersionValue(v)
		case "creationDate":
			ok = f.dateTimeValue(v)
		case "epcisBody":
			ok = f.queryBody(v)
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (f *fastPath) queryBody(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "queryResults") {
		return false
	}
	for k, v := range m {
		if k == "queryResults" {
			if !f.queryResults(v) {
				return false
			}
		} else if !isExtensionName(k) {
			return false
		}
	}
	return true
}

func (f *fastPath) queryResults(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "queryName", "resultsBody") {
		return false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "queryName", "subscriptionID":
			_, ok = v.(string)
		case "resultsBody":
			ok = f.resultsBody(v)
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (f *fastPath) resultsBody(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "eventList") {
		return false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "eventList":
			ok = f.eventList(v)
		case "vocabularyList":
			ok = f.vocabularyList(v)
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return false
		}
	}
	return true
}

// header is #/$defs/header.
func (f *fastPath) header(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range m {
		if k == "epcisMasterData" {
			md, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if vl, ok := md["vocabularyList"]; ok && !f.vocabularyList(vl) {
				return false
			}
		} else if !isExtensionName(k) {
			return false
		}
	}
	return true
}

// vocabularyList is #/$defs/vocabularyList: only the members it names are
// checked; others are free.
func (f *fastPath) vocabularyList(x any) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok || !has(m, "type") || !f.uriValue(m["type"]) {
			return false
		}
		if els, ok := m["vocabularyElementList"]; ok {
			els, ok := els.([]any)
			if !ok {
				return false
			}
			for _, el := range els {
				if !f.vocabularyElement(el) {
					return false
				}
			}
		}
	}
	return true
}

// vocabularyElement is #/$defs/vocabularyElement.
func (f *fastPath) vocabularyElement(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "id") || !f.uriValue(m["id"]) {
		return false
	}
	if attrs, ok := m["attributes"]; ok {
		attrs, ok := attrs.([]any)
		if !ok {
			return false
		}
		for _, a := range attrs {
			am, ok := a.(map[string]any)
			if !ok || !has(am, "id") || !f.uriValue(am["id"]) {
				return false
			}
			if v, ok := am["attribute"]; ok {
				switch v.(type) {
				case string, map[string]any:
				default:
					if !isNumber(v) {
						return false
					}
				}
			}
		}
	}
	if ch, ok := m["children"]; ok && !f.uriList(ch) {
		return false
	}
	return true
}

// --- events ------------------------------------------------------------

// eventList is #/$defs/eventList.
func (f *fastPath) eventList(x any) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, ev := range list {
		if !f.event(ev) {
			return false
		}
	}
	return true
}

// standaloneEvent is #/$defs/standaloneEvent: an event with @context.
func (f *fastPath) standaloneEvent(x any) bool {
	m, ok := x.(map[string]any)
	return ok && has(m, "@context") && f.event(m)
}

// eventKind is one of the five EPCIS event types, as a bit so that the
// members each type allows can be written as masks.
type eventKind uint8

const (
	kindObject eventKind = 1 << iota
	kindAggregation
	kindTransformation
	kindTransaction
	kindAssociation
)

// event is #/$defs/event: dispatch on "type" to one event type's rules.
func (f *fastPath) event(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	t, ok := m["type"].(string)
	if !ok {
		return false
	}
	switch t {
	case "ObjectEvent":
		return f.standardEvent(m, kindObject)
	case "AggregationEvent":
		return f.standardEvent(m, kindAggregation)
	case "TransformationEvent":
		return f.standardEvent(m, kindTransformation)
	case "TransactionEvent":
		return f.standardEvent(m, kindTransaction)
	case "AssociationEvent":
		return f.standardEvent(m, kindAssociation)
	}
	return f.extensionEvent(m, t)
}

// extensionEvent is #/$defs/extensionEvent: its type is a URI and only the
// common members (#/$defs/eventCommon) are checked.
func (f *fastPath) extensionEvent(m map[string]any, typ string) bool {
	if !f.uri(typ) || !has(m, "eventTime", "eventTimeZoneOffset") {
		return false
	}
	for k, v := range m {
		if ok, common := f.commonMember(k, v); common && !ok {
			return false
		}
	}
	return true
}

// commonMember checks a member every event type defines the same way. It
// reports whether k is one (common) and, if so, whether v is valid.
func (f *fastPath) commonMember(k string, v any) (ok, common bool) {
	switch k {
	case "@context":
		return f.ldContext(v), true
	case "eventTime", "recordTime":
		return f.dateTimeValue(v), true
	case "eventTimeZoneOffset":
		s, isStr := v.(string)
		return isStr && isTimeZoneOffset(s), true
	case "eventID":
		return f.uriValue(v), true
	case "certificationInfo":
		return f.certificationInfo(v), true
	case "errorDeclaration":
		return f.errorDeclaration(v), true
	}
	return false, false
}

const (
	withAction = kindObject | kindAggregation | kindTransaction | kindAssociation
	withEPCs   = kindObject | kindTransaction
	withParent = kindAggregation | kindTransaction | kindAssociation
	withChild  = kindAggregation | kindAssociation
	withILMD   = kindObject | kindTransformation
)

// standardEvent is #/$defs/objectEvent, aggregationEvent,
// transformationEvent, transactionEvent or associationEvent (k says
// which): the members k allows, the required ones, then the anyOf and
// if/then rules of that type. The caller has checked "type".
func (f *fastPath) standardEvent(m map[string]any, k eventKind) bool {
	for key, v := range m {
		if ok, common := f.commonMember(key, v); common {
			if !ok {
				return false
			}
			continue
		}
		ok := true
		switch key {
		case "type": // checked by the caller
		case "action":
			ok = k&withAction != 0 && isAction(v)
		case "epcList":
			if k == kindObject {
				ok = f.uniqueURIList(v)
			} else {
				ok = k&withEPCs != 0 && f.uriList(v)
			}
		case "quantityList":
			ok = k&withEPCs != 0 && f.quantityList(v)
		case "parentID":
			ok = k&withParent != 0 && f.uriValue(v)
		case "childEPCs":
			ok = k&withChild != 0 && f.uriList(v)
		case "childQuantityList":
			ok = k&withChild != 0 && f.quantityList(v)
		case "inputEPCList", "outputEPCList":
			ok = k == kindTransformation && f.uniqueURIList(v)
		case "inputQuantityList", "outputQuantityList":
			ok = k == kindTransformation && f.quantityList(v)
		case "transformationID":
			ok = k == kindTransformation && f.uriValue(v)
		case "bizStep":
			ok = f.vocabulary(v, f.bizSteps)
		case "disposition":
			ok = f.vocabulary(v, f.dispositions)
		case "persistentDisposition":
			ok = f.persistentDisposition(v)
		case "readPoint", "bizLocation":
			ok = f.location(v)
		case "bizTransactionList":
			ok = f.bizTransactionList(v)
		case "sourceList":
			ok = f.sourceDestList(v, "source")
		case "destinationList":
			ok = f.sourceDestList(v, "destination")
		case "sensorElementList":
			ok = f.sensorElementList(v)
		case "ilmd":
			ok = k&withILMD != 0 && ilmd(v)
		default:
			ok = isExtensionName(key)
		}
		if !ok {
			return false
		}
	}
	if !has(m, "eventTime", "eventTimeZoneOffset") {
		return false
	}
	if k&withAction != 0 && !has(m, "action") {
		return false
	}
	deleting := m["action"] == "DELETE"
	switch k {
	case kindObject:
		return (has(m, "epcList") || nonEmpty(m, "quantityList") ||
			has(m, "readPoint") && nonEmpty(m, "sensorElementList")) &&
			(!has(m, "ilmd") || m["action"] == "ADD")
	case kindAggregation:
		return nonEmpty(m, "childEPCs") || nonEmpty(m, "childQuantityList") || deleting
	case kindAssociation:
		return has(m, "parentID") && (nonEmpty(m, "childEPCs") || nonEmpty(m, "childQuantityList") || deleting)
	case kindTransaction:
		return nonEmpty(m, "bizTransactionList") &&
			(has(m, "epcList") || nonEmpty(m, "quantityList") || deleting)
	case kindTransformation:
		in := nonEmpty(m, "inputEPCList") || nonEmpty(m, "inputQuantityList")
		out := nonEmpty(m, "outputEPCList") || nonEmpty(m, "outputQuantityList")
		return in && out || has(m, "transformationID") && (in || out)
	}
	return false
}

func isAction(v any) bool {
	s, ok := v.(string)
	return ok && (s == "ADD" || s == "OBSERVE" || s == "DELETE")
}

// nonEmpty reports whether m[k] is present and, if an array, not empty
// (the anyOf branches "required k, minItems 1"; a non-array fails
// elsewhere).
func nonEmpty(m map[string]any, k string) bool {
	v, ok := m[k]
	if !ok {
		return false
	}
	if a, isArr := v.([]any); isArr {
		return len(a) > 0
	}
	return true
}

// --- event members -----------------------------------------------------

// certificationInfo is #/$defs/certificationInfo: a URI or a list of them.
func (f *fastPath) certificationInfo(x any) bool {
	switch v := x.(type) {
	case string:
		return f.uri(v)
	case []any:
		return f.uriList(v)
	}
	return false
}

// errorDeclaration is #/$defs/errorDeclaration.
func (f *fastPath) errorDeclaration(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "declarationTime") {
		return false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "declarationTime":
			ok = f.dateTimeValue(v)
		case "reason":
			ok = f.vocabulary(v, f.errorReasons)
		case "correctiveEventIDs":
			ok = f.uriList(v)
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return false
		}
	}
	return true
}

// location is a readPoint or bizLocation: an object with a URI id; other
// members are free.
func (f *fastPath) location(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	id, ok := m["id"]
	return ok && f.uriValue(id)
}

// quantityList is #/$defs/quantityList.
func (f *fastPath) quantityList(x any) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok || !has(m, "epcClass") {
			return false
		}
		for k, v := range m {
			ok := true
			switch k {
			case "epcClass":
				ok = f.uriValue(v)
			case "quantity":
				ok = isNumber(v)
			case "uom":
				s, isStr := v.(string)
				ok = isStr && isUOM(s)
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// bizTransactionList is #/$defs/bizTransactionList.
func (f *fastPath) bizTransactionList(x any) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok || !has(m, "bizTransaction") {
			return false
		}
		for k, v := range m {
			ok := true
			switch k {
			case "type":
				ok = f.vocabulary(v, f.bizTransactionTypes)
			case "bizTransaction":
				ok = f.uriValue(v)
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// sourceDestList is #/$defs/sourceList (member "source") or
// destinationList (member "destination").
func (f *fastPath) sourceDestList(x any, member string) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok || !has(m, "type", member) {
			return false
		}
		for k, v := range m {
			ok := true
			switch k {
			case "type":
				ok = f.vocabulary(v, f.sourceDestTypes)
			case member:
				ok = f.uriValue(v)
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// persistentDisposition is #/$defs/persistentDisposition.
func (f *fastPath) persistentDisposition(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	for k, v := range m {
		if k != "set" && k != "unset" || !f.dispositionSet(v) {
			return false
		}
	}
	return true
}

// dispositionSet is #/$defs/dispositionSet.
func (f *fastPath) dispositionSet(x any) bool {
	list, ok := x.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, v := range list {
		if !f.vocabulary(v, f.dispositions) {
			return false
		}
	}
	return f.uniqueStrings(list)
}

// ilmd is #/$defs/ilmd: every member is an extension field.
func ilmd(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	for k := range m {
		if !isExtensionName(k) {
			return false
		}
	}
	return true
}

// sensorElementList is #/$defs/sensorElementList.
func (f *fastPath) sensorElementList(x any) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok || !has(m, "sensorReport") {
			return false
		}
		for k, v := range m {
			ok := true
			switch k {
			case "sensorMetadata":
				ok = f.sensorMetadata(v)
			case "sensorReport":
				reports, isArr := v.([]any)
				ok = isArr && len(reports) > 0
				for i := 0; ok && i < len(reports); i++ {
					ok = f.sensorReport(reports[i])
				}
			default:
				ok = isExtensionName(k)
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// sensorMetadata is #/$defs/sensorMetadata.
func (f *fastPath) sensorMetadata(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "time", "startTime", "endTime":
			ok = f.dateTimeValue(v)
		case "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules":
			ok = f.uriValue(v)
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return false
		}
	}
	return true
}

// sensorReport is the item schema of sensorElement's sensorReport.
func (f *fastPath) sensorReport(x any) bool {
	m, ok := x.(map[string]any)
	if !ok || !has(m, "type") {
		return false
	}
	for k, v := range m {
		ok := true
		switch k {
		case "type":
			ok = f.webVocabulary(v, f.measurementTypes)
		case "exception":
			ok = f.webVocabulary(v, f.sensorAlertTypes)
		case "time":
			ok = f.dateTimeValue(v)
		case "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules",
			"microorganism", "chemicalSubstance", "coordinateReferenceSystem", "uriValue":
			ok = f.uriValue(v)
		case "component":
			ok = f.vocabulary(v, f.components)
		case "value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue":
			ok = isNumber(v)
		case "stringValue", "uom":
			_, ok = v.(string)
		case "booleanValue":
			_, ok = v.(bool)
		case "hexBinaryValue":
			s, isStr := v.(string)
			ok = isStr && isHexBinary(s)
		default:
			ok = isExtensionName(k)
		}
		if !ok {
			return false
		}
	}
	return true
}

// --- values ------------------------------------------------------------

// vocabulary is a CBV vocabulary: a bare word from words, or
// #/$defs/userVocabularyURI (a URI outside the CBV namespaces).
func (f *fastPath) vocabulary(x any, words map[string]bool) bool {
	s, ok := x.(string)
	return ok && (words[s] || f.uri(s) && !hasCBVPrefix(s))
}

// webVocabulary is a GS1 Web Vocabulary term from words, or
// #/$defs/nonWebVocabularyURI (a URI outside gs1.org/voc/).
func (f *fastPath) webVocabulary(x any, words map[string]bool) bool {
	s, ok := x.(string)
	return ok && (words[s] || f.uri(s) && !hasWebVocPrefix(s))
}

// ldContext is #/$defs/ldContext: a URI, an object, or a list of those
// without repeats.
func (f *fastPath) ldContext(x any) bool {
	switch v := x.(type) {
	case string:
		return f.uri(v)
	case map[string]any:
		return true
	case []any:
		for _, item := range v {
			switch it := item.(type) {
			case string:
				if !f.uri(it) {
					return false
				}
			case map[string]any:
			default:
				return false
			}
		}
		for i := 1; i < len(v); i++ {
			for j := range i {
				if eq, sure := plainEqual(v[i], v[j]); eq || !sure {
					return false
				}
			}
		}
		return true
	}
	return false
}

// plainEqual compares two JSON values as the library's uniqueItems does
// (numbers as rationals, so 1 equals 1.0). It is not sure (and the caller
// gives up) when either holds a Go value that is not JSON, on which the
// library reports an error in whatever order it meets them.
func plainEqual(a, b any) (eq, sure bool) {
	if !isPlain(a) || !isPlain(b) {
		return false, false
	}
	return plainEq(a, b), true
}

func isPlain(x any) bool {
	switch v := x.(type) {
	case nil, bool, string, json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case map[string]any:
		for _, e := range v {
			if !isPlain(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range v {
			if !isPlain(e) {
				return false
			}
		}
		return true
	}
	return false
}

func plainEq(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, va := range a {
			vb, ok := b[k]
			if !ok || !plainEq(va, vb) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !plainEq(a[i], b[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if !isNumber(b) {
			return false
		}
		ra, ok1 := new(big.Rat).SetString(fmt.Sprint(a))
		rb, ok2 := new(big.Rat).SetString(fmt.Sprint(b))
		return ok1 && ok2 && ra.Cmp(rb) == 0
	}
	return false
}

// uriList is #/$defs/epcList (an array of URIs).
func (f *fastPath) uriList(x any) bool {
	list, ok := x.([]any)
	if !ok {
		return false
	}
	for _, v := range list {
		if !f.uriValue(v) {
			return false
		}
	}
	return true
}

// uniqueURIList is #/$defs/uniqueEPCList.
func (f *fastPath) uniqueURIList(x any) bool {
	list, ok := x.([]any)
	return ok && f.uriList(list) && f.uniqueStrings(list)
}

// uniqueStrings reports whether the strings in list (all strings, checked
// by the caller) are all different. Long lists are compared by hash; two
// equal hashes count as a repeat, so a collision at worst sends the
// instance to the library.
func (f *fastPath) uniqueStrings(list []any) bool {
	if len(list) <= 16 {
		for i := 1; i < len(list); i++ {
			for j := range i {
				if list[i].(string) == list[j].(string) {
					return false
				}
			}
		}
		return true
	}
	var buf [128]uint64
	h := buf[:0]
	if len(list) > len(buf) {
		h = make([]uint64, 0, len(list))
	}
	for _, v := range list {
		h = append(h, maphash.String(f.seed, v.(string)))
	}
	slices.Sort(h)
	for i := 1; i < len(h); i++ {
		if h[i] == h[i-1] {
			return false
		}
	}
	return true
}

func (f *fastPath) uriValue(x any) bool {
	s, ok := x.(string)
	return ok && f.uri(s)
}

// uri is format "uri", by quickURI or else by the library.
func (f *fastPath) uri(s string) bool {
	return quickURI(s) || f.uriFormat.Validate(s) == nil
}

func (f *fastPath) dateTimeValue(x any) bool {
	s, ok := x.(string)
	return ok && (quickDateTime(s) || f.dateTimeFormat.Validate(s) == nil)
}

func schemaVersionValue(x any) bool {
	s, ok := x.(string)
	return ok && isSchemaVersion(s)
}

// isNumber is type "number" as the library decides it.
func isNumber(x any) bool {
	switch v := x.(type) {
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case float32:
		return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
	}
	return false
}

// has reports whether m has every one of keys (the "required" keyword).
func has(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}
