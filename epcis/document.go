package epcis

import (
	"strconv"
	"strings"
	"time"
)

// StandardContext is the JSON-LD context URL of EPCIS 2.0. Lotline knows
// its terms and never fetches it, nor any other remote context.
const StandardContext = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

// Document is a decoded EPCISDocument.
type Document struct {
	// Fields is the whole document as decoded.
	Fields map[string]any
	// Namespaces maps the prefixes declared in the document's @context to
	// their IRIs; extension fields are named with them.
	Namespaces map[string]string
	// Events are the objects of epcisBody.eventList, in order.
	Events []map[string]any
	// MasterData is epcisHeader.epcisMasterData, if present.
	MasterData map[string]any
	// EventList is the JSON pointer of the event list: epcisBody's
	// eventList, or an EPCISQueryDocument's resultsBody.eventList.
	EventList string
	list      []any // the decoded event list, which Release clears too
}

// Release drops event i from the document and from the decoded tree it
// was read from, so that the garbage collector can free it: capture
// releases each event once it holds its stored form, and a large
// document's tree and stored form are then not both held whole.
func (d *Document) Release(i int) {
	d.Events[i] = nil
	d.list[i] = nil
}

// The JSON pointers of the event list in the two document types.
const (
	DocumentEventList      = "/epcisBody/eventList"
	QueryDocumentEventList = "/epcisBody/queryResults/resultsBody/eventList"
)

// EventPointer is the JSON pointer of event i of the document.
func (d *Document) EventPointer(i int) string {
	return d.EventList + "/" + strconv.Itoa(i)
}

// NewDocument reads a decoded EPCISDocument. The caller has validated it
// against the JSON Schema; NewDocument only reports what it needs to go on.
func NewDocument(v any) (*Document, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, Invalid("", "an EPCIS document must be a JSON object")
	}
	d := &Document{Fields: m, Namespaces: Namespaces(m["@context"])}
	body, _ := m["epcisBody"].(map[string]any)
	switch t := str(m["type"]); t {
	case "EPCISDocument":
		d.EventList = DocumentEventList
	case "EPCISQueryDocument":
		// The REST binding's capture accepts query answers too (one
		// repository's answer captured by another).
		d.EventList = QueryDocumentEventList
		qr, _ := body["queryResults"].(map[string]any)
		body, _ = qr["resultsBody"].(map[string]any)
	default:
		return nil, Invalid("/type", "type must be EPCISDocument or EPCISQueryDocument, not %q", t)
	}
	list, ok := body["eventList"].([]any)
	if !ok {
		return nil, Invalid(d.EventList, "missing event list")
	}
	d.list = list
	d.Events = make([]map[string]any, len(list))
	for i, x := range list {
		ev, ok := x.(map[string]any)
		if !ok {
			return nil, Invalid(d.EventPointer(i), "an event must be a JSON object")
		}
		d.Events[i] = ev
	}
	if h, ok := m["epcisHeader"].(map[string]any); ok {
		d.MasterData, _ = h["epcisMasterData"].(map[string]any)
	}
	return d, nil
}

// EventPointer is the JSON pointer of event i in an EPCISDocument.
func EventPointer(i int) string {
	return "/epcisBody/eventList/" + strconv.Itoa(i)
}

// Namespaces collects prefix -> IRI definitions from a JSON-LD @context
// value (a string, an object, or an array of them). Remote context URLs are
// ignored, never fetched: their terms are either the standard's, which
// Lotline knows, or unknown, in which case extension fields must use full
// IRIs or locally declared prefixes.
func Namespaces(ctx any) map[string]string {
	ns := map[string]string{}
	var add func(v any)
	add = func(v any) {
		switch c := v.(type) {
		case []any:
			for _, x := range c {
				add(x)
			}
		case map[string]any:
			for k, x := range c {
				if strings.HasPrefix(k, "@") {
					continue
				}
				switch iri := x.(type) {
				case string:
					ns[k] = iri
				case map[string]any:
					if id, ok := iri["@id"].(string); ok {
						ns[k] = id
					}
				}
			}
		}
	}
	add(ctx)
	return ns
}

// timeShape reports whether s has the lexical form of an EPCIS timestamp:
// YYYY-MM-DDThh:mm:ss, optional 1 to 9 fraction digits, and a mandatory
// zone, Z or ±hh:mm.
func timeShape(s string) bool {
	const head = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(head)+1 {
		return false
	}
	for i := 0; i < len(head); i++ {
		if c := s[i]; head[i] == 'd' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != head[i] {
			return false
		}
	}
	rest := s[len(head):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return false
		}
		rest = rest[n:]
	}
	if rest == "Z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
		isDigit(rest[1]) && isDigit(rest[2]) && isDigit(rest[4]) && isDigit(rest[5])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ParseTime parses an EPCIS timestamp. A zone (Z or an offset) is required.
func ParseTime(s string) (time.Time, error) {
	if !timeShape(s) {
		return time.Time{}, Invalid("", "%q is not a timestamp with a time zone (e.g. 2024-03-01T10:00:00.000+01:00)", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Invalid("", "%q is not a valid timestamp: %v", s, err)
	}
	return t, nil
}

// ValidOffset reports whether s is a time-zone offset of the form +hh:mm or
// -hh:mm within -14:00..+14:00.
func ValidOffset(s string) bool {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	for _, i := range []int{1, 2, 4, 5} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	h, err1 := strconv.Atoi(s[1:3])
	mi, err2 := strconv.Atoi(s[4:6])
	if err1 != nil || err2 != nil || mi > 59 || h > 14 || (h == 14 && mi != 0) {
		return false
	}
	return true
}
