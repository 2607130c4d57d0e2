package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// SharingBackend is a store that also keeps sharing rules.
type SharingBackend interface {
	store.Store
	store.SharingRuleStore
}

// RunSharing runs the sharing-rule part of the contract on stores made by
// open, which must return a fresh, empty store at each call.
func RunSharing(t *testing.T, open func(t *testing.T) SharingBackend) {
	tests := []struct {
		name string
		run  func(t *testing.T, st SharingBackend)
	}{
		{"Empty", testRulesEmpty},
		{"Listings", testRulesListings},
		{"Duplicate", testRulesDuplicate},
		{"Delete", testRulesDelete},
		{"CreatedAtSet", testRulesCreatedAt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() { _ = st.Close() })
			tc.run(t, st)
		})
	}
}

// The parties of the sharing fixture.
const (
	ruleMaker = "https://id.gs1.org/417/4012345000009"
	ruleBuyer = "https://id.gs1.org/417/0614141000012"
	ruleOther = "https://id.gs1.org/417/9521234000006"
)

var ruleT0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// ruleFixture is the rules the listing tests create, in creation order
// of their CreatedAt (not of their IDs, nor of their insertion).
func ruleFixture() []*store.SharingRule {
	return []*store.SharingRule{
		{ID: "r3", Owner: ruleMaker, Grantee: ruleBuyer, GTINs: []string{"04012345111118"},
			BizSteps: []string{"https://ref.gs1.org/cbv/BizStep-inspecting", "https://ref.gs1.org/cbv/BizStep-shipping"},
			From:     ruleT0.Add(-24 * time.Hour), To: ruleT0.Add(24 * time.Hour), CreatedAt: ruleT0},
		{ID: "r1", Owner: ruleMaker, Grantee: ruleBuyer, Lots: []string{"https://id.gs1.org/01/04012345111118/10/L1"},
			From: ruleT0.Add(-time.Hour), CreatedAt: ruleT0.Add(time.Second)},
		// Same CreatedAt as r1: the ID breaks the tie.
		{ID: "r2", Owner: ruleMaker, Grantee: ruleOther, BizSteps: []string{"https://ref.gs1.org/cbv/BizStep-receiving"},
			To: ruleT0, CreatedAt: ruleT0.Add(time.Second)},
		{ID: "r0", Owner: ruleBuyer, Grantee: ruleMaker, GTINs: []string{"00614141999996"},
			Lots: []string{"https://id.gs1.org/01/00614141999996/10/X9"}, CreatedAt: ruleT0.Add(time.Minute)},
	}
}

func createRules(t *testing.T, st SharingBackend, rules []*store.SharingRule) {
	t.Helper()
	// Inserted in reverse, so that insertion order is not the listing's.
	for _, r := range slices.Backward(rules) {
		c := *r
		if err := st.CreateRule(context.Background(), &c); err != nil {
			t.Fatalf("CreateRule(%s): %v", r.ID, err)
		}
	}
}

func ruleIDs(rules []*store.SharingRule) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	return strings.Join(ids, ",")
}

// sameRule reports how a differs from b, or nil. Empty and nil lists are
// the same.
func sameRule(a, b *store.SharingRule) error {
	lists := func(r *store.SharingRule) string { return fmt.Sprintf("%q %q %q", r.GTINs, r.Lots, r.BizSteps) }
	switch {
	case a.ID != b.ID || a.Owner != b.Owner || a.Grantee != b.Grantee:
		return fmt.Errorf("rule %s %s->%s, want %s %s->%s", a.ID, a.Owner, a.Grantee, b.ID, b.Owner, b.Grantee)
	case lists(a) != lists(b):
		return fmt.Errorf("rule %s lists %s, want %s", a.ID, lists(a), lists(b))
	case !a.From.Equal(b.From) || !a.To.Equal(b.To) || !a.CreatedAt.Equal(b.CreatedAt):
		return fmt.Errorf("rule %s times [%v, %v) created %v, want [%v, %v) created %v", a.ID, a.From, a.To, a.CreatedAt,
			b.From, b.To, b.CreatedAt)
	}
	return nil
}

func checkRules(t *testing.T, what string, got, want []*store.SharingRule) {
	t.Helper()
	if ruleIDs(got) != ruleIDs(want) {
		t.Errorf("%s = [%s], want [%s]", what, ruleIDs(got), ruleIDs(want))
		return
	}
	for i := range got {
		if err := sameRule(got[i], want[i]); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
}

// expectRules is the model of the listings: the fixture's rules whose
// field is party, in (CreatedAt, ID) order.
func expectRules(all []*store.SharingRule, field func(*store.SharingRule) string, party string) []*store.SharingRule {
	var out []*store.SharingRule
	for _, r := range all {
		if field(r) == party {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *store.SharingRule) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func listRules(t *testing.T, st SharingBackend, grantee bool, party string) []*store.SharingRule {
	t.Helper()
	list, what := st.RulesOf, "RulesOf"
	if grantee {
		list, what = st.RulesFor, "RulesFor"
	}
	rules, err := list(context.Background(), party)
	if err != nil {
		t.Fatalf("%s(%s): %v", what, party, err)
	}
	return rules
}

func testRulesEmpty(t *testing.T, st SharingBackend) {
	for _, grantee := range []bool{false, true} {
		if rules := listRules(t, st, grantee, ruleMaker); len(rules) != 0 {
			t.Errorf("listing (grantee %v) of an empty store = [%s], want none", grantee, ruleIDs(rules))
		}
	}
	if err := st.DeleteRule(context.Background(), ruleMaker, "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteRule on an empty store: %v, want ErrNotFound", err)
	}
}

func testRulesListings(t *testing.T, st SharingBackend) {
	all := ruleFixture()
	createRules(t, st, all)
	owner := func(r *store.SharingRule) string { return r.Owner }
	grantee := func(r *store.SharingRule) string { return r.Grantee }
	tests := []struct {
		party   string
		grantee bool
		want    string // the model's answer, guarding the fixture
	}{
		{ruleMaker, false, "r3,r1,r2"},
		{ruleBuyer, false, "r0"},
		{ruleOther, false, ""},
		{ruleBuyer, true, "r3,r1"},
		{ruleOther, true, "r2"},
		{ruleMaker, true, "r0"},
		{"https://id.gs1.org/417/0000000000000", true, ""},
	}
	for _, tt := range tests {
		field, what := owner, "RulesOf"
		if tt.grantee {
			field, what = grantee, "RulesFor"
		}
		want := expectRules(all, field, tt.party)
		if ruleIDs(want) != tt.want {
			t.Fatalf("fixture: the model lists [%s] for %s(%s), want [%s]", ruleIDs(want), what, tt.party, tt.want)
		}
		checkRules(t, what+"("+tt.party+")", listRules(t, st, tt.grantee, tt.party), want)
	}
}

func testRulesDuplicate(t *testing.T, st SharingBackend) {
	all := ruleFixture()
	createRules(t, st, all)
	// Another owner's rule under a taken ID must not replace it.
	dupRule := &store.SharingRule{ID: "r1", Owner: ruleOther, Grantee: ruleMaker, GTINs: []string{"09521234000002"}}
	var dup *store.DuplicateError
	if err := st.CreateRule(context.Background(), dupRule); !errors.As(err, &dup) || dup.UniqueKey != "r1" {
		t.Errorf("CreateRule with a taken ID: %v, want a *DuplicateError for r1", err)
	}
	checkRules(t, "RulesOf(maker)", listRules(t, st, false, ruleMaker), expectRules(all, func(r *store.SharingRule) string { return r.Owner }, ruleMaker))
	if rules := listRules(t, st, false, ruleOther); len(rules) != 0 {
		t.Errorf("RulesOf(other) after a rejected rule = [%s], want none", ruleIDs(rules))
	}
}

func testRulesDelete(t *testing.T, st SharingBackend) {
	ctx := context.Background()
	all := ruleFixture()
	createRules(t, st, all)
	// Another party cannot delete a rule, not even its grantee.
	for _, party := range []string{ruleBuyer, ruleOther} {
		if err := st.DeleteRule(ctx, party, "r1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteRule(%s, r1) by a party that does not own it: %v, want ErrNotFound", party, err)
		}
	}
	if got := ruleIDs(listRules(t, st, true, ruleBuyer)); got != "r3,r1" {
		t.Fatalf("RulesFor(buyer) after refused deletions = [%s], want [r3,r1]", got)
	}
	if err := st.DeleteRule(ctx, ruleMaker, "r1"); err != nil {
		t.Fatalf("DeleteRule(maker, r1): %v", err)
	}
	left := slices.DeleteFunc(all, func(r *store.SharingRule) bool { return r.ID == "r1" })
	checkRules(t, "RulesOf(maker) after deleting r1", listRules(t, st, false, ruleMaker),
		expectRules(left, func(r *store.SharingRule) string { return r.Owner }, ruleMaker))
	checkRules(t, "RulesFor(buyer) after deleting r1", listRules(t, st, true, ruleBuyer),
		expectRules(left, func(r *store.SharingRule) string { return r.Grantee }, ruleBuyer))
	for _, tc := range []struct{ owner, id string }{{ruleMaker, "r1"}, {ruleMaker, "nope"}} {
		if err := st.DeleteRule(ctx, tc.owner, tc.id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteRule(%s, %s) of no rule: %v, want ErrNotFound", tc.owner, tc.id, err)
		}
	}
	// The ID of a deleted rule may be used again.
	again := &store.SharingRule{ID: "r1", Owner: ruleOther, Grantee: ruleBuyer, BizSteps: []string{"https://ref.gs1.org/cbv/BizStep-packing"},
		CreatedAt: ruleT0.Add(time.Hour)}
	if err := st.CreateRule(ctx, again); err != nil {
		t.Fatalf("CreateRule reusing a deleted ID: %v", err)
	}
	checkRules(t, "RulesOf(other)", listRules(t, st, false, ruleOther), []*store.SharingRule{again})
}

func testRulesCreatedAt(t *testing.T, st SharingBackend) {
	before := time.Now()
	r := &store.SharingRule{ID: "fresh", Owner: ruleMaker, Grantee: ruleBuyer, GTINs: []string{"04012345111118"}}
	if err := st.CreateRule(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.CreatedAt.Before(before.Add(-time.Minute)) || r.CreatedAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("CreatedAt = %v, want about now (%v)", r.CreatedAt, before)
	}
	checkRules(t, "RulesOf(maker)", listRules(t, st, false, ruleMaker), []*store.SharingRule{r})
	if got := listRules(t, st, true, ruleBuyer); len(got) != 1 || !got[0].From.IsZero() || !got[0].To.IsZero() {
		t.Errorf("RulesFor(buyer) = %+v, want one rule with open bounds", got)
	}
}
