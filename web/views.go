package web

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/lotline/lotline/query/lot"
)

// LotView is the lot page: the batch record, its genealogy and what the
// record's events say about sensors.
type LotView struct {
	Record *lot.Record
	// Readings are the sensor reports of the record's events, by eventID.
	Readings map[string][]Reading
	// Extra are the record's members and ExtraGroups the groups this
	// package has no template for (see Extra).
	Extra, ExtraGroups map[string]any
	Picture            Picture
	// TraceError says why the genealogy is missing (a walk beyond the
	// server's bounds, say); the record is shown all the same.
	TraceError string
	// Withheld counts the events redacted for the caller.
	Withheld int
}

// RecallView is the recall page.
type RecallView struct {
	Result     *lot.RecallResult
	Picture    Picture
	TraceError string
	// Extra holds the members of the recall this package has no template
	// for.
	Extra map[string]any
}

// Reading is one sensor report of an event.
type Reading struct {
	Type, Value, UOM, Time string
}

// EventView is the event page.
type EventView struct {
	EventID   string
	Type      string
	EventTime time.Time
	// Hash is the event's canonical hash (epcis/eventhash) as computed
	// from the event as the caller sees it; HashError says why there is
	// none.
	Hash, HashError string
	// Fields is the event decoded, for the definition list.
	Fields map[string]any
	// JSON is the event indented.
	JSON string
	// ErrorDeclaration is the event's errorDeclaration, if any.
	ErrorDeclaration any
	// Withheld are the members redacted for the caller.
	Withheld []string
	// Others are the other stored events of this eventID (an error
	// declaration stored beside the event it corrects).
	Others []EventRow
}

// EventRow is an event in a list.
type EventRow struct {
	EventID, Type, BizStep, Disposition string
	EventTime                           time.Time
	Declared                            bool
}

// IDView is the page of an SGTIN or SSCC: the events naming it.
type IDView struct {
	ID, Kind string
	Events   []EventRow
	// More is true when more events name it than the page lists.
	More bool
	// Lots are the lots its events name.
	Lots []string
}

// SearchView is the search page.
type SearchView struct {
	Error string
	Lots  []string
}

// LoginView is the sign-in page.
type LoginView struct {
	Error, Next string
}

// ErrorView is an error page.
type ErrorView struct {
	Status        int
	Title, Detail string
}

// Indent returns b (a JSON value) indented, or b itself when it is not
// JSON.
func Indent(b []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}
