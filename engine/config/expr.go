package config

import (
	"strconv"
	"strings"
	"unicode/utf8"

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
		if indent < 0 {
			// An empty block at the end of the file: point at its indicator.
			return []segment{{line: n.Line, col: byteIndex(line(n.Line), n.Column) + 1, text: line(n.Line)}}
		}
		var segs []segment
		off := 0
		for i, l := range strings.Split(src, "\n") {
			segs = append(segs, segment{off: off, line: n.Line + 1 + i, col: indent + 1, text: line(n.Line + 1 + i)})
			off += len(l) + 1
		}
		return segs
	}
	var quote byte
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		quote = '"'
	case n.Style&yaml.SingleQuotedStyle != 0:
		quote = '\''
	}
	var segs []segment
	cursor := 0
	first := n.Line + 1 // the first line still to search
	if n.Style&yaml.FoldedStyle == 0 {
		text := line(n.Line)
		begin := byteIndex(text, n.Column) // yaml counts columns in runes
		if quote != 0 {
			begin++
		}
		segs, cursor = align(segs, src, 0, text, begin, n.Line, quote)
	}
	for i := first; i <= len(d.lines) && cursor < len(src) && i < first+1000; i++ {
		text := line(i)
		t := strings.TrimLeft(text, " \t")
		if strings.TrimSpace(t) == "" {
			continue
		}
		lead := len(text) - len(t)
		// Find the line's text up to its first escape or quote, then
		// follow it through escapes.
		probe, stops := t, "#"
		if quote != 0 {
			stops = `\"'#`
		}
		if cut := strings.IndexAny(probe, stops); cut >= 0 {
			probe = probe[:cut]
		}
		at := cursor + len(src[cursor:]) - len(strings.TrimLeft(src[cursor:], " \n"))
		if probe = strings.TrimRight(probe, " \t"); probe != "" {
			idx := strings.Index(src[cursor:], probe)
			if idx < 0 {
				continue
			}
			at = cursor + idx
		}
		segs, cursor = align(segs, src, at, text, lead, i, quote)
	}
	if len(segs) == 0 {
		segs = append(segs, segment{line: n.Line, col: byteIndex(line(n.Line), n.Column) + 1, text: line(n.Line)})
	}
	return segs
}

// align maps src from byte off on to the file line text from byte col on:
// it adds a segment there and one after every escape of a scalar quoted
// with quote (0 for a plain scalar), and returns the offset in src where
// the two stop matching.
func align(segs []segment, src string, off int, text string, col, line int, quote byte) ([]segment, int) {
	segs = append(segs, segment{off: off, line: line, col: col + 1, text: text})
	i, j := off, col
	for i < len(src) && j < len(text) {
		if raw, val := unescape(text[j:], quote); raw > 0 && strings.HasPrefix(src[i:], val) {
			i, j = i+len(val), j+raw
			segs = append(segs, segment{off: i, line: line, col: j + 1, text: text})
			continue
		}
		if src[i] != text[j] {
			break
		}
		i, j = i+1, j+1
	}
	return segs, i
}

// unescape decodes the escape sequence at the start of s, the text of a
// scalar quoted with quote; raw is its length in s, 0 when s does not start
// with one.
func unescape(s string, quote byte) (raw int, val string) {
	switch {
	case quote == '\'' && strings.HasPrefix(s, "''"):
		return 2, "'"
	case quote != '"' || len(s) < 2 || s[0] != '\\':
		return 0, ""
	}
	if v, ok := yamlEscapes[s[1]]; ok {
		return 2, v
	}
	digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[1]]
	if digits == 0 || len(s) < 2+digits {
		return 0, ""
	}
	r, err := strconv.ParseUint(s[2:2+digits], 16, 32)
	if err != nil {
		return 0, ""
	}
	return 2 + digits, string(rune(r))
}

var yamlEscapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v", 'f': "\f",
	'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\", 'N': "\u0085",
	'_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// byteIndex returns the byte offset in s of the rune at column col,
// counting from 1.
func byteIndex(s string, col int) int {
	i := 0
	for n := 1; n < col && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
