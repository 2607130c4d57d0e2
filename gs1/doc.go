// Package gs1 parses, validates, formats and translates the GS1 identifiers
// that appear in EPCIS 2.0 documents.
//
// It owns three syntaxes for the same identifiers:
//
//   - EPC pure identity URNs of the GS1 Tag Data Standard (TDS):
//     urn:epc:id:sgtin:0614141.812345.6789, the class-level
//     urn:epc:class:lgtin:4012345.012345.Lot987 and the patterns
//     urn:epc:idpat:sgtin:4012345.012345.* (type [Pattern]);
//   - GS1 Digital Link URIs on any host, https://example.com/01/04012345123456/21/987;
//   - GS1 element strings, (01)04012345123456(21)987 (type [ElementString]).
//
// A parsed identifier is an [EPC]. It stores the GS1 key in its element-string
// form (GTIN-14, SSCC-18, GLN-13, ...) plus the serial (or extension, or lot)
// component, so it is the same value whichever syntax it came from, except
// for [EPC.PrefixLen]: a Digital Link does not say how long the GS1 Company
// Prefix is, and a URN cannot be written without it. [PrefixTable] supplies
// that length from GS1's published prefix-length list and from prefixes seen
// in URN form; when it is still unknown, [EPC.URN] returns an error wrapping
// [ErrUnknownPrefixLength]. Nothing is ever guessed.
//
// [EPC.Canonical] is the matching key: the canonical Digital Link
// (https://id.gs1.org/...). It needs no prefix table, so an identifier
// captured as a URN and one captured as a Digital Link meet on the same key.
//
// Decisions a reader may question:
//
//   - Digital Link parsing follows the lenient rules of the CBV 2.0 event hash
//     normaliser: http or https, any host, any path prefix, the deprecated
//     short names (gtin, ser, lot, ...), GTIN-8/12/13 padded to GTIN-14, and
//     the key qualifiers that an EPC does not carry (CPV 22, and lot 10 when a
//     serial 21 is present) are accepted and dropped. Query strings and
//     fragments never take part in identity. Qualifiers out of the standard
//     order, unknown AIs, bad check digits and characters outside the AI's
//     character set are rejected.
//   - An identifier without its serial component (a product class
//     /01/{gtin}, urn:epc:idpat:sgtin:CP.IR.*, or likewise for GRAI, GDTI,
//     SGCN, CPI and ITIP) is a class-level [EPC] with an empty Serial;
//     [EPC.IsClass] reports it, as it does for LGTIN.
//   - An SGLN extension "0" means "no extension" (TDS); it is stored as an
//     empty Serial and written as ".0" in the URN and not at all in the
//     Digital Link.
//   - In URNs, the characters TDS requires to be escaped (" & / < > ? and #
//     in CPI references) are rejected when they appear raw; any %XX escape of
//     a valid character is accepted on input, and output uses TDS's escapes
//     only. Digital Links are written with every character outside the URI
//     unreserved set percent-encoded, as GS1's own Digital Link toolkits do.
//   - A GS1 Company Prefix of 4 to 12 digits is accepted (the General
//     Specifications' range); TDS binary encodings only cover 6 to 12, which
//     does not concern URNs.
//   - ITIP with a lot and no serial, GLN with AI 7040, GSRN with AI 8019 and
//     GMN (8013) are valid Digital Links but have no EPC scheme: ParseDigitalLink
//     rejects them. Compressed Digital Links are not decoded.
//
// The package imports only the standard library. It does not know about
// EPCIS events or CBV vocabularies (see package cbv).
package gs1
