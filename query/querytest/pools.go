// Package querytest generates random EPCIS data and SimpleEventQuery
// parameters for differential tests, and holds the reference answer to a
// query (Expect): the events query.Match accepts, in the order the standard
// asks for, limited as eventCountLimit and maxEventCount say.
//
// Everything is drawn from small pools of values shared by the event and
// the query generators, so that random queries often match; every
// identifier is written in several forms (EPC URN, canonical and
// non-canonical GS1 Digital Link) across events and queries. The same seed
// gives the same data and queries.
//
// The package is imported by tests only; it owns no production code.
package querytest

import (
	"strings"

	"github.com/lotline/lotline/gs1"
)

// id is one identifier in the forms it may be written in.
type id struct {
	urn   string   // the EPC URN, or the only form of a non-GS1 identifier
	forms []string // other forms of the same identifier (Digital Links)
}

// gs1ID returns an identifier with its canonical Digital Link and a Digital
// Link on another host, which names the same identifier.
func gs1ID(urn string) id {
	dl := gs1.MustParseEPC(urn).DigitalLink()
	other := strings.Replace(dl, gs1.CanonicalHost, "https://dl.example.com/gs1", 1)
	return id{urn: urn, forms: []string{dl, other}}
}

// plain is a non-GS1 identifier, written one way.
func plain(s string) id { return id{urn: s} }

func gs1IDs(urns ...string) []id {
	out := make([]id, len(urns))
	for i, u := range urns {
		out[i] = gs1ID(u)
	}
	return out
}

// Namespaces of extension fields. exv is bound to nsEx in some documents
// and to nsOther in others, so one prefix names two fields across events.
// nsLegacy ends in neither '/' nor '#': a key ex3:f names both nsLegacy+"f"
// and the EPCIS 1.x form nsLegacy+"#f".
const (
	nsEx     = "https://ns.example.com/epcis/"
	nsHash   = "http://example.org/ext#"
	nsLegacy = "http://ns3.example.com/x"
	nsOther  = "https://other.example.com/v/"
)

// prefixes of the namespaces in documents (exv is set per document).
var docPrefixes = map[string]string{"ex": nsEx, "ex2": nsHash}

// extension field local names, and the values they take.
var (
	// fieldNames are the local names of extension fields; each kind of
	// value below goes to some of them, several kinds to one name, so
	// comparisons meet values of every type.
	fieldNames = []string{"temp", "when", "color", "count", "flag", "thing", "note"}
	numberVals = []string{"5", "5.0", "12", "-3.5", "0", "-0", "1e2", "100", "7.25"}
	// textVals include a text too long to be indexed as a term.
	textVals = []string{"red", "blue", "Red", "Grün", "5", "12.0", "5 kg", "", "2024-03-05T10:00:00Z", strings.Repeat("long", 60)}
	timeVals = []string{
		"2024-03-05T10:00:00Z", "2024-03-05T11:00:00+01:00", "2024-03-05T10:00:00.000000001Z",
		"2024-03-04T23:30:00-05:00", "2024-03-06T00:00:00.5+05:45", "2024-03-01T00:00:00Z",
	}
	thingVals = []string{"urn:example:thing:1", "urn:example:thing:2", "urn:example:thing:9"}
)

// GS1 identifiers.
var (
	products = []string{"4012345.011111", "4012345.022222", "0614141.107346", "0614141.812345"}
	serials  = []string{"1", "2", "A7", "P%2F1"}
	lots     = []string{"L1", "L2", "L%2F3"}

	sgtins = func() []id {
		var out []id
		for _, p := range products {
			for _, s := range serials {
				out = append(out, gs1ID("urn:epc:id:sgtin:"+p+"."+s))
			}
		}
		return out
	}()
	lgtins = func() []id {
		var out []id
		for _, p := range products {
			for _, l := range lots {
				out = append(out, gs1ID("urn:epc:class:lgtin:"+p+"."+l))
			}
		}
		return out
	}()
	// productClasses are GTINs without serial: an idpat pattern with the
	// serial a wildcard (as EPCIS 1.x writes classes) or a GTIN Digital Link.
	productClasses = func() []id {
		var out []id
		for _, p := range products {
			pat := "urn:epc:idpat:sgtin:" + p + ".*"
			class, _ := gs1.MustParsePattern(pat).Class()
			out = append(out, id{urn: pat, forms: []string{class.DigitalLink()}})
		}
		return out
	}()
	ssccs  = gs1IDs("urn:epc:id:sscc:4012345.0000000001", "urn:epc:id:sscc:4012345.0000000002", "urn:epc:id:sscc:0614141.1234567890")
	grais  = gs1IDs("urn:epc:id:grai:4012345.00001.101", "urn:epc:id:grai:4012345.00001.102", "urn:epc:id:grai:0614141.12345.9")
	giais  = gs1IDs("urn:epc:id:giai:4012345.DEV1", "urn:epc:id:giai:4012345.DEV2", "urn:epc:id:giai:0614141.TRUCK7")
	gdtis  = gs1IDs("urn:epc:id:gdti:4012345.00001.77", "urn:epc:id:gdti:0614141.00002.5")
	pglns  = gs1IDs("urn:epc:id:pgln:4012345.00000", "urn:epc:id:pgln:0614141.00000")
	others = []id{plain("urn:example:obj:1"), plain("https://example.com/things/2")}
)

// Locations. The business-location hierarchy (master data of the first
// document, changed by a later one) is siteA > dockA > doorA1, doorA2;
// siteA > whA; siteB > dockB; the read-point hierarchy is siteA > doorA1.
var (
	siteA  = gs1ID("urn:epc:id:sgln:4012345.00001.0")
	dockA  = gs1ID("urn:epc:id:sgln:4012345.00001.dock")
	doorA1 = gs1ID("urn:epc:id:sgln:4012345.00001.door1")
	doorA2 = gs1ID("urn:epc:id:sgln:4012345.00001.door2")
	whA    = gs1ID("urn:epc:id:sgln:4012345.00002.0")
	siteB  = gs1ID("urn:epc:id:sgln:0614141.00001.0")
	dockB  = gs1ID("urn:epc:id:sgln:0614141.00001.dock")
	lone   = gs1ID("urn:epc:id:sgln:0614141.00009.0")
	yard   = plain("urn:example:loc:yard")

	locations = []id{siteA, dockA, doorA1, doorA2, whA, siteB, dockB, lone, yard}
)

// CBV values, written as bare words or Web URIs (JSON documents may not
// use the CBV URNs), or a CURIE of the context's cbv: prefix; queries use
// every form, URNs included.
var (
	bizSteps     = []string{"shipping", "receiving", "packing", "commissioning", "inspecting", "urn:example:bizstep:blending"}
	dispositions = []string{"in_transit", "active", "in_progress", "conformant", "damaged", "urn:example:disp:quarantine"}
	persistent   = []string{"completeness_verified", "completeness_inferred", "recalled", "damaged", "urn:example:disp:quarantine"}
	btTypes      = []string{"po", "desadv", "inv", "urn:example:btt:contract"}
	bizTxValues  = []id{
		plain("urn:epcglobal:cbv:bt:4012345000009:PO-1"), plain("urn:epcglobal:cbv:bt:4012345000009:PO-2"),
		plain("urn:epcglobal:cbv:bt:4012345000009:DA-9"), gdtis[0], gdtis[1],
	}
	sdTypes       = []string{"owning_party", "possessing_party", "location", "urn:example:sdt:carrier"}
	sdValues      = []id{pglns[0], pglns[1], siteA, siteB, dockB}
	errorReasons  = []string{"did_not_occur", "incorrect_data", "urn:example:er:duplicate"}
	measureTypes  = []string{"Temperature", "RelativeHumidity", "gs1:Temperature", "urn:example:measure:ph"}
	uoms          = []string{"CEL", "FAH", "KGM", "P1"}
	quantityUOMs  = []string{"KGM", "LTR", "EA"}
	quantityVals  = []string{"1", "2.5", "10", "12", "150", "0", "12.0"}
	sensorNumbers = []string{"2.5", "7.5", "-1", "20", "7.50", "0"}
	stringVals    = []string{"moldy", "ok", "OK"}
	hexVals       = []string{"f0f0", "F0F0", "0aff"}
	uriVals       = []string{"https://example.com/u/1", "urn:example:u:2"}
	microbes      = []string{"https://www.ncbi.nlm.nih.gov/taxonomy/1126011", "https://www.ncbi.nlm.nih.gov/taxonomy/562"}
	chemicals     = []string{"https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N", "https://identifiers.org/inchikey:XLYOFNOQVPJJNP-UHFFFAOYSA-N"}
	dpMethods     = []id{plain("https://example.com/dpm/1"), plain("urn:example:dpm:2")}
	bizRules      = []id{plain("https://example.com/rules/1"), plain("urn:example:rules:2")}
)

// Master-data attribute names.
const (
	attrSST      = "urn:epcglobal:cbv:mda#sst"
	attrName     = "urn:epcglobal:cbv:mda#name"
	attrCapacity = "https://ns.example.com/attr/capacity"
	attrPhase    = "urn:example:attr:phase"
	attrBest     = "urn:epcglobal:cbv:mda#bestBeforeDate"
	attrDesc     = "urn:epcglobal:cbv:mda#descriptionShort"
	attrColour   = "urn:example:attr:colour"
	attrMissing  = "urn:example:attr:none"
)

var attrNames = []string{attrSST, attrName, attrCapacity, attrPhase, attrBest, attrDesc, attrColour, attrMissing}
