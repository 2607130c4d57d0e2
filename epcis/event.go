package epcis

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/lotline/lotline/gs1"
)

// The five event types of EPCIS 2.0.
const (
	ObjectEvent         = "ObjectEvent"
	AggregationEvent    = "AggregationEvent"
	TransactionEvent    = "TransactionEvent"
	TransformationEvent = "TransformationEvent"
	AssociationEvent    = "AssociationEvent"
)

// EventTypes lists the event types in the standard's order.
var EventTypes = []string{ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent}

// Event is a typed view of one event of a document. Fields holds the event
// exactly as decoded, extensions included; the typed fields are read from
// it and are what validation, identification and indexing use.
type Event struct {
	Fields map[string]any

	Type           string
	EventTime      time.Time
	TimeZoneOffset string
	EventID        string
	Action         string
	BizStep        string
	Disposition    string
	ReadPoint      string
	BizLocation    string

	EPCList            []string
	QuantityList       []Quantity
	ParentID           string
	ChildEPCs          []string
	ChildQuantityList  []Quantity
	InputEPCList       []string
	InputQuantityList  []Quantity
	OutputEPCList      []string
	OutputQuantityList []Quantity
	TransformationID   string

	BizTransactions []TypedValue
	Sources         []TypedValue
	Destinations    []TypedValue

	PersistentDispositionSet   []string
	PersistentDispositionUnset []string

	SensorElements []SensorElement
	ILMD           map[string]any
	Certification  any

	ErrorDeclaration *ErrorDeclaration

	// parsed caches the GS1 identifiers parsed so far, so that validation
	// and indexing parse each identifier once.
	parsed map[string]parsedID
}

type parsedID struct {
	epc gs1.EPC
	err error
}

// ParseID parses a GS1 identifier of the event (EPC URN or Digital Link),
// remembering the answer for the event's other readers.
func (e *Event) ParseID(s string) (gs1.EPC, error) {
	if p, ok := e.parsed[s]; ok {
		return p.epc, p.err
	}
	if e.parsed == nil {
		e.parsed = make(map[string]parsedID, len(e.EPCList)+len(e.ChildEPCs)+8)
	}
	epc, err := gs1.ParseEPC(s)
	e.parsed[s] = parsedID{epc, err}
	return epc, err
}

// Quantity is an element of a quantity list: an EPC class with an optional
// quantity and unit of measure.
type Quantity struct {
	EPCClass    string
	Quantity    float64
	HasQuantity bool
	UOM         string
}

// TypedValue is an element of bizTransactionList, sourceList or
// destinationList.
type TypedValue struct {
	Type  string
	Value string
}

// SensorElement is one element of sensorElementList.
type SensorElement struct {
	Metadata map[string]any
	Reports  []map[string]any
}

// ErrorDeclaration says that an earlier event was in error.
type ErrorDeclaration struct {
	DeclarationTime    time.Time
	DeclarationTimeRaw string
	Reason             string
	CorrectiveEventIDs []string
}

// NewEvent reads the typed view of a decoded event object. It never fails:
// fields of the wrong shape are left empty, for Validate (and the JSON
// Schema) to report.
func NewEvent(m map[string]any) *Event {
	e := &Event{Fields: m}
	e.Type = str(m["type"])
	e.EventTime, _ = ParseTime(str(m["eventTime"]))
	e.TimeZoneOffset = str(m["eventTimeZoneOffset"])
	e.EventID = str(m["eventID"])
	e.Action = str(m["action"])
	e.BizStep = str(m["bizStep"])
	e.Disposition = str(m["disposition"])
	e.ReadPoint = idOf(m["readPoint"])
	e.BizLocation = idOf(m["bizLocation"])
	e.EPCList = strs(m["epcList"])
	e.QuantityList = quantities(m["quantityList"])
	e.ParentID = str(m["parentID"])
	e.ChildEPCs = strs(m["childEPCs"])
	e.ChildQuantityList = quantities(m["childQuantityList"])
	e.InputEPCList = strs(m["inputEPCList"])
	e.InputQuantityList = quantities(m["inputQuantityList"])
	e.OutputEPCList = strs(m["outputEPCList"])
	e.OutputQuantityList = quantities(m["outputQuantityList"])
	e.TransformationID = str(m["transformationID"])
	e.BizTransactions = typedValues(m["bizTransactionList"], "bizTransaction")
	e.Sources = typedValues(m["sourceList"], "source")
	e.Destinations = typedValues(m["destinationList"], "destination")
	if pd, ok := m["persistentDisposition"].(map[string]any); ok {
		e.PersistentDispositionSet = strs(pd["set"])
		e.PersistentDispositionUnset = strs(pd["unset"])
	}
	if list, ok := m["sensorElementList"].([]any); ok {
		for _, x := range list {
			se, _ := x.(map[string]any)
			var el SensorElement
			el.Metadata, _ = se["sensorMetadata"].(map[string]any)
			if reps, ok := se["sensorReport"].([]any); ok {
				for _, r := range reps {
					if rm, ok := r.(map[string]any); ok {
						el.Reports = append(el.Reports, rm)
					}
				}
			}
			e.SensorElements = append(e.SensorElements, el)
		}
	}
	e.ILMD, _ = m["ilmd"].(map[string]any)
	e.Certification = m["certificationInfo"]
	if ed, ok := m["errorDeclaration"].(map[string]any); ok {
		d := &ErrorDeclaration{
			DeclarationTimeRaw: str(ed["declarationTime"]),
			Reason:             str(ed["reason"]),
			CorrectiveEventIDs: strs(ed["correctiveEventIDs"]),
		}
		d.DeclarationTime, _ = ParseTime(d.DeclarationTimeRaw)
		e.ErrorDeclaration = d
	}
	return e
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// idOf reads {"id": "..."} (readPoint, bizLocation).
func idOf(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	return str(m["id"])
}

func quantities(v any) []Quantity {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]Quantity, 0, len(list))
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		q := Quantity{EPCClass: str(m["epcClass"]), UOM: str(m["uom"])}
		if f, ok := number(m["quantity"]); ok {
			q.Quantity, q.HasQuantity = f, true
		}
		out = append(out, q)
	}
	return out
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func typedValues(v any, valueKey string) []TypedValue {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]TypedValue, 0, len(list))
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, TypedValue{Type: str(m["type"]), Value: str(m[valueKey])})
	}
	return out
}
