package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis/demo"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/hierarchy"
	"github.com/lotline/lotline/store"
)

// startDemo starts a server with --demo on dir and returns its base URL,
// the server and its log.
func startDemo(t *testing.T, dir string) (string, *server, string) {
	t.Helper()
	c, err := parseServe([]string{"--demo", "--addr", "127.0.0.1:0", "--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logb bytes.Buffer
	srv, err := startServer(context.Background(), c, slog.New(slog.NewTextHandler(&logb, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + srv.Addr, srv, logb.String()
}

func countEvents(t *testing.T, st store.Store) int {
	t.Helper()
	n := 0
	if err := st.Events(context.Background(), store.Scan{}, func(*store.Event) (bool, error) { n++; return true, nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	base, srv, logs := startDemo(t, dir)
	n := countEvents(t, srv.Store)
	if n != 30 {
		t.Errorf("%d events stored, want the demo's 30", n)
	}
	if !strings.Contains(logs, "demo data loaded: 30 events; try: lotline trace "+demo.FinishedLot) {
		t.Errorf("log lacks the demo line:\n%s", logs)
	}

	type graph struct {
		Nodes []struct{ Kind, ID, Label string }
		Edges []struct{ Kind, From, To string }
	}
	ids := func(g graph, kind string) []string {
		var out []string
		for _, nd := range g.Nodes {
			if nd.Kind == kind {
				out = append(out, nd.ID+" "+nd.Label)
			}
		}
		return out
	}
	has := func(list []string, sub string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, sub) })
	}
	lotPath := func(lot, rest string) string { return base + "/lots/" + url.PathEscape(lot) + rest }

	var back, fwdB graph
	getJSON(t, lotPath(demo.FinishedLot, "/trace?direction=backward"), &back)
	for _, raw := range []string{"/10/SUG-2601", "/10/CIT-2602", "/10/MIX-2603"} {
		if !has(ids(back, "lot"), raw) {
			t.Errorf("backward trace lacks lot %s: %v", raw, ids(back, "lot"))
		}
	}
	buyerGLN := func(b demo.Buyer) string { return gs1.MustParseEPC(b.Party).GLN() }
	// Lot B's bottles were packed by quantity into cases on the third
	// pallet, shipped to the third buyer.
	getJSON(t, lotPath(demo.FinishedLotB, "/trace?direction=forward"), &fwdB)
	if b := demo.Buyers[2]; !has(ids(fwdB, "party"), buyerGLN(b)) {
		t.Errorf("forward trace of lot B lacks buyer %s: %v", b.Name, ids(fwdB, "party"))
	}

	var rc struct {
		Affected struct {
			Lots    []struct{ ID, Label string }
			Parties []struct{ ID, Label string }
		}
	}
	getJSON(t, lotPath(demo.RawLot, "/recall"), &rc)
	var lots, rparties []string
	for _, l := range rc.Affected.Lots {
		lots = append(lots, l.ID)
	}
	for _, p := range rc.Affected.Parties {
		rparties = append(rparties, p.ID)
	}
	for _, fin := range []string{"/10/FG-2603A", "/10/FG-2603B"} {
		if !has(lots, fin) {
			t.Errorf("recall of %s lacks finished lot %s: %v", demo.RawLot, fin, lots)
		}
	}
	if b := demo.Buyers[2]; !has(rparties, buyerGLN(b)) {
		t.Errorf("recall of %s lacks buyer %s: %v", demo.RawLot, b.Name, rparties)
	}

	// Lot A's cases, under the case GTIN: each case's own events say its
	// lot (commissioning ILMD) and the pallet it ended on; that pallet's
	// shipment goes to the buyer. Case 1002 moved from the first pallet to
	// the second; case 1005 stayed in the warehouse.
	type event struct {
		Type, Action, BizStep, ParentID string
		ILMD                            map[string]any `json:"ilmd"`
		DestinationList                 []struct{ Type, Destination string }
	}
	eventsOf := func(q string) []event {
		var doc struct {
			EpcisBody struct {
				QueryResults struct{ ResultsBody struct{ EventList []event } }
			}
		}
		getJSON(t, base+"/events?"+q, &doc)
		return doc.EpcisBody.QueryResults.ResultsBody.EventList
	}
	canon := func(id string) string {
		e, err := gs1.ParseEPC(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return e.Canonical()
	}
	pallets := demo.Pallets()
	wantPallet := []int{0, 1, 1, 1, -1}
	for i, c := range demo.CasesA() {
		lot, pallet := "", ""
		for _, e := range eventsOf("MATCH_anyEPC=" + url.QueryEscape(c)) {
			switch {
			case e.BizStep == "commissioning":
				lot, _ = e.ILMD["cbvmda:lotNumber"].(string)
			case e.Type == "AggregationEvent" && e.Action == "ADD":
				pallet = e.ParentID
			case e.Type == "AggregationEvent" && e.Action == "DELETE" && e.ParentID == pallet:
				pallet = ""
			}
		}
		if lot != "FG-2603A" {
			t.Errorf("case %s: lot %q in its commissioning ILMD, want FG-2603A", c, lot)
		}
		want := ""
		if wantPallet[i] >= 0 {
			want = canon(pallets[wantPallet[i]])
		}
		if pallet != want {
			t.Errorf("case %s ends on pallet %q, want %q", c, pallet, want)
		}
	}
	for i, p := range pallets[:2] {
		var to []string
		for _, e := range eventsOf("EQ_bizStep=shipping&MATCH_anyEPC=" + url.QueryEscape(p)) {
			for _, d := range e.DestinationList {
				if d.Type == "owning_party" {
					to = append(to, d.Destination)
				}
			}
		}
		if want := canon(demo.Buyers[i].Party); !slices.Equal(to, []string{want}) {
			t.Errorf("pallet %s shipped to %v, want %s", p, to, want)
		}
	}
	// The hierarchy master data is stored as captured.
	md, err := srv.Store.MasterData(context.Background(), "urn:epcglobal:epcis:vtype:EPCClass")
	if err != nil {
		t.Fatal(err)
	}
	var children []hierarchy.Child
	for _, el := range md {
		for _, a := range el.Attributes {
			if ch, err := hierarchy.Children(a.ID, a.Value); err != nil {
				t.Errorf("%s %s: %v", el.ID, a.ID, err)
			} else if el.ID == demo.CaseClass {
				children = append(children, ch...)
			}
		}
	}
	if want := []hierarchy.Child{{GTIN: demo.EachGTIN, Quantity: demo.CaseSize}}; !slices.Equal(children, want) {
		t.Errorf("stored hierarchy of %s = %v, want %v", demo.CaseClass, children, want)
	}
	if err := srv.close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A second start on the same data leaves the store as it was.
	_, srv2, logs2 := startDemo(t, dir)
	defer srv2.close(context.Background())
	if got := countEvents(t, srv2.Store); got != n {
		t.Errorf("after a second --demo start: %d events, want %d", got, n)
	}
	if !strings.Contains(logs2, "demo data skipped") {
		t.Errorf("second start does not log the skip:\n%s", logs2)
	}
}

func TestParseServeDemo(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  string
		want bool
		bad  bool
	}{
		{nil, "", false, false},
		{[]string{"--demo"}, "", true, false},
		{[]string{"--demo=false"}, "true", false, false},
		{nil, "true", true, false},
		{nil, "maybe", false, true},
	} {
		getenv := func(k string) string {
			if k == "LOTLINE_DEMO" {
				return tt.env
			}
			return ""
		}
		c, err := parseServe(tt.args, getenv, io.Discard)
		if tt.bad {
			if err == nil {
				t.Errorf("%v env %q: no error", tt.args, tt.env)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v env %q: %v", tt.args, tt.env, err)
		}
		if c.Demo != tt.want {
			t.Errorf("%v env %q: Demo %v, want %v", tt.args, tt.env, c.Demo, tt.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a server goroutine writing and a
// test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoCommand: lotline demo serves the demo from a temporary store
// and removes it when stopped; it refuses --data.
func TestDemoCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, nil, io.Discard, &logs)
	}()
	addr := regexp.MustCompile(`addr=(http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; {
		if m := addr.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("lotline demo did not start listening:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	dir := regexp.MustCompile(`temporary store in (\S+),`).FindStringSubmatch(logs.String())
	if dir == nil {
		t.Fatalf("no temporary directory in the log:\n%s", logs.String())
	}
	var lots struct{ Member []string }
	getJSON(t, base+"/lots?perPage=1000", &lots)
	if !slices.ContainsFunc(lots.Member, func(l string) bool { return strings.HasSuffix(l, "/10/FG-2603A") }) {
		t.Errorf("GET /lots of the demo = %q, want the finished lot FG-2603A", lots.Member)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir[1]); !os.IsNotExist(err) {
		t.Errorf("the demo's directory %s is still there (%v)", dir[1], err)
	}
	err := run(context.Background(), []string{"demo", "--data=/tmp/x"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if code := exitCode(err); code != 2 {
		t.Errorf("lotline demo --data: %v (exit %d), want a usage error", err, code)
	}
}
