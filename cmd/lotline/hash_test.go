package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotline/lotline/gs1/gs1test"
)

// hashOut runs lotline hash on files and returns the hash column.
func hashOut(t *testing.T, files ...string) []string {
	t.Helper()
	var out bytes.Buffer
	if err := runHash(files, &out); err != nil {
		t.Fatalf("hash %v: %v", files, err)
	}
	var hashes []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("line %q", l)
		}
		hashes = append(hashes, f[2])
	}
	return hashes
}

// TestHashXMLAndJSON: the hash generator's vectors published in both
// bindings give the published hashes from either. (GS1's XML and JSON
// examples in gs1-EPCIS/examples are not twins for this: the JSON
// object_event_all_possible_fields, say, has a certificationInfo the XML
// lacks.)
func TestHashXMLAndJSON(t *testing.T) {
	vec := filepath.Join(gs1test.Dir(t), "more-examples", "epcis-event-hash-generator", "tests", "examples")
	for _, name := range []string{"ReferenceEventHashAlgorithm", "ReferenceEventHashAlgorithm2", "ReferenceEventHashAlgorithm3",
		"epcisDocWithVariousEventTypes", "epcisDocWithSensorComponent", "epcisQueryDocument", "CertificationInfoAndSensorReportWithCRS",
		"persistentDisposition", "epcisEventWithCURIEs", "epcisDocWithXMLstartTagAndErrorDeclaration", "epcisDocWithShippingAndTransportingEvent"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(vec, name+".hashes"))
			if err != nil {
				gs1test.Missing(t, err.Error())
			}
			w := strings.Join(strings.Fields(string(want)), " ")
			for _, ext := range []string{".xml", ".jsonld"} {
				if got := strings.Join(hashOut(t, filepath.Join(vec, name+ext)), " "); got != w {
					t.Errorf("%s hashes %v\npublished %v", ext, got, w)
				}
			}
		})
	}
}

func TestHashXMLErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(p, []byte(`<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-03-01T10:00:00Z"><EPCISBody><EventList><ObjectEvent><eventTime>yesterday</eventTime></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := runHash([]string{p}, &out)
	if err == nil || !strings.Contains(err.Error(), "ObjectEvent") {
		t.Errorf("hash of an invalid XML event: %v (want the element named)", err)
	}
}
