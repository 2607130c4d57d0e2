package api

import (
	"errors"
	"testing"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// FuzzNamedQueryDefinition feeds arbitrary bodies to the named-query
// parser: it must answer a ValidationException or QueryParameterException
// (never panic, never another error), and an accepted definition must be
// stored in a form that reads back and parses again.
func FuzzNamedQueryDefinition(f *testing.F) {
	f.Add(`{"name":"q1","query":{"eventType":["ObjectEvent"],"EQ_bizStep":["shipping"]}}`)
	f.Add(`{"name":"q2","query":{"GE_eventTime":"2024-01-01T00:00:00Z","MATCH_epc":["urn:epc:idpat:sgtin:4012345.011111.*"],"perPage":10}}`)
	f.Add(`{"@context":[{"ex":"https://ex.example/"}],"name":"q3","query":{"EQ_ex:f":["1"],"orderBy":"ex:f"}}`)
	f.Add(`{"name":"bad name","query":{}}`)
	f.Add(`{"name":"q","query":{"EQ_bizStep":[1,2]}}`)
	s := &Server{}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := epcis.DecodeJSON([]byte(body), epcis.JSONLimits{})
		if err != nil {
			return
		}
		def, err := s.parseDefinition(v)
		if err != nil {
			var e *epcis.Error
			if !errors.As(err, &e) || e.Kind != epcis.KindValidation && e.Kind != epcis.KindQueryParameter {
				t.Fatalf("%s: error %v (%T), want a Validation or QueryParameter exception", body, err, err)
			}
			return
		}
		raw, err := marshal(def)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeDefinition(&store.NamedQuery{Name: def.Name, Body: raw})
		if err != nil {
			t.Fatalf("%s: stored as %s, which does not read back: %v", body, raw, err)
		}
		q, err := epcis.DecodeJSON(back.Query, epcis.JSONLimits{})
		if err != nil {
			t.Fatalf("%s: stored query %s: %v", body, back.Query, err)
		}
		if _, err := s.queryOf(q.(map[string]any)); err != nil {
			t.Fatalf("%s: the stored query %s no longer parses: %v", body, back.Query, err)
		}
	})
}
