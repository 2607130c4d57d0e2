package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lotline/lotline/query"
)

func TestSplitQueryArgs(t *testing.T) {
	flags := map[string]bool{"url": true, "limit": true, "format": true, "h": false}
	for _, tc := range []struct {
		name   string
		args   []string
		rest   []string
		params []queryParam
		err    string
	}{
		{"key=value", []string{"EQ_bizStep=shipping", "GE_eventTime=2024-03-01T00:00:00Z"}, nil,
			[]queryParam{{"EQ_bizStep", "shipping"}, {"GE_eventTime", "2024-03-01T00:00:00Z"}}, ""},
		{"value holds = and |", []string{"EQ_eventID=ni:///sha-256;ab?ver=CBV2.0", "EQ_bizStep=a|b"}, nil,
			[]queryParam{{"EQ_eventID", "ni:///sha-256;ab?ver=CBV2.0"}, {"EQ_bizStep", "a|b"}}, ""},
		{"empty value", []string{"EQ_disposition="}, nil, []queryParam{{"EQ_disposition", ""}}, ""},
		{"flags kept, with their values", []string{"--url", "http://x", "-limit=3", "--format", "csv", "-h"},
			[]string{"--url", "http://x", "-limit=3", "--format", "csv", "-h"}, nil, ""},
		{"parameter flags", []string{"--EQ_bizStep", "shipping", "-MATCH_epc=urn:epc:id:sgtin:1.2.3", "--url=http://x"},
			[]string{"--url=http://x"}, []queryParam{{"EQ_bizStep", "shipping"}, {"MATCH_epc", "urn:epc:id:sgtin:1.2.3"}}, ""},
		{"repeated parameter", []string{"EQ_bizStep=a", "--EQ_bizStep=b"}, nil, []queryParam{{"EQ_bizStep", "a"}, {"EQ_bizStep", "b"}}, ""},
		{"after -- all are parameters", []string{"--", "--x=1"}, nil, nil, "begins with a dash"},
		{"extension field name", []string{"EQ_https://ns.example.com/epcis/#batch=B1"}, nil,
			[]queryParam{{"EQ_https://ns.example.com/epcis/#batch", "B1"}}, ""},
		{"not key=value", []string{"shipping"}, nil, nil, "is not NAME=VALUE"},
		{"no name", []string{"=x"}, nil, nil, "no name"},
		{"space in name", []string{"EQ biz=x"}, nil, nil, "space"},
		{"flag parameter without value", []string{"--EQ_bizStep"}, nil, nil, "no value"},
		{"stdin dash is not a parameter", []string{"-"}, nil, nil, "is not NAME=VALUE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rest, params, err := splitQueryArgs(tc.args, flags)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rest, tc.rest) || !reflect.DeepEqual(params, tc.params) {
				t.Errorf("rest %q params %q, want %q %q", rest, params, tc.rest, tc.params)
			}
		})
	}
}

// FuzzQueryArgs: whatever the arguments, splitting them never panics, and
// every parameter it returns reaches the server as given: the first
// page's query string parses back (as the server parses it) to the same
// names and values.
func FuzzQueryArgs(f *testing.F) {
	for _, s := range []string{"EQ_bizStep=shipping", "--GE_eventTime\x002024-03-01T00:00:00+01:00", "--url\x00http://x\x00a=b",
		"EQ_eventID=ni:///sha-256;ab?ver=CBV2.0&x=%zz", "--\x00=", "-\x00--limit", "a=b c+d%20é"} {
		f.Add(s)
	}
	flags := map[string]bool{"url": true, "key": true, "limit": true, "h": false}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		_, params, err := splitQueryArgs(args, flags)
		if err != nil {
			return
		}
		c := queryConfig{Params: params}
		u := c.firstURL()
		_, raw, _ := strings.Cut(u, "?")
		got, err := query.ParseRawQuery(raw)
		if err != nil {
			t.Fatalf("%q: the server cannot parse %q: %v", args, raw, err)
		}
		want := map[string][]string{}
		for _, p := range params {
			if checkParamName(p.Name) != nil {
				t.Fatalf("parameter name %q accepted", p.Name)
			}
			want[p.Name] = append(want[p.Name], p.Value)
		}
		if len(want) == 0 {
			want = nil
			if len(got) == 0 {
				got = nil
			}
		}
		if !reflect.DeepEqual(map[string][]string(got), want) {
			t.Fatalf("%q: server reads %q, want %q", args, got, want)
		}
	})
}

func TestFirstURL(t *testing.T) {
	for _, tc := range []struct {
		c    queryConfig
		want string
	}{
		{queryConfig{}, "/events"},
		{queryConfig{Name: "my q", Params: []queryParam{{"GE_eventTime", "2024-03-01T00:00:00+01:00"}}}, "/queries/my%20q/events?GE_eventTime=2024-03-01T00%3A00%3A00%2B01%3A00"},
		{queryConfig{Limit: 5}, "/events?perPage=5"},
		{queryConfig{Limit: 5, PerPage: 2}, "/events?perPage=2"},
		{queryConfig{Limit: 5, Params: []queryParam{{"perPage", "3"}}}, "/events?perPage=3"},
	} {
		if got := tc.c.firstURL(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestNextLinkForms(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{`</events?a=1,2&nextPageToken=x>; rel="next"`, "/events?a=1,2&nextPageToken=x"},
		{`<https://h/e?t=1>; rel="prev next"`, "https://h/e?t=1"},
		{`<http://x/1>; title="a, b"; rel=next`, "http://x/1"},
		{`<http://x/1>; REL="Next"`, "http://x/1"},
		{`nonsense; rel="next"`, ""},
	} {
		if got := nextLink(tc.header); got != tc.want {
			t.Errorf("nextLink(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestConnFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		url  string
		key  string
		err  string
	}{
		{"defaults", nil, nil, "http://localhost:8080", "", ""},
		{"environment", map[string]string{"LOTLINE_URL": "https://epcis.example.com/base/", "LOTLINE_KEY": "k1"}, nil, "https://epcis.example.com/base", "k1", ""},
		{"flags win", map[string]string{"LOTLINE_URL": "http://a", "LOTLINE_KEY": "k1"}, []string{"--url", "http://b", "--key", "k2"}, "http://b", "k2", ""},
		{"not http", nil, []string{"--url", "ftp://x"}, "", "", "not an http(s) URL"},
		{"no host", nil, []string{"--url", "http://"}, "", "", "not an http(s) URL"},
		{"bad timeout", nil, []string{"--timeout", "0s"}, "", "", "--timeout"},
		{"key with a newline", nil, []string{"--key", "a\nb"}, "", "", "line break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conn connFlags
			fs := clientFlagSet("x", "", &conn, func(k string) string { return tc.env[k] }, io.Discard)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			c, err := conn.client()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.base.String() != tc.url || c.key != tc.key {
				t.Errorf("client %s key %q, want %s %q", c.base, c.key, tc.url, tc.key)
			}
		})
	}
	// The key's value never shows in the help.
	var help bytes.Buffer
	var conn connFlags
	fs := clientFlagSet("x", "", &conn, func(k string) string { return map[string]string{"LOTLINE_KEY": "s3cret"}[k] }, &help)
	fs.PrintDefaults()
	if strings.Contains(help.String(), "s3cret") {
		t.Errorf("help shows the key:\n%s", help.String())
	}
}

func TestClientResolve(t *testing.T) {
	var conn connFlags
	clientFlagSet("x", "", &conn, func(k string) string { return map[string]string{"LOTLINE_URL": "http://h:1/epcis"}[k] }, io.Discard)
	c, err := conn.client()
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"/events?a=1":                   "http://h:1/epcis/events?a=1",
		"/epcis/events?nextPageToken=x": "http://h:1/epcis/events?nextPageToken=x",
		"https://other/x":               "https://other/x",
	} {
		if got, err := c.resolve(ref); err != nil || got != want {
			t.Errorf("resolve(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
}

func TestProblemText(t *testing.T) {
	two := 2
	for _, tc := range []struct {
		p    problem
		want []string
	}{
		{problem{Title: "Invalid query parameter", Detail: "bad time", Parameter: "GE_eventTime"},
			[]string{"Invalid query parameter: bad time (parameter GE_eventTime)"}},
		{problem{Title: "Invalid EPCIS data", Detail: "missing action", Pointer: "/epcisBody/eventList/0", EventIndex: &two},
			[]string{"Invalid EPCIS data: missing action (at /epcisBody/eventList/0)"}},
		{problem{Title: "Invalid EPCIS data", EventIndex: &two}, []string{"Invalid EPCIS data (event 2)"}},
		{problem{Type: "epcisException:ImplementationException", Status: 500, RequestID: "r1"},
			[]string{"epcisException:ImplementationException [request r1]"}},
		{problem{Title: "Invalid EPCIS data", Detail: "2 errors", Errors: []problem{{Title: "Invalid EPCIS data", Detail: "a", Pointer: "/x"}, {Title: "Invalid EPCIS data", Detail: "b", Pointer: "/y"}}},
			[]string{"Invalid EPCIS data: 2 errors", "  Invalid EPCIS data: a (at /x)", "  Invalid EPCIS data: b (at /y)"}},
	} {
		if got := tc.p.lines(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("lines = %q, want %q", got, tc.want)
		}
	}
	if parseProblem("application/json", []byte(`{"title":"x"}`)) != nil || parseProblem("application/problem+json", []byte(`{}`)) != nil ||
		parseProblem("application/problem+json; charset=utf-8", []byte(`{"title":"x","status":400}`)) == nil {
		t.Error("parseProblem takes the wrong bodies")
	}
}

func TestWriteTable(t *testing.T) {
	header := []string{"A", "B", "C"}
	rows := [][]string{{"2024-03-01", "ObjectEvent", "urn:epc:id:sgtin:4012345.011111.1 urn:epc:id:sgtin:4012345.011111.2"}, {"x", "", "é"}}
	tableShrinkable = []int{1, 2}
	defer func() { tableShrinkable = []int{1, 2, 3, 4, 5} }()
	for _, tc := range []struct {
		name  string
		width int
		want  string
	}{
		{"uncut", 0, "A           B            C\n" +
			"2024-03-01  ObjectEvent  urn:epc:id:sgtin:4012345.011111.1 urn:epc:id:sgtin:4012345.011111.2\n" +
			"x                        é\n"},
		{"widest column cut first", 40, "A           B            C\n" +
			"2024-03-01  ObjectEvent  urn:epc:id:sgt…\n" +
			"x                        é\n"},
		{"both cut to the minimum, then the line", 20, "A           B       \n" +
			"2024-03-01  Object…\n" +
			"x                   \n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			writeTable(&b, header, rows, tc.width)
			got := b.String()
			if tc.name == "both cut to the minimum, then the line" {
				for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
					if utf8.RuneCountInString(l) > tc.width {
						t.Errorf("line %q wider than %d", l, tc.width)
					}
				}
				return
			}
			if got != tc.want {
				t.Errorf("table =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestEventSummaryAndCells(t *testing.T) {
	raw := `{"type":"AggregationEvent","eventTime":"2024-03-01T09:00:00.000Z","eventTimeZoneOffset":"+01:00","action":"ADD",
"bizStep":"urn:epcglobal:cbv:bizstep:packing","readPoint":{"id":"https://id.gs1.org/414/4012345000016"},
"parentID":"urn:epc:id:sscc:4012345.0000000011","childEPCs":["urn:epc:id:sgtin:4012345.011111.1", 7],
"childQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.L1","quantity":2.5,"uom":"KGM"},{"quantity":"x"}],
"eventID":"urn:uuid:1","readPoint2":{"id":1}}`
	s := summarize(json.RawMessage(raw))
	want := eventSummary{EventTime: "2024-03-01T09:00:00.000Z", Offset: "+01:00", Type: "AggregationEvent", Action: "ADD",
		BizStep: "urn:epcglobal:cbv:bizstep:packing", ReadPoint: "https://id.gs1.org/414/4012345000016", EventID: "urn:uuid:1",
		EPCs: []string{"urn:epc:id:sscc:4012345.0000000011", "urn:epc:id:sgtin:4012345.011111.1", "urn:epc:class:lgtin:4012345.011111.L1 x2.5 KGM"}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("summary %+v\nwant %+v", s, want)
	}
	if s := summarize(json.RawMessage(`[1,2]`)); !reflect.DeepEqual(s, eventSummary{}) {
		t.Errorf("not an object: %+v", s)
	}
	for in, want := range map[[2]string]string{
		{"2024-03-01T09:00:00.000Z", "+01:00"}: "2024-03-01 10:00:00+01:00",
		{"2024-03-01T09:00:00Z", ""}:           "2024-03-01 09:00:00Z",
		{"yesterday", "+01:00"}:                "yesterday",
	} {
		if got := tableTime(in[0], in[1]); got != want {
			t.Errorf("tableTime(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"urn:epcglobal:cbv:bizstep:shipping":      "shipping",
		"https://ref.gs1.org/cbv/BizStep-packing": "packing",
		"shipping":                 "shipping",
		"https://example.com/step": "https://example.com/step",
	} {
		if got := shortVocab(in); got != want {
			t.Errorf("shortVocab(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://id.gs1.org/01/04012345111118/21/1": "01/04012345111118/21/1",
		"urn:epc:id:sgtin:4012345.011111.1":         "sgtin:4012345.011111.1",
		"urn:epc:class:lgtin:4012345.011111.L1":     "lgtin:4012345.011111.L1",
		"https://example.com/x":                     "https://example.com/x",
	} {
		if got := shortID(in); got != want {
			t.Errorf("shortID(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{{"abcdef", 6, "abcdef"}, {"abcdef", 4, "abc…"}, {"ééé", 2, "é…"}, {"abc", 0, ""}} {
		if got := truncate(tc.s, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
	for _, tc := range []struct {
		done, total int
		want        string
	}{{0, 4, "[░░░░]"}, {2, 4, "[██░░]"}, {4, 4, "[████]"}, {0, 0, "[████]"}} {
		if got := progressBar(tc.done, tc.total, 4); got != tc.want {
			t.Errorf("progressBar(%d, %d) = %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
}

// TestEventWriterJSON: pages with different @context members make one
// document declaring each once, and no events make an empty list.
func TestEventWriterJSON(t *testing.T) {
	var b bytes.Buffer
	w := newEventWriter("json", &b)
	w.begin(&queryPage{Type: "EPCISQueryDocument", SchemaVersion: "2.0", CreationDate: "2024-01-01T00:00:00Z"})
	w.context(json.RawMessage(`["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"ex": "https://ex/"}]`))
	w.event(json.RawMessage(`{"type": "ObjectEvent", "ex:a": 1}`))
	w.context(json.RawMessage(`["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"ex2": "https://ex2/"}]`))
	w.event(json.RawMessage(`{"type": "ObjectEvent", "ex2:b": 2}`))
	if err := w.end(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context   []any `json:"@context"`
		EPCISBody struct {
			QueryResults struct {
				QueryName   string
				ResultsBody struct{ EventList []map[string]any }
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(doc.Context) != 3 || len(doc.EPCISBody.QueryResults.ResultsBody.EventList) != 2 || doc.EPCISBody.QueryResults.QueryName != "SimpleEventQuery" {
		t.Errorf("document %+v", doc)
	}
	b.Reset()
	w = newEventWriter("json", &b)
	if err := w.end(); err != nil || !json.Valid(b.Bytes()) || !strings.Contains(b.String(), `"eventList": []`) {
		t.Errorf("empty: %v\n%s", err, b.String())
	}
}

func TestSniffAndWalk(t *testing.T) {
	for doc, want := range map[string]string{"\ufeff  <x/>": "application/xml", "\n{}": "application/ld+json", "": "", "[]": "", "hello": ""} {
		got, err := sniffMedia([]byte(doc))
		if got != want || (want == "") != (err != nil) {
			t.Errorf("sniffMedia(%q) = %q, %v; want %q", doc, got, err, want)
		}
	}
	dir := t.TempDir()
	for _, p := range []string{"b.json", "a/z.XML", "a/y.jsonld", "a/notes.md", ".git/x.json", "a/.swap.json"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("{}"), 0o644)
	}
	got, err := captureDocs([]string{"-", dir, filepath.Join(dir, "a", "notes.md")})
	want := []string{"-", filepath.Join(dir, "a", "y.jsonld"), filepath.Join(dir, "a", "z.XML"), filepath.Join(dir, "b.json"), filepath.Join(dir, "a", "notes.md")}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("captureDocs = %q, %v; want %q", got, err, want)
	}
	if _, err := captureDocs([]string{filepath.Join(dir, "nope")}); err == nil {
		t.Error("a missing file was taken")
	}
	os.MkdirAll(filepath.Join(dir, "empty", ".hidden"), 0o755)
	os.WriteFile(filepath.Join(dir, "empty", ".hidden", "x.json"), []byte("{}"), 0o644)
	if _, err := captureDocs([]string{filepath.Join(dir, "empty")}); err == nil || !strings.Contains(err.Error(), "no .json") {
		t.Errorf("a folder without documents: %v", err)
	}
}

// TestMassBalanceAndUnknownMembers: a trace or recall answer with members
// the CLI does not know (a mass balance, a new edge kind, extra fields)
// still prints, with the mass balance as a tree.
func TestMassBalanceAndUnknownMembers(t *testing.T) {
	trace := `{"lot":"L","direction":"both","depth":3,"future":{"x":[1,2]},
"nodes":[{"kind":"lot","id":"L","label":"lot L","massBalance":{"in":10,"out":9.5,"uom":"KGM"}},{"kind":"gtin","id":"G","label":"case GTIN G","extra":true}],
"edges":[{"kind":"case-gtin","from":"L","to":"G","eventIDs":["e1"],"weight":3}],
"massBalance":{"uom":"KGM","inputs":[{"lot":"R1","quantity":10}],"outputs":[{"lot":"L","quantity":9.5}],"unaccounted":0.5,"ok":false,"notes":["loss on drying"]}}`
	recall := `{"lot":"L","gtin":"G","lotNumber":"L","affected":{"lots":[{"id":"L","label":"lot L","eventIDs":["e1"],"unknown":1}]},
"sameProduct":[{"lot":"L2","lotNumber":"L2","affected":true,"reason":"made from the recalled lot","via":"R1","eventIDs":["e2"]}],
"othersNotAssessed":3,"events":[],"massBalance":[{"lot":"L","in":10},{"lot":"L2","in":"n/a"}],"balanceNote":"estimated"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/recall") {
			io.WriteString(w, recall)
			return
		}
		io.WriteString(w, trace)
	}))
	defer srv.Close()
	out, errs, code := runCLI("trace", "--url", srv.URL, "L")
	if code != 0 {
		t.Fatalf("trace: exit %d %s", code, errs)
	}
	for _, want := range []string{
		"└── case-gtin gtin case GTIN G  [e1]",
		"\nmass balance:\n├── uom: KGM\n├── inputs\n│   └── R1\n│       ├── lot: R1\n│       └── quantity: 10\n",
		"├── unaccounted: 0.5\n├── ok: false\n└── notes: loss on drying\n",
		"\nmass balance of lot L:\n├── in: 10\n├── out: 9.5\n└── uom: KGM\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	out, errs, code = runCLI("recall", "--url", srv.URL, "L")
	if code != 0 {
		t.Fatalf("recall: exit %d %s", code, errs)
	}
	for _, want := range []string{
		"other lots of the product (1, 3 more not assessed):",
		"└── L2  AFFECTED  [e2]\n    ├── made from the recalled lot\n    └── via R1\n",
		"\nmass balance:\n├── L\n│   ├── lot: L\n│   └── in: 10\n└── L2\n",
		"\nbalanceNote:\n  estimated\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("recall lacks %q:\n%s", want, out)
		}
	}
	// Without a balance nothing is added; a body that is not JSON adds nothing either.
	if s := balanceSections([]byte(`{"lot":"L"}`)) + balanceSections([]byte(`not json`)) + balanceSections([]byte(`[1]`)); s != "" {
		t.Errorf("balanceSections = %q", s)
	}
}

func TestClientUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"query", "--format", "yaml"}, "--format"},
		{[]string{"query", "--limit", "-1"}, "--limit"},
		{[]string{"query", "nextPageToken=x"}, "follows the pages itself"},
		{[]string{"query", "perPage=3", "--per-page", "4"}, "both"},
		{[]string{"query", "shipping"}, "NAME=VALUE"},
		{[]string{"query", "--url", "localhost:8080"}, "--url"},
		{[]string{"capture"}, "at least one FILE"},
		{[]string{"capture", "--concurrency", "0", "x"}, "--concurrency"},
		{[]string{"capture", "-", "-"}, "once"},
		{[]string{"capture", "--error-behaviour", "ignore", "x"}, "--error-behaviour"},
		{[]string{"capture", "--format", "xml", "x"}, "--format"},
		{[]string{"recall"}, "one LOT"},
		{[]string{"recall", "--direction", "up", "L"}, "flag provided but not defined"},
		{[]string{"recall", "--format", "svg", "L"}, "--format"},
		{[]string{"trace", "--json", "--format", "csv", "L"}, "exclude --format"},
		{[]string{"trace", "--timeout", "-1s", "L"}, "--timeout"},
	} {
		out, errs, code := runCLI(tc.args...)
		if code != 2 || !strings.Contains(errs, tc.msg) || out != "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 naming %q", tc.args, code, errs, tc.msg)
		}
	}
}
