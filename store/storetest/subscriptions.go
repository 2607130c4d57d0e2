package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

// SubscriptionBackend is a store that also keeps subscriptions.
type SubscriptionBackend interface {
	store.Store
	store.SubscriptionStore
}

// RunSubscriptions runs the subscription part of the contract on stores
// made by open, which must return a fresh, empty store at each call.
func RunSubscriptions(t *testing.T, open func(t *testing.T) SubscriptionBackend) {
	tests := []struct {
		name string
		run  func(t *testing.T, st SubscriptionBackend)
	}{
		{"RoundTrip", testSubRoundTrip},
		{"ListAndDelete", testSubListDelete},
		{"Lease", testSubLease},
		{"LeaseRace", testSubLeaseRace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() { _ = st.Close() })
			tc.run(t, st)
		})
	}
}

var subT0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func newSub(id, queryName, owner string) *store.Subscription {
	return &store.Subscription{ID: id, QueryName: queryName, Owner: owner, Dest: "https://example.com/hook/" + id,
		Stream: true, InitialRecordTime: subT0, Progress: store.Progress{MinRecordTime: subT0}}
}

func testSubRoundTrip(t *testing.T, st SubscriptionBackend) {
	ctx := context.Background()
	want := &store.Subscription{ID: "s1", QueryName: "q1", Owner: "alice", CreatedAt: subT0.Add(-time.Hour),
		Dest: "https://example.com/hook", SignatureToken: "secret",
		Schedule:      store.Schedule{Second: "0", Minute: "5,[10-20]", Hour: "1", DayOfMonth: "[1-31]", Month: "12", DayOfWeek: "7"},
		ReportIfEmpty: true, InitialRecordTime: subT0, EPCFormat: "Always_EPC_URN", CBVFormat: "Always_URN",
		Progress: store.Progress{MinRecordTime: subT0, AfterSeq: 42, LastNotifiedAt: subT0.Add(time.Second),
			LastError: "boom", Attempts: 3, DueAt: subT0.Add(time.Minute)}}
	if err := st.CreateSubscription(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := st.Subscription(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	var dup *store.DuplicateError
	if err := st.CreateSubscription(ctx, newSub("s1", "q2", "bob")); !errors.As(err, &dup) || dup.UniqueKey != "s1" {
		t.Errorf("duplicate ID: %v, want a *DuplicateError", err)
	}
	if _, err := st.Subscription(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
	created := newSub("s2", "q1", "alice")
	if err := st.CreateSubscription(ctx, created); err != nil {
		t.Fatal(err)
	}
	if created.CreatedAt.IsZero() {
		t.Error("CreatedAt not set by the store")
	}
}

func testSubListDelete(t *testing.T, st SubscriptionBackend) {
	ctx := context.Background()
	for i := range 7 {
		q, owner := "qa", "alice"
		if i%3 == 2 {
			q, owner = "qb", "bob"
		}
		if err := st.CreateSubscription(ctx, newSub(fmt.Sprintf("id%02d", i), q, owner)); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(p store.SubscriptionPage) []string {
		t.Helper()
		var out []string
		for {
			page, err := st.Subscriptions(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if p.QueryName != "" && s.QueryName != p.QueryName {
					t.Errorf("listing %q returned %s of %q", p.QueryName, s.ID, s.QueryName)
				}
				out = append(out, s.ID)
			}
			if len(page) < p.Limit {
				return out
			}
			p.After = page[len(page)-1].ID
		}
	}
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"qa", "[id00 id01 id03 id04 id06]"},
		{"qb", "[id02 id05]"},
		{"", "[id00 id01 id02 id03 id04 id05 id06]"},
		{"none", "[]"},
	} {
		for _, limit := range []int{1, 2, 100} {
			if got := fmt.Sprint(ids(store.SubscriptionPage{QueryName: tc.query, Limit: limit})); got != tc.want {
				t.Errorf("list %q by %d: %s, want %s", tc.query, limit, got, tc.want)
			}
		}
	}
	for owner, want := range map[string]int{"alice": 5, "bob": 2, "carol": 0} {
		if n, err := st.CountSubscriptions(ctx, owner); err != nil || n != want {
			t.Errorf("CountSubscriptions(%s) = %d, %v; want %d", owner, n, err, want)
		}
	}
	if err := st.DeleteSubscription(ctx, "id00"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSubscription(ctx, "id00"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if n, err := st.DeleteSubscriptions(ctx, "qa"); err != nil || n != 4 {
		t.Errorf("DeleteSubscriptions(qa) = %d, %v; want 4", n, err)
	}
	if got := fmt.Sprint(ids(store.SubscriptionPage{Limit: 10})); got != "[id02 id05]" {
		t.Errorf("after deleting qa: %s", got)
	}
}

func testSubLease(t *testing.T, st SubscriptionBackend) {
	ctx := context.Background()
	if err := st.CreateSubscription(ctx, newSub("L", "q", "alice")); err != nil {
		t.Fatal(err)
	}
	now := subT0
	lease := 10 * time.Second
	got, err := st.AcquireSubscription(ctx, "L", "A", now, now.Add(lease))
	if err != nil {
		t.Fatal(err)
	}
	if got.LeaseHolder != "A" || !got.LeaseUntil.Equal(now.Add(lease)) || got.Dest == "" {
		t.Errorf("acquired: holder %q until %v", got.LeaseHolder, got.LeaseUntil)
	}
	if _, err := st.AcquireSubscription(ctx, "L", "B", now.Add(time.Second), now.Add(time.Minute)); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("B while A holds it: %v, want ErrLeaseHeld", err)
	}
	// A renews.
	if _, err := st.AcquireSubscription(ctx, "L", "A", now.Add(5*time.Second), now.Add(15*time.Second)); err != nil {
		t.Errorf("renewal: %v", err)
	}
	p := store.Progress{MinRecordTime: subT0.Add(time.Second), AfterSeq: 7, LastNotifiedAt: now.Add(6 * time.Second)}
	if err := st.UpdateSubscriptionProgress(ctx, "L", "A", now.Add(6*time.Second), p); err != nil {
		t.Fatalf("A's progress: %v", err)
	}
	bad := store.Progress{AfterSeq: 1000}
	if err := st.UpdateSubscriptionProgress(ctx, "L", "B", now.Add(6*time.Second), bad); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("B's progress while A holds it: %v, want ErrLeaseHeld", err)
	}
	// A's lease ran out at +15 s: B takes over, and A can no longer write.
	if _, err := st.AcquireSubscription(ctx, "L", "B", now.Add(16*time.Second), now.Add(26*time.Second)); err != nil {
		t.Fatalf("B after expiry: %v", err)
	}
	if err := st.UpdateSubscriptionProgress(ctx, "L", "A", now.Add(16*time.Second), bad); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("A's progress after losing the lease: %v, want ErrLeaseHeld", err)
	}
	if err := st.UpdateSubscriptionProgress(ctx, "L", "B", now.Add(30*time.Second), bad); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("B's progress after its own lease expired: %v, want ErrLeaseHeld", err)
	}
	got, err = st.Subscription(ctx, "L")
	if err != nil {
		t.Fatal(err)
	}
	if got.AfterSeq != 7 || !got.MinRecordTime.Equal(p.MinRecordTime) || !got.LastNotifiedAt.Equal(p.LastNotifiedAt) {
		t.Errorf("progress = %+v, want A's %+v", got.Progress, p)
	}
	if err := st.ReleaseSubscription(ctx, "L", "A"); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("release by a non-holder: %v, want ErrLeaseHeld", err)
	}
	if err := st.ReleaseSubscription(ctx, "L", "B"); err != nil {
		t.Errorf("release: %v", err)
	}
	// Released: anyone may take it at once.
	if _, err := st.AcquireSubscription(ctx, "L", "C", now.Add(17*time.Second), now.Add(27*time.Second)); err != nil {
		t.Errorf("C after release: %v", err)
	}
	if _, err := st.AcquireSubscription(ctx, "gone", "A", now, now.Add(lease)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acquire missing: %v, want ErrNotFound", err)
	}
	if err := st.UpdateSubscriptionProgress(ctx, "gone", "A", now, p); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("progress of missing: %v, want ErrNotFound", err)
	}
}

// testSubLeaseRace: servers racing for a free or expired lease, as the
// survivors of a dead server do, have exactly one winner, and the
// losers cannot write progress.
func testSubLeaseRace(t *testing.T, st SubscriptionBackend) {
	ctx := context.Background()
	if err := st.CreateSubscription(ctx, newSub("R", "q", "alice")); err != nil {
		t.Fatal(err)
	}
	race := func(round int, now time.Time) string {
		t.Helper()
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = st.AcquireSubscription(ctx, "R", fmt.Sprintf("h%d-%d", round, i), now, now.Add(10*time.Second))
			})
		}
		wg.Wait()
		winner := ""
		for i, err := range errs {
			switch {
			case err == nil && winner != "":
				t.Errorf("round %d: both %s and h%d-%d won the lease", round, winner, round, i)
			case err == nil:
				winner = fmt.Sprintf("h%d-%d", round, i)
			case !errors.Is(err, store.ErrLeaseHeld):
				t.Errorf("round %d: h%d-%d: %v, want ErrLeaseHeld", round, round, i, err)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: nobody won the lease", round)
		}
		got, err := st.Subscription(ctx, "R")
		if err != nil || got.LeaseHolder != winner {
			t.Errorf("round %d: stored holder %q (%v), want the winner %s", round, got.LeaseHolder, err, winner)
		}
		for i := range n {
			h := fmt.Sprintf("h%d-%d", round, i)
			err := st.UpdateSubscriptionProgress(ctx, "R", h, now.Add(time.Second), store.Progress{AfterSeq: int64(round*10 + i)})
			if (h == winner) != (err == nil) {
				t.Errorf("round %d: progress by %s (winner %s): %v", round, h, winner, err)
			}
		}
		return winner
	}
	first := race(0, subT0)
	// Expired: another race, another single winner, who reads the
	// progress the first winner wrote.
	second := race(1, subT0.Add(time.Minute))
	if first == second {
		t.Errorf("the same holder %s won twice", first)
	}
	if err := st.UpdateSubscriptionProgress(ctx, "R", first, subT0.Add(time.Minute), store.Progress{}); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("the first winner after losing the lease: %v, want ErrLeaseHeld", err)
	}
}
