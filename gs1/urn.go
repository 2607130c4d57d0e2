package gs1

import "strings"

// ParseEPC parses an identifier in any of the forms EPCIS allows:
//
//   - an EPC pure identity URN, urn:epc:id:SCHEME:...;
//   - an LGTIN class URN, urn:epc:class:lgtin:CP.IR.LOT;
//   - a class pattern whose only wildcard is the serial,
//     urn:epc:idpat:sgtin:CP.IR.* (also grai, gdti, sgcn, cpi, itip), which
//     EPCIS uses as an epcClass; other patterns are for ParsePattern;
//   - a GS1 Digital Link URI on any host (see ParseDigitalLink).
//
// Errors are *Error values naming the wrong component.
func ParseEPC(s string) (EPC, error) {
	switch {
	case strings.HasPrefix(s, "urn:epc:"):
		return parseURN(s)
	case hasPrefixFold(s, "https://"), hasPrefixFold(s, "http://"):
		return ParseDigitalLink(s)
	}
	return EPC{}, errf("identifier", s, "neither an EPC URN (urn:epc:...) nor a GS1 Digital Link (https://...)")
}

// MustParseEPC is ParseEPC that panics on error, for tests and constants.
func MustParseEPC(s string) EPC {
	e, err := ParseEPC(s)
	if err != nil {
		panic(err)
	}
	return e
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func parseURN(s string) (EPC, error) {
	rest := s[len("urn:epc:"):]
	var kind string
	switch {
	case strings.HasPrefix(rest, "id:"):
		kind, rest = "id", rest[3:]
	case strings.HasPrefix(rest, "class:"):
		kind, rest = "class", rest[6:]
	case strings.HasPrefix(rest, "idpat:"):
		kind, rest = "idpat", rest[6:]
	default:
		return EPC{}, errf("URN", s, "want urn:epc:id:, urn:epc:class: or urn:epc:idpat:")
	}
	colon := strings.IndexByte(rest, ':')
	if colon < 0 {
		return EPC{}, errf("URN", s, "missing scheme")
	}
	name, body := rest[:colon], rest[colon+1:]
	info := lookupScheme(name)
	if info == nil {
		return EPC{}, errf("scheme", name, "not an EPC scheme used in EPCIS")
	}
	switch kind {
	case "class":
		if info.scheme != LGTIN {
			return EPC{}, errf("scheme", name, "urn:epc:class: is defined only for lgtin")
		}
	case "id":
		if info.scheme == LGTIN {
			return EPC{}, errf("URN", s, "lgtin is a class: urn:epc:class:lgtin:")
		}
	case "idpat":
		if !info.classOK {
			return EPC{}, errf("URN", s, "not a class identifier; use ParsePattern for EPC patterns")
		}
	}
	var f [5]string
	n := splitFields(body, f[:info.urnFields])
	if n != info.urnFields {
		return EPC{}, errf("URN", s, "want "+itoa(info.urnFields)+" dot-separated fields after "+name+":")
	}
	if kind == "idpat" {
		last := f[n-1]
		if last != "*" {
			return EPC{}, errf("URN", s, "an EPC pattern with no wildcard; use urn:epc:id:")
		}
		for _, x := range f[:n-1] {
			if x == "*" {
				return EPC{}, errf("URN", s, "a pattern with more than the serial wildcarded is not a class; use ParsePattern")
			}
		}
		n--
	}
	cp := f[0]
	if len(cp) < minPrefixLen || len(cp) > 12 || !allDigits(cp) {
		return EPC{}, errf("company prefix", cp, "must be "+itoa(minPrefixLen)+" to 12 digits")
	}
	var buf [40]byte
	key := buf[:0]
	var serialRaw string
	for i := 1; i < n; i++ {
		if j := strings.IndexAny(f[i], "\"&/<>?#"); j >= 0 {
			return EPC{}, errf("URN", s, "character "+quoteByte(f[i][j])+" must be percent-encoded in an EPC URN")
		}
	}
	if info.keyLen == 0 {
		ref, err := component(refPart(info), f[1], info.refClass, 1, info.alnumMax-len(cp))
		if err != nil {
			return EPC{}, err
		}
		key = append(append(key, cp...), ref...)
		if n > 2 {
			serialRaw = f[2]
		}
	} else {
		ref := f[1]
		want := info.checkedLen() - 1 - len(cp)
		if info.lead == leadZero {
			want--
		}
		if len(ref) != want || !allDigits(ref) {
			if want < 0 {
				return EPC{}, errf("company prefix", cp, "too long for "+name)
			}
			return EPC{}, errf(refPart(info), ref, "must be "+itoa(want)+" digits with a "+itoa(len(cp))+"-digit company prefix")
		}
		switch info.lead {
		case leadMoved:
			if want == 0 {
				return EPC{}, errf(refPart(info), ref, "must start with the indicator/extension digit")
			}
			key = append(key, ref[0])
			key = append(key, cp...)
			key = append(key, ref[1:]...)
		case leadZero:
			key = append(key, '0')
			key = append(key, cp...)
			key = append(key, ref...)
		default:
			key = append(key, cp...)
			key = append(key, ref...)
		}
		key = append(key, checkDigit(key))
		next := 2
		if info.scheme == ITIP {
			if n < 4 {
				return EPC{}, errf("URN", s, "itip needs piece and total fields")
			}
			key = append(key, f[2]...)
			key = append(key, f[3]...)
			if err := checkPieces(f[2], f[3]); err != nil {
				return EPC{}, err
			}
			next = 4
		}
		if n > next {
			serialRaw = f[next]
		}
	}
	e := EPC{Scheme: info.scheme, PrefixLen: len(cp)}
	if info.serialClass != 0 && kind != "idpat" {
		serial, err := component(info.serialPart(), serialRaw, info.serialClass, 1, info.serialMax)
		if err != nil {
			return EPC{}, err
		}
		if info.scheme == SGLN && serial == "0" {
			serial = ""
		}
		e.Serial = serial
	}
	e.Key = string(key)
	if err := info.validate(e.Key, e.Serial, e.PrefixLen); err != nil {
		return EPC{}, err
	}
	return e, nil
}

func refPart(info *schemeInfo) string {
	switch info.scheme {
	case SGTIN, LGTIN, ITIP, UPUI:
		return "item reference"
	case SSCC:
		return "serial reference"
	case SGLN:
		return "location reference"
	case PGLN:
		return "party reference"
	case GRAI:
		return "asset type"
	case GIAI:
		return "individual asset reference"
	case GSRN, GSRNP:
		return "service reference"
	case GDTI:
		return "document type"
	case CPI:
		return "component/part reference"
	case SGCN:
		return "coupon reference"
	case GINC:
		return "consignment reference"
	case GSIN:
		return "shipper reference"
	}
	return "reference"
}

// splitFields splits s at '.' into at most len(f) fields, the last taking
// the rest of s. It returns the number of fields found.
func splitFields(s string, f []string) int {
	n := 0
	for n < len(f)-1 {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		f[n] = s[:i]
		s = s[i+1:]
		n++
	}
	f[n] = s
	return n + 1
}
