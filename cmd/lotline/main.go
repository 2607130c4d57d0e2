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
  lotline backup [--data DIR] OUT  consistent copy of the SQLite store while the server runs
  lotline restore BACKUP [--data DIR] [--force]  make a backup the store of --data (server stopped)
  lotline share create|list|delete  share some of a party's events with another party (lotline share -h)
  lotline hash FILE...         print the CBV 2.0 event hash of every event in EPCIS documents (JSON-LD or XML)
  lotline import [flags] PATH... load EPCIS documents and NDJSON files or folders straight into a store
  lotline validate FILE...     validate EPCIS JSON-LD documents as capture would
  lotline convert FILE -o OUT  convert an EPCIS document between JSON-LD and XML (--to xml|json)
  lotline query [flags] [NAME=VALUE...]  run an EPCIS query against a server, every page (json, ndjson, csv, table)
  lotline capture [flags] FILE...  send documents (files, folders, - for stdin) and report each capture job
  lotline trace [flags] LOT    print a lot's genealogy from a running server (tree, --format json|csv)
  lotline recall [flags] LOT   print a lot's recall: affected set, other lots, events, mass balance
  lotline conform --url URL    run the EPCIS 2.0 conformance kit against a server
  lotline bench capture [flags] measure capture throughput end to end
  lotline bench query [flags]   measure query latency over a million loaded events
  lotline bench trace [flags]   measure lot trace and recall latency over a generated supply chain
  lotline bench soak [flags]    mixed traffic for --duration (30m): requests, errors, RSS (run by hand)
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
	case "backup":
		return runBackup(ctx, false, args[1:], getenv, stdout, stderr)
	case "restore":
		return runBackup(ctx, true, args[1:], getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], getenv, stdout, stderr)
	case "share":
		return runShare(ctx, args[1:], getenv, stdout, stderr)
	case "hash":
		return runHash(args[1:], stdout)
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "validate":
		return runValidate(args[1:], stdout)
	case "convert":
		return runConvert(args[1:], stdin, stdout, stderr)
	case "query":
		return runQueryCmd(ctx, args[1:], getenv, stdout, stderr)
	case "capture":
		return runCapture(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "trace":
		return runTrace(ctx, args[1:], getenv, stdout, stderr)
	case "recall":
		return runRecall(ctx, args[1:], getenv, stdout, stderr)
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
