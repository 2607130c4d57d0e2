package conformance

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyStandardLibrary keeps the kit independent of Lotline: it
// must judge any EPCIS server through HTTP alone, so it may import nothing
// from this module (nor any third-party package), in its code or its
// tests. Standard-library imports have no dot in their first element, and
// the standard library imports nothing outside itself.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]string{pkg.Imports, pkg.TestImports, pkg.XTestImports} {
		for _, imp := range list {
			first, _, _ := strings.Cut(imp, "/")
			if strings.Contains(first, ".") || strings.HasPrefix(imp, "github.com/lotline/") {
				t.Errorf("conformance imports %s: the kit may import only the standard library", imp)
			}
		}
	}
	if len(pkg.Imports) == 0 {
		t.Fatal("no imports found: the check looked at the wrong directory")
	}
}
