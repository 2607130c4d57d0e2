package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/importer"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/store/mongo/mongotest"
)

func runImportCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"import"}, args...), func(string) string { return "" }, nil, &out, &errb)
	return out.String(), errb.String(), err
}

// TestImportCommand imports a folder for a party into each store, runs
// the same command again (everything resumed from the checkpoint), and
// refuses a bad document with exit status 1 and its problem on stderr.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	g := epcisgen.New(3)
	for i, name := range []string{"a.json", "sub/b.json"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		b, _ := json.Marshal(g.Document(5 + i))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, storeArgs := range map[string][]string{
		"sqlite": {"--data", t.TempDir()},
		// Without --data the checkpoint would default to the current
		// directory, the source tree.
		"mongo": {"--store", mongotest.Start(t), "--checkpoint", filepath.Join(t.TempDir(), "mongo.checkpoint")},
	} {
		t.Run(name, func(t *testing.T) {
			args := append(append([]string{}, storeArgs...), "--party", "urn:epc:id:pgln:0614141.00000", dir, "--progress", "always")
			out, errOut, err := runImportCmd(t, args...)
			if err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "imported: 11 events stored, 0 skipped") {
				t.Errorf("summary %q", out)
			}
			if !strings.Contains(errOut, "events/s") || !strings.Contains(errOut, "100%") {
				t.Errorf("no progress bar on stderr with --progress always: %q", errOut)
			}
			st, err := openQuietStore(context.Background(), storeArgs[1], storeArgsURI(storeArgs), os.Stderr)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			st.Events(context.Background(), store.Scan{}, func(e *store.Event) (bool, error) {
				if e.Owner != "https://id.gs1.org/417/0614141000005" { // auth.ParseParty's form, as API keys have it
					t.Errorf("event %s owned by %q, want the --party's GLN", e.EventID, e.Owner)
				}
				n++
				return true, nil
			})
			st.Close()
			if n != 11 {
				t.Errorf("store holds %d events, want 11", n)
			}
			out, _, err = runImportCmd(t, args...)
			if err != nil || !strings.Contains(out, "0 skipped") || !strings.Contains(out, "resumed:  2 files") {
				t.Errorf("second run: %v, %q", err, out)
			}
		})
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	d := g.Document(2)
	d["epcisBody"].(map[string]any)["eventList"].([]any)[1].(map[string]any)["eventTime"] = "soon"
	b, _ := json.Marshal(d)
	os.WriteFile(bad, b, 0o644)
	_, errOut, err := runImportCmd(t, "--data", t.TempDir(), bad)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("bad document: %v, want exit status 1", err)
	}
	if !strings.Contains(errOut, bad+": ") || !strings.Contains(errOut, "ValidationException") || !strings.Contains(errOut, "at /epcisBody/eventList/1/eventTime") {
		t.Errorf("stderr %q does not name the file and the pointer", errOut)
	}

	for _, args := range [][]string{{}, {"--data", t.TempDir(), "--party", "not a party", dir}, {"--progress", "sometimes", dir}} {
		if _, _, err := runImportCmd(t, args...); !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("import %q: %v, want a usage error", args, err)
		}
	}
}

func storeArgsURI(args []string) string {
	if args[0] == "--store" {
		return args[1]
	}
	return ""
}

func TestProgressLine(t *testing.T) {
	for _, c := range []struct {
		s    importer.Stats
		want []string
	}{
		{importer.Stats{Bytes: 50 << 20, TotalBytes: 100 << 20, Stored: 900, Skipped: 100, Elapsed: 10 * time.Second},
			[]string{"[=====     ]", " 50%", "1000 events", "100 events/s", "ETA 10s"}},
		// Half of it resumed: the time left is at this run's pace.
		{importer.Stats{Bytes: 75 << 20, ResumedBytes: 50 << 20, TotalBytes: 100 << 20, Stored: 10, Elapsed: 10 * time.Second},
			[]string{" 75%", "ETA 10s"}},
		{importer.Stats{Bytes: 8, TotalBytes: 8, Stored: 3, Elapsed: time.Second}, []string{"[==========]", "100%", "ETA 0s"}},
	} {
		got := progressLine(c.s, 10)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("progressLine(%+v) = %q, want it to contain %q", c.s, got, w)
			}
		}
	}
}

// TestBenchImport runs the import benchmark on a small input of each
// format.
func TestBenchImport(t *testing.T) {
	for _, format := range benchImportFormats {
		t.Run(format, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"bench", "import", "--events", "300", "--events-per-doc", "50", "--format", format},
				func(string) string { return "" }, nil, &out, &errb)
			if err != nil {
				t.Fatalf("bench import: %v\n%s", err, errb.String())
			}
			for _, w := range []string{"imported:     300 events stored, 0 skipped, 0 refused", "rate:         ", "µs per event", "peak RSS:     "} {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"bench", "import", "--format", "csv"}, func(string) string { return "" }, nil, &out, &errb); exitCode(err) != 2 {
		t.Errorf("--format csv: %v, want a usage error", err)
	}
}
