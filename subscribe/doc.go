// Package subscribe serves standing queries: webhook subscriptions
// (POST /queries/{name}/subscriptions), which are stored and survive
// restarts, and WebSocket streams, which live as long as their
// connection. It owns when a subscription runs (on capture, on its
// cron-like schedule, on retry), what it delivers (the named query
// restricted to events after the subscription's progress point, in
// capture order, in chunks), how (signed POSTs through an SSRF-safe
// client, with timeouts, retries with backoff and a per-party rate), and
// the progress and lease bookkeeping in the store. It does not parse
// HTTP requests or encode documents: the api package gives it a query
// compiler and a document writer.
//
// # Delivery guarantee
//
// A subscription's progress is (MinRecordTime, AfterSeq): every event
// recorded before MinRecordTime has been considered, and every matching
// event with Seq up to AfterSeq has been delivered. A pass reads the
// named query restricted to recordTime in [MinRecordTime, cutoff) and Seq
// > AfterSeq, in Seq order, at most ChunkSize events at a time, POSTs each
// chunk and advances the progress only when the receiver answered 2xx,
// with a compare-and-set on the subscription's lease. A failed delivery
// leaves the progress where it was and is retried after an exponential
// backoff with jitter, so every matching event is delivered at least
// once; with a receiver that acknowledges every delivery, exactly once.
// A server that crashes between a 2xx and the progress update delivers
// that chunk's events again (perhaps cut into other chunks): receivers
// that must see each event once drop repeats by eventID.
//
// The cutoff is the time the pass began minus Config.VisibilityLag.
// Recording times never decrease along Seq, and a store makes a batch
// visible some time after it assigns its recordTime. After a pass,
// MinRecordTime moves to the cutoff or to the recordTime of the newest
// visible event, whichever is earlier: an event recorded before that is
// visible already, so none is passed over. On SQLite a single writer
// commits in Seq order, so Seq alone never skips an event and the lag
// is 0. On MongoDB several writers may make batches visible out of Seq
// order, so a pass only takes events recorded more than the lag ago: an
// event that becomes visible later than that after its recordTime (a
// writer stalled longer than the lag) could be passed over. Capture of a
// very large document on a slow MongoDB is the case to watch; the lag
// is 5 s there (`lotline serve` with a mongodb:// store).
//
// Rolled-back captures are never visible to any reader, so they are
// never delivered.
//
// # Leases
//
// A server serves a stored subscription only while it holds the
// subscription's lease in the store, so that with several servers over
// one MongoDB exactly one serves it at a time, and it advances the
// progress only with a compare-and-set on that lease. It keeps the lease
// while it goes on serving (renewing it when half of Config.Lease is
// left) and releases it at Close; the leases of a server that dies
// expire after Config.Lease, and another server takes over from the
// stored progress.
package subscribe
