package cbv

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		v       Vocabulary
		in, out string
	}{
		{BizStep, "shipping", "https://ref.gs1.org/cbv/BizStep-shipping"},
		{BizStep, "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"},
		{BizStep, "https://ref.gs1.org/cbv/BizStep-shipping", "https://ref.gs1.org/cbv/BizStep-shipping"},
		{BizStep, "cbv:BizStep-receiving", "https://ref.gs1.org/cbv/BizStep-receiving"},
		{BizStep, "urn:example:uservocab:bizstep:quarantined", "urn:example:uservocab:bizstep:quarantined"},
		{BizStep, "http://epcis.example.com/user/vocab/bizstep/exampling", "http://epcis.example.com/user/vocab/bizstep/exampling"},
		{BizStep, "ext1:summarising_discharge", "ext1:summarising_discharge"},
		{BizStep, "https://ref.gs1.org/cbv/Bizstep-sensor_reporting", "https://ref.gs1.org/cbv/Bizstep-sensor_reporting"},
		{Disp, "in_transit", "https://ref.gs1.org/cbv/Disp-in_transit"},
		{Disp, "urn:epcglobal:cbv:disp:in_progress", "https://ref.gs1.org/cbv/Disp-in_progress"},
		{Disp, "cbv:Disp-in_progress", "https://ref.gs1.org/cbv/Disp-in_progress"},
		{BTT, "po", "https://ref.gs1.org/cbv/BTT-po"},
		{BTT, "urn:epcglobal:cbv:btt:desadv", "https://ref.gs1.org/cbv/BTT-desadv"},
		{BTT, "urn:gs1:epcisapp:rail:btt:passage", "urn:gs1:epcisapp:rail:btt:passage"},
		{SDT, "owning_party", "https://ref.gs1.org/cbv/SDT-owning_party"},
		{SDT, "urn:epcglobal:cbv:sdt:location", "https://ref.gs1.org/cbv/SDT-location"},
		{SDT, "cbv:my_own_party", "https://ref.gs1.org/cbv/my_own_party"},
		{ER, "incorrect_data", "https://ref.gs1.org/cbv/ER-incorrect_data"},
		{ER, "urn:epcglobal:cbv:er:did_not_occur", "https://ref.gs1.org/cbv/ER-did_not_occur"},
		{Comp, "x", "https://ref.gs1.org/cbv/Comp-x"},
		{Comp, "cbv:Comp-northing", "https://ref.gs1.org/cbv/Comp-northing"},
		{Comp, "urn:epcglobal:cbv:comp:latitude", "https://ref.gs1.org/cbv/Comp-latitude"},
		{Comp, "example:x", "example:x"},
		{MeasurementType, "Temperature", "https://gs1.org/voc/Temperature"},
		{MeasurementType, "gs1:Temperature", "https://gs1.org/voc/Temperature"},
		{MeasurementType, "https://gs1.org/voc/Temperature", "https://gs1.org/voc/Temperature"},
		{MeasurementType, "https://www.gs1.org/voc/Temperature", "https://gs1.org/voc/Temperature"},
		{MeasurementType, "gs1:MT-Temperature", "https://gs1.org/voc/MT-Temperature"},
		{MeasurementType, "example:someSensorProperty", "example:someSensorProperty"},
		{SensorAlertType, "ALARM_CONDITION", "https://gs1.org/voc/ALARM_CONDITION"},
		{SensorAlertType, "gs1:ERROR_CONDITION", "https://gs1.org/voc/ERROR_CONDITION"},
	}
	for _, tc := range tests {
		got, err := Normalize(tc.v, tc.in)
		if err != nil || got != tc.out {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q", tc.v, tc.in, got, err, tc.out)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		v  Vocabulary
		in string
	}{
		{BizStep, "shippin"},
		{BizStep, "Shipping"},
		{BizStep, ""},
		{BizStep, ":x"},
		{BizStep, "urn:"},
		{BizStep, "1urn:x"},
		{BizStep, "urn:a b"},
		{Disp, "IN_TRANSIT"},
		{ER, "Test reason"},
		{MeasurementType, "MT-Temperature"},
		{"Nope", "shipping"},
	}
	for _, tc := range tests {
		_, err := Normalize(tc.v, tc.in)
		var ce *Error
		if !errors.As(err, &ce) || ce.Vocabulary != tc.v {
			t.Errorf("Normalize(%s, %q) error = %v, want *Error", tc.v, tc.in, err)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    Vocabulary
		in   string
		form Form
		want string
	}{
		{BizStep, "https://ref.gs1.org/cbv/BizStep-shipping", URN, "urn:epcglobal:cbv:bizstep:shipping"},
		{BizStep, "https://ref.gs1.org/cbv/BizStep-shipping", BareWord, "shipping"},
		{BizStep, "https://ref.gs1.org/cbv/BizStep-shipping", WebURI, "https://ref.gs1.org/cbv/BizStep-shipping"},
		{BizStep, "https://ref.gs1.org/cbv/BizStep-shipping", CURIE, "cbv:BizStep-shipping"},
		{BizStep, "urn:epcglobal:cbv:bizstep:shipping", BareWord, "shipping"},
		{BizStep, "urn:example:x", BareWord, "urn:example:x"},
		{Disp, "https://ref.gs1.org/cbv/Disp-in_transit", URN, "urn:epcglobal:cbv:disp:in_transit"},
		{BTT, "https://ref.gs1.org/cbv/BTT-po", URN, "urn:epcglobal:cbv:btt:po"},
		{SDT, "https://ref.gs1.org/cbv/SDT-owning_party", BareWord, "owning_party"},
		{ER, "https://ref.gs1.org/cbv/ER-incorrect_data", URN, "urn:epcglobal:cbv:er:incorrect_data"},
		{Comp, "https://ref.gs1.org/cbv/Comp-x", URN, "urn:epcglobal:cbv:comp:x"},
		{MeasurementType, "https://gs1.org/voc/Temperature", URN, "gs1:Temperature"},
		{MeasurementType, "https://gs1.org/voc/Temperature", BareWord, "Temperature"},
		{MeasurementType, "https://gs1.org/voc/MT-Temperature", BareWord, "https://gs1.org/voc/MT-Temperature"},
		{"Nope", "x", URN, "x"},
	}
	for _, tc := range tests {
		if got := Format(tc.v, tc.in, tc.form); got != tc.want {
			t.Errorf("Format(%s, %q, %v) = %q, want %q", tc.v, tc.in, tc.form, got, tc.want)
		}
	}
}

// Every term in every form normalises to its Web URI and formats back.
func TestAllTermsRoundTrip(t *testing.T) {
	for _, v := range Vocabularies {
		terms := Terms(v)
		if len(terms) == 0 {
			t.Errorf("%s: no terms", v)
		}
		for _, w := range terms {
			web, err := Normalize(v, w)
			if err != nil {
				t.Fatal(err)
			}
			if !IsStandard(v, web) || !IsStandard(v, w) {
				t.Errorf("%s %s not standard", v, w)
			}
			for _, f := range []Form{WebURI, URN, BareWord, CURIE} {
				s := Format(v, web, f)
				back, err := Normalize(v, s)
				if err != nil || back != web {
					t.Errorf("%s %s: form %v %q normalises to %q, %v", v, w, f, s, back, err)
				}
			}
		}
	}
	if IsStandard(BizStep, "urn:example:x") || IsStandard("Nope", "x") || IsStandard(Disp, "shipping") {
		t.Error("IsStandard accepted a non-standard value")
	}
	if _, err := ParseVocabulary("BizStep"); err != nil {
		t.Error(err)
	}
	if _, err := ParseVocabulary("bizstep"); err == nil {
		t.Error("ParseVocabulary is case-sensitive")
	}
	if Terms("Nope") != nil {
		t.Error("Terms(Nope)")
	}
	if URN.String() != "URN" || Form(9).String() != "Form(9)" {
		t.Error("Form.String")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"shipping", "urn:epcglobal:cbv:bizstep:shipping", "gs1:Temperature", "cbv:Disp-active", "example:x", "a b", "x:"} {
		f.Add(uint8(0), s)
	}
	f.Fuzz(func(t *testing.T, vi uint8, s string) {
		v := Vocabularies[int(vi)%len(Vocabularies)]
		n, err := Normalize(v, s)
		if err != nil {
			return
		}
		// Idempotent, and the canonical form survives every output form.
		n2, err := Normalize(v, n)
		if err != nil || n2 != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q, %v", s, n, n2, err)
		}
		if IsStandard(v, s) != IsStandard(v, n) {
			t.Fatalf("IsStandard differs for %q and %q", s, n)
		}
		for _, form := range []Form{WebURI, URN, BareWord, CURIE} {
			out := Format(v, n, form)
			back, err := Normalize(v, out)
			if err != nil || back != n {
				t.Fatalf("%q: Format %v gave %q which normalises to %q, %v", n, form, out, back, err)
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	for _, in := range []string{"shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping", "urn:example:x"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Normalize(BizStep, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
