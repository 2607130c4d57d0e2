package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis/epcisgen"
)

// TestBenchTrace runs `lotline bench trace` at a small scale: it loads
// 3,000 events of a 5-stage supply chain, checks that every query answers
// every request with a non-trivial graph (the traces reaching lots 5
// transformations away from the finished and the raw lots), then queries
// the kept directory again with --reuse. It asserts nothing about speed.
func TestBenchTrace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data")
	report := filepath.Join(t.TempDir(), "report.json")
	common := []string{"--runs", "5", "--warmup", "1", "--json", report}

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"load", []string{"--events", "3000", "--data", dir, "--seed", "2"},
			[]string{"load:         3000 events in ", "5 stages of production", "peak RSS:     ", "database:     "}},
		{"reuse", []string{"--data", dir, "--reuse"},
			[]string{"load:         none (--reuse of 3000 events, seed 2, 5 stages)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(append([]string{"bench", "trace"}, tc.args...), common...)
			if err := run(ctx, args, func(string) string { return "" }, nil, &out, &errb); err != nil {
				t.Fatalf("bench trace: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
			}
			t.Logf("\n%s", out.String())
			for _, w := range append(tc.want, "sample lots:  ", "packaging:    ", "| query | request |", "| backwardFinished |", "| recallRaw |", "| lotPageFinished |", "| recallPageRaw |") {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q", w)
				}
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			var rep traceReport
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Events != 3000 || rep.Stages != 5 || rep.DBBytes <= 0 || rep.RSSAfterLoad <= 0 {
				t.Errorf("report: events %d, stages %d, database %d bytes, RSS %d", rep.Events, rep.Stages, rep.DBBytes, rep.RSSAfterLoad)
			}
			if p := rep.Packing; p[epcisgen.PackSerialised] == 0 || p["masterData"] == 0 {
				t.Errorf("report: packaging %v, want serialised lots and lots with master data", p)
			}
			if len(rep.Queries) != len(traceQueries) {
				t.Fatalf("%d queries reported, want %d", len(rep.Queries), len(traceQueries))
			}
			for _, q := range rep.Queries {
				if q.Runs != 5 || q.Errors != 0 {
					t.Errorf("%s: %d runs, %d errors (%s)", q.Name, q.Runs, q.Errors, q.FirstError)
				}
				if q.MinNodes <= 1 || q.AvgEdges <= 0 {
					t.Errorf("%s: trivial answers: at least %d nodes, %.1f edges on average", q.Name, q.MinNodes, q.AvgEdges)
				}
				// Both ends of the chain are 5 transformations from the other.
				if (q.Name == "backwardFinished" || q.Name == "forwardRaw") && q.MaxHops != 5 {
					t.Errorf("%s: reached %d transformations at most, want 5", q.Name, q.MaxHops)
				}
			}
		})
	}
}

// TestBenchTraceAsParty loads the events as one party's (--party), then
// times them read with that party's key (owner filter on every read) and
// with another party's key, which must see no lot at all.
func TestBenchTraceAsParty(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data")
	bench := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"bench", "trace", "--runs", "3", "--warmup", "1", "--only", "backwardFinished,recallRaw"}, args...),
			func(string) string { return "" }, nil, &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := bench("--events", "3000", "--data", dir, "--party", partyA); err != nil {
		t.Fatalf("load as %s: %v\n%s", partyA, err, out)
	}
	keys := map[string]string{}
	for _, p := range []string{partyA, partyB} {
		out, msg, err := keysCmd(t, "create", "--party", p, "--data", dir)
		if err != nil {
			t.Fatalf("keys create: %v %s", err, msg)
		}
		keys[p] = strings.TrimSpace(out)
	}
	out, err := bench("--data", dir, "--reuse", "--key", keys[partyA])
	if err != nil || !strings.Contains(out, "| backwardFinished |") || strings.Contains(out, "errors") {
		t.Fatalf("owner's key: %v\n%s", err, out)
	}
	t.Logf("owner:\n%s", out)
	out, _ = bench("--data", dir, "--reuse", "--key", keys[partyB])
	t.Logf("other:\n%s", out)
	if !strings.Contains(out, "404") && !strings.Contains(out, "no answer") {
		t.Errorf("another party's key reads the lots:\n%s", out)
	}
}

func TestParseBenchTrace(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the error; "" for none
	}{
		{nil, ""},
		{[]string{"--only", "recallRaw,forwardRaw", "--stages", "3"}, ""},
		{[]string{"--only", "nope"}, `no query named "nope"`},
		{[]string{"--stages", "1"}, "--stages: 1 is not from 2 to 9"},
		{[]string{"--runs", "0"}, "--runs: 0 is not a positive integer"},
		{[]string{"--reuse"}, "--reuse needs --data"},
		{[]string{"extra"}, "takes no arguments"},
		{[]string{"--party", partyA}, ""},
		{[]string{"--party", "nope"}, "--party: "},
		{[]string{"--party", partyA, "--load", "capture"}, "--party needs --load import"},
	} {
		c, err := parseBenchTrace(tc.args, &bytes.Buffer{})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.want == "" && c.Events != 1_000_000:
			t.Errorf("%q: --events defaults to %d", tc.args, c.Events)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
