package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
)

// startAPI serves the REST binding over st on a free port.
func startAPI(t *testing.T, st store.Store) *httptest.Server {
	t.Helper()
	cs := capture.New(st, schemas.MustCompile(), capture.Config{}, nil, capture.Hooks{})
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{}, st, cs, nil, nil))
	t.Cleanup(func() {
		srv.Close()
		cs.Close()
	})
	return srv
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// walkHTTP reads every page of a query from GET /events, following each
// page's Link rel="next". It checks what the API adds to the stored
// events (eventTime and eventTimeZoneOffset as captured, recordTime, only
// events in the list) and returns the events with the Seq the reference
// knows them by.
func walkHTTP(t *testing.T, srv *httptest.Server, fx *diffFixture, v url.Values) walkResult {
	var r walkResult
	next := "/events?" + v.Encode()
	for next != "" {
		if len(r.pages) > 10_000 {
			r.err = fmt.Errorf("more than 10000 pages: the walk does not end")
			return r
		}
		cur := next
		resp, err := http.Get(srv.URL + cur)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			var p struct{ Type string }
			json.Unmarshal(body, &p)
			r.err = &epcis.Error{Kind: problemKind(p.Type), Message: fmt.Sprintf("GET %s: %d %s", cur, resp.StatusCode, body)}
			return r
		}
		next = ""
		if l := resp.Header.Get("Link"); l != "" {
			m := nextLink.FindStringSubmatch(l)
			if m == nil {
				r.err = fmt.Errorf("GET %s: Link %q is not one rel=next", cur, l)
				return r
			}
			next = m[1]
		}
		evs, err := pageEvents(body, fx)
		if err != nil {
			r.err = fmt.Errorf("GET %s: %v", cur, err)
			return r
		}
		r.events = append(r.events, evs...)
		r.pages = append(r.pages, len(evs))
	}
	return r
}

// kindOf maps a problem type back to its error kind.
func problemKind(problemType string) epcis.Kind {
	for k := epcis.KindInternal; k <= epcis.KindTimeout; k++ {
		if k.ExceptionType() == problemType {
			return k
		}
	}
	return epcis.KindInternal
}

// pageEvents reads the events of an EPCISQueryDocument and identifies
// each as the reference knows it.
func pageEvents(body []byte, fx *diffFixture) ([]*store.Event, error) {
	var doc struct {
		Type      string
		EPCISBody struct {
			QueryResults struct {
				ResultsBody struct {
					EventList []json.RawMessage
				}
			}
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if doc.Type != "EPCISQueryDocument" {
		return nil, fmt.Errorf("answer of type %q", doc.Type)
	}
	var out []*store.Event
	for _, raw := range doc.EPCISBody.QueryResults.ResultsBody.EventList {
		m, err := decodeEvent(raw)
		if err != nil {
			return nil, err
		}
		ev := epcis.NewEvent(m)
		key := capture.StoredKey(diffOwner, ev)
		s, ok := fx.byKey[key]
		if !ok {
			return nil, fmt.Errorf("event %s is not one of the stored events: %s", key, raw)
		}
		if !slices.Contains(epcis.EventTypes, ev.Type) {
			return nil, fmt.Errorf("event %s has type %q", key, ev.Type)
		}
		if m["eventTime"] != s.Event.Fields["eventTime"] || ev.TimeZoneOffset != s.Event.TimeZoneOffset {
			return nil, fmt.Errorf("event %s: eventTime %v %s, captured as %v %s", key, m["eventTime"], ev.TimeZoneOffset,
				s.Event.Fields["eventTime"], s.Event.TimeZoneOffset)
		}
		rt, err := epcis.ParseTime(fmt.Sprint(m["recordTime"]))
		if err != nil || !rt.Equal(s.RecordTime.Truncate(time.Millisecond)) {
			return nil, fmt.Errorf("event %s: recordTime %v, stored as %v", key, m["recordTime"], s.RecordTime)
		}
		out = append(out, &store.Event{Seq: s.Seq, UniqueKey: key, EventID: ev.EventID, EventTime: ev.EventTime, RecordTime: s.RecordTime})
	}
	return out, nil
}

func decodeEvent(raw []byte) (map[string]any, error) {
	v, err := epcis.DecodeJSON(raw, epcis.JSONLimits{})
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("an event is not an object: %s", raw)
	}
	return m, nil
}
