package api

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// principalKey is where the authenticate middleware leaves the caller.
const principalKey = "lotline.principal"

// openPath lists the endpoints answered without credentials: liveness and
// readiness carry no data. /metrics is not among them (see
// docs/security.md).
func openPath(p string) bool { return p == "/healthz" || p == "/readyz" }

// authenticate requires credentials once the Authenticator says so (an API
// key exists or a JWT issuer is configured) and records the caller's
// party. Without an Authenticator the server is in open single-party mode.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := s.cfg.Auth
		if a == nil || openPath(c.Path()) {
			return next(c)
		}
		req := c.Request()
		required, err := a.Required(req.Context())
		if err != nil {
			return &epcis.Error{Kind: epcis.KindUnavailable, Message: "the credential store is not reachable", EventIndex: -1, Err: err}
		}
		if !required {
			return next(c)
		}
		h := req.Header.Get(echo.HeaderAuthorization)
		p, err := a.Authenticate(req.Context(), h)
		if err == nil {
			c.Set(principalKey, p)
			return next(c)
		}
		if !errors.Is(err, auth.ErrInvalid) {
			return &epcis.Error{Kind: epcis.KindUnavailable, Message: "the credential store is not reachable", EventIndex: -1, Err: err}
		}
		// The client learns only that its credentials failed; the reason
		// (unknown, revoked, expired, wrong issuer...) goes to the log.
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		if h == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="lotline"`)
			return epcis.Errorf(epcis.KindSecurity, "credentials required: send Authorization: Bearer with an API key or a JWT")
		}
		s.log.Info("authentication failed", "requestID", rid, "method", req.Method, "path", req.URL.Path,
			"remote", req.RemoteAddr, "reason", err)
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="lotline", error="invalid_token"`)
		return epcis.Errorf(epcis.KindSecurity, "invalid credentials")
	}
}

// principal returns the authenticated caller; ok is false in open mode.
func principal(c echo.Context) (auth.Principal, bool) {
	p, ok := c.Get(principalKey).(auth.Principal)
	return p, ok
}

// owner is the party recorded on what the caller creates (events, capture
// jobs, named queries, subscriptions): the authenticated party, or the
// configured local party in open single-party mode.
func (s *Server) owner(c echo.Context) string {
	if p, ok := principal(c); ok {
		return p.Party
	}
	return s.cfg.Owner
}

// visibleOwners returns whose events the caller reads as their owner; the
// value listings ask it (the read paths of events ask readers, which adds
// the grants).
func (s *Server) visibleOwners(c echo.Context) []string {
	return ownersVisibleTo(s.owner(c), s.cfg.Owner)
}

// ownersVisibleTo decides whose events a party may read as their owner;
// nil means all. The local party of open single-party mode sees
// everything stored; another party its own, and (readersOf in sharing.go)
// the events naming it and those its partners' rules grant.
func ownersVisibleTo(party, local string) []string {
	if party == local {
		return nil
	}
	return []string{party}
}

// visibleEvents keeps the events the caller may read (readers): its own,
// those naming it, those shared with it.
func (s *Server) visibleEvents(c echo.Context, evs []*store.Event) ([]*store.Event, error) {
	r, err := s.readers(c)
	if err != nil || r.Owners == nil {
		return evs, err
	}
	out := evs[:0:0]
	for _, e := range evs {
		if admits(r, e) {
			out = append(out, e)
		}
	}
	return out, nil
}
