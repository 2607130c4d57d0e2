package epcis

import (
	"strconv"
	"testing"
)

func TestTranslatorID(t *testing.T) {
	const urn, dl = "urn:epc:id:sgtin:4012345.011111.1", "https://id.gs1.org/01/04012345111118/21/1"
	tests := []struct {
		tr           Translator
		in, out      string
		untranslated int // after translating in twice
	}{
		{Translator{EPC: AlwaysDigitalLink}, urn, dl, 0},
		{Translator{EPC: AlwaysDigitalLink}, dl, dl, 0},
		{Translator{EPC: AlwaysEPCURN}, urn, urn, 0},
		// Without a company prefix table a Digital Link's prefix length is
		// unknown: it stays a Digital Link, counted each time it is seen.
		{Translator{EPC: AlwaysEPCURN}, dl, dl, 2},
		{Translator{EPC: NoPreference}, urn, urn, 0},
		{Translator{EPC: AlwaysDigitalLink}, "urn:epc:id:sgtin:bad", "urn:epc:id:sgtin:bad", 0},
		{Translator{EPC: AlwaysDigitalLink}, "urn:example:x", "urn:example:x", 0},
	}
	for _, tt := range tests {
		for i := range 2 { // the second time from the memo
			if got := tt.tr.ID(tt.in); got != tt.out {
				t.Errorf("%s: ID(%s) = %s (call %d), want %s", tt.tr.EPC, tt.in, got, i+1, tt.out)
			}
		}
		if tt.tr.Untranslated != tt.untranslated {
			t.Errorf("%s: ID(%s) twice: Untranslated %d, want %d", tt.tr.EPC, tt.in, tt.tr.Untranslated, tt.untranslated)
		}
	}
	var tr Translator
	tr.EPC = AlwaysDigitalLink
	for i := range 2 * maxMemo {
		tr.ID("urn:epc:id:sgtin:4012345.011111." + strconv.Itoa(i))
	}
	if len(tr.memo) != maxMemo {
		t.Errorf("memo holds %d identifiers after %d distinct ones, want its bound %d", len(tr.memo), 2*maxMemo, maxMemo)
	}
}
