package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotline/lotline/store/mongo/mongotest"
)

// The parties of the client tests: A captures everything; B sees nothing
// of it.
const (
	partyA = "4012345000009"
	partyB = "4012345000016"
)

// cliRun runs the command with an environment and a standard input.
func cliRun(env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	if err != nil {
		code = exitCode(err)
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// clientServer is a server with keys for parties A and B.
type clientServer struct {
	url        string
	keyA, keyB string
}

// startClientServer creates the keys in the store where names, then
// serves it on a port of loopback.
func startClientServer(t *testing.T, where []string) clientServer {
	t.Helper()
	s := clientServer{}
	for _, k := range []struct {
		party string
		key   *string
	}{{partyA, &s.keyA}, {partyB, &s.keyB}} {
		out, msg, err := keysCmd(t, append([]string{"create", "--party", k.party}, where...)...)
		if err != nil {
			t.Fatalf("keys create: %v %s", err, msg)
		}
		*k.key = strings.TrimSpace(out)
	}
	c, err := parseServe(append([]string{"--addr", "127.0.0.1:0"}, where...), func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.close(context.Background()) })
	s.url = "http://" + srv.Addr
	return s
}

// shippingDoc is a document of n shipping ObjectEvents, one a minute.
func shippingDoc(n int) string {
	var evs []string
	for i := range n {
		evs = append(evs, fmt.Sprintf(`{"type": "ObjectEvent", "eventTime": "2024-03-02T10:%02d:00Z", "eventTimeZoneOffset": "+00:00",
 "action": "OBSERVE", "bizStep": "shipping", "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
 "epcList": ["urn:epc:id:sgtin:4012345.011111.%d"]}`, i, 1000+i))
	}
	return `{"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"], "type": "EPCISDocument",
"schemaVersion": "2.0", "creationDate": "2024-03-02T00:00:00Z", "epcisBody": {"eventList": [` + strings.Join(evs, ",\n") + `]}}`
}

// badDoc has an event without an action: a validation error at
// /epcisBody/eventList/0/action.
const badDoc = `{"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"], "type": "EPCISDocument",
"schemaVersion": "2.0", "creationDate": "2024-03-02T00:00:00Z", "epcisBody": {"eventList": [
{"type": "ObjectEvent", "eventTime": "2024-03-02T10:00:00Z", "eventTimeZoneOffset": "+00:00", "epcList": ["urn:epc:id:sgtin:4012345.011111.1"]}]}}`

// xmlDoc is one receiving event in EPCIS 2.0 XML.
const xmlDoc = `<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-03-03T00:00:00Z"><EPCISBody><EventList>
<ObjectEvent><eventTime>2024-03-03T09:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>
<epcList><epc>urn:epc:id:sgtin:4012345.011111.77</epc></epcList><action>OBSERVE</action>
<bizStep>urn:epcglobal:cbv:bizstep:receiving</bizStep><readPoint><id>urn:epc:id:sgln:4012345.00002.0</id></readPoint></ObjectEvent>
</EventList></EPCISBody></epcis:EPCISDocument>`

// fakeTerminal makes the CLI take w for a terminal of width columns for
// the rest of the test.
func fakeTerminal(t *testing.T, w io.Writer, width int) {
	old := termWidth
	termWidth = func(x io.Writer) (int, bool) {
		if x == w {
			return width, true
		}
		return old(x)
	}
	t.Cleanup(func() { termWidth = old })
}

// TestClientCommands runs query, capture, trace and recall against a real
// server on each store, with keys of two parties.
func TestClientCommands(t *testing.T) {
	for _, st := range []struct {
		name  string
		where func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
		{"mongo", func(t *testing.T) []string { return []string{"--store", mongotest.Start(t)} }},
	} {
		t.Run(st.name, func(t *testing.T) { testClientCommands(t, startClientServer(t, st.where(t))) })
	}
}

func testClientCommands(t *testing.T, s clientServer) {
	asA := []string{"--url", s.url, "--key", s.keyA}
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a-trace.json", traceDoc)
	write("b-bad.jsonld", badDoc)
	write("sub/c-receipt.xml", xmlDoc)
	write("sub/notes.txt", "not a document")
	write(".hidden/x.json", badDoc)

	t.Run("capture a folder with a bad document", func(t *testing.T) {
		var stderr bytes.Buffer
		fakeTerminal(t, &stderr, 100)
		var stdout bytes.Buffer
		err := run(context.Background(), append([]string{"capture", "--concurrency", "2"}, append(asA, dir)...),
			func(string) string { return "" }, nil, &stdout, &stderr)
		if exitCode(err) != 1 || err == nil || !strings.Contains(err.Error(), "1 of 3 documents failed") {
			t.Fatalf("exit %d (%v), want 1 saying 1 of 3 failed\n%s", exitCode(err), err, stdout.String())
		}
		out := stdout.String()
		for _, want := range []string{
			"accepted  " + filepath.Join(dir, "a-trace.json") + ": 5 events stored",
			"FAILED    " + filepath.Join(dir, "b-bad.jsonld"),
			"missing property 'action' (at /epcisBody/eventList/0)",
			"accepted  " + filepath.Join(dir, "sub", "c-receipt.xml") + ": 1 events stored",
			"3 documents: 2 accepted, 1 failed; 6 events stored",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "notes.txt") || strings.Contains(out, ".hidden") {
			t.Errorf("report names a file that is not a document:\n%s", out)
		}
		if e := stderr.String(); !strings.Contains(e, "3/3 documents, 6 events, 1 failed") || !strings.Contains(e, "█") {
			t.Errorf("no progress bar on the terminal: %q", e)
		}
	})
	t.Run("capture stdin, json report", func(t *testing.T) {
		out, errs, code := cliRun(map[string]string{"LOTLINE_URL": s.url, "LOTLINE_KEY": s.keyA}, shippingDoc(25), "capture", "--format", "json", "-")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var rs []captureResult
		if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 || !rs[0].Accepted || rs[0].Stored != 25 || rs[0].Document != "(stdin)" || rs[0].CaptureID == "" {
			t.Fatalf("report %s (%v)", out, err)
		}
		if errs != "" {
			t.Errorf("stderr not a terminal, yet %q", errs)
		}
	})
	t.Run("capture invalid XML from stdin", func(t *testing.T) {
		bad := strings.Replace(xmlDoc, "<action>OBSERVE</action>", "", 1)
		out, _, code := cliRun(nil, bad, append([]string{"capture"}, append(asA, "-")...)...)
		if code != 1 || !strings.Contains(out, "FAILED    (stdin)") || !strings.Contains(out, "(at /EPCISDocument/EPCISBody/EventList/ObjectEvent[1]") {
			t.Errorf("exit %d, want the element at fault:\n%s", code, out)
		}
	})
	t.Run("capture stdin that is not a document", func(t *testing.T) {
		out, _, code := cliRun(nil, "hello", append([]string{"capture"}, append(asA, "-")...)...)
		if code != 1 || !strings.Contains(out, "neither JSON") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})

	// 26 shipping events: 25 from stdin, 1 of the trace document.
	const shipped = 26
	ndjson := func(t *testing.T, env map[string]string, args ...string) []map[string]any {
		t.Helper()
		out, errs, code := cliRun(env, "", append([]string{"query", "--format", "ndjson"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var evs []map[string]any
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if l == "" {
				continue
			}
			var ev map[string]any
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			evs = append(evs, ev)
		}
		return evs
	}
	distinct := func(t *testing.T, evs []map[string]any) {
		t.Helper()
		seen := map[string]bool{}
		for _, e := range evs {
			id, _ := e["eventID"].(string)
			if id == "" || seen[id] {
				t.Fatalf("event ID %q missing or repeated", id)
			}
			seen[id] = true
		}
	}
	t.Run("query across pages", func(t *testing.T) {
		var stderr bytes.Buffer
		fakeTerminal(t, &stderr, 80)
		var stdout bytes.Buffer
		err := run(context.Background(), append([]string{"query", "--format", "ndjson", "--per-page", "4", "EQ_bizStep=shipping"}, asA...),
			func(string) string { return "" }, nil, &stdout, &stderr)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(stdout.String(), "\n"); n != shipped {
			t.Errorf("%d events over the pages, want %d", n, shipped)
		}
		if !strings.Contains(stderr.String(), "query: page 7, 26 events") || !strings.HasSuffix(stderr.String(), "\r\x1b[K") {
			t.Errorf("progress %q: want page 7 and the line cleared", stderr.String())
		}
	})
	t.Run("parameters as flags, env for the connection", func(t *testing.T) {
		env := map[string]string{"LOTLINE_URL": s.url, "LOTLINE_KEY": s.keyA}
		evs := ndjson(t, env, "--per-page", "5", "--EQ_bizStep", "shipping", "--GE_eventTime=2024-03-02T10:20:00Z")
		if len(evs) != 5 {
			t.Fatalf("%d events, want the 5 from 10:20", len(evs))
		}
		distinct(t, evs)
		for _, e := range evs {
			if e["eventTime"].(string) < "2024-03-02T10:20" {
				t.Errorf("event at %v", e["eventTime"])
			}
		}
		// A list in REST form, and --limit stopping the pages.
		if evs := ndjson(t, env, "EQ_bizStep=shipping|receiving", "--limit", "7", "--per-page", "3"); len(evs) != 7 {
			t.Errorf("--limit 7: %d events", len(evs))
		}
		if evs := ndjson(t, env, "EQ_bizStep=shipping|receiving"); len(evs) != shipped+2 {
			t.Errorf("shipping|receiving: %d events, want %d", len(evs), shipped+2)
		}
	})
	t.Run("a key that may not see the data", func(t *testing.T) {
		if evs := ndjson(t, nil, "--url", s.url, "--key", s.keyB, "EQ_bizStep=shipping"); len(evs) != 0 {
			t.Errorf("party B sees %d of A's events", len(evs))
		}
		_, errs, code := cliRun(nil, "", "trace", "--url", s.url, "--key", s.keyB, "urn:epc:class:lgtin:4012345.011111.RAW1")
		if code != 1 || !strings.Contains(errs, "No such resource") {
			t.Errorf("trace as B: exit %d %q", code, errs)
		}
		_, errs, code = cliRun(nil, "", "query", "--url", s.url, "--key", "ll_0000000000000000_nope")
		if code != 1 || !strings.Contains(errs, "query: ") || !strings.Contains(strings.ToLower(errs), "auth") {
			t.Errorf("bad key: exit %d %q", code, errs)
		}
	})
	t.Run("named query", func(t *testing.T) {
		body := `{"name": "shipments", "query": {"EQ_bizStep": ["shipping"]}}`
		req, _ := http.NewRequest(http.MethodPost, s.url+"/queries", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.keyA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST /queries: %s", resp.Status)
		}
		evs := ndjson(t, nil, append([]string{"--name", "shipments", "--per-page", "10"}, asA...)...)
		if len(evs) != shipped {
			t.Fatalf("named query: %d events, want %d", len(evs), shipped)
		}
		distinct(t, evs)
		// A parameter the definition sets cannot be given again.
		_, errs, code := cliRun(nil, "", append([]string{"query", "--name", "shipments", "EQ_bizStep=receiving"}, asA...)...)
		if code != 1 || !strings.Contains(errs, "parameter EQ_bizStep") {
			t.Errorf("exit %d %q", code, errs)
		}
		_, errs, code = cliRun(nil, "", append([]string{"query", "--name", "nope"}, asA...)...)
		if code != 1 || !strings.Contains(errs, "No such") {
			t.Errorf("unknown named query: exit %d %q", code, errs)
		}
	})
	t.Run("formats", func(t *testing.T) {
		args := append([]string{"query", "EQ_bizStep=shipping", "--per-page", "10"}, asA...)
		out, errs, code := cliRun(nil, "", append(args, "--format", "json")...)
		if code != 0 {
			t.Fatalf("json: exit %d %s", code, errs)
		}
		var doc struct {
			Context   []any  `json:"@context"`
			Type      string `json:"type"`
			EPCISBody struct {
				QueryResults struct {
					ResultsBody struct{ EventList []map[string]any }
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("json: %v\n%.400s", err, out)
		}
		if doc.Type != "EPCISQueryDocument" || len(doc.EPCISBody.QueryResults.ResultsBody.EventList) != shipped || len(doc.Context) == 0 {
			t.Errorf("json: type %q, %d events, context %v", doc.Type, len(doc.EPCISBody.QueryResults.ResultsBody.EventList), doc.Context)
		}
		out, errs, code = cliRun(nil, "", append(args, "--format", "csv")...)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil || len(rows) != shipped+1 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
			t.Fatalf("csv: exit %d %s %v, %d rows", code, errs, err, len(rows))
		}
		if r := rows[1]; r[2] != "ObjectEvent" || r[3] != "OBSERVE" || !strings.Contains(r[4], "shipping") || r[9] == "" {
			t.Errorf("csv row %q", r)
		}
		var tbl bytes.Buffer
		fakeTerminal(t, &tbl, 80)
		if err := run(context.Background(), append(args, "--format", "table"), func(string) string { return "" }, nil, &tbl, io.Discard); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(tbl.String(), "\n"), "\n")
		if len(lines) != shipped+1 || !strings.HasPrefix(lines[0], "EVENT TIME") {
			t.Fatalf("table:\n%s", tbl.String())
		}
		for _, l := range lines {
			if n := len([]rune(l)); n > 80 {
				t.Errorf("table line of %d columns on an 80-column terminal: %q", n, l)
			}
		}
		if !strings.Contains(lines[1], "shipping") || !strings.HasSuffix(lines[1], "…") {
			t.Errorf("table row %q: want the bizStep and cut EPCs", lines[1])
		}
	})
	t.Run("problems are printed with the parameter", func(t *testing.T) {
		_, errs, code := cliRun(nil, "", append([]string{"query", "GE_eventTime=yesterday"}, asA...)...)
		if code != 1 || !strings.Contains(errs, "parameter GE_eventTime") {
			t.Errorf("exit %d %q", code, errs)
		}
	})
	t.Run("trace and recall", func(t *testing.T) {
		out, errs, code := cliRun(nil, "", append([]string{"trace", "urn:epc:class:lgtin:4012345.011111.RAW1"}, asA...)...)
		if code != 0 || !strings.Contains(out, "├── went into lot FIN1") {
			t.Errorf("trace: exit %d %s\n%s", code, errs, out)
		}
		out, errs, code = cliRun(nil, "", append([]string{"recall", "urn:epc:class:lgtin:4012345.011111.RAW1"}, asA...)...)
		if code != 0 {
			t.Fatalf("recall: exit %d %s", code, errs)
		}
		for _, want := range []string{"recall of lot RAW1 (GTIN 04012345111118)", "affected:", "├── lots (", "FIN1", "containers (1)",
			"https://id.gs1.org/00/040123450000000115", "critical tracking events ("} {
			if !strings.Contains(out, want) {
				t.Errorf("recall lacks %q:\n%s", want, out)
			}
		}
		out, _, code = cliRun(nil, "", append([]string{"recall", "--format", "json", "urn:epc:class:lgtin:4012345.011111.RAW1"}, asA...)...)
		var r map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r["affected"] == nil {
			t.Errorf("recall --format json: exit %d\n%.300s", code, out)
		}
		out, _, code = cliRun(nil, "", append([]string{"recall", "--format", "csv", "--depth", "3", "urn:epc:class:lgtin:4012345.011111.RAW1"}, asA...)...)
		if rows, err := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || err != nil || len(rows) < 2 {
			t.Errorf("recall --format csv: exit %d %v\n%s", code, err, out)
		}
	})
}
