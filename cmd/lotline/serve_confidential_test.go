package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseServeConfidential(t *testing.T) {
	tests := []struct {
		args    []string
		env     string
		want    string // the policy's entries
		wantErr string
	}{
		{args: nil, want: ""},
		{args: []string{"--confidential", "ilmd, https://acme.example/process/"}, want: "https://acme.example/process/,ilmd"},
		{env: "cbvmda:lotNumber", want: "urn:epcglobal:cbv:mda:lotNumber"},
		{args: []string{"--confidential", "sensorElementList"}, env: "ilmd", want: "sensorElementList"}, // the flag wins
		{args: []string{"--confidential", "eventID"}, wantErr: `--confidential: confidential entry "eventID"`},
	}
	for _, tt := range tests {
		getenv := func(k string) string {
			if k == "LOTLINE_CONFIDENTIAL" {
				return tt.env
			}
			return ""
		}
		c, err := parseServe(tt.args, getenv, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if got := c.Confidential.String(); got != tt.want {
			t.Errorf("%q env %q: policy %q, want %q", tt.args, tt.env, got, tt.want)
		}
	}
}
