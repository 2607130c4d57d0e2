package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/store"
)

// BenchmarkRedactedPage writes a page of 100 of party A's events (JSON),
// read by A (the fast path, no decoding) and by B (each event decoded,
// redacted and re-encoded), with and without a policy that matches.
func BenchmarkRedactedPage(b *testing.B) {
	evs := make([]*store.Event, 100)
	for i := range evs {
		evs[i] = &store.Event{EventID: fmt.Sprint("e", i), Owner: partyA, RecordTime: time.Now(), Body: []byte(eventA)}
	}
	for _, bc := range []struct {
		name   string
		reader string
		policy string
	}{
		{"owner", partyA, "https://acme.example/process/,ilmd"},
		{"partner/no-policy", partyB, ""},
		{"partner/nothing-matches", partyB, "https://none.example/"},
		{"partner/redacted", partyB, "https://acme.example/process/,ilmd"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := parsePolicy(bc.policy)
			if err != nil {
				b.Fatal(err)
			}
			s := &Server{cfg: Config{Owner: store.LocalOwner, Confidential: p}}
			e := echo.New()
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				c := e.NewContext(httptest.NewRequest(http.MethodGet, "/events", nil), rec)
				c.Set(principalKey, auth.Principal{Party: bc.reader})
				if err := s.writeEvents(c, evs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
