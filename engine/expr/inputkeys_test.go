package expr

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestInputKeys(t *testing.T) {
	tests := []struct {
		src  string
		keys []string // nil: not only through keys
	}{
		{`.a`, []string{"a"}},
		{`.a.b, ."c", .["d"]`, []string{"a", "c", "d"}},
		{`{id: .sys_id.value, name, "type", $v, layer: ($v.layers[.cls] // "x"), s: "\(.x)-\(.y)"}`, []string{"cls", "name", "sys_id", "type", "x", "y"}},
		{`[.a, .b] | .[0]`, []string{"a", "b"}},
		{`.a | .b | {c}`, []string{"a"}},
		{`if .a == "x" then .b else .c end`, []string{"a", "b", "c"}},
		{`.a // .b`, []string{"a", "b"}},
		{`try .a catch .`, []string{"a"}},
		{`"literal"`, []string{}},
		{`$v`, []string{}},
		{`.`, nil},
		{`.[]`, nil},
		{`.a, .`, nil},
		{`keys`, nil},
		{`select(.a)`, nil},
		{`.a as $x | $x`, nil},
		{`.[.k]`, nil},
		{`."\(.k)"`, nil},
		{`{"\(.k)"}`, nil},
		{`.[0]`, nil},
		{`.[1:]`, nil},
		{`reduce .a[] as $x (0; . + $x)`, nil},
		{`def f: .a; f`, nil},
		{`@base64`, nil},
		{`..`, nil},
		{`tostring`, nil},
		{`.a | tostring`, []string{"a"}},
		{`-.a`, []string{"a"}},
		{`.a[.b]`, []string{"a", "b"}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.src, genVars)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		keys, ok := p.InputKeys()
		if ok != (tt.keys != nil) || ok && !slices.Equal(keys, tt.keys) {
			t.Errorf("InputKeys(%s) = %q, %v; want %q", tt.src, keys, ok, tt.keys)
		}
	}
}

// checkInputKeys runs a program whose InputKeys are known on an object and
// on the object cut down to those keys, and requires the same outputs and
// error.
func checkInputKeys(t *testing.T, prog, data []byte) bool {
	g := &progGen{b: prog}
	src := g.expr(4)
	values := []any{g.value(3), g.value(2)}
	dg := &progGen{b: data}
	input := map[string]any{}
	for _, k := range []string{"a", "b", "k", "c", "x y", "A"} {
		if dg.pick(3) > 0 {
			input[k] = dg.value(3)
		}
	}
	if len(src) > 1500 {
		return false
	}
	p, err := Compile(src, genVars)
	if err != nil {
		return false
	}
	keys, ok := p.InputKeys()
	if !ok {
		return false
	}
	cut := map[string]any{}
	for _, k := range keys {
		if v, has := input[k]; has {
			cut[k] = v
		}
	}
	full, fullMsg, _ := runLane(t, p, input, values)
	part, partMsg, _ := runLane(t, p, cut, values)
	if !reflect.DeepEqual(full, part) || fullMsg != partMsg {
		t.Fatalf("%s reads only %q, yet\ninput %#v\ncut   %#v\nvalues %#v\nfull = %#v, %q\ncut  = %#v, %q", src, keys, input, cut, values, full, fullMsg, part, partMsg)
	}
	return true
}

// TestInputKeysRandomPrograms proves InputKeys on random programs: those
// it accepts give the same result on the cut input.
func TestInputKeysRandomPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for range 20000 {
		prog := make([]byte, 10+r.IntN(60))
		data := make([]byte, 40)
		for j := range prog {
			prog[j] = byte(r.Uint32())
		}
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		if checkInputKeys(t, prog, data) {
			accepted++
		}
	}
	if accepted < 2000 {
		t.Errorf("only %d of 20000 random programs read their input only through keys", accepted)
	}
}

func FuzzInputKeys(f *testing.F) {
	f.Add([]byte("\x02\x04\x05\x00\x03\x01"), []byte("\x01\x02\x03\x04\x05\x06\x07"))
	f.Fuzz(func(t *testing.T, prog, data []byte) { checkInputKeys(t, prog, data) })
}

var _ = context.Background
