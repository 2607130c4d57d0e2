package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
)

// forEachBackendLearning runs f against a server on each store whose
// company prefix table learns from captured URNs, so that answers can be
// given as EPC URNs.
func forEachBackendLearning(t *testing.T, f func(t *testing.T, s *testServer)) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			prefixes := gs1.NewPrefixTable()
			f(t, startServer(t, open(t), capture.Config{Prefixes: prefixes}, api.Config{Prefixes: prefixes}))
		})
	}
}

// lotEndpoints are the lot answers about FIN1 of the recall scenario,
// the lot given as a URN and as a Digital Link.
var lotEndpoints = []struct{ name, path string }{
	{"history", "/lots/" + url.PathEscape(trFin) + "/history"},
	{"history by Digital Link", "/lots/" + url.PathEscape(query.CanonicalID(trFin)) + "/history"},
	{"trace", "/lots/" + url.PathEscape(trFin) + "/trace"},
	{"trace by Digital Link", "/lots/" + url.PathEscape(query.CanonicalID(trFin)) + "/trace?direction=both"},
	{"recall", "/lots/" + url.PathEscape(trFin) + "/recall"},
	{"recall by Digital Link", "/lots/" + url.PathEscape(query.CanonicalID(trFin)) + "/recall"},
}

// eachWord calls f with every space-separated word of every string of a
// decoded JSON value, and the name of the member holding it. The history's
// events document is skipped: GET /events's own tests cover it.
func eachWord(v any, key string, f func(key, word string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			if k != "events" || key != "" {
				eachWord(y, k, f)
			}
		}
	case []any:
		for _, y := range x {
			eachWord(y, key, f)
		}
	case string:
		for _, w := range strings.Split(x, " ") {
			f(key, w)
		}
	}
}

func isDigitalLink(w string) bool {
	_, err := gs1.ParseEPC(w)
	return strings.HasPrefix(w, "http") && err == nil
}

func isEPCURN(w string) bool { return strings.HasPrefix(w, "urn:epc:") }

func withParam(path, k, v string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + k + "=" + url.QueryEscape(v)
}

// TestLotAnswersEPCFormat: every identifier of the lot answers is in the
// form GS1-EPC-Format asks for, given as a header or a query parameter;
// Digital Links by default, as the query resources.
func TestLotAnswersEPCFormat(t *testing.T) {
	forEachBackendLearning(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, recallDocument()); job["success"] != true {
			t.Fatalf("capture failed: %v", job)
		}
		for _, ep := range lotEndpoints {
			for _, tt := range []struct {
				name, format string
				asParam      bool
				applied      string
				want         func(w string) bool // every identifier word must pass
				lot          string
			}{
				{"default", "", false, "Always_GS1_Digital_Link", func(w string) bool { return !isEPCURN(w) }, query.CanonicalID(trFin)},
				{"Digital Link", "Always_GS1_Digital_Link", false, "Always_GS1_Digital_Link", func(w string) bool { return !isEPCURN(w) }, query.CanonicalID(trFin)},
				{"URN", "Always_EPC_URN", false, "Always_EPC_URN", func(w string) bool { return !isDigitalLink(w) }, trFin},
				{"URN as a parameter", "Always_EPC_URN", true, "Always_EPC_URN", func(w string) bool { return !isDigitalLink(w) }, trFin},
				{"Digital Link as a parameter", "Always_GS1_Digital_Link", true, "Always_GS1_Digital_Link", func(w string) bool { return !isEPCURN(w) }, query.CanonicalID(trFin)},
				{"no preference", "No_Preference", false, "No_Preference", func(string) bool { return true }, query.CanonicalID(trFin)},
				{"never", "Never_Translates", false, "Never_Translates", func(string) bool { return true }, query.CanonicalID(trFin)},
			} {
				t.Run(ep.name+"/"+tt.name, func(t *testing.T) {
					path, h := ep.path, []string{}
					if tt.asParam {
						path = withParam(path, "GS1-EPC-Format", tt.format)
					} else if tt.format != "" {
						h = []string{"GS1-EPC-Format", tt.format}
					}
					r := s.do(t, "GET", path, nil, h...)
					if r.status != http.StatusOK {
						t.Fatalf("GET %s = %d\n%s", path, r.status, r.body)
					}
					if got := r.header.Get("GS1-EPC-Format"); got != tt.applied {
						t.Errorf("GS1-EPC-Format applied %q, want %q", got, tt.applied)
					}
					if n := r.header.Get("Lotline-Untranslated-EPCs"); n != "" {
						t.Errorf("Lotline-Untranslated-EPCs = %s; every prefix was learned", n)
					}
					m := r.json(t)
					if m["lot"] != tt.lot {
						t.Errorf("lot = %v, want %s", m["lot"], tt.lot)
					}
					ids := 0
					eachWord(m, "", func(key, w string) {
						if isEPCURN(w) || isDigitalLink(w) {
							ids++
						}
						if !tt.want(w) {
							t.Errorf("%s: %q is not in the form %s asks for", key, w, tt.applied)
						}
					})
					if ids < 10 {
						t.Errorf("only %d identifiers in the answer", ids)
					}
				})
			}
		}
		// No_Preference and Never_Translates give the lot model's own
		// (canonical) forms alike.
		for _, ep := range lotEndpoints[2:] {
			a := s.do(t, "GET", ep.path, nil, "GS1-EPC-Format", "No_Preference")
			b := s.do(t, "GET", ep.path, nil, "GS1-EPC-Format", "Never_Translates")
			if !bytes.Equal(a.body, b.body) {
				t.Errorf("%s: No_Preference and Never_Translates differ:\n%s\n%s", ep.name, a.body, b.body)
			}
		}
		// A bad format is refused before any work, naming the header.
		for _, ep := range lotEndpoints {
			for _, h := range []string{"GS1-EPC-Format", "GS1-CBV-XML-Format"} {
				r := s.do(t, "GET", ep.path, nil, h, "Sometimes")
				if p := problem(t, r, http.StatusBadRequest, "ValidationException"); p["parameter"] != h {
					t.Errorf("%s with a bad %s: %v", ep.name, h, p)
				}
				r = s.do(t, "GET", withParam(withParam(ep.path, h, "Always_URN"), h, "Always_URN"), nil)
				if p := problem(t, r, http.StatusBadRequest, "QueryParameterException"); p["parameter"] != h {
					t.Errorf("%s with %s twice: %v", ep.name, h, p)
				}
			}
		}
	})
}

// TestLotHistoryCBVFormat: the history's bizStep and disposition members
// are bare CBV names by default, Web URIs or URNs when asked.
func TestLotHistoryCBVFormat(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(lotScenario...))
		path := "/lots/" + url.PathEscape(lotURN) + "/history"
		for _, tt := range []struct {
			format, param string
			want          *regexp.Regexp
		}{
			{"", "", regexp.MustCompile(`^[a-z_]+$`)},
			{"No_Preference", "", regexp.MustCompile(`^[a-z_]+$`)},
			{"Always_Web_URI", "", regexp.MustCompile(`^https://ref\.gs1\.org/cbv/(BizStep|Disp)-[a-z_]+$`)},
			{"", "Always_Web_URI", regexp.MustCompile(`^https://ref\.gs1\.org/cbv/(BizStep|Disp)-[a-z_]+$`)},
			{"Always_URN", "", regexp.MustCompile(`^urn:epcglobal:cbv:(bizstep|disp):[a-z_]+$`)},
		} {
			p, h := path, []string{}
			if tt.param != "" {
				p = withParam(p, "GS1-CBV-XML-Format", tt.param)
			}
			if tt.format != "" {
				h = []string{"GS1-CBV-XML-Format", tt.format}
			}
			r := s.do(t, "GET", p, nil, h...)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s = %d %s", p, r.status, r.body)
			}
			n := 0
			eachWord(r.json(t), "", func(key, w string) {
				if key == "bizStep" || key == "disposition" {
					n++
					if !tt.want.MatchString(w) {
						t.Errorf("CBV format %q/%q: %s = %q", tt.format, tt.param, key, w)
					}
				}
			})
			if n < 10 {
				t.Errorf("CBV format %q: only %d values", tt.format, n)
			}
		}
	})
}

// xnode is any XML element, decoded generically.
type xnode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xnode    `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n *xnode) child(name string) *xnode {
	for i := range n.Children {
		c := &n.Children[i]
		if c.XMLName.Local == name {
			return c
		}
		if c.XMLName.Local == "member" {
			for _, a := range c.Attrs {
				if a.Name.Local == "name" && a.Value == name {
					return c
				}
			}
		}
	}
	return nil
}

// singular is the item name docs/server.md gives a list's items.
func singular(list string) string {
	if n, ok := map[string]string{"held": "span", "why": "reason", "materialsConsumed": "material",
		"release": "entry", "sameProduct": "lot"}[list]; ok {
		return n
	}
	switch {
	case strings.HasSuffix(list, "ies"):
		return strings.TrimSuffix(list, "ies") + "y"
	case strings.HasSuffix(list, "s"):
		return strings.TrimSuffix(list, "s")
	}
	return "member"
}

// sameAsJSON checks that an XML element holds the JSON value v by the
// mapping docs/server.md documents, and returns how many values it checked.
func sameAsJSON(t *testing.T, at string, n *xnode, v any) int {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		checked := 0
		for k, y := range x {
			if y == nil {
				continue
			}
			c := n.child(k)
			if c == nil {
				t.Errorf("%s: no element for member %q", at, k)
				continue
			}
			if c.XMLName.Space != api.LotsNamespace {
				t.Errorf("%s/%s: namespace %q", at, k, c.XMLName.Space)
			}
			checked += sameAsJSON(t, at+"/"+k, c, y)
		}
		return checked
	case []any:
		if len(n.Children) != len(x) {
			t.Errorf("%s: %d items, want %d", at, len(n.Children), len(x))
			return 0
		}
		checked := 0
		for i := range x {
			if want := singular(n.XMLName.Local); n.Children[i].XMLName.Local != want {
				t.Errorf("%s: item %q, want %q", at, n.Children[i].XMLName.Local, want)
			}
			checked += sameAsJSON(t, fmt.Sprintf("%s[%d]", at, i), &n.Children[i], x[i])
		}
		return checked
	default:
		if got, want := n.Text, fmt.Sprint(v); got != want {
			t.Errorf("%s = %q, want %q", at, got, want)
		}
		return 1
	}
}

func decodeJSONNumbers(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return m
}

// TestLotAnswersXML: with Accept: application/xml the lot answers are
// well-formed XML in the Lotline namespace holding what the JSON answer
// holds, in the same identifier forms; the history's events are an
// EPCIS 2.0 EPCISQueryDocument.
func TestLotAnswersXML(t *testing.T) {
	forEachBackendLearning(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, recallDocument()); job["success"] != true {
			t.Fatalf("capture failed: %v", job)
		}
		roots := map[string]string{"history": "LotHistory", "trace": "LotTrace", "recall": "LotRecall"}
		for _, ep := range lotEndpoints {
			for _, tt := range []struct{ accept, format string }{
				{"application/xml", ""}, {"text/xml", "Always_EPC_URN"}, {"application/xml;q=0.9, application/json;q=0.5", "Always_GS1_Digital_Link"},
			} {
				t.Run(ep.name+"/"+tt.accept+"/"+tt.format, func(t *testing.T) {
					h := []string{"Accept", tt.accept}
					if tt.format != "" {
						h = append(h, "GS1-EPC-Format", tt.format)
					}
					r := s.do(t, "GET", ep.path, nil, h...)
					if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
						t.Fatalf("GET %s = %d %s\n%s", ep.path, r.status, r.header.Get("Content-Type"), r.body)
					}
					// Well-formed: every token decodes.
					d := xml.NewDecoder(bytes.NewReader(r.body))
					for {
						if _, err := d.Token(); err == io.EOF {
							break
						} else if err != nil {
							t.Fatalf("not well-formed: %v\n%s", err, r.body)
						}
					}
					var root xnode
					if err := xml.Unmarshal(r.body, &root); err != nil {
						t.Fatal(err)
					}
					kind := strings.Fields(ep.name)[0]
					if root.XMLName.Local != roots[kind] || root.XMLName.Space != api.LotsNamespace {
						t.Fatalf("root %v, want %s in %s", root.XMLName, roots[kind], api.LotsNamespace)
					}
					jh := []string{}
					if tt.format != "" {
						jh = []string{"GS1-EPC-Format", tt.format}
					}
					js := decodeJSONNumbers(t, s.do(t, "GET", ep.path, nil, jh...).body)
					events := js["events"]
					if kind == "history" {
						delete(js, "events")
					}
					if n := sameAsJSON(t, roots[kind], &root, js); n < 20 {
						t.Errorf("only %d values compared", n)
					}
					if kind != "history" {
						return
					}
					ev := root.child("events")
					if ev == nil || len(ev.Children) != 1 || ev.Children[0].XMLName.Local != "EPCISQueryDocument" ||
						ev.Children[0].XMLName.Space != "urn:epcglobal:epcis-query:xsd:2" {
						t.Fatalf("events = %+v", ev)
					}
					list := events.(map[string]any)["epcisBody"].(map[string]any)["queryResults"].(map[string]any)["resultsBody"].(map[string]any)["eventList"].([]any)
					body := ev.Children[0].child("EPCISBody")
					got := len(body.child("QueryResults").child("resultsBody").child("EventList").Children)
					if got != len(list) {
						t.Errorf("%d events in XML, %d in JSON", got, len(list))
					}
					if tt.format == "Always_EPC_URN" && !bytes.Contains(r.body, []byte("<epc>"+trUnit(1)+"</epc>")) {
						t.Errorf("the events are not given as URNs:\n%s", r.body)
					}
				})
			}
		}
	})
}

// TestLotAnswersNotAcceptable: an Accept the lot resources cannot answer
// is a 406 problem naming Accept; collections stay JSON.
func TestLotAnswersNotAcceptable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(traceScenario...))
		lot := url.PathEscape(trFin)
		for _, tt := range []struct{ path, accept string }{
			{"/lots/" + lot + "/history", "image/png"},
			{"/lots/" + lot + "/history", "text/csv"},
			{"/lots/" + lot + "/trace", "text/csv"},
			{"/lots/" + lot + "/trace", "application/xml;q=0, application/json;q=0"},
			{"/lots/" + lot + "/recall", "image/png"},
			{"/lots", "text/csv"},
			{"/openapi.json", "text/html"},
		} {
			r := s.do(t, "GET", tt.path, nil, "Accept", tt.accept)
			if p := problem(t, r, http.StatusNotAcceptable, "NotAcceptableException"); p["parameter"] != "Accept" {
				t.Errorf("GET %s (Accept %s): %v", tt.path, tt.accept, p)
			}
		}
		// The listing and the OpenAPI document have no XML form; a client
		// asking for XML only is told so in XML, as on the other
		// collections.
		for _, p := range []string{"/lots", "/openapi.json"} {
			r := s.do(t, "GET", p, nil, "Accept", "application/xml")
			if r.status != http.StatusNotAcceptable || r.header.Get("Content-Type") != "application/problem+xml" ||
				!bytes.Contains(r.body, []byte("NotAcceptableException")) {
				t.Errorf("GET %s in XML = %d %s\n%s", p, r.status, r.header.Get("Content-Type"), r.body)
			}
		}
		// A client preferring XML gets its errors in XML.
		r := s.do(t, "GET", "/lots/"+url.PathEscape("urn:epc:class:lgtin:4012345.044444.NONE")+"/trace", nil, "Accept", "application/xml")
		if r.status != http.StatusNotFound || r.header.Get("Content-Type") != "application/problem+xml" {
			t.Errorf("404 in XML = %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
		}
	})
}

// TestRecallCSVLevels: the FSMA 204 spreadsheet lists each critical
// tracking event with the identifiers it happened at (a pallet's SSCC, the
// units packed into a case), in the form GS1-EPC-Format asks for, and
// counts them where the event gives no quantity of the lot.
func TestRecallCSVLevels(t *testing.T) {
	forEachBackendLearning(t, func(t *testing.T, s *testServer) {
		s.capture(t, recallDocument())
		path := "/lots/" + url.PathEscape(trFin) + "/recall"
		for _, tt := range []struct {
			format string
			id     func(string) string
		}{
			{"", query.CanonicalID},
			{"Always_EPC_URN", func(s string) string { return s }},
		} {
			h := []string{"Accept", "text/csv"}
			if tt.format != "" {
				h = append(h, "GS1-EPC-Format", tt.format)
			}
			r := s.do(t, "GET", path, nil, h...)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("CSV = %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
			}
			rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			header := rows[0]
			for _, col := range []string{"Traceability Lot Code", "Product", "Quantity", "Unit of Measure", "Location", "Date",
				"Reference Documents", "Source", "Destination", "Critical Tracking Event", "EPCIS Event Type", "Event ID", "Identifiers"} {
				if !slices.Contains(header, col) {
					t.Errorf("no column %q in %q", col, header)
				}
			}
			byEvent := map[string]map[string]string{}
			for _, row := range rows[1:] {
				if len(row) != len(header) {
					t.Fatalf("row %v has %d cells, header %d", row, len(row), len(header))
				}
				m := map[string]string{}
				for i, c := range header {
					m[c] = row[i]
				}
				byEvent[eventNumbers([]any{m["Event ID"]})] = m
			}
			units := tt.id(trCase1) + "; " + tt.id(trUnit(1)) + "; " + tt.id(trUnit(2))
			for _, want := range []struct{ event, cte, ids, qty, uom string }{
				{"7", "packing", units, "2", "EA (GTIN 04012345444445)"},
				{"9", "packing", tt.id(trPallet) + "; " + tt.id(trCase1), "1", "EA (SSCC)"},
				{"11", "shipping", tt.id(trPallet), "1", "EA (SSCC)"},
				{"13", "receiving", tt.id(trPallet), "1", "EA (SSCC)"},
				{"26", "shipping", "", "2", "EA"}, // by class: the lot's own quantity
			} {
				row := byEvent[want.event]
				if row == nil {
					t.Errorf("format %q: no row for event %s", tt.format, want.event)
					continue
				}
				got := []string{row["Critical Tracking Event"], row["Identifiers"], row["Quantity"], row["Unit of Measure"], row["Traceability Lot Code"]}
				exp := []string{want.cte, want.ids, want.qty, want.uom, tt.id(trFin)}
				if !slices.Equal(got, exp) {
					t.Errorf("format %q, event %s: %q, want %q", tt.format, want.event, got, exp)
				}
			}
			if dest := byEvent["11"]["Destination"]; dest != tt.id(trBuyer1)+"; "+tt.id(trBuyer2) {
				t.Errorf("format %q: destinations of the pallet's shipment %q", tt.format, dest)
			}
		}
	})
}

// TestLotlineOpenAPI: GET /openapi.json is a valid OpenAPI 3 JSON document
// of Lotline's own resources: every lot route, each of its references
// resolving, each path parameter declared; it describes no standard path.
func TestLotlineOpenAPI(t *testing.T) {
	s := startServer(t, backends["sqlite"](t), capture.Config{}, api.Config{})
	s.capture(t, document(traceScenario...))
	r := s.do(t, "GET", "/openapi.json", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json = %d %s", r.status, r.header.Get("Content-Type"))
	}
	doc := r.json(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	var resolve func(v any) any
	resolve = func(v any) any {
		m, ok := v.(map[string]any)
		ref, _ := m["$ref"].(string)
		if !ok || ref == "" {
			return v
		}
		var at any = doc
		for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			next, ok := at.(map[string]any)[seg]
			if !ok {
				t.Errorf("$ref %s does not resolve", ref)
				return map[string]any{}
			}
			at = next
		}
		return resolve(at)
	}
	var refs func(v any)
	refs = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			resolve(x)
			for _, y := range x {
				refs(y)
			}
		case []any:
			for _, y := range x {
				refs(y)
			}
		}
	}
	refs(doc)
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/lots", "/lots/{lot}/history", "/lots/{lot}/trace", "/lots/{lot}/recall", "/openapi.json"} {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("path %s is not described", p)
			continue
		}
		op := item["get"].(map[string]any)
		if _, ok := op["responses"].(map[string]any)["200"]; !ok {
			t.Errorf("%s has no 200 answer", p)
		}
		declared := map[string]string{}
		params, _ := op["parameters"].([]any)
		for _, x := range params {
			prm := resolve(x).(map[string]any)
			declared[prm["name"].(string)] = prm["in"].(string)
		}
		for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(p, -1) {
			if declared[m[1]] != "path" {
				t.Errorf("%s: path parameter %s is not declared", p, m[1])
			}
		}
		if strings.HasPrefix(p, "/lots/") && (declared["GS1-EPC-Format"] != "header" || declared["GS1-CBV-XML-Format"] != "header") {
			t.Errorf("%s: format headers not declared: %v", p, declared)
		}
		// The path is served as described.
		real := strings.ReplaceAll(p, "{lot}", url.PathEscape(trFin))
		if got := s.do(t, "GET", real, nil); got.status != http.StatusOK {
			t.Errorf("GET %s = %d %s", real, got.status, got.body)
		}
	}
	for _, p := range []string{"/events", "/capture", "/queries", "/"} {
		if _, ok := paths[p]; ok {
			t.Errorf("the standard path %s is described here; GS1's OpenAPI describes it", p)
		}
	}
	if ext, _ := doc["externalDocs"].(map[string]any); ext["url"] == nil {
		t.Errorf("externalDocs does not point to GS1's OpenAPI: %v", doc["externalDocs"])
	}
	// GET / lists the lots resource, and OPTIONS knows both.
	if got := members(t, s.do(t, "GET", "/", nil)); !slices.Contains(got, "lots") {
		t.Errorf("GET / = %v, want lots in it", got)
	}
	for _, p := range []string{"/lots", "/openapi.json"} {
		if r := s.do(t, "OPTIONS", p, nil); r.status != http.StatusNoContent || r.header.Get("Allow") != "GET, OPTIONS" {
			t.Errorf("OPTIONS %s = %d, Allow %q", p, r.status, r.header.Get("Allow"))
		}
	}
}
