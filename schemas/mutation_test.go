package schemas

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAgreementOnMutations is the differential test on generated data: it
// applies random small edits (drop, add or retype a member, empty or
// duplicate a list, swap in a value another field would take) to the valid
// fixtures and the sample document, and checks both schemas still give the
// same verdict on each mutant, except where agreementExempt says the
// difference is a known one.
func TestAgreementOnMutations(t *testing.T) {
	off := official(t)
	ours := MustCompile()
	var seeds []any
	for _, f := range epcisFixtures(t, gs1Dir(t)) {
		if ours.Instance(f.doc) == nil {
			seeds = append(seeds, f.doc)
		}
	}
	seeds = append(seeds, SampleDocument(3, 1))
	n := 4000
	if testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(2026, 3))
	var valid, invalid, exempt int
	for i := range n {
		m := deepCopy(seeds[r.IntN(len(seeds))])
		mutate(r, m, 1+r.IntN(2))
		if agreementExempt(m) {
			exempt++
			continue
		}
		ov, gv := ours.Instance(m), off.Instance(m)
		if (len(ov) == 0) != (len(gv) == 0) {
			b, _ := json.Marshal(m)
			t.Fatalf("mutant %d: verdicts differ\n ours (valid=%v): %s\n GS1  (valid=%v): %s\n%s",
				i, len(ov) == 0, summary(ov), len(gv) == 0, summary(gv), b)
		}
		if len(ov) == 0 {
			valid++
		} else {
			invalid++
		}
	}
	t.Logf("%d mutants: %d valid in both, %d invalid in both, %d skipped as known differences", n, valid, invalid, exempt)
}

var (
	mutantKeys = []string{
		"type", "action", "epcList", "quantityList", "childEPCs", "childQuantityList", "parentID",
		"inputEPCList", "outputEPCList", "inputQuantityList", "outputQuantityList", "transformationID",
		"bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation", "ilmd",
		"bizTransactionList", "sourceList", "destinationList", "sensorElementList", "sensorReport",
		"eventTime", "eventTimeZoneOffset", "eventID", "certificationInfo", "errorDeclaration",
		"@context", "id", "quantity", "uom", "epcClass", "value", "set", "unset", "reason",
		"comment", "example:field", "https://example.com/x", "1x:y",
	}
	mutantValues = []any{
		"", "x", "urn:x:y", "https://example.com/a", "urn:epcglobal:cbv:bizstep:shipping",
		"https://ns.gs1.org/cbv/Disp-active", "https://gs1.org/voc/Temperature", "shipping", "active",
		"po", "location", "Temperature", "ALARM_CONDITION", "x", "ADD", "OBSERVE", "DELETE",
		"2026-01-01T00:00:00Z", "2026-01-01", "+01:00", "+14:30", "KGM", "kg", "ObjectEvent",
		"TransformationEvent", "EPCISDocument", "_:b0", "0A1f", json.Number("1"), json.Number("-2.5"),
		true, nil, []any{}, []any{"urn:x:1"}, []any{"urn:x:1", "urn:x:1"}, map[string]any{},
		map[string]any{"set": []any{"active"}}, map[string]any{"id": "urn:x:1"},
		[]any{map[string]any{"epcClass": "urn:x:c", "quantity": json.Number("3")}},
	}
)

// mutate applies k random edits somewhere inside x (a map or slice).
func mutate(r *rand.Rand, x any, k int) {
	for range k {
		// Walk down a random path, stopping at random.
		node := x
		for depth := 0; depth < 8 && r.IntN(4) != 0; depth++ {
			child := randomChild(r, node)
			if child == nil {
				break
			}
			node = child
		}
		switch c := node.(type) {
		case map[string]any:
			keys := sortedKeys(c)
			switch op := r.IntN(3); {
			case op == 0 && len(keys) > 0:
				delete(c, keys[r.IntN(len(keys))])
			case op == 1 && len(keys) > 0:
				c[keys[r.IntN(len(keys))]] = deepCopy(mutantValues[r.IntN(len(mutantValues))])
			default:
				c[mutantKeys[r.IntN(len(mutantKeys))]] = deepCopy(mutantValues[r.IntN(len(mutantValues))])
			}
		case []any:
			if len(c) == 0 {
				continue
			}
			switch r.IntN(3) {
			case 0:
				clear(c) // every element becomes null
			case 1:
				c[r.IntN(len(c))] = deepCopy(c[0])
			default:
				c[r.IntN(len(c))] = deepCopy(mutantValues[r.IntN(len(mutantValues))])
			}
		}
	}
}

func randomChild(r *rand.Rand, x any) any {
	switch c := x.(type) {
	case map[string]any:
		var kids []any
		for _, k := range sortedKeys(c) {
			switch c[k].(type) {
			case map[string]any, []any:
				kids = append(kids, c[k])
			}
		}
		if len(kids) > 0 {
			return kids[r.IntN(len(kids))]
		}
	case []any:
		var kids []any
		for _, v := range c {
			switch v.(type) {
			case map[string]any, []any:
				kids = append(kids, v)
			}
		}
		if len(kids) > 0 {
			return kids[r.IntN(len(kids))]
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func deepCopy(x any) any {
	switch c := x.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, v := range c {
			m[k] = deepCopy(v)
		}
		return m
	case []any:
		s := make([]any, len(c))
		for i, v := range c {
			s[i] = deepCopy(v)
		}
		return s
	}
	return x
}
