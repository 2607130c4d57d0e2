package gs1

import (
	"strings"
)

// EPC is a parsed GS1 identifier: an instance-level EPC (SGTIN, SSCC, SGLN,
// ...), an LGTIN class, or a class-level identifier without its serial
// component (see IsClass).
//
// Key is the GS1 key as in an element string, with its check digit: GTIN-14
// for SGTIN, LGTIN, UPUI; SSCC-18; GLN-13 for SGLN and PGLN; the 14 digits of
// AI 8003 before the serial for GRAI; the full GIAI, GINC or CPID; GSRN-18;
// GDTI-13; GCN-13; GSIN-17; and for ITIP the 18 digits of AI 8006.
//
// Serial is the component after the key, unescaped: the serial (AI 21) of an
// SGTIN or ITIP, the SGLN extension (AI 254, empty for none), the GRAI, GDTI
// or SGCN serial, the CPI serial (AI 8011), the UPUI third-party serial (AI
// 235) or the LGTIN lot (AI 10). It is empty for schemes without one.
//
// PrefixLen is the length of the GS1 Company Prefix, or 0 when it is unknown
// (as after parsing a Digital Link).
//
// EPC values are comparable, but two EPCs of one identifier differ when one
// knows PrefixLen and the other does not: compare Canonical() instead.
type EPC struct {
	Scheme    Scheme
	Key       string
	Serial    string
	PrefixLen int
}

// IsZero reports whether e is the zero EPC.
func (e EPC) IsZero() bool { return e == EPC{} }

// IsClass reports whether e identifies a class of objects rather than one
// object: an LGTIN, or an identifier whose scheme is serialised but that
// carries no serial (a product class /01/{gtin} = urn:epc:idpat:sgtin:CP.IR.*,
// and likewise GRAI, GDTI, SGCN, CPI and ITIP).
func (e EPC) IsClass() bool {
	if e.Scheme == LGTIN {
		return true
	}
	info := lookupScheme(string(e.Scheme))
	return info != nil && info.classOK && e.Serial == ""
}

// GTIN returns the GTIN-14 of an SGTIN, LGTIN, UPUI, ITIP or product class,
// and "" for other schemes.
func (e EPC) GTIN() string {
	switch e.Scheme {
	case SGTIN, LGTIN, UPUI:
		return e.Key
	case ITIP:
		if len(e.Key) >= 14 {
			return e.Key[:14]
		}
	}
	return ""
}

// Lot returns the batch/lot number of an LGTIN, and "" otherwise.
func (e EPC) Lot() string {
	if e.Scheme == LGTIN {
		return e.Serial
	}
	return ""
}

// GLN returns the GLN of an SGLN or PGLN, and "" otherwise.
func (e EPC) GLN() string {
	if e.Scheme == SGLN || e.Scheme == PGLN {
		return e.Key
	}
	return ""
}

// CompanyPrefix returns the GS1 Company Prefix, or "" if its length is unknown.
func (e EPC) CompanyPrefix() string {
	info := lookupScheme(string(e.Scheme))
	if info == nil || e.PrefixLen == 0 {
		return ""
	}
	s := info.cpStart()
	if s+e.PrefixLen > len(e.Key) {
		return ""
	}
	return e.Key[s : s+e.PrefixLen]
}

// WithPrefixLen returns e with its GS1 Company Prefix length set to n, after
// checking that n fits the key.
func (e EPC) WithPrefixLen(n int) (EPC, error) {
	e.PrefixLen = n
	if err := e.Validate(); err != nil {
		return EPC{}, err
	}
	return e, nil
}

// Validate checks every component of e against the Tag Data Standard and the
// GS1 General Specifications: the key's length, characters and check
// digit, the serial's character set and length, and that PrefixLen (if
// known) fits the key. ParseEPC and ParseDigitalLink return only EPCs that
// pass; Validate is for values built by hand.
func (e EPC) Validate() error {
	info := lookupScheme(string(e.Scheme))
	if info == nil {
		return errf("scheme", string(e.Scheme), "not an EPC scheme used in EPCIS")
	}
	return info.validate(e.Key, e.Serial, e.PrefixLen)
}

func (info *schemeInfo) validate(key, serial string, plen int) error {
	if info.keyLen > 0 {
		if len(key) != info.keyLen || !allDigits(key) {
			return errf("AI "+info.ai, key, "must be "+itoa(info.keyLen)+" digits")
		}
		if info.lead == leadZero && key[0] != '0' {
			return errf("AI "+info.ai, key, "must start with 0")
		}
		if !ValidCheckDigit(key[:info.checkedLen()]) {
			return errf("check digit", key, "want "+string(CheckDigit(key[:info.checkedLen()-1])))
		}
		if info.scheme == ITIP {
			if err := checkPieces(key[14:16], key[16:18]); err != nil {
				return err
			}
		}
		if plen != 0 && (plen < minPrefixLen || plen > info.maxPrefixLen()) {
			return errf("company prefix length", itoa(plen), "must be "+itoa(minPrefixLen)+" to "+itoa(info.maxPrefixLen())+" for "+string(info.scheme))
		}
	} else {
		if len(key) == 0 || len(key) > info.alnumMax {
			return errf("AI "+info.ai, key, "must be 1 to "+itoa(info.alnumMax)+" characters")
		}
		if i := badChar(key, info.refClass); i >= 0 {
			return errf("AI "+info.ai, key, "character "+quoteByte(key[i])+" not allowed ("+className(info.refClass)+")")
		}
		if n := leadingDigits(key); n < minPrefixLen {
			return errf("AI "+info.ai, key, "must start with a GS1 Company Prefix")
		}
		if plen != 0 {
			if plen < minPrefixLen || plen > 12 || plen >= len(key) || leadingDigits(key) < plen {
				return errf("company prefix length", itoa(plen), "does not fit "+strings.ToUpper(string(info.scheme))+" "+key)
			}
		}
	}
	return info.validateSerial(serial)
}

func (info *schemeInfo) validateSerial(serial string) error {
	if info.serialClass == 0 {
		if serial != "" {
			return errf("serial", serial, string(info.scheme)+" has no serial component")
		}
		return nil
	}
	part := info.serialPart()
	if serial == "" {
		if info.classOK || info.optional {
			return nil
		}
		return errf(part, serial, "must not be empty")
	}
	if len(serial) > info.serialMax {
		return errf(part, serial, "longer than "+itoa(info.serialMax)+" characters")
	}
	if i := badChar(serial, info.serialClass); i >= 0 {
		return errf(part, serial, "character "+quoteByte(serial[i])+" not allowed ("+className(info.serialClass)+")")
	}
	if info.scheme == CPI && len(serial) > 1 && serial[0] == '0' {
		return errf(part, serial, "must not have leading zeros")
	}
	if info.scheme == SGLN && serial == "0" {
		return errf(part, serial, `"0" means no extension: leave it empty`)
	}
	return nil
}

func (info *schemeInfo) serialPart() string {
	switch info.scheme {
	case SGLN:
		return "extension"
	case LGTIN:
		return "lot"
	case UPUI:
		return "third-party serial"
	}
	return "serial"
}

func checkPieces(piece, total string) error {
	if !allDigits(piece) || len(piece) != 2 || piece == "00" {
		return errf("piece number", piece, "must be 01 to 99")
	}
	if !allDigits(total) || len(total) != 2 || total == "00" {
		return errf("total pieces", total, "must be 01 to 99")
	}
	if piece > total {
		return errf("piece number", piece, "greater than total "+total)
	}
	return nil
}

func leadingDigits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// Reference returns the reference component as written in the URN (item
// reference with indicator, serial reference with extension digit, location
// reference, asset type, ...), or "" if the prefix length is unknown.
func (e EPC) Reference() string {
	info := lookupScheme(string(e.Scheme))
	if info == nil || e.PrefixLen == 0 {
		return ""
	}
	if info.keyLen == 0 {
		return e.Key[e.PrefixLen:]
	}
	s := info.cpStart() + e.PrefixLen
	ref := e.Key[s : info.checkedLen()-1]
	if info.lead == leadMoved {
		return e.Key[:1] + ref
	}
	return ref
}

// String returns the EPC URN when the prefix length is known, and the
// canonical Digital Link otherwise.
func (e EPC) String() string {
	if e.PrefixLen != 0 {
		if s, err := e.URN(); err == nil {
			return s
		}
	}
	return e.DigitalLink()
}

// URN returns the EPC pure identity URN (urn:epc:id:...), the LGTIN class URN
// (urn:epc:class:lgtin:...) or, for a class without serial, the pattern
// URN (urn:epc:idpat:SCHEME:CP.REF.*). It fails with an error wrapping
// ErrUnknownPrefixLength when PrefixLen is 0; see PrefixTable.URN.
func (e EPC) URN() (string, error) {
	b, err := e.AppendURN(make([]byte, 0, 64))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendURN appends the URN form of e to b (see URN).
func (e EPC) AppendURN(b []byte) ([]byte, error) {
	info := lookupScheme(string(e.Scheme))
	if info == nil {
		return b, errf("scheme", string(e.Scheme), "not an EPC scheme used in EPCIS")
	}
	if e.PrefixLen == 0 {
		return b, &PrefixLengthError{Scheme: e.Scheme, Key: e.Key}
	}
	if err := info.validate(e.Key, e.Serial, e.PrefixLen); err != nil {
		return b, err
	}
	class := e.IsClass() && e.Scheme != LGTIN
	switch {
	case e.Scheme == LGTIN:
		b = append(b, "urn:epc:class:lgtin:"...)
	case class:
		b = append(b, "urn:epc:idpat:"...)
		b = append(b, e.Scheme...)
		b = append(b, ':')
	default:
		b = append(b, "urn:epc:id:"...)
		b = append(b, e.Scheme...)
		b = append(b, ':')
	}
	if info.keyLen == 0 {
		b = append(b, e.Key[:e.PrefixLen]...)
		b = append(b, '.')
		b = appendEscaped(b, e.Key[e.PrefixLen:], urnEscape)
	} else {
		s := info.cpStart()
		b = append(b, e.Key[s:s+e.PrefixLen]...)
		b = append(b, '.')
		if info.lead == leadMoved {
			b = append(b, e.Key[0])
		}
		b = append(b, e.Key[s+e.PrefixLen:info.checkedLen()-1]...)
		if e.Scheme == ITIP {
			b = append(b, '.')
			b = append(b, e.Key[14:16]...)
			b = append(b, '.')
			b = append(b, e.Key[16:18]...)
		}
	}
	switch {
	case class:
		b = append(b, ".*"...)
	case e.Scheme == SGLN && e.Serial == "":
		b = append(b, ".0"...)
	case info.serialClass != 0:
		b = append(b, '.')
		b = appendEscaped(b, e.Serial, urnEscape)
	}
	return b, nil
}

// CanonicalHost is the host of canonical GS1 Digital Link URIs.
const CanonicalHost = "https://id.gs1.org"

// DigitalLink returns the canonical GS1 Digital Link URI of e on
// https://id.gs1.org, with the key qualifiers the EPC carries and every
// character outside the URI unreserved set percent-encoded.
func (e EPC) DigitalLink() string {
	return string(e.AppendDigitalLink(make([]byte, 0, 64)))
}

// Canonical returns the matching key of e: its canonical Digital Link. It is
// the same for the URN and the Digital Link forms of one identifier and
// needs no prefix table.
func (e EPC) Canonical() string { return e.DigitalLink() }

// AppendDigitalLink appends the canonical Digital Link of e to b.
func (e EPC) AppendDigitalLink(b []byte) []byte {
	b = append(b, CanonicalHost...)
	return e.appendDLPath(b)
}

func (e EPC) appendDLPath(b []byte) []byte {
	info := lookupScheme(string(e.Scheme))
	if info == nil {
		return b
	}
	b = append(b, '/')
	b = append(b, info.ai...)
	b = append(b, '/')
	b = appendEscaped(b, e.Key, dlEscape)
	if e.Serial == "" {
		return b
	}
	if info.concat {
		return appendEscaped(b, e.Serial, dlEscape)
	}
	b = append(b, '/')
	b = append(b, info.serialAI...)
	b = append(b, '/')
	return appendEscaped(b, e.Serial, dlEscape)
}

// ElementString returns e as a GS1 element string in human-readable form,
// e.g. "(01)04012345123456(21)987". A '(' in a value is written "\(".
func (e EPC) ElementString() string {
	info := lookupScheme(string(e.Scheme))
	if info == nil {
		return ""
	}
	b := make([]byte, 0, 64)
	b = append(b, '(')
	b = append(b, info.ai...)
	b = append(b, ')')
	b = appendHRI(b, e.Key)
	if e.Serial != "" {
		if !info.concat {
			b = append(b, '(')
			b = append(b, info.serialAI...)
			b = append(b, ')')
		}
		b = appendHRI(b, e.Serial)
	}
	return string(b)
}

// MarshalText implements encoding.TextMarshaler with String.
func (e EPC) MarshalText() ([]byte, error) {
	if e.IsZero() {
		return nil, nil
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseEPC.
func (e *EPC) UnmarshalText(b []byte) error {
	v, err := ParseEPC(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

func appendHRI(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] == '(' {
			b = append(b, '\\')
		}
		b = append(b, v[i])
	}
	return b
}

// NewEPC returns the EPC of scheme with the given key (element-string form,
// with check digit) and serial component, after Validate. Its company prefix
// length is unknown.
func NewEPC(scheme Scheme, key, serial string) (EPC, error) {
	e := EPC{Scheme: scheme, Key: key, Serial: serial}
	if err := e.Validate(); err != nil {
		return EPC{}, err
	}
	return e, nil
}
