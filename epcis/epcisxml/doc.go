// Package epcisxml is the XML binding of EPCIS: it reads EPCIS 2.0 and 1.2
// XML into the JSON-LD tree Lotline captures, and writes that tree as EPCIS
// 2.0 XML. It owns the mapping between the two bindings (names.go holds
// the element table both directions read); it does not validate events
// against the JSON Schema or the semantic rules, store them, or hash them:
// the decoded tree goes through the same schemas.Validator, epcis.Validate
// and eventhash as a JSON-LD document, so an XML event and its JSON-LD twin
// are stored, queried and hashed alike.
//
// # Decoding
//
// [Decode] returns a [Decoded] whose Tree has the form epcis.DecodeJSON
// returns (map[string]any, []any, string, json.Number, bool, nil). Root
// and Version say what the source was (EPCISDocument, EPCISQueryDocument
// or a bare event; "2.0" or "1.2"); the tree is EPCIS 2.0 in every case,
// with schemaVersion "2.0". [Decoded.XPath] turns a JSON pointer into the
// tree (from a validation error, say) back into the XPath-like location in
// the source, such as /EPCISDocument/EPCISBody/EventList/ObjectEvent[4]/
// epcList/epc[2].
//
// The mapping follows the JSON and XML bindings of the EPCIS 2.0 standard:
//
//   - Element names are JSON keys; lists lose their item elements (epcList/
//     epc -> ["..."], quantityList/quantityElement -> [{epcClass, quantity,
//     uom}], bizTransactionList/bizTransaction[@type] -> [{type,
//     bizTransaction}], sourceList and destinationList likewise, readPoint/
//     id -> {id}, persistentDisposition -> {unset: [], set: []},
//     errorDeclaration/correctiveEventIDs/correctiveEventID -> [...]);
//     sensorMetadata and sensorReport attributes become members.
//   - Standard CBV values (bizStep, disposition, the types of business
//     transactions, sources and destinations, error reasons, sensor types,
//     alert types and components) are written as their bare words, as the
//     JSON binding requires ("urn:epcglobal:cbv:bizstep:shipping" ->
//     "shipping", "gs1:Temperature" -> "Temperature"); other values, which
//     are URIs, are kept.
//   - Numbers: xsd:decimal (quantity) and xsd:double (sensor values) become
//     json.Number in JSON's grammar ("+007.50" -> 7.50, ".5" -> 0.5);
//     xsd:boolean becomes a bool. INF and NaN, which JSON cannot hold, are
//     refused. The text of an extension element becomes a json.Number when
//     it is a number in JSON's own grammar (no "+", no leading zero, finite)
//     and stays a string otherwise: "12.5" -> 12.5, "0042" -> "0042", "true"
//     -> "true". An XML text cannot say which its author meant; this is the
//     reading the JSON twins among GS1's and openepcis' examples agree with,
//     and the event hash treats a number and its text alike. An element
//     with an xsi:type naming a built-in XML Schema type (as the encoder
//     writes it) is read by that type instead: xsd:string keeps "10" a
//     string, xsd:boolean gives true or false, a numeric type a number.
//   - Extension elements (xsd:any namespace="##other") become "prefix:name"
//     members, with the prefix the document declared for the namespace; a
//     namespace bound only as a default namespace, or a prefix bound to two
//     namespaces, gets an invented prefix (ns1, ns2, ...). Each prefix used
//     is declared in the tree's @context after the standard context, except
//     the prefixes the standard context defines (cbvmda for
//     urn:epcglobal:cbv:mda, gs1, ...), which are used as they are.
//     Unqualified children of an extension element keep their bare name;
//     repeated siblings become an array; an element with children becomes
//     an object; attributes of an extension element become members, and its
//     text then the member "#text". Text is trimmed of the white space
//     that indentation puts around it. An empty extension element is "". Text
//     beside child elements (mixed content) is refused: JSON-LD has no form
//     for it. In 2.0, the children of <baseExtension> and of an event's
//     <extension> are extension elements and become top-level members.
//   - The Standard Business Document Header is kept, as the extension
//     member "sbdh:StandardBusinessDocumentHeader" of epcisHeader (GS1's
//     JSON Schema admits any URI-named member there); master data
//     (EPCISHeader/extension/EPCISMasterData) becomes
//     epcisHeader.epcisMasterData.vocabularyList[].{type,
//     vocabularyElementList[].{id, attributes[{id, attribute}], children}}.
//   - EPCIS 1.2 documents map to the same 2.0 events: eventID and
//     errorDeclaration come out of baseExtension, quantityList, sourceList,
//     destinationList, ilmd and childQuantityList out of the event's
//     extension, TransformationEvent out of EventList/extension; the 2.0
//     elements a 1.2 document carries in the innermost extension
//     (sensorElementList, persistentDisposition, an AssociationEvent in
//     EventList/extension/extension) are taken from there. QuantityEvent,
//     removed in 2.0, is refused. A document in the 1.x namespace with
//     schemaVersion 2.x (as drafts of 2.0 wrote them) is read with the 2.0
//     layout. A bare event has no namespace to tell its version: the 2.0
//     layout is tried first, then the 1.2 one.
//
// # Validation
//
// Go has no XSD validator, so the decoder enforces what the XSDs
// (EPCglobal-epcis-2_0.xsd, EPCglobal-epcis-1_2.xsd) say of the EPCIS
// elements: the order of every xsd:sequence, required elements and
// attributes, maxOccurs, xsd:dateTime with a time zone, xsd:decimal,
// xsd:double, xsd:boolean, xsd:hexBinary, the action enumeration, and that
// extension elements are in a namespace of their own: an unqualified or
// EPCIS-namespace element the XSD does not define is refused, and so are
// EPCIS elements written with a namespace prefix below the root (the XSD
// makes them unqualified). Deliberate departures: a bare <!DOCTYPE name>
// is accepted (a dozen of GS1's examples carry one, and it can declare
// nothing); unqualified attributes on the document root, which the XSD's
// anyAttribute admits but JSON-LD cannot name, are dropped, and elsewhere
// refused (except on sensorMetadata and sensorReport, where they are kept
// as members, as GS1's examples use bizRules there); query documents may
// give queryName and subscriptionID in either order, or omit them. Errors
// are *epcis.Error values of kind KindValidation whose Pointer is the
// XPath-like location of the element or attribute at fault, also named in
// the message.
//
// Events are mapped as soon as their end tag is read and their elements
// dropped, so a document is refused at its first bad event and the
// element tree of a large document never holds more than one event. The
// location of an error in an event list being read therefore always
// gives the event's position (ObjectEvent[1]), its later siblings being
// unknown yet.
//
// XML is read by the package's own tokenizer (decode_scan.go), which
// gives the tokens encoding/xml's RawToken gives in strict mode, about
// three times faster; the tests hold it to encoding/xml on every XML file
// of the GS1 folder and in a differential fuzz test. It knows no DTD:
// any DOCTYPE with declarations or an external identifier, and any ENTITY
// directive, is refused before anything could be expanded or fetched
// (billion laughs and external entities are a 400, never a hang); Limits
// bound nesting depth, element count, text and attribute size and
// attributes per element; a declared encoding other than UTF-8 or US-ASCII
// is refused.
package epcisxml
