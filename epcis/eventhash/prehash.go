package eventhash

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	r := getRenderer(namespaces)
	defer putRenderer(r)
	r.event(typ, event)
	return string(r.buf), nil
}

// Hash returns the event hash "ni:///sha-256;<64 lowercase hex>?ver=CBV2.0"
// of one event; see PreHash.
func Hash(event map[string]any, namespaces map[string]string) (string, error) {
	if event == nil {
		return "", &Error{Reason: "event is null"}
	}
	typ, ok := event["type"].(string)
	if !ok {
		return "", &Error{Pointer: "/type", Reason: "missing or not a string"}
	}
	r := getRenderer(namespaces)
	defer putRenderer(r)
	r.event(typ, event)
	return hashURI(sha256.Sum256(r.buf)), nil
}

// HashPreHash returns the hash URI of a pre-hash string.
func HashPreHash(preHash string) string {
	return hashURI(sha256.Sum256([]byte(preHash)))
}

func hashURI(sum [sha256.Size]byte) string {
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

// renderer writes a pre-hash string into buf. Parts that are sorted are
// written one after the other, their start offsets pushed on marks, and
// then sorted in place by end.
type renderer struct {
	ns    namespaces
	buf   []byte
	marks []int
	tmp   []byte
	segs  [][]byte
}

var rendererPool = sync.Pool{New: func() any { return new(renderer) }}

func getRenderer(ns map[string]string) *renderer {
	r := rendererPool.Get().(*renderer)
	r.ns = ns
	r.buf = r.buf[:0]
	r.marks = r.marks[:0]
	return r
}

func putRenderer(r *renderer) {
	if cap(r.buf) > 1<<20 || cap(r.tmp) > 1<<20 {
		return // do not keep huge buffers
	}
	r.ns = nil
	clear(r.segs[:cap(r.segs)])
	rendererPool.Put(r)
}

// begin starts a group of parts to be sorted; mark starts each part.
func (r *renderer) begin() int { return len(r.marks) }

func (r *renderer) mark() { r.marks = append(r.marks, len(r.buf)) }

// end sorts the parts of group g (from its first mark to the end of buf)
// and drops its marks.
func (r *renderer) end(g int) {
	marks := r.marks[g:]
	if len(marks) > 1 {
		start := marks[0]
		r.tmp = append(r.tmp[:0], r.buf[start:]...)
		r.segs = r.segs[:0]
		sorted := true
		for i, m := range marks {
			e := len(r.buf)
			if i+1 < len(marks) {
				e = marks[i+1]
			}
			seg := r.tmp[m-start : e-start]
			if i > 0 && bytes.Compare(r.segs[i-1], seg) > 0 {
				sorted = false
			}
			r.segs = append(r.segs, seg)
		}
		if !sorted {
			slices.SortFunc(r.segs, bytes.Compare)
			r.buf = r.buf[:start]
			for _, seg := range r.segs {
				r.buf = append(r.buf, seg...)
			}
		}
	}
	r.marks = r.marks[:g]
}

func (r *renderer) event(typ string, ev map[string]any) {
	r.buf = append(r.buf, "eventType="...)
	r.buf = append(r.buf, typ...)
	for _, f := range eventOrder {
		if v, ok := ev[f.name]; ok {
			r.field(f, v)
		}
	}
	g := r.begin()
	for k, v := range ev {
		if ignored[k] || eventKnown[k] || isComment(k) {
			continue
		}
		if tl, ok := typedLists[k]; ok {
			r.mark()
			r.typedList(k, tl.id, tl.vocab, v)
			continue
		}
		r.generic(k, true, v)
	}
	r.end(g)
}

// field writes one field of a canonical order; nothing when it is empty.
func (r *renderer) field(f field, v any) {
	switch f.kind {
	case kScalar, kTime:
		if arr, ok := v.([]any); ok {
			g := r.begin()
			for _, e := range arr {
				r.mark()
				r.scalar(f, e)
			}
			r.end(g)
			return
		}
		r.scalar(f, v)
	case kEPCs:
		r.list(f.name, v, func(e any) { r.scalar(epcField, e) })
	case kQuantity:
		r.list(f.name, v, func(e any) { r.object("quantityElement", quantityOrder, quantityKnown, e) })
	case kPersistent:
		m, ok := v.(map[string]any)
		if !ok {
			r.scalar(f, v)
			return
		}
		n := len(r.buf)
		r.buf = append(r.buf, f.name...)
		body := len(r.buf)
		for _, sf := range persistentOrder {
			if sv, ok := m[sf.name]; ok {
				r.field(sf, sv)
			}
		}
		r.extensions(m, persistentKnown)
		if len(r.buf) == body {
			r.buf = r.buf[:n]
		}
	case kLocation:
		if _, ok := v.(map[string]any); !ok {
			r.scalar(f, v)
			return
		}
		r.object(f.name, locationOrder, locationKnown, v)
	case kSensors:
		r.list(f.name, v, r.sensorElement)
	}
}

var (
	epcField        = field{name: "epc"}
	persistentOrder = []field{
		{"set", kScalar, dispositionVocab},
		{"unset", kScalar, dispositionVocab},
	}
	quantityKnown   = known(quantityOrder)
	locationKnown   = known(locationOrder)
	metadataKnown   = known(sensorMetadataOrder)
	reportKnown     = known(sensorReportOrder)
	persistentKnown = known(persistentOrder)
	elementKnown    = map[string]bool{"sensorMetadata": true, "sensorReport": true}
)

func known(order []field) map[string]bool {
	m := make(map[string]bool, len(order))
	for _, f := range order {
		m[f.name] = true
	}
	return m
}

// list writes name and the sorted, non-empty renderings of v's elements;
// nothing when they are all empty.
func (r *renderer) list(name string, v any, elem func(any)) {
	arr, ok := v.([]any)
	if !ok {
		arr = []any{v}
	}
	n := len(r.buf)
	r.buf = append(r.buf, name...)
	body := len(r.buf)
	g := r.begin()
	for _, e := range arr {
		r.mark()
		elem(e)
	}
	r.end(g)
	if len(r.buf) == body {
		r.buf = r.buf[:n]
	}
}

// scalar writes "name=value" for a field in a canonical order, nothing if
// the value is empty. Objects and arrays fall back to the generic
// rendering.
func (r *renderer) scalar(f field, v any) {
	switch x := v.(type) {
	case string:
		n := len(r.buf)
		r.buf = append(r.buf, f.name...)
		r.buf = append(r.buf, '=')
		val := len(r.buf)
		if f.kind == kTime {
			r.buf = append(r.buf, canonTime(strings.TrimSpace(x))...)
		} else {
			r.buf = r.ns.appendValue(r.buf, x, f.vocab)
		}
		if len(r.buf) == val {
			r.buf = r.buf[:n]
		}
	case nil:
	case map[string]any, []any:
		g := r.begin()
		r.generic(f.name, false, v)
		r.end(g)
	default:
		r.buf = append(r.buf, f.name...)
		r.buf = append(r.buf, '=')
		r.buf = appendAtom(r.buf, x)
	}
}

// object writes name, the fields of order present in v, then v's other
// fields as extensions; nothing when none is present.
func (r *renderer) object(name string, order []field, knownKeys map[string]bool, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		r.scalar(field{name: name}, v)
		return
	}
	n := len(r.buf)
	r.buf = append(r.buf, name...)
	body := len(r.buf)
	for _, f := range order {
		if fv, ok := m[f.name]; ok {
			r.field(f, fv)
		}
	}
	r.extensions(m, knownKeys)
	if len(r.buf) == body {
		r.buf = r.buf[:n]
	}
}

func (r *renderer) sensorElement(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		r.scalar(field{name: "sensorElement"}, v)
		return
	}
	n := len(r.buf)
	r.buf = append(r.buf, "sensorElement"...)
	body := len(r.buf)
	if md, ok := m["sensorMetadata"]; ok {
		r.object("sensorMetadata", sensorMetadataOrder, metadataKnown, md)
	}
	if rep, ok := m["sensorReport"]; ok {
		arr, isArr := rep.([]any)
		if !isArr {
			arr = []any{rep}
		}
		g := r.begin()
		for _, e := range arr {
			r.mark()
			r.object("sensorReport", sensorReportOrder, reportKnown, e)
		}
		r.end(g)
	}
	r.extensions(m, elementKnown)
	if len(r.buf) == body {
		r.buf = r.buf[:n]
	}
}

// extensions writes the fields of m not in knownKeys, sorted.
func (r *renderer) extensions(m map[string]any, knownKeys map[string]bool) {
	g := r.begin()
	for k, v := range m {
		if knownKeys[k] || isComment(k) {
			continue
		}
		r.generic(k, true, v)
	}
	r.end(g)
}

// typedList writes bizTransactionList, sourceList or destinationList:
// each entry is "type=…", the identifier, then any extensions.
func (r *renderer) typedList(name, id string, voc *vocab, v any) {
	typeField := field{name: "type", vocab: voc}
	idField := field{name: id}
	r.list(name, v, func(e any) {
		m, ok := e.(map[string]any)
		if !ok {
			r.scalar(idField, e)
			return
		}
		if t, ok := m["type"]; ok {
			r.scalar(typeField, t)
		}
		if x, ok := m[id]; ok {
			r.scalar(idField, x)
		}
		g := r.begin()
		for k, v := range m {
			if k == "type" || k == id || isComment(k) {
				continue
			}
			r.generic(k, true, v)
		}
		r.end(g)
	})
}

// generic writes a field outside the canonical order (ILMD, user
// extensions, unknown fields) as parts of the current group: "key=value";
// "key" followed by the sorted renderings of an object's fields; one part
// per element of an array. A key with an empty or null value is kept
// without "=". expand says whether key is a JSON key to expand.
func (r *renderer) generic(key string, expand bool, v any) {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			r.generic(key, expand, e)
		}
		return
	}
	r.mark()
	if expand {
		r.buf = r.ns.appendKey(r.buf, key)
	} else {
		r.buf = append(r.buf, key...)
	}
	switch x := v.(type) {
	case map[string]any:
		g := r.begin()
		for k, cv := range x {
			if isComment(k) {
				continue
			}
			r.generic(k, true, cv)
		}
		r.end(g)
	case string:
		n := len(r.buf)
		r.buf = append(r.buf, '=')
		if r.buf = r.ns.appendValue(r.buf, x, nil); len(r.buf) == n+1 {
			r.buf = r.buf[:n]
		}
	case nil:
	default:
		r.buf = append(r.buf, '=')
		r.buf = appendAtom(r.buf, x)
	}
}

// appendAtom appends a JSON number or boolean.
func appendAtom(dst []byte, v any) []byte {
	switch x := v.(type) {
	case json.Number:
		if n, ok := canonNumber(string(x)); ok {
			return append(dst, n...)
		}
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case float64:
		n, _ := canonNumber(strconv.FormatFloat(x, 'f', -1, 64))
		return append(dst, n...)
	case float32:
		n, _ := canonNumber(strconv.FormatFloat(float64(x), 'f', -1, 32))
		return append(dst, n...)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case string:
		return append(dst, x...)
	}
	return fmt.Append(dst, v)
}
