package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// areaTotals counts one area's outcomes.
type areaTotals struct {
	Area       string `json:"area"`
	Cases      int    `json:"cases"`
	Pass       int    `json:"pass"`
	Fail       int    `json:"fail"`
	Skip       int    `json:"skip"`
	MustFail   int    `json:"mustFail"`
	ShouldFail int    `json:"shouldFail"`
	MayFail    int    `json:"mayFail"`
	Optional   int    `json:"optional"`
}

// Totals returns the counts per area, in matrix order, and the overall
// totals last (area "total").
func (r *Report) Totals() []areaTotals {
	idx := map[string]int{}
	var out []areaTotals
	total := areaTotals{Area: "total"}
	for _, x := range r.Results {
		i, ok := idx[x.Case.Area]
		if !ok {
			i = len(out)
			idx[x.Case.Area] = i
			out = append(out, areaTotals{Area: x.Case.Area})
		}
		for _, t := range []*areaTotals{&out[i], &total} {
			t.Cases++
			if x.Case.Optional {
				t.Optional++
			}
			switch x.Status {
			case Pass:
				t.Pass++
			case Skipped:
				t.Skip++
			case Fail:
				t.Fail++
				switch x.Case.Level {
				case Must:
					t.MustFail++
				case Should:
					t.ShouldFail++
				default:
					t.MayFail++
				}
			}
		}
	}
	return append(out, total)
}

// WriteText writes the compliance matrix for people: one line per case,
// the reason under each failure and skip, then the totals per area.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "EPCIS 2.0 conformance of %s (run tag %s, %s)\n\n", r.URL, r.RunTag, r.Duration.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAREA\tLEVEL\tOPTIONAL\tRESULT\tTIME\tCHECKS")
	for _, x := range r.Results {
		opt := ""
		if x.Case.Optional {
			opt = "optional"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.Case.ID, x.Case.Area, x.Case.Level, opt, strings.ToUpper(string(x.Status)),
			x.Duration.Round(time.Millisecond), x.Case.Title)
	}
	tw.Flush()
	header := false
	for _, x := range r.Results {
		if x.Message == "" {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nWhy cases failed or were skipped:")
			header = true
		}
		fmt.Fprintf(w, "  %s %s %s: %s\n", x.Case.ID, x.Case.Level, strings.ToUpper(string(x.Status)), oneLine(x.Message))
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "AREA\tCASES\tPASS\tFAIL\tSKIP\tMUST FAILED\tSHOULD FAILED\tMAY FAILED\tOPTIONAL\t")
	for _, t := range r.Totals() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", t.Area, t.Cases, t.Pass, t.Fail, t.Skip, t.MustFail, t.ShouldFail, t.MayFail, t.Optional)
	}
	return tw.Flush()
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

type jsonResult struct {
	ID          string  `json:"id"`
	Area        string  `json:"area"`
	Title       string  `json:"title"`
	Ref         string  `json:"ref"`
	Requirement string  `json:"requirement"`
	Level       Level   `json:"level"`
	Optional    bool    `json:"optional"`
	Status      Status  `json:"status"`
	Message     string  `json:"message,omitempty"`
	Seconds     float64 `json:"seconds"`
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		URL     string       `json:"url"`
		RunTag  string       `json:"runTag"`
		Started time.Time    `json:"started"`
		Seconds float64      `json:"seconds"`
		Totals  []areaTotals `json:"totals"`
		Results []jsonResult `json:"results"`
	}{URL: r.URL, RunTag: r.RunTag, Started: r.Started, Seconds: r.Duration.Seconds(), Totals: r.Totals()}
	for _, x := range r.Results {
		out.Results = append(out.Results, jsonResult{x.Case.ID, x.Case.Area, x.Case.Title, x.Case.Ref, x.Case.Requirement,
			x.Case.Level, x.Case.Optional, x.Status, x.Message, x.Duration.Seconds()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteJUnit writes the report as JUnit XML, one test suite per area, for
// CI systems. A failed SHOULD or MAY is reported as a skip with its
// message, so that only MUST failures turn a CI run red.
func (r *Report) WriteJUnit(w io.Writer) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type suite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type suites struct {
		XMLName xml.Name `xml:"testsuites"`
		Name    string   `xml:"name,attr"`
		Suites  []*suite `xml:"testsuite"`
	}
	all := suites{Name: "EPCIS 2.0 conformance of " + r.URL}
	byArea := map[string]*suite{}
	for _, x := range r.Results {
		s := byArea[x.Case.Area]
		if s == nil {
			s = &suite{Name: x.Case.Area}
			byArea[x.Case.Area] = s
			all.Suites = append(all.Suites, s)
		}
		tc := testcase{Name: fmt.Sprintf("%s %s: %s", x.Case.ID, x.Case.Level, x.Case.Title), Classname: "epcis." + x.Case.Area,
			Time: fmt.Sprintf("%.3f", x.Duration.Seconds())}
		switch {
		case x.Status == Fail && x.Case.Level == Must:
			tc.Failure = &failure{Message: oneLine(x.Message), Text: x.Case.Ref + ": " + x.Case.Requirement}
			s.Failures++
		case x.Status == Fail:
			tc.Skipped = &skipped{Message: string(x.Case.Level) + " not met: " + oneLine(x.Message)}
			s.Skipped++
		case x.Status == Skipped:
			tc.Skipped = &skipped{Message: oneLine(x.Message)}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
