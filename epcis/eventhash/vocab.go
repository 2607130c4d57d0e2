package eventhash

// Bare-string CBV terms of the EPCIS 2.0 JSON-LD binding and the Web URI
// each one stands for (CBV 2.0, sections on business steps, dispositions,
// business transaction types, source/destination types, sensor
// measurement types, sensor exceptions and sensor components). Only terms
// that the JSON-LD context defines are expanded; any other bare string is
// hashed as given.

const (
	cbvWeb = "https://ref.gs1.org/cbv/"
	gs1Voc = "https://gs1.org/voc/"
)

// vocab is one closed vocabulary: a bare term t expands to prefix+t.
type vocab struct {
	prefix string
	terms  map[string]struct{}
}

func newVocab(prefix string, terms ...string) *vocab {
	m := make(map[string]struct{}, len(terms))
	for _, t := range terms {
		m[t] = struct{}{}
	}
	return &vocab{prefix: prefix, terms: m}
}

// expand returns the Web URI of a bare term, or s unchanged.
func (v *vocab) expand(s string) string {
	if v == nil {
		return s
	}
	if _, ok := v.terms[s]; ok {
		return v.prefix + s
	}
	return s
}

var (
	bizStepVocab = newVocab(cbvWeb+"BizStep-",
		"accepting", "arriving", "assembling", "collecting", "commissioning",
		"consigning", "creating_class_instance", "cycle_counting",
		"decommissioning", "departing", "destroying", "disassembling",
		"dispensing", "encoding", "entering_exiting", "holding", "inspecting",
		"installing", "killing", "loading", "other", "packing", "picking",
		"receiving", "removing", "repackaging", "repairing", "replacing",
		"reserving", "retail_selling", "sampling", "sensor_reporting",
		"shipping", "staging_outbound", "stock_taking", "stocking", "storing",
		"transporting", "unloading", "unpacking", "void_shipping")

	dispositionVocab = newVocab(cbvWeb+"Disp-",
		"active", "available", "completeness_verified", "completeness_inferred",
		"conformant", "container_closed", "container_open", "damaged",
		"destroyed", "dispensed", "disposed", "encoded", "expired",
		"in_progress", "in_transit", "inactive", "mismatch_instance",
		"mismatch_class", "mismatch_quantity", "needs_replacement",
		"no_pedigree_match", "non_conformant", "non_sellable_other",
		"partially_dispensed", "recalled", "reserved", "retail_sold",
		"returned", "sellable_accessible", "sellable_not_accessible", "stolen",
		"unavailable", "unknown")

	bizTransactionTypeVocab = newVocab(cbvWeb+"BTT-",
		"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder",
		"recadv", "rma", "testprd", "testres", "upevt")

	sourceDestTypeVocab = newVocab(cbvWeb+"SDT-",
		"owning_party", "possessing_party", "location")

	measurementTypeVocab = newVocab(gs1Voc,
		"AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration",
		"Radioactivity", "Altitude", "AmountOfSubstance",
		"AmountOfSubstancePerUnitVolume", "Angle", "AngularAcceleration",
		"AngularMomentum", "AngularVelocity", "Area", "Capacitance",
		"Conductance", "Conductivity", "Count", "Density", "Dimensionless",
		"DoseEquivalent", "DoseEquivalentRate", "DynamicViscosity",
		"ElectricCharge", "ElectricCurrent", "ElectricCurrentDensity",
		"ElectricFieldStrength", "Energy", "Exposure", "Force", "Frequency",
		"Illuminance", "Inductance", "Irradiance", "KinematicViscosity",
		"Length", "LinearMomentum", "Luminance", "LuminousFlux",
		"LuminousIntensity", "MagneticFlux", "MagneticFluxDensity",
		"MagneticVectorPotential", "Mass", "MassConcentration",
		"MassFlowRate", "MassPerAreaTime", "MemoryCapacity",
		"MolalityOfSolute", "MolarEnergy", "MolarMass", "MolarVolume", "Power",
		"Pressure", "RadiantFlux", "RadiantIntensity", "RelativeHumidity",
		"Resistance", "Resistivity", "SolidAngle", "SpecificVolume", "Speed",
		"SurfaceDensity", "SurfaceTension", "Temperature", "Time", "Torque",
		"Voltage", "Volume", "VolumeFlowRate", "VolumeFraction",
		"VolumetricFlux", "Wavenumber")

	sensorExceptionVocab = newVocab(gs1Voc, "ALARM_CONDITION", "ERROR_CONDITION")

	componentVocab = newVocab(cbvWeb+"Comp-",
		"x", "y", "z", "axial_distance", "azimuth", "height",
		"spherical_radius", "polar_angle", "elevation_angle", "easting",
		"northing", "latitude", "longitude", "altitude")
)

// cbvURNPrefixes maps the CBV 1.x URN forms to their CBV 2.0 Web URI form.
var cbvURNPrefixes = [...]struct{ urn, web string }{
	{"urn:epcglobal:cbv:bizstep:", cbvWeb + "BizStep-"},
	{"urn:epcglobal:cbv:disp:", cbvWeb + "Disp-"},
	{"urn:epcglobal:cbv:btt:", cbvWeb + "BTT-"},
	{"urn:epcglobal:cbv:sdt:", cbvWeb + "SDT-"},
	{"urn:epcglobal:cbv:er:", cbvWeb + "ER-"},
}

// defaultNamespaces are the prefixes the EPCIS 2.0 JSON-LD context
// defines; a document's own @context entries override them.
var defaultNamespaces = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     cbvWeb,
	"cbvmda":  "urn:epcglobal:cbv:mda:",
	"gs1":     gs1Voc,
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
}
