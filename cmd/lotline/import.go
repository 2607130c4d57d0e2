package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/importer"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
)

const importUsage = `Usage: lotline import [flags] PATH...

Loads EPCIS events straight into a store, with capture's validation, event
hashing and ownership: files and folders (walked recursively for .json,
.jsonld, .ndjson, .jsonl and .xml) of EPCIS documents (JSON-LD or XML) and of
newline-delimited JSON (one event or one document per line). An event whose
eventID is already stored is skipped and counted. A checkpoint file records
what is committed, so running the same import again after an interruption
goes on where it stopped. A refused document is reported with capture's
errors and the others are imported (--stop-on-error ends the import).

Flags:
`

// importConfig is what lotline import is told.
type importConfig struct {
	Data, Store string
	Party       string // canonical party, or store.LocalOwner
	Checkpoint  string
	StopOnError bool
	Batch       int
	Workers     int
	Progress    string // auto, always, never
	Paths       []string
}

func parseImport(args []string, getenv func(string) string, stderr io.Writer) (*importConfig, error) {
	fs := flag.NewFlagSet("lotline import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, importUsage)
		fs.PrintDefaults()
	}
	data, uri := storeFlags(fs, getenv)
	party := fs.String("party", "", "the party that owns the imported events, as if it captured them with its API key: a GLN (13 digits, PGLN/SGLN URN or Digital Link); default: the open mode's local party")
	fs.StringVar(new(string), "owner", "", "same as --party")
	c := &importConfig{}
	fs.StringVar(&c.Checkpoint, "checkpoint", "", "checkpoint file (default: import-HASH.checkpoint in --data, or in the current directory for MongoDB, HASH naming the paths, store and party)")
	fs.BoolVar(&c.StopOnError, "stop-on-error", false, "end the import at the first refused document, after storing the ones before it")
	fs.IntVar(&c.Batch, "batch", 0, "events per store transaction (default 8192 on SQLite, 1000 on MongoDB)")
	fs.IntVar(&c.Workers, "workers", 0, "documents validated at once (default GOMAXPROCS)")
	fs.StringVar(&c.Progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, err
	}
	if o := fs.Lookup("owner").Value.String(); o != "" {
		if *party != "" && *party != o {
			return nil, &exitError{2, errors.New("import: --owner and --party differ")}
		}
		*party = o
	}
	c.Data, c.Store, c.Paths = *data, *uri, pos
	if len(pos) == 0 {
		fs.Usage()
		return nil, &exitError{2, errors.New("import: no file or folder given")}
	}
	c.Party = store.LocalOwner
	if *party != "" {
		if c.Party, err = auth.ParseParty(*party); err != nil {
			return nil, &exitError{2, fmt.Errorf("import: --party: %w", err)}
		}
	}
	if !slices.Contains([]string{"auto", "always", "never"}, c.Progress) {
		return nil, &exitError{2, fmt.Errorf("import: --progress: %q is not auto, always or never", c.Progress)}
	}
	if c.Batch < 0 || c.Workers < 0 {
		return nil, &exitError{2, errors.New("import: --batch and --workers must not be negative")}
	}
	return c, nil
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseImport(args, getenv, stderr)
	if err != nil {
		return err
	}
	st, err := openQuietStore(ctx, c.Data, c.Store, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.Checkpoint == "" {
		c.Checkpoint = defaultCheckpoint(c, st.shared)
	}
	defer limitImportMemory()()
	bar := newImportProgress(stderr, c.Progress)
	var problems int
	cfg := importer.Config{
		Owner: c.Party, BatchEvents: c.Batch, Workers: c.Workers, StopOnError: c.StopOnError,
		Checkpoint: c.Checkpoint, OnProgress: bar.update,
		OnProblem: func(p importer.Problem) {
			problems++
			bar.clear()
			fmt.Fprintln(stderr, p.String())
		},
	}
	if cfg.BatchEvents == 0 && st.shared {
		cfg.BatchEvents = 1000
	}
	im, err := newImporter(st.Store, cfg)
	if err != nil {
		return err
	}
	stats, err := im.ImportPaths(ctx, c.Paths)
	bar.done()
	fmt.Fprintln(stdout, importSummary(stats, st.where))
	if stats.Resumed > 0 || stats.FirstOffset > 0 {
		fmt.Fprintf(stdout, "resumed:  %d files already imported by an earlier run (checkpoint %s)\n", stats.Resumed, c.Checkpoint)
	}
	if errors.Is(err, importer.ErrRefused) {
		return &exitError{1, fmt.Errorf("import: %d documents refused (see above)", stats.Refused)}
	}
	if errors.Is(err, context.Canceled) {
		return &exitError{1, fmt.Errorf("import interrupted; run the same command again to go on (checkpoint %s)", c.Checkpoint)}
	}
	return err
}

// importMemoryLimit is the Go heap size an import keeps to (unless
// GOMEMLIMIT says otherwise): the batches waiting for the store and the
// documents being prepared are garbage soon, and without a limit the
// collector lets the heap grow to twice what is live.
const importMemoryLimit = 256 << 20

// limitImportMemory sets the soft memory limit of an import and returns
// the function that puts the previous one back. GOMEMLIMIT is the Go
// runtime's own variable, read from the real environment.
func limitImportMemory() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(importMemoryLimit)
	return func() { debug.SetMemoryLimit(prev) }
}

// openQuietStore opens the store of --data and --store for a command
// that logs only warnings.
func openQuietStore(ctx context.Context, data, uri string, stderr io.Writer) (*openedStore, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return openStore(ctx, &serveConfig{Data: data, Store: uri}, log)
}

// newImporter returns an importer into st, through its bulk path when it
// has one.
func newImporter(st store.Store, cfg importer.Config) (*importer.Importer, error) {
	sv, err := schemas.Compile()
	if err != nil {
		return nil, err
	}
	return importer.New(importer.WriterFor(st), sv, cfg), nil
}

// importSummary is the line lotline import ends with.
func importSummary(s importer.Stats, where string) string {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Stored+s.Skipped) / s.Elapsed.Seconds()
	}
	return fmt.Sprintf("imported: %d events stored, %d skipped (already stored), %d documents, %d refused, from %d files (%s) in %s, %.0f events/s, into %s",
		s.Stored, s.Skipped, s.Documents, s.Refused, s.Files, mb(s.TotalBytes), s.Elapsed.Round(time.Millisecond), rate, where)
}

// defaultCheckpoint names the checkpoint of an import by what it imports
// where and for whom, so that running the same command again resumes it.
func defaultCheckpoint(c *importConfig, shared bool) string {
	var abs []string
	for _, p := range c.Paths {
		a, err := filepath.Abs(p)
		if err != nil {
			a = p
		}
		abs = append(abs, a)
	}
	slices.Sort(abs)
	h := sha256.Sum256([]byte(strings.Join(abs, "\x00") + "\x00" + c.Store + "\x00" + c.Party))
	name := "import-" + hex.EncodeToString(h[:6]) + ".checkpoint"
	if shared {
		return name
	}
	return filepath.Join(c.Data, name)
}

// importProgress draws the import's progress on a terminal: a bar of the
// input bytes, the events per second of this run and the time left.
type importProgress struct {
	w     io.Writer
	on    bool
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

func newImportProgress(w io.Writer, mode string) *importProgress {
	on := mode == "always"
	if mode == "auto" {
		_, on = termWidth(w) // a terminal, as the client commands detect it
	}
	return &importProgress{w: w, on: on}
}

func (p *importProgress) update(s importer.Stats) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprint(p.w, "\r"+progressLine(s, 30)+"\x1b[K")
	p.drawn = true
}

// progressLine renders one state of an import; width is the bar's.
func progressLine(s importer.Stats, width int) string {
	frac := 1.0
	if s.TotalBytes > 0 {
		frac = min(1, float64(s.Bytes)/float64(s.TotalBytes))
	}
	n := int(frac * float64(width))
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	rate, eta := 0.0, "-"
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(s.Stored+s.Skipped) / sec
		// The time left at this run's pace (resumed bytes took none).
		if run := s.Bytes - s.ResumedBytes; run > 0 && s.Bytes < s.TotalBytes {
			left := time.Duration(sec * float64(s.TotalBytes-s.Bytes) / float64(run) * float64(time.Second))
			eta = left.Round(time.Second).String()
		} else if s.Bytes >= s.TotalBytes {
			eta = "0s"
		}
	}
	return fmt.Sprintf("[%s] %3.0f%% %s/%s  %d events  %.0f events/s  ETA %s",
		bar, 100*frac, mb(s.Bytes), mb(s.TotalBytes), s.Stored+s.Skipped, rate, eta)
}

// clear removes the bar, so that a message can be printed on its line.
func (p *importProgress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
		p.last = time.Time{}
	}
}

func (p *importProgress) done() { p.clear() }
