package query

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// filterHolds evaluates a store filter on an event as a store would: from
// its index terms and times.
func filterHolds(f store.Filter, terms []string, ev *epcis.Event, recordTime time.Time) bool {
	in := func(r store.TimeRange, t time.Time) bool {
		return (r.GE.IsZero() || !t.Before(r.GE)) && (r.LT.IsZero() || t.Before(r.LT))
	}
	if !in(f.EventTime, ev.EventTime) || !in(f.RecordTime, recordTime) {
		return false
	}
	for _, any := range f.Terms {
		ok := false
		for _, t := range any {
			if _, found := slices.BinarySearch(terms, t); found {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// checkPlan checks the contract of Compile on one event: the filter never
// drops an event Match accepts, and an exact filter admits no other.
func checkPlan(t *testing.T, label string, q *Query, ev *epcis.Event, md MasterData) (exact bool) {
	t.Helper()
	p := Compile(q, md)
	holds := filterHolds(p.Filter, Terms(ev), ev, recordTime)
	match := Match(q, ev, recordTime, md)
	if match && !holds {
		t.Errorf("%s: the filter %q drops an event Match accepts (terms %q)", label, p.Filter.Terms, Terms(ev))
	}
	if p.Exact && holds && !match {
		t.Errorf("%s: the exact filter %q admits an event Match rejects", label, p.Filter.Terms)
	}
	return p.Exact
}

func TestCompileAgreesWithMatch(t *testing.T) {
	evs := map[string]*epcis.Event{}
	for name, src := range matchEvents {
		evs[name] = mustEvent(t, src)
	}
	exact := 0
	for _, tt := range matchTests {
		q := mustQuery(t, tt.query, ParseOptions{})
		for name, ev := range evs {
			if checkPlan(t, tt.query+" on "+name, q, ev, testMD) {
				exact++
			}
		}
	}
	if exact < 100 {
		t.Errorf("only %d exact plans: the test no longer exercises exact filters", exact)
	}
}

// TestCompileOnGS1Examples checks the same on every event of the GS1
// examples with queries written from the event's own values, and with
// each query's identifiers also in the other syntax.
func TestCompileOnGS1Examples(t *testing.T) {
	n := 0
	for _, e := range exampleEvents(t) {
		// Capture merges the document's prefixes into the event, as
		// exampleEvents does; the terms are computed from that form.
		for _, v := range selfQueries(e.ev) {
			q, err := Parse(v, ParseOptions{})
			if err != nil {
				continue
			}
			checkPlan(t, e.file+" "+v.Encode(), q, e.ev, nil)
			n++
		}
	}
	t.Logf("%d self-queries", n)
}

func TestCompileExactness(t *testing.T) {
	tests := []struct {
		query string
		exact bool
		terms int // number of disjunctions
	}{
		{"", true, 0},
		{"eventType=ObjectEvent&EQ_bizStep=shipping", true, 2},
		{"GE_eventTime=2024-01-01T00:00:00Z", true, 0},
		{"EQ_eventID=urn:uuid:2d9b3c4e-0000-4000-8000-000000000001", true, 1},
		{"MATCH_anyEPC=urn:epc:id:sgtin:4012345.011111.1001", true, 1},
		{"MATCH_epc=urn:epc:idpat:sgtin:4012345.011111.*", true, 1},          // the GTIN term
		{"MATCH_epc=urn:epc:idpat:sgtin:4012345.*.*", false, 0},              // no term for a company prefix
		{"EQ_bizTransaction_po=urn:x:1&EQ_source_location=urn:x:2", true, 2}, // type and value in one term
		{"WD_bizLocation=urn:epc:id:sgln:4012345.00001.0", true, 1},
		{"EQ_quantity=5", false, 0},
		{"EXISTS_errorDeclaration", true, 1},
		{"EQ_errorReason=incorrect_data", false, 1},
		{"EQ_http://ns.example.com/epcis/count=12", true, 1},
		{"EXISTS_ILMD_http://ns.example.com/epcis/count", true, 1},
		{"GT_http://ns.example.com/epcis/count=12", false, 1},
		{"EQ_INNER_http://ns.example.com/epcis/count=12", false, 0},
		{"EQ_type=Temperature", false, 0},
		{"HASATTR_bizLocation=urn:x:name", false, 0},
	}
	for _, tt := range tests {
		p := Compile(mustQuery(t, tt.query, ParseOptions{}), testMD)
		if p.Exact != tt.exact || len(p.Filter.Terms) != tt.terms {
			t.Errorf("%s: Exact %v with %d disjunctions %q, want %v with %d", tt.query, p.Exact, len(p.Filter.Terms), p.Filter.Terms, tt.exact, tt.terms)
		}
	}
}

func TestCompileWithDescendants(t *testing.T) {
	p := Compile(mustQuery(t, "WD_readPoint=urn:epc:id:sgln:4012345.00001.0", ParseOptions{}), testMD)
	got := strings.Join(p.Filter.Terms[0], " ")
	for _, want := range []string{"rp=~414/4012345000016", "rp=~414/4012345000016/254/dock", "rp=~414/4012345000016/254/door1"} {
		if !strings.Contains(got+" ", want+" ") {
			t.Errorf("WD_readPoint terms %q lack %q", got, want)
		}
	}
}

func TestFieldTerms(t *testing.T) {
	ev := mustEvent(t, `{
		"@context": [{"ex": "http://ns.example.com/epcis/", "old": "urn:example:ns1"}],
		"type": "ObjectEvent", "eventTime": "2024-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00",
		"action": "ADD", "epcList": [],
		"ex:text": "hello", "ex:num": 12.50, "ex:numText": "7", "ex:when": "2024-02-01T01:00:00+01:00",
		"ex:flag": true, "ex:tags": ["a", {"@value": "b"}], "ex:empty": "", "ex:obj": {"ex:inner": 1},
		"old:hash": "x", "http://full.example.com/k": "v", "unknown:f": "dropped",
		"ilmd": {"ex:lot": "L1"}
	}`)
	terms := Terms(ev)
	want := []string{
		"f:http://ns.example.com/epcis/text=shello",
		"fx:http://ns.example.com/epcis/text",
		"f:http://ns.example.com/epcis/num=n12.5",
		"f:http://ns.example.com/epcis/numText=s7",
		"f:http://ns.example.com/epcis/numText=n7",
		"f:http://ns.example.com/epcis/when=d2024-02-01T00:00:00Z",
		"f:http://ns.example.com/epcis/flag=strue",
		"f:http://ns.example.com/epcis/tags=sa",
		"f:http://ns.example.com/epcis/tags=sb",
		"fx:http://ns.example.com/epcis/obj",
		"f:urn:example:ns1hash=sx",
		"f:urn:example:ns1#hash=sx",
		"f:http://full.example.com/k=sv",
		"fi:http://ns.example.com/epcis/lot=sL1",
		"fix:http://ns.example.com/epcis/lot",
	}
	for _, w := range want {
		if _, ok := slices.BinarySearch(terms, w); !ok {
			t.Errorf("terms lack %q", w)
		}
	}
	for _, absent := range []string{"fx:http://ns.example.com/epcis/empty", "f:http://ns.example.com/epcis/inner=n1"} {
		if _, ok := slices.BinarySearch(terms, absent); ok {
			t.Errorf("terms have %q", absent)
		}
	}
	for _, term := range terms {
		if strings.Contains(term, "unknown") || strings.Contains(term, "dropped") {
			t.Errorf("a field with an undeclared prefix yields the term %q", term)
		}
	}
}

func TestValues(t *testing.T) {
	ev := mustEvent(t, aggregationEvent)
	got := map[string]bool{}
	for _, v := range Values(ev) {
		got[string(v.Kind)+" "+v.Value] = true
	}
	for _, w := range []string{
		"eventType AggregationEvent",
		"epc " + CanonicalID("urn:epc:id:sscc:4012345.0000000001"),
		"epc " + CanonicalID("urn:epc:id:sgtin:4012345.011111.2001"),
		"epc " + CanonicalID("urn:epc:class:lgtin:4012345.011111.LOT8"),
		"lot " + CanonicalID("urn:epc:class:lgtin:4012345.011111.LOT8"),
	} {
		if !got[w] {
			t.Errorf("Values lack %q; have %v", w, got)
		}
	}
}

// TestValuesLots: the lots an event names by class, and those its ILMD
// gives its serialised units (either name of cbvmda:lotNumber), are
// listed under ValueLot; a GTIN class or an SGTIN is not a lot.
func TestValuesLots(t *testing.T) {
	tests := []struct {
		name, event string
		want        []string
	}{
		{"ilmd", `{"type":"ObjectEvent","action":"ADD","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",
			"@context":[{"cbvmda":"urn:epcglobal:cbv:mda:"}],
			"epcList":["urn:epc:id:sgtin:4012345.011111.1","https://id.gs1.org/01/04012345222227/21/9"],
			"ilmd":{"cbvmda:lotNumber":"L7"}}`,
			[]string{LotClass("04012345111118", "L7"), LotClass("04012345222227", "L7")}},
		{"1.x ilmd name", `{"type":"ObjectEvent","action":"ADD","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",
			"epcList":["urn:epc:id:sgtin:4012345.011111.1"],"ilmd":{"urn:epcglobal:cbv:mda#lotNumber":"L8"}}`,
			[]string{LotClass("04012345111118", "L8")}},
		{"classes", `{"type":"TransformationEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",
			"inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.IN","quantity":1},
				{"epcClass":"urn:epc:idpat:sgtin:4012345.022222.*","quantity":2}],
			"outputQuantityList":[{"epcClass":"https://id.gs1.org/01/04012345333336/10/OUT%2F1","quantity":1}]}`,
			[]string{LotClass("04012345111118", "IN"), LotClass("04012345333336", "OUT/1")}},
		{"no lot", `{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",
			"epcList":["urn:epc:id:sgtin:4012345.011111.1"]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range Values(mustEvent(t, tt.event)) {
				if v.Kind == store.ValueLot {
					got = append(got, v.Value)
				}
			}
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Errorf("lots = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStoredMasterData(t *testing.T) {
	const site, dock, door = "urn:epc:id:sgln:4012345.00001.0", "urn:epc:id:sgln:4012345.00001.dock", "https://id.gs1.org/414/4012345000016/254/door1"
	md := NewMasterData([]store.VocabularyElement{
		{Type: VocabBusinessLocation, ID: site, Children: []string{dock}, HasChildren: true,
			Attributes: []store.Attribute{{ID: "urn:epcglobal:cbv:mda#sst", Value: []byte(`"201"`)}, {ID: "urn:x:list", Value: []byte(`["a", 2]`)}}},
		// The dock is written as a Digital Link here and the door lists the site: a cycle.
		{Type: VocabBusinessLocation, ID: CanonicalID(dock), Children: []string{door}, HasChildren: true},
		{Type: VocabBusinessLocation, ID: door, Children: []string{site}, HasChildren: true},
		{Type: VocabBusinessStep, ID: "urn:epcglobal:cbv:bizstep:shipping", Attributes: []store.Attribute{{ID: "urn:x:phase", Value: []byte(`"out"`)}}},
	})
	if got := md.Descendants(VocabBusinessLocation, CanonicalID(site)); len(got) != 2 {
		t.Errorf("Descendants(site) = %q, want the dock and the door once each", got)
	}
	if got := md.Descendants(VocabReadPoint, site); got != nil {
		t.Errorf("Descendants in another vocabulary = %q", got)
	}
	if v, ok := md.Attr(VocabBusinessLocation, CanonicalID(site), "urn:epcglobal:cbv:mda#sst"); !ok || !slices.Equal(v, []string{"201"}) {
		t.Errorf("Attr sst = %q, %v", v, ok)
	}
	if v, ok := md.Attr(VocabBusinessLocation, CanonicalID(site), "urn:x:list"); !ok || !slices.Equal(v, []string{"a", "2"}) {
		t.Errorf("Attr list = %q, %v", v, ok)
	}
	q := mustQuery(t, "EQ_ATTR_bizStep_urn:x:phase=out", ParseOptions{})
	if !Match(q, mustEvent(t, baseEvent), recordTime, md) {
		t.Error("EQ_ATTR_bizStep over stored master data does not match the shipping event")
	}
	if _, ok := md.Attr(VocabBusinessLocation, site, "urn:x:absent"); ok {
		t.Error("an absent attribute is found")
	}
}

// TestCompileClassPatternPrefixLength checks the corner of SGTIN class
// patterns that the role GTIN terms encode: the same GTIN digits split
// at another company prefix length match a Digital Link (whose split is
// unknown) but not a URN written with the other split.
func TestCompileClassPatternPrefixLength(t *testing.T) {
	evURN := mustEvent(t, `{"type": "ObjectEvent", "eventTime": "2024-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00",
		"action": "OBSERVE", "epcList": ["urn:epc:id:sgtin:4012345.011111.1"]}`)
	evDL := mustEvent(t, `{"type": "ObjectEvent", "eventTime": "2024-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00",
		"action": "OBSERVE", "epcList": ["https://id.gs1.org/01/04012345111118/21/1"],
		"quantityList": [{"epcClass": "urn:epc:idpat:sgtin:4012345.011111.*", "quantity": 2}]}`)
	tests := []struct {
		query   string
		urn, dl bool
	}{
		{"MATCH_epc=urn:epc:idpat:sgtin:4012345.011111.*", true, true},
		{"MATCH_epc=urn:epc:idpat:sgtin:401234.0511111.*", false, true},
		{"MATCH_anyEPC=urn:epc:idpat:sgtin:4012345.011111.*", true, true},
		{"MATCH_epcClass=urn:epc:idpat:sgtin:4012345.011111.*", false, true}, // a class written as a pattern
		{"MATCH_epcClass=urn:epc:idpat:sgtin:401234.0511111.*", false, false},
		{"MATCH_epc=urn:epc:idpat:sgtin:4012345.011112.*", false, false},
	}
	for _, tt := range tests {
		q := mustQuery(t, tt.query, ParseOptions{})
		if !checkPlan(t, tt.query, q, evURN, nil) {
			t.Errorf("%s: not an exact plan", tt.query)
		}
		checkPlan(t, tt.query, q, evDL, nil)
		if Match(q, evURN, recordTime, nil) != tt.urn || Match(q, evDL, recordTime, nil) != tt.dl {
			t.Errorf("%s: Match gives URN %v, DL %v; want %v, %v", tt.query,
				Match(q, evURN, recordTime, nil), Match(q, evDL, recordTime, nil), tt.urn, tt.dl)
		}
	}
}

// TestStandardContextPrefixes checks that a field named with a prefix of
// the EPCIS 2.0 context (cbvmda:, undeclared by the event) is found by
// its IRI, by Match and by the compiled filter alike.
func TestStandardContextPrefixes(t *testing.T) {
	ev := mustEvent(t, `{"type": "ObjectEvent", "eventTime": "2024-03-01T09:00:00Z", "eventTimeZoneOffset": "+00:00",
		"action": "ADD", "epcList": ["urn:epc:id:sgtin:4012345.011111.1"], "ilmd": {"cbvmda:lotNumber": "L1"}}`)
	for _, tt := range []struct {
		query string
		match bool
	}{
		{"EQ_ILMD_urn:epcglobal:cbv:mda:lotNumber=L1", true},
		{"EQ_ILMD_urn:epcglobal:cbv:mda:lotNumber=L2", false},
		{"EXISTS_ILMD_urn:epcglobal:cbv:mda:lotNumber", true},
	} {
		q := mustQuery(t, tt.query, ParseOptions{})
		checkPlan(t, tt.query, q, ev, nil)
		if got := Match(q, ev, recordTime, nil); got != tt.match {
			t.Errorf("%s: Match = %v, want %v", tt.query, got, tt.match)
		}
	}
}
