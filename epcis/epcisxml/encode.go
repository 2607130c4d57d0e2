package epcisxml

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lotline/lotline/epcis"
)

// This file is the encoder's public API and its document envelopes; the
// events themselves are written by encode_event.go and the namespaces
// managed by encode_ns.go.
//
// The encoder appends to a byte slice (as strconv.Append* do) so that a
// query answer can be streamed event by event into one reused buffer.
// Errors are *epcis.Error values with the JSON pointer of the value at
// fault: KindValidation for a tree that is not EPCIS JSON-LD at all (an
// event without a known type, a list that is not an array), and
// KindNotAcceptable for valid JSON-LD that the XML binding cannot carry
// (an object-valued extension attribute of a sensor report, a character
// XML 1.0 forbids). On error the returned slice is b, unchanged.

// nsXSD is the XML Schema namespace, for xsi:type values of typed
// extension elements ("xsd:integer"). It differs from the JSON-LD context's
// "xsd" IRI, which ends in '#'.
const nsXSD = "http://www.w3.org/2001/XMLSchema"

// xmlHeader opens every document the encoder writes.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// maxDepth bounds the nesting of extension values, so that a tree built in
// Go (which, unlike decoded JSON, may even be cyclic) cannot exhaust the
// stack.
const maxDepth = 64

// AppendDocument appends the XML form of an EPCIS 2.0 JSON-LD document:
// an EPCISDocument becomes epcis:EPCISDocument (urn:epcglobal:epcis:xsd:2),
// an EPCISQueryDocument becomes epcisq:EPCISQueryDocument
// (urn:epcglobal:epcis-query:xsd:2). Every namespace the document uses is
// declared on the root element, with the prefixes of the document's
// @context where XML allows them.
//
// Document-level members: schemaVersion and creationDate become the root's
// attributes (schemaVersion defaults to "2.0"); sender, receiver and
// instanceIdentifier, when the header carries no
// sbdh:StandardBusinessDocumentHeader, become a minimal SBDH as GS1's XML
// examples write it; epcisHeader.epcisMasterData becomes
// EPCISHeader/extension/EPCISMasterData. The document "id" has no place in
// the XML binding and is not written.
func AppendDocument(b []byte, tree map[string]any) ([]byte, error) {
	e := newEncoder(b)
	defer e.free()
	e.ns.ctx = epcis.Namespaces(tree["@context"])
	var err error
	switch typ, _ := tree["type"].(string); typ {
	case "EPCISDocument":
		err = e.document(tree, false)
	case "EPCISQueryDocument":
		err = e.document(tree, true)
	default:
		err = e.invalid("/type", "type must be EPCISDocument or EPCISQueryDocument, not %q", typ)
	}
	if err != nil {
		return b, err
	}
	return e.b, nil
}

// AppendEvent appends one event element (ObjectEvent, AggregationEvent,
// TransactionEvent, TransformationEvent or AssociationEvent) without an
// XML declaration, in the element order of the EPCIS 2.0 XSD. ns maps the
// JSON-LD prefixes of the event's extension fields to their IRIs, and
// names the prefixes already declared on an enclosing element, as
// AppendQueryDocumentStart declares them: any other namespace the event
// needs (an undeclared standard prefix such as cbvmda, a full IRI used as
// a key, xsi and xsd for typed values unless ns comes from
// QueryNamespaces) is declared on the event element itself.
// An event's own "@context" adds to ns for that event.
func AppendEvent(b []byte, ev map[string]any, ns map[string]string) ([]byte, error) {
	e := newEncoder(b)
	defer e.free()
	e.ns.ctx = ns
	e.ns.outer = ns
	if err := e.event(ev, true); err != nil {
		return b, err
	}
	return e.b, nil
}

// AppendQueryDocumentStart appends the XML declaration and the opening of
// a query answer, up to and including <EventList>:
//
//	epcisq:EPCISQueryDocument/EPCISBody/epcisq:QueryResults/
//	  queryName, subscriptionID (when not empty), resultsBody/EventList
//
// as the EPCIS 2.0 query XSD defines it. The root declares epcisq and
// every prefix of ns that XML allows (see AppendEvent); give AppendEvent
// the same ns for each event, then close with AppendQueryDocumentEnd.
func AppendQueryDocumentStart(b []byte, ns map[string]string, queryName, subscriptionID string, creation time.Time) []byte {
	b = append(b, xmlHeader...)
	b = append(b, `<epcisq:EPCISQueryDocument xmlns:epcisq="`+NSQuery2+`"`...)
	for _, p := range sortedKeys(ns) {
		if iri, ok := declaredNS(ns, p); ok {
			b = appendNSDecl(b, p, iri)
		}
	}
	b = append(b, ` schemaVersion="2.0" creationDate="`...)
	b = creation.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `"><EPCISBody><epcisq:QueryResults><queryName>`...)
	b = appendText(b, queryName)
	b = append(b, "</queryName>"...)
	if subscriptionID != "" {
		b = append(b, "<subscriptionID>"...)
		b = appendText(b, subscriptionID)
		b = append(b, "</subscriptionID>"...)
	}
	return append(b, "<resultsBody><EventList>"...)
}

// QueryNamespaces returns ns plus the prefixes xsi and xsd, which the
// encoder uses to type extension values that are numbers or booleans
// (xsi:type="xsd:integer"). Given to AppendQueryDocumentStart and to every
// AppendEvent of the answer, it has the root declare them once, where
// otherwise each event that needs them declares them itself.
func QueryNamespaces(ns map[string]string) map[string]string {
	out := make(map[string]string, len(ns)+2)
	for k, v := range ns {
		out[k] = v
	}
	out["xsi"] = NSXSI
	out["xsd"] = nsXSD
	return out
}

// AppendQueryDocumentEnd closes what AppendQueryDocumentStart opened.
func AppendQueryDocumentEnd(b []byte) []byte {
	return append(b, "</EventList></resultsBody></epcisq:QueryResults></EPCISBody></epcisq:EPCISQueryDocument>\n"...)
}

// Problem is an RFC 7807 problem detail in the shape of the EPCIS 2.0 XSD's
// RFC7807ProblemResponseBodyType (type, title, status, detail, instance).
type Problem struct {
	Type     string
	Title    string
	Status   int // omitted when 0
	Detail   string
	Instance string
}

// ProblemOf describes err as an EPCIS exception: an *epcis.Error (or a list
// of them: the first) gives its kind's exception type, title and status
// and its message with the place at fault; any other error is an
// ImplementationException whose text is not shown, as the JSON binding
// does.
func ProblemOf(err error) Problem {
	var ee *epcis.Error
	switch x := err.(type) {
	case *epcis.Error:
		ee = x
	case epcis.Errors:
		if len(x) > 0 {
			ee = x[0]
		}
	}
	if ee == nil {
		k := epcis.KindInternal
		return Problem{Type: k.ExceptionType(), Title: k.Title(), Status: k.Status(), Detail: "internal error"}
	}
	return Problem{Type: ee.Kind.ExceptionType(), Title: ee.Kind.Title(), Status: ee.Kind.Status(), Detail: ee.Error()}
}

// AppendException appends an application/problem+xml document: the
// epcis:EPCISException element that the EPCIS 2.0 XSD and the OpenAPI's
// RFC7807ProblemResponseBody name for XML errors.
func AppendException(b []byte, p Problem) []byte {
	b = append(b, xmlHeader...)
	b = append(b, `<epcis:EPCISException xmlns:epcis="`+NSEPCIS2+`">`...)
	b = appendProblemFields(b, p)
	return append(b, "</epcis:EPCISException>\n"...)
}

func appendProblemFields(b []byte, p Problem) []byte {
	b = appendSimple(b, "type", p.Type)
	b = appendSimple(b, "title", p.Title)
	if p.Status != 0 {
		b = append(b, "<status>"...)
		b = strconv.AppendInt(b, int64(p.Status), 10)
		b = append(b, "</status>"...)
	}
	if p.Detail != "" {
		b = appendSimple(b, "detail", p.Detail)
	}
	if p.Instance != "" {
		b = appendSimple(b, "instance", p.Instance)
	}
	return b
}

// CaptureJob is the state of a capture job as the XML binding gives it
// (epcis:EPCISCaptureJob of the EPCIS 2.0 XSD).
type CaptureJob struct {
	CaptureID      string
	Running        bool
	Success        bool
	ErrorBehaviour string    // "rollback" or "proceed"
	CreatedAt      time.Time // omitted when zero
	FinishedAt     time.Time // omitted when zero
	// Errors or ErrorFile (the XSD allows one of them) say what failed.
	Errors    []Problem
	ErrorFile string
}

// AppendCaptureJob appends the XML form of a capture job:
//
//	<epcis:EPCISCaptureJob running="…" success="…" captureID="…">
//	  captureErrorBehaviour, createdAt, finishedAt, errors/error* | errorFile
//
// Errors win over ErrorFile when both are set.
func AppendCaptureJob(b []byte, j CaptureJob) []byte {
	b = append(b, xmlHeader...)
	b = append(b, `<epcis:EPCISCaptureJob xmlns:epcis="`+NSEPCIS2+`" running="`...)
	b = strconv.AppendBool(b, j.Running)
	b = append(b, `" success="`...)
	b = strconv.AppendBool(b, j.Success)
	b = append(b, `" captureID="`...)
	b = appendAttrText(b, j.CaptureID)
	b = append(b, `">`...)
	b = appendSimple(b, "captureErrorBehaviour", j.ErrorBehaviour)
	for _, t := range []struct {
		name string
		t    time.Time
	}{{"createdAt", j.CreatedAt}, {"finishedAt", j.FinishedAt}} {
		if !t.t.IsZero() {
			b = append(b, '<')
			b = append(b, t.name...)
			b = append(b, '>')
			b = t.t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
			b = append(b, "</"...)
			b = append(b, t.name...)
			b = append(b, '>')
		}
	}
	switch {
	case len(j.Errors) > 0:
		b = append(b, "<errors>"...)
		for _, p := range j.Errors {
			b = append(b, "<error>"...)
			b = appendProblemFields(b, p)
			b = append(b, "</error>"...)
		}
		b = append(b, "</errors>"...)
	case j.ErrorFile != "":
		b = appendSimple(b, "errorFile", j.ErrorFile)
	}
	return append(b, "</epcis:EPCISCaptureJob>\n"...)
}

// appendSimple appends <name>text</name>; text is escaped, with the
// characters XML 1.0 cannot carry replaced by U+FFFD (these are server
// messages, not data that must survive).
func appendSimple(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendText escapes s as character data, replacing what XML 1.0 cannot
// carry; appendAttrText as an attribute value in double quotes.
func appendText(b []byte, s string) []byte {
	b, _ = escape(b, s, false, true)
	return b
}

func appendAttrText(b []byte, s string) []byte {
	b, _ = escape(b, s, true, true)
	return b
}

// escape appends s escaped as XML character data (attr false) or as a
// double-quoted attribute value (attr true). \r, and in attributes \t and
// \n, are written as character references so that a parser's line-end and
// attribute-value normalisation give them back. A character XML 1.0
// forbids (control characters, U+FFFE, U+FFFF, invalid UTF-8) is replaced
// by U+FFFD when replace is set; otherwise escape reports false and the
// caller discards the output.
func escape(b []byte, s string, attr, replace bool) ([]byte, bool) {
	// Most values (identifiers, times, URIs) need nothing: find the first
	// byte that might, with a loop the compiler keeps tight.
	i := 0
	for i < len(s) {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' || c == '"' {
			break
		}
		i++
	}
	if i == len(s) {
		return append(b, s...), true
	}
	last := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '&':
				esc = "&amp;"
			case c == '"' && attr:
				esc = "&quot;"
			case c == '\r':
				esc = "&#xD;"
			case c == '\n' && attr:
				esc = "&#xA;"
			case c == '\t' && attr:
				esc = "&#x9;"
			case c < 0x20 && c != '\n' && c != '\t':
				if !replace {
					return b, false
				}
				esc = "\uFFFD"
			default:
				i++
				continue
			}
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			if !replace {
				return b, false
			}
			b = append(b, s[last:i]...)
			b = append(b, "\uFFFD"...)
			i += size
			last = i
			continue
		}
		i += size
	}
	return append(b, s[last:]...), true
}

// encoder writes one document or one event. Declarations of the
// namespaces it comes to need are inserted, at the end, into the start tag
// of the element that opened at declAt.
type encoder struct {
	b      []byte
	ns     nsTable
	declAt int
	path   []pathToken // JSON pointer of the value being written
	depth  int

	pathBuf [12]pathToken
}

type pathToken struct {
	key   string
	index int // used when key is ""
}

// encoders are reused: a streamed answer makes one per event.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

func newEncoder(b []byte) *encoder {
	e := encoders.Get().(*encoder)
	bound := e.ns.bound[:0]
	*e = encoder{b: b}
	e.ns.bound = bound
	e.path = e.pathBuf[:0]
	return e
}

// free returns e to the pool; it drops every reference to caller data.
func (e *encoder) free() {
	bound := e.ns.bound[:0]
	clear(e.ns.bound[:cap(e.ns.bound)])
	*e = encoder{}
	e.ns.bound = bound
	encoders.Put(e)
}

func (e *encoder) push(key string) { e.path = append(e.path, pathToken{key: key}) }
func (e *encoder) pushIndex(i int) { e.path = append(e.path, pathToken{index: i}) }
func (e *encoder) pop()            { e.path = e.path[:len(e.path)-1] }

func (e *encoder) pointer(rel string) string {
	var sb strings.Builder
	for _, t := range e.path {
		sb.WriteByte('/')
		if t.key == "" {
			sb.WriteString(strconv.Itoa(t.index))
		} else {
			sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t.key))
		}
	}
	sb.WriteString(rel)
	return sb.String()
}

// invalid reports a tree that is not EPCIS JSON-LD; rel is appended to the
// current pointer.
func (e *encoder) invalid(rel, format string, args ...any) error {
	return epcis.Invalid(e.pointer(rel), format, args...)
}

// inexpressible reports valid JSON-LD that the XML binding cannot carry.
func (e *encoder) inexpressible(rel, format string, args ...any) error {
	err := epcis.Errorf(epcis.KindNotAcceptable, format, args...)
	err.Pointer = e.pointer(rel)
	return err
}

// open writes <name, leaving the start tag open for attributes.
func (e *encoder) open(name string) {
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
}

func (e *encoder) openX(n xname) {
	e.b = append(e.b, '<')
	e.appendX(n)
}

func (e *encoder) closeX(n xname) {
	e.b = append(e.b, "</"...)
	e.appendX(n)
	e.b = append(e.b, '>')
}

func (e *encoder) appendX(n xname) {
	if n.prefix != "" {
		e.b = append(e.b, n.prefix...)
		e.b = append(e.b, ':')
	}
	e.b = append(e.b, n.local...)
}

func (e *encoder) close(name string) {
	e.b = append(e.b, "</"...)
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
}

// text writes s as character data; attrValue as an attribute value.
func (e *encoder) text(s string) error {
	b, ok := escape(e.b, s, false, false)
	if !ok {
		return e.inexpressible("", "the text holds a character that XML 1.0 cannot carry")
	}
	e.b = b
	return nil
}

func (e *encoder) attr(name, value string) error {
	return e.attrX(xname{local: name}, value)
}

func (e *encoder) attrX(n xname, value string) error {
	e.b = append(e.b, ' ')
	e.appendX(n)
	e.b = append(e.b, `="`...)
	b, ok := escape(e.b, value, true, false)
	if !ok {
		return e.inexpressible("", "the value holds a character that XML 1.0 cannot carry")
	}
	e.b = append(b, '"')
	return nil
}

// simple writes <name>text</name> for a scalar value.
func (e *encoder) simple(name string, v any) error {
	s, err := e.scalar(v)
	if err != nil {
		return err
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
	if err := e.text(s); err != nil {
		return err
	}
	e.close(name)
	return nil
}

// scalar returns the lexical form of a string, number or boolean.
func (e *encoder) scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return string(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", e.invalid("", "%v is not a number XML can carry", x)
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", e.invalid("", "must be a string, number or boolean, not %s", jsonKind(v))
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// document writes an EPCISDocument or EPCISQueryDocument.
func (e *encoder) document(tree map[string]any, query bool) error {
	root, ns := "epcis:EPCISDocument", NSEPCIS2
	if query {
		root, ns = "epcisq:EPCISQueryDocument", NSQuery2
	}
	e.b = append(e.b, xmlHeader...)
	e.open(root)
	e.declAt = len(e.b)
	if query {
		e.ns.bind("epcisq", NSQuery2)
	} else {
		e.ns.bind("epcis", ns)
	}
	version := any("2.0")
	if v, ok := tree["schemaVersion"]; ok {
		version = v
	}
	for _, a := range []struct {
		name string
		v    any
	}{{"schemaVersion", version}, {"creationDate", tree["creationDate"]}} {
		if a.v == nil {
			continue
		}
		e.push(a.name)
		s, err := e.scalar(a.v)
		if err == nil {
			err = e.attr(a.name, s)
		}
		if err != nil {
			return err
		}
		e.pop()
	}
	e.b = append(e.b, '>')

	if err := e.header(tree); err != nil {
		return err
	}
	e.push("epcisBody")
	body, ok := tree["epcisBody"].(map[string]any)
	if !ok {
		return e.invalid("", "missing epcisBody object")
	}
	e.b = append(e.b, "<EPCISBody>"...)
	var err error
	if query {
		err = e.queryBody(body)
	} else {
		err = e.eventList(body, "eventList")
	}
	if err != nil {
		return err
	}
	if err := e.extensions(body, bodyKeys(query), false); err != nil {
		return err
	}
	e.b = append(e.b, "</EPCISBody>"...)
	e.pop()
	if err := e.extensions(tree, documentKeys, false); err != nil {
		return err
	}
	e.close(root)
	e.b = append(e.b, '\n')
	e.declare()
	return nil
}

var documentKeys = map[string]bool{
	"@context": true, "id": true, "type": true, "schemaVersion": true, "creationDate": true,
	"sender": true, "receiver": true, "instanceIdentifier": true, "epcisHeader": true, "epcisBody": true,
}

func bodyKeys(query bool) map[string]bool {
	if query {
		return map[string]bool{"queryResults": true}
	}
	return map[string]bool{"eventList": true}
}

// eventList writes the EventList element of m[key].
func (e *encoder) eventList(m map[string]any, key string) error {
	e.push(key)
	defer e.pop()
	list, ok := m[key].([]any)
	if !ok && m[key] != nil {
		return e.invalid("", "must be an array of events")
	}
	e.b = append(e.b, "<EventList>"...)
	for i, x := range list {
		e.pushIndex(i)
		ev, ok := x.(map[string]any)
		if !ok {
			return e.invalid("", "an event must be an object")
		}
		if err := e.event(ev, false); err != nil {
			return err
		}
		e.pop()
	}
	e.b = append(e.b, "</EventList>"...)
	return nil
}

// queryBody writes epcisq:QueryResults.
func (e *encoder) queryBody(body map[string]any) error {
	e.push("queryResults")
	defer e.pop()
	qr, ok := body["queryResults"].(map[string]any)
	if !ok {
		return e.invalid("", "missing queryResults object")
	}
	e.b = append(e.b, "<epcisq:QueryResults>"...)
	for _, k := range []string{"queryName", "subscriptionID"} {
		if v, ok := qr[k]; ok {
			e.push(k)
			if err := e.simple(k, v); err != nil {
				return err
			}
			e.pop()
		}
	}
	e.push("resultsBody")
	rb, ok := qr["resultsBody"].(map[string]any)
	if !ok {
		return e.invalid("", "missing resultsBody object")
	}
	// The XSD's QueryResultsBody is a choice: events or master data.
	if err := e.closed(rb, "eventList", "vocabularyList"); err != nil {
		return err
	}
	if rb["eventList"] != nil && rb["vocabularyList"] != nil {
		return e.inexpressible("", "resultsBody holds events or master data in XML, not both")
	}
	e.b = append(e.b, "<resultsBody>"...)
	if _, ok := rb["vocabularyList"]; ok && rb["eventList"] == nil {
		if err := e.vocabularyList(rb); err != nil {
			return err
		}
	} else if err := e.eventList(rb, "eventList"); err != nil {
		return err
	}
	e.b = append(e.b, "</resultsBody>"...)
	e.pop()
	if err := e.extensions(qr, map[string]bool{"queryName": true, "subscriptionID": true, "resultsBody": true}, false); err != nil {
		return err
	}
	e.b = append(e.b, "</epcisq:QueryResults>"...)
	return nil
}

// header writes EPCISHeader: an SBDH (given, or made of sender, receiver
// and instanceIdentifier) and the master data.
func (e *encoder) header(tree map[string]any) error {
	h, _ := tree["epcisHeader"].(map[string]any)
	if _, ok := tree["epcisHeader"]; ok && h == nil {
		return e.invalid("/epcisHeader", "must be an object")
	}
	sbdh, hasSBDH := h[JSONSBDH]
	pseudo := !hasSBDH && (tree["sender"] != nil || tree["receiver"] != nil || tree["instanceIdentifier"] != nil)
	md, hasMD := h[JSONMasterData]
	if !hasSBDH && !pseudo && !hasMD {
		if len(h) > 0 {
			e.push("epcisHeader")
			return e.headerExtras(h)
		}
		return nil
	}
	e.b = append(e.b, "<EPCISHeader>"...)
	e.push("epcisHeader")
	switch {
	case hasSBDH:
		if err := e.extension(JSONSBDH, sbdh, false); err != nil {
			return err
		}
	case pseudo:
		if err := e.pseudoSBDH(tree); err != nil {
			return err
		}
	}
	if hasMD {
		e.push(JSONMasterData)
		m, ok := md.(map[string]any)
		if !ok {
			return e.invalid("", "must be an object")
		}
		e.b = append(e.b, "<extension><"+ElemMasterData+">"...)
		if err := e.vocabularyList(m); err != nil {
			return err
		}
		e.b = append(e.b, "</"+ElemMasterData+"></extension>"...)
		e.pop()
	}
	if err := e.headerExtras(h); err != nil {
		return err
	}
	e.pop()
	e.b = append(e.b, "</EPCISHeader>"...)
	return nil
}

// headerExtras refuses header members the XSD has no place for: its
// EPCISHeaderType holds only the SBDH and the master data.
func (e *encoder) headerExtras(h map[string]any) error {
	for _, k := range sortedAnyKeys(h) {
		if k != JSONSBDH && k != JSONMasterData {
			return e.inexpressible("/"+k, "EPCISHeader holds only the SBDH and master data; the XML binding has no place for %q", k)
		}
	}
	return nil
}

// pseudoSBDH writes the SBDH that the JSON binding's sender, receiver and
// instanceIdentifier stand for, with the constant parts GS1's examples use.
func (e *encoder) pseudoSBDH(tree map[string]any) error {
	p := e.ns.prefixFor("sbdh", NSSBDH)
	el := func(name string) string { return p + ":" + name }
	e.b = append(e.b, '<')
	e.b = append(e.b, el("StandardBusinessDocumentHeader")...)
	e.b = append(e.b, '>')
	e.b = appendSimple(e.b, el("HeaderVersion"), "1.0")
	for _, k := range [][2]string{{"sender", "Sender"}, {"receiver", "Receiver"}} {
		if v, ok := tree[k[0]]; ok {
			e.push(k[0])
			e.b = append(e.b, '<')
			e.b = append(e.b, el(k[1])...)
			e.b = append(e.b, '>')
			if err := e.simple(el("Identifier"), v); err != nil {
				return err
			}
			e.close(el(k[1]))
			e.pop()
		}
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, el("DocumentIdentification")...)
	e.b = append(e.b, '>')
	e.b = appendSimple(e.b, el("Standard"), "EPCglobal")
	e.b = appendSimple(e.b, el("TypeVersion"), "2.0")
	if v, ok := tree["instanceIdentifier"]; ok {
		e.push("instanceIdentifier")
		if err := e.simple(el("InstanceIdentifier"), v); err != nil {
			return err
		}
		e.pop()
	}
	e.b = appendSimple(e.b, el("Type"), "Events")
	if v, ok := tree["creationDate"]; ok {
		e.push("creationDate")
		if err := e.simple(el("CreationDateAndTime"), v); err != nil {
			return err
		}
		e.pop()
	}
	e.close(el("DocumentIdentification"))
	e.close(el("StandardBusinessDocumentHeader"))
	return nil
}

// vocabularyList writes m.vocabularyList as VocabularyList (master data):
// Vocabulary[type]/VocabularyElementList/VocabularyElement[id] with
// attribute[id] and children/id.
func (e *encoder) vocabularyList(m map[string]any) error {
	e.push(JSONVocabularyList)
	defer e.pop()
	list, ok := m[JSONVocabularyList].([]any)
	if !ok && m[JSONVocabularyList] != nil {
		return e.invalid("", "must be an array")
	}
	e.b = append(e.b, "<"+ElemVocabularyList+">"...)
	for i, x := range list {
		e.pushIndex(i)
		voc, ok := x.(map[string]any)
		if !ok {
			return e.invalid("", "a vocabulary must be an object")
		}
		e.b = append(e.b, "<"+ElemVocabulary...)
		if err := e.idAttr(voc, "type"); err != nil {
			return err
		}
		e.b = append(e.b, '>')
		if els, ok := voc[JSONVocabElementList]; ok {
			if err := e.vocabularyElements(els); err != nil {
				return err
			}
		}
		if err := e.extensions(voc, map[string]bool{"type": true, JSONVocabElementList: true}, false); err != nil {
			return err
		}
		e.b = append(e.b, "</"+ElemVocabulary+">"...)
		e.pop()
	}
	e.b = append(e.b, "</"+ElemVocabularyList+">"...)
	return nil
}

func (e *encoder) vocabularyElements(v any) error {
	e.push(JSONVocabElementList)
	defer e.pop()
	els, ok := v.([]any)
	if !ok {
		return e.invalid("", "must be an array")
	}
	if len(els) == 0 {
		return nil // the XSD's VocabularyElementList needs one element
	}
	e.b = append(e.b, "<"+ElemVocabElementList+">"...)
	for i, x := range els {
		e.pushIndex(i)
		el, ok := x.(map[string]any)
		if !ok {
			return e.invalid("", "a vocabulary element must be an object")
		}
		e.b = append(e.b, "<"+ElemVocabElement...)
		if err := e.idAttr(el, "id"); err != nil {
			return err
		}
		e.b = append(e.b, '>')
		if attrs, ok := el[JSONVocabAttributes]; ok {
			if err := e.vocabularyAttributes(attrs); err != nil {
				return err
			}
		}
		if kids, ok := el[JSONVocabChildren]; ok {
			e.push(JSONVocabChildren)
			if err := e.idList(ElemVocabChildren, "id", kids); err != nil {
				return err
			}
			e.pop()
		}
		if err := e.extensions(el, map[string]bool{"id": true, JSONVocabAttributes: true, JSONVocabChildren: true}, false); err != nil {
			return err
		}
		e.b = append(e.b, "</"+ElemVocabElement+">"...)
		e.pop()
	}
	e.b = append(e.b, "</"+ElemVocabElementList+">"...)
	return nil
}

// vocabularyAttributes writes <attribute id="…">value</attribute> for each
// {id, attribute}: a scalar value as text, an object as child elements,
// an array as one attribute element per item (as GS1's master data
// example writes a multi-valued attribute).
func (e *encoder) vocabularyAttributes(v any) error {
	e.push(JSONVocabAttributes)
	defer e.pop()
	list, ok := v.([]any)
	if !ok {
		return e.invalid("", "must be an array")
	}
	for i, x := range list {
		e.pushIndex(i)
		a, ok := x.(map[string]any)
		if !ok {
			return e.invalid("", "an attribute must be an object")
		}
		for k := range a {
			if k != "id" && k != JSONVocabAttribute {
				return e.invalid("/"+k, "an attribute has only id and attribute")
			}
		}
		id, ok := a["id"].(string)
		if !ok {
			return e.invalid("/id", "must be a string")
		}
		values := []any{a[JSONVocabAttribute]}
		if arr, ok := a[JSONVocabAttribute].([]any); ok {
			values = arr
		}
		e.push(JSONVocabAttribute)
		for _, val := range values {
			e.b = append(e.b, "<"+ElemVocabAttribute...)
			if err := e.attr("id", id); err != nil {
				return err
			}
			e.b = append(e.b, '>')
			switch val := val.(type) {
			case nil:
			case map[string]any:
				if err := e.extensions(val, nil, true); err != nil {
					return err
				}
			default:
				s, err := e.scalar(val)
				if err != nil {
					return err
				}
				if err := e.text(s); err != nil {
					return err
				}
			}
			e.b = append(e.b, "</"+ElemVocabAttribute+">"...)
		}
		e.pop()
		e.pop()
	}
	return nil
}

// idAttr writes the required string attribute key of m.
func (e *encoder) idAttr(m map[string]any, key string) error {
	s, ok := m[key].(string)
	if !ok {
		return e.invalid("/"+key, "must be a string")
	}
	e.push(key)
	defer e.pop()
	return e.attr(key, s)
}

// idList writes <name><item>s</item>…</name> for an array of strings.
func (e *encoder) idList(name, item string, v any) error {
	list, ok := v.([]any)
	if !ok {
		return e.invalid("", "must be an array")
	}
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
	for i, x := range list {
		e.pushIndex(i)
		if err := e.simple(item, x); err != nil {
			return err
		}
		e.pop()
	}
	e.close(name)
	return nil
}

// declare inserts the declarations of the namespaces bound while writing
// into the start tag at e.declAt.
func (e *encoder) declare() {
	if len(e.ns.bound) == 0 {
		return
	}
	var decl []byte
	for _, bd := range e.ns.bound {
		decl = appendNSDecl(decl, bd.prefix, bd.iri)
	}
	e.b = slices.Insert(e.b, e.declAt, decl...)
	e.ns.bound = e.ns.bound[:0]
}

func appendNSDecl(b []byte, prefix, iri string) []byte {
	b = append(b, " xmlns:"...)
	b = append(b, prefix...)
	b = append(b, `="`...)
	b = appendAttrText(b, iri)
	return append(b, '"')
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
