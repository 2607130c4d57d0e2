package schemas

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// FuzzDocument checks, for any JSON input, that validation does not panic,
// is deterministic, returns violations in sorted order without duplicates,
// and that every violation's pointer resolves in the instance (to the value
// itself, or for a missing or unknown member to an existing object that
// holds it or would hold it).
func FuzzDocument(f *testing.F) {
	f.Add(doc(objectEvent("")))
	f.Add(doc(objectEvent(`"bizStep":"urn:epcglobal:cbv:bizstep:shipping","quantityList":[{"epcClass":"x","quantity":"1"}]`)))
	f.Add(doc(`{"type":"TransformationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","inputEPCList":["urn:x:1"],"a/b~c":1}`))
	f.Add(`{"type":"ObjectEvent"}`)
	f.Add(`[1,2]`)
	if b, err := json.Marshal(SampleDocument(2, 7)); err == nil {
		f.Add(string(b))
	}
	v := MustCompile()
	f.Fuzz(func(t *testing.T, s string) {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var x any
		if dec.Decode(&x) != nil {
			return
		}
		vs := v.Instance(x)
		again := v.Instance(x)
		if len(vs) != len(again) {
			t.Fatalf("not deterministic: %d then %d violations", len(vs), len(again))
		}
		for i, vi := range vs {
			if vi != again[i] {
				t.Fatalf("not deterministic: %s then %s", vi, again[i])
			}
			if i > 0 && comparePointers(vs[i-1].Pointer, vi.Pointer) > 0 {
				t.Fatalf("not sorted: %s before %s", vs[i-1], vi)
			}
			if vi.Message == "" {
				t.Fatalf("empty message at %q", vi.Pointer)
			}
			if !resolves(x, vi.Pointer) {
				t.Fatalf("pointer %q does not resolve in %s", vi.Pointer, s)
			}
		}
	})
}

// resolves reports whether ptr names a value in x, or a member whose parent
// object exists (for unknown-field violations).
func resolves(x any, ptr string) bool {
	if ptr == "" {
		return true
	}
	toks := strings.Split(ptr[1:], "/")
	for i, tok := range toks {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := x.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return i == len(toks)-1
			}
			x = next
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(c) {
				return false
			}
			x = c[n]
		default:
			return false
		}
	}
	return true
}

// FuzzAgreement mutates nothing itself but lets the fuzzer find documents on
// which Lotline's schema and GS1's disagree. Known, accepted differences
// (see agreementExempt) are skipped.
func FuzzAgreement(f *testing.F) {
	off := official(f)
	ours := MustCompile()
	f.Add(doc(objectEvent("")))
	f.Add(doc(objectEvent(`"ilmd":{"example:x":1}`)))
	f.Add(doc(`{"type":"AggregationEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","childEPCs":["urn:x:1"]}`))
	f.Fuzz(func(t *testing.T, s string) {
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		var x any
		if dec.Decode(&x) != nil {
			return
		}
		if agreementExempt(x) {
			return
		}
		ov, gv := ours.Instance(x), off.Instance(x)
		if (len(ov) == 0) != (len(gv) == 0) {
			t.Fatalf("verdicts differ on %s\n ours: %s\n GS1: %s", s, summary(ov), summary(gv))
		}
	})
}

// agreementExempt reports whether x touches one of the two known, accepted
// differences between the schemas, which no GS1 or third-party fixture
// exercises:
//
//   - Extension member names. GS1's schema requires each to parse as an
//     absolute URI (Go's net/url, via format "uri"); ours requires a URI
//     scheme followed by ':' (RE2 pattern ^[A-Za-z][A-Za-z0-9+.-]*:). They
//     differ only on names with a scheme whose rest net/url rejects (spaces
//     or brackets in a host, bad %-escapes, control characters).
//   - persistentDisposition on Aggregation, Transaction and Association
//     events: GS1's ratified schema allows the member but does not check
//     its value; ours checks it as on Object and Transformation events
//     (set/unset lists of dispositions), as the standard defines one
//     structure for it.
func agreementExempt(x any) bool {
	switch c := x.(type) {
	case map[string]any:
		if _, ok := c["persistentDisposition"]; ok {
			switch c["type"] {
			case "AggregationEvent", "TransactionEvent", "AssociationEvent":
				return true
			}
		}
		for k, v := range c {
			if strings.Contains(k, ":") && strings.IndexFunc(k, unusualInURI) >= 0 {
				return true
			}
			if agreementExempt(v) {
				return true
			}
		}
	case []any:
		for _, v := range c {
			if agreementExempt(v) {
				return true
			}
		}
	}
	return false
}

// unusualInURI reports characters outside RFC 3986's unreserved and
// reserved sets, plus '%' (escapes) and '[' ']' (IP literals), on which
// net/url and our name pattern may disagree.
func unusualInURI(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("-._~:/?#@!$&'()*+,;=", r)
}
