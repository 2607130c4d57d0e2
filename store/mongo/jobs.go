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

// AbandonedErrorType is the problem type given to the JobError that
// AbandonJobs appends to the jobs it fails.
// Its Title is AbandonedErrorTitle and its Detail the reason given.
const AbandonedErrorType = "epcisException:ImplementationException"

// AbandonedErrorTitle is the Title of the JobError AbandonJobs appends.
const AbandonedErrorTitle = "Capture job abandoned"

type jobDoc struct {
	ID             string        `bson:"_id"`
	Owner          string        `bson:"o"`
	Running        bool          `bson:"run"`
	Success        bool          `bson:"ok"`
	ErrorBehaviour string        `bson:"eb"`
	CreatedAt      int64         `bson:"ca"`
	UpdatedAt      int64         `bson:"ua"`
	FinishedAt     int64         `bson:"fa"`
	EventCount     int64         `bson:"ec"`
	StoredCount    int64         `bson:"sc"`
	Errors         []jobErrorDoc `bson:"errs"`
}

type jobErrorDoc struct {
	Type       string `bson:"type"`
	Title      string `bson:"title"`
	Status     int64  `bson:"status"`
	Detail     string `bson:"detail"`
	EventIndex *int64 `bson:"index"` // nil when absent
	Pointer    string `bson:"ptr"`
}

func toJobDoc(j *store.Job) jobDoc {
	d := jobDoc{
		ID: j.ID, Owner: j.Owner, Running: j.Running, Success: j.Success,
		ErrorBehaviour: j.ErrorBehaviour,
		CreatedAt:      nanos(j.CreatedAt), UpdatedAt: nanos(j.UpdatedAt), FinishedAt: nanos(j.FinishedAt),
		EventCount: int64(j.EventCount), StoredCount: int64(j.StoredCount),
		Errors: make([]jobErrorDoc, len(j.Errors)),
	}
	for i, e := range j.Errors {
		d.Errors[i] = jobErrorDoc{Type: e.Type, Title: e.Title, Status: int64(e.Status), Detail: e.Detail, Pointer: e.Pointer}
		if e.EventIndex != nil {
			n := int64(*e.EventIndex)
			d.Errors[i].EventIndex = &n
		}
	}
	return d
}

func (d *jobDoc) job() *store.Job {
	j := &store.Job{
		ID: d.ID, Owner: d.Owner, Running: d.Running, Success: d.Success,
		ErrorBehaviour: d.ErrorBehaviour,
		CreatedAt:      fromNanos(d.CreatedAt), UpdatedAt: fromNanos(d.UpdatedAt), FinishedAt: fromNanos(d.FinishedAt),
		EventCount: int(d.EventCount), StoredCount: int(d.StoredCount),
	}
	for _, e := range d.Errors {
		je := store.JobError{Type: e.Type, Title: e.Title, Status: int(e.Status), Detail: e.Detail, Pointer: e.Pointer}
		if e.EventIndex != nil {
			n := int(*e.EventIndex)
			je.EventIndex = &n
		}
		j.Errors = append(j.Errors, je)
	}
	return j
}

// CreateJob implements [store.Store]. It returns a *store.DuplicateError
// (with the job ID as UniqueKey) when the ID is taken.
func (s *Store) CreateJob(ctx context.Context, j *store.Job) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if j == nil || j.ID == "" {
		return errors.New("mongostore: create job: empty job ID")
	}
	_, err := s.jobs.InsertOne(ctx, toJobDoc(j))
	if mongo.IsDuplicateKeyError(err) {
		return &store.DuplicateError{UniqueKey: j.ID}
	}
	return s.wrap(ctx, "create job", err)
}

// UpdateJob implements [store.Store]. It returns store.ErrNotFound when
// no job has that ID.
func (s *Store) UpdateJob(ctx context.Context, j *store.Job) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if j == nil || j.ID == "" {
		return errors.New("mongostore: update job: empty job ID")
	}
	r, err := s.jobs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: j.ID}}, toJobDoc(j))
	if err != nil {
		return s.wrap(ctx, "update job", err)
	}
	if r.MatchedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Job implements [store.Store].
func (s *Store) Job(ctx context.Context, id string) (*store.Job, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var d jobDoc
	err := s.jobs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.wrap(ctx, "get job", err)
	}
	if err := s.applyLeases(ctx, []*jobDoc{&d}); err != nil {
		return nil, err
	}
	return d.job(), nil
}

// Jobs implements [store.Store]: jobs of p.Owner ordered by CreatedAt then
// ID, both descending, strictly after p.After. A Limit <= 0 lists nothing.
func (s *Store) Jobs(ctx context.Context, p store.JobPage) ([]*store.Job, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "o", Value: p.Owner}}
	if p.After != nil {
		c := nanos(p.After.CreatedAt)
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "ca", Value: bson.D{{Key: "$lt", Value: c}}}},
			bson.D{{Key: "ca", Value: c}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: p.After.ID}}}},
		}})
	}
	cur, err := s.jobs.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "ca", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(limit)))
	if err != nil {
		return nil, s.wrap(ctx, "list jobs", err)
	}
	defer cur.Close(ctx)
	var docs []*jobDoc
	for cur.Next(ctx) {
		d := new(jobDoc)
		if err := cur.Decode(d); err != nil {
			return nil, s.wrap(ctx, "list jobs", err)
		}
		docs = append(docs, d)
	}
	if err := cur.Err(); err != nil {
		return nil, s.wrap(ctx, "list jobs", err)
	}
	if err := s.applyLeases(ctx, docs); err != nil {
		return nil, err
	}
	out := make([]*store.Job, len(docs))
	for i, d := range docs {
		out[i] = d.job()
	}
	return out, nil
}

// AbandonJobs implements [store.Store]. Before it fails jobs it settles
// the atomic batches (see the package doc): markers of uncommitted
// batches begun before staleBefore become tombstones that keep hiding the
// batch, whose events are deleted; tombstones made before staleBefore are
// dropped; committed batches whose job record was not written get it
// written. A job whose batch is still in flight and not stale is left
// alone, so that a job whose events become visible is not failed.
func (s *Store) AbandonJobs(ctx context.Context, reason string, staleBefore time.Time) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	stale := nanos(staleBefore)
	now := time.Now().UnixNano()

	// A batch begun before staleBefore is abandoned unless its job's
	// lease is fresher: its server is alive and still inserting (a large
	// document on a slow database may take longer than a lease).
	staleFilter := bson.D{
		{Key: "st", Value: bson.D{{Key: "$lt", Value: stale}}},
		{Key: "ab", Value: false}, {Key: "cm", Value: false},
	}
	alive, err := s.liveBatches(ctx, staleFilter, stale)
	if err != nil {
		return 0, err
	}
	if len(alive) > 0 {
		staleFilter = append(staleFilter, bson.E{Key: "_id", Value: bson.D{{Key: "$nin", Value: alive}}})
	}
	if _, err := s.pending.UpdateMany(ctx, staleFilter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "ab", Value: true}, {Key: "abt", Value: now}}}},
	); err != nil {
		return 0, s.wrap(ctx, "abandon batches", err)
	}
	cur, err := s.pending.Find(ctx, bson.D{})
	if err != nil {
		return 0, s.wrap(ctx, "abandon batches", err)
	}
	var markers []pendingDoc
	if err := cur.All(ctx, &markers); err != nil {
		return 0, s.wrap(ctx, "abandon batches", err)
	}
	var busy []string // jobs whose batch may still commit
	for _, p := range markers {
		switch {
		case p.Committed:
			s.rollForward(ctx, p)
		case p.Abandoned:
			if _, err := s.events.DeleteMany(ctx, bson.D{{Key: "bt", Value: p.ID}}); err != nil {
				return 0, s.wrap(ctx, "abandon batches", err)
			}
			if p.AbandonedAt < stale {
				if _, err := s.pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: p.ID}}); err != nil {
					return 0, s.wrap(ctx, "abandon batches", err)
				}
			}
		case p.Job != nil:
			busy = append(busy, p.Job.ID)
		}
	}

	doomed, err := s.staleJobs(ctx, stale, busy)
	if err != nil {
		return 0, err
	}
	// Leases that expired a lease ago protect nothing: drop them. (Not
	// those just expired: FerretDB deletes by reading then deleting by
	// _id, so it could drop a lease renewed in between.)
	if _, err := s.leases.DeleteMany(ctx,
		bson.D{{Key: "ua", Value: bson.D{{Key: "$lt", Value: stale - max(now-stale, 0)}}}}); err != nil {
		return 0, s.wrap(ctx, "drop leases", err)
	}
	if len(doomed) == 0 {
		return 0, nil
	}
	filter := bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: doomed}}},
		{Key: "run", Value: true}, {Key: "ua", Value: bson.D{{Key: "$lt", Value: stale}}},
	}
	r, err := s.jobs.UpdateMany(ctx, filter,
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "run", Value: false}, {Key: "ok", Value: false},
				{Key: "fa", Value: now}, {Key: "ua", Value: now}, {Key: "sc", Value: int64(0)},
			}},
			{Key: "$push", Value: bson.D{{Key: "errs", Value: jobErrorDoc{
				Type: AbandonedErrorType, Title: AbandonedErrorTitle, Status: 500, Detail: reason,
			}}}},
		})
	if err != nil {
		return 0, s.wrap(ctx, "abandon jobs", err)
	}
	return int(r.ModifiedCount), nil
}

// liveBatches returns the IDs of the markers matching filter whose job's
// lease was renewed at or after stale.
func (s *Store) liveBatches(ctx context.Context, filter bson.D, stale int64) ([]string, error) {
	cur, err := s.pending.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "job._id", Value: 1}}))
	if err != nil {
		return nil, s.wrap(ctx, "find stale batches", err)
	}
	var found []struct {
		ID  string `bson:"_id"`
		Job *struct {
			ID string `bson:"_id"`
		} `bson:"job"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, s.wrap(ctx, "find stale batches", err)
	}
	var jobs []string
	for _, f := range found {
		if f.Job != nil {
			jobs = append(jobs, f.Job.ID)
		}
	}
	leased, err := s.leaseTimes(ctx, jobs)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range found {
		if f.Job != nil && leased[f.Job.ID] >= stale {
			out = append(out, f.ID)
		}
	}
	return out, nil
}

// staleJobs returns the IDs of the running jobs last updated before stale,
// whose lease (if any) is older too, leaving out busy.
func (s *Store) staleJobs(ctx context.Context, stale int64, busy []string) ([]string, error) {
	filter := bson.D{{Key: "run", Value: true}, {Key: "ua", Value: bson.D{{Key: "$lt", Value: stale}}}}
	if len(busy) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$nin", Value: busy}}})
	}
	cur, err := s.jobs.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.wrap(ctx, "find stale jobs", err)
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, s.wrap(ctx, "find stale jobs", err)
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	leased, err := s.leaseTimes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if at, ok := leased[id]; !ok || at < stale {
			out = append(out, id)
		}
	}
	return out, nil
}
