package lot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/cbv"
	"github.com/lotline/lotline/store"
)

// Record is a lot's batch record. Its JSON form is the answer of
// GET /lots/{lot}/history (see the package documentation).
type Record struct {
	Lot       string `json:"lot"` // canonical GS1 Digital Link
	GTIN      string `json:"gtin"`
	LotNumber string `json:"lotNumber"`
	// Units are the serialised units (canonical SGTINs) of the lot and
	// of the other levels of its production lot family (Family.Levels
	// gives them by level).
	Units []string `json:"units"`
	// Containers held units (or the class) during their spans.
	Containers []Container `json:"containers"`
	// ReleaseStatus is the disposition of the last quality decision
	// (conformant or non_conformant) not declared in error, or "" when
	// there is none.
	ReleaseStatus string  `json:"releaseStatus"`
	Groups        Groups  `json:"groups"`
	Entries       []Entry `json:"entries"`
	// Family is the production lot family: the lots of this lot number
	// at every packaging level, and why each is linked.
	Family *Family `json:"family"`
	// Balance is the family's mass balance.
	Balance *Balance `json:"balance"`
	// Events are the stored events of Entries, in the same order.
	Events []*store.Event `json:"-"`
}

// Container is a container (an SSCC, say) and when it held lot material.
type Container struct {
	ID   string `json:"id"`
	Held []Span `json:"held"`
}

// Span is a time interval, both ends inclusive; a missing end is open.
type Span struct {
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
}

// Entry is one event of the record.
type Entry struct {
	EventID     string    `json:"eventID"`
	Type        string    `json:"type"`
	EventTime   time.Time `json:"eventTime"`
	Action      string    `json:"action,omitempty"`
	BizStep     string    `json:"bizStep,omitempty"`     // CBV bare name when standard
	Disposition string    `json:"disposition,omitempty"` // CBV bare name when standard
	ReadPoint   string    `json:"readPoint,omitempty"`
	BizLocation string    `json:"bizLocation,omitempty"`
	// Why says how the event concerns the lot: "class", "unit <epc>",
	// "container <id>", "transformation <id>", "error declaration of
	// <eventID>", "corrective event of <eventID>", and "… and N more".
	Why           []string `json:"why"`
	SensorData    bool     `json:"sensorData,omitempty"`
	Certification bool     `json:"certification,omitempty"`
	// Retracted marks an event an error declaration says was in error.
	Retracted        bool              `json:"retracted,omitempty"`
	ErrorDeclaration *ErrorDeclaration `json:"errorDeclaration,omitempty"`
}

// ErrorDeclaration is the declaration an entry carries.
type ErrorDeclaration struct {
	DeclarationTime    string   `json:"declarationTime,omitempty"`
	Reason             string   `json:"reason,omitempty"`
	CorrectiveEventIDs []string `json:"correctiveEventIDs,omitempty"`
}

// Material is one input of a transformation that made the lot.
type Material struct {
	EventID   string    `json:"eventID"`
	EventTime time.Time `json:"eventTime"`
	Input     string    `json:"input"` // an EPC or an EPC class
	Quantity  *float64  `json:"quantity,omitempty"`
	UOM       string    `json:"uom,omitempty"`
	Retracted bool      `json:"retracted,omitempty"`
}

// Groups are the views a reviewer reads, each in time order. An entry
// may be in several.
type Groups struct {
	MaterialsConsumed []Material `json:"materialsConsumed"`
	ProcessSteps      []Entry    `json:"processSteps"`
	Inspections       []Entry    `json:"inspections"`
	Deviations        []Entry    `json:"deviations"`
	Release           []Entry    `json:"release"`
	Shipments         []Entry    `json:"shipments"`
	Containers        []Entry    `json:"containers"`
}

func (w *walker) record(items []*item, units, containers []string, held map[string][]span, unitSet map[string]bool) *Record {
	r := &Record{Lot: w.class, GTIN: w.id.GTIN, LotNumber: w.id.Lot, Units: units}
	if r.Units == nil {
		r.Units = []string{}
	}
	slices.Sort(r.Units)
	r.Containers = []Container{}
	for _, c := range containers {
		ct := Container{ID: c}
		for _, s := range held[c] {
			var sp Span
			if !s.from.IsZero() {
				f := s.from
				sp.From = &f
			}
			if !s.to.IsZero() {
				t := s.to
				sp.To = &t
			}
			ct.Held = append(ct.Held, sp)
		}
		r.Containers = append(r.Containers, ct)
	}
	g := Groups{MaterialsConsumed: []Material{}, ProcessSteps: []Entry{}, Inspections: []Entry{},
		Deviations: []Entry{}, Release: []Entry{}, Shipments: []Entry{}, Containers: []Entry{}}
	// Transformations (by transformationID) some event of which makes the lot.
	makers := map[string]bool{}
	for _, it := range items {
		if it.e.TransformationID != "" && w.isOutput(it.e, unitSet) {
			makers[it.e.TransformationID] = true
		}
	}
	for _, it := range items {
		e := it.e
		en := Entry{EventID: it.ev.EventID, Type: e.Type, EventTime: e.EventTime, Action: e.Action,
			BizStep: short(cbv.BizStep, e.BizStep), Disposition: short(cbv.Disp, e.Disposition),
			ReadPoint: e.ReadPoint, BizLocation: e.BizLocation, Why: it.why,
			SensorData: len(e.SensorElements) > 0, Certification: e.Certification != nil,
			Retracted: w.retracted(it)}
		if it.more > 0 {
			en.Why = append(slices.Clip(en.Why), fmt.Sprintf("… and %d more", it.more))
		}
		if d := e.ErrorDeclaration; d != nil {
			en.ErrorDeclaration = &ErrorDeclaration{DeclarationTime: d.DeclarationTimeRaw,
				Reason: d.Reason, CorrectiveEventIDs: d.CorrectiveEventIDs}
		}
		r.Entries = append(r.Entries, en)
		r.Events = append(r.Events, it.ev)

		containerOnly := !slices.ContainsFunc(it.why, func(s string) bool { return !strings.HasPrefix(s, "container ") })
		switch {
		case en.ErrorDeclaration != nil:
			// A declaration repeats the event it retracts: it is a
			// deviation, not another step.
		case en.BizStep == "inspecting":
			g.Inspections = append(g.Inspections, en)
		case isShipment(en.BizStep):
			g.Shipments = append(g.Shipments, en)
		case !containerOnly:
			g.ProcessSteps = append(g.ProcessSteps, en)
		}
		if en.ErrorDeclaration == nil && (containerOnly || e.Type == epcis.AggregationEvent) {
			g.Containers = append(g.Containers, en)
		}
		if en.Disposition == "non_conformant" || en.ErrorDeclaration != nil || en.Retracted || en.Certification {
			g.Deviations = append(g.Deviations, en)
		}
		if en.Disposition == "conformant" && en.ErrorDeclaration == nil {
			g.Release = append(g.Release, en)
		}
		if (en.Disposition == "conformant" || en.Disposition == "non_conformant") && !en.Retracted && en.ErrorDeclaration == nil {
			r.ReleaseStatus = en.Disposition
		}
		if e.Type == epcis.TransformationEvent {
			g.MaterialsConsumed = append(g.MaterialsConsumed, w.materials(it, makers, unitSet)...)
		}
	}
	r.Groups = g
	if w.fam != nil {
		r.Family = w.fam.family()
		r.Balance = w.balance(items, r.Family)
	}
	return r
}

// materials returns the inputs of a transformation event when it, or
// another event of its transformationID in the record, makes the lot.
func (w *walker) materials(it *item, makers, units map[string]bool) []Material {
	e := it.e
	makes := w.isOutput(e, units) || (e.TransformationID != "" && makers[e.TransformationID])
	if !makes || e.ErrorDeclaration != nil {
		return nil
	}
	var out []Material
	ret := w.retracted(it)
	for _, in := range e.InputEPCList {
		out = append(out, Material{EventID: it.ev.EventID, EventTime: e.EventTime, Input: in, Retracted: ret})
	}
	for _, q := range e.InputQuantityList {
		m := Material{EventID: it.ev.EventID, EventTime: e.EventTime, Input: q.EPCClass, UOM: q.UOM, Retracted: ret}
		if q.HasQuantity {
			v := q.Quantity
			m.Quantity = &v
		}
		out = append(out, m)
	}
	return out
}

// isShipment tells the business steps of moving goods between parties.
func isShipment(bizStep string) bool {
	switch bizStep {
	case "shipping", "receiving", "departing", "arriving", "void_shipping":
		return true
	}
	return false
}
