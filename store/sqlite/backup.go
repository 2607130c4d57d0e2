package sqlitestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// BackupInfo describes a backup or a restored database.
type BackupInfo struct {
	Events        int64 // events in the copy
	Bytes         int64 // size of the copy
	SchemaVersion int
	Elapsed       time.Duration
}

// Backup writes a consistent copy of the store in dir to the new file out,
// while a server may be capturing into it. It runs VACUUM INTO on a
// connection of its own: that is one read transaction, so the copy is the
// database as of one commit (every event committed before Backup began is
// in it, and no batch is in it partly), and in WAL mode a reader never
// blocks the writer; the WAL only grows until the copy ends, because a
// checkpoint cannot pass an open reader. The copy is written to a
// temporary file beside out, synced, checked (quick_check) and renamed, so
// out is either absent or a whole backup. out must not exist.
func Backup(ctx context.Context, dir, out string) (BackupInfo, error) {
	start := time.Now()
	src := filepath.Join(dir, FileName)
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: backup: no store in %s: %w", dir, err)
	}
	if _, err := os.Lstat(out); err == nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: backup: %s exists", out)
	}
	tmp, err := tempName(out)
	if err != nil {
		return BackupInfo{}, err
	}
	defer removeDB(tmp) // a no-op once renamed
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: backup: %w", err)
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, tmp)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: backup %s: %w", src, err)
	}
	info, err := checkDB(ctx, tmp, "quick_check")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: backup: the copy fails its check: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := renameSynced(tmp, out); err != nil {
		return BackupInfo{}, err
	}
	info.Elapsed = time.Since(start)
	return info, nil
}

// Restore makes the backup file the store in dir. The data directory must
// not hold a database, unless force is set (then it is replaced). The
// backup is copied beside the target, checked with integrity_check (and
// refused when a newer Lotline made it), synced and renamed over the
// target after the target's -wal and -shm files are removed, so that a
// stale WAL is never applied to the restored database. No server may run
// on dir meanwhile.
func Restore(ctx context.Context, backup, dir string, force bool) (BackupInfo, error) {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: restore: %w", err)
	}
	dst := filepath.Join(dir, FileName)
	if !force {
		for _, p := range []string{dst, dst + "-wal"} {
			if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
				return BackupInfo{}, fmt.Errorf("sqlitestore: restore: %s holds a database; stop its server and give --force to replace it", dir)
			}
		}
	}
	tmp, err := tempName(dst)
	if err != nil {
		return BackupInfo{}, err
	}
	defer removeDB(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: restore: %w", err)
	}
	info, err := checkDB(ctx, tmp, "integrity_check")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlitestore: restore: %s: %w", backup, err)
	}
	if info.SchemaVersion > SchemaVersion {
		return BackupInfo{}, newerSchema(backup, info.SchemaVersion)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	for _, p := range []string{dst + "-wal", dst + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return BackupInfo{}, fmt.Errorf("sqlitestore: restore: %w", err)
		}
	}
	if err := renameSynced(tmp, dst); err != nil {
		return BackupInfo{}, err
	}
	info.Elapsed = time.Since(start)
	return info, nil
}

// checkDB runs PRAGMA check (quick_check or integrity_check) on the
// database file path, which no one else uses, and describes it.
func checkDB(ctx context.Context, path, check string) (BackupInfo, error) {
	var info BackupInfo
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return info, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, `PRAGMA `+check)
	if err != nil {
		return info, fmt.Errorf("%s: %w", check, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return info, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return info, fmt.Errorf("%s: %w", check, err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		return info, fmt.Errorf("%s: %q", check, problems)
	}
	if info.SchemaVersion, err = userVersion(ctx, db); err != nil {
		return info, err
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&info.Events); err != nil {
		return info, fmt.Errorf("not a Lotline store: %w", err)
	}
	if err := db.Close(); err != nil {
		return info, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return info, err
	}
	info.Bytes = fi.Size()
	return info, nil
}

// tempName is a fresh name beside path.
func tempName(path string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return path + ".tmp-" + hex.EncodeToString(b), nil
}

// removeDB removes a database file and its -wal, -shm and -journal.
func removeDB(path string) {
	for _, s := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + s)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: sync %s: %w", path, err)
	}
	return nil
}

// renameSynced renames from to to and syncs the directory, so the rename
// survives a crash.
func renameSynced(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	d, err := os.Open(filepath.Dir(to))
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sqlitestore: sync %s: %w", filepath.Dir(to), err)
	}
	return nil
}
