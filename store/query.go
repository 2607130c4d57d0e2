package store

import (
	"context"
	"slices"
	"time"
)

// TimeRange is a half-open interval [GE, LT) of times. A zero bound is
// open.
type TimeRange struct {
	GE, LT time.Time
}

// Contains reports whether t is within the range.
func (r TimeRange) Contains(t time.Time) bool {
	return (r.GE.IsZero() || !t.Before(r.GE)) && (r.LT.IsZero() || t.Before(r.LT))
}

// Filter is the part of a query a store evaluates itself, from its
// indexes: every restriction must hold. The query layer checks whatever
// else a query asks with its reference matcher, so a filter may admit
// more events than the query (never fewer).
type Filter struct {
	// Terms is a conjunction of disjunctions: an event passes when, for
	// every inner list, it has at least one of the listed index terms
	// (see Event.Terms). An empty inner list passes nothing. Nil passes
	// everything.
	Terms [][]string
	// EventTime and RecordTime bound the event's eventTime and recordTime.
	EventTime  TimeRange
	RecordTime TimeRange
	// Owners, when not nil, keeps only events captured by one of these
	// parties (trading-partner visibility is decided here, in the store).
	Owners []string
	// Grants admit, besides the events of Owners, the events any of them
	// matches (events naming the reader, sharing rules). Ignored when
	// Owners is nil, which admits every event already.
	Grants []Grant
}

// Readers says which events a reader may read: those of Owners (every
// event when Owners is nil) and those Grants admit. Its fields go into
// Filter.Owners and Filter.Grants.
type Readers struct {
	Owners []string
	Grants []Grant
}

// Admits reports whether an event with this owner, eventTime and index
// terms is readable; the query path asks the store instead, this serves
// reads by eventID.
func (r Readers) Admits(owner string, eventTime time.Time, terms []string) bool {
	if r.Owners == nil || slices.Contains(r.Owners, owner) {
		return true
	}
	for _, g := range r.Grants {
		if g.admits(owner, eventTime, terms) {
			return true
		}
	}
	return false
}

func (g Grant) admits(owner string, eventTime time.Time, terms []string) bool {
	if len(g.Terms) == 0 || (g.Owner != "" && g.Owner != owner) || !g.EventTime.Contains(eventTime) {
		return false
	}
	for _, alts := range g.Terms {
		if !slices.ContainsFunc(alts, func(t string) bool { return slices.Contains(terms, t) }) {
			return false
		}
	}
	return true
}

// Grant admits events of another party: those captured by Owner (any
// owner when empty) that pass Terms, a conjunction of disjunctions of
// index terms as in Filter.Terms, and whose eventTime is within
// EventTime. A grant without Terms admits nothing, so that a rule whose
// criteria are lost never shares everything.
type Grant struct {
	Owner     string
	Terms     [][]string
	EventTime TimeRange
}

// OrderKey is the order in which Scan visits events.
type OrderKey uint8

const (
	// BySeq is commit order, which is also recordTime order (a larger Seq
	// never has an earlier RecordTime).
	BySeq OrderKey = iota
	// ByEventTime orders by eventTime, then Seq.
	ByEventTime
)

// Cursor is a keyset position: Scan visits only events strictly after it
// in the scan's order and direction. Time is the eventTime of the last
// event seen (ByEventTime only); Seq is its Seq.
type Cursor struct {
	Time time.Time
	Seq  int64
}

// Scan asks for the events passing Filter in one order.
type Scan struct {
	Filter Filter
	Order  OrderKey
	Desc   bool
	After  *Cursor
	// BatchSize hints how many events the caller expects to read (its
	// page size plus one, say); 0 means no hint. It is not a limit: the
	// caller stops the scan by returning false.
	BatchSize int
}

// Querier finds events by their index terms and times.
type Querier interface {
	// Events calls fn with each visible event that passes s.Filter, in
	// s's order, until fn returns false or an error (which Events returns).
	// Events visible when Events began are all visited (if fn does not
	// stop); events made visible meanwhile may or may not be. The Event
	// passed to fn is the caller's to keep; its Terms may be nil.
	Events(ctx context.Context, s Scan, fn func(*Event) (bool, error)) error
}

// Attribute is one master-data attribute of a vocabulary element. Value
// is its JSON value as captured (a string, number, object, ...).
type Attribute struct {
	ID    string `json:"id"`
	Value []byte `json:"attribute"`
}

// VocabularyElement is the master data of one identifier (a location, a
// product, a business step, ...) as captured in an EPCIS document header:
// its attributes and, for hierarchies such as locations, its direct
// children.
type VocabularyElement struct {
	Type       string // vocabulary type URI, e.g. urn:epcglobal:epcis:vtype:BusinessLocation
	ID         string // the element's identifier, as captured
	Attributes []Attribute
	// Children lists the identifiers of the direct children. HasChildren
	// says whether the capture listed children at all (an empty list then
	// removes all children).
	Children    []string
	HasChildren bool
	UpdatedAt   time.Time // set by the store
}

// MasterDataStore keeps master data. Master data is not owned by a party:
// it describes shared things (locations, products) and the latest
// capture of an attribute wins.
type MasterDataStore interface {
	// PutMasterData merges elements into the stored master data: an
	// element new to the store is added; for a known one (same Type and
	// ID), each captured attribute replaces the stored attribute with the
	// same ID (others are kept), and its children are replaced when
	// HasChildren is set.
	PutMasterData(ctx context.Context, elems []VocabularyElement) error
	// MasterData returns the stored elements of the given vocabulary
	// types (of every type when none is given), ordered by Type then ID.
	MasterData(ctx context.Context, types ...string) ([]VocabularyElement, error)
	// VocabularyElements returns the elements of one vocabulary type
	// whose IDs (exactly as captured) are among ids, in ID order; IDs
	// not stored are left out. It reads only those elements.
	VocabularyElements(ctx context.Context, typ string, ids []string) ([]VocabularyElement, error)
}

// ValueKind names a listing of distinct values the store keeps for the
// REST resource endpoints (/epcs, /bizSteps, ...).
type ValueKind string

// The value listings. Values are stored in the form the query layer
// derives them (see query.ValuesOf): canonical identifiers and CBV URIs.
const (
	ValueEventType   ValueKind = "eventType"
	ValueEPC         ValueKind = "epc" // EPC instances and classes in any role
	ValueBizStep     ValueKind = "bizStep"
	ValueBizLocation ValueKind = "bizLocation"
	ValueReadPoint   ValueKind = "readPoint"
	ValueDisposition ValueKind = "disposition"
	// ValueLot lists lots (canonical LGTIN Digital Links) an event names
	// by class or gives its serialised units in ILMD; lot recall lists
	// the lots of one GTIN by prefix from it.
	ValueLot ValueKind = "lot"
)

// OwnedValueKind is the listing of kind k's values carried by the events
// of one owner. Stores record every value of an event under its kind and
// under this one for the event's owner, so that a party's listing (GET
// /epcs, ...) shows only what events it may read carry; except for
// LocalOwner, who reads every event, so its listing is the kind's own
// (the copy would cost an eighth of the database for nothing).
func OwnedValueKind(k ValueKind, owner string) ValueKind {
	return k + "\x1f" + ValueKind(owner)
}

// LocalOwner owns what is created in open single-party mode (no
// authentication); that party reads everything stored.
const LocalOwner = "local"

// Value is one distinct value of a listing.
type Value struct {
	Kind  ValueKind
	Value string
}

// ValuePage asks for at most Limit values of Kind, in ascending byte
// order, strictly after After when it is not empty, and only those
// beginning with Prefix when it is not empty.
type ValuePage struct {
	Kind   ValueKind
	After  string
	Prefix string
	Limit  int
}

// PrefixEnd is the least string greater than every string beginning with
// prefix, in byte order, or "" when there is none (prefix is all 0xff).
// Stores read a prefix as the range [prefix, PrefixEnd(prefix)).
func PrefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// ValueStore lists the distinct values seen in stored events. Values are
// recorded with the events that carry them (Event.Values).
type ValueStore interface {
	// Values returns one page of a listing.
	Values(ctx context.Context, p ValuePage) ([]string, error)
	// CountValues counts the values Values would list for p without its
	// Limit, without reading them.
	CountValues(ctx context.Context, p ValuePage) (int, error)
	// HasValue reports whether v was ever recorded.
	HasValue(ctx context.Context, v Value) (bool, error)
}

// NamedQuery is a query stored under a name (POST /queries).
type NamedQuery struct {
	Name      string
	Owner     string
	CreatedAt time.Time // set by the store when zero
	// Body is the query definition as the client sent it (JSON).
	Body []byte
}

// QueryPage asks for at most Limit named queries of Owner in name order,
// strictly after After when it is not empty.
type QueryPage struct {
	Owner string
	After string
	Limit int
}

// NamedQueryStore keeps named queries.
type NamedQueryStore interface {
	// CreateQuery stores q; a name already taken is a *DuplicateError
	// (whose UniqueKey is the name).
	CreateQuery(ctx context.Context, q *NamedQuery) error
	// Query returns the named query, or ErrNotFound.
	Query(ctx context.Context, name string) (*NamedQuery, error)
	// Queries lists named queries.
	Queries(ctx context.Context, p QueryPage) ([]*NamedQuery, error)
	// DeleteQuery removes a named query, or returns ErrNotFound.
	DeleteQuery(ctx context.Context, name string) error
}
