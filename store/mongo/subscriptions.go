package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// collSubscriptions holds one document per subscription, keyed by ID:
// what it is and its progress. Only the holder of its lease writes it.
const collSubscriptions = "subscriptions"

// collSubLeases holds the subscriptions' leases (decision 0019): one
// document per generation of a subscription's lease, keyed
// "{subscriptionID}#{generation}", naming the holder and the expiry. The
// newest generation is the lease. A server takes a free or expired lease
// by inserting the next generation: the unique _id lets exactly one of
// several servers racing for it win, on MongoDB and on FerretDB alike
// (which applies updates as read-then-write, so a conditional update is
// no compare-and-set there). Only the holder updates its generation's
// document (renewal, release), so no two servers ever write one
// document at once.
const collSubLeases = "subscription_leases"

// subLeaseDoc is one generation of a subscription's lease. Until is Unix
// nanoseconds; 0 is a released lease.
type subLeaseDoc struct {
	ID     string `bson:"_id"`
	Sub    string `bson:"s"`
	Gen    int64  `bson:"g"`
	Holder string `bson:"h"`
	Until  int64  `bson:"u"`
}

func leaseID(sub string, gen int64) string { return fmt.Sprintf("%s#%016d", sub, gen) }

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
		LastError: sub.LastError, Attempts: sub.Attempts, DueAt: nanos(sub.DueAt)}
}

func (d *subDoc) subscription() *store.Subscription {
	sc := d.Schedule
	return &store.Subscription{ID: d.ID, QueryName: d.QueryName, Owner: d.Owner, CreatedAt: fromNanos(d.CreatedAt),
		Dest: d.Dest, SignatureToken: d.SignatureToken, Stream: d.Stream,
		Schedule:      store.Schedule{Second: sc.Second, Minute: sc.Minute, Hour: sc.Hour, DayOfMonth: sc.DayOfMonth, Month: sc.Month, DayOfWeek: sc.DayOfWeek},
		ReportIfEmpty: d.ReportIfEmpty, InitialRecordTime: fromNanos(d.InitialRecordTime),
		EPCFormat: d.EPCFormat, CBVFormat: d.CBVFormat,
		Progress: store.Progress{MinRecordTime: fromNanos(d.MinRecordTime), AfterSeq: d.AfterSeq,
			LastNotifiedAt: fromNanos(d.LastNotifiedAt), LastError: d.LastError, Attempts: d.Attempts, DueAt: fromNanos(d.DueAt)}}
}

func (s *Store) subLeases() *mongo.Collection { return s.db.Collection(collSubLeases) }

// withLease sets sub's lease from l (none when l is nil or released).
func withLease(sub *store.Subscription, l *subLeaseDoc) *store.Subscription {
	if l != nil && l.Until != 0 {
		sub.LeaseHolder, sub.LeaseUntil = l.Holder, fromNanos(l.Until)
	}
	return sub
}

// lease returns the newest generation of a subscription's lease, or nil.
func (s *Store) lease(ctx context.Context, id string) (*subLeaseDoc, error) {
	var l subLeaseDoc
	err := s.subLeases().FindOne(ctx, bson.D{{Key: "s", Value: id}},
		options.FindOne().SetSort(bson.D{{Key: "s", Value: 1}, {Key: "g", Value: -1}})).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap(ctx, "read subscription lease", err)
	}
	return &l, nil
}

// leasesOf returns the newest lease generation of each of ids.
func (s *Store) leasesOf(ctx context.Context, ids []string) (map[string]*subLeaseDoc, error) {
	out := map[string]*subLeaseDoc{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.subLeases().Find(ctx, bson.D{{Key: "s", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, s.wrap(ctx, "read subscription leases", err)
	}
	var all []*subLeaseDoc
	if err := cur.All(ctx, &all); err != nil {
		return nil, s.wrap(ctx, "read subscription leases", err)
	}
	for _, l := range all {
		if o := out[l.Sub]; o == nil || l.Gen > o.Gen {
			out[l.Sub] = l
		}
	}
	return out, nil
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
	if err != nil || sub.LeaseHolder == "" {
		return s.wrap(ctx, "create subscription", err)
	}
	// Leases of a deleted subscription of the same ID may linger: the
	// new one starts after them.
	gen := int64(1)
	if l, err := s.lease(ctx, sub.ID); err != nil {
		return err
	} else if l != nil {
		gen = l.Gen + 1
	}
	_, err = s.subLeases().InsertOne(ctx, subLeaseDoc{ID: leaseID(sub.ID, gen), Sub: sub.ID, Gen: gen,
		Holder: sub.LeaseHolder, Until: nanos(sub.LeaseUntil)})
	return s.wrap(ctx, "create subscription lease", err)
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
	l, err := s.lease(ctx, id)
	if err != nil {
		return nil, err
	}
	return withLease(d.subscription(), l), nil
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
	if err := cur.Err(); err != nil {
		return nil, s.wrap(ctx, "list subscriptions", err)
	}
	ids := make([]string, len(out))
	for i, sub := range out {
		ids[i] = sub.ID
	}
	ls, err := s.leasesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, sub := range out {
		withLease(sub, ls[sub.ID])
	}
	return out, nil
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
	return s.dropLeases(ctx, []string{id})
}

// dropLeases removes the leases of deleted subscriptions.
func (s *Store) dropLeases(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.subLeases().DeleteMany(ctx, bson.D{{Key: "s", Value: bson.D{{Key: "$in", Value: ids}}}})
	return s.wrap(ctx, "drop subscription leases", err)
}

// DeleteSubscriptions implements [store.SubscriptionStore].
func (s *Store) DeleteSubscriptions(ctx context.Context, queryName string) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	cur, err := s.subs().Find(ctx, bson.D{{Key: "q", Value: queryName}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, s.wrap(ctx, "delete subscriptions", err)
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return 0, s.wrap(ctx, "delete subscriptions", err)
	}
	r, err := s.subs().DeleteMany(ctx, bson.D{{Key: "q", Value: queryName}})
	if err != nil {
		return 0, s.wrap(ctx, "delete subscriptions", err)
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	return int(r.DeletedCount), s.dropLeases(ctx, ids)
}

// AcquireSubscription implements [store.SubscriptionStore]. The holder
// of a live lease renews it by updating its generation's document;
// anyone takes a free or expired lease by inserting the next generation,
// which exactly one of several racing servers manages.
func (s *Store) AcquireSubscription(ctx context.Context, id, holder string, now, until time.Time) (*store.Subscription, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var d subDoc
	err := s.subs().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.wrap(ctx, "acquire subscription", err)
	}
	l, err := s.lease(ctx, id)
	if err != nil {
		return nil, err
	}
	live := l != nil && l.Until > nanos(now)
	switch {
	case live && l.Holder == holder:
		r, err := s.subLeases().UpdateOne(ctx, bson.D{{Key: "_id", Value: l.ID}, {Key: "h", Value: holder}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "u", Value: nanos(until)}}}})
		if err != nil {
			return nil, s.wrap(ctx, "renew subscription lease", err)
		}
		if r.MatchedCount == 0 {
			return nil, store.ErrLeaseHeld
		}
	case live:
		return nil, store.ErrLeaseHeld
	default:
		gen := int64(1)
		if l != nil {
			gen = l.Gen + 1
		}
		_, err := s.subLeases().InsertOne(ctx, subLeaseDoc{ID: leaseID(id, gen), Sub: id, Gen: gen, Holder: holder, Until: nanos(until)})
		if mongo.IsDuplicateKeyError(err) {
			return nil, store.ErrLeaseHeld // another server took it first
		}
		if err != nil {
			return nil, s.wrap(ctx, "take subscription lease", err)
		}
		// The generations before are history. (Their holders never
		// write them again: they find a newer one.)
		if _, err := s.subLeases().DeleteMany(ctx, bson.D{{Key: "s", Value: id}, {Key: "g", Value: bson.D{{Key: "$lt", Value: gen}}}}); err != nil {
			s.log.Warn("dropping old subscription leases", "subscription", id, "err", err)
		}
		// Read the progress again: the previous holder may have written
		// it between the first read and the takeover.
		if err := s.subs().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
			if errors.Is(err, mongo.ErrNoDocuments) {
				return nil, store.ErrNotFound
			}
			return nil, s.wrap(ctx, "acquire subscription", err)
		}
	}
	sub := d.subscription()
	sub.LeaseHolder, sub.LeaseUntil = holder, fromNanos(nanos(until))
	return sub, nil
}

// heldLease returns the lease generation holder holds live at now (any,
// when now is zero), ErrLeaseHeld when it holds none, ErrNotFound when the
// subscription is gone.
func (s *Store) heldLease(ctx context.Context, id, holder string, now time.Time) (*subLeaseDoc, error) {
	l, err := s.lease(ctx, id)
	if err != nil {
		return nil, err
	}
	if l == nil || l.Holder != holder || l.Until == 0 || (!now.IsZero() && l.Until <= nanos(now)) {
		if _, err := s.Subscription(ctx, id); err != nil {
			return nil, err
		}
		return nil, store.ErrLeaseHeld
	}
	return l, nil
}

// UpdateSubscriptionProgress implements [store.SubscriptionStore]. The
// lease is checked, then the progress written: a holder that stalls
// between the two past its lease may write progress its successor has
// read, which repeats deliveries but loses none (decision 0019).
func (s *Store) UpdateSubscriptionProgress(ctx context.Context, id, holder string, now time.Time, p store.Progress) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if _, err := s.heldLease(ctx, id, holder, now); err != nil {
		return err
	}
	r, err := s.subs().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "mrt", Value: nanos(p.MinRecordTime)}, {Key: "as", Value: p.AfterSeq},
			{Key: "ln", Value: nanos(p.LastNotifiedAt)}, {Key: "le", Value: p.LastError},
			{Key: "at", Value: p.Attempts}, {Key: "due", Value: nanos(p.DueAt)},
		}}})
	if err != nil {
		return s.wrap(ctx, "update subscription", err)
	}
	if r.MatchedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ReleaseSubscription implements [store.SubscriptionStore].
func (s *Store) ReleaseSubscription(ctx context.Context, id, holder string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	l, err := s.heldLease(ctx, id, holder, time.Time{})
	if err != nil {
		return err
	}
	_, err = s.subLeases().UpdateOne(ctx, bson.D{{Key: "_id", Value: l.ID}, {Key: "h", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "u", Value: int64(0)}}}})
	return s.wrap(ctx, "release subscription", err)
}

var _ store.SubscriptionStore = (*Store)(nil)
