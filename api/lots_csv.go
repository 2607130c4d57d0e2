package api

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query/lot"
)

// recallCSVHeader names the columns of the FSMA 204 sortable spreadsheet:
// those of package lot (lot.CSVHeader), then Identifiers, the identifiers
// each event happened at (the parentID first, then the EPCs it lists).
var recallCSVHeader = append(slices.Clip(lot.CSVHeader), "Identifiers")

// writeRecallCSV answers a recall as the FSMA 204 sortable spreadsheet,
// one row per critical tracking event. A row whose event gives no
// quantity of a recalled lot (a pallet shipped by its SSCC, a case of
// serialised units received) counts the identifiers it names instead, by
// level: "1" "EA (SSCC)", "4" "EA (GTIN 14012345111115)".
func writeRecallCSV(c echo.Context, r *lot.RecallResult, tr *epcis.Translator) error {
	qi, ui := slices.Index(lot.CSVHeader, "Quantity"), slices.Index(lot.CSVHeader, "Unit of Measure")
	rows := r.Rows()
	for i, ev := range r.Events {
		ids := ev.EPCs
		if ev.ParentID != "" {
			ids = append([]string{ev.ParentID}, ids...)
		}
		if qi >= 0 && ui >= 0 && rows[i][qi] == "" {
			q, u := levelQuantities(ev)
			rows[i][qi], rows[i][ui] = strings.Join(q, "; "), strings.Join(u, "; ")
		}
		rows[i] = append(rows[i], strings.Join(ids, "; "))
	}
	h := c.Response().Header()
	setFormatHeaders(h, tr)
	h.Set("Content-Disposition", `attachment; filename="recall.csv"`)
	var b strings.Builder
	cw := csv.NewWriter(&b)
	cw.Write(recallCSVHeader)
	cw.WriteAll(rows) // flushes
	if err := cw.Error(); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}

// levelQuantities counts the identifiers an event happened at (its EPCs,
// else its parentID) by level: SSCCs together, serialised trade items by
// GTIN, other identifiers by scheme, in the order first seen.
func levelQuantities(ev lot.CTE) (qty, uom []string) {
	ids := ev.EPCs
	if len(ids) == 0 && ev.ParentID != "" {
		ids = []string{ev.ParentID}
	}
	counts := map[string]int{}
	var order []string
	for _, id := range ids {
		u := "EA"
		if epc, err := gs1.ParseEPC(id); err == nil {
			switch {
			case epc.Scheme == gs1.SGTIN:
				u = "EA (GTIN " + epc.GTIN() + ")"
			case epc.IsClass():
				continue // a class names no countable unit
			default:
				u = "EA (" + strings.ToUpper(string(epc.Scheme)) + ")"
			}
		}
		if counts[u] == 0 {
			order = append(order, u)
		}
		counts[u]++
	}
	for _, u := range order {
		qty = append(qty, strconv.Itoa(counts[u]))
		uom = append(uom, u)
	}
	return qty, uom
}
