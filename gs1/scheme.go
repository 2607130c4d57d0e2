package gs1

// Scheme names an EPC scheme of the Tag Data Standard, as it appears in the
// URN (urn:epc:id:sgtin:..., urn:epc:class:lgtin:...).
type Scheme string

// The EPC schemes used in EPCIS.
const (
	SGTIN Scheme = "sgtin" // Serialised Global Trade Item Number: GTIN (01) + serial (21)
	SSCC  Scheme = "sscc"  // Serial Shipping Container Code (00)
	SGLN  Scheme = "sgln"  // GLN of a physical location (414) + optional extension (254)
	GRAI  Scheme = "grai"  // Global Returnable Asset Identifier (8003), serialised
	GIAI  Scheme = "giai"  // Global Individual Asset Identifier (8004)
	GSRN  Scheme = "gsrn"  // Global Service Relation Number, recipient (8018)
	GSRNP Scheme = "gsrnp" // Global Service Relation Number, provider (8017)
	GDTI  Scheme = "gdti"  // Global Document Type Identifier (253), serialised
	CPI   Scheme = "cpi"   // Component / Part Identifier (8010) + serial (8011)
	SGCN  Scheme = "sgcn"  // Global Coupon Number (255), serialised
	GINC  Scheme = "ginc"  // Global Identification Number for Consignment (401)
	GSIN  Scheme = "gsin"  // Global Shipment Identification Number (402)
	ITIP  Scheme = "itip"  // Individual Trade Item Piece (8006) + serial (21)
	UPUI  Scheme = "upui"  // Unit Pack Identifier: GTIN (01) + third-party controlled serial (235)
	PGLN  Scheme = "pgln"  // GLN of a party (417)
	LGTIN Scheme = "lgtin" // class level: GTIN (01) + batch/lot (10)
)

// Schemes lists every supported scheme.
var Schemes = []Scheme{SGTIN, SSCC, SGLN, GRAI, GIAI, GSRN, GSRNP, GDTI, CPI, SGCN, GINC, GSIN, ITIP, UPUI, PGLN, LGTIN}

// ParseScheme returns the Scheme named s (lower case, as in URNs).
func ParseScheme(s string) (Scheme, error) {
	if info := lookupScheme(s); info != nil {
		return info.scheme, nil
	}
	return "", errf("scheme", s, "not an EPC scheme used in EPCIS")
}

// String returns the scheme name.
func (s Scheme) String() string { return string(s) }

type lead uint8

const (
	leadNone  lead = iota
	leadMoved      // first key digit (indicator, extension) is the first digit of the URN reference
	leadZero       // GRAI: key starts with a fixed '0' that the URN does not carry
)

// schemeInfo is one row of the scheme table: the facts of the Tag Data
// Standard that drive parsing and formatting.
type schemeInfo struct {
	scheme Scheme
	ai     string // AI of the key
	// numeric keys: total digits including lead and check digit (ITIP: 18,
	// the check digit is the 14th). alnum keys: 0.
	keyLen   int
	lead     lead
	refClass uint8 // alnum keys: character class of the reference
	alnumMax int   // alnum keys: maximum total length
	// serial component
	serialAI    string // AI carrying it in Digital Link ("" when concatenated to the key or absent)
	serialClass uint8  // 0: the scheme has no serial component
	serialMax   int
	concat      bool // serial concatenated to the key value (GRAI, GDTI, SGCN)
	classOK     bool // an empty serial gives a class-level identifier
	optional    bool // an empty serial is an instance without that component (SGLN)
	urnFields   int
}

var schemeTable = [...]schemeInfo{
	{scheme: SGTIN, ai: "01", keyLen: 14, lead: leadMoved, serialAI: "21", serialClass: cSet82, serialMax: 20, classOK: true, urnFields: 3},
	{scheme: SSCC, ai: "00", keyLen: 18, lead: leadMoved, urnFields: 2},
	{scheme: SGLN, ai: "414", keyLen: 13, serialAI: "254", serialClass: cSet82, serialMax: 20, optional: true, urnFields: 3},
	{scheme: GRAI, ai: "8003", keyLen: 14, lead: leadZero, serialClass: cSet82, serialMax: 16, concat: true, classOK: true, urnFields: 3},
	{scheme: GIAI, ai: "8004", refClass: cSet82, alnumMax: 30, urnFields: 2},
	{scheme: GSRN, ai: "8018", keyLen: 18, urnFields: 2},
	{scheme: GSRNP, ai: "8017", keyLen: 18, urnFields: 2},
	{scheme: GDTI, ai: "253", keyLen: 13, serialClass: cSet82, serialMax: 17, concat: true, classOK: true, urnFields: 3},
	{scheme: CPI, ai: "8010", refClass: cSet39, alnumMax: 30, serialAI: "8011", serialClass: cDigit, serialMax: 12, classOK: true, urnFields: 3},
	{scheme: SGCN, ai: "255", keyLen: 13, serialClass: cDigit, serialMax: 12, concat: true, classOK: true, urnFields: 3},
	{scheme: GINC, ai: "401", refClass: cSet82, alnumMax: 30, urnFields: 2},
	{scheme: GSIN, ai: "402", keyLen: 17, urnFields: 2},
	{scheme: ITIP, ai: "8006", keyLen: 18, lead: leadMoved, serialAI: "21", serialClass: cSet82, serialMax: 20, classOK: true, urnFields: 5},
	{scheme: UPUI, ai: "01", keyLen: 14, lead: leadMoved, serialAI: "235", serialClass: cSet82, serialMax: 28, urnFields: 3},
	{scheme: PGLN, ai: "417", keyLen: 13, urnFields: 2},
	{scheme: LGTIN, ai: "01", keyLen: 14, lead: leadMoved, serialAI: "10", serialClass: cSet82, serialMax: 20, urnFields: 3},
}

func lookupScheme(s string) *schemeInfo {
	i := -1
	switch s {
	case "sgtin":
		i = 0
	case "sscc":
		i = 1
	case "sgln":
		i = 2
	case "grai":
		i = 3
	case "giai":
		i = 4
	case "gsrn":
		i = 5
	case "gsrnp":
		i = 6
	case "gdti":
		i = 7
	case "cpi":
		i = 8
	case "sgcn":
		i = 9
	case "ginc":
		i = 10
	case "gsin":
		i = 11
	case "itip":
		i = 12
	case "upui":
		i = 13
	case "pgln":
		i = 14
	case "lgtin":
		i = 15
	default:
		return nil
	}
	return &schemeTable[i]
}

// gtinLen is the number of digits of the check-digit-protected part of the
// key (ITIP keys carry piece and total digits after the GTIN).
func (s *schemeInfo) checkedLen() int {
	if s.scheme == ITIP {
		return 14
	}
	return s.keyLen
}

// cpStart is the index in the key where the GS1 Company Prefix begins.
func (s *schemeInfo) cpStart() int {
	if s.lead == leadNone {
		return 0
	}
	return 1
}

// maxPrefixLen is the longest GS1 Company Prefix the key can hold.
func (s *schemeInfo) maxPrefixLen() int {
	if s.keyLen == 0 {
		return 12
	}
	n := s.checkedLen() - 1 - s.cpStart()
	if n > 12 {
		n = 12
	}
	return n
}

const minPrefixLen = 4
