package eventhash

import (
	"os"
	"path/filepath"
	"testing"
)

// typicalEvent is a shipping ObjectEvent of the size capture sees most:
// a few EPCs, a read point, business location, transactions, source and
// destination, one user extension.
const typicalEvent = `{
  "type": "ObjectEvent",
  "eventTime": "2022-02-16T12:50:00.000+01:00",
  "eventTimeZoneOffset": "+01:00",
  "epcList": [
    "urn:epc:id:sgtin:4012345.011111.9876",
    "urn:epc:id:sgtin:4012345.011111.9877",
    "urn:epc:id:sgtin:4012345.011111.9878",
    "urn:epc:id:sscc:4012345.1112223334"
  ],
  "action": "OBSERVE",
  "bizStep": "shipping",
  "disposition": "in_transit",
  "readPoint": {"id": "urn:epc:id:sgln:4012345.00022.0"},
  "bizLocation": {"id": "urn:epc:id:sgln:4012345.00022.0"},
  "bizTransactionList": [
    {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:ASN1099"},
    {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO123"}
  ],
  "sourceList": [{"type": "possessing_party", "source": "urn:epc:id:pgln:4012345.00000"}],
  "destinationList": [{"type": "possessing_party", "destination": "urn:epc:id:pgln:4023333.00000"}],
  "example:shipmentNote": "fragile"
}`

func BenchmarkHash(b *testing.B) {
	ev := mustEvent(b, typicalEvent)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash(ev, exampleNS); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDocument(b *testing.B) {
	dir := vectorDir(b)
	data, err := os.ReadFile(filepath.Join(dir, "epcisDocWithVariousEventTypes.jsonld"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Document(data); err != nil {
			b.Fatal(err)
		}
	}
}
