package store

import "fmt"

// NewerSchemaError is a backend's Open answer for a database that a newer
// Lotline has migrated: the code does not know its later layout, so it
// refuses to use it rather than write what the newer code cannot read.
type NewerSchemaError struct {
	Backend   string // "sqlitestore", "mongostore"
	Where     string // the database file or name
	Version   int    // the database's schema version
	Supported int    // the newest version this code knows
	Undo      string // how to go back: "a backup", "a dump"
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("%s: %s has schema version %d, newer than the %d this Lotline supports: "+
		"it was upgraded by a newer release; run that release, or restore %s made before the upgrade",
		e.Backend, e.Where, e.Version, e.Supported, e.Undo)
}
