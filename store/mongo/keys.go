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

// collKeys holds API keys keyed by key ID, so a lookup is the _id index
// and no other index is needed.
const collKeys = "apikeys"

type keyDoc struct {
	ID        string `bson:"_id"`
	Party     string `bson:"p"`
	Name      string `bson:"n"`
	CreatedAt int64  `bson:"ca"`
	RevokedAt int64  `bson:"ra"` // 0 while valid
	Hash      []byte `bson:"h"`
	Role      string `bson:"r,omitempty"`
	RateLimit int    `bson:"q,omitempty"`
}

func (d *keyDoc) key() *store.APIKey {
	return &store.APIKey{ID: d.ID, Party: d.Party, Name: d.Name, CreatedAt: fromNanos(d.CreatedAt),
		RevokedAt: fromNanos(d.RevokedAt), Hash: d.Hash, Role: d.Role, RateLimit: d.RateLimit}
}

var _ store.KeyStore = (*Store)(nil)

func (s *Store) keys() *mongo.Collection { return s.db.Collection(collKeys) }

// CreateKey implements [store.KeyStore].
func (s *Store) CreateKey(ctx context.Context, k *store.APIKey) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	_, err := s.keys().InsertOne(ctx, keyDoc{ID: k.ID, Party: k.Party, Name: k.Name, CreatedAt: nanos(k.CreatedAt),
		RevokedAt: nanos(k.RevokedAt), Hash: k.Hash, Role: k.Role, RateLimit: k.RateLimit})
	if mongo.IsDuplicateKeyError(err) {
		return &store.DuplicateError{UniqueKey: k.ID}
	}
	return s.wrap(ctx, "create key", err)
}

// APIKey implements [store.KeyStore].
func (s *Store) APIKey(ctx context.Context, id string) (*store.APIKey, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var d keyDoc
	err := s.keys().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.wrap(ctx, "get key", err)
	}
	return d.key(), nil
}

// APIKeys implements [store.KeyStore]. Keys are few: sorting them in the
// server is cheap.
func (s *Store) APIKeys(ctx context.Context) ([]*store.APIKey, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	cur, err := s.keys().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "ca", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.wrap(ctx, "list keys", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []*store.APIKey
	for cur.Next(ctx) {
		var d keyDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "list keys", err)
		}
		out = append(out, d.key())
	}
	return out, s.wrap(ctx, "list keys", cur.Err())
}

// RevokeKey implements [store.KeyStore].
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r, err := s.keys().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "ra", Value: int64(0)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ra", Value: nanos(at)}}}})
	if err != nil {
		return s.wrap(ctx, "revoke key", err)
	}
	if r.MatchedCount == 0 {
		// Either unknown or already revoked.
		if _, err := s.APIKey(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// HasKeys implements [store.KeyStore].
func (s *Store) HasKeys(ctx context.Context) (bool, error) {
	if err := s.check(ctx); err != nil {
		return false, err
	}
	err := s.keys().FindOne(ctx, bson.D{}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, s.wrap(ctx, "has keys", err)
	}
	return true, nil
}
