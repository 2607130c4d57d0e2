package conformance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Level is the strength of a requirement, as the standard words it.
type Level string

// The levels of RFC 2119 the standard uses (its SHALL is a MUST).
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	May    Level = "MAY"
)

// Case is one conformance check.
type Case struct {
	// ID is stable across versions of the kit: reports and known-deviation
	// lists refer to it.
	ID string
	// Area groups cases in the matrix (capture, query, pagination, ...).
	Area string
	// Title says in a line what the case checks.
	Title string
	// Ref names the source of the requirement: a section of EPCIS 2.0, a
	// path of its OpenAPI, or a draft conformance requirement (TCR-54).
	Ref string
	// Requirement quotes the requirement's text.
	Requirement string
	Level       Level
	// Optional marks a feature the standard lets a server leave out: the
	// case skips when the server says it does not support it.
	Optional bool
	Run      func(ctx context.Context, c *Client) error
}

// skipError is the outcome of a case that does not apply to the server.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// Skip returns an error that makes the case's result "skip".
func Skip(format string, args ...any) error { return &skipError{fmt.Sprintf(format, args...)} }

// IsSkip reports whether err says the case was skipped.
func IsSkip(err error) bool {
	var s *skipError
	return errors.As(err, &s)
}

// caseLists builds the built-in cases, one function per area.
var caseLists = []func() []Case{captureCases, queryCases, paginationCases, namedQueryCases,
	resourceCases, headerCases, errorCases, optionalCases}

// Cases returns every built-in case, plus one case per example document
// found in examplesDir when it is not empty, sorted by area then ID.
func Cases(examplesDir string) ([]Case, error) {
	var all []Case
	for _, f := range caseLists {
		all = append(all, f()...)
	}
	if examplesDir != "" {
		ex, err := exampleCases(examplesDir)
		if err != nil {
			return nil, err
		}
		all = append(all, ex...)
	}
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c.ID] {
			return nil, fmt.Errorf("conformance: two cases have the ID %s", c.ID)
		}
		seen[c.ID] = true
	}
	sort.SliceStable(all, func(i, j int) bool {
		if ai, aj := areaRank(all[i].Area), areaRank(all[j].Area); ai != aj {
			return ai < aj
		}
		return all[i].ID < all[j].ID
	})
	return all, nil
}

// Areas in the order the matrix lists them.
var areas = []string{"capture", "examples", "query", "pagination", "named-queries", "resources", "headers", "errors", "xml", "subscriptions"}

func areaRank(a string) int {
	for i, x := range areas {
		if x == a {
			return i
		}
	}
	return len(areas)
}

// Select keeps the cases whose ID equals sel (case-insensitively) or, when
// none does, whose ID matches sel as a regular expression (as go test
// -run does). An empty sel keeps every case.
func Select(cases []Case, sel string) ([]Case, error) {
	if sel == "" {
		return cases, nil
	}
	for _, c := range cases {
		if strings.EqualFold(c.ID, sel) {
			return []Case{c}, nil
		}
	}
	re, err := regexp.Compile(sel)
	if err != nil {
		return nil, fmt.Errorf("conformance: --run %q: %v", sel, err)
	}
	var out []Case
	for _, c := range cases {
		if re.MatchString(c.ID) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("conformance: no case matches %q", sel)
	}
	return out, nil
}
