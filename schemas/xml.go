package schemas

import (
	"errors"
	"sync"
)

// The XML binding's schema is the EPCIS 2.0 XSD, which in a few places
// allows what the JSON Schema refuses. A document decoded from XML is
// checked against the JSON Schema with those rules relaxed, so that XML
// the XSD allows is not refused by a rule of the other binding. Each
// relaxation is listed in docs/xml.md (and docs/decisions/0012); the
// rules the XSD lacks but the standard states are kept.

type xmlVariant struct {
	once sync.Once
	v    *Validator
	err  error
}

// XML returns the validator for documents decoded from XML: this one with
// the XSD's relaxations (xsdRelaxations). It is compiled on first use.
// A validator of GS1's official schema returns itself.
func (v *Validator) XML() *Validator {
	if v.xml == nil {
		return v
	}
	v.xml.once.Do(func() { v.xml.v, v.xml.err = compileEmbedded(xsdRelaxations) })
	if v.xml.err != nil {
		// The edit is covered by tests: an error is a programming error.
		panic(v.xml.err)
	}
	return v.xml.v
}

// xsdRelaxations edits the schema document where the XSD is the looser:
//
//   - sensorReport's type: the XSD's SensorReportType has an optional
//     type attribute (a report may carry only a value with its uom, or
//     only an exception); the JSON Schema requires it.
func xsdRelaxations(doc any) error {
	report, ok := lookup(doc, "/$defs/sensorElement/properties/sensorReport/items").(map[string]any)
	if !ok {
		return errors.New("xml relaxations: no $defs/sensorElement/properties/sensorReport/items")
	}
	delete(report, "required")
	return nil
}
