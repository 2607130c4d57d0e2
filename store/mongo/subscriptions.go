package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// collSubscriptions holds one document per subscription, keyed by ID.
//
// The lease and progress are compare-and-set updates: a filter on the
// holder and the lease's expiry, applied by MongoDB atomically to the one
// document. FerretDB (the test double) applies an update by reading and
// writing back the document without checking the filter again (see the
// package doc), so two servers racing for one expired lease there may
// both believe they won; on MongoDB exactly one does.
const collSubscriptions = "subscriptions"

// subDoc is a subscription as stored. Times are Unix nanoseconds.
type subDoc struct {
	ID                string      `bson:"_id"`
	QueryName         string      `bson:"q"`
	Owner             string      `bson:"o"`
	CreatedAt         int64       `bson:"ca"`
	Dest              string      `bson:"d"`
	SignatureToken    string      `bson:"tok"`
	Stream            bool        `bson:"st"`
	Schedule          scheduleDoc `bson:"sc"`
	ReportIfEmpty     bool        `bson:"rie"`
	InitialRecordTime int64       `bson:"irt"`
	EPCFormat         string      `bson:"ef,omitempty"`
	CBVFormat         string      `bson:"cf,omitempty"`
	MinRecordTime     int64       `bson:"mrt"`
	AfterSeq          int64       `bson:"as"`
	LastNotifiedAt    int64       `bson:"ln"`
	LastError         string      `bson:"le"`
	Attempts          int         `bson:"at"`
	DueAt             int64       `bson:"due"`
	LeaseHolder       string      `bson:"lh"`
	LeaseUntil        int64       `bson:"lu"`
}

type scheduleDoc struct {
	Second     string `bson:"s,omitempty"`
	Minute     string `bson:"mi,omitempty"`
	Hour       string `bson:"h,omitempty"`
	DayOfMonth string `bson:"dm,omitempty"`
	Month      string `bson:"mo,omitempty"`
	DayOfWeek  string `bson:"dw,omitempty"`
}

func (s *Store) subs() *mongo.Collection { return s.db.Collection(collSubscriptions) }

func toSubDoc(sub *store.Subscription) subDoc {
	sc := sub.Schedule
	return subDoc{ID: sub.ID, QueryName: sub.QueryName, Owner: sub.Owner, CreatedAt: nanos(sub.CreatedAt),
		Dest: sub.Dest, SignatureToken: sub.SignatureToken, Stream: sub.Stream,
		Schedule:      scheduleDoc{sc.Second, sc.Minute, sc.Hour, sc.DayOfMonth, sc.Month, sc.DayOfWeek},
		ReportIfEmpty: sub.ReportIfEmpty, InitialRecordTime: nanos(sub.InitialRecordTime),
		EPCFormat: sub.EPCFormat, CBVFormat: sub.CBVFormat,
		MinRecordTime: nanos(sub.MinRecordTime), AfterSeq: sub.AfterSeq, LastNotifiedAt: nanos(sub.LastNotifiedAt),
		LastError: sub.LastError, Attempts: sub.Attempts, DueAt: nanos(sub.DueAt),
		LeaseHolder: sub.LeaseHolder, LeaseUntil: nanos(sub.LeaseUntil)}
}

func (d *subDoc) subscription() *store.Subscription {
	sc := d.Schedule
	return &store.Subscription{ID: d.ID, QueryName: d.QueryName, Owner: d.Owner, CreatedAt: fromNanos(d.CreatedAt),
		Dest: d.Dest, SignatureToken: d.SignatureToken, Stream: d.Stream,
		Schedule:      store.Schedule{Second: sc.Second, Minute: sc.Minute, Hour: sc.Hour, DayOfMonth: sc.DayOfMonth, Month: sc.Month, DayOfWeek: sc.DayOfWeek},
		ReportIfEmpty: d.ReportIfEmpty, InitialRecordTime: fromNanos(d.InitialRecordTime),
		EPCFormat: d.EPCFormat, CBVFormat: d.CBVFormat,
		Progress: store.Progress{MinRecordTime: fromNanos(d.MinRecordTime), AfterSeq: d.AfterSeq,
			LastNotifiedAt: fromNanos(d.LastNotifiedAt), LastError: d.LastError, Attempts: d.Attempts, DueAt: fromNanos(d.DueAt)},
		LeaseHolder: d.LeaseHolder, LeaseUntil: fromNanos(d.LeaseUntil)}
}

// CreateSubscription implements [store.SubscriptionStore].
func (s *Store) CreateSubscription(ctx context.Context, sub *store.Subscription) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = time.Now().UTC()
	}
	_, err := s.subs().InsertOne(ctx, toSubDoc(sub))
	if mongo.IsDuplicateKeyError(err) {
		return &store.DuplicateError{UniqueKey: sub.ID}
	}
	return s.wrap(ctx, "create subscription", err)
}

// Subscription implements [store.SubscriptionStore].
func (s *Store) Subscription(ctx context.Context, id string) (*store.Subscription, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var d subDoc
	err := s.subs().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.wrap(ctx, "get subscription", err)
	}
	return d.subscription(), nil
}

// Subscriptions implements [store.SubscriptionStore].
func (s *Store) Subscriptions(ctx context.Context, p store.SubscriptionPage) ([]*store.Subscription, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	filter := bson.D{}
	if p.QueryName != "" {
		filter = append(filter, bson.E{Key: "q", Value: p.QueryName})
	}
	if p.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: p.After}}})
	}
	cur, err := s.subs().Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(p.Limit)))
	if err != nil {
		return nil, s.wrap(ctx, "list subscriptions", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []*store.Subscription
	for cur.Next(ctx) {
		var d subDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "list subscriptions", err)
		}
		out = append(out, d.subscription())
	}
	return out, s.wrap(ctx, "list subscriptions", cur.Err())
}

// CountSubscriptions implements [store.SubscriptionStore].
func (s *Store) CountSubscriptions(ctx context.Context, owner string) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	n, err := s.subs().CountDocuments(ctx, bson.D{{Key: "o", Value: owner}})
	return int(n), s.wrap(ctx, "count subscriptions", err)
}

// DeleteSubscription implements [store.SubscriptionStore].
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r, err := s.subs().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return s.wrap(ctx, "delete subscription", err)
	}
	if r.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// DeleteSubscriptions implements [store.SubscriptionStore].
func (s *Store) DeleteSubscriptions(ctx context.Context, queryName string) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	r, err := s.subs().DeleteMany(ctx, bson.D{{Key: "q", Value: queryName}})
	if err != nil {
		return 0, s.wrap(ctx, "delete subscriptions", err)
	}
	return int(r.DeletedCount), nil
}

// leaseLost tells a missing subscription from a lease held by another.
func (s *Store) leaseLost(ctx context.Context, id string) error {
	if _, err := s.Subscription(ctx, id); err != nil {
		return err
	}
	return store.ErrLeaseHeld
}

// AcquireSubscription implements [store.SubscriptionStore].
func (s *Store) AcquireSubscription(ctx context.Context, id, holder string, now, until time.Time) (*store.Subscription, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "lh", Value: holder}},
		bson.D{{Key: "lh", Value: ""}},
		bson.D{{Key: "lu", Value: bson.D{{Key: "$lte", Value: nanos(now)}}}},
	}}}
	var d subDoc
	err := s.subs().FindOneAndUpdate(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "lh", Value: holder}, {Key: "lu", Value: nanos(until)}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, s.leaseLost(ctx, id)
	}
	if err != nil {
		return nil, s.wrap(ctx, "acquire subscription", err)
	}
	return d.subscription(), nil
}

// UpdateSubscriptionProgress implements [store.SubscriptionStore].
func (s *Store) UpdateSubscriptionProgress(ctx context.Context, id, holder string, now time.Time, p store.Progress) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r, err := s.subs().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "lh", Value: holder}, {Key: "lu", Value: bson.D{{Key: "$gt", Value: nanos(now)}}}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "mrt", Value: nanos(p.MinRecordTime)}, {Key: "as", Value: p.AfterSeq},
			{Key: "ln", Value: nanos(p.LastNotifiedAt)}, {Key: "le", Value: p.LastError},
			{Key: "at", Value: p.Attempts}, {Key: "due", Value: nanos(p.DueAt)},
		}}})
	if err != nil {
		return s.wrap(ctx, "update subscription", err)
	}
	if r.MatchedCount == 0 {
		return s.leaseLost(ctx, id)
	}
	return nil
}

// ReleaseSubscription implements [store.SubscriptionStore].
func (s *Store) ReleaseSubscription(ctx context.Context, id, holder string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r, err := s.subs().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "lh", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lh", Value: ""}, {Key: "lu", Value: int64(0)}}}})
	if err != nil {
		return s.wrap(ctx, "release subscription", err)
	}
	if r.MatchedCount == 0 {
		return s.leaseLost(ctx, id)
	}
	return nil
}

var _ store.SubscriptionStore = (*Store)(nil)
