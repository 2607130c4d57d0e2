// Package api is Lotline's HTTP interface: the EPCIS 2.0 REST binding
// (capture, events, capture jobs, discovery) plus health and metrics
// endpoints, on Echo. Handlers are thin: they decode requests, call the
// capture service or the store, and encode the answer; one error handler
// turns every error into an application/problem+json answer whose type is
// the EPCIS exception.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query/engine"
	"github.com/lotline/lotline/redact"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/subscribe"
)

// Versions this server speaks.
const (
	EPCISVersion = "2.0.0"
	CBVVersion   = "2.0.0"
)

// Config is the HTTP layer's configuration.
type Config struct {
	// MaxBodyBytes bounds a capture request body, compressed and
	// decompressed alike (GS1-EPCIS-Capture-File-Size-Limit).
	MaxBodyBytes int64
	// MaxEventBytes bounds a POST /events body.
	MaxEventBytes int64
	// JSON bounds nesting, strings and lists of request documents.
	JSON epcis.JSONLimits
	// XML bounds depth, elements, text and attributes of XML request
	// documents (zero fields: epcisxml.DefaultLimits).
	XML epcisxml.Limits
	// Owner is the party recorded on captured data in open single-party
	// mode.
	Owner string
	// Vendor is sent in GS1-Vendor-Version.
	Vendor string
	// TokenSecret signs page tokens.
	TokenSecret []byte
	// CaptureSlots bounds how many capture requests are decoded and
	// validated at once, and so the memory a burst of large documents can
	// take; further requests wait for a slot.
	CaptureSlots int
	// DefaultPerPage and MaxPerPage bound list pages.
	DefaultPerPage, MaxPerPage int
	// Query bounds the work of one query request (zero fields: defaults).
	Query engine.Config
	// Engine, when set, runs queries (Query is then unused); the caller
	// shares it with capture to drop its master-data cache on capture.
	Engine *engine.Engine
	// Prefixes gives GS1 Company Prefix lengths for answers in EPC URN form
	// (GS1-EPC-Format: Always_EPC_URN). May be nil.
	Prefixes *gs1.PrefixTable
	// Ready reports whether the server can take traffic (readyz).
	Ready func(ctx context.Context) error
	// Subscriptions serves webhook subscriptions and WebSocket streams
	// (see NewSubscriptions); nil answers them with 503.
	Subscriptions *subscribe.Service
	// Auth, when set, authenticates callers once it requires credentials
	// (see api/auth.go); nil is open single-party mode, everything owned
	// by Owner.
	Auth *auth.Authenticator
	// Audit, when set, records every authenticated request and serves a
	// party its records at GET /audit (see api/auth_audit.go).
	Audit *AuditLog
	// Confidential names the fields withheld from a party reading another
	// party's events (see api/redact.go); nil withholds nothing.
	Confidential *redact.Policy
	// Limits rate-limits failed authentications and sets request quotas
	// (api/ratelimit.go).
	Limits RateLimits
	// NoHierarchyInference turns off linking the packaging levels of a
	// production lot by the GTIN indicator-digit convention in the lot
	// answers (lotline serve --infer-hierarchy=false): only master data
	// and events then link them (see query/lot Family).
	NoHierarchyInference bool
}

// DefaultConfig holds the limits documented in docs/server.md.
var DefaultConfig = Config{
	MaxBodyBytes:   64 << 20,
	MaxEventBytes:  1 << 20,
	Owner:          store.LocalOwner,
	Vendor:         "lotline/dev",
	DefaultPerPage: 30,
	MaxPerPage:     1000,
	CaptureSlots:   4,
}

// Server serves the REST binding.
type Server struct {
	cfg     Config
	st      store.Store
	cap     *capture.Service
	log     *slog.Logger
	echo    *echo.Echo
	reg     *prometheus.Registry
	metrics *metrics
	tokens  tokenSigner
	slots   chan struct{} // capture requests being decoded and validated
	engine  *engine.Engine
	sharing *sharing // sharing rules granted to each party (sharing.go)
	limits  *rateLimiters
}

// New builds the HTTP handler. reg receives the server's metrics and is
// served at /metrics; it may be nil.
func New(cfg Config, st store.Store, cs *capture.Service, log *slog.Logger, reg *prometheus.Registry) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultConfig.MaxBodyBytes
	}
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = DefaultConfig.MaxEventBytes
	}
	if cfg.Owner == "" {
		cfg.Owner = DefaultConfig.Owner
	}
	if cfg.Vendor == "" {
		cfg.Vendor = DefaultConfig.Vendor
	}
	if cfg.CaptureSlots <= 0 {
		cfg.CaptureSlots = DefaultConfig.CaptureSlots
	}
	if cfg.DefaultPerPage <= 0 {
		cfg.DefaultPerPage = DefaultConfig.DefaultPerPage
	}
	if cfg.MaxPerPage <= 0 {
		cfg.MaxPerPage = DefaultConfig.MaxPerPage
	}
	if len(cfg.TokenSecret) == 0 {
		cfg.TokenSecret = make([]byte, 32)
		rand.Read(cfg.TokenSecret)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, st: st, cap: cs, log: log, reg: reg, metrics: newMetrics(reg),
		tokens: tokenSigner{secret: cfg.TokenSecret}, slots: make(chan struct{}, cfg.CaptureSlots),
		engine: cfg.Engine, sharing: newSharing(st), limits: newRateLimiters(cfg.Limits)}
	if s.engine == nil {
		s.engine = engine.New(st, cfg.Query)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestID, s.recover, s.observe, s.browserRoot, s.gs1Headers, s.audit, s.authenticate)
	s.routes(e)
	s.echo = e
	return s
}

// HooksFor creates the capture metrics in reg and returns the capture hooks
// that feed them.
func HooksFor(reg *prometheus.Registry) capture.Hooks { return captureHooks(reg) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// resource describes one path of the REST binding: its methods, for Allow
// and OPTIONS.
type resource struct {
	path    string
	methods []string
}

var resources = []resource{
	{"/capture", []string{http.MethodGet, http.MethodPost}},
	{"/capture/:captureID", []string{http.MethodGet}},
	{"/events", []string{http.MethodGet, http.MethodPost}},
	{"/events/:eventID", []string{http.MethodGet}},
}

func (s *Server) routes(e *echo.Echo) {
	e.POST("/capture", s.postCapture)
	e.GET("/capture", s.listJobs)
	e.GET("/capture/:captureID", s.getJob)
	e.POST("/events", s.postEvent)
	e.GET("/events", s.getEvents)
	e.GET("/events/:eventID", s.getEvent)
	e.GET("/audit", s.getAudit)
	s.pageRoutes(e)
	for _, r := range append(append(append(append(s.resourceRoutes(e), s.lotRoutes(e)...), s.subscriptionRoutes(e)...), s.sharingRoutes(e)...), append(s.keyRoutes(e), resources...)...) {
		allow := strings.Join(append(append([]string{}, r.methods...), http.MethodOptions), ", ")
		e.OPTIONS(r.path, func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Allow", allow)
			if isCapturePath(c.Path()) {
				s.captureLimitHeaders(h)
			}
			return c.NoContent(http.StatusNoContent)
		})
	}
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
}

func (s *Server) captureLimitHeaders(h http.Header) {
	h.Set("GS1-EPCIS-Capture-Limit", strconv.Itoa(s.cap.Config().MaxEvents))
	h.Set("GS1-EPCIS-Capture-File-Size-Limit", strconv.FormatInt(s.cfg.MaxBodyBytes, 10))
	// Both rollback and proceed are supported: the OpenAPI's word for that is "all".
	h.Set("GS1-Capture-Error-Behaviour", "all")
}

func (s *Server) readyz(c echo.Context) error {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			return &epcis.Error{Kind: epcis.KindUnavailable, Message: "the store is not reachable", EventIndex: -1, Err: err}
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// requestID gives every request an ID, taken from X-Request-ID when the
// client sent a sane one, and puts it on the response.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < '!' || r > '~' }) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// recover turns a panic in a handler into a 500 problem, logged with the
// request ID, so one bad request never takes the server down.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				e := epcis.Errorf(epcis.KindInternal, "internal error")
				s.log.Error("panic in handler", "requestID", c.Response().Header().Get(echo.HeaderXRequestID), "panic", r)
				err = e
			}
		}()
		return next(c)
	}
}

// gs1Headers announces the versions the server speaks on every answer and
// refuses requests for versions it does not (406).
func (s *Server) gs1Headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("GS1-EPCIS-Version", EPCISVersion)
		h.Set("GS1-EPCIS-Min", EPCISVersion)
		h.Set("GS1-EPCIS-Max", EPCISVersion)
		h.Set("GS1-CBV-Version", CBVVersion)
		h.Set("GS1-CBV-Min", CBVVersion)
		h.Set("GS1-CBV-Max", CBVVersion)
		h.Set("GS1-Vendor-Version", s.cfg.Vendor)
		h.Set("GS1-Extensions", "")
		if c.Request().Method == http.MethodOptions {
			h.Set("GS1-EPC-Format", "Always_GS1_Digital_Link, Always_EPC_URN, Never_Translates, No_Preference")
			h.Set("GS1-CBV-XML-Format", "Always_Web_URI, Always_URN, Never_Translates, No_Preference")
		}
		rh := c.Request().Header
		if err := checkVersion("GS1-EPCIS-Version", rh.Get("GS1-EPCIS-Version"), rh.Get("GS1-EPCIS-Min"), rh.Get("GS1-EPCIS-Max"), EPCISVersion); err != nil {
			return err
		}
		if accept := c.Request().Header.Get("Accept"); !isOpsPath(c.Path()) && !isPagePath(c.Request().URL.Path) && !acceptsJSON(accept) &&
			!(c.Path() == recallPath && acceptsCSV(accept)) && !(answersXML(c.Path()) && acceptsXML(accept)) {
			return &epcis.Error{Kind: epcis.KindNotAcceptable, Param: "Accept", EventIndex: -1,
				Message: "this resource answers in application/ld+json, application/json or application/problem+json" + xmlNote(c.Path())}
		}
		if err := checkVersion("GS1-CBV-Version", rh.Get("GS1-CBV-Version"), rh.Get("GS1-CBV-Min"), rh.Get("GS1-CBV-Max"), CBVVersion); err != nil {
			return err
		}
		return next(c)
	}
}

// isOpsPath tells the operations endpoints, which speak their own formats
// (Prometheus text for /metrics).
func isOpsPath(p string) bool { return p == "/metrics" || p == "/healthz" || p == "/readyz" }

// acceptsJSON reports whether an Accept header admits a JSON answer (an
// absent header admits anything).
func acceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") && !strings.Contains(params, "q=0.") {
			continue // explicitly refused
		}
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "*/*", "application/*", "application/json", "application/ld+json", "application/problem+json":
			return true
		}
	}
	return false
}

// checkVersion refuses a request that asks for a version other than ours,
// or a range that excludes it.
func checkVersion(header, want, lo, hi, ours string) error {
	bad := func(h, v string) error {
		return &epcis.Error{Kind: epcis.KindNotAcceptable, Param: h, EventIndex: -1,
			Message: "this server speaks version " + ours + ", not " + v}
	}
	if want != "" && !sameVersion(want, ours) {
		return bad(header, want)
	}
	if lo != "" && compareVersions(lo, ours) > 0 {
		return bad(strings.Replace(header, "Version", "Min", 1), lo)
	}
	if hi != "" && compareVersions(hi, ours) < 0 {
		return bad(strings.Replace(header, "Version", "Max", 1), hi)
	}
	return nil
}

func sameVersion(a, b string) bool { return compareVersions(a, b) == 0 }

// compareVersions compares dotted versions; missing parts count as 0, so
// "2.0" equals "2.0.0". Garbage compares as unequal and high.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(strings.TrimSpace(a), "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			n, err := strconv.Atoi(pa[i])
			if err != nil || n < 0 {
				return 1
			}
			x = n
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
