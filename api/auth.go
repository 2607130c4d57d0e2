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
func openPath(p string) bool { return p == "/healthz" || p == "/readyz" || openPagePath(p) }

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
		page := isPagePath(req.URL.Path)
		if page {
			h = pageCredentials(c) // the login cookie (pages.go)
		}
		keyID := auth.PresentedKeyID(h)
		names := failureNames(req.RemoteAddr, keyID)
		if h != "" {
			// Past its failure budget a client gets no more guesses, not
			// even a right one, until the bucket refills.
			if v, over := s.limits.failuresExhausted(names); over {
				c.Set(authFailureKey, keyID)
				s.log.Warn("authentication rate-limited", "remote", req.RemoteAddr, "keyID", keyID)
				return tooMany(c, v, "too many failed authentications from this client or for this key; retry later")
			}
		}
		p, err := a.Authenticate(req.Context(), h)
		if err == nil {
			c.Set(principalKey, p)
			if err := s.checkRole(c, p); err != nil {
				return err
			}
			if v, applies := s.limits.request(quotaName(p), p.RateLimit); applies {
				quotaHeaders(c, v)
				if !v.ok {
					return tooMany(c, v, "request quota of %d per minute used up", v.limit)
				}
			}
			return next(c)
		}
		if !errors.Is(err, auth.ErrInvalid) {
			return &epcis.Error{Kind: epcis.KindUnavailable, Message: "the credential store is not reachable", EventIndex: -1, Err: err}
		}
		// The client learns only that its credentials failed; the reason
		// (unknown, revoked, expired, wrong issuer...) goes to the log.
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		if h == "" && page {
			return toLogin(c, "")
		}
		if h == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="lotline"`)
			return epcis.Errorf(epcis.KindSecurity, "credentials required: send Authorization: Bearer with an API key or a JWT")
		}
		s.limits.failed(names)
		c.Set(authFailureKey, keyID)
		s.log.Info("authentication failed", "requestID", rid, "method", req.Method, "path", req.URL.Path,
			"remote", req.RemoteAddr, "reason", err)
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="lotline", error="invalid_token"`)
		return epcis.Errorf(epcis.KindSecurity, "invalid credentials")
	}
}

// authFailureKey marks a request whose credentials failed or were
// refused by the failure rate limit; its value is the presented key ID.
// The audit log files such requests under FailedAuthParty.
const authFailureKey = "lotline.authFailure"

// FailedAuthParty is the party the audit log files failed authentications
// under: they have none. An operator reads them at GET /audit.
const FailedAuthParty = ""

// quotaName is the quota bucket of a caller: its key, or its party for a
// JWT.
func quotaName(p auth.Principal) string {
	if p.KeyID != "" {
		return "key:" + p.KeyID
	}
	return "party:" + p.Party
}

// operatorPath lists what an operator's key may call: key and sharing-rule
// management, the audit log, discovery and metrics. Nothing that returns
// events.
func operatorPath(p string) bool {
	switch p {
	case "/keys", "/keys/:id", "/sharing-rules", "/sharing-rules/:id", "/audit", "/", "/metrics":
		return true
	}
	return false
}

// checkRole keeps each role to its paths: an operator reads no events, and
// only an operator manages keys over HTTP.
func (s *Server) checkRole(c echo.Context, p auth.Principal) error {
	path := c.Path()
	switch {
	case p.Role == auth.RoleOperator && !operatorPath(path):
		return epcis.Errorf(epcis.KindForbidden, "an operator key manages keys and sharing rules; it reads and writes no events")
	case p.Role != auth.RoleOperator && isKeysPath(path):
		return epcis.Errorf(epcis.KindForbidden, "managing keys needs an operator key (lotline keys create --role operator)")
	}
	return nil
}

func isKeysPath(p string) bool { return p == "/keys" || p == "/keys/:id" }

// isOperator reports whether the caller signed in with an operator key.
func isOperator(c echo.Context) bool {
	p, ok := principal(c)
	return ok && p.Role == auth.RoleOperator
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
