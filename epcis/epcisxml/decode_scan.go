package epcisxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanner is the XML tokenizer of the decoder. It gives the tokens
// encoding/xml's RawToken gives in strict mode, for input held in memory,
// about three times faster: text without entity references is a slice of
// the input, not a copy, and bytes are not read one call at a time. The
// tests check it against encoding/xml on the GS1 examples and in a
// differential fuzz test.
type scanner struct {
	data      []byte
	pos       int
	buf       []byte // decoded text with entity references
	needClose bool   // an empty element's EndElement is due
	toClose   xml.Name
}

var errEOF = errors.New("XML syntax error: unexpected EOF")

func syntaxErr(format string, args ...any) error {
	return fmt.Errorf("XML syntax error: "+format, args...)
}

func isSpace(b byte) bool { return b == ' ' || b == '\r' || b == '\n' || b == '\t' }

func (s *scanner) space() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// next returns the next token, io.EOF at the end.
func (s *scanner) next() (xml.Token, error) {
	if s.needClose {
		s.needClose = false
		return xml.EndElement{Name: s.toClose}, nil
	}
	if s.pos >= len(s.data) {
		return nil, io.EOF
	}
	if s.data[s.pos] != '<' {
		t, err := s.text(-1, false)
		if err != nil {
			return nil, err
		}
		return xml.CharData(t), nil
	}
	s.pos++
	if s.pos >= len(s.data) {
		return nil, errEOF
	}
	switch s.data[s.pos] {
	case '/':
		s.pos++
		name, ok := s.nsname()
		if !ok {
			return nil, syntaxErr("expected element name after </")
		}
		s.space()
		if s.pos >= len(s.data) {
			return nil, errEOF
		}
		if s.data[s.pos] != '>' {
			return nil, syntaxErr("invalid characters between </%s and >", name.Local)
		}
		s.pos++
		return xml.EndElement{Name: name}, nil
	case '?':
		s.pos++
		target, ok := s.name()
		if !ok {
			return nil, syntaxErr("expected target name after <?")
		}
		s.space()
		i := bytes.Index(s.data[s.pos:], []byte("?>"))
		if i < 0 {
			return nil, errEOF
		}
		inst := s.data[s.pos : s.pos+i]
		s.pos += i + 2
		if target == "xml" {
			content := string(inst)
			if ver := procAttr(content, "version"); ver != "" && ver != "1.0" {
				return nil, fmt.Errorf("xml: unsupported version %q; only version 1.0 is supported", ver)
			}
			if enc := procAttr(content, "encoding"); enc != "" && !strings.EqualFold(enc, "utf-8") {
				if _, err := charsetReader(enc, nil); err != nil {
					return nil, err
				}
				// US-ASCII: a subset of UTF-8, checked here once.
				for _, c := range s.data[s.pos:] {
					if c >= 0x80 {
						return nil, errors.New("a byte above 127 in a document declared US-ASCII")
					}
				}
			}
		}
		return xml.ProcInst{Target: target, Inst: inst}, nil
	case '!':
		s.pos++
		rest := s.data[s.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("--")):
			s.pos += 2
			i := bytes.Index(s.data[s.pos:], []byte("--"))
			if i < 0 || s.pos+i+2 >= len(s.data) {
				return nil, errEOF
			}
			if s.data[s.pos+i+2] != '>' {
				return nil, syntaxErr(`invalid sequence "--" not allowed in comments`)
			}
			c := s.data[s.pos : s.pos+i]
			s.pos += i + 3
			return xml.Comment(c), nil
		case len(rest) > 0 && rest[0] == '-':
			if len(rest) < 2 {
				return nil, errEOF
			}
			return nil, syntaxErr("invalid sequence <!- not part of <!--")
		case len(rest) > 0 && rest[0] == '[':
			if len(rest) < 7 && bytes.HasPrefix([]byte("[CDATA["), rest) {
				return nil, errEOF
			}
			if !bytes.HasPrefix(rest, []byte("[CDATA[")) {
				return nil, syntaxErr("invalid <![ sequence")
			}
			s.pos += 7
			t, err := s.text(-1, true)
			if err != nil {
				return nil, err
			}
			return xml.CharData(t), nil
		}
		// A directive. The decoder accepts only <!DOCTYPE name>; any
		// other is returned whole up to the first '>' and refused there.
		i := bytes.IndexByte(rest, '>')
		if i < 0 {
			return nil, errEOF
		}
		s.pos += i + 1
		return xml.Directive(rest[:i]), nil
	}
	// A start tag.
	name, ok := s.nsname()
	if !ok {
		return nil, syntaxErr("expected element name after <")
	}
	attrs := []xml.Attr{}
	for {
		s.space()
		if s.pos >= len(s.data) {
			return nil, errEOF
		}
		b := s.data[s.pos]
		if b == '/' {
			s.pos++
			if s.pos >= len(s.data) {
				return nil, errEOF
			}
			if s.data[s.pos] != '>' {
				return nil, syntaxErr("expected /> in element")
			}
			s.pos++
			s.needClose, s.toClose = true, name
			break
		}
		if b == '>' {
			s.pos++
			break
		}
		var a xml.Attr
		if a.Name, ok = s.nsname(); !ok {
			return nil, syntaxErr("expected attribute name in element")
		}
		s.space()
		if s.pos >= len(s.data) {
			return nil, errEOF
		}
		if s.data[s.pos] != '=' {
			return nil, syntaxErr("attribute name without = in element")
		}
		s.pos++
		s.space()
		if s.pos >= len(s.data) {
			return nil, errEOF
		}
		q := s.data[s.pos]
		if q != '"' && q != '\'' {
			return nil, syntaxErr("unquoted or missing attribute value in element")
		}
		s.pos++
		v, err := s.text(int(q), false)
		if err != nil {
			return nil, err
		}
		a.Value = string(v)
		attrs = append(attrs, a)
	}
	return xml.StartElement{Name: name, Attr: attrs}, nil
}

// text reads character data: up to '<' (quote < 0), up to the quote of an
// attribute value, or up to "]]>" in a CDATA section. Entity references
// are replaced (not in CDATA), "\r\n" and "\r" become "\n", and every
// character must be one XML allows. The result may alias the input.
func (s *scanner) text(quote int, cdata bool) ([]byte, error) {
	start := s.pos
	// Fast path: a run without '&', '\r' or ']' needs no rewriting.
	end := start
	for end < len(s.data) {
		c := s.data[end]
		if c == '<' || c == '&' || c == '\r' || c == ']' || quote >= 0 && c == byte(quote) {
			break
		}
		end++
	}
	fast := false
	switch {
	case cdata:
	case quote < 0:
		fast = end == len(s.data) || s.data[end] == '<'
	default:
		fast = end < len(s.data) && s.data[end] == byte(quote)
	}
	if fast {
		t := s.data[start:end]
		if err := checkChars(t); err != nil {
			return nil, err
		}
		s.pos = end
		if quote >= 0 {
			s.pos++ // the closing quote
		}
		return t, nil
	}
	// Slow path, as encoding/xml reads it.
	s.buf = s.buf[:0]
	var b0, b1 byte
	trunc := 0
	for {
		if s.pos >= len(s.data) {
			if cdata {
				return nil, syntaxErr("unexpected EOF in CDATA section")
			}
			if quote >= 0 {
				return nil, errEOF
			}
			break
		}
		b := s.data[s.pos]
		s.pos++
		if quote < 0 && b0 == ']' && b1 == ']' && b == '>' {
			if cdata {
				trunc = 2
				break
			}
			return nil, syntaxErr("unescaped ]]> not in CDATA section")
		}
		if b == '<' && !cdata {
			if quote >= 0 {
				return nil, syntaxErr("unescaped < inside quoted string")
			}
			s.pos--
			break
		}
		if quote >= 0 && b == byte(quote) {
			break
		}
		if b == '&' && !cdata {
			r, err := s.entity()
			if err != nil {
				return nil, err
			}
			s.buf = append(s.buf, r...)
			b0, b1 = 0, 0
			continue
		}
		switch {
		case b == '\r':
			s.buf = append(s.buf, '\n')
		case b1 == '\r' && b == '\n':
			// "\r\n": the '\n' is written already.
		default:
			s.buf = append(s.buf, b)
		}
		b0, b1 = b1, b
	}
	t := s.buf[:len(s.buf)-trunc]
	if err := checkChars(t); err != nil {
		return nil, err
	}
	// The buffer is reused: hand out a copy.
	return bytes.Clone(t), nil
}

// entity reads a reference after '&' and returns its text.
func (s *scanner) entity() (string, error) {
	start := s.pos - 1
	bad := func() (string, error) {
		end := s.pos
		ent := string(s.data[start:end])
		if !strings.HasSuffix(ent, ";") {
			ent += " (no semicolon)"
		}
		return "", syntaxErr("invalid character entity %s", ent)
	}
	if s.pos >= len(s.data) {
		return "", errEOF
	}
	if s.data[s.pos] == '#' {
		s.pos++
		base := 10
		if s.pos < len(s.data) && s.data[s.pos] == 'x' {
			base = 16
			s.pos++
		}
		ds := s.pos
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if '0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				s.pos++
				continue
			}
			break
		}
		if s.pos >= len(s.data) {
			return "", errEOF
		}
		if s.data[s.pos] != ';' {
			return bad()
		}
		n, err := strconv.ParseUint(string(s.data[ds:s.pos]), base, 64)
		s.pos++
		if err != nil || n > unicode.MaxRune {
			return bad()
		}
		return string(rune(n)), nil
	}
	ns := s.pos
	for s.pos < len(s.data) && (s.data[s.pos] >= utf8.RuneSelf || isNameByte(s.data[s.pos])) {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return "", errEOF
	}
	if s.data[s.pos] != ';' {
		return bad()
	}
	name := string(s.data[ns:s.pos])
	s.pos++
	switch name {
	case "lt":
		return "<", nil
	case "gt":
		return ">", nil
	case "amp":
		return "&", nil
	case "apos":
		return "'", nil
	case "quot":
		return `"`, nil
	}
	return bad()
}

// checkChars refuses invalid UTF-8 and characters outside XML's Char.
func checkChars(t []byte) error {
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return syntaxErr("illegal character code %U", rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(t[i:])
		if r == utf8.RuneError && size == 1 {
			return syntaxErr("invalid UTF-8")
		}
		if !(r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return syntaxErr("illegal character code %U", r)
		}
		i += size
	}
	return nil
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// name reads an XML name. ASCII names are checked here; a name with other
// characters is checked by encoding/xml itself, whose tables of name
// characters are not exported (such names are rare in EPCIS).
func (s *scanner) name() (string, bool) {
	start := s.pos
	for s.pos < len(s.data) && (s.data[s.pos] >= utf8.RuneSelf || isNameByte(s.data[s.pos])) {
		s.pos++
	}
	n := s.data[start:s.pos]
	if len(n) == 0 {
		return "", false
	}
	ascii := true
	for _, c := range n {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		c := n[0]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':') {
			return "", false
		}
		return string(n), true
	}
	d := xml.NewDecoder(bytes.NewReader(append(append([]byte("<?"), n...), "?>"...)))
	if tok, err := d.RawToken(); err != nil {
		return "", false
	} else if pi, ok := tok.(xml.ProcInst); !ok || pi.Target != string(n) {
		return "", false
	}
	return string(n), true
}

// nsname reads a name and splits it at its colon, as encoding/xml does.
func (s *scanner) nsname() (xml.Name, bool) {
	n, ok := s.name()
	if !ok || strings.Count(n, ":") > 1 {
		return xml.Name{}, false
	}
	if space, local, ok := strings.Cut(n, ":"); ok && space != "" && local != "" {
		return xml.Name{Space: space, Local: local}, true
	}
	return xml.Name{Local: n}, true
}
