package gs1

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// PrefixTable maps leading digits of GS1 keys to the length of the GS1
// Company Prefix they start, so that an identifier parsed from a Digital Link
// can be written as an EPC URN. It is filled from GS1's published prefix
// length list (Load) and from identifiers seen in URN form (Learn). It is
// safe for concurrent use. The zero value is not usable: call NewPrefixTable.
type PrefixTable struct {
	mu sync.RWMutex
	m  map[string]uint8
}

// NewPrefixTable returns an empty table.
func NewPrefixTable() *PrefixTable {
	return &PrefixTable{m: make(map[string]uint8)}
}

// Len returns the number of prefixes in the table.
func (t *PrefixTable) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m)
}

// Add records that GS1 Company Prefixes starting with prefix (1 to 12
// digits) are gcpLength digits long. A gcpLength of 0 records that keys
// under prefix have no GS1 Company Prefix (restricted circulation numbers,
// for instance), so lookups under it report the length as unknown.
func (t *PrefixTable) Add(prefix string, gcpLength int) error {
	if len(prefix) == 0 || len(prefix) > 12 || !allDigits(prefix) {
		return errf("prefix", prefix, "must be 1 to 12 digits")
	}
	if gcpLength != 0 && (gcpLength < minPrefixLen || gcpLength > 12) {
		return errf("gcpLength", strconv.Itoa(gcpLength), "must be 0 or "+itoa(minPrefixLen)+" to 12")
	}
	t.mu.Lock()
	t.m[prefix] = uint8(gcpLength)
	t.mu.Unlock()
	return nil
}

// Load adds the entries of a GS1 Company Prefix length list in either of
// the formats GS1 publishes "gcpprefixformatlist" in: XML with
// <entry prefix="..." gcpLength="..."/> elements, or JSON, either
// {"GCPPrefixFormatList": {"entry": [{"prefix": "...", "gcpLength": 7}, ...]}},
// {"entry": [...]} or a bare array of entries (gcpLength may be a number or a
// string). Entries are validated as by Add; on error nothing after the bad
// entry is added and the error says which entry.
func (t *PrefixTable) Load(r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		c, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				return errors.New("gs1: prefix list is empty")
			}
			return err
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB || c == 0xBF {
			continue
		}
		if err := br.UnreadByte(); err != nil {
			return err
		}
		if c == '<' {
			return t.loadXML(br)
		}
		return t.loadJSON(br)
	}
}

func (t *PrefixTable) loadXML(r io.Reader) error {
	d := xml.NewDecoder(r)
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("gs1: prefix list XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "entry" {
			continue
		}
		n++
		var prefix, length string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "prefix":
				prefix = a.Value
			case "gcpLength":
				length = a.Value
			}
		}
		if err := t.addEntry(n, prefix, length); err != nil {
			return err
		}
	}
	if n == 0 {
		return errors.New("gs1: prefix list XML has no <entry> elements")
	}
	return nil
}

type jsonPrefixEntry struct {
	Prefix    string          `json:"prefix"`
	GCPLength json.RawMessage `json:"gcpLength"`
}

func (t *PrefixTable) loadJSON(r io.Reader) error {
	var raw json.RawMessage
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return fmt.Errorf("gs1: prefix list JSON: %w", err)
	}
	var entries []jsonPrefixEntry
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(raw, &top); err != nil {
			return fmt.Errorf("gs1: prefix list JSON: %w", err)
		}
		if inner, ok := top["GCPPrefixFormatList"]; ok {
			top = nil
			if err := json.Unmarshal(inner, &top); err != nil {
				return fmt.Errorf("gs1: prefix list JSON GCPPrefixFormatList: %w", err)
			}
		}
		list, ok := top["entry"]
		if !ok {
			return errors.New(`gs1: prefix list JSON has no "entry" array`)
		}
		raw = list
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return fmt.Errorf("gs1: prefix list JSON entries: %w", err)
	}
	if len(entries) == 0 {
		return errors.New("gs1: prefix list JSON has no entries")
	}
	for i, e := range entries {
		l := string(bytes.Trim(e.GCPLength, `"`))
		if err := t.addEntry(i+1, e.Prefix, l); err != nil {
			return err
		}
	}
	return nil
}

func (t *PrefixTable) addEntry(n int, prefix, length string) error {
	l, err := strconv.Atoi(length)
	if err != nil {
		return fmt.Errorf("gs1: prefix list entry %d: %w", n, errf("gcpLength", length, "not a number"))
	}
	if err := t.Add(prefix, l); err != nil {
		return fmt.Errorf("gs1: prefix list entry %d: %w", n, err)
	}
	return nil
}

// Learn records the company prefix length of e if it is known (e was
// parsed from a URN). It does nothing otherwise.
func (t *PrefixTable) Learn(e EPC) {
	if cp := e.CompanyPrefix(); cp != "" {
		t.remember(cp)
	}
}

// remember records that cp is a whole GS1 Company Prefix.
func (t *PrefixTable) remember(cp string) {
	t.mu.RLock()
	l, ok := t.m[cp]
	t.mu.RUnlock()
	if ok && int(l) == len(cp) {
		return
	}
	t.mu.Lock()
	t.m[cp] = uint8(len(cp))
	t.mu.Unlock()
}

// Lookup returns the GS1 Company Prefix length for a key whose company
// prefix starts at digits[0], using the longest matching prefix in the
// table.
func (t *PrefixTable) Lookup(digits string) (int, bool) {
	n := leadingDigits(digits)
	if n > 12 {
		n = 12
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for l := n; l > 0; l-- {
		if v, ok := t.m[digits[:l]]; ok {
			if v == 0 || int(v) > n {
				return 0, false
			}
			return int(v), true
		}
	}
	return 0, false
}

// Resolve returns e with PrefixLen set from the table when it is unknown.
// The error wraps ErrUnknownPrefixLength when the table does not know it.
func (t *PrefixTable) Resolve(e EPC) (EPC, error) {
	if e.PrefixLen != 0 {
		return e, nil
	}
	info := lookupScheme(string(e.Scheme))
	if info == nil {
		return EPC{}, errf("scheme", string(e.Scheme), "not an EPC scheme used in EPCIS")
	}
	st := info.cpStart()
	if len(e.Key) <= st {
		return EPC{}, errf("AI "+info.ai, e.Key, "too short")
	}
	l, ok := t.Lookup(e.Key[st:])
	if !ok {
		return EPC{}, &PrefixLengthError{Scheme: e.Scheme, Key: e.Key}
	}
	return e.WithPrefixLen(l)
}

// URN returns the URN of e, taking the company prefix length from the table
// when e does not know it. The error wraps ErrUnknownPrefixLength when
// neither knows it; the caller should keep the Digital Link form then.
func (t *PrefixTable) URN(e EPC) (string, error) {
	r, err := t.Resolve(e)
	if err != nil {
		return "", err
	}
	return r.URN()
}

// LearnURN records the company prefix length shown by an EPC URN
// (urn:epc:id:, urn:epc:class: or urn:epc:idpat:), whose first component
// after the scheme is always the GS1 Company Prefix. It is cheaper than
// parsing the URN and ignores anything that is not such a URN.
func (t *PrefixTable) LearnURN(s string) {
	rest, ok := strings.CutPrefix(s, "urn:epc:")
	if !ok {
		return
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return
	}
	cp := rest[i+1:]
	if j := strings.IndexByte(cp, '.'); j >= 0 {
		cp = cp[:j]
	}
	if len(cp) >= 4 && len(cp) <= 12 && allDigits(cp) {
		t.remember(cp)
	}
}
