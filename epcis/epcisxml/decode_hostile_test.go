package epcisxml

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis"
)

// doc wraps events in a minimal EPCIS 2.0 document.
func xmlDoc(events string) string {
	return `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>` +
		events + `</EventList></EPCISBody></epcis:EPCISDocument>`
}

const xmlObjectEvent = `<ObjectEvent><eventTime>2024-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>OBSERVE</action></ObjectEvent>`

// TestHostileInput: each hostile document is refused at once with a
// ValidationException (a 400), nothing expanded or fetched.
func TestHostileInput(t *testing.T) {
	deep := strings.Repeat("<a>", 10_000) + strings.Repeat("</a>", 10_000)
	var attrs strings.Builder
	for i := 0; i < 100; i++ {
		attrs.WriteString(` a` + strings.Repeat("x", i) + `="1"`)
	}
	tests := []struct {
		name string
		xml  string
		lim  Limits
		want string
	}{
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
			`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`, Limits{}, "directives"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>`, Limits{}, "directives"},
		{"external DTD", `<!DOCTYPE foo SYSTEM "http://example.com/evil.dtd"><foo/>`, Limits{}, "directives"},
		{"parameter entity", `<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://example.com/p">%p;]><foo/>`, Limits{}, "directives"},
		{"entity after the root starts", xmlDoc(xmlObjectEvent)[:40] + `<!ENTITY x "y">` + xmlDoc(xmlObjectEvent)[40:], Limits{}, "not well-formed"},
		{"undeclared entity reference", xmlDoc(strings.Replace(xmlObjectEvent, "OBSERVE", "&xxe;", 1)), Limits{}, "not well-formed"},
		{"deep nesting", deep, Limits{}, "nested deeper than 48"},
		{"huge text", xmlDoc(strings.Replace(xmlObjectEvent, "OBSERVE", strings.Repeat("A", 1<<20), 1)), Limits{}, "longer than 65536 bytes"},
		{"huge attribute", `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" x="` + strings.Repeat("A", 1<<17) + `"/>`, Limits{}, "longer than 65536 bytes"},
		{"many attributes", `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"` + attrs.String() + `/>`, Limits{}, "more than 64 attributes"},
		{"many elements", xmlDoc(strings.Repeat(xmlObjectEvent, 50)), Limits{MaxElements: 100}, "more than 100 elements"},
		{"Latin-1 declared", `<?xml version="1.0" encoding="ISO-8859-1"?>` + xmlDoc(xmlObjectEvent), Limits{}, `"ISO-8859-1" is not supported`},
		{"UTF-16 declared", `<?xml version="1.0" encoding="UTF-16"?>` + xmlDoc(xmlObjectEvent), Limits{}, `"UTF-16" is not supported`},
		{"US-ASCII with a high byte", `<?xml version="1.0" encoding="US-ASCII"?>` + xmlDoc(strings.Replace(xmlObjectEvent, "OBSERVE", "OBS\xe9RVE", 1)), Limits{}, "above 127"},
		{"invalid UTF-8", xmlDoc(strings.Replace(xmlObjectEvent, "OBSERVE", "OBS\xffRVE", 1)), Limits{}, "not well-formed"},
		{"two roots", xmlDoc(xmlObjectEvent) + xmlDoc(xmlObjectEvent), Limits{}, "more than one root"},
		{"unclosed", xmlDoc(xmlObjectEvent)[:100], Limits{}, ""},
		{"mismatched end tag", `<a></b>`, Limits{}, "does not close"},
		{"undeclared prefix", `<x:EPCISDocument/>`, Limits{}, `prefix "x" is not declared`},
		{"empty", ``, Limits{}, "no root element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.xml), tc.lim)
			if err == nil {
				t.Fatal("accepted")
			}
			var e *epcis.Error
			if !errors.As(err, &e) || e.Kind != epcis.KindValidation {
				t.Fatalf("error %T %v is not a ValidationException", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestAcceptedEnvelopes: what the hostile-input rules still let through.
func TestAcceptedEnvelopes(t *testing.T) {
	tests := []struct{ name, xml string }{
		{"UTF-8 declared", `<?xml version="1.0" encoding="UTF-8"?>` + xmlDoc(xmlObjectEvent)},
		{"utf-8 lower case", `<?xml version="1.0" encoding="utf-8"?>` + xmlDoc(xmlObjectEvent)},
		{"US-ASCII declared", `<?xml version="1.0" encoding="US-ASCII"?>` + xmlDoc(xmlObjectEvent)},
		{"byte order mark", "\xef\xbb\xbf" + xmlDoc(xmlObjectEvent)},
		{"bare DOCTYPE", `<?xml version="1.0"?><!DOCTYPE project>` + xmlDoc(xmlObjectEvent)},
		{"comments and processing instructions", `<?xml version="1.0"?><!-- c -->` + xmlDoc(`<?pi x?>`+xmlObjectEvent)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode([]byte(tc.xml), Limits{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestManyNamespaces: thousands of namespace declarations and of
// namespaces without a prefix cost linear time (a scan per declaration
// would make this test take minutes).
func TestManyNamespaces(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 20_000; i++ {
		fmt.Fprintf(&b, `<x xmlns="https://e/%d" xmlns:p%d="https://e/%d"/>`, i, i, i%7)
	}
	src := xmlDoc(strings.Replace(xmlObjectEvent, "</ObjectEvent>", b.String()+"</ObjectEvent>", 1))
	d, err := Decode([]byte(src), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(firstEvent(t, d.Tree)); n != 20_000+4 {
		t.Errorf("%d members, want one per namespace and 4", n)
	}
}
