package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// leaseDoc is a job's heartbeat. It lives in its own collection, never in
// the job document: a heartbeat that overlaps the job's final write must
// not be able to undo it. (FerretDB applies an update by reading the
// document and writing the whole of it back; a heartbeat that read the
// running job before its final write and wrote after it set the job
// running again, and AbandonJobs failed it later although its events were
// visible.) Only TouchJobs writes leases; AbandonJobs reads them and
// drops those long expired.
type leaseDoc struct {
	ID string `bson:"_id"` // job ID
	At int64  `bson:"ua"`  // last heartbeat, Unix ns
}

// TouchJobs implements [store.Store]: it renews the lease of each listed
// job, so that no server abandons it while its lease is fresh. Job and
// Jobs report the lease as the UpdatedAt of a running job; a finished
// job's lease is ignored.
func (s *Store) TouchJobs(ctx context.Context, ids []string, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(ids))
	for i, id := range ids {
		models[i] = mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: id}}).
			SetReplacement(leaseDoc{ID: id, At: nanos(at)}).
			SetUpsert(true)
	}
	_, err := s.leases.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	if err != nil && isOnlyDuplicates(err) {
		// Two heartbeats of one job created its lease at once (FerretDB
		// upserts are not atomic); either is recent.
		err = nil
	}
	return s.wrap(ctx, "touch jobs", err)
}

// isOnlyDuplicates reports whether every write error of a bulk write is
// a duplicate key.
func isOnlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(mongo.WriteException{WriteErrors: mongo.WriteErrors{we.WriteError}}) {
			return false
		}
	}
	return true
}

// leases returns the lease time of those of ids that have one, Unix ns.
func (s *Store) leaseTimes(ctx context.Context, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.leases.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, s.wrap(ctx, "read leases", err)
	}
	var ls []leaseDoc
	if err := cur.All(ctx, &ls); err != nil {
		return nil, s.wrap(ctx, "read leases", err)
	}
	for _, l := range ls {
		out[l.ID] = l.At
	}
	return out, nil
}

// applyLeases sets the UpdatedAt of the running jobs among docs to their
// lease, when that is later.
func (s *Store) applyLeases(ctx context.Context, docs []*jobDoc) error {
	var ids []string
	for _, d := range docs {
		if d.Running {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	at, err := s.leaseTimes(ctx, ids)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if t, ok := at[d.ID]; ok && d.Running && t > d.UpdatedAt {
			d.UpdatedAt = t
		}
	}
	return nil
}
