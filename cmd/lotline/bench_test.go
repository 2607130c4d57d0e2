package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchGS1Dir returns the shared GS1 folder if it can be found from the
// working directory (or $LOTLINE_GS1_DIR), else "".
func benchGS1Dir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("LOTLINE_GS1_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			g := filepath.Join(d, "..", "shared", "gs1")
			if _, err := os.Stat(filepath.Join(g, "ref-gs1-org-2.0.0-copies", "epcis-json-schema.json")); err == nil {
				return g
			}
			return ""
		}
	}
	return ""
}

// TestBenchCapture is a smoke test of `lotline bench capture`: it runs a
// tiny benchmark against an in-process server and checks the report has
// every line. It asserts nothing about speed.
func TestBenchCapture(t *testing.T) {
	gs1 := benchGS1Dir(t)
	if gs1 == "" && os.Getenv("CI") == "true" {
		t.Fatal("GS1 reference files missing: need ../shared/gs1/ref-gs1-org-2.0.0-copies/epcis-json-schema.json or $LOTLINE_GS1_DIR")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	getenv := func(k string) string {
		if k == "LOTLINE_GS1_DIR" {
			return gs1
		}
		return ""
	}
	var out, errb bytes.Buffer
	args := []string{"bench", "capture", "--docs", "4", "--events-per-doc", "50", "--baseline-time", "100ms",
		"--cpuprofile", filepath.Join(t.TempDir(), "cpu.pprof")}
	if err := run(ctx, args, getenv, nil, &out, &errb); err != nil {
		t.Fatalf("bench capture: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	t.Logf("\n%s", out.String())
	want := []string{
		"store:        sqlite ",
		"documents:    4 x 50 events = 200 events",
		"event mix:    ObjectEvent ",
		"wall time:    ",
		"end to end:   ",
		"(200 of 200 events, 4 of 4 jobs succeeded)",
		"job latency:  p50 ",
		"peak RSS:     ",
		"cpu time:     ",
		"cpu profile:  ",
		"our schema:   ",
		"prepare:      ",
	}
	if gs1 != "" {
		want = append(want, "baseline:     ", "GS1 JSON Schema alone")
	} else {
		want = append(want, "baseline:     skipped: GS1 schema not found")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestBenchCaptureFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "nothing"},
		{"bench", "capture", "--docs", "0"},
		{"bench", "capture", "--clients", "-1"},
		{"bench", "capture", "--seed", "x"},
		{"bench", "capture", "--url", "http://127.0.0.1:1", "--store", "sqlite:"},
		{"bench", "capture", "extra"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errb)
		if exitCode(err) != 2 {
			t.Errorf("%q: exit code %d (err %v), want 2", args, exitCode(err), err)
		}
	}
}
