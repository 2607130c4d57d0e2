package epcis

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
)

// Validate checks the rules of EPCIS 2.0 and CBV 2.0 that the JSON Schema
// does not express: GS1 key syntax and check digits, field combinations per
// event type and action, time zones, and CBV values. base is the JSON
// pointer of the event (e.g. /epcisBody/eventList/3). It returns every
// problem found, each with the pointer of the field at fault.
func (e *Event) Validate(base string) Errors {
	v := validator{base: base, ev: e}
	v.event(e)
	return v.errs
}

type validator struct {
	base string
	ev   *Event
	errs Errors
}

func (v *validator) add(field, format string, args ...any) {
	p := v.base
	if field != "" {
		p += "/" + field
	}
	v.errs = append(v.errs, Invalid(p, format, args...))
}

func (v *validator) event(e *Event) {
	f := e.Fields
	switch e.Type {
	case ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent:
	default:
		v.add("type", "unknown event type %q", e.Type)
		return
	}
	v.timestamp(f, "eventTime", true)
	if tz, ok := f["eventTimeZoneOffset"].(string); !ok {
		v.add("eventTimeZoneOffset", "eventTimeZoneOffset is required")
	} else if !ValidOffset(tz) {
		v.add("eventTimeZoneOffset", "%q is not a time-zone offset of the form +hh:mm or -hh:mm", tz)
	}
	if id, ok := f["eventID"].(string); ok && !cbv.IsURI(id) {
		v.add("eventID", "eventID %q must be a URI (e.g. ni:///sha-256;...?ver=CBV2.0 or urn:uuid:...)", id)
	}

	// Field combinations per event type and action.
	switch e.Type {
	case ObjectEvent:
		if e.Action != "ADD" && f["ilmd"] != nil {
			v.add("ilmd", "ilmd is allowed only when action is ADD")
		}
	case AggregationEvent, AssociationEvent:
		if (e.Action == "ADD" || e.Action == "DELETE") && e.ParentID == "" {
			v.add("parentID", "parentID is required when action is %s", e.Action)
		}
		if (e.Action == "ADD" || e.Action == "OBSERVE") && len(e.ChildEPCs) == 0 && len(e.ChildQuantityList) == 0 {
			v.add("childEPCs", "childEPCs or childQuantityList must name at least one child when action is %s", e.Action)
		}
	case TransactionEvent:
		if len(e.BizTransactions) == 0 {
			v.add("bizTransactionList", "a TransactionEvent needs at least one business transaction")
		}
	case TransformationEvent:
		if len(e.InputEPCList)+len(e.InputQuantityList)+len(e.OutputEPCList)+len(e.OutputQuantityList) == 0 &&
			e.TransformationID == "" {
			v.add("", "a TransformationEvent needs inputs, outputs or a transformationID")
		}
	}

	// Identifiers.
	v.ids("epcList", f["epcList"], false)
	v.ids("childEPCs", f["childEPCs"], false)
	v.ids("inputEPCList", f["inputEPCList"], false)
	v.ids("outputEPCList", f["outputEPCList"], false)
	if e.ParentID != "" {
		v.id("parentID", e.ParentID, false)
	}
	for _, name := range []string{"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"} {
		v.quantities(name, f[name])
	}
	if e.ReadPoint != "" {
		v.id("readPoint/id", e.ReadPoint, false)
	}
	if e.BizLocation != "" {
		v.id("bizLocation/id", e.BizLocation, false)
	}
	if e.TransformationID != "" && !cbv.IsURI(e.TransformationID) {
		v.add("transformationID", "transformationID %q must be a URI", e.TransformationID)
	}

	// CBV values.
	v.cbvValue("bizStep", cbv.BizStep, e.BizStep)
	v.cbvValue("disposition", cbv.Disp, e.Disposition)
	for i, s := range e.PersistentDispositionSet {
		v.cbvValue("persistentDisposition/set/"+strconv.Itoa(i), cbv.Disp, s)
	}
	for i, s := range e.PersistentDispositionUnset {
		v.cbvValue("persistentDisposition/unset/"+strconv.Itoa(i), cbv.Disp, s)
	}
	v.typedValues("bizTransactionList", "bizTransaction", cbv.BTT, e.BizTransactions, false)
	v.typedValues("sourceList", "source", cbv.SDT, e.Sources, true)
	v.typedValues("destinationList", "destination", cbv.SDT, e.Destinations, true)

	if ed, ok := f["errorDeclaration"].(map[string]any); ok {
		v.timestamp(ed, "errorDeclaration/declarationTime", true)
		if r := str(ed["reason"]); r != "" {
			v.cbvValue("errorDeclaration/reason", cbv.ER, r)
		}
		for i, id := range strs(ed["correctiveEventIDs"]) {
			if !cbv.IsURI(id) {
				v.add("errorDeclaration/correctiveEventIDs/"+strconv.Itoa(i), "%q is not a URI", id)
			}
		}
	}
	v.sensors(f["sensorElementList"])
}

// timestamp checks f[key] (key may be a path "a/b" whose last part is read
// from f) when present, or reports its absence when required.
func (v *validator) timestamp(f map[string]any, path string, required bool) {
	key := path[strings.LastIndexByte(path, '/')+1:]
	raw, present := f[key]
	if !present {
		if required {
			v.add(path, "%s is required", key)
		}
		return
	}
	s, ok := raw.(string)
	if !ok {
		v.add(path, "%s must be a string", key)
		return
	}
	if _, err := ParseTime(s); err != nil {
		v.add(path, "%s", err.(*Error).Message)
	}
}

func (v *validator) ids(field string, list any, class bool) {
	for i, s := range strs(list) {
		v.id(field+"/"+strconv.Itoa(i), s, class)
	}
}

// dlPathRE recognises an HTTP(S) URI whose path carries a GS1 primary key,
// which makes it a GS1 Digital Link that must then be valid.
var dlPathRE = regexp.MustCompile(`^https?://[^/?#]+(/[^?#]*)?/(00|01|253|255|401|402|414|417|8003|8004|8006|8010|8013|8017|8018)/[^/?#]+`)

// id checks one identifier: GS1 identifiers (EPC URNs and Digital Links)
// must be valid; any other absolute URI is accepted as a private
// identifier.
func (v *validator) id(field, s string, class bool) {
	switch {
	case strings.HasPrefix(s, "urn:epc:idpat:"):
		if _, err := gs1.ParsePattern(s); err != nil {
			v.add(field, "%v", err)
		}
	case strings.HasPrefix(s, "urn:epc:"), dlPathRE.MatchString(s):
		epc, err := v.ev.ParseID(s)
		if err != nil {
			v.add(field, "%v", err)
			return
		}
		if class && !epc.IsClass() {
			v.add(field, "%q is an instance identifier, not a class", s)
		}
		if !class && epc.IsClass() && !strings.HasPrefix(field, "parentID") {
			v.add(field, "%q is a class identifier; put classes in a quantity list", s)
		}
	case !cbv.IsURI(s):
		v.add(field, "%q is not a URI", s)
	}
}

func (v *validator) quantities(field string, list any) {
	items, _ := list.([]any)
	for i, x := range items {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		p := field + "/" + strconv.Itoa(i)
		if c := str(m["epcClass"]); c != "" {
			v.id(p+"/epcClass", c, true)
		}
		if q, ok := m["quantity"]; ok {
			f, ok := number(q)
			if !ok || f < 0 {
				v.add(p+"/quantity", "quantity must be a number not below zero")
			}
		}
	}
}

func (v *validator) cbvValue(field string, vocab cbv.Vocabulary, s string) {
	if s == "" {
		return
	}
	if _, err := cbv.Normalize(vocab, s); err != nil {
		v.add(field, "%v", err)
	}
}

func (v *validator) typedValues(field, valueKey string, vocab cbv.Vocabulary, list []TypedValue, checkID bool) {
	for i, tv := range list {
		p := field + "/" + strconv.Itoa(i)
		if tv.Type != "" {
			v.cbvValue(p+"/type", vocab, tv.Type)
		}
		if tv.Value == "" {
			continue
		}
		if checkID {
			v.id(p+"/"+valueKey, tv.Value, false)
		} else if !cbv.IsURI(tv.Value) {
			v.add(p+"/"+valueKey, "%q is not a URI", tv.Value)
		}
	}
}

func (v *validator) sensors(list any) {
	items, _ := list.([]any)
	for i, x := range items {
		el, _ := x.(map[string]any)
		p := "sensorElementList/" + strconv.Itoa(i)
		meta, _ := el["sensorMetadata"].(map[string]any)
		if meta != nil {
			for _, k := range []string{"time", "startTime", "endTime"} {
				if _, ok := meta[k]; ok {
					v.timestamp(meta, p+"/sensorMetadata/"+k, false)
				}
			}
		}
		reports, _ := el["sensorReport"].([]any)
		for j, r := range reports {
			rep, _ := r.(map[string]any)
			rp := p + "/sensorReport/" + strconv.Itoa(j)
			if _, ok := rep["time"]; ok {
				v.timestamp(rep, rp+"/time", false)
			}
			if t := str(rep["type"]); t != "" {
				v.cbvValue(rp+"/type", cbv.MeasurementType, t)
			}
			// An attribute given for the whole element and again for one
			// report must say the same thing (draft TCR-53 step 29 refuses
			// the attribute at both levels; GS1's own examples repeat equal
			// values, which stay accepted).
			for _, k := range sharedSensorAttrs {
				mv, inMeta := meta[k]
				rv, inRep := rep[k]
				if inMeta && inRep && fmt.Sprint(mv) != fmt.Sprint(rv) {
					v.add(rp+"/"+k, "%s is %v here but %v in sensorMetadata; give it once, or the same in both", k, rv, mv)
				}
			}
		}
	}
}

// sharedSensorAttrs are the inline attributes both sensorMetadata and
// sensorReport may carry.
var sharedSensorAttrs = []string{"deviceID", "deviceMetadata", "rawData", "dataProcessingMethod"}
