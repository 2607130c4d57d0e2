package schemas

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// deliberateDifferences lists fixtures (path relative to the gs1 folder) on
// which Lotline's schema deliberately gives another verdict than GS1's
// ratified schema, with the reason.
var deliberateDifferences = map[string]string{}

// TestAgreementWithOfficialSchema runs every EPCIS instance under the gs1
// folder through both schemas and checks the verdicts agree.
func TestAgreementWithOfficialSchema(t *testing.T) {
	off := official(t)
	ours := MustCompile()
	fixtures := epcisFixtures(t, gs1Dir(t))
	if len(fixtures) < 100 {
		t.Fatalf("found only %d EPCIS fixtures; the gs1 folder looks incomplete", len(fixtures))
	}
	var bothValid, bothInvalid, differ int
	seen := map[string]bool{}
	perSource := map[string]int{}
	for _, f := range fixtures {
		ov := ours.Instance(f.doc)
		gv := off.Instance(f.doc)
		if strings.Contains(f.rel, "/Invalid/") && len(ov) == 0 {
			t.Errorf("%s: a fixture from an invalid set passed our schema", f.rel)
		}
		source := strings.Join(strings.SplitN(f.rel, "/", 3)[:2], "/")
		perSource[source]++
		reason, listed := deliberateDifferences[f.rel]
		seen[f.rel] = true
		switch {
		case (len(ov) == 0) == (len(gv) == 0):
			if listed {
				t.Errorf("%s: listed as a deliberate difference (%s) but both schemas now agree (valid=%v)", f.rel, reason, len(ov) == 0)
			}
			if len(ov) == 0 {
				bothValid++
			} else {
				bothInvalid++
			}
		case listed:
			differ++
			t.Logf("%s: differs as intended (%s)", f.rel, reason)
		default:
			t.Errorf("%s: verdicts differ\n  ours (valid=%v): %s\n  GS1  (valid=%v): %s",
				f.rel, len(ov) == 0, summary(ov), len(gv) == 0, summary(gv))
		}
	}
	for rel := range deliberateDifferences {
		if !seen[rel] {
			t.Errorf("%s: listed as a deliberate difference but not found among the fixtures", rel)
		}
	}
	for _, src := range slices.Sorted(maps.Keys(perSource)) {
		t.Logf("  %-45s %3d fixtures", src, perSource[src])
	}
	t.Logf("%d EPCIS fixtures: %d valid in both, %d invalid in both, %d deliberate differences",
		len(fixtures), bothValid, bothInvalid, differ)
}

func summary(vs []Violation) string {
	if len(vs) == 0 {
		return "no violations"
	}
	var parts []string
	for i, v := range vs {
		if i == 5 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, v.String())
	}
	return strings.Join(parts, "\n    ")
}
