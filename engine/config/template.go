package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// TemplateKind tells what a Template node holds.
type TemplateKind int

// The kinds of Template node.
const (
	TemplateLiteral TemplateKind = iota // a number, bool or null
	TemplateString                      // a string, maybe with {{ jq }} parts
	TemplateList
	TemplateMap
)

// Template is the value of a field that holds a value: any YAML value whose
// strings may carry {{ jq }} interpolations, evaluated at run time. ${…}
// references are already expanded.
type Template struct {
	Kind TemplateKind
	Pos  Pos
	// Str is the string of a TemplateString, with positions for its jq.
	Str Expr
	// Lit is the value of a TemplateLiteral.
	Lit any
	// Items are the elements of a TemplateList.
	Items []Template
	// Keys and Values are the entries of a TemplateMap, in file order.
	Keys   []string
	Values []Template
	set    bool
}

// IsSet reports whether the field was given.
func (t Template) IsSet() bool { return t.set }

// StringTemplate returns a set template holding the plain string s.
func StringTemplate(s string) Template {
	return Template{Kind: TemplateString, Str: Expr{Src: s}, set: true}
}

// Dynamic reports whether the template has any {{ }} part.
func (t Template) Dynamic() bool {
	switch t.Kind {
	case TemplateString:
		return strings.Contains(t.Str.Src, "{{")
	case TemplateList:
		for _, x := range t.Items {
			if x.Dynamic() {
				return true
			}
		}
	case TemplateMap:
		for _, x := range t.Values {
			if x.Dynamic() {
				return true
			}
		}
	}
	return false
}

// UnmarshalNode decodes a template from any YAML value.
func (t *Template) UnmarshalNode(d *Decoder, n *yaml.Node) {
	if n = d.follow(n); n == nil {
		return
	}
	t.Pos = d.pos(n)
	t.set = true
	switch n.Kind {
	case yaml.SequenceNode:
		t.Kind = TemplateList
		t.Items = make([]Template, len(n.Content))
		for i, c := range n.Content {
			t.Items[i].UnmarshalNode(d, c)
		}
	case yaml.MappingNode:
		t.Kind = TemplateMap
		d.pairs(n, func(k, v *yaml.Node) {
			var x Template
			x.UnmarshalNode(d, v)
			t.Keys = append(t.Keys, k.Value)
			t.Values = append(t.Values, x)
		})
	default:
		if n.Tag != "!!str" {
			v, _ := d.scalarValue(n)
			if _, isStr := v.(string); !isStr {
				t.Kind, t.Lit = TemplateLiteral, v
				return
			}
		}
		s, err := d.expand(n.Value)
		if err != nil {
			d.Error(n, err)
		}
		t.Kind = TemplateString
		t.Str = Expr{Src: s, Pos: d.pos(n)}
		if strings.Contains(s, "{{") {
			t.Str.segs = d.locate(n)
			if s != n.Value {
				t.Str.segs = expanded(n.Value, s, t.Str.segs)
			}
		}
	}
}

// expanded maps s, the text value after ${…} expansion, to file positions,
// given segs, the positions of value: text outside references keeps its
// place, and the value of a reference stands where the reference does.
func expanded(value, s string, segs []segment) []segment {
	raw := Expr{segs: segs}
	var out []segment
	// chunk says that s[off:off+n] is value[rawOff:rawOff+n].
	chunk := func(off, rawOff, n int) {
		p, text := raw.At(rawOff)
		out = append(out, segment{off: off, line: p.Line, col: p.Col, text: text})
		for _, sg := range segs {
			if sg.off > rawOff && sg.off < rawOff+n {
				out = append(out, segment{off: off + sg.off - rawOff, line: sg.line, col: sg.col, text: sg.text})
			}
		}
	}
	refs := refRE.FindAllStringIndex(value, -1)
	off, rawOff := 0, 0
	for i := 0; i <= len(refs); i++ {
		end := len(value)
		if i < len(refs) {
			end = refs[i][0]
		}
		lit := value[rawOff:end]
		at := off
		switch {
		case i == len(refs):
			at = len(s) - len(lit) // the text after the last reference ends s
		case i > 0:
			if j := strings.Index(s[off:], lit); j >= 0 {
				at = off + j
			}
		}
		chunk(at, rawOff, len(lit))
		off = at + len(lit)
		if i < len(refs) {
			chunk(off, refs[i][0], 0) // the reference's value
			rawOff = refs[i][1]
		}
	}
	return out
}

// Plain returns the template as a plain JSON value, its strings as they
// are written (no {{ }} evaluated): for fields such as test expectations
// that hold data, not templates.
func (t Template) Plain() any {
	switch t.Kind {
	case TemplateString:
		return t.Str.Src
	case TemplateList:
		out := make([]any, len(t.Items))
		for i, x := range t.Items {
			out[i] = x.Plain()
		}
		return out
	case TemplateMap:
		out := make(map[string]any, len(t.Keys))
		for i, k := range t.Keys {
			out[k] = t.Values[i].Plain()
		}
		return out
	}
	return t.Lit
}
