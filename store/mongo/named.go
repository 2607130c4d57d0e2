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

// queryDoc is a named query in the queries collection, keyed by name.
// The body is kept as binary: it is the client's JSON, whose keys may
// contain '.' or start with '$'.
type queryDoc struct {
	Name      string `bson:"_id"`
	Owner     string `bson:"o"`
	CreatedAt int64  `bson:"ca"`
	Body      []byte `bson:"b"`
}

func (d *queryDoc) query() *store.NamedQuery {
	q := &store.NamedQuery{Name: d.Name, Owner: d.Owner, CreatedAt: fromNanos(d.CreatedAt), Body: d.Body}
	if q.Body == nil {
		q.Body = []byte{}
	}
	return q
}

// CreateQuery implements [store.NamedQueryStore]. It sets q.CreatedAt
// when zero.
func (s *Store) CreateQuery(ctx context.Context, q *store.NamedQuery) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if q == nil || q.Name == "" {
		return errors.New("mongostore: create query: empty name")
	}
	if q.CreatedAt.IsZero() {
		q.CreatedAt = time.Now().UTC()
	}
	body := q.Body
	if body == nil {
		body = []byte{}
	}
	_, err := s.queries.InsertOne(ctx, queryDoc{Name: q.Name, Owner: q.Owner, CreatedAt: nanos(q.CreatedAt), Body: body})
	if mongo.IsDuplicateKeyError(err) {
		return &store.DuplicateError{UniqueKey: q.Name}
	}
	return s.wrap(ctx, "create query", err)
}

// Query implements [store.NamedQueryStore].
func (s *Store) Query(ctx context.Context, name string) (*store.NamedQuery, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var d queryDoc
	err := s.queries.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.wrap(ctx, "get query", err)
	}
	return d.query(), nil
}

// Queries implements [store.NamedQueryStore]: the queries of p.Owner in
// name order, strictly after p.After. A Limit <= 0 lists nothing.
func (s *Store) Queries(ctx context.Context, p store.QueryPage) ([]*store.NamedQuery, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "o", Value: p.Owner}}
	if p.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: p.After}}})
	}
	cur, err := s.queries.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetLimit(int64(p.Limit)))
	if err != nil {
		return nil, s.wrap(ctx, "list queries", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []*store.NamedQuery
	for cur.Next(ctx) {
		var d queryDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "list queries", err)
		}
		out = append(out, d.query())
	}
	return out, s.wrap(ctx, "list queries", cur.Err())
}

// DeleteQuery implements [store.NamedQueryStore].
func (s *Store) DeleteQuery(ctx context.Context, name string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	r, err := s.queries.DeleteOne(ctx, bson.D{{Key: "_id", Value: name}})
	if err != nil {
		return s.wrap(ctx, "delete query", err)
	}
	if r.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}
