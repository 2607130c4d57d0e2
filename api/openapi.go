package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI is the OpenAPI document of Lotline's own resources (the lot
// endpoints and itself). The standard resources are described by GS1's
// EPCIS 2.0 OpenAPI, which the document names in externalDocs rather than
// republishes (see docs/decisions/0011-lot-answers-in-xml.md).
//
//go:embed openapi/lotline.json
var openAPI []byte

// openAPIPath is where the document is served.
const openAPIPath = "/openapi.json"

func (s *Server) getOpenAPI(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPI)
}
