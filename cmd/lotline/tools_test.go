package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validateEventJSON = `{"type":"ObjectEvent","eventTime":"2024-03-01T09:00:00Z","eventTimeZoneOffset":"+01:00",` +
	`"epcList":["urn:epc:id:sgtin:4012345.011111.1"],"action":"OBSERVE","bizStep":"shipping"}`

const validateEventXML = `<ObjectEvent><eventTime>2024-03-01T09:00:00Z</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>` +
	`<epcList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></epcList><action>%s</action>` +
	`<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep></ObjectEvent>`

// TestValidateCommand: lotline validate checks JSON-LD and XML documents
// as capture would, naming the element of an XML error by its XPath.
func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jsonDoc := write("ok.jsonld", `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],`+
		`"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00Z","epcisBody":{"eventList":[`+validateEventJSON+`]}}`)
	xmlDoc := func(action string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-03-01T10:00:00Z">` +
			`<EPCISBody><EventList>` + strings.Replace(validateEventXML, "%s", action, 1) + `</EventList></EPCISBody></epcis:EPCISDocument>`
	}
	okXML := write("ok.xml", xmlDoc("OBSERVE"))
	// A Digital Link with a wrong check digit: well-formed XML that
	// capture's own rules refuse after decoding.
	badEPC := write("bad-epc.xml", strings.Replace(xmlDoc("OBSERVE"), "urn:epc:id:sgtin:4012345.011111.1", "https://id.gs1.org/01/04012345111119/21/1", 1))
	badAction := write("bad-action.xml", xmlDoc("LOOK"))
	for _, tt := range []struct {
		name  string
		files []string
		code  int
		want  []string
	}{
		{"json and xml valid", []string{jsonDoc, okXML}, 0, []string{"ok.jsonld: valid (1 events)", "ok.xml: valid (1 events)"}},
		{"xml error located by XPath", []string{badEPC}, 1, []string{"ValidationException", "/EPCISDocument/EPCISBody/EventList/ObjectEvent/epcList/epc:", "check digit"}},
		{"xml decode error", []string{badAction}, 1, []string{"ValidationException", "action"}},
		{"no file", nil, 2, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(append([]string{"validate"}, tt.files...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}
