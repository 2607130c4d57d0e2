package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis/demo"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/store"
)

// demoSite is a server requiring keys, holding the demo scenario
// captured by the manufacturer, with keys for the manufacturer, the
// buyer of the second finished lot, and a party the scenario never names.
type demoSite struct {
	*testServer
	maker, buyerB, stranger string
}

func mustParty(t *testing.T, s string) string {
	t.Helper()
	p, err := auth.ParseParty(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func startDemoSite(t *testing.T, backend string) *demoSite {
	t.Helper()
	st := backends[backend](t)
	s := authServer(t, st, 0, nil)
	d := &demoSite{testServer: s}
	_, d.maker = newKey(t, st, mustParty(t, "urn:epc:id:pgln:4012345.00001"))
	_, d.buyerB = newKey(t, st, mustParty(t, demo.Buyers[2].Party))
	_, d.stranger = newKey(t, st, partyB)
	docs, err := demo.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		s.captureAs(t, d.maker, doc)
	}
	return d
}

// lotPage is the page path of a lot given in any form lot.Parse reads.
func lotPage(lotID string) string { return "/ui/lots/" + url.PathEscape(lotID) }

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (s *testServer) page(t *testing.T, path string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := strings.NewReader("").WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{resp.StatusCode, resp.Header, []byte(b.String())}
}

func cookie(key string) []string { return []string{"Cookie", api.KeyCookie + "=" + key} }

func TestPages(t *testing.T) {
	for _, backend := range []string{"sqlite", "mongo"} {
		t.Run(backend, func(t *testing.T) {
			d := startDemoSite(t, backend)
			lotA := lotPage(demo.FinishedLot)
			// Each case: a request and what its answer must be.
			cases := []struct {
				name, path string
				headers    []string
				status     int
				location   string // prefix of Location, for redirects
				contains   []string
				excludes   []string
			}{
				{"browser at / goes to the pages", "/", nil, http.StatusSeeOther, "/ui/", nil, nil},
				{"no key: login form", lotA, nil, http.StatusSeeOther, "/ui/login?next=%2Fui%2Flots%2F", nil, nil},
				{"login form is open", "/ui/login?next=/ui/", nil, http.StatusOK, "", []string{`name="key"`, `type="password"`}, nil},
				{"stylesheet is open", "/ui/static/style.css", nil, http.StatusOK, "", []string{"@media print"}, nil},
				{"bad cookie: back to the login form", lotA, cookie("ll_nope.nope"), http.StatusSeeOther, "/ui/login?error=", nil, nil},
				{"lot page by cookie", lotA, cookie(d.maker), http.StatusOK, "",
					[]string{"Lot FG-2603A", `<svg xmlns="http://www.w3.org/2000/svg" class="graph"`, "Materials consumed", "Process steps",
						"Inspections", "Deviations", "Release", "Shipments", `href="/ui/events/ni:%2F%2F%2Fsha-256`, "Sign out", "Generated ",
						// The family and its mass balance as tables, not a member dump.
						"Packaging levels of lot FG-2603A", "GTIN 14012345444442 ⊃ GTIN 04012345444445", `<table class="balance">`,
						"Accounted for (shipped, destroyed or consumed)", "units accounted for"}, []string{`<dl class="generic">`}},
				{"lot page by Bearer header", lotA, bearer(d.maker), http.StatusOK, "", []string{"Lot FG-2603A"}, []string{"Sign out"}},
				{"lot page shows sensor readings", lotPage(demo.IntermediateLot), cookie(d.maker), http.StatusOK, "", []string{"Sensor reading", "65 CEL"}, nil},
				{"lot as a Digital Link", lotPage("https://id.gs1.org/01/04012345444445/10/FG-2603A"), cookie(d.maker), http.StatusOK, "", []string{"Lot FG-2603A"}, nil},
				{"unknown lot: 404 page", lotPage("urn:epc:class:lgtin:4012345.044444.NOPE"), cookie(d.maker), http.StatusNotFound, "", []string{"<h1>404 "}, nil},
				{"not a lot: 400 page", lotPage("urn:epc:id:sscc:4012345.0000000001"), cookie(d.maker), http.StatusBadRequest, "", []string{"<h1>400 ", "(lot)"}, nil},
				{"unknown page: 404 page", "/ui/nowhere", cookie(d.maker), http.StatusNotFound, "", []string{"<h1>404 "}, nil},
				{"recall page", lotPage(demo.RawLot) + "/recall", cookie(d.maker), http.StatusOK, "",
					[]string{"Recall of lot SUG-2601", `class="node node-lot marked`, mustParty(t, demo.Buyers[1].Party), "Critical tracking events",
						"Mass balance", "Recorded in units of measure", "Packaging levels recalled as one"}, []string{`<dl class="generic">`}},
				{"search a scanned string", "/ui/search?q=" + url.QueryEscape("0104012345444445\x1d10FG-2603A"), cookie(d.maker), http.StatusSeeOther, lotA[:len("/ui/lots/")], nil, nil},
				{"search GTIN and lot fields", "/ui/search?gtin=04012345444445&lot=FG-2603A", cookie(d.maker), http.StatusSeeOther, "/ui/lots/https:%2F%2Fid.gs1.org%2F01%2F04012345444445%2F10%2FFG-2603A", nil, nil},
				{"search an SSCC", "/ui/search?q=" + url.QueryEscape(gs1.MustParseEPC(demo.Pallets()[0]).ElementString()), cookie(d.maker), http.StatusSeeOther, "/ui/ids/", nil, nil},
				{"bad search: 400 with the reason", "/ui/search?q=hello", cookie(d.maker), http.StatusBadRequest, "", []string{`class="error"`, "no known AI"}, nil},
				{"search page lists the lots", "/ui/", cookie(d.maker), http.StatusOK, "", []string{"FG-2603A", "SUG-2601"}, nil},
				{"unknown event: 404 page", "/ui/events/" + url.PathEscape("ni:///sha-256;00?ver=CBV2.0"), cookie(d.maker), http.StatusNotFound, "", []string{"<h1>404 "}, nil},
				// A party the scenario never names reads nothing of it.
				{"stranger: lot is unknown", lotA, cookie(d.stranger), http.StatusNotFound, "", []string{"<h1>404 "}, []string{"FG-2603A</h1>"}},
				{"stranger: no lots listed", "/ui/", cookie(d.stranger), http.StatusOK, "", nil, []string{"<h2>Lots</h2>", "SUG-2601"}},
				{"stranger: no SSCC page", "/ui/ids/" + url.PathEscape(demo.Pallets()[0]), cookie(d.stranger), http.StatusNotFound, "", nil, nil},
				{"SSCC page", "/ui/ids/" + url.PathEscape(demo.Pallets()[0]), cookie(d.maker), http.StatusOK, "", []string{"SSCC", "Events naming it", "packing"}, nil},
				// The buyer of lot B reads the shipments naming it, which
				// name pallets, not lots: no lot page, as the API has no
				// history for it (TestPagesAsTheAPI).
				{"buyer B: lot A is unknown", lotA, cookie(d.buyerB), http.StatusNotFound, "", nil, []string{"Nordmarkt"}},
				// The API keeps answering machines, and never takes the cookie.
				{"API without key: 401 problem", "/lots/" + url.PathEscape(demo.FinishedLot) + "/history", []string{"Accept", "application/json"}, http.StatusUnauthorized, "", []string{`"type":"epcisException:SecurityException"`}, nil},
				{"API ignores the cookie", "/lots/" + url.PathEscape(demo.FinishedLot) + "/history", append(cookie(d.maker), "Accept", "application/json"), http.StatusUnauthorized, "", nil, nil},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := d.page(t, tc.path, tc.headers...)
					if r.status != tc.status {
						t.Fatalf("GET %s = %d, want %d\n%s", tc.path, r.status, tc.status, r.body)
					}
					if tc.location != "" && !strings.HasPrefix(r.header.Get("Location"), tc.location) {
						t.Errorf("Location %q, want prefix %q", r.header.Get("Location"), tc.location)
					}
					for _, want := range tc.contains {
						if !strings.Contains(string(r.body), want) {
							t.Errorf("page lacks %q", want)
						}
					}
					for _, not := range tc.excludes {
						if strings.Contains(string(r.body), not) {
							t.Errorf("page shows %q", not)
						}
					}
					if r.status == http.StatusOK && strings.HasPrefix(tc.path, "/ui/") && !strings.HasPrefix(tc.path, "/ui/static/") {
						if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || r.header.Get("Cache-Control") != "no-store" {
							t.Errorf("Content-Type %q, Cache-Control %q", ct, r.header.Get("Cache-Control"))
						}
					}
				})
			}
		})
	}
}

// TestPageLogin signs in through the form: a good key sets an HttpOnly,
// SameSite=Strict cookie scoped to /ui/ and returns to the page asked
// for; a bad key, an operator key and a post from another site do not.
func TestPageLogin(t *testing.T) {
	d := startDemoSite(t, "sqlite")
	opID, operator, digest := auth.NewKey()
	if err := d.st.(store.KeyStore).CreateKey(context.Background(), &store.APIKey{ID: opID, Party: partyA, Hash: digest, Role: auth.RoleOperator}); err != nil {
		t.Fatal(err)
	}
	post := func(form url.Values, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, d.URL+"/ui/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(url.Values{"key": {d.maker}, "next": {lotPage(demo.FinishedLot)}}, "Origin", d.URL)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != lotPage(demo.FinishedLot) {
		t.Fatalf("login = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cs := resp.Cookies()
	if len(cs) != 1 || cs[0].Name != api.KeyCookie || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode || cs[0].Path != "/ui/" {
		t.Fatalf("cookie %+v", cs)
	}
	for _, tc := range []struct {
		name    string
		form    url.Values
		headers []string
		status  int
	}{
		{"bad key", url.Values{"key": {"ll_x.y"}}, nil, http.StatusUnauthorized},
		{"empty key", url.Values{"key": {""}}, nil, http.StatusUnauthorized},
		{"operator key", url.Values{"key": {operator}}, nil, http.StatusForbidden},
		{"another site", url.Values{"key": {d.maker}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(tc.form, tc.headers...)
			if r.StatusCode != tc.status || len(r.Cookies()) != 0 {
				t.Errorf("login = %d with cookies %v, want %d and none", r.StatusCode, r.Cookies(), tc.status)
			}
		})
	}
	// The return address stays on the pages.
	r := post(url.Values{"key": {d.maker}, "next": {"https://evil.example/"}})
	if loc := r.Header.Get("Location"); loc != "/ui/" {
		t.Errorf("next to another site: Location %q", loc)
	}
}

// TestPagesAsTheAPI checks that each party's lot page answers as the
// API's history of the lot does: found or not found alike.
func TestPagesAsTheAPI(t *testing.T) {
	d := startDemoSite(t, "sqlite")
	for who, key := range map[string]string{"maker": d.maker, "buyerB": d.buyerB, "stranger": d.stranger} {
		for _, l := range []string{demo.RawLot, demo.IntermediateLot, demo.FinishedLot, demo.FinishedLotB} {
			apiR := d.do(t, "GET", "/lots/"+url.PathEscape(l)+"/history", nil, bearer(key)...)
			pageR := d.page(t, lotPage(l), cookie(key)...)
			if apiR.status != pageR.status {
				t.Errorf("%s, %s: API %d, page %d", who, l, apiR.status, pageR.status)
			}
			if who == "maker" && pageR.status != http.StatusOK {
				t.Errorf("maker, %s: page %d", l, pageR.status)
			}
		}
	}
}
