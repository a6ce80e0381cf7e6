package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/config"
)

// TestYAMLSyntaxLines checks the line of YAML syntax errors. The YAML
// library gives no column, and for parser errors the line is where the
// enclosing node starts, which the test marks with «».
func TestYAMLSyntaxLines(t *testing.T) {
	tests := []struct {
		name, src, msg string
	}{
		{"colon in a plain value", "name: x\ncomponents:\n  - «jq: .a as $x | {id: $x}\n", "mapping values are not allowed in this context; a plain value cannot hold"},
		{"unclosed flow sequence", "name: x\ncomponents:\n  - jq: .\n    each: «[1, 2\n", "did not find expected ',' or ']'"},
		{"unclosed flow mapping", "name: x\ninstance: «{type: a, url: b\nsources: []\n", "did not find expected ',' or '}'"},
		// With the node on the first line, the line is where the problem
		// shows: here the end of the text.
		{"unclosed flow sequence, first line", "[1, 2\n«", "did not find expected ',' or ']'"},
		{"unclosed quote", "name: x\ncomponents:\n  - jq: «\"{id: .id}\n", "found unexpected end of stream"},
		{"tab indentation", "name: x\ncomponents:\n«\t- jq: .\n", "found character that cannot start any token"},
		{"bad indentation", "name: x\ncomponents:\n  «- jq: .\n   each: x\n", "did not find expected '-' indicator"},
		{"junk after a quoted key value", "name: x\n«sources: \"a\" b\n", "did not find expected key"},
		// The library names no line for an unknown anchor.
		{"undefined alias", "«name: x\ndefaults: *nope\n", "unknown anchor 'nope' referenced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := strings.Index(tt.src, "«")
			wantLine := strings.Count(tt.src[:i], "\n") + 1
			src := strings.Replace(tt.src, "«", "", 1)
			m, err := config.Parse("y.yaml", []byte(src), config.Options{})
			var list config.ErrorList
			if m != nil || !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("Parse = %v, %v; want one problem and no mapping", m, err)
			}
			e := list[0]
			if e.Pos.Line != wantLine || e.Pos.Col != 1 {
				t.Errorf("position = %s, want line %d col 1\n%s", e.Pos, wantLine, e.Msg)
			}
			if !strings.HasPrefix(e.Msg, "invalid YAML: ") || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", e.Msg, tt.msg)
			}
		})
	}
}
