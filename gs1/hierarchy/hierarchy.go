// Package hierarchy names and reads the master data that describes a
// trade-item packaging hierarchy: "GTIN X (a case) contains N of GTIN Y
// (an each)", and the GTIN indicator-digit convention used when no such
// master data was captured.
//
// The relation is carried by an EPCClass vocabulary element in an EPCIS
// document header (epcisHeader.epcisMasterData). The element's id is the
// parent product class (urn:epc:idpat:sgtin:4012345.111111.* or
// https://id.gs1.org/01/14012345111115), and one attribute lists its
// children. Two attribute IDs are recognised:
//
//   - [GDSNNextLowerLevel], GDSN's tradeItem/nextLowerLevelTradeItemInformation,
//     whose value keeps the GDSN shape: childTradeItem (one object or a
//     list) of {gtin, quantityOfNextLowerLevelTradeItem}, beside the
//     optional quantityOfChildren and totalQuantityOfNextLowerLevelTradeItem.
//     Numbers may be JSON numbers or numeric strings, as GDSN JSON exports
//     write them.
//   - [Contains], Lotline's own attribute: {gtin, quantity} for one
//     child, or {children: [{gtin, quantity}, ...]} for several.
//
// EPCIS 2.0's schema takes a string, a number or an object as an
// attribute value, never a list, so both values are objects.
//
// The GS1 Web Vocabulary (ref.gs1.org/voc, checked at version 1.19) has no
// term for the next-lower-level relation, so no gs1: IRI is defined here;
// the GDSN attribute names are the GS1 standard ones (GDSN Trade Item
// module, validation rules 202 and 617 check them). The whole relation is
// one attribute because the master-data store merges attributes by ID (the
// latest capture of an ID wins), and a mixed case has several children.
//
// Without master data the indicator-digit convention applies (GS1 General
// Specifications, GTIN-14 for groupings): a grouping's GTIN-14 has
// indicator digit 1-8 and the same 12 following digits as the GTIN-13 of
// the item it groups, with its own check digit. [WithIndicator] builds such
// a GTIN, and [SameBody] tells whether two GTINs follow it. A link made
// this way is an inference and says nothing about the quantity.
package hierarchy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/lotline/lotline/gs1"
)

// Attribute IDs of EPCClass master data that describe the hierarchy.
const (
	// GDSNNextLowerLevel is GDSN's nextLowerLevelTradeItemInformation,
	// named in the GDSN catalogue item namespace.
	GDSNNextLowerLevel = GDSNNamespace + "#nextLowerLevelTradeItemInformation"
	// Contains is Lotline's attribute, as docs/server.md documents it and
	// query/lot reads it: {"gtin": "04012345111118", "quantity": 12}, or
	// {"children": [{"gtin": ..., "quantity": ...}, ...]}.
	Contains = "https://lotline.dev/ns/contains"
)

// GDSNNamespace is the namespace of GDSN's attribute ID.
const GDSNNamespace = "urn:gs1:gdsn:catalogue_item_notification:xsd:3"

// Member names inside the attribute values.
const (
	GDSNChildTradeItem      = "childTradeItem"
	GDSNGTIN                = "gtin"
	GDSNQuantityOfNextLower = "quantityOfNextLowerLevelTradeItem"
	GDSNQuantityOfChildren  = "quantityOfChildren"
	GDSNTotalQuantity       = "totalQuantityOfNextLowerLevelTradeItem"
	ContainsGTIN            = "gtin"
	ContainsQuantity        = "quantity"
	ContainsChildren        = "children"
)

// Child is one next-lower-level trade item: Quantity units of GTIN (a
// GTIN-14) in one unit of the parent.
type Child struct {
	GTIN     string
	Quantity int64
}

// ErrValue reports an attribute value that does not have the documented shape.
var ErrValue = errors.New("hierarchy: malformed attribute value")

// IsHierarchyAttribute reports whether id is one of the attribute IDs
// this package reads.
func IsHierarchyAttribute(id string) bool { return id == GDSNNextLowerLevel || id == Contains }

// Children decodes the JSON value of attribute id. It returns (nil, nil)
// for an attribute ID the package does not read. Every child has a valid
// GTIN-14 (GTIN-8, -12 and -13 are padded) and a quantity of at least 1;
// for the GDSN form, totalQuantityOfNextLowerLevelTradeItem and
// quantityOfChildren, when given, must agree with the children.
func Children(id string, value []byte) ([]Child, error) {
	switch id {
	case Contains:
		var v map[string]json.RawMessage
		if err := json.Unmarshal(value, &v); err != nil || v == nil {
			return nil, fmt.Errorf("%w: %s is not an object", ErrValue, Contains)
		}
		items := []map[string]json.RawMessage{v}
		if raw, ok := v[ContainsChildren]; ok {
			if len(v) != 1 {
				return nil, fmt.Errorf("%w: %s has %s beside other members", ErrValue, Contains, ContainsChildren)
			}
			var err error
			if items, err = objects(raw); err != nil {
				return nil, err
			}
		}
		return children(items, ContainsGTIN, ContainsQuantity)
	case GDSNNextLowerLevel:
		var info map[string]json.RawMessage
		if err := json.Unmarshal(value, &info); err != nil || info == nil {
			return nil, fmt.Errorf("%w: %s is not an object", ErrValue, GDSNNextLowerLevel)
		}
		raw, ok := info[GDSNChildTradeItem]
		if !ok {
			return nil, fmt.Errorf("%w: %s has no %s", ErrValue, GDSNNextLowerLevel, GDSNChildTradeItem)
		}
		items, err := objects(raw)
		if err != nil {
			return nil, err
		}
		out, err := children(items, GDSNGTIN, GDSNQuantityOfNextLower)
		if err != nil {
			return nil, err
		}
		var total int64
		for _, c := range out {
			total += c.Quantity
		}
		if err := agree(info, GDSNTotalQuantity, total); err != nil {
			return nil, err
		}
		if err := agree(info, GDSNQuantityOfChildren, int64(len(out))); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, nil
}

// agree checks the optional count member name of info against want.
func agree(info map[string]json.RawMessage, name string, want int64) error {
	raw, ok := info[name]
	if !ok {
		return nil
	}
	n, err := count(raw)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrValue, name, err)
	}
	if n != want {
		return fmt.Errorf("%w: %s is %d, the children say %d", ErrValue, name, n, want)
	}
	return nil
}

// objects reads one JSON object or a non-empty list of them.
func objects(value []byte) ([]map[string]json.RawMessage, error) {
	value = bytes.TrimSpace(value)
	if len(value) > 0 && value[0] == '{' {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(value, &one); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrValue, err)
		}
		return []map[string]json.RawMessage{one}, nil
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(value, &list); err != nil {
		return nil, fmt.Errorf("%w: want an object or a list of objects", ErrValue)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: no children", ErrValue)
	}
	return list, nil
}

func children(items []map[string]json.RawMessage, gtinName, qtyName string) ([]Child, error) {
	out := make([]Child, 0, len(items))
	for i, it := range items {
		if it == nil {
			return nil, fmt.Errorf("%w: child %d is null", ErrValue, i)
		}
		var g string
		if err := json.Unmarshal(it[gtinName], &g); err != nil {
			return nil, fmt.Errorf("%w: child %d: %s must be a string", ErrValue, i, gtinName)
		}
		gtin, err := GTIN14(g)
		if err != nil {
			return nil, fmt.Errorf("%w: child %d: %v", ErrValue, i, err)
		}
		raw, ok := it[qtyName]
		if !ok {
			return nil, fmt.Errorf("%w: child %d has no %s", ErrValue, i, qtyName)
		}
		q, err := count(raw)
		if err != nil || q < 1 {
			return nil, fmt.Errorf("%w: child %d: %s must be a whole number of at least 1", ErrValue, i, qtyName)
		}
		out = append(out, Child{GTIN: gtin, Quantity: q})
	}
	return out, nil
}

// count reads a non-negative whole number written as a JSON number or a
// numeric string.
func count(raw json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(raw))
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// GTIN14 validates a GTIN-8, -12, -13 or -14 and returns it as a GTIN-14.
func GTIN14(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", fmt.Errorf("GTIN %q has %d digits", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("GTIN %q has a non-digit", s)
		}
	}
	if !gs1.ValidCheckDigit(s) {
		return "", fmt.Errorf("GTIN %q has a wrong check digit", s)
	}
	return "00000000000000"[len(s):] + s, nil
}

// Indicator returns the indicator digit of a GTIN-14 ('0' for a base
// unit, '1'-'8' for groupings, '9' for variable-measure items).
func Indicator(gtin14 string) byte { return gtin14[0] }

// SameBody reports whether two GTIN-14s share the 12 digits after the
// indicator: the indicator-digit convention's "same item, another level".
func SameBody(a, b string) bool {
	return len(a) == 14 && len(b) == 14 && a[1:13] == b[1:13]
}

// WithIndicator returns gtin14 with indicator digit d ('0'-'9') and its
// check digit recomputed.
func WithIndicator(gtin14 string, d byte) (string, error) {
	if _, err := GTIN14(gtin14); err != nil || len(gtin14) != 14 {
		return "", fmt.Errorf("hierarchy: %q is not a GTIN-14", gtin14)
	}
	if d < '0' || d > '9' {
		return "", fmt.Errorf("hierarchy: indicator %q is not a digit", d)
	}
	body := string(d) + gtin14[1:13]
	return body + string(gs1.CheckDigit(body)), nil
}
