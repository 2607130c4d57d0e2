package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query/lot"
	"github.com/lotline/lotline/redact"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/subscribe"
)

// Redaction (issue 9): a party that reads another party's event receives
// it without the fields Config.Confidential names. Every answer carrying
// stored events passes them through redactEvents first: the owner's own
// events, and every event in open single-party mode, are given as stored
// without being decoded (the writers' fast path); an event of another
// owner is decoded, redacted, marked and re-encoded, and then written like
// any other. Its eventID is untouched, so the canonical event hash still
// names it.

// WithheldIRI names the member a redacted event carries: the fields
// withheld from it, as IRIs and standard member names (redact.Policy.Apply).
const WithheldIRI = "https://lotline.dev/ns/withheld"

// WithheldHeader counts the events of an answer that were redacted.
const WithheldHeader = "Lotline-Withheld"

// redactEvents redacts the caller's answer (see redactFor) and says so in
// WithheldHeader.
func (s *Server) redactEvents(c echo.Context, evs []*store.Event) ([]*store.Event, error) {
	out, n, err := redactFor(evs, s.cfg.Confidential, s.owner(c), s.cfg.Owner)
	if n > 0 {
		c.Response().Header().Set(WithheldHeader, strconv.Itoa(n))
	}
	return out, err
}

// redactHistory redacts the events of a lot history for the caller, and
// clears the flags of its entries (sensorData, certification) that would
// say a withheld member was there.
func (s *Server) redactHistory(c echo.Context, rec *lot.Record) ([]*store.Event, error) {
	evs, err := s.redactEvents(c, rec.Events)
	if err != nil || len(evs) != len(rec.Events) {
		return evs, err
	}
	p := s.cfg.Confidential
	sensors, certs := p.WithholdsMember("sensorElementList"), p.WithholdsMember("certificationInfo")
	if !sensors && !certs {
		return evs, nil
	}
	redacted := map[string]bool{}
	for i, e := range evs {
		if e != rec.Events[i] {
			redacted[e.EventID] = true
		}
	}
	if len(redacted) == 0 {
		return evs, nil
	}
	clear := func(list []lot.Entry) {
		for i := range list {
			if redacted[list[i].EventID] {
				list[i].SensorData = list[i].SensorData && !sensors
				list[i].Certification = list[i].Certification && !certs
			}
		}
	}
	g := &rec.Groups
	for _, list := range [][]lot.Entry{rec.Entries, g.ProcessSteps, g.Inspections, g.Deviations, g.Release, g.Shipments, g.Containers} {
		clear(list)
	}
	return evs, nil
}

// DeliveryDocument returns the subscription service's Config.Document:
// QueryDocument (prefixes as in Config.Prefixes), with the events of
// owners other than the delivery's Reader redacted by p (Config.Confidential).
// local is the open mode's local party, whose deliveries are whole (""
// stands for DefaultConfig.Owner).
func DeliveryDocument(prefixes *gs1.PrefixTable, p *redact.Policy, local string) func([]*store.Event, time.Time, subscribe.Delivery) ([]byte, error) {
	if local == "" {
		local = DefaultConfig.Owner
	}
	return func(evs []*store.Event, now time.Time, d subscribe.Delivery) ([]byte, error) {
		evs, _, err := redactFor(evs, p, d.Reader, local)
		if err != nil {
			return nil, err
		}
		return QueryDocument(evs, now, d, prefixes)
	}
}

// redactFor returns evs as reader may receive them, and how many were
// redacted. Events reader owns are kept as they are, as is everything the
// local party of open single-party mode reads (it stands for the whole
// installation); an unknown reader ("") owns nothing. A redacted event is
// a copy: evs and the events it points to are not changed. Without
// anything to redact, evs itself is returned.
func redactFor(evs []*store.Event, p *redact.Policy, reader, local string) ([]*store.Event, int, error) {
	if p.Empty() || reader == local {
		return evs, 0, nil
	}
	var out []*store.Event
	n := 0
	for i, e := range evs {
		if e.Owner == reader || !p.MayWithhold(e.Body) {
			continue // nothing to withhold: as stored, without decoding
		}
		body, withheld, err := redactBody(e.Body, p)
		if err != nil {
			return nil, 0, fmt.Errorf("api: stored event %s is corrupt: %w", e.EventID, err)
		}
		if withheld == nil {
			continue
		}
		if out == nil {
			out = slices.Clone(evs)
		}
		c := *e
		c.Body = body
		out[i] = &c
		n++
	}
	if out == nil {
		return evs, 0, nil
	}
	return out, n, nil
}

// redactBody applies p to a stored event body. When it withholds
// something, it returns the new body (compact JSON, with WithheldIRI) and
// what was withheld; otherwise body itself and nil.
func redactBody(body []byte, p *redact.Policy) ([]byte, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers keep their text
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return nil, nil, err
	}
	withheld := p.Apply(ev)
	if withheld == nil {
		return body, nil, nil
	}
	ev[WithheldIRI] = withheld
	var b bytes.Buffer
	b.Grow(len(body))
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), withheld, nil
}
