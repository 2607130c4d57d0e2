package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// LineReader reads newline-delimited JSON: one value per line, blank lines
// skipped, a trailing "\r" dropped. It tracks the byte offset after each
// line, so that a reader can resume where an import stopped.
type LineReader struct {
	r    *bufio.Reader
	max  int
	off  int64 // offset after the last line returned
	line int   // number of the last line returned (1-based)
	buf  []byte
}

// ErrLineTooLong is returned (wrapped) for a line longer than the limit.
var ErrLineTooLong = errors.New("line too long")

// NewLineReader reads from r, which is at byte offset off of its file
// (counted from line startLine+1 on). Lines longer than maxBytes are an
// error.
func NewLineReader(r io.Reader, off int64, startLine, maxBytes int) *LineReader {
	return &LineReader{r: bufio.NewReaderSize(r, 64<<10), max: maxBytes, off: off, line: startLine}
}

// Next returns the next non-blank line (without its line end), its line
// number and the offset just after it. The line is valid until the next
// call. At the end it returns io.EOF.
func (lr *LineReader) Next() (line []byte, lineNo int, end int64, err error) {
	for {
		lr.buf = lr.buf[:0]
		for {
			chunk, err := lr.r.ReadSlice('\n')
			if len(lr.buf)+len(chunk) > lr.max+2 { // +2: the line end itself
				return nil, lr.line + 1, lr.off, fmt.Errorf("line %d: %w (more than %d bytes)", lr.line+1, ErrLineTooLong, lr.max)
			}
			lr.buf = append(lr.buf, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, lr.line + 1, lr.off, err
			}
			if len(lr.buf) == 0 && err == io.EOF {
				return nil, lr.line, lr.off, io.EOF
			}
			break
		}
		lr.off += int64(len(lr.buf))
		lr.line++
		l := bytes.TrimSuffix(lr.buf, []byte{'\n'})
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if len(l) > lr.max {
			return nil, lr.line, lr.off, fmt.Errorf("line %d: %w (more than %d bytes)", lr.line, ErrLineTooLong, lr.max)
		}
		return l, lr.line, lr.off, nil
	}
}
