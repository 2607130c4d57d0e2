package conformance

// Pagination and named-query cases.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	refPerPage = "EPCIS 2.0 OpenAPI, components.parameters.PerPage and headers.Link"
	reqPerPage = "`perPage` specifies the maximum number of events in a response to the client. [...] As long as there are more resources to retrieve, the `Link` header contains the URL of the next page and the attribute `rel=\"next\"`. The last page is indicated by the absence of the `rel=\"next\"`."
)

func paginationCases() []Case {
	return []Case{
		{ID: "PAG-001", Area: "pagination", Level: Must, Ref: refPerPage, Requirement: reqPerPage,
			Title: "perPage pages through the events with Link rel=next: pages no larger than perPage, no duplicates, no gaps, no next on the last page",
			Run:   func(ctx context.Context, c *Client) error { return paginate(ctx, c, q()) }},
		{ID: "PAG-002", Area: "pagination", Level: Must, Ref: refPerPage, Requirement: reqPerPage,
			Title: "pagination keeps the order of orderBy=eventTime across pages",
			Run: func(ctx context.Context, c *Client) error {
				return paginate(ctx, c, q("orderBy", "eventTime", "orderDirection", "ASC"))
			}},
		{ID: "PAG-003", Area: "pagination", Level: Must, Ref: "EPCIS 2.0 OpenAPI, components.parameters.NextPageToken",
			Requirement: "Parameter that points to the next list of results when requesting a list of events that is larger than the value specified with the `perPage` parameter.",
			Title:       "the nextPageToken of the Link, sent with the query's parameters, gives the next page", Run: pageByToken},
		{ID: "PAG-004", Area: "pagination", Level: Should, Ref: "EPCIS 2.0 OpenAPI, components.headers.GS1-Next-Page-Token-Expires",
			Requirement: "GS1-Next-Page-Token-Expires: The expiry time for `nextPageToken`.",
			Title:       "a page with a next page says when its token expires", Run: tokenExpires},
		{ID: "PAG-005", Area: "pagination", Level: Must, Ref: refPerPage + "; GET /queries/{queryName}/events", Requirement: reqPerPage,
			Title: "a named query's events page with perPage and Link too", Run: pageNamedQuery},
		{ID: "PAG-007", Area: "pagination", Level: Should, Ref: refPerPage, Requirement: reqPerPage + " (With no duplicates and no gaps among the events that were there when paging began, while other events are captured.)",
			Title: "events captured while a client pages cause no duplicate and no gap among the events already there", Run: pageWhileCapturing},
		{ID: "PAG-006", Area: "pagination", Level: Should, Ref: "EPCIS 2.0 OpenAPI, components.parameters.NextPageToken",
			Requirement: "A `nextPageToken` may be invalidated through timeout. It is up to the specific implementation to provide the mechanisms for invalidating tokens.",
			Title:       "a forged nextPageToken is refused with a 4xx problem, not served or a 500", Run: forgedToken},
	}
}

// pagedWorld captures 7 events for a pagination case.
func pagedWorld(ctx context.Context, c *Client) (*fixture, []ev, error) {
	f := newFixture(c)
	e := make([]ev, 7)
	for i := range e {
		e[i] = f.object("OBSERVE", f.epc())
	}
	return f, e, f.capture(ctx, e[3], e[1], e[6], e[0], e[5], e[2], e[4])
}

func paginate(ctx context.Context, c *Client, extra url.Values) error {
	f, e, err := pagedWorld(ctx, c)
	if err != nil {
		return err
	}
	params := url.Values{"perPage": {"3"}}
	for k, v := range f.scope {
		params[k] = v
	}
	for k, v := range extra {
		params[k] = v
	}
	path := "/events?" + encodeQuery(params)
	var all []map[string]any
	pages := 0
	for path != "" {
		p, err := c.QueryPage(ctx, path)
		if err != nil {
			return err
		}
		pages++
		if len(p.Events) > 3 {
			return fmt.Errorf("page %d holds %d events with perPage=3", pages, len(p.Events))
		}
		if pages == 1 && p.Next == "" {
			return fmt.Errorf("the first page of 7 events with perPage=3 has no Link rel=\"next\" (Link: %q)", p.Resp.Header.Values("Link"))
		}
		if pages > 7 {
			return errors.New("more than 7 pages for 7 events")
		}
		all = append(all, p.Events...)
		path = p.Next
	}
	if err := sameEvents(all, e...); err != nil {
		return fmt.Errorf("the pages together: %w", err)
	}
	if _, ok := extra["orderBy"]; ok {
		for i := range e {
			if eventID(all[i]) != eventID(e[i]) {
				return fmt.Errorf("event %d across pages is %s, want %s in eventTime order", i, eventID(all[i]), eventID(e[i]))
			}
		}
	}
	// A page size covering everything has no next page.
	params.Set("perPage", "10")
	p, err := c.QueryPage(ctx, "/events?"+encodeQuery(params))
	if err != nil {
		return err
	}
	if p.Next != "" {
		return fmt.Errorf("a page holding all %d events still has Link rel=\"next\" %s", len(p.Events), p.Next)
	}
	return nil
}

func pageByToken(ctx context.Context, c *Client) error {
	f, e, err := pagedWorld(ctx, c)
	if err != nil {
		return err
	}
	params := url.Values{"perPage": {"4"}}
	for k, v := range f.scope {
		params[k] = v
	}
	first, err := c.QueryPage(ctx, "/events?"+encodeQuery(params))
	if err != nil {
		return err
	}
	if first.Next == "" {
		return errors.New("no Link rel=\"next\" on the first of two pages")
	}
	u, err := url.Parse(first.Next)
	if err != nil {
		return fmt.Errorf("Link rel=next %q: %v", first.Next, err)
	}
	tok := u.Query().Get("nextPageToken")
	if tok == "" {
		return fmt.Errorf("Link rel=next %q carries no nextPageToken", first.Next)
	}
	params.Set("nextPageToken", tok)
	second, err := c.QueryPage(ctx, "/events?"+encodeQuery(params))
	if err != nil {
		return err
	}
	return sameEvents(append(first.Events, second.Events...), e...)
}

func tokenExpires(ctx context.Context, c *Client) error {
	f, _, err := pagedWorld(ctx, c)
	if err != nil {
		return err
	}
	p, err := c.QueryPage(ctx, "/events?perPage=2&"+encodeQuery(f.scope))
	if err != nil {
		return err
	}
	v := p.Resp.Header.Get("GS1-Next-Page-Token-Expires")
	if v == "" {
		return errors.New("no GS1-Next-Page-Token-Expires header on a page with a next page")
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return fmt.Errorf("GS1-Next-Page-Token-Expires %q is not a date-time", v)
	}
	return nil
}

func pageNamedQuery(ctx context.Context, c *Client) error {
	f, e, err := pagedWorld(ctx, c)
	if err != nil {
		return err
	}
	name := "conform-" + c.ids.Name()
	r, err := c.PostJSON(ctx, "/queries", map[string]any{"name": name, "query": map[string]any{"EQ_readPoint": []any{f.rp}}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer c.Do(context.WithoutCancel(ctx), Request{Method: http.MethodDelete, Path: "/queries/" + url.PathEscape(name)})
	p, err := c.QueryPage(ctx, "/queries/"+url.PathEscape(name)+"/events?perPage=3")
	if err != nil {
		return err
	}
	if len(p.Events) > 3 || p.Next == "" {
		return fmt.Errorf("first page of a named query over 7 events with perPage=3: %d events, next %q", len(p.Events), p.Next)
	}
	rest, err := c.QueryAll(ctx, p.Next)
	if err != nil {
		return err
	}
	return sameEvents(append(p.Events, rest...), e...)
}

func forgedToken(ctx context.Context, c *Client) error {
	r, err := c.Get(ctx, "/events?perPage=2&nextPageToken=Zm9yZ2VkLXRva2VuLW9mLXRoZS1jb25mb3JtYW5jZS1raXQ")
	if err != nil {
		return err
	}
	if r.Status < 400 || r.Status >= 500 {
		return fmt.Errorf("a forged nextPageToken answered %d, want a 4xx", r.Status)
	}
	return r.ExpectProblem(r.Status, "")
}

const refQueries = "EPCIS 2.0 OpenAPI, /queries and /queries/{queryName}"

func namedQueryCases() []Case {
	return []Case{
		{ID: "NQ-001", Area: "named-queries", Level: Must, Ref: refQueries + " POST 201",
			Requirement: "Creating a named query creates a view on the events in the repository, accessible through its events resource. To obtain the named query results, the client can use the URL in the `Location` header.",
			Title:       "POST /queries answers 201 with a Location; GET of it returns the definition", Run: nqCreate},
		{ID: "NQ-002", Area: "named-queries", Level: Must, Ref: refQueries + "/events",
			Requirement: "Creating a named query creates a view on the events in the repository, accessible through its events resource.",
			Title:       "GET /queries/{name}/events returns exactly the matching events, including events captured after the query was created", Run: nqEvents},
		{ID: "NQ-003", Area: "named-queries", Level: Must, Ref: refQueries + " POST 409",
			Requirement: "409: epcisException:ResourceAlreadyExistsException",
			Title:       "creating a query whose name exists is refused with 409 ResourceAlreadyExistsException", Run: nqDuplicate},
		{ID: "NQ-004", Area: "named-queries", Level: Must, Ref: refQueries + " DELETE 204, GET 404",
			Requirement: "204QueryDeleted; 404: At least one resource was not found. For example, the EPCIS event does not exist or the query does not exist. (epcisException:NoSuchResourceException)",
			Title:       "DELETE /queries/{name} answers 204, after which the query and its events are 404 NoSuchResourceException", Run: nqDelete},
		{ID: "NQ-005", Area: "named-queries", Level: Must, Ref: refQueries + " GET",
			Requirement: "GET /queries: Returns a list of queries.",
			Title:       "GET /queries lists the created query", Run: nqList},
		{ID: "NQ-006", Area: "named-queries", Level: Must, Ref: refQueries + " POST 400 (400QueryIssues)",
			Requirement: "Query exceptions defined in EPCIS: epcisException:QueryValidationException, epcisException:QueryParameterException, epcisException:ValidationException",
			Title:       "a query definition with an invalid parameter value is refused with 400", Run: nqInvalid},
	}
}

func createQuery(ctx context.Context, c *Client, query map[string]any) (name string, r *Response, err error) {
	name = "conform-" + c.ids.Name()
	r, err = c.PostJSON(ctx, "/queries", map[string]any{"name": name, "query": query})
	return name, r, err
}

func deleteQuery(ctx context.Context, c *Client, name string) {
	c.Do(context.WithoutCancel(ctx), Request{Method: http.MethodDelete, Path: "/queries/" + url.PathEscape(name)})
}

func nqCreate(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"eventType": []any{"ObjectEvent"}, "EQ_bizStep": []any{"shipping", "receiving"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
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
	if !strings.Contains(string(g.Body), name) || !strings.Contains(string(g.Body), "EQ_bizStep") {
		return fmt.Errorf("GET %s does not return the query's name and definition: %s", loc, snippet(g.Body))
	}
	return nil
}

func nqEvents(ctx context.Context, c *Client) error {
	f := newFixture(c)
	a := with(f.object("OBSERVE", f.epc()), "bizStep", "shipping")
	b := with(f.object("OBSERVE", f.epc()), "bizStep", "receiving")
	if err := f.capture(ctx, a, b); err != nil {
		return err
	}
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_readPoint": []any{f.rp}, "EQ_bizStep": []any{"shipping"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
	later := with(f.object("OBSERVE", f.epc()), "bizStep", "shipping")
	if err := f.capture(ctx, later); err != nil {
		return err
	}
	got, err := c.QueryAll(ctx, "/queries/"+url.PathEscape(name)+"/events")
	if err != nil {
		return err
	}
	return sameEvents(got, a, later)
}

func nqDuplicate(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_bizStep": []any{"shipping"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
	again, err := c.PostJSON(ctx, "/queries", map[string]any{"name": name, "query": map[string]any{"EQ_bizStep": []any{"receiving"}}})
	if err != nil {
		return err
	}
	return again.ExpectProblem(http.StatusConflict, "ResourceAlreadyExistsException")
}

func nqDelete(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_bizStep": []any{"shipping"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	d, err := c.Do(ctx, Request{Method: http.MethodDelete, Path: "/queries/" + url.PathEscape(name)})
	if err != nil {
		return err
	}
	if err := d.ExpectStatus(http.StatusNoContent); err != nil {
		return err
	}
	for _, p := range []string{"/queries/" + url.PathEscape(name), "/queries/" + url.PathEscape(name) + "/events"} {
		if err := expectProblem(ctx, c, p, http.StatusNotFound, "NoSuchResourceException"); err != nil {
			return err
		}
	}
	return nil
}

// maxListPages bounds how many pages of a list resource a case reads.
const maxListPages = 200

// collectionMembers pages through a list resource and reports whether
// want is among its members (values compared as sameValue does). A list
// longer than maxListPages pages that does not show want early makes the
// case skip: the kit cannot tell on a large repository.
func collectionMembers(ctx context.Context, c *Client, path string, want string) (bool, error) {
	for n := 0; path != ""; n++ {
		if n == maxListPages {
			return false, Skip("%s has more than %d pages: too long to look for %s", path, maxListPages, want)
		}
		r, err := c.Get(ctx, path)
		if err != nil {
			return false, err
		}
		if err := r.ExpectStatus(http.StatusOK); err != nil {
			return false, err
		}
		var members []any
		var coll struct {
			Member []any `json:"member"`
		}
		if err := r.JSON(&coll); err == nil && coll.Member != nil {
			members = coll.Member
		} else if err := r.JSON(&members); err != nil {
			return false, fmt.Errorf("%s: neither a Collection with member nor an array: %s", path, snippet(r.Body))
		}
		for _, m := range members {
			s, ok := m.(string)
			if !ok {
				if mm, isMap := m.(map[string]any); isMap {
					s, _ = mm["name"].(string)
				}
			}
			if sameValue(s, want) {
				return true, nil
			}
		}
		path = nextLink(r.Header)
	}
	return false, nil
}

func nqList(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_bizStep": []any{"shipping"}})
	if err != nil {
		return err
	}
	if err := r.ExpectStatus(http.StatusCreated); err != nil {
		return err
	}
	defer deleteQuery(ctx, c, name)
	ok, err := collectionMembers(ctx, c, "/queries", name)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("GET /queries does not list %q", name)
	}
	return nil
}

func nqInvalid(ctx context.Context, c *Client) error {
	name, r, err := createQuery(ctx, c, map[string]any{"EQ_action": []any{"SIDEWAYS"}})
	if err != nil {
		return err
	}
	if r.Status == http.StatusCreated {
		deleteQuery(ctx, c, name)
	}
	if err := r.ExpectStatus(http.StatusBadRequest); err != nil {
		return err
	}
	for _, ex := range []string{"QueryParameterException", "QueryValidationException", "ValidationException"} {
		if r.ExpectProblem(http.StatusBadRequest, ex) == nil {
			return nil
		}
	}
	return r.ExpectProblem(http.StatusBadRequest, "QueryParameterException")
}

func pageWhileCapturing(ctx context.Context, c *Client) error {
	f, e, err := pagedWorld(ctx, c)
	if err != nil {
		return err
	}
	params := url.Values{"perPage": {"2"}, "orderBy": {"eventTime"}, "orderDirection": {"ASC"}}
	for k, v := range f.scope {
		params[k] = v
	}
	first, err := c.QueryPage(ctx, "/events?"+encodeQuery(params))
	if err != nil {
		return err
	}
	if first.Next == "" {
		return errors.New("no Link rel=\"next\" on the first page of 7 events with perPage=2")
	}
	// New events before, among and after those already paged.
	early := with(f.object("OBSERVE", f.epc()), "eventTime", f.at(-5))
	mid := with(f.object("OBSERVE", f.epc()), "eventTime", f.at(2))
	late := f.object("OBSERVE", f.epc())
	if err := f.capture(ctx, early, mid, late); err != nil {
		return err
	}
	rest, err := c.QueryAll(ctx, first.Next)
	if err != nil {
		return err
	}
	all := append(first.Events, rest...)
	seen := map[string]bool{}
	for _, x := range all {
		if seen[eventID(x)] {
			return fmt.Errorf("event %s returned twice across pages", eventID(x))
		}
		seen[eventID(x)] = true
	}
	for _, x := range e {
		if !seen[eventID(x)] {
			return fmt.Errorf("event %s, there before paging began, is missing from the pages", eventID(x))
		}
	}
	return nil
}
