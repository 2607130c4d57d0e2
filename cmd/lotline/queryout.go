package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// eventWriter writes the events of a query, page after page, in one of
// the output formats.
type eventWriter struct {
	format string
	w      *bufio.Writer
	csv    *csv.Writer
	first  *queryPage
	n      int
	// json: the distinct members of the pages' @context, in order.
	contexts [][]byte
	// table: the rows, printed at the end to size the columns.
	rows  [][]string
	width int
	err   error
}

// The columns of the csv and table formats.
var (
	csvHeader   = []string{"eventTime", "eventTimeZoneOffset", "type", "action", "bizStep", "disposition", "readPoint", "bizLocation", "epcs", "eventID"}
	tableHeader = []string{"EVENT TIME", "TYPE", "ACTION", "BIZSTEP", "READ POINT", "EPCS"}
)

func newEventWriter(format string, w io.Writer) *eventWriter {
	ew := &eventWriter{format: format, w: bufio.NewWriterSize(w, 64<<10)}
	switch format {
	case "csv":
		ew.csv = csv.NewWriter(ew.w)
		ew.err = ew.csv.Write(csvHeader)
	case "table":
		ew.width = outputWidth(w)
	}
	return ew
}

// outputWidth is the width a table is cut to: the terminal's, else
// $COLUMNS, else none (0).
func outputWidth(w io.Writer) int {
	if n, ok := termWidth(w); ok && n > 0 {
		return n
	}
	n, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	return max(n, 0)
}

// termWidth is terminalWidth, replaced by tests.
var termWidth = terminalWidth

// begin takes the first page, whose header the json format repeats.
func (ew *eventWriter) begin(p *queryPage) {
	ew.first = p
	if ew.format == "json" {
		fmt.Fprintf(ew.w, "{\n  \"type\": %s,\n  \"schemaVersion\": %s,\n  \"creationDate\": %s,\n  \"epcisBody\": {\n    \"queryResults\": {\n      \"queryName\": %s,\n      \"resultsBody\": {\n        \"eventList\": [",
			jsonString(cmp.Or(p.Type, "EPCISQueryDocument")), jsonString(cmp.Or(p.SchemaVersion, "2.0")), jsonString(p.CreationDate),
			jsonString(cmp.Or(p.EPCISBody.QueryResults.QueryName, "SimpleEventQuery")))
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// context records a page's @context: the json format writes every member
// any page declared, once (pages may declare different prefixes).
func (ew *eventWriter) context(raw json.RawMessage) {
	if ew.format != "json" || len(raw) == 0 {
		return
	}
	var members []json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		members = []json.RawMessage{raw}
	}
	for _, m := range members {
		var buf bytes.Buffer
		if json.Compact(&buf, m) != nil {
			continue
		}
		if !slices.ContainsFunc(ew.contexts, func(c []byte) bool { return bytes.Equal(c, buf.Bytes()) }) {
			ew.contexts = append(ew.contexts, buf.Bytes())
		}
	}
}

// event writes one event.
func (ew *eventWriter) event(raw json.RawMessage) error {
	if ew.err != nil {
		return ew.err
	}
	ew.n++
	switch ew.format {
	case "ndjson":
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return fmt.Errorf("event %d is not JSON: %w", ew.n, err)
		}
		buf.WriteByte('\n')
		_, ew.err = ew.w.Write(buf.Bytes())
	case "json":
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "          ", "  "); err != nil {
			return fmt.Errorf("event %d is not JSON: %w", ew.n, err)
		}
		if ew.n > 1 {
			ew.w.WriteByte(',')
		}
		ew.w.WriteString("\n          ")
		_, ew.err = ew.w.Write(buf.Bytes())
	case "csv":
		r := summarize(raw)
		ew.err = ew.csv.Write([]string{r.EventTime, r.Offset, r.Type, r.Action, r.BizStep, r.Disposition, r.ReadPoint, r.BizLocation,
			strings.Join(r.EPCs, " "), r.EventID})
	case "table":
		r := summarize(raw)
		epcs := make([]string, len(r.EPCs))
		for i, e := range r.EPCs {
			epcs[i] = shortID(e)
		}
		ew.rows = append(ew.rows, []string{tableTime(r.EventTime, r.Offset), r.Type, r.Action, shortVocab(r.BizStep), shortID(r.ReadPoint), strings.Join(epcs, " ")})
	}
	return ew.err
}

// end finishes the output.
func (ew *eventWriter) end() error {
	if ew.err != nil {
		return ew.err
	}
	switch ew.format {
	case "json":
		if ew.first == nil {
			ew.begin(&queryPage{})
		}
		if ew.n > 0 {
			ew.w.WriteString("\n        ")
		}
		ctx := "[" + string(bytes.Join(ew.contexts, []byte(", "))) + "]"
		if len(ew.contexts) == 0 {
			ctx = `["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]`
		}
		fmt.Fprintf(ew.w, "]\n      }\n    }\n  },\n  \"@context\": %s\n}\n", ctx)
	case "csv":
		ew.csv.Flush()
		if err := ew.csv.Error(); err != nil {
			return err
		}
	case "table":
		writeTable(ew.w, tableHeader, ew.rows, ew.width)
	}
	return ew.w.Flush()
}

// eventSummary is what the csv and table formats show of an event.
type eventSummary struct {
	EventTime, Offset, Type, Action, BizStep, Disposition, ReadPoint, BizLocation, EventID string
	// EPCs: parentID, the EPC lists, then the classes of the quantity
	// lists (with quantity and unit).
	EPCs []string
}

// summarize reads an event leniently: a member of an unexpected type is
// left out, never an error.
func summarize(raw json.RawMessage) eventSummary {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	str := func(k string) string { s, _ := m[k].(string); return s }
	id := func(k string) string {
		if o, ok := m[k].(map[string]any); ok {
			s, _ := o["id"].(string)
			return s
		}
		return ""
	}
	s := eventSummary{EventTime: str("eventTime"), Offset: str("eventTimeZoneOffset"), Type: str("type"), Action: str("action"),
		BizStep: str("bizStep"), Disposition: str("disposition"), ReadPoint: id("readPoint"), BizLocation: id("bizLocation"),
		EventID: str("eventID")}
	if p := str("parentID"); p != "" {
		s.EPCs = append(s.EPCs, p)
	}
	for _, k := range []string{"epcList", "childEPCs", "inputEPCList", "outputEPCList"} {
		l, _ := m[k].([]any)
		for _, e := range l {
			if e, ok := e.(string); ok {
				s.EPCs = append(s.EPCs, e)
			}
		}
	}
	for _, k := range []string{"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"} {
		l, _ := m[k].([]any)
		for _, q := range l {
			q, _ := q.(map[string]any)
			class, _ := q["epcClass"].(string)
			if class == "" {
				continue
			}
			if n, ok := q["quantity"].(float64); ok {
				class += " x" + strconv.FormatFloat(n, 'f', -1, 64)
				if u, ok := q["uom"].(string); ok {
					class += " " + u
				}
			}
			s.EPCs = append(s.EPCs, class)
		}
	}
	return s
}

// shortID is an identifier as a table shows it: a GS1 Digital Link
// without its https://id.gs1.org/ (01/04012345111118/21/1000), an EPC URN
// without urn:epc:id: or urn:epc:class: (sgtin:4012345.011111.1000).
func shortID(s string) string {
	for _, p := range []string{"https://id.gs1.org/", "urn:epc:id:", "urn:epc:class:"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest
		}
	}
	return s
}

// tableTime shows an eventTime in its own offset, to the second, when it
// parses; else as written.
func tableTime(t, offset string) string {
	at, err := time.Parse(time.RFC3339Nano, t)
	if err != nil {
		return t
	}
	if o, err := time.Parse("-07:00", offset); err == nil {
		_, secs := o.Zone()
		at = at.In(time.FixedZone(offset, secs))
	}
	return at.Format("2006-01-02 15:04:05Z07:00")
}

// shortVocab is a CBV value's bare name (shipping for
// urn:epcglobal:cbv:bizstep:shipping or https://ref.gs1.org/cbv/BizStep-shipping).
func shortVocab(v string) string {
	if strings.HasPrefix(v, "urn:epcglobal:cbv:") {
		return v[strings.LastIndexByte(v, ':')+1:]
	}
	if rest, ok := strings.CutPrefix(v, "https://ref.gs1.org/cbv/"); ok {
		if _, name, ok := strings.Cut(rest, "-"); ok {
			return name
		}
	}
	return v
}

// tableShrinkable are the columns that give up width when a table is too
// wide, the widest first (so the read point and the EPCs share the
// room): all but the event time.
var tableShrinkable = []int{1, 2, 3, 4, 5}

// minColumn is the width a column is not cut below; on a terminal too
// narrow even then, lines are cut at its width.
const minColumn = 6

// writeTable writes rows under a header in columns two spaces apart, cut
// to width (0: not cut) by shortening the widest of tableShrinkable, each
// cut cell ending in "…".
func writeTable(w io.Writer, header []string, rows [][]string, width int) {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	if width > 0 {
		total := 2 * (len(widths) - 1)
		for _, n := range widths {
			total += n
		}
		for total > width {
			widest := -1
			for _, i := range tableShrinkable {
				if i < len(widths) && widths[i] > minColumn && (widest < 0 || widths[i] > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
			total--
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			c = truncate(c, widths[i])
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		out := strings.TrimRight(b.String(), " ")
		if width > 0 {
			out = truncate(out, width)
		}
		fmt.Fprintln(w, out)
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
}

// truncate cuts s to n runes, the last one "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// progress is a line on a terminal's stderr that rewrites itself; on
// anything else it writes nothing.
type progress struct {
	w     io.Writer
	on    bool
	width int
	last  string
}

func newProgress(stderr io.Writer) *progress {
	n, ok := termWidth(stderr)
	return &progress{w: stderr, on: ok, width: n}
}

func (p *progress) printf(format string, args ...any) {
	if !p.on {
		return
	}
	s := fmt.Sprintf(format, args...)
	if p.width > 1 {
		s = truncate(s, p.width-1)
	}
	p.last = s
	fmt.Fprint(p.w, "\r\x1b[K"+s)
}

// clear removes the line, so what follows starts on a clean line.
func (p *progress) clear() {
	if p.on && p.last != "" {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.last = ""
	}
}
