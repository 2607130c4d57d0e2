// Package lot builds a lot's batch record from stored events: the lot
// history of GET /lots/{lot}/history. It owns the identity of a lot (ID,
// Parse) and the walk from a lot to its events; it does not own HTTP,
// storage or the genealogy across lots (trace and recall).
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
package lot
