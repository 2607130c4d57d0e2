// Package importer loads EPCIS events in bulk straight into a store: files
// and folders of EPCIS documents (JSON-LD or XML) and of newline-delimited
// JSON (one event or one document per line), or documents a program makes.
// Every document goes through capture's validation, event hashing and
// stored form (capture.Service.Prepare), with the owner the importer is
// given, so an imported event is the event capture would have stored.
//
// Documents are prepared in parallel and written in large batches through
// the store's bulk path when it has one (Writer; the SQLite store's
// ImportEvents), else through AddEvents. An event whose eventID is stored
// already is skipped and counted, never an error, and a checkpoint file
// records the files and byte offsets that are committed, so an import run
// again after an interruption goes on where it stopped and stores nothing
// twice.
//
// The package reads no flags and draws nothing: lotline import (cmd/lotline)
// wires it to the command line and the progress bar.
package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
)

// Writer is a store's bulk write path: it stores prepared events in one
// go, skipping (and counting) those whose UniqueKey is already stored or
// appears earlier in evs, and merges md into the master data. It returns
// an error only when the store failed.
type Writer interface {
	ImportEvents(ctx context.Context, evs []*store.Event, md []store.VocabularyElement) (stored, skipped int, err error)
}

// WriterFor returns st's bulk path when it has one, else a Writer that
// stores non-atomic AddEvents batches (a MongoDB store inserts each batch
// with one insertMany).
func WriterFor(st store.Store) Writer {
	if w, ok := st.(Writer); ok {
		return w
	}
	return batchWriter{st}
}

type batchWriter struct{ st store.Store }

func (b batchWriter) ImportEvents(ctx context.Context, evs []*store.Event, md []store.VocabularyElement) (int, int, error) {
	res, err := b.st.AddEvents(ctx, store.Batch{Events: evs, MasterData: md})
	if err != nil {
		return 0, 0, err
	}
	for i, rerr := range res.Rejected {
		var dup *store.DuplicateError
		if !errors.As(rerr, &dup) {
			return res.Stored, 0, fmt.Errorf("importer: event %d refused by the store: %w", i, rerr)
		}
	}
	return res.Stored, len(res.Rejected), nil
}

// Config tunes an import. Zero fields take the defaults.
type Config struct {
	// Owner is the party the events are stored for, as capture stores a
	// party's events (store.LocalOwner, the open mode's party, if empty).
	Owner string
	// BatchEvents is the number of events written per store call (one
	// transaction on SQLite). Default 8192.
	BatchEvents int
	// Workers is the number of documents prepared at once. Default
	// GOMAXPROCS.
	Workers int
	// MaxLineBytes bounds one NDJSON line. Default 64 MiB.
	MaxLineBytes int
	// StopOnError ends the import at the first refused document (after
	// storing what came before it); otherwise the other documents are
	// imported and each refusal reported.
	StopOnError bool
	// Checkpoint is the file recording what is committed, read at start
	// to resume; "" keeps none.
	Checkpoint string
	// OnProblem is told every refused document or line. May be nil.
	OnProblem func(Problem)
	// OnProgress is told the totals after each batch is written. May be
	// nil.
	OnProgress func(Stats)
	// MaxInFlightBytes bounds the raw input read but not yet handed to
	// the store (a document being prepared takes several times its size
	// in memory); one document is always admitted. Default 32 MiB.
	MaxInFlightBytes int
}

// Stats are an import's totals.
type Stats struct {
	Files      int   // files read (resumed ones included)
	Resumed    int   // files the checkpoint recorded as done, not read again
	Documents  int   // documents and NDJSON event lines imported
	Refused    int   // documents and lines refused
	Events     int   // events prepared
	Stored     int   // events stored
	Skipped    int   // events skipped: their eventID was already stored
	Bytes      int64 // bytes of input committed (resumed files count)
	TotalBytes int64 // bytes of all the input files
	// ResumedBytes is the part of Bytes an earlier run committed.
	ResumedBytes int64
	Elapsed      time.Duration
	FirstOffset  int64 // where the first resumed NDJSON file went on from (0: none)
}

// Problem is a refused document (or NDJSON line): where it is and the
// errors capture would give (an *epcis.Error or epcis.Errors).
type Problem struct {
	File string // "" for documents given by a program
	Line int    // NDJSON line number, 0 for a whole file
	Err  error
}

// Errors returns the problem's errors one by one.
func (p Problem) Errors() epcis.Errors {
	var list epcis.Errors
	var one *epcis.Error
	switch {
	case errors.As(p.Err, &list):
	case errors.As(p.Err, &one):
		list = epcis.Errors{one}
	default:
		list = epcis.Errors{epcis.Errorf(epcis.KindValidation, "%v", p.Err)}
	}
	return list
}

func (p Problem) String() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, p.Line)
	}
	var b strings.Builder
	for i, e := range p.Errors() {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s: %s (%s): %s", where, e.Kind.Title(), e.Kind.ExceptionType(), e.Message)
		if e.Pointer != "" {
			fmt.Fprintf(&b, " at %s", e.Pointer)
		}
	}
	return b.String()
}

// ErrRefused is returned (wrapped) by an import with StopOnError when a
// document was refused, and by any import that refused one at its end.
var ErrRefused = errors.New("importer: documents were refused")

// Importer loads events into one store.
type Importer struct {
	w   Writer
	cap *capture.Service
	cfg Config
}

// New returns an importer writing to w, validating with schema.
func New(w Writer, schema *schemas.Validator, cfg Config) *Importer {
	if cfg.Owner == "" {
		cfg.Owner = store.LocalOwner
	}
	if cfg.BatchEvents <= 0 {
		cfg.BatchEvents = 8192
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxInFlightBytes <= 0 {
		cfg.MaxInFlightBytes = 32 << 20
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = 64 << 20
	}
	// An import has no capture limit: the documents are read one at a
	// time and their events written in batches.
	cs := capture.New(nil, schema, capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	return &Importer{w: w, cap: cs, cfg: cfg}
}

// Extensions are the file name endings a folder walk imports; a file
// named on the command line is imported whatever its name.
var Extensions = []string{".json", ".jsonld", ".ndjson", ".jsonl", ".xml"}

// inputFile is one file to import.
type inputFile struct {
	path  string // absolute
	size  int64
	mtime int64
	from  int64 // offset to start at (resume)
	line  int   // lines before from
	done  bool  // committed by an earlier run
}

// listFiles expands paths into files: a folder into the files below it
// with one of the Extensions, in lexical order.
func listFiles(paths []string) ([]*inputFile, error) {
	var out []*inputFile
	seen := map[string]bool{}
	add := func(p string, info fs.FileInfo) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, &inputFile{path: abs, size: info.Size(), mtime: info.ModTime().UnixNano()})
		}
		return nil
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			if err := add(p, info); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || !slices.Contains(Extensions, strings.ToLower(filepath.Ext(path))) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return add(path, info)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unit is one document or NDJSON line on its way from the reader through
// a preparing worker to the writer.
type unit struct {
	file  *inputFile // nil for a document given by a program
	line  int        // NDJSON line, 0 for a whole file
	start int64      // offset in file of the unit
	end   int64      // offset in file after the unit
	last  bool       // the file's last unit
	data  []byte     // raw JSON or XML; nil when doc is set
	doc   any        // a decoded document given by a program
	xml   bool

	events   []*store.Event
	md       []store.VocabularyElement
	err      error
	prepared bool // a document or event line was prepared (not a mere end-of-file marker)
	raw      int  // len(data) as read, held in the byte budget
	dropped  bool // never prepared: the import was ending
	ready    chan struct{}
}

// ImportPaths imports files and folders (see Extensions).
func (im *Importer) ImportPaths(ctx context.Context, paths []string) (Stats, error) {
	files, err := listFiles(paths)
	if err != nil {
		return Stats{}, fmt.Errorf("importer: %w", err)
	}
	var cp *checkpoint
	if im.cfg.Checkpoint != "" {
		if cp, err = openCheckpoint(im.cfg.Checkpoint); err != nil {
			return Stats{}, err
		}
		defer cp.close()
	}
	var st Stats
	for _, f := range files {
		st.TotalBytes += f.size
		if cp != nil {
			cp.resume(f)
		}
		switch {
		case f.done:
			st.Resumed++
			st.Bytes += f.size
		case f.from > 0:
			st.Bytes += f.from
			if st.FirstOffset == 0 {
				st.FirstOffset = f.from
			}
		}
	}
	st.Files, st.ResumedBytes = len(files), st.Bytes
	return im.run(ctx, st, cp, func(ctx context.Context, emit func(*unit) bool) error {
		for _, f := range files {
			if f.done {
				continue
			}
			if err := readFile(ctx, f, im.cfg.MaxLineBytes, emit); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportDocuments imports the decoded EPCIS documents (JSON-LD form) that
// next returns until it returns nil. next runs on one goroutine, in order.
func (im *Importer) ImportDocuments(ctx context.Context, next func() any) (Stats, error) {
	return im.run(ctx, Stats{}, nil, func(ctx context.Context, emit func(*unit) bool) error {
		for d := next(); d != nil; d = next() {
			if !emit(&unit{doc: d}) {
				return ctx.Err()
			}
		}
		return nil
	})
}

// readFile emits the units of one file: its NDJSON lines, or the file as
// one document.
func readFile(ctx context.Context, f *inputFile, maxLine int, emit func(*unit) bool) error {
	fh, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("importer: %w", err)
	}
	defer fh.Close()
	kind, err := sniff(fh, f.path, f.size, maxLine)
	if err != nil {
		return fmt.Errorf("importer: %s: %w", f.path, err)
	}
	if kind != kindNDJSON {
		data, err := io.ReadAll(fh)
		if err != nil {
			return fmt.Errorf("importer: %s: %w", f.path, err)
		}
		emit(&unit{file: f, end: int64(len(data)), last: true, data: data, xml: kind == kindXML})
		return nil
	}
	if _, err := fh.Seek(f.from, io.SeekStart); err != nil {
		return fmt.Errorf("importer: %s: %w", f.path, err)
	}
	lr := NewLineReader(fh, f.from, f.line, maxLine)
	var pending *unit // held back one line, to mark the file's last unit
	prev := f.from
	for {
		line, n, end, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if pending != nil && !emit(pending) {
				return ctx.Err()
			}
			return fmt.Errorf("importer: %s: %w", f.path, err)
		}
		if pending != nil && !emit(pending) {
			return ctx.Err()
		}
		pending = &unit{file: f, line: n, start: prev, end: end, data: slices.Clone(line)}
		prev = end
	}
	if pending == nil {
		// Nothing (left) to read: record the file as done.
		pending = &unit{file: f, start: f.from, end: f.size}
	}
	pending.last = true
	pending.end = max(pending.end, f.size)
	emit(pending)
	return nil
}

const (
	kindJSON = iota
	kindNDJSON
	kindXML
)

// sniff decides how to read a file and rewinds it: XML when it begins
// with '<', NDJSON when its name says so or its first line is a whole
// JSON value followed by more (a one-line document read as NDJSON would
// be the same document), else one JSON document.
func sniff(fh *os.File, path string, size int64, maxLine int) (int, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ndjson", ".jsonl":
		return kindNDJSON, nil
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(fh, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	if t := bytes.TrimLeft(head[:n], " \t\r\n\ufeff"); len(t) > 0 && t[0] == '<' {
		return kindXML, nil
	}
	kind := kindJSON
	line, _, end, err := NewLineReader(fh, 0, 0, maxLine).Next()
	if err == nil && end < size && json.Valid(line) {
		kind = kindNDJSON
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return kind, nil
}

// run drives the pipeline: read emits units in order; workers prepare
// them; the writer stores their events in order, in batches, and
// checkpoints what each batch completed.
func (im *Importer) run(ctx context.Context, st Stats, cp *checkpoint, read func(context.Context, func(*unit) bool) error) (Stats, error) {
	start := time.Now()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *unit, 2*im.cfg.Workers)
	ordered := make(chan *unit, 4*im.cfg.Workers)
	var wg sync.WaitGroup
	for range im.cfg.Workers {
		wg.Go(func() {
			for u := range work {
				im.prepare(u)
				close(u.ready)
			}
		})
	}
	budget := newByteBudget(im.cfg.MaxInFlightBytes)
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		emit := func(u *unit) bool {
			u.ready = make(chan struct{})
			u.raw = len(u.data)
			if !budget.acquire(ctx, u.raw) {
				return false
			}
			select {
			case ordered <- u:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- u:
				return true
			case <-ctx.Done():
				u.dropped = true
				close(u.ready)
				return false
			}
		}
		readErr <- read(ctx, emit)
	}()

	// The store is written on its own goroutine, so that the documents of
	// the next batch are prepared while one is written: at most one batch
	// is being written and one waits, while the loop below fills another.
	var (
		mu       sync.Mutex // guards st and writeErr
		writeErr error
	)
	type write struct {
		batch []*store.Event
		md    []store.VocabularyElement
		units []*unit
	}
	writes := make(chan write, 1)
	written := make(chan struct{})
	go func() {
		defer close(written)
		for w := range writes {
			mu.Lock()
			failed := writeErr != nil
			mu.Unlock()
			// After an interruption nothing more is written (or
			// checkpointed); the next run goes on from the checkpoint.
			if failed || parent.Err() != nil {
				continue
			}
			err := im.commit(parent, cp, w.batch, w.md, w.units, &mu, &st, start)
			if err != nil {
				mu.Lock()
				writeErr = err
				mu.Unlock()
				cancel()
			}
		}
	}()
	var (
		batch   []*store.Event
		md      []store.VocabularyElement
		units   []*unit
		failure error
		refused bool
	)
	flush := func() error {
		mu.Lock()
		err := writeErr
		mu.Unlock()
		if err != nil {
			return err
		}
		writes <- write{batch, md, units}
		batch, md, units = nil, nil, nil
		return nil
	}
	for u := range ordered {
		<-u.ready
		budget.release(u.raw)
		if failure != nil || u.dropped || ctx.Err() != nil {
			continue // drain
		}
		mu.Lock()
		if u.err != nil {
			st.Refused++
		} else if u.prepared {
			st.Documents++
			st.Events += len(u.events)
		}
		mu.Unlock()
		if u.err != nil {
			refused = true
			if im.cfg.OnProblem != nil {
				p := Problem{Line: u.line, Err: u.err}
				if u.file != nil {
					p.File = u.file.path
				}
				im.cfg.OnProblem(p)
			}
			if im.cfg.StopOnError {
				if err := flush(); err != nil {
					failure = err
				} else {
					failure = ErrRefused
				}
				cancel()
				continue
			}
		}
		batch = append(batch, u.events...)
		md = append(md, u.md...)
		units = append(units, u)
		if len(batch) >= im.cfg.BatchEvents {
			if err := flush(); err != nil {
				failure = err
				cancel()
			}
		}
	}
	wg.Wait()
	rerr := <-readErr
	if failure == nil && ctx.Err() == nil {
		// What an interruption left unwritten is not checkpointed either;
		// the next run prepares it again.
		failure = flush()
	}
	close(writes)
	<-written
	mu.Lock()
	defer mu.Unlock()
	if writeErr != nil {
		failure = writeErr
	}
	st.Elapsed = time.Since(start)
	switch {
	case failure != nil:
		return st, failure
	case rerr != nil:
		return st, rerr
	case parent.Err() != nil:
		return st, parent.Err()
	case ctx.Err() != nil:
		return st, ctx.Err()
	case refused:
		return st, fmt.Errorf("%w: %d refused", ErrRefused, st.Refused)
	}
	return st, nil
}

// commit writes one batch, records it in the checkpoint and reports the
// totals.
func (im *Importer) commit(ctx context.Context, cp *checkpoint, batch []*store.Event, md []store.VocabularyElement, units []*unit,
	mu *sync.Mutex, st *Stats, start time.Time) error {
	var stored, skipped int
	if len(batch) > 0 || len(md) > 0 {
		var err error
		if stored, skipped, err = im.w.ImportEvents(ctx, batch, md); err != nil {
			return fmt.Errorf("importer: store: %w", err)
		}
	}
	if cp != nil {
		if err := cp.commit(units); err != nil {
			return err
		}
	}
	mu.Lock()
	st.Stored += stored
	st.Skipped += skipped
	for _, u := range units {
		if u.file != nil {
			st.Bytes += u.size()
		}
	}
	st.Elapsed = time.Since(start)
	snap := *st
	mu.Unlock()
	if im.cfg.OnProgress != nil {
		im.cfg.OnProgress(snap)
	}
	return nil
}

// byteBudget bounds the input bytes in flight between the reader and
// the writer.
type byteBudget struct {
	mu   sync.Mutex
	cond *sync.Cond
	max  int
	used int
}

func newByteBudget(max int) *byteBudget {
	b := &byteBudget{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes fit (or nothing is in flight), or ctx ends.
func (b *byteBudget) acquire(ctx context.Context, n int) bool {
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.max {
		if ctx.Err() != nil {
			return false
		}
		b.cond.Wait()
	}
	b.used += n
	return true
}

func (b *byteBudget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.cond.Broadcast()
	b.mu.Unlock()
}

// size is the number of input bytes the unit completes.
func (u *unit) size() int64 { return u.end - u.start }

// prepare decodes and validates a unit as capture would.
func (im *Importer) prepare(u *unit) {
	owner := im.cfg.Owner
	switch {
	case u.doc != nil:
		p, err := im.cap.Prepare(u.doc, capture.Rollback, owner)
		u.setPrepared(p, err)
	case u.data == nil:
		// A file with nothing left to read.
	case u.xml:
		xd, err := epcisxml.Decode(u.data, epcisxml.Limits{})
		if err != nil {
			u.err = err
			break
		}
		p, err := im.cap.PrepareXML(xd.Tree, capture.Rollback, owner)
		u.setPrepared(p, locateXML(err, xd))
	default:
		v, err := epcis.DecodeJSON(u.data, epcis.JSONLimits{})
		if err != nil {
			u.err = err
			break
		}
		if isDocument(v) || u.line == 0 {
			p, err := im.cap.Prepare(v, capture.Rollback, owner)
			u.setPrepared(p, err)
			break
		}
		ev, err := im.cap.PrepareEvent(v, owner)
		if err != nil {
			u.err = err
			break
		}
		u.events = []*store.Event{ev}
	}
	u.prepared = u.err == nil && (u.data != nil || u.doc != nil)
	u.data, u.doc = nil, nil // no longer needed
}

func (u *unit) setPrepared(p *capture.Prepared, err error) {
	if err != nil {
		u.err = err
		return
	}
	u.events, u.md = p.Events(), p.MasterData()
}

// isDocument says whether a decoded NDJSON line is an EPCIS document
// rather than one event.
func isDocument(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	t, _ := m["type"].(string)
	return t == "EPCISDocument" || t == "EPCISQueryDocument"
}

// locateXML turns the JSON pointers of errors found in a decoded XML
// document into the locations of its elements, as capture answers them.
func locateXML(err error, xd *epcisxml.Decoded) error {
	if err == nil {
		return nil
	}
	for _, e := range (Problem{Err: err}).Errors() {
		if e.Pointer != "" && e.Param == "" {
			if x := xd.XPath(e.Pointer); x != "" {
				e.Pointer = x
			}
		}
	}
	return err
}
