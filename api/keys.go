package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// Key management over HTTP, for operator keys only (checkRole; in open
// mode nobody is an operator, so these answer 403: the first key is made
// with lotline keys create).

func (s *Server) keyRoutes(e *echo.Echo) []resource {
	e.GET("/keys", s.listKeys)
	e.POST("/keys", s.createKey)
	e.DELETE("/keys/:id", s.revokeKey)
	return []resource{{"/keys", []string{http.MethodGet, http.MethodPost}}, {"/keys/:id", []string{http.MethodDelete}}}
}

// KeySpec is the body of POST /keys.
type KeySpec struct {
	Party     string `json:"party"`
	Name      string `json:"name,omitempty"`
	Role      string `json:"role,omitempty"`      // "party" (default) or "operator"
	RateLimit int    `json:"rateLimit,omitempty"` // requests per minute; 0: the server's quota
}

// keyView is a key as listed: never its secret.
type keyView struct {
	ID        string `json:"id"`
	Party     string `json:"party"`
	Name      string `json:"name,omitempty"`
	Role      string `json:"role"`
	RateLimit int    `json:"rateLimit,omitempty"`
	CreatedAt string `json:"createdAt"`
	RevokedAt string `json:"revokedAt,omitempty"`
	// Key is the whole key, in the answer to POST /keys only.
	Key string `json:"key,omitempty"`
}

func viewKey(k *store.APIKey) keyView {
	v := keyView{ID: k.ID, Party: k.Party, Name: k.Name, Role: k.Role, RateLimit: k.RateLimit,
		CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if v.Role == auth.RoleParty {
		v.Role = "party"
	}
	if !k.RevokedAt.IsZero() {
		v.RevokedAt = k.RevokedAt.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func (s *Server) keyStore(c echo.Context) (store.KeyStore, error) {
	if !isOperator(c) {
		return nil, epcis.Errorf(epcis.KindForbidden, "managing keys needs an operator key (lotline keys create --role operator)")
	}
	ks, ok := s.st.(store.KeyStore)
	if !ok {
		return nil, epcis.Errorf(epcis.KindNoSuchResource, "this store keeps no API keys")
	}
	return ks, nil
}

// listKeys is GET /keys: every key, revoked ones included.
func (s *Server) listKeys(c echo.Context) error {
	ks, err := s.keyStore(c)
	if err != nil {
		return err
	}
	if err := onlyParams(c); err != nil {
		return err
	}
	keys, err := ks.APIKeys(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]keyView, 0, len(keys))
	for _, k := range keys {
		out = append(out, viewKey(k))
	}
	return writeJSON(c, http.StatusOK, map[string]any{"keys": out})
}

// createKey is POST /keys: a new key, shown once in the answer.
func (s *Server) createKey(c echo.Context) error {
	ks, err := s.keyStore(c)
	if err != nil {
		return err
	}
	var b KeySpec
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return epcis.Invalid("", "the body is not a key request: %v", err)
	}
	party, err := auth.ParseParty(b.Party)
	if err != nil {
		return epcis.Invalid("/party", "%v", err)
	}
	role, err := auth.ParseRole(b.Role)
	if err != nil {
		return epcis.Invalid("/role", "%v", err)
	}
	if b.RateLimit < 0 {
		return epcis.Invalid("/rateLimit", "rateLimit must not be negative")
	}
	if len(b.Name) > 200 {
		return epcis.Invalid("/name", "name is longer than 200 bytes")
	}
	for range 3 { // a clash of 64-bit random IDs is all but impossible; retry anyway
		id, key, digest := auth.NewKey()
		k := &store.APIKey{ID: id, Party: party, Name: b.Name, Hash: digest, Role: role, RateLimit: b.RateLimit}
		err := ks.CreateKey(c.Request().Context(), k)
		var dup *store.DuplicateError
		if errors.As(err, &dup) {
			continue
		}
		if err != nil {
			return err
		}
		v := viewKey(k)
		v.Key = key
		c.Response().Header().Set(echo.HeaderLocation, "/keys/"+id)
		return writeJSON(c, http.StatusCreated, v)
	}
	return errors.New("could not find a free key ID")
}

// revokeKey is DELETE /keys/{id}. Servers refuse the key within the
// authenticator's cache time (auth.DefaultCacheTTL).
func (s *Server) revokeKey(c echo.Context) error {
	ks, err := s.keyStore(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	err = ks.RevokeKey(c.Request().Context(), id, time.Now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		return epcis.Errorf(epcis.KindNoSuchResource, "no key %q", safeName(id))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
