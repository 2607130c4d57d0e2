package schemas

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed epcis-2.0.schema.json
var schemaJSON []byte

// SchemaID is the $id of the embedded schema.
const SchemaID = "https://github.com/lotline/lotline/schemas/epcis-2.0.schema.json"

// Schema returns a copy of the embedded JSON Schema document, for serving it
// or writing it to disk.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// Validator checks decoded EPCIS JSON against a compiled schema. It is
// compiled once and safe for concurrent use.
//
// Instances are the values produced by encoding/json (preferably with
// Decoder.UseNumber): map[string]any, []any, json.Number or float64,
// string, bool and nil.
type Validator struct {
	root        *jsonschema.Schema // any top-level form: document, query document, single event
	document    *jsonschema.Schema // EPCISDocument
	event       *jsonschema.Schema // single event at top level (requires @context)
	listedEvent *jsonschema.Schema // event inside an eventList

	// fast, when set, vouches for valid instances without the library
	// (see fast.go); whatever it does not accept goes to the schemas
	// above, which give the verdict and the violations.
	fast *fastPath

	// xml is the variant for documents decoded from XML (see XML); nil
	// for the official schema and for the variant itself.
	xml *xmlVariant
}

// CompileError reports that a schema could not be loaded or compiled.
type CompileError struct {
	Source string // the schema's location (file path or $id)
	Err    error
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("schemas: compiling %s: %v", e.Source, e.Err)
}

func (e *CompileError) Unwrap() error { return e.Err }

// Compile compiles Lotline's embedded EPCIS 2.0 schema with Go's regexp
// engine and format assertions enabled.
func Compile() (*Validator, error) {
	v, err := compileEmbedded(nil)
	if err != nil {
		return nil, err
	}
	v.xml = &xmlVariant{}
	return v, nil
}

// compileEmbedded compiles the embedded schema, edited by edit when it is
// not nil.
func compileEmbedded(edit func(doc any) error) (*Validator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, &CompileError{Source: SchemaID, Err: err}
	}
	if edit != nil {
		if err := edit(doc); err != nil {
			return nil, &CompileError{Source: SchemaID, Err: err}
		}
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileRE2)
	c.UseLoader(noLoader{})
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, &CompileError{Source: SchemaID, Err: err}
	}
	v, err := compileAll(c, SchemaID, SchemaID,
		SchemaID+"#/$defs/document",
		SchemaID+"#/$defs/standaloneEvent",
		SchemaID+"#/$defs/event")
	if err != nil {
		return nil, err
	}
	if v.fast, err = newFastPath(c, doc); err != nil {
		return nil, &CompileError{Source: SchemaID, Err: err}
	}
	return v, nil
}

// MustCompile is like [Compile] but panics on error. The embedded schema is
// covered by tests, so an error here is a programming error.
func MustCompile() *Validator {
	v, err := Compile()
	if err != nil {
		panic(err)
	}
	return v
}

// CompileOfficial compiles GS1's EPCIS 2.0 JSON Schema (draft-07) from the
// file at path, with a regexp2 engine for its look-ahead patterns. It exists
// for the agreement test and the speed baseline; production code uses
// [Compile].
//
// Document, Event and Instance all validate against the schema's root, which
// dispatches on "type" itself; ListedEvent uses
// #/definitions/EPCIS-Document-Event.
func CompileOfficial(path string) (*Validator, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &CompileError{Source: path, Err: err}
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, &CompileError{Source: path, Err: err}
	}
	loc := "file:///" + filepath.ToSlash(filepath.Clean(path))
	if m, ok := doc.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok && id != "" {
			loc = id
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseRegexpEngine(compileRegexp2)
	c.UseLoader(noLoader{})
	if err := c.AddResource(loc, doc); err != nil {
		return nil, &CompileError{Source: path, Err: err}
	}
	return compileAll(c, path, loc, loc, loc, loc+"#/definitions/EPCIS-Document-Event")
}

func compileAll(c *jsonschema.Compiler, source, root, document, event, listed string) (*Validator, error) {
	var v Validator
	for _, x := range []struct {
		dst **jsonschema.Schema
		loc string
	}{{&v.root, root}, {&v.document, document}, {&v.event, event}, {&v.listedEvent, listed}} {
		s, err := c.Compile(x.loc)
		if err != nil {
			return nil, &CompileError{Source: source, Err: err}
		}
		*x.dst = s
	}
	return &v, nil
}

// Document validates a whole EPCISDocument (the capture payload). It returns
// nil when the document is valid.
//
// When everything but the events is valid, only the events the fast path
// does not vouch for are given to the library, one by one, so that one bad
// event costs what one event costs; the violations are the same as for the
// whole document.
func (v *Validator) Document(doc any) []Violation {
	if v.fast == nil {
		return check(v.document, doc)
	}
	events, ok := v.fast.documentShell(doc)
	if !ok {
		return check(v.document, doc)
	}
	var out []Violation
	for i, ev := range events {
		if v.fast.event(ev) {
			continue
		}
		if err := v.listedEvent.Validate(ev); err != nil {
			out = unsorted(err, "/epcisBody/eventList/"+strconv.Itoa(i), out)
		}
	}
	if out == nil {
		return nil
	}
	return sortViolations(out)
}

// Event validates a single event sent on its own (for example the body of
// POST /events); like every top-level JSON-LD object it must carry
// "@context".
func (v *Validator) Event(ev any) []Violation {
	if v.fast != nil && v.fast.standaloneEvent(ev) {
		return nil
	}
	return check(v.event, ev)
}

// ListedEvent validates one event as it appears inside an eventList, where
// "@context" is optional.
func (v *Validator) ListedEvent(ev any) []Violation {
	if v.fast != nil && v.fast.event(ev) {
		return nil
	}
	return check(v.listedEvent, ev)
}

// Instance validates any top-level form the JSON binding defines: an
// EPCISDocument, an EPCISQueryDocument or a single event with "@context".
func (v *Validator) Instance(x any) []Violation {
	if v.fast != nil && v.fast.instance(x) {
		return nil
	}
	return check(v.root, x)
}

func check(s *jsonschema.Schema, x any) []Violation {
	err := s.Validate(x)
	if err == nil {
		return nil
	}
	return flatten(err)
}

// MeasureRate validates doc, which holds events events, with v.Document
// repeatedly for at least d and returns the rate in events per second. It
// is meant for a benchmark command; tests use testing.B.
func MeasureRate(v *Validator, doc any, events int, d time.Duration) float64 {
	start := time.Now()
	n := 0
	for {
		v.Document(doc)
		n++
		if el := time.Since(start); el >= d {
			return float64(n*events) / el.Seconds()
		}
	}
}

// noLoader refuses to fetch anything: both schemas are self-contained, and
// the metaschemas are built into the library.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refusing to load %s: schemas must be self-contained", url)
}

// regexp2Regexp adapts regexp2 (ECMAScript flavour, with look-around) to
// jsonschema.Regexp.
type regexp2Regexp regexp2.Regexp

func (re *regexp2Regexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *regexp2Regexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileRegexp2(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return (*regexp2Regexp)(re), nil
}
