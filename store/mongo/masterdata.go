package mongostore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// masterDoc is one vocabulary element in the masterdata collection, keyed
// by type + "\x00" + ID. Attribute IDs are URIs (with dots), so attributes
// are an array of {id, v}, never a sub-document keyed by ID, and values
// are the captured JSON as binary.
type masterDoc struct {
	Key         string    `bson:"_id"`
	Type        string    `bson:"ty"`
	ID          string    `bson:"id"`
	Attributes  []attrDoc `bson:"at"`
	Children    []string  `bson:"ch"`
	HasChildren bool      `bson:"hc"`
	UpdatedAt   int64     `bson:"ua"`
}

type attrDoc struct {
	ID    string `bson:"id"`
	Value []byte `bson:"v"`
}

func masterKey(typ, id string) string { return typ + "\x00" + id }

// maxMasterRetries bounds the retries of a put whose new elements were
// created concurrently by another writer.
const maxMasterRetries = 3

// PutMasterData implements [store.MasterDataStore]. It reads the stored
// elements, merges in Go and writes each merged element back whole. Two
// writers merging into the same element at once are not serialised: the
// last write wins, and the attributes only the other writer captured in
// that moment are lost. Master data comes from document headers, which
// are rarely captured concurrently for the same element, and a later
// capture repairs it; MongoDB offers no per-attribute update here because
// attribute IDs contain dots.
func (s *Store) PutMasterData(ctx context.Context, elems []store.VocabularyElement) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(elems) == 0 {
		return nil
	}
	for attempt := 1; ; attempt++ {
		err := s.putMasterData(ctx, elems)
		// A duplicate key means another writer created an element between
		// our read and our insert: read again and merge into its version.
		if err == nil || !isOnlyDuplicates(err) || attempt >= maxMasterRetries {
			return s.wrap(ctx, "put master data", err)
		}
	}
}

func (s *Store) putMasterData(ctx context.Context, elems []store.VocabularyElement) error {
	keys := make([]string, 0, len(elems))
	for _, e := range elems {
		keys = append(keys, masterKey(e.Type, e.ID))
	}
	cur, err := s.master.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: dedup(keys)}}}})
	if err != nil {
		return err
	}
	var stored []masterDoc
	if err := cur.All(ctx, &stored); err != nil {
		return err
	}
	merged := make(map[string]*masterDoc, len(keys))
	isNew := map[string]bool{}
	for i := range stored {
		merged[stored[i].Key] = &stored[i]
	}
	now := nanos(time.Now())
	var order []string // first appearance, so writes follow the input
	queued := make(map[string]bool, len(keys))
	for i, e := range elems {
		k := keys[i]
		d := merged[k]
		if d == nil {
			d = &masterDoc{Key: k, Type: e.Type, ID: e.ID}
			merged[k] = d
			isNew[k] = true
		}
		if !queued[k] {
			queued[k] = true
			order = append(order, k)
		}
		mergeElement(d, e)
		d.UpdatedAt = now
	}
	models := make([]mongo.WriteModel, 0, len(order))
	for _, k := range order {
		d := merged[k]
		if isNew[k] {
			// An insert, not an upsert: a concurrent creation is then a
			// duplicate key, and the retry merges into it.
			models = append(models, mongo.NewInsertOneModel().SetDocument(d))
			continue
		}
		models = append(models, mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: k}}).SetReplacement(d))
	}
	_, err = s.master.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	return err
}

// mergeElement merges one captured element into d: each captured attribute
// replaces the attribute with its ID in place, or is appended; children
// are replaced when the capture lists them.
func mergeElement(d *masterDoc, e store.VocabularyElement) {
	for _, a := range e.Attributes {
		v := a.Value
		if v == nil {
			v = []byte{}
		}
		i := slices.IndexFunc(d.Attributes, func(x attrDoc) bool { return x.ID == a.ID })
		if i >= 0 {
			d.Attributes[i].Value = v
		} else {
			d.Attributes = append(d.Attributes, attrDoc{ID: a.ID, Value: v})
		}
	}
	if e.HasChildren {
		d.Children = slices.Clone(e.Children)
		d.HasChildren = true
	}
	if d.Attributes == nil {
		d.Attributes = []attrDoc{}
	}
	if d.Children == nil {
		d.Children = []string{}
	}
}

// MasterData implements [store.MasterDataStore]. Master data is small next
// to events and returned whole; it is sorted here, which spares the
// server an unbounded sort.
func (s *Store) MasterData(ctx context.Context, types ...string) ([]store.VocabularyElement, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	filter := bson.D{}
	if len(types) > 0 {
		filter = bson.D{{Key: "ty", Value: bson.D{{Key: "$in", Value: types}}}}
	}
	return s.findMasterData(ctx, filter)
}

// VocabularyElements implements store.MasterDataStore: a lookup by _id.
func (s *Store) VocabularyElements(ctx context.Context, typ string, ids []string) ([]store.VocabularyElement, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = masterKey(typ, id)
	}
	return s.findMasterData(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: dedup(keys)}}}})
}

// findMasterData returns the elements a filter finds, by type then ID.
func (s *Store) findMasterData(ctx context.Context, filter bson.D) ([]store.VocabularyElement, error) {
	cur, err := s.master.Find(ctx, filter)
	if err != nil {
		return nil, s.wrap(ctx, "read master data", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []store.VocabularyElement
	for cur.Next(ctx) {
		var d masterDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "read master data", err)
		}
		out = append(out, d.element())
	}
	if err := cur.Err(); err != nil {
		return nil, s.wrap(ctx, "read master data", err)
	}
	slices.SortFunc(out, func(a, b store.VocabularyElement) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (d *masterDoc) element() store.VocabularyElement {
	e := store.VocabularyElement{
		Type: d.Type, ID: d.ID, HasChildren: d.HasChildren,
		UpdatedAt: fromNanos(d.UpdatedAt),
	}
	for _, a := range d.Attributes {
		v := a.Value
		if v == nil {
			v = []byte{}
		}
		e.Attributes = append(e.Attributes, store.Attribute{ID: a.ID, Value: v})
	}
	if d.HasChildren {
		e.Children = d.Children
		if e.Children == nil {
			e.Children = []string{}
		}
	}
	return e
}
