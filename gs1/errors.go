package gs1

import (
	"errors"
	"strconv"
)

// ErrUnknownPrefixLength is wrapped by errors returned when an EPC URN is
// requested for an identifier whose GS1 Company Prefix length is not known
// (typically one parsed from a Digital Link).
var ErrUnknownPrefixLength = errors.New("gs1: GS1 Company Prefix length unknown")

// Error reports an invalid identifier. Part names the component that is
// wrong ("company prefix", "serial", "check digit", "AI 01", ...), Value is
// the offending text and Reason says what is wrong with it.
type Error struct {
	Part   string
	Value  string
	Reason string
}

func (e *Error) Error() string {
	return "gs1: invalid " + e.Part + " " + strconv.Quote(e.Value) + ": " + e.Reason
}

func errf(part, value, reason string) error {
	return &Error{Part: part, Value: value, Reason: reason}
}

// PrefixLengthError is returned (wrapped as ErrUnknownPrefixLength) when the
// GS1 Company Prefix length of Key is unknown.
type PrefixLengthError struct {
	Scheme Scheme
	Key    string
}

func (e *PrefixLengthError) Error() string {
	return "gs1: GS1 Company Prefix length unknown for " + string(e.Scheme) + " key " + strconv.Quote(e.Key)
}

// Unwrap makes errors.Is(err, ErrUnknownPrefixLength) true.
func (e *PrefixLengthError) Unwrap() error { return ErrUnknownPrefixLength }
