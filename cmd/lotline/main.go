// Command lotline is the Lotline EPCIS 2.0 repository: a server and the
// tools around it. Run `lotline help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lotline:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 1
}

const usage = `Lotline: a GS1 EPCIS 2.0 repository.

Usage:
  lotline serve [flags]        start the server (lotline serve -h for flags)
  lotline demo [flags]         start a server on a temporary store loaded with the demo scenario
  lotline keys create|list|revoke  manage API keys (lotline keys for details)
  lotline share create|list|delete  share some of a party's events with another party (lotline share -h)
  lotline hash FILE...         print the CBV 2.0 event hash of every event in EPCIS documents
  lotline validate FILE...     validate EPCIS JSON-LD documents as capture would
  lotline convert FILE -o OUT  convert an EPCIS document between JSON-LD and XML (--to xml|json)
  lotline trace [flags] LOT    print a lot's genealogy from a running server (tree, --json, --csv)
  lotline conform --url URL    run the EPCIS 2.0 conformance kit against a server
  lotline bench capture [flags] measure capture throughput end to end
  lotline bench query [flags]   measure query latency over a million loaded events
  lotline bench trace [flags]   measure lot trace and recall latency over a generated supply chain
  lotline version              print the version
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// run is the whole program, callable from tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{2, fmt.Errorf("no command given")}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], getenv, stdout, stderr)
	case "share":
		return runShare(ctx, args[1:], getenv, stdout, stderr)
	case "hash":
		return runHash(args[1:], stdout)
	case "validate":
		return runValidate(args[1:], stdout)
	case "convert":
		return runConvert(args[1:], stdin, stdout, stderr)
	case "trace":
		return runTrace(ctx, args[1:], getenv, stdout, stderr)
	case "conform":
		return runConform(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "lotline", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return &exitError{2, fmt.Errorf("unknown command %q", args[0])}
}
