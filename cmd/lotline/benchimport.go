package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/lotline/lotline/epcis/epcisgen"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/importer"
)

// benchImportConfig is what `lotline bench import` can be told.
type benchImportConfig struct {
	Events, EventsPerDoc int
	Format               string
	Input                string // folder to generate into (or reuse)
	Data, Store          string
	Batch, Workers       int
	Seed                 uint64
	CPUProfile           string
}

var benchImportFormats = []string{"json", "xml", "ndjson", "ndjson-events"}

func parseBenchImport(args []string, stderr io.Writer) (*benchImportConfig, error) {
	c := &benchImportConfig{}
	fs := flag.NewFlagSet("lotline bench import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.Events, "events", 200_000, "events to generate and import")
	fs.IntVar(&c.EventsPerDoc, "events-per-doc", 100, "events per generated document")
	fs.StringVar(&c.Format, "format", "json", "input: json (a folder of JSON-LD documents), xml, ndjson (one document per line) or ndjson-events (one event per line)")
	fs.StringVar(&c.Input, "input", "", "folder to generate the input into and keep; when it holds files already, they are imported as they are (default: a temporary folder)")
	fs.StringVar(&c.Data, "data", "", "data directory of the SQLite store to import into (default: a temporary directory)")
	fs.StringVar(&c.Store, "store", "", "store URI, as for serve (mongodb://...); default the SQLite store in --data")
	fs.IntVar(&c.Batch, "batch", 0, "events per store transaction (default: the importer's)")
	fs.IntVar(&c.Workers, "workers", 0, "documents validated at once (default GOMAXPROCS)")
	fs.Uint64Var(&c.Seed, "seed", 1, "generator seed")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the import to this file")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	var errs []error
	if c.Events <= 0 || c.EventsPerDoc <= 0 {
		errs = append(errs, errors.New("--events and --events-per-doc must be positive"))
	}
	if !slices.Contains(benchImportFormats, c.Format) {
		errs = append(errs, fmt.Errorf("--format: %q is not one of %v", c.Format, benchImportFormats))
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("bench import takes no arguments, got %q", fs.Args()))
	}
	if len(errs) > 0 {
		return nil, &exitError{2, errors.Join(errs...)}
	}
	return c, nil
}

// runBenchImport generates a folder of documents, imports it into a fresh
// store and reports events/s, CPU time per event and peak RSS.
func runBenchImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseBenchImport(args, stderr)
	if err != nil {
		return err
	}
	for _, d := range []*string{&c.Input, &c.Data} {
		if *d == "" && (d != &c.Data || c.Store == "") {
			if *d, err = os.MkdirTemp("", "lotline-bench-import-"); err != nil {
				return err
			}
			defer os.RemoveAll(*d)
		}
	}
	defer limitImportMemory()()
	files, inBytes, err := benchImportInput(c)
	if err != nil {
		return err
	}
	st, err := openQuietStore(ctx, c.Data, c.Store, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	im, err := newImporter(st.Store, importer.Config{BatchEvents: c.Batch, Workers: c.Workers,
		OnProblem: func(p importer.Problem) { fmt.Fprintln(stderr, p.String()) }})
	if err != nil {
		return err
	}
	var stopProfile func() error
	if c.CPUProfile != "" {
		if stopProfile, err = startCPUProfile(c.CPUProfile); err != nil {
			return err
		}
	}
	runtime.GC()
	resetPeakRSS()
	cpu0 := cpuTime()
	stats, err := im.ImportPaths(ctx, []string{c.Input})
	cpu := cpuTime() - cpu0
	peak := peakRSS()
	if stopProfile != nil {
		if perr := stopProfile(); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil {
		return err
	}
	ev := max(stats.Stored+stats.Skipped, 1)
	fmt.Fprintf(stdout, "lotline bench import\n")
	fmt.Fprintf(stdout, "store:        %s, GOMAXPROCS %d\n", st.where, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "input:        %d files, %s, format %s, %d events per document\n", files, mb(inBytes), c.Format, c.EventsPerDoc)
	fmt.Fprintf(stdout, "imported:     %d events stored, %d skipped, %d refused documents in %s\n",
		stats.Stored, stats.Skipped, stats.Refused, stats.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "rate:         %.0f events/s\n", float64(ev)/stats.Elapsed.Seconds())
	fmt.Fprintf(stdout, "cpu:          %.1f µs per event (%.2f cores busy)\n",
		float64(cpu.Microseconds())/float64(ev), cpu.Seconds()/stats.Elapsed.Seconds())
	fmt.Fprintf(stdout, "peak RSS:     %s during the import (VmHWM)\n", mb(peak))
	if c.Store == "" {
		db, wal := dbSize(c.Data)
		fmt.Fprintf(stdout, "database:     %s on disk (WAL %s)\n", mb(db+wal), mb(wal))
	}
	return nil
}

// benchImportInput generates c.Events events into c.Input in c.Format,
// unless the folder holds files already, and returns the files and bytes
// it holds.
func benchImportInput(c *benchImportConfig) (int, int64, error) {
	files, size, err := folderSize(c.Input)
	if err != nil || files > 0 {
		return files, size, err
	}
	if err := writeGenerated(c.Input, c.Format, epcisgen.New(c.Seed), c.Events, c.EventsPerDoc, 100); err != nil {
		return 0, 0, err
	}
	return folderSize(c.Input)
}

func folderSize(dir string) (files int, size int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		size += info.Size()
		return nil
	})
	return files, size, err
}

// writeGenerated writes events generated by gen into dir: documents of
// perDoc events, one per file (json, xml), or perFile documents per
// NDJSON file (ndjson), or their events one per line (ndjson-events).
// Files go into subfolders of 1,000, so that a folder walk recurses.
func writeGenerated(dir, format string, gen *epcisgen.Generator, events, perDoc, perFile int) error {
	var (
		f    *os.File
		w    *bufio.Writer
		file int
		docs int
	)
	closeFile := func() error {
		if f == nil {
			return nil
		}
		err := w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		f = nil
		return err
	}
	open := func(ext string) error {
		if err := closeFile(); err != nil {
			return err
		}
		sub := filepath.Join(dir, fmt.Sprintf("%03d", file/1000))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		var err error
		f, err = os.Create(filepath.Join(sub, fmt.Sprintf("%06d%s", file, ext)))
		if err != nil {
			return err
		}
		w = bufio.NewWriterSize(f, 1<<20)
		file++
		return nil
	}
	var buf []byte
	for left := events; left > 0; {
		n := min(left, perDoc)
		left -= n
		doc := gen.Document(n)
		var err error
		switch format {
		case "json":
			if err = open(".json"); err == nil {
				err = json.NewEncoder(w).Encode(doc)
			}
		case "xml":
			if err = open(".xml"); err == nil {
				if buf, err = epcisxml.AppendDocument(buf[:0], doc); err == nil {
					_, err = w.Write(buf)
				}
			}
		case "ndjson", "ndjson-events":
			if docs%perFile == 0 {
				err = open(".ndjson")
			}
			if err == nil {
				err = writeNDJSON(w, doc, format == "ndjson-events")
			}
		}
		if err != nil {
			closeFile()
			return fmt.Errorf("bench import: writing the input: %w", err)
		}
		docs++
	}
	return closeFile()
}

// writeNDJSON writes a document as one line, or its events one per line,
// each with the document's @context (the namespaces its extensions use).
func writeNDJSON(w io.Writer, doc map[string]any, events bool) error {
	enc := json.NewEncoder(w)
	if !events {
		return enc.Encode(doc)
	}
	body, _ := doc["epcisBody"].(map[string]any)
	list, _ := body["eventList"].([]any)
	for _, x := range list {
		ev := x.(map[string]any)
		if _, ok := ev["@context"]; !ok {
			ev["@context"] = doc["@context"]
		}
		if err := enc.Encode(ev); err != nil {
			return err
		}
	}
	return nil
}
