package gs1

import (
	"strings"
)

// aiFormat kinds.
const (
	fmtNum    = iota // digits
	fmtX             // GS1 character set 82
	fmtY             // GS1 character set 39
	fmtDate          // YYMMDD, DD may be 00
	fmtDateHM        // YYMMDDHHMM
	fmtNumX          // numeric head of numLen digits, then character set 82 (253, 8003)
	fmtNumN          // numeric head of numLen digits, then digits (255, 421 ...)
)

// aiSpec describes one GS1 Application Identifier: the facts of the GS1
// General Specifications needed to validate its value.
type aiSpec struct {
	ai       string
	title    string
	format   uint8
	min, max int // value length bounds
	numLen   int // fmtNumX/fmtNumN: length of the numeric head
	check    int // number of leading digits protected by a check digit (0: none)
	checkOff int // offset of that checked run (8003: 1)
}

// aiTable lists the AIs an EPCIS user meets: keys, key qualifiers, dates,
// quantities and references. Measure AIs 310n-369n are handled by lookupAI.
var aiTable = []aiSpec{
	{ai: "00", title: "SSCC", format: fmtNum, min: 18, max: 18, check: 18},
	{ai: "01", title: "GTIN", format: fmtNum, min: 14, max: 14, check: 14},
	{ai: "02", title: "CONTENT", format: fmtNum, min: 14, max: 14, check: 14},
	{ai: "10", title: "BATCH/LOT", format: fmtX, min: 1, max: 20},
	{ai: "11", title: "PROD DATE", format: fmtDate, min: 6, max: 6},
	{ai: "12", title: "DUE DATE", format: fmtDate, min: 6, max: 6},
	{ai: "13", title: "PACK DATE", format: fmtDate, min: 6, max: 6},
	{ai: "15", title: "BEST BEFORE or BEST BY", format: fmtDate, min: 6, max: 6},
	{ai: "16", title: "SELL BY", format: fmtDate, min: 6, max: 6},
	{ai: "17", title: "USE BY or EXPIRY", format: fmtDate, min: 6, max: 6},
	{ai: "20", title: "VARIANT", format: fmtNum, min: 2, max: 2},
	{ai: "21", title: "SERIAL", format: fmtX, min: 1, max: 20},
	{ai: "22", title: "CPV", format: fmtX, min: 1, max: 20},
	{ai: "235", title: "TPX", format: fmtX, min: 1, max: 28},
	{ai: "240", title: "ADDITIONAL ID", format: fmtX, min: 1, max: 30},
	{ai: "241", title: "CUST. PART No.", format: fmtX, min: 1, max: 30},
	{ai: "242", title: "MTO VARIANT", format: fmtNum, min: 1, max: 6},
	{ai: "243", title: "PCN", format: fmtX, min: 1, max: 20},
	{ai: "250", title: "SECONDARY SERIAL", format: fmtX, min: 1, max: 30},
	{ai: "251", title: "REF. TO SOURCE", format: fmtX, min: 1, max: 30},
	{ai: "253", title: "GDTI", format: fmtNumX, min: 13, max: 30, numLen: 13, check: 13},
	{ai: "254", title: "GLN EXTENSION COMPONENT", format: fmtX, min: 1, max: 20},
	{ai: "255", title: "GCN", format: fmtNumN, min: 13, max: 25, numLen: 13, check: 13},
	{ai: "30", title: "VAR. COUNT", format: fmtNum, min: 1, max: 8},
	{ai: "37", title: "COUNT", format: fmtNum, min: 1, max: 8},
	{ai: "400", title: "ORDER NUMBER", format: fmtX, min: 1, max: 30},
	{ai: "401", title: "GINC", format: fmtX, min: 1, max: 30},
	{ai: "402", title: "GSIN", format: fmtNum, min: 17, max: 17, check: 17},
	{ai: "403", title: "ROUTE", format: fmtX, min: 1, max: 30},
	{ai: "410", title: "SHIP TO LOC", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "411", title: "BILL TO", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "412", title: "PURCHASE FROM", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "413", title: "SHIP FOR LOC", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "414", title: "LOC No.", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "415", title: "PAY TO", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "416", title: "PROD/SERV LOC", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "417", title: "PARTY", format: fmtNum, min: 13, max: 13, check: 13},
	{ai: "420", title: "SHIP TO POST", format: fmtX, min: 1, max: 20},
	{ai: "421", title: "SHIP TO POST", format: fmtNumX, min: 4, max: 12, numLen: 3},
	{ai: "422", title: "ORIGIN", format: fmtNum, min: 3, max: 3},
	{ai: "7003", title: "EXPIRY TIME", format: fmtDateHM, min: 10, max: 10},
	{ai: "7006", title: "FIRST FREEZE DATE", format: fmtDate, min: 6, max: 6},
	{ai: "7240", title: "PROTOCOL", format: fmtX, min: 1, max: 20},
	{ai: "8001", title: "DIMENSIONS", format: fmtNum, min: 14, max: 14},
	{ai: "8003", title: "GRAI", format: fmtNumX, min: 14, max: 30, numLen: 14, check: 13, checkOff: 1},
	{ai: "8004", title: "GIAI", format: fmtX, min: 1, max: 30},
	{ai: "8005", title: "PRICE PER UNIT", format: fmtNum, min: 6, max: 6},
	{ai: "8006", title: "ITIP", format: fmtNum, min: 18, max: 18, check: 14},
	{ai: "8010", title: "CPID", format: fmtY, min: 1, max: 30},
	{ai: "8011", title: "CPID SERIAL", format: fmtNum, min: 1, max: 12},
	{ai: "8012", title: "VERSION", format: fmtX, min: 1, max: 20},
	{ai: "8013", title: "GMN", format: fmtX, min: 1, max: 25},
	{ai: "8017", title: "GSRNP", format: fmtNum, min: 18, max: 18, check: 18},
	{ai: "8018", title: "GSRN", format: fmtNum, min: 18, max: 18, check: 18},
	{ai: "8019", title: "SRIN", format: fmtNum, min: 1, max: 10},
	{ai: "8020", title: "REF No.", format: fmtX, min: 1, max: 25},
	{ai: "8200", title: "PRODUCT URL", format: fmtX, min: 1, max: 70},
	{ai: "90", title: "INTERNAL", format: fmtX, min: 1, max: 30},
}

// measure AI families: 4-digit AIs "xyzn", N6, n = decimal point position.
var measureFamilies = [][2]int{{310, 316}, {320, 337}, {340, 357}, {360, 369}}

func lookupAI(ai string) (aiSpec, bool) {
	for _, s := range aiTable {
		if s.ai == ai {
			return s, true
		}
	}
	if len(ai) == 4 && allDigits(ai) {
		fam := int(ai[0]-'0')*100 + int(ai[1]-'0')*10 + int(ai[2]-'0')
		for _, f := range measureFamilies {
			if fam >= f[0] && fam <= f[1] {
				return aiSpec{ai: ai, title: "MEASURE", format: fmtNum, min: 6, max: 6}, true
			}
		}
	}
	if len(ai) == 2 && ai[0] == '9' && ai[1] >= '1' && ai[1] <= '9' {
		return aiSpec{ai: ai, title: "INTERNAL", format: fmtX, min: 1, max: 90}, true
	}
	return aiSpec{}, false
}

// AITitle returns the GS1 data title of ai ("GTIN", "BATCH/LOT", ...) and
// whether ai is known to this package.
func AITitle(ai string) (string, bool) {
	s, ok := lookupAI(ai)
	return s.title, ok
}

// ValidateAI checks value against the format of ai: length, character set,
// check digit and date validity. The error names the AI.
func ValidateAI(ai, value string) error {
	s, ok := lookupAI(ai)
	if !ok {
		return errf("AI", ai, "unknown or unsupported Application Identifier")
	}
	if len(value) < s.min || len(value) > s.max {
		if s.min == s.max {
			return errf("AI "+ai, value, "must be "+itoa(s.min)+" characters")
		}
		return errf("AI "+ai, value, "must be "+itoa(s.min)+" to "+itoa(s.max)+" characters")
	}
	var bad int
	switch s.format {
	case fmtNum, fmtDate, fmtDateHM:
		bad = badChar(value, cDigit)
	case fmtX:
		bad = badChar(value, cSet82)
	case fmtY:
		bad = badChar(value, cSet39)
	case fmtNumX, fmtNumN:
		if bad = badChar(value[:s.numLen], cDigit); bad < 0 {
			cls := uint8(cSet82)
			if s.format == fmtNumN {
				cls = cDigit
			}
			if bad = badChar(value[s.numLen:], cls); bad >= 0 {
				bad += s.numLen
			}
		}
	}
	if bad >= 0 {
		return errf("AI "+ai, value, "character "+quoteByte(value[bad])+" not allowed at position "+itoa(bad+1))
	}
	if s.check > 0 {
		run := value[s.checkOff : s.checkOff+s.check]
		if !ValidCheckDigit(run) {
			return errf("check digit", value, "want "+string(CheckDigit(run[:len(run)-1]))+" for AI "+ai)
		}
	}
	switch s.format {
	case fmtDate:
		if !validDate(value, true) {
			return errf("AI "+ai, value, "not a valid YYMMDD date")
		}
	case fmtDateHM:
		if !validDate(value[:6], false) || value[6:8] > "23" || value[8:10] > "59" {
			return errf("AI "+ai, value, "not a valid YYMMDDHHMM date and time")
		}
	}
	switch ai {
	case "8006":
		return checkPieces(value[14:16], value[16:18])
	case "8003":
		if value[0] != '0' {
			return errf("AI 8003", value, "must start with 0")
		}
	}
	return nil
}

func validDate(v string, day00 bool) bool {
	yy := int(v[0]-'0')*10 + int(v[1]-'0')
	mm := int(v[2]-'0')*10 + int(v[3]-'0')
	dd := int(v[4]-'0')*10 + int(v[5]-'0')
	if mm < 1 || mm > 12 {
		return false
	}
	if dd == 0 {
		return day00
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mm]
	if mm == 2 && yy%4 != 0 {
		days = 28
	}
	return dd <= days
}

// AIValue is one element of an element string.
type AIValue struct {
	AI    string
	Value string
}

// ElementString is a parsed GS1 element string: AI/value pairs in the order
// given, each validated.
type ElementString []AIValue

// ParseElementString parses the human-readable form of a GS1 element string,
// "(01)09521234543213(10)ABC". Every AI must be known (see ValidateAI) and
// appear once. A '(' inside a value is written "\(", as String does.
func ParseElementString(s string) (ElementString, error) {
	if s == "" {
		return nil, errf("element string", s, "empty")
	}
	var es ElementString
	rest := s
	for rest != "" {
		if rest[0] != '(' {
			return nil, errf("element string", rest, "want '(' before an AI")
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, errf("element string", rest, "missing ')' after AI")
		}
		ai := rest[1:end]
		if len(ai) < 2 || len(ai) > 4 || !allDigits(ai) {
			return nil, errf("AI", ai, "must be 2 to 4 digits")
		}
		rest = rest[end+1:]
		next := 0
		escaped := false
		for next < len(rest) && rest[next] != '(' {
			if rest[next] == '\\' && next+1 < len(rest) && rest[next+1] == '(' {
				escaped = true
				next++
			}
			next++
		}
		val := rest[:next]
		if escaped {
			val = strings.ReplaceAll(val, `\(`, "(")
		}
		rest = rest[next:]
		if err := ValidateAI(ai, val); err != nil {
			return nil, err
		}
		if _, dup := es.Get(ai); dup {
			return nil, errf("AI", ai, "appears more than once")
		}
		es = append(es, AIValue{AI: ai, Value: val})
	}
	return es, nil
}

// Get returns the value of ai and whether it is present.
func (es ElementString) Get(ai string) (string, bool) {
	for _, p := range es {
		if p.AI == ai {
			return p.Value, true
		}
	}
	return "", false
}

// String formats es as "(AI)value(AI)value...".
func (es ElementString) String() string {
	var b strings.Builder
	for _, p := range es {
		b.WriteByte('(')
		b.WriteString(p.AI)
		b.WriteByte(')')
		b.WriteString(strings.ReplaceAll(p.Value, "(", `\(`))
	}
	return b.String()
}

// EPC returns the identifier that es carries: its primary key with the key
// qualifiers the EPC needs (other AIs, such as dates or quantities, are
// attributes and do not take part). It fails if es holds no primary key or
// more than one.
func (es ElementString) EPC() (EPC, error) {
	primary, value := "", ""
	var q qualifiers
	for _, p := range es {
		if _, ok := primaryQualifiers(p.AI); ok {
			if primary != "" {
				return EPC{}, errf("AI", p.AI, "second primary key (first is AI "+primary+")")
			}
			primary, value = p.AI, p.Value
		}
	}
	if primary == "" {
		return EPC{}, errf("element string", es.String(), "no GS1 primary key")
	}
	allowed, _ := primaryQualifiers(primary)
	for _, p := range es {
		for _, a := range allowed {
			if a == p.AI {
				q.set(p.AI, p.Value)
			}
		}
	}
	if q.hasTPX && (q.hasCPV || q.hasLot || q.hasSer) {
		return EPC{}, errf("AI 235", q.tpx, "cannot be combined with AI 22, 10 or 21")
	}
	return fromAIs(primary, value, &q)
}
