package mongostore_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// FerretDB v1 (the test double, and any server with the same weakness)
// runs an update as read, change in memory, then write back the whole
// document by _id, without checking the filter again. Two updates of one
// document that overlap lose one of them: the later write carries the
// state its read saw. The tests below replay that, deterministically: they
// record the documents an operation writes, let another operation run,
// then write the recorded documents again, as the first operation's late
// write would.

// rawDB opens a plain driver connection to the database behind uri.
func rawDB(t *testing.T, uri string) *mongo.Database {
	t.Helper()
	u, err := parseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(u.Path[1:])
}

type docKey struct{ coll, id string }

// snapshot returns every document of the database by collection and _id.
func snapshot(t *testing.T, db *mongo.Database) map[docKey]bson.Raw {
	t.Helper()
	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[docKey]bson.Raw{}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			doc := append(bson.Raw(nil), cur.Current...)
			out[docKey{name, doc.Lookup("_id").String()}] = doc
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
	return out
}

// lateWrites runs op and returns a function that writes again every
// document op created or changed, with the content op gave it: op's
// writes replayed as if they had landed late, over whatever happened
// meanwhile.
func lateWrites(t *testing.T, db *mongo.Database, op func()) (replay func()) {
	t.Helper()
	before := snapshot(t, db)
	op()
	after := snapshot(t, db)
	changed := map[docKey]bson.Raw{}
	for k, doc := range after {
		if old, ok := before[k]; !ok || !bytesEqual(old, doc) {
			changed[k] = doc
		}
	}
	return func() {
		t.Helper()
		for k, doc := range changed {
			id := doc.Lookup("_id")
			_, err := db.Collection(k.coll).ReplaceOne(context.Background(),
				bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
			if err != nil {
				t.Fatalf("replaying the late write of %s %s: %v", k.coll, k.id, err)
			}
		}
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// TestTouchRacingFinish is the interleaving the SIGKILL crash test found:
// the sweeper's heartbeat (TouchJobs) reads a running job, the job's
// worker commits its batch and writes the job finished, then the
// heartbeat's write lands and the job is running again. Nobody touches it
// any more, so once its lease runs out AbandonJobs fails it, although all
// its events are visible. The heartbeat must not write what the final job
// write writes.
func TestTouchRacingFinish(t *testing.T) {
	uri := withDB(t, sharedURI(t))
	s := openStore(t, uri)
	defer s.Close()
	db := rawDB(t, uri)
	ctx := context.Background()

	now := time.Now().UTC()
	j := &store.Job{ID: "touched", Owner: "o", Running: true, Success: true, ErrorBehaviour: "rollback",
		CreatedAt: now, UpdatedAt: now, EventCount: 3}
	if err := s.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	late := lateWrites(t, db, func() {
		if err := s.TouchJobs(ctx, []string{j.ID}, now.Add(time.Millisecond)); err != nil {
			t.Fatalf("TouchJobs: %v", err)
		}
	})
	// The worker finishes the job (its UpdatedAt set before AddEvents).
	final := *j
	final.Running, final.FinishedAt, final.UpdatedAt = false, now, now
	evs := batchOf("touched", 3)
	if _, err := s.AddEvents(ctx, store.Batch{CaptureID: j.ID, Atomic: true, Events: evs, Job: &final}); err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	late() // the heartbeat's write lands
	// The lease runs out: the sweeper (of this or another server) runs.
	if _, err := s.AbandonJobs(ctx, "lease ran out", time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("AbandonJobs: %v", err)
	}
	got, err := s.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := visible(t, s, evs)
	if got.Running || got.Success != (n == len(evs)) || !got.Success {
		t.Errorf("job running=%v success=%v stored=%d with %d of %d events visible; want finished, successful, all visible",
			got.Running, got.Success, got.StoredCount, n, len(evs))
	}
}
