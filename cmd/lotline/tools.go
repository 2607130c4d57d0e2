package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/epcis/epcisxml"
	"github.com/lotline/lotline/epcis/eventhash"
	"github.com/lotline/lotline/schemas"
)

// runHash prints "FILE INDEX HASH" for every event of every file, JSON-LD
// or XML (EPCIS 2.0 or 1.2): the CBV 2.0 event hash does not depend on the
// binding.
func runHash(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return &exitError{2, errors.New("usage: lotline hash FILE...")}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		res, err := hashDocument(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range res {
			fmt.Fprintf(stdout, "%s\t%d\t%s\n", f, r.Index, r.Hash)
		}
	}
	return nil
}

// hashDocument hashes the events of a JSON-LD or XML document. XML is
// decoded to the JSON-LD tree capture stores (the XSD's rules apply) and
// hashed as that; errors in it name the XML element.
func hashDocument(data []byte) ([]eventhash.Result, error) {
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) == 0 || t[0] != '<' {
		return eventhash.Document(data)
	}
	xd, err := epcisxml.Decode(data, epcisxml.Limits{})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(xd.Tree)
	if err != nil {
		return nil, err
	}
	res, err := eventhash.Document(b)
	var he *eventhash.Error
	if errors.As(err, &he) && he.Pointer != "" {
		if x := xd.XPath(he.Pointer); x != "" {
			he.Pointer = x
		}
	}
	return res, err
}

// runValidate checks documents exactly as POST /capture would, printing
// every problem with its JSON pointer. It fails if any file is invalid.
func runValidate(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return &exitError{2, errors.New("usage: lotline validate FILE...")}
	}
	sv, err := schemas.Compile()
	if err != nil {
		return err
	}
	cs := capture.New(nil, sv, capture.Config{MaxEvents: 1 << 30}, nil, capture.Hooks{})
	bad := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		doc, xd, err := decodeDocument(data)
		if err == nil {
			var p *capture.Prepared
			prepare := cs.Prepare
			if xd != nil {
				prepare = cs.PrepareXML
			}
			p, err = prepare(doc, capture.Proceed, "local")
			if err == nil && len(p.Errors) > 0 {
				err = p.Errors
			}
			if err == nil {
				fmt.Fprintf(stdout, "%s: valid (%d events)\n", f, p.EventCount)
				continue
			}
			err = xmlLocations(err, xd)
		}
		bad++
		var list epcis.Errors
		var one *epcis.Error
		switch {
		case errors.As(err, &list):
		case errors.As(err, &one):
			list = epcis.Errors{one}
		default:
			list = epcis.Errors{epcis.Errorf(epcis.KindInternal, "%v", err)}
		}
		for _, e := range list {
			fmt.Fprintf(stdout, "%s: %s: %s\n", f, e.Kind.ExceptionType(), e.Error())
		}
	}
	if bad > 0 {
		return &exitError{1, fmt.Errorf("%d of %d files invalid", bad, len(files))}
	}
	return nil
}

// decodeDocument reads a JSON-LD or XML (EPCIS 2.0 or 1.2) document, by
// its first character; xd is the decoded XML, nil for JSON.
func decodeDocument(data []byte) (doc any, xd *epcisxml.Decoded, err error) {
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '<' {
		xd, err = epcisxml.Decode(data, epcisxml.Limits{})
		if err != nil {
			return nil, nil, err
		}
		return xd.Tree, xd, nil
	}
	doc, err = epcis.DecodeJSON(data, epcis.JSONLimits{})
	return doc, nil, err
}

// xmlLocations turns the JSON pointers of errors found in a decoded XML
// document into the XPath-like locations of its elements.
func xmlLocations(err error, xd *epcisxml.Decoded) error {
	if xd == nil {
		return err
	}
	var list epcis.Errors
	var one *epcis.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = epcis.Errors{one}
	}
	for _, e := range list {
		if e.Pointer != "" {
			if x := xd.XPath(e.Pointer); x != "" {
				e.Pointer = x
			}
		}
	}
	return err
}
