package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// TestQueryDocumentKeepsNumbers guards against numbers altered on the way
// out: a float64 round trip turns 12345678901234567890 into
// 12345678901234567000 and 1.10 into 1.1.
func TestQueryDocumentKeepsNumbers(t *testing.T) {
	body := `{"@context":[{"ex":"https://ex.example.com/"}],"type":"ObjectEvent","eventTime":"2024-01-01T00:00:00Z","eventTimeZoneOffset":"-05:30","ex:big":12345678901234567890,"ex:dec":1.10}`
	ev := &store.Event{EventID: "e", RecordTime: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Body: []byte(body)}
	doc, err := queryDocument([]*store.Event{ev}, time.Now(), &epcis.Translator{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ex:big":12345678901234567890`, `"ex:dec":1.10`, `"eventTimeZoneOffset":"-05:30"`, `"recordTime":"2024-01-02T00:00:00.000Z"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s: %s", want, out)
		}
	}
}
