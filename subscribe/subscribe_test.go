package subscribe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/store"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestScheduleNext(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sched store.Schedule
		after string
		want  []string // the next firings, in order
	}{
		{"the standard's example: daily at 01:05", store.Schedule{Hour: "1", Minute: "5"}, "2026-03-01T10:00:00Z",
			[]string{"2026-03-02T01:05:00Z", "2026-03-03T01:05:00Z"}},
		{"hourly at :30", store.Schedule{Minute: "30"}, "2026-03-01T10:30:00Z",
			[]string{"2026-03-01T11:30:00Z", "2026-03-01T12:30:00Z"}},
		{"every second", store.Schedule{Second: "[0-59]"}, "2026-03-01T10:00:00.5Z",
			[]string{"2026-03-01T10:00:01Z", "2026-03-01T10:00:02Z"}},
		{"list and range", store.Schedule{Second: "0,30", Minute: "[58-59]", Hour: "23"}, "2026-03-01T23:58:30Z",
			[]string{"2026-03-01T23:59:00Z", "2026-03-01T23:59:30Z", "2026-03-02T23:58:00Z"}},
		{"Mondays (1) at 09:00", store.Schedule{DayOfWeek: "1", Hour: "9", Minute: "0"}, "2026-03-01T00:00:00Z", // a Sunday
			[]string{"2026-03-02T09:00:00Z", "2026-03-09T09:00:00Z"}},
		{"Sundays are 7", store.Schedule{DayOfWeek: "7", Hour: "0", Minute: "0"}, "2026-03-01T00:00:00Z",
			[]string{"2026-03-08T00:00:00Z"}},
		{"29 February", store.Schedule{Month: "2", DayOfMonth: "29", Hour: "12", Minute: "0"}, "2026-01-01T00:00:00Z",
			[]string{"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"}},
		{"day of month and weekday both hold", store.Schedule{DayOfMonth: "13", DayOfWeek: "5", Hour: "0", Minute: "0"}, "2026-01-01T00:00:00Z",
			[]string{"2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z", "2026-11-13T00:00:00Z"}},
		{"month end", store.Schedule{DayOfMonth: "31", Hour: "0", Minute: "0"}, "2026-04-01T00:00:00Z",
			[]string{"2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := ParseSchedule(tc.sched)
			if err != nil {
				t.Fatal(err)
			}
			at := mustTime(tc.after)
			for _, w := range tc.want {
				at = sc.Next(at)
				if !at.Equal(mustTime(w)) {
					t.Fatalf("next = %v, want %s", at, w)
				}
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for _, tc := range []struct {
		sched store.Schedule
		field string
	}{
		{store.Schedule{}, "schedule"},
		{store.Schedule{Second: "60"}, "second"},
		{store.Schedule{Minute: "-1"}, "minute"},
		{store.Schedule{Hour: "24"}, "hour"},
		{store.Schedule{DayOfMonth: "0"}, "dayOfMonth"},
		{store.Schedule{Month: "13"}, "month"},
		{store.Schedule{DayOfWeek: "0"}, "dayOfWeek"},
		{store.Schedule{Minute: "[5-1]"}, "minute"},
		{store.Schedule{Minute: "[1-]"}, "minute"},
		{store.Schedule{Minute: "1-5"}, "minute"},
		{store.Schedule{Minute: "1,,2"}, "minute"},
		{store.Schedule{Minute: "*"}, "minute"},
		{store.Schedule{Minute: "+5"}, "minute"},
		{store.Schedule{Month: "2", DayOfMonth: "30"}, "schedule"},
	} {
		_, err := ParseSchedule(tc.sched)
		var se *ScheduleError
		if !errors.As(err, &se) || se.Field != tc.field {
			t.Errorf("%+v: %v, want an error on %s", tc.sched, err, tc.field)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		ip             string
		public, always bool // allowed without the switch; refused even with it
	}{
		{"93.184.216.34", true, false},
		{"2606:2800:220:1:248:1893:25c8:1946", true, false},
		{"127.0.0.1", false, false},
		{"127.3.4.5", false, false},
		{"::1", false, false},
		{"10.1.2.3", false, false},
		{"172.16.0.1", false, false},
		{"172.31.255.255", false, false},
		{"172.32.0.1", true, false},
		{"192.168.1.1", false, false},
		{"169.254.1.1", false, false},
		{"fe80::1", false, false},
		{"fc00::1", false, false},
		{"fd12:3456::1", false, false},
		{"100.64.0.1", false, false},
		{"100.127.255.255", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"255.255.255.255", false, false},
		{"::ffff:127.0.0.1", false, false},  // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false, false},   // IPv4-mapped private
		{"64:ff9b::a00:1", false, false},    // NAT64 of 10.0.0.1
		{"64:ff9b::5db8:d822", true, false}, // NAT64 of a public address
		{"169.254.169.254", false, true},
		{"fd00:ec2::254", false, true},
		{"::ffff:169.254.169.254", false, true},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if err := CheckAddr(ip, false); (err == nil) != tc.public {
			t.Errorf("%s without the switch: %v", tc.ip, err)
		}
		if err := CheckAddr(ip, true); (err != nil) != tc.always {
			t.Errorf("%s with --allow-private-webhooks: %v", tc.ip, err)
		}
	}
}

func TestCheckDest(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://receiver.example.com/hook?x=1", true},
		{"http://receiver.example.com:8080/", true},
		{"http://93.184.216.34/", true},
		{"ftp://receiver.example.com/", false},
		{"file:///etc/passwd", false},
		{"gopher://x/", false},
		{"https:///nohost", false},
		{"https://user:pw@receiver.example.com/", false},
		{"https://receiver.example.com/#frag", false},
		{"http://127.0.0.1/", false},
		{"http://[::1]:80/", false},
		{"http://169.254.169.254/latest/meta-data", false},
		{"http://[fd00:ec2::254]/", false},
		{"not a url", false},
	} {
		if _, err := CheckDest(tc.url, false); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.url, err)
		}
	}
}

// TestClientRefusesAtConnection checks the dialer: a name resolving to
// loopback is refused when connecting, and redirects are not followed.
func TestClientRefusesAtConnection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, err := Client(2*time.Second, false).Get(byName + "/")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("localhost without the switch: %v", err)
	}
	resp, err := Client(2*time.Second, true).Get(byName + "/redirect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("redirect followed: %d", resp.StatusCode)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"type":"EPCISQueryDocument"}`)
	sig := Sign("tok", body)
	// HMAC-SHA256("tok", body), computed independently with
	// printf '%s' '{"type":"EPCISQueryDocument"}' | openssl dgst -sha256 -hmac tok
	const want = "sha256=b65baeaae41394bd7db336755cc7da8e5fe50d51cfffab6dbcaaaea088fecfef"
	if sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	for _, tc := range []struct {
		token, header string
		body          []byte
		ok            bool
	}{
		{"tok", sig, body, true},
		{"tok", " " + sig + " ", body, true},
		{"other", sig, body, false},
		{"tok", sig, append([]byte{' '}, body...), false},
		{"tok", strings.TrimPrefix(sig, "sha256="), body, false},
		{"tok", "sha256=zz", body, false},
		{"tok", "", body, false},
	} {
		if got := Verify(tc.token, tc.body, tc.header); got != tc.ok {
			t.Errorf("Verify(%q, %q) = %v", tc.token, tc.header, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	s := New(nil, Config{MinBackoff: time.Second, MaxBackoff: time.Minute})
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 7: time.Minute, 50: time.Minute} {
		for range 20 {
			if d := s.backoff(n); d < want/2 || d > want {
				t.Errorf("backoff(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestBucketBoundsRate(t *testing.T) {
	cfg := Config{RatePerOwner: 50, Burst: 5}
	b := &bucket{tokens: 5, last: time.Now()}
	start := time.Now()
	for range 15 {
		if err := b.wait(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	// 5 at once, then 10 at 50/s: about 200 ms.
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("15 deliveries in %v; the bucket allows 5 plus 50/s", d)
	}
}
