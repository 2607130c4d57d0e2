package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

const backupUsage = `Usage:
  lotline backup [--data DIR] OUT
  lotline restore BACKUP [--data DIR] [--force]

backup writes a consistent copy of the embedded SQLite store in --data to the
new file OUT while the server keeps running and capturing: the copy holds
every event committed before the backup began and no part of a later batch.
restore makes BACKUP the store of --data: it checks the file
(integrity_check), refuses a directory that holds a database unless --force,
and replaces it whole. Stop the server on --data before restoring. A MongoDB
store is backed up with mongodump (see docs/operations.md).
`

// runBackup is `lotline backup` (restore false) and `lotline restore`.
func runBackup(ctx context.Context, restore bool, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "backup"
	if restore {
		name = "restore"
	}
	fs := flag.NewFlagSet("lotline "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	data, uri := storeFlags(fs, getenv)
	force := fs.Bool("force", false, "restore: replace the database in --data")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, backupUsage)
		return &exitError{2, fmt.Errorf("%s takes one file argument, got %q", name, pos)}
	}
	if !isSQLiteStore(*uri) {
		return &exitError{2, errors.New(name + ": --store names a MongoDB store; use mongodump and mongorestore (docs/operations.md)")}
	}
	if *force && !restore {
		return &exitError{2, errors.New("backup: --force is a restore flag")}
	}
	var info sqlitestore.BackupInfo
	if restore {
		info, err = sqlitestore.Restore(ctx, pos[0], *data, *force)
	} else {
		info, err = sqlitestore.Backup(ctx, *data, pos[0])
	}
	if err != nil {
		return err
	}
	verb, where := "backed up", pos[0]
	if restore {
		verb, where = "restored", *data
	}
	fmt.Fprintf(stdout, "%s %d events (%d bytes, schema version %d) to %s in %v\n",
		verb, info.Events, info.Bytes, info.SchemaVersion, where, info.Elapsed.Round(1e6))
	return nil
}
