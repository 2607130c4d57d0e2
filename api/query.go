package api

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/query/engine"
)

// maxQueryURI bounds the request URI of a query: a longer one is a 414
// URITooLongException. (Beyond the HTTP server's MaxHeaderBytes, 64 KiB
// in `lotline serve`, Go's server answers 431 before any handler runs.)
const maxQueryURI = 16 << 10

// headerParams are the request headers of the REST binding. A client may
// also give GS1-EPC-Format and GS1-CBV-XML-Format as query parameters
// (some clients cannot set headers); the others are accepted and ignored
// there, the headers being what counts.
var headerParams = []string{"GS1-EPC-Format", "GS1-CBV-XML-Format", "GS1-EPCIS-Version", "GS1-EPCIS-Min",
	"GS1-EPCIS-Max", "GS1-CBV-Version", "GS1-CBV-Min", "GS1-CBV-Max", "GS1-Extensions"}

// eventsCursor is the payload of an events page token: where the next page
// starts, and a digest of the query it belongs to, so that a token is
// refused with any other query.
type eventsCursor struct {
	Query string          `json:"q"`
	Pos   engine.Position `json:"p"`
}

// getEvents is GET /events: the events matching the SimpleEventQuery
// parameters of the query string, one page at a time.
func (s *Server) getEvents(c echo.Context) error {
	return s.serveQuery(c, nil, nil, nil)
}

// serveQuery answers a query resource with one page of events in an
// EPCISQueryDocument: GET /events, and the resources that are queries with
// a restriction of their own (/epcs/{epc}/events, /queries/{name}/events,
// ...).
//
// The request's query string gives SimpleEventQuery parameters, perPage and
// nextPageToken (an unknown or malformed one is a 400 naming it). fixed,
// when not nil, holds further parameters the resource defines itself (a
// named query's definition, with list values joined by '|'); a parameter
// given both there and in the request is a 400. ns resolves CURIE field
// names in both (a named query's @context); nil for none. extra, when not
// nil, is called with the parsed query to add the resource's own
// restriction (say, to q.AnyEPC); an error it returns is answered as is
// (use *epcis.Error).
//
// While more pages remain, the answer carries Link: <path?params&nextPageToken=...>; rel="next"
// (this path, the request's own parameters, and a new token) and
// GS1-Next-Page-Token-Expires. A token is signed, expires after a day and
// is bound to the path, the party and every parameter but perPage, so the
// page size may change from page to page but the query may not.
func (s *Server) serveQuery(c echo.Context, fixed url.Values, ns map[string]string, extra func(*query.Query) error) error {
	req := c.Request()
	if len(req.RequestURI) > maxQueryURI {
		return epcis.Errorf(epcis.KindURITooLong, "the request URI is longer than %d bytes; send a long query as a named query (POST /queries)", maxQueryURI)
	}
	params, err := query.ParseRawQuery(req.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := formatParams(req, params); err != nil {
		return err
	}
	// Refuse a bad format before running the query.
	if _, err := s.translator(c); err != nil {
		return err
	}
	digest := queryDigest(req.URL.Path, s.owner(c), params, fixed)
	for k, v := range fixed {
		if _, ok := params[k]; ok {
			return paramError(k, "is set by this resource and cannot be given in the request")
		}
		params[k] = v
	}
	q, err := query.Parse(params, query.ParseOptions{Namespaces: ns, DefaultPerPage: s.cfg.DefaultPerPage,
		MaxPerPage: s.cfg.MaxPerPage, Ignore: headerParams})
	if err != nil {
		return err
	}
	if extra != nil {
		if err := extra(q); err != nil {
			return err
		}
	}
	var after *engine.Position
	if q.NextPageToken != "" {
		var cur eventsCursor
		if err := s.tokens.open("events", q.NextPageToken, &cur); err != nil {
			return paramError("nextPageToken", "%s", errBadToken.Error())
		}
		if cur.Query != digest {
			return paramError("nextPageToken", "the page token belongs to another query; send it with the parameters of the Link it came from")
		}
		after = &cur.Pos
	}
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	page, err := s.engine.Page(req.Context(), q, readers, after)
	if err != nil {
		return err
	}
	if page.Next != nil {
		tok, exp, err := s.tokens.sign("events", eventsCursor{Query: digest, Pos: *page.Next}, pageTokenTTL)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Link", fmt.Sprintf(`<%s>; rel="next"`, nextPageURL(req.URL.EscapedPath(), req.URL.RawQuery, tok)))
		h.Set("GS1-Next-Page-Token-Expires", exp.Format(time.RFC3339))
	}
	return s.writeEvents(c, page.Events)
}

func paramError(name, format string, args ...any) *epcis.Error {
	e := epcis.Errorf(epcis.KindQueryParameter, format, args...)
	e.Param = name
	return e
}

// queryDigest identifies a query for its page tokens: the path, the party
// and the parameters (the request's, but for perPage, nextPageToken and
// the headers, and the resource's fixed ones), independent of their order.
func queryDigest(path, owner string, params, fixed url.Values) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q\n%q\n", path, owner)
	for _, vs := range []url.Values{params, fixed} {
		keys := make([]string, 0, len(vs))
		for k := range vs {
			if k == "perPage" || k == "nextPageToken" || contains(headerParams, k) {
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "%q=%q\n", k, vs[k])
		}
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nextPageURL is the request's path and query with nextPageToken replaced
// by tok; the other parameters stay as the client wrote them.
func nextPageURL(path, rawQuery, tok string) string {
	var parts []string
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, _, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && name == "nextPageToken" {
			continue
		}
		parts = append(parts, linkSafe(p))
	}
	parts = append(parts, "nextPageToken="+url.QueryEscape(tok))
	return path + "?" + strings.Join(parts, "&")
}

// linkSafe re-encodes a name=value pair that holds characters a Link
// header's URI reference cannot (Go's server passes '<', '>', '"', ...
// through in the query).
func linkSafe(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("<>\"\\^`{|}", r) }) {
		return p
	}
	k, v, _ := strings.Cut(p, "=")
	dk, err1 := url.QueryUnescape(k)
	dv, err2 := url.QueryUnescape(v)
	if err1 != nil || err2 != nil {
		return url.QueryEscape(p)
	}
	return url.QueryEscape(dk) + "=" + url.QueryEscape(dv)
}
