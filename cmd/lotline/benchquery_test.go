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
)

// TestBenchQuery runs `lotline bench query` at a small scale: it loads
// 2,000 events, checks that every query answers with events on every
// request (so the values drawn from the generated data, the master data
// behind WD_bizLocation and the page walk all work), then queries the
// kept directory again with --reuse. It asserts nothing about speed.
func TestBenchQuery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "data")
	report := filepath.Join(t.TempDir(), "report.json")
	common := []string{"--runs", "6", "--warmup", "1", "--pages", "3", "--per-page", "20", "--json", report}

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"load", []string{"--events", "2000", "--data", dir, "--seed", "3"},
			[]string{"load:         2000 events in ", "(lotline import path, 100-event documents)", "peak RSS:     ", "database:     "}},
		{"load by capture", []string{"--events", "2000", "--load", "capture", "--seed", "3", "--data", filepath.Join(t.TempDir(), "cap")},
			[]string{"load:         2000 events in ", "(POST /capture, 100-event documents, 4 clients)"}},
		{"reuse", []string{"--events", "2000", "--data", dir, "--seed", "3", "--reuse"},
			[]string{"load:         none (--reuse of 2000 events, seed 3)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append(append([]string{"bench", "query"}, tc.args...), common...)
			if err := run(ctx, args, func(string) string { return "" }, nil, &out, &errb); err != nil {
				t.Fatalf("bench query: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
			}
			t.Logf("\n%s", out.String())
			for _, w := range append(tc.want, "RSS:          ", "| query | parameters |", "| walk ") {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q", w)
				}
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			var rep queryReport
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Events != 2000 || rep.DBBytes <= 0 || rep.RSSAfterLoad <= 0 {
				t.Errorf("report: events %d, database %d bytes, RSS %d", rep.Events, rep.DBBytes, rep.RSSAfterLoad)
			}
			if len(rep.Queries) != len(benchQueries) {
				t.Fatalf("%d queries reported, want %d", len(rep.Queries), len(benchQueries))
			}
			for _, q := range rep.Queries {
				if q.Errors > 0 || q.Runs == 0 || q.Empty > 0 || q.MinResults < 1 {
					t.Errorf("%s: %d requests, %d errors (%s), %d empty pages, at least %d events",
						q.Name, q.Runs, q.Errors, q.FirstError, q.Empty, q.MinResults)
				}
				if q.P50ms <= 0 || q.P99ms < q.P50ms || q.MaxMs < q.P99ms {
					t.Errorf("%s: latencies p50 %v, p99 %v, max %v out of order", q.Name, q.P50ms, q.P99ms, q.MaxMs)
				}
				if q.Name == "walk" && q.Runs < 3 {
					t.Errorf("walk: %d page requests, want whole walks of 3 pages", q.Runs)
				}
			}
		})
	}
}

func TestBenchQueryFlags(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "lotline.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bench", "query", "--events", "0"},
		{"bench", "query", "--runs", "-1"},
		{"bench", "query", "--warmup", "-1"},
		{"bench", "query", "--reuse"},
		{"bench", "query", "--only", "nothing"},
		{"bench", "query", "extra"},
		{"bench", "query", "--load", "magic"},
		{"bench", "query", "--data", full}, // holds a database, no --reuse
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errb)
		if exitCode(err) != 2 {
			t.Errorf("%q: exit code %d (err %v), want 2", args, exitCode(err), err)
		}
	}
}

func TestNextLink(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{`</events?a=1&nextPageToken=x>; rel="next"`, "/events?a=1&nextPageToken=x"},
		{`</x>; rel="prev", </events?nextPageToken=y>; rel="next"`, "/events?nextPageToken=y"},
		{`</x>; rel="prev"`, ""},
		{"", ""},
	} {
		if got := nextLink(tc.header); got != tc.want {
			t.Errorf("nextLink(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}
