package epcisxml

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/gs1test"
)

// FuzzDecode: Decode never panics; it refuses with a ValidationException
// located by an XPath, or gives a tree that encoding/json marshals and
// Lotline's JSON decoder reads back, the same on every decode (XPath
// relies on that).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(xmlDoc(xmlObjectEvent)))
	f.Add([]byte(`<ObjectEvent xmlns:ex="https://e/">` + evHead + `<action>ADD</action><ex:a b="1">2</ex:a></ObjectEvent>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
	if os.Getenv("LOTLINE_GS1_DIR") != "" || os.Getenv("CI") == "true" || haveGS1() {
		dir := gs1test.Dir(f)
		for _, sub := range []string{"gs1-EPCIS/examples/XML/WithSensorData", "gs1-EPCIS/examples/XML-1.2", "more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Documents"} {
			entries, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, e := range entries {
				if b, err := os.ReadFile(filepath.Join(dir, sub, e.Name())); err == nil && strings.HasSuffix(e.Name(), ".xml") {
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data, Limits{MaxElements: 10_000})
		if err != nil {
			var e *epcis.Error
			if !errors.As(err, &e) || e.Kind != epcis.KindValidation || !strings.HasPrefix(e.Pointer, "/") {
				t.Fatalf("error %T %#v is not a located ValidationException", err, err)
			}
			return
		}
		b, err := json.Marshal(d.Tree)
		if err != nil {
			t.Fatalf("tree does not marshal: %v", err)
		}
		if _, err := epcis.DecodeJSON(b, epcis.JSONLimits{MaxArrayLen: 1 << 20, MaxObjectKeys: 1 << 20}); err != nil {
			t.Fatalf("tree does not read back: %v\n%s", err, b)
		}
		again, err := Decode(data, Limits{MaxElements: 10_000})
		if err != nil || !reflect.DeepEqual(again.Tree, d.Tree) {
			t.Fatalf("second decode differs: %v", err)
		}
		if d.XPath("") == "" || d.XPath("/epcisBody/eventList/0/x") == "" {
			t.Fatal("no XPath for the root")
		}
	})
}

// haveGS1 reports whether the GS1 folder is beside the module, so the
// fuzz seeds can use it without skipping the fuzz test when it is not.
func haveGS1() bool {
	_, err := os.Stat(filepath.Join("..", "..", "..", "shared", "gs1", "gs1-EPCIS"))
	return err == nil
}
