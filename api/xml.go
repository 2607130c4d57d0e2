package api

// This file is the XML binding of the REST interface: capture of EPCIS 2.0
// and 1.2 XML documents, query answers as EPCISQueryDocument XML, capture
// jobs as EPCISCaptureJob and errors as application/problem+xml
// (EPCISException). The mapping itself is epcis/epcisxml's; here the
// handlers only choose the binding by Content-Type and Accept.

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/store"
)

// isXMLMedia reports whether a request media type is the XML binding's.
func isXMLMedia(mt string) bool { return mt == "application/xml" || mt == "text/xml" }

// mediaQ is one media range of an Accept header with its quality.
type mediaQ struct {
	mt string
	q  float64
}

// parseAccept splits an Accept header into media ranges and qualities, in
// the order given. A malformed quality counts as 1, as most servers read it.
func parseAccept(accept string) []mediaQ {
	var out []mediaQ
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		m := mediaQ{mt: strings.ToLower(strings.TrimSpace(mt)), q: 1}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					m.q = f
				}
			}
		}
		if m.mt != "" {
			out = append(out, m)
		}
	}
	return out
}

func isXMLAnswer(mt string) bool {
	return mt == "application/xml" || mt == "text/xml" || mt == "application/problem+xml"
}

// xmlQ and jsonQ are the best qualities an Accept header gives the XML
// and the JSON binding, and the position of the first range that gives it.
// Wildcards count for JSON, the default binding.
func bindingQ(accept string) (xmlQ float64, xmlAt int, jsonQ float64, jsonAt int) {
	xmlAt, jsonAt = -1, -1
	for i, m := range parseAccept(accept) {
		switch {
		case isXMLAnswer(m.mt):
			if m.q > xmlQ {
				xmlQ, xmlAt = m.q, i
			}
		case m.mt == "*/*" || m.mt == "application/*" || m.mt == "application/json" ||
			m.mt == "application/ld+json" || m.mt == "application/problem+json":
			if m.q > jsonQ {
				jsonQ, jsonAt = m.q, i
			}
		}
	}
	return
}

// acceptsXML reports whether an Accept header names an XML media type with
// a quality above zero.
func acceptsXML(accept string) bool {
	q, _, _, _ := bindingQ(accept)
	return q > 0
}

// prefersXML reports whether the client asks for the XML binding over the
// JSON one: an XML type with a higher quality than any JSON type or
// wildcard, or the same quality and listed first. Without an Accept header
// the answer is JSON.
func prefersXML(accept string) bool {
	xq, xi, jq, ji := bindingQ(accept)
	return xq > 0 && (xq > jq || xq == jq && xi < ji)
}

// answersXML reports whether the route (Echo's path pattern) has an XML
// answer: the query resources (EPCISQueryDocument), the capture job
// (EPCISCaptureJob), the capture endpoints, whose only answers are
// empty or errors, and the lot answers, in Lotline's own XML form
// (lots_xml.go). Resource collections and named-query and subscription
// definitions have no XML form in the standard's XSDs and stay JSON.
func answersXML(path string) bool {
	switch path {
	case "/capture", "/capture/:captureID", "/events", "/events/:eventID", "/queries/:queryName/events",
		"/lots/:lot/history", "/lots/:lot/trace", recallPath:
		return true
	}
	// The value resources' events: /epcs/:epc/events, /bizSteps/:bizStep/events, ...
	if rest, ok := strings.CutSuffix(path, "/events"); ok {
		if i := strings.Index(rest, "/:"); i > 0 && !strings.Contains(rest[1:i], "/") &&
			!strings.Contains(rest[i+2:], "/") && rest[1:i] != "lots" {
			return true
		}
	}
	return false
}

// xmlNote completes a 406's message on routes that also answer in XML.
func xmlNote(path string) string {
	note := ""
	if answersXML(path) {
		note = ", or application/xml, text/xml or application/problem+xml"
	}
	if path == recallPath {
		note += ", or text/csv"
	}
	return note
}

// readDocument reads a capture body as JSON-LD or, by its Content-Type, as
// XML. For XML it also returns the Decoded, which locates errors in the
// source (see xmlLocate); it holds the body, which is not reused.
func (s *Server) readDocument(c echo.Context, limit int64) (any, *epcisxml.Decoded, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "application/json" || mt == "application/ld+json" {
		v, err := s.readJSON(c, limit)
		return v, nil, err
	}
	if !isXMLMedia(mt) {
		return nil, nil, &epcis.Error{Kind: epcis.KindUnsupportedMediaType, Param: "Content-Type", EventIndex: -1,
			Message: fmt.Sprintf("content type %q is not supported; send application/ld+json, application/json, application/xml or text/xml", ct)}
	}
	data, err := s.readBody(c, limit)
	if err != nil {
		return nil, nil, err
	}
	d, err := epcisxml.Decode(data, s.cfg.XML)
	if err != nil {
		return nil, nil, err
	}
	return d.Tree, d, nil
}

// bareEvent refuses, on POST /events, an XML document where one event
// element belongs: the endpoint takes one event, as in JSON, and documents
// go to POST /capture.
func bareEvent(d *epcisxml.Decoded) error {
	if d == nil || d.Root != "EPCISDocument" && d.Root != "EPCISQueryDocument" {
		return nil
	}
	return epcis.Invalid("", "POST /events takes one event element (ObjectEvent, AggregationEvent, ...), not an %s; send documents to POST /capture", d.Root)
}

// xmlLocate rewrites the JSON pointers of validation errors found in a
// decoded XML document into the XPath-like locations of the source, so
// that the problem names the element at fault. err may be an *epcis.Error
// or epcis.Errors; d nil leaves it as it is.
func xmlLocate(err error, d *epcisxml.Decoded) error {
	if d == nil || err == nil {
		return err
	}
	switch e := err.(type) {
	case *epcis.Error:
		locate(e, d)
	case epcis.Errors:
		for _, x := range e {
			locate(x, d)
		}
	}
	return err
}

func locate(e *epcis.Error, d *epcisxml.Decoded) {
	if e.Param != "" || (e.Pointer == "" && e.Kind != epcis.KindValidation) {
		return
	}
	if x := d.XPath(e.Pointer); x != "" {
		e.Pointer = x
	}
}

// appendQueryDocumentXML appends the EPCISQueryDocument XML of stored
// events in the forms tr asks for. The namespaces of the events' @context
// are declared once on the root (a prefix two events bind differently is
// left to each event, whose own @context then declares it); then each
// stored body is decoded, given its recordTime, translated and written,
// one event at a time, so a page never holds more than one decoded event.
func appendQueryDocumentXML(b []byte, evs []*store.Event, now time.Time, tr *epcis.Translator) ([]byte, error) {
	ns := map[string]string{}
	conflict := map[string]bool{}
	seen := map[string]bool{}
	for _, e := range evs {
		ctx, _, err := splitContext(e.Body)
		if err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		if ctx == nil || seen[string(ctx)] {
			continue // events of one document share their @context
		}
		seen[string(ctx)] = true
		v, err := epcis.DecodeJSON(ctx, epcis.JSONLimits{})
		if err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		for k, iri := range epcis.Namespaces(v) {
			if old, ok := ns[k]; ok && old != iri {
				conflict[k] = true
			}
			ns[k] = iri
		}
	}
	for k := range conflict {
		delete(ns, k)
	}
	ns = epcisxml.QueryNamespaces(ns)
	b = epcisxml.AppendQueryDocumentStart(b, ns, "SimpleEventQuery", "", now)
	for _, e := range evs {
		v, err := epcis.DecodeJSON(e.Body, epcis.JSONLimits{})
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %v", e.EventID, err)
		}
		m["recordTime"] = e.RecordTime.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		tr.Event(m)
		if b, err = epcisxml.AppendEvent(b, m, ns); err != nil {
			var ee *epcis.Error
			if errors.As(err, &ee) && ee.Kind == epcis.KindNotAcceptable {
				// Valid JSON-LD the XML binding cannot carry: a 406 that
				// names the event and the member, so the client can ask
				// for JSON.
				return nil, &epcis.Error{Kind: epcis.KindNotAcceptable, Param: "Accept", EventIndex: -1,
					Message: fmt.Sprintf("event %s cannot be given in XML (at %s: %s); ask for application/ld+json", e.EventID, ee.Pointer, ee.Message)}
			}
			return nil, fmt.Errorf("api: stored event %s cannot be written in XML: %w", e.EventID, err)
		}
	}
	return epcisxml.AppendQueryDocumentEnd(b), nil
}

// writeJob answers a capture job in the binding the client prefers.
func (s *Server) writeJob(c echo.Context, j *store.Job) error {
	if !prefersXML(c.Request().Header.Get("Accept")) {
		return c.JSON(http.StatusOK, viewJob(j))
	}
	x := epcisxml.CaptureJob{CaptureID: j.ID, Running: j.Running, Success: j.Success,
		ErrorBehaviour: j.ErrorBehaviour, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	for _, e := range j.Errors {
		d := e.Detail
		if e.Pointer != "" {
			d = e.Pointer + ": " + d
		}
		if e.EventIndex != nil {
			d = "event " + strconv.Itoa(*e.EventIndex) + ": " + d
		}
		x.Errors = append(x.Errors, epcisxml.Problem{Type: e.Type, Title: e.Title, Status: e.Status, Detail: d})
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationXMLCharsetUTF8, epcisxml.AppendCaptureJob(nil, x))
}

// problemXML is the EPCISException form of a problem. The XSD's problem has
// no members for the place at fault, so the parameter, the location
// (an XPath for XML input) and the request ID go into detail.
func problemXML(p Problem) []byte {
	d := p.Detail
	if p.Pointer != "" && !strings.Contains(d, p.Pointer) {
		d = p.Pointer + ": " + d
	}
	if p.Parameter != "" && !strings.HasPrefix(d, p.Parameter+":") {
		d = p.Parameter + ": " + d
	}
	if p.RequestID != "" {
		d += " (request ID " + p.RequestID + ")"
	}
	return epcisxml.AppendException(nil, epcisxml.Problem{Type: p.Type, Title: p.Title, Status: p.Status,
		Detail: d, Instance: p.Instance})
}
