package schemas

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// officialSchemaPath is GS1's ratified schema, relative to the gs1 folder.
const officialSchemaPath = "ref-gs1-org-2.0.0-copies/epcis-json-schema.json"

// gs1Dir finds the read-only GS1 reference folder: $LOTLINE_GS1_DIR, or
// ../shared/gs1 beside the module root. When it is missing the test skips,
// except under CI=true where it fails.
func gs1Dir(t testing.TB, need ...string) string {
	t.Helper()
	dir := os.Getenv("LOTLINE_GS1_DIR")
	if dir == "" {
		if root := moduleRoot(); root != "" {
			dir = filepath.Join(root, "..", "shared", "gs1")
		}
	}
	missing := ""
	if dir == "" {
		missing = "the module root (go.mod) was not found above the working directory"
	} else {
		for _, n := range append([]string{"."}, need...) {
			if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
				missing = filepath.Join(dir, n) + " is missing"
				break
			}
		}
	}
	if missing != "" {
		msg := "GS1 reference files needed: " + missing + " (set LOTLINE_GS1_DIR to the gs1 folder of ../shared)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var (
	officialOnce sync.Once
	officialV    *Validator
	officialErr  error
)

// official compiles GS1's ratified schema once per test binary.
func official(t testing.TB) *Validator {
	t.Helper()
	dir := gs1Dir(t, officialSchemaPath)
	officialOnce.Do(func() {
		officialV, officialErr = CompileOfficial(filepath.Join(dir, officialSchemaPath))
	})
	if officialErr != nil {
		t.Fatal(officialErr)
	}
	return officialV
}

// fixture is one EPCIS JSON instance found under the gs1 folder.
type fixture struct {
	rel string // path relative to the gs1 folder, with forward slashes
	doc any
}

// topLevelTypes are the "type" values of instances the EPCIS JSON schema
// describes at its root.
var topLevelTypes = map[string]bool{
	"EPCISDocument": true, "EPCISQueryDocument": true,
	"ObjectEvent": true, "AggregationEvent": true, "TransformationEvent": true,
	"TransactionEvent": true, "AssociationEvent": true,
}

// epcisFixtures returns every .json/.jsonld file under dir that is an EPCIS
// instance: an object whose type is a document or event type, or any other
// typed object with an eventTime (an extension event). Schemas, contexts,
// query parameter sets and non-JSON files are left out.
func epcisFixtures(t testing.TB, dir string) []fixture {
	t.Helper()
	var out []fixture
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonld")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // some fixtures start with a UTF-8 BOM
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var doc any
		if dec.Decode(&doc) != nil {
			return nil
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		if _, isSchema := m["$schema"]; isSchema {
			return nil
		}
		typ, _ := m["type"].(string)
		_, hasTime := m["eventTime"]
		if !topLevelTypes[typ] && !(typ != "" && hasTime) {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, fixture{rel: filepath.ToSlash(rel), doc: doc})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
