// Package eventhash computes the CBV 2.0 canonical event hash of an EPCIS
// 2.0 event: the "EPCIS Event Hash ID" of the form
//
//	ni:///sha-256;<64 lowercase hex>?ver=CBV2.0
//
// The hash is the SHA-256 digest of a canonical pre-hash string. The
// pre-hash string lists the event's fields in the canonical property order
// of CBV 2.0 (eventType, eventTime, eventTimeZoneOffset, the EPC and
// quantity lists, action, transformationID, bizStep, disposition,
// persistentDisposition, readPoint, bizLocation, sensorElementList), then
// every other field (business transactions, sources, destinations, ILMD
// and user extensions) sorted, with each value normalised:
//
//   - timestamps in UTC, rounded half-up to milliseconds ("…T10:00:30.000Z");
//   - numbers without trailing zeros ("1.0" → "1");
//   - EPC URIs, EPC class and pattern URIs and GS1 Digital Link URIs as
//     constrained canonical GS1 Digital Link URIs (https://id.gs1.org/…);
//   - CBV URNs and bare CBV terms ("shipping") as CBV Web URIs
//     (https://ref.gs1.org/cbv/BizStep-shipping), CURIEs of the GS1
//     vocabularies expanded;
//   - user extension keys as "{namespace IRI}localName".
//
// eventID, recordTime, errorDeclaration and comments are not part of the
// hash, so a server can assign the hash as the eventID of an event
// captured without one, and recognise a resent event as a duplicate.
//
// The reference is the epcis-event-hash-generator (RalphTro); this
// package is checked against its published test vectors. Where the
// reference's behaviour is accidental (see the package tests and the
// README of the vectors) this package follows the vectors' hashes.
//
// The package owns the hash only: it does not validate events (package
// epcis does) and does not parse the XML binding.
package eventhash
