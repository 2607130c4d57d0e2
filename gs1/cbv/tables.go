package cbv

// The standard vocabularies of the GS1 Core Business Vocabulary 2.0 and the
// GS1 Web vocabulary terms EPCIS 2.0 uses for sensor data, as bare words.
// These are facts of the standards, written out here; the test
// TestTablesMatchContext checks them against the EPCIS 2.0 JSON-LD context.
var vocabularies = []vocabInfo{
	{
		name: BizStep, web: "https://ref.gs1.org/cbv/BizStep-", urn: "urn:epcglobal:cbv:bizstep:", curie: "cbv:BizStep-",
		terms: []string{
			"accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
			"creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
			"disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
			"installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
			"repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
			"sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
			"transporting", "unloading", "unpacking", "void_shipping",
		},
	},
	{
		name: Disp, web: "https://ref.gs1.org/cbv/Disp-", urn: "urn:epcglobal:cbv:disp:", curie: "cbv:Disp-",
		terms: []string{
			"active", "available", "completeness_verified", "completeness_inferred", "conformant",
			"container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
			"encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_instance",
			"mismatch_class", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
			"non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
			"retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
			"unavailable", "unknown",
		},
	},
	{
		name: BTT, web: "https://ref.gs1.org/cbv/BTT-", urn: "urn:epcglobal:cbv:btt:", curie: "cbv:BTT-",
		terms: []string{
			"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
			"testprd", "testres", "upevt",
		},
	},
	{
		name: SDT, web: "https://ref.gs1.org/cbv/SDT-", urn: "urn:epcglobal:cbv:sdt:", curie: "cbv:SDT-",
		terms: []string{"owning_party", "possessing_party", "location"},
	},
	{
		name: ER, web: "https://ref.gs1.org/cbv/ER-", urn: "urn:epcglobal:cbv:er:", curie: "cbv:ER-",
		terms: []string{"did_not_occur", "incorrect_data"},
	},
	{
		name: Comp, web: "https://ref.gs1.org/cbv/Comp-", urn: "urn:epcglobal:cbv:comp:", curie: "cbv:Comp-",
		terms: []string{
			"x", "y", "z", "axial_distance", "azimuth", "height", "spherical_radius", "polar_angle",
			"elevation_angle", "easting", "northing", "latitude", "longitude", "altitude",
		},
	},
	{
		name: MeasurementType, web: "https://gs1.org/voc/", curie: "gs1:",
		terms: []string{
			"AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration", "Radioactivity",
			"Altitude", "AmountOfSubstance", "AmountOfSubstancePerUnitVolume", "Angle",
			"AngularAcceleration", "AngularMomentum", "AngularVelocity", "Area", "Capacitance",
			"Conductance", "Conductivity", "Count", "Density", "Dimensionless", "DoseEquivalent",
			"DoseEquivalentRate", "DynamicViscosity", "ElectricCharge", "ElectricCurrent",
			"ElectricCurrentDensity", "ElectricFieldStrength", "Energy", "Exposure", "Force",
			"Frequency", "Illuminance", "Inductance", "Irradiance", "KinematicViscosity", "Length",
			"LinearMomentum", "Luminance", "LuminousFlux", "LuminousIntensity", "MagneticFlux",
			"MagneticFluxDensity", "MagneticVectorPotential", "Mass", "MassConcentration",
			"MassFlowRate", "MassPerAreaTime", "MemoryCapacity", "MolalityOfSolute", "MolarEnergy",
			"MolarMass", "MolarVolume", "Power", "Pressure", "RadiantFlux", "RadiantIntensity",
			"RelativeHumidity", "Resistance", "Resistivity", "SolidAngle", "SpecificVolume", "Speed",
			"SurfaceDensity", "SurfaceTension", "Temperature", "Time", "Torque", "Voltage", "Volume",
			"VolumeFlowRate", "VolumeFraction", "VolumetricFlux", "Wavenumber",
		},
	},
	{
		name: SensorAlertType, web: "https://gs1.org/voc/", curie: "gs1:",
		terms: []string{"ALARM_CONDITION", "ERROR_CONDITION"},
	},
}
