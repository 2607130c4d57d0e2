package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
)

const convertUsage = `Usage: lotline convert FILE -o OUT [--to xml|json]

Converts an EPCISDocument or EPCISQueryDocument between JSON-LD and XML
(EPCIS 2.0 XML out; EPCIS 2.0 or 1.2 XML in). The input's form is read from
its content; the output's from OUT's extension (.xml, .json, .jsonld) or
--to. FILE "-" reads standard input; OUT "-" writes standard output and
needs --to. Conversion does not validate events as capture does (use
lotline validate for that); it refuses what either binding cannot carry,
naming the place: a JSON pointer for JSON-LD input, an XPath for XML.
`

// runConvert is `lotline convert`. Exit status 2 is a usage error, 1 an
// input that cannot be converted.
func runConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, convertUsage) }
	out := fs.String("o", "", "output file (\"-\" for standard output)")
	to := fs.String("to", "", "output format: xml or json (default: from OUT's extension)")
	// FILE may come before or after the flags.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return &exitError{2, fmt.Errorf("convert: %w", err)}
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprint(stderr, convertUsage)
		return &exitError{2, fmt.Errorf("convert: "+format, a...)}
	}
	if len(files) != 1 {
		return usageErr("give one input FILE (or - for standard input)")
	}
	if *out == "" {
		return usageErr("give the output with -o OUT (or -o - with --to)")
	}
	format := strings.ToLower(*to)
	if format == "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".xml":
			format = "xml"
		case ".json", ".jsonld":
			format = "json"
		default:
			return usageErr("cannot tell the output format from %q; give --to xml or --to json", *out)
		}
	}
	if format != "xml" && format != "json" {
		return usageErr("--to must be xml or json, not %q", *to)
	}

	in, name := files[0], files[0]
	var data []byte
	var err error
	if in == "-" {
		name = "standard input"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(in)
	}
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	b, err := convert(data, format)
	if err != nil {
		return fmt.Errorf("convert: %s: %w", name, err)
	}
	if *out == "-" {
		_, err = stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	return nil
}

// convert turns an EPCIS document in JSON-LD or XML (told apart by its
// first character) into format, "xml" or "json". Errors are *epcis.Error
// values naming the place at fault.
func convert(data []byte, format string) ([]byte, error) {
	var tree map[string]any
	switch trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff"); {
	case len(trimmed) == 0:
		return nil, epcis.Invalid("", "the input is empty")
	case trimmed[0] == '<':
		d, err := epcisxml.Decode(data, epcisxml.Limits{})
		if err != nil {
			return nil, err
		}
		if d.Root != "EPCISDocument" && d.Root != "EPCISQueryDocument" {
			return nil, epcis.Invalid("/"+d.Root, "a bare %s is not a document; convert EPCISDocument or EPCISQueryDocument", d.Root)
		}
		tree = d.Tree.(map[string]any)
	default:
		v, err := epcis.DecodeJSON(trimmed, epcis.JSONLimits{})
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, epcis.Invalid("", "the input is not a JSON object")
		}
		tree = m
	}
	if format == "xml" {
		return epcisxml.AppendDocument(nil, tree)
	}
	if typ := tree["type"]; typ != "EPCISDocument" && typ != "EPCISQueryDocument" {
		return nil, epcis.Invalid("/type", "type must be EPCISDocument or EPCISQueryDocument, not %v", typ)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
