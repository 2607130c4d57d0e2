package store

import (
	"context"
	"errors"
	"time"
)

// ErrLeaseHeld is returned when another holder's lease on a subscription
// is still live (AcquireSubscription), or when the caller's lease has
// expired or been taken over (UpdateSubscriptionProgress,
// ReleaseSubscription).
var ErrLeaseHeld = errors.New("store: subscription lease held by another server")

// Schedule is a subscription's cron-like schedule as the client gave it:
// each field is the standard's text (a number, a range "[lo-hi]", or a
// comma-separated list of these); an empty field was omitted.
type Schedule struct {
	Second     string `json:"second,omitempty"`
	Minute     string `json:"minute,omitempty"`
	Hour       string `json:"hour,omitempty"`
	DayOfMonth string `json:"dayOfMonth,omitempty"`
	Month      string `json:"month,omitempty"`
	DayOfWeek  string `json:"dayOfWeek,omitempty"`
}

// IsZero reports whether no field is set.
func (s Schedule) IsZero() bool { return s == Schedule{} }

// Progress is how far a subscription's deliveries have got. Only the
// holder of the subscription's lease changes it.
type Progress struct {
	// MinRecordTime: every event recorded before it has been considered
	// (delivered if it matched). It is the GS1-Query-Min-Record-Time.
	MinRecordTime time.Time
	// AfterSeq: every matching event with a Seq up to it (and a
	// recordTime at or after MinRecordTime) has been delivered.
	AfterSeq int64
	// LastNotifiedAt is when the receiver last acknowledged a delivery.
	LastNotifiedAt time.Time
	// LastError describes the last failed delivery; empty after a success.
	LastError string
	// Attempts counts the failed deliveries since the last success.
	Attempts int
	// DueAt is when the subscription should next be served: the retry
	// time after a failure, the next scheduled run, or zero (a stream
	// subscription waiting for events).
	DueAt time.Time
}

// Subscription is a standing query whose results are POSTed to a
// webhook (POST /queries/{name}/subscriptions).
type Subscription struct {
	ID        string
	QueryName string
	Owner     string
	CreatedAt time.Time // set by the store when zero
	// Dest is the webhook URL.
	Dest string
	// SignatureToken is the client's secret that signs deliveries. The
	// store keeps it; the API never shows it.
	SignatureToken string
	// Stream subscriptions are served whenever events are captured;
	// others run on Schedule.
	Stream            bool
	Schedule          Schedule
	ReportIfEmpty     bool
	InitialRecordTime time.Time
	// EPCFormat and CBVFormat are the GS1-EPC-Format and
	// GS1-CBV-XML-Format of the subscribing request, applied to every
	// delivery; empty means the defaults of query answers.
	EPCFormat, CBVFormat string

	Progress

	// LeaseHolder names the server serving the subscription until
	// LeaseUntil; a lease past LeaseUntil is free.
	LeaseHolder string
	LeaseUntil  time.Time
}

// SubscriptionPage asks for at most Limit subscriptions in ID order,
// strictly after After when it is not empty: those of QueryName, or all
// of them when QueryName is empty.
type SubscriptionPage struct {
	QueryName string
	After     string
	Limit     int
}

// SubscriptionStore keeps subscriptions and their progress. Backends
// implement it beside [Store]; the contract suite's Subscriptions test
// checks both.
type SubscriptionStore interface {
	// CreateSubscription stores s with the progress and lease it carries;
	// an ID already taken is a *DuplicateError.
	CreateSubscription(ctx context.Context, s *Subscription) error
	// Subscription returns one subscription, or ErrNotFound.
	Subscription(ctx context.Context, id string) (*Subscription, error)
	// Subscriptions lists one page.
	Subscriptions(ctx context.Context, p SubscriptionPage) ([]*Subscription, error)
	// CountSubscriptions counts the subscriptions of one owner.
	CountSubscriptions(ctx context.Context, owner string) (int, error)
	// DeleteSubscription removes one subscription, or returns ErrNotFound.
	DeleteSubscription(ctx context.Context, id string) error
	// DeleteSubscriptions removes every subscription of a named query and
	// says how many there were.
	DeleteSubscriptions(ctx context.Context, queryName string) (int, error)
	// AcquireSubscription gives holder the lease on a subscription until
	// until, if the lease is free at now or already holder's (a renewal),
	// and returns the subscription as stored; ErrLeaseHeld when another
	// holder's lease is live at now, ErrNotFound when it does not exist.
	AcquireSubscription(ctx context.Context, id, holder string, now, until time.Time) (*Subscription, error)
	// UpdateSubscriptionProgress replaces the progress if holder's lease
	// is live at now (compare-and-set); ErrLeaseHeld if not, ErrNotFound
	// when the subscription is gone.
	UpdateSubscriptionProgress(ctx context.Context, id, holder string, now time.Time, p Progress) error
	// ReleaseSubscription frees holder's lease; ErrLeaseHeld when holder
	// does not hold it.
	ReleaseSubscription(ctx context.Context, id, holder string) error
}
