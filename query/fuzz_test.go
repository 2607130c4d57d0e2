package query

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/lotline/lotline/epcis"
)

var fuzzSeeds = []string{
	"",
	"eventType=ObjectEvent|AggregationEvent&GE_eventTime=2024-03-01T09:00:00Z&LT_eventTime=2024-03-01T10:00:00+01:00",
	"EQ_bizStep=shipping|urn:epcglobal:cbv:bizstep:receiving&EQ_disposition=in_transit",
	"EQ_eventID=ni:///sha-256;6aca25c45463182fe3a1ebf60a6b81a165f061b58f4f3c202eb423234386b72e?ver=CBV2.0",
	"MATCH_epc=urn:epc:idpat:sgtin:4012345.011111.*|https://id.gs1.org/01/04012345111118/21/1001&MATCH_anyEPCClass=urn:epc:idpat:sgtin:4012345.*.*",
	"EQ_quantity=150|3&GT_quantity_KGM=1e2&LE_quantity=-0",
	"EQ_bizTransaction_po=urn:epcglobal:cbv:bt:4012345000009:PO-1&EQ_source_owning_party=urn:epc:id:pgln:4012345.00000",
	"EXISTS_errorDeclaration&GE_errorDeclaration_Time=2024-03-05T00:00:00Z&EQ_errorReason=incorrect_data",
	"EXISTS_sensorElementList&EQ_type=Temperature&GE_value_CEL=7&LT_maxValue_CEL=9.5&GE_percRank=50&EQ_hexBinaryValue=f0",
	"EQ_http://ns.example.com/epcis/myField=hello&GT_INNER_urn:example:ns2%23deep=41.5&EXISTS_ILMD_http://ns.example.com/epcis/x",
	"EQ_SENSORREPORT_http://ns.example.com/epcis/cv=123&EQ_readPoint_example:gate=G7&GE_example:when=2024-01-01T00:00:00Z",
	"EQ_ATTR_bizLocation_urn:epcglobal:cbv:mda%23sst=201&HASATTR_readPoint=urn:x:y",
	"orderBy=eventTime&orderDirection=ASC&eventCountLimit=5&perPage=10&nextPageToken=abc",
	"WD_readPoint=urn:epc:id:sgln:4012345.00001.0&EQ_bizLocation=https://id.gs1.org/414/4012345000016",
	"EQ_bizStep=a&EQ_bizStep=b",
	"foo=bar",
}

// FuzzParse checks that Parse never panics, that every error is a
// QueryParameterException (or QueryTooComplexException) naming a
// parameter, and that a parsed query written back with Values parses to a
// query with the same Values that matches the same events.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	evs := []*epcis.Event{mustEvent(f, baseEvent), mustEvent(f, transformationEvent), mustEvent(f, aggregationEvent)}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := ParseRawQuery(raw)
		if err != nil {
			checkErr(t, err)
			return
		}
		q, err := Parse(v, ParseOptions{})
		if err != nil {
			checkErr(t, err)
			return
		}
		w := q.Values()
		q2, err := Parse(w, ParseOptions{})
		if err != nil {
			t.Fatalf("Parse(%v) of Values of %q: %v", w, raw, err)
		}
		if w2 := q2.Values(); !reflect.DeepEqual(w, w2) {
			t.Fatalf("Values not stable for %q:\n%v\n%v", raw, w, w2)
		}
		for i, ev := range evs {
			if a, b := Match(q, ev, recordTime, testMD), Match(q2, ev, recordTime, testMD); a != b {
				t.Fatalf("%q: event %d matches %v, after Values %v (%v)", raw, i, a, b, w)
			}
		}
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var e *epcis.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *epcis.Error", err)
	}
	if e.Kind != epcis.KindQueryParameter && e.Kind != epcis.KindQueryTooComplex {
		t.Fatalf("error kind %v: %v", e.Kind, err)
	}
	if e.Param == "" && e.Message != "a parameter has no name" || !utf8.ValidString(e.Param) || !utf8.ValidString(e.Message) {
		t.Fatalf("error does not name its parameter in UTF-8: %q %q", e.Param, e.Message)
	}
}

// TestValuesRoundTrip runs the fuzz invariant over the seeds and every
// query of TestMatch.
func TestValuesRoundTrip(t *testing.T) {
	evs := []*epcis.Event{mustEvent(t, baseEvent), mustEvent(t, transformationEvent), mustEvent(t, aggregationEvent)}
	for _, raw := range fuzzSeeds {
		v, err := ParseRawQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse(v, ParseOptions{})
		if err != nil {
			continue
		}
		q2, err := Parse(q.Values(), ParseOptions{})
		if err != nil {
			t.Errorf("%q: %v", raw, err)
			continue
		}
		for i, ev := range evs {
			if Match(q, ev, recordTime, testMD) != Match(q2, ev, recordTime, testMD) {
				t.Errorf("%q: event %d matches differently after Values", raw, i)
			}
		}
	}
}
