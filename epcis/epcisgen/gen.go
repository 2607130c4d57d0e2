package epcisgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// StandardContext is the EPCIS 2.0 JSON-LD context every document names.
const StandardContext = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

// ExtensionNamespace is the IRI of the user extension fields, declared in
// every document's @context under [ExtensionPrefix].
const (
	ExtensionNamespace = "https://ns.example.com/epcis/"
	ExtensionPrefix    = "example"
)

// The extension fields the generator writes, as full IRIs (in documents
// they are written with [ExtensionPrefix]). TemperatureZone ("ambient",
// "chilled") is a top-level field of the storing, shipping, transporting
// and receiving events of a product, and an attribute of products and
// areas in the master data; ProductionLine ("LINE-1" to "LINE-3") is in
// the ILMD of a lot's transformation and commissioning events and an
// attribute of the lot's master data; BatchTemperature (degrees Celsius)
// is a top-level field of about one event in eight.
const (
	TemperatureZone  = ExtensionNamespace + "temperatureZone"
	ProductionLine   = ExtensionNamespace + "productionLine"
	BatchTemperature = ExtensionNamespace + "batchTemperature"
)

// Generator produces a deterministic stream of events, grouped into
// documents. Create it with [New].
type Generator struct {
	r       *rand.Rand
	w       *world
	clock   time.Time
	serial  uint64 // next serial number, shared by all products
	runs    []*run
	pending []pendingEvent // events built but not yet handed out
	md      []element      // master data built by the current step
	counts  map[string]int
	docs    int

	stages   int                 // transformations per run (Options.Stages)
	leftover map[*product]string // last lot of each intermediate, with stages > 1
	stepLots []Lot               // lots made or received by the current step
	made     []Lot               // lots of the events handed out, for TakeLots
}

// pendingEvent is a built event and the master data that first describes
// what it names (sent in the header of the document that carries it).
type pendingEvent struct {
	ev   map[string]any
	md   []element
	lots []Lot
}

// New returns a generator whose output depends only on seed.
func New(seed uint64) *Generator {
	r := rand.New(rand.NewPCG(seed, 0x4c6f746c696e65)) // "Lotline"
	g := &Generator{
		r: r,
		w: newWorld(),
		// Start somewhere in 2026, a different instant for every seed.
		clock:  time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(300*24*3600)) * time.Second),
		serial: 100000 + r.Uint64N(1<<30)*1000,
		counts: map[string]int{},
		stages: 1,
	}
	// Start each company's SSCC and transaction numbers at a seed-dependent
	// point, so generators with different seeds rarely reuse one.
	for _, c := range g.w.companies() {
		c.ssccNext = g.r.Uint64N(1_000_000) * 10
		c.btNext = g.r.Uint64N(1_000_000) * 10
	}
	return g
}

// Counts returns how many events of each type (ObjectEvent,
// AggregationEvent, TransformationEvent) the generator has produced.
func (g *Generator) Counts() map[string]int {
	out := make(map[string]int, len(g.counts))
	for k, v := range g.counts {
		out[k] = v
	}
	return out
}

// Event returns the next event, on its own (without @context). The
// master data describing what it names is only sent with documents.
func (g *Generator) Event() map[string]any {
	ev, _ := g.next()
	return ev
}

func (g *Generator) next() (map[string]any, []element) {
	for len(g.pending) == 0 {
		g.step()
	}
	p := g.pending[0]
	g.pending[0] = pendingEvent{}
	g.pending = g.pending[1:]
	g.counts[p.ev["type"].(string)]++
	g.made = append(g.made, p.lots...)
	return p.ev, p.md
}

// Document returns an EPCISDocument holding the next events events, in the
// form encoding/json produces with UseNumber (numbers are json.Number).
// The first document's header carries the master data of every location,
// read point and product; any document's header carries that of the
// product lots its events make.
func (g *Generator) Document(events int) map[string]any {
	var md []element
	if g.docs == 0 {
		md = g.w.masterData()
	}
	list := make([]any, events)
	for i := range list {
		ev, emd := g.next()
		list[i] = ev
		md = append(md, emd...)
	}
	g.docs++
	doc := map[string]any{
		"@context": []any{
			StandardContext,
			map[string]any{ExtensionPrefix: ExtensionNamespace},
		},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  g.clock.Add(time.Second).Format(utcMillis),
		"epcisBody":     map[string]any{"eventList": list},
	}
	if h := header(md); h != nil {
		doc["epcisHeader"] = h
	}
	return doc
}

// DocumentJSON is [Generator.Document] encoded as JSON.
func (g *Generator) DocumentJSON(events int) []byte {
	b, err := json.Marshal(g.Document(events))
	if err != nil {
		panic(err) // only maps, slices, strings and json.Numbers
	}
	return b
}

const (
	utcMillis   = "2006-01-02T15:04:05.000Z07:00"
	localMillis = "2006-01-02T15:04:05.000-07:00"
)

// tick advances the clock by 0.2 s to 2 min and returns the new instant.
// Every event gets its own instant, so no two events share an eventTime.
func (g *Generator) tick() time.Time {
	g.clock = g.clock.Add(200*time.Millisecond + time.Duration(g.r.IntN(120_000))*time.Millisecond)
	return g.clock
}

// nextSerial returns a serial number never returned before.
func (g *Generator) nextSerial() string {
	g.serial++
	return strconv.FormatUint(g.serial, 10)
}

func (g *Generator) pick(n int) int { return g.r.IntN(n) }

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

// uuid returns a random (version 4 layout) urn:uuid.
func (g *Generator) uuid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	return fmt.Sprintf("urn:uuid:%08x-%04x-4%03x-%04x-%012x",
		a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// num formats a decimal with the given number of fraction digits.
func num(f float64, decimals int) json.Number {
	return json.Number(strconv.FormatFloat(f, 'f', decimals, 64))
}

// base returns the fields every event has, at the next instant, in the
// time zone of site s.
func (g *Generator) base(typ string, s *site) (map[string]any, time.Time) {
	t := g.tick()
	ev := map[string]any{
		"type":                typ,
		"eventTime":           t.In(s.zone).Format(localMillis),
		"eventTimeZoneOffset": s.offset,
	}
	if g.chance(0.1) {
		ev["eventID"] = g.uuid()
	}
	if g.chance(0.125) {
		ev[ExtensionPrefix+":batchTemperature"] = num(2+g.r.Float64()*6, 1)
	}
	return ev, t
}

// where sets the event's read point, and its bizLocation to the area of
// the site the read point is in.
func where(ev map[string]any, s *site, readPoint string) {
	rp := s.readPoint(readPoint)
	ev["readPoint"] = map[string]any{"id": s.sgln(rp.ext)}
	ev["bizLocation"] = map[string]any{"id": s.sgln(rp.area.ext)}
}

func strs(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

func typed(key string, kv ...string) []any {
	out := make([]any, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]any{"type": kv[i], key: kv[i+1]})
	}
	return out
}

// step advances the simulation: it starts a production run when fewer
// than three are under way, then lets one random run take its next step.
func (g *Generator) step() {
	for len(g.runs) < 3 {
		g.runs = append(g.runs, g.newRun())
	}
	i := g.pick(len(g.runs))
	rn := g.runs[i]
	for j, ev := range rn.steps[0](g, rn) {
		p := pendingEvent{ev: ev}
		if j == 0 {
			p.md, g.md = g.md, nil
			p.lots, g.stepLots = g.stepLots, nil
		}
		g.pending = append(g.pending, p)
	}
	rn.steps = rn.steps[1:]
	if len(rn.steps) == 0 {
		g.runs = append(g.runs[:i], g.runs[i+1:]...)
	}
}
