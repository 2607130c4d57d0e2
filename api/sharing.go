package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/query/lot"
	"github.com/lotline/lotline/store"
)

// Trading-partner sharing (issue 9, phase 2). A party reads the events it
// captured, the events naming it as owning or possessing party in a
// source or destination list, the events at the locations it owns
// according to master data (query.OwningPartyAttr), and the events its
// partners' sharing rules grant it. The store applies all of it in the query path
// (store.Filter.Grants); readersOf is the one place that says what a
// party may read.

// rulesTTL bounds how long a server keeps a party's granted rules: a rule
// created or deleted on another server of a shared store takes effect
// within it (at once on this one).
const rulesTTL = 5 * time.Second

// sharing caches the rules granting to each party.
type sharing struct {
	st  store.SharingRuleStore // nil when the store keeps no rules
	md  store.MasterDataStore  // nil when it keeps no master data
	mu  sync.Mutex
	got map[string]cachedRules // grantee -> rules
}

type cachedRules struct {
	rules     []*store.SharingRule
	locations []string // terms of the locations the party owns
	at        time.Time
}

func newSharing(st store.Store) *sharing {
	rs, _ := st.(store.SharingRuleStore)
	md, _ := st.(store.MasterDataStore)
	return &sharing{st: rs, md: md, got: map[string]cachedRules{}}
}

// ownedLocations returns the terms of the events at the locations whose
// master data names party as owner (query.OwningPartyAttr), and below
// them.
func (sh *sharing) ownedLocations(ctx context.Context, party string) ([]string, error) {
	if sh.md == nil {
		return nil, nil
	}
	elems, err := sh.md.MasterData(ctx, query.VocabBusinessLocation, query.VocabReadPoint)
	if err != nil {
		return nil, err
	}
	var owned []string
	for _, el := range elems {
		for _, a := range el.Attributes {
			var v string
			if a.ID != query.OwningPartyAttr || json.Unmarshal(a.Value, &v) != nil {
				continue
			}
			if p, err := auth.ParseParty(v); err == nil && p == party && !slices.Contains(owned, el.ID) {
				owned = append(owned, el.ID)
			}
		}
	}
	if len(owned) == 0 {
		return nil, nil
	}
	return query.LocationTerms(query.NewMasterData(elems), owned), nil
}

// grantsOf returns the rules granting to party and the terms of its
// locations, from the cache when fresh.
func (sh *sharing) grantsOf(ctx context.Context, party string) (cachedRules, error) {
	if sh == nil {
		return cachedRules{}, nil
	}
	sh.mu.Lock()
	c, ok := sh.got[party]
	sh.mu.Unlock()
	if ok && time.Since(c.at) < rulesTTL {
		return c, nil
	}
	c = cachedRules{at: time.Now()}
	if sh.st != nil {
		var err error
		if c.rules, err = sh.st.RulesFor(ctx, party); err != nil {
			return cachedRules{}, err
		}
	}
	locs, err := sh.ownedLocations(ctx, party)
	if err != nil {
		return cachedRules{}, err
	}
	c.locations = locs
	sh.mu.Lock()
	if len(sh.got) > 10_000 {
		clear(sh.got) // bounded: parties are few, but keys are not free
	}
	sh.got[party] = c
	sh.mu.Unlock()
	return c, nil
}

// forget drops what is cached for every party, after a rule changed.
func (sh *sharing) forget() {
	if sh != nil {
		sh.mu.Lock()
		clear(sh.got)
		sh.mu.Unlock()
	}
}

// readersOf says what party may read: everything for the open mode's
// local party; otherwise its own events, the events naming it, and those
// its partners' rules grant.
func readersOf(ctx context.Context, sh *sharing, party, local string) (store.Readers, error) {
	r := ownReaders(party, local)
	if r.Owners == nil {
		return r, nil
	}
	g, err := sh.grantsOf(ctx, party)
	if err != nil {
		return store.Readers{}, err
	}
	if len(g.locations) > 0 {
		r.Grants = append(r.Grants, store.Grant{Terms: [][]string{g.locations}})
	}
	for _, rule := range g.rules {
		r.Grants = append(r.Grants, query.RuleGrant(rule))
	}
	return r, nil
}

// ownReaders is what party reads without sharing rules or master data:
// its own events and those naming it (everything for the local party).
func ownReaders(party, local string) store.Readers {
	owners := ownersVisibleTo(party, local)
	if owners == nil {
		return store.Readers{}
	}
	return store.Readers{Owners: owners, Grants: []store.Grant{{Terms: [][]string{query.PartyTerms(party)}}}}
}

// readers is readersOf for the caller.
func (s *Server) readers(c echo.Context) (store.Readers, error) {
	return readersOf(c.Request().Context(), s.sharing, s.owner(c), s.cfg.Owner)
}

// ReadersFor returns the visibility rule for callers without a request
// (the subscription service's Config.Readers) over st, given the local
// party of open mode: the same rule as for requests. A store error while
// reading rules leaves only the party's own events and those naming it.
func ReadersFor(st store.Store, local string) func(party string) store.Readers {
	if local == "" {
		local = DefaultConfig.Owner
	}
	sh := newSharing(st)
	return func(party string) store.Readers {
		r, err := readersOf(context.Background(), sh, party, local)
		if err != nil {
			return ownReaders(party, local)
		}
		return r
	}
}

// admits reports whether the caller may read a stored event (reads by
// eventID, which the store answers without a filter).
func admits(r store.Readers, ev *store.Event) bool {
	if r.Owners == nil || slices.Contains(r.Owners, ev.Owner) {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(ev.Body))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return false
	}
	return r.Admits(ev.Owner, ev.EventTime, query.Terms(epcis.NewEvent(m)))
}

// SharingRuleSpec is a sharing rule as the API (and `lotline share`) takes
// and shows it.
type SharingRuleSpec struct {
	ID        string   `json:"id,omitempty"`
	Grantee   string   `json:"grantee"`
	GTINs     []string `json:"gtins,omitempty"`
	Lots      []string `json:"lots,omitempty"`
	BizSteps  []string `json:"bizSteps,omitempty"`
	From      string   `json:"from,omitempty"`
	To        string   `json:"to,omitempty"`
	CreatedAt string   `json:"createdAt,omitempty"`
}

// RuleView is a stored rule as the API shows it.
func RuleView(r *store.SharingRule) SharingRuleSpec {
	v := SharingRuleSpec{ID: r.ID, Grantee: r.Grantee, GTINs: r.GTINs, Lots: r.Lots, BizSteps: r.BizSteps,
		CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if !r.From.IsZero() {
		v.From = r.From.UTC().Format(time.RFC3339Nano)
	}
	if !r.To.IsZero() {
		v.To = r.To.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// sharingRoutes registers the sharing rules' admin API.
func (s *Server) sharingRoutes(e *echo.Echo) []resource {
	e.POST("/sharing-rules", s.createSharingRule)
	e.GET("/sharing-rules", s.listSharingRules)
	e.DELETE("/sharing-rules/:id", s.deleteSharingRule)
	return []resource{{"/sharing-rules", []string{http.MethodGet, http.MethodPost}}, {"/sharing-rules/:id", []string{http.MethodDelete}}}
}

func (s *Server) ruleStore() (store.SharingRuleStore, error) {
	if s.sharing == nil || s.sharing.st == nil {
		return nil, epcis.Errorf(epcis.KindNoSuchResource, "this store keeps no sharing rules")
	}
	return s.sharing.st, nil
}

// NewSharingRuleID returns a random rule ID (64 bits, hex).
func NewSharingRuleID() string {
	id := make([]byte, 8)
	rand.Read(id) // never fails (crypto/rand)
	return hex.EncodeToString(id)
}

// ruleOwner is the party whose rules a request manages: the caller's own,
// or for an operator the party named by the owner parameter (required:
// an operator owns no events to share).
func (s *Server) ruleOwner(c echo.Context) (string, error) {
	v := c.QueryParam("owner")
	if !isOperator(c) {
		if v != "" {
			if p, err := auth.ParseParty(v); err != nil || p != s.owner(c) {
				return "", epcis.Errorf(epcis.KindForbidden, "only an operator manages another party's sharing rules")
			}
		}
		return s.owner(c), nil
	}
	if v == "" {
		return "", paramError("owner", "an operator names the party whose sharing rules it manages (owner=<PGLN>)")
	}
	p, err := auth.ParseParty(v)
	if err != nil {
		return "", paramError("owner", "%v", err)
	}
	return p, nil
}

// createSharingRule is POST /sharing-rules: the caller shares some of its
// events with another party.
func (s *Server) createSharingRule(c echo.Context) error {
	rs, err := s.ruleStore()
	if err != nil {
		return err
	}
	var b SharingRuleSpec
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return epcis.Invalid("", "the body is not a sharing rule: %v", err)
	}
	r, err := ParseSharingRule(b)
	if err != nil {
		return err
	}
	owner, err := s.ruleOwner(c)
	if err != nil {
		return err
	}
	r.Owner, r.ID = owner, NewSharingRuleID()
	if err := rs.CreateRule(c.Request().Context(), r); err != nil {
		return err
	}
	s.sharing.forget()
	c.Response().Header().Set(echo.HeaderLocation, "/sharing-rules/"+r.ID)
	return writeJSON(c, http.StatusCreated, RuleView(r))
}

// ParseSharingRule checks a rule's body: a grantee party, at least one product
// or business step, valid identifiers and times.
func ParseSharingRule(b SharingRuleSpec) (*store.SharingRule, error) {
	bad := func(ptr, format string, args ...any) error { return epcis.Invalid(ptr, format, args...) }
	grantee, err := auth.ParseParty(b.Grantee)
	if err != nil {
		return nil, bad("/grantee", "grantee: %v", err)
	}
	r := &store.SharingRule{Grantee: grantee}
	for i, g := range b.GTINs {
		e, err := gs1.ParseEPC("https://id.gs1.org/01/" + g)
		if err != nil || len(g) != 14 || strings.ContainsAny(g, "/?#") {
			return nil, bad("/gtins/"+strconv.Itoa(i), "%q is not a GTIN-14 with a valid check digit", g)
		}
		r.GTINs = append(r.GTINs, e.GTIN())
	}
	for i, l := range b.Lots {
		id, err := lot.Parse(l)
		if err != nil {
			return nil, bad("/lots/"+strconv.Itoa(i), "%q is not a lot (an LGTIN class URN or a GS1 Digital Link with a GTIN and a lot)", l)
		}
		r.Lots = append(r.Lots, id.Canonical())
	}
	for i, st := range b.BizSteps {
		u, err := cbv.Normalize(cbv.BizStep, st)
		if err != nil {
			return nil, bad("/bizSteps/"+strconv.Itoa(i), "%q is not a CBV business step or a URI", st)
		}
		r.BizSteps = append(r.BizSteps, u)
	}
	if len(r.GTINs)+len(r.Lots)+len(r.BizSteps) == 0 {
		return nil, bad("", "a sharing rule names at least one GTIN, lot or business step; it never shares everything")
	}
	for _, t := range []struct {
		ptr, s string
		to     *time.Time
	}{{"/from", b.From, &r.From}, {"/to", b.To, &r.To}} {
		if t.s == "" {
			continue
		}
		v, err := epcis.ParseTime(t.s)
		if err != nil {
			return nil, bad(t.ptr, "%q is not a date and time with a time zone", t.s)
		}
		*t.to = v
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return nil, bad("/to", "to must be after from")
	}
	return r, nil
}

// listSharingRules is GET /sharing-rules: the rules the caller defined.
func (s *Server) listSharingRules(c echo.Context) error {
	rs, err := s.ruleStore()
	if err != nil {
		return err
	}
	if err := onlyParams(c, "owner"); err != nil {
		return err
	}
	owner, err := s.ruleOwner(c)
	if err != nil {
		return err
	}
	rules, err := rs.RulesOf(c.Request().Context(), owner)
	if err != nil {
		return err
	}
	out := make([]SharingRuleSpec, 0, len(rules))
	for _, r := range rules {
		out = append(out, RuleView(r))
	}
	return writeJSON(c, http.StatusOK, map[string]any{"rules": out})
}

// deleteSharingRule is DELETE /sharing-rules/{id}; another party's rule is
// the 404 of an unknown one.
func (s *Server) deleteSharingRule(c echo.Context) error {
	rs, err := s.ruleStore()
	if err != nil {
		return err
	}
	id := c.Param("id")
	owner, err := s.ruleOwner(c)
	if err != nil {
		return err
	}
	err = rs.DeleteRule(c.Request().Context(), owner, id)
	if errors.Is(err, store.ErrNotFound) {
		return epcis.Errorf(epcis.KindNoSuchResource, "no sharing rule %q", safeName(id))
	}
	if err != nil {
		return err
	}
	s.sharing.forget()
	return c.NoContent(http.StatusNoContent)
}
