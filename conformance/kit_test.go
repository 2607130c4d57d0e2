package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCheckDigits(t *testing.T) {
	// Values from the GS1 EPC Tag Data Standard's examples.
	for _, c := range []struct{ digits, want string }{
		{"8061414112345", "8"},     // GTIN-14 80614141123458
		{"061414111111", "4"},      // GLN 0614141111114
		{"10614141234567890", "8"}, // SSCC 106141412345678908
	} {
		if got := checkDigit(c.digits); got != c.want {
			t.Errorf("checkDigit(%s) = %s, want %s", c.digits, got, c.want)
		}
	}
}

func TestEPCKeysAgreeAcrossForms(t *testing.T) {
	g := GTIN{"812345"}
	for _, c := range []struct{ urn, dl string }{
		{g.SGTIN("400"), g.SGTINDL("400")},
		{g.LGTIN("L1"), g.LGTINDL("L1")},
		{"urn:epc:id:sgln:0614141.11111.0", "https://id.gs1.org/414/0614141111114"},
		{"urn:epc:id:sgln:0614141.11111.X9", "https://example.com/414/0614141111114/254/X9"},
		{"urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"},
	} {
		if !sameValue(c.urn, c.dl) {
			ku, _ := epcKey(c.urn)
			kd, _ := epcKey(c.dl)
			t.Errorf("%s and %s differ: keys %q and %q", c.urn, c.dl, ku, kd)
		}
	}
	if sameValue(g.SGTIN("400"), g.SGTINDL("401")) {
		t.Error("different serials compare equal")
	}
}

func TestIDsAreFreshAndValid(t *testing.T) {
	a, b := NewIDs(), NewIDs()
	if a.Tag() == b.Tag() {
		t.Fatalf("two runs share the tag %s", a.Tag())
	}
	g := a.GTIN()
	d := g.Digits()
	if len(d) != 14 || checkDigit(d[:13]) != d[13:] {
		t.Errorf("GTIN %s has a bad length or check digit", d)
	}
	if gln := a.Location().GLN(); len(gln) != 13 || checkDigit(gln[:12]) != gln[12:] {
		t.Errorf("GLN %s has a bad length or check digit", gln)
	}
	if a.Name() == a.Name() || a.EventID() == a.EventID() {
		t.Error("names or eventIDs repeat")
	}
}

func TestSelect(t *testing.T) {
	cases, err := Cases("")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sel  string
		want int // -1: at least 2
		err  bool
	}{
		{"CAP-001", 1, false},
		{"cap-001", 1, false},
		{"^PAG-", -1, false},
		{"NO-SUCH-CASE", 0, true},
		{"(", 0, true},
	} {
		got, err := Select(cases, c.sel)
		if (err != nil) != c.err {
			t.Errorf("Select(%q) error %v", c.sel, err)
			continue
		}
		if c.want >= 0 && len(got) != c.want || c.want < 0 && len(got) < 2 {
			t.Errorf("Select(%q) = %d cases", c.sel, len(got))
		}
	}
	for _, c := range cases {
		if c.ID == "" || c.Area == "" || c.Title == "" || c.Ref == "" || c.Requirement == "" || c.Run == nil {
			t.Errorf("case %q lacks an ID, area, title, reference, requirement or function", c.ID)
		}
		if c.Level != Must && c.Level != Should && c.Level != May {
			t.Errorf("case %s has level %q", c.ID, c.Level)
		}
	}
}

func TestRunCaseOutcomesAndReports(t *testing.T) {
	c, err := NewClient("http://127.0.0.1:1", &http.Client{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id string, l Level, err error) Case {
		return Case{ID: id, Area: "query", Title: id, Ref: "ref", Requirement: "req", Level: l,
			Run: func(context.Context, *Client) error { return err }}
	}
	rep := &Report{URL: "http://x", RunTag: "T"}
	for _, tc := range []Case{
		mk("A", Must, nil), mk("B", Must, errors.New("broken")), mk("C", Should, errors.New("meh")),
		mk("D", Must, Skip("not supported")),
		{ID: "E", Area: "query", Level: May, Run: func(context.Context, *Client) error { panic("boom") }},
	} {
		rep.Results = append(rep.Results, RunCase(context.Background(), c, tc, time.Second))
	}
	want := []Status{Pass, Fail, Fail, Skipped, Fail}
	for i, r := range rep.Results {
		if r.Status != want[i] {
			t.Errorf("%s: %s, want %s (%s)", r.Case.ID, r.Status, want[i], r.Message)
		}
	}
	if n := len(rep.Failed(Must)); n != 1 {
		t.Errorf("%d MUST failures, want 1", n)
	}
	tot := rep.Totals()
	if last := tot[len(tot)-1]; last.Cases != 5 || last.Pass != 1 || last.Fail != 3 || last.Skip != 1 || last.MustFail != 1 || last.ShouldFail != 1 || last.MayFail != 1 {
		t.Errorf("totals %+v", last)
	}
	var text, js, junit bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "B MUST FAIL: broken") {
		t.Errorf("text report (%v):\n%s", err, text.String())
	}
	var decoded map[string]any
	if err := rep.WriteJSON(&js); err != nil || json.Unmarshal(js.Bytes(), &decoded) != nil {
		t.Errorf("JSON report (%v): %s", err, js.String())
	}
	var suites struct {
		Suites []struct {
			Failures int `xml:"failures,attr"`
			Skipped  int `xml:"skipped,attr"`
		} `xml:"testsuite"`
	}
	if err := rep.WriteJUnit(&junit); err != nil || xml.Unmarshal(junit.Bytes(), &suites) != nil {
		t.Fatalf("JUnit report (%v): %s", err, junit.String())
	}
	// Only the MUST failure fails in JUnit; SHOULD/MAY failures and skips
	// are reported as skipped.
	if len(suites.Suites) != 1 || suites.Suites[0].Failures != 1 || suites.Suites[0].Skipped != 3 {
		t.Errorf("JUnit suites %+v", suites.Suites)
	}
}

func TestSameFields(t *testing.T) {
	g := GTIN{"812345"}
	sent := map[string]any{
		"eventID": "urn:uuid:1", "epcList": []any{g.SGTIN("1"), g.SGTIN("2")}, "bizStep": "shipping",
		"quantityList": []any{map[string]any{"epcClass": g.LGTIN("L"), "quantity": 2.5}},
		"ilmd":         map[string]any{"example:grade": "A"}, "example:temp": 3.0,
	}
	for _, c := range []struct {
		name string
		got  map[string]any
		ns   map[string]string
		ok   bool
	}{
		{"as sent", sent, nil, true},
		{"translated and re-prefixed", map[string]any{
			"eventID": "urn:uuid:1", "epcList": []any{g.SGTINDL("2"), g.SGTINDL("1")}, "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
			"quantityList": []any{map[string]any{"epcClass": g.LGTINDL("L"), "quantity": "2.5"}},
			"ilmd":         map[string]any{"ex:grade": "A"}, "ex:temp": 3.0,
		}, map[string]string{"ex": extNS}, true},
		{"extension under a full IRI", map[string]any{
			"eventID": "urn:uuid:1", "epcList": sent["epcList"], "bizStep": "shipping", "quantityList": sent["quantityList"],
			"ilmd": map[string]any{extNS + "grade": "A"}, extNS + "temp": 3.0,
		}, nil, true},
		{"a serial changed", map[string]any{
			"eventID": "urn:uuid:1", "epcList": []any{g.SGTIN("1"), g.SGTIN("3")}, "bizStep": "shipping", "quantityList": sent["quantityList"],
			"ilmd": sent["ilmd"], "example:temp": 3.0,
		}, nil, false},
		{"an extension under another namespace", map[string]any{
			"eventID": "urn:uuid:1", "epcList": sent["epcList"], "bizStep": "shipping", "quantityList": sent["quantityList"],
			"ilmd": map[string]any{"ex:grade": "A"}, "example:temp": 3.0,
		}, map[string]string{"ex": "https://other.example.com/"}, false},
		{"a quantity changed", map[string]any{
			"eventID": "urn:uuid:1", "epcList": sent["epcList"], "bizStep": "shipping",
			"quantityList": []any{map[string]any{"epcClass": g.LGTIN("L"), "quantity": 2.0}}, "ilmd": sent["ilmd"], "example:temp": 3.0,
		}, nil, false},
	} {
		ns := c.ns
		if ns == nil {
			ns = map[string]string{"example": extNS}
		}
		if err := sameFields(sent, c.got, ns); (err == nil) != c.ok {
			t.Errorf("%s: sameFields = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
