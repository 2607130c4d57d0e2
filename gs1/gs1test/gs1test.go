// Package gs1test locates the GS1 reference material (schemas, examples,
// test vectors) that tests read from ../shared/gs1 beside the checkout.
// Those files carry GS1's terms and are never copied into the project.
package gs1test

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the GS1 reference folder: $LOTLINE_GS1_DIR, or ../shared/gs1
// next to the module root. Without it the test is skipped with a message
// saying what is missing, except under CI=true, where it fails, so that CI
// can never pass without having run the tests that need it.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("LOTLINE_GS1_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "gs1-EPCIS")); err != nil {
			Missing(t, "LOTLINE_GS1_DIR="+d+" holds no gs1-EPCIS folder")
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			g := filepath.Join(d, "..", "shared", "gs1")
			if _, err := os.Stat(filepath.Join(g, "gs1-EPCIS", "examples")); err != nil {
				Missing(t, "GS1 reference files not found at "+g+" (set LOTLINE_GS1_DIR)")
			}
			abs, _ := filepath.Abs(g)
			return abs
		}
		if filepath.Dir(d) == d {
			Missing(t, "no go.mod above "+wd+", cannot locate ../shared/gs1 (set LOTLINE_GS1_DIR)")
			return ""
		}
	}
}

// Missing skips the test with msg, or fails it under CI=true.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
