package query_test

import (
	"fmt"
	"net/url"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
)

func ExampleParse() {
	v, _ := url.ParseQuery("EQ_bizStep=shipping|receiving&MATCH_epc=urn:epc:id:sgtin:4012345.011111.1&perPage=50")
	q, err := query.Parse(v, query.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.BizSteps)
	fmt.Println(q.EPC[0].Canonical, q.PerPage)

	_, err = query.Parse(url.Values{"EQ_action": {"UPDATE"}}, query.ParseOptions{})
	fmt.Println(epcis.KindOf(err).ExceptionType(), err)
	// Output:
	// [https://ref.gs1.org/cbv/BizStep-shipping https://ref.gs1.org/cbv/BizStep-receiving]
	// https://id.gs1.org/01/04012345111118/21/1 50
	// epcisException:QueryParameterException EQ_action: "UPDATE" is not an action (ADD, OBSERVE or DELETE)
}

func ExampleMatch() {
	ev := epcis.NewEvent(map[string]any{
		"@context":  []any{map[string]any{"example": "http://ns.example.com/epcis/"}},
		"type":      "ObjectEvent",
		"eventTime": "2024-03-01T10:00:00+01:00",
		"epcList":   []any{"https://id.gs1.org/01/04012345111118/21/1"},
		"bizTransactionList": []any{
			map[string]any{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-1"},
			map[string]any{"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:DA-9"},
		},
		"example:batch": "B7",
	})
	for _, raw := range []string{
		"MATCH_epc=urn:epc:idpat:sgtin:4012345.011111.*",
		"EQ_bizTransaction_po=urn:epcglobal:cbv:bt:4012345000009:PO-1",
		"EQ_bizTransaction_po=urn:epcglobal:cbv:bt:4012345000009:DA-9", // type and value of different elements
		"EQ_http://ns.example.com/epcis/batch=B7",
	} {
		v, _ := query.ParseRawQuery(raw)
		q, _ := query.Parse(v, query.ParseOptions{})
		fmt.Println(query.Match(q, ev, time.Now(), nil))
	}
	// Output:
	// true
	// true
	// false
	// true
}
