package epcis

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSensorAttributesAtBothLevels: an inline attribute in sensorMetadata
// and in a sensorReport must agree (draft TCR-53 step 29).
func TestSensorAttributesAtBothLevels(t *testing.T) {
	tests := []struct {
		name, meta, report string
		pointer            string // "" when valid
	}{
		{"only metadata", `"deviceID":"urn:epc:id:giai:4000001.111"`, `"type":"Temperature","value":4`, ""},
		{"only report", `"time":"2024-01-01T00:00:00Z"`, `"type":"Temperature","value":4,"deviceID":"urn:epc:id:giai:4000001.111"`, ""},
		{"same in both", `"deviceID":"urn:epc:id:giai:4000001.111"`, `"type":"Temperature","value":4,"deviceID":"urn:epc:id:giai:4000001.111"`, ""},
		{"deviceID differs", `"deviceID":"urn:epc:id:giai:4000001.111"`, `"type":"Temperature","value":4,"deviceID":"urn:epc:id:giai:4000001.222"`,
			"/e/sensorElementList/0/sensorReport/0/deviceID"},
		{"dataProcessingMethod differs", `"dataProcessingMethod":"https://example.org/a"`, `"type":"Temperature","value":4,"dataProcessingMethod":"https://example.org/b"`,
			"/e/sensorElementList/0/sensorReport/0/dataProcessingMethod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := `{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00",` +
				`"epcList":["urn:epc:id:sgtin:4012345.011111.1"],` +
				`"sensorElementList":[{"sensorMetadata":{` + tt.meta + `},"sensorReport":[{` + tt.report + `}]}]}`
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(src))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			errs := NewEvent(m).Validate("/e")
			var got string
			for _, e := range errs {
				if strings.Contains(e.Pointer, "sensorElementList") {
					got = e.Pointer
				}
			}
			if got != tt.pointer {
				t.Errorf("sensor error at %q, want %q (all: %v)", got, tt.pointer, errs)
			}
		})
	}
}
