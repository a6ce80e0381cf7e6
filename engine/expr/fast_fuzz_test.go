package expr

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// progGen writes a random jq program, mostly of the fast lane's subset, as
// its bytes direct. When the bytes run out every choice is the first one,
// which always ends the program.
type progGen struct {
	b []byte
	i int
}

func (g *progGen) pick(n int) int {
	if g.i >= len(g.b) {
		return 0
	}
	c := int(g.b[g.i]) % n
	g.i++
	return c
}

var (
	genFields   = []string{"a", "b", "k", "c"}
	genLiterals = []string{`"a"`, `1`, `null`, `true`, `false`, `"b"`, `"k"`, `"x y"`, `""`, `"A"`, `0`, `-1`,
		`1.0`, `1e3`, `1.5`, `100000000000000000000`, `-0`, `2`}
)

func (g *progGen) field() string { return genFields[g.pick(len(genFields))] }

func (g *progGen) expr(d int) string {
	if d <= 0 {
		return g.term(0)
	}
	switch g.pick(13) {
	case 4:
		return g.expr(d-1) + " | " + g.expr(d-1)
	case 5:
		return g.expr(d-1) + " // " + g.expr(d-1)
	case 6:
		return g.expr(d-1) + ", " + g.expr(d-1)
	case 7:
		return "(" + g.expr(d-1) + []string{" == ", " != "}[g.pick(2)] + g.expr(d-1) + ")"
	case 8:
		return "(" + g.expr(d-1) + []string{" and ", " or "}[g.pick(2)] + g.expr(d-1) + ")"
	case 9:
		if g.pick(3) > 0 {
			return g.term(d)
		}
		// Outside the subset.
		switch g.pick(4) {
		case 0:
			return "(" + g.expr(d-1) + " + " + g.expr(d-1) + ")"
		case 1:
			return "(" + g.expr(d-1) + " as $x | $x)"
		case 2:
			return "(try " + g.term(d-1) + " catch .)"
		default:
			return "(" + g.expr(d-1) + " | length)"
		}
	}
	return g.term(d)
}

func (g *progGen) term(d int) string {
	var t string
	simple := true // t may take a suffix as it is
	if d <= 0 {
		switch g.pick(5) {
		case 0:
			t = "." + g.field()
		case 1:
			t = "."
		case 2:
			t = []string{"$v", "$w"}[g.pick(2)]
		case 3:
			t, simple = genLiterals[g.pick(len(genLiterals))], false
		default:
			t = `."x y"`
		}
	} else {
		switch g.pick(16) {
		case 0:
			return g.term(0)
		case 1:
			t = "(" + g.expr(d-1) + ")"
		case 2:
			t = g.object(d - 1)
		case 3:
			switch g.pick(3) {
			case 0:
				t = "[]"
			case 1:
				t = "[" + g.expr(d-1) + "]"
			default:
				t = "[" + g.expr(d-1) + ", " + g.expr(d-1) + "]"
			}
		case 4:
			t = g.str(d - 1)
		case 5:
			switch g.pick(3) {
			case 0:
				t = "if " + g.expr(d-1) + " then " + g.expr(d-1) + " else " + g.expr(d-1) + " end"
			case 1:
				t = "if " + g.expr(d-1) + " then " + g.expr(d-1) + " elif " + g.expr(d-1) + " then " + g.expr(d-1) + " end"
			default:
				t = "if " + g.expr(d-1) + " then " + g.expr(d-1) + " end"
			}
		case 6:
			t = "select(" + g.expr(d-1) + ")"
		case 7:
			t = []string{"not", "tostring", "ascii_downcase", "empty"}[g.pick(4)]
		case 8:
			t = "try (" + g.expr(d-1) + ")"
		case 9:
			t = "$v[" + g.expr(d-1) + "]"
		case 10:
			if g.pick(3) > 0 {
				return g.term(d - 1)
			}
			// Outside the subset.
			t = []string{"length", "keys", `error("boom")`, "tojson", ".[1:]", "first(.[])", `@json "\(.)"`}[g.pick(7)]
		default:
			t = "." + g.field()
		}
	}
	for range g.pick(4) {
		if !simple {
			t, simple = "("+t+")", true
		}
		switch g.pick(10) {
		case 0, 9:
			t += "?"
		case 1:
			t += "[]"
		case 2:
			if d <= 0 {
				t += "[" + genLiterals[g.pick(len(genLiterals))] + "]"
			} else {
				t += "[" + g.expr(d-1) + "]"
			}
		case 3:
			t += []string{"[0]", "[-1]", "[1]", `["a"]`}[g.pick(4)]
		default:
			if t == "." {
				t = "." + g.field()
			} else {
				t += "." + g.field()
			}
		}
	}
	return t
}

func (g *progGen) str(d int) string {
	var b strings.Builder
	b.WriteByte('"')
	for range 1 + g.pick(3) {
		if g.pick(3) == 0 {
			b.WriteString([]string{"s", "-", "x y", `\"`, "é"}[g.pick(5)])
		} else {
			b.WriteString(`\(` + g.expr(d) + ")")
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (g *progGen) object(d int) string {
	var parts []string
	for range g.pick(4) {
		switch g.pick(9) {
		case 0:
			parts = append(parts, g.field())
		case 1:
			parts = append(parts, `"`+g.field()+`": `+g.term(d))
		case 2:
			parts = append(parts, "("+g.expr(d)+"): "+g.term(d))
		case 3:
			parts = append(parts, []string{"$v", "$w"}[g.pick(2)])
		case 4:
			parts = append(parts, "$w: "+g.term(d))
		case 5:
			parts = append(parts, g.str(d)+": "+g.term(d))
		case 6:
			parts = append(parts, g.str(d))
		case 7:
			parts = append(parts, "if: "+g.term(d))
		default:
			parts = append(parts, g.field()+": "+g.term(d))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// value builds a plain JSON value from the generator's bytes.
func (g *progGen) value(d int) any {
	n := 9
	if d <= 0 {
		n = 7
	}
	switch g.pick(n) {
	case 0:
		return nil
	case 1:
		return g.pick(2) == 0
	case 2:
		return g.pick(5) - 2
	case 3:
		return []any{1.5, 1.0, -0.5, 2.0}[g.pick(4)]
	case 4:
		return new(big.Int).Lsh(big.NewInt(int64(1+g.pick(3))), 70)
	case 5, 6:
		return []string{"a", "b", "k", "x y", "A", "AbC", "é", "\xff", ""}[g.pick(9)]
	case 7:
		l := make([]any, g.pick(4))
		for i := range l {
			l[i] = g.value(d - 1)
		}
		return l
	default:
		m := map[string]any{}
		for range g.pick(5) {
			m[[]string{"a", "b", "k", "c", "x y", "A"}[g.pick(6)]] = g.value(d - 1)
		}
		return m
	}
}

var genVars = []string{"$v", "$w"}

// checkProgram compares Run of the program that prog describes on the input
// that data describes with gojq's, and returns the program and its lane.
func checkProgram(t *testing.T, prog, data []byte) (string, lane) {
	g := &progGen{b: prog}
	src := g.expr(4)
	values := []any{g.value(3), g.value(2)}
	input, err := DecodeJSON(data)
	if err != nil {
		dg := &progGen{b: data}
		if input = dg.value(4); dg.pick(3) > 0 {
			// Mostly an object, as records are.
			input = map[string]any{"a": input, "b": dg.value(3), "k": dg.value(1), "x y": dg.value(2)}
		}
	}
	if len(src) > 1500 {
		return src, "" // a rare deep program, slow in gojq
	}
	p, err := Compile(src, genVars)
	if err != nil {
		return src, ""
	}
	out, msg, got := runLane(t, p, input, values)
	wantOut, wantMsg := reference(t, src, genVars, input, values)
	if !reflect.DeepEqual(out, wantOut) || msg != wantMsg {
		t.Fatalf("%s (%s lane)\ninput %#v\nvalues %#v\nRun  = %#v, %q\ngojq = %#v, %q", src, got, input, values, out, msg, wantOut, wantMsg)
	}
	return src, got
}

// FuzzFastLane compares Run, with the fast lane, with gojq alone on random
// programs of the fast lane's subset (and some outside it) and random inputs.
func FuzzFastLane(f *testing.F) {
	f.Add([]byte("\x02\x04\x05\x00\x03\x01"), []byte(`{"a": {"b": "x", "c": [1, "a"]}, "k": "a", "x y": null, "b": "B"}`))
	f.Add([]byte("\x05\x09\x07\x02\x01\x03\x08\x00\x02\x04"), []byte(`[{"a": 1}, {"a": "s"}, null]`))
	f.Add([]byte("\x0b\x02\x03\x06\x02\x02\x01\x05\x07\x0f\x10\x03"), []byte(`{"k": "b", "a": false, "b": "AbC"}`))
	f.Add([]byte("\x04\x05\x01\x07\x09\x03\x02\x0b\x05"), []byte(`"str"`))
	f.Add([]byte("\x0c\x01\x09\x02\x05\x05\x04\x01"), []byte(`not json`))
	for i := range 20 {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		prog := make([]byte, 40)
		for j := range prog {
			prog[j] = byte(r.Uint32())
		}
		f.Add(prog, []byte(`{"a": {"a": "b"}, "b": [1, 2.5, "k"], "k": "a", "c": null}`))
	}
	f.Fuzz(func(t *testing.T, prog, data []byte) {
		checkProgram(t, prog, data)
	})
}

// TestFastLaneRandomPrograms runs the fuzz check on a fixed set of random
// programs, and checks that the generator reaches all three lanes.
func TestFastLaneRandomPrograms(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	r := rand.New(rand.NewPCG(1, 2))
	count := map[lane]int{}
	for range n {
		prog := make([]byte, 10+r.IntN(60))
		for j := range prog {
			prog[j] = byte(r.Uint32())
		}
		data := make([]byte, 30)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		_, got := checkProgram(t, prog, data)
		count[got]++
	}
	t.Logf("%d programs: %d in the fast lane, %d bailed out, %d outside the subset, %d not compiled",
		n, count[laneFast], count[laneBail], count[laneGojq], count[""])
	if count[laneFast] < n/5 || count[laneBail] < n/20 || count[laneGojq] < n/20 {
		t.Errorf("the generator does not reach every lane enough: %v", count)
	}
}
