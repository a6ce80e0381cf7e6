package intake

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/model"
)

// jsonEncode returns v as encoding/json encodes it with HTML escaping off,
// without the trailing newline: the reference the wire encoder must match.
func jsonEncode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// mustJSON returns jsonEncode(v), failing the test on an error.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := jsonEncode(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gen makes random elements and values that reach every branch of the
// wire encoder: awkward strings, every number form, data keys that collide
// with or sort next to the set fields.
type gen struct {
	r *rand.Rand
}

// newGen returns a generator seeded with seed.
func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// pieces are the fragments random strings are made of.
var pieces = []string{
	"a", "web-01", "Zürich", "日本", "😀", " ", "<", ">", "&", `"`, `\`, "/",
	"\n", "\r", "\t", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f", "\u2028", "\u2029",
	"\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\uFFFD", "\u00e9", "e\u0301", "%20", "{}", "[]",
}

// str returns a random string of up to n pieces.
func (g *gen) str(n int) string {
	var b strings.Builder
	for range g.r.IntN(n + 1) {
		b.WriteString(pieces[g.r.IntN(len(pieces))])
	}
	return b.String()
}

// maybe returns a random string half of the time and "" otherwise.
func (g *gen) maybe() string {
	if g.r.IntN(2) == 0 {
		return ""
	}
	return g.str(4)
}

// strs returns nil, an empty or a short random list of strings.
func (g *gen) strs() []string {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+g.r.IntN(3))
	for i := range out {
		out[i] = g.str(3)
	}
	return out
}

// keys are data keys, among them the set fields and their neighbours.
var keys = []string{
	"", "a", "cpus", "description", "descriptio", "domain", "environment", "identifiers",
	"labels", "label", "layer", "layers", "name", "Name", "nam", "name0", "tags", "version",
	"versions", "dependencyDirection", "dependency", "zz", "<&>", "\xff", "\u2028", "日本",
}

// key returns a random data key.
func (g *gen) key() string {
	if g.r.IntN(4) == 0 {
		return g.str(3)
	}
	return keys[g.r.IntN(len(keys))]
}

// float returns a random float64 of any magnitude, including the ones
// around encoding/json's switch to exponents and -0.
func (g *gen) float() float64 {
	switch g.r.IntN(10) {
	case 0:
		return []float64{0, math.Copysign(0, -1), 1e-6, 1e-7, 9.999999e-7, 1e21, 1e20, 999999999999999999999.0,
			math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-7, 0.1, 1.5e300, 5e-324, 123456789e-15}[g.r.IntN(15)]
	case 1:
		return math.Float64frombits(g.r.Uint64())
	case 2:
		return float64(g.r.Int64N(1<<53)) * math.Pow(10, float64(g.r.IntN(60)-30))
	}
	f := g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(50)-25))
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 1
	}
	return f
}

// finite returns f, or 0 if f is NaN or infinite.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// custom is a type only encoding/json knows how to encode.
type custom struct {
	A string `json:"a"`
	B []int  `json:"b,omitempty"`
}

// value returns a random data value nested at most depth levels.
func (g *gen) value(depth int) any {
	n := 17
	if depth <= 0 {
		n = 14
	}
	switch g.r.IntN(n) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return int(g.r.Int64()) >> g.r.IntN(64)
	case 3:
		return finite(g.float())
	case 4, 5:
		return g.str(5)
	case 6:
		b, _ := new(big.Int).SetString(strings.Repeat("9", 1+g.r.IntN(40)), 10)
		if g.r.IntN(2) == 0 {
			b.Neg(b)
		}
		return b
	case 7:
		return []string{g.str(2), g.str(2)}
	case 8:
		return int64(g.r.Uint64())
	case 9:
		return uint64(g.r.Uint64())
	case 10:
		return float32(finite(float64(float32(g.float()))))
	case 11:
		return json.Number([]string{"1", "-0", "1.5e-7", "12345678901234567890", "0.1E+2"}[g.r.IntN(5)])
	case 12:
		return custom{A: g.str(3), B: []int{1, 2}}
	case 13:
		return time.Unix(g.r.Int64N(250000000000), g.r.Int64N(1e9)).UTC()
	case 14:
		if g.r.IntN(5) == 0 {
			return []any(nil)
		}
		out := make([]any, g.r.IntN(4))
		for i := range out {
			out[i] = g.value(depth - 1)
		}
		return out
	default:
		if g.r.IntN(5) == 0 {
			return map[string]any(nil)
		}
		return g.data(depth - 1)
	}
}

// data returns a random data map, nil or empty now and then.
func (g *gen) data(depth int) map[string]any {
	switch g.r.IntN(6) {
	case 0:
		return nil
	case 1:
		return map[string]any{}
	}
	m := map[string]any{}
	for range 1 + g.r.IntN(6) {
		m[g.key()] = g.value(depth)
	}
	return m
}

// component returns a random component.
func (g *gen) component(i int) model.Component {
	c := model.Component{
		ID: g.str(3) + "c" + itoa(i), Type: g.str(2),
		Name: g.maybe(), Layer: g.maybe(), Domain: g.maybe(), Environment: g.maybe(),
		Labels: g.strs(), Tags: g.strs(), Identifiers: g.strs(),
		Version: g.maybe(), Description: g.maybe(),
		Data: g.data(2),
	}
	if g.r.IntN(3) == 0 {
		c.SourceProperties = g.data(2)
	}
	return c
}

// relation returns a random relation.
func (g *gen) relation(i int) model.Relation {
	return model.Relation{
		ID: g.str(2) + "r" + itoa(i), Source: g.str(2), Target: g.str(2), Type: g.str(2),
		DependencyDirection: []string{"", "ONE_WAY", "BOTH", g.str(2)}[g.r.IntN(4)],
		Data:                g.data(2),
	}
}

// state returns a random check state.
func (g *gen) state(i int) model.HealthState {
	return model.HealthState{
		ID: g.str(2) + "s" + itoa(i), Name: g.str(3), Health: []string{model.Clear, model.Deviating, model.Critical}[g.r.IntN(3)],
		Identifier: g.str(3), Message: g.maybe(),
	}
}

// metric returns a random metric, with or without a host.
func (g *gen) metric(i int) model.Metric {
	m := model.Metric{Name: g.str(2) + "m" + itoa(i), Timestamp: g.r.Int64() >> g.r.IntN(63), Type: g.str(1), Tags: g.strs()}
	switch g.r.IntN(3) {
	case 0:
		m.Value = int(g.r.Int64()) >> g.r.IntN(64)
	default:
		m.Value = finite(g.float())
	}
	if g.r.IntN(2) == 0 {
		m.Host = g.str(2)
	}
	return m
}

// sources are the event sources random events come from.
var sources = []string{"shop.deploy", "shop.cache", "a", "", "<&>", "z\u2028", "\xff"}

// event returns a random event, topological or plain, of one of a few
// sources.
func (g *gen) event(i int) model.Event {
	ev := model.Event{
		Title: g.str(2) + "e" + itoa(i), Type: g.str(2), Text: g.maybe(), Timestamp: g.r.Int64() >> g.r.IntN(63),
		Tags: g.strs(), Host: g.maybe(), Source: sources[g.r.IntN(len(sources))],
	}
	if g.r.IntN(2) == 0 {
		switch g.r.IntN(4) {
		case 0:
			ev.Category = g.str(2)
		case 1:
			ev.Identifiers = []string{g.str(2)}
		case 2:
			ev.Links = []model.Link{{Title: g.str(2), URL: g.str(2)}, {Title: "", URL: ""}}
		case 3:
			ev.Data = map[string]any{g.key(): g.value(1)}
		}
		if g.r.IntN(2) == 0 {
			ev.Category = g.maybe()
			ev.Identifiers = g.strs()
		}
	}
	return ev
}

// batch returns a random batch with up to max elements of every kind.
func (g *gen) batch(max int) *model.Batch {
	b := model.NewBatch(g.str(3)+"m", model.Instance{Type: "t" + g.str(2), URL: "u" + g.str(2)})
	b.Topology = g.r.IntN(3) != 0
	b.Health = g.r.IntN(2) == 0
	for i := range g.r.IntN(max + 1) {
		b.Components = append(b.Components, g.component(i))
	}
	for i := range g.r.IntN(max + 1) {
		b.Relations = append(b.Relations, g.relation(i))
	}
	for i := range g.r.IntN(max + 1) {
		b.HealthStates = append(b.HealthStates, g.state(i))
	}
	for i := range g.r.IntN(max + 1) {
		b.Metrics = append(b.Metrics, g.metric(i))
	}
	for i := range g.r.IntN(max + 1) {
		b.Events = append(b.Events, g.event(i))
	}
	// Now and then a kind is empty, so that every combination occurs.
	if g.r.IntN(4) == 0 {
		b.Components = b.Components[:0]
	}
	if g.r.IntN(4) == 0 {
		b.Relations = b.Relations[:0]
	}
	if g.r.IntN(4) == 0 {
		b.HealthStates = b.HealthStates[:0]
	}
	return b
}

// itoa returns i in decimal.
func itoa(i int) string { return strconv.Itoa(i) }
