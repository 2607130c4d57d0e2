package importer

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzLineReader checks the NDJSON reader against a plain split of its
// input: the same non-blank lines, in order, with offsets that point just
// past each line in the input, and reading on from any reported offset
// gives the rest of the lines (what a resumed import does).
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"", "{}\n", "{\"a\":1}\r\n\n  \n[2]", "x\ny\nz", "\n\n\n", "long line without end"} {
		f.Add([]byte(s), uint8(8))
	}
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		limit := int(max) + 1
		var want [][]byte
		// mayBeLong[i]: a line that may exceed the limit (blank or not)
		// comes after wanted line i-1 and at most at wanted line i, so the
		// reader may refuse it in place of line i.
		mayBeLong := []bool{false}
		for _, l := range bytes.Split(data, []byte{'\n'}) {
			l = bytes.TrimSuffix(l, []byte{'\r'})
			if len(l) > limit-2 {
				mayBeLong[len(want)] = true
			}
			if len(bytes.TrimSpace(l)) > 0 {
				want = append(want, l)
				mayBeLong = append(mayBeLong, false)
			}
		}
		lr := NewLineReader(bytes.NewReader(data), 0, 0, limit)
		var ends []int64
		for i := 0; ; i++ {
			line, n, end, err := lr.Next()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("EOF after %d lines, want %d", i, len(want))
				}
				break
			}
			if err != nil {
				if !errors.Is(err, ErrLineTooLong) || !mayBeLong[i] {
					t.Fatalf("line %d: unexpected error %v", i, err)
				}
				return // the rest is not read
			}
			if i >= len(want) || !bytes.Equal(line, want[i]) {
				t.Fatalf("line %d (number %d) = %q, want %q", i, n, line, want)
			}
			if end > int64(len(data)) || !bytes.Contains(data[:end], line) || (end < int64(len(data)) && data[end-1] != '\n') {
				t.Fatalf("line %d: end offset %d does not follow the line", i, end)
			}
			ends = append(ends, end)
		}
		for i, end := range ends {
			rest := NewLineReader(bytes.NewReader(data[end:]), end, i+1, limit)
			line, n, _, err := rest.Next()
			if i+1 == len(want) {
				if err != io.EOF {
					t.Fatalf("resuming after the last line: %q, %v", line, err)
				}
				continue
			}
			if err != nil || !bytes.Equal(line, want[i+1]) || n <= i+1 {
				t.Fatalf("resuming at %d: %q (line %d), %v; want %q", end, line, n, err, want[i+1])
			}
		}
	})
}

// TestLineReaderLongLines reads lines longer than the read buffer, and
// refuses one over the limit.
func TestLineReaderLongLines(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 200<<10)
	data := append(append(append([]byte("{}\n"), long...), "\r\n"...), "[]"...)
	lr := NewLineReader(bytes.NewReader(data), 0, 0, 1<<20)
	for i, want := range [][]byte{[]byte("{}"), long, []byte("[]")} {
		line, n, _, err := lr.Next()
		if err != nil || n != i+1 || !bytes.Equal(line, want) {
			t.Fatalf("line %d: %d bytes (number %d), %v; want %d bytes", i+1, len(line), n, err, len(want))
		}
	}
	lr = NewLineReader(bytes.NewReader(data), 0, 0, 100<<10)
	lr.Next()
	if _, n, _, err := lr.Next(); !errors.Is(err, ErrLineTooLong) || n != 2 {
		t.Fatalf("line over the limit: line %d, %v; want ErrLineTooLong on line 2", n, err)
	}
}
