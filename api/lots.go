package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/query/lot"
)

// lotRoutes registers the lot resources (issue 5).
func (s *Server) lotRoutes(e *echo.Echo) []resource {
	e.GET("/lots/:lot/history", s.getLotHistory)
	return []resource{{"/lots/:lot/history", []string{http.MethodGet}}}
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
	raw, err := pathValue(c, 2)
	if err != nil {
		return err
	}
	id, err := lot.Parse(raw)
	if err != nil {
		return err
	}
	rec, err := lot.History(c.Request().Context(), s.st, id, lot.Options{Owners: s.visibleOwners(c)})
	if err != nil {
		return err
	}
	doc, err := appendQueryDocument(nil, rec.Events, time.Now(), tr)
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
