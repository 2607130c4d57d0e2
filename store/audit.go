package store

import (
	"context"
	"time"
)

// AuditRecord is one request in the audit log: who did what, when, and
// how many events it read or captured.
type AuditRecord struct {
	// ID orders the log: assigned by the writer, unique, and increasing
	// with Time (see api's audit log), so a listing is an index range.
	ID        string
	Time      time.Time
	Party     string // the caller's party
	KeyID     string // the API key used, "" for a JWT or open mode
	RequestID string
	Method    string
	Path      string
	Query     string // the query string, page tokens elided
	Status    int
	Events    int // events returned or submitted for capture
}

// AuditPage asks for at most Limit records of Party, newest first,
// strictly before the ID Before when it is set.
type AuditPage struct {
	Party  string
	Before string
	Limit  int
}

// AuditStore keeps the audit log. Records are appended in batches and
// never changed.
type AuditStore interface {
	// AppendAudit stores the records; an ID already stored is skipped.
	AppendAudit(ctx context.Context, recs []AuditRecord) error
	// AuditRecords lists one party's records, newest (largest ID) first.
	AuditRecords(ctx context.Context, p AuditPage) ([]AuditRecord, error)
}
