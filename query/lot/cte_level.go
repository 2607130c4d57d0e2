package lot

import "github.com/lotline/lotline/epcis"

// levelEPCs are the EPCs an event names besides its parentID, in the
// order epcList, childEPCs, inputEPCList, outputEPCList, each once: the
// identifiers a critical tracking event happened at, which a FSMA 204
// spreadsheet lists beside the lot (a pallet shipped is its SSCC, not
// the lot's units inside it).
func levelEPCs(e *epcis.Event) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, list := range [][]string{e.EPCList, e.ChildEPCs, e.InputEPCList, e.OutputEPCList} {
		for _, x := range list {
			if !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}
