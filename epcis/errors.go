package epcis

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind is the closed set of error kinds Lotline reports. Each kind is one
// exception of the EPCIS standard and has one HTTP status (see kinds).
type Kind int

// The kinds of error, one per EPCIS exception Lotline raises.
const (
	KindInternal Kind = iota // ImplementationException, 500
	KindValidation
	KindCaptureLimitExceeded
	KindNoSuchResource
	KindResourceAlreadyExists
	KindQueryParameter
	KindQueryTooLarge
	KindQueryTooComplex
	KindURITooLong
	KindNotAcceptable
	KindUnsupportedMediaType
	KindSecurity
	KindForbidden
	KindMethodNotAllowed
	KindUnavailable
	KindTimeout
	KindHeadersTooLarge
	KindTooManyRequests
)

// kinds is the one table from error kind to EPCIS exception type and HTTP
// status. The REST binding of EPCIS 2.0 fixes both.
var kinds = map[Kind]struct {
	exception string
	status    int
	title     string
}{
	KindInternal:              {"ImplementationException", http.StatusInternalServerError, "Internal error"},
	KindValidation:            {"ValidationException", http.StatusBadRequest, "Invalid EPCIS data"},
	KindCaptureLimitExceeded:  {"CaptureLimitExceededException", http.StatusRequestEntityTooLarge, "Capture limit exceeded"},
	KindNoSuchResource:        {"NoSuchResourceException", http.StatusNotFound, "No such resource"},
	KindResourceAlreadyExists: {"ResourceAlreadyExistsException", http.StatusConflict, "Resource already exists"},
	KindQueryParameter:        {"QueryParameterException", http.StatusBadRequest, "Invalid query parameter"},
	KindQueryTooLarge:         {"QueryTooLargeException", http.StatusRequestEntityTooLarge, "Query result too large"},
	KindQueryTooComplex:       {"QueryTooComplexException", http.StatusRequestEntityTooLarge, "Query too complex"},
	KindURITooLong:            {"URITooLongException", http.StatusRequestURITooLong, "URI too long"},
	KindNotAcceptable:         {"NotAcceptableException", http.StatusNotAcceptable, "Not acceptable"},
	KindUnsupportedMediaType:  {"UnsupportedMediaTypeException", http.StatusUnsupportedMediaType, "Unsupported media type"},
	KindSecurity:              {"SecurityException", http.StatusUnauthorized, "Not authenticated"},
	KindForbidden:             {"SecurityException", http.StatusForbidden, "Not allowed"},
	KindMethodNotAllowed:      {"MethodNotAllowedException", http.StatusMethodNotAllowed, "Method not allowed"},
	KindUnavailable:           {"ServiceUnavailableException", http.StatusServiceUnavailable, "Service unavailable"},
	KindTimeout:               {"ImplementationException", http.StatusRequestTimeout, "Request timeout"},
	// The standard names no exception for these two: oversized headers
	// are bad input, and a caller over its rate is served again later.
	KindHeadersTooLarge: {"ValidationException", http.StatusRequestHeaderFieldsTooLarge, "Request headers too large"},
	KindTooManyRequests: {"ServiceUnavailableException", http.StatusTooManyRequests, "Too many requests"},
}

// ExceptionType is the problem type URI of the kind, such as
// "epcisException:ValidationException".
func (k Kind) ExceptionType() string {
	if v, ok := kinds[k]; ok {
		return "epcisException:" + v.exception
	}
	return "epcisException:ImplementationException"
}

// Status is the HTTP status code of the kind.
func (k Kind) Status() int {
	if v, ok := kinds[k]; ok {
		return v.status
	}
	return http.StatusInternalServerError
}

// Title is a short human summary of the kind.
func (k Kind) Title() string {
	if v, ok := kinds[k]; ok {
		return v.title
	}
	return "Internal error"
}

// Error is an error a client can act on: its kind, a message and, where it
// applies, the place at fault.
type Error struct {
	Kind    Kind
	Message string
	// Pointer is the JSON pointer (RFC 6901) into the request document.
	Pointer string
	// EventIndex is the index of the event in the document's eventList, or
	// -1 when the error is not about one event.
	EventIndex int
	// Param names the query parameter or header at fault.
	Param string
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	s := e.Message
	if e.Pointer != "" {
		s = e.Pointer + ": " + s
	}
	if e.Param != "" {
		s = e.Param + ": " + s
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind k with no location.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), EventIndex: -1}
}

// Invalid returns a ValidationException at a JSON pointer.
func Invalid(pointer, format string, args ...any) *Error {
	return &Error{Kind: KindValidation, Message: fmt.Sprintf(format, args...), Pointer: pointer, EventIndex: -1}
}

// KindOf returns the kind of err, KindInternal for errors Lotline did not
// classify.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Errors is a list of problems found in one document.
type Errors []*Error

func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", es[0].Error(), len(es)-1)
}
