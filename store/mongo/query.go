package mongostore

import (
	"context"
	"fmt"
	"math"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store"
)

// maxBatchSize caps the driver's batch size hint: a caller's page size is
// bounded elsewhere, but a huge hint would make the server build one huge
// reply.
const maxBatchSize = 10000

// Events implements [store.Querier]. The scan reads the visibility
// snapshot first (see the package doc), so an atomic batch is seen whole
// or not at all, and events made visible during the scan are not seen.
//
// A filter becomes one find: each inner list of Filter.Terms a {tm: {$in}}
// (single terms gathered into one {tm: {$all}}), time ranges on et and rt,
// owners as {o: {$in}} (or an $or of it and each grant, see ownerClause),
// and the cursor as a keyset bound on (_id) or (et, _id), sorted the same
// way. The indexes terms_seq, eventTime_seq,
// recordTime and owner_seq serve these shapes on MongoDB.
func (s *Store) Events(ctx context.Context, sc store.Scan, fn func(*store.Event) (bool, error)) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if sc.Order != store.BySeq && sc.Order != store.ByEventTime {
		return fmt.Errorf("mongostore: events: unknown order %d", sc.Order)
	}
	clauses, ok := eventFilter(sc.Filter)
	if !ok {
		return nil // the filter passes nothing
	}
	visible, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	clauses = append(clauses, visible)
	clauses = append(clauses, keyset(sc)...)

	dir := 1
	if sc.Desc {
		dir = -1
	}
	sort := bson.D{{Key: "_id", Value: dir}}
	if sc.Order == store.ByEventTime {
		sort = bson.D{{Key: "et", Value: dir}, {Key: "_id", Value: dir}}
	}
	// The planner may sort a term lookup in memory rather than walk an
	// order index; before MongoDB 6.0 such a sort over 100 MB fails
	// unless it may spill to disk.
	opts := options.Find().SetSort(sort).SetAllowDiskUse(true).
		SetProjection(bson.D{{Key: "tm", Value: 0}, {Key: "bt", Value: 0}})
	if sc.BatchSize > 0 {
		opts.SetBatchSize(int32(min(sc.BatchSize, maxBatchSize)))
	}
	cur, err := s.events.Find(ctx, and(clauses), opts)
	if err != nil {
		return s.wrap(ctx, "find events", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		// Next serves a fetched batch without looking at ctx.
		if err := ctx.Err(); err != nil {
			return err
		}
		var d eventDoc
		if err := cur.Decode(&d); err != nil {
			return s.wrap(ctx, "decode event", err)
		}
		more, err := fn(d.event())
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return s.wrap(ctx, "find events", cur.Err())
}

// eventFilter translates f into conditions on the events collection, all
// of which must hold. It returns false when f passes nothing (an empty
// list of terms or of owners), which needs no query at all.
func eventFilter(f store.Filter) ([]bson.D, bool) {
	out, ok := termClauses(f.Terms)
	if !ok {
		return nil, false
	}
	if r := timeRange(f.EventTime); r != nil {
		out = append(out, bson.D{{Key: "et", Value: r}})
	}
	if r := timeRange(f.RecordTime); r != nil {
		out = append(out, bson.D{{Key: "rt", Value: r}})
	}
	if f.Owners != nil {
		c, ok := ownerClause(f)
		if !ok {
			return nil, false
		}
		out = append(out, c)
	}
	return out, true
}

// ownerClause is the owner part of f: {o: {$in: owners}}, or with grants
// {$or: [{o: {$in: owners}}, grant, ...]} where a grant is the
// conjunction of {o: owner}, its term clauses and its bounds on et. It
// returns false when no owner and no grant can pass an event.
func ownerClause(f store.Filter) (bson.D, bool) {
	var alts bson.A
	if owners := dedup(f.Owners); len(owners) > 0 {
		alts = append(alts, bson.D{{Key: "o", Value: bson.D{{Key: "$in", Value: owners}}}})
	}
	for _, g := range f.Grants {
		if len(g.Terms) == 0 {
			continue // a grant without terms admits nothing
		}
		clauses, ok := termClauses(g.Terms)
		if !ok {
			continue
		}
		if g.Owner != "" {
			clauses = append(clauses, bson.D{{Key: "o", Value: g.Owner}})
		}
		if r := timeRange(g.EventTime); r != nil {
			clauses = append(clauses, bson.D{{Key: "et", Value: r}})
		}
		alts = append(alts, and(clauses))
	}
	switch len(alts) {
	case 0:
		return nil, false
	case 1:
		return alts[0].(bson.D), true
	}
	return bson.D{{Key: "$or", Value: alts}}, true
}

// termClauses translates a conjunction of term disjunctions: each inner
// list a {tm: {$in}}, single terms gathered into one {tm: {$all}}. It
// returns false when an inner list is empty (nothing passes).
func termClauses(terms [][]string) ([]bson.D, bool) {
	var out []bson.D
	var all []string // terms of one-term lists: every one is required
	for _, list := range terms {
		terms := dedup(list)
		switch len(terms) {
		case 0:
			return nil, false
		case 1:
			all = append(all, terms[0])
		default:
			out = append(out, bson.D{{Key: "tm", Value: bson.D{{Key: "$in", Value: terms}}}})
		}
	}
	switch all = dedup(all); len(all) {
	case 0:
	case 1:
		out = append(out, bson.D{{Key: "tm", Value: all[0]}})
	default:
		out = append(out, bson.D{{Key: "tm", Value: bson.D{{Key: "$all", Value: all}}}})
	}
	return out, true
}

// and is the conjunction of clauses as one filter. The planner of MongoDB
// combines the bounds of a field given in several clauses.
func and(clauses []bson.D) bson.D {
	var nonEmpty bson.A
	for _, c := range clauses {
		if len(c) > 0 {
			nonEmpty = append(nonEmpty, c)
		}
	}
	switch len(nonEmpty) {
	case 0:
		return bson.D{}
	case 1:
		return nonEmpty[0].(bson.D)
	}
	return bson.D{{Key: "$and", Value: nonEmpty}}
}

// timeRange is the bound of a TimeRange on a field of Unix nanoseconds,
// or nil when both ends are open. Stored times beyond what nanoseconds
// hold are clamped (see nanos), so a bound beyond them must admit the
// clamped values: a filter may pass more events, never fewer.
func timeRange(r store.TimeRange) bson.D {
	var d bson.D
	if !r.GE.IsZero() {
		d = append(d, bson.E{Key: "$gte", Value: nanos(r.GE)})
	}
	switch {
	case r.LT.IsZero() || r.LT.After(maxNanosTime):
	case r.LT.Before(minNanosTime):
		d = append(d, bson.E{Key: "$lte", Value: int64(math.MinInt64)})
	default:
		d = append(d, bson.E{Key: "$lt", Value: nanos(r.LT)})
	}
	return d
}

// keyset returns the conditions that keep only events strictly after the
// scan's cursor, in its order and direction.
func keyset(sc store.Scan) []bson.D {
	if sc.After == nil {
		return nil
	}
	after, at := "$gt", "$gte"
	if sc.Desc {
		after, at = "$lt", "$lte"
	}
	if sc.Order == store.BySeq {
		return []bson.D{{{Key: "_id", Value: bson.D{{Key: after, Value: sc.After.Seq}}}}}
	}
	t := nanos(sc.After.Time)
	// The plain bound on et lets an index scan start at the cursor; the
	// $or breaks ties on eventTime by Seq.
	return []bson.D{
		{{Key: "et", Value: bson.D{{Key: at, Value: t}}}},
		{{Key: "$or", Value: bson.A{
			bson.D{{Key: "et", Value: bson.D{{Key: after, Value: t}}}},
			bson.D{{Key: "et", Value: t}, {Key: "_id", Value: bson.D{{Key: after, Value: sc.After.Seq}}}},
		}}},
	}
}

// dedup returns the distinct strings of list, sorted, as a new slice.
func dedup(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}
