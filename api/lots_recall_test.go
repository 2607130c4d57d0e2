package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/query"
)

// The recall scenario adds to the genealogy scenario two more finished
// lots of FIN1's product: FIN2, made (through MIX2) from raw lot A as
// FIN1 was, so affected, and FIN3, made (through MIX3) from raw lot C
// only, so not; FIN4, one unit of which shares case 1 with FIN1's; and a
// shipment of two FIN1 by class to buyer 3 against a
// purchase order.
const (
	rcRawC  = "urn:epc:class:lgtin:4012345.066666.RC1"
	rcMix2  = "urn:epc:class:lgtin:4012345.033333.MIX2"
	rcMix3  = "urn:epc:class:lgtin:4012345.033333.MIX3"
	rcFin2  = "urn:epc:class:lgtin:4012345.044444.FIN2"
	rcFin3  = "urn:epc:class:lgtin:4012345.044444.FIN3"
	rcUnit4 = "urn:epc:id:sgtin:4012345.044444.41" // of lot FIN4, packed in case 1 beside FIN1
)

func transform(n int, hhmm, x, in, inQty, out, outQty string) string {
	return lotEvent(n, hhmm, `"type":"TransformationEvent","bizStep":"commissioning","transformationID":"urn:uuid:`+x+`",`+
		`"inputQuantityList":[{"epcClass":"`+in+`",`+inQty+`}],"outputQuantityList":[{"epcClass":"`+out+`",`+outQty+`}]`)
}

var recallScenario = append(slices.Clone(traceScenario),
	transform(20, "0715", "mixing-2", trRawA, `"quantity":2,"uom":"KGM"`, rcMix2, `"quantity":2,"uom":"KGM"`),
	transform(21, "0815", "filling-2", rcMix2, `"quantity":2,"uom":"KGM"`, rcFin2, `"quantity":1`),
	lotEvent(22, "0600", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"receiving","bizLocation":{"id":"`+trPlant+`"},`+
		`"quantityList":[{"epcClass":"`+rcRawC+`","quantity":20,"uom":"KGM"}],"sourceList":[`+owning("source", trSupplier)+`]`),
	transform(23, "0716", "mixing-3", rcRawC, `"quantity":5,"uom":"KGM"`, rcMix3, `"quantity":5,"uom":"KGM"`),
	transform(24, "0816", "filling-3", rcMix3, `"quantity":5,"uom":"KGM"`, rcFin3, `"quantity":2`),
	lotEvent(26, "1200", `"type":"ObjectEvent","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"`+trPlant+`"},`+
		`"quantityList":[{"epcClass":"`+trFin+`","quantity":2,"uom":"EA"}],`+
		`"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:4012345000009:PO77"}],`+
		`"sourceList":[`+owning("source", trUs)+`],"destinationList":[`+owning("destination", trBuyer3)+`]`),
	lotEvent(27, "0901", `"type":"ObjectEvent","action":"ADD","bizStep":"commissioning",`+
		`"epcList":["`+rcUnit4+`"],"ilmd":{"cbvmda:lotNumber":"FIN4"}`),
	lotEvent(28, "0902", `"type":"AggregationEvent","action":"ADD","bizStep":"packing","parentID":"`+trCase1+`",`+
		`"childEPCs":["`+rcUnit4+`"]`),
)

// recallDocument is the recall scenario with master data describing
// FIN1's product.
func recallDocument() []byte {
	return []byte(strings.Replace(string(document(recallScenario...)), `"epcisBody"`,
		`"epcisHeader":{"epcisMasterData":{"vocabularyList":[{"type":"urn:epcglobal:epcis:vtype:EPCClass",`+
			`"vocabularyElementList":[{"id":"urn:epc:idpat:sgtin:4012345.044444.*","attributes":[`+
			`{"id":"urn:epcglobal:cbv:mda#descriptionShort","attribute":"Vanilla yoghurt 500 g"}]}]}]}},"epcisBody"`, 1))
}

// eventNumbers turns scenario eventIDs into their numbers, as "7,8".
func eventNumbers(ids []any) string {
	var ns []string
	for _, id := range ids {
		ns = append(ns, strings.TrimLeft(id.(string)[len("urn:uuid:6c1d0000-0000-4000-8000-"):], "0"))
	}
	return strings.Join(ns, ",")
}

func TestLotRecall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		if job := s.capture(t, recallDocument()); job["success"] != true {
			t.Fatalf("capture failed: %v", job)
		}
		decl := strings.Replace(traceScenario[2], `"type"`,
			`"errorDeclaration":{"declarationTime":"2024-03-02T10:00:00Z","reason":"incorrect_data"},"type"`, 1)
		if job := s.capture(t, document(decl)); job["success"] != true {
			t.Fatalf("declaration refused: %v", job)
		}
		path := "/lots/" + url.PathEscape(trFin) + "/recall"
		r := s.do(t, "GET", path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("recall = %d\n%s", r.status, r.body)
		}
		m := r.json(t)
		if m["lot"] != query.CanonicalID(trFin) || m["lotNumber"] != "FIN1" {
			t.Errorf("lot = %v, lotNumber %v", m["lot"], m["lotNumber"])
		}
		// The affected set: node -> the events that put it there.
		affected := m["affected"].(map[string]any)
		for _, tt := range []struct {
			kind string
			want map[string]string
		}{
			{"lots", map[string]string{trFin: "7,8,26"}},
			{"containers", map[string]string{trCase1: "7", trCase2: "8", trPallet: "9"}},
			{"parties", map[string]string{trBuyer1: "11,13", trBuyer2: "11", trBuyer3: "26"}},
			{"locations", map[string]string{trDock: "13"}},
		} {
			got := map[string]string{}
			for _, x := range affected[tt.kind].([]any) {
				n := x.(map[string]any)
				got[n["id"].(string)] = eventNumbers(n["eventIDs"].([]any))
			}
			want := map[string]string{}
			for id, evs := range tt.want {
				want[query.CanonicalID(id)] = evs
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("affected %s = %v, want %v", tt.kind, got, want)
			}
		}
		fin := affected["lots"].([]any)[0].(map[string]any)
		if q := fmt.Sprint(fin["quantities"]); q != "[map[eventID:"+lotEventID(26)+" list:quantityList quantity:2 uom:EA]]" {
			t.Errorf("quantities of FIN1 = %s", q)
		}

		// The other lots of the product.
		var others []string
		for _, x := range m["sameProduct"].([]any) {
			o := x.(map[string]any)
			ids, _ := o["eventIDs"].([]any)
			others = append(others, fmt.Sprintf("%v %v %v via %v %s", o["lotNumber"], o["affected"], o["reason"], o["via"], eventNumbers(ids)))
		}
		want := []string{
			"FIN2 true made from an input lot the recalled lot was also made from via " + query.CanonicalID(trRawA) + " 20",
			"FIN3 false no transformation shares an input lot with the recalled lot, and it was not packed in an affected container via <nil> ",
			"FIN4 true packed in a container that held the recalled lot's material via " + query.CanonicalID(trCase1) + " 28",
		}
		if !slices.Equal(others, want) {
			t.Errorf("sameProduct =\n%s\nwant\n%s", strings.Join(others, "\n"), strings.Join(want, "\n"))
		}

		// Recalling raw lot A reaches the lots made from it, with the
		// quantities their transformations give.
		r = s.do(t, "GET", "/lots/"+url.PathEscape(trRawA)+"/recall", nil)
		if r.status != http.StatusOK {
			t.Fatalf("recall of raw lot A = %d\n%s", r.status, r.body)
		}
		qs := map[string]string{}
		for _, x := range r.json(t)["affected"].(map[string]any)["lots"].([]any) {
			n := x.(map[string]any)
			var s []string
			for _, q := range n["quantities"].([]any) {
				q := q.(map[string]any)
				s = append(s, fmt.Sprintf("%s %v%v", eventNumbers([]any{q["eventID"]}), q["quantity"], q["uom"]))
			}
			qs[n["id"].(string)] = strings.Join(s, " ")
		}
		for lot, want := range map[string]string{trRawA: "1 100KGM 2 10KGM 20 2KGM", trMix: "2 15KGM 4 15KGM", rcMix2: "20 2KGM 21 2KGM",
			trFin: "5 3<nil> 26 2EA", rcFin2: "21 1<nil>"} {
			if got := qs[query.CanonicalID(lot)]; got != want {
				t.Errorf("quantities of %s = %q, want %q", lot, got, want)
			}
		}
		if _, ok := qs[query.CanonicalID(rcFin3)]; ok || len(qs) != 5 {
			t.Errorf("affected lots = %v", qs)
		}

		// The FSMA 204 spreadsheet.
		req := []string{"Accept", "text/csv"}
		r = s.do(t, "GET", path, nil, req...)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV recall = %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || rows[0][0] != "Traceability Lot Code" || rows[0][11] != "Event ID" || rows[0][len(rows[0])-1] != "Identifiers" {
			t.Fatalf("header = %v", rows)
		}
		var order []string
		for _, row := range rows[1:] {
			order = append(order, eventNumbers([]any{row[11]}))
		}
		if got := strings.Join(order, ","); got != "4,5,6,7,28,8,9,10,11,13,26" {
			t.Errorf("CSV rows are events %s", got)
		}
		last := rows[len(rows)-1]
		for i, want := range []string{query.CanonicalID(trFin), "Vanilla yoghurt 500 g", "2", "EA", "", "2024-03-01T12:00:00Z",
			"po:urn:epcglobal:cbv:bt:4012345000009:PO77", "", "", "shipping", "ObjectEvent", lotEventID(26)} {
			if want != "" && last[i] != want {
				t.Errorf("column %q = %q, want %q", rows[0][i], last[i], want)
			}
		}
		if !strings.Contains(last[4], "4012345.00001") && last[4] != query.CanonicalID(trPlant) {
			t.Errorf("location = %q", last[4])
		}
		if last[8] == "" || last[7] == "" {
			t.Errorf("source %q, destination %q", last[7], last[8])
		}
		if rows[2][9] != "transformation" || rows[2][2] != "3" {
			t.Errorf("transformation row = %v", rows[2])
		}
	})
}

func TestLotRecallErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.capture(t, document(traceScenario[0]))
		path := "/lots/" + url.PathEscape(trRawA) + "/recall"
		for _, tt := range []struct {
			path, accept string
			status       int
			typ, param   string
		}{
			{"/lots/" + url.PathEscape("urn:epc:class:lgtin:4012345.011111.NONE") + "/recall", "", 404, "NoSuchResourceException", ""},
			{"/lots/" + url.PathEscape(trPallet) + "/recall", "", 400, "QueryParameterException", "lot"},
			{path + "?depth=0", "", 400, "QueryParameterException", "depth"},
			{path + "?perPage=3", "", 400, "QueryParameterException", "perPage"},
			{path, "image/png", 406, "NotAcceptableException", "Accept"},
			{path, "text/csv;q=0", 406, "NotAcceptableException", "Accept"},
		} {
			r := s.do(t, "GET", tt.path, nil, "Accept", tt.accept)
			m := r.json(t)
			if r.status != tt.status || m["type"] != "epcisException:"+tt.typ || (tt.param != "" && m["parameter"] != tt.param) {
				t.Errorf("GET %s (Accept %q) = %d %s; want %d %s naming %q", tt.path, tt.accept, r.status, r.body, tt.status, tt.typ, tt.param)
			}
		}
		// JSON by default and for a client accepting anything; otherwise
		// the first acceptable range the client wrote decides.
		for accept, want := range map[string]string{"": "json", "*/*": "json", "application/json": "json",
			"application/json, text/csv": "json", "text/csv, application/json": "text/csv", "text/*": "text/csv",
			"text/csv;q=0, */*": "json", "application/xml, text/csv;q=0.5": "application/xml",
			"text/csv, application/xml": "text/csv", "application/xml;q=0.5, application/json": "json",
			"application/xml": "application/xml", "text/xml, application/json;q=0.9": "application/xml"} {
			r := s.do(t, "GET", path, nil, "Accept", accept)
			if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), want) {
				t.Errorf("Accept %q: %d %s, want %s", accept, r.status, r.header.Get("Content-Type"), want)
			}
		}
	})
}
