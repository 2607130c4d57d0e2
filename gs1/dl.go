package gs1

import "strings"

// dlAlias maps the short names of GS1 Digital Link 1.0/1.1 (deprecated, still
// accepted on input) to their AIs.
func dlAlias(s string) string {
	switch s {
	case "gtin":
		return "01"
	case "itip":
		return "8006"
	case "cpv":
		return "22"
	case "lot":
		return "10"
	case "ser":
		return "21"
	case "sscc":
		return "00"
	case "gln":
		return "414"
	case "glnx":
		return "254"
	case "party":
		return "417"
	case "grai":
		return "8003"
	case "giai":
		return "8004"
	case "gsrn":
		return "8018"
	case "gsrnp":
		return "8017"
	case "gdti":
		return "253"
	case "gcn":
		return "255"
	case "ginc":
		return "401"
	case "gsin":
		return "402"
	case "cpid":
		return "8010"
	case "cpsn":
		return "8011"
	case "gmn":
		return "8013"
	case "srin":
		return "8019"
	}
	return s
}

// primaryQualifiers returns the key qualifiers allowed after a primary key in
// a Digital Link path, in the standard order, and whether ai is a primary key
// at all.
func primaryQualifiers(ai string) ([]string, bool) {
	switch ai {
	case "01":
		return qual01, true
	case "8006":
		return qual8006, true
	case "414":
		return qual414, true
	case "8010":
		return qual8010, true
	case "8018":
		return qual8018, true
	case "00", "253", "255", "401", "402", "417", "8003", "8004", "8013", "8017":
		return nil, true
	}
	return nil, false
}

var (
	qual01   = []string{"22", "10", "21", "235"}
	qual8006 = []string{"22", "10", "21"}
	qual414  = []string{"254", "7040"}
	qual8010 = []string{"8011"}
	qual8018 = []string{"8019"}
)

func isQualifier(ai string) bool {
	switch ai {
	case "22", "10", "21", "235", "254", "7040", "8011", "8019":
		return true
	}
	return false
}

// qualifiers holds the key qualifiers found with a primary key.
type qualifiers struct {
	cpv, lot, ser, tpx, ext, cpsn     string
	hasCPV, hasLot, hasSer, hasTPX    bool
	hasExt, hasCPSN, hasSRIN, has7040 bool
}

func (q *qualifiers) set(ai, v string) {
	switch ai {
	case "22":
		q.cpv, q.hasCPV = v, true
	case "10":
		q.lot, q.hasLot = v, true
	case "21":
		q.ser, q.hasSer = v, true
	case "235":
		q.tpx, q.hasTPX = v, true
	case "254":
		q.ext, q.hasExt = v, true
	case "8011":
		q.cpsn, q.hasCPSN = v, true
	case "8019":
		q.hasSRIN = true
	case "7040":
		q.has7040 = true
	}
}

const maxDLSegments = 32

// ParseDigitalLink parses a GS1 Digital Link URI into an EPC with unknown
// company prefix length.
//
// The URI may use http or https, any host and any path before the primary
// key. The primary key must be one that an EPC scheme carries (01, 00, 414,
// 417, 8003, 8004, 8017, 8018, 253, 255, 8010, 401, 402, 8006), followed
// only by its key qualifiers in the standard order. The CPV (22), and the
// lot (10) when a serial (21) follows, are validated and then dropped: the
// EPC does not carry them. The query string and fragment are ignored.
func ParseDigitalLink(s string) (EPC, error) {
	rest := s
	switch {
	case hasPrefixFold(rest, "https://"):
		rest = rest[8:]
	case hasPrefixFold(rest, "http://"):
		rest = rest[7:]
	default:
		return EPC{}, errf("URI scheme", s, "a GS1 Digital Link starts with https:// or http://")
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return EPC{}, errf("path", s, "no path: a GS1 Digital Link needs /{AI}/{key}")
	}
	host := rest[:slash]
	if host == "" || badHost(host) {
		return EPC{}, errf("host", host, "not a valid host name")
	}
	path := rest[slash+1:]
	var seg [maxDLSegments]string
	n := 0
	for {
		i := strings.IndexByte(path, '/')
		if n == maxDLSegments {
			return EPC{}, errf("path", s, "too many path segments")
		}
		if i < 0 {
			seg[n] = path
			n++
			break
		}
		seg[n] = path[:i]
		n++
		path = path[i+1:]
	}
	// Find the primary key, scanning back over qualifier pairs.
	j := n - 2
	for ; j >= 0; j -= 2 {
		ai := dlAlias(seg[j])
		if _, ok := primaryQualifiers(ai); ok {
			break
		}
		if !isQualifier(ai) {
			j = -1
			break
		}
	}
	if j < 0 {
		return EPC{}, errf("path", s, "no GS1 primary key AI followed by its value and key qualifiers")
	}
	primary := dlAlias(seg[j])
	allowed, _ := primaryQualifiers(primary)
	var q qualifiers
	next := 0
	for k := j + 2; k < n; k += 2 {
		ai := dlAlias(seg[k])
		pos := -1
		for i := next; i < len(allowed); i++ {
			if allowed[i] == ai {
				pos = i
				break
			}
		}
		if pos < 0 {
			for _, a := range allowed {
				if a == ai {
					return EPC{}, errf("AI "+ai, seg[k+1], "key qualifier out of order after AI "+primary)
				}
			}
			return EPC{}, errf("AI "+ai, seg[k+1], "not a key qualifier of AI "+primary)
		}
		next = pos + 1
		v, ok := unescape(seg[k+1])
		if !ok || v == "" || badChar(v, 0xff) >= 0 {
			_, err := component("AI "+ai, seg[k+1], 0xff, 1, 90)
			return EPC{}, err
		}
		q.set(ai, v)
	}
	if q.hasTPX && (q.hasCPV || q.hasLot || q.hasSer) {
		return EPC{}, errf("AI 235", q.tpx, "cannot be combined with AI 22, 10 or 21")
	}
	v, ok := unescape(seg[j+1])
	if !ok {
		return EPC{}, errf("AI "+primary, seg[j+1], "malformed percent-escape")
	}
	if primary == "01" && allDigits(v) {
		switch len(v) {
		case 8, 12, 13:
			v = "00000000000000"[:14-len(v)] + v
		}
	}
	return fromAIs(primary, v, &q)
}

func badHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if charClass[c]&cURIKeep == 0 && c != ':' {
			return true
		}
	}
	return false
}

// fromAIs builds the EPC identified by a primary key and its qualifiers
// (values unescaped).
func fromAIs(primary, v string, q *qualifiers) (EPC, error) {
	var e EPC
	switch primary {
	case "01":
		switch {
		case q.hasTPX:
			e = EPC{Scheme: UPUI, Key: v, Serial: q.tpx}
		case q.hasSer:
			e = EPC{Scheme: SGTIN, Key: v, Serial: q.ser}
		case q.hasLot:
			e = EPC{Scheme: LGTIN, Key: v, Serial: q.lot}
		default:
			e = EPC{Scheme: SGTIN, Key: v}
		}
	case "8006":
		e = EPC{Scheme: ITIP, Key: v, Serial: q.ser}
	case "00":
		e = EPC{Scheme: SSCC, Key: v}
	case "414":
		if q.has7040 {
			return EPC{}, errf("AI 7040", "", "GLN with AI 7040 has no EPC scheme")
		}
		ext := q.ext
		if ext == "0" {
			ext = ""
		} else if q.hasExt && ext == "" {
			return EPC{}, errf("extension", ext, "must not be empty")
		}
		e = EPC{Scheme: SGLN, Key: v, Serial: ext}
	case "417":
		e = EPC{Scheme: PGLN, Key: v}
	case "8003":
		if len(v) < 14 {
			return EPC{}, errf("AI 8003", v, "must be 14 digits followed by an optional serial")
		}
		e = EPC{Scheme: GRAI, Key: v[:14], Serial: v[14:]}
	case "8004":
		e = EPC{Scheme: GIAI, Key: v}
	case "8017":
		e = EPC{Scheme: GSRNP, Key: v}
	case "8018":
		if q.hasSRIN {
			return EPC{}, errf("AI 8019", "", "GSRN with a service relation instance number has no EPC scheme")
		}
		e = EPC{Scheme: GSRN, Key: v}
	case "253":
		if len(v) < 13 {
			return EPC{}, errf("AI 253", v, "must be 13 digits followed by an optional serial")
		}
		e = EPC{Scheme: GDTI, Key: v[:13], Serial: v[13:]}
	case "255":
		if len(v) < 13 {
			return EPC{}, errf("AI 255", v, "must be 13 digits followed by an optional serial")
		}
		e = EPC{Scheme: SGCN, Key: v[:13], Serial: v[13:]}
	case "8010":
		e = EPC{Scheme: CPI, Key: v, Serial: q.cpsn}
	case "401":
		e = EPC{Scheme: GINC, Key: v}
	case "402":
		e = EPC{Scheme: GSIN, Key: v}
	default:
		return EPC{}, errf("AI "+primary, v, "primary key with no EPC scheme")
	}
	info := lookupScheme(string(e.Scheme))
	if err := info.validate(e.Key, e.Serial, 0); err != nil {
		return EPC{}, err
	}
	if q.hasCPV {
		if err := ValidateAI("22", q.cpv); err != nil {
			return EPC{}, err
		}
	}
	if q.hasLot {
		if err := ValidateAI("10", q.lot); err != nil {
			return EPC{}, err
		}
		if primary == "8006" && !q.hasSer {
			return EPC{}, errf("AI 10", q.lot, "ITIP with a lot has no EPC scheme")
		}
	}
	return e, nil
}
