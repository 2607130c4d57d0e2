package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/lotline/lotline/store/mongo/mongotest"
)

// multiLease is the subscription lease of the multi-server test: long
// enough that a holder on a busy machine renews in time (a lapse would be
// a takeover, and a repeat, in what must be the steady state), short
// enough that the test sees a takeover soon.
const multiLease = 6 * time.Second

// TestMultiServer runs three lotline processes on one MongoDB (FerretDB
// in this process) and kills one with SIGKILL while clients capture
// through all three and six stream subscriptions deliver to a local
// receiver. It checks what issue 18 promises of several servers on one
// database:
//   - a named query made on one server runs on the others, and page
//     tokens made by one server are good on the others (the key is in the
//     store);
//   - nothing acknowledged is lost: every event answered 201 and every
//     job reported successful by any server, the dead one included, is
//     visible through each survivor, and no document is partly visible;
//   - no capture job stays running: the dead server's jobs are finished
//     or failed by a survivor once their lease runs out;
//   - the dead server's subscriptions move to a survivor (their lease in
//     the store names it) and deliver everything, and every delivered
//     event is a visible one;
//   - in the steady state nothing is delivered twice: the subscriptions
//     the survivors held all along got every event once, and after the
//     takeover every subscription gets each new event once. Only the
//     dead server's subscriptions may repeat the events around the kill
//     (a delivery acknowledged by the receiver before the progress
//     write), which at-least-once delivery allows.
func TestMultiServer(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-server test skipped in -short mode")
	}
	t0 := time.Now()
	phase := func(what string) { t.Logf("%6.1fs %s", time.Since(t0).Seconds(), what) }
	bin := buildBinary(t)
	phase("built")
	uri := mongotest.Start(t)
	rcv := newReceiver()
	hs := httptest.NewServer(rcv)
	defer hs.Close()

	args := []string{"--store", uri, "--job-lease", "3s", "--subscription-lease", multiLease.String(),
		"--allow-private-webhooks", "--audit=false"}
	var procs []*serveProcess
	for range 3 {
		p := startServeProcess(t, bin, append([]string{"--data", t.TempDir()}, args...))
		if p.instance == "" {
			t.Fatalf("the listening line names no instance:\n%s", p.logTail())
		}
		procs = append(procs, p)
	}
	defer func() {
		for _, p := range procs {
			if p.cmd.ProcessState == nil {
				p.cmd.Process.Kill()
				p.cmd.Wait()
			}
		}
		if t.Failed() {
			for i, p := range procs {
				t.Logf("server %d (%s) log tail:\n%s", i, p.instance, p.logTail())
			}
		}
	}()

	phase("started")
	// A named query made on the first server is read on the others.
	mustDo(t, "POST", procs[0].base+"/queries", `{"name":"all","query":{"eventType":["ObjectEvent"]}}`, http.StatusCreated)
	for _, p := range procs[1:] {
		mustDo(t, "GET", p.base+"/queries/all", "", http.StatusOK)
	}
	// Six stream subscriptions, made through each server in turn.
	initial := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	var subIDs []string
	for i := range 6 {
		b := mustDo(t, "POST", procs[i%3].base+"/queries/all/subscriptions",
			fmt.Sprintf(`{"dest":%q,"stream":true,"initialRecordTime":%q}`, hs.URL+"/hook", initial), http.StatusCreated)
		var sub struct{ SubscriptionID string }
		if err := json.Unmarshal(b, &sub); err != nil || sub.SubscriptionID == "" {
			t.Fatalf("subscription answer %s: %v", b, err)
		}
		subIDs = append(subIDs, sub.SubscriptionID)
	}
	db := openLeaseReader(t, uri)
	holders := waitHolders(t, db, subIDs, nil, 30*time.Second)
	phase(fmt.Sprintf("leases before the kill: %v", holders))

	// Traffic through all three servers.
	rec := &crashRecord{finished: map[string]bool{}, sample: true}
	var serial int
	next := func() int {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		serial++
		return serial
	}
	traffic := func(bases []string, d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var wg sync.WaitGroup
		for c := range 3 {
			wg.Go(func() {
				// Paced: FerretDB scans its collection for most
				// lookups, so a few hundred events keep the test quick.
				for i := 0; ctx.Err() == nil; i++ {
					base := bases[(c+i)%len(bases)]
					n := next()
					if c == 0 {
						postEvent(ctx, base, rec, n)
					} else {
						postDoc(ctx, base, rec, n, 2+n%3)
					}
					select {
					case <-ctx.Done():
					case <-time.After(150 * time.Millisecond):
					}
				}
			})
		}
		wg.Wait()
	}
	all := []string{procs[0].base, procs[1].base, procs[2].base}

	// Kill the server holding most leases, mid-traffic.
	victim := 0
	count := map[string]int{}
	for _, h := range holders {
		count[h]++
	}
	for i, p := range procs {
		if count[p.instance] > count[procs[victim].instance] {
			victim = i
		}
	}
	var moved, kept []string // the victim's subscriptions, and the others
	for _, id := range subIDs {
		if holders[id] == procs[victim].instance {
			moved = append(moved, id)
		} else {
			kept = append(kept, id)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		traffic(all, 4*time.Second)
	}()
	time.Sleep(2 * time.Second)
	// A large document the victim has accepted and is still storing
	// when it dies: a survivor must fail its job.
	bigLoc := postBig(t, procs[victim].base, rec, 3000)
	procs[victim].cmd.Process.Signal(syscall.SIGKILL)
	procs[victim].cmd.Wait()
	<-done
	var survivors []*serveProcess
	var live []string
	for i, p := range procs {
		if i != victim {
			survivors = append(survivors, p)
			live = append(live, p.base)
		}
	}
	// Traffic goes on through the survivors while the dead server's
	// leases run out.
	traffic(live, 2*time.Second)

	// No job is left running, nothing acknowledged is lost, and each
	// survivor sees what any server stored. The visible events are read
	// a page at a time alternating between the survivors: a page token
	// made by one is good on the other.
	phase("traffic done")
	waitJobs(t, live, rec, 30*time.Second)
	phase("jobs settled")
	visibleIDs := pageAllEvents(t, live)
	if other := pageAllEvents(t, []string{live[1], live[0]}); !sameSet(visibleIDs, other) {
		t.Errorf("the survivors disagree: %d events visible through one, %d through the other", len(visibleIDs), len(other))
	}
	checkCaptures(t, rec, visibleIDs, live)
	b := mustDo(t, "GET", live[0]+bigLoc, "", http.StatusOK)
	var big struct {
		Running, Success bool
		Errors           []struct{ Title, Detail string }
	}
	if err := json.Unmarshal(b, &big); err != nil {
		t.Fatal(err)
	}
	if big.Running || big.Success || len(big.Errors) == 0 || big.Errors[len(big.Errors)-1].Title != "Capture job abandoned" {
		t.Errorf("the job the dead server was running: %s; want it failed as abandoned by a survivor", b)
	}
	t.Logf("%d events visible", len(visibleIDs))
	rec.mu.Lock()
	t.Logf("%d documents sent, %d jobs seen finished, %d single events acknowledged; killed server %d holding %d of %d subscriptions",
		len(rec.docs), len(rec.finished), len(rec.ackEvents), victim, len(moved), len(subIDs))
	if len(rec.finished) == 0 || len(rec.ackEvents) == 0 || len(moved) == 0 {
		t.Error("the test captured nothing or killed a server holding no subscription; it proves nothing")
	}
	rec.mu.Unlock()

	// Every subscription gets every visible event (the dead server's from
	// the survivor that took its lease over), and nothing else.
	rcv.waitAll(t, subIDs, visibleIDs, 90*time.Second)
	phase("all delivered")
	after := waitHolders(t, db, subIDs, []string{survivors[0].instance, survivors[1].instance}, 30*time.Second)
	t.Logf("leases after the kill: %v", after)
	rcv.check(t, subIDs, visibleIDs, kept)

	// Steady state: new events through both survivors reach every
	// subscription exactly once.
	rcv.reset()
	var fresh []string
	for i := range 10 {
		id := fmt.Sprintf("urn:uuid:00000000-0000-4000-a000-%012d", i)
		ev := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],` + crashEvent(id, 800000000+i)[1:]
		mustDo(t, "POST", live[i%2]+"/events", ev, http.StatusCreated)
		fresh = append(fresh, id)
	}
	phase("steady-state events captured")
	rcv.waitAll(t, subIDs, fresh, 60*time.Second)
	phase("steady-state events delivered")
	time.Sleep(multiLease) // time for a repeat to show
	rcv.check(t, subIDs, fresh, subIDs)
}

// postBig captures a document of n events through base and returns its
// job's location as soon as it is accepted.
func postBig(t *testing.T, base string, rec *crashRecord, n int) string {
	t.Helper()
	d := &crashDoc{}
	var evs []string
	for i := range n {
		id := fmt.Sprintf("urn:uuid:00000000-0000-4000-b000-%012d", i)
		d.ids = append(d.ids, id)
		evs = append(evs, crashEvent(id, 700000000+i))
	}
	body := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",` +
		`"schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00Z","epcisBody":{"eventList":[` + strings.Join(evs, ",") + `]}}`
	resp, err := httpDo(context.Background(), "POST", base+"/capture", body)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("capturing the large document: %v %v", resp, err)
	}
	d.location = resp.Header.Get("Location")
	rec.mu.Lock()
	rec.docs = append(rec.docs, d)
	rec.mu.Unlock()
	return d.location
}

// mustDo sends one request and fails the test unless it gets want; it
// returns the answer's body.
func mustDo(t *testing.T, method, u, body string, want int) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %s, want %d", method, u, resp.StatusCode, b, want)
	}
	return b
}

// waitJobs waits until no acknowledged capture job is running, asking
// the servers at bases in turn, and records how each ended.
func waitJobs(t *testing.T, bases []string, rec *crashRecord, within time.Duration) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	deadline := time.Now().Add(within)
	for i, d := range rec.docs {
		if d.location == "" {
			continue
		}
		for {
			b := mustDo(t, "GET", bases[i%len(bases)]+d.location, "", http.StatusOK)
			var job struct{ Running, Success bool }
			if err := json.Unmarshal(b, &job); err != nil {
				t.Fatalf("job %s: %v", d.location, err)
			}
			if !job.Running {
				if ok, seen := rec.finished[d.location]; seen && ok != job.Success {
					t.Errorf("job %s was reported success=%v, now %v", d.location, ok, job.Success)
				}
				d.success = job.Success
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still running %v after the kill", d.location, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// checkCaptures checks the visible events against what was
// acknowledged: no document partly visible, a successful job wholly
// visible and a failed one not at all, every acknowledged single event
// visible.
func checkCaptures(t *testing.T, rec *crashRecord, visibleIDs []string, bases []string) {
	t.Helper()
	vis := map[string]bool{}
	for _, id := range visibleIDs {
		vis[id] = true
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, d := range rec.docs {
		n := 0
		for _, id := range d.ids {
			if vis[id] {
				n++
			}
		}
		if n != 0 && n != len(d.ids) {
			// Tell a listing that skipped events from events not stored.
			var found []string
			for _, id := range d.ids {
				for _, b := range bases {
					if !vis[id] && visibleAt(t, b, id) {
						found = append(found, b+" has "+id)
					}
				}
			}
			t.Errorf("document %s is partly in the listing: %d of %d events; by eventID: %v", d.location, n, len(d.ids), found)
		}
		if d.location != "" && d.success != (n == len(d.ids)) {
			t.Errorf("job %s success=%v but %d of %d events are visible", d.location, d.success, n, len(d.ids))
		}
	}
	for _, id := range rec.ackEvents {
		if !vis[id] {
			t.Errorf("acknowledged event %s lost", id)
		}
	}
}

// visibleAt reports whether GET /events/{id} finds the event.
func visibleAt(t *testing.T, base, id string) bool {
	t.Helper()
	resp, err := http.Get(base + "/events/" + url.PathEscape(id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

var nextLinkRE = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// pageAllEvents reads GET /events a page at a time, each page from the
// next of bases, and returns the eventIDs.
func pageAllEvents(t *testing.T, bases []string) []string {
	t.Helper()
	var ids []string
	path := "/events?eventType=ObjectEvent&perPage=20"
	page := 0
	for ; path != ""; page++ {
		resp, err := http.Get(bases[page%len(bases)] + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d from %s: %d %s", page, bases[page%len(bases)], resp.StatusCode, b)
		}
		var doc struct {
			EPCISBody struct {
				QueryResults struct {
					ResultsBody struct {
						EventList []struct{ EventID string }
					}
				}
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, e := range doc.EPCISBody.QueryResults.ResultsBody.EventList {
			ids = append(ids, e.EventID)
		}
		path = ""
		if m := nextLinkRE.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			path = m[1]
		}
	}
	if page < 3 {
		t.Errorf("the events came in %d pages: too few to show a token made by one server read by another", page)
	}
	return ids
}

// receiver is a webhook receiver counting the deliveries of each event
// to each subscription.
type receiver struct {
	mu  sync.Mutex
	got map[string]map[string]int // subscription -> eventID -> deliveries
	log map[string][]string       // subscription -> delivery IDs, as received
}

func newReceiver() *receiver {
	return &receiver{got: map[string]map[string]int{}, log: map[string][]string{}}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, err := io.ReadAll(req.Body)
	var doc struct {
		EPCISBody struct {
			QueryResults struct {
				SubscriptionID string
				ResultsBody    struct {
					EventList []struct{ EventID string }
				}
			}
		}
	}
	if err != nil || json.Unmarshal(b, &doc) != nil {
		http.Error(w, "bad document", http.StatusBadRequest)
		return
	}
	qr := doc.EPCISBody.QueryResults
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.got[qr.SubscriptionID]
	if m == nil {
		m = map[string]int{}
		r.got[qr.SubscriptionID] = m
	}
	for _, e := range qr.ResultsBody.EventList {
		m[e.EventID]++
	}
	r.log[qr.SubscriptionID] = append(r.log[qr.SubscriptionID],
		time.Now().Format("05.000")+" "+req.Header.Get("Lotline-Delivery-ID"))
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = map[string]map[string]int{}
	r.log = map[string][]string{}
}

// waitAll waits until every subscription has had every one of ids.
func (r *receiver) waitAll(t *testing.T, subs, ids []string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r.mu.Lock()
		missing := 0
		for _, s := range subs {
			for _, id := range ids {
				if r.got[s][id] == 0 {
					missing++
				}
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d (subscription, event) pairs still undelivered after %v", missing, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// check fails the test for a delivered event not among ids, and for an
// event delivered more than once to one of once; it logs the repeats of
// the others.
func (r *receiver) check(t *testing.T, subs, ids, once []string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, s := range subs {
		repeats := 0
		for id, n := range r.got[s] {
			if !want[id] {
				t.Errorf("subscription %s got %s, which is not a visible event", s, id)
			}
			if n > 1 {
				repeats += n - 1
				if slices.Contains(once, s) {
					t.Errorf("subscription %s got %s %d times in the steady state", s, id, n)
				}
			}
		}
		if repeats > 0 {
			t.Logf("subscription %s: %d repeated deliveries (taken over from the dead server); deliveries: %v", s, repeats, r.log[s])
		}
	}
}

// openLeaseReader connects to the test's database to read the
// subscriptions' leases, which the API does not show.
func openLeaseReader(t *testing.T, uri string) *mongo.Collection {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return c.Database(strings.TrimPrefix(u.Path, "/")).Collection("subscription_leases")
}

// waitHolders waits until every subscription has a live lease, held by
// one of among when it is not nil, and returns the holders.
func waitHolders(t *testing.T, coll *mongo.Collection, subs, among []string, within time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cur, err := coll.Find(ctx, bson.D{})
		var docs []struct {
			Sub    string `bson:"s"`
			Gen    int64  `bson:"g"`
			Holder string `bson:"h"`
			Until  int64  `bson:"u"`
		}
		if err == nil {
			err = cur.All(ctx, &docs)
		}
		cancel()
		if err != nil {
			t.Fatalf("reading leases: %v", err)
		}
		// The newest generation of each subscription's lease is the
		// lease (see store/mongo/subscriptions.go).
		gen := map[string]int64{}
		held := map[string]string{}
		for _, d := range docs {
			if d.Gen < gen[d.Sub] {
				continue
			}
			gen[d.Sub] = d.Gen
			delete(held, d.Sub)
			if d.Until > time.Now().UnixNano() && (among == nil || slices.Contains(among, d.Holder)) {
				held[d.Sub] = d.Holder
			}
		}
		ok := true
		for _, s := range subs {
			if held[s] == "" {
				ok = false
			}
		}
		if ok {
			return held
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the leases are %v (of %d documents), want every subscription held by one of %v", within, held, len(docs), among)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
