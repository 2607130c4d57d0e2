package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// SampleDocument returns a synthetic EPCISDocument holding n ObjectEvents,
// decoded the way capture decodes requests (json.Decoder.UseNumber), for
// benchmarks and the bench command. Each event has 5 to 50 EPCs, a quantity
// list, business transactions, a sensor element with two to four reports,
// an extension field, and (for action ADD) ilmd. The same seed gives the
// same document. The document is valid against both Lotline's and GS1's
// schema.
func SampleDocument(n int, seed uint64) map[string]any {
	r := rand.New(rand.NewPCG(seed, 0x10715))
	events := make([]any, n)
	for i := range events {
		events[i] = sampleEvent(r, i)
	}
	doc := map[string]any{
		"@context": []any{
			"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
			map[string]any{"example": "https://example.com/ns/"},
		},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  "2026-03-01T08:00:00.000Z",
		"epcisBody":     map[string]any{"eventList": events},
	}
	// Round-trip through JSON so numbers are json.Number, as in capture.
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // only plain maps, slices, strings and numbers above
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

var (
	sampleBizSteps     = []string{"commissioning", "packing", "shipping", "receiving", "inspecting"}
	sampleDispositions = []string{"active", "in_progress", "in_transit", "conformant"}
)

func sampleEvent(r *rand.Rand, i int) map[string]any {
	company := 4012345 + r.IntN(10)
	epcs := make([]any, 5+r.IntN(46))
	serial := r.IntN(1_000_000)
	for j := range epcs {
		if j%4 == 3 {
			epcs[j] = fmt.Sprintf("https://id.gs1.org/01/%07d%06d7/21/S%d", company, 11111+i, serial+j)
		} else {
			epcs[j] = fmt.Sprintf("urn:epc:id:sgtin:%d.0%05d.%d", company, 11111+i, serial+j)
		}
	}
	quantities := make([]any, 1+r.IntN(3))
	for j := range quantities {
		quantities[j] = map[string]any{
			"epcClass": fmt.Sprintf("urn:epc:class:lgtin:%d.0%05d.LOT%d", company, 22222+j, r.IntN(9999)),
			"quantity": float64(r.IntN(5000)) / 10,
			"uom":      "KGM",
		}
	}
	reports := make([]any, 2+r.IntN(3))
	for j := range reports {
		reports[j] = map[string]any{
			"type":  "Temperature",
			"value": float64(r.IntN(400))/10 - 5,
			"uom":   "CEL",
			"time":  fmt.Sprintf("2026-03-01T07:%02d:%02d.000Z", j, r.IntN(60)),
		}
	}
	action := "OBSERVE"
	if i%3 == 0 {
		action = "ADD"
	}
	ev := map[string]any{
		"type":                "ObjectEvent",
		"eventTime":           fmt.Sprintf("2026-03-01T06:%02d:%02d.%03d+01:00", i%60, r.IntN(60), r.IntN(1000)),
		"eventTimeZoneOffset": "+01:00",
		"eventID":             fmt.Sprintf("urn:uuid:%08x-1c2d-4e5f-8a9b-%012x", r.Uint32(), i),
		"action":              action,
		"epcList":             epcs,
		"quantityList":        quantities,
		"bizStep":             sampleBizSteps[r.IntN(len(sampleBizSteps))],
		"disposition":         sampleDispositions[r.IntN(len(sampleDispositions))],
		"readPoint":           map[string]any{"id": fmt.Sprintf("urn:epc:id:sgln:%d.00001.%d", company, r.IntN(100))},
		"bizLocation":         map[string]any{"id": fmt.Sprintf("urn:epc:id:sgln:%d.00001.0", company)},
		"bizTransactionList": []any{
			map[string]any{"type": "po", "bizTransaction": fmt.Sprintf("urn:epcglobal:cbv:bt:%d:PO%d", company, r.IntN(100000))},
		},
		"sensorElementList": []any{map[string]any{
			"sensorMetadata": map[string]any{
				"time":     "2026-03-01T07:00:00.000Z",
				"deviceID": fmt.Sprintf("urn:epc:id:giai:%d.%d", company, r.IntN(1000)),
			},
			"sensorReport": reports,
		}},
		"example:batchRecord": map[string]any{"example:step": i, "example:operator": "op-7"},
	}
	if action == "ADD" {
		ev["ilmd"] = map[string]any{
			"example:bestBeforeDate": "2027-03-01",
			"example:lot":            fmt.Sprintf("LOT%d", r.IntN(9999)),
		}
	}
	return ev
}
