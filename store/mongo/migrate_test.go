package mongostore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
)

// rawDatabase connects to uri's database without the store.
func rawDatabase(t *testing.T, uri string) *mongo.Database {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	u, err := parseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	return c.Database(strings.TrimPrefix(u.Path, "/"))
}

func metaVersion(t *testing.T, db *mongo.Database) int {
	t.Helper()
	var doc struct {
		Version int `bson:"version"`
	}
	if err := db.Collection("meta").FindOne(context.Background(), bson.D{{Key: "_id", Value: "schema"}}).Decode(&doc); err != nil {
		t.Fatalf("meta schema document: %v", err)
	}
	return doc.Version
}

func indexNames(t *testing.T, c *mongo.Collection) []string {
	t.Helper()
	specs, err := c.Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return names
}

// TestSchemaVersion: a new database gets the current version; one made
// before versioning (no meta document, an index missing) is brought up
// by running the migrations again; a newer one is refused untouched.
func TestSchemaVersion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	uri := withDB(t, sharedURI(t))
	openStore(t, uri).Close()
	db := rawDatabase(t, uri)
	if v := metaVersion(t, db); v != mongostore.SchemaVersion {
		t.Fatalf("version of a new database = %d, want %d", v, mongostore.SchemaVersion)
	}
	subs := db.Collection("subscriptions")
	if n := indexNames(t, subs); !slices.Contains(n, "owner") || !slices.Contains(n, "query_id") {
		t.Fatalf("subscription indexes = %v", n)
	}

	// An unversioned database, as made by the releases before.
	if _, err := db.Collection("meta").DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if err := subs.Indexes().DropOne(ctx, "owner"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st, err := mongostore.Open(ctx, uri, mongostore.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v := metaVersion(t, db); v != mongostore.SchemaVersion {
		t.Errorf("version after migrating an unversioned database = %d", v)
	}
	if n := indexNames(t, subs); !slices.Contains(n, "owner") {
		t.Errorf("subscription indexes after the migration = %v", n)
	}
	for _, s := range []string{"step=1", "step=2", "mongodb schema migration done"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("migration log lacks %q:\n%s", s, logs.String())
		}
	}

	// A newer database.
	if _, err := db.Collection("meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: "schema"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: mongostore.SchemaVersion + 1}}}}); err != nil {
		t.Fatal(err)
	}
	_, err = mongostore.Open(ctx, uri, mongostore.Options{})
	var ne *store.NewerSchemaError
	if !errors.As(err, &ne) || ne.Version != mongostore.SchemaVersion+1 || ne.Supported != mongostore.SchemaVersion ||
		!strings.Contains(err.Error(), "newer") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Open of a newer database: %v", err)
	}
	if v := metaVersion(t, db); v != mongostore.SchemaVersion+1 {
		t.Errorf("version after the refusal = %d", v)
	}
}

// TestDumpRestoreRoundTrip dumps a database with mongodump and restores it
// under another name with mongorestore, as docs/operations.md describes
// (without --oplog, which FerretDB lacks). It needs the MongoDB Database
// Tools on PATH and skips, saying so, without them.
func TestDumpRestoreRoundTrip(t *testing.T) {
	dump, err1 := exec.LookPath("mongodump")
	restore, err2 := exec.LookPath("mongorestore")
	if err1 != nil || err2 != nil {
		t.Skip("mongodump or mongorestore not on PATH: the MongoDB backup round trip is not tested here")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	from := withDB(t, sharedURI(t))
	st := openStore(t, from)
	evs := batchOf("dump", 20)
	if _, err := st.AddEvents(ctx, store.Batch{Atomic: true, Events: evs}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	to := withDB(t, sharedURI(t))
	fu, _ := parseURI(from)
	tu, _ := parseURI(to)
	fromDB, toDB := strings.TrimPrefix(fu.Path, "/"), strings.TrimPrefix(tu.Path, "/")
	archive := filepath.Join(t.TempDir(), "lotline.archive")
	if out, err := exec.CommandContext(ctx, dump, "--uri", from, "--archive="+archive).CombinedOutput(); err != nil {
		t.Fatalf("mongodump: %v\n%s", err, out)
	}
	tu.Path = "/"
	if out, err := exec.CommandContext(ctx, restore, "--uri", tu.String(), "--archive="+archive,
		"--nsFrom", fromDB+".*", "--nsTo", toDB+".*").CombinedOutput(); err != nil {
		t.Fatalf("mongorestore: %v\n%s", err, out)
	}
	if v := metaVersion(t, rawDatabase(t, to)); v != mongostore.SchemaVersion {
		t.Errorf("restored schema version = %d", v)
	}
	r := openStore(t, to)
	defer r.Close()
	if n := visible(t, r, evs); n != len(evs) {
		t.Errorf("%d of %d events visible after the round trip", n, len(evs))
	}
}
