package epcisxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lotline/lotline/gs1/gs1test"
)

// stdTokens is the reference tokenizer: encoding/xml in strict mode.
type stdTokens struct{ d *xml.Decoder }

func (s stdTokens) next() (xml.Token, error) { return s.d.RawToken() }

// parseWith builds the element tree with the scanner (fast) or with
// encoding/xml (the reference).
func parseWith(data []byte, fast bool) (*elem, error) {
	p := &parser{lim: DefaultLimits, declared: map[string][]string{}, pairs: map[[2]string]bool{}, prefixes: map[string]bool{}}
	if fast {
		return p.parse(data)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	return p.build(stdTokens{d})
}

// sameTree compares two element trees.
func sameTree(a, b *elem) bool {
	if a.ns != b.ns || a.local != b.local || a.prefix != b.prefix || a.text != b.text ||
		len(a.kids) != len(b.kids) || !reflect.DeepEqual(a.attrs, b.attrs) || !reflect.DeepEqual(a.scope, b.scope) {
		return false
	}
	for i := range a.kids {
		if !sameTree(a.kids[i], b.kids[i]) {
			return false
		}
	}
	return true
}

// agree checks that the scanner and encoding/xml agree on data: both
// refuse it, or both give the same tree. The scanner may refuse what
// encoding/xml accepts only for invalid UTF-8 in comments or processing
// instructions, which encoding/xml does not check.
func agree(t *testing.T, data []byte) {
	t.Helper()
	fast, ferr := parseWith(data, true)
	ref, rerr := parseWith(data, false)
	switch {
	case ferr == nil && rerr == nil:
		if !sameTree(fast, ref) {
			t.Errorf("trees differ for %q", data)
		}
	case ferr != nil && rerr == nil:
		if utf8.Valid(data) {
			t.Errorf("scanner refuses what encoding/xml accepts: %v\n%q", ferr, data)
		}
	case ferr == nil && rerr != nil:
		t.Errorf("scanner accepts what encoding/xml refuses (%v):\n%q", rerr, data)
	}
}

var scanCases = []string{
	`<a/>`, `<a></a>`, `<a x="1" y='2'>t</a>`, `<a x="1"y="2"/>`, `<a x = "1" />`, `<p:a xmlns:p="u"><p:b/></p:a>`,
	`<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;</a>`, `<a>&#0;</a>`, `<a>&#xD800;</a>`, `<a>&#99999999;</a>`, `<a>&foo;</a>`, `<a>&amp</a>`, `<a>&#;</a>`,
	`<a>x]]>y</a>`, `<a x="]]>"/>`, `<a><![CDATA[<b>&amp;]]></a>`, `<a><![CDATA[x]]]></a>`, `<a><![CDAT[x]]></a>`, `<a><![CDATA[x</a>`,
	"<a>\r\n\r\t</a>", "<a x=\"\r\n\"/>", `<a x="<"/>`, `<a x=1/>`, `<a x/>`, `<a x="1/>`, `<a><!-- c --></a>`, `<a><!-- c -- d --></a>`, `<a><!---></a>`, `<a><!- x --></a>`,
	`<?xml version="1.0"?><a/>`, `<?xml version="1.1"?><a/>`, `<?xml version="1.0" encoding="utf-8"?><a/>`, `<?xml encoding="latin1"?><a/>`, `<?xml encoding="US-ASCII"?><a>é</a>`,
	`<?pi?><a/>`, `<? pi?><a/>`, `<?pi x<a/>`, `<!DOCTYPE a><a/>`, `<!DOCTYPE a [<!ENTITY b "c">]><a/>`, `<!ELEMENT a><a/>`, `<!DOCTYPE a`,
	`<a:b:c/>`, `<:a/>`, `<a:/>`, `<1a/>`, `<-a/>`, `<a.b-c_d/>`, `<é/>`, `<aé/>`, `<a·b/>`, `<a>` + "\x01" + `</a>`, "<a>\xff</a>", "<a x=\"\xff\"/>", `<a></b>`, `</a>`, `<a>`, `<`, `<a><b></a></b>`,
	`<a></a >`, `<a></a x>`, `< a/>`, `<a/ >`, `text<a/>`, `<a/>text`, `<a/><b/>`, "\xef\xbb\xbf<a/>", `<a xmlns="u" xmlns:p="v" p:x="1"/>`, `<a xmlns:p=""/>`, `<p:a/>`,
}

// TestScannerAgrees runs the scanner and encoding/xml on hand-made cases
// and on every XML file under the GS1 folder.
func TestScannerAgrees(t *testing.T) {
	for _, c := range scanCases {
		agree(t, []byte(c))
	}
	dir := gs1test.Dir(t)
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			agree(t, data)
			n++
		}
		return nil
	})
	if n < 100 {
		t.Errorf("only %d XML files compared", n)
	}
}

// FuzzScanner: the scanner and encoding/xml agree on any input.
func FuzzScanner(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(xmlDoc(xmlObjectEvent)))
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data)
	})
}

// TestScannerTokens: the scanner's tokens, one by one, are encoding/xml's.
func TestScannerTokens(t *testing.T) {
	src := `<?xml version="1.0"?><!-- c --><a x="1&amp;2"><b>t&lt;</b><![CDATA[<c>]]><d/></a>`
	s := &scanner{data: []byte(src)}
	d := xml.NewDecoder(strings.NewReader(src))
	d.Strict = true
	for {
		a, aerr := s.next()
		b, berr := d.RawToken()
		if aerr != nil || berr != nil {
			if !errors.Is(aerr, io.EOF) || !errors.Is(berr, io.EOF) {
				t.Fatalf("errors %v and %v", aerr, berr)
			}
			return
		}
		if !reflect.DeepEqual(xml.CopyToken(a), xml.CopyToken(b)) {
			t.Fatalf("token %#v, encoding/xml %#v", a, b)
		}
	}
}
