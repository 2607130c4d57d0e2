package gs1

import (
	"errors"
	"testing"
)

// Translation vectors: EPC URN, canonical Digital Link, element string. The
// URN/DL pairs are the ones the CBV 2.0 event-hash reference implementation
// (epcis-event-hash-generator) tests its normaliser with, plus the Tag Data
// Standard's own examples.
var translations = []struct {
	urn, dl, es string
	class       bool
}{
	{"urn:epc:id:sgtin:4012345.011111.98%22", "https://id.gs1.org/01/04012345111118/21/98%22", `(01)04012345111118(21)98"`, false},
	{"urn:epc:id:sgtin:415056789012.0.987654", "https://id.gs1.org/01/04150567890128/21/987654", "(01)04150567890128(21)987654", false},
	{"urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()", "https://id.gs1.org/01/80614141123458/21/6789%2F%26%25%22%21%3F%28%29", `(01)80614141123458(21)6789/&%"!?\()`, false},
	{"urn:epc:id:sgtin:0614141.112345.400", "https://id.gs1.org/01/10614141123459/21/400", "(01)10614141123459(21)400", false},
	{"urn:epc:id:sscc:4012345.3111111111", "https://id.gs1.org/00/340123451111111111", "(00)340123451111111111", false},
	{"urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908", "(00)106141412345678908", false},
	{"urn:epc:id:sgln:4012345.00005.122", "https://id.gs1.org/414/4012345000054/254/122", "(414)4012345000054(254)122", false},
	{"urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054", "(414)4012345000054", false},
	{"urn:epc:id:grai:4012345.00022.334455", "https://id.gs1.org/8003/04012345000221334455", "(8003)04012345000221334455", false},
	{"urn:epc:id:giai:4012345.ABC345", "https://id.gs1.org/8004/4012345ABC345", "(8004)4012345ABC345", false},
	{"urn:epc:id:gsrn:4012345.0000006765", "https://id.gs1.org/8018/401234500000067657", "(8018)401234500000067657", false},
	{"urn:epc:id:gsrnp:4012345.0000000007", "https://id.gs1.org/8017/401234500000000074", "(8017)401234500000000074", false},
	{"urn:epc:id:gdti:4012345.00009.PO-4711", "https://id.gs1.org/253/4012345000092PO-4711", "(253)4012345000092PO-4711", false},
	{"urn:epc:id:gdti:987659999999..9", "https://id.gs1.org/253/98765999999929", "(253)98765999999929", false},
	{"urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234", "https://id.gs1.org/8010/061414111111111111111-A%23%2F/8011/1234", "(8010)061414111111111111111-A#/(8011)1234", false},
	{"urn:epc:id:sgcn:4012345.67890.04711", "https://id.gs1.org/255/401234567890104711", "(255)401234567890104711", false},
	{"urn:epc:id:ginc:0614141.xyz47%2F11", "https://id.gs1.org/401/0614141xyz47%2F11", "(401)0614141xyz47/11", false},
	{"urn:epc:id:gsin:4012345.222333444", "https://id.gs1.org/402/40123452223334442", "(402)40123452223334442", false},
	{"urn:epc:id:itip:4012345.011111.01.02.987", "https://id.gs1.org/8006/040123451111180102/21/987", "(8006)040123451111180102(21)987", false},
	{"urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7SDB", "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7SDB", "(01)01234567987651(235)51qIgY)<&Jp3*j7SDB", false},
	{"urn:epc:id:pgln:4000001.00000", "https://id.gs1.org/417/4000001000005", "(417)4000001000005", false},
	{"urn:epc:id:pgln:999999999999.", "https://id.gs1.org/417/9999999999994", "(417)9999999999994", false},
	{"urn:epc:class:lgtin:4012345.012345.Lot987", "https://id.gs1.org/01/04012345123456/10/Lot987", "(01)04012345123456(10)Lot987", true},
	{"urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456", "(01)04012345123456", true},
	{"urn:epc:idpat:grai:4012345.99999.*", "https://id.gs1.org/8003/04012345999990", "(8003)04012345999990", true},
	{"urn:epc:idpat:gdti:4012345.11111.*", "https://id.gs1.org/253/4012345111118", "(253)4012345111118", true},
	{"urn:epc:idpat:sgcn:4012345.22222.*", "https://id.gs1.org/255/4012345222227", "(255)4012345222227", true},
	{"urn:epc:idpat:cpi:4012345.AB12.*", "https://id.gs1.org/8010/4012345AB12", "(8010)4012345AB12", true},
	{"urn:epc:idpat:itip:4012345.012345.01.02.*", "https://id.gs1.org/8006/040123451234560102", "(8006)040123451234560102", true},
}

func TestTranslations(t *testing.T) {
	for _, tc := range translations {
		t.Run(tc.urn, func(t *testing.T) {
			e, err := ParseEPC(tc.urn)
			if err != nil {
				t.Fatalf("ParseEPC(URN): %v", err)
			}
			if got := e.DigitalLink(); got != tc.dl {
				t.Errorf("DigitalLink() = %s, want %s", got, tc.dl)
			}
			if got := e.ElementString(); got != tc.es {
				t.Errorf("ElementString() = %s, want %s", got, tc.es)
			}
			if e.IsClass() != tc.class {
				t.Errorf("IsClass() = %v", e.IsClass())
			}
			urn, err := e.URN()
			if err != nil || urn != tc.urn {
				t.Errorf("URN() = %q, %v; want input back", urn, err)
			}
			d, err := ParseEPC(tc.dl)
			if err != nil {
				t.Fatalf("ParseEPC(DL): %v", err)
			}
			if d.Canonical() != e.Canonical() {
				t.Errorf("Canonical differs: %s vs %s", d.Canonical(), e.Canonical())
			}
			if _, err := d.URN(); !errors.Is(err, ErrUnknownPrefixLength) {
				t.Errorf("URN() of DL form: err = %v, want ErrUnknownPrefixLength", err)
			}
			tab := NewPrefixTable()
			tab.Learn(e)
			back, err := tab.URN(d)
			if err != nil || back != tc.urn {
				t.Errorf("PrefixTable.URN(DL) = %q, %v; want %s", back, err, tc.urn)
			}
			es, err := ParseElementString(tc.es)
			if err != nil {
				t.Fatalf("ParseElementString: %v", err)
			}
			f, err := es.EPC()
			if err != nil || f.Canonical() != e.Canonical() {
				t.Errorf("ElementString.EPC() = %v, %v", f, err)
			}
		})
	}
}

// Digital Link inputs and their canonical forms.
var dlNormalisations = []struct{ in, want string }{
	{"https://id.gs1.org/gtin/09780345418913", "https://id.gs1.org/01/09780345418913"},
	{"https://example.com/gtin/09780345418913/21/765tz?abc=211121", "https://id.gs1.org/01/09780345418913/21/765tz"},
	{"http://example.de/gtin-8/01/97803119", "https://id.gs1.org/01/00000097803119"},
	{"http://us-company-with-UPC.com/01/001122334455", "https://id.gs1.org/01/00001122334455"},
	{"http://us-company-with-UPC.com/01/001122334455/ser/GHB", "https://id.gs1.org/01/00001122334455/21/GHB"},
	{"https://ean-13.de/gtin/4012345123456/ser/ABC524", "https://id.gs1.org/01/04012345123456/21/ABC524"},
	{"http://id.gs1.org/gtin/9780345418913", "https://id.gs1.org/01/09780345418913"},
	{"https://id.gs1.org/gtin/9780345418913/cpv/344/lot/1223/ser/765tz", "https://id.gs1.org/01/09780345418913/21/765tz"},
	{"https://id.gs1.org/gtin/9780345418913/cpv/344", "https://id.gs1.org/01/09780345418913"},
	{"http://example.de/01/040123451235/cpv/344/lot/ABD", "https://id.gs1.org/01/00040123451235/10/ABD"},
	{"https://id.gs1.org/01/9780345418913/22/344/10/1223/21/765tz", "https://id.gs1.org/01/09780345418913/21/765tz"},
	{"https://id.gs1.org/itip/123456789101100190/cpv/ABCD", "https://id.gs1.org/8006/123456789101100190"},
	{"https://fashion-corp.com/8006/040123451234560102/22/AB/21/443322", "https://id.gs1.org/8006/040123451234560102/21/443322"},
	{"https://fashion-corp.com/8006/040123451234560102/10/Lot-123/21/ser987", "https://id.gs1.org/8006/040123451234560102/21/ser987"},
	{"https://gs1.test.example.org/01/9780345418913/10/1223", "https://id.gs1.org/01/09780345418913/10/1223"},
	{"https://example.org/01/9780345418913/21/765tz?11=221109", "https://id.gs1.org/01/09780345418913/21/765tz"},
	{"https://id.gs1.org/00/340123453111111115", "https://id.gs1.org/00/340123453111111115"},
	{"https://id.gs1.org/414/4226350800008", "https://id.gs1.org/414/4226350800008"},
	{"https://example.co.uk/party/4226350800008", "https://id.gs1.org/417/4226350800008"},
	{"https://id.gs1.org/414/4280000000002/254/12", "https://id.gs1.org/414/4280000000002/254/12"},
	{"https://id.gs1.org/414/4280000000002/254/0", "https://id.gs1.org/414/4280000000002"},
	{"https://id.gs1.org/8003/03870585000552987", "https://id.gs1.org/8003/03870585000552987"},
	{"https://id.gs1.org/8004/0180451111ABC987", "https://id.gs1.org/8004/0180451111ABC987"},
	{"https://id.gs1.org/8018/385888700111111111", "https://id.gs1.org/8018/385888700111111111"},
	{"https://id.gs1.org/8017/440018922222222226", "https://id.gs1.org/8017/440018922222222226"},
	{"https://id.gs1.org/253/4602443000331XYZ", "https://id.gs1.org/253/4602443000331XYZ"},
	{"https://id.gs1.org/8010/0628165987/8011/9876", "https://id.gs1.org/8010/0628165987/8011/9876"},
	{"https://id.gs1.org/255/0811625999996554433", "https://id.gs1.org/255/0811625999996554433"},
	{"http://fashion.com/itip/040123451234560102/ser/ABC145", "https://id.gs1.org/8006/040123451234560102/21/ABC145"},
	{"HTTPS://id.gs1.org/01/09521141012345/21/2017#frag", "https://id.gs1.org/01/09521141012345/21/2017"},
	{"https://id.gs1.org/01/09521141012345/21/a%2fb", "https://id.gs1.org/01/09521141012345/21/a%2Fb"},
}

func TestDigitalLinkNormalisation(t *testing.T) {
	for _, tc := range dlNormalisations {
		e, err := ParseDigitalLink(tc.in)
		if err != nil {
			t.Errorf("ParseDigitalLink(%q): %v", tc.in, err)
			continue
		}
		if got := e.DigitalLink(); got != tc.want {
			t.Errorf("ParseDigitalLink(%q).DigitalLink() = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, part string
	}{
		{"urn:epc:id:sgtin:0614141.812345", "URN"},
		{"urn:epc:id:sgtin:0614141.81234.1", "item reference"},
		{"urn:epc:id:sgtin:06141A1.812345.1", "company prefix"},
		{"urn:epc:id:sgtin:0614141.812345.", "serial"},
		{"urn:epc:id:sgtin:0614141.812345.123456789012345678901", "serial"},
		{"urn:epc:id:sgtin:0614141.812345.a b", "serial"},
		{"urn:epc:id:sgtin:0614141.812345.a%2", "serial"},
		{"urn:epc:id:sgtin:0614141.812345.é", "serial"},
		{"urn:epc:id:foo:0614141.812345.1", "scheme"},
		{"urn:epc:id:lgtin:4012345.012345.1", "URN"},
		{"urn:epc:class:sgtin:4012345.012345.1", "scheme"},
		{"urn:epc:idpat:sgtin:4012345.*.*", "URN"},
		{"urn:epc:idpat:sscc:4012345.*", "URN"},
		{"urn:epc:id:sscc:0614141.123456789", "serial reference"},
		{"urn:epc:id:grai:4012345.00022.", "serial"},
		{"urn:epc:id:grai:4012345.00022.12345678901234567", "serial"},
		{"urn:epc:id:cpi:0614141.abc.1", "component/part reference"},
		{"urn:epc:id:cpi:0614141.ABC.01", "serial"},
		{"urn:epc:id:sgcn:4012345.67890.A1", "serial"},
		{"urn:epc:id:itip:4012345.011111.03.02.987", "piece number"},
		{"urn:epc:id:itip:4012345.011111.00.02.987", "piece number"},
		{"urn:epc:id:giai:4012345.", "individual asset reference"},
		{"urn:epc:id:giai:4012345.123456789012345678901234", "individual asset reference"},
		{"urn:epc:id:upui:1234567.098765.", "third-party serial"},
		{"urn:epc:id:pgln:4000001.0000", "party reference"},
		{"urn:epc:id:sgtin:0614141812345.1.1", "company prefix"},
		{"urn:epc:id:sgtin:0614141.812345.1", ""}, // valid, sanity
		{"urn:epc:id:sgtin:0614141.812345.a/b", "URN"},
		{"urn:epc:id:sgtin:0614141.812345.a?b", "URN"},
		{"urn:epc:id:cpi:0614141.AB#1.1", "URN"},
		{"urn:epc:id:sgtin:0614141.812345.a%2fb", ""}, // lower-case hex accepted
		{"urn:epc:id:sgtin:0614141.812345.a%21b", ""}, // needless escape accepted
		{"https://id.gs1.org/01/09521141012346/21/1", "check digit"},
		{"https://id.gs1.org/01/0952114101234/21/1", "check digit"},
		{"https://id.gs1.org/01/952114101234A/21/1", "AI 01"},
		{"https://id.gs1.org/01/09521141012345/21/", "AI 21"},
		{"https://id.gs1.org/01/09521141012345/21/1/10/ABC", "AI 10"},
		{"https://id.gs1.org/01/09521141012345/99/x", "path"},
		{"https://id.gs1.org/01/09521141012345/254/x", "AI 254"},
		{"https://id.gs1.org/01/09521141012345/235/x/21/y", "AI 21"},
		{"https://id.gs1.org/8006/04012345123456/22/ABCD/10/XYZ", "AI 8006"},
		{"https://id.gs1.org/8006/040123451234560102/10/XYZ", "AI 10"},
		{"http://example.de/01/97803", "AI 01"},
		{"http://example.org/123/4012345ABC987/456/4711", "path"},
		{"http://example.de/abc/9780345418913", "path"},
		{"https://id.gs1.org", "path"},
		{"https://user@host/01/09521141012345", "host"},
		{"ftp://id.gs1.org/01/09521141012345", "identifier"},
		{"42", "identifier"},
		{"Hello World!", "identifier"},
		{"https://id.gs1.org/01/09521141012345/21/%ZZ", "AI 21"},
		{"https://id.gs1.org/01/09521141012345/21/a%20b", "AI 21"},
		{"https://id.gs1.org/414/4012345000054/254/", "AI 254"},
		{"https://id.gs1.org/8003/1401234500002", "AI 8003"},
		{"https://id.gs1.org/8003/14012345000021", "AI 8003"},
		{"https://id.gs1.org/8013/1234567890", "AI 8013"},
	}
	for _, tc := range tests {
		_, err := ParseEPC(tc.in)
		if tc.part == "" {
			if err != nil {
				t.Errorf("ParseEPC(%q): %v", tc.in, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("ParseEPC(%q) error = %v, want *Error for %s", tc.in, err, tc.part)
			continue
		}
		if pe.Part != tc.part {
			t.Errorf("ParseEPC(%q) error part = %q (%v), want %q", tc.in, pe.Part, err, tc.part)
		}
	}
}

func TestAccessors(t *testing.T) {
	e := MustParseEPC("urn:epc:id:sgtin:0614141.812345.6789")
	if e.GTIN() != "80614141123458" || e.CompanyPrefix() != "0614141" || e.Reference() != "812345" || e.Serial != "6789" || e.Lot() != "" {
		t.Errorf("accessors: %+v gtin=%s cp=%s ref=%s", e, e.GTIN(), e.CompanyPrefix(), e.Reference())
	}
	l := MustParseEPC("https://example.com/01/04012345123456/10/ABC")
	if l.Scheme != LGTIN || l.GTIN() != "04012345123456" || l.Lot() != "ABC" || !l.IsClass() || l.CompanyPrefix() != "" {
		t.Errorf("lgtin accessors: %+v", l)
	}
	g := MustParseEPC("urn:epc:id:sgln:4012345.00005.0")
	if g.GLN() != "4012345000054" || g.Serial != "" || g.IsClass() {
		t.Errorf("sgln accessors: %+v", g)
	}
	it := MustParseEPC("urn:epc:id:itip:4012345.011111.01.02.987")
	if it.GTIN() != "04012345111118" {
		t.Errorf("itip GTIN = %s", it.GTIN())
	}
	if s := l.String(); s != "https://id.gs1.org/01/04012345123456/10/ABC" {
		t.Errorf("String() = %s", s)
	}
	if s := e.String(); s != "urn:epc:id:sgtin:0614141.812345.6789" {
		t.Errorf("String() = %s", s)
	}
}

func TestValidate(t *testing.T) {
	bad := []EPC{
		{},
		{Scheme: SGTIN, Key: "09521141012345", Serial: "1", PrefixLen: 13},
		{Scheme: SGTIN, Key: "09521141012345", Serial: "1", PrefixLen: 3},
		{Scheme: SGLN, Key: "4012345000054", Serial: "0"},
		{Scheme: SSCC, Key: "340123451111111111", Serial: "1"},
		{Scheme: GIAI, Key: "4012345ABC", PrefixLen: 8},
		{Scheme: GIAI, Key: "AB12345"},
		{Scheme: LGTIN, Key: "04012345123456"},
		{Scheme: UPUI, Key: "04012345123456"},
	}
	for _, e := range bad {
		if err := e.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want error", e)
		}
	}
	good := []EPC{
		{Scheme: SGTIN, Key: "09521141012345", Serial: "1", PrefixLen: 7},
		{Scheme: SGTIN, Key: "09521141012345"},
		{Scheme: GIAI, Key: "4012345ABC", PrefixLen: 7},
	}
	for _, e := range good {
		if err := e.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", e, err)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		digits string
		want   byte
	}{
		{"0952114101234", '5'},
		{"10614141234567890", '8'}, // SSCC 106141412345678908
		{"629104150021", '3'},      // GTIN-12 629104150021 3
		{"", 0},
		{"12a", 0},
	}
	for _, tc := range tests {
		if got := CheckDigit(tc.digits); got != tc.want {
			t.Errorf("CheckDigit(%q) = %q, want %q", tc.digits, got, tc.want)
		}
	}
	if !ValidCheckDigit("09521141012345") || ValidCheckDigit("09521141012346") || ValidCheckDigit("5") {
		t.Error("ValidCheckDigit")
	}
}
