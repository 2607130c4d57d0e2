// Package lot builds a lot's batch record from stored events (the lot
// history of GET /lots/{lot}/history), its genealogy across lots (the
// trace of GET /lots/{lot}/trace) and its recall isolation (GET
// /lots/{lot}/recall). It owns the identity of a lot (ID, Parse) and the
// walks from a lot to its events and to other lots; it does not own HTTP
// or storage.
//
// # The production lot family
//
// A lot is a GTIN and a lot number, but one production lot is labelled at
// several packaging levels, each under its own GTIN (eaches, cases). Every
// walk first resolves the lot's family (family.go): the lots of its lot
// number at the GTINs linked to its own, by the trade-item hierarchy of
// EPCClass master data (GDSN nextLowerLevelTradeItemInformation /
// childTradeItem with gtin and quantityOfNextLowerLevelTradeItem, or
// AttrContains), read once per walk; then, unless Options.NoInference, by
// the indicator-digit convention (same GTIN-13 body, indicator 1-8 over
// indicator 0) for GTINs master data says nothing about, a candidate
// joining only when an event names its lot; and by TransformationEvents
// that carry the lot number from a member's GTIN to another (repacks).
// All candidates are looked up in one batched lookup. Aggregations of one
// level's material into another level's serialised units add their
// eventIDs (and the quantity packed) to the link. Each link of Family
// lists its reasons; Inferred is set when the convention is the only one.
// History, Trace and Recall then treat every member as the lot: its
// classes and units are the lot's, every member is a start of the trace
// (linked by packaged-as edges), and the recall's affected set starts
// from all of them. Balance (balance.go) reconciles the family in base
// units.
//
// # What is about a lot
//
// History follows the index terms capture writes (see query.Terms), one
// batched lookup per step, never a scan:
//
//   - class: events naming the LGTIN in a quantity list (c=, ic=, oc=);
//   - units: the SGTINs with the lot's GTIN that an event whose ILMD gives
//     the lot number (cbvmda:lotNumber, the lt= term) commissions or makes,
//     and then every event naming one of those units in any role;
//   - containers: an AggregationEvent ADD whose children (childEPCs, or a
//     childQuantityList with the lot's class) include something held puts
//     its parent in the record from that eventTime until an AggregationEvent
//     DELETE of that parent naming the child, or naming no children (which
//     empties the parent), both ends inclusive. Events naming the parent
//     (parentID, epcList, childEPCs) within that span are in the record;
//     others are not, so a case shipped after the lot's units were taken
//     off it is not. Containers nest (a case on a pallet), up to
//     Options.MaxDepth levels, a child's span clipping its parent's;
//   - transformations: when an event with a transformationID makes the
//     lot, the other events of that transformation (its inputs);
//   - error declarations: a declaration stored beside an event of the
//     record (same eventID) is in the record and marks that event
//     Retracted; the events its correctiveEventIDs name are in the record.
//     A retracted aggregation opens or closes no container span when its
//     declaration was read before the containers were followed (as it is
//     when the declaration repeats the event, so carries its terms).
//
// The walk is bounded by Options: the events read (MaxEvents), the time
// (Timeout) and the nesting of containers (MaxDepth); beyond them History
// returns a QueryTooComplexException saying which limit was hit.
//
// # The record
//
// Entries lists every event of the record in eventTime order (then commit
// order), and Groups arranges them for a reviewer; an entry may appear in
// several groups, and an error declaration only in deviations:
//
//   - materialsConsumed: the inputs (EPCs, or classes with quantity and
//     unit) of TransformationEvents that make the lot or its units;
//   - processSteps: events whose bizStep is neither inspecting nor a
//     movement between parties, other than events that are in the record
//     only through a container; sensorData marks those carrying sensor
//     readings (process parameters);
//   - inspections: bizStep inspecting, with its disposition;
//   - deviations: disposition non_conformant, error declarations, retracted
//     events, and events carrying certificationInfo (certificates are
//     evidence a reviewer checks, so they are listed with the exceptions);
//   - release: events with disposition conformant, the quality decision
//     CBV offers (CBV has no "releasing" step); releaseStatus is the
//     disposition of the last conformant or non_conformant event not
//     declared in error;
//   - shipments: bizStep shipping, receiving, departing, arriving,
//     void_shipping;
//   - containers: aggregation events, and events in the record only
//     through a container.
//
// In JSON:
//
//	{"lot": "https://id.gs1.org/01/04012345123456/10/L123",
//	 "gtin": "04012345123456", "lotNumber": "L123",
//	 "units": ["https://id.gs1.org/01/04012345123456/21/1", ...],
//	 "containers": [{"id": "https://id.gs1.org/00/340123450000000017",
//	                 "held": [{"from": "...", "to": "..."}]}],
//	 "releaseStatus": "conformant",
//	 "groups": {"materialsConsumed": [{"eventID", "eventTime", "input", "quantity", "uom"}],
//	            "processSteps": [entry], "inspections": [...], "deviations": [...],
//	            "release": [...], "shipments": [...], "containers": [...]},
//	 "entries": [{"eventID", "type", "eventTime", "action", "bizStep", "disposition",
//	              "readPoint", "bizLocation", "why": ["unit https://..."],
//	              "sensorData", "certification", "retracted", "errorDeclaration"}]}
//
// bizStep and disposition are CBV bare names (inspecting, non_conformant)
// when standard.
//
// # The genealogy
//
// Trace walks from the lot one hop (transformation) per round, up to
// TraceOptions.Depth, backward, forward or both. Each round reads, in
// batched lookups for all the lots reached in the previous round: the
// events naming the lots as classes or giving their units' lot number,
// then those naming the units; forward, the containers (as History
// follows them, one lookup per level); the other events of the
// transformations found (by transformationID); the error declarations of
// those events; and the commissioning of serialised inputs or outputs, to
// group them into their lots. Backward follows transformations whose
// outputs are the lots to their inputs; forward, those whose inputs are
// the lots to their outputs. Edges follow the material:
//
//   - consumed-into: an input (lot, or item when no lot is known) to an
//     output of one transformation, proven by the events naming each;
//   - packed-into: a lot (its units or class) or a container to the
//     container an AggregationEvent ADD put it in while it was held;
//   - shipped-to: material (a lot, or a container while it held lot
//     material) to the parties and locations of the destinationList of a
//     shipping or departing event;
//   - received-at: material to the bizLocation and destinations of a
//     receiving or arriving event;
//   - supplied: an owning or possessing party of the sourceList of such an
//     event to the material.
//
// An event declared in error proves no edge, and a transformation so
// declared leads to no lot. Beyond MaxNodes, MaxEvents or Timeout, Trace
// returns a QueryTooComplexException naming the limit. In JSON, nodes
// sorted by kind then id, edges by kind, from, to:
//
//	{"lot": "https://id.gs1.org/01/04012345444445/10/FIN1",
//	 "direction": "both", "depth": 10,
//	 "nodes": [{"kind": "lot", "id": "https://id.gs1.org/01/...", "label": "FIN1 (GTIN 04012345444445)"},
//	           {"kind": "container" | "item" | "location" | "party", "id": "...", "label": "..."}],
//	 "edges": [{"kind": "consumed-into", "from": "...", "to": "...", "eventIDs": ["urn:uuid:..."]}],
//	 "counts": {"nodes": 13, "edges": 16, "lot": 4, "packed-into": 3, ...}}
//
// counts is added by the API.
//
// # The recall
//
// Recall isolates a lot. Affected are the nodes a forward Trace reaches
// from the lot along its edges: the lot; the lots made from it, to
// RecallOptions.Depth transformations; the containers its material, or a
// made lot's, was packed into while held; and the locations and parties
// that material was shipped to or received at. A supplier of the lot
// (the from side of supplied) is not reached, so not affected. Each node
// lists the eventIDs of the edges reaching it (for the lot: of its own
// edges); each lot its quantities in the quantity lists of its edges'
// events, either way (made, moved, consumed).
//
// The other lots of the product are those of its GTIN that any event
// names: LGTIN classes in quantity lists and ILMD lot numbers of its
// SGTINs, read from the store's lot listing (store.ValueLot, recorded at
// capture) as one range; at most MaxOthers, in canonical order by lot
// number. They are each affected, with a reason, when: made from the
// recalled lot (in the affected set); made from an input lot or item the
// recalled lot was also made from, at any depth (their backward genealogies share a node;
// via names it, eventIDs the transformation consuming it); or packed
// into an affected container (co-packed, a conservative answer: the
// container's spans are not compared). Otherwise they are not affected,
// "no transformation shares an input lot with the recalled lot, and it
// was not packed in an affected container". All of them are assessed by
// one backward trace from the recalled lot and the others together (one
// batched lookup per hop for every lot) and one forward walk of their
// own containers (no transformation followed) for those not yet found
// affected; Options.Timeout bounds the whole recall.
//
// events are the critical tracking events: the events proving the
// affected set and the lot's batch record, not retracted, in eventTime
// (then eventID) order, each with the affected lots it is about.
//
//	{"lot": "https://id.gs1.org/01/04012345444445/10/FIN1", "gtin": "04012345444445", "lotNumber": "FIN1",
//	 "affected": {"lots": [{"id", "label", "eventIDs": [...],
//	                        "quantities": [{"eventID", "list": "outputQuantityList", "quantity": 3, "uom"}]}],
//	              "items": [...], "containers": [...], "locations": [...], "parties": [...]},
//	 "sameProduct": [{"lot", "lotNumber": "FIN2", "affected": true,
//	                  "reason": "made from an input lot the recalled lot was also made from",
//	                  "via": "https://id.gs1.org/01/04012345111118/10/RA1", "eventIDs": [...]}],
//	 "othersNotAssessed": 0,
//	 "events": [{"eventID", "cte": "shipping", "type": "ObjectEvent", "eventTime": "2024-03-01T12:00:00+01:00",
//	             "traceabilityLotCodes": [...], "products": [...], "quantities": ["2"], "units": ["EA"],
//	             "location", "referenceDocuments": ["po:urn:epcglobal:cbv:bt:..."],
//	             "sources": [...], "destinations": [...]}]}
//
// Rows gives events as the FSMA 204 sortable spreadsheet under CSVHeader:
// Traceability Lot Code, Product (master-data description of the
// product class, else of a lot, else the GTIN), Quantity, Unit of
// Measure, Location (bizLocation, else readPoint), Date, Reference
// Documents, Source, Destination, Critical Tracking Event (receiving,
// shipping, transformation, else the bizStep), EPCIS Event Type, Event
// ID; lists are joined by "; ".
package lot
