package eventhash

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/lotline/lotline/gs1/gs1test"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jnode is a JSON value that keeps the order of object keys.
type jnode struct {
	keys  []string
	vals  []*jnode // object members, in order; nil for other kinds
	elems []*jnode // array elements
	isObj bool
	isArr bool
	atom  any // string, json.Number, bool or nil
}

var errDuplicate = errors.New("duplicate key")

func parseOrdered(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &jnode{isObj: true}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string)
			if seen[k] {
				return nil, errDuplicate
			}
			seen[k] = true
			v, err := parseOrdered(dec)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
		}
		_, err := dec.Token()
		return n, err
	case json.Delim('['):
		n := &jnode{isArr: true}
		for dec.More() {
			v, err := parseOrdered(dec)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
		}
		_, err := dec.Token()
		return n, err
	}
	return &jnode{atom: tok}, nil
}

// writeReversed writes n with every object's keys and every array's
// elements in reverse order.
func writeReversed(b *bytes.Buffer, n *jnode) {
	switch {
	case n.isObj:
		b.WriteByte('{')
		for i := len(n.keys) - 1; i >= 0; i-- {
			k, _ := json.Marshal(n.keys[i])
			b.Write(k)
			b.WriteByte(':')
			writeReversed(b, n.vals[i])
			if i > 0 {
				b.WriteByte(',')
			}
		}
		b.WriteByte('}')
	case n.isArr:
		b.WriteByte('[')
		for i := len(n.elems) - 1; i >= 0; i-- {
			writeReversed(b, n.elems[i])
			if i > 0 {
				b.WriteByte(',')
			}
		}
		b.WriteByte(']')
	default:
		if num, ok := n.atom.(json.Number); ok {
			b.WriteString(string(num))
			return
		}
		a, _ := json.Marshal(n.atom)
		b.Write(a)
	}
}

func decodeEvent(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return m, true
}

// FuzzPreHash checks that PreHash never panics on arbitrary JSON, is
// deterministic, and does not depend on the order of object keys or of
// array elements (EPC lists, quantity lists, sensor reports, extension
// arrays are all hashed sorted).
func FuzzPreHash(f *testing.F) {
	f.Add([]byte(typicalEvent))
	f.Add([]byte(`{"type":"ObjectEvent","epcList":["urn:epc:id:sgtin:0614141.107346.2018","urn:epc:id:sgtin:0614141.107346.2017"],"example:x":{"example:y":[2,1,{"a":null}]}}`))
	f.Add([]byte(`{"type":"AggregationEvent","parentID":"urn:epc:id:sscc:4047023.0111111122","childEPCs":["b","a"],"childQuantityList":[{"epcClass":"x","quantity":1.50},{"quantity":"2"}]}`))
	f.Add([]byte(`{"type":"ObjectEvent","sensorElementList":[{"sensorReport":[{"type":"Speed","value":1e2},{"type":"Temperature"}],"sensorMetadata":{"time":"2020-01-01T00:00:00.99999Z"}}]}`))
	addVectorSeeds(f)
	ns := map[string]string{"example": "https://ns.example.com/epcis/"}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, ok := decodeEvent(data)
		if !ok {
			return
		}
		pre, err := PreHash(ev, ns)
		if err != nil {
			return
		}
		if again, _ := PreHash(ev, ns); again != pre {
			t.Fatalf("not deterministic:\n%s\n%s", pre, again)
		}
		if h, _ := Hash(ev, ns); h != HashPreHash(pre) || len(h) != len("ni:///sha-256;?ver=CBV2.0")+64 {
			t.Fatalf("bad hash %q", h)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		tree, err := parseOrdered(dec)
		if err != nil {
			return // duplicate keys: the last one wins, so order matters
		}
		var rev bytes.Buffer
		writeReversed(&rev, tree)
		ev2, ok := decodeEvent(rev.Bytes())
		if !ok {
			t.Fatalf("reversed JSON does not decode: %s", rev.Bytes())
		}
		pre2, err := PreHash(ev2, ns)
		if err != nil {
			t.Fatalf("reversed event: %v", err)
		}
		if pre2 != pre {
			t.Fatalf("pre-hash depends on key or list order:\n%s\n%s\nreversed input: %s", pre, pre2, rev.Bytes())
		}
	})
}

// addVectorSeeds adds every event of the JSON vectors, when present.
func addVectorSeeds(f *testing.F) {
	dir := filepath.Join(gs1test.Dir(f), "more-examples", "epcis-event-hash-generator", "tests", "examples")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jsonld") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var doc struct {
			EpcisBody struct {
				EventList    []json.RawMessage `json:"eventList"`
				QueryResults struct {
					ResultsBody struct {
						EventList []json.RawMessage `json:"eventList"`
					} `json:"resultsBody"`
				} `json:"queryResults"`
			} `json:"epcisBody"`
		}
		if json.Unmarshal(data, &doc) != nil {
			continue
		}
		for _, ev := range append(doc.EpcisBody.EventList, doc.EpcisBody.QueryResults.ResultsBody.EventList...) {
			f.Add([]byte(ev))
		}
	}
}

// TestVectorsOrderInvariant applies the fuzz invariant to every vector
// event in plain go test.
func TestVectorsOrderInvariant(t *testing.T) {
	dir := vectorDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jsonld") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		tree, err := parseOrdered(dec)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		var rev bytes.Buffer
		writeReversed(&rev, tree)
		want, err := Document(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Document(rev.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		// The event list itself is reversed too.
		for i := range want {
			if g := got[len(got)-1-i]; g.Hash != want[i].Hash {
				t.Errorf("%s event %d: hash changes when keys and lists are reversed:\n%s\n%s", e.Name(), i, want[i].PreHash, g.PreHash)
			}
		}
	}
}
