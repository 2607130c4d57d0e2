package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/query/lot"
	"github.com/lotline/lotline/redact"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/subscribe"
)

const (
	acme   = "https://acme.example/process/"
	partyA = "urn:epc:id:pgln:4012345.00000"
	partyB = "urn:epc:id:pgln:0614141.00000"
	// eventA is party A's commissioning event, as capture stores it:
	// process parameters in acme:, a buyer-facing field in ex:.
	eventA = `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"acme":"https://acme.example/process/","ex":"https://ex.example.com/"}],` +
		`"type":"ObjectEvent","eventID":"ni:///sha-256;aaaa?ver=CBV2.0","eventTime":"2024-03-01T10:00:00.000Z","eventTimeZoneOffset":"+01:00",` +
		`"epcList":["https://id.gs1.org/01/04012345111118/21/1"],"action":"ADD","bizStep":"https://ref.gs1.org/cbv/BizStep-commissioning",` +
		`"readPoint":{"id":"https://id.gs1.org/414/4012345000009","acme:station":"S4"},` +
		`"ilmd":{"cbvmda:lotNumber":"L1","acme:recipe":"R7"},"acme:ovenTemp":210.50,"ex:grade":"A","ex:weight":1.10}`
	// eventB is party B's own event, with the same kind of fields.
	eventB = `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"acme":"https://acme.example/process/"}],` +
		`"type":"ObjectEvent","eventID":"ni:///sha-256;bbbb?ver=CBV2.0","eventTime":"2024-03-02T10:00:00.000Z","eventTimeZoneOffset":"+01:00",` +
		`"epcList":["https://id.gs1.org/01/04012345111118/21/1"],"action":"OBSERVE","acme:ovenTemp":99}`
)

func redactTestEvents() []*store.Event {
	rt := time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	return []*store.Event{
		{EventID: "ni:///sha-256;aaaa?ver=CBV2.0", Owner: partyA, RecordTime: rt, Body: []byte(eventA)},
		{EventID: "ni:///sha-256;bbbb?ver=CBV2.0", Owner: partyB, RecordTime: rt, Body: []byte(eventB)},
	}
}

func mustPolicy(t *testing.T, list string) *redact.Policy {
	t.Helper()
	p, err := redact.ParseList(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// answerEvents runs writeEvents for a caller (nil: open mode) and returns
// the answer's events by eventID and its Lotline-Withheld header.
func answerEvents(t *testing.T, p *redact.Policy, caller *auth.Principal, accept string, evs []*store.Event) (map[string]map[string]any, string, string) {
	t.Helper()
	s := &Server{cfg: Config{Owner: store.LocalOwner, Confidential: p}}
	req := httptest.NewRequest(http.MethodGet, "/events", nil)
	req.Header.Set("Accept", accept)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	if caller != nil {
		c.Set(principalKey, *caller)
	}
	if err := s.writeEvents(c, evs); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if strings.Contains(accept, "xml") {
		d, err := decodeXMLAnswer(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		return d, rec.Header().Get(WithheldHeader), body
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	out := map[string]map[string]any{}
	ns := epcis.Namespaces(doc["@context"])
	list := doc["epcisBody"].(map[string]any)["queryResults"].(map[string]any)["resultsBody"].(map[string]any)["eventList"].([]any)
	for _, x := range list {
		ev := x.(map[string]any)
		out[ev["eventID"].(string)] = expandKeys(ev, ns)
	}
	return out, rec.Header().Get(WithheldHeader), body
}

func TestRedactedAnswer(t *testing.T) {
	p := mustPolicy(t, "https://acme.example/process/,ilmd")
	a, b := &auth.Principal{Party: partyA}, &auth.Principal{Party: partyB}
	for _, accept := range []string{"application/ld+json", "application/xml"} {
		t.Run(accept, func(t *testing.T) {
			// B reads A's event: the acme: fields and ilmd are gone, the
			// marker lists them; B's own event is whole.
			evs := redactTestEvents()
			got, header, body := answerEvents(t, p, b, accept, evs)
			if header != "1" {
				t.Errorf("%s = %q, want 1", WithheldHeader, header)
			}
			ea := got["ni:///sha-256;aaaa?ver=CBV2.0"]
			if ea == nil {
				t.Fatalf("A's event missing from the answer:\n%s", body)
			}
			for _, k := range []string{acme + "ovenTemp", "ilmd"} {
				if _, ok := ea[k]; ok {
					t.Errorf("B received %s of A's event", k)
				}
			}
			if rp, _ := ea["readPoint"].(map[string]any); rp["id"] == nil || rp[acme+"station"] != nil {
				t.Errorf("readPoint = %v, want the id without acme:station", ea["readPoint"])
			}
			if strings.Contains(body, "R7") || strings.Contains(body, "210.5") || strings.Contains(body, "S4") {
				t.Errorf("a confidential value is in the answer:\n%s", body)
			}
			if ea["https://ex.example.com/grade"] != "A" {
				t.Errorf("ex:grade = %v, want A (not confidential)", ea["ex:grade"])
			}
			want := []any{acme + "ovenTemp", acme + "station", "ilmd"}
			if !reflect.DeepEqual(ea[WithheldIRI], want) {
				t.Errorf("%s = %v, want %v", WithheldIRI, ea[WithheldIRI], want)
			}
			if eb := got["ni:///sha-256;bbbb?ver=CBV2.0"]; eb == nil || eb[acme+"ovenTemp"] == nil || eb[WithheldIRI] != nil {
				t.Errorf("B's own event = %v, want it whole and unmarked", eb)
			}
			// The stored events are not changed by the redaction.
			if string(evs[0].Body) != eventA || string(evs[1].Body) != eventB {
				t.Error("redaction changed the stored events")
			}

			// A (the owner) and the open mode's local party read A's event
			// whole; A gets B's event redacted, the local party everything whole.
			for _, tc := range []struct {
				caller *auth.Principal
				header string
			}{{a, "1"}, {nil, ""}, {&auth.Principal{Party: store.LocalOwner}, ""}} {
				got, header, _ := answerEvents(t, p, tc.caller, accept, redactTestEvents())
				ea := got["ni:///sha-256;aaaa?ver=CBV2.0"]
				if header != tc.header || ea[acme+"ovenTemp"] == nil || ea["ilmd"] == nil || ea[WithheldIRI] != nil {
					t.Errorf("caller %v: header %q, event %v; want A's event whole and header %q", tc.caller, header, ea, tc.header)
				}
			}
		})
	}
}

// decodeXMLAnswer reads an XML query answer back into JSON-LD events by
// eventID, with the decoder capture uses.
func decodeXMLAnswer(b []byte) (map[string]map[string]any, error) {
	d, err := epcisxml.Decode(b, epcisxml.Limits{})
	if err != nil {
		return nil, err
	}
	doc, err := epcis.NewDocument(d.Tree)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, ev := range doc.Events {
		out[ev["eventID"].(string)] = expandKeys(ev, doc.Namespaces)
	}
	return out, nil
}

func TestRedactFor(t *testing.T) {
	p := mustPolicy(t, "https://acme.example/process/,ilmd")
	tests := []struct {
		name     string
		policy   *redact.Policy
		reader   string
		redacted int  // events redacted
		same     bool // evs itself returned
	}{
		{"stranger to A's event", p, partyB, 1, false},
		{"owner of every event redacted", p, partyA, 1, false}, // B's event has acme:ovenTemp
		{"local party", p, store.LocalOwner, 0, true},
		{"unknown reader", p, "", 2, false},
		{"nil policy", nil, partyB, 0, true},
		{"policy that matches nothing", mustPolicy(t, "https://none.example/"), partyB, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := redactTestEvents()
			out, n, err := redactFor(evs, tt.policy, tt.reader, store.LocalOwner)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.redacted || (&out[0] == &evs[0]) != tt.same {
				t.Errorf("redacted %d (same slice %v), want %d (%v)", n, &out[0] == &evs[0], tt.redacted, tt.same)
			}
			for i, e := range out {
				if e.EventID != evs[i].EventID || e.Owner != evs[i].Owner || !e.RecordTime.Equal(evs[i].RecordTime) {
					t.Errorf("event %d: %+v, want the metadata of %+v", i, e, evs[i])
				}
				if e.Owner == tt.reader && e != evs[i] {
					t.Errorf("event %d: the reader's own event was copied", i)
				}
			}
		})
	}
}

func TestRedactForCorruptBody(t *testing.T) {
	evs := []*store.Event{{EventID: "x", Owner: partyA, Body: []byte(`{"ilmd":{`)}}
	if _, _, err := redactFor(evs, mustPolicy(t, "ilmd"), partyB, store.LocalOwner); err == nil || !strings.Contains(err.Error(), "stored event x is corrupt") {
		t.Errorf("error %v, want a corrupt-event error", err)
	}
}

// TestRedactedEventIsValid checks that a redacted event is still a
// well-formed EPCIS event whose eventID is unchanged.
func TestRedactedEventIsValid(t *testing.T) {
	body, withheld, err := redactBody([]byte(eventA), mustPolicy(t, "https://acme.example/process/,ilmd"))
	if err != nil || len(withheld) != 3 {
		t.Fatalf("withheld %v, err %v", withheld, err)
	}
	v, err := epcis.DecodeJSON(body, epcis.JSONLimits{})
	if err != nil {
		t.Fatal(err)
	}
	ev := v.(map[string]any)
	if ev["eventID"] != "ni:///sha-256;aaaa?ver=CBV2.0" || ev["ex:grade"] != "A" {
		t.Errorf("redacted event %s", body)
	}
	if !bytes.Contains(body, []byte(`"ex:weight":1.10`)) || bytes.Contains(body, []byte(`acme:`)) {
		t.Errorf("want acme: fields gone and ex:weight kept as written (1.10): %s", body)
	}
}

// expandKeys names the extension members of ev (and of its readPoint) by
// IRI, so answers in JSON-LD and XML (whose prefixes differ) compare alike.
func expandKeys(ev map[string]any, ns map[string]string) map[string]any {
	own := epcis.Namespaces(ev["@context"])
	expand := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			if prefix, local, ok := strings.Cut(k, ":"); ok && !strings.HasPrefix(local, "//") {
				if base, ok := own[prefix]; ok {
					k = base + local
				} else if base, ok := ns[prefix]; ok {
					k = base + local
				}
			}
			out[k] = v
		}
		return out
	}
	out := expand(ev)
	if rp, ok := out["readPoint"].(map[string]any); ok {
		out["readPoint"] = expand(rp)
	}
	return out
}

func TestDeliveryDocument(t *testing.T) {
	p := mustPolicy(t, "https://acme.example/process/,ilmd")
	tests := []struct {
		reader, local string
		redacted      []string // eventIDs delivered redacted
	}{
		{partyB, "", []string{"ni:///sha-256;aaaa?ver=CBV2.0"}},
		{partyA, "", []string{"ni:///sha-256;bbbb?ver=CBV2.0"}},
		{store.LocalOwner, "", nil},
		{partyA, partyA, nil}, // a configured local party
	}
	for _, tt := range tests {
		doc := DeliveryDocument(nil, p, tt.local)
		b, err := doc(redactTestEvents(), time.Now(), subscribe.Delivery{SubscriptionID: "s1", Reader: tt.reader})
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			EPCISBody struct {
				QueryResults struct {
					SubscriptionID string
					ResultsBody    struct{ EventList []map[string]any }
				}
			}
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		var redacted []string
		for _, ev := range d.EPCISBody.QueryResults.ResultsBody.EventList {
			if _, ok := ev[WithheldIRI]; ok {
				redacted = append(redacted, ev["eventID"].(string))
				if _, ok := ev["acme:ovenTemp"]; ok {
					t.Errorf("reader %s: acme:ovenTemp delivered in a redacted event", tt.reader)
				}
			}
		}
		if !reflect.DeepEqual(redacted, tt.redacted) || d.EPCISBody.QueryResults.SubscriptionID != "s1" {
			t.Errorf("reader %s local %q: redacted %v (subscription %q), want %v", tt.reader, tt.local, redacted,
				d.EPCISBody.QueryResults.SubscriptionID, tt.redacted)
		}
	}
}

func parsePolicy(list string) (*redact.Policy, error) { return redact.ParseList(list) }

// TestRedactHistory: a lot history's entries stop saying that a withheld
// member was there; the owner's entries keep their flags.
func TestRedactHistory(t *testing.T) {
	sensorEvent := strings.Replace(eventA, `"acme:ovenTemp":210.50`, `"sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":21}]}],"certificationInfo":"https://cert.example/1"`, 1)
	for _, tt := range []struct {
		reader string
		policy string
		want   bool // flags kept
	}{
		{partyB, "sensorElementList,certificationInfo", false},
		{partyB, "https://acme.example/process/", true}, // redacted, but the members are not withheld
		{partyA, "sensorElementList,certificationInfo", true},
	} {
		evs := redactTestEvents()
		evs[0].Body = []byte(sensorEvent)
		entry := lot.Entry{EventID: evs[0].EventID, SensorData: true, Certification: true}
		rec := &lot.Record{Events: evs, Entries: []lot.Entry{entry, {EventID: evs[1].EventID}},
			Groups: lot.Groups{Inspections: []lot.Entry{entry}}}
		s := &Server{cfg: Config{Owner: store.LocalOwner, Confidential: mustPolicy(t, tt.policy)}}
		c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/lots/x/history", nil), httptest.NewRecorder())
		c.Set(principalKey, auth.Principal{Party: tt.reader})
		if _, err := s.redactHistory(c, rec); err != nil {
			t.Fatal(err)
		}
		for _, e := range []lot.Entry{rec.Entries[0], rec.Groups.Inspections[0]} {
			if e.SensorData != tt.want || e.Certification != tt.want {
				t.Errorf("reader %s, policy %q: entry %+v, want flags %v", tt.reader, tt.policy, e, tt.want)
			}
		}
	}
}
