package importer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckpointCutLine: a checkpoint whose last line a crash cut short
// opens with the whole lines, and stays readable after more lines are
// appended and it is opened again (the cut line used to end up in the
// middle of the file, where it no longer parsed).
func TestCheckpointCutLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "import.checkpoint")
	good, _ := json.Marshal(cpEntry{File: "/a", Size: 10, Offset: 10, Done: true})
	if err := os.WriteFile(path, append(append(good, '\n'), `{"file":"/b","si`...), 0o644); err != nil {
		t.Fatal(err)
	}
	cp, err := openCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.files) != 1 || !cp.files["/a"].Done {
		t.Fatalf("entries %+v, want /a done only", cp.files)
	}
	next, _ := json.Marshal(cpEntry{File: "/b", Size: 20, Offset: 5})
	cp.w.Write(append(next, '\n'))
	if err := cp.close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		cp, err = openCheckpoint(path)
		if err != nil {
			t.Fatalf("reopening: %v", err)
		}
		if len(cp.files) != 2 || cp.files["/b"].Offset != 5 {
			t.Fatalf("entries %+v, want /a and /b at 5", cp.files)
		}
		cp.close()
	}
}
