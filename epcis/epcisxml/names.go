package epcisxml

import "github.com/lotline/lotline/gs1/cbv"

// This file is the element table of the XML binding: which elements an
// EPCIS event holds, in the order of the EPCIS 2.0 XSD's xsd:sequence, what
// each one's content is, and the 1.2 layout that wraps some of them in
// extension elements. The decoder and the encoder both read it, so the two
// directions cannot drift apart.

// Namespaces of the XML binding.
const (
	NSEPCIS2       = "urn:epcglobal:epcis:xsd:2"
	NSEPCIS12      = "urn:epcglobal:epcis:xsd:1"
	NSQuery2       = "urn:epcglobal:epcis-query:xsd:2"
	NSQuery12      = "urn:epcglobal:epcis-query:xsd:1"
	NSMasterData2  = "urn:epcglobal:epcis-masterdata:xsd:2"
	NSMasterData12 = "urn:epcglobal:epcis-masterdata:xsd:1"
	NSSBDH         = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
	NSXSI          = "http://www.w3.org/2001/XMLSchema-instance"
	NSXML          = "http://www.w3.org/XML/1998/namespace"
	NSXMLNS        = "http://www.w3.org/2000/xmlns/"
)

// Kind is the content model of one element of an event.
type Kind uint8

// The content models. JSON names are the XML local names throughout: the
// JSON binding of EPCIS 2.0 kept them.
const (
	KindString                Kind = iota // text kept as a string (xsd:string)
	KindURI                               // xsd:anyURI text, whitespace-collapsed
	KindTime                              // DateTimeStamp: xsd:dateTime with a zone
	KindOffset                            // eventTimeZoneOffset, ±hh:mm
	KindAction                            // ADD, OBSERVE or DELETE
	KindEPCList                           // <epc> children -> ["urn..."]
	KindQuantityList                      // <quantityElement> -> [{epcClass, quantity, uom}]
	KindBizTransactionList                // <bizTransaction type=""> -> [{type, bizTransaction}]
	KindSourceList                        // <source type=""> -> [{type, source}]
	KindDestinationList                   // <destination type=""> -> [{type, destination}]
	KindLocation                          // readPoint, bizLocation: <id> + extensions -> {id, ...}
	KindSensorElementList                 // <sensorElement> -> [{sensorMetadata, sensorReport[]}]
	KindPersistentDisposition             // <unset>* <set>* -> {unset: [], set: []}
	KindErrorDeclaration                  // -> {declarationTime, reason, correctiveEventIDs[]}
	KindILMD                              // extension elements only -> {"prefix:name": ...}
	KindDecimal                           // xsd:decimal -> json.Number
	KindDouble                            // xsd:double (attribute) -> json.Number
	KindBool                              // xsd:boolean (attribute) -> bool
	KindHex                               // xsd:hexBinary (attribute) -> string
)

// Field is one element of an event type's sequence.
type Field struct {
	Name     string // XML local name, also the JSON key
	Kind     Kind
	Required bool
	// Item is the child element of a list kind ("epc", "quantityElement",
	// "bizTransaction", "source", "destination", "sensorElement",
	// "correctiveEventID"), empty otherwise.
	Item string
}

// Event types of EPCIS 2.0, in the order the XSD lists them in EventList.
var EventTypes = []string{"ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent", "AssociationEvent"}

// CommonFields open every event (EPCISEventType). In XML, baseExtension
// follows them and holds only extension elements (##other) in 2.0.
var CommonFields = []Field{
	{Name: "eventTime", Kind: KindTime, Required: true},
	{Name: "recordTime", Kind: KindTime},
	{Name: "eventTimeZoneOffset", Kind: KindOffset, Required: true},
	{Name: "eventID", Kind: KindURI},
	{Name: "errorDeclaration", Kind: KindErrorDeclaration},
	{Name: "certificationInfo", Kind: KindURI},
}

// Reusable field descriptions.
var (
	fEPCList        = Field{Name: "epcList", Kind: KindEPCList, Item: "epc"}
	fChildEPCs      = Field{Name: "childEPCs", Kind: KindEPCList, Item: "epc"}
	fParentID       = Field{Name: "parentID", Kind: KindURI}
	fAction         = Field{Name: "action", Kind: KindAction, Required: true}
	fBizStep        = Field{Name: "bizStep", Kind: KindURI}
	fDisposition    = Field{Name: "disposition", Kind: KindURI}
	fReadPoint      = Field{Name: "readPoint", Kind: KindLocation}
	fBizLocation    = Field{Name: "bizLocation", Kind: KindLocation}
	fBizTxList      = Field{Name: "bizTransactionList", Kind: KindBizTransactionList, Item: "bizTransaction"}
	fQuantityList   = Field{Name: "quantityList", Kind: KindQuantityList, Item: "quantityElement"}
	fChildQuantity  = Field{Name: "childQuantityList", Kind: KindQuantityList, Item: "quantityElement"}
	fSourceList     = Field{Name: "sourceList", Kind: KindSourceList, Item: "source"}
	fDestList       = Field{Name: "destinationList", Kind: KindDestinationList, Item: "destination"}
	fSensorList     = Field{Name: "sensorElementList", Kind: KindSensorElementList, Item: "sensorElement"}
	fPersistentDisp = Field{Name: "persistentDisposition", Kind: KindPersistentDisposition}
	fILMD           = Field{Name: "ilmd", Kind: KindILMD}
)

// EventFields lists the type-specific elements of each EPCIS 2.0 event in
// XSD order, after CommonFields and baseExtension. Each sequence ends with
// an optional <extension> (##other children) and then ##other elements;
// both become top-level "prefix:name" members in JSON.
var EventFields = map[string][]Field{
	"ObjectEvent": {
		fEPCList, fAction, fBizStep, fDisposition, fReadPoint, fBizLocation,
		fBizTxList, fQuantityList, fSourceList, fDestList, fSensorList,
		fPersistentDisp, fILMD,
	},
	"AggregationEvent": {
		fParentID, fChildEPCs, fAction, fBizStep, fDisposition, fReadPoint,
		fBizLocation, fBizTxList, fChildQuantity, fSourceList, fDestList,
		fSensorList, fPersistentDisp,
	},
	"TransactionEvent": {
		{Name: "bizTransactionList", Kind: KindBizTransactionList, Item: "bizTransaction", Required: true},
		fParentID, fEPCList, fAction, fBizStep, fDisposition, fReadPoint,
		fBizLocation, fQuantityList, fSourceList, fDestList, fSensorList,
		fPersistentDisp,
	},
	"TransformationEvent": {
		{Name: "inputEPCList", Kind: KindEPCList, Item: "epc"},
		{Name: "inputQuantityList", Kind: KindQuantityList, Item: "quantityElement"},
		{Name: "outputEPCList", Kind: KindEPCList, Item: "epc"},
		{Name: "outputQuantityList", Kind: KindQuantityList, Item: "quantityElement"},
		{Name: "transformationID", Kind: KindURI},
		fBizStep, fDisposition, fReadPoint, fBizLocation, fBizTxList,
		fSourceList, fDestList, fSensorList, fPersistentDisp, fILMD,
	},
	"AssociationEvent": {
		{Name: "parentID", Kind: KindURI, Required: true},
		fChildEPCs, fChildQuantity, fAction, fBizStep, fDisposition,
		fReadPoint, fBizLocation, fBizTxList, fSourceList, fDestList,
		fSensorList, fPersistentDisp,
	},
}

// Layout12 is where EPCIS 1.2 puts the elements that 2.0 moved to the
// event's top level: Base are the children of <baseExtension> (after
// eventTimeZoneOffset), Main the event's own elements, Ext the children of
// the event's <extension>. Every group may end with a nested <extension>
// of EPCIS-namespace elements from a later version, which 1.2 documents do
// not use; the decoder refuses it. 1.2 TransformationEvent sits in
// EventList/extension and has no wrappers; 1.2 QuantityEvent has no 2.0
// counterpart and is refused.
var Layout12 = map[string]struct{ Base, Main, Ext []Field }{
	"ObjectEvent": {
		Main: []Field{{Name: "epcList", Kind: KindEPCList, Item: "epc", Required: true}, fAction, fBizStep, fDisposition, fReadPoint, fBizLocation, fBizTxList},
		Ext:  []Field{fQuantityList, fSourceList, fDestList, fILMD},
	},
	"AggregationEvent": {
		Main: []Field{fParentID, {Name: "childEPCs", Kind: KindEPCList, Item: "epc", Required: true}, fAction, fBizStep, fDisposition, fReadPoint, fBizLocation, fBizTxList},
		Ext:  []Field{fChildQuantity, fSourceList, fDestList},
	},
	"TransactionEvent": {
		Main: []Field{{Name: "bizTransactionList", Kind: KindBizTransactionList, Item: "bizTransaction", Required: true}, fParentID, {Name: "epcList", Kind: KindEPCList, Item: "epc", Required: true}, fAction, fBizStep, fDisposition, fReadPoint, fBizLocation},
		Ext:  []Field{fQuantityList, fSourceList, fDestList},
	},
	"TransformationEvent": {
		Main: []Field{
			{Name: "inputEPCList", Kind: KindEPCList, Item: "epc"},
			{Name: "inputQuantityList", Kind: KindQuantityList, Item: "quantityElement"},
			{Name: "outputEPCList", Kind: KindEPCList, Item: "epc"},
			{Name: "outputQuantityList", Kind: KindQuantityList, Item: "quantityElement"},
			{Name: "transformationID", Kind: KindURI},
			fBizStep, fDisposition, fReadPoint, fBizLocation, fBizTxList,
			fSourceList, fDestList, fILMD,
		},
	},
}

// Base12 are the children of a 1.2 event's <baseExtension>.
var Base12 = []Field{
	{Name: "eventID", Kind: KindURI},
	{Name: "errorDeclaration", Kind: KindErrorDeclaration},
}

// ErrorDeclarationFields are the EPCIS elements of errorDeclaration
// (extension elements may follow).
var ErrorDeclarationFields = []Field{
	{Name: "declarationTime", Kind: KindTime, Required: true},
	{Name: "reason", Kind: KindURI},
	{Name: "correctiveEventIDs", Kind: KindEPCList, Item: "correctiveEventID"},
}

// SensorMetadataAttrs are the attributes of <sensorMetadata> and their types.
var SensorMetadataAttrs = map[string]Kind{
	"time": KindTime, "deviceID": KindURI, "deviceMetadata": KindURI,
	"rawData": KindURI, "startTime": KindTime, "endTime": KindTime,
	"bizRules": KindURI, "dataProcessingMethod": KindURI,
}

// SensorMetadataOrder is the order the encoder writes them in.
var SensorMetadataOrder = []string{"time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"}

// SensorReportAttrs are the attributes of <sensorReport> and their types.
var SensorReportAttrs = map[string]Kind{
	"type": KindURI, "exception": KindURI, "deviceID": KindURI, "deviceMetadata": KindURI,
	"rawData": KindURI, "dataProcessingMethod": KindURI, "time": KindTime,
	"microorganism": KindURI, "chemicalSubstance": KindURI, "value": KindDouble,
	"component": KindURI, "stringValue": KindString, "booleanValue": KindBool,
	"hexBinaryValue": KindHex, "uriValue": KindURI, "minValue": KindDouble,
	"maxValue": KindDouble, "meanValue": KindDouble, "sDev": KindDouble,
	"percRank": KindDouble, "percValue": KindDouble, "uom": KindString,
	"coordinateReferenceSystem": KindURI,
}

// SensorReportOrder is the order the encoder writes them in.
var SensorReportOrder = []string{
	"type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
	"time", "microorganism", "chemicalSubstance", "value", "component", "stringValue",
	"booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue",
	"sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem",
}

// ValueVocab names the fields whose values come from a CBV vocabulary. XML
// writes a standard value as its CBV URN (urn:epcglobal:cbv:bizstep:shipping;
// gs1:Temperature for sensor types), JSON-LD as its bare word (shipping,
// Temperature): the decoder maps with cbv.Format(v, s, cbv.BareWord), the
// encoder with cbv.Format(v, s, cbv.URN). Values outside the vocabulary are
// URIs and stay as they are. Keys are element names, or element/@attribute.
var ValueVocab = map[string]cbv.Vocabulary{
	"bizStep":                 cbv.BizStep,
	"disposition":             cbv.Disp,
	"persistentDisposition":   cbv.Disp, // its set and unset children
	"reason":                  cbv.ER,   // errorDeclaration/reason
	"bizTransaction/@type":    cbv.BTT,
	"source/@type":            cbv.SDT,
	"destination/@type":       cbv.SDT,
	"sensorReport/@type":      cbv.MeasurementType,
	"sensorReport/@exception": cbv.SensorAlertType,
	"sensorReport/@component": cbv.Comp,
}

// ContextPrefixes are the namespace prefixes the EPCIS 2.0 JSON-LD context
// itself defines, with the XML namespace each stands for. An extension
// element in one of these namespaces is named with the context's prefix
// ("cbvmda:lotNumber" for an element in urn:epcglobal:cbv:mda), which the
// tree's @context then need not, and must not, redefine. The context's IRIs
// end in '#', ':' or '/'; XML namespaces are matched with or without it.
var ContextPrefixes = map[string]string{
	"cbvmda":  "urn:epcglobal:cbv:mda",
	"gs1":     "https://gs1.org/voc/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"epcis":   "https://ref.gs1.org/epcis/",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"dcterms": "http://purl.org/dc/terms/",
}

// Master data (EPCISHeader/extension/EPCISMasterData in 1.2 and 2.0):
// VocabularyList/Vocabulary[type]/VocabularyElementList/VocabularyElement[id]
// with attribute[id]* and children/id*. JSON: epcisHeader.epcisMasterData.
// vocabularyList[].{type, vocabularyElementList[].{id, attributes[{id,
// attribute}], children[]}}.
const (
	ElemMasterData        = "EPCISMasterData"
	ElemVocabularyList    = "VocabularyList"
	ElemVocabulary        = "Vocabulary"
	ElemVocabElementList  = "VocabularyElementList"
	ElemVocabElement      = "VocabularyElement"
	ElemVocabAttribute    = "attribute"
	ElemVocabChildren     = "children"
	JSONMasterData        = "epcisMasterData"
	JSONVocabularyList    = "vocabularyList"
	JSONVocabElementList  = "vocabularyElementList"
	JSONVocabAttributes   = "attributes"
	JSONVocabChildren     = "children"
	JSONVocabAttribute    = "attribute"
	JSONSBDH              = "sbdh:StandardBusinessDocumentHeader"
	SBDHPrefix            = "sbdh"
	StandardContextString = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
)
