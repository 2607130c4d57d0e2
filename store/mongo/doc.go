// Package mongostore is the MongoDB backend of the Lotline store: the
// production path for servers that scale out over a replica set or a
// sharded cluster. It implements [store.Store] and passes the contract
// suite in store/storetest.
//
// The package owns the layout of the Lotline database (collections events,
// jobs, pending, counters, leases, values, masterdata, queries,
// subscriptions, subscription_leases, secrets and the rest, and their
// indexes, created at Open) and nothing above it: it does not parse
// EPCIS documents or compile queries.
//
// # Atomic batches without transactions
//
// MongoDB offers multi-document transactions, but the test double FerretDB
// does not, and a transaction over thousands of events is costly anyway.
// An atomic batch is made visible all at once by one single-document
// write instead:
//
//  1. The writer inserts a marker {_id: batch id, st: start time} into the
//     pending collection.
//  2. It allocates a block of Seq numbers and the RecordTime in one
//     findOneAndUpdate on the counter document ($inc of the sequence and
//     $max of the time, so both grow together even when server clocks
//     differ).
//  3. It inserts the events, ordered, each carrying the batch id (field
//     bt). Keys are checked beforehand with one find, so a clash normally
//     costs no write; a clash that races in is undone by deleting the
//     batch's events while the marker still hides them.
//  4. It sets cm=true on the marker. That one-document update commits the
//     batch: readers ignore committed markers. It then writes the batch's
//     final job state (Batch.Job), if any, and deletes the marker; if it
//     dies in between, AbandonJobs finishes that from the marker.
//
// A reader first reads the counter (its highest allocated Seq, n0), then
// the set P of uncommitted batch ids, and accepts only events with Seq <= n0
// whose batch is not in P. A batch allocated after the reader read the
// counter is beyond n0; one allocated before has its marker inserted
// before the reader read P, so it is either still in P (wholly hidden) or
// committed with all its events inserted (wholly visible).
//
// When an insert fails or is cancelled, the server may still be writing
// the batch, so the writer turns its marker into a tombstone (ab=true,
// still hiding the batch) before deleting the events, and leaves it.
// A batch whose writer died leaves its marker behind, hiding its events.
// AbandonJobs turns markers older than staleBefore into tombstones
// (ab=true: still hiding), deletes their events, and removes tombstones
// abandoned before staleBefore. A marker whose job's lease (below) was
// renewed since staleBefore is spared: its server is alive and still
// inserting, as a large document on a slow database may take longer
// than a lease. A batch without a job (POST /events, one event) has no
// lease and must commit within one. A writer that outlives its marker finds it
// gone or tombstoned at commit, deletes its events and returns an error.
//
// # Job leases
//
// TouchJobs, the heartbeat of a server's running jobs, writes the leases
// collection ({_id: job ID, ua: time}), never the job document. FerretDB
// (and so the test double) applies every update by reading a document and
// writing all of it back by _id, without checking the filter again; a
// heartbeat that overlapped a job's final write set the job running again,
// nobody renewed it, and AbandonJobs failed it although its batch was
// visible. Job and Jobs report a running job's lease as its UpdatedAt.
// AbandonJobs fails a running job only when both its record and its lease
// are older than staleBefore, and drops leases a lease period older still.
//
// Other conditional updates keep that weakness on FerretDB: the commit of
// a marker (cm) against AbandonJobs turning it into a tombstone (ab), and
// AbandonJobs failing a job against its final write. Both need a server
// that stalls longer than the lease while its batch is in flight; on
// MongoDB, whose single-document updates are atomic, neither can happen.
//
// # Ordering
//
// Seq and RecordTime come from the same counter update, so RecordTime
// never decreases along Seq, and within one writer Seq follows commit
// order. Two batches written at the same time by different writers may
// become visible in the opposite order of their Seq blocks (a reader can
// see the later block while the earlier is still pending). All events of a
// batch share one RecordTime. Seq numbers of rejected events are not
// reused, so Seq has gaps.
//
// Allocation is serialised by a mutex inside one Store as well: FerretDB
// implements findOneAndUpdate as read-then-write, which loses concurrent
// increments; MongoDB does not need the mutex. Should two stores on
// FerretDB still draw the same Seq, the clash on _id is detected and an
// atomic batch is retried with a new block.
//
// # Queries
//
// Events reads the visibility snapshot above, then runs one find: each
// inner list of the filter's terms becomes {tm: {$in: [...]}}, lists of
// one term are gathered into one {tm: {$all: [...]}}, time ranges bound
// et and rt, owners become {o: {$in: [...]}}, and the keyset cursor is
// {_id: {$gt: seq}} (BySeq) or {et: {$gte: t}, $or: [{et: {$gt: t}},
// {et: t, _id: {$gt: seq}}]} (ByEventTime), sorted on (_id) or (et, _id);
// Desc flips every comparison and the sort. The indexes are designed for
// these shapes: terms_seq (tm, _id), eventTime_seq (et, _id), recordTime
// (rt) and owner_seq (o, _id). No $elemMatch, no regex, no aggregation.
// A walk in Seq order paged by cursors may miss a batch of another writer
// that commits late with a lower Seq block (see Ordering below).
//
// # Values, master data, named queries
//
// The values collection holds {_id: kind + "\x00" + value}: a listing is
// a range of _id. Master data is one document per element, keyed by type
// + "\x00" + ID, merged in Go and written back whole (last writer wins;
// a concurrent creation is a duplicate key that makes the second writer
// merge again). Named queries are keyed by name.
//
// A batch's values and master data are written before its events become
// visible (for an atomic batch, after its events are inserted and before
// the commit), so that a failed write fails the capture, which the client
// may retry, instead of leaving visible events whose values are missing
// from the listings for good. A batch that fails after that step leaves
// them recorded; both writes are idempotent. Each Store remembers a
// bounded set of values it recorded, so repeated values cost no write.
//
// # Subscription leases
//
// A webhook subscription's lease is not in the subscription document but
// in subscription_leases, one document per generation keyed
// "{id}#{generation}" (decision 0019). A server takes a free or expired
// lease by inserting the next generation, so the unique _id picks one
// winner among racing servers even on FerretDB, where a conditional
// update is no compare-and-set; afterwards only the holder writes its
// generation (renewal, release) and the subscription's progress, after
// checking the newest generation is its own and live. The page-token key
// shared by every server is in secrets, first insert wins.
//
// # Stored form
//
// Times are int64 Unix nanoseconds, so they round-trip exactly (BSON dates
// hold milliseconds); times before 1678 or after 2262 are clamped to the
// nearest representable one. The event body is a BSON binary, never a
// sub-document: user extension keys may contain '.' or start with '$'.
// Terms are an array of strings with a multikey index.
//
// Open sets write concern majority, read concern majority and retryable
// writes unless the URI says otherwise. It sets no client-level timeout
// (which breaks distinct on FerretDB); every call honours its context.
package mongostore
