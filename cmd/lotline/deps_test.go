package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection guards the layering: the domain packages import
// nothing of storage or transport, stores know nothing of HTTP, and the
// GS1 identifier package stands alone.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/lotline/lotline/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/lotline/lotline/"
	// allowed lists, per package prefix, the project packages it may import.
	allowed := map[string][]string{
		"gs1":         {"gs1"},
		"schemas":     {},
		"epcis":       {"gs1", "epcis"},
		"query":       {"epcis", "gs1", "query", "store"},
		"store":       {"store"},
		"capture":     {"epcis", "gs1", "query", "schemas", "store"},
		"importer":    {"capture", "epcis", "gs1", "query", "schemas", "store"},
		"conformance": {"conformance"},
		"subscribe":   {"epcis", "query", "store"},
		"auth":        {"gs1", "store"},
		"redact":      {"epcis"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		top := strings.SplitN(pkg, "/", 2)[0]
		rules, ok := allowed[top]
		if !ok {
			continue
		}
		for _, imp := range fields[1:] {
			rel, ok := strings.CutPrefix(imp, mod)
			if !ok {
				continue
			}
			if top == "store" && strings.HasPrefix(pkg, "store/") && rel == "store" {
				continue
			}
			okImp := false
			for _, r := range rules {
				if rel == r || strings.HasPrefix(rel, r+"/") {
					okImp = true
				}
			}
			if !okImp {
				t.Errorf("%s imports %s", pkg, rel)
			}
		}
	}
}
