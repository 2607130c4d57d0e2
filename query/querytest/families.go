package querytest

import "github.com/lotline/lotline/query"

// AllFamilies names every parameter family Families reports, so that a
// test can check that random queries exercise each one.
var AllFamilies = []string{
	"eventType", "eventTime", "recordTime", "EQ_action", "EQ_bizStep", "EQ_disposition",
	"EQ_persistentDisposition_set", "EQ_persistentDisposition_unset",
	"EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation", "EQ_transformationID", "EQ_eventID",
	"MATCH_epc", "MATCH_parentID", "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_anyEPC",
	"MATCH_epcClass", "MATCH_inputEPCClass", "MATCH_outputEPCClass", "MATCH_anyEPCClass", "MATCH_ idpat",
	"quantity", "quantity_{uom}", "EQ_bizTransaction_", "EQ_source_", "EQ_destination_",
	"EXISTS_errorDeclaration", "errorDeclarationTime", "EQ_errorReason", "EQ_correctiveEventID",
	"EXISTS_sensorElementList", "sensor times", "EQ_type", "sensor identifiers", "sensor values", "sensor numbers",
	"field EQ", "field GT/GE/LT/LE", "field EXISTS",
	"scope event", "scope INNER", "scope ILMD", "scope INNER_ILMD", "scope ERROR_DECLARATION",
	"scope INNER_ERROR_DECLARATION", "scope SENSORELEMENT", "scope SENSORMETADATA", "scope SENSORREPORT",
	"scope INNER_SENSOR*", "scope readPoint/bizLocation", "scope INNER_readPoint/bizLocation",
	"EQ_ATTR_", "HASATTR_",
	"orderBy eventTime", "orderBy recordTime", "orderBy field", "eventCountLimit", "maxEventCount",
}

// Families names the parameter families q uses (see AllFamilies).
func Families(q *query.Query) []string {
	var out []string
	add := func(cond bool, name string) {
		if cond {
			out = append(out, name)
		}
	}
	add(len(q.EventTypes) > 0, "eventType")
	add(!q.EventTime.IsZero(), "eventTime")
	add(!q.RecordTime.IsZero(), "recordTime")
	add(len(q.Actions) > 0, "EQ_action")
	add(len(q.BizSteps) > 0, "EQ_bizStep")
	add(len(q.Dispositions) > 0, "EQ_disposition")
	add(len(q.PersistentDispositionSet) > 0, "EQ_persistentDisposition_set")
	add(len(q.PersistentDispositionUnset) > 0, "EQ_persistentDisposition_unset")
	add(len(q.ReadPoints) > 0, "EQ_readPoint")
	add(len(q.ReadPointsWD) > 0, "WD_readPoint")
	add(len(q.BizLocations) > 0, "EQ_bizLocation")
	add(len(q.BizLocationsWD) > 0, "WD_bizLocation")
	add(len(q.TransformationIDs) > 0, "EQ_transformationID")
	add(len(q.EventIDs) > 0, "EQ_eventID")
	pattern := false
	for _, m := range []struct {
		name string
		ms   []query.IDMatch
	}{{"MATCH_epc", q.EPC}, {"MATCH_parentID", q.ParentID}, {"MATCH_inputEPC", q.InputEPC},
		{"MATCH_outputEPC", q.OutputEPC}, {"MATCH_anyEPC", q.AnyEPC}, {"MATCH_epcClass", q.EPCClass},
		{"MATCH_inputEPCClass", q.InputEPCClass}, {"MATCH_outputEPCClass", q.OutputEPCClass},
		{"MATCH_anyEPCClass", q.AnyEPCClass}} {
		add(len(m.ms) > 0, m.name)
		for _, x := range m.ms {
			pattern = pattern || x.Pattern != nil
		}
	}
	add(pattern, "MATCH_ idpat")
	for _, c := range q.Quantity {
		add(c.UOM == "", "quantity")
		add(c.UOM != "", "quantity_{uom}")
	}
	add(len(q.BizTransactions) > 0, "EQ_bizTransaction_")
	add(len(q.Sources) > 0, "EQ_source_")
	add(len(q.Destinations) > 0, "EQ_destination_")
	add(q.ErrorDeclarationExists, "EXISTS_errorDeclaration")
	add(!q.ErrorDeclarationTime.IsZero(), "errorDeclarationTime")
	add(len(q.ErrorReasons) > 0, "EQ_errorReason")
	add(len(q.CorrectiveEventIDs) > 0, "EQ_correctiveEventID")
	s := &q.Sensor
	add(s.Exists, "EXISTS_sensorElementList")
	add(!s.Time.IsZero() || !s.StartTime.IsZero() || !s.EndTime.IsZero(), "sensor times")
	add(len(s.Types) > 0, "EQ_type")
	add(len(s.DeviceIDs)+len(s.DataProcessingMethods)+len(s.BizRules)+len(s.Microorganisms)+len(s.ChemicalSubstances) > 0, "sensor identifiers")
	add(len(s.StringValues)+len(s.HexBinaryValues)+len(s.URIValues) > 0 || s.HasBoolean, "sensor values")
	add(len(s.Values) > 0, "sensor numbers")
	for _, c := range q.Fields {
		switch c.Op {
		case query.EQ:
			out = append(out, "field EQ")
		case query.EXISTS:
			out = append(out, "field EXISTS")
		default:
			out = append(out, "field GT/GE/LT/LE")
		}
		out = append(out, scopeFamily[c.Scope])
	}
	add(len(q.Attrs) > 0, "EQ_ATTR_")
	add(len(q.HasAttrs) > 0, "HASATTR_")
	switch {
	case q.Order.By == "eventTime":
		out = append(out, "orderBy eventTime")
	case q.Order.By == "recordTime":
		out = append(out, "orderBy recordTime")
	case q.Order.By != "":
		out = append(out, "orderBy field")
	}
	add(q.EventCountLimit > 0, "eventCountLimit")
	add(q.MaxEventCount > 0, "maxEventCount")
	return out
}

var scopeFamily = map[query.Scope]string{
	query.ScopeEvent:                 "scope event",
	query.ScopeInner:                 "scope INNER",
	query.ScopeILMD:                  "scope ILMD",
	query.ScopeInnerILMD:             "scope INNER_ILMD",
	query.ScopeErrorDeclaration:      "scope ERROR_DECLARATION",
	query.ScopeInnerErrorDeclaration: "scope INNER_ERROR_DECLARATION",
	query.ScopeSensorElement:         "scope SENSORELEMENT",
	query.ScopeSensorMetadata:        "scope SENSORMETADATA",
	query.ScopeSensorReport:          "scope SENSORREPORT",
	query.ScopeInnerSensorElement:    "scope INNER_SENSOR*",
	query.ScopeInnerSensorMetadata:   "scope INNER_SENSOR*",
	query.ScopeInnerSensorReport:     "scope INNER_SENSOR*",
	query.ScopeReadPoint:             "scope readPoint/bizLocation",
	query.ScopeBizLocation:           "scope readPoint/bizLocation",
	query.ScopeInnerReadPoint:        "scope INNER_readPoint/bizLocation",
	query.ScopeInnerBizLocation:      "scope INNER_readPoint/bizLocation",
}
