package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// treeNode is a line of a box-drawn tree and the lines below it.
type treeNode struct {
	text string
	kids []*treeNode
}

// add appends a child line and returns it.
func (n *treeNode) add(text string) *treeNode {
	k := &treeNode{text: text}
	n.kids = append(n.kids, k)
	return k
}

// write draws n's children (not n itself) with ├──, └── and │.
func (n *treeNode) write(b *strings.Builder) {
	var walk func(kids []*treeNode, prefix string)
	walk = func(kids []*treeNode, prefix string) {
		for i, k := range kids {
			branch, more := "├── ", "│   "
			if i == len(kids)-1 {
				branch, more = "└── ", "    "
			}
			b.WriteString(prefix + branch + k.text + "\n")
			walk(k.kids, prefix+more)
		}
	}
	walk(n.kids, "")
}

// recallAnswer is the answer of GET /lots/{lot}/recall (query/lot's
// RecallResult), read for what the tree shows; members the CLI does not
// know are ignored.
type recallAnswer struct {
	Lot       string `json:"lot"`
	GTIN      string `json:"gtin"`
	LotNumber string `json:"lotNumber"`
	Affected  struct {
		Lots       []recallNode `json:"lots"`
		Items      []recallNode `json:"items"`
		Containers []recallNode `json:"containers"`
		Locations  []recallNode `json:"locations"`
		Parties    []recallNode `json:"parties"`
	} `json:"affected"`
	SameProduct []struct {
		Lot       string   `json:"lot"`
		LotNumber string   `json:"lotNumber"`
		Affected  bool     `json:"affected"`
		Reason    string   `json:"reason"`
		Via       string   `json:"via"`
		EventIDs  []string `json:"eventIDs"`
	} `json:"sameProduct"`
	OthersNotAssessed int `json:"othersNotAssessed"`
	Events            []struct {
		EventID   string   `json:"eventID"`
		Kind      string   `json:"cte"`
		Type      string   `json:"type"`
		EventTime string   `json:"eventTime"`
		Location  string   `json:"location"`
		Lots      []string `json:"traceabilityLotCodes"`
	} `json:"events"`
}

type recallNode struct {
	ID         string `json:"id"`
	Label      string `json:"label"`
	Quantities []struct {
		EventID  string  `json:"eventID"`
		List     string  `json:"list"`
		Quantity float64 `json:"quantity"`
		UOM      string  `json:"uom"`
	} `json:"quantities"`
	EventIDs []string `json:"eventIDs"`
}

// eventRefs is " [abc123 def456]" for event IDs, or "".
func eventRefs(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	short := make([]string, len(ids))
	for i, id := range ids {
		short[i] = shortEventID(id)
	}
	return "  [" + strings.Join(short, " ") + "]"
}

// tree writes the recall: the affected set by kind, the other lots of the
// product, and the critical tracking events.
func (r *recallAnswer) tree() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recall of lot %s (GTIN %s)\n  %s\n\naffected:\n", cmp.Or(r.LotNumber, "?"), cmp.Or(r.GTIN, "?"), r.Lot)
	aff := &treeNode{}
	for _, k := range []struct {
		name  string
		nodes []recallNode
	}{{"lots", r.Affected.Lots}, {"items", r.Affected.Items}, {"containers", r.Affected.Containers},
		{"locations", r.Affected.Locations}, {"parties", r.Affected.Parties}} {
		kind := aff.add(fmt.Sprintf("%s (%d)", k.name, len(k.nodes)))
		for _, n := range k.nodes {
			text := n.ID
			if n.Label != "" && n.Label != n.ID {
				text = n.Label + "  " + n.ID
			}
			line := kind.add(text + eventRefs(n.EventIDs))
			for _, q := range n.Quantities {
				amount := strings.TrimSpace(strconv.FormatFloat(q.Quantity, 'f', -1, 64) + " " + q.UOM)
				line.add(amount + " in " + q.List + eventRefs([]string{q.EventID}))
			}
		}
	}
	aff.write(&b)
	fmt.Fprintf(&b, "\nother lots of the product (%d", len(r.SameProduct))
	if r.OthersNotAssessed > 0 {
		fmt.Fprintf(&b, ", %d more not assessed", r.OthersNotAssessed)
	}
	b.WriteString("):\n")
	others := &treeNode{}
	for _, o := range r.SameProduct {
		verdict := "not affected"
		if o.Affected {
			verdict = "AFFECTED"
		}
		line := others.add(fmt.Sprintf("%s  %s%s", cmp.Or(o.LotNumber, o.Lot), verdict, eventRefs(o.EventIDs)))
		if o.Reason != "" {
			line.add(o.Reason)
		}
		if o.Via != "" {
			line.add("via " + o.Via)
		}
	}
	if len(others.kids) == 0 {
		b.WriteString("  (none)\n")
	}
	others.write(&b)
	fmt.Fprintf(&b, "\ncritical tracking events (%d):\n", len(r.Events))
	evs := &treeNode{}
	for _, e := range r.Events {
		text := strings.Join(slices.DeleteFunc([]string{e.EventTime, e.Kind, e.Type}, func(s string) bool { return s == "" }), "  ")
		if e.Location != "" {
			text += "  at " + e.Location
		}
		evs.add(text + eventRefs([]string{e.EventID}))
	}
	evs.write(&b)
	return b.String()
}

// balanceSections finds the mass balance in a trace or recall answer, in
// whatever shape the server gives it (any member whose name holds
// "balance", at the top or in a node of the answer), and writes each as a
// tree; "" when there is none. Nothing in it can make the command fail.
func balanceSections(body []byte) string {
	top, ok := decodeOrdered(body).([]member)
	if !ok {
		return ""
	}
	var b strings.Builder
	section := func(title string, v any) {
		b.WriteString("\n" + title + ":\n")
		root := &treeNode{}
		jsonTree(root, v)
		if len(root.kids) == 0 {
			b.WriteString("  " + scalarText(v) + "\n")
		}
		root.write(&b)
	}
	for _, m := range top {
		if isBalance(m.key) {
			section(balanceTitle(m.key, ""), m.value)
		}
	}
	for _, m := range top {
		list, ok := m.value.([]any)
		if !ok || m.key != "nodes" && m.key != "lots" {
			continue
		}
		for _, n := range list {
			fields, ok := n.([]member)
			if !ok {
				continue
			}
			for _, f := range fields {
				if isBalance(f.key) {
					section(balanceTitle(f.key, nodeName(fields)), f.value)
				}
			}
		}
	}
	return b.String()
}

func isBalance(key string) bool { return strings.Contains(strings.ToLower(key), "balance") }

// balanceTitle is "mass balance" for massBalance, else the member's name,
// followed by the node it belongs to.
func balanceTitle(key, of string) string {
	t := key
	if strings.EqualFold(key, "massBalance") {
		t = "mass balance"
	}
	if of != "" {
		t += " of " + of
	}
	return t
}

// nodeName names an object by its label, lot, id or name member.
func nodeName(fields []member) string {
	for _, want := range []string{"label", "lotNumber", "lot", "id", "name", "gtin"} {
		for _, f := range fields {
			if s, ok := f.value.(string); ok && f.key == want && s != "" {
				return s
			}
		}
	}
	return ""
}

// member is a member of a JSON object, in the order it was written.
type member struct {
	key   string
	value any
}

// decodeOrdered decodes JSON keeping the order of object members: an
// object is []member, an array []any, a number json.Number; nil when the
// input is not JSON.
func decodeOrdered(data []byte) any {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t {
		case json.Delim('{'):
			obj := []member{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{fmt.Sprint(k), v})
			}
			_, err := d.Token()
			return obj, err
		case json.Delim('['):
			arr := []any{}
			for d.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := d.Token()
			return arr, err
		}
		return t, nil
	}
	v, err := value()
	if err != nil {
		return nil
	}
	return v
}

// scalarText writes a JSON scalar (or a list of them) as text.
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalarText(e)
		}
		return strings.Join(parts, ", ")
	case []member:
		return "{…}"
	}
	return fmt.Sprint(v)
}

// isScalar: a JSON value written on one line (a list of scalars is).
func isScalar(v any) bool {
	switch x := v.(type) {
	case []member:
		return false
	case []any:
		return !slices.ContainsFunc(x, func(e any) bool { return !isScalar(e) || func() bool { _, ok := e.([]any); return ok }() })
	}
	return true
}

// jsonTree puts any decoded JSON value under n: a scalar member as
// "key: value", an object or a list of objects as a branch; a list's
// objects are named by their label, lot, id or name when they have one.
func jsonTree(n *treeNode, v any) {
	switch x := v.(type) {
	case []member:
		for _, m := range x {
			if isScalar(m.value) {
				n.add(m.key + ": " + scalarText(m.value))
				continue
			}
			jsonTree(n.add(m.key), m.value)
		}
	case []any:
		for i, e := range x {
			if isScalar(e) {
				n.add(scalarText(e))
				continue
			}
			title := "[" + strconv.Itoa(i) + "]"
			if fields, ok := e.([]member); ok {
				if name := nodeName(fields); name != "" {
					title = name
				}
			}
			jsonTree(n.add(title), e)
		}
	}
}
