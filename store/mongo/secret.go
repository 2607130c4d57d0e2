package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/lotline/lotline/store"
)

// collSecrets holds one document per shared secret, keyed by name. The
// first insert wins through the unique _id: a server that loses the race
// gets a duplicate-key error and reads the winner's.
const collSecrets = "secrets"

type secretDoc struct {
	ID    string `bson:"_id"`
	Value []byte `bson:"v"`
}

var _ store.SecretStore = (*Store)(nil)

// Secret implements [store.SecretStore].
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if len(fresh) == 0 {
		return nil, errors.New("mongostore: secret: empty fresh value")
	}
	coll := s.db.Collection(collSecrets)
	var d secretDoc
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&d)
	if err == nil && len(d.Value) > 0 {
		return d.Value, nil
	}
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, s.wrap(ctx, "read secret", err)
	}
	_, err = coll.InsertOne(ctx, secretDoc{ID: name, Value: fresh})
	if err == nil {
		return fresh, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, s.wrap(ctx, "store secret", err)
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&d); err != nil {
		return nil, s.wrap(ctx, "read secret", err)
	}
	return d.Value, nil
}
