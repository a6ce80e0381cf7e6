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
	n = resolve(n)
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
			if s == n.Value {
				t.Str.segs = d.locate(n)
			} else {
				// Expansion moved the text; point at the value's start.
				t.Str.segs = []segment{{line: n.Line, col: n.Column, text: d.line(n.Line)}}
			}
		}
	}
}

func (d *Decoder) line(i int) string {
	if i < 1 || i > len(d.lines) {
		return ""
	}
	return d.lines[i-1]
}
