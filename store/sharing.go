package store

import (
	"context"
	"time"
)

// SharingRule is a party's decision to let another party read some of
// its events: those about one of GTINs or Lots (when any is given) with
// one of BizSteps (when any is given) and an eventTime within [From, To)
// (see query.RuleGrant). A rule with no GTIN, lot or business step
// shares nothing.
type SharingRule struct {
	ID      string // set by the caller, unique
	Owner   string // the party whose events are shared, canonical
	Grantee string // the party they are shared with, canonical
	// GTINs are GTIN-14s, Lots canonical LGTIN Digital Links, BizSteps
	// CBV Web URIs (the forms the query layer indexes).
	GTINs, Lots, BizSteps []string
	// From and To bound the events' eventTime; a zero bound is open.
	From, To  time.Time
	CreatedAt time.Time // set by the store when zero
}

// SharingRuleStore keeps sharing rules. Rules are few per party and read
// on every request of a grantee (through the API's cache), so both
// listings are index lookups.
type SharingRuleStore interface {
	// CreateRule stores r; an ID already taken is a *DuplicateError whose
	// UniqueKey is the ID.
	CreateRule(ctx context.Context, r *SharingRule) error
	// RulesOf lists the rules owner defined, oldest first (by CreatedAt,
	// then ID).
	RulesOf(ctx context.Context, owner string) ([]*SharingRule, error)
	// RulesFor lists the rules granting to grantee, in the same order.
	RulesFor(ctx context.Context, grantee string) ([]*SharingRule, error)
	// DeleteRule removes owner's rule id, or returns ErrNotFound when
	// owner has no rule id (another party's rule included).
	DeleteRule(ctx context.Context, owner, id string) error
}
