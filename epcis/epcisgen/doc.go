// Package epcisgen generates realistic, valid EPCIS 2.0 JSON-LD documents
// for benchmarks, load tests and differential tests.
//
// A [Generator] runs a small supply-chain simulation: a raw-material
// supplier, two manufacturers, a distributor and a retailer, each with a
// GS1 Company Prefix (of different lengths), a party GLN and sites with
// SGLNs in their own time zones. Production runs interleave; each one
//
//   - receives raw-material lots by quantity (ObjectEvent, LGTIN
//     quantityList, purchase order and despatch advice, sourceList and
//     destinationList);
//   - transforms them into a product lot (TransformationEvent with input and
//     output quantity lists and ILMD), made under the consumer unit's GTIN
//     (indicator digit 0), as many units as its cases hold;
//   - commissions 5 to 50 serialised cases per event under the case's own
//     GTIN (indicator digit 1, same GTIN-13 body, its own check digit;
//     ObjectEvent ADD with cbvmda:lotNumber and cbvmda:itemExpirationDate
//     in its ILMD);
//   - inspects them (a disposition of conformant, now and then
//     non_conformant);
//   - packs cases onto SSCC pallets (AggregationEvent ADD).
//
// About one run in four does not serialise its cases: it inspects by
// quantity and packs the pallets by quantity (childQuantityList), half of
// those counting consumer units of the lot's class, half cases of the
// lot's case-level class (indicator digit 1). Then every run
//   - stores the pallets in a cold room and ships them with temperature readings
//     (sensorElementList);
//   - receives them at the distributor, unpacks a pallet (AggregationEvent
//     DELETE) and ships part of the lot on to the retailer by quantity.
//
// Every identifier carries a valid check digit. One manufacturer writes its
// identifiers as GS1 Digital Links (https://id.gs1.org/01/{gtin}/21/{serial},
// /00/{sscc}, /01/{gtin}/10/{lot}); the others use EPC URNs. Event times
// increase strictly and serials never repeat, so no two generated events
// share a CBV event hash and a sequence of documents can be captured into
// one repository without clashes. Most events leave eventID out (the
// server assigns the event hash); about one in ten carries a urn:uuid:.
//
// Each site has areas (goods receiving, production hall, cold room,
// backroom, ...) and read points in them, all SGLNs of the site's GLN: an
// event's bizLocation is the area of its read point. The first document's
// epcisHeader.epcisMasterData describes the world: every site as a
// BusinessLocation (name, address) whose children are its areas (site
// GLN, CBV sub-site type, temperature zone), every site as a ReadPoint
// whose children are its read points, and every product as an EPCClass.
// Three of the five finished products also describe their case as an
// EPCClass holding its case size of consumer units (6 to 24), in the
// attribute forms of package gs1/hierarchy (GDSN's
// nextLowerLevelTradeItemInformation for two, Lotline's https://lotline.dev/ns/contains for
// one); the other two leave the case to the indicator-digit convention.
// Each later document's header describes, as EPCClasses, the product lots
// made by its transformation events (lot number, expiry, production
// line).
//
// User extension fields are in the https://ns.example.com/epcis/
// namespace, declared in the document's @context under the prefix
// "example": [TemperatureZone] on the cold-chain events, [ProductionLine]
// in the ILMD of a lot, and [BatchTemperature] on about one event in
// eight.
//
// [NewWithOptions] with Options.Stages > 1 makes production multi-stage:
// raw material goes through intermediate lots (each a TransformationEvent
// consuming the lot of the stage before, sometimes with a leftover lot of
// an earlier run) before the finished product lot, so that finished lots
// sit Stages transformations from raw material. [Generator.TakeLots]
// reports each lot, with its depth, once the event making or receiving it
// has been handed out.
//
// The same seed always gives the same sequence of documents. Generators are
// not safe for concurrent use. Memory stays bounded however many events are
// generated, so one generator can feed a million-event benchmark.
//
// The package knows nothing about validation or storage; its tests prove
// that every document passes Lotline's capture validation.
package epcisgen
