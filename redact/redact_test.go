package redact_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/redact"
)

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	v, err := epcis.DecodeJSON([]byte(s), epcis.JSONLimits{})
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v.(map[string]any)
}

func canonical(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// head is the start of every test event; its eventID must survive.
const head = `"type":"ObjectEvent","eventID":"ni:///sha-256;0a1b?ver=CBV2.0","eventTime":"2024-03-01T10:00:00Z","eventTimeZoneOffset":"+01:00","action":"OBSERVE","epcList":["urn:epc:id:sgtin:4012345.011111.1"]`

const acmeCtx = `"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"acme":"https://acme.example/process/","buyer":"https://buyer.example/ns#","old":"http://legacy.example/ext"}]`

func TestApply(t *testing.T) {
	tests := []struct {
		name     string
		policy   []string
		event    string // members after head
		want     string // members after head once redacted
		withheld []string
	}{
		{
			name:     "namespace at the top level",
			policy:   []string{"https://acme.example/process/"},
			event:    `,"acme:ovenTemp":210,"acme:line":"L2","buyer:po":"PO-1"`,
			want:     `,"buyer:po":"PO-1"`,
			withheld: []string{"https://acme.example/process/line", "https://acme.example/process/ovenTemp"},
		},
		{
			name:     "one field by IRI, the rest of its namespace kept",
			policy:   []string{"https://acme.example/process/ovenTemp"},
			event:    `,"acme:ovenTemp":210,"acme:line":"L2"`,
			want:     `,"acme:line":"L2"`,
			withheld: []string{"https://acme.example/process/ovenTemp"},
		},
		{
			name:     "full IRI keys and CURIE keys alike",
			policy:   []string{"https://acme.example/process/"},
			event:    `,"https://acme.example/process/recipe":"R7","acme:recipe":"R7","https://other.example/x":1`,
			want:     `,"https://other.example/x":1`,
			withheld: []string{"https://acme.example/process/recipe"},
		},
		{
			name:     "nested extension inside a kept extension",
			policy:   []string{"https://acme.example/process/"},
			event:    `,"buyer:info":{"buyer:po":"PO-1","acme:batchRecord":{"acme:step":[1,2]}}`,
			want:     `,"buyer:info":{"buyer:po":"PO-1"}`,
			withheld: []string{"https://acme.example/process/batchRecord"},
		},
		{
			name:     "ilmd, readPoint, bizLocation and errorDeclaration extensions",
			policy:   []string{"https://acme.example/process/"},
			event:    `,"readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0","acme:station":"S4"},"bizLocation":{"id":"urn:epc:id:sgln:4012345.00001.0","acme:room":"clean-2"},"ilmd":{"cbvmda:lotNumber":"L1","acme:recipe":"R7"},"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z","acme:cause":"probe"}`,
			want:     `,"readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"},"bizLocation":{"id":"urn:epc:id:sgln:4012345.00001.0"},"ilmd":{"cbvmda:lotNumber":"L1"},"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z"}`,
			withheld: []string{"https://acme.example/process/cause", "https://acme.example/process/recipe", "https://acme.example/process/room", "https://acme.example/process/station"},
		},
		{
			name:     "sensor metadata and report extension attributes",
			policy:   []string{"https://acme.example/process/"},
			event:    `,"sensorElementList":[{"sensorMetadata":{"time":"2024-03-01T10:00:00Z","acme:probe":"P9"},"sensorReport":[{"type":"gs1:Temperature","value":21.5,"acme:setpoint":22},{"type":"gs1:Humidity","value":40}]}]`,
			want:     `,"sensorElementList":[{"sensorMetadata":{"time":"2024-03-01T10:00:00Z"},"sensorReport":[{"type":"gs1:Temperature","value":21.5},{"type":"gs1:Humidity","value":40}]}]`,
			withheld: []string{"https://acme.example/process/probe", "https://acme.example/process/setpoint"},
		},
		{
			name:     "standard members whole",
			policy:   []string{"ilmd", "sensorElementList", "bizTransactionList", "certificationInfo", "persistentDisposition", "sourceList", "destinationList"},
			event:    `,"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:4012345000009:PO1"}],"sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:4012345.00000"}],"destinationList":[{"type":"owning_party","destination":"urn:epc:id:pgln:0614141.00000"}],"persistentDisposition":{"set":["completeness_verified"]},"certificationInfo":"https://cert.example/1","ilmd":{"cbvmda:lotNumber":"L1"},"sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":21}]}],"acme:line":"L2"`,
			want:     `,"acme:line":"L2"`,
			withheld: []string{"bizTransactionList", "certificationInfo", "destinationList", "ilmd", "persistentDisposition", "sensorElementList", "sourceList"},
		},
		{
			name:     "default prefix cbvmda without declaration, by CURIE entry",
			policy:   []string{"cbvmda:lotNumber"},
			event:    `,"ilmd":{"cbvmda:lotNumber":"L1","cbvmda:bestBeforeDate":"2025-01-01"}`,
			want:     `,"ilmd":{"cbvmda:bestBeforeDate":"2025-01-01"}`,
			withheld: []string{"urn:epcglobal:cbv:mda:lotNumber"},
		},
		{
			name:     "default prefix gs1 as a namespace",
			policy:   []string{"gs1:"},
			event:    `,"gs1:netContent":"5 kg","sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":21}]}]`,
			want:     `,"sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":21}]}]`,
			withheld: []string{"https://gs1.org/voc/netContent"},
		},
		{
			name:     "urn namespace ending in a colon",
			policy:   []string{"urn:epcglobal:cbv:mda:"},
			event:    `,"ilmd":{"cbvmda:lotNumber":"L1","urn:epcglobal:cbv:mda:itemExpirationDate":"2025-01-01"}`,
			want:     `,"ilmd":{}`,
			withheld: []string{"urn:epcglobal:cbv:mda:itemExpirationDate", "urn:epcglobal:cbv:mda:lotNumber"},
		},
		{
			name:     "EPCIS 1.x namespace#local form",
			policy:   []string{"http://legacy.example/ext#"},
			event:    `,"old:grade":"A","acme:line":"L2"`,
			want:     `,"acme:line":"L2"`,
			withheld: []string{"http://legacy.example/ext#grade"},
		},
		{
			name:     "a nested @context binds a prefix for its object",
			policy:   []string{"https://secret.example/"},
			event:    `,"buyer:info":{"@context":{"s":"https://secret.example/"},"s:yield":0.93,"buyer:po":"PO-1"},"s:yield":0.5`,
			want:     `,"buyer:info":{"@context":{"s":"https://secret.example/"},"buyer:po":"PO-1"},"s:yield":0.5`,
			withheld: []string{"https://secret.example/yield"},
		},
		{
			name:     "a declared prefix is read through its declaration, not the default",
			policy:   []string{"https://other.example/"},
			event:    `,"buyer:info":{"@context":{"gs1":"https://other.example/"},"gs1:x":1},"gs1:x":2`,
			want:     `,"buyer:info":{"@context":{"gs1":"https://other.example/"}},"gs1:x":2`,
			withheld: []string{"https://other.example/x"},
		},
		{
			name:   "nothing confidential present",
			policy: []string{"https://secret.example/", "ilmd"},
			event:  `,"acme:line":"L2","bizStep":"shipping"`,
			want:   `,"acme:line":"L2","bizStep":"shipping"`,
		},
		{
			name:   "empty policy",
			policy: nil,
			event:  `,"acme:line":"L2","ilmd":{"acme:recipe":"R7"}`,
			want:   `,"acme:line":"L2","ilmd":{"acme:recipe":"R7"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := redact.Parse(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			ev := decode(t, "{"+acmeCtx+","+head+tt.event+"}")
			may := p.MayWithhold([]byte(canonical(t, ev)))
			got := p.Apply(ev)
			if got != nil && !may {
				t.Errorf("MayWithhold false, Apply withheld %q", got)
			}
			if !reflect.DeepEqual(got, tt.withheld) {
				t.Errorf("withheld %q, want %q", got, tt.withheld)
			}
			if want := canonical(t, decode(t, "{"+acmeCtx+","+head+tt.want+"}")); canonical(t, ev) != want {
				t.Errorf("event after Apply\n got %s\nwant %s", canonical(t, ev), want)
			}
			if ev["eventID"] != "ni:///sha-256;0a1b?ver=CBV2.0" {
				t.Errorf("eventID changed: %v", ev["eventID"])
			}
			if again := p.Apply(ev); again != nil {
				t.Errorf("a second Apply withheld %q", again)
			}
		})
	}
}

func TestApplyNilPolicy(t *testing.T) {
	var p *redact.Policy
	ev := decode(t, "{"+acmeCtx+","+head+`,"ilmd":{"acme:recipe":"R7"}}`)
	before := canonical(t, ev)
	if got := p.Apply(ev); got != nil || canonical(t, ev) != before {
		t.Errorf("nil policy withheld %q", got)
	}
	if !p.Empty() || p.String() != "" {
		t.Errorf("nil policy: Empty %v String %q", p.Empty(), p.String())
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		list    string
		entries string // String() of the policy; "" with wantErr
		wantErr string
	}{
		{list: "", entries: ""},
		{list: " , ", entries: ""},
		{list: "ilmd, https://acme.example/process/ ,urn:acme:p:", entries: "https://acme.example/process/,ilmd,urn:acme:p:"},
		{list: "cbvmda:lotNumber,gs1:,ilmd,ilmd", entries: "https://gs1.org/voc/,ilmd,urn:epcglobal:cbv:mda:lotNumber"},
		{list: "https://acme.example/a,https://acme.example/a", entries: "https://acme.example/a"},
		{list: "http://acme.example/x#", entries: "http://acme.example/x#"},
		{list: "eventID", wantErr: `"eventID" is not`},
		{list: "ILMD", wantErr: `"ILMD" is not`},
		{list: "acme", wantErr: `"acme" is not`},
		{list: ":x", wantErr: `":x" is not`},
		{list: "1a:x", wantErr: `"1a:x" is not`},
		{list: "https://acme.example/a b", wantErr: `is not a namespace IRI`},
	}
	for _, tt := range tests {
		p, err := redact.ParseList(tt.list)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseList(%q) error %v, want one containing %q", tt.list, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseList(%q): %v", tt.list, err)
			continue
		}
		if p.String() != tt.entries {
			t.Errorf("ParseList(%q) = %q, want %q", tt.list, p.String(), tt.entries)
		}
		if p.Empty() != (tt.entries == "") {
			t.Errorf("ParseList(%q).Empty() = %v", tt.list, p.Empty())
		}
		// String is read back to the same policy.
		if q, err := redact.ParseList(p.String()); err != nil || q.String() != p.String() {
			t.Errorf("ParseList(String()) = %v, %v", q, err)
		}
	}
}

// TestMayWithholdSkips: MayWithhold answers false where a policy cannot
// touch an event (that is what makes it worth asking).
func TestMayWithholdSkips(t *testing.T) {
	ev := []byte(`{` + acmeCtx + `,` + head + `,"acme:line":"L2","ilmd":{"cbvmda:lotNumber":"L1"},"readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"}}`)
	tests := []struct {
		policy string
		want   bool
	}{
		{"", false},
		{"https://secret.example/", false},
		{"https://secret.example/a,sensorElementList,certificationInfo", false},
		{"https://acme.example/process/", true},     // the declared namespace
		{"https://acme.example/process/line", true}, // its base is a prefix
		{"https://acme.example/", true},             // a prefix of its base
		{"ilmd", true},
		{"cbvmda:lotNumber", true}, // a standard prefix
		{"https://gs1.org/voc/", false},
	}
	for _, tt := range tests {
		p, err := redact.ParseList(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MayWithhold(ev); got != tt.want {
			t.Errorf("%q: MayWithhold = %v, want %v", tt.policy, got, tt.want)
		}
	}
	p, _ := redact.ParseList("https://secret.example/")
	if !p.MayWithhold([]byte(`{"a\u0022":1}`)) {
		t.Error("a body with escapes must be answered true")
	}
}
