package query

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		query string
		param string // the parameter the error must name
		kind  epcis.Kind
	}{
		{"foo=1", "foo", epcis.KindQueryParameter},
		{"EQ_bizStep=", "EQ_bizStep", epcis.KindQueryParameter},
		{"EQ_bizStep=shipping||receiving", "EQ_bizStep", epcis.KindQueryParameter},
		{"EQ_bizStep=not_a_step", "EQ_bizStep", epcis.KindQueryParameter},
		{"EQ_disposition=nope", "EQ_disposition", epcis.KindQueryParameter},
		{"EQ_errorReason=bad_reason", "EQ_errorReason", epcis.KindQueryParameter},
		{"EQ_action=UPDATE", "EQ_action", epcis.KindQueryParameter},
		{"eventType=QuantityEventX", "eventType", epcis.KindQueryParameter},
		{"GE_eventTime=yesterday", "GE_eventTime", epcis.KindQueryParameter},
		{"GE_eventTime=2024-01-01T00:00:00", "GE_eventTime", epcis.KindQueryParameter}, // no zone
		{"GE_eventTime=2024-01-01T00:00:00Z&GE_eventTime=2024-01-02T00:00:00Z", "GE_eventTime", epcis.KindQueryParameter},
		{"GE_errorDeclarationTime=2024-01-01T00:00:00Z&GE_errorDeclaration_Time=2024-01-01T00:00:00Z", "GE_errorDeclaration_Time", epcis.KindQueryParameter},
		{"LT_recordTime=2024-13-01T00:00:00Z", "LT_recordTime", epcis.KindQueryParameter},
		{"MATCH_epc=urn:epc:id:sgtin:4012345.011111", "MATCH_epc", epcis.KindQueryParameter},
		{"MATCH_epc=urn:epc:idpat:sgtin:4012345.*.1", "MATCH_epc", epcis.KindQueryParameter},
		{"MATCH_epcClass=not a uri", "MATCH_epcClass", epcis.KindQueryParameter},
		{"EQ_readPoint=urn:epc:id:sgln:4012345.00001", "EQ_readPoint", epcis.KindQueryParameter},
		{"EQ_readPoint=plain", "EQ_readPoint", epcis.KindQueryParameter},
		{"EQ_eventID=abc", "EQ_eventID", epcis.KindQueryParameter},
		{"EQ_quantity=ten", "EQ_quantity", epcis.KindQueryParameter},
		{"GT_quantity=1|2", "GT_quantity", epcis.KindQueryParameter},
		{"GT_quantity=NaN", "GT_quantity", epcis.KindQueryParameter},
		{"GT_quantity=0x10", "GT_quantity", epcis.KindQueryParameter},
		{"EQ_quantity_kg=1", "EQ_quantity_kg", epcis.KindQueryParameter},
		{"EXISTS_quantity=1", "EXISTS_quantity", epcis.KindQueryParameter},
		{"GE_value_CELSIUS=1", "GE_value_CELSIUS", epcis.KindQueryParameter},
		{"GE_value_CEL=warm", "GE_value_CEL", epcis.KindQueryParameter},
		{"EQ_minValue_CEL=1", "EQ_minValue_CEL", epcis.KindQueryParameter},
		{"EQ_percRank=1", "EQ_percRank", epcis.KindQueryParameter},
		{"EQ_booleanValue=yes", "EQ_booleanValue", epcis.KindQueryParameter},
		{"EQ_hexBinaryValue=xyz", "EQ_hexBinaryValue", epcis.KindQueryParameter},
		{"EQ_type=NotAMeasurement", "EQ_type", epcis.KindQueryParameter},
		{"EQ_bizTransaction_=urn:x:1", "EQ_bizTransaction_", epcis.KindQueryParameter},
		{"EQ_bizTransaction_nonsense=urn:x:1", "EQ_bizTransaction_nonsense", epcis.KindQueryParameter},
		{"EQ_bizTransaction_po=not a uri", "EQ_bizTransaction_po", epcis.KindQueryParameter},
		{"EQ_source_owning_party=x", "EQ_source_owning_party", epcis.KindQueryParameter},
		{"EQ_myField=1", "EQ_myField", epcis.KindQueryParameter},
		{"GT_http://ns.example.com/f=abc", "GT_http://ns.example.com/f", epcis.KindQueryParameter},
		{"GT_readPoint_http://ns.example.com/f=1", "GT_readPoint_http://ns.example.com/f", epcis.KindQueryParameter},
		{"EXISTS_INNER_SENSORREPORT_http://ns.example.com/f", "EXISTS_INNER_SENSORREPORT_http://ns.example.com/f", epcis.KindQueryParameter},
		{"EQ_ATTR_nothing=1", "EQ_ATTR_nothing", epcis.KindQueryParameter},
		{"EQ_ATTR_bizLocation_=1", "EQ_ATTR_bizLocation_", epcis.KindQueryParameter},
		{"HASATTR_bizLocation=", "HASATTR_bizLocation", epcis.KindQueryParameter},
		{"WD_bizStep=shipping", "WD_bizStep", epcis.KindQueryParameter},
		{"orderBy=quantity", "orderBy", epcis.KindQueryParameter},
		{"orderDirection=UP", "orderDirection", epcis.KindQueryParameter},
		{"eventCountLimit=5", "eventCountLimit", epcis.KindQueryParameter}, // needs orderBy
		{"orderBy=eventTime&eventCountLimit=5&maxEventCount=5", "eventCountLimit", epcis.KindQueryParameter},
		{"maxEventCount=-1", "maxEventCount", epcis.KindQueryParameter},
		{"perPage=0", "perPage", epcis.KindQueryParameter},
		{"perPage=abc", "perPage", epcis.KindQueryParameter},
		{"nextPageToken=", "nextPageToken", epcis.KindQueryParameter},
		{"EQ_stringValue=a|" + strings.Repeat("x|", 1000) + "b", "EQ_stringValue", epcis.KindQueryTooComplex},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatalf("bad test query %q: %v", tt.query, err)
		}
		_, err = Parse(v, ParseOptions{})
		var e *epcis.Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want an *epcis.Error", tt.query, err)
			continue
		}
		if e.Kind != tt.kind || e.Param != tt.param {
			t.Errorf("Parse(%q): kind %v param %q (%v), want kind %v param %q", tt.query, e.Kind, e.Param, err, tt.kind, tt.param)
		}
		if e.Kind.Status() != 400 && tt.kind == epcis.KindQueryParameter {
			t.Errorf("Parse(%q): status %d", tt.query, e.Kind.Status())
		}
	}
}

func TestParseBothSpellings(t *testing.T) {
	for _, pair := range [][2]string{
		{"GE_errorDeclarationTime", "GE_errorDeclaration_Time"},
		{"LT_errorDeclarationTime", "LT_errorDeclaration_Time"},
	} {
		a, err := Parse(url.Values{pair[0]: {"2024-01-01T00:00:00Z"}}, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Parse(url.Values{pair[1]: {"2024-01-01T00:00:00Z"}}, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) || a.ErrorDeclarationTime.IsZero() {
			t.Errorf("%s and %s parse differently: %+v %+v", pair[0], pair[1], a, b)
		}
	}
}

func TestParseValues(t *testing.T) {
	q, err := Parse(url.Values{
		"EQ_bizStep":              {"shipping|urn:epcglobal:cbv:bizstep:receiving|urn:example:step"},
		"EQ_readPoint":            {"urn:epc:id:sgln:4012345.00001.0"},
		"MATCH_epc":               {"urn:epc:idpat:sgtin:4012345.011111.*|https://id.gs1.org/01/04012345111118/21/1"},
		"GE_eventTime":            {"2024-01-01T00:00:00 01:00"}, // '+' lost to form decoding
		"EQ_quantity_KGM":         {"1|2.5"},
		"EQ_bizTransaction_po":    {"urn:epcglobal:cbv:bt:4012345000009:PO1"},
		"orderBy":                 {"http://ns.example.com/epcis/rank"},
		"perPage":                 {"500"},
		"EXISTS_errorDeclaration": {""},
		"GS1-EPC-Format":          {"Always_GS1_Digital_Link"},
	}, ParseOptions{MaxPerPage: 100, Ignore: []string{"GS1-EPC-Format"}})
	if err != nil {
		t.Fatal(err)
	}
	wantSteps := []string{"https://ref.gs1.org/cbv/BizStep-shipping", "https://ref.gs1.org/cbv/BizStep-receiving", "urn:example:step"}
	if !reflect.DeepEqual(q.BizSteps, wantSteps) {
		t.Errorf("BizSteps = %q", q.BizSteps)
	}
	if !reflect.DeepEqual(q.ReadPoints, []string{"https://id.gs1.org/414/4012345000016"}) {
		t.Errorf("ReadPoints = %q", q.ReadPoints)
	}
	if len(q.EPC) != 2 || q.EPC[0].Pattern == nil || q.EPC[1].Canonical != "https://id.gs1.org/01/04012345111118/21/1" {
		t.Errorf("EPC = %+v", q.EPC)
	}
	if want := time.Date(2023, 12, 31, 23, 0, 0, 0, time.UTC); !q.EventTime.GE.Equal(want) {
		t.Errorf("EventTime.GE = %v", q.EventTime.GE)
	}
	if len(q.Quantity) != 1 || q.Quantity[0].UOM != "KGM" || !reflect.DeepEqual(q.Quantity[0].Values, []float64{1, 2.5}) {
		t.Errorf("Quantity = %+v", q.Quantity)
	}
	if len(q.BizTransactions) != 1 || q.BizTransactions[0].Type != "https://ref.gs1.org/cbv/BTT-po" {
		t.Errorf("BizTransactions = %+v", q.BizTransactions)
	}
	if q.Order.By != "http://ns.example.com/epcis/rank" || q.Order.Field.IRI != q.Order.By || !q.Order.Desc {
		t.Errorf("Order = %+v", q.Order)
	}
	if q.PerPage != 100 {
		t.Errorf("PerPage = %d, want the cap 100", q.PerPage)
	}
	if !q.ErrorDeclarationExists {
		t.Error("EXISTS_errorDeclaration with no value is not set")
	}
}

func TestParseDefaults(t *testing.T) {
	q, err := Parse(url.Values{}, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if q.PerPage != 30 || !q.Order.Desc || q.Order.By != "" || q.EventCountLimit != 0 {
		t.Errorf("defaults: %+v", q)
	}
	q, _ = Parse(url.Values{"orderBy": {"recordTime"}, "orderDirection": {"ASC"}, "eventCountLimit": {"3"}}, ParseOptions{DefaultPerPage: 7})
	if q.PerPage != 7 || q.Order.Desc || q.Order.By != "recordTime" || q.EventCountLimit != 3 {
		t.Errorf("ASC: %+v", q)
	}
}

func TestParseAttrSplit(t *testing.T) {
	tests := []struct {
		name, field, ext, attr string
	}{
		{"EQ_ATTR_bizLocation_urn:epcglobal:cbv:mda#sst", "bizLocation", "", "urn:epcglobal:cbv:mda#sst"},
		{"EQ_ATTR_readPoint_sst", "readPoint", "", "sst"},
		{"EQ_ATTR_http://ns.example.com/my_field_urn:example:site_name", "", "http://ns.example.com/my_field", "urn:example:site_name"},
		{"EQ_ATTR_urn:example:f_https://example.com/attr", "", "urn:example:f", "https://example.com/attr"},
	}
	for _, tt := range tests {
		q, err := Parse(url.Values{tt.name: {"x"}}, ParseOptions{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		a := q.Attrs[0]
		if a.Field.Name != tt.field || a.Field.Extension.IRI != tt.ext || a.Attr != tt.attr {
			t.Errorf("%s: field %q ext %q attr %q", tt.name, a.Field.Name, a.Field.Extension.IRI, a.Attr)
		}
	}
}

func TestParseRawQuery(t *testing.T) {
	v, err := ParseRawQuery("EQ_eventID=ni:///sha-256;abc?ver=CBV2.0&&eventType=ObjectEvent%7CAggregationEvent&GE_eventTime=2024-01-01T00:00:00+01:00")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"EQ_eventID":   {"ni:///sha-256;abc?ver=CBV2.0"},
		"eventType":    {"ObjectEvent|AggregationEvent"},
		"GE_eventTime": {"2024-01-01T00:00:00 01:00"},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("ParseRawQuery = %v", v)
	}
	if _, err := ParseRawQuery("a=%zz"); epcis.KindOf(err) != epcis.KindQueryParameter {
		t.Errorf("bad escape: %v", err)
	}
}

// TestParseAllStandardNames parses every GET /events query parameter of the
// OpenAPI and every property and pattern family of the query schema, with a
// value of the type they declare.
func TestParseAllStandardNames(t *testing.T) {
	names := standardNames(t)
	t.Logf("%d parameter names", len(names))
	for _, name := range names {
		v := url.Values{name.param: {name.value}}
		if name.param == "eventCountLimit" {
			v.Set("orderBy", "eventTime") // the standard requires it
		}
		if _, err := Parse(v, ParseOptions{}); err != nil {
			t.Errorf("%s (%s): Parse(%s=%s): %v", name.source, name.param, name.param, name.value, err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	v := url.Values{
		"eventType":                              {"ObjectEvent|AggregationEvent"},
		"GE_eventTime":                           {"2024-01-01T00:00:00Z"},
		"EQ_bizStep":                             {"shipping|receiving"},
		"MATCH_epc":                              {"urn:epc:idpat:sgtin:4012345.011111.*|https://id.gs1.org/01/04012345111118/21/1"},
		"EQ_bizTransaction_po":                   {"urn:epcglobal:cbv:bt:4012345000009:PO1"},
		"GE_value_CEL":                           {"8"},
		"EQ_http://ns.example.com/epcis/myField": {"hello"},
		"perPage":                                {"100"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(v, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
