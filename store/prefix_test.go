package store

import "testing"

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
