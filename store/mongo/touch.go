package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TouchJobs implements [store.Store]: it sets UpdatedAt on the listed jobs
// that are still running, so that no other server abandons them.
func (s *Store) TouchJobs(ctx context.Context, ids []string, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.jobs.UpdateMany(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "run", Value: true}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ua", Value: nanos(at)}}}})
	return s.wrap(ctx, "touch jobs", err)
}
