package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Config says which server to test and how.
type Config struct {
	// URL is the base URL of the server's EPCIS REST binding.
	URL string
	// Run selects cases by ID or regular expression; empty runs all.
	Run string
	// Examples is a directory of EPCIS JSON(-LD) example documents to
	// capture, one case per file; empty adds no example cases.
	Examples string
	// Timeout bounds each case (default 60s).
	Timeout time.Duration
	// Parallel is how many cases run at once (default 4).
	Parallel int
	// HTTPClient is used for every request (default: a plain client).
	HTTPClient *http.Client
}

// Status is a case's outcome.
type Status string

// Outcomes of a case.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Skipped Status = "skip"
)

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Status   Status
	Message  string
	Duration time.Duration
}

// Report is the outcome of a run.
type Report struct {
	URL      string
	RunTag   string
	Started  time.Time
	Duration time.Duration
	Results  []Result
}

// Run runs the selected cases against the server and reports every
// outcome. It returns an error only when the run could not start (a bad
// URL, a bad selection, an unreadable examples directory).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	c, err := NewClient(cfg.URL, cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	c.examples = cfg.Examples
	cases, err := Cases(cfg.Examples)
	if err != nil {
		return nil, err
	}
	if cases, err = Select(cases, cfg.Run); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	rep := &Report{URL: cfg.URL, RunTag: c.ids.Tag(), Started: time.Now(), Results: make([]Result, len(cases))}
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rep.Results[i] = runCase(ctx, c, tc, cfg.Timeout)
		}()
	}
	wg.Wait()
	rep.Duration = time.Since(rep.Started)
	return rep, nil
}

// RunCase runs one case on its own.
func RunCase(ctx context.Context, c *Client, tc Case, timeout time.Duration) Result {
	return runCase(ctx, c, tc, timeout)
}

func runCase(ctx context.Context, c *Client, tc Case, timeout time.Duration) (res Result) {
	res.Case = tc
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		res.Duration = time.Since(start)
		if r := recover(); r != nil {
			res.Status, res.Message = Fail, fmt.Sprintf("the case panicked: %v", r)
		}
	}()
	err := tc.Run(ctx, c)
	switch {
	case err == nil:
		res.Status = Pass
	case IsSkip(err):
		res.Status, res.Message = Skipped, err.Error()
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		res.Status, res.Message = Fail, fmt.Sprintf("timed out after %s: %v", timeout, err)
	default:
		res.Status, res.Message = Fail, err.Error()
	}
	return res
}

// Failed returns the failed results of the given level.
func (r *Report) Failed(l Level) []Result {
	var out []Result
	for _, x := range r.Results {
		if x.Status == Fail && x.Case.Level == l {
			out = append(out, x)
		}
	}
	return out
}

// Count returns how many results have the status.
func (r *Report) Count(s Status) int {
	n := 0
	for _, x := range r.Results {
		if x.Status == s {
			n++
		}
	}
	return n
}
