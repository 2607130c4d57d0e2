package gs1_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lotline/lotline/gs1"
)

func ExampleParseEPC() {
	e, err := gs1.ParseEPC("urn:epc:id:sgtin:0614141.812345.6789")
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Scheme, e.GTIN(), e.Serial, e.CompanyPrefix())
	fmt.Println(e.DigitalLink())
	fmt.Println(e.ElementString())
	// Output:
	// sgtin 80614141123458 6789 0614141
	// https://id.gs1.org/01/80614141123458/21/6789
	// (01)80614141123458(21)6789
}

func ExampleParseEPC_error() {
	_, err := gs1.ParseEPC("https://id.gs1.org/01/80614141123457/21/6789")
	var e *gs1.Error
	if errors.As(err, &e) {
		fmt.Println(e.Part, "|", e.Reason)
	}
	// Output:
	// check digit | want 8
}

func ExampleEPC_Canonical() {
	urn := gs1.MustParseEPC("urn:epc:class:lgtin:4012345.012345.998877")
	dl := gs1.MustParseEPC("https://brand.example.com/shop/01/04012345123456/10/998877?17=261231")
	fmt.Println(urn.Canonical() == dl.Canonical(), dl.Canonical())
	fmt.Println(dl.IsClass(), dl.GTIN(), dl.Lot())
	// Output:
	// true https://id.gs1.org/01/04012345123456/10/998877
	// true 04012345123456 998877
}

func ExampleEPC_URN() {
	e := gs1.MustParseEPC("https://id.gs1.org/414/4012345000054/254/122")
	_, err := e.URN()
	fmt.Println(errors.Is(err, gs1.ErrUnknownPrefixLength))
	e, _ = e.WithPrefixLen(7)
	fmt.Println(e.URN())
	// Output:
	// true
	// urn:epc:id:sgln:4012345.00005.122 <nil>
}

func ExamplePrefixTable() {
	t := gs1.NewPrefixTable()
	// GS1's gcpprefixformatlist, XML form (a two-entry excerpt).
	err := t.Load(strings.NewReader(`<GCPPrefixFormatList>
	  <entry prefix="0614" gcpLength="7"/>
	  <entry prefix="952" gcpLength="9"/>
	</GCPPrefixFormatList>`))
	if err != nil {
		panic(err)
	}
	fmt.Println(t.URN(gs1.MustParseEPC("https://id.gs1.org/01/80614141123458/21/6789")))
	// A prefix seen in URN form is learnt.
	t.Learn(gs1.MustParseEPC("urn:epc:id:sgln:4012345.00005.0"))
	fmt.Println(t.URN(gs1.MustParseEPC("https://id.gs1.org/00/340123451111111111")))
	_, err = t.URN(gs1.MustParseEPC("https://id.gs1.org/417/5012345000015"))
	fmt.Println(err)
	// Output:
	// urn:epc:id:sgtin:0614141.812345.6789 <nil>
	// urn:epc:id:sscc:4012345.3111111111 <nil>
	// gs1: GS1 Company Prefix length unknown for pgln key "5012345000015"
}

func ExampleParsePattern() {
	p := gs1.MustParsePattern("urn:epc:idpat:sgtin:0614141.812345.*")
	fmt.Println(p.Match(gs1.MustParseEPC("urn:epc:id:sgtin:0614141.812345.6789")))
	fmt.Println(p.Match(gs1.MustParseEPC("https://id.gs1.org/01/80614141123458/21/400")))
	fmt.Println(p.Match(gs1.MustParseEPC("urn:epc:id:sgtin:0614141.812346.6789")))
	// Output:
	// true
	// true
	// false
}

func ExampleParseElementString() {
	es, err := gs1.ParseElementString("(01)09521234543213(17)261231(10)ABC")
	if err != nil {
		panic(err)
	}
	expiry, _ := es.Get("17")
	e, _ := es.EPC()
	fmt.Println(expiry, e.Scheme, e.Canonical())
	// Output:
	// 261231 lgtin https://id.gs1.org/01/09521234543213/10/ABC
}

func ExampleCheckDigit() {
	fmt.Println(string(gs1.CheckDigit("0952123454321")), gs1.ValidCheckDigit("09521234543213"))
	// Output:
	// 3 true
}
