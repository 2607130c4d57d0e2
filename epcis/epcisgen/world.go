package epcisgen

import (
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/gs1/hierarchy"
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
	// intermediates are the products of the stages before the last
	// (Options.Stages), by stage.
	intermediates []*product
	ssccNext      uint64
	btNext        uint64
}

// site is a location of a company: a GLN written as an SGLN. Its areas
// (sub-sites) and read points are SGLNs of the same GLN with an extension.
type site struct {
	owner      *company
	name       string
	locRef     string // location reference, 12-len(prefix) digits
	zone       *time.Location
	offset     string // eventTimeZoneOffset
	street     string
	city       string
	postalCode string
	country    string // ISO 3166-1 alpha-2
	areas      []*area
	readPoints []*readPoint
}

// area is a sub-site: a room or zone of a site, the bizLocation of the
// events that happen there.
type area struct {
	ext     string // SGLN extension
	name    string
	sst     string // CBV sub-site type code (201 backroom, 202 storage area, ...)
	climate string // temperature zone: ambient, chilled or frozen
}

// readPoint is a reader (a dock door, a station) in one area of a site.
type readPoint struct {
	ext  string
	name string
	area *area
}

// siteKind is the layout of a kind of site: its areas and its read points,
// each read point naming its area by extension.
type siteKind struct {
	areas      []area
	readPoints []struct{ ext, name, area string }
}

var (
	millLayout = siteKind{
		areas:      []area{{"100", "Dispatch", "210", "ambient"}, {"200", "Silo store", "202", "ambient"}},
		readPoints: []struct{ ext, name, area string }{{"1", "Dispatch dock", "100"}},
	}
	plantLayout = siteKind{
		areas: []area{{"100", "Goods receiving", "209", "ambient"}, {"200", "Production hall", "208", "chilled"},
			{"300", "Quality laboratory", "208", "ambient"}, {"400", "Packing hall", "208", "chilled"}},
		readPoints: []struct{ ext, name, area string }{{"1", "Receiving dock door", "100"}, {"2", "Mixing line", "200"},
			{"3", "QA bench", "300"}, {"4", "Serialisation station", "200"}, {"5", "Palletiser", "400"}},
	}
	coldStoreLayout = siteKind{
		areas:      []area{{"100", "Dispatch bay", "210", "chilled"}, {"200", "Cold room", "202", "chilled"}},
		readPoints: []struct{ ext, name, area string }{{"1", "Dispatch door", "100"}, {"2", "Cold room portal", "200"}},
	}
	hubLayout = siteKind{
		areas: []area{{"100", "Inbound dock", "209", "chilled"}, {"200", "Chilled storage", "202", "chilled"},
			{"300", "Outbound dock", "210", "chilled"}},
		readPoints: []struct{ ext, name, area string }{{"1", "Inbound dock door", "100"}, {"2", "Outbound dock door", "300"},
			{"3", "Break-bulk station", "200"}},
	}
	shopLayout = siteKind{
		areas:      []area{{"100", "Backroom", "201", "chilled"}, {"200", "Sales floor", "203", "ambient"}},
		readPoints: []struct{ ext, name, area string }{{"1", "Backroom door", "100"}, {"2", "Checkout", "200"}},
	}
)

// readPoint returns the site's read point with extension ext.
func (s *site) readPoint(ext string) *readPoint {
	for _, rp := range s.readPoints {
		if rp.ext == ext {
			return rp
		}
	}
	panic("epcisgen: site " + s.name + " has no read point " + ext)
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
	climate string // temperature zone it is kept in
	lotNext uint64
	// caseSize is the number of consumer units in a case, the trade item
	// of indicator digit 1.
	caseSize int
	// hierarchy is the attribute ID (of package gs1/hierarchy) with which
	// the master data describes the case as containing caseSize consumer
	// units, or "" when no master data describes it (the case is then
	// linked by the indicator-digit convention only).
	hierarchy string
}

// class returns the product's EPC class (all its serials at packaging
// level indicator): an EPC pure identity pattern, or the GTIN's Digital
// Link.
func (p *product) class(indicator byte) string {
	if p.owner.digitalLink {
		return "https://id.gs1.org/01/" + p.gtin(indicator)
	}
	return "urn:epc:idpat:sgtin:" + p.owner.prefix + "." + string(indicator) + p.itemRef + ".*"
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

// address is where a site is.
type address struct{ street, city, postalCode, country string }

func (c *company) addSite(name string, locRef uint64, zone string, offsetHours int, at address, kind siteKind) *site {
	s := &site{owner: c, name: name, locRef: zeroPad(locRef, 12-len(c.prefix)),
		zone:   time.FixedZone(zone, offsetHours*3600),
		street: at.street, city: at.city, postalCode: at.postalCode, country: at.country}
	s.offset = time.Date(2026, 1, 1, 0, 0, 0, 0, s.zone).Format("-07:00")
	byExt := map[string]*area{}
	for _, a := range kind.areas {
		s.areas = append(s.areas, &a)
		byExt[a.ext] = &a
	}
	for _, rp := range kind.readPoints {
		s.readPoints = append(s.readPoints, &readPoint{ext: rp.ext, name: rp.name, area: byExt[rp.area]})
	}
	c.sites = append(c.sites, s)
	return s
}

func (c *company) addProduct(name string, itemRef uint64, bulk bool, shelf time.Duration, climate string) *product {
	p := &product{owner: c, name: name, itemRef: zeroPad(itemRef, 12-len(c.prefix)), bulk: bulk, shelf: shelf,
		climate: climate, caseSize: 12}
	c.products = append(c.products, p)
	return p
}

// newWorld builds the cast. Company prefixes have 7, 8, 9 and 10 digits so
// that every URN split is exercised.
func newWorld() *world {
	const day = 24 * time.Hour
	sup := newCompany("Harvest Ingredients", "0614141", false)
	sup.addSite("mill", 1, "CET", 1, address{"Muehlenweg 3", "Ulm", "89073", "DE"}, millLayout)
	sup.addProduct("wheat flour", 10001, true, 365*day, "ambient")
	sup.addProduct("cane sugar", 10002, true, 730*day, "ambient")
	sup.addProduct("skimmed milk powder", 10003, true, 540*day, "ambient")
	sup.addProduct("cocoa powder", 10004, true, 720*day, "ambient")

	a := newCompany("Alpen Foods", "4012345", false)
	a.addSite("plant", 1, "CET", 1, address{"Industriestrasse 12", "Kempten", "87437", "DE"}, plantLayout)
	a.addSite("cold store", 2, "CET", 1, address{"Kuehlhausweg 4", "Kempten", "87437", "DE"}, coldStoreLayout)
	// Three of the five finished products have hierarchy master data, in
	// GDSN's terms or Lotline's; the other two rely on the indicator
	// digit.
	a.addProduct("chocolate biscuits", 11111, false, 270*day, "ambient").hierarchy = hierarchy.GDSNNextLowerLevel
	a.addProduct("yoghurt cups", 22222, false, 28*day, "chilled").caseSize = 24
	oat := a.addProduct("oat bars", 33333, false, 300*day, "ambient")
	oat.hierarchy, oat.caseSize = hierarchy.Contains, 20

	b := newCompany("Lakeside Dairy", "50123456", true)
	b.addSite("dairy", 7, "EET", 2, address{"Järvitie 21", "Kuopio", "70100", "FI"}, plantLayout)
	b.addSite("warehouse", 8, "EET", 2, address{"Varastokatu 5", "Kuopio", "70460", "FI"}, coldStoreLayout)
	b.addProduct("cream cheese", 1234, false, 60*day, "chilled").caseSize = 6
	b.addProduct("butter", 1235, false, 120*day, "chilled").hierarchy = hierarchy.GDSNNextLowerLevel

	d := newCompany("Northway Distribution", "409876543", false)
	d.addSite("hub", 42, "EST", -5, address{"1200 Harbor Road", "Newark", "07114", "US"}, hubLayout)
	d.addSite("cross dock", 43, "CST", -6, address{"88 Prairie Avenue", "Joliet", "60436", "US"}, hubLayout)

	r := newCompany("Corner Grocers", "8712345678", false)
	r.addSite("store 1", 11, "EST", -5, address{"45 Elm Street", "Albany", "12207", "US"}, shopLayout)
	r.addSite("store 2", 12, "PST", -8, address{"310 Pine Street", "Portland", "97204", "US"}, shopLayout)

	return &world{supplier: sup, makers: []*company{a, b}, distributor: d, retailer: r}
}

func (w *world) companies() []*company {
	return append([]*company{w.supplier, w.distributor, w.retailer}, w.makers...)
}
