package api

import (
	"bytes"
	"encoding/json"
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
	for start, size := 0, 1; start < len(evs); start, size = start+size, size%40+1 {
		page := evs[start:min(start+size, len(evs))]
		doc, err := queryDocument(page, now, &epcis.Translator{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendQueryDocument(nil, page, now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(decode(got), decode(want)) {
			t.Fatalf("page at %d of %d events differs:\n got %s\nwant %s", start, len(page), got, want)
		}
		pages++
		if bytes.Contains(got, []byte(`{"@context":[{`)) {
			conflicts++ // events kept their own @context
		}
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
