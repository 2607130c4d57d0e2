package api

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/web"
)

// Problem is an RFC 7807 problem detail with the EPCIS exception as its
// type. Members beyond the RFC's say where the fault is.
type Problem struct {
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	Status     int       `json:"status"`
	Detail     string    `json:"detail,omitempty"`
	Instance   string    `json:"instance,omitempty"`
	Pointer    string    `json:"pointer,omitempty"`
	EventIndex *int      `json:"eventIndex,omitempty"`
	Parameter  string    `json:"parameter,omitempty"`
	RequestID  string    `json:"requestID,omitempty"`
	Errors     []Problem `json:"errors,omitempty"`
}

func problemOf(e *epcis.Error) Problem {
	p := Problem{Type: e.Kind.ExceptionType(), Title: e.Kind.Title(), Status: e.Kind.Status(),
		Detail: e.Message, Pointer: e.Pointer, Parameter: e.Param}
	if e.EventIndex >= 0 {
		i := e.EventIndex
		p.EventIndex = &i
	}
	return p
}

// handleError is Echo's error handler: every error becomes a problem+json
// answer. Internal causes stay in the log; the client gets the request ID.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	req := c.Request()
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	var p Problem
	var list epcis.Errors
	var ee *epcis.Error
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &list) && len(list) > 0:
		p = problemOf(list[0])
		if len(list) > 1 {
			p.Detail = list.Error()
			p.Pointer, p.EventIndex = "", nil
			for _, e := range list[:min(len(list), 100)] {
				p.Errors = append(p.Errors, problemOf(e))
			}
		}
	case errors.As(err, &ee):
		p = problemOf(ee)
	case errors.As(err, &mbe):
		p = problemOf(epcis.Errorf(epcis.KindCaptureLimitExceeded, "the request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &he):
		p = problemOf(fromHTTPError(he))
	case errors.As(err, &ne) && ne.Timeout():
		// The server's read timeout passed while the body was read.
		p = problemOf(epcis.Errorf(epcis.KindTimeout, "the request body was not received in time"))
	default:
		p = problemOf(epcis.Errorf(epcis.KindInternal, "internal error; quote request ID %s when reporting it", rid))
	}
	if p.Status >= 500 {
		p.RequestID = rid
		s.log.Error("request failed", "requestID", rid, "method", req.Method, "path", req.URL.Path, "err", err)
	}
	p.Instance = req.URL.RequestURI()
	if len(p.Instance) > 512 {
		p.Instance = p.Instance[:512]
	}
	if p.Status == http.StatusRequestEntityTooLarge && isCapturePath(c.Path()) {
		s.captureLimitHeaders(c.Response().Header())
	}
	if isPagePath(req.URL.Path) && !strings.HasPrefix(req.URL.Path, web.StaticPrefix) {
		s.renderError(c, p)
		return
	}
	if prefersXML(req.Header.Get("Accept")) {
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+xml")
		c.Response().WriteHeader(p.Status)
		if req.Method != http.MethodHead {
			if _, werr := c.Response().Write(problemXML(p)); werr != nil {
				s.log.Debug("write problem", "err", werr)
			}
		}
		return
	}
	body, merr := json.Marshal(p)
	if merr != nil {
		s.log.Error("encode problem", "err", merr)
		body = []byte(`{"type":"epcisException:ImplementationException","title":"Internal error","status":500}`)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if req.Method != http.MethodHead {
		if _, werr := c.Response().Write(body); werr != nil {
			s.log.Debug("write problem", "err", werr)
		}
	}
}

func isCapturePath(p string) bool { return p == "/capture" || p == "/events" }

// fromHTTPError maps Echo's own errors (routing, method) to EPCIS kinds.
func fromHTTPError(he *echo.HTTPError) *epcis.Error {
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok {
		msg = m
	}
	switch he.Code {
	case http.StatusNotFound:
		return epcis.Errorf(epcis.KindNoSuchResource, "no such resource")
	case http.StatusMethodNotAllowed:
		return epcis.Errorf(epcis.KindMethodNotAllowed, "method not allowed on this resource")
	case http.StatusRequestEntityTooLarge:
		return epcis.Errorf(epcis.KindCaptureLimitExceeded, "%s", msg)
	case http.StatusUnsupportedMediaType:
		return epcis.Errorf(epcis.KindUnsupportedMediaType, "%s", msg)
	case http.StatusRequestURITooLong:
		return epcis.Errorf(epcis.KindURITooLong, "%s", msg)
	case http.StatusRequestTimeout:
		return epcis.Errorf(epcis.KindTimeout, "%s", msg)
	case http.StatusServiceUnavailable:
		return epcis.Errorf(epcis.KindUnavailable, "%s", msg)
	case http.StatusUnauthorized:
		return epcis.Errorf(epcis.KindSecurity, "%s", msg)
	case http.StatusForbidden:
		return epcis.Errorf(epcis.KindForbidden, "%s", msg)
	}
	if he.Code >= 400 && he.Code < 500 {
		return epcis.Errorf(epcis.KindValidation, "%s", msg)
	}
	e := epcis.Errorf(epcis.KindInternal, "internal error")
	e.Err = he
	return e
}
