package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query/querytest"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
)

// TestQueryDocumentKeepsNumbers guards against numbers altered on the way
// out: a float64 round trip turns 12345678901234567890 into
// 12345678901234567000 and 1.10 into 1.1.
func TestQueryDocumentKeepsNumbers(t *testing.T) {
	body := `{"@context":[{"ex":"https://ex.example.com/"}],"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"-05:30","ex:big":12345678901234567890,"ex:dec":1.10}`
	ev := &store.Event{EventID: "e", RecordTime: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Body: []byte(body)}
	doc, err := queryDocument([]*store.Event{ev}, time.Now(), &epcis.Translator{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ex:big":12345678901234567890`, `"ex:dec":1.10`, `"eventTimeZoneOffset":"-05:30"`, `"recordTime":"2024-01-02T00:00:00.000Z"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s: %s", want, out)
		}
	}
}

// TestRawOutputEqualsDecodedOutput holds the copying writer of answers to
// the decoding one on generated events (all five types, extension fields,
// one prefix bound to different namespaces in different documents), page
// by page of 1 to 40 events.
func TestRawOutputEqualsDecodedOutput(t *testing.T) {
	cs := capture.New(nil, schemas.MustCompile(), capture.Config{}, nil, capture.Hooks{})
	var evs []*store.Event
	for _, d := range querytest.New(7).Documents(200) {
		p, err := cs.Prepare(d.Doc, capture.Rollback, "p")
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, p.Events()...)
	}
	for i, e := range evs {
		e.RecordTime = time.Date(2024, 1, 1, 0, 0, 0, i*1000, time.FixedZone("", 3600))
	}
	now := time.Now()
	decode := func(b []byte) any {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return v
	}
	pages, conflicts := 0, 0
	formats := []epcis.Translator{{}, {EPC: epcis.AlwaysDigitalLink}, {EPC: epcis.AlwaysEPCURN, CBV: epcis.CBVAlwaysURN},
		{EPC: epcis.NeverTranslates, CBV: epcis.CBVAlwaysWebURI}}
	for start, size := 0, 1; start < len(evs); start, size = start+size, size%40+1 {
		page := evs[start:min(start+size, len(evs))]
		for _, f := range formats {
			ref, fast := f, f
			doc, err := queryDocument(page, now, &ref)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendQueryDocument(nil, page, now, &fast)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(decode(got), decode(want)) {
				t.Fatalf("%+v: page at %d of %d events differs:\n got %s\nwant %s", f, start, len(page), got, want)
			}
			if fast.Untranslated != ref.Untranslated {
				t.Errorf("%+v: %d untranslated, want %d", f, fast.Untranslated, ref.Untranslated)
			}
			if f.EPC == "" && bytes.Contains(got, []byte(`{"@context":[{`)) {
				conflicts++ // events kept their own @context
			}
		}
		pages++
	}
	if conflicts == 0 {
		t.Error("no page had a prefix conflict: the test no longer covers events keeping their @context")
	}
	t.Logf("%d events, %d pages, %d with prefix conflicts", len(evs), pages, conflicts)
}

func TestSplitContext(t *testing.T) {
	tests := []struct {
		body, ctx, rest string
		bad             bool
	}{
		{`{"@context":[{"a":"b"}],"type":"X"}`, `[{"a":"b"}]`, `,"type":"X"}`, false},
		{`{"@context":"s"}`, `"s"`, `}`, false},
		{`{"type":"X"}`, ``, `"type":"X"}`, false},
		{`{}`, ``, `}`, false},
		{`{"@context":[1,}`, ``, ``, true},
		{`[]`, ``, ``, true},
		{`{"@context":1 2}`, ``, ``, true},
	}
	for _, tt := range tests {
		ctx, rest, err := splitContext([]byte(tt.body))
		if (err != nil) != tt.bad || string(ctx) != tt.ctx || string(rest) != tt.rest {
			t.Errorf("splitContext(%s) = %s, %s, %v", tt.body, ctx, rest, err)
		}
	}
}

// queryDocument is the reference for appendQueryDocument: it wraps stored events in an EPCISQueryDocument, translated
// by tr. Each stored
// event carries the namespace prefixes of the document it came from in its
// own @context; they are hoisted into the document's @context (a prefix
// bound to two namespaces stays on the events that use it).
func queryDocument(evs []*store.Event, now time.Time, tr *epcis.Translator) (map[string]any, error) {
	list := make([]any, 0, len(evs))
	ns := map[string]string{}
	conflict := map[string]bool{}
	decoded := make([]map[string]any, 0, len(evs))
	for _, e := range evs {
		// UseNumber keeps numbers as captured (large integers, 1.10).
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(e.Body))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return nil, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		for k, v := range epcis.Namespaces(m["@context"]) {
			if old, ok := ns[k]; ok && old != v {
				conflict[k] = true
			}
			ns[k] = v
		}
		m["recordTime"] = e.RecordTime.Format("2006-01-02T15:04:05.000Z07:00")
		tr.Event(m)
		decoded = append(decoded, m)
	}
	for k := range conflict {
		delete(ns, k)
	}
	for _, m := range decoded {
		if len(conflict) == 0 {
			delete(m, "@context")
		}
		list = append(list, m)
	}
	ctx := []any{epcis.StandardContext}
	if len(ns) > 0 {
		obj := map[string]any{}
		for k, v := range maps.All(ns) {
			obj[k] = v
		}
		ctx = append(ctx, obj)
	}
	return map[string]any{
		"@context":      ctx,
		"type":          "EPCISQueryDocument",
		"schemaVersion": "2.0",
		"creationDate":  now.UTC().Format("2006-01-02T15:04:05.000Z"),
		"epcisBody": map[string]any{
			"queryResults": map[string]any{
				"queryName":   "SimpleEventQuery",
				"resultsBody": map[string]any{"eventList": list},
			},
		},
	}, nil
}

// FuzzAppendQueryDocument holds the copying writer to the decoding one on
// arbitrary event objects, stored as capture stores them (compact, keys in
// order), in every format.
func FuzzAppendQueryDocument(f *testing.F) {
	f.Add(`{"@context":[{"ex":"https://e.example/"}],"type":"ObjectEvent","epcList":["urn:epc:id:sgtin:4012345.011111.1"],"ex:x":{"epcList":["urn:epc:id:sscc:4012345.0000000001"]}}`)
	f.Add(`{"bizStep":"shipping","readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"},"quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.L1","quantity":1.50}]}`)
	f.Add(`{"parentID":"https://id.gs1.org/00/140123450000000010","bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:4012345000009:1"}],"s":"a\"}b"}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, src string) {
		d := json.NewDecoder(strings.NewReader(src))
		d.UseNumber()
		var m map[string]any
		if d.Decode(&m) != nil || m == nil {
			return
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(m) != nil {
			return
		}
		body := bytes.TrimSpace(buf.Bytes())
		evs := []*store.Event{{EventID: "e", RecordTime: time.Unix(1, 0).UTC(), Body: body}}
		now := time.Unix(2, 0)
		for _, f := range []epcis.Translator{{}, {EPC: epcis.AlwaysDigitalLink}, {EPC: epcis.AlwaysEPCURN, CBV: epcis.CBVAlwaysURN}} {
			ref, fast := f, f
			doc, err := queryDocument(evs, now, &ref)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendQueryDocument(nil, evs, now, &fast)
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%s: invalid output %s: %v", body, got, err)
			}
			json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("%+v on %s:\n got %s\nwant %s", f, body, got, want)
			}
		}
	})
}

func TestAppendShaped(t *testing.T) {
	tr := &epcis.Translator{EPC: epcis.AlwaysDigitalLink, CBV: epcis.CBVAlwaysURN}
	tests := []struct{ key, in, out string }{
		{"epcList", `["urn:epc:id:sgtin:4012345.011111.1","x:y"]`, `["https://id.gs1.org/01/04012345111118/21/1","x:y"]`},
		{"parentID", `"urn:epc:id:sscc:4012345.0000000001"`, `"https://id.gs1.org/00/040123450000000016"`},
		{"epcList", `[]`, `[]`},
		{"epcList", `["a\"b",5,{"x":1}]`, `["a\"b",5,{"x":1}]`}, // not identifiers: as stored
		{"epcList", `"urn:epc:id:sgtin:4012345.011111.1"`, `"urn:epc:id:sgtin:4012345.011111.1"`}, // not a list: as stored
		{"readPoint", `{"id":"urn:epc:id:sgln:4012345.00001.0","ex:id":"urn:epc:id:sgln:4012345.00001.0"}`, `{"id":"https://id.gs1.org/414/4012345000016","ex:id":"urn:epc:id:sgln:4012345.00001.0"}`},
		{"bizStep", `"shipping"`, `"urn:epcglobal:cbv:bizstep:shipping"`},
		{"bizTransactionList", `[{"type":"po","bizTransaction":"urn:epc:id:gdti:4012345.00001.1"}]`, `[{"type":"urn:epcglobal:cbv:btt:po","bizTransaction":"https://id.gs1.org/253/40123450000161"}]`},
		{"persistentDisposition", `{"set":["in_transit"],"unset":"x"}`, `{"set":["urn:epcglobal:cbv:disp:in_transit"],"unset":"x"}`},
		{"ex:other", `["urn:epc:id:sgtin:4012345.011111.1"]`, `["urn:epc:id:sgtin:4012345.011111.1"]`},
	}
	for _, tt := range tests {
		got := appendShaped(nil, []byte(tt.in), memberShapes[tt.key], tr)
		if string(got) != tt.out {
			t.Errorf("%s %s = %s, want %s", tt.key, tt.in, got, tt.out)
		}
	}
}
