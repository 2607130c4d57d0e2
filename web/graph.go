package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"

	"github.com/lotline/lotline/query/lot"
)

// Layout of the genealogy picture.
const (
	colWidth    = 210
	nodeWidth   = 170
	nodeHeight  = 34
	rowGap      = 14
	margin      = 16
	maxPerLayer = 30 // nodes drawn in one column; the rest are counted
	labelChars  = 24
)

// Picture is a genealogy drawn as SVG, with what it left out.
type Picture struct {
	SVG     template.HTML
	Nodes   int // nodes drawn
	Hidden  int // nodes beyond maxPerLayer in their column
	Layers  int
	Width   int
	Height  int
	Marked  int // highlighted nodes drawn
	Caption string
}

// DrawGraph lays g out in columns by depth, material flowing left to
// right (suppliers, raw lots, lots made from them, units, cases, pallets,
// buyers), and draws it as SVG. A node's column is the length of the
// longest path of edges reaching it, so every edge points right (cycles,
// which a correct genealogy has not, are cut). Nodes in marked are
// highlighted (the recall's affected set); nodes link to their lot page
// (lots) or to the search of their identifier (the rest) through link.
func DrawGraph(g *lot.Graph, marked map[string]bool, link func(lot.Node) string) Picture {
	if g == nil || len(g.Nodes) == 0 {
		return Picture{}
	}
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.ID] = i
	}
	depth := layers(g, index)
	cols := map[int][]int{}
	maxDepth := 0
	for i, d := range depth {
		cols[d] = append(cols[d], i)
		maxDepth = max(maxDepth, d)
	}
	type pos struct{ x, y int }
	at := make(map[int]pos, len(g.Nodes))
	pic := Picture{Layers: maxDepth + 1}
	rows := 0
	for d := 0; d <= maxDepth; d++ {
		col := cols[d]
		// Marked first, then by kind and label: the affected set stays
		// in the picture when a column is cut.
		slices.SortFunc(col, func(a, b int) int {
			na, nb := g.Nodes[a], g.Nodes[b]
			if marked[na.ID] != marked[nb.ID] {
				if marked[na.ID] {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(kindRank(na.Kind), kindRank(nb.Kind)), cmp.Compare(na.Label, nb.Label), cmp.Compare(na.ID, nb.ID))
		})
		if len(col) > maxPerLayer {
			pic.Hidden += len(col) - maxPerLayer
			col = col[:maxPerLayer]
		}
		cols[d] = col
		rows = max(rows, len(col))
	}
	pic.Width = margin*2 + maxDepth*colWidth + nodeWidth
	pic.Height = margin*2 + rows*(nodeHeight+rowGap) - rowGap + 20
	for d := 0; d <= maxDepth; d++ {
		col := cols[d]
		// Centre short columns against the tallest one.
		off := (rows - len(col)) * (nodeHeight + rowGap) / 2
		for r, i := range col {
			at[i] = pos{margin + d*colWidth, margin + off + r*(nodeHeight+rowGap)}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="genealogy of %s">`,
		pic.Width, pic.Height, pic.Width, pic.Height, template.HTMLEscapeString(g.Lot))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>`)
	for _, e := range g.Edges {
		fi, ok1 := index[e.From]
		ti, ok2 := index[e.To]
		pf, drawn1 := at[fi]
		pt, drawn2 := at[ti]
		if !ok1 || !ok2 || !drawn1 || !drawn2 {
			continue
		}
		x1, y1 := pf.x+nodeWidth, pf.y+nodeHeight/2
		x2, y2 := pt.x, pt.y+nodeHeight/2
		if x2 <= x1 { // an edge within a column or backwards (a cut cycle)
			x1, x2 = pf.x+nodeWidth/2, pt.x+nodeWidth/2
			y1, y2 = pf.y+nodeHeight, pt.y
		}
		cls := "edge edge-" + e.Kind
		if marked[e.From] && marked[e.To] {
			cls += " marked"
		}
		mx := (x1 + x2) / 2
		fmt.Fprintf(&b, `<path class="%s" d="M%d,%d C%d,%d %d,%d %d,%d" marker-end="url(#arrow)"><title>%s</title></path>`,
			cls, x1, y1, mx, y1, mx, y2, x2, y2, template.HTMLEscapeString(e.Kind))
	}
	for d := 0; d <= maxDepth; d++ {
		for _, i := range cols[d] {
			n, p := g.Nodes[i], at[i]
			cls := "node node-" + n.Kind
			if marked[n.ID] {
				cls += " marked"
				pic.Marked++
			}
			if n.ID == g.Lot {
				cls += " self"
			}
			label := n.Label
			if label == "" {
				label = n.ID
			}
			href := ""
			if link != nil {
				href = link(n)
			}
			if href != "" {
				fmt.Fprintf(&b, `<a href="%s">`, template.HTMLEscapeString(href))
			}
			fmt.Fprintf(&b, `<g class="%s" data-id="%s"><title>%s %s</title><rect x="%d" y="%d" width="%d" height="%d" rx="6"/>`,
				cls, template.HTMLEscapeString(n.ID), template.HTMLEscapeString(n.Kind), template.HTMLEscapeString(n.ID), p.x, p.y, nodeWidth, nodeHeight)
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="kind">%s</text><text x="%d" y="%d">%s</text></g>`,
				p.x+8, p.y+12, template.HTMLEscapeString(n.Kind), p.x+8, p.y+27, template.HTMLEscapeString(shorten(label, labelChars)))
			if href != "" {
				b.WriteString(`</a>`)
			}
			pic.Nodes++
		}
	}
	if pic.Hidden > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="hidden-note">%d more nodes not drawn (at most %d per column)</text>`,
			margin, pic.Height-6, pic.Hidden, maxPerLayer)
	}
	b.WriteString(`</svg>`)
	pic.SVG = template.HTML(b.String())
	return pic
}

// layers gives each node the length of the longest edge path reaching
// it, by relaxation bounded by the node count (which cuts cycles).
func layers(g *lot.Graph, index map[string]int) []int {
	depth := make([]int, len(g.Nodes))
	for range len(g.Nodes) {
		changed := false
		for _, e := range g.Edges {
			f, ok1 := index[e.From]
			t, ok2 := index[e.To]
			if ok1 && ok2 && f != t && depth[t] < depth[f]+1 && depth[f]+1 < len(g.Nodes) {
				depth[t] = depth[f] + 1
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return depth
}

func kindRank(k string) int {
	switch k {
	case lot.NodeParty:
		return 0
	case lot.NodeLot:
		return 1
	case lot.NodeItem:
		return 2
	case lot.NodeContainer:
		return 3
	case lot.NodeLocation:
		return 4
	}
	return 5
}

// shorten cuts s to n runes, keeping its end (where serials and lot
// numbers are).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

// NodeLink is the page a genealogy node links to: a lot's page, or the
// search for any other identifier.
func NodeLink(n lot.Node) string {
	if n.Kind == lot.NodeLot {
		return LotPath(n.ID)
	}
	if n.Kind == lot.NodeItem || n.Kind == lot.NodeContainer {
		return "/ui/search?q=" + url.QueryEscape(n.ID)
	}
	return ""
}

// LotPath is the page of a lot named by its canonical Digital Link.
func LotPath(lotID string) string { return "/ui/lots/" + url.PathEscape(lotID) }

// EventPath is the page of an event.
func EventPath(eventID string) string { return "/ui/events/" + url.PathEscape(eventID) }
