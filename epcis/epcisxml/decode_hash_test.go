package epcisxml

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis/eventhash"
	"github.com/lotline/lotline/gs1/gs1test"
)

func hashLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// hashXML decodes an XML document, re-encodes the tree as JSON and hashes
// its events as the JSON-LD binding would.
func hashXML(t *testing.T, path string) ([]eventhash.Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data, Limits{})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(d.Tree)
	if err != nil {
		t.Fatalf("tree does not marshal: %v", err)
	}
	res, err := eventhash.Document(b)
	if err != nil {
		t.Fatalf("eventhash: %v", err)
	}
	return res, nil
}

// TestHashVectors: the event hash generator's XML vectors, decoded to
// JSON-LD, hash to the published .hashes; where a .prehashes line is
// current (it hashes to the published hash) the pre-hash string matches
// too. Files the decoder refuses as XSD-invalid are listed in gs1Refused.
func TestHashVectors(t *testing.T) {
	root := filepath.Join(gs1test.Dir(t), "more-examples", "epcis-event-hash-generator", "tests")
	dir := filepath.Join(root, "examples")
	entries, err := os.ReadDir(dir)
	if err != nil {
		gs1test.Missing(t, err.Error())
	}
	matched, events := 0, 0
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok {
			continue
		}
		rel := "more-examples/epcis-event-hash-generator/tests/examples/" + e.Name()
		t.Run(e.Name(), func(t *testing.T) {
			got, err := hashXML(t, filepath.Join(dir, e.Name()))
			if err != nil {
				if why, listed := gs1Refused[rel]; listed {
					t.Skipf("refused as listed (%s): %v", why, err)
				}
				t.Fatal(err)
			}
			hashes := hashLines(t, filepath.Join(dir, base+".hashes"))
			pre := hashLines(t, filepath.Join(dir, base+".prehashes"))
			if len(got) != len(hashes) {
				t.Fatalf("%d events hashed, %d published hashes", len(got), len(hashes))
			}
			for i, r := range got {
				if i < len(pre) && eventhash.HashPreHash(pre[i]) == hashes[i] && r.PreHash != pre[i] {
					t.Errorf("event %d pre-hash:\n got %s\nwant %s", i, r.PreHash, pre[i])
				}
				if r.Hash != hashes[i] {
					t.Errorf("event %d hash: got %s want %s", i, r.Hash, hashes[i])
				}
			}
			matched++
			events += len(got)
		})
	}
	t.Logf("%d XML vectors (%d events) hash as published", matched, events)
	if matched < 10 {
		t.Errorf("only %d XML vectors matched", matched)
	}
}

// TestHashExpectedEqual: in each document of expected_equal, every event
// is the same event written differently, so all hash alike.
func TestHashExpectedEqual(t *testing.T) {
	dir := filepath.Join(gs1test.Dir(t), "more-examples", "epcis-event-hash-generator", "tests", "expected_equal")
	entries, err := os.ReadDir(dir)
	if err != nil {
		gs1test.Missing(t, err.Error())
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		rel := "more-examples/epcis-event-hash-generator/tests/expected_equal/" + e.Name()
		t.Run(e.Name(), func(t *testing.T) {
			got, err := hashXML(t, filepath.Join(dir, e.Name()))
			if err != nil {
				if why, listed := gs1Refused[rel]; listed {
					t.Skipf("refused as listed (%s): %v", why, err)
				}
				t.Fatal(err)
			}
			if len(got) < 2 {
				t.Fatalf("%d events; the vector compares at least two", len(got))
			}
			for i, r := range got[1:] {
				if r.Hash != got[0].Hash {
					t.Errorf("event %d hashes %s, event 0 %s\n pre %s\n pre %s", i+1, r.Hash, got[0].Hash, r.PreHash, got[0].PreHash)
				}
			}
		})
	}
}
