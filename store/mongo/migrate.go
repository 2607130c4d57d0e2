package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// SchemaVersion is the version of the database layout this code writes,
// kept in the meta collection as {_id: "schema", version: N}. Open runs
// the migrations a database lacks and refuses a newer one with a
// *store.NewerSchemaError.
const SchemaVersion = 3

const (
	collMeta     = "meta"
	schemaDocID  = "schema"
	schemaDocVer = "version"
)

// index is one index a migration creates.
type index struct {
	coll   string
	name   string
	keys   bson.D
	unique bool
}

// A migration brings a database from version-1 to version. Creating an
// index that exists is a no-op, and extra steps are idempotent too, so a
// database made before versioning (no meta document) runs every step, and
// servers sharing one database may start together: each step's version is
// recorded with $max after it completes, never lowered.
//
// The list only grows: a layout change is a new migration at the end.
type migration struct {
	version int
	name    string
	indexes []index
	run     func(ctx context.Context, s *Store) error // after the indexes; may be nil
}

var migrations = []migration{
	{1, "events, jobs, leases and queries indexes; event counter", []index{
		{collEvents, "key", bson.D{{Key: "k", Value: 1}}, true},
		{collEvents, "eventID", bson.D{{Key: "e", Value: 1}}, false},
		// The query shapes of Events (see query.go): terms in Seq order,
		// eventTime ranges and order, recordTime ranges, one owner's events.
		{collEvents, "terms_seq", bson.D{{Key: "tm", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collEvents, "eventTime_seq", bson.D{{Key: "et", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collEvents, "recordTime", bson.D{{Key: "rt", Value: 1}}, false},
		{collEvents, "owner_seq", bson.D{{Key: "o", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collEvents, "batch", bson.D{{Key: "bt", Value: 1}}, false},
		{collJobs, "owner_created", bson.D{{Key: "o", Value: 1}, {Key: "ca", Value: -1}, {Key: "_id", Value: -1}}, false},
		{collJobs, "running_updated", bson.D{{Key: "run", Value: 1}, {Key: "ua", Value: 1}}, false},
		{collLeases, "updated", bson.D{{Key: "ua", Value: 1}}, false},
		{collQueries, "owner_name", bson.D{{Key: "o", Value: 1}, {Key: "_id", Value: 1}}, false},
	}, func(ctx context.Context, s *Store) error {
		_, err := s.counters.InsertOne(ctx, counterDoc{ID: counterID})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongostore: create counter: %w", err)
		}
		return nil
	}},
	{2, "subscription indexes", []index{
		{collSubscriptions, "query_id", bson.D{{Key: "q", Value: 1}, {Key: "_id", Value: 1}}, false},
		{collSubscriptions, "owner", bson.D{{Key: "o", Value: 1}}, false},
	}, nil},
	{3, "subscription lease generations (decision 0019)", []index{
		{collSubLeases, "subscription_generation", bson.D{{Key: "s", Value: 1}, {Key: "g", Value: -1}}, false},
	}, nil},
}

// schemaVersion reads the database's version: 0 when it has none.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var doc struct {
		Version int `bson:"version"`
	}
	err := s.db.Collection(collMeta).FindOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mongostore: read schema version: %w", err)
	}
	return doc.Version, nil
}

// setup runs the migrations the database lacks (see migrations).
func (s *Store) setup(ctx context.Context) error {
	v, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return &store.NewerSchemaError{Backend: "mongostore", Where: "database " + s.db.Name(), Version: v, Supported: SchemaVersion, Undo: "a dump"}
	}
	if v == SchemaVersion {
		return nil
	}
	level := slog.LevelInfo
	if v == 0 {
		n, err := s.events.EstimatedDocumentCount(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("mongostore: count events: %w", err)
		case n == 0:
			level = slog.LevelDebug // a new database: nothing worth telling
		default:
			s.log.Info("mongodb database predates schema versioning; running every idempotent migration",
				"database", s.db.Name(), "events", n)
		}
	}
	for _, m := range migrations[v:] {
		t0 := time.Now()
		s.log.Log(ctx, level, "mongodb schema migration", "database", s.db.Name(), "step", m.version, "of", SchemaVersion, "name", m.name)
		for _, x := range m.indexes {
			im := mongo.IndexModel{Keys: x.keys, Options: options.Index().SetName(x.name)}
			if x.unique {
				im.Options.SetUnique(true)
			}
			if _, err := s.db.Collection(x.coll).Indexes().CreateOne(ctx, im); err != nil {
				return fmt.Errorf("mongostore: migration %d: create index %s.%s: %w", m.version, x.coll, x.name, err)
			}
		}
		if m.run != nil {
			if err := m.run(ctx, s); err != nil {
				return err
			}
		}
		_, err := s.db.Collection(collMeta).UpdateOne(ctx, bson.D{{Key: "_id", Value: schemaDocID}},
			bson.D{{Key: "$max", Value: bson.D{{Key: schemaDocVer, Value: m.version}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("mongostore: migration %d: record version: %w", m.version, err)
		}
		s.log.Log(ctx, level, "mongodb schema migration done", "step", m.version, "elapsed", time.Since(t0).Round(time.Millisecond))
	}
	return nil
}
