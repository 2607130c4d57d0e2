package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// traceDoc is a small genealogy: raw lot RAW1 received from a supplier and
// made into FIN1 (by class), FIN1's serials commissioned with their lot
// number, packed into a case and shipped to a buyer. No event has an
// eventID, so the server gives each its hash.
const traceDoc = `{"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
"type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-03-01T00:00:00Z",
"epcisBody": {"eventList": [
 {"type": "ObjectEvent", "eventTime": "2024-03-01T06:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
  "bizStep": "receiving", "bizLocation": {"id": "urn:epc:id:sgln:4012345.00001.0"},
  "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.RAW1", "quantity": 100, "uom": "KGM"}],
  "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00009"}]},
 {"type": "TransformationEvent", "eventTime": "2024-03-01T07:00:00Z", "eventTimeZoneOffset": "+00:00",
  "bizStep": "commissioning", "transformationID": "urn:uuid:mix-1",
  "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.RAW1", "quantity": 10, "uom": "KGM"}],
  "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.044444.FIN1", "quantity": 2}]},
 {"type": "ObjectEvent", "eventTime": "2024-03-01T08:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD",
  "bizStep": "commissioning", "epcList": ["urn:epc:id:sgtin:4012345.044444.1", "urn:epc:id:sgtin:4012345.044444.2"],
  "ilmd": {"cbvmda:lotNumber": "FIN1"}},
 {"type": "AggregationEvent", "eventTime": "2024-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD",
  "bizStep": "packing", "parentID": "urn:epc:id:sscc:4012345.0000000011",
  "childEPCs": ["urn:epc:id:sgtin:4012345.044444.1", "urn:epc:id:sgtin:4012345.044444.2"]},
 {"type": "ObjectEvent", "eventTime": "2024-03-01T10:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE",
  "bizStep": "shipping", "epcList": ["urn:epc:id:sscc:4012345.0000000011"],
  "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:4012345.00021"}]}
]}}`

// startTraceServer runs a server on a fresh store with traceDoc captured.
func startTraceServer(t *testing.T) string {
	t.Helper()
	c, err := parseServe([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.close(context.Background()) })
	base := "http://" + srv.Addr
	resp, err := http.Post(base+"/capture", "application/ld+json", strings.NewReader(traceDoc))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("capture: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r, err := http.Get(base + loc)
		if err != nil {
			t.Fatal(err)
		}
		var j struct {
			Running bool
			Success bool
			Errors  any
		}
		json.NewDecoder(r.Body).Decode(&j)
		r.Body.Close()
		if !j.Running {
			if !j.Success {
				t.Fatalf("capture failed: %v", j.Errors)
			}
			return base
		}
	}
	t.Fatal("capture job still running")
	return ""
}

func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if err != nil {
		code = exitCode(err)
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func TestTrace(t *testing.T) {
	base := startTraceServer(t)
	const (
		raw = "urn:epc:class:lgtin:4012345.011111.RAW1"
		fin = "urn:epc:class:lgtin:4012345.044444.FIN1"
		// FIN1 as a Digital Link, the other name the server takes.
		finDL = "https://id.gs1.org/01/04012345444445/10/FIN1"
		rawDL = "https://id.gs1.org/01/04012345111118/10/RAW1"
	)
	hash := `  \[[0-9a-f]{12}\]`
	for _, tt := range []struct {
		name string
		args []string
		want []string // lines in this order, each a prefix of a line (after trimming the eventIDs)
	}{
		{"both ways from the raw lot", []string{"--url", base, raw}, []string{
			"lot RAW1 (GTIN 04012345111118)",
			"  " + rawDL,
			"backward (made from), depth 10:",
			"└── supplied by party https://id.gs1.org/417/4012345000092",
			"forward (went into, packed into, shipped to, received at), depth 10:",
			"├── went into lot FIN1 (GTIN 04012345444445)",
			"│   └── packed into container https://id.gs1.org/00/040123450000000115",
			"│       └── shipped to party https://id.gs1.org/417/4012345000214",
			"└── received at location https://id.gs1.org/414/4012345000016",
			"6 nodes, 5 edges",
		}},
		{"forward from the finished lot", []string{"--url", base, "--direction", "forward", fin}, []string{
			"lot FIN1 (GTIN 04012345444445)",
			"forward (went into, packed into, shipped to, received at), depth 10:",
			"└── packed into container https://id.gs1.org/00/040123450000000115",
			"    └── shipped to party https://id.gs1.org/417/4012345000214",
		}},
		// Upstream material shows where it came from and where it was
		// received, as leaves.
		{"backward one hop by Digital Link", []string{"--url", base, "--direction", "backward", "--depth", "1", finDL}, []string{
			"lot FIN1 (GTIN 04012345444445)",
			"backward (made from), depth 1:",
			"└── made from lot RAW1 (GTIN 04012345111118)",
			"    ├── supplied by party https://id.gs1.org/417/4012345000092",
			"    └── received at location https://id.gs1.org/414/4012345000016",
			"4 nodes, 3 edges",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(append([]string{"trace"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			lines := strings.Split(out, "\n")
			i := 0
			for _, l := range lines {
				if i < len(tt.want) && strings.HasPrefix(l, tt.want[i]) {
					i++
				}
			}
			if i < len(tt.want) {
				t.Fatalf("line %q not found in order in\n%s", tt.want[i], out)
			}
			// Every edge line ends with its events, shortened.
			for _, l := range lines {
				if strings.Contains(l, " into ") || strings.Contains(l, " from ") || strings.Contains(l, " to ") || strings.Contains(l, " at ") || strings.Contains(l, " by ") {
					if !regexp.MustCompile(hash).MatchString(l) {
						t.Errorf("edge line without short event IDs: %q", l)
					}
				}
			}
			if strings.HasPrefix(tt.name, "forward") && strings.Contains(out, "backward") {
				t.Errorf("forward trace has a backward section:\n%s", out)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		out, errs, code := runCLI("trace", "--url", base, "--json", raw)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var g struct {
			Lot    string
			Nodes  []struct{ Kind, ID string }
			Edges  []struct{ Kind string }
			Counts map[string]int
		}
		if err := json.Unmarshal([]byte(out), &g); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if g.Lot != rawDL || g.Counts["edges"] != len(g.Edges) || g.Counts["consumed-into"] != 1 || g.Counts["packed-into"] != 1 {
			t.Errorf("trace = %+v", g)
		}
		if !strings.HasPrefix(out, "{\n  \"") {
			t.Errorf("not indented: %.40q", out)
		}
	})

	// The recall spreadsheet comes from GET /lots/{lot}/recall, which a
	// server may not have yet; then the command says so.
	t.Run("csv", func(t *testing.T) {
		out, errs, code := runCLI("trace", "--url", base, "--csv", "--depth", "3", fin)
		switch code {
		case 0:
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) < 2 || !strings.Contains(out, finDL) {
				t.Errorf("not a spreadsheet with rows (%v):\n%s", err, out)
			}
		case 1:
			if !strings.Contains(errs, "has no GET /lots/{lot}/recall") {
				t.Errorf("stderr %q does not say the recall is missing", errs)
			}
		default:
			t.Errorf("exit %d: %s", code, errs)
		}
	})

	// A server without the recall route answers as Echo does for an
	// unrouted path.
	t.Run("csv without recall", func(t *testing.T) {
		old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"type":"epcisException:NoSuchResourceException","title":"No such resource","status":404,"detail":"no such resource"}`)
		}))
		defer old.Close()
		_, errs, code := runCLI("trace", "--url", old.URL, "--csv", fin)
		if code != 1 || !strings.Contains(errs, "has no GET /lots/{lot}/recall") {
			t.Errorf("exit %d, stderr %q; want 1 saying the recall is missing", code, errs)
		}
	})

	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no event about the lot", []string{"--url", base, "urn:epc:class:lgtin:4012345.011111.NONE"}, 1, "trace: No such resource"},
		{"not a lot", []string{"--url", base, "urn:epc:id:sscc:4012345.0000000011"}, 1, "trace: Invalid query parameter: "},
		{"unknown flag", []string{"--url", base, "--sideways", fin}, 2, "flag provided but not defined"},
		{"bad direction", []string{"--url", base, "--direction", "up", fin}, 2, "--direction"},
		{"depth out of range", []string{"--url", base, "--depth", "51", fin}, 2, "--depth"},
		{"no lot", []string{"--url", base}, 2, "one LOT"},
		{"json and csv", []string{"--url", base, "--json", "--csv", fin}, 2, "exclude"},
		{"server down", []string{"--url", "http://127.0.0.1:1", fin}, 1, "trace: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(append([]string{"trace"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.msg) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d naming %q", code, errs, out, tt.code, tt.msg)
			}
		})
	}
}

// TestTraceTreeRepeatsAndCycles checks the tree on graphs the server could
// give: a node reached by two paths is expanded once, and a cycle ends.
func TestTraceTreeRepeatsAndCycles(t *testing.T) {
	g := traceGraph{Lot: "A", Direction: "both", Depth: 10,
		Nodes: []struct {
			Kind  string `json:"kind"`
			ID    string `json:"id"`
			Label string `json:"label"`
		}{{"lot", "A", "lot A"}, {"lot", "B", "lot B"}, {"container", "C", ""}, {"container", "P", "pallet P"}},
		Edges: []traceEdge{
			{"consumed-into", "A", "B", []string{"ni:///sha-256;0123456789abcdef0123?ver=CBV2.0"}},
			{"consumed-into", "B", "A", []string{"urn:uuid:6c1d0000-0000-4000-8000-000000000002"}},
			{"packed-into", "A", "C", []string{"e3"}},
			{"packed-into", "B", "C", []string{"e4"}},
			{"packed-into", "C", "P", []string{"e5"}},
		}}
	want := `lot lot A
  A

backward (made from), depth 10:
└── made from lot lot B  [6c1d0000-000]
    └── made from lot lot A  [0123456789ab]  (see above)

forward (went into, packed into, shipped to, received at), depth 10:
├── went into lot lot B  [0123456789ab]  (see above)
└── packed into container C  [e3]
    └── packed into container pallet P  [e5]

4 nodes, 5 edges
`
	if got := g.tree(); got != want {
		t.Errorf("tree =\n%s\nwant\n%s", got, want)
	}
}
