package expr_test

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/expr"
)

var tmplInput = map[string]any{
	"n":   1,
	"f":   1.5,
	"s":   "str",
	"b":   true,
	"o":   map[string]any{"a": []any{1, 2}},
	"l":   []any{"x", nil},
	"big": new(big.Int).Lsh(big.NewInt(1), 70),
}

func evalTemplate(t *testing.T, src string, in any) (any, error) {
	t.Helper()
	tm, err := expr.CompileString(src, []string{"$vars"})
	if err != nil {
		t.Fatalf("CompileString(%q): %v", src, err)
	}
	return tm.Eval(context.Background(), in, []any{map[string]any{"base": "https://sn.example.com"}})
}

func TestTemplateEval(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		// Literal text.
		{"plain text", "plain text"},
		{"a } b }} c {", "a } b }} c {"},
		// Exactly one {{ }} keeps the JSON type.
		{"{{ .n }}", 1},
		{"{{.f}}", 1.5},
		{"{{ .b }}", true},
		{"{{ .o }}", map[string]any{"a": []any{1, 2}}},
		{"{{ .l }}", []any{"x", nil}},
		{"{{ null }}", nil},
		{"{{ .missing }}", nil},
		{"{{ .s }}", "str"},
		{"{{ $vars.base }}", "https://sn.example.com"},
		{"{{ {a: {b: 1}} }}", map[string]any{"a": map[string]any{"b": 1}}},
		{"{{ [{a: 1}] }}", []any{map[string]any{"a": 1}}},
		{`{{ "}}" }}`, "}}"},
		{`{{ "{{" }}`, "{{"},
		{"{{ {a: {b: {c: 1}}} | .a.b.c }}", 1},
		// Text around one {{ }} makes a string.
		{" {{ .n }}", " 1"},
		{"{{ .n }}\n", "1\n"},
		// Mixed text JSON-encodes what is not a string, without HTML escaping.
		{"n={{ .n }} f={{ .f }} b={{ .b }} z={{ null }}", "n=1 f=1.5 b=true z=null"},
		{"o={{ .o }}", `o={"a":[1,2]}`},
		{"l={{ .l }}", `l=["x",null]`},
		{"s={{ .s }}", "s=str"},
		{`h={{ {a: "<&>"} }}`, `h={"a":"<&>"}`},
		{"big={{ .big }}", "big=1180591620717411303424"},
		{"{{ $vars.base }}/api/now/table/{{ .s }}?x={{ .n + 1 }}", "https://sn.example.com/api/now/table/str?x=2"},
		{"{{ .s }}{{ .s }}", "strstr"},
		{"a{{ {a: {b: 1}} }}b", `a{"a":{"b":1}}b`},
	}
	for _, tt := range tests {
		got, err := evalTemplate(t, tt.src, tmplInput)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q = %#v (%T), want %#v (%T)", tt.src, got, got, tt.want, tt.want)
		}
	}
}

// TestTemplateEmptyString documents that an empty string template yields "".
func TestTemplateEmptyString(t *testing.T) {
	got, err := evalTemplate(t, "", nil)
	if err != nil || got != "" {
		t.Errorf(`"" = %#v, %v; want ""`, got, err)
	}
}

func TestTemplateCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		at   string // the error is at the first occurrence of at after skip
		skip int
		msg  string
	}{
		// An unclosed or empty {{ points just after the braces, where the
		// code should be.
		{"no closing braces", "x {{ .a", " .a", 0, "template: {{ has no closing }}"},
		{"no closing braces, second part", "{{ .a }} and {{ .b", " .b", 8, "template: {{ has no closing }}"},
		{"empty braces", "a {{ }} b", " }}", 0, "template: empty {{ }}"},
		{"empty braces, no space", "a {{}} b", "}}", 0, "template: empty {{ }}"},
		// A syntax error at the end of the code points at the closing }}.
		{"dangling pipe", "a {{ .a | }} b", "}}", 0, "jq syntax error: unexpected EOF"},
		{"bad token", "{{ .a | ] }}", "]", 0, `jq syntax error: unexpected token "]"`},
		{"undefined function", "{{ foo }}", "foo", 0, "function not defined: foo/0"},
		{"undefined function in a later part", "{{ .a }} and {{ bar(1) }}", "bar", 0, "function not defined: bar/1"},
		{"undefined variable", "id={{ $rels }}", "$rels", 0, "variable not defined: $rels"},
		{"env", "{{ .a }}/{{ env.HOME }}", "env", 0, "env is disabled"},
		{"$ENV", "{{ $ENV.HOME }}", "$ENV", 0, "$ENV is disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := expr.CompileString(tt.src, []string{"$vars"})
			var e *expr.Error
			if !errors.As(err, &e) {
				t.Fatalf("CompileString(%q) error = %v (%T), want *expr.Error", tt.src, err, err)
			}
			want := tt.skip + strings.Index(tt.src[tt.skip:], tt.at)
			if e.Offset != want {
				t.Errorf("offset = %d (%q), want %d (%q): %s", e.Offset, tt.src[min(e.Offset, len(tt.src)):], want, tt.src[want:], e.Msg)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", e.Msg, tt.msg)
			}
		})
	}
}

func TestTemplateOutputCount(t *testing.T) {
	tests := []struct {
		src, msg string
	}{
		{"{{ empty }}", "template {{ empty }} gave 0 values, want exactly one; wrap several in [ ] or pick one with first(…)"},
		{"{{ 1, 2 }}", "template {{ 1, 2 }} gave 2 values, want exactly one"},
		{"x={{ .l[] }}", "template {{ .l[] }} gave 2 values"},
		{"{{ .o.a[] | select(. > 5) }}", "gave 0 values"},
	}
	for _, tt := range tests {
		_, err := evalTemplate(t, tt.src, tmplInput)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: err = %v, want it to contain %q", tt.src, err, tt.msg)
		}
	}
}

func TestTemplateRuntimeError(t *testing.T) {
	_, err := evalTemplate(t, "x={{ .s + 1 }}", tmplInput)
	var re *expr.RuntimeError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want a wrapped *RuntimeError", err, err)
	}
	if !strings.HasPrefix(err.Error(), "template {{ .s + 1 }}: jq: cannot add") {
		t.Errorf("err = %q", err)
	}
}

func TestTemplateComposite(t *testing.T) {
	comp := func(s string) *expr.Template {
		t.Helper()
		tm, err := expr.CompileString(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	obj := expr.Object(
		[]string{"lit", "str", "typed", "list", "nested"},
		[]*expr.Template{
			expr.Literal(3),
			comp("id-{{ .id }}"),
			comp("{{ .id }}"),
			expr.List([]*expr.Template{expr.Literal(nil), comp("{{ .id * 2 }}"), expr.Literal("x")}),
			expr.Object([]string{"k"}, []*expr.Template{expr.Literal(false)}),
		})
	if !obj.Dynamic() {
		t.Error("an object with {{ }} is not Dynamic")
	}
	got, err := obj.Eval(context.Background(), map[string]any{"id": 21}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"lit":    3,
		"str":    "id-21",
		"typed":  21,
		"list":   []any{nil, 42, "x"},
		"nested": map[string]any{"k": false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Eval = %#v\nwant %#v", got, want)
	}

	static := expr.List([]*expr.Template{expr.Literal(1), comp("plain"), expr.Object(nil, nil)})
	if static.Dynamic() {
		t.Error("a list of literals is Dynamic")
	}
	got, err = static.Eval(context.Background(), nil, nil)
	if err != nil || !reflect.DeepEqual(got, []any{1, "plain", map[string]any{}}) {
		t.Errorf("static list = %#v, %v", got, err)
	}
	if expr.Literal(map[string]any{"a": 1}).Dynamic() {
		t.Error("a literal is Dynamic")
	}

	// Errors name where in the value they happened.
	bad := expr.Object([]string{"auth"}, []*expr.Template{
		expr.List([]*expr.Template{expr.Literal(1), comp("{{ error(\"nope\") }}")}),
	})
	_, err = bad.Eval(context.Background(), nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "auth: [1]: template {{ error(\"nope\") }}: jq: error: nope") {
		t.Errorf("err = %v", err)
	}
}

func TestTemplateEvalString(t *testing.T) {
	tests := []struct {
		src  string
		want string
		err  string
	}{
		{src: "{{ .s }}", want: "str"},
		{src: "n={{ .n }}", want: "n=1"},
		{src: "plain", want: "plain"},
		{src: "{{ .n }}", err: "expected a string, got 1"},
		{src: "{{ .o }}", err: `expected a string, got {"a":[1,2]}`},
		{src: "{{ null }}", err: "expected a string, got null"},
		{src: "{{ empty }}", err: "gave 0 values"},
	}
	for _, tt := range tests {
		tm, err := expr.CompileString(tt.src, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tm.EvalString(context.Background(), tmplInput, nil)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: EvalString = %q, %v; want error containing %q", tt.src, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: EvalString = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
	if s, err := expr.Literal(7).EvalString(context.Background(), nil, nil); err == nil {
		t.Errorf("Literal(7).EvalString = %q, want an error", s)
	}
}

func TestTemplateDynamic(t *testing.T) {
	for src, want := range map[string]bool{
		"plain":           false,
		"a }} b":          false,
		"{{ 1 }}":         true,
		"x {{ .a }} y":    true,
		`{{ "literal" }}`: true,
	} {
		tm, err := expr.CompileString(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tm.Dynamic() != want {
			t.Errorf("%q Dynamic = %v, want %v", src, !want, want)
		}
	}
}

func TestTemplateVarsByPosition(t *testing.T) {
	tm, err := expr.CompileString("{{ $a }}-{{ $b }}", []string{"$a", "$b"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tm.Eval(context.Background(), nil, []any{"x", 2})
	if err != nil || got != "x-2" {
		t.Errorf("got %#v, %v; want x-2", got, err)
	}
}
