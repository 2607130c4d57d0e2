// Package schemas owns Lotline's EPCIS 2.0 JSON Schema and the validator
// compiled from it.
//
// The schema (epcis-2.0.schema.json, embedded) was written by this project
// from the EPCIS 2.0 and CBV 2.0 standards: field names, types, enumerations
// and patterns are facts of the standard, the structure and wording are our
// own. It uses JSON Schema draft 2020-12 and only RE2 patterns, so it runs on
// Go's regexp package; it is compiled once with
// github.com/santhosh-tekuri/jsonschema/v6 with format assertions on.
//
// A test checks that this schema and GS1's ratified schema
// (epcis-json-schema.json, read from ../shared/gs1 and never copied here)
// give the same verdict on every EPCIS document among the GS1 examples and
// the third-party valid and invalid fixtures; the few deliberate differences
// are listed in agreement_test.go with their reasons. [CompileOfficial] loads
// GS1's schema (which needs look-ahead, hence a regexp2 engine) for that test
// and for the speed baseline only; production code uses [Compile].
//
// Where the two schemas differ by design (no fixture exercises either; see
// agreementExempt in the tests):
//
//   - Extension member names are checked with the RE2 pattern
//     ^[A-Za-z][A-Za-z0-9+.-]*: (a URI scheme or namespace prefix, then ':')
//     through patternProperties, where GS1's schema parses each name as a
//     URI with format "uri". They disagree only on names whose part after
//     the scheme net/url rejects (spaces or brackets in a host, bad
//     %-escapes, control characters).
//   - persistentDisposition is checked (set/unset lists of dispositions) on
//     every event type that may carry it; GS1's ratified schema checks it
//     only on ObjectEvent and TransformationEvent and lets any value through
//     on the other three.
//
// Both schemas reject a JSON-LD blank-node identifier such as "_:document1"
// as a document or event "id" (format "uri" wants an absolute URI), so many
// of GS1's own examples, which use one, are invalid against both.
//
// Validation has two stages. A plain-Go fast path (fast.go) mirrors the
// schema keyword by keyword and vouches for valid instances without
// allocating; it is only trusted to say "valid". Whatever it does not
// accept is validated by the compiled schema, which gives the verdict and
// the violations; for an EPCISDocument whose members other than the events
// are valid, only the events the fast path rejects are given to the
// library, one by one, with the same violations as for the whole document.
// Tests compare the fast path with the compiled schema on every fixture,
// on thousands of mutants and in fuzz targets, and the hand-written
// pattern matchers with Go's regexp on the schema's own pattern text; a
// change to the schema must be made in fast.go too, and those tests fail
// until both agree. The CBV and Web Vocabulary enumerations are read from
// the schema at compile time, so they are written down only there.
//
// Validation results are reported as a short list of [Violation]s: the
// library's error tree is flattened to its deepest relevant errors, each with
// a JSON pointer into the instance.
//
// This package does not decode JSON, check business rules that JSON Schema
// cannot express (EPC syntax, GS1 check digits, event hash IDs), or talk
// HTTP.
package schemas
