package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/query/lot"
	"github.com/lotline/lotline/store"
)

// lotRoutes registers the lot resources (issue 5).
func (s *Server) lotRoutes(e *echo.Echo) []resource {
	e.GET("/lots", s.listLots)
	e.GET("/lots/:lot/history", s.getLotHistory)
	e.GET("/lots/:lot/trace", s.getLotTrace)
	e.GET(recallPath, s.getLotRecall)
	e.GET(openAPIPath, s.getOpenAPI)
	return []resource{{"/lots", []string{http.MethodGet}}, {"/lots/:lot/history", []string{http.MethodGet}}, {"/lots/:lot/trace", []string{http.MethodGet}},
		{recallPath, []string{http.MethodGet}}, {openAPIPath, []string{http.MethodGet}}}
}

// listLots is GET /lots?gtin=G: the lots seen in captured events (named
// by class, or by their units' ILMD lot number), as a paginated
// Collection in canonical order, optionally those of one GTIN. GET /
// lists it after the standard resources.
func (s *Server) listLots(c echo.Context) error {
	perPage, tr, err := s.listingRequest(c, "gtin")
	if err != nil {
		return err
	}
	prefix := "https://id.gs1.org/01/" // of every canonical LGTIN
	if g := c.QueryParam("gtin"); g != "" {
		epc, err := gs1.ParseEPC("https://id.gs1.org/01/" + url.PathEscape(g))
		if err != nil || len(g) != 14 {
			return paramError("gtin", "must be a GTIN-14 with a valid check digit")
		}
		prefix = query.LotClass(epc.GTIN(), "")
	}
	kind, err := s.listing(c, store.ValueLot)
	if err != nil {
		return err
	}
	return s.writeListing(c, "lots/"+prefix, perPage, tr, func(after string, limit int) ([]string, error) {
		return s.st.Values(c.Request().Context(), store.ValuePage{Kind: kind, Prefix: prefix, After: after, Limit: limit})
	}, tr.ID)
}

// lotHistory is the answer of GET /lots/{lot}/history: the batch record
// (see package lot) with counts, and the record's events as stored in an
// EPCISQueryDocument, in the identifier and vocabulary forms the client
// asked for.
type lotHistory struct {
	*lot.Record
	Counts map[string]int  `json:"counts"`
	Events json.RawMessage `json:"events"`
}

// getLotHistory is GET /lots/{lot}/history, where {lot} is a URL-encoded
// LGTIN class URN or GS1 Digital Link with GTIN and lot.
func (s *Server) getLotHistory(c echo.Context) error {
	if err := onlyParams(c, "GS1-EPC-Format", "GS1-CBV-XML-Format"); err != nil {
		return err
	}
	tr, err := s.lotTranslator(c)
	if err != nil {
		return err
	}
	id, err := lotOf(c)
	if err != nil {
		return err
	}
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	rec, err := lot.History(c.Request().Context(), s.st, id, s.lotOptions(readers))
	if err != nil {
		return err
	}
	evs, err := s.redactHistory(c, rec)
	if err != nil {
		return err
	}
	g := rec.Groups
	counts := map[string]int{"events": len(rec.Entries), "units": len(rec.Units), "containers": len(rec.Containers),
		"materialsConsumed": len(g.MaterialsConsumed), "processSteps": len(g.ProcessSteps),
		"inspections": len(g.Inspections), "deviations": len(g.Deviations), "release": len(g.Release),
		"shipments": len(g.Shipments)}
	h := lotHistory{Record: rec, Counts: counts}
	translateLot(&h, tr)
	if prefersXML(c.Request().Header.Get("Accept")) {
		doc, err := appendQueryDocumentXML(nil, evs, time.Now(), tr)
		if err != nil {
			return err
		}
		return s.writeLotXML(c, "LotHistory", h, tr, map[string][]byte{"events": queryDocumentElement(doc)})
	}
	if h.Events, err = appendQueryDocument(nil, evs, time.Now(), tr); err != nil {
		return err
	}
	setFormatHeaders(c.Response().Header(), tr)
	return writeJSON(c, http.StatusOK, h)
}

// writeLotXML answers a lot answer v in its XML form (lots_xml.go) under
// the root element root.
func (s *Server) writeLotXML(c echo.Context, root string, v any, tr *epcis.Translator, inject map[string][]byte) error {
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b, err := appendLotXML(nil, root, js, inject)
	if err != nil {
		return err
	}
	setFormatHeaders(c.Response().Header(), tr)
	return c.Blob(http.StatusOK, echo.MIMEApplicationXMLCharsetUTF8, b)
}

// Bounds of the depth parameter of GET /lots/{lot}/trace.
const (
	defaultTraceDepth = 10
	maxTraceDepth     = 50
)

// lotTrace is the answer of GET /lots/{lot}/trace: the genealogy graph
// (see package lot) with counts of nodes and edges by kind.
type lotTrace struct {
	*lot.Graph
	Counts map[string]int `json:"counts"`
}

// getLotTrace is GET /lots/{lot}/trace?direction=backward|forward|both&depth=N.
func (s *Server) getLotTrace(c echo.Context) error {
	if err := onlyParams(c, "direction", "depth", "GS1-EPC-Format", "GS1-CBV-XML-Format"); err != nil {
		return err
	}
	tr, err := s.lotTranslator(c)
	if err != nil {
		return err
	}
	params := c.Request().URL.Query()
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	opt := lot.TraceOptions{Direction: lot.Both, Depth: defaultTraceDepth, Options: s.lotOptions(readers)}
	if v, ok := params["direction"]; ok {
		if len(v) != 1 || (v[0] != lot.Backward && v[0] != lot.Forward && v[0] != lot.Both) {
			return paramError("direction", "must be given once, as backward, forward or both")
		}
		opt.Direction = v[0]
	}
	if err := traceDepth(params, &opt.Depth); err != nil {
		return err
	}
	id, err := lotOf(c)
	if err != nil {
		return err
	}
	g, err := lot.Trace(c.Request().Context(), s.st, id, opt)
	if err != nil {
		return err
	}
	counts := map[string]int{"nodes": len(g.Nodes), "edges": len(g.Edges)}
	for _, n := range g.Nodes {
		counts[n.Kind]++
	}
	for _, e := range g.Edges {
		counts[e.Kind]++
	}
	t := lotTrace{Graph: g, Counts: counts}
	translateLot(&t, tr)
	if prefersXML(c.Request().Header.Get("Accept")) {
		return s.writeLotXML(c, "LotTrace", t, tr, nil)
	}
	setFormatHeaders(c.Response().Header(), tr)
	return writeJSON(c, http.StatusOK, t)
}

// recallPath is the route of GET /lots/{lot}/recall, the one resource
// that also answers in text/csv (the middleware lets its CSV Accepts by).
const recallPath = "/lots/:lot/recall"

// acceptsCSV reports whether an Accept header names text/csv (or text/*)
// without refusing it.
func acceptsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") && !strings.Contains(params, "q=0.") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "text/csv", "text/*":
			return true
		}
	}
	return false
}

// prefersCSV reports whether the first media range of an Accept header
// that is not refused (q=0) and admits JSON or CSV admits CSV: the order
// the client wrote decides, not q values.
func prefersCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		switch {
		case acceptsJSON(part):
			return false
		case acceptsCSV(part):
			return true
		}
	}
	return false
}

// getLotRecall is GET /lots/{lot}/recall?depth=N: the affected set and
// the other lots of the product in JSON or XML (see recallMedia), or, when
// the client prefers text/csv, the FSMA 204 sortable spreadsheet.
func (s *Server) getLotRecall(c echo.Context) error {
	if err := onlyParams(c, "depth", "GS1-EPC-Format", "GS1-CBV-XML-Format"); err != nil {
		return err
	}
	tr, err := s.lotTranslator(c)
	if err != nil {
		return err
	}
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	opt := lot.RecallOptions{Depth: defaultTraceDepth, Options: s.lotOptions(readers)}
	if err := traceDepth(c.Request().URL.Query(), &opt.Depth); err != nil {
		return err
	}
	id, err := lotOf(c)
	if err != nil {
		return err
	}
	r, err := lot.Recall(c.Request().Context(), s.st, id, opt)
	if err != nil {
		return err
	}
	translateLot(r, tr)
	switch recallMedia(c.Request().Header.Get("Accept")) {
	case "xml":
		return s.writeLotXML(c, "LotRecall", r, tr, nil)
	case "json":
		setFormatHeaders(c.Response().Header(), tr)
		return writeJSON(c, http.StatusOK, r)
	}
	return writeRecallCSV(c, r, tr)
}

// recallMedia chooses the recall's form: "csv" when the client prefers
// CSV to JSON (prefersCSV) and names it before any XML media type, "xml"
// when it prefers XML to JSON as the query resources decide
// (prefersXML), else "json".
func recallMedia(accept string) string {
	wantCSV, wantXML := prefersCSV(accept), prefersXML(accept)
	if wantCSV && wantXML {
		for _, m := range parseAccept(accept) {
			if m.q == 0 {
				continue
			}
			if isXMLAnswer(m.mt) {
				return "xml"
			}
			if m.mt == "text/csv" || m.mt == "text/*" {
				return "csv"
			}
		}
	}
	switch {
	case wantCSV:
		return "csv"
	case wantXML:
		return "xml"
	}
	return "json"
}

// lotOf reads the {lot} path segment of /lots/{lot}/...
func lotOf(c echo.Context) (lot.ID, error) {
	raw, err := pathValue(c, 2)
	if err != nil {
		return lot.ID{}, err
	}
	return lot.Parse(raw)
}

// traceDepth reads the depth parameter into depth, when it is given.
func traceDepth(params url.Values, depth *int) error {
	v, ok := params["depth"]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(v[0])
	if len(v) != 1 || err != nil || n < 1 || n > maxTraceDepth {
		return paramError("depth", "must be given once, as a whole number from 1 to %d", maxTraceDepth)
	}
	*depth = n
	return nil
}

// lotOptions are the bounds and settings of a lot walk for these readers.
func (s *Server) lotOptions(readers store.Readers) lot.Options {
	return lot.Options{Readers: readers, NoInference: s.cfg.NoHierarchyInference}
}
