package epcisgen

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/schemas"
)

// FuzzGenerator checks, for any seed and size, that the JSON form decodes
// back to the map form (round trip), that a second generator with the same
// seed gives the same bytes, that the document is schema-valid, and that
// every identifier parses and formats back unchanged.
func FuzzGenerator(f *testing.F) {
	f.Add(uint64(0), uint8(1))
	f.Add(uint64(1), uint8(40))
	f.Add(uint64(1<<63), uint8(200))
	v := schemas.MustCompile()
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		a, b, c := New(seed), New(seed), New(seed)
		js := a.DocumentJSON(int(n))
		if again := b.DocumentJSON(int(n)); !bytes.Equal(js, again) {
			t.Fatal("same seed, different documents")
		}
		doc := decode(t, js)
		if !reflect.DeepEqual(normalize(t, c.Document(int(n))), doc) {
			t.Fatal("Document and DocumentJSON differ")
		}
		if vs := v.Document(doc); len(vs) > 0 {
			t.Fatalf("schema: %s: %s", vs[0].Pointer, vs[0].Message)
		}
		for _, ev := range eventsOf(doc) {
			identifiers(ev, func(field, id string, class bool) {
				e, err := gs1.ParseEPC(id)
				if err != nil {
					t.Fatalf("%s %q: %v", field, id, err)
				}
				back := e.DigitalLink()
				if !strings.HasPrefix(id, "https://") {
					back, err = e.URN()
				}
				if err != nil || back != id {
					t.Fatalf("%s %q formats back as %q (%v)", field, id, back, err)
				}
			})
		}
	})
}
