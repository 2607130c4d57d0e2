package mongostore

import (
	"context"
	"errors"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// The values collection holds one document per distinct value of a
// listing, {_id: kind + "\x00" + value}, so that a listing is a range of
// _id: its byte order is the listing's order, and '\x00' sorts a kind
// before any longer kind it prefixes. Values are never removed.

func valueKey(kind store.ValueKind, v string) string { return string(kind) + "\x00" + v }

// seenCap bounds each generation of seenValues.
const seenCap = 1 << 15

// seenValues remembers values this Store wrote (or found stored), so that
// a repeated value costs no write. It is bounded: when the current
// generation is full it becomes the previous one, and the oldest is
// forgotten. Forgetting only costs a write that finds the value stored.
type seenValues struct {
	mu        sync.Mutex
	cur, prev map[string]struct{}
}

func (c *seenValues) has(k string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return true
	}
	_, ok := c.prev[k]
	return ok
}

func (c *seenValues) add(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if c.cur == nil || len(c.cur) >= seenCap {
			c.prev, c.cur = c.cur, make(map[string]struct{}, seenCap)
		}
		c.cur[k] = struct{}{}
	}
}

// addValues records the values of events that are about to be stored,
// skipping those known to be stored already. It is idempotent, so a
// retried or concurrent write is harmless.
func (s *Store) addValues(ctx context.Context, events []*store.Event) error {
	var keys []string
	dup := map[string]bool{}
	for _, e := range events {
		for _, v := range e.Values {
			// For every owner, and for the event's (store.OwnedValueKind)
			// but for store.LocalOwner.
			ks := []string{valueKey(v.Kind, v.Value)}
			if e.Owner != store.LocalOwner {
				ks = append(ks, valueKey(store.OwnedValueKind(v.Kind, e.Owner), v.Value))
			}
			for _, k := range ks {
				if dup[k] || s.seen.has(k) {
					continue
				}
				dup[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = bson.D{{Key: "_id", Value: k}}
	}
	// Unordered: a value stored already is a duplicate key, which only
	// that one insert fails.
	_, err := s.values.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !isOnlyDuplicates(err) {
		return s.wrap(ctx, "record values", err)
	}
	s.seen.add(keys)
	return nil
}

// valueRange is the filter selecting p's values (Limit aside) by _id,
// kind+"\x00"+value.
func valueRange(p store.ValuePage) bson.D {
	prefix := valueKey(p.Kind, "")
	from := bson.E{Key: "$gte", Value: prefix + p.Prefix}
	if p.After != "" && p.After >= p.Prefix {
		from = bson.E{Key: "$gt", Value: prefix + p.After}
	}
	// The kind's range ends before kind+"\x01", the next key after every
	// kind+"\x00"+value; a prefix's before its PrefixEnd.
	to := string(p.Kind) + "\x01"
	if end := store.PrefixEnd(p.Prefix); p.Prefix != "" && end != "" {
		to = prefix + end
	}
	return bson.D{{Key: "_id", Value: bson.D{from, {Key: "$lt", Value: to}}}}
}

// CountValues implements store.ValueStore: a count over the _id range.
func (s *Store) CountValues(ctx context.Context, p store.ValuePage) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	n, err := s.values.CountDocuments(ctx, valueRange(p))
	if err != nil {
		return 0, s.wrap(ctx, "count values", err)
	}
	return int(n), nil
}

// Values implements [store.ValueStore]. A Limit <= 0 lists nothing.
func (s *Store) Values(ctx context.Context, p store.ValuePage) ([]string, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	prefix := valueKey(p.Kind, "")
	cur, err := s.values.Find(ctx, valueRange(p), options.Find().
		SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetLimit(int64(p.Limit)))
	if err != nil {
		return nil, s.wrap(ctx, "list values", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []string
	for cur.Next(ctx) {
		var d struct {
			ID string `bson:"_id"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "list values", err)
		}
		v, ok := strings.CutPrefix(d.ID, prefix)
		if !ok { // cannot happen given the range; never return another kind
			continue
		}
		out = append(out, v)
	}
	return out, s.wrap(ctx, "list values", cur.Err())
}

// HasValue implements [store.ValueStore].
func (s *Store) HasValue(ctx context.Context, v store.Value) (bool, error) {
	if err := s.check(ctx); err != nil {
		return false, err
	}
	k := valueKey(v.Kind, v.Value)
	if s.seen.has(k) {
		return true, nil
	}
	err := s.values.FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, s.wrap(ctx, "find value", err)
	}
	return true, nil
}
