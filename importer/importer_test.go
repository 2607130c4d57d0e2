package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/importer"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
	"github.com/lotline/lotline/store/mongo/mongotest"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

var (
	schemaOnce sync.Once
	schema     *schemas.Validator
)

func validator(t *testing.T) *schemas.Validator {
	t.Helper()
	schemaOnce.Do(func() {
		var err error
		if schema, err = schemas.Compile(); err != nil {
			panic(err)
		}
	})
	return schema
}

// stores are the backends every import test runs on.
var stores = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"sqlite", func(t *testing.T) store.Store {
		st, err := sqlitestore.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}},
	{"mongo", func(t *testing.T) store.Store {
		st, err := mongostore.Open(context.Background(), mongotest.Start(t), mongostore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}},
}

// docs generates n documents of per events each.
func docs(seed uint64, n, per int) []map[string]any {
	g := epcisgen.New(seed)
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = g.Document(per)
	}
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xmlOf(t *testing.T, doc map[string]any) []byte {
	t.Helper()
	b, err := epcisxml.AppendDocument(nil, doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ndjsonDocs is one document per line; ndjsonEvents one event per line,
// each with the document's @context.
func ndjsonDocs(t *testing.T, ds []map[string]any) []byte {
	var b []byte
	for _, d := range ds {
		b = append(append(b, jsonOf(t, d)...), '\n')
	}
	return b
}

func ndjsonEvents(t *testing.T, ds []map[string]any) []byte {
	var b []byte
	for _, d := range ds {
		for _, x := range d["epcisBody"].(map[string]any)["eventList"].([]any) {
			ev := x.(map[string]any)
			ev["@context"] = d["@context"]
			b = append(append(b, jsonOf(t, ev)...), '\r', '\n') // CRLF, and a blank line
		}
		b = append(b, '\n')
	}
	return b
}

// count returns the stored events and how many belong to owner.
func count(t *testing.T, st store.Store, owner string) (all, owned int) {
	t.Helper()
	err := st.Events(context.Background(), store.Scan{}, func(e *store.Event) (bool, error) {
		all++
		if e.Owner == owner {
			owned++
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, owned
}

func newImporter(t *testing.T, st store.Store, cfg importer.Config) *importer.Importer {
	t.Helper()
	if cfg.OnProblem == nil {
		cfg.OnProblem = func(p importer.Problem) { t.Errorf("unexpected problem: %s", p) }
	}
	return importer.New(importer.WriterFor(st), validator(t), cfg)
}

// TestImportFormats imports each kind of input into each store and
// checks every event is stored once, for the importing party.
func TestImportFormats(t *testing.T) {
	const per = 6
	inputs := []struct {
		name   string
		events int
		write  func(t *testing.T, dir string) // writes the input under dir
	}{
		{"json-ld document", 2 * per, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "a.jsonld"), jsonOf(t, docs(1, 1, 2*per)[0]))
		}},
		{"xml document", 2 * per, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "a.xml"), xmlOf(t, docs(2, 1, 2*per)[0]))
		}},
		{"ndjson documents", 3 * per, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "a.ndjson"), ndjsonDocs(t, docs(3, 3, per)))
		}},
		{"ndjson events, sniffed", 2 * per, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "events.txt"), ndjsonEvents(t, docs(4, 2, per)))
		}},
		{"ndjson documents on lines over 64 KiB, sniffed", 120, func(t *testing.T, dir string) {
			b := ndjsonDocs(t, docs(6, 2, 60))
			if i := strings.IndexByte(string(b), '\n'); i < 64<<10 {
				t.Fatalf("first line of %d bytes: the test needs a longer one", i)
			}
			writeFile(t, filepath.Join(dir, "docs.json"), b)
		}},
		{"folder", 5 * per, func(t *testing.T, dir string) {
			ds := docs(5, 5, per)
			writeFile(t, filepath.Join(dir, "f", "1.json"), jsonOf(t, ds[0]))
			writeFile(t, filepath.Join(dir, "f", "sub", "2.xml"), xmlOf(t, ds[1]))
			writeFile(t, filepath.Join(dir, "f", "sub", "deeper", "3.jsonl"), ndjsonDocs(t, ds[2:4]))
			writeFile(t, filepath.Join(dir, "f", "4.ndjson"), ndjsonEvents(t, ds[4:]))
			writeFile(t, filepath.Join(dir, "f", "README.md"), []byte("not EPCIS: skipped by the walk"))
			writeFile(t, filepath.Join(dir, "f", ".hidden", "x.json"), []byte("{"))
		}},
	}
	const party = "0614141000005"
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			for _, in := range inputs {
				t.Run(in.name, func(t *testing.T) {
					st := s.open(t)
					dir := t.TempDir()
					in.write(t, dir)
					path := dir
					if in.name != "folder" {
						entries, _ := os.ReadDir(dir)
						path = filepath.Join(dir, entries[0].Name())
					} else {
						path = filepath.Join(dir, "f")
					}
					stats, err := newImporter(t, st, importer.Config{Owner: party, BatchEvents: 7}).ImportPaths(context.Background(), []string{path})
					if err != nil {
						t.Fatalf("import: %v", err)
					}
					if stats.Stored != in.events || stats.Skipped != 0 || stats.Events != in.events {
						t.Errorf("stats %+v, want %d events stored", stats, in.events)
					}
					if all, owned := count(t, st, party); all != in.events || owned != in.events {
						t.Errorf("store holds %d events, %d of %s; want %d of %s", all, owned, party, in.events, party)
					}
					if stats.Bytes != stats.TotalBytes {
						t.Errorf("committed %d of %d input bytes", stats.Bytes, stats.TotalBytes)
					}
					// Importing again stores nothing.
					again, err := newImporter(t, st, importer.Config{Owner: party}).ImportPaths(context.Background(), []string{path})
					if err != nil || again.Stored != 0 || again.Skipped != in.events {
						t.Errorf("second import: %+v, %v; want all %d skipped", again, err, in.events)
					}
				})
			}
		})
	}
}

// TestImportXMLSameAsJSON imports one document as JSON-LD and as XML: the
// event hashes agree, so the second import skips every event.
func TestImportXMLSameAsJSON(t *testing.T) {
	st := stores[0].open(t)
	dir := t.TempDir()
	d := docs(7, 1, 20)[0]
	writeFile(t, filepath.Join(dir, "a.xml"), xmlOf(t, d))
	writeFile(t, filepath.Join(dir, "b.json"), jsonOf(t, d))
	stats, err := newImporter(t, st, importer.Config{}).ImportPaths(context.Background(), []string{dir})
	if err != nil || stats.Stored != 20 || stats.Skipped != 20 {
		t.Fatalf("stats %+v, %v; want 20 stored and 20 skipped", stats, err)
	}
}

// TestImportOwnership: each party's events are its own, as in capture:
// the same file imported for two parties is stored twice.
func TestImportOwnership(t *testing.T) {
	st := stores[0].open(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.json"), jsonOf(t, docs(8, 1, 10)[0]))
	for _, owner := range []string{"", "0614141000005", "4012345000009"} {
		// A byte budget smaller than any document still admits one at a time.
		stats, err := newImporter(t, st, importer.Config{Owner: owner, MaxInFlightBytes: 1}).ImportPaths(context.Background(), []string{dir})
		if err != nil || stats.Stored != 10 {
			t.Fatalf("owner %q: %+v, %v", owner, stats, err)
		}
	}
	for _, owner := range []string{store.LocalOwner, "0614141000005", "4012345000009"} {
		if all, owned := count(t, st, owner); all != 30 || owned != 10 {
			t.Errorf("%s owns %d of %d events, want 10 of 30", owner, owned, all)
		}
	}
}

// failingWriter fails every call after the first ok ones, like a store
// that went away (or a process killed) in the middle of an import.
type failingWriter struct {
	w  importer.Writer
	ok int
}

func (f *failingWriter) ImportEvents(ctx context.Context, evs []*store.Event, md []store.VocabularyElement) (int, int, error) {
	if f.ok == 0 {
		return 0, 0, errors.New("disk on fire")
	}
	f.ok--
	return f.w.ImportEvents(ctx, evs, md)
}

// TestImportResume interrupts imports (a store failure, a cancellation)
// and runs them again with the checkpoint: every event ends up stored
// once, and the checkpoint spares re-reading what was committed.
func TestImportResume(t *testing.T) {
	ctx := context.Background()
	for _, how := range []string{"store failure", "cancel"} {
		t.Run(how, func(t *testing.T) {
			st := stores[0].open(t)
			dir := t.TempDir()
			ds := docs(9, 12, 10)
			writeFile(t, filepath.Join(dir, "a-events.ndjson"), ndjsonEvents(t, ds[:6]))
			for i, d := range ds[6:] {
				writeFile(t, filepath.Join(dir, "docs", string(rune('a'+i))+".json"), jsonOf(t, d))
			}
			cp := filepath.Join(t.TempDir(), "import.checkpoint")
			cfg := importer.Config{BatchEvents: 25, Workers: 2, Checkpoint: cp,
				OnProblem: func(p importer.Problem) { t.Errorf("problem: %s", p) }}
			var first importer.Stats
			var err error
			switch how {
			case "store failure":
				w := &failingWriter{w: importer.WriterFor(st), ok: 2}
				first, err = importer.New(w, validator(t), cfg).ImportPaths(ctx, []string{dir})
			case "cancel":
				cctx, cancel := context.WithCancel(ctx)
				c := cfg
				c.OnProgress = func(s importer.Stats) {
					if s.Stored >= 50 {
						cancel()
					}
				}
				first, err = importer.New(importer.WriterFor(st), validator(t), c).ImportPaths(cctx, []string{dir})
				cancel()
			}
			if err == nil {
				t.Fatal("interrupted import: no error")
			}
			if first.Stored == 0 || first.Stored >= 120 {
				t.Fatalf("interrupted import stored %d events, want some of 120", first.Stored)
			}
			second, err := newImporter(t, st, cfg).ImportPaths(ctx, []string{dir})
			if err != nil {
				t.Fatal(err)
			}
			if all, _ := count(t, st, store.LocalOwner); all != 120 {
				t.Fatalf("store holds %d events after the resumed import, want 120", all)
			}
			if first.Stored+second.Stored != 120 {
				t.Errorf("stored %d + %d, want 120", first.Stored, second.Stored)
			}
			// The checkpoint is never ahead of the store and at most one
			// batch behind it.
			if second.Skipped > cfg.BatchEvents {
				t.Errorf("resumed import skipped %d events: the checkpoint was far behind", second.Skipped)
			}
			if second.Bytes-second.ResumedBytes >= second.TotalBytes || second.ResumedBytes == 0 {
				t.Errorf("resumed import read %d of %d bytes again (resumed %d): the checkpoint was not used",
					second.Bytes-second.ResumedBytes, second.TotalBytes, second.ResumedBytes)
			}
			// A third run finds everything done.
			third, err := newImporter(t, st, cfg).ImportPaths(ctx, []string{dir})
			if err != nil || third.Stored+third.Skipped != 0 || third.Resumed != third.Files {
				t.Errorf("third run: %+v, %v; want every file resumed", third, err)
			}
			// Without the checkpoint, eventIDs keep it idempotent.
			os.Remove(cp)
			fourth, err := newImporter(t, st, cfg).ImportPaths(ctx, []string{dir})
			if err != nil || fourth.Stored != 0 || fourth.Skipped != 120 {
				t.Errorf("run without checkpoint: %+v, %v; want 120 skipped", fourth, err)
			}
		})
	}
}

// badDocument is a document whose second event has an impossible
// eventTime.
func badDocument(t *testing.T) []byte {
	d := docs(10, 1, 3)[0]
	ev := d["epcisBody"].(map[string]any)["eventList"].([]any)[1].(map[string]any)
	ev["eventTime"] = "yesterday"
	return jsonOf(t, d)
}

// TestImportRefusesBadDocuments: a bad document is refused with capture's
// errors, naming the file, and the others are imported, or the import
// stops there with StopOnError.
func TestImportRefusesBadDocuments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a-bad.json"), badDocument(t))
	writeFile(t, filepath.Join(dir, "b-good.json"), jsonOf(t, docs(11, 1, 4)[0]))
	writeFile(t, filepath.Join(dir, "c-lines.ndjson"), []byte(`{"type":"ObjectEvent"}`+"\n"+"{not json\n"))
	for _, stop := range []bool{false, true} {
		st := stores[0].open(t)
		var problems []importer.Problem
		cfg := importer.Config{StopOnError: stop, OnProblem: func(p importer.Problem) { problems = append(problems, p) }}
		stats, err := importer.New(importer.WriterFor(st), validator(t), cfg).ImportPaths(ctx, []string{dir})
		if !errors.Is(err, importer.ErrRefused) {
			t.Fatalf("stop %v: err %v, want ErrRefused", stop, err)
		}
		wantStored, wantProblems := 4, 3
		if stop {
			wantStored, wantProblems = 0, 1
		}
		if stats.Stored != wantStored || len(problems) != wantProblems {
			t.Fatalf("stop %v: stored %d with %d problems %v, want %d and %d", stop, stats.Stored, len(problems), problems, wantStored, wantProblems)
		}
		p := problems[0]
		errs := p.Errors()
		if !strings.HasSuffix(p.File, "a-bad.json") || p.Line != 0 || len(errs) == 0 ||
			errs[0].Kind != epcis.KindValidation || !strings.HasPrefix(errs[0].Pointer, "/epcisBody/eventList/1/eventTime") {
			t.Errorf("problem %+v (%s): want a ValidationException at /epcisBody/eventList/1/eventTime of a-bad.json", p, p)
		}
		if s := p.String(); !strings.Contains(s, "a-bad.json: ") || !strings.Contains(s, "ValidationException") {
			t.Errorf("problem text %q names no file or exception type", s)
		}
		if !stop {
			if problems[1].Line != 1 || problems[2].Line != 2 || !strings.HasSuffix(problems[2].File, "c-lines.ndjson") {
				t.Errorf("NDJSON problems %v: want lines 1 and 2 of c-lines.ndjson", problems[1:])
			}
		}
	}
}

// TestImportDocuments imports documents a program makes, as the
// benchmarks do.
func TestImportDocuments(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			st := s.open(t)
			g := epcisgen.New(12)
			left := 5
			stats, err := newImporter(t, st, importer.Config{BatchEvents: 15}).ImportDocuments(context.Background(), func() any {
				if left == 0 {
					return nil
				}
				left--
				return g.Document(8)
			})
			if err != nil || stats.Stored != 40 || stats.Documents != 5 {
				t.Fatalf("stats %+v, %v; want 40 events of 5 documents", stats, err)
			}
			if all, _ := count(t, st, store.LocalOwner); all != 40 {
				t.Fatalf("store holds %d events, want 40", all)
			}
		})
	}
}
