package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestMasterDataIsUsedAtOnce captures a document whose header defines a
// location hierarchy and queries with WD_bizLocation right away: the
// engine's master-data cache must be dropped by the capture, not expire.
func TestMasterDataIsUsedAtOnce(t *testing.T) {
	c, err := parseServe([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close(context.Background())
	base := "http://" + srv.Addr

	doc := func(site, area, epc string) string {
		return `{"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
		"type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-01-01T00:00:00Z",
		"epcisHeader": {"epcisMasterData": {"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:BusinessLocation",
			"vocabularyElementList": [{"id": "` + site + `", "children": ["` + area + `"]}]}]}},
		"epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z",
			"eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "epcList": ["` + epc + `"],
			"bizLocation": {"id": "` + area + `"}}]}}`
	}
	count := func(q string) int {
		t.Helper()
		resp, err := http.Get(base + "/events?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d struct {
			EPCISBody struct {
				QueryResults struct {
					ResultsBody struct {
						EventList []any `json:"eventList"`
					} `json:"resultsBody"`
				} `json:"queryResults"`
			} `json:"epcisBody"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /events?%s: %d %v", q, resp.StatusCode, err)
		}
		return len(d.EPCISBody.QueryResults.ResultsBody.EventList)
	}
	capture := func(body string) {
		t.Helper()
		resp, err := http.Post(base+"/capture", "application/ld+json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("capture: %d", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			r, err := http.Get(base + loc)
			if err != nil {
				t.Fatal(err)
			}
			var j struct{ Running bool }
			json.NewDecoder(r.Body).Decode(&j)
			r.Body.Close()
			if !j.Running {
				return
			}
		}
		t.Fatal("capture job still running")
	}

	const site1, area1 = "urn:epc:id:sgln:4012345.00001.0", "urn:epc:id:sgln:4012345.00001.A1"
	const site2, area2 = "urn:epc:id:sgln:4012345.00002.0", "urn:epc:id:sgln:4012345.00002.B1"
	capture(doc(site1, area1, "urn:epc:id:sgtin:4012345.011111.1"))
	if n := count("WD_bizLocation=" + url.QueryEscape(site1)); n != 1 {
		t.Fatalf("WD_bizLocation of the first site: %d events, want 1", n)
	}
	// The first query filled the cache; the second document's hierarchy
	// must be seen at once.
	capture(doc(site2, area2, "urn:epc:id:sgtin:4012345.011111.2"))
	if n := count("WD_bizLocation=" + url.QueryEscape(site2)); n != 1 {
		t.Errorf("WD_bizLocation of the second site right after its capture: %d events, want 1", n)
	}
	if n := count("WD_bizLocation=" + url.QueryEscape(site1) + "%7C" + url.QueryEscape(site2)); n != 2 {
		t.Errorf("WD_bizLocation of both sites: %d events, want 2", n)
	}
}
