package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// collSharing holds sharing rules keyed by rule ID, with an index per
// listing: by owner and by grantee, each in creation order.
const collSharing = "sharingrules"

type ruleDoc struct {
	ID        string   `bson:"_id"`
	Owner     string   `bson:"o"`
	Grantee   string   `bson:"g"`
	GTINs     []string `bson:"gt"`
	Lots      []string `bson:"l"`
	BizSteps  []string `bson:"bs"`
	From      int64    `bson:"f"` // 0: open
	To        int64    `bson:"t"` // 0: open
	CreatedAt int64    `bson:"ca"`
}

func (d *ruleDoc) rule() *store.SharingRule {
	nilIfEmpty := func(l []string) []string {
		if len(l) == 0 {
			return nil
		}
		return l
	}
	return &store.SharingRule{ID: d.ID, Owner: d.Owner, Grantee: d.Grantee, GTINs: nilIfEmpty(d.GTINs),
		Lots: nilIfEmpty(d.Lots), BizSteps: nilIfEmpty(d.BizSteps), From: fromNanos(d.From), To: fromNanos(d.To),
		CreatedAt: fromNanos(d.CreatedAt)}
}

var _ store.SharingRuleStore = (*Store)(nil)

func (s *Store) sharingRules() *mongo.Collection { return s.db.Collection(collSharing) }

// CreateRule implements [store.SharingRuleStore]. It creates the
// collection's indexes first (idempotent; rules are created rarely).
func (s *Store) CreateRule(ctx context.Context, r *store.SharingRule) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	c := s.sharingRules()
	for _, field := range []string{"o", "g"} {
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: field, Value: 1}, {Key: "ca", Value: 1}, {Key: "_id", Value: 1}},
		}); err != nil {
			return s.wrap(ctx, "sharing rule index", err)
		}
	}
	_, err := c.InsertOne(ctx, ruleDoc{ID: r.ID, Owner: r.Owner, Grantee: r.Grantee, GTINs: r.GTINs, Lots: r.Lots,
		BizSteps: r.BizSteps, From: nanos(r.From), To: nanos(r.To), CreatedAt: nanos(r.CreatedAt)})
	if mongo.IsDuplicateKeyError(err) {
		return &store.DuplicateError{UniqueKey: r.ID}
	}
	return s.wrap(ctx, "create sharing rule", err)
}

// RulesOf implements [store.SharingRuleStore].
func (s *Store) RulesOf(ctx context.Context, owner string) ([]*store.SharingRule, error) {
	return s.rules(ctx, "o", owner)
}

// RulesFor implements [store.SharingRuleStore].
func (s *Store) RulesFor(ctx context.Context, grantee string) ([]*store.SharingRule, error) {
	return s.rules(ctx, "g", grantee)
}

// rules lists the rules whose field (o or g) is party.
func (s *Store) rules(ctx context.Context, field, party string) ([]*store.SharingRule, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	cur, err := s.sharingRules().Find(ctx, bson.D{{Key: field, Value: party}},
		options.Find().SetSort(bson.D{{Key: "ca", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.wrap(ctx, "list sharing rules", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []*store.SharingRule
	for cur.Next(ctx) {
		var d ruleDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "list sharing rules", err)
		}
		out = append(out, d.rule())
	}
	return out, s.wrap(ctx, "list sharing rules", cur.Err())
}

// DeleteRule implements [store.SharingRuleStore].
func (s *Store) DeleteRule(ctx context.Context, owner, id string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r, err := s.sharingRules().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "o", Value: owner}})
	if err != nil {
		return s.wrap(ctx, "delete sharing rule", err)
	}
	if r.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}
