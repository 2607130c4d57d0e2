package query

import "strconv"

// Units of measure that sensor and quantity comparisons convert between:
// UN/CEFACT Recommendation 20 codes (the ones CBV and GS1's examples use)
// with their factor and offset to the base unit of their dimension, so
// that GE_value_KEL=277 finds a reading of 4.5 CEL. A unit not listed
// compares only with itself.
type unit struct {
	dim            string
	factor, offset float64 // base = value*factor + offset
}

var units = map[string]unit{
	// Temperature, base kelvin.
	"KEL": {"temperature", 1, 0},
	"CEL": {"temperature", 1, 273.15},
	"FAH": {"temperature", 5.0 / 9, 273.15 - 32*5.0/9},
	// Mass, base kilogram.
	"KGM": {"mass", 1, 0},
	"GRM": {"mass", 1e-3, 0},
	"MGM": {"mass", 1e-6, 0},
	"MC":  {"mass", 1e-9, 0}, // microgram
	"TNE": {"mass", 1e3, 0},
	"LBR": {"mass", 0.45359237, 0},
	"ONZ": {"mass", 0.028349523125, 0},
	// Length, base metre.
	"MTR": {"length", 1, 0},
	"KMT": {"length", 1e3, 0},
	"CMT": {"length", 1e-2, 0},
	"MMT": {"length", 1e-3, 0},
	"INH": {"length", 0.0254, 0},
	"FOT": {"length", 0.3048, 0},
	"YRD": {"length", 0.9144, 0},
	"SMI": {"length", 1609.344, 0}, // statute mile
	// Volume, base cubic metre.
	"MTQ": {"volume", 1, 0},
	"LTR": {"volume", 1e-3, 0},
	"MLT": {"volume", 1e-6, 0},
	"CMQ": {"volume", 1e-6, 0},
	"GLL": {"volume", 3.785411784e-3, 0}, // US gallon
	"GLI": {"volume", 4.54609e-3, 0},     // imperial gallon
	// Pressure, base pascal.
	"PAL": {"pressure", 1, 0},
	"KPA": {"pressure", 1e3, 0},
	"A97": {"pressure", 1e2, 0}, // hectopascal
	"BAR": {"pressure", 1e5, 0},
	"MBR": {"pressure", 1e2, 0},
	"PS":  {"pressure", 6894.757293168, 0}, // pound-force per square inch
	// Time, base second.
	"SEC": {"time", 1, 0},
	"MIN": {"time", 60, 0},
	"HUR": {"time", 3600, 0},
	"DAY": {"time", 86400, 0},
	// Speed, base metre per second.
	"MTS": {"speed", 1, 0},
	"KMH": {"speed", 1 / 3.6, 0},
	// Illuminance and energy, as GS1's sensor examples use them.
	"LUX": {"illuminance", 1, 0},
	"JOU": {"energy", 1, 0},
	"KJO": {"energy", 1e3, 0},
	"WHR": {"energy", 3600, 0},
	"KWH": {"energy", 3.6e6, 0},
}

// convertUnit converts x from one unit to another of the same dimension;
// ok is false when either unit is unknown or they measure different
// things. The same unit converts to itself, known or not.
func convertUnit(x float64, from, to string) (float64, bool) {
	if from == to {
		return x, true
	}
	f, ok1 := units[from]
	t, ok2 := units[to]
	if !ok1 || !ok2 || f.dim != t.dim {
		return 0, false
	}
	y := (x*f.factor + f.offset - t.offset) / t.factor
	// Twelve significant digits: 4.5 CEL is 277.65 KEL, not
	// 277.65000000000003, so that EQ_ comparisons hold.
	r, err := strconv.ParseFloat(strconv.FormatFloat(y, 'g', 12, 64), 64)
	return r, err == nil
}

// inUnit reads x, measured in unit have, in unit want ("" takes any
// unit as it is).
func inUnit(x float64, have, want string) (float64, bool) {
	if want == "" {
		return x, true
	}
	return convertUnit(x, have, want)
}
