package conformance

// Resource, header, error, optional-feature (XML, subscriptions) and
// example-document cases.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const refResources = "EPCIS 2.0 OpenAPI, top-level resources"

func resourceCases() []Case {
	subEvents := func(id, res, title string, value func(w *resWorld) string, want func(w *resWorld) []ev) Case {
		return Case{ID: id, Area: "resources", Level: Must, Ref: refResources + " /" + res + "/{value}/events",
			Requirement: "Returns EPCIS events [of the resource]; the endpoint accepts the EPCIS query parameters with fixed names.",
			Title:       title,
			Run: func(ctx context.Context, c *Client) error {
				w, err := captureResWorld(ctx, c)
				if err != nil {
					return err
				}
				path := "/" + res + "/" + url.PathEscape(value(w)) + "/events?" + encodeQuery(w.f.scope)
				got, err := c.QueryAll(ctx, path)
				if err != nil {
					return err
				}
				if err := sameEvents(got, want(w)...); err != nil {
					return fmt.Errorf("GET %s: %w", path, err)
				}
				return nil
			}}
	}
	listHas := func(id, res, title string, value func(w *resWorld) string) Case {
		return Case{ID: id, Area: "resources", Level: Must, Ref: refResources + " GET /" + res,
			Requirement: "An endpoint to list all [" + res + "] known to this repository.", Title: title,
			Run: func(ctx context.Context, c *Client) error {
				w, err := captureResWorld(ctx, c)
				if err != nil {
					return err
				}
				ok, err := collectionMembers(ctx, c, "/"+res+"?perPage=1000", value(w))
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("GET /%s does not list %s", res, value(w))
				}
				return nil
			}}
	}
	return []Case{
		{ID: "RES-001", Area: "resources", Level: Must, Ref: refResources + " GET / (200SupportedTopLevel)",
			Requirement: "This endpoint returns all the top-level resources currently available in the repository. (TopLevelResourceCollection: member minItems 9)",
			Title:       "GET / lists the top-level resources", Run: topLevel},
		listHas("RES-002", "eventTypes", "GET /eventTypes lists the event types captured", func(w *resWorld) string { return "AggregationEvent" }),
		listHas("RES-003", "epcs", "GET /epcs lists a captured EPC", func(w *resWorld) string { return w.epc }),
		listHas("RES-004", "bizSteps", "GET /bizSteps lists a captured business step", func(w *resWorld) string { return "packing" }),
		listHas("RES-005", "bizLocations", "GET /bizLocations lists a captured business location", func(w *resWorld) string { return w.bl }),
		listHas("RES-006", "readPoints", "GET /readPoints lists a captured read point", func(w *resWorld) string { return w.f.rp }),
		listHas("RES-007", "dispositions", "GET /dispositions lists a captured disposition", func(w *resWorld) string { return "in_progress" }),
		subEvents("RES-008", "eventTypes", "GET /eventTypes/AggregationEvent/events returns the aggregation events (scoped by EQ_readPoint)",
			func(w *resWorld) string { return "AggregationEvent" }, func(w *resWorld) []ev { return []ev{w.agg} }),
		subEvents("RES-009", "epcs", "GET /epcs/{epc}/events returns the events of the EPC",
			func(w *resWorld) string { return w.epc }, func(w *resWorld) []ev { return []ev{w.obj} }),
		subEvents("RES-010", "bizSteps", "GET /bizSteps/{bizStep}/events returns the events of the business step",
			func(w *resWorld) string { return "packing" }, func(w *resWorld) []ev { return []ev{w.agg} }),
		subEvents("RES-011", "bizLocations", "GET /bizLocations/{bizLocation}/events returns the events at the location",
			func(w *resWorld) string { return w.bl }, func(w *resWorld) []ev { return []ev{w.obj} }),
		subEvents("RES-012", "readPoints", "GET /readPoints/{readPoint}/events returns the events read there",
			func(w *resWorld) string { return w.f.rp }, func(w *resWorld) []ev { return []ev{w.obj, w.agg} }),
		subEvents("RES-013", "dispositions", "GET /dispositions/{disposition}/events returns the events of the disposition",
			func(w *resWorld) string { return "in_progress" }, func(w *resWorld) []ev { return []ev{w.agg} }),
		{ID: "RES-014", Area: "resources", Level: Must, Ref: refResources + " GET /eventTypes/{eventType} (200TopLevelOrEventTypeSubResource)",
			Requirement: "Returns a sub-resource list that contains at least the `events` sub-resource (for HATEOAS discovery).",
			Title:       "GET /eventTypes/ObjectEvent lists the events sub-resource", Run: eventTypeSub},
	}
}

type resWorld struct {
	f        *fixture
	obj, agg ev
	epc, bl  string
}

func captureResWorld(ctx context.Context, c *Client) (*resWorld, error) {
	f := newFixture(c)
	w := &resWorld{f: f, epc: f.epc(), bl: c.ids.SGLN()}
	w.obj = with(f.object("OBSERVE", w.epc), "bizStep", "inspecting", "disposition", "active", "bizLocation", map[string]any{"id": w.bl})
	sscc, _ := c.ids.SSCC()
	w.agg = with(f.event("AggregationEvent"), "action", "ADD", "parentID", sscc, "childEPCs", []any{f.epc()},
		"bizStep", "packing", "disposition", "in_progress")
	return w, f.capture(ctx, w.obj, w.agg)
}

func topLevel(ctx context.Context, c *Client) error {
	ok := true
	var missing []string
	for _, m := range []string{"events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions", "capture", "queries"} {
		has, err := collectionMembers(ctx, c, "/", m)
		if err != nil {
			return err
		}
		if !has {
			ok = false
			missing = append(missing, m)
		}
	}
	if !ok {
		return fmt.Errorf("GET / does not list %v", missing)
	}
	return nil
}

func eventTypeSub(ctx context.Context, c *Client) error {
	has, err := collectionMembers(ctx, c, "/eventTypes/ObjectEvent", "events")
	if err != nil {
		return err
	}
	if !has {
		return errors.New("GET /eventTypes/ObjectEvent does not list \"events\"")
	}
	return nil
}

const refHeaders = "EPCIS 2.0 OpenAPI, components.headers"

func headerCases() []Case {
	return []Case{
		{ID: "HDR-001", Area: "headers", Level: Should, Ref: refHeaders + ".GS1-EPCIS-Version (200EPCISQueryDocument)",
			Requirement: "GS1-EPCIS-Version: The EPCIS version. [a header of every query answer]",
			Title:       "query answers carry GS1-EPCIS-Version 2.x", Run: hdrVersion("GS1-EPCIS-Version")},
		{ID: "HDR-002", Area: "headers", Level: Should, Ref: refHeaders + ".GS1-CBV-Version (200EPCISQueryDocument)",
			Requirement: "GS1-CBV-Version: The Core Business Vocabulary version. [a header of every query answer]",
			Title:       "query answers carry GS1-CBV-Version 2.x", Run: hdrVersion("GS1-CBV-Version")},
		{ID: "HDR-003", Area: "headers", Level: Should, Ref: "EPCIS 2.0 OpenAPI, OPTIONS / (204DefaultDiscoveryResponse)",
			Requirement: "`OPTIONS` on the root path gives the client an overview of the server's EPCIS-related configurations. [GS1-EPCIS-Min, GS1-EPCIS-Max, GS1-CBV-Min, GS1-CBV-Max]",
			Title:       "OPTIONS / announces GS1-EPCIS-Min/Max and GS1-CBV-Min/Max covering 2.0", Run: hdrDiscovery},
		{ID: "HDR-004", Area: "headers", Level: Must, Ref: "EPCIS 2.0 OpenAPI, GS1-EPCIS-Min request header; 406NotAcceptable",
			Requirement: "GS1-EPCIS-Min: The lowest EPCIS version supported. [...] 406: The server cannot return the response as requested. (epcisException:NotAcceptableException)",
			Title:       "a request whose GS1-EPCIS-Min is above every version the server speaks is refused with 406 NotAcceptableException", Run: hdrMinTooHigh},
		{ID: "HDR-005", Area: "headers", Level: Must, Ref: "EPCIS 2.0 OpenAPI, GS1-EPCIS-Max request header; 406NotAcceptable",
			Requirement: "GS1-EPCIS-Max: The highest EPCIS version supported. [...] 406: The server cannot return the response as requested. (epcisException:NotAcceptableException)",
			Title:       "a request whose GS1-EPCIS-Max is below every version the server speaks is refused with 406", Run: hdrMaxTooLow},
		{ID: "HDR-006", Area: "headers", Level: Must, Ref: "EPCIS 2.0 OpenAPI, POST /capture parameters GS1-EPCIS-Version, GS1-CBV-Version",
			Requirement: "GS1-EPCIS-Version: The EPCIS version. GS1-CBV-Version: The Core Business Vocabulary version.",
			Title:       "a capture that names GS1-EPCIS-Version 2.0.0 and GS1-CBV-Version 2.0.0 is accepted", Run: hdrCaptureVersion},
		{ID: "HDR-007", Area: "headers", Level: Must, Ref: "EPCIS 2.0 OpenAPI, GS1-EPC-Format request header",
			Requirement: "Always_GS1_Digital_Link: URIs are returned as GS1 Digital Link.",
			Title:       "GS1-EPC-Format: Always_GS1_Digital_Link returns EPCs captured as URNs as GS1 Digital Link URIs", Run: epcFormatDL},
		{ID: "HDR-008", Area: "headers", Level: Must, Ref: "EPCIS 2.0 OpenAPI, GS1-EPC-Format request header",
			Requirement: "Always_EPC_URN: URIs are returned as URN.",
			Title:       "GS1-EPC-Format: Always_EPC_URN returns EPCs captured as GS1 Digital Link URIs as EPC URNs", Run: epcFormatURN},
		{ID: "HDR-009", Area: "headers", Level: Should, Ref: "EPCIS 2.0 OpenAPI, GS1-EPC-Format request header",
			Requirement: "Never_Translates: EPCs are never translated, i.e. the original format is kept.",
			Title:       "GS1-EPC-Format: Never_Translates returns each EPC in the form it was captured", Run: epcFormatNever},
		{ID: "HDR-010", Area: "headers", Level: Should, Ref: "EPCIS 2.0 §8.2.7.1.1 (matching of EPCs)",
			Requirement: "MATCH_epc: [...] matches one of the URIs specified in this parameter, where the meaning of 'matches' is as specified in section 8.2.7.1.1. (An EPC URN and the GS1 Digital Link URI of the same EPC identify the same object.)",
			Title:       "MATCH_epc with a GS1 Digital Link URI finds the event captured with the EPC URN", Run: epcMatchAcrossForms},
		{ID: "HDR-011", Area: "headers", Level: May, Ref: "EPCIS 2.0 OpenAPI, OPTIONS /events (204WritableResourcesDiscovery)",
			Requirement: "The `OPTIONS` method allows the client to discover which vocabularies and EPCIS and CBV versions are used. Allow: Lists the set of methods supported by the resource.",
			Title:       "OPTIONS /events answers 204 with Allow listing GET and POST", Run: optionsEvents},
		{ID: "HDR-012", Area: "headers", Level: May, Ref: refHeaders + ".GS1-Extensions (200EPCISQueryDocument)",
			Requirement: "GS1-Extensions: Specific EPCIS or CBV extensions supported (e.g., for FIT).",
			Title:       "query answers carry a GS1-Extensions header (possibly empty)", Run: hdrExtensions},
	}
}

func hdrVersion(name string) func(context.Context, *Client) error {
	return func(ctx context.Context, c *Client) error {
		r, err := c.Get(ctx, "/events?perPage=1&EQ_readPoint="+url.QueryEscape(c.ids.SGLN()))
		if err != nil {
			return err
		}
		if err := r.ExpectStatus(http.StatusOK); err != nil {
			return err
		}
		if v := r.Header.Get(name); !strings.HasPrefix(v, "2.") {
			return fmt.Errorf("%s is %q, want a 2.x version", name, v)
		}
		return nil
	}
}

func hdrExtensions(ctx context.Context, c *Client) error {
	r, err := c.Get(ctx, "/events?perPage=1&EQ_readPoint="+url.QueryEscape(c.ids.SGLN()))
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusOK); err != nil {
		return err
	}
	if _, ok := r.Header[http.CanonicalHeaderKey("GS1-Extensions")]; !ok {
		return errors.New("no GS1-Extensions header")
	}
	return nil
}

func hdrDiscovery(ctx context.Context, c *Client) error {
	r, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/"})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusNoContent, http.StatusOK); err != nil {
		return err
	}
	for _, pair := range [][2]string{{"GS1-EPCIS-Min", "GS1-EPCIS-Max"}, {"GS1-CBV-Min", "GS1-CBV-Max"}} {
		lo, hi := r.Header.Get(pair[0]), r.Header.Get(pair[1])
		if lo == "" || hi == "" {
			return fmt.Errorf("OPTIONS / lacks %s or %s (%q, %q)", pair[0], pair[1], lo, hi)
		}
		if compareVersions(lo, "2.0.0") > 0 || compareVersions(hi, "2.0.0") < 0 {
			return fmt.Errorf("%s..%s = %s..%s does not cover 2.0.0", pair[0], pair[1], lo, hi)
		}
	}
	return nil
}

// compareVersions compares dotted versions numerically ("2.0" == "2.0.0").
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func hdrMinTooHigh(ctx context.Context, c *Client) error {
	r, err := c.Get(ctx, "/events?perPage=1", "GS1-EPCIS-Min", "99.0.0")
	if err != nil {
		return err
	}
	return r.ExpectProblem(http.StatusNotAcceptable, "NotAcceptableException")
}

func hdrMaxTooLow(ctx context.Context, c *Client) error {
	o, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/"})
	if err != nil {
		return err
	}
	min := o.Header.Get("GS1-EPCIS-Min")
	if min == "" {
		min = "2.0.0"
	}
	if compareVersions(min, "1.0.0") <= 0 {
		return Skip("the server announces GS1-EPCIS-Min %s: no version below it to ask for", min)
	}
	r, err := c.Get(ctx, "/events?perPage=1", "GS1-EPCIS-Max", "1.0.0")
	if err != nil {
		return err
	}
	return r.ExpectProblem(http.StatusNotAcceptable, "NotAcceptableException")
}

func hdrCaptureVersion(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", f.epc())
	if err := c.Capture(ctx, document(e), "GS1-EPCIS-Version", "2.0.0", "GS1-CBV-Version", "2.0.0"); err != nil {
		return err
	}
	_, err := getEvent(ctx, c, eventID(e))
	return err
}

// epcFormats returns the formats OPTIONS /events announces, or nil.
func epcFormats(ctx context.Context, c *Client) []string {
	o, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/events"})
	if err != nil || o.Header.Get("GS1-EPC-Format") == "" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(o.Header.Get("GS1-EPC-Format"), ",") {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// epcFormatCase captures an event with the EPC as sent and reads it back
// with the header, expecting the EPC as want.
func epcFormatCase(ctx context.Context, c *Client, format, sent, want string) error {
	if fs := epcFormats(ctx, c); fs != nil && !slices.Contains(fs, format) {
		return Skip("OPTIONS /events announces GS1-EPC-Format %v, without %s", fs, format)
	}
	f := newFixture(c)
	e := f.object("OBSERVE", sent)
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	evs, err := f.query(ctx, q("EQ_eventID", eventID(e)), "GS1-EPC-Format", format)
	if err != nil {
		return err
	}
	if len(evs) != 1 {
		return fmt.Errorf("EQ_eventID returned %d events, want 1", len(evs))
	}
	got := list(evs[0]["epcList"])
	ok := len(got) == 1 && got[0] == want
	if format == "Always_GS1_Digital_Link" && len(got) == 1 {
		// Any resolver domain will do: the OpenAPI names none.
		kg, isKey := epcKey(got[0])
		kw, _ := epcKey(want)
		ok = isKey && kg == kw && (strings.HasPrefix(got[0], "https://") || strings.HasPrefix(got[0], "http://"))
	}
	if !ok {
		return fmt.Errorf("with GS1-EPC-Format: %s the EPC captured as %s is returned as %v, want %s", format, sent, got, want)
	}
	return nil
}

func epcFormatDL(ctx context.Context, c *Client) error {
	g, s := c.ids.GTIN(), c.ids.Name()
	return epcFormatCase(ctx, c, "Always_GS1_Digital_Link", g.SGTIN(s), g.SGTINDL(s))
}

func epcFormatURN(ctx context.Context, c *Client) error {
	g, s := c.ids.GTIN(), c.ids.Name()
	return epcFormatCase(ctx, c, "Always_EPC_URN", g.SGTINDL(s), g.SGTIN(s))
}

func epcFormatNever(ctx context.Context, c *Client) error {
	g, s := c.ids.GTIN(), c.ids.Name()
	if err := epcFormatCase(ctx, c, "Never_Translates", g.SGTINDL(s), g.SGTINDL(s)); err != nil {
		return err
	}
	s = c.ids.Name()
	return epcFormatCase(ctx, c, "Never_Translates", g.SGTIN(s), g.SGTIN(s))
}

func epcMatchAcrossForms(ctx context.Context, c *Client) error {
	f := newFixture(c)
	g, s := c.ids.GTIN(), c.ids.Name()
	e := f.object("OBSERVE", g.SGTIN(s))
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	return f.expect(ctx, q("MATCH_epc", g.SGTINDL(s)), e)
}

func optionsEvents(ctx context.Context, c *Client) error {
	r, err := c.Do(ctx, Request{Method: http.MethodOptions, Path: "/events"})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusNoContent); err != nil {
		return err
	}
	allow := r.Header.Get("Allow")
	for _, m := range []string{"GET", "POST"} {
		if !strings.Contains(allow, m) {
			return fmt.Errorf("Allow is %q, without %s", allow, m)
		}
	}
	return nil
}

const refErrors = "EPCIS 2.0 OpenAPI, components.responses"

const reqQueryParameterException = "Verbatim (EPCIS query exceptions, QueryParameterException): One or more query parameters are invalid, including any of the following situations: the parameter name is not a recognized parameter for the specified query; the value of a parameter is of the wrong type or out of range; two or more query parameters have the same parameter name. (400QueryIssues: epcisException:QueryParameterException)"

func errorCases() []Case {
	return []Case{
		{ID: "ERR-001", Area: "errors", Level: Must, Ref: refErrors + ".404ResourceNotFound (GET /events/{eventID})",
			Requirement: "At least one resource was not found. For example, the EPCIS event does not exist or the query does not exist. (epcisException:NoSuchResourceException)",
			Title:       "GET /events/{unknown eventID} is 404 NoSuchResourceException",
			Run: func(ctx context.Context, c *Client) error {
				return expectProblem(ctx, c, "/events/"+url.PathEscape(c.ids.EventID()), http.StatusNotFound, "NoSuchResourceException")
			}},
		{ID: "ERR-002", Area: "errors", Level: Must, Ref: refErrors + ".404ResourceNotFound (GET /capture/{captureID})",
			Requirement: "At least one resource was not found. (epcisException:NoSuchResourceException)",
			Title:       "GET /capture/{unknown captureID} is 404 NoSuchResourceException",
			Run: func(ctx context.Context, c *Client) error {
				return expectProblem(ctx, c, "/capture/"+c.ids.Name(), http.StatusNotFound, "NoSuchResourceException")
			}},
		{ID: "ERR-003", Area: "errors", Level: Must, Ref: refErrors + ".404ResourceNotFound (GET /queries/{queryName})",
			Requirement: "For example, the EPCIS event does not exist or the query does not exist. (epcisException:NoSuchResourceException)",
			Title:       "GET /queries/{unknown name} is 404 NoSuchResourceException",
			Run: func(ctx context.Context, c *Client) error {
				return expectProblem(ctx, c, "/queries/conform-"+c.ids.Name(), http.StatusNotFound, "NoSuchResourceException")
			}},
		{ID: "ERR-004", Area: "errors", Level: Must, Ref: "EPCIS query exceptions (QueryParameterException); " + refErrors + ".400QueryIssues",
			Requirement: reqQueryParameterException,
			Title:       "an unknown query parameter is 400 QueryParameterException",
			Run: func(ctx context.Context, c *Client) error {
				return expectProblem(ctx, c, "/events?XQ_notAParameter=1", http.StatusBadRequest, "QueryParameterException")
			}},
		{ID: "ERR-005", Area: "errors", Level: Must, Ref: "EPCIS query exceptions (QueryParameterException); " + refErrors + ".400QueryIssues",
			Requirement: reqQueryParameterException,
			Title:       "a time parameter that is not a date-time is 400 QueryParameterException",
			Run: func(ctx context.Context, c *Client) error {
				return expectProblem(ctx, c, "/events?GE_eventTime=yesterday", http.StatusBadRequest, "QueryParameterException")
			}},
		{ID: "ERR-006", Area: "errors", Level: Must, Ref: refCapture + " 400",
			Requirement: "An error occurred while receiving EPCIS events. All events are rejected. (epcisException:ValidationException)",
			Title:       "a capture body that is not JSON is 400 ValidationException",
			Run: func(ctx context.Context, c *Client) error {
				r, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/capture", Body: []byte(`{"type": "EPCISDocument", "epcisBody": `)})
				if err != nil {
					return err
				}
				return r.ExpectProblem(http.StatusBadRequest, "ValidationException")
			}},
		{ID: "ERR-007", Area: "errors", Level: Must, Ref: refCapture + " 400",
			Requirement: "An error occurred while receiving EPCIS events. All events are rejected. (epcisException:ValidationException)",
			Title:       "a document whose ObjectEvent lacks the required action is refused (400 ValidationException, or a failed job) and nothing is stored",
			Run:         invalidEventRefused},
		{ID: "ERR-008", Area: "errors", Level: Must, Ref: refErrors + ".415UnsupportedMediaType",
			Requirement: "The client sent data in a format that is not supported by the server. (epcisException:UnsupportedMediaTypeException)",
			Title:       "a capture sent as text/plain is 415 UnsupportedMediaTypeException",
			Run: func(ctx context.Context, c *Client) error {
				f := newFixture(c)
				b, _ := json.Marshal(document(f.object("OBSERVE", f.epc())))
				r, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/capture", Body: b, ContentType: "text/plain"})
				if err != nil {
					return err
				}
				return r.ExpectProblem(http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException")
			}},
		{ID: "ERR-009", Area: "errors", Level: Must, Ref: refErrors + ".406NotAcceptable",
			Requirement: "The server cannot return the response as requested. (epcisException:NotAcceptableException)",
			Title:       "GET /events accepting only image/png is 406 NotAcceptableException",
			Run: func(ctx context.Context, c *Client) error {
				r, err := c.Get(ctx, "/events?perPage=1", "Accept", "image/png")
				if err != nil {
					return err
				}
				return r.ExpectProblem(http.StatusNotAcceptable, "NotAcceptableException")
			}},
		{ID: "ERR-011", Area: "errors", Level: Should, Ref: "EPCIS query exceptions (QueryParameterException); " + refErrors + ".400QueryIssues",
			Requirement: reqQueryParameterException + " (SHOULD here: the REST binding says several values of one parameter are separated by '|', but not what a repeated name in a URL means.)",
			Title:       "a query string naming one parameter twice is 400 QueryParameterException",
			Run: func(ctx context.Context, c *Client) error {
				return expectProblem(ctx, c, "/events?EQ_bizStep=shipping&EQ_bizStep=receiving", http.StatusBadRequest, "QueryParameterException")
			}},
		{ID: "ERR-010", Area: "errors", Level: Should, Ref: "EPCIS 2.0 OpenAPI, components.schemas.RFC7807ProblemResponseBody",
			Requirement: "RFC 7807 problem details: `type`, `title`, `status` [...]",
			Title:       "problem answers carry type, title and status",
			Run: func(ctx context.Context, c *Client) error {
				r, err := c.Get(ctx, "/events/"+url.PathEscape(c.ids.EventID()))
				if err != nil {
					return err
				}
				var p Problem
				if err := r.JSON(&p); err != nil {
					return err
				}
				if p.Type == "" || p.Title == "" || p.Status != r.Status {
					return fmt.Errorf("problem %s lacks type, title or the status", snippet(r.Body))
				}
				return nil
			}},
	}
}

func invalidEventRefused(ctx context.Context, c *Client) error {
	f := newFixture(c)
	good := f.object("OBSERVE", f.epc())
	bad := f.object("OBSERVE", f.epc())
	delete(bad, "action")
	r, err := c.StartCapture(ctx, document(good, bad))
	if err != nil {
		return err
	}
	switch r.Status {
	case http.StatusBadRequest:
		if err := r.ExpectProblem(http.StatusBadRequest, "ValidationException"); err != nil {
			return err
		}
	case http.StatusAccepted:
		j, err := c.WaitJob(ctx, r.Header.Get("Location"))
		if err != nil {
			return err
		}
		if j.Success {
			return errors.New("a document with an ObjectEvent without action was captured successfully")
		}
	default:
		return fmt.Errorf("POST /capture answered %d, want 400 ValidationException (body %s)", r.Status, snippet(r.Body))
	}
	return absent(ctx, c, eventID(good))
}

func optionalCases() []Case {
	return []Case{
		{ID: "XML-001", Area: "xml", Level: Must, Optional: true, Ref: "EPCIS 2.0 §9 (XML binding); OpenAPI POST /capture 415",
			Requirement: "Paraphrase: EPCIS 2.0 defines an XML binding beside JSON-LD; a server without it answers 415. Verbatim (415UnsupportedMediaType): The client sent data in a format that is not supported by the server.",
			Title:       "an EPCIS 2.0 XML document is captured (skipped on 415)", Run: xmlCapture},
		{ID: "XML-002", Area: "xml", Level: Must, Optional: true, Ref: "EPCIS 2.0 OpenAPI, 200EPCISQueryDocument application/xml",
			Requirement: "200EPCISQueryDocument: content application/xml (EPCISXMLQueryDocument); a server without it answers 406.",
			Title:       "GET /events with Accept: application/xml answers an EPCIS XML query document (skipped on 406)", Run: xmlQuery},
		{ID: "SUB-001", Area: "subscriptions", Level: Must, Optional: true, Ref: "EPCIS 2.0 OpenAPI, POST /queries/{queryName}/subscriptions",
			Requirement: "EPCIS 2.0 implementations must support Webhook subscriptions. Creating a query subscription requires the client to provide a single endpoint to which the server will send events [...] the client [...] must either set `stream` to `true` [...] or [...] define a query schedule.",
			Title:       "a webhook subscription to a named query is created, listed and deleted (skipped when the server has no subscriptions)", Run: subscriptionLifecycle},
		{ID: "SUB-002", Area: "subscriptions", Level: Must, Optional: true, Ref: "EPCIS 2.0 OpenAPI, POST /queries/{queryName}/subscriptions (400SubscriptionIssues)",
			Requirement: "If these are missing [stream or schedule] the query subscription is invalid because the server won't know when to notify a client. (epcisException:SubscriptionControlsException)",
			Title:       "a subscription with neither stream nor schedule is refused with 400 (skipped when the server has no subscriptions)", Run: subscriptionInvalid},
		{ID: "SUB-003", Area: "subscriptions", Level: Must, Optional: true, Ref: "EPCIS 2.0 OpenAPI, GET /queries/{queryName}/events (101WebsocketCreated)",
			Requirement: "this endpoint can also be used to subscribe to queries using Websocket. To do this, the client must specify the query schedule or set the `stream` parameter to `true` [...] Upon subscription, the server SHALL send all new events to subscribing clients.",
			Title:       "a WebSocket subscription with stream=true receives an event captured after it opened (skipped without WebSocket support)", Run: websocketStream},
	}
}

func xmlCapture(ctx context.Context, c *Client) error {
	f := newFixture(c)
	id, epc := c.ids.EventID(), f.epc()
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-03-01T00:00:00Z">
 <EPCISBody><EventList><ObjectEvent>
  <eventTime>` + f.at(1) + `</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
  <eventID>` + id + `</eventID>
  <epcList><epc>` + epc + `</epc></epcList><action>OBSERVE</action>
  <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
  <readPoint><id>` + f.rp + `</id></readPoint>
 </ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>`
	r, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/capture", Body: []byte(doc), ContentType: "application/xml"})
	if err != nil {
		return err
	}
	if r.Status == http.StatusUnsupportedMediaType {
		return Skip("the server does not accept XML (415)")
	}
	if err := r.ExpectStatus(http.StatusAccepted); err != nil {
		return err
	}
	j, err := c.WaitJob(ctx, r.Header.Get("Location"))
	if err != nil {
		return err
	}
	if !j.Success {
		return fmt.Errorf("the XML capture job failed: %s", rawList(j.Errors))
	}
	got, err := f.query(ctx, q("MATCH_epc", epc))
	if err != nil {
		return err
	}
	if len(got) != 1 || eventID(got[0]) != id || !sameValue(fmt.Sprint(got[0]["bizStep"]), "shipping") {
		return fmt.Errorf("the event captured as XML reads back as %s", compact(got))
	}
	return nil
}

func xmlQuery(ctx context.Context, c *Client) error {
	f := newFixture(c)
	e := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, e); err != nil {
		return err
	}
	r, err := c.Get(ctx, "/events?"+encodeQuery(f.scope), "Accept", "application/xml")
	if err != nil {
		return err
	}
	if r.Status == http.StatusNotAcceptable {
		return Skip("the server does not answer XML (406)")
	}
	if err := r.ExpectStatus(http.StatusOK); err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
		return fmt.Errorf("Content-Type %q, want application/xml", ct)
	}
	if !bytes.Contains(r.Body, []byte("EPCISQueryDocument")) || !bytes.Contains(r.Body, []byte(eventID(e))) {
		return fmt.Errorf("the XML answer is not a query document holding the event: %s", snippet(r.Body))
	}
	return nil
}

// noSubscriptions says whether an answer means the server has no
// subscriptions.
func noSubscriptions(r *Response) bool {
	return r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed || r.Status == http.StatusNotImplemented
}

func subscriptionLifecycle(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_bizStep": []any{"shipping"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
	base := "/queries/" + url.PathEscape(name) + "/subscriptions"
	s, err := c.PostJSON(ctx, base, map[string]any{"dest": "https://client.example.com/queryCallback", "signatureToken": c.ids.Name(), "stream": true})
	if err != nil {
		return err
	}
	if noSubscriptions(s) {
		return Skip("POST %s answered %d: no subscriptions", base, s.Status)
	}
	if err := s.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	loc := s.Header.Get("Location")
	if loc == "" {
		return errors.New("201 without a Location header")
	}
	g, err := c.Get(ctx, loc)
	if err != nil {
		return err
	}
	if err := g.ExpectStatus(http.StatusOK); err != nil {
		return fmt.Errorf("GET %s: %w", loc, err)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	l, err := c.Get(ctx, base)
	if err != nil {
		return err
	}
	if err := l.ExpectStatus(http.StatusOK); err != nil {
		return fmt.Errorf("GET %s: %w", base, err)
	}
	if !strings.Contains(string(l.Body), id) {
		return fmt.Errorf("GET %s does not list the subscription %s: %s", base, id, snippet(l.Body))
	}
	d, err := c.Do(ctx, Request{Method: http.MethodDelete, Path: loc})
	if err != nil {
		return err
	}
	if err := d.ExpectStatus(http.StatusNoContent); err != nil {
		return fmt.Errorf("DELETE %s: %w", loc, err)
	}
	return expectProblem(ctx, c, loc, http.StatusNotFound, "NoSuchResourceException")
}

func subscriptionInvalid(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_bizStep": []any{"shipping"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
	base := "/queries/" + url.PathEscape(name) + "/subscriptions"
	s, err := c.PostJSON(ctx, base, map[string]any{"dest": "https://client.example.com/queryCallback"})
	if err != nil {
		return err
	}
	if noSubscriptions(s) {
		return Skip("POST %s answered %d: no subscriptions", base, s.Status)
	}
	if s.Status == http.StatusCreated {
		c.Do(ctx, Request{Method: http.MethodDelete, Path: s.Header.Get("Location")})
	}
	if err := s.ExpectStatus(http.StatusBadRequest); err != nil {
		return err
	}
	for _, ex := range []string{"SubscriptionControlsException", "ValidationException"} {
		if s.ExpectProblem(http.StatusBadRequest, ex) == nil {
			return nil
		}
	}
	return s.ExpectProblem(http.StatusBadRequest, "SubscriptionControlsException")
}

// exampleCases makes one case per JSON(-LD) example document under dir.
func exampleCases(dir string) ([]Case, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonld")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conformance: --examples: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("conformance: --examples: no .json or .jsonld file under %s", dir)
	}
	var cs []Case
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		id := "EXM-" + strings.NewReplacer("/", "-", " ", "_", ",", "_").Replace(strings.TrimSuffix(strings.TrimSuffix(rel, ".jsonld"), ".json"))
		// Capture of an EPCISQueryDocument is a SHOULD of the OpenAPI.
		level := Must
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(`"EPCISQueryDocument"`)) {
			level = Should
		}
		cs = append(cs, Case{ID: id, Area: "examples", Level: level, Ref: refM1 + "; " + refCapture,
			Requirement: reqM1 + " This endpoint should support both `EPCISDocument` and `EPCISQueryDocument` as input.",
			Title:       "capture the example " + rel + " (fresh eventIDs) and read its events back",
			Run:         func(ctx context.Context, c *Client) error { return captureExample(ctx, c, p) }})
	}
	return cs, nil
}

// captureExample captures an example document with every eventID replaced
// by a fresh one (consistently, so error declarations and corrective
// events still refer to each other) and a fresh eventID added where there
// was none, so that the case can run again on the same server.
func captureExample(ctx context.Context, c *Client, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return Skip("not a JSON document: %v", err)
	}
	typ, _ := doc["type"].(string)
	if typ != "EPCISDocument" && typ != "EPCISQueryDocument" {
		return Skip("type %q is not a document to capture", typ)
	}
	events := exampleEvents(doc)
	if len(events) == 0 {
		return Skip("no events")
	}
	fresh := map[string]string{}
	renew := func(id string) string {
		if _, ok := fresh[id]; !ok {
			fresh[id] = c.ids.EventID()
		}
		return fresh[id]
	}
	var ids []string
	for _, e := range events {
		id, _ := e["eventID"].(string)
		if id == "" {
			id = c.ids.Name()
		}
		e["eventID"] = renew(id)
		ids = append(ids, e["eventID"].(string))
		if d, ok := e["errorDeclaration"].(map[string]any); ok {
			var out []any
			for _, x := range list(d["correctiveEventIDs"]) {
				out = append(out, renew(x))
			}
			if out != nil {
				d["correctiveEventIDs"] = out
			}
		}
	}
	if err := c.Capture(ctx, doc); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := getEvent(ctx, c, id); err != nil {
			return err
		}
	}
	return nil
}

func exampleEvents(doc map[string]any) []map[string]any {
	var raw []any
	if l, ok := field(doc, "epcisBody", "eventList").([]any); ok {
		raw = l
	} else if l, ok := field(doc, "epcisBody", "queryResults", "resultsBody", "eventList").([]any); ok {
		raw = l
	} else if e, ok := field(doc, "epcisBody", "event").(map[string]any); ok {
		raw = []any{e}
	}
	var out []map[string]any
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
