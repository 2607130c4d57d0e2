package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	refM1        = "EPCIS 2.0 Conformance Requirements (draft), M1 (§7.2)"
	reqM1        = "Ability to provide events in all five event types, with data in each standard field."
	refIdentical = "EPCIS §8.2.7.1 (SimpleEventQuery)"
	reqIdentical = "When returning events that were captured via the EPCIS Capture Interface, each event that is selected to be returned shall be identical to the originally captured event, subject to the provisions of authorization, the inclusion of the recordTime field, and any necessary conversions to and from an abstract internal representation."
	refCapture   = "EPCIS 2.0 OpenAPI, POST /capture"
	refCapJob    = "EPCIS 2.0 OpenAPI, components.schemas.CaptureJob"
	reqCapJob    = "A capture job document has at least the following properties: `running` [...], `success` [...], `captureErrorBehaviour` [...], `errors` or `errorFile`: with the errors if `success` is `false`."
	refBehave    = "EPCIS 2.0 OpenAPI, header GS1-Capture-Error-Behaviour"
	reqRollback  = "`rollback`: \"All or nothing\". Either the capture job is entirely successful or all EPCIS events are rejected. [...] The default behaviour is `rollback`, as in EPCIS 1.2."
	reqProceed   = "`proceed`: \"Greedy capture\". The capture interface tries to capture as many EPCIS events as possible, even if there are errors."
	refTCR54     = "EPCIS 2.0 Conformance Requirements (draft), TCR-54 AssociationEvent"
	refTCR53     = "EPCIS 2.0 Conformance Requirements (draft), TCR-53 SensorElement, step 29"
)

func captureCases() []Case {
	cs := []Case{}
	for i, typ := range []string{"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"} {
		cs = append(cs, Case{
			ID: fmt.Sprintf("CAP-%03d", i+1), Area: "capture", Level: Must, Ref: refM1 + "; " + refIdentical, Requirement: reqM1 + " " + reqIdentical,
			Title: "capture a " + typ + " with its standard fields and read it back by eventID",
			Run: func(ctx context.Context, c *Client) error {
				f := newFixture(c)
				e := richEvent(f, typ)
				if err := f.capture(ctx, e); err != nil {
					return err
				}
				got, ns, err := readEvent(ctx, c, eventID(e))
				if err != nil {
					return err
				}
				return sameFields(e, got, ns)
			},
		})
	}
	cs = append(cs,
		Case{ID: "CAP-006", Area: "capture", Level: Must, Ref: refCapture + " 202; " + refCapJob, Requirement: "Successfully received one or more EPCIS events. The request returns a unique capture job URL in the Location header. " + reqCapJob,
			Title: "POST /capture answers 202 with a Location whose job reports running, success and captureErrorBehaviour (rollback by default)",
			Run:   capJobShape},
		Case{ID: "CAP-007", Area: "capture", Level: Must, Ref: refBehave, Requirement: reqRollback,
			Title: "rollback: a document with one failing event stores none of its events", Run: captureRollback},
		Case{ID: "CAP-008", Area: "capture", Level: Must, Optional: true, Ref: refBehave, Requirement: reqProceed + " `all`: This is to be used only by the server to announce it supports both `rollback` and `proceed`.",
			Title: "proceed: a document with one failing event stores the others and the job reports success=false with errors", Run: captureProceed},
		Case{ID: "CAP-009", Area: "capture", Level: Must, Ref: "EPCIS 2.0 OpenAPI, POST /events 201",
			Requirement: "Successfully created (captured) the EPCIS event. The request returns the URL of newly created EPCIS event in the Location header.",
			Title:       "POST /events captures one event and its Location leads to it", Run: postSingleEvent},
		Case{ID: "CAP-010", Area: "capture", Level: Must, Ref: "EPCIS 2.0 OpenAPI, POST /events 409 (409ResourceAlreadyExistsException)",
			Requirement: "409: epcisException:ResourceAlreadyExistsException",
			Title:       "POST /events with the eventID of a stored event is refused with 409 ResourceAlreadyExistsException", Run: duplicateEventID},
		Case{ID: "CAP-011", Area: "capture", Level: Should, Ref: refCapture,
			Requirement: "EPCIS 2.0 keeps event IDs optional. If event IDs are missing, the server should populate the event ID with a unique value.",
			Title:       "an event captured without eventID gets one", Run: assignsEventID},
		Case{ID: "CAP-012", Area: "capture", Level: Must, Ref: "EPCIS §7.4.1 (recordTime); " + refIdentical,
			Requirement: "Paraphrase of §7.4.1: recordTime is the date and time at which the event was recorded by the EPCIS repository; a value sent to the capture interface is ignored, and the field is present on events retrieved through the query interface. Verbatim (§8.2.7.1): " + reqIdentical,
			Title:       "the server sets recordTime and ignores a recordTime sent at capture", Run: recordTimeSet},
		Case{ID: "CAP-013", Area: "capture", Level: Should, Ref: "EPCIS 2.0 OpenAPI, OPTIONS /capture (204CaptureEndpointDiscovery)",
			Requirement: "It describes [...] the maximum payload size as count of EPCIS events (`GS1-EPCIS-Capture-Limit` header) or as a maximum payload size in bytes (`GS1-EPCIS-Capture-File-Size-Limit` header) - what the server will do if an error occurred during capture (`GS1-Capture-Error-Behaviour` header).",
			Title:       "OPTIONS /capture announces the capture limits and error behaviours", Run: captureOptions},
		Case{ID: "CAP-014", Area: "capture", Level: Must, Ref: "EPCIS 2.0 OpenAPI, POST /capture 413 (413CapturePayloadTooLarge)",
			Requirement: "The server can specify a capture limit (number of EPCIS events) [...] 413: epcisException:CaptureLimitExceededException",
			Title:       "a document with more events than GS1-EPCIS-Capture-Limit is refused with 413 CaptureLimitExceededException", Run: captureCountLimit},
		Case{ID: "CAP-015", Area: "capture", Level: Must, Ref: "EPCIS 2.0 OpenAPI, POST /capture 413 (413CapturePayloadTooLarge)",
			Requirement: "GS1-EPCIS-Capture-File-Size-Limit: The maximum event document length in octets (8-bit bytes) for capture operations. [...] 413: epcisException:CaptureLimitExceededException",
			Title:       "a document longer than GS1-EPCIS-Capture-File-Size-Limit is refused with 413", Run: captureSizeLimit},
		Case{ID: "CAP-016", Area: "capture", Level: Must, Ref: "EPCIS §7.4.1.2 (ErrorDeclaration); OpenAPI components.parameters.EXISTS_errorDeclaration",
			Requirement: "Paraphrase of §7.4.1.2: an error declaration is captured as an event carrying the eventID of the erroneous event and an errorDeclaration (declarationTime, reason, correctiveEventIDs). Verbatim (OpenAPI EXISTS_errorDeclaration): If this parameter is specified (and has a value of true), the result will only include events that contain an `ErrorDeclaration`.",
			Title:       "an error declaration of a stored event (same eventID) is captured and returned with its errorDeclaration", Run: errorDeclarationCapture},
		Case{ID: "CAP-017", Area: "capture", Level: Must, Ref: refTCR54 + ", step 2",
			Requirement: "Capture an EPCIS document with an `AssociationEvent` where `parentID` is populated with a physical location identifier. The capture interface accepts the EPCIS document. Confirm that the system contains the captured event.",
			Title:       "an AssociationEvent whose parentID is a location (SGLN) is accepted", Run: associationLocationParent},
		Case{ID: "CAP-018", Area: "capture", Level: Must, Ref: refTCR54 + ", step 3",
			Requirement: "Capture an EPCIS document with an `AssociationEvent` where `action` is either `ADD` or `DELETE` and the `parentID` field is omitted. The capture interface does not accept the EPCIS document.",
			Title:       "an AssociationEvent ADD without parentID is refused", Run: associationNoParent},
		Case{ID: "CAP-019", Area: "capture", Level: Must, Ref: refTCR54 + ", step 4",
			Requirement: "Capture an EPCIS document with an `AssociationEvent` where `action` is either `ADD` or `OBSERVE` and both `childEPCs` and `childQuantityList` are omitted. The capture interface does not accept the EPCIS document.",
			Title:       "an AssociationEvent ADD without childEPCs and childQuantityList is refused", Run: associationNoChildren},
		Case{ID: "CAP-020", Area: "capture", Level: Must, Ref: refTCR53,
			Requirement: "Capture 'set3' of events [one event where inline attributes `dataProcessingMethod`, `deviceID`, ... appear both in the `sensorMetadata` element as well as in the `sensorReport` element]. The capture interface does not accept the EPCIS document.",
			Title:       "a sensorElement naming different deviceIDs in sensorMetadata and sensorReport is refused", Run: sensorBothLevels},
		Case{ID: "CAP-021", Area: "capture", Level: Should, Ref: refCapture,
			Requirement: "This endpoint should support both `EPCISDocument` and `EPCISQueryDocument` as input.",
			Title:       "an EPCISQueryDocument is accepted as capture input", Run: captureQueryDocument},
		Case{ID: "CAP-022", Area: "capture", Level: Must, Ref: "EPCIS 2.0 OpenAPI, GET /capture and GET /capture/{captureID}",
			Requirement: "This endpoint returns all capture jobs that were created and supports pagination. [...] This endpoint exposes the state of the capture job to the client.",
			Title:       "GET /capture lists capture jobs as CaptureJob objects", Run: listJobs},
		Case{ID: "CAP-024", Area: "capture", Level: Must, Ref: "EPCIS 2.0 OpenAPI, GET /events/{eventID}",
			Requirement: "This endpoint accesses individual events using their unique identifier. The response body is an `EPCISQueryDocument` enclosing the unique event and error declarations.",
			Title:       "GET /events/{eventID} of an event with an error declaration returns the event and its declaration", Run: eventWithDeclaration},
		Case{ID: "CAP-023", Area: "capture", Level: Must, Ref: "EPCIS 2.0 Conformance Requirements (draft), M121 (§7.3.5.5)",
			Requirement: "A sensorElement parent element (...) MUST contain one or more sensorReport elements.",
			Title:       "a sensorElement without sensorReport is refused", Run: sensorNoReport},
	)
	return cs
}

// richEvent builds an event of the type with data in its standard fields
// (M1), all identifiers fresh.
func richEvent(f *fixture, typ string) ev {
	ids := f.c.ids
	g := ids.GTIN()
	loc := ids.Location()
	lot := ids.Name()
	sscc, _ := ids.SSCC()
	common := func(e ev) ev {
		return with(e, "bizStep", "shipping", "disposition", "in_transit",
			"bizLocation", map[string]any{"id": loc.SGLN("0")},
			"bizTransactionList", []any{map[string]any{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:" + loc.GLN() + ":" + ids.Name()}})
	}
	switch typ {
	case "ObjectEvent":
		e := common(f.object("ADD", g.SGTIN(ids.Name()), g.SGTIN(ids.Name())))
		e["bizStep"], e["disposition"] = "commissioning", "active"
		e["quantityList"] = []any{qty(g.LGTIN(lot), 12.5, "KGM")}
		e["ilmd"] = map[string]any{"example:grade": "A"}
		e["sourceList"] = []any{map[string]any{"type": "owning_party", "source": loc.PGLN()}}
		e["destinationList"] = []any{map[string]any{"type": "owning_party", "destination": ids.Location().PGLN()}}
		e["persistentDisposition"] = map[string]any{"set": []any{"completeness_verified"}}
		return e
	case "AggregationEvent":
		e := common(f.event(typ))
		e["action"], e["bizStep"], e["disposition"] = "ADD", "packing", "in_progress"
		e["parentID"] = sscc
		e["childEPCs"] = []any{g.SGTIN(ids.Name())}
		e["childQuantityList"] = []any{qty(g.LGTIN(lot), 3, "")}
		return e
	case "TransactionEvent":
		e := common(f.event(typ))
		e["action"] = "ADD"
		e["parentID"] = sscc
		e["epcList"] = []any{g.SGTIN(ids.Name())}
		e["quantityList"] = []any{qty(g.LGTIN(lot), 4, "")}
		return e
	case "TransformationEvent":
		e := f.event(typ)
		out := ids.GTIN()
		e["bizStep"], e["disposition"] = "commissioning", "active"
		e["transformationID"] = "urn:uuid:" + strings.TrimPrefix(ids.EventID(), "urn:uuid:")
		e["inputEPCList"] = []any{g.SGTIN(ids.Name())}
		e["inputQuantityList"] = []any{qty(g.LGTIN(lot), 10, "KGM")}
		e["outputEPCList"] = []any{out.SGTIN(ids.Name())}
		e["outputQuantityList"] = []any{qty(out.LGTIN(ids.Name()), 2, "")}
		e["bizLocation"] = map[string]any{"id": loc.SGLN("0")}
		e["ilmd"] = map[string]any{"example:grade": "B"}
		return e
	default: // AssociationEvent
		e := f.event(typ)
		e["action"], e["bizStep"], e["disposition"] = "ADD", "assembling", "in_progress"
		e["parentID"] = "urn:epc:id:grai:" + companyPrefix + ".12345." + ids.Name()
		e["childEPCs"] = []any{"urn:epc:id:giai:" + companyPrefix + "." + ids.Name()}
		e["childQuantityList"] = []any{qty(g.LGTIN(lot), 1, "")}
		e["bizLocation"] = map[string]any{"id": loc.SGLN("0")}
		return e
	}
}

// getEvent reads one event through GET /events/{eventID}.
func getEvent(ctx context.Context, c *Client, id string) (map[string]any, error) {
	e, _, err := readEvent(ctx, c, id)
	return e, err
}

// readEvent reads one event through GET /events/{eventID} and returns the
// JSON-LD prefixes in force for it (the document's and the event's own
// @context), so that extension fields can be compared by their IRIs.
func readEvent(ctx context.Context, c *Client, id string) (map[string]any, map[string]string, error) {
	r, err := c.Get(ctx, "/events/"+url.PathEscape(id))
	if err != nil {
		return nil, nil, err
	}
	if err := r.ExpectStatus(http.StatusOK); err != nil {
		return nil, nil, fmt.Errorf("GET /events/{eventID}: %w", err)
	}
	evs, err := r.Events()
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]any
	if err := r.JSON(&doc); err != nil {
		return nil, nil, err
	}
	for _, e := range evs {
		if eventID(e) == id {
			ns := prefixes(doc["@context"], nil)
			return e, prefixes(e["@context"], ns), nil
		}
	}
	return nil, nil, fmt.Errorf("GET /events/%s: the answer does not hold the event (%d events)", id, len(evs))
}

// prefixes adds the term definitions of a JSON-LD @context value (a string,
// an object or an array of them) that map a prefix to an IRI to a copy of
// base. Remote contexts are not fetched: the standard's context defines no
// prefix the kit sends.
func prefixes(ctx any, base map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	var add func(any)
	add = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, y := range x {
				add(y)
			}
		case map[string]any:
			for k, iri := range x {
				if s, ok := iri.(string); ok && !strings.HasPrefix(k, "@") {
					out[k] = s
				}
			}
		}
	}
	add(ctx)
	return out
}

// expandKey turns a compact IRI (prefix:local) into the full IRI when ns
// defines the prefix.
func expandKey(k string, ns map[string]string) string {
	if p, local, ok := strings.Cut(k, ":"); ok {
		if iri, ok := ns[p]; ok {
			return iri + local
		}
	}
	return k
}

// sameFields checks that the stored event keeps every field sent.
// Identifiers may come back as EPC URNs or GS1 Digital Link URIs (the
// OpenAPI's default GS1-EPC-Format is Digital Link), CBV values in any of
// their forms, and extension fields under any prefix of the same IRI (ns
// holds the answer's prefixes).
func sameFields(sent, got map[string]any, ns map[string]string) error {
	k := keys{sent: map[string]string{"example": extNS}, got: ns}
	for name, v := range sent {
		if name == "@context" {
			continue
		}
		gv, ok := k.lookup(got, name)
		if !ok {
			return fmt.Errorf("event %s: field %q missing from the stored event", eventID(sent), name)
		}
		if !k.equivalent(v, gv) {
			return fmt.Errorf("event %s: field %q is %s, sent %s", eventID(sent), name, compact(gv), compact(v))
		}
	}
	return nil
}

// keys compares field names of what the kit sent with those of an answer
// by their expanded IRIs.
type keys struct{ sent, got map[string]string }

func (k keys) lookup(got map[string]any, name string) (any, bool) {
	if v, ok := got[name]; ok {
		return v, true
	}
	want := expandKey(name, k.sent)
	for g, v := range got {
		if expandKey(g, k.got) == want {
			return v, true
		}
	}
	return nil, false
}

// equivalent compares JSON values by keys.equivalent with no prefixes.
func equivalent(a, b any) bool { return keys{}.equivalent(a, b) }

// equivalent compares JSON values: field names by their expanded IRIs,
// strings as sameValue does (instants, CBV forms, EPC URN and Digital
// Link), numbers by value (also when written as strings), lists in any
// order.
func (k keys) equivalent(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for name, x := range av {
			y, ok := k.lookup(bv, name)
			if !ok || !k.equivalent(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		used := make([]bool, len(bv))
	outer:
		for _, x := range av {
			for j, y := range bv {
				if !used[j] && k.equivalent(x, y) {
					used[j] = true
					continue outer
				}
			}
			return false
		}
		return true
	case string:
		bs, ok := b.(string)
		return ok && sameValue(av, bs)
	case float64:
		switch bv := b.(type) {
		case float64:
			return av == bv
		case string:
			f, err := strconv.ParseFloat(bv, 64)
			return err == nil && f == av
		}
		return false
	default:
		return a == b
	}
}

// sameValue compares two strings of an event: equal, the same instant, the
// same CBV value in bare-word/URI form, or the same EPC as URN and Digital
// Link.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if tb, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return ta.Equal(tb)
		}
	}
	if cbvBare(a) == cbvBare(b) {
		return true
	}
	if ka, ok := epcKey(a); ok {
		if kb, ok := epcKey(b); ok {
			return ka == kb
		}
	}
	return false
}

// cbvBare reduces a CBV value in any of its forms to its bare word.
func cbvBare(s string) string {
	for _, p := range []string{"https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-", "https://ref.gs1.org/cbv/BTT-",
		"https://ref.gs1.org/cbv/SDT-", "https://ref.gs1.org/cbv/ER-", "urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:",
		"urn:epcglobal:cbv:btt:", "urn:epcglobal:cbv:sdt:", "urn:epcglobal:cbv:er:", "gs1:", "cbv:BizStep-", "cbv:Disp-", "cbv:BTT-", "cbv:SDT-", "cbv:ER-"} {
		if r, ok := strings.CutPrefix(s, p); ok {
			return r
		}
	}
	return s
}

// epcKey gives the kinds of identifiers the kit sends (SGTIN, LGTIN, SSCC,
// SGLN, PGLN, GRAI, GIAI) one key in EPC URN and GS1 Digital Link form:
// the Digital Link path from its primary application identifier on.
func epcKey(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "urn:epc:id:sgtin:"), strings.HasPrefix(s, "urn:epc:class:lgtin:"):
		ai, rest := "/21/", strings.TrimPrefix(s, "urn:epc:id:sgtin:")
		if strings.HasPrefix(s, "urn:epc:class:") {
			ai, rest = "/10/", strings.TrimPrefix(s, "urn:epc:class:lgtin:")
		}
		parts := strings.SplitN(rest, ".", 3) // company prefix, indicator+item reference, serial or lot
		if len(parts) != 3 || parts[1] == "" {
			return "", false
		}
		d := parts[1][:1] + parts[0] + parts[1][1:]
		return "01/" + d + checkDigit(d) + ai + parts[2], true
	case strings.HasPrefix(s, "urn:epc:id:sscc:"):
		parts := strings.SplitN(strings.TrimPrefix(s, "urn:epc:id:sscc:"), ".", 2)
		if len(parts) != 2 || parts[1] == "" {
			return "", false
		}
		d := parts[1][:1] + parts[0] + parts[1][1:]
		return "00/" + d + checkDigit(d), true
	case strings.HasPrefix(s, "urn:epc:id:sgln:"):
		parts := strings.SplitN(strings.TrimPrefix(s, "urn:epc:id:sgln:"), ".", 3)
		if len(parts) != 3 {
			return "", false
		}
		k := "414/" + parts[0] + parts[1] + checkDigit(parts[0]+parts[1])
		if parts[2] != "0" {
			k += "/254/" + parts[2]
		}
		return k, true
	case strings.HasPrefix(s, "urn:epc:id:pgln:"):
		parts := strings.SplitN(strings.TrimPrefix(s, "urn:epc:id:pgln:"), ".", 2)
		if len(parts) != 2 {
			return "", false
		}
		return "417/" + parts[0] + parts[1] + checkDigit(parts[0]+parts[1]), true
	case strings.HasPrefix(s, "urn:epc:id:grai:"):
		parts := strings.SplitN(strings.TrimPrefix(s, "urn:epc:id:grai:"), ".", 3)
		if len(parts) != 3 {
			return "", false
		}
		d := "0" + parts[0] + parts[1]
		return "8003/" + d + checkDigit(d) + parts[2], true
	case strings.HasPrefix(s, "urn:epc:id:giai:"):
		parts := strings.SplitN(strings.TrimPrefix(s, "urn:epc:id:giai:"), ".", 2)
		if len(parts) != 2 {
			return "", false
		}
		return "8004/" + parts[0] + parts[1], true
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		for _, ai := range []string{"/01/", "/00/", "/414/", "/417/", "/8003/", "/8004/"} {
			if i := strings.Index(s, ai); i >= 0 {
				return s[i+1:], true
			}
		}
	}
	return "", false
}

// refused reports whether a capture was not accepted: refused at once
// with a 4xx, or its job finished with success=false. It fails when the
// document was accepted.
func refused(ctx context.Context, c *Client, doc any, hdr ...string) error {
	r, err := c.StartCapture(ctx, doc, hdr...)
	if err != nil {
		return err
	}
	if r.Status >= 400 && r.Status < 500 {
		return nil
	}
	if r.Status != http.StatusAccepted {
		return fmt.Errorf("POST /capture answered %d, want a 4xx or 202 and a failed job (body %s)", r.Status, snippet(r.Body))
	}
	j, err := c.WaitJob(ctx, r.Header.Get("Location"))
	if err != nil {
		return err
	}
	if j.Success {
		return errors.New("the document was accepted: its capture job succeeded")
	}
	return nil
}

// absent checks that no event with the eventID is stored.
func absent(ctx context.Context, c *Client, id string) error {
	evs, err := c.Events(ctx, q("EQ_eventID", id))
	if err != nil {
		return err
	}
	if len(evs) > 0 {
		return fmt.Errorf("event %s is stored", id)
	}
	return nil
}

func capJobShape(ctx context.Context, c *Client) error {
	f := newFixture(c)
	r, err := c.StartCapture(ctx, document(f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))))
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusAccepted); err != nil {
		return err
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return errors.New("202 without a Location header")
	}
	j, err := c.WaitJob(ctx, loc)
	if err != nil {
		return err
	}
	raw, err := c.Get(ctx, loc)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := raw.JSON(&m); err != nil {
		return err
	}
	for _, k := range []string{"running", "success", "captureErrorBehaviour"} {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("capture job %s has no %q property: %s", loc, k, snippet(raw.Body))
		}
	}
	if _, ok := m["errors"]; !ok {
		if _, ok := m["errorFile"]; !ok {
			return fmt.Errorf("capture job %s has neither errors nor errorFile: %s", loc, snippet(raw.Body))
		}
	}
	if !j.Success {
		return fmt.Errorf("capture job of a valid document failed: %s", rawList(j.Errors))
	}
	if j.CaptureErrorBehaviour != "rollback" {
		return fmt.Errorf("captureErrorBehaviour is %q without the header, want the default rollback", j.CaptureErrorBehaviour)
	}
	return nil
}

// conflictDoc returns a document whose first event is new and whose second
// repeats the eventID of an already stored event: a capture error no
// schema check can see before storing.
func conflictDoc(ctx context.Context, f *fixture) (doc any, fresh ev, err error) {
	g := f.c.ids.GTIN()
	stored := f.object("OBSERVE", g.SGTIN(f.c.ids.Name()))
	if err := f.capture(ctx, stored); err != nil {
		return nil, nil, err
	}
	fresh = f.object("OBSERVE", g.SGTIN(f.c.ids.Name()))
	dup := f.object("ADD", g.SGTIN(f.c.ids.Name()))
	dup["eventID"] = stored["eventID"]
	return document(fresh, dup), fresh, nil
}

func captureRollback(ctx context.Context, c *Client) error {
	f := newFixture(c)
	doc, fresh, err := conflictDoc(ctx, f)
	if err != nil {
		return err
	}
	if err := refused(ctx, c, doc, "GS1-Capture-Error-Behaviour", "rollback"); err != nil {
		return fmt.Errorf("a document repeating a stored eventID: %w", err)
	}
	return absent(ctx, c, eventID(fresh))
}

func captureProceed(ctx context.Context, c *Client) error {
	o, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/capture"})
	if err != nil {
		return err
	}
	if b := strings.ToLower(o.Header.Get("GS1-Capture-Error-Behaviour")); b != "" && !strings.Contains(b, "proceed") && !strings.Contains(b, "all") {
		return Skip("OPTIONS /capture announces GS1-Capture-Error-Behaviour %q: proceed is not supported", b)
	}
	f := newFixture(c)
	doc, fresh, err := conflictDoc(ctx, f)
	if err != nil {
		return err
	}
	r, err := c.StartCapture(ctx, doc, "GS1-Capture-Error-Behaviour", "proceed")
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusAccepted); err != nil {
		return fmt.Errorf("proceed capture: %w", err)
	}
	j, err := c.WaitJob(ctx, r.Header.Get("Location"))
	if err != nil {
		return err
	}
	if j.CaptureErrorBehaviour != "proceed" {
		return fmt.Errorf("job captureErrorBehaviour is %q, want proceed", j.CaptureErrorBehaviour)
	}
	if j.Success || (len(j.Errors) == 0 && j.ErrorFile == "") {
		return fmt.Errorf("job success=%v with %d errors, want success=false and the error of the repeated eventID", j.Success, len(j.Errors))
	}
	if _, err := getEvent(ctx, c, eventID(fresh)); err != nil {
		return fmt.Errorf("the valid event of a proceed capture was not stored: %w", err)
	}
	return nil
}

func postSingleEvent(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	r, err := c.PostJSON(ctx, "/events", with(e, "@context", []any{epcisContext}))
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return errors.New("201 without a Location header")
	}
	g, err := c.Get(ctx, loc)
	if err != nil {
		return err
	}
	if err := g.ExpectStatus(http.StatusOK); err != nil {
		return fmt.Errorf("GET Location %s: %w", loc, err)
	}
	evs, err := g.Events()
	if err != nil {
		return err
	}
	delete(e, "@context")
	return sameEvents(evs, e)
}

func duplicateEventID(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	again := f.object("ADD", c.ids.GTIN().SGTIN(c.ids.Name()))
	again["eventID"] = e["eventID"]
	r, err := c.PostJSON(ctx, "/events", with(again, "@context", []any{epcisContext}))
	if err != nil {
		return err
	}
	return r.ExpectProblem(http.StatusConflict, "ResourceAlreadyExistsException")
}

func assignsEventID(ctx context.Context, c *Client) error {
	f := newFixture(c)
	epc := c.ids.GTIN().SGTIN(c.ids.Name())
	e := f.object("OBSERVE", epc)
	delete(e, "eventID")
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	evs, err := f.query(ctx, q("MATCH_epc", epc))
	if err != nil {
		return err
	}
	if len(evs) != 1 {
		return fmt.Errorf("MATCH_epc of the captured EPC returned %d events, want 1", len(evs))
	}
	if eventID(evs[0]) == "" {
		return errors.New("the stored event has no eventID")
	}
	return nil
}

func recordTimeSet(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	e["recordTime"] = "2001-01-01T00:00:00Z"
	before := time.Now().Add(-time.Hour)
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	got, err := getEvent(ctx, c, eventID(e))
	if err != nil {
		return err
	}
	rt, _ := got["recordTime"].(string)
	t, err := time.Parse(time.RFC3339Nano, rt)
	if err != nil {
		return fmt.Errorf("recordTime %q of the stored event is not a date-time", rt)
	}
	if t.Before(before) {
		return fmt.Errorf("recordTime is %s: the server kept the value sent at capture instead of the time it recorded the event", rt)
	}
	return nil
}

func captureOptions(ctx context.Context, c *Client) error {
	r, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/capture"})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusNoContent, http.StatusOK); err != nil {
		return err
	}
	lim, size := r.Header.Get("GS1-EPCIS-Capture-Limit"), r.Header.Get("GS1-EPCIS-Capture-File-Size-Limit")
	if lim == "" && size == "" {
		return errors.New("neither GS1-EPCIS-Capture-Limit nor GS1-EPCIS-Capture-File-Size-Limit is announced")
	}
	for name, v := range map[string]string{"GS1-EPCIS-Capture-Limit": lim, "GS1-EPCIS-Capture-File-Size-Limit": size} {
		if n, err := strconv.ParseInt(v, 10, 64); v != "" && (err != nil || n <= 0) {
			return fmt.Errorf("%s is %q, want a positive integer", name, v)
		}
	}
	b := r.Header.Get("GS1-Capture-Error-Behaviour")
	if b == "" {
		return errors.New("GS1-Capture-Error-Behaviour is not announced")
	}
	for _, v := range strings.Split(b, ",") {
		if v = strings.TrimSpace(v); !slices.Contains([]string{"rollback", "proceed", "all"}, v) {
			return fmt.Errorf("GS1-Capture-Error-Behaviour announces %q, want rollback, proceed or all", v)
		}
	}
	return nil
}

func captureLimit(ctx context.Context, c *Client, header string) (int64, error) {
	r, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/capture"})
	if err != nil {
		return 0, err
	}
	v := r.Header.Get(header)
	if v == "" {
		return 0, Skip("the server announces no %s", header)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s is %q, want a positive integer", header, v)
	}
	return n, nil
}

func captureCountLimit(ctx context.Context, c *Client) error {
	n, err := captureLimit(ctx, c, "GS1-EPCIS-Capture-Limit")
	if err != nil {
		return err
	}
	if n > 100_000 {
		return Skip("GS1-EPCIS-Capture-Limit is %d: too many events to send in a test", n)
	}
	f := newFixture(c)
	g := c.ids.GTIN()
	events := make([]ev, n+1)
	for i := range events {
		events[i] = f.object("OBSERVE", g.SGTIN(c.ids.Name()))
	}
	r, err := c.StartCapture(ctx, document(events...))
	if err != nil {
		return err
	}
	if err := r.ExpectProblem(http.StatusRequestEntityTooLarge, "CaptureLimitExceededException"); err != nil {
		return fmt.Errorf("a document of %d events (limit %d): %w", n+1, n, err)
	}
	return absent(ctx, c, eventID(events[0]))
}

func captureSizeLimit(ctx context.Context, c *Client) error {
	n, err := captureLimit(ctx, c, "GS1-EPCIS-Capture-File-Size-Limit")
	if err != nil {
		return err
	}
	if n > 128<<20 {
		return Skip("GS1-EPCIS-Capture-File-Size-Limit is %d bytes: too large to send in a test", n)
	}
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	// One valid event whose extension field pads the document past the limit.
	e["example:padding"] = strings.Repeat("x", int(n))
	r, err := c.StartCapture(ctx, document(e))
	if err != nil {
		return err
	}
	if err := r.ExpectProblem(http.StatusRequestEntityTooLarge, ""); err != nil {
		return fmt.Errorf("a document of more than %d bytes: %w", n, err)
	}
	return absent(ctx, c, eventID(e))
}

// errorDeclared captures an event, then its error declaration (same
// eventID) naming a corrective event, and returns all three.
func errorDeclared(ctx context.Context, f *fixture) (orig, decl, corrective ev, err error) {
	g := f.c.ids.GTIN()
	orig = with(f.object("OBSERVE", g.SGTIN(f.c.ids.Name())), "bizStep", "shipping")
	if err := f.capture(ctx, orig); err != nil {
		return nil, nil, nil, err
	}
	corrective = with(f.object("OBSERVE", g.SGTIN(f.c.ids.Name())), "bizStep", "receiving")
	decl = ev{}
	for k, v := range orig {
		decl[k] = v
	}
	decl["errorDeclaration"] = map[string]any{
		"declarationTime":    time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"reason":             "incorrect_data",
		"correctiveEventIDs": []any{corrective["eventID"]},
	}
	if err := f.capture(ctx, decl, corrective); err != nil {
		return nil, nil, nil, fmt.Errorf("capturing the error declaration: %w", err)
	}
	return orig, decl, corrective, nil
}

func errorDeclarationCapture(ctx context.Context, c *Client) error {
	f := newFixture(c)
	orig, _, _, err := errorDeclared(ctx, f)
	if err != nil {
		return err
	}
	return onlyDeclarations(ctx, f, q("EXISTS_errorDeclaration", "true"), eventID(orig))
}

// onlyDeclarations checks that the query returns the declaration of id and
// nothing without an errorDeclaration.
func onlyDeclarations(ctx context.Context, f *fixture, params url.Values, id string) error {
	evs, err := f.query(ctx, params)
	if err != nil {
		return err
	}
	found := false
	for _, e := range evs {
		if field(e, "errorDeclaration") == nil {
			return fmt.Errorf("query %s returned event %s without errorDeclaration", encodeQuery(params), eventID(e))
		}
		if eventID(e) == id {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("query %s did not return the error declaration of %s (%d events)", encodeQuery(params), id, len(evs))
	}
	return nil
}

func associationLocationParent(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.event("AssociationEvent")
	e["action"] = "ADD"
	e["parentID"] = c.ids.SGLN()
	e["childEPCs"] = []any{"urn:epc:id:giai:" + companyPrefix + "." + c.ids.Name()}
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	_, err := getEvent(ctx, c, eventID(e))
	return err
}

func associationNoParent(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.event("AssociationEvent")
	e["action"] = "ADD"
	e["childEPCs"] = []any{"urn:epc:id:giai:" + companyPrefix + "." + c.ids.Name()}
	if err := refused(ctx, c, document(e)); err != nil {
		return err
	}
	return absent(ctx, c, eventID(e))
}

func associationNoChildren(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.event("AssociationEvent")
	e["action"] = "ADD"
	e["parentID"] = "urn:epc:id:grai:" + companyPrefix + ".12345." + c.ids.Name()
	if err := refused(ctx, c, document(e)); err != nil {
		return err
	}
	return absent(ctx, c, eventID(e))
}

// sensorBothLevels sends different values in the two places: GS1's own
// examples (WithFullCombinationOfFields) repeat the same deviceID in both,
// and the example cases require those accepted, so only a conflict is
// held against the server.
func sensorBothLevels(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	e["sensorElementList"] = []any{map[string]any{
		"sensorMetadata": map[string]any{"deviceID": "urn:epc:id:giai:" + companyPrefix + ".D1"},
		"sensorReport":   []any{map[string]any{"type": "Temperature", "value": 4.5, "uom": "CEL", "deviceID": "urn:epc:id:giai:" + companyPrefix + ".D2"}},
	}}
	if err := refused(ctx, c, document(e)); err != nil {
		return err
	}
	return absent(ctx, c, eventID(e))
}

func sensorNoReport(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	e["sensorElementList"] = []any{map[string]any{
		"sensorMetadata": map[string]any{"time": f.at(0)},
	}}
	if err := refused(ctx, c, document(e)); err != nil {
		return err
	}
	return absent(ctx, c, eventID(e))
}

func captureQueryDocument(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))
	doc := map[string]any{
		"@context": []any{epcisContext}, "type": "EPCISQueryDocument", "schemaVersion": "2.0",
		"creationDate": time.Now().UTC().Format(time.RFC3339),
		"epcisBody": map[string]any{"queryResults": map[string]any{"queryName": "SimpleEventQuery",
			"resultsBody": map[string]any{"eventList": []any{e}}}},
	}
	if err := c.Capture(ctx, doc); err != nil {
		return err
	}
	_, err := getEvent(ctx, c, eventID(e))
	return err
}

func listJobs(ctx context.Context, c *Client) error {
	f := newFixture(c)
	if err := f.capture(ctx, f.object("OBSERVE", c.ids.GTIN().SGTIN(c.ids.Name()))); err != nil {
		return err
	}
	r, err := c.Get(ctx, "/capture?perPage=5")
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusOK); err != nil {
		return err
	}
	var jobs []map[string]any
	if err := r.JSON(&jobs); err != nil {
		return err
	}
	if len(jobs) == 0 {
		return errors.New("GET /capture lists no job after a capture")
	}
	if len(jobs) > 5 {
		return fmt.Errorf("GET /capture?perPage=5 returned %d jobs", len(jobs))
	}
	for _, j := range jobs {
		for _, k := range []string{"captureID", "running", "success"} {
			if _, ok := j[k]; !ok {
				return fmt.Errorf("a listed job lacks %q: %s", k, compact(j))
			}
		}
	}
	return nil
}

func eventWithDeclaration(ctx context.Context, c *Client) error {
	f := newFixture(c)
	orig, _, _, err := errorDeclared(ctx, f)
	if err != nil {
		return err
	}
	r, err := c.Get(ctx, "/events/"+url.PathEscape(eventID(orig)))
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusOK); err != nil {
		return err
	}
	evs, err := r.Events()
	if err != nil {
		return err
	}
	var plain, declared int
	for _, e := range evs {
		if eventID(e) != eventID(orig) {
			return fmt.Errorf("the answer holds event %s, not %s", eventID(e), eventID(orig))
		}
		if field(e, "errorDeclaration") == nil {
			plain++
		} else {
			declared++
		}
	}
	if plain != 1 || declared != 1 {
		return fmt.Errorf("the answer holds %d events without and %d with an errorDeclaration, want 1 and 1", plain, declared)
	}
	return nil
}
