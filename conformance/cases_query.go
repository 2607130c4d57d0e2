package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// refQuery is where the SimpleEventQuery parameters are defined; the
// OpenAPI's parameter descriptions quote the standard's text.
const refQuery = "EPCIS 2.0 §8.2.7.1 (SimpleEventQuery), OpenAPI components.parameters."

// qc is a query case: it captures its events and checks queries over them.
type qc struct {
	id, param, title, req string
	level                 Level
	run                   func(ctx context.Context, f *fixture) error
}

func queryCases() []Case {
	list := []qc{
		{"QRY-eventType-001", "eventType", "eventType selects events by type, several types with '|'",
			"If specified, the result will only include events whose `type` matches one of the types specified in the parameter value.", Must, qEventType},
		{"QRY-GE_eventTime-001", "GE_eventTime", "GE_eventTime keeps events at or after the time, whatever the time-zone offset of the value",
			"If specified, only events with `eventTime` greater than or equal to the specified value will be included in the result.", Must, qGEEventTime},
		{"QRY-LT_eventTime-001", "LT_eventTime", "LT_eventTime keeps events strictly before the time; with GE_eventTime, a window",
			"If specified, only events with `eventTime` less than the specified value will be included in the result.", Must, qLTEventTime},
		{"QRY-GE_recordTime-001", "GE_recordTime", "GE_recordTime and LT_recordTime filter on the time the server recorded the events",
			"If provided, only events with `recordTime` greater than or equal to the specified value will be returned.", Must, qRecordTime},
		{"QRY-EQ_action-001", "EQ_action", "EQ_action selects by action and never returns events without one",
			"If specified, the result will only include events that (a) have an `action` field; and where (b) the value of the `action` field matches one of the specified values.", Must, qAction},
		{"QRY-EQ_action-002", "EQ_action", "EQ_action with a value other than ADD, OBSERVE, DELETE raises QueryParameterException",
			"The properties of the value of this parameter each must be one of the strings `ADD`, `OBSERVE`, or `DELETE`; if not, the implementation SHALL raise a `QueryParameterException`.", Must, qActionBad},
		{"QRY-EQ_bizStep-001", "EQ_bizStep", "EQ_bizStep selects by business step (bare CBV words)",
			"If specified, the result will only include events that (a) have a non-null `bizStep` field; and where (b) the value of the `bizStep` field matches one of the specified values.", Must, qBizStep},
		{"QRY-EQ_bizStep-002", "EQ_bizStep", "EQ_bizStep matches a CBV value given as its Web URI or URN as the bare word",
			"Standard values should be expressed as bare words, e.g. `shipping` [...] (CBV 2.0 §8: the bare word, the Web URI https://ref.gs1.org/cbv/BizStep-shipping and the URN urn:epcglobal:cbv:bizstep:shipping name the same value)", Should, qBizStepForms},
		{"QRY-EQ_disposition-001", "EQ_disposition", "EQ_disposition selects by disposition",
			"If specified, the result will only include events that (a) have a non-null `disposition` field; and where (b) the value of the `disposition` field matches one of the specified values.", Must, qDisposition},
		{"QRY-EQ_persistentDisposition_set-001", "EQ_persistentDisposition_set", "EQ_persistentDisposition_set selects by persistentDisposition.set",
			"If specified, the result will only include events that (a) have a non-null `persistentDisposition` field; and where (b) the value of the `set` field within the value of the `persistentDisposition` field matches one of the specified values.", Must, qPersistentDisposition},
		{"QRY-EQ_readPoint-001", "EQ_readPoint", "EQ_readPoint selects by read point",
			"If specified, the result will only include events that (a) have a non-null `readPoint` field; and where (b) the value of the `readPoint` field matches one of the specified URIs.", Must, qReadPoint},
		{"QRY-WD_readPoint-001", "WD_readPoint", "WD_readPoint includes the named read point itself",
			"the value of the `readPoint` field matches one of the specified URIs, or is a direct or indirect descendant of one of the specified values.", Must, qWDReadPoint},
		{"QRY-EQ_bizLocation-001", "EQ_bizLocation", "EQ_bizLocation selects by business location, several with '|'",
			"If specified, the result will only include events that (a) have a non-null `bizLocation` field; and where (b) the value of the `bizLocation` field matches one of the specified URIs.", Must, qBizLocation},
		{"QRY-WD_bizLocation-001", "WD_bizLocation", "WD_bizLocation includes locations that master data captured in the epcisHeader declares children of the named one",
			"the value of the `bizLocation` field matches one of the specified URIs, or is a direct or indirect descendant of one of the specified values. The meaning of 'direct or indirect descendant' is specified by master data, as described in section 6.5.", Should, qWDBizLocation},
		{"QRY-MATCH_epc-001", "MATCH_epc", "MATCH_epc matches epcList and childEPCs, not parentID nor transformation inputs",
			"the result will only include events that (a) have an `epcList` or a `childEPCs` field [...] and where (b) one of the EPCs listed in the `epcList` or `childEPCs` field [...] matches one of the URIs specified in this parameter", Must, qMatchEPC},
		{"QRY-MATCH_epc-002", "MATCH_epc", "MATCH_epc accepts an EPC pattern URI (urn:epc:idpat:sgtin:...*)",
			"[...] matches one of the URIs specified in this parameter, where the meaning of 'matches' is as specified in section 8.2.7.1.1. (Paraphrase of §8.2.7.1.1: an EPC pattern URI matches every EPC it denotes.)", Must, qMatchEPCPattern},
		{"QRY-MATCH_parentID-001", "MATCH_parentID", "MATCH_parentID matches the parentID of aggregation, transaction and association events",
			"the result will only include events that (a) have a `parentID` field [...] and where (b) one of the EPCs listed in the `parentID` field matches one of the URIs specified in this parameter", Must, qMatchParent},
		{"QRY-MATCH_inputEPC-001", "MATCH_inputEPC", "MATCH_inputEPC matches the inputEPCList of transformations only",
			"the result will only include events that (a) have an `inputEPCList` [...] and where (b) one of the EPCs listed in the `inputEPCList` field matches one of the URIs specified in this parameter.", Must, qMatchInput},
		{"QRY-MATCH_outputEPC-001", "MATCH_outputEPC", "MATCH_outputEPC matches the outputEPCList of transformations only",
			"the result will only include events that (a) have an `outputEPCList` [...] and where (b) one of the EPCs listed in the `outputEPCList` field matches one of the URIs specified in this parameter.", Must, qMatchOutput},
		{"QRY-MATCH_anyEPC-001", "MATCH_anyEPC", "MATCH_anyEPC matches an EPC in any of epcList, childEPCs, parentID, inputEPCList, outputEPCList",
			"the `parentID` field or one of the EPCs listed in the `epcList`, `childEPCs`, `inputEPCList`, or `outputEPCList` field (depending on event type) matches one of URIs specified in this parameter.", Must, qMatchAny},
		{"QRY-MATCH_epcClass-001", "MATCH_epcClass", "MATCH_epcClass matches quantityList and childQuantityList, not transformation quantities",
			"the result will only include events that (a) have a `quantityList` or a `childQuantityList` field [...] and where (b) one of the EPC classes listed in the `quantityList` or `childQuantityList` field (depending on event type) matches one of the EPC patterns or URIs specified in this parameter.", Must, qMatchClass},
		{"QRY-MATCH_anyEPCClass-001", "MATCH_anyEPCClass", "MATCH_anyEPCClass, MATCH_inputEPCClass and MATCH_outputEPCClass match the quantity lists they name",
			"one of the EPC classes listed in any of those fields [`quantityList`, `childQuantityList`, `inputQuantityList`, or `outputQuantityList`] matches one of the EPC patterns or URIs specified in this parameter.", Must, qMatchAnyClass},
		{"QRY-EQ_quantity-001", "EQ_quantity", "EQ_quantity selects events with a quantity element of exactly that quantity",
			"the result will only include events that (a) have a `quantity` field as part of a `QuantityElement`; and where (b) the `quantity` field is equal to the specified parameter.", Must, qQuantity("EQ_quantity", 10, 1)},
		{"QRY-GT_quantity-001", "GT_quantity", "GT_quantity selects events with a quantity greater than the value",
			"the `quantity` field is greater than the specified parameter.", Must, qQuantity("GT_quantity", 10, 2)},
		{"QRY-GE_quantity-001", "GE_quantity", "GE_quantity selects events with a quantity at least the value",
			"the `quantity` field is greater than or equal to the specified parameter.", Must, qQuantity("GE_quantity", 10, 1, 2)},
		{"QRY-LT_quantity-001", "LT_quantity", "LT_quantity selects events with a quantity less than the value",
			"the `quantity` field is less than the specified parameter.", Must, qQuantity("LT_quantity", 10, 0)},
		{"QRY-LE_quantity-001", "LE_quantity", "LE_quantity selects events with a quantity at most the value",
			"the `quantity` field is less than or equal to the specified parameter.", Must, qQuantity("LE_quantity", 10, 0, 1)},
		{"QRY-EQ_eventID-001", "EQ_eventID", "EQ_eventID selects the events named, several with '|'",
			"the result will only include events that (a) have a non-null `eventID` field; and where (b) the `eventID` field is equal to one of the values specified in this parameter.", Must, qEventID},
		{"QRY-EQ_transformationID-001", "EQ_transformationID", "EQ_transformationID selects transformations by their ID",
			"the result will only include events that (a) have a `transformationID` field [...] and where (b) the `transformationID` field is equal to one of the values specified in this parameter.", Must, qTransformationID},
		{"QRY-EQ_bizTransaction-001", "EQ_bizTransaction_type", "EQ_bizTransaction_po selects events with a business transaction of that type and ID",
			"Paraphrase of §8.2.7.1 EQ_bizTransaction_type (a family of parameters; query-schema.json: ^EQ_bizTransaction_[a-z][a-zA-Z0-9_]+$): the result will only include events that (a) include a `bizTransactionList`; (b) where the business transaction list includes an entry whose `type` subfield is equal to type extracted from the name of this parameter; and (c) where the `bizTransaction` subfield of that entry is equal to one of the values specified in this parameter.", Must, qBizTransaction},
		{"QRY-EQ_source-001", "EQ_source_type", "EQ_source_owning_party selects events with a source of that type and ID",
			"Paraphrase of §8.2.7.1 EQ_source_type (query-schema.json: ^EQ_source_[a-z][a-zA-Z0-9_]+$): the result will only include events that (a) include a `sourceList`; (b) where the source list includes an entry whose `type` subfield is equal to type extracted from the name of this parameter; and (c) where the `source` subfield of that entry is equal to one of the values specified in this parameter.", Must, qSourceDest("sourceList", "source", "EQ_source_")},
		{"QRY-EQ_destination-001", "EQ_destination_type", "EQ_destination_owning_party selects events with a destination of that type and ID",
			"Paraphrase of §8.2.7.1 EQ_destination_type (query-schema.json: ^EQ_destination_[a-z][a-zA-Z0-9_]+$): the result will only include events that (a) include a `destinationList`; (b) where the destination list includes an entry whose `type` subfield is equal to type extracted from the name of this parameter; and (c) where the `destination` subfield of that entry is equal to one of the values specified in this parameter.", Must, qSourceDest("destinationList", "destination", "EQ_destination_")},
		{"QRY-EXISTS_errorDeclaration-001", "EXISTS_errorDeclaration", "EXISTS_errorDeclaration returns the declaration and not the original event",
			"If this parameter is specified (and has a value of true), the result will only include events that contain an `ErrorDeclaration`.", Must, qErrorDecl("EXISTS_errorDeclaration")},
		{"QRY-EQ_errorReason-001", "EQ_errorReason", "EQ_errorReason selects error declarations by reason",
			"the result will only include events that (a) contain an `ErrorDeclaration`; and where (b) the error declaration contains a non-null `reason` field; and where (c) the `reason` field is equal to one of the values specified in this parameter.", Must, qErrorDecl("EQ_errorReason")},
		{"QRY-EQ_correctiveEventID-001", "EQ_correctiveEventID", "EQ_correctiveEventID selects error declarations naming the corrective event",
			"the result will only include events that (a) contain an `ErrorDeclaration`; and where (b) one of the elements of the `correctiveEventIDs` list is equal to one of the values specified in this parameter.", Must, qErrorDecl("EQ_correctiveEventID")},
		{"QRY-GE_errorDeclarationTime-001", "GE_errorDeclarationTime", "GE_errorDeclarationTime and LT_errorDeclarationTime select declarations by time",
			"the result will only include events that (a) contain an `ErrorDeclaration`; and where (b) the value of the `errorDeclarationTime` field is greater than or equal to the specified value.", Must, qErrorDecl("GE_errorDeclarationTime")},
		{"QRY-EQ_ext-001", "EQ_fieldname", "EQ_<prefix:field> in a named query body selects by a user extension field",
			"Paraphrase of §8.2.7.1 EQ_fieldname: the result will only include events that (a) have a field named fieldname [...]; and where (b) the value of that field matches one of the values specified in this parameter. (query-schema.json: ^EQ_[a-z][a-zA-Z0-9]*:\\w+$, the prefix defined by the query's @context)", Must, qExtNamed("EQ_example:grade", []any{"A"}, 0)},
		{"QRY-GT_ext-001", "GT_fieldname", "GT_<prefix:field> in a named query body compares a numeric extension field",
			"Paraphrase of §8.2.7.1 GT_fieldname: [...] the value of that field is greater than the specified value. (query-schema.json: ^GT_[a-z][a-zA-Z0-9]*:\\w+$)", Must, qExtNamed("GT_example:temperature", 5.0, 1)},
		{"QRY-EXISTS_ext-001", "EXISTS_fieldname", "EXISTS_<prefix:field> in a named query body selects events having the field",
			"Paraphrase of §8.2.7.1 EXISTS_fieldname: the result will only include events that have a non-empty field named fieldname. (query-schema.json: ^EXISTS_[a-z][a-zA-Z0-9]*:\\w+$)", Must, qExtNamed("EXISTS_example:temperature", 1, 0, 1)},
		{"QRY-EQ_ILMD_ext-001", "EQ_ILMD_fieldname", "EQ_ILMD_<prefix:field> in a named query body selects by an ILMD extension field",
			"Paraphrase of §8.2.7.1 EQ_ILMD_fieldname: analogous to EQ_fieldname, but matches events whose ILMD area contains a field named fieldname. (query-schema.json: ^EQ_ILMD_[a-z][a-zA-Z0-9]*:\\w+$)", Must, qExtNamed("EQ_ILMD_example:grade", []any{"B"}, 2)},
		{"QRY-EQ_INNER_ext-001", "EQ_INNER_fieldname", "EQ_INNER_<prefix:field> in a named query body selects by an extension field nested in another",
			"Paraphrase of §8.2.7.1 EQ_INNER_fieldname: analogous to EQ_fieldname, but matches events with a field named fieldname nested at any level within a top-level extension field. (query-schema.json: ^EQ_INNER_[a-z][a-zA-Z0-9]*:\\w+$)", Must, qExtNamed("EQ_INNER_example:lot", []any{"L7"}, 1)},
		{"QRY-EQ_ext-002", "EQ_fieldname", "EQ_<field IRI> in the URL query string selects by a user extension field",
			"An EPCIS 2.0 query may also be expressed via parameters in the URI query string. [...] the EPCIS 2.0 standard defines additional query parameters with flexible names, depending on the specific value of `uom`, `type` or `fieldname` that appears within the name of the parameter.", Should, qExtGET},
		{"QRY-orderBy-001", "orderBy", "orderBy=eventTime sorts ascending or descending, descending by default",
			"If specified, names a single field that will be used to order the results. [...] orderDirection: [...] If omitted, defaults to `DESC`.", Must, qOrderBy},
		{"QRY-orderBy-002", "orderBy", "orderBy=recordTime sorts by the time the server recorded the events",
			"The value of this parameter SHALL be one of: `eventTime`, `recordTime`, or the fully qualified name of an extension field", Must, qOrderByRecordTime},
		{"QRY-orderDirection-001", "orderDirection", "orderDirection other than ASC or DESC raises QueryParameterException",
			"The value of this parameter must be one of `ASC` (for ascending order) or `DESC` (for descending order); if not, the implementation SHALL raise a `QueryParameterException`.", Must, qOrderDirectionBad},
		{"QRY-eventCountLimit-001", "eventCountLimit", "eventCountLimit keeps the first N events of the order",
			"If specified, the results will only include the first N events that match the other criteria, where N is the value of this parameter. The ordering specified by the `orderBy` and `orderDirection` parameters determine the meaning of “first” for this purpose.", Must, qEventCountLimit},
		{"QRY-eventCountLimit-002", "eventCountLimit", "eventCountLimit without orderBy raises QueryParameterException",
			"This parameter may only be used when `orderBy` is specified; if `orderBy` is omitted and `eventCountLimit` is specified, a `QueryParameterException` SHALL be raised.", Must, qEventCountLimitNoOrder},
		{"QRY-maxEventCount-001", "maxEventCount", "maxEventCount smaller than the result raises QueryTooLargeException",
			"If the query would otherwise return more than this number of events, a `QueryTooLargeException` SHALL be raised instead of a normal query result.", Must, qMaxEventCount},
		{"QRY-maxEventCount-002", "maxEventCount", "maxEventCount with eventCountLimit raises QueryParameterException",
			"This parameter and `eventCountLimit` are mutually exclusive; if both are specified, a `QueryParameterException` SHALL be raised.", Must, qMaxAndLimit},
		{"QRY-conjunction-001", "", "several parameters combine with AND",
			"Paraphrase of §8.2.7.1: the result includes only events that satisfy every one of the specified parameters (each parameter description: \"the result will only include events that ...\").", Must, qConjunction},
		{"QRY-EQ_type-001", "EQ_type", "EQ_type selects events with a sensor report of that measurement type",
			"TCR-53 step 6: insert `EQ_type` with a valid `type` attribute value. If events submitted [...] have a matching `type` value, they are returned in the `QueryResults` instance.", Must, qSensor("EQ_type", "Temperature")},
		{"QRY-EQ_deviceID-001", "EQ_deviceID", "EQ_deviceID selects events whose sensor metadata or report names the device",
			"TCR-53 step 28: Both events [...] can be queried for, no matter if the inline attributes appear in the `sensorMetadata` element or in the `sensorReport` element.", Must, qSensorDevice},
		{"QRY-EXISTS_sensorElementList-001", "EXISTS_sensorElementList", "EXISTS_sensorElementList selects the events with sensor data",
			"TCR-53 step 3: insert `EXISTS_sensorElement`. All events submitted to the capture interface in step 1 are returned in the `QueryResults` instance, except the event without having a `SensorElement`. (query-schema.json names the parameter EXISTS_sensorElementList.)", Must, qSensorExists},
		{"QRY-GE_value_uom-001", "GE_value_uom", "GE_value_CEL and LT_value_CEL compare sensor report values in a unit",
			"TCR-53 step 12: Similar to Step 6, for `EQ_value_uom`/ `GE_value_uom`/ `LT_value_uom` and `value_uom`. (If events [...] have a matching value, they are returned.)", Must, qSensorValue},
		{"QRY-GE_value_uom-002", "GE_value_uom", "GE_value_KEL finds a temperature reported in CEL (unit conversion)",
			"TCR-53 step 26: insert `EQ_type` [...] \"gs1:Temperature\". In addition, insert `GE_value_uom` with `uom` set to \"KEL\" and `value` set to a value in Kelvin that is higher than the value in degrees Celsius in the event [...] The event with the corresponding temperature value, expressed in a different uom (\"CEL\"), [...] is returned", Should, qSensorKelvin},
		{"QRY-GE_time-001", "GE_time", "GE_time and LT_time select by sensor metadata time",
			"TCR-53 step 4: If events [...] have a `time` value within the specified time period, they are returned [...] If the `time` value is outside the specified period, they are not returned.", Must, qSensorTime},
	}
	cs := make([]Case, len(list))
	for i, x := range list {
		ref := refQuery + x.param
		if x.param == "" || x.id == "QRY-EQ_bizTransaction-001" || x.id == "QRY-EQ_source-001" || x.id == "QRY-EQ_destination-001" {
			ref = "EPCIS 2.0 §8.2.7.1 (SimpleEventQuery) " + x.param
		}
		if x.id == "QRY-EQ_type-001" || x.id == "QRY-EQ_deviceID-001" || x.id == "QRY-GE_time-001" || x.id == "QRY-EXISTS_sensorElementList-001" ||
			strings.HasPrefix(x.id, "QRY-GE_value_uom") {
			ref = "EPCIS 2.0 Conformance Requirements (draft), TCR-53 SensorElement; OpenAPI components.parameters." + x.param
		}
		run := x.run
		cs[i] = Case{ID: x.id, Area: "query", Title: x.title, Ref: ref, Requirement: x.req, Level: x.level,
			Run: func(ctx context.Context, c *Client) error { return run(ctx, newFixture(c)) }}
	}
	return cs
}

func (f *fixture) epc() string { return f.c.ids.GTIN().SGTIN(f.c.ids.Name()) }

// fiveTypes captures one event of each type and returns them in the order
// Object, Aggregation, Transaction, Transformation, Association.
func fiveTypes(ctx context.Context, f *fixture) ([]ev, error) {
	var evs []ev
	for _, t := range []string{"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"} {
		evs = append(evs, richEvent(f, t))
	}
	return evs, f.capture(ctx, evs...)
}

func qEventType(ctx context.Context, f *fixture) error {
	e, err := fiveTypes(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("eventType", "ObjectEvent"), e[0]); err != nil {
		return err
	}
	if err := f.expect(ctx, q("eventType", "AggregationEvent|TransformationEvent"), e[1], e[3]); err != nil {
		return err
	}
	return f.expect(ctx, q("eventType", "AssociationEvent|TransactionEvent"), e[4], e[2])
}

// timed captures n object events one minute apart.
func timed(ctx context.Context, f *fixture, n int) ([]ev, error) {
	evs := make([]ev, n)
	for i := range evs {
		evs[i] = f.object("OBSERVE", f.epc())
	}
	return evs, f.capture(ctx, evs...)
}

func qGEEventTime(ctx context.Context, f *fixture) error {
	e, err := timed(ctx, f, 3)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("GE_eventTime", e[1]["eventTime"].(string)), e[1], e[2]); err != nil {
		return err
	}
	// The same instant as e[1]'s time, written with a +02:00 offset.
	t, _ := time.Parse(time.RFC3339Nano, e[1]["eventTime"].(string))
	return f.expect(ctx, q("GE_eventTime", t.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05.000-07:00")), e[1], e[2])
}

func qLTEventTime(ctx context.Context, f *fixture) error {
	e, err := timed(ctx, f, 3)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("LT_eventTime", e[1]["eventTime"].(string)), e[0]); err != nil {
		return err
	}
	return f.expect(ctx, q("GE_eventTime", e[0]["eventTime"].(string), "LT_eventTime", e[2]["eventTime"].(string)), e[0], e[1])
}

func qRecordTime(ctx context.Context, f *fixture) error {
	e, err := timed(ctx, f, 2)
	if err != nil {
		return err
	}
	hourAgo := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if err := f.expect(ctx, q("GE_recordTime", hourAgo), e...); err != nil {
		return err
	}
	if err := f.expect(ctx, q("LT_recordTime", hourAgo)); err != nil {
		return err
	}
	inAnHour := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	return f.expect(ctx, q("GE_recordTime", inAnHour))
}

func qAction(ctx context.Context, f *fixture) error {
	add, obs, del := f.object("ADD", f.epc()), f.object("OBSERVE", f.epc()), f.object("DELETE", f.epc())
	tr := richEvent(f, "TransformationEvent")
	if err := f.capture(ctx, add, obs, del, tr); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_action", "ADD"), add); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_action", "OBSERVE|DELETE"), obs, del)
}

// expectProblem runs a query that must fail with the exception.
func expectProblem(ctx context.Context, c *Client, path string, status int, exception string) error {
	r, err := c.Get(ctx, path)
	if err != nil {
		return err
	}
	if err := r.ExpectProblem(status, exception); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

func qActionBad(ctx context.Context, f *fixture) error {
	return expectProblem(ctx, f.c, "/events?EQ_action=SIDEWAYS", http.StatusBadRequest, "QueryParameterException")
}

func qBizStep(ctx context.Context, f *fixture) error {
	s := with(f.object("OBSERVE", f.epc()), "bizStep", "shipping")
	r := with(f.object("OBSERVE", f.epc()), "bizStep", "receiving")
	none := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, s, r, none); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_bizStep", "shipping"), s); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_bizStep", "shipping|receiving"), s, r)
}

func qBizStepForms(ctx context.Context, f *fixture) error {
	s := with(f.object("OBSERVE", f.epc()), "bizStep", "shipping")
	r := with(f.object("OBSERVE", f.epc()), "bizStep", "https://ref.gs1.org/cbv/BizStep-receiving")
	if err := f.capture(ctx, s, r); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_bizStep", "https://ref.gs1.org/cbv/BizStep-shipping"), s); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_bizStep", "urn:epcglobal:cbv:bizstep:shipping"), s); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_bizStep", "receiving"), r)
}

func qDisposition(ctx context.Context, f *fixture) error {
	a := with(f.object("OBSERVE", f.epc()), "disposition", "in_transit")
	b := with(f.object("OBSERVE", f.epc()), "disposition", "damaged")
	none := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, a, b, none); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_disposition", "damaged"), b); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_disposition", "in_transit|damaged"), a, b)
}

func qPersistentDisposition(ctx context.Context, f *fixture) error {
	a := with(f.object("OBSERVE", f.epc()), "persistentDisposition", map[string]any{"set": []any{"completeness_verified"}})
	b := with(f.object("OBSERVE", f.epc()), "persistentDisposition", map[string]any{"unset": []any{"completeness_verified"}})
	if err := f.capture(ctx, a, b); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_persistentDisposition_set", "completeness_verified"), a); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_persistentDisposition_unset", "completeness_verified"), b)
}

// byLocation rescopes the fixture on a fresh business location, for the
// cases that query read points.
func byLocation(f *fixture) string {
	bl := f.c.ids.SGLN()
	f.scope = url.Values{"EQ_bizLocation": {bl}}
	return bl
}

func qReadPoint(ctx context.Context, f *fixture) error {
	bl := byLocation(f)
	rp1, rp2 := f.c.ids.SGLN(), f.c.ids.SGLN()
	a := with(f.object("OBSERVE", f.epc()), "readPoint", map[string]any{"id": rp1}, "bizLocation", map[string]any{"id": bl})
	b := with(f.object("OBSERVE", f.epc()), "readPoint", map[string]any{"id": rp2}, "bizLocation", map[string]any{"id": bl})
	none := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": bl})
	delete(none, "readPoint")
	if err := f.capture(ctx, a, b, none); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_readPoint", rp1), a); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_readPoint", rp1+"|"+rp2), a, b)
}

func qWDReadPoint(ctx context.Context, f *fixture) error {
	bl := byLocation(f)
	rp := f.c.ids.SGLN()
	a := with(f.object("OBSERVE", f.epc()), "readPoint", map[string]any{"id": rp}, "bizLocation", map[string]any{"id": bl})
	b := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": bl})
	if err := f.capture(ctx, a, b); err != nil {
		return err
	}
	return f.expect(ctx, q("WD_readPoint", rp), a)
}

func qBizLocation(ctx context.Context, f *fixture) error {
	bl1, bl2 := f.c.ids.SGLN(), f.c.ids.SGLN()
	a := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": bl1})
	b := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": bl2})
	none := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, a, b, none); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_bizLocation", bl2), b); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_bizLocation", bl1+"|"+bl2), a, b)
}

func qWDBizLocation(ctx context.Context, f *fixture) error {
	parent, child, other := f.c.ids.SGLN(), f.c.ids.SGLN(), f.c.ids.SGLN()
	a := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": parent})
	b := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": child})
	o := with(f.object("OBSERVE", f.epc()), "bizLocation", map[string]any{"id": other})
	doc := document(a, b, o)
	doc["epcisHeader"] = map[string]any{"epcisMasterData": map[string]any{"vocabularyList": []any{map[string]any{
		"type": "urn:epcglobal:epcis:vtype:BusinessLocation",
		"vocabularyElementList": []any{map[string]any{
			"id": parent, "children": []any{child},
		}},
	}}}}
	if err := f.c.Capture(ctx, doc); err != nil {
		return err
	}
	return f.expect(ctx, q("WD_bizLocation", parent), a, b)
}

// epcWorld captures events that use EPCs in every position.
type epcWorld struct {
	obj, agg, tr, assoc, trans        ev
	objEPC, child, parent, in, out    string
	txParent, assocParent, assocChild string
}

func captureEPCWorld(ctx context.Context, f *fixture) (*epcWorld, error) {
	w := &epcWorld{objEPC: f.epc(), child: f.epc(), in: f.epc(), out: f.epc(), assocChild: f.epc()}
	w.parent, _ = f.c.ids.SSCC()
	w.txParent, _ = f.c.ids.SSCC()
	w.assocParent = "urn:epc:id:grai:" + companyPrefix + ".12345." + f.c.ids.Name()
	w.obj = f.object("OBSERVE", w.objEPC)
	w.agg = with(f.event("AggregationEvent"), "action", "ADD", "parentID", w.parent, "childEPCs", []any{w.child})
	w.tr = with(f.event("TransactionEvent"), "action", "ADD", "parentID", w.txParent, "epcList", []any{w.objEPC},
		"bizTransactionList", []any{map[string]any{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:" + f.c.ids.Location().GLN() + ":" + f.c.ids.Name()}})
	w.trans = with(f.event("TransformationEvent"), "inputEPCList", []any{w.in}, "outputEPCList", []any{w.out})
	w.assoc = with(f.event("AssociationEvent"), "action", "ADD", "parentID", w.assocParent, "childEPCs", []any{w.assocChild})
	return w, f.capture(ctx, w.obj, w.agg, w.tr, w.trans, w.assoc)
}

func qMatchEPC(ctx context.Context, f *fixture) error {
	w, err := captureEPCWorld(ctx, f)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		v    string
		want []ev
	}{{w.objEPC, []ev{w.obj, w.tr}}, {w.child, []ev{w.agg}}, {w.parent, nil}, {w.in, nil}, {w.assocChild, []ev{w.assoc}}, {w.child + "|" + w.assocChild, []ev{w.agg, w.assoc}}} {
		if err := f.expect(ctx, q("MATCH_epc", c.v), c.want...); err != nil {
			return err
		}
	}
	return nil
}

func qMatchEPCPattern(ctx context.Context, f *fixture) error {
	g := f.c.ids.GTIN()
	a, b := f.object("OBSERVE", g.SGTIN(f.c.ids.Name())), f.object("OBSERVE", g.SGTIN(f.c.ids.Name()))
	other := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, a, b, other); err != nil {
		return err
	}
	pat := "urn:epc:idpat:sgtin:" + companyPrefix + "." + g.itemRef + ".*"
	return f.expect(ctx, q("MATCH_epc", pat), a, b)
}

func qMatchParent(ctx context.Context, f *fixture) error {
	w, err := captureEPCWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_parentID", w.parent+"|"+w.txParent), w.agg, w.tr); err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_parentID", w.assocParent), w.assoc); err != nil {
		return err
	}
	return f.expect(ctx, q("MATCH_parentID", w.child))
}

func qMatchInput(ctx context.Context, f *fixture) error {
	w, err := captureEPCWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_inputEPC", w.in), w.trans); err != nil {
		return err
	}
	return f.expect(ctx, q("MATCH_inputEPC", w.out+"|"+w.objEPC))
}

func qMatchOutput(ctx context.Context, f *fixture) error {
	w, err := captureEPCWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_outputEPC", w.out), w.trans); err != nil {
		return err
	}
	return f.expect(ctx, q("MATCH_outputEPC", w.in))
}

func qMatchAny(ctx context.Context, f *fixture) error {
	w, err := captureEPCWorld(ctx, f)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		v    string
		want []ev
	}{{w.objEPC, []ev{w.obj, w.tr}}, {w.parent, []ev{w.agg}}, {w.child, []ev{w.agg}}, {w.in, []ev{w.trans}}, {w.out, []ev{w.trans}},
		{w.assocParent + "|" + w.txParent, []ev{w.assoc, w.tr}}} {
		if err := f.expect(ctx, q("MATCH_anyEPC", c.v), c.want...); err != nil {
			return err
		}
	}
	return nil
}

// classWorld captures events with one LGTIN class in each quantity list.
type classWorld struct {
	obj, agg, trans       ev
	objC, aggC, inC, outC string
}

func captureClassWorld(ctx context.Context, f *fixture) (*classWorld, error) {
	g := f.c.ids.GTIN()
	w := &classWorld{objC: g.LGTIN(f.c.ids.Name()), aggC: g.LGTIN(f.c.ids.Name()), inC: g.LGTIN(f.c.ids.Name()), outC: g.LGTIN(f.c.ids.Name())}
	w.obj = with(f.object("OBSERVE"), "quantityList", []any{qty(w.objC, 5, "KGM")})
	w.agg = with(f.event("AggregationEvent"), "action", "ADD", "parentID", func() string { s, _ := f.c.ids.SSCC(); return s }(),
		"childQuantityList", []any{qty(w.aggC, 2, "")})
	w.trans = with(f.event("TransformationEvent"), "inputQuantityList", []any{qty(w.inC, 7, "KGM")}, "outputQuantityList", []any{qty(w.outC, 3, "")})
	delete(w.obj, "epcList")
	return w, f.capture(ctx, w.obj, w.agg, w.trans)
}

func qMatchClass(ctx context.Context, f *fixture) error {
	w, err := captureClassWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_epcClass", w.objC+"|"+w.aggC), w.obj, w.agg); err != nil {
		return err
	}
	return f.expect(ctx, q("MATCH_epcClass", w.inC+"|"+w.outC))
}

func qMatchAnyClass(ctx context.Context, f *fixture) error {
	w, err := captureClassWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_anyEPCClass", w.objC+"|"+w.inC), w.obj, w.trans); err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_inputEPCClass", w.inC), w.trans); err != nil {
		return err
	}
	if err := f.expect(ctx, q("MATCH_inputEPCClass", w.outC)); err != nil {
		return err
	}
	return f.expect(ctx, q("MATCH_outputEPCClass", w.outC), w.trans)
}

// qQuantity captures events with quantities 5, 10 and 20 and expects the
// comparison with value to select the events at the indexes.
func qQuantity(param string, value float64, want ...int) func(context.Context, *fixture) error {
	return func(ctx context.Context, f *fixture) error {
		g := f.c.ids.GTIN()
		var evs []ev
		for _, n := range []float64{5, 10, 20} {
			e := with(f.object("OBSERVE"), "quantityList", []any{qty(g.LGTIN(f.c.ids.Name()), n, "KGM")})
			delete(e, "epcList")
			evs = append(evs, e)
		}
		if err := f.capture(ctx, evs...); err != nil {
			return err
		}
		var exp []ev
		for _, i := range want {
			exp = append(exp, evs[i])
		}
		return f.expect(ctx, q(param, fmt.Sprint(value)), exp...)
	}
}

func qEventID(ctx context.Context, f *fixture) error {
	e, err := timed(ctx, f, 3)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_eventID", eventID(e[1])), e[1]); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_eventID", eventID(e[0])+"|"+eventID(e[2])), e[0], e[2])
}

func qTransformationID(ctx context.Context, f *fixture) error {
	a, b := richEvent(f, "TransformationEvent"), richEvent(f, "TransformationEvent")
	if err := f.capture(ctx, a, b); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_transformationID", a["transformationID"].(string)), a)
}

func qBizTransaction(ctx context.Context, f *fixture) error {
	id := "urn:epcglobal:cbv:bt:" + f.c.ids.Location().GLN() + ":" + f.c.ids.Name()
	po := with(f.object("OBSERVE", f.epc()), "bizTransactionList", []any{map[string]any{"type": "po", "bizTransaction": id}})
	inv := with(f.object("OBSERVE", f.epc()), "bizTransactionList", []any{map[string]any{"type": "inv", "bizTransaction": id}})
	if err := f.capture(ctx, po, inv); err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_bizTransaction_po", id), po); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_bizTransaction_desadv", id))
}

func qSourceDest(listName, key, prefix string) func(context.Context, *fixture) error {
	return func(ctx context.Context, f *fixture) error {
		party := f.c.ids.Location().PGLN()
		own := with(f.object("OBSERVE", f.epc()), listName, []any{map[string]any{"type": "owning_party", key: party}})
		poss := with(f.object("OBSERVE", f.epc()), listName, []any{map[string]any{"type": "possessing_party", key: party}})
		if err := f.capture(ctx, own, poss); err != nil {
			return err
		}
		if err := f.expect(ctx, q(prefix+"owning_party", party), own); err != nil {
			return err
		}
		return f.expect(ctx, q(prefix+"possessing_party", party), poss)
	}
}

func qErrorDecl(param string) func(context.Context, *fixture) error {
	return func(ctx context.Context, f *fixture) error {
		orig, decl, corr, err := errorDeclared(ctx, f)
		if err != nil {
			return err
		}
		var v, none string
		switch param {
		case "EXISTS_errorDeclaration":
			return onlyDeclarations(ctx, f, q(param, "true"), eventID(orig))
		case "EQ_errorReason":
			v, none = "incorrect_data", "did_not_occur"
		case "EQ_correctiveEventID":
			v, none = eventID(corr), eventID(orig)
		case "GE_errorDeclarationTime":
			t, _ := time.Parse(time.RFC3339Nano, decl["errorDeclaration"].(map[string]any)["declarationTime"].(string))
			v = t.Add(-time.Second).Format(time.RFC3339Nano)
			if err := onlyDeclarations(ctx, f, q("LT_errorDeclarationTime", t.Add(time.Second).Format(time.RFC3339Nano)), eventID(orig)); err != nil {
				return err
			}
			if err := f.expect(ctx, q("GE_errorDeclarationTime", t.Add(time.Minute).Format(time.RFC3339Nano))); err != nil {
				return err
			}
		}
		if err := onlyDeclarations(ctx, f, q(param, v), eventID(orig)); err != nil {
			return err
		}
		if none != "" {
			return f.expect(ctx, q(param, none))
		}
		return nil
	}
}

// extWorld captures events with user extension fields: grade A with
// temperature 3, grade B with temperature 8 and a nested lot L7, and one
// with ILMD grade B and no temperature.
func extWorld(ctx context.Context, f *fixture) ([]ev, error) {
	evs := []ev{
		with(f.object("OBSERVE", f.epc()), "example:grade", "A", "example:temperature", 3.0),
		with(f.object("OBSERVE", f.epc()), "example:grade", "B", "example:temperature", 8.0, "example:box", map[string]any{"example:lot": "L7"}),
		with(f.object("ADD", f.epc()), "ilmd", map[string]any{"example:grade": "B"}),
	}
	return evs, f.capture(ctx, evs...)
}

// namedEvents creates a named query, reads all its events and deletes it.
func namedEvents(ctx context.Context, c *Client, query map[string]any) ([]map[string]any, error) {
	name := "conform-" + c.ids.Name()
	r, err := c.PostJSON(ctx, "/queries", map[string]any{"name": name, "query": query})
	if err != nil {
		return nil, err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return nil, fmt.Errorf("POST /queries: %w", err)
	}
	defer c.Do(context.WithoutCancel(ctx), Request{Method: http.MethodDelete, Path: "/queries/" + url.PathEscape(name)})
	return c.QueryAll(ctx, "/queries/"+url.PathEscape(name)+"/events")
}

func qExtNamed(param string, value any, want ...int) func(context.Context, *fixture) error {
	return func(ctx context.Context, f *fixture) error {
		evs, err := extWorld(ctx, f)
		if err != nil {
			return err
		}
		got, err := namedEvents(ctx, f.c, map[string]any{
			"@context":     []any{map[string]any{"example": extNS}},
			"EQ_readPoint": []any{f.rp},
			param:          value,
		})
		if err != nil {
			return err
		}
		var exp []ev
		for _, i := range want {
			exp = append(exp, evs[i])
		}
		if err := sameEvents(got, exp...); err != nil {
			return fmt.Errorf("named query %s=%v: %w", param, compact(value), err)
		}
		return nil
	}
}

func qExtGET(ctx context.Context, f *fixture) error {
	evs, err := extWorld(ctx, f)
	if err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_"+extNS+"grade", "B"), evs[1])
}

func qOrderBy(ctx context.Context, f *fixture) error {
	e := make([]ev, 4)
	for i := range e {
		e[i] = f.object("OBSERVE", f.epc())
	}
	// Captured out of time order, so that storage order does not pass for
	// sorting.
	if err := f.capture(ctx, e[2], e[0], e[3], e[1]); err != nil {
		return err
	}
	check := func(params url.Values, want ...ev) error {
		got, err := f.query(ctx, params)
		if err != nil {
			return err
		}
		if len(got) != len(want) {
			return fmt.Errorf("query %s returned %d events, want %d", encodeQuery(params), len(got), len(want))
		}
		for i := range want {
			if eventID(got[i]) != eventID(want[i]) {
				return fmt.Errorf("query %s: event %d is %s (eventTime %v), want %s (eventTime %v)", encodeQuery(params), i,
					eventID(got[i]), got[i]["eventTime"], eventID(want[i]), want[i]["eventTime"])
			}
		}
		return nil
	}
	if err := check(q("orderBy", "eventTime", "orderDirection", "ASC"), e[0], e[1], e[2], e[3]); err != nil {
		return err
	}
	if err := check(q("orderBy", "eventTime", "orderDirection", "DESC"), e[3], e[2], e[1], e[0]); err != nil {
		return err
	}
	return check(q("orderBy", "eventTime"), e[3], e[2], e[1], e[0])
}

func qOrderByRecordTime(ctx context.Context, f *fixture) error {
	var want []ev
	for range 3 {
		e := f.object("OBSERVE", f.epc())
		if err := f.capture(ctx, e); err != nil {
			return err
		}
		want = append(want, e)
	}
	got, err := f.query(ctx, q("orderBy", "recordTime", "orderDirection", "ASC"))
	if err != nil {
		return err
	}
	if err := sameEvents(got, want...); err != nil {
		return err
	}
	var prev time.Time
	for i, e := range got {
		t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e["recordTime"]))
		if err != nil {
			return fmt.Errorf("event %s has recordTime %v", eventID(e), e["recordTime"])
		}
		if t.Before(prev) {
			return fmt.Errorf("orderBy=recordTime ASC: event %d recorded at %s comes after one recorded at %s", i, t, prev)
		}
		prev = t
	}
	for i := range want {
		if eventID(got[i]) != eventID(want[i]) {
			return fmt.Errorf("orderBy=recordTime ASC: event %d is %s, want %s (captured in three jobs, one after the other)", i, eventID(got[i]), eventID(want[i]))
		}
	}
	return nil
}

func qOrderDirectionBad(ctx context.Context, f *fixture) error {
	return expectProblem(ctx, f.c, "/events?orderBy=eventTime&orderDirection=SIDEWAYS", http.StatusBadRequest, "QueryParameterException")
}

func qEventCountLimit(ctx context.Context, f *fixture) error {
	e, err := timed(ctx, f, 4)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("orderBy", "eventTime", "orderDirection", "ASC", "eventCountLimit", "2"), e[0], e[1]); err != nil {
		return err
	}
	return f.expect(ctx, q("orderBy", "eventTime", "orderDirection", "DESC", "eventCountLimit", "1"), e[3])
}

func qEventCountLimitNoOrder(ctx context.Context, f *fixture) error {
	return expectProblem(ctx, f.c, "/events?eventCountLimit=2&EQ_readPoint="+url.QueryEscape(f.rp), http.StatusBadRequest, "QueryParameterException")
}

func qMaxEventCount(ctx context.Context, f *fixture) error {
	e, err := timed(ctx, f, 3)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("maxEventCount", "3"), e...); err != nil {
		return err
	}
	r, err := f.c.Get(ctx, "/events?maxEventCount=2&EQ_readPoint="+url.QueryEscape(f.rp))
	if err != nil {
		return err
	}
	// The OpenAPI answers QueryTooLargeException with 413 (413QueryScopeOrSize).
	return r.ExpectProblem(http.StatusRequestEntityTooLarge, "QueryTooLargeException")
}

func qMaxAndLimit(ctx context.Context, f *fixture) error {
	return expectProblem(ctx, f.c, "/events?orderBy=eventTime&eventCountLimit=1&maxEventCount=5", http.StatusBadRequest, "QueryParameterException")
}

func qConjunction(ctx context.Context, f *fixture) error {
	a := with(f.object("OBSERVE", f.epc()), "bizStep", "shipping")
	b := with(f.object("ADD", f.epc()), "bizStep", "shipping")
	c := with(f.object("OBSERVE", f.epc()), "bizStep", "receiving")
	if err := f.capture(ctx, a, b, c); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_bizStep", "shipping", "EQ_action", "OBSERVE"), a)
}

// sensorWorld captures events with sensor data: a temperature report from
// device D1 named in the metadata, a humidity report from D2 named in the
// report, and an event without sensor data.
func sensorWorld(ctx context.Context, f *fixture) ([]ev, []string, error) {
	d1, d2 := "urn:epc:id:giai:"+companyPrefix+"."+f.c.ids.Name(), "urn:epc:id:giai:"+companyPrefix+"."+f.c.ids.Name()
	evs := []ev{
		with(f.object("OBSERVE", f.epc()), "sensorElementList", []any{map[string]any{
			"sensorMetadata": map[string]any{"deviceID": d1, "time": f.at(-30)},
			"sensorReport":   []any{map[string]any{"type": "Temperature", "value": 4.5, "uom": "CEL"}},
		}}),
		with(f.object("OBSERVE", f.epc()), "sensorElementList", []any{map[string]any{
			"sensorMetadata": map[string]any{"time": f.at(-10)},
			"sensorReport":   []any{map[string]any{"type": "RelativeHumidity", "value": 40.0, "uom": "A93", "deviceID": d2}},
		}}),
		f.object("OBSERVE", f.epc()),
	}
	return evs, []string{d1, d2}, f.capture(ctx, evs...)
}

func qSensor(param, value string) func(context.Context, *fixture) error {
	return func(ctx context.Context, f *fixture) error {
		evs, _, err := sensorWorld(ctx, f)
		if err != nil {
			return err
		}
		if err := f.expect(ctx, q(param, value), evs[0]); err != nil {
			return err
		}
		return f.expect(ctx, q(param, "gs1:"+value), evs[0])
	}
}

func qSensorDevice(ctx context.Context, f *fixture) error {
	evs, dev, err := sensorWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("EQ_deviceID", dev[0]), evs[0]); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_deviceID", dev[1]), evs[1])
}

func qSensorTime(ctx context.Context, f *fixture) error {
	evs, _, err := sensorWorld(ctx, f)
	if err != nil {
		return err
	}
	if err := f.expect(ctx, q("GE_time", f.at(-20)), evs[1]); err != nil {
		return err
	}
	return f.expect(ctx, q("LT_time", f.at(-20)), evs[0])
}

func qSensorExists(ctx context.Context, f *fixture) error {
	evs, _, err := sensorWorld(ctx, f)
	if err != nil {
		return err
	}
	return f.expect(ctx, q("EXISTS_sensorElementList", "true"), evs[0], evs[1])
}

func qSensorValue(ctx context.Context, f *fixture) error {
	evs, _, err := sensorWorld(ctx, f)
	if err != nil {
		return err
	}
	// evs[0] reports 4.5 CEL; evs[1] 40 A93 (percent), in another unit.
	if err := f.expect(ctx, q("GE_value_CEL", "4"), evs[0]); err != nil {
		return err
	}
	if err := f.expect(ctx, q("LT_value_CEL", "4")); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_value_CEL", "4.5"), evs[0])
}

func qSensorKelvin(ctx context.Context, f *fixture) error {
	evs, _, err := sensorWorld(ctx, f)
	if err != nil {
		return err
	}
	// 4.5 °C is 277.65 K.
	if err := f.expect(ctx, q("EQ_type", "gs1:Temperature", "GE_value_KEL", "277"), evs[0]); err != nil {
		return err
	}
	return f.expect(ctx, q("EQ_type", "gs1:Temperature", "GE_value_KEL", "278"))
}
