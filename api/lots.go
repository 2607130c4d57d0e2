package api

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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
	return []resource{{"/lots", []string{http.MethodGet}}, {"/lots/:lot/history", []string{http.MethodGet}}, {"/lots/:lot/trace", []string{http.MethodGet}},
		{recallPath, []string{http.MethodGet}}}
}

// listLots is GET /lots?gtin=G: the lots seen in captured events (named
// by class, or by their units' ILMD lot number), as a paginated
// Collection in canonical order, optionally those of one GTIN. It is not
// in GET /, whose members the OpenAPI enumerates.
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
	if err := formatsFromQuery(c); err != nil {
		return err
	}
	tr, err := s.translator(c)
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
	rec, err := lot.History(c.Request().Context(), s.st, id, lot.Options{Readers: readers})
	if err != nil {
		return err
	}
	evs, err := s.redactHistory(c, rec)
	if err != nil {
		return err
	}
	doc, err := appendQueryDocument(nil, evs, time.Now(), tr)
	if err != nil {
		return err
	}
	g := rec.Groups
	counts := map[string]int{"events": len(rec.Entries), "units": len(rec.Units), "containers": len(rec.Containers),
		"materialsConsumed": len(g.MaterialsConsumed), "processSteps": len(g.ProcessSteps),
		"inspections": len(g.Inspections), "deviations": len(g.Deviations), "release": len(g.Release),
		"shipments": len(g.Shipments)}
	h := c.Response().Header()
	h.Set("GS1-EPC-Format", string(tr.EPC))
	h.Set("GS1-CBV-XML-Format", string(tr.CBV))
	return writeJSON(c, http.StatusOK, lotHistory{Record: rec, Counts: counts, Events: doc})
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
	if err := onlyParams(c, "direction", "depth"); err != nil {
		return err
	}
	params := c.Request().URL.Query()
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	opt := lot.TraceOptions{Direction: lot.Both, Depth: defaultTraceDepth, Options: lot.Options{Readers: readers}}
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
	return writeJSON(c, http.StatusOK, lotTrace{Graph: g, Counts: counts})
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
// the other lots of the product in JSON, or, when the client accepts
// text/csv and not JSON, the FSMA 204 sortable spreadsheet.
func (s *Server) getLotRecall(c echo.Context) error {
	if err := onlyParams(c, "depth"); err != nil {
		return err
	}
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	opt := lot.RecallOptions{Depth: defaultTraceDepth, Options: lot.Options{Readers: readers}}
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
	if !prefersCSV(c.Request().Header.Get("Accept")) {
		return writeJSON(c, http.StatusOK, r)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="recall.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	cw := csv.NewWriter(c.Response())
	if err := cw.Write(lot.CSVHeader); err != nil {
		return err
	}
	if err := cw.WriteAll(r.Rows()); err != nil {
		return err
	}
	return nil
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
