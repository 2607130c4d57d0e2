package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// A checkpoint is an append-only file of JSON lines, one per file whose
// committed part grew in a batch: its path, size and modification time
// (a file that changed since is read again from its start), how far it
// is committed, and the NDJSON line count there. The last line about a
// file wins. A line is appended only after the batch it describes is
// committed, so the checkpoint is never ahead of the store; when it is
// behind (the process stopped between the two), the events read again
// are skipped by eventID.
type checkpoint struct {
	path  string
	f     *os.File
	w     *bufio.Writer
	files map[string]cpEntry
}

type cpEntry struct {
	File   string `json:"file"`
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime"`
	Offset int64  `json:"offset"`
	Line   int    `json:"line,omitempty"`
	Done   bool   `json:"done,omitempty"`
}

func openCheckpoint(path string) (*checkpoint, error) {
	cp := &checkpoint{path: path, files: map[string]cpEntry{}}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("importer: checkpoint: %w", err)
	}
	// Every line is written whole with its newline; a last line without
	// one was cut short by a crash. It is dropped from the file, so that
	// the lines appended next follow a whole line (the checkpoint is then
	// at most one batch behind, which eventIDs make harmless).
	whole := len(data)
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		whole = i + 1
	}
	for n, line := range bytes.Split(data[:whole], []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var e cpEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("importer: checkpoint %s line %d: %w", path, n+1, err)
		}
		cp.files[e.File] = e
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("importer: checkpoint: %w", err)
	}
	if whole < len(data) {
		if err := f.Truncate(int64(whole)); err != nil {
			f.Close()
			return nil, fmt.Errorf("importer: checkpoint: %w", err)
		}
	}
	cp.f, cp.w = f, bufio.NewWriter(f)
	return cp, nil
}

// resume sets where f starts from the checkpoint: done, or an offset.
func (cp *checkpoint) resume(f *inputFile) {
	e, ok := cp.files[f.path]
	if !ok || e.Size != f.size || e.MTime != f.mtime {
		return
	}
	f.done, f.from, f.line = e.Done, e.Offset, e.Line
}

// commit records how far the files of a written batch are committed.
func (cp *checkpoint) commit(units []*unit) error {
	var order []string
	last := map[string]cpEntry{}
	for _, u := range units {
		if u.file == nil {
			continue
		}
		f := u.file
		if _, ok := last[f.path]; !ok {
			order = append(order, f.path)
		}
		last[f.path] = cpEntry{File: f.path, Size: f.size, MTime: f.mtime, Offset: u.end, Line: u.line, Done: u.last}
	}
	for _, p := range order {
		b, err := json.Marshal(last[p])
		if err != nil {
			return fmt.Errorf("importer: checkpoint: %w", err)
		}
		cp.w.Write(b)
		cp.w.WriteByte('\n')
		cp.files[p] = last[p]
	}
	if err := cp.w.Flush(); err != nil {
		return fmt.Errorf("importer: checkpoint %s: %w", cp.path, err)
	}
	return nil
}

func (cp *checkpoint) close() error {
	if err := cp.w.Flush(); err != nil {
		cp.f.Close()
		return err
	}
	return cp.f.Close()
}
