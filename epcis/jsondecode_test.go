package epcis

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeJSONAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`{}`, map[string]any{}},
		{` [1, -2.5e3, "x", true, false, null] `, []any{json.Number("1"), json.Number("-2.5e3"), "x", true, false, nil}},
		{`{"a":{"b":["\u00e9\ud83d\ude00\n\"\\\/"]}}`, map[string]any{"a": map[string]any{"b": []any{"é😀\n\"\\/"}}}},
		{`"plain"`, "plain"},
		{`0`, json.Number("0")},
	}
	for _, tt := range tests {
		got, err := DecodeJSON([]byte(tt.in), JSONLimits{})
		if err != nil {
			t.Errorf("DecodeJSON(%s): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeJSON(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeJSONRejects(t *testing.T) {
	lim := JSONLimits{MaxDepth: 4, MaxStringBytes: 8, MaxArrayLen: 3, MaxObjectKeys: 3}
	tests := []struct {
		name, in, pointer, msg string
	}{
		{"duplicate key", `{"a":1,"b":{"c":1,"c":2}}`, "/b/c", "duplicate key"},
		{"duplicate key after escape", `{"a":1,"\u0061":2}`, "/a", "duplicate key"},
		{"invalid utf8", "{\"a\":\"\xff\"}", "/a", "UTF-8"},
		{"lone surrogate", `{"a":["\ud800"]}`, "/a/0", "surrogate"},
		{"reversed surrogates", `["\udc00\ud800"]`, "/0", "surrogate"},
		{"too deep", `[[[[[1]]]]]`, "/0/0/0/0", "nesting"},
		{"long string", `{"a":"123456789"}`, "/a", "longer than"},
		{"long escaped string", `{"a":"\n\n\n\n\n\n\n\n\n\n"}`, "/a", "longer than"},
		{"long array", `[1,2,3,4]`, "", "more than 3"},
		{"many keys", `{"a":1,"b":2,"c":3,"d":4}`, "", "more than 3"},
		{"huge number", `{"q":1e999}`, "/q", "out of range"},
		{"leading zero", `[01]`, "", "expected ',' or ']'"},
		{"bare minus", `[-]`, "/0", "invalid number"},
		{"trailing comma", `[1,]`, "/1", "invalid character"},
		{"trailing data", `{} {}`, "", "after the JSON value"},
		{"control char", "[\"a\tb\"]", "/0", "control character"},
		{"bad escape", `["\x"]`, "/0", "invalid escape"},
		{"unterminated", `{"a":"b`, "/a", "unterminated"},
		{"NaN", `[NaN]`, "/0", "invalid character"},
		{"single quotes", `{'a':1}`, "", "object key"},
		{"empty", ``, "", "unexpected end"},
		{"truncated literal", `[tru]`, "/0", "literal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJSON([]byte(tt.in), lim)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.Kind != KindValidation || e.Pointer != tt.pointer || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("got kind %v pointer %q message %q; want pointer %q and message containing %q",
					e.Kind, e.Pointer, e.Message, tt.pointer, tt.msg)
			}
		})
	}
}

// FuzzDecodeJSON checks the decoder against encoding/json: whatever it
// accepts, encoding/json accepts with the same value, and it never
// panics. (It may reject more: duplicate keys, invalid UTF-8, limits.)
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\u00e9"`, `[1e5,-0.5]`, `{"a":1,"a":2}`, "\"\xff\"", `[[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeJSON(data, JSONLimits{})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("DecodeJSON accepted %q, encoding/json refused: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeJSON(%q) = %#v, encoding/json = %#v", data, got, want)
		}
	})
}

func BenchmarkDecodeJSON(b *testing.B) {
	doc := []byte(`{"type":"ObjectEvent","eventTime":"2024-01-01T10:00:00.000Z","eventTimeZoneOffset":"+01:00",` +
		`"epcList":["urn:epc:id:sgtin:4012345.011111.1","urn:epc:id:sgtin:4012345.011111.2","urn:epc:id:sgtin:4012345.011111.3"],` +
		`"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit","readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"}}`)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeJSON(doc, JSONLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTimeShape(t *testing.T) {
	for s, want := range map[string]bool{
		"2024-03-01T10:00:00Z": true, "2024-03-01T10:00:00.123456789+01:00": true, "2024-03-01T10:00:00-14:00": true,
		"2024-03-01T10:00:00": false, "2024-03-01T10:00:00.Z": false, "2024-03-01T10:00:00.1234567890Z": false,
		"2024-03-01 10:00:00Z": false, "2024-3-01T10:00:00Z": false, "2024-03-01T10:00:00+0100": false, "": false,
		"2024-03-01T10:00:00z": false, "2024-03-01T10:00:00+01:0a": false,
	} {
		if got := timeShape(s); got != want {
			t.Errorf("timeShape(%q) = %v, want %v", s, got, want)
		}
	}
}
