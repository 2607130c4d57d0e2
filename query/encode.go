package query

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Values writes q back as query parameters, values in their matching form
// (canonical identifiers and CBV Web URIs). Parse(q.Values(), opts) gives a
// query that matches the same events; a store can keep a query this way
// (in a page token, or as a named query). PerPage and NextPageToken are
// written too; default order direction is left out.
func (q *Query) Values() url.Values {
	v := url.Values{}
	list := func(name string, vals []string) {
		if len(vals) > 0 {
			v.Set(name, strings.Join(vals, "|"))
		}
	}
	tm := func(name string, t time.Time) {
		if !t.IsZero() {
			v.Set(name, t.Format(time.RFC3339Nano))
		}
	}
	rng := func(ge, lt string, r TimeRange) {
		tm(ge, r.GE)
		tm(lt, r.LT)
	}
	ids := func(name string, ms []IDMatch) {
		if len(ms) == 0 {
			return
		}
		raw := make([]string, len(ms))
		for i, m := range ms {
			raw[i] = m.Raw
		}
		v.Set(name, strings.Join(raw, "|"))
	}
	num := func(c NumberCond) {
		s := make([]string, len(c.Values))
		for i, f := range c.Values {
			s[i] = strconv.FormatFloat(f, 'g', -1, 64)
		}
		v.Set(c.Param, strings.Join(s, "|"))
	}
	list("eventType", q.EventTypes)
	rng("GE_eventTime", "LT_eventTime", q.EventTime)
	rng("GE_recordTime", "LT_recordTime", q.RecordTime)
	list("EQ_action", q.Actions)
	list("EQ_bizStep", q.BizSteps)
	list("EQ_disposition", q.Dispositions)
	list("EQ_persistentDisposition_set", q.PersistentDispositionSet)
	list("EQ_persistentDisposition_unset", q.PersistentDispositionUnset)
	list("EQ_readPoint", q.ReadPoints)
	list("WD_readPoint", q.ReadPointsWD)
	list("EQ_bizLocation", q.BizLocations)
	list("WD_bizLocation", q.BizLocationsWD)
	list("EQ_transformationID", q.TransformationIDs)
	list("EQ_eventID", q.EventIDs)
	ids("MATCH_epc", q.EPC)
	ids("MATCH_parentID", q.ParentID)
	ids("MATCH_inputEPC", q.InputEPC)
	ids("MATCH_outputEPC", q.OutputEPC)
	ids("MATCH_anyEPC", q.AnyEPC)
	ids("MATCH_epcClass", q.EPCClass)
	ids("MATCH_inputEPCClass", q.InputEPCClass)
	ids("MATCH_outputEPCClass", q.OutputEPCClass)
	ids("MATCH_anyEPCClass", q.AnyEPCClass)
	for _, c := range q.Quantity {
		num(c)
	}
	for _, l := range [][]TypedCond{q.BizTransactions, q.Sources, q.Destinations} {
		for _, c := range l {
			v.Set(c.Param, strings.Join(c.Values, "|"))
		}
	}
	if q.ErrorDeclarationExists {
		v.Set("EXISTS_errorDeclaration", "true")
	}
	rng("GE_errorDeclarationTime", "LT_errorDeclarationTime", q.ErrorDeclarationTime)
	list("EQ_errorReason", q.ErrorReasons)
	list("EQ_correctiveEventID", q.CorrectiveEventIDs)

	s := &q.Sensor
	if s.Exists {
		v.Set("EXISTS_sensorElementList", "true")
	}
	rng("GE_time", "LT_time", s.Time)
	rng("GE_startTime", "LT_startTime", s.StartTime)
	rng("GE_endTime", "LT_endTime", s.EndTime)
	list("EQ_type", s.Types)
	list("EQ_deviceID", s.DeviceIDs)
	list("EQ_dataProcessingMethod", s.DataProcessingMethods)
	list("EQ_microorganism", s.Microorganisms)
	list("EQ_chemicalSubstance", s.ChemicalSubstances)
	list("EQ_bizRules", s.BizRules)
	list("EQ_stringValue", s.StringValues)
	list("EQ_hexBinaryValue", s.HexBinaryValues)
	list("EQ_uriValue", s.URIValues)
	if s.HasBoolean {
		v.Set("EQ_booleanValue", strconv.FormatBool(s.BooleanValue))
	}
	for _, c := range s.Values {
		num(c.NumberCond)
	}

	raws := func(vals []Value) string {
		s := make([]string, len(vals))
		for i, x := range vals {
			s[i] = x.Raw
		}
		return strings.Join(s, "|")
	}
	for _, c := range q.Fields {
		if c.Op == EXISTS {
			v.Set(c.Param, "true")
			continue
		}
		v.Set(c.Param, raws(c.Values))
	}
	for _, c := range q.Attrs {
		v.Set(c.Param, raws(c.Values))
	}
	for _, c := range q.HasAttrs {
		v.Set(c.Param, strings.Join(c.Attrs, "|"))
	}

	if q.Order.By != "" {
		v.Set("orderBy", q.Order.By)
		if !q.Order.Desc {
			v.Set("orderDirection", "ASC")
		}
	}
	if q.EventCountLimit > 0 {
		v.Set("eventCountLimit", strconv.Itoa(q.EventCountLimit))
	}
	if q.MaxEventCount > 0 {
		v.Set("maxEventCount", strconv.Itoa(q.MaxEventCount))
	}
	if q.PerPage > 0 {
		v.Set("perPage", strconv.Itoa(q.PerPage))
	}
	if q.NextPageToken != "" {
		v.Set("nextPageToken", q.NextPageToken)
	}
	return v
}
