package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lotline/lotline/epcis/epcisgen"
)

// The fast path (fast.go) must give exactly the compiled schema's verdict.
// Strictly, only "fast accepts what the schema rejects" would be a wrong
// answer (a fast rejection is re-checked by the schema), but these tests
// ask for equality both ways so that a gap in the fast path shows up too.

// --- patterns against regexp ---------------------------------------------

// fastPatternFuncs pairs each pattern the fast path matches by hand with
// its matcher. The pattern text is the reference: TestPatternsMatchRegex
// checks it is in the schema and runs it with Go's regexp.
var fastPatternFuncs = []struct {
	pattern string
	match   func(string) bool
}{
	{extensionNamePattern, isExtensionName},
	{timeZoneOffsetPattern, isTimeZoneOffset},
	{uomPattern, isUOM},
	{schemaVersionPattern, isSchemaVersion},
	{hexBinaryPattern, isHexBinary},
	{cbvURIPattern, hasCBVPrefix},
	{webVocURIPattern, hasWebVocPrefix},
}

var patternSeeds = []string{
	"", "2.0", "2", "2.", ".2", "2..0", "10.20.30", "2.0\n", "٢.0",
	"0A1f", "g", "00", "ABCDEFabcdef0123456789", "0x1",
	"urn:epcglobal:cbv", "urn:epcglobal:cbv:bizstep:shipping", "urn:epcglobal:cb", "URN:epcglobal:cbv",
	"https://ns.gs1.org/cbv/Disp-active", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv", "httpss://ns.gs1.org/cbv/",
	"https://nsxgs1.org/cbv/", "https://gs1.org/voc/Temperature", "http://www.gs1.org/voc/", "https://www.gs1.org/vo",
	"https://wwwxgs1.org/voc/", "https://www.www.gs1.org/voc/", "https://gs1xorg/voc/",
	"a:", "example:x", "1a:b", "+00:00", "-14:00", "+14:01", "KGM", "kgm", "\xff:",
}

// patternAlphabet is biased towards the characters the patterns care about.
const patternAlphabet = "0123456789.:+-/AaFfGgZz \nhtpsnwvocbgur1éé\xff"

func randomPatternInput(r *rand.Rand) string {
	if r.IntN(3) == 0 { // mutate a seed
		b := []byte(patternSeeds[r.IntN(len(patternSeeds))])
		for range 1 + r.IntN(2) {
			if len(b) > 0 && r.IntN(2) == 0 {
				b[r.IntN(len(b))] = patternAlphabet[r.IntN(len(patternAlphabet))]
			} else {
				i := r.IntN(len(b) + 1)
				b = append(b[:i], append([]byte{patternAlphabet[r.IntN(len(patternAlphabet))]}, b[i:]...)...)
			}
		}
		return string(b)
	}
	b := make([]byte, r.IntN(9))
	for i := range b {
		b[i] = patternAlphabet[r.IntN(len(patternAlphabet))]
	}
	return string(b)
}

// patternRegexps holds the compiled reference of each fastPatternFuncs
// entry, in the same order.
var patternRegexps = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(fastPatternFuncs))
	for i, p := range fastPatternFuncs {
		out[i] = regexp.MustCompile(p.pattern)
	}
	return out
}()

func checkPatterns(t *testing.T, s string) {
	t.Helper()
	for i, p := range fastPatternFuncs {
		want := patternRegexps[i].MatchString(s)
		if got := p.match(s); got != want {
			t.Errorf("pattern %s on %q: Go function says %v, regexp says %v", p.pattern, s, got, want)
		}
	}
}

func TestPatternsMatchRegex(t *testing.T) {
	for _, p := range fastPatternFuncs {
		if !bytes.Contains(Schema(), []byte(jsonQuote(p.pattern))) {
			t.Errorf("pattern %s is matched by hand but is not in the schema", p.pattern)
		}
	}
	for _, s := range patternSeeds {
		checkPatterns(t, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		checkPatterns(t, randomPatternInput(r))
		if t.Failed() {
			return
		}
	}
}

// TestSchemaPatternsAreKnown fails when the schema gains a pattern the
// fast path does not match by hand: fast.go must then learn it.
func TestSchemaPatternsAreKnown(t *testing.T) {
	known := map[string]bool{}
	for _, p := range fastPatternFuncs {
		known[p.pattern] = true
	}
	var walk func(x any)
	walk = func(x any) {
		switch c := x.(type) {
		case map[string]any:
			for k, v := range c {
				if s, ok := v.(string); ok && k == "pattern" && !known[s] {
					t.Errorf("schema pattern %s has no Go matcher in the fast path", s)
				}
				if k == "patternProperties" {
					for name := range v.(map[string]any) {
						if !known[name] {
							t.Errorf("schema patternProperties name %s has no Go matcher in the fast path", name)
						}
					}
				}
				walk(v)
			}
		case []any:
			for _, v := range c {
				walk(v)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	walk(doc)
}

// FuzzPatternsMatchRegex checks every hand-written pattern matcher against
// Go's regexp on the pattern text.
func FuzzPatternsMatchRegex(f *testing.F) {
	for _, s := range patternSeeds {
		f.Add(s)
	}
	f.Fuzz(checkPatterns)
}

// --- formats against the library -----------------------------------------

var uriSeeds = []string{
	"", ":", "a:", "a:b", "A+.-:x", "1a:b", "urn:epc:id:sgtin:4012345.011111.1",
	"https://id.gs1.org/01/09521234543213/21/A%21", "https://", "https:///x", "https://h/", "https://h",
	"https://h:80/x", "https://u@h/x", "https://[::1]/x", "https://[::1", "https://h/%zz", "https://h/%4",
	"urn:x:%zz", "x:/%zz", "x:/a%20b", "x:/a%2", "http://a b/", "x: y", "x:\x01", "x:\x7f", "x:é", "x:\xff",
	"http://h/?q", "x:a#f", "x:a#%zz", "x:a?#", "mailto:a@b", "x://h:1:2/", "HTTPS://H/", "https://h_/x",
	"https://h%41/x", "x://", "x:///", "x://a/b//c", "x:a/b:c", "_:b0", "4012345.011111.2", "*",
	"https://example.com/a", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", "x:~!$&'()*+,;=:@/",
}

const uriAlphabet = "aAz09+-.:/@%2f?#[]_~!$&'()*,;= \x01\x7fé\xffhtps"

func randomURI(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		b := []byte(uriSeeds[r.IntN(len(uriSeeds))])
		for range 1 + r.IntN(2) {
			c := uriAlphabet[r.IntN(len(uriAlphabet))]
			if len(b) > 0 && r.IntN(2) == 0 {
				b[r.IntN(len(b))] = c
			} else {
				i := r.IntN(len(b) + 1)
				b = append(b[:i], append([]byte{c}, b[i:]...)...)
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.WriteString([]string{"urn", "https", "x", "a+b", "1x", "", "h t"}[r.IntN(7)])
	if r.IntN(8) != 0 {
		b.WriteByte(':')
	}
	if r.IntN(2) == 0 {
		b.WriteString("//")
		for range r.IntN(6) {
			b.WriteByte("ab.-9:@[]%_"[r.IntN(11)])
		}
	}
	for range r.IntN(12) {
		if r.IntN(6) == 0 {
			b.WriteString([]string{"%41", "%4", "%zz", "%", "/", "//"}[r.IntN(6)])
		} else {
			b.WriteByte(uriAlphabet[r.IntN(len(uriAlphabet))])
		}
	}
	return b.String()
}

var dateTimeSeeds = []string{
	"2026-03-01T08:00:00Z", "2026-03-01T08:00:00.123+01:00", "2026-03-01t08:00:00z", "2026-02-29T00:00:00Z",
	"2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "0000-02-29T00:00:00Z",
	"2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
	"2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T23:59:61Z",
	"2026-01-01T22:59:60-01:00", "2026-01-01T23:59:60.5Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00",
	"2026-01-01 00:00:00Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+23:59", "2026-01-01T00:00:00+00:60",
	"2026-01-01T+1:00:00Z", "2026-01-01T00:00:00+0100", "+026-01-01T00:00:00Z", "2026-1-01T00:00:00Z",
	"2026-01-01T00:00:00.123456789Z", "2026-01-01T00:00:00.1x", "٢026-01-01T00:00:00Z",
}

func randomDateTime(r *rand.Rand) string {
	two := func(max int) string { return fmt.Sprintf("%02d", r.IntN(max)) }
	s := fmt.Sprintf("%04d-%s-%sT%s:%s:%s", []int{0, 1900, 2000, 2024, 2026, 2100, 9999}[r.IntN(7)]+r.IntN(2),
		two(14), two(33), two(25), two(61), two(62))
	if r.IntN(2) == 0 {
		s += "." + strings.Repeat("7", r.IntN(4))
	}
	switch r.IntN(4) {
	case 0:
		s += "Z"
	case 1:
		s += "z"
	default:
		s += []string{"+", "-"}[r.IntN(2)] + two(25) + ":" + two(61)
	}
	b := []byte(s)
	for range r.IntN(3) {
		b[r.IntN(len(b))] = "0123456789+-:.TtZz x"[r.IntN(20)]
	}
	return string(b)
}

// formatCheckers compiles the library's own format checks, the reference
// for quickURI and quickDateTime.
func formatCheckers(t testing.TB) *fastPath {
	t.Helper()
	return MustCompile().fast
}

func checkQuickURI(t *testing.T, f *fastPath, s string) {
	t.Helper()
	if quickURI(s) && f.uriFormat.Validate(s) != nil {
		t.Errorf("quickURI accepts %q, which format \"uri\" rejects: %v", s, f.uriFormat.Validate(s))
	}
}

func checkQuickDateTime(t *testing.T, f *fastPath, s string) {
	t.Helper()
	if quickDateTime(s) && f.dateTimeFormat.Validate(s) != nil {
		t.Errorf("quickDateTime accepts %q, which format \"date-time\" rejects: %v", s, f.dateTimeFormat.Validate(s))
	}
}

func TestQuickURI(t *testing.T) {
	f := formatCheckers(t)
	for _, s := range uriSeeds {
		checkQuickURI(t, f, s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 30000 {
		checkQuickURI(t, f, randomURI(r))
	}
	// The shapes EPCIS documents are made of must not need the library.
	for _, s := range []string{
		"urn:epc:id:sgtin:4012345.011111.1", "urn:epc:class:lgtin:4012345.012345.L%2F1", "https://id.gs1.org/01/09521234543213/21/A%21",
		"urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
		"urn:epcglobal:cbv:bt:4012345000016:PO6097251", "https://example.com/steps/blending", "ni:///sha-256;aGVsbG8?ver=CBV2.0",
		"urn:epcglobal:cbv:mda#name",
	} {
		if !quickURI(s) && !strings.Contains(s, "?") {
			t.Errorf("quickURI does not vouch for %q", s)
		}
	}
}

func TestQuickDateTime(t *testing.T) {
	f := formatCheckers(t)
	for _, s := range dateTimeSeeds {
		checkQuickDateTime(t, f, s)
	}
	r := rand.New(rand.NewPCG(5, 6))
	rejectedValid := 0
	for range 30000 {
		s := randomDateTime(r)
		checkQuickDateTime(t, f, s)
		if !quickDateTime(s) && f.dateTimeFormat.Validate(s) == nil && !strings.Contains(s[17:19], "6") && !strings.ContainsAny(s[11:], "+-") {
			rejectedValid++
		}
	}
	if rejectedValid > 0 {
		t.Errorf("quickDateTime sent %d ordinary valid date-times to the library", rejectedValid)
	}
}

// FuzzQuickURI checks that quickURI never vouches for a string the
// library's format "uri" rejects.
func FuzzQuickURI(f *testing.F) {
	for _, s := range uriSeeds {
		f.Add(s)
	}
	fp := formatCheckers(f)
	f.Fuzz(func(t *testing.T, s string) { checkQuickURI(t, fp, s) })
}

// FuzzQuickDateTime checks that quickDateTime never vouches for a string
// the library's format "date-time" rejects.
func FuzzQuickDateTime(f *testing.F) {
	for _, s := range dateTimeSeeds {
		f.Add(s)
	}
	fp := formatCheckers(f)
	f.Fuzz(func(t *testing.T, s string) { checkQuickDateTime(t, fp, s) })
}

// --- the whole fast path against the compiled schema ----------------------

// fastDisagreement returns a description of the first entry point on which
// the fast path and the compiled schema disagree about x, or "".
func fastDisagreement(v *Validator, x any) string {
	type entry struct {
		name   string
		fast   func(any) bool
		schema func(any) bool
	}
	entries := []entry{
		{"Instance", v.fast.instance, func(x any) bool { return v.root.Validate(x) == nil }},
		{"Document", v.fast.document, func(x any) bool { return v.document.Validate(x) == nil }},
		{"Event", v.fast.standaloneEvent, func(x any) bool { return v.event.Validate(x) == nil }},
		{"ListedEvent", v.fast.event, func(x any) bool { return v.listedEvent.Validate(x) == nil }},
	}
	check := func(where string, x any) string {
		for _, e := range entries {
			if f, s := e.fast(x), e.schema(x); f != s {
				return fmt.Sprintf("%s%s: fast path says valid=%v, schema says valid=%v", e.name, where, f, s)
			}
		}
		return ""
	}
	if d := check("", x); d != "" {
		return d
	}
	// Document narrows the library's work to the events the fast path
	// rejects; its violations must be those of the whole document.
	got, want := v.Document(x), flattenOrNil(v.document.Validate(x))
	if !slices.Equal(got, want) {
		return fmt.Sprintf("Document violations differ from the whole document's\n got: %s\nwant: %s", summary(got), summary(want))
	}
	// Each listed event on its own too, so that event-level rules are
	// compared even when another event makes the whole document invalid.
	for i, ev := range listedEvents(x) {
		if d := check(fmt.Sprintf(" on event %d", i), ev); d != "" {
			return d
		}
	}
	return ""
}

func listedEvents(x any) []any {
	m, _ := x.(map[string]any)
	body, _ := m["epcisBody"].(map[string]any)
	if list, ok := body["eventList"].([]any); ok {
		return list
	}
	qr, _ := body["queryResults"].(map[string]any)
	rb, _ := qr["resultsBody"].(map[string]any)
	list, _ := rb["eventList"].([]any)
	return list
}

func TestFastPathAgreesOnFixtures(t *testing.T) {
	v := MustCompile()
	fixtures := epcisFixtures(t, gs1Dir(t))
	valid := 0
	for _, f := range fixtures {
		if d := fastDisagreement(v, f.doc); d != "" {
			t.Errorf("%s: %s", f.rel, d)
		}
		if v.fast.instance(f.doc) {
			valid++
		}
	}
	for seed := range uint64(5) {
		if d := fastDisagreement(v, epcisgen.New(seed).Document(50)); d != "" {
			t.Errorf("epcisgen seed %d: %s", seed, d)
		}
	}
	if d := fastDisagreement(v, SampleDocument(20, 1)); d != "" {
		t.Errorf("sample document: %s", d)
	}
	t.Logf("%d fixtures, %d valid", len(fixtures), valid)
}

// fastEdgeValues are values aimed at the fast path's own checks (formats,
// vocabularies, uniqueness, numbers), dropped into mutants beside the
// generic edits of mutate.
var fastEdgeValues = []any{
	"urn:", "x:", ":", "a b:c", "https://[::1]/x", "https://h:80/x", "https://h/%zz", "urn:x:%zz", "x:\x01",
	"https:///x", "http://ns.gs1.org/cbv/Disp-active", "https://www.gs1.org/voc/Temperature", "urn:epcglobal:cbvx",
	"2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-01-01T23:59:60Z", "2026-01-01T22:59:60-01:00",
	"2026-01-01T00:00:00.Z", "2026-01-01t00:00:00z", "2026-01-01T+1:00:00Z", "+14:00", "-14:00", "+13:60",
	"2.0", "2.", "C62", "0A1f", "ALARM_CONDITION", "Temperature", "x", "in_progress", "owning_party",
	json.Number("1e400"), json.Number("0"), float64(2), 3, []any{"active", "active"}, []any{"active"},
	[]any{"urn:x:1", "urn:x:2"}, []any{"urn:x:1", map[string]any{}}, []any{map[string]any{"a": "b"}, map[string]any{"a": "b"}},
	[]any{map[string]any{"a": json.Number("1")}, map[string]any{"a": json.Number("1.0")}},
	map[string]any{"set": []any{"active", "active"}}, map[string]any{"unset": []any{}},
	map[string]any{"declarationTime": "2026-01-01T00:00:00Z", "reason": "incorrect_data"},
	map[string]any{"type": "urn:x:t", "vocabularyElementList": []any{map[string]any{"id": "urn:x:1", "children": []any{"x"}}}},
	[]any{map[string]any{"sensorReport": []any{map[string]any{"type": "Temperature", "hexBinaryValue": "0g", "booleanValue": "true"}}}},
}

var fastEdgeKeys = []string{
	"type", "action", "epcList", "childEPCs", "inputEPCList", "outputQuantityList", "transformationID", "parentID",
	"bizStep", "disposition", "persistentDisposition", "errorDeclaration", "certificationInfo", "recordTime",
	"eventID", "@context", "schemaVersion", "creationDate", "epcisHeader", "exception", "component", "time",
	"hexBinaryValue", "booleanValue", "percRank", "reason", "correctiveEventIDs", "attributes", "id",
}

// mutateForFastPath applies mutate's generic edits, one edit from the
// fast path's edge values, or both.
func mutateForFastPath(r *rand.Rand, x any) {
	op := r.IntN(3)
	if op != 0 {
		mutate(r, x, 1+r.IntN(2))
	}
	if op == 1 {
		return
	}
	node := x
	for depth := 0; depth < 8 && r.IntN(3) != 0; depth++ {
		child := randomChild(r, node)
		if child == nil {
			break
		}
		node = child
	}
	v := deepCopy(fastEdgeValues[r.IntN(len(fastEdgeValues))])
	switch c := node.(type) {
	case map[string]any:
		keys := sortedKeys(c)
		if len(keys) > 0 && r.IntN(2) == 0 {
			c[keys[r.IntN(len(keys))]] = v
		} else {
			c[fastEdgeKeys[r.IntN(len(fastEdgeKeys))]] = v
		}
	case []any:
		if len(c) > 0 {
			c[r.IntN(len(c))] = v
		}
	}
}

func TestFastPathAgreesOnMutants(t *testing.T) {
	v := MustCompile()
	seeds := []any{SampleDocument(3, 1)}
	for seed := range uint64(8) {
		seeds = append(seeds, epcisgen.New(seed).Document(4))
	}
	if dir, ok := gs1DirIfPresent(t); ok {
		for _, f := range epcisFixtures(t, dir) {
			seeds = append(seeds, f.doc)
		}
	} else {
		t.Log("GS1 fixtures not found; mutating generated documents only")
	}
	n := 6000
	if testing.Short() {
		n = 600
	}
	r := rand.New(rand.NewPCG(2026, 11))
	valid := 0
	for i := range n {
		m := deepCopy(seeds[r.IntN(len(seeds))])
		mutateForFastPath(r, m)
		if d := fastDisagreement(v, m); d != "" {
			b, _ := json.Marshal(m)
			t.Fatalf("mutant %d: %s\n%s", i, d, b)
		}
		if v.fast.instance(m) {
			valid++
		}
	}
	t.Logf("%d mutants, %d valid", n, valid)
}

// gs1DirIfPresent is gs1Dir without the skip: the mutants test also runs
// on generated documents alone when the fixtures are missing (outside CI,
// where gs1Dir fails instead).
func gs1DirIfPresent(t *testing.T) (string, bool) {
	if os.Getenv("CI") == "true" {
		return gs1Dir(t), true
	}
	dir := os.Getenv("LOTLINE_GS1_DIR")
	if dir == "" {
		if root := moduleRoot(); root != "" {
			dir = filepath.Join(root, "..", "shared", "gs1")
		}
	}
	if _, err := os.Stat(dir); dir == "" || err != nil {
		return "", false
	}
	return dir, true
}

// FuzzFastPath checks the fast path against the compiled schema on any
// JSON input, at every entry point.
func FuzzFastPath(f *testing.F) {
	f.Add(doc(objectEvent("")))
	f.Add(doc(objectEvent(`"ilmd":{"example:x":1},"persistentDisposition":{"set":["active"]}`)))
	f.Add(doc(`{"type":"AggregationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"DELETE"}`))
	f.Add(doc(`{"type":"TransformationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","transformationID":"urn:x:t","inputEPCList":["urn:x:1"]}`))
	f.Add(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"a":"b"}],"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[]}}}}`)
	f.Add(`{"@context":"x:y","type":"https://example.com/MyEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00"}`)
	f.Add(string(epcisgen.New(1).DocumentJSON(3)))
	v := MustCompile()
	f.Fuzz(func(t *testing.T, s string) {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var x any
		if dec.Decode(&x) != nil {
			return
		}
		if d := fastDisagreement(v, x); d != "" {
			t.Fatalf("%s\n%s", d, s)
		}
	})
}

// TestFastPathAllocations guards the point of the fast path: a valid
// document is checked without allocating.
func TestFastPathAllocations(t *testing.T) {
	v := MustCompile()
	doc := epcisgen.New(1).Document(20)
	if vs := v.Document(doc); vs != nil {
		t.Fatalf("generated document invalid: %s", summary(vs))
	}
	if n := testing.AllocsPerRun(20, func() { v.Document(doc) }); n != 0 {
		t.Errorf("Document allocates %v times on a valid document, want 0", n)
	}
}

func flattenOrNil(err error) []Violation {
	if err == nil {
		return nil
	}
	return flatten(err)
}

// TestDocumentViolationsNarrowed checks that validating only the rejected
// events gives the whole document's violations, also when there are more
// than maxViolations of them and indexes sort numerically (2 before 10).
func TestDocumentViolationsNarrowed(t *testing.T) {
	v := MustCompile()
	for _, bad := range [][]int{{0}, {3, 17, 42}, {2, 10, 11, 59}, nil} {
		d := epcisgen.New(7).Document(60)
		events := listedEvents(d)
		if bad == nil { // every event, two violations each
			for i := range events {
				bad = append(bad, i)
			}
		}
		for _, i := range bad {
			ev := events[i].(map[string]any)
			ev["bizStep"] = "transforming"
			ev["eventTimeZoneOffset"] = "+15:00"
		}
		got, want := v.Document(d), flattenOrNil(v.document.Validate(d))
		if len(got) == 0 || !slices.Equal(got, want) {
			t.Errorf("bad events %v:\n got: %s\nwant: %s", bad, summary(got), summary(want))
		}
	}
}
