package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestBenchSoakSmoke runs the soak tool for a moment (the real soak runs
// by hand, for minutes): every kind of request is served, without errors,
// and every captured event reaches the subscription.
func TestBenchSoakSmoke(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"bench", "soak", "--duration", "2s", "--max-requests", "300", "--clients", "2", "--events-per-doc", "5"},
		func(string) string { return "" }, nil, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
	}
	o := out.String()
	for _, want := range []string{"served capture", "served query", "errors: 0", "end: RSS"} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	var captured, pushed int
	for _, l := range strings.Split(o, "\n") {
		if strings.HasPrefix(l, "events: ") {
			if _, err := fmt.Sscanf(l, "events: %d in accepted captures, %d delivered", &captured, &pushed); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
		}
	}
	if captured == 0 || pushed < captured {
		t.Errorf("%d events captured, %d pushed", captured, pushed)
	}
	for _, bad := range [][]string{{"--duration", "0s"}, {"--clients", "0"}, {"extra"}} {
		var ee *exitError
		if err := run(context.Background(), append([]string{"bench", "soak"}, bad...), func(string) string { return "" }, nil, &out, &errb); !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("bench soak %v: %v, want a usage error", bad, err)
		}
	}
}
