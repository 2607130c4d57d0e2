package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/lotline/lotline/store"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
)

func shareCmd(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"share"}, args...), func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if err != nil {
		code = exitCode(err)
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// TestShareCommand: lotline share creates, lists and deletes an owner's
// rules in the store, checking them as the API does.
func TestShareCommand(t *testing.T) {
	dir := t.TempDir()
	const owner = "urn:epc:id:pgln:4012345.00000"
	id, msg, code := shareCmd("create", "--data", dir, "--owner", owner, "--grantee", "0614141000012",
		"--lot", "urn:epc:class:lgtin:4012345.011111.L1", "--bizstep", "inspecting", "--from", "2024-01-01T00:00:00Z")
	if code != 0 {
		t.Fatalf("create: exit %d %s", code, msg)
	}
	id = strings.TrimSpace(id)
	list, msg, code := shareCmd("list", "--data", dir, "--owner", owner)
	if code != 0 || !strings.Contains(list, id) || !strings.Contains(list, "https://id.gs1.org/417/0614141000012") ||
		!strings.Contains(list, "https://id.gs1.org/01/04012345111118/10/L1") || !strings.Contains(list, "BizStep-inspecting") {
		t.Errorf("list: exit %d\n%s%s", code, list, msg)
	}
	st, err := sqlitestore.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := st.RulesFor(context.Background(), "https://id.gs1.org/417/0614141000012")
	st.Close()
	if err != nil || len(rules) != 1 || rules[0].Owner != "https://id.gs1.org/417/4012345000009" {
		t.Fatalf("stored rules for the grantee: %+v, %v", rules, err)
	}
	for _, bad := range [][]string{
		{"create", "--data", dir, "--owner", owner, "--grantee", "0614141000012"},                   // no criteria
		{"create", "--data", dir, "--owner", "nobody", "--grantee", "0614141000012", "--gtin", "x"}, // bad owner
		{"create", "--data", dir, "--grantee", "0614141000012", "--bizstep", "shipping"},            // no owner
		{"delete", "--data", dir, "--owner", owner},                                                 // no ID
		{"frobnicate"},
	} {
		if _, msg, code := shareCmd(bad...); code != 2 {
			t.Errorf("share %q: exit %d, want 2 (%s)", bad, code, msg)
		}
	}
	if _, msg, code := shareCmd("delete", "--data", dir, "--owner", store.LocalOwner, id); code == 0 {
		t.Errorf("another owner deleted the rule: %s", msg)
	}
	if _, msg, code := shareCmd("delete", "--data", dir, "--owner", owner, id); code != 0 {
		t.Fatalf("delete: exit %d %s", code, msg)
	}
	if list, _, _ := shareCmd("list", "--data", dir, "--owner", owner); strings.Contains(list, id) {
		t.Errorf("the deleted rule is listed:\n%s", list)
	}
}
