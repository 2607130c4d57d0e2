package epcisgen

import (
	"strconv"
	"strings"
	"time"
)

// checkDigit returns the GS1 mod-10 check digit of digits (the key without
// its check digit).
func checkDigit(digits string) byte {
	sum := 0
	w := 3
	for i := len(digits) - 1; i >= 0; i-- {
		sum += int(digits[i]-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// zeroPad writes n in decimal, left-padded with zeros to width digits. A
// wider n is written in full: callers keep their counters in range.
func zeroPad(n uint64, width int) string {
	s := strconv.FormatUint(n, 10)
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// company is a trading party with a GS1 Company Prefix.
type company struct {
	name        string
	prefix      string // GS1 Company Prefix, 7 to 10 digits
	digitalLink bool   // writes its identifiers as GS1 Digital Links
	party       string // PGLN as an EPC URN
	sites       []*site
	products    []*product
	ssccNext    uint64
	btNext      uint64
}

// site is a location of a company: a GLN written as an SGLN.
type site struct {
	owner  *company
	name   string
	locRef string // location reference, 12-len(prefix) digits
	zone   *time.Location
	offset string // eventTimeZoneOffset
}

// gln returns the 13-digit GLN of the site.
func (s *site) gln() string {
	d := s.owner.prefix + s.locRef
	return d + string(checkDigit(d))
}

// sgln returns the site's SGLN URN with extension ext ("0" for none).
func (s *site) sgln(ext string) string {
	return "urn:epc:id:sgln:" + s.owner.prefix + "." + s.locRef + "." + ext
}

// product is a trade item: its GTIN at each level is indicator digit +
// company prefix + item reference + check digit.
type product struct {
	owner   *company
	name    string
	itemRef string // 12-len(prefix) digits
	bulk    bool   // measured in kilograms, not counted
	shelf   time.Duration
	lotNext uint64
}

func (p *product) gtin(indicator byte) string {
	d := string(indicator) + p.owner.prefix + p.itemRef
	return d + string(checkDigit(d))
}

// sgtin returns the serialised item at packaging level indicator ('0' for
// the consumer unit, '1' for the case).
func (p *product) sgtin(indicator byte, serial string) string {
	if p.owner.digitalLink {
		return "https://id.gs1.org/01/" + p.gtin(indicator) + "/21/" + serial
	}
	return "urn:epc:id:sgtin:" + p.owner.prefix + "." + string(indicator) + p.itemRef + "." + serial
}

// lgtin returns the class of the lot at packaging level indicator.
func (p *product) lgtin(indicator byte, lot string) string {
	if p.owner.digitalLink {
		return "https://id.gs1.org/01/" + p.gtin(indicator) + "/10/" + lot
	}
	return "urn:epc:class:lgtin:" + p.owner.prefix + "." + string(indicator) + p.itemRef + "." + lot
}

// sscc returns the next SSCC of company c, extension digit ext.
func (c *company) sscc(ext byte) string {
	c.ssccNext++
	ref := zeroPad(c.ssccNext, 16-len(c.prefix))
	if c.digitalLink {
		d := string(ext) + c.prefix + ref
		return "https://id.gs1.org/00/" + d + string(checkDigit(d))
	}
	return "urn:epc:id:sscc:" + c.prefix + "." + string(ext) + ref
}

// bizTransaction returns a new business transaction identifier issued by
// c, in the CBV form urn:epcglobal:cbv:bt:{GLN}:{id}.
func (c *company) bizTransaction(kind string) string {
	c.btNext++
	return "urn:epcglobal:cbv:bt:" + c.sites[0].gln() + ":" + kind + strconv.FormatUint(c.btNext, 10)
}

// world is the fixed cast of the simulation.
type world struct {
	supplier, distributor, retailer *company
	makers                          []*company
}

func newCompany(name, prefix string, dl bool) *company {
	return &company{name: name, prefix: prefix, digitalLink: dl,
		party: "urn:epc:id:pgln:" + prefix + "." + zeroPad(0, 12-len(prefix))}
}

func (c *company) addSite(name string, locRef uint64, zone string, offsetHours int) *site {
	s := &site{owner: c, name: name, locRef: zeroPad(locRef, 12-len(c.prefix)),
		zone: time.FixedZone(zone, offsetHours*3600)}
	s.offset = time.Date(2026, 1, 1, 0, 0, 0, 0, s.zone).Format("-07:00")
	c.sites = append(c.sites, s)
	return s
}

func (c *company) addProduct(name string, itemRef uint64, bulk bool, shelf time.Duration) *product {
	p := &product{owner: c, name: name, itemRef: zeroPad(itemRef, 12-len(c.prefix)), bulk: bulk, shelf: shelf}
	c.products = append(c.products, p)
	return p
}

// newWorld builds the cast. Company prefixes have 7, 8, 9 and 10 digits so
// that every URN split is exercised.
func newWorld() *world {
	const day = 24 * time.Hour
	sup := newCompany("Harvest Ingredients", "0614141", false)
	sup.addSite("mill", 1, "CET", 1)
	sup.addProduct("wheat flour", 10001, true, 365*day)
	sup.addProduct("cane sugar", 10002, true, 730*day)
	sup.addProduct("skimmed milk powder", 10003, true, 540*day)
	sup.addProduct("cocoa powder", 10004, true, 720*day)

	a := newCompany("Alpen Foods", "4012345", false)
	a.addSite("plant", 1, "CET", 1)
	a.addSite("cold store", 2, "CET", 1)
	a.addProduct("chocolate biscuits", 11111, false, 270*day)
	a.addProduct("yoghurt cups", 22222, false, 28*day)
	a.addProduct("oat bars", 33333, false, 300*day)

	b := newCompany("Lakeside Dairy", "50123456", true)
	b.addSite("dairy", 7, "EET", 2)
	b.addSite("warehouse", 8, "EET", 2)
	b.addProduct("cream cheese", 1234, false, 60*day)
	b.addProduct("butter", 1235, false, 120*day)

	d := newCompany("Northway Distribution", "409876543", false)
	d.addSite("hub", 42, "EST", -5)
	d.addSite("cross dock", 43, "CST", -6)

	r := newCompany("Corner Grocers", "8712345678", false)
	r.addSite("store 1", 11, "EST", -5)
	r.addSite("store 2", 12, "PST", -8)

	return &world{supplier: sup, makers: []*company{a, b}, distributor: d, retailer: r}
}

func (w *world) companies() []*company {
	return append([]*company{w.supplier, w.distributor, w.retailer}, w.makers...)
}
