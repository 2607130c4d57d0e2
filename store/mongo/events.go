package mongostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// eventDoc is an event as stored in the events collection.
type eventDoc struct {
	Seq        int64    `bson:"_id"`
	Key        string   `bson:"k"`
	EventID    string   `bson:"e"`
	Type       string   `bson:"ty"`
	EventTime  int64    `bson:"et"`
	RecordTime int64    `bson:"rt"`
	Owner      string   `bson:"o"`
	CaptureID  string   `bson:"c"`
	Terms      []string `bson:"tm"`
	Body       []byte   `bson:"b"`
	Batch      string   `bson:"bt"` // "" outside atomic batches
}

// counterDoc is the one document of the counters collection.
type counterDoc struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"n"` // highest Seq allocated
	Time int64  `bson:"t"` // RecordTime of that allocation, Unix ns
}

// pendingDoc marks an atomic batch that is not committed, or that is
// committed but whose job record is not yet written.
type pendingDoc struct {
	ID          string  `bson:"_id"`
	Started     int64   `bson:"st"`
	Abandoned   bool    `bson:"ab"`
	AbandonedAt int64   `bson:"abt"`
	Committed   bool    `bson:"cm"`
	Job         *jobDoc `bson:"job"` // final job state, written after commit
}

// maxAllocRetries bounds the retries of an atomic batch whose Seq block
// clashed with another store's (possible on FerretDB only).
const maxAllocRetries = 5

func toDoc(e *store.Event, captureID string, seq int64, rt int64, batch string) eventDoc {
	terms := e.Terms
	if terms == nil {
		terms = []string{}
	}
	body := e.Body
	if body == nil {
		body = []byte{}
	}
	return eventDoc{
		Seq: seq, Key: e.UniqueKey, EventID: e.EventID, Type: e.Type,
		EventTime: nanos(e.EventTime), RecordTime: rt,
		Owner: e.Owner, CaptureID: captureID, Terms: terms, Body: body,
		Batch: batch,
	}
}

func (d *eventDoc) event() *store.Event {
	ev := &store.Event{
		Seq: d.Seq, UniqueKey: d.Key, EventID: d.EventID, Type: d.Type,
		EventTime: fromNanos(d.EventTime), RecordTime: fromNanos(d.RecordTime),
		Owner: d.Owner, CaptureID: d.CaptureID, Body: d.Body,
	}
	if len(d.Terms) > 0 {
		ev.Terms = d.Terms
	}
	if ev.Body == nil {
		ev.Body = []byte{}
	}
	return ev
}

// AddEvents implements [store.Store]. See the package doc for how an
// atomic batch becomes visible at once.
func (s *Store) AddEvents(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	var res store.BatchResult
	if err := s.check(ctx); err != nil {
		return res, err
	}
	for i, e := range b.Events {
		if e == nil {
			return res, fmt.Errorf("mongostore: event %d is nil", i)
		}
	}
	if len(b.Events) == 0 {
		if err := s.PutMasterData(ctx, b.MasterData); err != nil {
			return res, err
		}
		return res, s.finishJob(ctx, b.Job, res)
	}
	// Clashes inside the batch and with stored events.
	rejected := map[int]error{}
	seen := make(map[string]bool, len(b.Events))
	keys := make([]string, 0, len(b.Events))
	for i, e := range b.Events {
		if seen[e.UniqueKey] {
			rejected[i] = &store.DuplicateError{Index: i, UniqueKey: e.UniqueKey}
			continue
		}
		seen[e.UniqueKey] = true
		keys = append(keys, e.UniqueKey)
	}
	stored, err := s.existingKeys(ctx, keys)
	if err != nil {
		return res, err
	}
	for i, e := range b.Events {
		if stored[e.UniqueKey] && rejected[i] == nil {
			rejected[i] = &store.DuplicateError{Index: i, UniqueKey: e.UniqueKey}
		}
	}
	if b.Atomic {
		if len(rejected) > 0 {
			res.Rejected = rejected
			return res, nil
		}
		return s.addAtomic(ctx, b)
	}
	res, err = s.addEach(ctx, b, rejected)
	if err != nil {
		return res, err
	}
	return res, s.finishJob(ctx, b.Job, res)
}

// finalJob fills in what the store owns of a batch's job.
func finalJob(j *store.Job, res store.BatchResult) {
	j.StoredCount = res.Stored
	if len(res.Rejected) > 0 {
		j.Success = false
	}
}

// finishJob writes the final job state of a batch that is not atomic (or
// is empty). Its events are visible already, so a job recorded as finished
// has its events visible. If the server dies before this write, the job
// stays running and AbandonJobs fails it later although some events are
// visible: for a batch that is not atomic that is the truth.
func (s *Store) finishJob(ctx context.Context, j *store.Job, res store.BatchResult) error {
	if j == nil {
		return nil
	}
	finalJob(j, res)
	return s.writeJob(ctx, toJobDoc(j))
}

// writeJob replaces (or creates) a job record.
func (s *Store) writeJob(ctx context.Context, d jobDoc) error {
	_, err := s.jobs.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	return s.wrap(ctx, "write job", err)
}

// existingKeys returns which of keys are stored (visible or not).
func (s *Store) existingKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(keys) == 0 {
		return found, nil
	}
	cur, err := s.events.Find(ctx, bson.D{{Key: "k", Value: bson.D{{Key: "$in", Value: keys}}}},
		options.Find().SetProjection(bson.D{{Key: "k", Value: 1}}))
	if err != nil {
		return nil, s.wrap(ctx, "check keys", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			Key string `bson:"k"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "check keys", err)
		}
		found[d.Key] = true
	}
	return found, s.wrap(ctx, "check keys", cur.Err())
}

// allocate reserves n Seq numbers and the RecordTime that goes with them.
// It returns the first Seq of the block.
func (s *Store) allocate(ctx context.Context, n int) (first int64, rt int64, err error) {
	s.allocMu.Lock()
	defer s.allocMu.Unlock()
	now := time.Now().UnixNano()
	var c counterDoc
	err = s.counters.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: counterID}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(n)}}},
			{Key: "$max", Value: bson.D{{Key: "t", Value: now}}},
		},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&c)
	if err != nil {
		return 0, 0, s.wrap(ctx, "allocate seq", err)
	}
	return c.Seq - int64(n) + 1, c.Time, nil
}

// addAtomic stores events all or nothing; their keys were checked.
func (s *Store) addAtomic(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	var res store.BatchResult
	events := b.Events
	batch := newBatchID()
	marker := pendingDoc{ID: batch, Started: time.Now().UnixNano()}
	if b.Job != nil {
		// The job as it will be if the batch commits.
		j := *b.Job
		finalJob(&j, store.BatchResult{Stored: len(events)})
		d := toJobDoc(&j)
		marker.Job = &d
	}
	if _, err := s.pending.InsertOne(ctx, marker); err != nil {
		return res, s.wrap(ctx, "insert batch marker", err)
	}
	// From here on the marker hides whatever is inserted; every way out
	// either commits or undoes.
	for attempt := 0; ; attempt++ {
		first, rt, err := s.allocate(ctx, len(events))
		if err != nil {
			s.undo(ctx, batch)
			return res, err
		}
		docs := make([]any, len(events))
		for i, e := range events {
			docs[i] = toDoc(e, b.CaptureID, first+int64(i), rt, batch)
		}
		_, err = s.events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
		if err == nil {
			if err := s.addDerived(ctx, b.MasterData, events); err != nil {
				s.undo(ctx, batch)
				return res, err
			}
			if err := s.commit(ctx, batch); err != nil {
				return res, err
			}
			for i, e := range events {
				e.Seq = first + int64(i)
				e.RecordTime = fromNanos(rt)
				e.CaptureID = b.CaptureID
			}
			res.Stored = len(events)
			res.RecordTime = fromNanos(rt)
			if b.Job != nil {
				finalJob(b.Job, res)
			}
			s.rollForward(ctx, marker)
			return res, nil
		}
		if !mongo.IsDuplicateKeyError(err) || ctx.Err() != nil {
			s.undo(ctx, batch)
			return res, s.wrap(ctx, "insert events", err)
		}
		// A key that raced in since the check, or (FerretDB) a Seq block
		// drawn twice. Remove what we inserted, then tell which.
		if err := s.deleteBatchEvents(ctx, batch); err != nil {
			s.undo(ctx, batch)
			return res, err
		}
		keys := make([]string, len(events))
		for i, e := range events {
			keys[i] = e.UniqueKey
		}
		stored, kerr := s.existingKeys(ctx, keys)
		if kerr != nil {
			s.undo(ctx, batch)
			return res, kerr
		}
		for i, e := range events {
			if stored[e.UniqueKey] {
				if res.Rejected == nil {
					res.Rejected = map[int]error{}
				}
				res.Rejected[i] = &store.DuplicateError{Index: i, UniqueKey: e.UniqueKey}
			}
		}
		if len(res.Rejected) > 0 {
			s.undoBatch(ctx, batch, false)
			return res, nil
		}
		if attempt+1 >= maxAllocRetries {
			s.undo(ctx, batch)
			return res, s.wrap(ctx, "insert events", fmt.Errorf("seq block clashed %d times: %w", maxAllocRetries, err))
		}
	}
}

// addDerived records what a batch adds besides its events: the values of
// the events about to be stored, and the document's master data. It runs
// before the events become visible, so that a failure fails the capture
// (which the client may retry) rather than leave visible events whose
// values are missing from the listings for good. The price: a batch that
// fails after this step (an insert or commit error, a key that raced in)
// leaves its values and master data recorded. Both writes are idempotent.
func (s *Store) addDerived(ctx context.Context, md []store.VocabularyElement, events []*store.Event) error {
	if err := s.addValues(ctx, events); err != nil {
		return err
	}
	return s.PutMasterData(ctx, md)
}

// commit marks the marker committed, making the batch visible. It runs even when
// ctx is done (bounded by the commit timeout) so that an acknowledged
// insert is not lost to a late cancellation. If the marker was tombstoned
// by AbandonJobs the batch is undone instead.
func (s *Store) commit(ctx context.Context, batch string) error {
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitTimeout)
	defer cancel()
	r, err := s.pending.UpdateOne(cctx,
		bson.D{{Key: "_id", Value: batch}, {Key: "ab", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "cm", Value: true}}}})
	if err != nil {
		// The update may or may not have happened: look.
		var p pendingDoc
		cerr := s.pending.FindOne(cctx, bson.D{{Key: "_id", Value: batch}}).Decode(&p)
		if cerr == nil && p.Committed {
			return nil
		}
		if cerr == nil {
			s.undo(ctx, batch)
		}
		return s.wrap(ctx, "commit batch", err)
	}
	if r.MatchedCount == 1 {
		return nil
	}
	s.undo(ctx, batch)
	return fmt.Errorf("mongostore: commit batch: %w", ErrAbandoned)
}

// ErrAbandoned is returned by AddEvents when its atomic batch was declared
// abandoned by AbandonJobs (of this or another server) before it committed.
// Nothing of the batch is visible.
var ErrAbandoned = errors.New("mongostore: batch abandoned before commit")

// rollForward finishes a committed batch: it writes the batch's final job
// state, if any, and deletes the marker. A failure only leaves the
// committed marker for AbandonJobs to roll forward; the batch is visible
// either way, so it is logged, not returned.
func (s *Store) rollForward(ctx context.Context, p pendingDoc) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitTimeout)
	defer cancel()
	if p.Job != nil {
		if err := s.writeJob(cctx, *p.Job); err != nil {
			s.log.Error("mongostore: write job of committed batch", "batch", p.ID, "job", p.Job.ID, "err", err)
			return
		}
	}
	if _, err := s.pending.DeleteOne(cctx, bson.D{{Key: "_id", Value: p.ID}}); err != nil {
		s.log.Error("mongostore: delete committed marker", "batch", p.ID, "err", err)
	}
}

// deleteBatchEvents removes the events of an uncommitted batch.
func (s *Store) deleteBatchEvents(ctx context.Context, batch string) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitTimeout)
	defer cancel()
	if _, err := s.events.DeleteMany(cctx, bson.D{{Key: "bt", Value: batch}}); err != nil {
		return s.wrap(ctx, "undo batch", err)
	}
	return nil
}

// undo removes an uncommitted batch. The marker is first made a
// tombstone, so that it keeps hiding the batch, then the batch's events are
// deleted. After a failed or cancelled insert the server may still be
// writing events of the batch, so the tombstone stays for AbandonJobs to
// remove once stale; after a clean rejection (the server answered the
// insert) it is deleted at once. If any step fails, the batch stays hidden
// until AbandonJobs.
func (s *Store) undo(ctx context.Context, batch string) { s.undoBatch(ctx, batch, true) }

func (s *Store) undoBatch(ctx context.Context, batch string, keepTombstone bool) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.commitTimeout)
	defer cancel()
	if _, err := s.pending.UpdateOne(cctx, bson.D{{Key: "_id", Value: batch}, {Key: "cm", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ab", Value: true}, {Key: "abt", Value: time.Now().UnixNano()}}}},
	); err != nil {
		s.log.Error("mongostore: undo batch: marker not tombstoned, batch left hidden", "batch", batch, "err", err)
		return
	}
	if err := s.deleteBatchEvents(ctx, batch); err != nil {
		s.log.Error("mongostore: undo batch: events left hidden", "batch", batch, "err", err)
		return
	}
	if keepTombstone {
		return
	}
	if _, err := s.pending.DeleteOne(cctx, bson.D{{Key: "_id", Value: batch}}); err != nil {
		s.log.Error("mongostore: undo batch: tombstone left", "batch", batch, "err", err)
	}
}

// addEach stores events independently; rejected holds the clashes found
// so far, by batch index.
func (s *Store) addEach(ctx context.Context, b store.Batch, rejected map[int]error) (store.BatchResult, error) {
	var res store.BatchResult
	events := b.Events
	idx := make([]int, 0, len(events)) // batch index of each doc
	for i := range events {
		if rejected[i] == nil {
			idx = append(idx, i)
		}
	}
	if len(rejected) > 0 {
		res.Rejected = rejected
	}
	if len(idx) == 0 {
		return res, nil
	}
	toStore := make([]*store.Event, len(idx))
	for j, i := range idx {
		toStore[j] = events[i]
	}
	if err := s.addDerived(ctx, b.MasterData, toStore); err != nil {
		return res, err
	}
	first, rt, err := s.allocate(ctx, len(idx))
	if err != nil {
		return res, err
	}
	docs := make([]any, len(idx))
	for j, i := range idx {
		docs[j] = toDoc(events[i], b.CaptureID, first+int64(j), rt, "")
	}
	_, err = s.events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	failed := map[int]bool{} // by doc position
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
			return res, s.wrap(ctx, "insert events", err)
		}
		var keys []string
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(mongo.WriteException{WriteErrors: mongo.WriteErrors{we.WriteError}}) {
				return res, s.wrap(ctx, "insert events", err)
			}
			failed[we.Index] = true
			keys = append(keys, events[idx[we.Index]].UniqueKey)
		}
		stored, kerr := s.existingKeys(ctx, keys)
		if kerr != nil {
			return res, kerr
		}
		for j := range failed {
			i := idx[j]
			k := events[i].UniqueKey
			if !stored[k] {
				return res, s.wrap(ctx, "insert events", fmt.Errorf("seq %d clashed with another store: %w", first+int64(j), err))
			}
			if res.Rejected == nil {
				res.Rejected = map[int]error{}
			}
			res.Rejected[i] = &store.DuplicateError{Index: i, UniqueKey: k}
		}
	}
	for j, i := range idx {
		if failed[j] {
			continue
		}
		events[i].Seq = first + int64(j)
		events[i].RecordTime = fromNanos(rt)
		events[i].CaptureID = b.CaptureID
		res.Stored++
	}
	res.RecordTime = fromNanos(rt)
	return res, nil
}

// snapshot returns the filter that keeps only committed events, as seen at
// the time of the call (see the package doc).
func (s *Store) snapshot(ctx context.Context) (bson.D, error) {
	var c counterDoc
	err := s.counters.FindOne(ctx, bson.D{{Key: "_id", Value: counterID}}).Decode(&c)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, s.wrap(ctx, "read counter", err)
	}
	cur, err := s.pending.Find(ctx, bson.D{{Key: "cm", Value: false}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.wrap(ctx, "read pending batches", err)
	}
	var ids []string
	for cur.Next(ctx) {
		var p struct {
			ID string `bson:"_id"`
		}
		if err := cur.Decode(&p); err != nil {
			cur.Close(ctx)
			return nil, s.wrap(ctx, "read pending batches", err)
		}
		ids = append(ids, p.ID)
	}
	err = cur.Err()
	cur.Close(ctx)
	if err != nil {
		return nil, s.wrap(ctx, "read pending batches", err)
	}
	f := bson.D{{Key: "_id", Value: bson.D{{Key: "$lte", Value: c.Seq}}}}
	if len(ids) > 0 {
		f = append(f, bson.E{Key: "bt", Value: bson.D{{Key: "$nin", Value: ids}}})
	}
	return f, nil
}

// EventsByID implements [store.Store].
func (s *Store) EventsByID(ctx context.Context, eventID string) ([]*store.Event, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	visible, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	filter := append(bson.D{{Key: "e", Value: eventID}}, visible...)
	cur, err := s.events.Find(ctx, filter)
	if err != nil {
		return nil, s.wrap(ctx, "find events", err)
	}
	defer cur.Close(ctx)
	var out []*store.Event
	for cur.Next(ctx) {
		var d eventDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "decode event", err)
		}
		out = append(out, d.event())
	}
	if err := cur.Err(); err != nil {
		return nil, s.wrap(ctx, "find events", err)
	}
	if len(out) == 0 {
		return nil, store.ErrNotFound
	}
	// Few events share an ID; sorting here spares FerretDB a sort stage.
	slices.SortFunc(out, func(a, b *store.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}
