package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestore backs up a store (the migrated earlier-release
// fixture), restores it into new directories, and checks the refusals:
// an existing output, a non-empty target without force, a damaged or
// foreign file, a newer schema.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src := copyFixture(t, "v0-c1c406b.db")
	st, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close() // Backup runs beside an open store
	out := filepath.Join(t.TempDir(), "backup.db")
	info, err := Backup(ctx, src, out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Events != 28 || info.SchemaVersion != SchemaVersion || info.Bytes == 0 {
		t.Errorf("backup info = %+v", info)
	}
	if _, err := Backup(ctx, src, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if _, err := Backup(ctx, t.TempDir(), filepath.Join(t.TempDir(), "x.db")); err == nil {
		t.Error("backup of an empty directory succeeded")
	}
	if m, _ := filepath.Glob(out + ".tmp-*"); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(bad, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	damaged := append([]byte(nil), b...)
	for i := len(damaged) / 2; i < len(damaged)/2+4096; i++ {
		damaged[i] ^= 0x5a
	}
	newer := write("newer.db", b)
	if err := setVersion(newer, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}

	target := t.TempDir()
	for _, tc := range []struct {
		name, backup, dir string
		force             bool
		wantErr           string
	}{
		{"into a new directory", out, filepath.Join(target, "new"), false, ""},
		{"over a store without force", out, src, false, "--force"},
		{"over a store with force", out, filepath.Join(target, "new"), true, ""},
		{"damaged", write("damaged.db", damaged), filepath.Join(target, "d"), false, "integrity_check"},
		{"truncated", write("short.db", b[:len(b)/2]), filepath.Join(target, "s"), false, "sqlitestore: restore"},
		{"not a database", write("text.db", []byte(strings.Repeat("not sqlite\n", 500))), filepath.Join(target, "t"), false, "sqlitestore: restore"},
		{"missing", filepath.Join(bad, "none.db"), filepath.Join(target, "m"), false, "no such file"},
		{"newer schema", newer, filepath.Join(target, "n"), false, "newer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Restore(ctx, tc.backup, tc.dir, tc.force)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Restore = %+v, %v; want an error with %q", info, err, tc.wantErr)
				}
				if fi, err := os.Stat(filepath.Join(tc.dir, FileName)); tc.dir != src && err == nil && fi.Size() > 0 {
					t.Errorf("a refused restore left %s", filepath.Join(tc.dir, FileName))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Events != 28 {
				t.Errorf("restore info = %+v", info)
			}
			for _, s := range []string{"-wal", "-shm"} {
				if _, err := os.Stat(filepath.Join(tc.dir, FileName+s)); err == nil {
					t.Errorf("stale %s left", s)
				}
			}
			r, err := Open(ctx, tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			evs, err := r.EventsByID(ctx, firstFixtureID(t))
			if err != nil || len(evs) != 1 {
				t.Errorf("restored store: %d events, %v", len(evs), err)
			}
		})
	}
	// src is untouched by the refused restore.
	if evs, err := st.EventsByID(ctx, firstFixtureID(t)); err != nil || len(evs) != 1 {
		t.Errorf("source store after the refusal: %d, %v", len(evs), err)
	}
}

func firstFixtureID(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "v0-c1c406b.eventids.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))[0]
}

// setVersion sets the user_version of the database file path.
func setVersion(path string, v int) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v))
	return err
}
