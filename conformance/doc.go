// Package conformance is a black-box test kit for EPCIS 2.0 repositories.
//
// It speaks to a server only through the standard's REST binding (the
// OpenAPI of EPCIS 2.0) with net/http and encoding/json, so it judges
// Lotline and any other EPCIS 2.0 server alike. It imports nothing from
// Lotline (a test enforces it) and its cases are written from the
// standard's text, each quoting the requirement it checks.
//
// Every case has a stable ID (CAP-001, QRY-EQ-bizStep-001, ...), an area,
// a level (MUST, SHOULD, MAY) and may be marked optional: an optional case
// is skipped, not failed, when the server says it does not support the
// feature. Cases capture their own events with identifiers fresh to the run
// (random GTIN item references, lots, serials and GLN extensions with valid
// check digits) and check query results against exactly those events, so
// the kit can run against a shared server holding other data.
//
// The package owns the cases, the HTTP client they use and the runner that
// turns results into a compliance matrix (text, JSON or JUnit XML). The
// `lotline conform` command is a thin front end to Run.
package conformance
