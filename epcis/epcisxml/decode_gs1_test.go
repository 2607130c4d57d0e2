package epcisxml

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1/gs1test"
	"github.com/lotline/lotline/schemas"
)

var (
	validatorOnce sync.Once
	validator     *schemas.Validator
)

func schemaValidator(t testing.TB) *schemas.Validator {
	t.Helper()
	validatorOnce.Do(func() { validator = schemas.MustCompile() })
	return validator
}

// rootName is the local name of the first element of an XML file.
func rootName(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if s, ok := tok.(xml.StartElement); ok {
			return s.Name.Local
		}
	}
}

// gs1XML lists the XML files under the GS1 folder whose root is an EPCIS
// document or a bare event, relative to dir.
func gs1XML(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, sub := range []string{"gs1-EPCIS/examples", "more-examples"} {
		filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch r := rootName(data); {
			case r == "EPCISDocument" || r == "EPCISQueryDocument" || isEventType(r):
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	sort.Strings(files)
	return files
}

// validateTree runs the checks capture runs on a JSON-LD document: the
// JSON Schema, then each event's semantic rules.
func validateTree(t *testing.T, tree any) epcis.Errors {
	t.Helper()
	// The tree goes through encoding/json first, as it would be stored.
	b, err := json.Marshal(tree)
	if err != nil {
		t.Fatalf("tree does not marshal: %v", err)
	}
	v, err := epcis.DecodeJSON(b, epcis.JSONLimits{})
	if err != nil {
		t.Fatalf("tree does not decode back: %v", err)
	}
	var errs epcis.Errors
	for _, vi := range schemaValidator(t).Document(v) {
		errs = append(errs, epcis.Invalid(vi.Pointer, "%s", vi.Message))
	}
	if len(errs) > 0 {
		return errs
	}
	doc, err := epcis.NewDocument(v)
	if err != nil {
		return epcis.Errors{err.(*epcis.Error)}
	}
	for i, ev := range doc.Events {
		errs = append(errs, epcis.NewEvent(ev).Validate(epcis.EventPointer(i))...)
	}
	return errs
}

// Capture documents among the GS1 and third-party XML files that the
// decoder refuses, and why. Each breaks a rule of the XSD (or is no
// capture document at all), so an XSD validator refuses it too.
var gs1Refused = map[string]string{
	"gs1-EPCIS/examples/XML-1.2/AssociationEvent.xml":                                                                 "<sensorMetaData> (capital D) is no element of sensorElement",
	"gs1-EPCIS/examples/XML-1.2/ObjectEvent.xml":                                                                      "an unqualified <myField> in extension/extension: no namespace, so no JSON-LD name",
	"more-examples/FasTnT-epcis/v1_2/CallbackRequests/ImplementationExceptionRequest.xml":                             "a query exception callback, no QueryResults",
	"more-examples/FasTnT-epcis/v1_2/CallbackRequests/QueryTooLargeRequest.xml":                                       "a query exception callback, no QueryResults",
	"more-examples/FasTnT-epcis/v1_2/Events/ObjectEvent_Full.xml":                                                     "baseExtension after action (and an unqualified testExt): neither the 2.0 nor the 1.2 order",
	"more-examples/FasTnT-epcis/v1_2/Requests/InvalidRequest.xml":                                                     "an unqualified <test> in EPCISBody (the fixture is meant invalid)",
	"more-examples/FasTnT-epcis/v2_0/Events/ObjectEvent_StringCertificationInfo.xml":                                  "certificationInfo after action; the XSD puts it before epcList",
	"more-examples/epcis-event-hash-generator/tests/examples/SensorDataExamples.xml":                                  "sensorElementList after ilmd; the XSD puts it before",
	"more-examples/epcis-event-hash-generator/tests/examples/epcisXmlDocHavingEventWithIgnoreFields.xml":              "an extension element before EPCISBody; the XSD allows them only after",
	"more-examples/epcis-event-hash-generator/tests/examples/epcisXmlQueryDocHavingEventWithIgnoreFields.xml":         "an extension element before EPCISBody",
	"more-examples/epcis-event-hash-generator/tests/expected_equal/differentRepresentationsOfAggregationEvent.xml":    "elements deliberately out of the XSD's order (the hash must not depend on it)",
	"more-examples/epcis-event-hash-generator/tests/expected_equal/timestampPrecision.xml":                            "elements deliberately out of the XSD's order",
	"more-examples/epcis-event-hash-generator/tests/expected_equal/timestampTimeZone.xml":                             "elements deliberately out of the XSD's order",
	"more-examples/epcis-event-hash-generator/tests/expected_equal/timestampTimeZone2.xml":                            "elements deliberately out of the XSD's order",
	"more-examples/epcis-event-hash-generator/tests/expected_equal/timestampTimeZone3.xml":                            "elements deliberately out of the XSD's order",
	"more-examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/Document_with_namespace.xml":              "events written epcis:ObjectEvent; the XSD's EPCIS elements below the root are unqualified",
	"more-examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/Jumbled_attributes_order.xml":             "elements out of the XSD's order",
	"more-examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/ObjectEvent_all_possible_fields.xml":      "certificationInfo at the end of a 1.2 ObjectEvent, where the 1.2 XSD has none",
	"more-examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/Single_event_with_namespace.xml":          "qualified epcis:eventTime etc.; the XSD's elements are unqualified",
	"more-examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/TransactionEvent_all_possible_fields.xml": "declarationTime 2006-11-07T13:00Z has no seconds, which xsd:dateTime requires",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Documents/JumbledFieldsOrder.xml":                   "elements out of the XSD's order",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Documents/Namespace_document.xml":                   "an event written epcis:ObjectEvent; EPCIS elements below the root are unqualified",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Events/Namespace_event.xml":                         "qualified epcis:eventTime etc.; the XSD's elements are unqualified",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Query/Combination_of_different_event.xml":                   "no creationDate, which epcglobal:Document requires",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Query/JumbledFieldsOrder.xml":                               "elements out of the XSD's order",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Query/ObjectEventWithAllPossibleFields.xml":                 "declarationTime without seconds",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Query/TransformationEvent_with_error_declaration.xml":       "declarationTime without seconds",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Query/Queries/SimpleEventQuery.xml":                         "a Poll request, not query results",
}

// Documents that decode but that capture's validation refuses, as it
// refuses their JSON-LD twins.
var gs1Invalid = map[string]string{
	"gs1-EPCIS/examples/XML/WithSensorData/SensorDataExamples.xml":                                                 "a sensorReport without type, which the JSON Schema requires",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Documents/SensorData_with_combined_events.xml":   "a sensorReport without type",
	"more-examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/All_eventTypes_in_single_document.xml": "GTIN 03912345000771 has a wrong check digit",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Documents/Combination_of_different_event.xml":    "GTIN 03001345000771 has a wrong check digit (its JSON twin is refused too)",
	"more-examples/oliot-epcis/AggregationEvent.xml":                                                               "a sensorReport with an exception but no type, which GS1's JSON Schema requires",
	"more-examples/oliot-epcis/AssociationEvent.xml":                                                               "a sensorReport without type",
	"more-examples/oliot-epcis/ObjectEvent.xml":                                                                    "a sensorReport without type",
	"more-examples/oliot-epcis/TransactionEvent.xml":                                                               "a sensorReport without type",
	"more-examples/oliot-epcis/TransformationEvent.xml":                                                            "a sensorReport without type",
	"more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Documents/epcisDocWithAllGS1Keys.xml":            "the same EPC twice in one epcList",
}

// TestDecodeGS1Documents decodes every EPCIS document and bare event in
// XML among the standard's examples and other projects' test data. Those
// that decode must pass the validation capture applies, except the few
// listed above; the fixtures meant to be invalid are TestInvalidFixtures'.
func TestDecodeGS1Documents(t *testing.T) {
	dir := gs1test.Dir(t)
	var ok, refused, invalid int
	for _, rel := range gs1XML(t, dir) {
		if strings.Contains(rel, "/Invalid/") {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			d, err := Decode(data, Limits{})
			if why, listed := gs1Refused[rel]; listed {
				if err == nil {
					t.Fatalf("decoded, but listed as refused (%s)", why)
				}
				checkError(t, err)
				refused++
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			var errs epcis.Errors
			switch d.Root {
			case "EPCISDocument":
				errs = validateTree(t, d.Tree)
			case "EPCISQueryDocument":
				if _, err := json.Marshal(d.Tree); err != nil {
					t.Fatal(err)
				}
			default:
				for _, v := range schemaValidator(t).Event(d.Tree) {
					errs = append(errs, epcis.Invalid(v.Pointer, "%s", v.Message))
				}
				if len(errs) == 0 {
					errs = epcis.NewEvent(d.Tree.(map[string]any)).Validate("")
				}
			}
			if why, listed := gs1Invalid[rel]; listed {
				if len(errs) == 0 {
					t.Fatalf("valid, but listed as invalid (%s)", why)
				}
				invalid++
				return
			}
			for _, e := range errs {
				t.Errorf("%v (source: %s)", e, d.XPath(e.Pointer))
			}
			ok++
		})
	}
	t.Logf("%d XML documents decoded and valid, %d refused by the decoder as the XSD would, %d decoded but refused by capture's validation (listed)", ok, refused, invalid)
	if ok < 80 {
		t.Errorf("only %d documents decoded", ok)
	}
}

// checkError asserts the decoder's error contract: a ValidationException
// whose pointer is an XPath-like location, also named in the message.
func checkError(t *testing.T, err error) {
	t.Helper()
	var e *epcis.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not an *epcis.Error: %v", err, err)
	}
	if e.Kind != epcis.KindValidation {
		t.Errorf("error kind %v, want KindValidation", e.Kind)
	}
	if !strings.HasPrefix(e.Pointer, "/") || !strings.Contains(e.Message, e.Pointer) {
		t.Errorf("error pointer %q not an XPath named in the message %q", e.Pointer, e.Message)
	}
}

// TestInvalidFixtures: every fixture of openepcis' invalid capture XML is
// refused, for the reason the fixture stands for.
func TestInvalidFixtures(t *testing.T) {
	dir := filepath.Join(gs1test.Dir(t), "more-examples/openepcis-test-resources/2.0/EPCIS/XML/Capture/Invalid")
	want := map[string]string{
		"ObjectEvent_bare_event_without_action.xml":     "required element <action> is missing",
		"ObjectEvent_with_invalid_action.xml":           `"CREATE" is not ADD, OBSERVE or DELETE`,
		"ObjectEvent_with_invalid_eventTime_format.xml": `<eventTime> "22-07-2026" is not an xsd:dateTime`,
		"ObjectEvent_with_near_miss_action.xml":         `"OBSERV" is not ADD, OBSERVE or DELETE`,
		"ObjectEvent_with_unknown_element.xml":          "unknown element <madeUpField>",
		"ObjectEvent_with_wrong_element_order.xml":      "is out of order",
		"ObjectEvent_without_eventTime.xml":             "required element <eventTime> is missing",
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		gs1test.Missing(t, err.Error())
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			reason, ok := want[e.Name()]
			if !ok {
				t.Fatalf("new fixture: add the reason it must be refused for")
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(data, Limits{})
			if err == nil {
				t.Fatalf("decoded; want refusal: %s", reason)
			}
			checkError(t, err)
			if !strings.Contains(err.Error(), reason) {
				t.Errorf("refused for %q, want %q", err, reason)
			}
		})
	}
}
