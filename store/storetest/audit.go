package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// AuditBackend is a store that also keeps the audit log.
type AuditBackend interface {
	store.Store
	store.AuditStore
}

// RunAudit runs the audit log part of the contract on a fresh, empty
// store made by open.
func RunAudit(t *testing.T, open func(t *testing.T) AuditBackend) {
	st := open(t)
	t.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	if recs, err := st.AuditRecords(ctx, store.AuditPage{Party: "a", Limit: 10}); err != nil || len(recs) != 0 {
		t.Fatalf("empty log: %v, %v", recs, err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	rec := func(i int, party string) store.AuditRecord {
		return store.AuditRecord{ID: fmt.Sprintf("%04d", i), Time: t0.Add(time.Duration(i) * time.Second), Party: party,
			KeyID: "k" + party, RequestID: fmt.Sprintf("r%d", i), Method: "GET", Path: "/events",
			Query: "eventType=ObjectEvent", Status: 200, Events: i}
	}
	var batch1, batch2 []store.AuditRecord
	for i := range 5 {
		batch1 = append(batch1, rec(i, "a"))
		batch2 = append(batch2, rec(10+i, map[bool]string{true: "a", false: "b"}[i%2 == 0]))
	}
	for _, b := range [][]store.AuditRecord{batch1, batch2, batch1[3:]} { // the last is a retry
		if err := st.AppendAudit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AppendAudit(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
	// a has 0-4, 10, 12, 14: newest first, in pages of 3.
	want := []string{"0014", "0012", "0010", "0004", "0003", "0002", "0001", "0000"}
	var got []string
	before := ""
	for range 10 {
		page, err := st.AuditRecords(ctx, store.AuditPage{Party: "a", Before: before, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			got = append(got, r.ID)
		}
		before = page[len(page)-1].ID
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("a's records = %v, want %v", got, want)
	}
	page, err := st.AuditRecords(ctx, store.AuditPage{Party: "b", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || !sameAudit(page[0], rec(13, "b")) || page[1].ID != "0011" {
		t.Errorf("b's records = %+v, want 0013 then 0011 in full", page)
	}
}

func sameAudit(a, b store.AuditRecord) bool {
	ta, tb := a.Time, b.Time
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b && ta.Equal(tb)
}
