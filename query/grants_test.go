package query

import (
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// TestGrantTerms: the terms of a party, a product and a business step are
// those Terms gives the events that name them, in any form.
func TestGrantTerms(t *testing.T) {
	const party = "https://id.gs1.org/417/4012345000016"
	ev := mustEvent(t, `{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2024-03-01T10:00:00Z","eventTimeZoneOffset":"+00:00",
		"bizStep":"urn:epcglobal:cbv:bizstep:inspecting",
		"quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.L1","quantity":1}],
		"destinationList":[{"type":"owning_party","destination":"urn:epc:id:pgln:4012345.00001"}]}`)
	terms := Terms(ev)
	has := func(list []string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return slices.Contains(terms, s) })
	}
	if !has(PartyTerms(party)) {
		t.Errorf("PartyTerms(%s) = %q; the event's terms %q name none", party, PartyTerms(party), terms)
	}
	if has(PartyTerms("https://id.gs1.org/417/4012345000023")) {
		t.Error("another party's terms match")
	}
	if !has(ProductTerms(nil, []string{CanonicalID("urn:epc:class:lgtin:4012345.011111.L1")})) || !has(ProductTerms([]string{"04012345111118"}, nil)) {
		t.Errorf("ProductTerms miss the event's lot or GTIN: %q", terms)
	}
	if has(ProductTerms(nil, []string{CanonicalID("urn:epc:class:lgtin:4012345.011111.L2")})) {
		t.Error("another lot's terms match")
	}
	if !has(BizStepTerms([]string{"inspecting"})) || has(BizStepTerms([]string{"shipping"})) {
		t.Errorf("BizStepTerms wrong: %q", terms)
	}
	rule := &store.SharingRule{Owner: "A", Grantee: "B", Lots: []string{CanonicalID("urn:epc:class:lgtin:4012345.011111.L1")},
		BizSteps: []string{"inspecting"}, From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}
	g := RuleGrant(rule)
	r := store.Readers{Owners: []string{"B"}, Grants: []store.Grant{g}}
	if !r.Admits("A", ev.EventTime, terms) {
		t.Errorf("the rule's grant %+v does not admit the event", g)
	}
	if r.Admits("C", ev.EventTime, terms) {
		t.Error("the rule's grant admits another owner's event")
	}
	if g := RuleGrant(&store.SharingRule{Owner: "A", Grantee: "B"}); len(g.Terms) != 0 {
		t.Errorf("a rule without criteria gives terms %q", g.Terms)
	}
}
