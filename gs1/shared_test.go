package gs1

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"github.com/lotline/lotline/gs1/gs1test"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exampleStrings calls fn with every string value (JSON) and every text node
// and attribute value (XML) in the example documents under dir.
func exampleStrings(t testing.TB, dir string, fn func(file, s string)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch filepath.Ext(path) {
		case ".json", ".jsonld":
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var v any
			if json.Unmarshal(b, &v) != nil {
				return nil // deliberately broken fixtures
			}
			walkJSON(v, func(s string) { fn(rel, s) })
		case ".xml":
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			dec := xml.NewDecoder(f)
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					break // deliberately broken fixtures
				}
				switch tok := tok.(type) {
				case xml.CharData:
					if s := strings.TrimSpace(string(tok)); s != "" {
						fn(rel, s)
					}
				case xml.StartElement:
					for _, a := range tok.Attr {
						fn(rel, a.Value)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func walkJSON(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			walkJSON(x, fn)
		}
	case map[string]any:
		for _, x := range v {
			walkJSON(x, fn)
		}
	}
}

var dlLike = regexp.MustCompile(`^https?://[^/?#]+/([^?#]*/)?(01|00|414|417|8003|8004|8017|8018|253|255|8010|401|402|8006)/[0-9]`)

// Identifiers in the reference examples that are wrong on purpose or by
// mistake, with the reason we reject them.
var knownBadExampleIDs = map[string]string{
	// openepcis-test-resources
	"https://id.example.com/8003/039123450007718765": "GRAI check digit is 5, not 1",
	"https://id.example.com/8003/030013450007718765": "GRAI check digit is 6, not 1",
	"https://id.gs1.org/8003/030013450007718765":     "GRAI check digit is 6, not 1",
	"https://id.example.com/8003/952012200000001004": "AI 8003 must start with 0",
	"https://id.gs1.org/414/9521141123452":           "GLN check digit is 4, not 2",
}

// TestSharedExampleIdentifiers runs every EPC URN, EPC pattern and GS1
// Digital Link found in the GS1 and third-party example documents through
// the parsers, and checks the URN -> Digital Link -> URN round trip.
func TestSharedExampleIdentifiers(t *testing.T) {
	dir := gs1test.Dir(t)
	counts := map[string]int{}
	tab := NewPrefixTable()
	var dls []EPC
	seen := map[string]bool{}
	exampleStrings(t, dir, func(file, s string) {
		if seen[s] {
			return
		}
		seen[s] = true
		fail := func(err error) {
			if why, ok := knownBadExampleIDs[s]; ok {
				counts["known bad"]++
				t.Logf("%s: %q rejected as expected (%s): %v", file, s, why, err)
				return
			}
			t.Errorf("%s: %q: %v", file, s, err)
		}
		switch {
		case strings.HasPrefix(s, "urn:epc:idpat:"):
			counts["pattern"]++
			p, err := ParsePattern(s)
			if err != nil {
				fail(err)
				return
			}
			if p.String() != s {
				t.Errorf("%s: pattern %q formats as %q", file, s, p.String())
			}
		case strings.HasPrefix(s, "urn:epc:id:"), strings.HasPrefix(s, "urn:epc:class:"):
			counts["urn"]++
			e, err := ParseEPC(s)
			if err != nil {
				fail(err)
				return
			}
			tab.Learn(e)
			u, err := e.URN()
			if err != nil || u != s {
				// Non-canonical escapes are allowed on input; the value must survive.
				if e2, err2 := ParseEPC(u); err2 != nil || e2 != e {
					t.Errorf("%s: %q -> URN %q, %v", file, s, u, err)
				}
			}
			d, err := ParseDigitalLink(e.DigitalLink())
			if err != nil || d.Canonical() != e.Canonical() {
				t.Errorf("%s: %q -> DL %q does not parse back: %v", file, s, e.DigitalLink(), err)
			}
		case dlLike.MatchString(s):
			counts["digital link"]++
			e, err := ParseDigitalLink(s)
			if err != nil {
				fail(err)
				return
			}
			dls = append(dls, e)
		}
	})
	for _, e := range dls {
		if _, err := tab.URN(e); err != nil && !errors.Is(err, ErrUnknownPrefixLength) {
			t.Errorf("PrefixTable.URN(%s): %v", e.Canonical(), err)
		}
	}
	t.Logf("checked %v distinct identifiers from %s", counts, dir)
	if counts["urn"] == 0 || counts["digital link"] == 0 {
		t.Errorf("found no identifiers under %s", dir)
	}
}
