package store

import (
	"testing"
	"time"
)

func TestPrefixEnd(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a", "b"},
		{"https://id.gs1.org/01/", "https://id.gs1.org/010"},
		{"a\xff", "b"},
		{"\xff\xff", ""},
		{"", ""},
	} {
		if got := PrefixEnd(tt.in); got != tt.want {
			t.Errorf("PrefixEnd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadersAdmits(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	r := Readers{Owners: []string{"A"}, Grants: []Grant{
		{Terms: [][]string{{"dst=B", "src=B"}}},
		{Owner: "C", Terms: [][]string{{"lt=1", "g=2"}, {"bs=inspecting"}}, EventTime: TimeRange{GE: at.Add(-time.Hour), LT: at.Add(time.Hour)}},
		{Owner: "D"}, // no terms: admits nothing
	}}
	for _, tt := range []struct {
		owner string
		at    time.Time
		terms []string
		want  bool
	}{
		{"A", at, nil, true},
		{"X", at, []string{"dst=B"}, true},
		{"X", at, []string{"dst=C"}, false},
		{"C", at, []string{"g=2", "bs=inspecting"}, true},
		{"C", at, []string{"g=2"}, false},                                     // one clause only
		{"E", at, []string{"g=2", "bs=inspecting"}, false},                    // another owner
		{"C", at.Add(2 * time.Hour), []string{"g=2", "bs=inspecting"}, false}, // outside the window
		{"D", at, []string{"anything"}, false},
	} {
		if got := r.Admits(tt.owner, tt.at, tt.terms); got != tt.want {
			t.Errorf("Admits(%s, %v, %q) = %v, want %v", tt.owner, tt.at, tt.terms, got, tt.want)
		}
	}
	if !(Readers{}).Admits("anyone", at, nil) {
		t.Error("nil Owners admits every event")
	}
}
