package conformance

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"sync"
)

// companyPrefix is the GS1 Company Prefix of every identifier the kit
// makes: the one GS1's own examples use, so that no real company's data is
// imitated. Freshness comes from random item and location references and
// from the run tag in every serial, lot and extension.
const companyPrefix = "0614141"

// dlBase is the resolver domain of the GS1 Digital Link URIs the kit sends.
const dlBase = "https://id.gs1.org"

// IDs makes identifiers fresh to one run. It is safe for concurrent use.
type IDs struct {
	tag string
	mu  sync.Mutex
	n   int
}

// NewIDs returns a generator with a new random run tag.
func NewIDs() *IDs { return &IDs{tag: "C" + randString(7)} }

// Tag is the run tag: part of every serial, lot and extension.
func (g *IDs) Tag() string { return g.tag }

func (g *IDs) next() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	return g.n
}

// Name returns a fresh alphanumeric name (a serial, a lot, an extension).
func (g *IDs) Name() string { return fmt.Sprintf("%s%d", g.tag, g.next()) }

// EventID returns a fresh urn:uuid eventID.
func (g *IDs) EventID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// GTIN is a GTIN-14 of the kit's company prefix with a random item
// reference.
type GTIN struct{ itemRef string } // indicator digit and item reference, 6 digits

// GTIN returns a GTIN with a random item reference.
func (g *IDs) GTIN() GTIN { return GTIN{"0" + randDigits(5)} }

// Digits is the 14-digit GTIN with its check digit.
func (t GTIN) Digits() string {
	d := t.itemRef[:1] + companyPrefix + t.itemRef[1:]
	return d + checkDigit(d)
}

// SGTIN is the EPC URN of the serialised item.
func (t GTIN) SGTIN(serial string) string {
	return "urn:epc:id:sgtin:" + companyPrefix + "." + t.itemRef + "." + serial
}

// SGTINDL is the GS1 Digital Link URI of the serialised item.
func (t GTIN) SGTINDL(serial string) string { return dlBase + "/01/" + t.Digits() + "/21/" + serial }

// LGTIN is the EPC class URN of a lot of the GTIN.
func (t GTIN) LGTIN(lot string) string {
	return "urn:epc:class:lgtin:" + companyPrefix + "." + t.itemRef + "." + lot
}

// LGTINDL is the GS1 Digital Link URI of a lot.
func (t GTIN) LGTINDL(lot string) string { return dlBase + "/01/" + t.Digits() + "/10/" + lot }

// Location is a GLN of the kit's company prefix with a random location
// reference; Ext gives it a fresh extension.
type Location struct{ ref string }

// Location returns a GLN with a random location reference.
func (g *IDs) Location() Location { return Location{randDigits(5)} }

// GLN is the 13-digit GLN with its check digit.
func (l Location) GLN() string {
	d := companyPrefix + l.ref
	return d + checkDigit(d)
}

// SGLN is the EPC URN of the location with extension ext ("0" for none).
func (l Location) SGLN(ext string) string {
	return "urn:epc:id:sgln:" + companyPrefix + "." + l.ref + "." + ext
}

// PGLN is the EPC URN of the GLN as a party.
func (l Location) PGLN() string { return "urn:epc:id:pgln:" + companyPrefix + "." + l.ref }

// SGLN returns a fresh location URN (random GLN, fresh extension).
func (g *IDs) SGLN() string { return g.Location().SGLN(g.Name()) }

// SSCC returns a fresh SSCC as an EPC URN and as its 18 digits.
func (g *IDs) SSCC() (urn, digits string) {
	ext, ser := randDigits(1), randDigits(9)
	d := ext + companyPrefix + ser
	return "urn:epc:id:sscc:" + companyPrefix + "." + ext + ser, d + checkDigit(d)
}

// checkDigit is the GS1 mod-10 check digit of the digits d.
func checkDigit(d string) string {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if (len(d)-1-i)%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return fmt.Sprint((10 - sum%10) % 10)
}

func randDigits(n int) string {
	var b strings.Builder
	for range n {
		v, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + v.Int64()))
	}
	return b.String()
}

func randString(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	for range n {
		v, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b.WriteByte(alphabet[v.Int64()])
	}
	return b.String()
}
