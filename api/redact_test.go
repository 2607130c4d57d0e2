package api_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/redact"
)

// TestRedactionEndToEnd: party A captures a shipment naming party B as its
// owning destination, with a process extension (ex:batchTemp, the ex:
// namespace is confidential); B reads it without the extension, marked,
// under the same eventID; A reads it whole.
func TestRedactionEndToEnd(t *testing.T) {
	const id = "urn:uuid:5a1e0000-0000-4000-8000-0000000000aa"
	ship := shareEvent(id, "1000", `"action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sscc:4012345.0000000077"],`+
		`"destinationList":[{"type":"owning_party","destination":"`+partyBURN+`"}],`+
		`"ex:batchTemp":{"ex:value":"4.5","@type":"ex:Celsius"}`)
	policy, err := redact.ParseList("https://ns.example.com/epcis/")
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			_, keyA := newKey(t, st, partyA)
			_, keyB := newKey(t, st, partyB)
			a, err := auth.New(auth.Config{Keys: st.(auth.KeyStore), CacheTTL: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			s := startServer(t, st, capture.Config{}, api.Config{Auth: a, Confidential: policy})
			s.captureAs(t, keyA, document(ship))

			for _, path := range []string{"/events?perPage=10", "/events/" + url.PathEscape(id)} {
				r := s.do(t, "GET", path, nil, bearer(keyB)...)
				evs := eventList(t, r)
				if len(evs) != 1 || evs[0]["eventID"] != id {
					t.Fatalf("B's GET %s: %d events %s", path, len(evs), r.body)
				}
				ev := evs[0]
				if _, ok := ev["ex:batchTemp"]; ok || strings.Contains(string(r.body), `"4.5"`) { // quoted: a recordTime such as 14.525Z holds 4.5
					t.Errorf("B's GET %s carries the confidential extension: %s", path, r.body)
				}
				if want := []any{"https://ns.example.com/epcis/batchTemp"}; !reflect.DeepEqual(ev[api.WithheldIRI], want) {
					t.Errorf("B's GET %s: %s = %v, want %v", path, api.WithheldIRI, ev[api.WithheldIRI], want)
				}
				if ev["destinationList"] == nil {
					t.Errorf("B's GET %s lost the destinationList (not confidential)", path)
				}
				if h := r.header.Get(api.WithheldHeader); h != "1" {
					t.Errorf("B's GET %s: %s = %q, want 1", path, api.WithheldHeader, h)
				}

				r = s.do(t, "GET", path, nil, bearer(keyA)...)
				evs = eventList(t, r)
				if len(evs) != 1 || evs[0]["ex:batchTemp"] == nil || evs[0][api.WithheldIRI] != nil || r.header.Get(api.WithheldHeader) != "" {
					t.Errorf("A's GET %s: want its event whole, got %s (%s %q)", path, r.body, api.WithheldHeader, r.header.Get(api.WithheldHeader))
				}
			}

			// The XML answer withholds it too.
			r := s.do(t, "GET", "/events?perPage=10", nil, append(bearer(keyB), "Accept", "application/xml")...)
			if r.status != http.StatusOK || strings.Contains(string(r.body), "batchTemp>") || !strings.Contains(string(r.body), "withheld>https://ns.example.com/epcis/batchTemp<") {
				t.Errorf("B's XML answer: %d %s", r.status, r.body)
			}
		})
	}
}
