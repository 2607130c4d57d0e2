package eventhash

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Version is the CBV version of the algorithm, the "ver" of the hash URI.
const Version = "CBV2.0"

// Error says why an event cannot be hashed and where.
type Error struct {
	// Pointer is the JSON pointer of the offending part, relative to the
	// document for Document and to the event for PreHash and Hash.
	Pointer string
	// Reason says what is wrong.
	Reason string
}

func (e *Error) Error() string {
	if e.Pointer == "" {
		return "eventhash: " + e.Reason
	}
	return "eventhash: " + e.Pointer + ": " + e.Reason
}

// PreHash returns the canonical pre-hash string of one event. namespaces
// maps the prefixes of the document's @context to their IRIs (e.g.
// "example" → "http://ns.example.com/epcis/"); the prefixes of the EPCIS
// context (gs1, cbv, epcis, cbvmda, …) need not be given.
//
// The event is a decoded JSON object (encoding/json, preferably with
// UseNumber) and is not modified. The only error is an event without a
// string "type"; every other field is hashed as found.
func PreHash(event map[string]any, namespaces map[string]string) (string, error) {
	if event == nil {
		return "", &Error{Reason: "event is null"}
	}
	typ, ok := event["type"].(string)
	if !ok {
		return "", &Error{Pointer: "/type", Reason: "missing or not a string"}
	}
	r := renderer{ns: namespaces}
	return r.event(typ, event), nil
}

// Hash returns the event hash "ni:///sha-256;<64 lowercase hex>?ver=CBV2.0"
// of one event; see PreHash.
func Hash(event map[string]any, namespaces map[string]string) (string, error) {
	pre, err := PreHash(event, namespaces)
	if err != nil {
		return "", err
	}
	return HashPreHash(pre), nil
}

// HashPreHash returns the hash URI of a pre-hash string.
func HashPreHash(preHash string) string {
	sum := sha256.Sum256([]byte(preHash))
	var b [len("ni:///sha-256;") + 64 + len("?ver=") + len(Version)]byte
	n := copy(b[:], "ni:///sha-256;")
	hex.Encode(b[n:], sum[:])
	n += 64
	n += copy(b[n:], "?ver=")
	copy(b[n:], Version)
	return string(b[:])
}

// field kinds of the canonical property order.
type kind uint8

const (
	kScalar   kind = iota // key=value
	kTime                 // key=timestamp
	kEPCs                 // key, then sorted epc=… entries
	kQuantity             // key, then sorted quantityElement entries
	kPersistent
	kLocation // readPoint, bizLocation: key, id=…, extensions
	kSensors
)

type field struct {
	name  string
	kind  kind
	vocab *vocab
}

// eventOrder is the canonical property order of CBV 2.0 as the reference
// vectors apply it. bizTransactionList, sourceList, destinationList and
// ilmd are not in it: the reference renders them with the user
// extensions, sorted, after sensorElementList, and its published hashes
// depend on that. certificationInfo sits after eventTimeZoneOffset.
var eventOrder = []field{
	{"eventTime", kTime, nil},
	{"eventTimeZoneOffset", kScalar, nil},
	{"certificationInfo", kScalar, nil},
	{"epcList", kEPCs, nil},
	{"parentID", kScalar, nil},
	{"inputEPCList", kEPCs, nil},
	{"childEPCs", kEPCs, nil},
	{"quantityList", kQuantity, nil},
	{"childQuantityList", kQuantity, nil},
	{"inputQuantityList", kQuantity, nil},
	{"outputEPCList", kEPCs, nil},
	{"outputQuantityList", kQuantity, nil},
	{"action", kScalar, nil},
	{"transformationID", kScalar, nil},
	{"bizStep", kScalar, bizStepVocab},
	{"disposition", kScalar, dispositionVocab},
	{"persistentDisposition", kPersistent, nil},
	{"readPoint", kLocation, nil},
	{"bizLocation", kLocation, nil},
	{"sensorElementList", kSensors, nil},
}

var quantityOrder = []field{
	{"epcClass", kScalar, nil},
	{"quantity", kScalar, nil},
	{"uom", kScalar, nil},
}

var sensorMetadataOrder = []field{
	{"time", kTime, nil},
	{"startTime", kTime, nil},
	{"endTime", kTime, nil},
	{"deviceID", kScalar, nil},
	{"deviceMetadata", kScalar, nil},
	{"rawData", kScalar, nil},
	{"dataProcessingMethod", kScalar, nil},
	{"bizRules", kScalar, nil},
}

var sensorReportOrder = []field{
	{"type", kScalar, measurementTypeVocab},
	{"exception", kScalar, sensorExceptionVocab},
	{"deviceID", kScalar, nil},
	{"deviceMetadata", kScalar, nil},
	{"rawData", kScalar, nil},
	{"dataProcessingMethod", kScalar, nil},
	{"time", kTime, nil},
	{"microorganism", kScalar, nil},
	{"chemicalSubstance", kScalar, nil},
	{"value", kScalar, nil},
	{"component", kScalar, componentVocab},
	{"stringValue", kScalar, nil},
	{"booleanValue", kScalar, nil},
	{"hexBinaryValue", kScalar, nil},
	{"uriValue", kScalar, nil},
	{"minValue", kScalar, nil},
	{"maxValue", kScalar, nil},
	{"meanValue", kScalar, nil},
	{"sDev", kScalar, nil},
	{"percRank", kScalar, nil},
	{"percValue", kScalar, nil},
	{"uom", kScalar, nil},
	{"coordinateReferenceSystem", kScalar, nil},
}

var locationOrder = []field{{"id", kScalar, nil}}

// typedLists are rendered with the extensions: each entry is "type=…"
// then the identifier, and the entries are sorted.
var typedLists = map[string]struct {
	id    string
	vocab *vocab
}{
	"bizTransactionList": {"bizTransaction", bizTransactionTypeVocab},
	"sourceList":         {"source", sourceDestTypeVocab},
	"destinationList":    {"destination", sourceDestTypeVocab},
}

// ignored top-level fields: not part of the hash.
var ignored = map[string]bool{
	"type":             true,
	"eventID":          true,
	"recordTime":       true,
	"errorDeclaration": true,
}

// isComment reports keys that are never hashed, at any level.
func isComment(k string) bool {
	return k == "comment" || k == "rdfs:comment" || k == "{http://www.w3.org/2000/01/rdf-schema#}comment" ||
		strings.HasPrefix(k, "@")
}

var eventKnown = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range eventOrder {
		m[f.name] = true
	}
	return m
}()

type renderer struct {
	ns namespaces
}

func (r *renderer) event(typ string, ev map[string]any) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString("eventType=")
	b.WriteString(typ)
	for _, f := range eventOrder {
		if v, ok := ev[f.name]; ok {
			r.field(&b, f, v)
		}
	}
	var tail []string
	for k, v := range ev {
		if ignored[k] || eventKnown[k] || isComment(k) {
			continue
		}
		if tl, ok := typedLists[k]; ok {
			if s := r.typedList(k, tl.id, tl.vocab, v); s != "" {
				tail = append(tail, s)
			}
			continue
		}
		tail = r.generic(tail, r.ns.key(k), v)
	}
	slices.Sort(tail)
	for _, s := range tail {
		b.WriteString(s)
	}
	return b.String()
}

// field writes one field of a canonical order; nothing when it is empty.
func (r *renderer) field(b *strings.Builder, f field, v any) {
	switch f.kind {
	case kScalar, kTime:
		if _, ok := v.([]any); ok {
			var list []string
			for _, e := range v.([]any) {
				if s := r.scalar(f, e); s != "" {
					list = append(list, s)
				}
			}
			slices.Sort(list)
			for _, s := range list {
				b.WriteString(s)
			}
			return
		}
		b.WriteString(r.scalar(f, v))
	case kEPCs:
		r.list(b, f.name, v, func(e any) string {
			return r.scalar(field{name: "epc"}, e)
		})
	case kQuantity:
		r.list(b, f.name, v, func(e any) string {
			return r.object("quantityElement", quantityOrder, e)
		})
	case kPersistent:
		m, ok := v.(map[string]any)
		if !ok {
			b.WriteString(r.scalar(f, v))
			return
		}
		var body strings.Builder
		for _, name := range [...]string{"set", "unset"} {
			if sv, ok := m[name]; ok {
				r.field(&body, field{name: name, kind: kScalar, vocab: dispositionVocab}, sv)
			}
		}
		body.WriteString(r.extensions(m, map[string]bool{"set": true, "unset": true}))
		if body.Len() > 0 {
			b.WriteString(f.name)
			b.WriteString(body.String())
		}
	case kLocation:
		if _, ok := v.(map[string]any); !ok {
			b.WriteString(r.scalar(f, v))
			return
		}
		b.WriteString(r.object(f.name, locationOrder, v))
	case kSensors:
		r.list(b, f.name, v, r.sensorElement)
	}
}

// list writes name and the sorted, non-empty renderings of v's elements.
func (r *renderer) list(b *strings.Builder, name string, v any, elem func(any) string) {
	arr, ok := v.([]any)
	if !ok {
		arr = []any{v}
	}
	parts := make([]string, 0, len(arr))
	for _, e := range arr {
		if s := elem(e); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return
	}
	slices.Sort(parts)
	b.WriteString(name)
	for _, s := range parts {
		b.WriteString(s)
	}
}

// scalar renders "name=value" for a field in a canonical order, or "" if
// the value is empty. Objects fall back to the generic rendering.
func (r *renderer) scalar(f field, v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return ""
		}
		if f.kind == kTime {
			s = canonTime(s)
		} else {
			s = r.ns.value(f.vocab.expand(s))
		}
	case nil:
		return ""
	case map[string]any, []any:
		parts := r.generic(nil, f.name, v)
		slices.Sort(parts)
		return strings.Join(parts, "")
	default:
		s = atom(x)
	}
	if s == "" {
		return ""
	}
	return f.name + "=" + s
}

// object renders name, the fields of order present in v, then v's other
// fields as extensions; "" when nothing is present.
func (r *renderer) object(name string, order []field, v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return r.scalar(field{name: name}, v)
	}
	var b strings.Builder
	b.WriteString(name)
	n := b.Len()
	known := make(map[string]bool, len(order))
	for _, f := range order {
		known[f.name] = true
		if fv, ok := m[f.name]; ok {
			r.field(&b, f, fv)
		}
	}
	b.WriteString(r.extensions(m, known))
	if b.Len() == n {
		return ""
	}
	return b.String()
}

func (r *renderer) sensorElement(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return r.scalar(field{name: "sensorElement"}, v)
	}
	var b strings.Builder
	b.WriteString("sensorElement")
	n := b.Len()
	if md, ok := m["sensorMetadata"]; ok {
		b.WriteString(r.object("sensorMetadata", sensorMetadataOrder, md))
	}
	if rep, ok := m["sensorReport"]; ok {
		arr, isArr := rep.([]any)
		if !isArr {
			arr = []any{rep}
		}
		parts := make([]string, 0, len(arr))
		for _, e := range arr {
			if s := r.object("sensorReport", sensorReportOrder, e); s != "" {
				parts = append(parts, s)
			}
		}
		slices.Sort(parts)
		for _, s := range parts {
			b.WriteString(s)
		}
	}
	b.WriteString(r.extensions(m, map[string]bool{"sensorMetadata": true, "sensorReport": true}))
	if b.Len() == n {
		return ""
	}
	return b.String()
}

// extensions renders the fields of m not in known, sorted.
func (r *renderer) extensions(m map[string]any, known map[string]bool) string {
	var parts []string
	for k, v := range m {
		if known[k] || isComment(k) {
			continue
		}
		parts = r.generic(parts, r.ns.key(k), v)
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Sort(parts)
	return strings.Join(parts, "")
}

// typedList renders bizTransactionList, sourceList or destinationList.
func (r *renderer) typedList(name, id string, voc *vocab, v any) string {
	var b strings.Builder
	r.list(&b, name, v, func(e any) string {
		m, ok := e.(map[string]any)
		if !ok {
			return r.scalar(field{name: id}, e)
		}
		var eb strings.Builder
		if t, ok := m["type"]; ok {
			eb.WriteString(r.scalar(field{name: "type", vocab: voc}, t))
		}
		if x, ok := m[id]; ok {
			eb.WriteString(r.scalar(field{name: id}, x))
		}
		eb.WriteString(r.extensions(m, map[string]bool{"type": true, id: true}))
		return eb.String()
	})
	return b.String()
}

// generic appends the rendering of a field outside the canonical order
// (ILMD, user extensions, unknown fields): "key=value"; "key" followed by
// the sorted renderings of an object's fields; one entry per element of
// an array. A key with an empty or null value is kept without "=".
func (r *renderer) generic(dst []string, key string, v any) []string {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			dst = r.generic(dst, key, e)
		}
		return dst
	case map[string]any:
		var parts []string
		for k, cv := range x {
			if isComment(k) {
				continue
			}
			parts = r.generic(parts, r.ns.key(k), cv)
		}
		slices.Sort(parts)
		return append(dst, key+strings.Join(parts, ""))
	case string:
		s := r.ns.value(x)
		if s == "" {
			return append(dst, key)
		}
		return append(dst, key+"="+s)
	case nil:
		return append(dst, key)
	default:
		return append(dst, key+"="+atom(x))
	}
}

// atom renders a JSON number or boolean.
func atom(v any) string {
	switch x := v.(type) {
	case json.Number:
		if n, ok := canonNumber(string(x)); ok {
			return n
		}
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		n, _ := canonNumber(strconv.FormatFloat(x, 'f', -1, 64))
		return n
	case float32:
		n, _ := canonNumber(strconv.FormatFloat(float64(x), 'f', -1, 32))
		return n
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
