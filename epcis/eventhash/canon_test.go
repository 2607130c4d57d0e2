package eventhash

import "testing"

func TestCanonNumber(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1", "1", true},
		{"1.0", "1", true},
		{"600", "600", true},
		{"452.0", "452", true},
		{"0.34340", "0.3434", true},
		{"12.1", "12.1", true},
		{"+5", "5", true},
		{"-2.50", "-2.5", true},
		{"-0.0", "0", true},
		{"0", "0", true},
		{"007", "7", true},
		{".5", "0.5", true},
		{"5.", "5", true},
		{"1e3", "1000", true},
		{"1.5E-3", "0.0015", true},
		{"123456789012345678901234567890", "123456789012345678901234567890", true},
		{"0.005", "0.005", true},
		{"", "", false},
		{"-", "", false},
		{".", "", false},
		{"1e", "", false},
		{"1e+", "", false},
		{"2019-10-21", "", false},
		{"+01:00", "", false},
		{"12a", "", false},
		{"1e999999999", "", false},
		{"NaN", "", false},
	}
	for _, tt := range tests {
		got, ok := canonNumber(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("canonNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCanonTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"},
		{"2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"},
		{"2020-03-04T11:00:30+01:00", "2020-03-04T10:00:30.000Z"},
		{"2022-02-16T20:33:31.116000-06:00", "2022-02-17T02:33:31.116Z"},
		{"2023-03-27T11:30:00.0Z", "2023-03-27T11:30:00.000Z"},
		{"2023-12-31T23:59:59.9995Z", "2024-01-01T00:00:00.000Z"},
		{"2023-01-01T00:00:00.12345678901234Z", "2023-01-01T00:00:00.123Z"},
		{"2019-10-21T14:45:00", "2019-10-21T14:45:00.000Z"},
		{"2019-10-21T14:45:00+0200", "2019-10-21T12:45:00.000Z"},
		{"not a time", "not a time"},
		{"2019-10-21", "2019-10-21"},
	}
	for _, tt := range tests {
		if got := canonTime(tt.in); got != tt.want {
			t.Errorf("canonTime(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestCanonicalID(t *testing.T) {
	tests := []struct{ in, want string }{
		// EPC URIs
		{"urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"},
		{"urn:epc:id:sgtin:415056789012.0.987654", "https://id.gs1.org/01/04150567890128/21/987654"},
		{"urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()", "https://id.gs1.org/01/80614141123458/21/6789%2F%26%25%22%21%3F%28%29"},
		{"urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338"},
		{"urn:epc:id:sgln:4012345.00011.987", "https://id.gs1.org/414/4012345000115/254/987"},
		{"urn:epc:id:sgln:4012345.00011.0", "https://id.gs1.org/414/4012345000115"},
		{"urn:epc:id:grai:4012345.00022.334455", "https://id.gs1.org/8003/04012345000221334455"},
		{"urn:epc:id:giai:4012345.ABC345", "https://id.gs1.org/8004/4012345ABC345"},
		{"urn:epc:id:gsrn:4012345.0000006765", "https://id.gs1.org/8018/401234500000067657"},
		{"urn:epc:id:gsrnp:4012345.0000000007", "https://id.gs1.org/8017/401234500000000074"},
		{"urn:epc:id:gdti:4012345.00009.PO-4711", "https://id.gs1.org/253/4012345000092PO-4711"},
		{"urn:epc:id:gdti:987659999999..9", "https://id.gs1.org/253/98765999999929"},
		{"urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234", "https://id.gs1.org/8010/061414111111111111111-A%23%2F/8011/1234"},
		{"urn:epc:id:sgcn:4012345.99999.44", "https://id.gs1.org/255/401234599999044"},
		{"urn:epc:id:ginc:0614141.xyz47%2F11", "https://id.gs1.org/401/0614141xyz47%2F11"},
		{"urn:epc:id:gsin:4012345.222333444", "https://id.gs1.org/402/40123452223334442"},
		{"urn:epc:id:itip:4012345.011111.01.02.987", "https://id.gs1.org/8006/040123451111180102/21/987"},
		{"urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7'SDB", "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7'SDB"},
		{"urn:epc:id:pgln:4000001.00000", "https://id.gs1.org/417/4000001000005"},
		{"urn:epc:id:pgln:999999999999.", "https://id.gs1.org/417/9999999999994"},
		// EPC class and pattern URIs
		{"urn:epc:class:lgtin:4012345.012345.Lot987", "https://id.gs1.org/01/04012345123456/10/Lot987"},
		{"urn:epc:idpat:sgtin:4012345.066666.*", "https://id.gs1.org/01/04012345666663"},
		{"urn:epc:idpat:grai:4012345.66666.*", "https://id.gs1.org/8003/04012345666663"},
		{"urn:epc:idpat:cpi:4012345.ABC.*", "https://id.gs1.org/8010/4012345ABC"},
		{"urn:epc:idpat:itip:4012345.012345.01.02.*", "https://id.gs1.org/8006/040123451234560102"},
		// GS1 Digital Link URIs
		{"https://id.gs1.org/gtin/09780345418913", "https://id.gs1.org/01/09780345418913"},
		{"https://example.com/gtin/09780345418913/21/765tz?abc=211121", "https://id.gs1.org/01/09780345418913/21/765tz"},
		{"https://id.gs1.de/00/040123451111111110", "https://id.gs1.org/00/040123451111111110"},
		{"https://id.example.com/253/4012345000054987", "https://id.gs1.org/253/4012345000054987"},
		{"https://brand.example/shop/01/4012345123456/10/LOT1/21/S1", "https://id.gs1.org/01/04012345123456/21/S1"},
		{"https://id.gs1.org/01/04012345123456/22/2A/10/LOT1", "https://id.gs1.org/01/04012345123456/10/LOT1"},
		// Not identifiers, or not valid ones: left alone.
		{"urn:epc:id:sgtin:4012345.011111", ""},
		{"urn:epc:id:sgtin:123.4.5", ""},
		{"urn:epc:id:sscc:4012345.01", ""},
		{"urn:epcglobal:cbv:bt:0614141073467:1152", ""},
		{"https://example.com/po/12345678", ""},
		{"https://id.gs1.org/01/0401234512345/21/a%2Fb", ""},
		{"geo:47.506694,11.104301", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := canonicalID(tt.in); got != tt.want {
			t.Errorf("canonicalID(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestValue(t *testing.T) {
	ns := namespaces{"example": "https://ns.example.com/epcis/"}
	tests := []struct{ in, want string }{
		{"  urn:epcglobal:cbv:bizstep:receiving ", "https://ref.gs1.org/cbv/BizStep-receiving"},
		{"urn:epcglobal:cbv:disp:in_transit", "https://ref.gs1.org/cbv/Disp-in_transit"},
		{"gs1:Temperature", "https://gs1.org/voc/Temperature"},
		{"cbv:Comp-latitude", "https://ref.gs1.org/cbv/Comp-latitude"},
		{"example:someValue", "example:someValue"},
		{"2.50", "2.5"},
		{"urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"},
		{"plain text", "plain text"},
	}
	for _, tt := range tests {
		if got := ns.value(tt.in); got != tt.want {
			t.Errorf("value(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	if got := ns.key("example:myField"); got != "{https://ns.example.com/epcis/}myField" {
		t.Errorf("key = %q", got)
	}
	if got := ns.key("cbvmda:lotNumber"); got != "{urn:epcglobal:cbv:mda:}lotNumber" {
		t.Errorf("key = %q", got)
	}
	if got := ns.key("unknown:field"); got != "unknown:field" {
		t.Errorf("key = %q", got)
	}
}
