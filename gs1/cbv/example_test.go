package cbv_test

import (
	"fmt"

	"github.com/lotline/lotline/gs1/cbv"
)

func ExampleNormalize() {
	for _, s := range []string{"shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping", "urn:example:bizstep:quarantined", "shippin"} {
		fmt.Println(cbv.Normalize(cbv.BizStep, s))
	}
	fmt.Println(cbv.Normalize(cbv.MeasurementType, "gs1:Temperature"))
	// Output:
	// https://ref.gs1.org/cbv/BizStep-shipping <nil>
	// https://ref.gs1.org/cbv/BizStep-shipping <nil>
	// https://ref.gs1.org/cbv/BizStep-shipping <nil>
	// urn:example:bizstep:quarantined <nil>
	//  cbv: invalid BizStep value "shippin": not a standard BizStep term and not a URI
	// https://gs1.org/voc/Temperature <nil>
}

func ExampleFormat() {
	const v = "https://ref.gs1.org/cbv/Disp-in_transit"
	fmt.Println(cbv.Format(cbv.Disp, v, cbv.URN))
	fmt.Println(cbv.Format(cbv.Disp, v, cbv.BareWord))
	fmt.Println(cbv.Format(cbv.MeasurementType, "https://gs1.org/voc/Temperature", cbv.URN))
	// Output:
	// urn:epcglobal:cbv:disp:in_transit
	// in_transit
	// gs1:Temperature
}

func ExampleIsStandard() {
	fmt.Println(cbv.IsStandard(cbv.BTT, "urn:epcglobal:cbv:btt:po"), cbv.IsStandard(cbv.BTT, "urn:gs1:epcisapp:rail:btt:passage"))
	// Output:
	// true false
}
