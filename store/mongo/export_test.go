package mongostore

// SetBeforeCommit sets a function run after an atomic batch's events are
// inserted and before the batch is committed.
func SetBeforeCommit(s *Store, f func()) { s.beforeCommit = f }
