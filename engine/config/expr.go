package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Expr is the source text of a field that computes: a jq program. It keeps a
// map from byte offsets in Src back to positions in the mapping file, so that
// an error inside a multi-line block scalar points at the right line and
// column.
type Expr struct {
	Src  string
	Pos  Pos
	segs []segment
}

// segment says that Src from byte off on stands in the file at line, col.
type segment struct {
	off  int
	line int
	col  int
	text string // the whole file line, for the caret display
}

// IsSet reports whether the field was given.
func (e Expr) IsSet() bool { return e.Pos.IsValid() || e.Src != "" }

// At returns the file position of byte off of Src, and the text of the
// file line it stands in.
func (e Expr) At(off int) (Pos, string) {
	if len(e.segs) == 0 {
		return e.Pos, ""
	}
	s := e.segs[0]
	for _, c := range e.segs[1:] {
		if c.off > off {
			break
		}
		s = c
	}
	p := e.Pos
	p.Line, p.Col = s.line, s.col+max(0, off-s.off)
	return p, s.text
}

// Errorf returns a problem at byte off of Src, shown with the file line and
// a caret under the column.
func (e Expr) Errorf(off int, msg string) *Error {
	p, line := e.At(off)
	return &Error{Pos: p, Msg: msg, Detail: Caret(line, p.Col)}
}

// Caret returns line followed by a line with a caret under column col, both
// indented by four spaces; "" when line is empty.
func Caret(line string, col int) string {
	if strings.TrimSpace(line) == "" || col < 1 {
		return ""
	}
	var b strings.Builder
	b.WriteString("    ")
	b.WriteString(line)
	b.WriteString("\n    ")
	for i, r := range line {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
}

// UnmarshalNode decodes a jq program from a string scalar.
func (e *Expr) UnmarshalNode(d *Decoder, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" && n.Value == "" {
		d.Errorf(n, "expected a jq expression (a string), got %s", kindName(n))
		return
	}
	e.Src = n.Value
	e.Pos = d.pos(n)
	e.segs = d.locate(n)
}

// locate maps the content of scalar n to file positions.
func (d *Decoder) locate(n *yaml.Node) []segment {
	src := n.Value
	line := func(i int) string {
		if i < 1 || i > len(d.lines) {
			return ""
		}
		return d.lines[i-1]
	}
	if n.Style&yaml.LiteralStyle != 0 {
		// A literal block keeps its lines one to one.
		indent := -1
		for i := n.Line + 1; i <= len(d.lines) && indent < 0; i++ {
			if t := strings.TrimLeft(line(i), " "); t != "" {
				indent = len(line(i)) - len(t)
			}
		}
		var segs []segment
		off := 0
		for i, l := range strings.Split(src, "\n") {
			segs = append(segs, segment{off: off, line: n.Line + 1 + i, col: indent + 1, text: line(n.Line + 1 + i)})
			off += len(l) + 1
		}
		return segs
	}
	var segs []segment
	cursor := 0
	first := n.Line + 1 // the first line still to search
	if n.Style&yaml.FoldedStyle == 0 {
		begin := n.Column - 1
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			begin++
		}
		text := line(n.Line)
		segs = append(segs, segment{off: 0, line: n.Line, col: begin + 1, text: text})
		if begin < len(text) {
			cursor = commonPrefix(src, text[begin:])
		}
	}
	for i := first; i <= len(d.lines) && cursor < len(src) && i < first+1000; i++ {
		text := line(i)
		t := strings.TrimSpace(text)
		if t == "" {
			continue
		}
		t = strings.TrimRight(t, `"'`)
		idx := strings.Index(src[cursor:], t)
		if idx < 0 {
			continue
		}
		col := len(text) - len(strings.TrimLeft(text, " \t")) + 1
		segs = append(segs, segment{off: cursor + idx, line: i, col: col, text: text})
		cursor += idx + len(t)
	}
	if len(segs) == 0 {
		segs = append(segs, segment{line: n.Line, col: n.Column, text: line(n.Line)})
	}
	return segs
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
