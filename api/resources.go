package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// topLevel lists the top-level resources of GET /: the OpenAPI's
// TopLevelResources, all nine, then Lotline's own (its OpenAPI document,
// GET /openapi.json, describes them).
var topLevel = []string{"events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions", "capture", "queries",
	"lots"}

// valueResource is one of the top-level resources that list the values
// seen in captured events (/eventTypes, /epcs, ...), with its /{value}
// and /{value}/events sub-resources.
type valueResource struct {
	name string // path segment: "epcs"
	kind store.ValueKind
	noun string // for messages: "EPC"
	// standard holds the values listed even before any event carries them,
	// in stored form and sorted: the OpenAPI has /eventTypes return the five
	// standard event types, and /bizSteps and /dispositions the CBV's
	// standard values, besides any custom ones seen.
	standard []string
	// canonical turns a value from the path, in any form a client may
	// write it, into the form the listing stores.
	canonical func(string) string
	// show writes a stored value in the form the request asks for.
	show func(tr *epcis.Translator, v string) string
}

var valueResources = []valueResource{
	{name: "eventTypes", kind: store.ValueEventType, noun: "event type",
		standard:  sorted(epcis.EventTypes),
		canonical: func(s string) string { return s },
		show:      func(_ *epcis.Translator, v string) string { return v }},
	{name: "epcs", kind: store.ValueEPC, noun: "EPC",
		canonical: canonicalEPC,
		show:      (*epcis.Translator).ID},
	{name: "bizSteps", kind: store.ValueBizStep, noun: "business step",
		standard:  standardCBV(cbv.BizStep),
		canonical: func(s string) string { return query.CanonicalCBV(cbv.BizStep, s) },
		show:      func(tr *epcis.Translator, v string) string { return tr.Value(cbv.BizStep, v) }},
	{name: "bizLocations", kind: store.ValueBizLocation, noun: "business location",
		canonical: query.CanonicalID,
		show:      (*epcis.Translator).ID},
	{name: "readPoints", kind: store.ValueReadPoint, noun: "read point",
		canonical: query.CanonicalID,
		show:      (*epcis.Translator).ID},
	{name: "dispositions", kind: store.ValueDisposition, noun: "disposition",
		standard:  standardCBV(cbv.Disp),
		canonical: func(s string) string { return query.CanonicalCBV(cbv.Disp, s) },
		show:      func(tr *epcis.Translator, v string) string { return tr.Value(cbv.Disp, v) }},
}

func sorted(list []string) []string {
	s := slices.Clone(list)
	slices.Sort(s)
	return s
}

// standardCBV returns the Web URIs of a vocabulary's standard values, the
// form values are stored in.
func standardCBV(v cbv.Vocabulary) []string {
	var list []string
	for _, w := range cbv.Terms(v) {
		u, err := cbv.Normalize(v, w)
		if err != nil {
			panic(fmt.Sprintf("api: standard %s term %q does not normalise: %v", v, w, err))
		}
		list = append(list, u)
	}
	return sorted(list)
}

// canonicalEPC is the stored form of an EPC or EPC class given as an EPC
// URN, a pure-identity pattern naming a class (urn:epc:idpat:sgtin:CP.IR.*)
// or a GS1 Digital Link; other identifiers are kept as written.
func canonicalEPC(s string) string {
	if strings.HasPrefix(s, "urn:epc:idpat:") {
		if p, err := gs1.ParsePattern(s); err == nil {
			if c, ok := p.Class(); ok {
				return c.Canonical()
			}
		}
		return s
	}
	return query.CanonicalID(s)
}

// isClass reports whether a stored EPC value names a class of objects (an
// LGTIN, or a GTIN without serial) rather than one object.
func isClass(canonical string) bool {
	if !strings.HasPrefix(canonical, "http") {
		return false
	}
	e, err := gs1.ParseEPC(canonical)
	return err == nil && e.IsClass()
}

// resourceRoutes registers the value resources, the named queries and GET
// /, and returns their paths for OPTIONS.
func (s *Server) resourceRoutes(e *echo.Echo) []resource {
	get := []string{http.MethodGet}
	paths := []resource{{"/", get}}
	e.GET("/", s.discovery)
	for _, r := range valueResources {
		list := "/" + r.name
		one := list + "/:value"
		e.GET(list, s.listValues(r))
		e.GET(one, s.getValue(r))
		e.GET(one+"/events", s.valueEvents(r))
		paths = append(paths, resource{list, get}, resource{one, get}, resource{one + "/events", get})
	}
	e.POST("/queries", s.createQuery)
	e.GET("/queries", s.listQueries)
	e.GET("/queries/:queryName", s.getQuery)
	e.DELETE("/queries/:queryName", s.deleteQuery)
	e.GET("/queries/:queryName/events", s.namedQueryEvents)
	return append(paths,
		resource{"/queries", []string{http.MethodGet, http.MethodPost}},
		resource{"/queries/:queryName", []string{http.MethodGet, http.MethodDelete}},
		resource{"/queries/:queryName/events", get})
}

// collection is the OpenAPI's Collection shape, shared by every list of
// names or URIs (TopLevelResourceCollection, UriCollection, ...).
func collection(members []string) map[string]any {
	if members == nil {
		members = []string{}
	}
	return map[string]any{"@context": epcis.StandardContext, "type": "Collection", "member": members}
}

// discovery answers GET /: the top-level resources of this server.
func (s *Server) discovery(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, collection(topLevel))
}

// writeJSON encodes v into a buffer first, so that a failure can still be
// answered with a problem, and without HTML escaping (URIs keep their '&').
func writeJSON(c echo.Context, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return c.Blob(status, echo.MIMEApplicationJSON, buf.Bytes())
}

// onlyParams refuses query parameters other than the named ones, so that a
// misspelt perPage is an error rather than silently ignored. The query is
// split as query.ParseRawQuery does, which drops nothing.
func onlyParams(c echo.Context, allowed ...string) error {
	params, err := query.ParseRawQuery(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	for k := range params {
		if !slices.Contains(allowed, k) {
			return &epcis.Error{Kind: epcis.KindQueryParameter, Param: safeName(k), EventIndex: -1,
				Message: "unknown query parameter for this resource"}
		}
	}
	return nil
}

// formatsFromQuery takes GS1-EPC-Format and GS1-CBV-XML-Format from the
// query string when the request has no such header, as GET /events does
// (some clients cannot set headers).
func formatsFromQuery(c echo.Context) error {
	return formatParams(c.Request(), c.Request().URL.Query())
}

// formatParams moves GS1-EPC-Format and GS1-CBV-XML-Format from params
// to the request's headers when it has no such header.
func formatParams(req *http.Request, params url.Values) error {
	for _, h := range []string{"GS1-EPC-Format", "GS1-CBV-XML-Format"} {
		if v, ok := params[h]; ok && req.Header.Get(h) == "" {
			if len(v) > 1 {
				return paramError(h, "may be given only once")
			}
			req.Header.Set(h, v[0])
		}
	}
	return nil
}

// safeName bounds a client-supplied name before it is echoed in a problem.
func safeName(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// pathValue returns the URL-decoded path segment i (1 is the first) of the
// request. It reads the escaped path, because Echo hands out parameters
// still escaped or already decoded depending on whether the request path
// needed escaping, and an EPC's Digital Link arrives with escaped slashes.
func pathValue(c echo.Context, i int) (string, error) {
	segs := strings.Split(c.Request().URL.EscapedPath(), "/")
	if i >= len(segs) {
		return "", epcis.Errorf(epcis.KindNoSuchResource, "no such resource")
	}
	v, err := url.PathUnescape(segs[i])
	if err != nil {
		return "", &epcis.Error{Kind: epcis.KindValidation, EventIndex: -1,
			Message: fmt.Sprintf("path segment %d is not correctly URL-encoded", i)}
	}
	return v, nil
}

type valueCursor struct {
	After string `json:"a"`
}

// listingRequest checks the parameters of a paginated listing (perPage,
// nextPageToken, the format parameters and the extra ones named) and
// returns its page size and the identifier forms asked for.
func (s *Server) listingRequest(c echo.Context, extra ...string) (int, *epcis.Translator, error) {
	allowed := append(append([]string{"perPage", "nextPageToken"}, headerParams...), extra...)
	if err := onlyParams(c, allowed...); err != nil {
		return 0, nil, err
	}
	if err := formatsFromQuery(c); err != nil {
		return 0, nil, err
	}
	perPage, err := s.perPage(c)
	if err != nil {
		return 0, nil, err
	}
	tr, err := s.translator(c)
	return perPage, tr, err
}

// writeListing answers one page of a listing as a Collection: the values
// page reads after the page token's position (limit of them, one more
// than a page, to know whether another follows), shown in the forms tr
// asks for, with a Link to the next page.
func (s *Server) writeListing(c echo.Context, tokenKind string, perPage int, tr *epcis.Translator,
	page func(after string, limit int) ([]string, error), show func(string) string) error {
	var cur valueCursor
	if tok := c.QueryParam("nextPageToken"); tok != "" {
		if err := s.tokens.open(tokenKind, tok, &cur); err != nil {
			return badToken()
		}
	}
	vals, err := page(cur.After, perPage+1)
	if err != nil {
		return err
	}
	if len(vals) > perPage {
		vals = vals[:perPage]
		if err := s.nextLink(c, tokenKind, valueCursor{After: vals[perPage-1]}, perPage); err != nil {
			return err
		}
	}
	members := make([]string, len(vals))
	for i, v := range vals {
		members[i] = show(v)
	}
	setFormatHeaders(c.Response().Header(), tr)
	return writeJSON(c, http.StatusOK, collection(members))
}

// listValues is GET /{resource}: the known values, in ascending order,
// paginated.
func (s *Server) listValues(r valueResource) echo.HandlerFunc {
	tokenKind := "values/" + string(r.kind)
	return func(c echo.Context) error {
		perPage, tr, err := s.listingRequest(c)
		if err != nil {
			return err
		}
		return s.writeListing(c, tokenKind, perPage, tr, func(after string, limit int) ([]string, error) {
			return s.pageValues(c, r, after, limit)
		}, func(v string) string { return r.show(tr, v) })
	}
}

// pageValues returns up to limit values of a listing strictly after
// after: the stored ones merged with the standard ones, in byte order,
// each once.
func (s *Server) pageValues(c echo.Context, r valueResource, after string, limit int) ([]string, error) {
	kind, err := s.listing(c, r.kind)
	if err != nil {
		return nil, err
	}
	stored, err := s.st.Values(c.Request().Context(), store.ValuePage{Kind: kind, After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	i, _ := slices.BinarySearch(r.standard, after)
	if i < len(r.standard) && r.standard[i] == after {
		i++
	}
	std := r.standard[i:]
	out := make([]string, 0, limit)
	for len(out) < limit && (len(stored) > 0 || len(std) > 0) {
		switch {
		case len(std) == 0 || len(stored) > 0 && stored[0] < std[0]:
			out, stored = append(out, stored[0]), stored[1:]
		case len(stored) == 0 || std[0] < stored[0]:
			out, std = append(out, std[0]), std[1:]
		default: // the same value in both
			out, stored, std = append(out, std[0]), stored[1:], std[1:]
		}
	}
	return out, nil
}

// nextLink sets the Link and GS1-Next-Page-Token-Expires headers of a page
// that has a successor.
func (s *Server) nextLink(c echo.Context, kind string, cursor any, perPage int) error {
	tok, exp, err := s.tokens.sign(kind, cursor, pageTokenTTL)
	if err != nil {
		return err
	}
	q := url.Values{"nextPageToken": {tok}, "perPage": {strconv.Itoa(perPage)}}
	for k, v := range c.Request().URL.Query() {
		if slices.Contains(headerParams, k) {
			q[k] = v // formats asked for in the query string hold on every page
		}
	}
	h := c.Response().Header()
	h.Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, c.Request().URL.EscapedPath(), q.Encode()))
	h.Set("GS1-Next-Page-Token-Expires", exp.Format(time.RFC3339))
	return nil
}

func badToken() error {
	return &epcis.Error{Kind: epcis.KindQueryParameter, Param: "nextPageToken", EventIndex: -1, Message: errBadToken.Error()}
}

// listing is the value listing of kind k the caller may read: every
// owner's, or the one of the only owner whose events it sees, so that a
// party's /epcs never shows another's EPCs.
func (s *Server) listing(c echo.Context, k store.ValueKind) (store.ValueKind, error) {
	return listingKind(k, s.visibleOwners(c))
}

func listingKind(k store.ValueKind, owners []string) (store.ValueKind, error) {
	switch len(owners) {
	case 0:
		if owners == nil {
			return k, nil
		}
		return store.OwnedValueKind(k, "\x00"), nil // no owner: an empty listing
	case 1:
		return store.OwnedValueKind(k, owners[0]), nil
	}
	// Listings are kept per owner; a caller seeing several owners would
	// need their union, which no visibility rule asks for yet.
	return "", epcis.Errorf(epcis.KindInternal, "value listings for callers seeing several parties are not implemented")
}

// lookupValue reads the {value} segment of a value resource's path and
// returns its stored form, or a NoSuchResourceException when no event has
// it and it is not one of the standard values.
func (s *Server) lookupValue(c echo.Context, r valueResource) (string, error) {
	raw, err := pathValue(c, 2)
	if err != nil {
		return "", err
	}
	v := r.canonical(raw)
	if _, std := slices.BinarySearch(r.standard, v); std {
		return v, nil
	}
	if v != "" {
		kind, err := s.listing(c, r.kind)
		if err != nil {
			return "", err
		}
		ok, err := s.st.HasValue(c.Request().Context(), store.Value{Kind: kind, Value: v})
		if err != nil {
			return "", err
		}
		if ok {
			return v, nil
		}
	}
	return "", epcis.Errorf(epcis.KindNoSuchResource, "no %s %q is known to this repository", r.noun, safeName(raw))
}

// getValue is GET /{resource}/{value}: the value's sub-resources (for
// HATEOAS discovery), which are its events.
func (s *Server) getValue(r valueResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := s.lookupValue(c, r); err != nil {
			return err
		}
		if err := onlyParams(c); err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, collection([]string{"events"}))
	}
}

// valueEvents is GET /{resource}/{value}/events: the standard query for
// the value (eventType, MATCH_anyEPC or MATCH_anyEPCClass, EQ_bizStep,
// EQ_bizLocation, EQ_readPoint, EQ_disposition), combined with whatever
// query parameters the request adds. Both must hold.
func (s *Server) valueEvents(r valueResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := s.lookupValue(c, r)
		if err != nil {
			return err
		}
		return s.serveQuery(c, nil, nil, func(q *query.Query) error { return restrict(q, r.kind, v) })
	}
}

// restrict adds to q the restriction "the event has value v" of a value
// resource, as a conjunction with what q already asks.
//
// The fields of eventType, bizStep, disposition, readPoint and bizLocation
// hold at most one value per event, so "one of the client's list, and v"
// is "v" when the list admits v and nothing otherwise. An event has many
// EPCs, so with MATCH_anyEPC (or MATCH_anyEPCClass for a class) the
// conjunction is "v" only when v itself satisfies the client's values;
// otherwise it asks for events carrying v and another EPC together, which
// one SimpleEventQuery cannot express, and is refused.
func restrict(q *query.Query, kind store.ValueKind, v string) error {
	switch kind {
	case store.ValueEventType:
		narrow(q, &q.EventTypes, v)
	case store.ValueBizStep:
		narrow(q, &q.BizSteps, v)
	case store.ValueDisposition:
		narrow(q, &q.Dispositions, v)
	case store.ValueReadPoint:
		narrow(q, &q.ReadPoints, v)
	case store.ValueBizLocation:
		narrow(q, &q.BizLocations, v)
	case store.ValueEPC:
		m, err := query.ParseIDMatch(v)
		if err != nil {
			return err
		}
		// Does v itself satisfy the client's values? Ask the reference
		// matcher, with an event that carries only v.
		var probe epcis.Event
		var only query.Query
		list, param := &q.AnyEPC, "MATCH_anyEPC"
		if isClass(v) {
			list, param = &q.AnyEPCClass, "MATCH_anyEPCClass"
			probe.QuantityList = []epcis.Quantity{{EPCClass: v}}
			only.AnyEPCClass = *list
		} else {
			probe.EPCList = []string{v}
			only.AnyEPC = *list
		}
		if len(*list) > 0 && !query.Match(&only, &probe, time.Time{}, nil) {
			return paramError(param, "none of its values is the EPC of this resource; events carrying both cannot be asked for here (use GET /events with MATCH_ parameters)")
		}
		*list = []query.IDMatch{m}
	default:
		return fmt.Errorf("api: no restriction for value kind %q", kind)
	}
	return nil
}

// narrow restricts a single-valued field to v. When the client's values
// exclude v no event can match, and the query is given an empty eventTime
// interval, which says so exactly and which the store answers from its
// time index at once.
func narrow(q *query.Query, list *[]string, v string) {
	if len(*list) > 0 && !slices.Contains(*list, v) {
		t := time.Unix(0, 0).UTC()
		q.EventTime = query.TimeRange{GE: t, LT: t}
	}
	*list = []string{v}
}
