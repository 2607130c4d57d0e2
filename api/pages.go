package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/eventhash"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/query/lot"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/web"
)

// Pages for people (issue 16, package web) under /ui/. They read through
// the same paths as the API (readers, redaction, lot.History/Trace/Recall
// in-process) and authenticate the same way, with one addition: a browser
// cannot send a Bearer header when it follows a link, so the login form
// keeps the key in a cookie that only /ui/ pages accept (see
// docs/decisions/0014-web-pages-take-the-key-from-a-cookie.md).

// KeyCookie is the cookie the login form sets.
const KeyCookie = "lotline_key"

// cookieAuthKey marks a request authenticated by KeyCookie.
const cookieAuthKey = "lotline.cookieAuth"

// pagesPrefix is where the pages live.
const pagesPrefix = "/ui"

// isPagePath tells the page routes and unknown paths under /ui/.
func isPagePath(p string) bool { return p == pagesPrefix || strings.HasPrefix(p, pagesPrefix+"/") }

// openPagePath lists the pages answered without credentials.
func openPagePath(p string) bool { return p == "/ui/login" || p == web.StaticPrefix+"*" }

// pageRoutes registers the pages.
func (s *Server) pageRoutes(e *echo.Echo) {
	e.GET(web.StaticPrefix+"*", echo.WrapHandler(web.Static()))
	e.GET("/ui", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/ui/") })
	e.GET("/ui/", s.pageSearch)
	e.GET("/ui/search", s.pageSearch)
	e.GET("/ui/login", s.pageLogin)
	e.POST("/ui/login", s.postLogin)
	e.POST("/ui/logout", s.postLogout)
	e.GET("/ui/lots/:lot", s.pageLot)
	e.GET("/ui/lots/:lot/recall", s.pageRecall)
	e.GET("/ui/events/:eventID", s.pageEvent)
	e.GET("/ui/ids/:id", s.pageID)
	e.Any("/ui/*", func(c echo.Context) error { return epcis.Errorf(epcis.KindNoSuchResource, "no such page") })
}

// browserRoot sends a browser that opens / to the pages: a GET whose
// Accept names HTML before anything else.
func (s *Server) browserRoot(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.Path == "/" && r.Method == http.MethodGet && prefersHTML(r.Header.Get("Accept")) {
			return c.Redirect(http.StatusSeeOther, "/ui/")
		}
		return next(c)
	}
}

// prefersHTML reports whether the first media range of an Accept header
// is HTML, as a browser's navigation sends it.
func prefersHTML(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	mt, _, _ := strings.Cut(first, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// pageCredentials returns the Authorization a page request carries: its
// header, or else the login cookie as a Bearer credential.
func pageCredentials(c echo.Context) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		return h
	}
	if ck, err := c.Request().Cookie(KeyCookie); err == nil && ck.Value != "" {
		c.Set(cookieAuthKey, true)
		return "Bearer " + ck.Value
	}
	return ""
}

// toLogin answers a page request without valid credentials: a redirect
// to the login form, which comes back to the page.
func toLogin(c echo.Context, msg string) error {
	q := url.Values{"next": {c.Request().URL.RequestURI()}}
	if msg != "" {
		q.Set("error", msg)
	}
	if _, err := c.Request().Cookie(KeyCookie); err == nil {
		clearKeyCookie(c)
	}
	return c.Redirect(http.StatusSeeOther, "/ui/login?"+q.Encode())
}

func setKeyCookie(c echo.Context, key string) {
	c.SetCookie(&http.Cookie{Name: KeyCookie, Value: key, Path: pagesPrefix + "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Request().TLS != nil})
}

func clearKeyCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: KeyCookie, Value: "", Path: pagesPrefix + "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Request().TLS != nil})
}

// frame is what every page shows around its content.
func (s *Server) frame(c echo.Context, title string, body any) *web.Page {
	p := &web.Page{Title: title, Now: time.Now(), Body: body}
	if pr, ok := principal(c); ok {
		p.Party = pr.Party
	}
	p.SignedIn, _ = c.Get(cookieAuthKey).(bool)
	return p
}

// render answers a page. Pages carry what the caller's key may read: no
// caching, no framing, no scripts.
func (s *Server) render(c echo.Context, status int, name string, p *web.Page) error {
	var b bytes.Buffer
	if err := web.Render(&b, name, p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(status, b.Bytes())
}

// renderError answers a failed page request with an error page carrying
// the problem's status, title and detail.
func (s *Server) renderError(c echo.Context, p Problem) {
	if p.Status == http.StatusUnauthorized && c.Request().Method == http.MethodGet {
		if err := toLogin(c, p.Detail); err != nil {
			s.log.Debug("redirect to login", "err", err)
		}
		return
	}
	detail := p.Detail
	if p.Parameter != "" {
		detail += " (" + p.Parameter + ")"
	}
	if err := s.render(c, p.Status, "error", s.frame(c, p.Title, web.ErrorView{Status: p.Status, Title: p.Title, Detail: detail})); err != nil {
		s.log.Error("render error page", "err", err)
		c.Response().WriteHeader(p.Status)
	}
}

// sameOrigin refuses a form post from another site (login CSRF): a
// browser sends Origin on every POST.
func sameOrigin(c echo.Context) error {
	o := c.Request().Header.Get("Origin")
	if o == "" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Host != c.Request().Host {
		return epcis.Errorf(epcis.KindForbidden, "the form was posted from another site")
	}
	return nil
}

// safeNext keeps a login's return address on the pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, pagesPrefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/ui/"
	}
	return next
}

func (s *Server) pageLogin(c echo.Context) error {
	v := web.LoginView{Next: safeNext(c.QueryParam("next")), Error: c.QueryParam("error")}
	if s.cfg.Auth == nil {
		return c.Redirect(http.StatusSeeOther, v.Next)
	}
	return s.render(c, http.StatusOK, "login", s.frame(c, "Sign in", v))
}

// postLogin checks the key of the login form as the API checks a Bearer
// credential, counting failures against the same budget, and keeps it in
// KeyCookie.
func (s *Server) postLogin(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	v := web.LoginView{Next: safeNext(c.FormValue("next"))}
	a := s.cfg.Auth
	if a == nil {
		return c.Redirect(http.StatusSeeOther, v.Next)
	}
	key := strings.TrimSpace(c.FormValue("key"))
	h := "Bearer " + key
	req := c.Request()
	keyID := auth.PresentedKeyID(h)
	names := failureNames(req.RemoteAddr, keyID)
	if vd, over := s.limits.failuresExhausted(names); over {
		c.Set(authFailureKey, keyID)
		c.Response().Header().Set("Retry-After", seconds(vd.retry))
		v.Error = "too many failed sign-ins from this client or for this key; retry later"
		return s.render(c, http.StatusTooManyRequests, "login", s.frame(c, "Sign in", v))
	}
	p, err := a.Authenticate(req.Context(), h)
	switch {
	case errors.Is(err, auth.ErrInvalid) || key == "":
		s.limits.failed(names)
		c.Set(authFailureKey, keyID)
		s.log.Info("page sign-in failed", "remote", req.RemoteAddr, "keyID", keyID, "reason", err)
		v.Error = "invalid key"
		return s.render(c, http.StatusUnauthorized, "login", s.frame(c, "Sign in", v))
	case err != nil:
		return &epcis.Error{Kind: epcis.KindUnavailable, Message: "the credential store is not reachable", EventIndex: -1, Err: err}
	case p.Role == auth.RoleOperator:
		v.Error = "an operator key manages keys and sharing rules; it reads no events, so it opens no pages"
		return s.render(c, http.StatusForbidden, "login", s.frame(c, "Sign in", v))
	}
	setKeyCookie(c, key)
	return c.Redirect(http.StatusSeeOther, v.Next)
}

func (s *Server) postLogout(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	clearKeyCookie(c)
	if s.cfg.Auth == nil {
		return c.Redirect(http.StatusSeeOther, "/ui/")
	}
	return c.Redirect(http.StatusSeeOther, "/ui/login")
}

// pageSearch is the search box, and where it sends its answer.
func (s *Server) pageSearch(c echo.Context) error {
	q, gtin, lotNo := c.QueryParam("q"), c.QueryParam("gtin"), c.QueryParam("lot")
	var v web.SearchView
	status := http.StatusOK
	if q != "" || gtin != "" || lotNo != "" {
		t, err := web.ParseSearch(q, gtin, lotNo)
		if err == nil {
			if t.Kind == web.TargetLot {
				return c.Redirect(http.StatusSeeOther, web.LotPath(t.EPC.Canonical()))
			}
			return c.Redirect(http.StatusSeeOther, "/ui/ids/"+url.PathEscape(t.EPC.Canonical()))
		}
		v.Error, status = err.Error(), http.StatusBadRequest
	}
	kind, err := s.listing(c, store.ValueLot)
	if err != nil {
		return err
	}
	if v.Lots, err = s.st.Values(c.Request().Context(), store.ValuePage{Kind: kind, Prefix: "https://id.gs1.org/01/", Limit: 100}); err != nil {
		return err
	}
	p := s.frame(c, "Search", v)
	p.Q = q
	return s.render(c, status, "search", p)
}

// pageLotReaders reads the {lot} of /ui/lots/{lot} and the caller's
// readers.
func (s *Server) pageLotReaders(c echo.Context) (lot.ID, store.Readers, error) {
	raw, err := pathValue(c, 3)
	if err != nil {
		return lot.ID{}, store.Readers{}, err
	}
	id, err := lot.Parse(raw)
	if err != nil {
		return lot.ID{}, store.Readers{}, err
	}
	readers, err := s.readers(c)
	return id, readers, err
}

// traceFor is the genealogy the pages draw, or why there is none.
func (s *Server) traceFor(c echo.Context, id lot.ID, readers store.Readers) (*lot.Graph, string, error) {
	g, err := lot.Trace(c.Request().Context(), s.st, id, lot.TraceOptions{Direction: lot.Both, Depth: defaultTraceDepth,
		Options: s.lotOptions(readers)})
	var ee *epcis.Error
	if errors.As(err, &ee) && ee.Kind != epcis.KindInternal && ee.Kind != epcis.KindUnavailable {
		return nil, "No genealogy: " + ee.Message, nil
	}
	return g, "", err
}

// pageLot is the lot's batch record, as GET /lots/{lot}/history answers
// it, with its genealogy drawn.
func (s *Server) pageLot(c echo.Context) error {
	id, readers, err := s.pageLotReaders(c)
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
	v := web.LotView{Record: rec, Readings: map[string][]web.Reading{}}
	for i, e := range evs {
		if e != rec.Events[i] {
			v.Withheld++
		}
		if rec.Entries[i].SensorData {
			if r := sensorReadings(e.Body); len(r) > 0 {
				v.Readings[e.EventID] = r
			}
		}
	}
	v.Extra = web.Extra(rec, "lot", "gtin", "lotNumber", "units", "containers", "releaseStatus", "groups", "entries", "family", "balance")
	v.ExtraGroups = web.Extra(rec.Groups, "materialsConsumed", "processSteps", "inspections", "deviations", "release", "shipments", "containers")
	g, why, err := s.traceFor(c, id, readers)
	if err != nil {
		return err
	}
	v.TraceError = why
	v.Picture = web.DrawGraph(g, nil, web.NodeLink)
	return s.render(c, http.StatusOK, "lot", s.frame(c, "Batch record of lot "+rec.LotNumber+" (GTIN "+rec.GTIN+")", v))
}

// sensorReadings lists the sensor reports of a stored event body.
func sensorReadings(body []byte) []web.Reading {
	var ev struct {
		Sensors []struct {
			Meta struct {
				Time      string `json:"time"`
				StartTime string `json:"startTime"`
				EndTime   string `json:"endTime"`
			} `json:"sensorMetadata"`
			Reports []map[string]any `json:"sensorReport"`
		} `json:"sensorElementList"`
	}
	if json.Unmarshal(body, &ev) != nil {
		return nil
	}
	var out []web.Reading
	for _, se := range ev.Sensors {
		when := se.Meta.Time
		if se.Meta.StartTime != "" {
			when = se.Meta.StartTime + " – " + se.Meta.EndTime
		}
		for _, r := range se.Reports {
			str := func(k string) string {
				if v, ok := r[k]; ok && v != nil {
					if s, ok := v.(string); ok {
						return s
					}
					b, _ := json.Marshal(v)
					return string(b)
				}
				return ""
			}
			rd := web.Reading{Type: str("type"), Value: str("value"), UOM: str("uom"), Time: when}
			if rd.Value == "" {
				rd.Value = cmp.Or(str("stringValue"), str("booleanValue"), str("hexBinaryValue"), str("uriValue"),
					joinNonEmpty(str("minValue"), str("maxValue")))
			}
			if t := str("time"); t != "" {
				rd.Time = t
			}
			out = append(out, rd)
		}
	}
	return out
}

func joinNonEmpty(lo, hi string) string {
	if lo == "" && hi == "" {
		return ""
	}
	return lo + " – " + hi
}

// pageRecall is the recall of a lot: its affected set highlighted in the
// genealogy, the other lots of the product and the critical tracking
// events, as GET /lots/{lot}/recall answers them.
func (s *Server) pageRecall(c echo.Context) error {
	id, readers, err := s.pageLotReaders(c)
	if err != nil {
		return err
	}
	r, err := lot.Recall(c.Request().Context(), s.st, id, lot.RecallOptions{Depth: defaultTraceDepth, Options: s.lotOptions(readers)})
	if err != nil {
		return err
	}
	v := web.RecallView{Result: r}
	v.Extra = web.Extra(r, "lot", "gtin", "lotNumber", "affected", "sameProduct", "othersNotAssessed", "events", "family", "balance")
	g, why, err := s.traceFor(c, id, readers)
	if err != nil {
		return err
	}
	v.TraceError = why
	marked := map[string]bool{r.Lot: true}
	a := r.Affected
	for _, list := range [][]lot.AffectedNode{a.Lots, a.Items, a.Containers, a.Locations, a.Parties} {
		for _, n := range list {
			marked[n.ID] = true
		}
	}
	v.Picture = web.DrawGraph(g, marked, web.NodeLink)
	return s.render(c, http.StatusOK, "recall", s.frame(c, "Recall of lot "+r.LotNumber+" (GTIN "+r.GTIN+")", v))
}

// pageEvent is one event in full, as GET /events/{eventID} gives it to
// the caller, with its canonical hash and any error declaration.
func (s *Server) pageEvent(c echo.Context) error {
	id, err := pathValue(c, 3)
	if err != nil {
		return err
	}
	evs, err := s.visibleEventsByID(c, id)
	if err != nil {
		return err
	}
	if evs, err = s.redactEvents(c, evs); err != nil {
		return err
	}
	main := evs[0]
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(main.Body))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return err
	}
	v := web.EventView{EventID: main.EventID, Type: main.Type, EventTime: main.EventTime, JSON: web.Indent(main.Body)}
	if h, err := eventhash.Hash(fields, eventhash.ContextNamespaces(fields["@context"])); err != nil {
		v.HashError = err.Error()
	} else {
		v.Hash = h
	}
	if w, ok := fields[WithheldIRI].([]any); ok {
		for _, x := range w {
			if s, ok := x.(string); ok {
				v.Withheld = append(v.Withheld, s)
			}
		}
		if v.Hash != "" {
			v.Hash += " (of the event as shared with this party)"
		}
	}
	delete(fields, WithheldIRI)
	delete(fields, "@context")
	v.Fields = fields
	for _, e := range evs {
		var d struct {
			ED          any    `json:"errorDeclaration"`
			BizStep     string `json:"bizStep"`
			Disposition string `json:"disposition"`
		}
		_ = json.Unmarshal(e.Body, &d)
		if d.ED != nil && v.ErrorDeclaration == nil {
			v.ErrorDeclaration = d.ED
		}
		if e != main {
			v.Others = append(v.Others, web.EventRow{EventID: e.EventID, Type: e.Type, EventTime: e.EventTime, Declared: d.ED != nil})
		}
	}
	return s.render(c, http.StatusOK, "event", s.frame(c, main.Type+" "+main.EventTime.Format(time.RFC3339), v))
}

// maxIDEvents bounds the events the page of an SGTIN or SSCC lists.
const maxIDEvents = 200

// pageID lists the events naming an SGTIN or SSCC (MATCH_anyEPC), and the
// lots the ILMD of a unit's events names.
func (s *Server) pageID(c echo.Context) error {
	raw, err := pathValue(c, 3)
	if err != nil {
		return err
	}
	epc, err := gs1.ParseEPC(raw)
	if err != nil || (epc.Scheme != gs1.SGTIN && epc.Scheme != gs1.SSCC) || epc.IsClass() {
		return epcis.Errorf(epcis.KindNoSuchResource, "not an SGTIN or SSCC: %q", safeName(raw))
	}
	canon := epc.Canonical()
	q, err := query.Parse(url.Values{"MATCH_anyEPC": {canon}, "perPage": {strconv.Itoa(maxIDEvents)}},
		query.ParseOptions{DefaultPerPage: maxIDEvents, MaxPerPage: maxIDEvents})
	if err != nil {
		return err
	}
	readers, err := s.readers(c)
	if err != nil {
		return err
	}
	page, err := s.engine.Page(c.Request().Context(), q, readers, nil)
	if err != nil {
		return err
	}
	if len(page.Events) == 0 {
		return epcis.Errorf(epcis.KindNoSuchResource, "no event this key may read names %s", canon)
	}
	evs, err := s.redactEvents(c, page.Events)
	if err != nil {
		return err
	}
	v := web.IDView{ID: canon, Kind: string(epc.Scheme), More: page.Next != nil}
	seen := map[string]bool{}
	for _, e := range evs {
		var d struct {
			ED          any            `json:"errorDeclaration"`
			BizStep     string         `json:"bizStep"`
			Disposition string         `json:"disposition"`
			ILMD        map[string]any `json:"ilmd"`
		}
		_ = json.Unmarshal(e.Body, &d)
		v.Events = append(v.Events, web.EventRow{EventID: e.EventID, Type: e.Type, EventTime: e.EventTime,
			BizStep: shortCBV(d.BizStep), Disposition: shortCBV(d.Disposition), Declared: d.ED != nil})
		if epc.Scheme != gs1.SGTIN {
			continue
		}
		for k, x := range d.ILMD {
			if ln, ok := x.(string); ok && (k == "cbvmda:lotNumber" || strings.HasSuffix(k, "/lotNumber") || k == "lotNumber") {
				if l, err := gs1.NewEPC(gs1.LGTIN, epc.GTIN(), ln); err == nil && !seen[l.Canonical()] {
					seen[l.Canonical()] = true
					v.Lots = append(v.Lots, l.Canonical())
				}
			}
		}
	}
	return s.render(c, http.StatusOK, "id", s.frame(c, strings.ToUpper(string(epc.Scheme))+" "+canon, v))
}

// shortCBV is a CBV term's bare name.
func shortCBV(s string) string {
	for _, p := range []string{"https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:"} {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}
