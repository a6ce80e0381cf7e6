package expr

import (
	"context"
	"fmt"
	"strings"

	"github.com/itchyny/gojq"
)

// Template is a value whose strings may hold {{ jq }} parts. It is safe for
// concurrent use.
type Template struct {
	lit   any
	parts []part      // a string template
	list  []*Template // a list
	keys  []string    // an object, with vals
	vals  []*Template
	kind  byte // 'l' literal, 's' string, 'a' list, 'o' object
}

// part is a literal text or a jq program of a string template.
type part struct {
	text string
	prog *Program
}

// Literal returns a template that always yields v.
func Literal(v any) *Template { return &Template{kind: 'l', lit: v} }

// List returns a template that yields a list of its items' values.
func List(items []*Template) *Template { return &Template{kind: 'a', list: items} }

// Object returns a template that yields an object of its values.
func Object(keys []string, vals []*Template) *Template {
	return &Template{kind: 'o', keys: keys, vals: vals}
}

// CompileString compiles a string with {{ jq }} parts using the variables
// named in vars. Errors are *Error with offsets into s.
func CompileString(s string, vars []string) (*Template, error) {
	t := &Template{kind: 's'}
	rest, base := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, part{text: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: rest[:i]})
		}
		code, n, err := splitCode(rest[i+2:])
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Offset += base + i + 2
			}
			return nil, err
		}
		prog, err := Compile(code, vars)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Offset += base + i + 2
			}
			return nil, err
		}
		t.parts = append(t.parts, part{prog: prog})
		base += i + 2 + n
		rest = s[base:]
	}
}

// splitCode finds the "}}" that ends the jq code at the start of s: the
// first one before which the code parses, so that objects in the code may
// end in "}}". It returns the code and the bytes consumed.
func splitCode(s string) (string, int, error) {
	var firstErr error
	for from := 0; ; {
		j := strings.Index(s[from:], "}}")
		if j < 0 {
			if firstErr != nil {
				return "", 0, firstErr
			}
			return "", 0, &Error{Offset: 0, Msg: "template: {{ has no closing }}"}
		}
		end := from + j
		code := s[:end]
		if strings.TrimSpace(code) == "" {
			return "", 0, &Error{Msg: "template: empty {{ }}"}
		}
		if _, err := gojq.Parse(code); err == nil {
			return code, end + 2, nil
		} else if firstErr == nil {
			firstErr = parseError(code, err)
		}
		from = end + 1
	}
}

// Dynamic reports whether evaluating the template runs any jq.
func (t *Template) Dynamic() bool {
	switch t.kind {
	case 's':
		for _, p := range t.parts {
			if p.prog != nil {
				return true
			}
		}
	case 'a':
		for _, x := range t.list {
			if x.Dynamic() {
				return true
			}
		}
	case 'o':
		for _, x := range t.vals {
			if x.Dynamic() {
				return true
			}
		}
	}
	return false
}

// Eval evaluates the template on input with the variable values in the
// order of the vars it was compiled with.
func (t *Template) Eval(ctx context.Context, input any, values []any) (any, error) {
	switch t.kind {
	case 'l':
		return t.lit, nil
	case 'a':
		out := make([]any, len(t.list))
		for i, x := range t.list {
			v, err := x.Eval(ctx, input, values)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = v
		}
		return out, nil
	case 'o':
		out := make(map[string]any, len(t.keys))
		for i, x := range t.vals {
			v, err := x.Eval(ctx, input, values)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.keys[i], err)
			}
			out[t.keys[i]] = v
		}
		return out, nil
	}
	if len(t.parts) == 1 && t.parts[0].prog != nil {
		return t.parts[0].one(ctx, input, values)
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.one(ctx, input, values)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok {
			b.WriteString(s)
		} else {
			j, err := marshal(v)
			if err != nil {
				return nil, fmt.Errorf("template {{%s}}: %w", p.prog.src, err)
			}
			b.Write(j)
		}
	}
	return b.String(), nil
}

// EvalString evaluates the template and requires a string.
func (t *Template) EvalString(ctx context.Context, input any, values []any) (string, error) {
	v, err := t.Eval(ctx, input, values)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expected a string, got %s", Describe(v, 80))
	}
	return s, nil
}

func (p part) one(ctx context.Context, input any, values []any) (any, error) {
	out, err := p.prog.All(ctx, input, values)
	if err != nil {
		return nil, fmt.Errorf("template {{%s}}: %w", p.prog.src, err)
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("template {{%s}} gave %d values, want exactly one; wrap several in [ ] or pick one with first(…)", p.prog.src, len(out))
	}
	return out[0], nil
}
