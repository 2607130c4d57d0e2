// Package web renders Lotline's pages for people (issue 16): a search
// box, a lot's batch record with its genealogy drawn as SVG, a recall's
// affected set and an event in full. The templates and the stylesheet are
// embedded (no build step, no CDN), the pages work without JavaScript,
// and they print as an auditor's document. The api package serves them
// under /ui/ behind the API's own keys and sharing rules; this package
// only renders what it is given.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lotline/lotline/query/lot"
)

//go:embed templates/*.html templates/parts/*.html static/*
var files embed.FS

var pages = map[string]*template.Template{}

var funcs = template.FuncMap{
	"lotPath":   LotPath,
	"eventPath": EventPath,
	"recallPath": func(lotID string) string {
		return LotPath(lotID) + "/recall"
	},
	"apiLot":     func(lotID, suffix string) string { return "/lots/" + url.PathEscape(lotID) + suffix },
	"apiEvent":   func(id string) string { return "/events/" + url.PathEscape(id) },
	"searchPath": func(id string) string { return "/ui/search?q=" + url.QueryEscape(id) },
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02 15:04 -07:00")
	},
	"ptime": func(t *time.Time) string {
		if t == nil {
			return "…"
		}
		return t.Format("2006-01-02 15:04 -07:00")
	},
	"utc":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"generic": Generic,
	"title":   Title,
	"join":    strings.Join,
	"qty":     lot.Thousands,
	"isLot":   isLotLink,
	"gtinOf":  gtinOfLot,
	"reason":  reasonText,
	"num": func(f *float64) string {
		if f == nil {
			return ""
		}
		return fmt.Sprint(*f)
	},
}

func init() {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts/*.html"))
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(files, n))
	}
}

// Page is what every page shows around its content.
type Page struct {
	Title string
	// Party is the caller's party, "" in open single-party mode.
	Party string
	// SignedIn is true when the caller signed in through the login form
	// (the page then offers to sign out).
	SignedIn bool
	// Now is when the page was made (the report time of a printout).
	Now time.Time
	// Q is the search box's text.
	Q string
	// Body is the page's own data.
	Body any
}

// Render writes page name (a file of templates/ without .html) with p,
// buffered so that a template error never sends half a page.
func Render(w io.Writer, name string, p *Page) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// StaticPrefix is where Static is mounted.
const StaticPrefix = "/ui/static/"

// Static serves the stylesheet and images.
func Static() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	return http.StripPrefix(StaticPrefix, http.FileServer(http.FS(sub)))
}

// isLotLink reports whether id looks like a lot's Digital Link
// (.../01/{gtin}/10/{lot}).
func isLotLink(id string) bool { return strings.Contains(id, "/01/") && strings.Contains(id, "/10/") }

// gtinOfLot returns the GTIN of a lot's Digital Link
// (https://id.gs1.org/01/{gtin}/10/{lot}), or the ID itself.
func gtinOfLot(id string) string {
	if _, rest, ok := strings.Cut(id, "/01/"); ok && len(rest) >= 14 {
		return rest[:14]
	}
	return id
}

// reasonText says a family link's reason kind in words.
func reasonText(kind string) string {
	switch kind {
	case lot.LinkMasterData:
		return "master data"
	case lot.LinkAggregation:
		return "packed by an aggregation"
	case lot.LinkTransformation:
		return "made together by a transformation"
	case lot.LinkInferred:
		return "GTIN indicator digit (inferred)"
	}
	return kind
}

// Title turns a JSON member name into a heading: "massBalance" reads
// "Mass balance".
func Title(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case i == 0:
			b.WriteString(strings.ToUpper(string(r)))
		case r >= 'A' && r <= 'Z':
			b.WriteByte(' ')
			b.WriteRune(r + ('a' - 'A'))
		case r == '_' || r == '-':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Extra returns the members of v's JSON object form that known does not
// name: the fields a newer query/lot added, which the pages then show
// with Generic instead of dropping.
func Extra(v any, known ...string) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	for _, k := range known {
		delete(m, k)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// maxGeneric bounds the values Generic renders, so an unexpectedly large
// member cannot make a page unbounded.
const maxGeneric = 2000

// Generic renders a decoded JSON value as nested definition lists and
// lists: how the pages show a member they have no template for. eventID
// members link to their event page and lot identifiers to their lot page.
func Generic(v any) template.HTML {
	var b strings.Builder
	n := 0
	generic(&b, "", v, &n)
	return template.HTML(b.String())
}

func generic(b *strings.Builder, key string, v any, n *int) {
	*n++
	if *n > maxGeneric {
		if *n == maxGeneric+1 {
			b.WriteString(`<span class="muted">… (more not shown)</span>`)
		}
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`<dl class="generic">`)
		for _, k := range keys {
			fmt.Fprintf(b, "<dt>%s</dt><dd>", template.HTMLEscapeString(Title(k)))
			generic(b, k, x[k], n)
			b.WriteString("</dd>")
		}
		b.WriteString("</dl>")
	case []any:
		if len(x) == 0 {
			b.WriteString(`<span class="muted">none</span>`)
			return
		}
		b.WriteString(`<ul class="generic">`)
		for _, e := range x {
			b.WriteString("<li>")
			generic(b, key, e, n)
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	case string:
		s := template.HTMLEscapeString(x)
		switch {
		case slices.Contains([]string{"eventID", "eventIDs", "correctiveEventIDs"}, key):
			fmt.Fprintf(b, `<a href="%s"><code>%s</code></a>`, template.HTMLEscapeString(EventPath(x)), s)
		case key == "lot" || strings.HasPrefix(x, "urn:epc:class:lgtin:") || isLotLink(x):
			fmt.Fprintf(b, `<a href="%s"><code>%s</code></a>`, template.HTMLEscapeString(LotPath(x)), s)
		default:
			b.WriteString(s)
		}
	case nil:
		b.WriteString(`<span class="muted">—</span>`)
	default:
		b.WriteString(template.HTMLEscapeString(fmt.Sprint(x)))
	}
}
