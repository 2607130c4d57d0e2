package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// captureConfig is what `lotline capture` can be told.
type captureConfig struct {
	conn        connFlags
	Concurrency int
	Behaviour   string // GS1-Capture-Error-Behaviour: rollback or proceed ("" the server's default)
	Format      string // text or json
	Paths       []string
}

const captureUsage = `Usage: lotline capture [flags] FILE...

Sends EPCIS documents to a server (POST /capture), waits for their capture
jobs (GET /capture/{id}) and reports each document: accepted with its
events, or failed with the errors and where they are. FILE is a JSON-LD or
XML document (told apart by its first character), a folder (every .json,
.jsonld and .xml file below it, recursively), or - for standard input.
The exit status is 1 when any document failed.

Flags:
`

func parseCapture(args []string, getenv func(string) string, stderr io.Writer) (*captureConfig, error) {
	c := captureConfig{}
	fset := clientFlagSet("lotline capture", captureUsage, &c.conn, getenv, stderr)
	fset.IntVar(&c.Concurrency, "concurrency", 4, "documents sent at once")
	fset.StringVar(&c.Behaviour, "error-behaviour", "", "GS1-Capture-Error-Behaviour: rollback (a document is all or nothing) or proceed (default: the server's, rollback)")
	fset.StringVar(&c.Format, "format", "text", "report: text (a line a document) or json (an array of results)")
	paths, err := parseInterleaved(fset, args)
	if err != nil {
		return nil, err
	}
	c.Paths = paths
	var errs []error
	if len(c.Paths) == 0 {
		errs = append(errs, errors.New("capture takes at least one FILE, folder or -"))
	}
	if stdins := slices.DeleteFunc(slices.Clone(c.Paths), func(p string) bool { return p != "-" }); len(stdins) > 1 {
		errs = append(errs, errors.New("- (standard input) may be given once"))
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("--concurrency: %d is not from 1 to 64", c.Concurrency))
	}
	switch c.Behaviour {
	case "", "rollback", "proceed":
	default:
		errs = append(errs, fmt.Errorf("--error-behaviour: %q is not rollback or proceed", c.Behaviour))
	}
	if c.Format != "text" && c.Format != "json" {
		errs = append(errs, fmt.Errorf("--format: %q is not text or json", c.Format))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return &c, nil
}

// captureResult is the outcome of one document.
type captureResult struct {
	Document  string         `json:"document"`
	Accepted  bool           `json:"accepted"`
	CaptureID string         `json:"captureID,omitempty"`
	Events    int            `json:"events"`
	Stored    int            `json:"stored"`
	Errors    []captureError `json:"errors,omitempty"`
}

// captureError is one error of a document: a problem of POST /capture or
// an error of its job.
type captureError struct {
	Title      string `json:"title"`
	Detail     string `json:"detail,omitempty"`
	Pointer    string `json:"pointer,omitempty"`
	EventIndex *int   `json:"eventIndex,omitempty"`
	Parameter  string `json:"parameter,omitempty"`
}

func (e captureError) String() string {
	p := problem{Title: e.Title, Detail: e.Detail, Pointer: e.Pointer, EventIndex: e.EventIndex, Parameter: e.Parameter}
	return p.Error()
}

// captureDocs lists the documents the paths name, in order: a folder's
// files sorted by path.
func captureDocs(paths []string) ([]string, error) {
	var docs []string
	for _, p := range paths {
		if p == "-" {
			docs = append(docs, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			docs = append(docs, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				switch strings.ToLower(filepath.Ext(path)) {
				case ".json", ".jsonld", ".xml":
					found = append(found, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .json, .jsonld or .xml file in the folder", p)
		}
		slices.Sort(found)
		docs = append(docs, found...)
	}
	return docs, nil
}

// sniffMedia is the Content-Type for a document, from its first
// character: '<' is XML, '{' JSON-LD.
func sniffMedia(doc []byte) (string, error) {
	t := bytes.TrimLeft(doc, " \t\r\n\ufeff")
	switch {
	case len(t) == 0:
		return "", errors.New("the document is empty")
	case t[0] == '<':
		return "application/xml", nil
	case t[0] == '{':
		return "application/ld+json", nil
	}
	return "", errors.New("the document is neither JSON (starting with '{') nor XML (starting with '<')")
}

// runCapture sends the documents and reports each.
func runCapture(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := parseCapture(args, getenv, stderr)
	if err != nil {
		return err
	}
	cl, err := c.conn.client()
	if err != nil {
		return &exitError{2, err}
	}
	docs, err := captureDocs(c.Paths)
	if err != nil {
		return &exitError{1, fmt.Errorf("capture: %w", err)}
	}
	var mu sync.Mutex // guards the report lines and the progress bar
	bar := newProgress(stderr)
	results := make([]*captureResult, len(docs))
	done, failed, events := 0, 0, 0
	finish := func(i int, r *captureResult) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = r
		done++
		events += r.Stored
		if !r.Accepted {
			failed++
		}
		if c.Format == "text" {
			bar.clear()
			writeCaptureResult(stdout, r)
		}
		bar.printf("%s %d/%d documents, %d events, %d failed", progressBar(done, len(docs), 24), done, len(docs), events, failed)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(c.Concurrency, len(docs)) {
		wg.Go(func() {
			for i := range next {
				finish(i, captureDoc(ctx, cl, c.Behaviour, docs[i], stdin))
			}
		})
	}
	for i := range docs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	bar.clear()
	if ctx.Err() != nil {
		return &exitError{1, fmt.Errorf("capture: %w", ctx.Err())}
	}
	if c.Format == "json" {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		stdout.Write(append(b, '\n'))
	} else {
		fmt.Fprintf(stdout, "%d documents: %d accepted, %d failed; %d events stored\n", len(docs), len(docs)-failed, failed, events)
	}
	if failed > 0 {
		return &exitError{1, fmt.Errorf("capture: %d of %d documents failed", failed, len(docs))}
	}
	return nil
}

// writeCaptureResult writes a document's line, and a line for each error.
func writeCaptureResult(w io.Writer, r *captureResult) {
	if r.Accepted {
		fmt.Fprintf(w, "accepted  %s: %d events stored (capture %s)\n", r.Document, r.Stored, r.CaptureID)
	} else {
		what := ""
		if r.CaptureID != "" {
			what = fmt.Sprintf(" (capture %s, %d of %d events stored)", r.CaptureID, r.Stored, r.Events)
		}
		fmt.Fprintf(w, "FAILED    %s%s\n", r.Document, what)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "          %s\n", e)
	}
}

// progressBar draws done of total in width cells.
func progressBar(done, total, width int) string {
	n := width
	if total > 0 {
		n = done * width / total
	}
	return "[" + strings.Repeat("█", n) + strings.Repeat("░", width-n) + "]"
}

// captureDoc sends one document and waits for its job.
func captureDoc(ctx context.Context, cl *client, behaviour, path string, stdin io.Reader) *captureResult {
	r := &captureResult{Document: path}
	fail := func(err error) *captureResult {
		var p *problem
		switch {
		case errors.As(err, &p) && len(p.Errors) > 0:
			for _, e := range p.Errors {
				r.Errors = append(r.Errors, captureError{e.Title, e.Detail, e.Pointer, e.EventIndex, e.Parameter})
			}
		case errors.As(err, &p):
			r.Errors = append(r.Errors, captureError{p.Title, p.Detail, p.Pointer, p.EventIndex, p.Parameter})
		default:
			r.Errors = append(r.Errors, captureError{Title: err.Error()})
		}
		return r
	}
	var doc []byte
	var err error
	if path == "-" {
		r.Document = "(stdin)"
		doc, err = io.ReadAll(stdin)
	} else {
		doc, err = os.ReadFile(path)
	}
	if err != nil {
		return fail(err)
	}
	media, err := sniffMedia(doc)
	if err != nil {
		return fail(err)
	}
	hdr := http.Header{}
	if behaviour != "" {
		hdr.Set("GS1-Capture-Error-Behaviour", behaviour)
	}
	a, err := cl.do(ctx, http.MethodPost, "/capture", "application/json", media, doc, hdr)
	if err != nil {
		return fail(err)
	}
	loc := a.Header.Get("Location")
	if a.Status != http.StatusAccepted || loc == "" {
		return fail(fmt.Errorf("POST /capture answered %d without a capture job (Location)", a.Status))
	}
	r.CaptureID = loc[strings.LastIndexByte(loc, '/')+1:]
	poll := 20 * time.Millisecond
	for {
		a, err := cl.get(ctx, loc, "application/json")
		if err != nil {
			return fail(err)
		}
		var job struct {
			Running     bool           `json:"running"`
			Success     bool           `json:"success"`
			EventCount  int            `json:"eventCount"`
			StoredCount int            `json:"storedCount"`
			Errors      []captureError `json:"errors"`
		}
		if err := json.Unmarshal(a.Body, &job); err != nil {
			return fail(fmt.Errorf("GET %s: the answer is not a capture job: %w", loc, err))
		}
		if !job.Running {
			r.Accepted, r.Events, r.Stored, r.Errors = job.Success, job.EventCount, job.StoredCount, job.Errors
			return r
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(poll):
		}
		poll = min(2*poll, time.Second)
	}
}
