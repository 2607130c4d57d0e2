package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// collAudit holds the audit log, keyed by record ID, with an index on
// (party, _id) for a party's listing.
const collAudit = "audit"

type auditDoc struct {
	ID        string `bson:"_id"`
	Party     string `bson:"p"`
	Time      int64  `bson:"t"`
	KeyID     string `bson:"k,omitempty"`
	RequestID string `bson:"r"`
	Method    string `bson:"m"`
	Path      string `bson:"u"`
	Query     string `bson:"q,omitempty"`
	Status    int    `bson:"s"`
	Events    int    `bson:"n"`
}

var _ store.AuditStore = (*Store)(nil)

// AppendAudit implements [store.AuditStore]: one unordered insert per
// batch; IDs already stored (a retried batch) are skipped.
func (s *Store) AppendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	c := s.db.Collection(collAudit)
	// Idempotent, and batches come at most about once a second.
	if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "p", Value: 1}, {Key: "_id", Value: 1}}}); err != nil {
		return s.wrap(ctx, "audit index", err)
	}
	docs := make([]any, len(recs))
	for i, r := range recs {
		docs[i] = auditDoc{ID: r.ID, Party: r.Party, Time: nanos(r.Time), KeyID: r.KeyID, RequestID: r.RequestID,
			Method: r.Method, Path: r.Path, Query: r.Query, Status: r.Status, Events: r.Events}
	}
	_, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && onlyDuplicates(err) {
		err = nil
	}
	return s.wrap(ctx, "append audit", err)
}

// onlyDuplicates reports whether every write error of a bulk insert is a
// duplicate key.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// AuditRecords implements [store.AuditStore].
func (s *Store) AuditRecords(ctx context.Context, p store.AuditPage) ([]store.AuditRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "p", Value: p.Party}}
	if p.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: p.Before}}})
	}
	cur, err := s.db.Collection(collAudit).Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(p.Limit)))
	if err != nil {
		return nil, s.wrap(ctx, "list audit", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []store.AuditRecord
	for cur.Next(ctx) {
		var d auditDoc
		if err := cur.Decode(&d); err != nil {
			return nil, s.wrap(ctx, "list audit", err)
		}
		out = append(out, store.AuditRecord{ID: d.ID, Time: fromNanos(d.Time), Party: d.Party, KeyID: d.KeyID,
			RequestID: d.RequestID, Method: d.Method, Path: d.Path, Query: d.Query, Status: d.Status, Events: d.Events})
	}
	return out, s.wrap(ctx, "list audit", cur.Err())
}
