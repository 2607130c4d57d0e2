package query

import (
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/store"
)

// Plan is a query compiled for a store: the Filter the store evaluates
// from its indexes, and whether Match must still check each candidate.
type Plan struct {
	Filter store.Filter
	// Exact is true when the Filter admits exactly the events Match would
	// accept (every restriction became terms or time ranges), so that the
	// candidates need no residual check.
	Exact bool
}

// Compile turns q into a store filter. Each restriction that index terms
// can express becomes one disjunction of terms (a necessary condition of
// the restriction, and a sufficient one for most); the rest is left to
// Match. md supplies the location hierarchies of WD_readPoint and
// WD_bizLocation and must be the master data Match is given.
func Compile(q *Query, md MasterData) Plan {
	c := compiler{exact: true}
	f := &c.filter
	f.EventTime = store.TimeRange(q.EventTime)
	f.RecordTime = store.TimeRange(q.RecordTime)

	c.values(TermType, q.EventTypes)
	c.values(TermAction, q.Actions)
	c.values(TermBizStep, q.BizSteps)
	c.values(TermDisposition, q.Dispositions)
	c.values(TermReadPoint, q.ReadPoints)
	c.values(TermBizLocation, q.BizLocations)
	c.withDescendants(TermReadPoint, VocabReadPoint, q.ReadPointsWD, md)
	c.withDescendants(TermBizLocation, VocabBusinessLocation, q.BizLocationsWD, md)
	c.values(TermTransform, q.TransformationIDs)
	c.values(TermEventID, q.EventIDs)

	c.ids(q.EPC, TermEPC)
	c.ids(q.ParentID, TermParent)
	c.ids(q.InputEPC, TermInput)
	c.ids(q.OutputEPC, TermOutput)
	c.ids(q.AnyEPC, TermEPC, TermParent, TermInput, TermOutput)
	c.ids(q.EPCClass, TermClass)
	c.ids(q.InputEPCClass, TermInClass)
	c.ids(q.OutputEPCClass, TermOutClass)
	c.ids(q.AnyEPCClass, TermClass, TermInClass, TermOutClass)

	c.typed(TermBizTransaction, q.BizTransactions)
	c.typed(TermSource, q.Sources)
	c.typed(TermDestination, q.Destinations)

	if q.ErrorDeclarationExists {
		c.and([]string{TermErrorDecl + "=1"})
	}
	if !q.ErrorDeclarationTime.IsZero() || len(q.ErrorReasons) > 0 || len(q.CorrectiveEventIDs) > 0 {
		// Only events carrying a declaration can satisfy these.
		c.and([]string{TermErrorDecl + "=1"})
		c.exact = false
	}
	for i := range q.Fields {
		c.field(&q.Fields[i])
	}

	if len(q.PersistentDispositionSet) > 0 || len(q.PersistentDispositionUnset) > 0 ||
		len(q.Quantity) > 0 || !q.Sensor.IsZero() || len(q.Attrs) > 0 || len(q.HasAttrs) > 0 {
		c.exact = false
	}
	return Plan{Filter: c.filter, Exact: c.exact}
}

type compiler struct {
	filter store.Filter
	exact  bool
}

// and adds one disjunction to the conjunction.
func (c *compiler) and(terms []string) {
	c.filter.Terms = append(c.filter.Terms, terms)
}

// values adds key=v for each value (already in matching form).
func (c *compiler) values(key string, vals []string) {
	if len(vals) == 0 {
		return
	}
	terms := make([]string, 0, len(vals))
	for _, v := range vals {
		terms = append(terms, key+"="+Compact(v))
	}
	c.and(terms)
}

func (c *compiler) withDescendants(key, vocab string, vals []string, md MasterData) {
	if len(vals) == 0 {
		return
	}
	all := make([]string, 0, len(vals))
	for _, v := range vals {
		all = append(all, v)
		if md != nil {
			for _, d := range md.Descendants(vocab, v) {
				all = append(all, CanonicalID(d))
			}
		}
	}
	c.values(key, all)
}

// ids compiles a MATCH_ restriction over the roles keys. An SGTIN pattern
// that fixes a product (urn:epc:idpat:sgtin:CP.IR.*) becomes the role
// GTIN terms of that product, which are exact: gs1.Pattern.Match accepts
// an SGTIN, LGTIN or product class with that GTIN whose company prefix
// length is the pattern's or unknown. Any other pattern cannot be
// expressed, and the restriction is left to Match.
func (c *compiler) ids(ms []IDMatch, keys ...string) {
	if len(ms) == 0 {
		return
	}
	var terms []string
	for _, m := range ms {
		if m.Pattern == nil {
			for _, k := range keys {
				terms = append(terms, k+"="+Compact(m.Canonical))
			}
			continue
		}
		class, ok := m.Pattern.Class()
		if !ok || m.Pattern.Scheme() != gs1.SGTIN || class.GTIN() == "" {
			c.exact = false
			return
		}
		for _, k := range keys {
			terms = append(terms,
				k+TermRoleGTIN+"="+roleGTINValue(class.GTIN(), len(m.Pattern.CompanyPrefix())),
				k+TermRoleGTIN+"="+roleGTINValue(class.GTIN(), 0))
		}
	}
	c.and(terms)
}

func (c *compiler) typed(prefix string, conds []TypedCond) {
	for _, tc := range conds {
		terms := make([]string, 0, len(tc.Values))
		for _, v := range tc.Values {
			terms = append(terms, prefix+Compact(tc.Type)+"="+Compact(v))
		}
		c.and(terms)
	}
}

// field compiles an extension-field restriction on the event or its
// ilmd; other scopes are left to Match. EQ_ and EXISTS_ are exact: a
// field's terms hold each reading equalValue makes of its scalar values
// (text, number, instant) and whether it exists, under every IRI keyIs
// accepts for its key. The comparisons only need the field to exist.
func (c *compiler) field(fc *FieldCond) {
	var valKey, existsKey string
	switch fc.Scope {
	case ScopeEvent:
		valKey, existsKey = TermField, TermFieldExists
	case ScopeILMD:
		valKey, existsKey = TermILMDField, TermILMDExists
	default:
		c.exact = false
		return
	}
	if fc.Field.IRI == "" {
		c.exact = false // a CURIE with an undeclared prefix matches by spelling
		return
	}
	switch fc.Op {
	case EXISTS:
		c.and([]string{existsKey + fc.Field.IRI})
		return
	case EQ:
	default:
		c.and([]string{existsKey + fc.Field.IRI})
		c.exact = false
		return
	}
	var terms []string
	for _, pv := range fc.Values {
		ts, ok := valueTerms(valKey+fc.Field.IRI+"=", pv)
		if !ok {
			c.exact = false
			return
		}
		terms = append(terms, ts...)
	}
	c.and(terms)
}
