package expr

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/itchyny/gojq"
)

// fastVars are the variables of the fast-lane tests.
var fastVars = []string{"$vars", "$instance", "$now", "$state"}

func fastValues(t testing.TB) []any {
	t.Helper()
	vars := mustJSON(t, `{
		"layers": {"cmdb_ci_linux_server": "Machines", "cmdb_ci_app_server": "Applications", "odd": 7},
		"relation_types": {"Runs on::Runs": "runs-on"},
		"domain": "Datacenter", "environment": "Production",
		"list": ["x", "y"], "n": 3, "s": "str", "t": true, "f": false, "z": null
	}`)
	return []any{vars, "inst-1", "2024-05-01T00:00:00Z", map[string]any{}}
}

func mustJSON(t testing.TB, doc string) any {
	t.Helper()
	v, err := DecodeJSON([]byte(doc))
	if err != nil {
		t.Fatalf("DecodeJSON(%s): %v", doc, err)
	}
	return v
}

// reference runs src with gojq alone, compiled here from the source as
// Compile does, and returns the outputs and the error text the way Run
// reports them.
func reference(t testing.TB, src string, vars []string, input any, values []any) ([]any, string) {
	t.Helper()
	q, err := gojq.Parse(src)
	if err != nil {
		t.Fatalf("gojq.Parse(%q): %v", src, err)
	}
	code, err := gojq.Compile(q, append(functions(), gojq.WithVariables(vars), gojq.WithEnvironLoader(func() []string { return nil }))...)
	if err != nil {
		t.Fatalf("gojq.Compile(%q): %v", src, err)
	}
	var out []any
	iter := code.Run(input, values...)
	for {
		v, ok := iter.Next()
		if !ok {
			return out, ""
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return out, ""
			}
			return out, (&RuntimeError{Err: err}).Error()
		}
		out = append(out, v)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// lane says how a program ran: in the fast lane, in the fast lane's subset
// but handed back to gojq (a bail-out), or outside the subset.
type lane string

const (
	laneFast lane = "fast"
	laneBail lane = "bail"
	laneGojq lane = "gojq"
)

// runLane runs p with the fast lane on and reports which lane decided it.
func runLane(t testing.TB, p *Program, input any, values []any) ([]any, string, lane) {
	t.Helper()
	out, err := p.All(context.Background(), input, values)
	switch {
	case p.fast == nil:
		return out, errText(err), laneGojq
	}
	var fastOut []any
	handled, fastErr := p.fast.run(input, values, false, func(v any) error {
		fastOut = append(fastOut, v)
		return nil
	})
	if !handled {
		return out, errText(err), laneBail
	}
	if fastErr != nil {
		t.Fatalf("%s: the fast lane returned an error: %v", p.Source(), fastErr)
	}
	if !reflect.DeepEqual(fastOut, out) {
		t.Fatalf("%s: the fast lane gave %#v, Run %#v", p.Source(), fastOut, out)
	}
	// Lent outputs, copied before they are taken back: twice, so that the
	// second run fills objects the first gave back. Neither may change the
	// input or the values, which would show objects taken back that the
	// program did not make.
	wasInput, wasValues := Clone(input), Clone(values)
	for run := range 2 {
		var lentOut []any
		handled, fastErr := p.fast.run(input, values, true, func(v any) error {
			lentOut = append(lentOut, Clone(v))
			return nil
		})
		if !handled || fastErr != nil || !reflect.DeepEqual(lentOut, out) {
			t.Fatalf("%s: lent run %d gave %#v (%v, %v), Run %#v", p.Source(), run+1, lentOut, handled, fastErr, out)
		}
	}
	if !reflect.DeepEqual(input, wasInput) || !reflect.DeepEqual(values, wasValues) {
		t.Fatalf("%s: lent runs changed the input or the values:\n%#v\n%#v\nwere\n%#v\n%#v", p.Source(), input, values, wasInput, wasValues)
	}
	return out, errText(err), laneFast
}

const snowCI = `{
	"sys_id": {"display_value": "3a1b", "value": "3a1b"},
	"sys_class_name": {"display_value": "Linux Server", "value": "cmdb_ci_linux_server"},
	"name": {"display_value": "web-01", "value": "web-01"},
	"fqdn": {"display_value": "web-01.example.com", "value": "web-01.example.com"},
	"ip_address": {"display_value": "10.0.0.1", "value": "10.0.0.1"},
	"os": {"display_value": "Linux Red Hat", "value": "Linux Red Hat"},
	"operational_status": {"display_value": "Operational", "value": "1"},
	"environment": {"display_value": "", "value": ""},
	"cpu_count": {"display_value": "4", "value": 4},
	"tags": [{"value": "a"}, {"value": "b"}],
	"Upper": "MiXeD Case é",
	"nothing": null, "yes": true, "no": false, "num": 1.5, "big": 100000000000000000000
}`

const ciRule = `{id: .sys_id.value, type: .sys_class_name.value, name: .name.value, layer: ($vars.layers[.sys_class_name.value] // "Uncategorized"), domain: $vars.domain, environment: (.environment.display_value // $vars.environment), labels: ["servicenow-class:\(.sys_class_name.value)", "operational-status:\(.operational_status.value)"], identifiers: ["urn:host:/\(.fqdn.value)", .sys_id.value], data: {fqdn: .fqdn.value, ip_address: .ip_address.value, os: .os.value}}`

const relRule = `{source: .parent.value, target: .child.value, type: ($vars.relation_types[.type.value] // .type.display_value)}`

func TestFastLaneMatchesGojq(t *testing.T) {
	values := fastValues(t)
	ci := snowCI
	tests := []struct {
		src   string
		input string
		lane  lane
	}{
		{ciRule, ci, laneFast},
		{relRule, `{"parent": {"value": "p"}, "child": {"value": "c"}, "type": {"value": "Runs on::Runs", "display_value": "Runs on"}}`, laneFast},
		{relRule, `{"parent": {"value": "p"}, "child": {"value": "c"}, "type": {"value": "Other", "display_value": "Other"}}`, laneFast},
		{relRule, `{"type": {"value": null}}`, laneBail}, // a null key is an error

		// Paths, members and the identity.
		{`.`, ci, laneFast},
		{`.name`, ci, laneFast},
		{`.name.value`, ci, laneFast},
		{`.missing`, ci, laneFast},
		{`.missing.deeper.still`, ci, laneFast},
		{`."sys_id"."value"`, ci, laneFast},
		{`.["name"]["value"]`, ci, laneFast},
		{`.name | .value`, ci, laneFast},
		{`.tags[0].value, .tags[1].value, .tags[-1].value, .tags[2], .tags[-3]`, ci, laneFast},
		{`.["sys_\("id")"].value`, ci, laneFast},
		{`.x`, `null`, laneFast},
		{`.[0]`, `null`, laneFast},
		{`.a`, `{"a": {"b": [1, 2]}}`, laneFast},

		// Optional members: ? swallows the error of the last step only.
		{`.a?`, `"str"`, laneFast},
		{`.a?`, `[1]`, laneFast},
		{`.a.b?`, `{"a": "s"}`, laneFast},
		{`.a?.b`, `"s"`, laneFast},
		{`(.a.b)?`, `{"a": "s"}`, laneFast},
		{`.a.b?`, `"s"`, laneBail},
		{`.[0]?`, `{"a": 1}`, laneFast},
		{`.a??`, `1`, laneFast},
		{`[.a?, .b?]`, `true`, laneFast},
		{`{x: .a?}`, `true`, laneFast},
		{`{x: .a?}`, `{"a": 1}`, laneFast},
		{`try .a`, `1`, laneFast},
		{`try (.a, .b.c, .d)`, `{"a": 1, "b": 2, "d": 3}`, laneFast},
		{`[.[]?]`, `"s"`, laneFast},
		{`[.[]?]`, `{"b": 2, "a": 1}`, laneFast},

		// gojq's try evaluates the index of .[k]? on the value before it.
		{`$vars.layers[.k]?`, `{"k": "cmdb_ci_app_server"}`, laneFast},
		{`$vars[.k]?`, `{"k": "layers"}`, laneFast},
		{`$vars[.k]`, `{"k": "domain"}`, laneFast},

		// Objects the program built are taken back after a lent run, but
		// not those a later member replaced with the input's, or might
		// have, by a computed key.
		{`{a: {x: 1}, a: .m}`, `{"m": {"y": 2}}`, laneFast},
		{`{a: {x: {z: 1}}, b: {c: .m}, b: .m}`, `{"m": {"y": 2}}`, laneFast},
		{`{a: {x: 1}, (.k): .m}`, `{"k": "a", "m": {"y": 2}}`, laneFast},
		{`{a: {x: 1}, "\(.k)": .m}`, `{"k": "a", "m": {"y": 2}}`, laneFast},
		{`{a: {x: .m}, b: [{y: .m}]}`, `{"m": {"y": 2}}`, laneFast},

		// Variables and computed keys.
		{`$vars.domain`, ci, laneFast},
		{`$instance`, ci, laneFast},
		{`$vars.layers[.sys_class_name.value]`, ci, laneFast},
		{`$vars.layers[.os.value]`, ci, laneFast},
		{`$vars.list[.n]`, `{"n": 1}`, laneFast},
		{`$vars.list[.n]`, `{"n": -1}`, laneFast},
		{`$vars.list[.n]`, `{"n": 9}`, laneFast},
		{`$vars.list[.n]`, `{"n": 1.0}`, laneBail}, // float64
		{`$vars.list[.n]`, `{"n": 1.5}`, laneBail},
		{`$vars.list[.n]`, `{"n": "1"}`, laneBail},
		{`$vars.layers[.n]`, `{"n": 1}`, laneBail},
		{`$vars.layers[.n]`, `{"n": null}`, laneBail},
		{`$vars.s[.n]`, `{"n": 0}`, laneBail},

		// Literals are gojq's values.
		{`1, 1.0, 1e3, -1, +2, -0, 0.5, 1.5e300, 100000000000000000000, -100000000000000000000, 1e1000, "s", true, false, null`, `null`, laneFast},
		{`[1, 2.50, "x"]`, `null`, laneFast},
		{`{a: 1, b: [1.0, {}], c: []}`, `null`, laneFast},
		{`{}`, `null`, laneFast},
		{`[]`, `null`, laneFast},

		// Interpolation of strings only.
		{`"id:\(.sys_id.value)"`, ci, laneFast},
		{`"\(.name.value)"`, ci, laneFast},
		{`"a\(.name.value)b\(.os.value)c"`, ci, laneFast},
		{`"\(.name.value)\(.os.value)"`, ci, laneFast},
		{`"x\(.cpu_count.value)"`, ci, laneBail},
		{`"x\(.missing)"`, ci, laneBail},
		{`"x\(.yes)"`, ci, laneBail},
		{`"x\(.tags)"`, ci, laneBail},
		{`"x\(.name)"`, ci, laneBail},
		{`"x\(.name.value.deeper)"`, ci, laneBail},

		// Object construction.
		{`{name: .name.value, "quoted key": .os.value, (.name.value): 1, sys_id, "fqdn", $instance, "k\(.name.value)": 2, "\(.os.value)"}`, ci, laneFast},
		{`{if: 1, then: 2, and: 3, null: 4}`, `null`, laneFast},
		{`{a: 1, a: 2}`, `null`, laneFast},
		{`{(.a): 1, (.a): 2}`, `{"a": "k"}`, laneFast},
		{`{$vars: 1}`, `null`, laneBail},
		{`{(.a): 1}`, `{"a": 1}`, laneBail},
		{`{(.a): 1}?`, `{"a": 1}`, laneFast},
		{`{(.a): empty}`, `{"a": 1}`, laneFast},
		{`{a: empty, b: .x.y}`, `{"x": 1}`, laneFast},
		{`{a: .x.y, b: empty}`, `{"x": 1}`, laneBail},
		{`{a: .x.y?, b: 1}`, `{"x": 1}`, laneFast},
		{`{(.k): .v}`, `{"k": "a", "v": [1]}`, laneFast},

		// Array construction.
		{`[.name.value, .os.value]`, ci, laneFast},
		{`[.tags[].value]`, ci, laneFast},
		{`[.[]]`, `{"b": 1, "a": 2, "c": 3}`, laneFast},
		{`[.tags[] | .value, "x"]`, ci, laneFast},
		{`[.a, empty, .b]`, `{"a": 1, "b": 2}`, laneFast},
		{`[.[]]`, `1`, laneBail},

		// Streams.
		{`.a, .b`, `{"a": 1, "b": 2}`, laneFast},
		{`.[]`, `[1, [2], {"a": 3}]`, laneFast},
		{`.[] | .a`, `[{"a": 1}, null, {"a": 3}]`, laneFast},
		{`.[] | .a`, `[{"a": 1}, 2]`, laneBail},
		{`.[].a`, `[{"a": 1}, {"b": 2}]`, laneFast},
		{`.[]["a"]`, `[{"a": 1}, {"b": 2}]`, laneFast},
		{`.[]?`, `3`, laneFast},
		{`.[]?.a`, `3`, laneFast},
		{`.[]?.a`, `[3]`, laneBail},
		{`try (.[] | .a)`, `[{"a": 1}, 2, {"a": 3}]`, laneFast},
		{`(.[] | try .a)`, `[{"a": 1}, 2, {"a": 3}]`, laneFast},
		{`.[] | select(.ok) | .name`, `[{"ok": true, "name": "a"}, {"ok": false, "name": "b"}, {"name": "c"}, {"ok": 0, "name": "d"}]`, laneFast},

		// Alternatives.
		{`.a // "d"`, `{"a": null}`, laneFast},
		{`.a // "d"`, `{"a": false}`, laneFast},
		{`.a // "d"`, `{"a": 0}`, laneFast},
		{`.a // "d"`, `{"a": ""}`, laneFast},
		{`.a // .b // .c`, `{"c": 3}`, laneFast},
		{`(.a, .b) // "d"`, `{"a": null, "b": 2}`, laneFast},
		{`(.a, .b) // "d"`, `{"a": null, "b": false}`, laneFast},
		{`.[] // "d"`, `[]`, laneFast},
		{`.a.b // "d"`, `{"a": "s"}`, laneBail},
		{`.a // (.b, .c)`, `{"b": 1, "c": 2}`, laneFast},
		{`empty // 1`, `null`, laneFast},
		{`.a? // 1`, `"s"`, laneFast},

		// Conditions.
		{`if .a then "t" else "f" end`, `{"a": 1}`, laneFast},
		{`if .a then "t" elif .b then "b" else "f" end`, `{"b": true}`, laneFast},
		{`if .a then "t" end`, `{"a": false}`, laneFast},
		{`if .a then .[] else empty end`, `{"a": [1]}`, laneFast},
		{`.a == "x", .a != "x", .a == null, .b == true, .n == 1, . == .`, `{"a": "x", "n": 1, "b": true}`, laneBail},
		{`.a == "x", .a != "x", .a == null, .b == true, .n == 1`, `{"a": "x", "n": 1, "b": true}`, laneFast},
		{`.n == 1.0`, `{"n": 1}`, laneBail},
		{`.a == .b`, `{"a": false, "b": null}`, laneFast},
		{`.a == .b`, `{"a": "1", "b": 1}`, laneFast},
		{`.a and .b, .a or .b, (.a | not), (.b | not)`, `{"a": true, "b": null}`, laneFast},
		{`.a and .x.y`, `{"a": false, "x": 1}`, laneFast},
		{`.a or .x.y`, `{"a": false, "x": 1}`, laneBail},
		{`select(.a == "x") | .b`, `{"a": "x", "b": 2}`, laneFast},
		{`select(.a == "x") | .b`, `{"a": "y", "b": 2}`, laneFast},

		// Parts with at most one value are evaluated in gojq's order, which
		// decides between no output and an error.
		{`"\(.a?)\(.x.y)"`, `{"x": 1}`, laneBail},
		{`"\(.x.y)\(.a[0]?)"`, `{"x": 1, "a": {"q": 1}}`, laneFast},
		{`"\(.a[0]?)-\(.b)"`, `{"a": ["s"], "b": "t"}`, laneFast},
		{`(.x.y == .a[0]?)`, `{"x": 1, "a": {"q": 1}}`, laneFast},
		{`(.a[0]? == .x.y)`, `{"x": 1, "a": {"q": 1}}`, laneBail},
		{`.a[0]? and .x.y`, `{"x": 1, "a": {"q": 1}}`, laneFast},
		{`.x.y and .a[0]?`, `{"x": 1, "a": {"q": 1}}`, laneBail},
		{`.a[0]? or .x.y`, `{"x": 1, "a": [false]}`, laneBail},
		{`if .a[0]? then .x.y else 1 end`, `{"x": 1, "a": {"q": 1}}`, laneFast},
		{`select(.a[0]?) | .x.y`, `{"x": 1, "a": {"q": 1}}`, laneFast},
		{`$vars.list[.a[0]?]`, `{"a": {"q": 1}}`, laneFast},
		{`$vars.list[.a[0]?]`, `{"a": [1]}`, laneFast},

		// String functions.
		{`.Upper | ascii_downcase`, ci, laneFast},
		{`.name.value | ascii_downcase`, ci, laneFast},
		{`.num | ascii_downcase`, ci, laneBail},
		{`(.num | ascii_downcase)?`, ci, laneFast},
		{`.name.value | tostring`, ci, laneFast},
		{`.num | tostring`, ci, laneBail},

		// Values of the input come back as they are.
		{`.big, .num, .tags, .sys_id`, ci, laneFast},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.src+" on "+strings.Join(strings.Fields(tt.input), " ")[:min(len(strings.Join(strings.Fields(tt.input), " ")), 40)], func(t *testing.T) {
			input := mustJSON(t, tt.input)
			p, err := Compile(tt.src, fastVars)
			if err != nil {
				t.Fatal(err)
			}
			out, errMsg, got := runLane(t, p, input, values)
			if got != tt.lane {
				t.Errorf("lane = %s, want %s", got, tt.lane)
			}
			wantOut, wantErr := reference(t, tt.src, fastVars, input, values)
			if !reflect.DeepEqual(out, wantOut) || errMsg != wantErr {
				t.Errorf("Run = %#v, %q\ngojq = %#v, %q", out, errMsg, wantOut, wantErr)
			}
			// Twice, since the fast lane builds fresh values every time.
			if out2, err := p.All(ctx, input, values); !reflect.DeepEqual(out2, wantOut) || errText(err) != wantErr {
				t.Errorf("second Run = %#v, %v", out2, err)
			}
		})
	}
}

func TestFastLaneCIRuleOutput(t *testing.T) {
	p, err := Compile(ciRule, fastVars)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.All(context.Background(), mustJSON(t, snowCI), fastValues(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{map[string]any{
		"id": "3a1b", "type": "cmdb_ci_linux_server", "name": "web-01", "layer": "Machines",
		"domain": "Datacenter", "environment": "",
		"labels":      []any{"servicenow-class:cmdb_ci_linux_server", "operational-status:1"},
		"identifiers": []any{"urn:host:/web-01.example.com", "3a1b"},
		"data":        map[string]any{"fqdn": "web-01.example.com", "ip_address": "10.0.0.1", "os": "Linux Red Hat"},
	}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %#v\nwant %#v", out, want)
	}
}

// TestFastLaneBailOutErrors checks that errors come from gojq, with its text,
// when a program of the subset fails.
func TestFastLaneBailOutErrors(t *testing.T) {
	tests := []struct{ src, input, msg string }{
		{`.a.b`, `{"a": "s"}`, `jq: expected an object but got: string ("s")`},
		{`{id: .sys_id.value}`, `{"sys_id": [1]}`, `jq: expected an object but got: array ([1])`},
		{`{(.k): 1}`, `{"k": 2}`, `jq: expected a string for object key but got: number (2)`},
		{`.[]`, `null`, `jq: cannot iterate over: null`},
		{`.a | ascii_downcase`, `{"a": 1}`, `jq: ascii_downcase cannot be applied to: number (1)`},
		{`$vars.layers[.k]`, `{"k": null}`, `jq: expected a string for object key but got: null`},
		{`.a // "d"`, `"s"`, `jq: expected an object but got: string ("s")`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, fastVars)
			if err != nil {
				t.Fatal(err)
			}
			input := mustJSON(t, tt.input)
			out, msg, got := runLane(t, p, input, fastValues(t))
			if got != laneBail {
				t.Errorf("lane = %s, want %s", got, laneBail)
			}
			if msg != tt.msg {
				t.Errorf("error = %q, want %q", msg, tt.msg)
			}
			wantOut, wantMsg := reference(t, tt.src, fastVars, input, fastValues(t))
			if !reflect.DeepEqual(out, wantOut) || msg != wantMsg {
				t.Errorf("Run = %#v, %q; gojq = %#v, %q", out, msg, wantOut, wantMsg)
			}
		})
	}
	// An error after outputs: Run passes the outputs before it, as gojq.
	p, err := Compile(`.[] | .a`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	err = p.Run(context.Background(), mustJSON(t, `[{"a": 1}, {"a": 2}, 3, {"a": 4}]`), nil, func(v any) error {
		got = append(got, v)
		return nil
	})
	var rt *RuntimeError
	if !errors.As(err, &rt) || err.Error() != "jq: expected an object but got: number (3)" || !reflect.DeepEqual(got, []any{1, 2}) {
		t.Errorf("Run = %v, %v; want [1 2] and gojq's error", got, err)
	}
}

func TestFastLaneSubset(t *testing.T) {
	vars := append(fastVars, "$src")
	in := []string{
		`.`, `.a.b.c`, `$src`, `{a: .b}`, `[.a, .b]`, `.a // .b`, `.a, .b`, `.[]`, `.a?`,
		`"x\(.a)"`, `if .a then .b else .c end`, `.a == .b`, `select(.a)`, `not`, `tostring`,
		`ascii_downcase`, `empty`, `try .a`, `(.a)`, `-1`, `{$src}`, `{(.a): 1}`, `[.[] | .a]`,
		`if (.a | not) then 1 end`, `.a and (.b or .c)`, `{a: .a?}`, `[.a?, .[]?]`,
		`"\(.a?)"`, `select(.a?)`, `.a and .b?`, `if .a? then 1 end`, `.a? == .b`,
	}
	out := []string{
		`.a + 1`, `length`, `.[] as $x | $x`, `def f: .; f`, `reduce .[] as $x (0; . + $x)`,
		`try .a catch .`, `.a[1:2]`, `.[:1]`, `@base64`, `@json "x\(.a)"`, `"\(.a, .b)"`,
		`{a: (1, 2)}`, `{(.a, .b): 1}`, `urn_host`, `urn("x")`, `nagios_perfdata`, `..`, `.a |= 1`,
		`now`, `$__prog`, `if (.a, .b) then 1 else 2 end`, `select(.[])`, `.a and .[]`, `.a == (.b, .c)`,
		`-.a`, `- 1 | -(1)`, `label $f | 1`, `first(.a)`, `tojson`, `keys`, `.[.a, .b]`, `(.a, .b)[.c]`,
		`{a: 1} | .a as {a: $x} | $x`, `input_line_number`, `$ENV.x`, `env`, `splits("a")`, `ltrimstr("a")`,
	}
	for _, src := range in {
		p, err := Compile(src, vars)
		if err != nil {
			t.Errorf("Compile(%q): %v", src, err)
			continue
		}
		if p.fast == nil {
			t.Errorf("%q is outside the fast lane, want it in", src)
		}
	}
	for _, src := range out {
		p, err := Compile(src, vars)
		if err != nil {
			continue // outside anyway
		}
		if p.fast != nil {
			t.Errorf("%q takes the fast lane, want it outside", src)
		}
	}
}

func TestFastLaneDuplicateVariables(t *testing.T) {
	vars := []string{"$a", "$b", "$a"}
	p, err := Compile(`[$a, $b, {$a}]`, vars)
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"first", "b", "last"}
	out, msg, got := runLane(t, p, nil, values)
	wantOut, wantMsg := reference(t, `[$a, $b, {$a}]`, vars, nil, values)
	if got != laneFast || !reflect.DeepEqual(out, wantOut) || msg != wantMsg {
		t.Errorf("%s: %#v, %q; gojq %#v, %q", got, out, msg, wantOut, wantMsg)
	}
	// A wrong number of values is gojq's error.
	if _, err := p.All(context.Background(), nil, values[:2]); err == nil || !strings.Contains(err.Error(), "variable") {
		t.Errorf("too few values: %v", err)
	}
}

// TestFastLaneValuesAsTheyAre checks that input values reach the outputs as
// the same Go values, also values of types gojq does not know.
func TestFastLaneValuesAsTheyAre(t *testing.T) {
	big := new(big.Int).Lsh(big.NewInt(1), 80)
	list := []any{1, "x"}
	odd := struct{ A int }{3}
	in := map[string]any{"big": big, "list": list, "odd": odd, "strs": []string{"a"}, "m": map[string]string{"a": "b"}}
	p, err := Compile(`.big, .list, .odd, [.list, .odd], {x: .strs}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, _, got := runLane(t, p, in, nil)
	if got != laneFast {
		t.Fatalf("lane = %s", got)
	}
	if out[0] != any(big) || &out[1].([]any)[0] != &list[0] || out[2] != any(odd) {
		t.Errorf("outputs are not the input's values: %#v", out)
	}
	// gojq cannot describe such values in an error message (it panics), so
	// only programs without errors.
	for _, src := range []string{`.m | not`, `.odd // 1`, `[.odd][0]`, `{x: .odd} | .x`, `select(.odd) | .list`} {
		p, err := Compile(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, msg, _ := runLane(t, p, in, nil)
		wantOut, wantMsg := reference(t, src, nil, in, nil)
		if !reflect.DeepEqual(out, wantOut) || msg != wantMsg {
			t.Errorf("%s: Run = %#v, %q; gojq = %#v, %q", src, out, msg, wantOut, wantMsg)
		}
	}
}

func TestSetFastLane(t *testing.T) {
	// gojq folds a constant object to one map that every run yields; the
	// fast lane builds a new one each time. That tells the lanes apart.
	p, err := Compile(`{a: 1}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	same := func() bool {
		a, _ := p.All(context.Background(), nil, nil)
		b, _ := p.All(context.Background(), nil, nil)
		return reflect.ValueOf(a[0]).UnsafePointer() == reflect.ValueOf(b[0]).UnsafePointer()
	}
	if same() {
		t.Fatal("the fast lane is off by default")
	}
	if was := SetFastLane(false); !was {
		t.Error("SetFastLane(false) = false, want true (it was on)")
	}
	defer SetFastLane(true)
	if !same() {
		t.Error("the fast lane still runs after SetFastLane(false)")
	}
	if was := SetFastLane(true); was {
		t.Error("SetFastLane(true) = true, want false (it was off)")
	}
	if same() {
		t.Error("the fast lane does not run after SetFastLane(true)")
	}
}

func TestFastLaneContextAndCallbackErrors(t *testing.T) {
	p, err := Compile(`.a, .b`, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Run(ctx, map[string]any{}, nil, func(any) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a canceled context = %v, want context.Canceled", err)
	}
	stop := errors.New("stop")
	calls := 0
	err = p.Run(context.Background(), map[string]any{"a": 1, "b": 2}, nil, func(any) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("Run = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

// TestFastLaneConcurrentUse runs fast-lane programs from many goroutines
// while the lane is switched; run it with -race.
func TestFastLaneConcurrentUse(t *testing.T) {
	ci, err := Compile(ciRule, fastVars)
	if err != nil {
		t.Fatal(err)
	}
	values := fastValues(t)
	input := mustJSON(t, snowCI)
	want, _ := reference(t, ciRule, fastVars, input, values)
	defer SetFastLane(true)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for r := range 200 {
				if w == 0 && r%10 == 0 {
					SetFastLane(r%20 == 0)
				}
				out, err := ci.All(context.Background(), input, values)
				if err != nil || !reflect.DeepEqual(out, want) {
					errs <- fmt.Errorf("worker %d round %d: %v, %v", w, r, out, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// snowRecord is a ServiceNow CMDB record as the table API returns it with
// sysparm_display_value=all: about 25 fields of display value and value.
func snowRecord(i int) map[string]any {
	field := func(display, value string) map[string]any {
		return map[string]any{"display_value": display, "value": value}
	}
	rec := map[string]any{
		"sys_id":             field(fmt.Sprintf("%032x", i), fmt.Sprintf("%032x", i)),
		"sys_class_name":     field("Linux Server", "cmdb_ci_linux_server"),
		"name":               field(fmt.Sprintf("web-%04d", i), fmt.Sprintf("web-%04d", i)),
		"fqdn":               field(fmt.Sprintf("web-%04d.example.com", i), fmt.Sprintf("web-%04d.example.com", i)),
		"ip_address":         field("10.0.0.1", "10.0.0.1"),
		"os":                 field("Linux Red Hat", "Linux Red Hat"),
		"os_version":         field("9.2", "9.2"),
		"operational_status": field("Operational", "1"),
		"install_status":     field("Installed", "1"),
		"environment":        field("Production", "production"),
		"company":            field("ACME", "a1b2"),
		"location":           field("Amsterdam", "c3d4"),
		"department":         field("IT", "e5f6"),
		"support_group":      field("Linux Ops", "0a0b"),
		"assigned_to":        field("Jane Doe", "1c1d"),
		"managed_by":         field("John Doe", "2e2f"),
		"owned_by":           field("Ops", "3a3b"),
		"cpu_count":          field("4", "4"),
		"ram":                field("16384", "16384"),
		"disk_space":         field("500", "500"),
		"serial_number":      field("SN123", "SN123"),
		"model_id":           field("PowerEdge R640", "4c4d"),
		"manufacturer":       field("Dell", "5e5f"),
		"sys_updated_on":     field("2024-05-01 10:00:00", "2024-05-01 10:00:00"),
		"sys_created_on":     field("2023-01-01 10:00:00", "2023-01-01 10:00:00"),
	}
	return rec
}

func BenchmarkFastLane(b *testing.B) {
	values := fastValues(b)
	rel := map[string]any{
		"parent": map[string]any{"display_value": "web-0001", "value": "aaa"},
		"child":  map[string]any{"display_value": "db-0001", "value": "bbb"},
		"type":   map[string]any{"display_value": "Runs on::Runs", "value": "Runs on::Runs"},
	}
	for _, bb := range []struct {
		name  string
		src   string
		input any
	}{
		{"ci", ciRule, snowRecord(1)},
		{"relation", relRule, rel},
	} {
		p, err := Compile(bb.src, fastVars)
		if err != nil {
			b.Fatal(err)
		}
		if p.fast == nil {
			b.Fatalf("%s is outside the fast lane", bb.name)
		}
		ctx := context.Background()
		sink := func(any) error { return nil }
		b.Run(bb.name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Run(ctx, bb.input, values, sink); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bb.name+"/gojq", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.runGojq(ctx, bb.input, values, sink); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
