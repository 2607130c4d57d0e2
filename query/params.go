package query

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/gs1/cbv"
)

// Query is a parsed SimpleEventQuery: every restriction of the standard's
// section 8.2.7.1, typed, with values already in the form Match compares
// (identifiers as CanonicalID, CBV values as CanonicalCBV). An empty list
// or a zero range means "no restriction". Every restriction must hold for
// an event to match (a conjunction); the values of one restriction are
// alternatives (a disjunction).
type Query struct {
	EventTypes []string // eventType

	EventTime  TimeRange // GE_eventTime, LT_eventTime
	RecordTime TimeRange // GE_recordTime, LT_recordTime

	Actions                    []string // EQ_action
	BizSteps                   []string // EQ_bizStep
	Dispositions               []string // EQ_disposition
	PersistentDispositionSet   []string // EQ_persistentDisposition_set
	PersistentDispositionUnset []string // EQ_persistentDisposition_unset
	ReadPoints                 []string // EQ_readPoint
	ReadPointsWD               []string // WD_readPoint
	BizLocations               []string // EQ_bizLocation
	BizLocationsWD             []string // WD_bizLocation
	TransformationIDs          []string // EQ_transformationID
	EventIDs                   []string // EQ_eventID

	EPC            []IDMatch // MATCH_epc
	ParentID       []IDMatch // MATCH_parentID
	InputEPC       []IDMatch // MATCH_inputEPC
	OutputEPC      []IDMatch // MATCH_outputEPC
	AnyEPC         []IDMatch // MATCH_anyEPC
	EPCClass       []IDMatch // MATCH_epcClass
	InputEPCClass  []IDMatch // MATCH_inputEPCClass
	OutputEPCClass []IDMatch // MATCH_outputEPCClass
	AnyEPCClass    []IDMatch // MATCH_anyEPCClass

	// Quantity holds EQ_/GT_/GE_/LT_/LE_quantity and their _{uom} forms.
	Quantity []NumberCond

	BizTransactions []TypedCond // EQ_bizTransaction_{type}
	Sources         []TypedCond // EQ_source_{type}
	Destinations    []TypedCond // EQ_destination_{type}

	ErrorDeclarationExists bool      // EXISTS_errorDeclaration
	ErrorDeclarationTime   TimeRange // GE_/LT_errorDeclarationTime (or _Time)
	ErrorReasons           []string  // EQ_errorReason
	CorrectiveEventIDs     []string  // EQ_correctiveEventID

	Sensor SensorQuery

	// Fields holds the extension-field restrictions: EQ_, GT_, GE_, LT_,
	// LE_ and EXISTS_ on a field name, in every scope (ILMD, INNER, ...).
	Fields []FieldCond
	// Attrs holds EQ_ATTR_{field}_{attr}; HasAttrs holds HASATTR_{field}.
	Attrs    []AttrCond
	HasAttrs []HasAttrCond

	Order           Order
	EventCountLimit int // eventCountLimit; 0 when absent
	MaxEventCount   int // maxEventCount; 0 when absent
	PerPage         int // perPage, or ParseOptions.DefaultPerPage
	NextPageToken   string
}

// TimeRange is a half-open interval [GE, LT). A zero bound is open.
type TimeRange struct {
	GE, LT time.Time
}

// IsZero reports whether the range restricts nothing.
func (r TimeRange) IsZero() bool { return r.GE.IsZero() && r.LT.IsZero() }

// Contains reports whether t lies in the range. The zero time lies in no
// restricting range: an event without the timestamp does not match.
func (r TimeRange) Contains(t time.Time) bool {
	if r.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	return (r.GE.IsZero() || !t.Before(r.GE)) && (r.LT.IsZero() || t.Before(r.LT))
}

// IDMatch is one value of a MATCH_ parameter: an EPC pure identity pattern
// (urn:epc:idpat:..., with wildcards), or an identifier compared in its
// canonical form (EPC URNs and GS1 Digital Links become the same canonical
// Digital Link; other URIs compare as written).
type IDMatch struct {
	Raw       string
	Canonical string       // CanonicalID(Raw), when Pattern is nil
	Pattern   *gs1.Pattern // set for urn:epc:idpat: values
}

// Op is a comparison of a query parameter.
type Op uint8

// The comparisons, named as the parameter prefixes.
const (
	EQ Op = iota
	GT
	GE
	LT
	LE
	EXISTS
)

var opNames = [...]string{EQ: "EQ", GT: "GT", GE: "GE", LT: "LT", LE: "LE", EXISTS: "EXISTS"}

// String returns the parameter prefix of the comparison.
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// NumberCond compares a number with one or more values (several only for
// EQ, where they are alternatives). UOM, when not empty, restricts the
// comparison to elements with that unit of measure; no unit conversion is
// done.
type NumberCond struct {
	Param  string
	Op     Op
	UOM    string
	Values []float64
}

func (c NumberCond) holds(x float64) bool {
	switch c.Op {
	case EQ:
		for _, v := range c.Values {
			if x == v {
				return true
			}
		}
		return false
	case GT:
		return x > c.Values[0]
	case GE:
		return x >= c.Values[0]
	case LT:
		return x < c.Values[0]
	case LE:
		return x <= c.Values[0]
	}
	return false
}

// TypedCond is EQ_bizTransaction_{type}, EQ_source_{type} or
// EQ_destination_{type}: one list element must have both the type and one
// of the values.
type TypedCond struct {
	Param  string
	Type   string // CanonicalCBV of the type
	Values []string
}

// SensorQuery holds the sensor parameters. Each restriction holds when
// some sensor element (metadata or report, as the standard places the
// field) satisfies it; different restrictions may be satisfied by
// different reports, as each parameter is a separate restriction.
type SensorQuery struct {
	Exists                   bool      // EXISTS_sensorElementList
	Time                     TimeRange // GE_time, LT_time (metadata or report time)
	StartTime                TimeRange // GE_startTime, LT_startTime (metadata)
	EndTime                  TimeRange // GE_endTime, LT_endTime (metadata)
	Types                    []string  // EQ_type (report), CanonicalCBV MeasurementType
	DeviceIDs                []string  // EQ_deviceID (metadata or report)
	DataProcessingMethods    []string  // EQ_dataProcessingMethod (metadata or report)
	Microorganisms           []string  // EQ_microorganism
	ChemicalSubstances       []string  // EQ_chemicalSubstance
	BizRules                 []string  // EQ_bizRules (metadata)
	StringValues             []string  // EQ_stringValue
	HexBinaryValues          []string  // EQ_hexBinaryValue (compared ignoring case)
	URIValues                []string  // EQ_uriValue
	BooleanValue, HasBoolean bool      // EQ_booleanValue
	// Values holds EQ_value_{uom}, GT_/GE_/LT_/LE_ on value, minValue,
	// maxValue, meanValue, sDev, percValue with a unit, and percRank
	// without one. Field names the report field compared.
	Values []SensorCond
}

// IsZero reports whether the sensor part restricts nothing.
func (s *SensorQuery) IsZero() bool {
	return !s.Exists && s.Time.IsZero() && s.StartTime.IsZero() && s.EndTime.IsZero() &&
		len(s.Types) == 0 && len(s.DeviceIDs) == 0 && len(s.DataProcessingMethods) == 0 &&
		len(s.Microorganisms) == 0 && len(s.ChemicalSubstances) == 0 && len(s.BizRules) == 0 &&
		len(s.StringValues) == 0 && len(s.HexBinaryValues) == 0 && len(s.URIValues) == 0 &&
		!s.HasBoolean && len(s.Values) == 0
}

// SensorCond compares a numeric sensorReport field.
type SensorCond struct {
	Field string // value, minValue, maxValue, meanValue, sDev, percValue, percRank
	NumberCond
}

// Scope says where an extension field is looked for.
type Scope uint8

// The scopes, named as the parameter infixes. Inner scopes look at fields
// nested at any depth inside the top-level extension fields of the outer
// scope.
const (
	ScopeEvent                 Scope = iota // EQ_{field}: top-level extension field of the event
	ScopeInner                              // EQ_INNER_{field}
	ScopeILMD                               // EQ_ILMD_{field}
	ScopeInnerILMD                          // EQ_INNER_ILMD_{field}
	ScopeErrorDeclaration                   // EQ_ERROR_DECLARATION_{field}
	ScopeInnerErrorDeclaration              // EQ_INNER_ERROR_DECLARATION_{field}
	ScopeSensorElement                      // EQ_SENSORELEMENT_{field}
	ScopeInnerSensorElement                 // EQ_INNER_SENSORELEMENT_{field}
	ScopeSensorMetadata                     // EQ_SENSORMETADATA_{field}
	ScopeInnerSensorMetadata                // EQ_INNER_SENSORMETADATA_{field}
	ScopeSensorReport                       // EQ_SENSORREPORT_{field}
	ScopeInnerSensorReport                  // EQ_INNER_SENSORREPORT_{field}
	ScopeReadPoint                          // EQ_readPoint_{field}
	ScopeInnerReadPoint                     // EQ_INNER_readPoint_{field}
	ScopeBizLocation                        // EQ_bizLocation_{field}
	ScopeInnerBizLocation                   // EQ_INNER_bizLocation_{field}
)

// scopes lists the infix of each scope and the comparisons the query
// schema defines for it, longest infix first so that prefixes do not
// shadow each other.
var scopes = []struct {
	infix string
	scope Scope
	ops   []Op
}{
	{"INNER_ERROR_DECLARATION_", ScopeInnerErrorDeclaration, allOps},
	{"INNER_SENSORELEMENT_", ScopeInnerSensorElement, cmpOps},
	{"INNER_SENSORMETADATA_", ScopeInnerSensorMetadata, cmpOps},
	{"INNER_SENSORREPORT_", ScopeInnerSensorReport, cmpOps},
	{"INNER_bizLocation_", ScopeInnerBizLocation, eqOnly},
	{"INNER_readPoint_", ScopeInnerReadPoint, eqOnly},
	{"ERROR_DECLARATION_", ScopeErrorDeclaration, allOps},
	{"SENSORELEMENT_", ScopeSensorElement, allOps},
	{"SENSORMETADATA_", ScopeSensorMetadata, allOps},
	{"SENSORREPORT_", ScopeSensorReport, allOps},
	{"INNER_ILMD_", ScopeInnerILMD, allOps},
	{"bizLocation_", ScopeBizLocation, eqOnly},
	{"readPoint_", ScopeReadPoint, eqOnly},
	{"INNER_", ScopeInner, allOps},
	{"ILMD_", ScopeILMD, allOps},
}

var (
	allOps = []Op{EQ, GT, GE, LT, LE, EXISTS}
	cmpOps = []Op{EQ, GT, GE, LT, LE}
	eqOnly = []Op{EQ}
)

// FieldCond is a restriction on an extension field.
type FieldCond struct {
	Param  string
	Scope  Scope
	Op     Op
	Field  FieldName
	Values []Value // empty for EXISTS
}

// FieldName names an extension field. IRI is the full name (namespace IRI
// followed by the local name); CURIE is set instead when the parameter
// used a prefix the query did not declare, and then matches fields written
// with that same prefix.
type FieldName struct {
	IRI   string
	CURIE string
}

// String returns the IRI, or the CURIE.
func (f FieldName) String() string {
	if f.IRI != "" {
		return f.IRI
	}
	return f.CURIE
}

// Value is one value of a comparison, with the typed readings its text
// allows: a parameter value "5" compares equal to a field value 5 and to
// a field value "5".
type Value struct {
	Raw    string
	Num    float64
	IsNum  bool
	Time   time.Time
	IsTime bool
}

func newValue(s string) Value {
	v := Value{Raw: s}
	if f, ok := parseDecimal(s); ok {
		v.Num, v.IsNum = f, true
	}
	if t, ok := parseTime(s); ok {
		v.Time, v.IsTime = t, true
	}
	return v
}

// AttrCond is EQ_ATTR_{field}_{attr}: the value of field must be a
// vocabulary element whose master data attribute attr has one of Values.
type AttrCond struct {
	Param  string
	Field  AttrField
	Attr   string
	Values []Value
}

// HasAttrCond is HASATTR_{field}: the value of field must be a vocabulary
// element whose master data has one of the attributes Attrs.
type HasAttrCond struct {
	Param string
	Field AttrField
	Attrs []string
}

// AttrField is the field an EQ_ATTR_ or HASATTR_ parameter names: one of
// the standard fields with a vocabulary type (Name), or an extension field
// (Extension).
type AttrField struct {
	Name      string // readPoint, bizLocation, bizStep, disposition, epcList, ...; "" for an extension
	Extension FieldName
}

// Vocabulary types of the EPCIS master data, as MasterData is asked them.
const (
	VocabReadPoint        = "urn:epcglobal:epcis:vtype:ReadPoint"
	VocabBusinessLocation = "urn:epcglobal:epcis:vtype:BusinessLocation"
	VocabBusinessStep     = "urn:epcglobal:epcis:vtype:BusinessStep"
	VocabDisposition      = "urn:epcglobal:epcis:vtype:Disposition"
	VocabEPCInstance      = "urn:epcglobal:epcis:vtype:EPCInstance"
	VocabEPCClass         = "urn:epcglobal:epcis:vtype:EPCClass"
)

// attrFields maps the standard field names EQ_ATTR_ and HASATTR_ accept to
// their vocabulary.
var attrFields = map[string]string{
	"readPoint":     VocabReadPoint,
	"bizLocation":   VocabBusinessLocation,
	"bizStep":       VocabBusinessStep,
	"disposition":   VocabDisposition,
	"epcList":       VocabEPCInstance,
	"childEPCs":     VocabEPCInstance,
	"parentID":      VocabEPCInstance,
	"inputEPCList":  VocabEPCInstance,
	"outputEPCList": VocabEPCInstance,
	"epcClass":      VocabEPCClass,
}

// Order is the order of results: By is "eventTime", "recordTime", or an
// extension field (Field set); "" means no order was asked for. Desc is the
// direction (orderDirection, DESC by default).
type Order struct {
	By    string
	Field FieldName // set when By names an extension field
	Desc  bool
}

// ParseOptions configures Parse.
type ParseOptions struct {
	// Namespaces maps prefixes to namespace IRIs for extension field names
	// written as CURIEs (from a query body's @context, say).
	Namespaces map[string]string
	// DefaultPerPage is the page size when perPage is absent (30 if 0);
	// MaxPerPage caps perPage (no cap if 0).
	DefaultPerPage, MaxPerPage int
	// MaxValues bounds the number of values over all parameters (1000 if
	// 0); more is a QueryTooComplexException.
	MaxValues int
	// Ignore names parameters the caller handles itself (GS1-EPC-Format
	// given as a query parameter, subscription controls, ...).
	Ignore []string
}

// Parse reads SimpleEventQuery parameters from a URL query. Values are
// pipe-delimited where the standard allows several; a parameter given
// twice is an error, as the standard's QueryParameterException says. An
// unknown or malformed parameter is an *epcis.Error
// of kind KindQueryParameter whose Param names it; parameters are checked
// in name order, so the same query always reports the same one.
func Parse(v url.Values, opts ParseOptions) (*Query, error) {
	p := parser{q: &Query{}, opts: opts, seen: map[string]string{}}
	if p.opts.MaxValues <= 0 {
		p.opts.MaxValues = 1000
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if contains(opts.Ignore, name) {
			continue
		}
		if name == "" {
			return nil, paramErr("", "a parameter has no name")
		}
		vals := v[name]
		if len(vals) > 1 {
			// The standard's QueryParameterException covers "two or more
			// query parameters with the same name"; several values of one
			// parameter are one pipe-separated list.
			return nil, paramErr(name, "is given %d times; give several values as one pipe-separated list", len(vals))
		}
		if err := p.param(name, strings.Join(vals, "|")); err != nil {
			return nil, err
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.q, nil
}

// ParseRawQuery splits a raw URL query string into values. Unlike
// url.ParseQuery it splits on '&' only, so values may contain ';' (as the
// canonical event hash IDs ni:///sha-256;...?ver=CBV2.0 do), and a space
// is kept apart from '+' only as the encoding allows: "+" decodes to a
// space, which Parse turns back into '+' where a timestamp needs it.
func ParseRawQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, paramErr(safe(k), "the parameter name is not correctly URL-encoded")
		}
		if key == "" {
			return nil, paramErr("", "a parameter has no name")
		}
		value, err := url.QueryUnescape(val)
		if err != nil {
			return nil, paramErr(key, "the value is not correctly URL-encoded")
		}
		v[key] = append(v[key], value)
	}
	return v, nil
}

type parser struct {
	q        *Query
	opts     ParseOptions
	seen     map[string]string // single-valued parameter (canonical name) -> name used
	values   int
	repeated bool // the parameter being read was given more than once
}

func paramErr(name, format string, args ...any) *epcis.Error {
	e := epcis.Errorf(epcis.KindQueryParameter, format, args...)
	e.Param = safe(name)
	return e
}

// safe makes a client-supplied name fit for an error message.
func safe(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// single records a single-valued parameter; canonical folds the accepted
// spellings of one parameter together.
func (p *parser) single(name, canonical string) error {
	if p.repeated {
		return paramErr(name, "may be given only once")
	}
	if prev, ok := p.seen[canonical]; ok {
		if prev == name {
			return paramErr(name, "may be given only once")
		}
		return paramErr(name, "is the same parameter as %s, which is also given", safe(prev))
	}
	p.seen[canonical] = name
	return nil
}

// list splits a pipe-delimited value.
func (p *parser) list(name, raw string) ([]string, error) {
	if raw == "" {
		return nil, paramErr(name, "needs a value")
	}
	parts := strings.Split(raw, "|")
	for i, s := range parts {
		if s == "" {
			return nil, paramErr(name, "value %d of the pipe-delimited list is empty", i+1)
		}
		if !utf8.ValidString(s) {
			return nil, paramErr(name, "value %d is not valid UTF-8", i+1)
		}
	}
	if err := p.count(name, len(parts)); err != nil {
		return nil, err
	}
	return parts, nil
}

func (p *parser) count(name string, n int) error {
	p.values += n
	if p.values > p.opts.MaxValues {
		e := epcis.Errorf(epcis.KindQueryTooComplex, "the query has more than %d values", p.opts.MaxValues)
		e.Param = safe(name)
		return e
	}
	return nil
}

func (p *parser) one(name, raw string) error {
	if p.repeated {
		return paramErr(name, "may be given only once")
	}
	if raw == "" {
		return paramErr(name, "needs a value")
	}
	if !utf8.ValidString(raw) {
		return paramErr(name, "the value is not valid UTF-8")
	}
	return p.count(name, 1)
}

func (p *parser) param(name, raw string) error {
	switch name {
	case "eventType":
		vals, err := p.list(name, raw)
		if err != nil {
			return err
		}
		for _, s := range vals {
			if !contains(epcis.EventTypes, s) && !cbv.IsURI(s) {
				return paramErr(name, "%q is not an event type (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent, or the URI of an extension event type)", s)
			}
		}
		p.q.EventTypes = append(p.q.EventTypes, vals...)
		return nil
	case "GE_eventTime":
		return p.time(name, name, &p.q.EventTime.GE, raw)
	case "LT_eventTime":
		return p.time(name, name, &p.q.EventTime.LT, raw)
	case "GE_recordTime":
		return p.time(name, name, &p.q.RecordTime.GE, raw)
	case "LT_recordTime":
		return p.time(name, name, &p.q.RecordTime.LT, raw)
	case "EQ_action":
		vals, err := p.list(name, raw)
		if err != nil {
			return err
		}
		for _, s := range vals {
			if s != "ADD" && s != "OBSERVE" && s != "DELETE" {
				return paramErr(name, "%q is not an action (ADD, OBSERVE or DELETE)", s)
			}
		}
		p.q.Actions = append(p.q.Actions, vals...)
		return nil
	case "EQ_bizStep":
		return p.cbvList(name, raw, cbv.BizStep, &p.q.BizSteps)
	case "EQ_disposition":
		return p.cbvList(name, raw, cbv.Disp, &p.q.Dispositions)
	case "EQ_persistentDisposition_set":
		return p.cbvList(name, raw, cbv.Disp, &p.q.PersistentDispositionSet)
	case "EQ_persistentDisposition_unset":
		return p.cbvList(name, raw, cbv.Disp, &p.q.PersistentDispositionUnset)
	case "EQ_readPoint":
		return p.idList(name, raw, &p.q.ReadPoints)
	case "WD_readPoint":
		return p.idList(name, raw, &p.q.ReadPointsWD)
	case "EQ_bizLocation":
		return p.idList(name, raw, &p.q.BizLocations)
	case "WD_bizLocation":
		return p.idList(name, raw, &p.q.BizLocationsWD)
	case "EQ_transformationID":
		return p.idList(name, raw, &p.q.TransformationIDs)
	case "EQ_eventID":
		return p.uriList(name, raw, &p.q.EventIDs)
	case "MATCH_epc":
		return p.match(name, raw, &p.q.EPC)
	case "MATCH_parentID":
		return p.match(name, raw, &p.q.ParentID)
	case "MATCH_inputEPC":
		return p.match(name, raw, &p.q.InputEPC)
	case "MATCH_outputEPC":
		return p.match(name, raw, &p.q.OutputEPC)
	case "MATCH_anyEPC":
		return p.match(name, raw, &p.q.AnyEPC)
	case "MATCH_epcClass":
		return p.match(name, raw, &p.q.EPCClass)
	case "MATCH_inputEPCClass":
		return p.match(name, raw, &p.q.InputEPCClass)
	case "MATCH_outputEPCClass":
		return p.match(name, raw, &p.q.OutputEPCClass)
	case "MATCH_anyEPCClass":
		return p.match(name, raw, &p.q.AnyEPCClass)
	case "EXISTS_errorDeclaration":
		if err := p.single(name, name); err != nil {
			return err
		}
		p.q.ErrorDeclarationExists = existsFlag(raw)
		return nil
	case "GE_errorDeclarationTime", "GE_errorDeclaration_Time":
		return p.time(name, "GE_errorDeclarationTime", &p.q.ErrorDeclarationTime.GE, raw)
	case "LT_errorDeclarationTime", "LT_errorDeclaration_Time":
		return p.time(name, "LT_errorDeclarationTime", &p.q.ErrorDeclarationTime.LT, raw)
	case "EQ_errorReason":
		return p.cbvList(name, raw, cbv.ER, &p.q.ErrorReasons)
	case "EQ_correctiveEventID":
		return p.uriList(name, raw, &p.q.CorrectiveEventIDs)
	case "orderBy":
		if err := p.single(name, name); err != nil {
			return err
		}
		if err := p.one(name, raw); err != nil {
			return err
		}
		switch raw {
		case "eventTime", "recordTime":
			p.q.Order.By = raw
		default:
			f, err := p.fieldName(name, raw)
			if err != nil {
				return paramErr(name, "must be eventTime, recordTime or the full name of an extension field, not %q", safe(raw))
			}
			p.q.Order.By, p.q.Order.Field = f.String(), f
		}
		return nil
	case "orderDirection":
		if err := p.single(name, name); err != nil {
			return err
		}
		switch raw {
		case "ASC", "DESC":
			p.q.Order.Desc = raw == "DESC"
		default:
			return paramErr(name, "must be ASC or DESC, not %q", safe(raw))
		}
		return nil
	case "eventCountLimit":
		return p.positive(name, raw, &p.q.EventCountLimit)
	case "maxEventCount":
		return p.positive(name, raw, &p.q.MaxEventCount)
	case "perPage":
		return p.positive(name, raw, &p.q.PerPage)
	case "nextPageToken":
		if err := p.single(name, name); err != nil {
			return err
		}
		if err := p.one(name, raw); err != nil {
			return err
		}
		p.q.NextPageToken = raw
		return nil
	}
	if handled, err := p.sensor(name, raw); handled {
		return err
	}
	return p.pattern(name, raw)
}

// pattern handles the parameter families whose names carry a type, a unit
// or a field name.
func (p *parser) pattern(name, raw string) error {
	opName, rest, ok := strings.Cut(name, "_")
	if !ok || rest == "" {
		return paramErr(name, "unknown query parameter")
	}
	var op Op
	switch opName {
	case "EQ":
		op = EQ
	case "GT":
		op = GT
	case "GE":
		op = GE
	case "LT":
		op = LT
	case "LE":
		op = LE
	case "EXISTS":
		op = EXISTS
	case "HASATTR":
		return p.hasAttr(name, rest, raw)
	default:
		return paramErr(name, "unknown query parameter")
	}
	if op == EQ {
		for _, f := range []struct {
			prefix string
			vocab  cbv.Vocabulary
			list   *[]TypedCond
		}{
			{"bizTransaction_", cbv.BTT, &p.q.BizTransactions},
			{"source_", cbv.SDT, &p.q.Sources},
			{"destination_", cbv.SDT, &p.q.Destinations},
		} {
			if typ, ok := strings.CutPrefix(rest, f.prefix); ok {
				return p.typed(name, typ, raw, f.vocab, f.list)
			}
		}
		if rest2, ok := strings.CutPrefix(rest, "ATTR_"); ok {
			return p.attr(name, rest2, raw)
		}
	}
	if rest == "quantity" && op != EXISTS {
		c, err := p.number(name, raw, op, "")
		if err != nil {
			return err
		}
		p.q.Quantity = append(p.q.Quantity, c)
		return nil
	}
	if uom, ok := strings.CutPrefix(rest, "quantity_"); ok && op != EXISTS {
		if !isUOM(uom) {
			return paramErr(name, "%q is not a unit of measure code (2 to 4 upper-case letters or digits)", safe(uom))
		}
		c, err := p.number(name, raw, op, uom)
		if err != nil {
			return err
		}
		p.q.Quantity = append(p.q.Quantity, c)
		return nil
	}
	scope := ScopeEvent
	fieldPart := rest
	for _, s := range scopes {
		if r, ok := strings.CutPrefix(rest, s.infix); ok {
			if !slicesContains(s.ops, op) {
				return paramErr(name, "%s is not defined for %sfields", op, s.infix)
			}
			scope, fieldPart = s.scope, r
			break
		}
	}
	f, err := p.fieldName(name, fieldPart)
	if err != nil {
		return err
	}
	c := FieldCond{Param: name, Scope: scope, Op: op, Field: f}
	switch op {
	case EXISTS:
		if !existsFlag(raw) {
			return nil
		}
		if err := p.count(name, 1); err != nil {
			return err
		}
	case EQ:
		vals, err := p.list(name, raw)
		if err != nil {
			return err
		}
		for _, s := range vals {
			c.Values = append(c.Values, newValue(s))
		}
	default:
		if err := p.one(name, raw); err != nil {
			return err
		}
		v := newValue(repairTime(raw))
		if !v.IsNum && !v.IsTime {
			return paramErr(name, "%s needs a number or a timestamp with a time zone, not %q", op, safe(raw))
		}
		c.Values = []Value{v}
	}
	p.q.Fields = append(p.q.Fields, c)
	return nil
}

func slicesContains(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// fieldName reads an extension field name: a full IRI
// (http://ns.example.com/epcis/myField, urn:example:myField) or a CURIE
// whose prefix ParseOptions.Namespaces may declare.
func (p *parser) fieldName(name, s string) (FieldName, error) {
	if s == "" {
		return FieldName{}, paramErr(name, "names no field")
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, " \t\r\n|") {
		return FieldName{}, paramErr(name, "the field name %q is not a URI", safe(s))
	}
	prefix, local, ok := strings.Cut(s, ":")
	if !ok || prefix == "" || local == "" || !cbv.IsURI(s) {
		return FieldName{}, paramErr(name, "%q is not the name of an extension field: use its full IRI (namespace and local name) or a declared prefix", safe(s))
	}
	if strings.HasPrefix(local, "//") || prefix == "urn" {
		return FieldName{IRI: s}, nil
	}
	if ns, ok := p.opts.Namespaces[prefix]; ok {
		return FieldName{IRI: ns + local}, nil
	}
	if ns, ok := standardPrefixes[prefix]; ok {
		return FieldName{IRI: ns + local}, nil
	}
	return FieldName{CURIE: s}, nil
}

func (p *parser) time(name, canonical string, dst *time.Time, raw string) error {
	if err := p.single(name, canonical); err != nil {
		return err
	}
	if err := p.one(name, raw); err != nil {
		return err
	}
	t, ok := parseTime(repairTime(raw))
	if !ok {
		return paramErr(name, "%q is not a timestamp with a time zone (e.g. 2024-03-01T10:00:00.000+01:00)", safe(raw))
	}
	*dst = t
	return nil
}

func (p *parser) positive(name, raw string, dst *int) error {
	if err := p.single(name, name); err != nil {
		return err
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 || raw[0] == '+' {
		return paramErr(name, "must be a positive integer, not %q", safe(raw))
	}
	*dst = n
	return nil
}

func (p *parser) cbvList(name, raw string, v cbv.Vocabulary, dst *[]string) error {
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	for _, s := range vals {
		c, err := cbv.Normalize(v, s)
		if err != nil {
			return paramErr(name, "%q is neither a standard %s value nor a URI", safe(s), v)
		}
		*dst = append(*dst, c)
	}
	return nil
}

func (p *parser) uriList(name, raw string, dst *[]string) error {
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	for _, s := range vals {
		if !cbv.IsURI(s) {
			return paramErr(name, "%q is not a URI", safe(s))
		}
	}
	*dst = append(*dst, vals...)
	return nil
}

// idList reads identifiers (locations, transformation IDs), kept in their
// canonical form. A malformed EPC URN is an error; other URIs are kept.
func (p *parser) idList(name, raw string, dst *[]string) error {
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	for _, s := range vals {
		if !cbv.IsURI(s) {
			return paramErr(name, "%q is not a URI", safe(s))
		}
		if strings.HasPrefix(s, "urn:epc:id:") || strings.HasPrefix(s, "urn:epc:class:") {
			if _, err := gs1.ParseEPC(s); err != nil {
				return paramErr(name, "%q: %v", safe(s), err)
			}
		}
		*dst = append(*dst, CanonicalID(s))
	}
	return nil
}

func (p *parser) match(name, raw string, dst *[]IDMatch) error {
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	for _, s := range vals {
		m, err := ParseIDMatch(s)
		if err != nil {
			return paramErr(name, "%v", err)
		}
		*dst = append(*dst, m)
	}
	return nil
}

// ParseIDMatch reads one value of a MATCH_ parameter: an EPC pure identity
// pattern, an EPC URN, a GS1 Digital Link or another URI.
func ParseIDMatch(s string) (IDMatch, error) {
	if !cbv.IsURI(s) {
		return IDMatch{}, &gs1.Error{Part: "identifier", Value: safe(s), Reason: "not a URI"}
	}
	switch {
	case strings.HasPrefix(s, "urn:epc:idpat:"):
		pat, err := gs1.ParsePattern(s)
		if err != nil {
			return IDMatch{}, err
		}
		return IDMatch{Raw: s, Pattern: &pat}, nil
	case strings.HasPrefix(s, "urn:epc:"):
		e, err := gs1.ParseEPC(s)
		if err != nil {
			return IDMatch{}, err
		}
		return IDMatch{Raw: s, Canonical: e.Canonical()}, nil
	}
	return IDMatch{Raw: s, Canonical: CanonicalID(s)}, nil
}

func (p *parser) typed(name, typ, raw string, v cbv.Vocabulary, dst *[]TypedCond) error {
	if typ == "" {
		return paramErr(name, "names no type")
	}
	t, err := cbv.Normalize(v, typ)
	if err != nil {
		return paramErr(name, "%q is neither a standard %s type nor a URI", safe(typ), v)
	}
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	c := TypedCond{Param: name, Type: t}
	for _, s := range vals {
		if !cbv.IsURI(s) {
			return paramErr(name, "%q is not a URI", safe(s))
		}
		c.Values = append(c.Values, CanonicalID(s))
	}
	*dst = append(*dst, c)
	return nil
}

func (p *parser) number(name, raw string, op Op, uom string) (NumberCond, error) {
	c := NumberCond{Param: name, Op: op, UOM: uom}
	var vals []string
	if op == EQ {
		var err error
		if vals, err = p.list(name, raw); err != nil {
			return c, err
		}
	} else {
		if err := p.one(name, raw); err != nil {
			return c, err
		}
		vals = []string{raw}
	}
	for _, s := range vals {
		f, ok := parseDecimal(s)
		if !ok {
			return c, paramErr(name, "%q is not a number", safe(s))
		}
		c.Values = append(c.Values, f)
	}
	return c, nil
}

func (p *parser) attr(name, rest, raw string) error {
	field, attr, err := p.splitAttr(name, rest)
	if err != nil {
		return err
	}
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	c := AttrCond{Param: name, Field: field, Attr: attr}
	for _, s := range vals {
		c.Values = append(c.Values, newValue(s))
	}
	p.q.Attrs = append(p.q.Attrs, c)
	return nil
}

// splitAttr splits "{field}_{attr}" of EQ_ATTR_: a standard field name and
// the rest, or else at the last '_' after which a URI begins (attribute
// names are URIs; field IRIs may contain '_').
func (p *parser) splitAttr(name, rest string) (AttrField, string, error) {
	if f, attr, ok := strings.Cut(rest, "_"); ok {
		if _, std := attrFields[f]; std {
			if attr == "" {
				return AttrField{}, "", paramErr(name, "names no attribute")
			}
			return AttrField{Name: f}, attr, nil
		}
	}
	for i := strings.LastIndexByte(rest, '_'); i > 0; i = strings.LastIndexByte(rest[:i], '_') {
		if attr := rest[i+1:]; cbv.IsURI(attr) {
			f, err := p.fieldName(name, rest[:i])
			if err != nil {
				continue
			}
			return AttrField{Extension: f}, attr, nil
		}
	}
	return AttrField{}, "", paramErr(name, "want EQ_ATTR_{field}_{attribute}, with field one of readPoint, bizLocation, bizStep, disposition, epcList, childEPCs, parentID, inputEPCList, outputEPCList, epcClass or an extension field IRI, and the attribute's URI")
}

func (p *parser) hasAttr(name, field, raw string) error {
	var f AttrField
	if _, std := attrFields[field]; std {
		f.Name = field
	} else {
		fn, err := p.fieldName(name, field)
		if err != nil {
			return err
		}
		f.Extension = fn
	}
	vals, err := p.list(name, raw)
	if err != nil {
		return err
	}
	p.q.HasAttrs = append(p.q.HasAttrs, HasAttrCond{Param: name, Field: f, Attrs: vals})
	return nil
}

// sensor handles the sensor parameters; handled is false for a name that
// is not one.
func (p *parser) sensor(name, raw string) (handled bool, err error) {
	s := &p.q.Sensor
	switch name {
	case "EXISTS_sensorElementList":
		if err := p.single(name, name); err != nil {
			return true, err
		}
		s.Exists = existsFlag(raw)
		return true, nil
	case "GE_time":
		return true, p.time(name, name, &s.Time.GE, raw)
	case "LT_time":
		return true, p.time(name, name, &s.Time.LT, raw)
	case "GE_startTime":
		return true, p.time(name, name, &s.StartTime.GE, raw)
	case "LT_startTime":
		return true, p.time(name, name, &s.StartTime.LT, raw)
	case "GE_endTime":
		return true, p.time(name, name, &s.EndTime.GE, raw)
	case "LT_endTime":
		return true, p.time(name, name, &s.EndTime.LT, raw)
	case "EQ_type":
		return true, p.cbvList(name, raw, cbv.MeasurementType, &s.Types)
	case "EQ_deviceID":
		return true, p.idList(name, raw, &s.DeviceIDs)
	case "EQ_dataProcessingMethod":
		return true, p.idList(name, raw, &s.DataProcessingMethods)
	case "EQ_microorganism":
		return true, p.uriList(name, raw, &s.Microorganisms)
	case "EQ_chemicalSubstance":
		return true, p.uriList(name, raw, &s.ChemicalSubstances)
	case "EQ_bizRules":
		return true, p.idList(name, raw, &s.BizRules)
	case "EQ_uriValue":
		return true, p.uriList(name, raw, &s.URIValues)
	case "EQ_stringValue":
		vals, err := p.list(name, raw)
		s.StringValues = append(s.StringValues, vals...)
		return true, err
	case "EQ_hexBinaryValue":
		vals, err := p.list(name, raw)
		if err != nil {
			return true, err
		}
		for _, h := range vals {
			if !isHex(h) {
				return true, paramErr(name, "%q is not hexadecimal", safe(h))
			}
			s.HexBinaryValues = append(s.HexBinaryValues, strings.ToUpper(h))
		}
		return true, nil
	case "EQ_booleanValue":
		if err := p.single(name, name); err != nil {
			return true, err
		}
		switch raw {
		case "true", "false":
			s.BooleanValue, s.HasBoolean = raw == "true", true
			return true, nil
		}
		return true, paramErr(name, "must be true or false, not %q", safe(raw))
	}
	opName, rest, ok := strings.Cut(name, "_")
	if !ok {
		return false, nil
	}
	var op Op
	switch opName {
	case "EQ":
		op = EQ
	case "GT":
		op = GT
	case "GE":
		op = GE
	case "LT":
		op = LT
	case "LE":
		op = LE
	default:
		return false, nil
	}
	if rest == "percRank" {
		if op == EQ {
			return false, nil
		}
		c, err := p.number(name, raw, op, "")
		s.Values = append(s.Values, SensorCond{Field: rest, NumberCond: c})
		return true, err
	}
	field, uom, ok := strings.Cut(rest, "_")
	if !ok {
		return false, nil
	}
	switch field {
	case "value":
	case "minValue", "maxValue", "meanValue", "sDev", "percValue":
		if op == EQ {
			return false, nil
		}
	default:
		return false, nil
	}
	if !isUOM(uom) {
		return true, paramErr(name, "%q is not a unit of measure code (2 to 4 upper-case letters or digits)", safe(uom))
	}
	c, err := p.number(name, raw, op, uom)
	if err != nil {
		return true, err
	}
	s.Values = append(s.Values, SensorCond{Field: field, NumberCond: c})
	return true, nil
}

func (p *parser) finish() error {
	q := p.q
	if _, ok := p.seen["orderDirection"]; !ok {
		q.Order.Desc = true
	}
	if q.EventCountLimit > 0 && q.MaxEventCount > 0 {
		return paramErr("eventCountLimit", "cannot be combined with maxEventCount")
	}
	if q.EventCountLimit > 0 && q.Order.By == "" {
		return paramErr("eventCountLimit", "needs orderBy")
	}
	if q.PerPage == 0 {
		q.PerPage = p.opts.DefaultPerPage
		if q.PerPage <= 0 {
			q.PerPage = 30
		}
	}
	if p.opts.MaxPerPage > 0 && q.PerPage > p.opts.MaxPerPage {
		q.PerPage = p.opts.MaxPerPage
	}
	return nil
}

// existsFlag reads the value of an EXISTS_ parameter. The standard ignores
// it; the REST binding types it as a boolean, so "false" and "0" turn the
// restriction off.
func existsFlag(raw string) bool {
	return raw != "false" && raw != "0"
}

// isUOM reports whether s has the form of a UN/ECE Recommendation 20 code
// as the query schema accepts it: 2 to 4 upper-case letters or digits.
func isUOM(s string) bool {
	if len(s) < 2 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// parseDecimal reads a decimal number as JSON writes it (optional '-',
// digits, optional fraction and exponent); no hex, NaN or infinity.
func parseDecimal(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == start {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == f {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		e := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == e {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

func parseTime(s string) (time.Time, bool) {
	t, err := epcis.ParseTime(s)
	return t, err == nil
}

// repairTime puts back the '+' of a time-zone offset that a form-encoded
// query turned into a space (2024-01-01T10:00:00 01:00).
func repairTime(s string) string {
	if n := len(s); n > 6 && s[n-6] == ' ' && strings.Count(s, " ") == 1 {
		return s[:n-6] + "+" + s[n-5:]
	}
	return s
}

// Vocabulary returns the master-data vocabulary type of the field, or ""
// for an extension field, whose vocabulary a query cannot know.
func (f AttrField) Vocabulary() string { return attrFields[f.Name] }
