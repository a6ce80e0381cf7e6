package expr_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/expr"
)

// stdVars are the variables every mapping expression may use.
var stdVars = []string{"$vars", "$instance", "$now", "$state"}

func TestCompileErrorOffsets(t *testing.T) {
	tests := []struct {
		name string
		src  string
		vars []string
		// at is the text whose first occurrence in src (after skip bytes)
		// the error must point at; "" means the end of src.
		at   string
		skip int
		msg  string // a part of the message
	}{
		{name: "unclosed object", src: `{a: 1`, msg: "jq syntax error: unexpected EOF"},
		{name: "pipe without left side", src: `.a | | .b`, at: "| .b", msg: `jq syntax error: unexpected token "|"`},
		{name: "dangling pipe", src: `.a |`, msg: "unexpected EOF"},
		{name: "unclosed bracket", src: `.[`, msg: "unexpected EOF"},
		{name: "if without end", src: `if . then 1`, msg: "unexpected EOF"},
		{name: "stray bracket", src: `.a | ]`, at: "]", msg: `unexpected token "]"`},
		{name: "bad token in a later line", src: ".a\n| .b\n| ) ", at: ")", msg: `unexpected token ")"`},
		{name: "invalid escape", src: `"a\qb"`, at: `\q`, msg: `invalid escape sequence "\q"`},
		// gojq reports an unterminated string at the end of the text.
		{name: "unterminated string", src: `.a | "abc`, msg: "unterminated string literal"},

		{name: "undefined function", src: `foo(1)`, at: "foo", msg: "jq: function not defined: foo/1"},
		{name: "undefined function after a field of the same name", src: `.foo | foo(1)`, at: "foo(", msg: "function not defined: foo/1"},
		{name: "undefined function after an object key of the same name", src: `{foo: 1} | foo(2)`, at: "foo(", msg: "function not defined: foo/1"},
		{name: "undefined function after a string of the same text", src: `"foo" | foo(3)`, at: "foo(", msg: "function not defined: foo/1"},
		{name: "undefined function without arguments", src: `.a | bar`, at: "bar", msg: "function not defined: bar/0"},
		{name: "undefined function, wrong arity", src: `.a | ascii_downcase(1)`, at: "ascii_downcase", msg: "function not defined: ascii_downcase/1"},
		{name: "undefined variable", src: `$rels[]`, vars: stdVars, at: "$rels", msg: "variable not defined: $rels"},
		{name: "undefined variable later", src: `.a | $rels`, vars: stdVars, at: "$rels", msg: "variables are $vars, $instance, $now, $state and the sources named before this point"},
		{name: "undefined variable after a longer one", src: `$relsx | $rels`, vars: []string{"$relsx"}, at: "$rels", skip: 6, msg: "variable not defined: $rels"},
		{name: "source not yet defined", src: `$cis[] | .id`, vars: append(stdVars, "$rels"), at: "$cis", msg: "variable not defined: $cis"},

		{name: "env", src: `env`, at: "env", msg: "env is disabled in stackmap; pass values in through vars and use $vars"},
		{name: "env nested in an array", src: `[.a, env.HOME]`, at: "env", msg: "env is disabled"},
		{name: "env in a string interpolation", src: `"home: \(env.HOME)"`, at: "env", msg: "env is disabled"},
		{name: "env as an object key expression", src: `{(env.USER): 1}`, at: "env", msg: "env is disabled"},
		{name: "env behind try", src: `try env.HOME catch "x"`, at: "env", msg: "env is disabled"},
		{name: "env in a reduce", src: `reduce (env | keys[]) as $k (0; . + 1)`, at: "env", msg: "env is disabled"},
		{name: "$ENV", src: `$ENV.PATH`, at: "$ENV", msg: "$ENV is disabled in stackmap; pass values in through vars and use $vars"},
		{name: "$ENV after a pipe", src: `.x | $ENV.PATH`, at: "$ENV", msg: "$ENV is disabled"},
		{name: "$ENV in object shorthand", src: `{a: 1} + {$ENV}`, at: "$ENV", msg: "$ENV is disabled"},
		// A user definition named env is rejected too: the name stays
		// reserved, so a reader never has to check which env is meant. The
		// error points at the call, not at the definition.
		{name: "user-defined env", src: `def env: 1; env`, at: "env", skip: 5, msg: "env is disabled"},
		{name: "env defined with a parameter", src: `def f(env): env; f(1)`, at: "env", msg: "env is disabled"},

		{name: "empty", src: "  \n ", at: "", msg: "empty jq expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := expr.Compile(tt.src, tt.vars)
			var e *expr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Compile(%q) error = %v (%T), want *expr.Error", tt.src, err, err)
			}
			want := len(tt.src)
			if tt.at != "" {
				want = tt.skip + strings.Index(tt.src[tt.skip:], tt.at)
			} else if tt.msg == "empty jq expression" {
				want = 0
			}
			if e.Offset != want {
				t.Errorf("Compile(%q) offset = %d, want %d (%q)\n%s", tt.src, e.Offset, want, tt.src[min(want, len(tt.src)):], e.Msg)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Compile(%q) message = %q, want it to contain %q", tt.src, e.Msg, tt.msg)
			}
		})
	}
}

// TestCompileAllowsEnvLookalikes checks that only the env function and the
// $ENV variable are closed, not keys and fields that happen to be named env.
func TestCompileAllowsEnvLookalikes(t *testing.T) {
	in := map[string]any{"env": "prod", "ENV": "x"}
	tests := []struct {
		src  string
		want any
	}{
		{`.env`, "prod"},
		{`.ENV`, "x"},
		{`{env: 1}`, map[string]any{"env": 1}},
		{`{env}`, map[string]any{"env": "prod"}},
		{`"env"`, "env"},
		{`$vars.env`, "staging"},
		{`.environment // "none"`, "none"},
		{`def environ: 2; environ`, 2},
	}
	for _, tt := range tests {
		p, err := expr.Compile(tt.src, []string{"$vars"})
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.src, err)
			continue
		}
		out, err := p.All(context.Background(), in, []any{map[string]any{"env": "staging"}})
		if err != nil || len(out) != 1 || !reflect.DeepEqual(out[0], tt.want) {
			t.Errorf("%q = %v, %v; want [%v]", tt.src, out, err, tt.want)
		}
	}
}

func TestCompileKeepsSource(t *testing.T) {
	p, err := expr.Compile(".a | .b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Source() != ".a | .b" {
		t.Errorf("Source() = %q", p.Source())
	}
}

func TestRunOutputsInOrder(t *testing.T) {
	tests := []struct {
		src  string
		in   any
		want []any
	}{
		{`.[] * 2`, []any{1, 2, 3}, []any{2, 4, 6}},
		{`1, "a", null, {b: 2}, [true]`, nil, []any{1, "a", nil, map[string]any{"b": 2}, []any{true}}},
		{`.[] | select(. > 1)`, []any{3, 1, 2}, []any{3, 2}},
		{`empty`, nil, nil},
		{`.a`, map[string]any{}, []any{nil}},
	}
	for _, tt := range tests {
		p, err := expr.Compile(tt.src, nil)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		got, err := p.All(context.Background(), tt.in, nil)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q on %v = %#v, want %#v", tt.src, tt.in, got, tt.want)
		}
	}
}

func TestRunBindsVariablesByPosition(t *testing.T) {
	p, err := expr.Compile(`[$a, $b, $c.x]`, []string{"$a", "$b", "$c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		values []any
		want   []any
	}{
		{[]any{1, "two", map[string]any{"x": 3}}, []any{1, "two", 3}},
		{[]any{"two", 1, map[string]any{"x": nil}}, []any{"two", 1, nil}},
	} {
		got, err := p.All(context.Background(), nil, tt.values)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
			t.Errorf("values %v: got %v, want [%v]", tt.values, got, tt.want)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	for _, src := range []string{`range(1e9)`, `[range(1e9)] | length`, `last(range(1e9))`} {
		t.Run(src, func(t *testing.T) {
			p, err := expr.Compile(src, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			timer := time.AfterFunc(50*time.Millisecond, cancel)
			defer timer.Stop()
			start := time.Now()
			n := 0
			err = p.Run(ctx, nil, nil, func(any) error { n++; return nil })
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v (%T) after %d outputs, want context.Canceled", err, err, n)
			}
			var re *expr.RuntimeError
			if errors.As(err, &re) {
				t.Errorf("a cancelled run returned a *RuntimeError: %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("the run took %v after cancellation", d)
			}
		})
	}
	t.Run("deadline", func(t *testing.T) {
		p, _ := expr.Compile(`range(1e9)`, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := p.All(ctx, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		src  string
		in   any
		msg  string
		outs int // outputs before the error
	}{
		{`.a.b`, map[string]any{"a": 1}, "jq: expected an object but got: number (1)", 0},
		{`1, error("boom")`, nil, "jq: error: boom", 1},
		{`.[] | 10 / .`, []any{2, 0}, "jq: cannot divide", 1},
		// halt_error with a value is an error, unlike halt.
		{`"x" | halt_error`, nil, "jq: halt error: x", 0},
		{`{} | halt_error(3)`, nil, "jq: halt error: {}", 0},
		{`. as [$a] | $a + "s"`, []any{1}, "jq: cannot add", 0},
	}
	for _, tt := range tests {
		p, err := expr.Compile(tt.src, nil)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		n := 0
		err = p.Run(context.Background(), tt.in, nil, func(any) error { n++; return nil })
		var re *expr.RuntimeError
		if !errors.As(err, &re) {
			t.Errorf("%q: err = %v (%T), want *expr.RuntimeError", tt.src, err, err)
			continue
		}
		if re.Unwrap() == nil {
			t.Errorf("%q: RuntimeError wraps nothing", tt.src)
		}
		if !strings.HasPrefix(err.Error(), tt.msg) {
			t.Errorf("%q: err = %q, want prefix %q", tt.src, err, tt.msg)
		}
		if n != tt.outs {
			t.Errorf("%q: %d outputs before the error, want %d", tt.src, n, tt.outs)
		}
	}
}

func TestRunHaltEndsQuietly(t *testing.T) {
	p, err := expr.Compile(`1, 2, halt, 3`, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.All(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("halt returned %v", err)
	}
	if !reflect.DeepEqual(got, []any{1, 2}) {
		t.Errorf("outputs = %v, want [1 2]", got)
	}
}

func TestRunReturnsCallbackErrorAsIs(t *testing.T) {
	p, err := expr.Compile(`range(10)`, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err = p.Run(context.Background(), nil, nil, func(any) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("err = %v (%T), want the callback's error itself", err, err)
	}
	if n != 3 {
		t.Errorf("callback ran %d times after it failed at 3", n)
	}
}

func TestFunctions(t *testing.T) {
	tests := []struct {
		src  string
		in   any
		want any    // when err is ""
		err  string // a part of the runtime error
	}{
		{src: `urn("service")`, in: "shop", want: "urn:service:/shop"},
		{src: `urn_host`, in: "web-01.example.com", want: "urn:host:/web-01.example.com"},
		{src: `[.[] | urn_host]`, in: []any{"a", "b"}, want: []any{"urn:host:/a", "urn:host:/b"}},
		{src: `urn("container")`, in: "ns/pod", want: "urn:container:/ns/pod"},
		{src: `urn_host`, in: 1, err: "urn: the input must be a non-empty string, got 1"},
		{src: `urn_host`, in: nil, err: "urn: the input must be a non-empty string, got null"},
		{src: `urn_host`, in: "", err: `urn: the input must be a non-empty string, got ""`},
		{src: `urn_host`, in: map[string]any{"a": 1}, err: `got {"a":1}`},
		{src: `urn("service")`, in: []any{"x"}, err: `urn: the input must be a non-empty string, got ["x"]`},
		{src: `urn(1)`, in: "x", err: "urn: the namespace must be a non-empty string, got 1"},
		{src: `urn("")`, in: "x", err: `urn: the namespace must be a non-empty string, got ""`},
		{src: `urn(null)`, in: "x", err: "the namespace must be a non-empty string, got null"},
		{src: `try urn_host catch "caught"`, in: 5, want: "caught"},
	}
	for _, tt := range tests {
		p, err := expr.Compile(tt.src, nil)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		got, err := p.All(context.Background(), tt.in, nil)
		if tt.err != "" {
			var re *expr.RuntimeError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q on %v: err = %v, want a *RuntimeError containing %q", tt.src, tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
			t.Errorf("%q on %v = %v, %v; want %v", tt.src, tt.in, got, err, tt.want)
		}
	}
	// Every function in the docs list is defined.
	for _, f := range expr.Functions {
		name, _, _ := strings.Cut(f.Name, "(")
		src := name
		if strings.Contains(f.Name, "(") {
			src += `("x")`
		}
		if _, err := expr.Compile(`"a" | `+src, nil); err != nil {
			t.Errorf("documented function %s does not compile: %v", f.Name, err)
		}
		if f.Doc == "" {
			t.Errorf("function %s has no doc", f.Name)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		v    any
		n    int
		want string
	}{
		{"a", 10, `"a"`},
		{map[string]any{"a": "<b>"}, 20, `{"a":"<b>"}`},
		{"abcdefghij", 5, `"abcd…`},
		{nil, 10, "null"},
		{func() {}, 100, ""}, // not JSON: formatted with fmt, address varies
	}
	for _, tt := range tests {
		got := expr.Describe(tt.v, tt.n)
		if tt.want == "" {
			if got == "" || len(got) > tt.n+len("…") {
				t.Errorf("Describe(func) = %q", got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("Describe(%v, %d) = %q, want %q", tt.v, tt.n, got, tt.want)
		}
	}
}
