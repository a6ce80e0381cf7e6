package config_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stackmap/stackmap/engine/config"
)

const exprHead = "name: positions\nsources:\n  - name: cis\n    file: {path: cis.json}\ncomponents:\n"

// parseRule parses a mapping whose components are rules, which must load
// without problems.
func parseRule(t *testing.T, rules string) *config.Mapping {
	t.Helper()
	m, err := config.Parse("pos.yaml", []byte(exprHead+rules), config.Options{Env: lookup(testEnv)})
	if err != nil {
		t.Fatalf("Parse:\n%s\n%v", exprHead+rules, err)
	}
	return m
}

// filePos finds the only occurrence of needle in the file text and returns
// its line, its byte column and the text of the line.
func filePos(t *testing.T, text, needle string) (line, col int, lineText string) {
	t.Helper()
	if n := strings.Count(text, needle); n != 1 {
		t.Fatalf("%q occurs %d times in the file, want once", needle, n)
	}
	i := strings.Index(text, needle)
	line = strings.Count(text[:i], "\n") + 1
	start := strings.LastIndex(text[:i], "\n") + 1
	end := strings.IndexByte(text[i:], '\n')
	if end < 0 {
		end = len(text) - i
	}
	return line, i - start + 1, text[start : i+end]
}

func TestExprPositions(t *testing.T) {
	tests := []struct {
		name  string
		head  string // the text before rules; default exprHead
		rules string
		field func(m *config.Mapping) config.Expr
		// needle is text that occurs once in the file and once in the jq;
		// At of its offset in the jq must give its place in the file.
		needle string
	}{
		{name: "plain", rules: "  - jq: .a | BOOM(1)\n", needle: "BOOM"},
		{name: "plain, first byte", rules: "  - jq: FIRST | .a\n", needle: "FIRST"},
		{name: "plain after a comment", rules: "  - jq: .a | BOOM  # note\n", needle: "BOOM"},
		{name: "plain on the next line", rules: "  - jq:\n      .a | BOOM\n", needle: "BOOM"},
		{name: "plain continued", rules: "  - jq: .a\n      | .b\n      | BOOM\n    name: r\n", needle: "BOOM"},
		{name: "plain continued, deeper", rules: "  - jq: .a |\n        .b |\n          BOOM\n", needle: "BOOM"},
		{name: "plain in a flow mapping", rules: "  - {name: r, jq: .a | BOOM}\n", needle: "BOOM"},
		{name: "each", rules: "  - each: $cis[] | EACHERR\n    jq: .\n", needle: "EACHERR",
			field: func(m *config.Mapping) config.Expr { return m.Components[0].Each }},
		{name: "when", rules: "  - jq: .\n    when: .up and WHENERR\n", needle: "WHENERR",
			field: func(m *config.Mapping) config.Expr { return m.Components[0].When }},
		{name: "source records", rules: "  - jq: .\n", needle: "RECERR",
			head:  strings.Replace(exprHead, "components:\n", "  - name: rels\n    file: {path: rels.json}\n    records: .result[] | RECERR\ncomponents:\n", 1),
			field: func(m *config.Mapping) config.Expr { return m.Sources[1].Records }},

		{name: "single-quoted", rules: "  - jq: '.a | BOOM'\n", needle: "BOOM"},
		{name: "single-quoted, first byte", rules: "  - jq: 'FIRST | .a'\n", needle: "FIRST"},
		{name: "single-quoted with jq string", rules: "  - jq: '\"urn:\\(.id)\" | BOOM'\n", needle: "BOOM"},
		{name: "single-quoted with '' before", rules: "  - jq: '\"it''s\" | BOOM'\n", needle: "BOOM"},
		{name: "single-quoted, two lines", rules: "  - jq: '.a\n      | BOOM'\n", needle: "BOOM"},
		{name: "single-quoted, '' on the second line", rules: "  - jq: '.a\n      | \"it''s\" | BOOM'\n", needle: "BOOM"},
		{name: "double-quoted", rules: "  - jq: \".a | BOOM\"\n", needle: "BOOM"},
		{name: "double-quoted with \\\" before", rules: "  - jq: \"\\\"x\\\" | BOOM\"\n", needle: "BOOM"},
		{name: "double-quoted with \\\\ before", rules: "  - jq: \"\\\"a\\\\\\\\(b)\\\" | BOOM\"\n", needle: "BOOM"},
		{name: "double-quoted, two lines", rules: "  - jq: \"{a: 1}\n      | BOOM\"\n", needle: "BOOM"},
		{name: "double-quoted, escape on the second line", rules: "  - jq: \"{a: 1}\n      | select(.t == \\\"x\\\") | BOOM\"\n", needle: "BOOM"},
		{name: "double-quoted with \\u escape before", rules: "  - jq: \"\\u00e9 | \\x41 | BOOM\"\n", needle: "BOOM"},
		{name: "double-quoted with escaped line break", rules: "  - jq: \".a \\\n      | BOOM\"\n", needle: "BOOM"},
		{name: "single-quoted in a flow mapping", rules: "  - {jq: '.a | BOOM', name: r}\n", needle: "BOOM"},
		{name: "plain with # inside", rules: "  - jq: .a | \"a#b\" | BOOM\n", needle: "BOOM"},
		{name: "plain continued with # inside", rules: "  - jq: .a\n      | \"a#b\" | BOOM\n", needle: "BOOM"},
		{name: "plain continued after a comment line", rules: "  - jq: .a\n      | .b\n      # a comment ends the scalar\n    name: BOOM\n", needle: "|"},
		{name: "non-ASCII before the needle", rules: "  - jq: '\"é\" | BOOM'\n", needle: "BOOM"},
		{name: "non-ASCII before the value", rules: "  - {name: é, jq: .a | BOOM}\n", needle: "BOOM"},

		{name: "literal, first line", rules: "  - jq: |\n      FIRST\n      | .a\n", needle: "FIRST"},
		{name: "literal", rules: "  - jq: |\n      .a\n      | BOOM\n", needle: "BOOM"},
		{name: "literal, after a blank line", rules: "  - jq: |\n      .a\n\n      | BOOM\n", needle: "BOOM"},
		{name: "literal, after several blank lines", rules: "  - jq: |\n      .a\n\n\n      | .b\n\n      | BOOM\n", needle: "BOOM"},
		{name: "literal, deeper-indented line", rules: "  - jq: |\n      {\n        id: BOOM\n      }\n", needle: "BOOM"},
		{name: "literal, starting with a blank line", rules: "  - jq: |\n\n      .a | BOOM\n", needle: "BOOM"},
		{name: "literal, middle of a line", rules: "  - jq: |\n      .a\n      | .b as $x | {id: $x, v: BOOM}\n", needle: "BOOM"},
		{name: "literal, followed by a key", rules: "  - jq: |\n      .a | BOOM\n    name: r\n", needle: "BOOM"},
		{name: "literal, with a comment after the indicator", rules: "  - jq: |  # the rule\n      .a | BOOM\n", needle: "BOOM"},
		{name: "literal |-", rules: "  - jq: |-\n      .a\n      | BOOM\n", needle: "BOOM"},
		{name: "literal |+", rules: "  - jq: |+\n      .a\n      | BOOM\n\n\n    name: r\n", needle: "BOOM"},
		{name: "literal |-, blank line", rules: "  - jq: |-\n      .a\n\n      | BOOM\n", needle: "BOOM"},
		{name: "literal at the end of the file", rules: "  - jq: |\n      .a\n      | BOOM", needle: "BOOM"},
		{name: "folded", rules: "  - jq: >\n      .a\n      | BOOM\n", needle: "BOOM"},
		{name: "folded, first line", rules: "  - jq: >\n      FIRST\n      | .a\n", needle: "FIRST"},
		{name: "folded, after a blank line", rules: "  - jq: >\n      .a\n\n      | BOOM\n", needle: "BOOM"},
		{name: "folded, more-indented line", rules: "  - jq: >\n      .a\n        | .b\n      | BOOM\n", needle: "BOOM"},
		{name: "folded >-", rules: "  - jq: >-\n      .a |\n      BOOM\n", needle: "BOOM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := exprHead
			if tt.head != "" {
				head = tt.head
			}
			text := head + tt.rules
			m, err := config.Parse("pos.yaml", []byte(text), config.Options{Env: lookup(testEnv)})
			if err != nil {
				t.Fatalf("Parse:\n%s\n%v", text, err)
			}
			field := tt.field
			if field == nil {
				field = func(m *config.Mapping) config.Expr { return m.Components[0].JQ }
			}
			e := field(m)
			off := strings.Index(e.Src, tt.needle)
			if off < 0 || strings.Count(e.Src, tt.needle) != 1 {
				t.Fatalf("%q not once in the jq %q", tt.needle, e.Src)
			}
			line, col, lineText := filePos(t, text, tt.needle)
			pos, gotText := e.At(off)
			if pos.File != "pos.yaml" || pos.Line != line || pos.Col != col {
				t.Errorf("At(%d) = %s, want pos.yaml:%d:%d\njq: %q\nfile:\n%s", off, pos, line, col, e.Src, text)
			}
			if gotText != lineText {
				t.Errorf("At(%d) line text = %q, want %q", off, gotText, lineText)
			}

			// Errorf: the same position, the message, and a caret under the
			// needle.
			perr := e.Errorf(off, "boom")
			if perr.Pos != pos || perr.Msg != "boom" {
				t.Errorf("Errorf = %+v", perr)
			}
			if want := "pos.yaml:" + strconv.Itoa(line) + ":" + strconv.Itoa(col) + ": boom\n"; !strings.HasPrefix(perr.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", perr.Error(), want)
			}
			checkCaret(t, perr.Detail, lineText, tt.needle)
		})
	}
}

// checkCaret checks that detail shows lineText and, below it, a caret under
// the first rune of needle, counting runes as the terminal shows them.
func checkCaret(t *testing.T, detail, lineText, needle string) {
	t.Helper()
	rows := strings.Split(detail, "\n")
	if len(rows) != 2 {
		t.Fatalf("caret detail has %d lines, want 2:\n%s", len(rows), detail)
	}
	if rows[0] != "    "+lineText {
		t.Errorf("caret line = %q, want %q", rows[0], "    "+lineText)
	}
	caret := strings.TrimPrefix(rows[1], "    ")
	if strings.Trim(caret, " \t") != "^" || !strings.HasSuffix(caret, "^") {
		t.Fatalf("caret row = %q", rows[1])
	}
	under := utf8.RuneCountInString(caret) - 1
	col := utf8.RuneCountInString(lineText[:strings.Index(lineText, needle)])
	if under != col {
		t.Errorf("caret under rune %d, needle at rune %d:\n%s", under, col, detail)
	}
}

// TestExprPositionAtEnd checks offsets just past the end of a line, where
// jq reports "unexpected EOF".
func TestExprPositionAtEnd(t *testing.T) {
	text := exprHead + "  - jq: |\n      .a |\n    name: r\n"
	m, err := config.Parse("pos.yaml", []byte(text), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := m.Components[0].JQ
	if e.Src != ".a |\n" {
		t.Fatalf("Src = %q", e.Src)
	}
	pos, line := e.At(len(".a |"))
	// The end of ".a |" on line 7, which starts at column 7.
	if pos.Line != 7 || pos.Col != 7+len(".a |") || line != "      .a |" {
		t.Errorf("At(end) = %s %q", pos, line)
	}
}

// TestExprEmptyBlock checks that an empty block scalar at the end of the
// file still has a position, its indicator.
func TestExprEmptyBlock(t *testing.T) {
	for _, style := range []string{"|", "|-", ">"} {
		text := exprHead + "  - jq: " + style
		m, _ := config.Parse("pos.yaml", []byte(text), config.Options{})
		if m == nil {
			t.Fatalf("%s: no mapping", style)
		}
		e := m.Components[0].JQ
		pos, line := e.At(0)
		if e.Src != "" || pos.Line != 6 || pos.Col != 9 || line != "  - jq: "+style {
			t.Errorf("%s: Src %q At(0) = %s %q, want 6:9", style, e.Src, pos, line)
		}
	}
}

func TestExprIsSet(t *testing.T) {
	m := parseRule(t, "  - jq: .\n")
	if !m.Components[0].JQ.IsSet() || m.Components[0].Each.IsSet() || m.Components[0].When.IsSet() {
		t.Errorf("IsSet: jq %v, each %v, when %v", m.Components[0].JQ.IsSet(), m.Components[0].Each.IsSet(), m.Components[0].When.IsSet())
	}
	if (config.Expr{}).IsSet() {
		t.Error("zero Expr is set")
	}
	// An unpositioned Expr maps every offset to its Pos.
	e := config.Expr{Src: ".a", Pos: config.Pos{File: "f", Line: 3, Col: 4}}
	if p, line := e.At(1); p != e.Pos || line != "" {
		t.Errorf("At on an Expr without segments = %s %q", p, line)
	}
	if d := e.Errorf(1, "x").Detail; d != "" {
		t.Errorf("Errorf without a file line has detail %q", d)
	}
}

func TestCaret(t *testing.T) {
	tests := []struct {
		line string
		col  int
		want string
	}{
		{"abc", 1, "    abc\n    ^"},
		{"abc", 3, "    abc\n      ^"},
		{"abc", 4, "    abc\n       ^"},
		{"\tx: 1", 2, "    \tx: 1\n    \t^"},
		{"\t\tx", 3, "    \t\tx\n    \t\t^"},
		{"é = x", 4, "    é = x\n      ^"}, // byte column 4 is "=", the third rune
		{"", 1, ""},
		{"   ", 2, ""},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := config.Caret(tt.line, tt.col); got != tt.want {
			t.Errorf("Caret(%q, %d) =\n%q\nwant\n%q", tt.line, tt.col, got, tt.want)
		}
	}
}

func TestErrorFormatting(t *testing.T) {
	tests := []struct {
		e    config.Error
		want string
	}{
		{config.Error{Pos: config.Pos{File: "m.yaml", Line: 3, Col: 7}, Msg: "bad"}, "m.yaml:3:7: bad"},
		{config.Error{Pos: config.Pos{Line: 3, Col: 7}, Msg: "bad"}, "3:7: bad"},
		{config.Error{Pos: config.Pos{File: "m.yaml"}, Msg: "bad"}, "m.yaml: bad"},
		{config.Error{Msg: "bad"}, "bad"},
		{config.Error{Pos: config.Pos{File: "m.yaml", Line: 1, Col: 1}, Msg: "bad", Detail: "    x\n    ^"}, "m.yaml:1:1: bad\n    x\n    ^"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if (config.Pos{}).IsValid() || !(config.Pos{Line: 1}).IsValid() {
		t.Error("Pos.IsValid")
	}
}

func TestErrorList(t *testing.T) {
	var l config.ErrorList
	if l.Err() != nil {
		t.Error("empty list is an error")
	}
	p := func(file string, line, col int) config.Pos { return config.Pos{File: file, Line: line, Col: col} }
	l.Add(p("b.yaml", 1, 1), "b1")
	l.Add(p("a.yaml", 9, 2), "a9-2")
	l.Add(p("a.yaml", 9, 1), "a9-1 first")
	l.Add(p("a.yaml", 9, 1), "a9-1 second")
	l.Add(p("a.yaml", 2, 5), "a2")
	// Append keeps the positions of config errors and places others at pos.
	l.Append(p("c.yaml", 1, 1), config.ErrorList{{Pos: p("a.yaml", 1, 1), Msg: "from list"}})
	l.Append(p("c.yaml", 1, 1), &config.Error{Pos: p("a.yaml", 3, 1), Msg: "one"})
	l.Append(p("c.yaml", 4, 4), errors.New("plain"))
	l.Append(p("c.yaml", 4, 4), nil)
	l.Sort()
	want := []string{
		"a.yaml:1:1: from list", "a.yaml:2:5: a2", "a.yaml:3:1: one", "a.yaml:9:1: a9-1 first",
		"a.yaml:9:1: a9-1 second", "a.yaml:9:2: a9-2", "b.yaml:1:1: b1", "c.yaml:4:4: plain",
	}
	if got := l.Error(); got != strings.Join(want, "\n") {
		t.Errorf("sorted list =\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	var back config.ErrorList
	if !errors.As(l.Err(), &back) || len(back) != len(want) {
		t.Errorf("Err() does not unwrap to the list")
	}
}
