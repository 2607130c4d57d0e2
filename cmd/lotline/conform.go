package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/lotline/lotline/conformance"
)

// conformConfig is what `lotline conform` was asked to do.
type conformConfig struct {
	conformance.Config
	Format string
	List   bool
}

func parseConform(args []string, getenv func(string) string, stderr io.Writer) (*conformConfig, error) {
	c := &conformConfig{}
	def := getenv("LOTLINE_URL")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	fs := flag.NewFlagSet("lotline conform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lotline conform [flags]\n\nRuns the EPCIS 2.0 conformance kit against a server and prints its compliance matrix.\nExits 1 when a MUST case fails, 0 otherwise.\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.URL, "url", def, "base URL of the EPCIS 2.0 server under test ($LOTLINE_URL)")
	fs.StringVar(&c.Run, "run", "", "run only the case with this ID, or the cases whose IDs match this regular expression")
	fs.StringVar(&c.Format, "format", "text", "text, json or junit")
	fs.StringVar(&c.Examples, "examples", "", "directory of EPCIS JSON(-LD) example documents to capture, one case each")
	fs.DurationVar(&c.Timeout, "timeout", 60*time.Second, "time limit of each case")
	fs.IntVar(&c.Parallel, "parallel", 4, "cases run at once")
	fs.BoolVar(&c.List, "list", false, "list the cases (ID, level, title) without running them")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	var errs []error
	if fs.NArg() != 0 {
		errs = append(errs, fmt.Errorf("conform takes no arguments, got %q", fs.Args()))
	}
	switch c.Format {
	case "text", "json", "junit":
	default:
		errs = append(errs, fmt.Errorf("--format: %q is not text, json or junit", c.Format))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout: %s is not positive", c.Timeout))
	}
	if c.Parallel < 1 {
		errs = append(errs, fmt.Errorf("--parallel: %d is less than 1", c.Parallel))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &exitError{2, err}
	}
	return c, nil
}

func runConform(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseConform(args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.List {
		cases, err := conformance.Cases(c.Examples)
		if err == nil {
			cases, err = conformance.Select(cases, c.Run)
		}
		if err != nil {
			return &exitError{2, err}
		}
		for _, k := range cases {
			opt := ""
			if k.Optional {
				opt = " (optional)"
			}
			fmt.Fprintf(stdout, "%-40s %-6s %s%s\n", k.ID, k.Level, k.Title, opt)
		}
		return nil
	}
	rep, err := conformance.Run(ctx, c.Config)
	if err != nil {
		return &exitError{2, err}
	}
	switch c.Format {
	case "json":
		err = rep.WriteJSON(stdout)
	case "junit":
		err = rep.WriteJUnit(stdout)
	default:
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if failed := rep.Failed(conformance.Must); len(failed) > 0 {
		return &exitError{1, fmt.Errorf("conform: %d MUST case(s) failed", len(failed))}
	}
	return nil
}
