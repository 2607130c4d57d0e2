package store

import (
	"context"
	"time"
)

// SharingRule is an owner's decision to let another party (Grantee) read
// some of its events: those about one of GTINs or Lots (GTIN-14s;
// canonical LGTIN Digital Links), with one of BizSteps (CBV Web URIs),
// within [From, To) by eventTime. Empty lists and zero times do not
// restrict; a rule restricting by neither product nor bizStep shares
// nothing (the API refuses it).
type SharingRule struct {
	ID        string
	Owner     string
	Grantee   string
	GTINs     []string
	Lots      []string
	BizSteps  []string
	From, To  time.Time
	CreatedAt time.Time // set by the store when zero
}

// SharingRuleStore keeps sharing rules.
type SharingRuleStore interface {
	// CreateRule stores a new rule (its ID is the caller's).
	CreateRule(ctx context.Context, r *SharingRule) error
	// RulesOf lists the rules an owner defined, oldest first.
	RulesOf(ctx context.Context, owner string) ([]*SharingRule, error)
	// RulesFor lists the rules granting to a party, oldest first.
	RulesFor(ctx context.Context, grantee string) ([]*SharingRule, error)
	// DeleteRule removes an owner's rule; another owner's rule, or an
	// unknown one, is ErrNotFound.
	DeleteRule(ctx context.Context, owner, id string) error
}
