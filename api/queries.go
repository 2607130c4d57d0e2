package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
)

// maxQueryName bounds the length of a query name.
const maxQueryName = 128

// validQueryName reports whether s may name a query. The OpenAPI types a
// name as a string; Lotline takes the characters a URI path segment holds
// unescaped (RFC 3986 "unreserved"), beginning with a letter or digit, so
// that /queries/{name} is the same URL however a client escapes it and no
// name is "." or "..".
func validQueryName(s string) bool {
	if s == "" || len(s) > maxQueryName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '-' || c == '_' || c == '.' || c == '~'):
		default:
			return false
		}
	}
	return true
}

// definition is a named query as stored and as GET /queries/{name} returns
// it: the OpenAPI's QueryDefinition.
type definition struct {
	Name  string          `json:"name"`
	Query json.RawMessage `json:"query"`
}

// paramType is the JSON type the standard's query schema gives a query
// parameter in a query body.
type paramType uint8

const (
	tStrings  paramType = iota + 1 // array of strings (URIs, vocabulary values, text)
	tNumbers                       // array of numbers
	tTime                          // date-time string
	tNumber                        // number
	tInteger                       // integer (EXISTS_, eventCountLimit, maxEventCount)
	tBoolean                       // EQ_booleanValue
	tString                        // orderBy, orderDirection
	tFieldEQ                       // EQ_ of an extension field: array of strings, date-time string or number
	tFieldCmp                      // GT_/GE_/LT_/LE_ of an extension field: date-time string or number
)

var paramTypes = map[string]paramType{
	"eventType":    tStrings,
	"GE_eventTime": tTime, "LT_eventTime": tTime, "GE_recordTime": tTime, "LT_recordTime": tTime,
	"EQ_action": tStrings, "EQ_bizStep": tStrings, "EQ_disposition": tStrings,
	"EQ_persistentDisposition_set": tStrings, "EQ_persistentDisposition_unset": tStrings,
	"EQ_quantity": tNumbers, "GT_quantity": tNumber, "GE_quantity": tNumber, "LT_quantity": tNumber, "LE_quantity": tNumber,
	"EQ_readPoint": tStrings, "WD_readPoint": tStrings, "EQ_bizLocation": tStrings, "WD_bizLocation": tStrings,
	"EQ_transformationID": tStrings,
	"MATCH_epc":           tStrings, "MATCH_parentID": tStrings, "MATCH_inputEPC": tStrings, "MATCH_outputEPC": tStrings,
	"MATCH_anyEPC": tStrings, "MATCH_epcClass": tStrings, "MATCH_inputEPCClass": tStrings,
	"MATCH_outputEPCClass": tStrings, "MATCH_anyEPCClass": tStrings,
	"EQ_eventID":              tStrings,
	"EXISTS_errorDeclaration": tInteger,
	// The schema spells these GE_errorDeclaration_Time; the OpenAPI
	// GE_errorDeclarationTime. Both are taken.
	"GE_errorDeclaration_Time": tTime, "LT_errorDeclaration_Time": tTime,
	"GE_errorDeclarationTime": tTime, "LT_errorDeclarationTime": tTime,
	"EQ_errorReason": tStrings, "EQ_correctiveEventID": tStrings,
	"orderBy": tString, "orderDirection": tString, "eventCountLimit": tInteger, "maxEventCount": tInteger,
	"EXISTS_sensorElementList": tInteger,
	"GE_time":                  tTime, "LT_time": tTime, "GE_startTime": tTime, "LT_startTime": tTime,
	"GE_endTime": tTime, "LT_endTime": tTime,
	"EQ_type": tStrings, "EQ_deviceID": tStrings, "EQ_dataProcessingMethod": tStrings,
	"EQ_microorganism": tStrings, "EQ_chemicalSubstance": tStrings, "EQ_bizRules": tStrings,
	"EQ_stringValue": tStrings, "EQ_hexBinaryValue": tStrings, "EQ_uriValue": tStrings,
	"EQ_booleanValue": tBoolean,
	"GE_percRank":     tNumber, "LT_percRank": tNumber, "GT_percRank": tNumber, "LE_percRank": tNumber,
}

// sensorUOMFields are the sensor and quantity families whose parameter
// names end in a unit of measure: {op}_{field}_{uom}.
var sensorUOMFields = []string{"minValue_", "maxValue_", "meanValue_", "sDev_", "value_", "percValue_", "quantity_"}

// typeOf returns the schema type of a parameter, by name or by the family
// its name belongs to; 0 for a name the query language does not have.
func typeOf(name string) paramType {
	if t, ok := paramTypes[name]; ok {
		return t
	}
	op, rest, _ := strings.Cut(name, "_")
	if rest == "" {
		return 0
	}
	switch op {
	case "EXISTS":
		return tInteger
	case "HASATTR":
		return tStrings
	case "EQ", "GT", "GE", "LT", "LE":
	default:
		return 0
	}
	if op == "EQ" {
		for _, p := range []string{"bizTransaction_", "source_", "destination_"} {
			if strings.HasPrefix(rest, p) {
				return tStrings
			}
		}
	}
	if !strings.Contains(rest, ":") {
		for _, f := range sensorUOMFields {
			if strings.HasPrefix(rest, f) {
				if op == "EQ" {
					return tNumbers
				}
				return tNumber
			}
		}
	}
	if op == "EQ" {
		return tFieldEQ
	}
	return tFieldCmp
}

// pointerTo is the JSON pointer of member name of the query object.
func pointerTo(name string) string {
	return "/query/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
}

func bodyError(name, pointer, format string, args ...any) *epcis.Error {
	e := epcis.Errorf(epcis.KindQueryParameter, format, args...)
	e.Param, e.Pointer = safeName(name), pointer
	return e
}

// definitionParams turns the query object of a definition into the URL
// parameters it stands for (list values joined with '|'), checking each
// member's JSON type against the standard's query schema, and returns the
// namespaces its @context declares. It does not check the values
// themselves: query.Parse does, on the result.
func definitionParams(q map[string]any) (url.Values, map[string]string, error) {
	params := url.Values{}
	var ns map[string]string
	for name, v := range q {
		ptr := pointerTo(name)
		if name == "@context" {
			ns = epcis.Namespaces(v)
			continue
		}
		if name == "perPage" || name == "nextPageToken" {
			return nil, nil, bodyError(name, ptr, "is not part of a query definition; give it when reading /queries/{name}/events")
		}
		typ := typeOf(name)
		if typ == 0 {
			return nil, nil, bodyError(name, ptr, "unknown query parameter")
		}
		s, err := paramText(name, ptr, typ, v)
		if err != nil {
			return nil, nil, err
		}
		params.Set(name, s)
	}
	return params, ns, nil
}

// paramText checks one member's JSON type and writes its value as the URL
// form of the parameter has it.
func paramText(name, ptr string, typ paramType, v any) (string, error) {
	wrong := func(want string) error {
		return bodyError(name, ptr, "must be %s", want)
	}
	num, isNum := v.(json.Number)
	str, isStr := v.(string)
	switch typ {
	case tStrings, tNumbers:
		list, ok := v.([]any)
		want := map[paramType]string{tStrings: "an array of strings", tNumbers: "an array of numbers"}[typ]
		if !ok {
			return "", wrong(want)
		}
		if len(list) == 0 {
			return "", bodyError(name, ptr, "is an empty array; leave the parameter out to restrict nothing")
		}
		parts := make([]string, len(list))
		for i, x := range list {
			var s string
			switch x := x.(type) {
			case string:
				if typ != tStrings {
					return "", bodyError(name, ptr+"/"+strconv.Itoa(i), "must be a number")
				}
				if strings.Contains(x, "|") {
					// The URL form separates values with '|', so such a
					// value could not be asked for there either.
					return "", bodyError(name, ptr+"/"+strconv.Itoa(i), "contains '|', which separates the values of a query parameter")
				}
				s = x
			case json.Number:
				if typ != tNumbers {
					return "", bodyError(name, ptr+"/"+strconv.Itoa(i), "must be a string")
				}
				s = string(x)
			default:
				return "", bodyError(name, ptr+"/"+strconv.Itoa(i), "must be a %s", map[paramType]string{tStrings: "string", tNumbers: "number"}[typ])
			}
			parts[i] = s
		}
		return strings.Join(parts, "|"), nil
	case tTime:
		if !isStr {
			return "", wrong("a date-time string")
		}
		return str, nil
	case tNumber:
		if !isNum {
			return "", wrong("a number")
		}
		return string(num), nil
	case tInteger:
		if !isNum {
			return "", wrong("an integer")
		}
		f, err := num.Float64()
		if err != nil || f != float64(int64(f)) {
			return "", wrong("an integer")
		}
		return strconv.FormatInt(int64(f), 10), nil
	case tBoolean:
		b, ok := v.(bool)
		if !ok {
			return "", wrong("true or false")
		}
		return strconv.FormatBool(b), nil
	case tString:
		if !isStr {
			return "", wrong("a string")
		}
		return str, nil
	case tFieldEQ:
		if _, ok := v.([]any); ok {
			return paramText(name, ptr, tStrings, v)
		}
		fallthrough
	case tFieldCmp:
		switch {
		case isNum:
			return string(num), nil
		case isStr:
			if _, err := epcis.ParseTime(str); err != nil {
				if typ == tFieldEQ {
					return "", wrong("an array of strings, a date-time string or a number")
				}
				return "", wrong("a date-time string or a number")
			}
			return str, nil
		}
		if typ == tFieldEQ {
			return "", wrong("an array of strings, a date-time string or a number")
		}
		return "", wrong("a date-time string or a number")
	}
	return "", fmt.Errorf("api: parameter type %d", typ)
}

// parseDefinition reads and checks a POST /queries body: the name, and a
// query whose members have the schema's types and make a valid
// SimpleEventQuery.
func (s *Server) parseDefinition(body any) (*definition, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, epcis.Invalid("", "the body must be a JSON object with members name and query")
	}
	name, ok := m["name"].(string)
	switch {
	case m["name"] == nil:
		return nil, epcis.Invalid("/name", "the query needs a name")
	case !ok:
		return nil, epcis.Invalid("/name", "the name must be a string")
	case !validQueryName(name):
		return nil, epcis.Invalid("/name", "a query name has 1 to %d letters, digits, '-', '_', '.' or '~', and begins with a letter or digit", maxQueryName)
	}
	q, ok := m["query"].(map[string]any)
	switch {
	case m["query"] == nil:
		return nil, epcis.Invalid("/query", "the definition needs a query object")
	case !ok:
		return nil, epcis.Invalid("/query", "the query must be a JSON object of query parameters")
	}
	if _, err := s.queryOf(q); err != nil {
		return nil, err
	}
	raw, err := marshal(q)
	if err != nil {
		return nil, err
	}
	return &definition{Name: name, Query: raw}, nil
}

// queryOf parses a definition's query object as GET /events would parse
// the same parameters, so that a stored query runs. An error names the
// parameter and its JSON pointer.
func (s *Server) queryOf(q map[string]any) (*query.Query, error) {
	params, ns, err := definitionParams(q)
	if err != nil {
		return nil, err
	}
	parsed, err := query.Parse(params, query.ParseOptions{Namespaces: ns, DefaultPerPage: s.cfg.DefaultPerPage, MaxPerPage: s.cfg.MaxPerPage})
	if err != nil {
		var e *epcis.Error
		if errors.As(err, &e) && e.Param != "" && e.Pointer == "" {
			e.Pointer = pointerTo(e.Param)
		}
		return nil, err
	}
	return parsed, nil
}

// createQuery is POST /queries: store a named query; 201 and its Location,
// or 409 when the name is taken.
func (s *Server) createQuery(c echo.Context) error {
	body, err := s.readJSON(c, s.cfg.MaxEventBytes)
	if err != nil {
		return err
	}
	def, err := s.parseDefinition(body)
	if err != nil {
		return err
	}
	stored, err := marshal(def)
	if err != nil {
		return err
	}
	err = s.st.CreateQuery(c.Request().Context(), &store.NamedQuery{Name: s.storedName(c, def.Name), Owner: s.owner(c), Body: stored})
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		return epcis.Errorf(epcis.KindResourceAlreadyExists, "a query named %q already exists", def.Name)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/queries/"+url.PathEscape(def.Name))
	return c.NoContent(http.StatusCreated)
}

// storedName is the store's key of the caller's named query: each party
// names its queries for itself, so that a name another party took is
// neither refused nor revealed (the open mode's local party keeps the
// plain name). Query names never hold the separator.
func (s *Server) storedName(c echo.Context, name string) string {
	if o := s.owner(c); o != s.cfg.Owner {
		return o + "\x1f" + name
	}
	return name
}

// shownName is the name the client gave a stored query.
func shownName(stored string) string {
	return stored[strings.LastIndexByte(stored, '\x1f')+1:]
}

// ownQuery returns the caller's named query from the path, or a
// NoSuchResourceException (also for another party's query).
func (s *Server) ownQuery(c echo.Context) (*store.NamedQuery, *definition, error) {
	name, err := pathValue(c, 2)
	if err != nil {
		return nil, nil, err
	}
	notFound := epcis.Errorf(epcis.KindNoSuchResource, "no query named %q", safeName(name))
	if !validQueryName(name) {
		return nil, nil, notFound
	}
	nq, err := s.st.Query(c.Request().Context(), s.storedName(c, name))
	if errors.Is(err, store.ErrNotFound) || (err == nil && nq.Owner != s.owner(c)) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	def, err := decodeDefinition(nq)
	if err != nil {
		return nil, nil, err
	}
	return nq, def, nil
}

// marshal encodes v as compact JSON without HTML escaping, so that a
// stored definition reads back as the client wrote its URIs.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func decodeDefinition(nq *store.NamedQuery) (*definition, error) {
	var def definition
	if err := json.Unmarshal(nq.Body, &def); err != nil || def.Name != shownName(nq.Name) || len(def.Query) == 0 {
		return nil, fmt.Errorf("api: stored query %q is corrupt: %v", nq.Name, err)
	}
	return &def, nil
}

// getQuery is GET /queries/{name}: the definition as stored.
func (s *Server) getQuery(c echo.Context) error {
	if err := onlyParams(c, headerParams...); err != nil {
		return err
	}
	_, def, err := s.ownQuery(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, def)
}

// deleteQuery is DELETE /queries/{name}.
func (s *Server) deleteQuery(c echo.Context) error {
	nq, _, err := s.ownQuery(c)
	if err != nil {
		return err
	}
	// Subscriptions end first: one left over would find its query gone.
	if err := s.endQuerySubscriptions(c.Request().Context(), nq.Name); err != nil {
		return err
	}
	err = s.st.DeleteQuery(c.Request().Context(), nq.Name)
	if errors.Is(err, store.ErrNotFound) {
		return epcis.Errorf(epcis.KindNoSuchResource, "no query named %q", shownName(nq.Name))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type queriesCursor struct {
	After string `json:"a"`
	Owner string `json:"o"`
}

// listQueries is GET /queries: the caller's named queries in name order,
// paginated, as the OpenAPI's array of definitions.
func (s *Server) listQueries(c echo.Context) error {
	if err := onlyParams(c, append([]string{"perPage", "nextPageToken"}, headerParams...)...); err != nil {
		return err
	}
	perPage, err := s.perPage(c)
	if err != nil {
		return err
	}
	page := store.QueryPage{Owner: s.owner(c), Limit: perPage + 1}
	if tok := c.QueryParam("nextPageToken"); tok != "" {
		var cur queriesCursor
		if err := s.tokens.open("queries", tok, &cur); err != nil || cur.Owner != page.Owner {
			return badToken()
		}
		page.After = cur.After
	}
	nqs, err := s.st.Queries(c.Request().Context(), page)
	if err != nil {
		return err
	}
	if len(nqs) > perPage {
		nqs = nqs[:perPage]
		if err := s.nextLink(c, "queries", queriesCursor{After: nqs[perPage-1].Name, Owner: page.Owner}, perPage); err != nil {
			return err
		}
	}
	defs := make([]*definition, 0, len(nqs))
	for _, nq := range nqs {
		def, err := decodeDefinition(nq)
		if err != nil {
			return err
		}
		defs = append(defs, def)
	}
	return writeJSON(c, http.StatusOK, defs)
}

// namedQueryEvents is GET /queries/{name}/events: the query's events, one
// page at a time. The definition is the query: besides perPage,
// nextPageToken and the format parameters, a request parameter is refused
// rather than combined, since the REST binding defines none for this
// resource (its subscription parameters are not served here).
func (s *Server) namedQueryEvents(c echo.Context) error {
	if isWebSocket(c.Request()) {
		return s.queryEventsSocket(c)
	}
	_, def, err := s.ownQuery(c)
	if err != nil {
		return err
	}
	if err := onlyParams(c, append([]string{"perPage", "nextPageToken"}, headerParams...)...); err != nil {
		var e *epcis.Error
		if errors.As(err, &e) {
			e.Message = "a named query's restrictions are its definition; only perPage, nextPageToken and the format parameters may be given here"
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(def.Query))
	dec.UseNumber()
	var q map[string]any
	if err := dec.Decode(&q); err != nil {
		return fmt.Errorf("api: stored query %q is corrupt: %w", def.Name, err)
	}
	params, ns, err := definitionParams(q)
	if err != nil {
		return err
	}
	return s.serveQuery(c, params, ns, nil)
}
