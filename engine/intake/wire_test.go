package intake

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/model"
)

// checkValue fails the test unless appendValue writes v as encoding/json
// does, or fails where it fails.
func checkValue(t *testing.T, v any) {
	t.Helper()
	want, wantErr := jsonEncode(v)
	got, err := appendValue([]byte("prefix"), v, 1)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%#v: error %v, encoding/json error %v", v, err, wantErr)
	}
	if err != nil {
		if string(got) != "prefix" {
			t.Errorf("%#v: failed but changed dst to %q", v, got)
		}
		return
	}
	if !bytes.Equal(got[len("prefix"):], want) {
		t.Errorf("%#v:\n got %s\nwant %s", v, got[len("prefix"):], want)
	}
}

func TestAppendValueTable(t *testing.T) {
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	values := []any{
		nil, true, false, 0, -1, math.MaxInt64, math.MinInt64, int8(-8), int16(16), int32(-32), int64(64),
		uint(1), uint8(255), uint16(65535), uint32(1 << 31), uint64(math.MaxUint64), uintptr(7),
		0.0, math.Copysign(0, -1), 1.0, -1.5, 0.1, 1e-6, 9.99999e-7, 1e-7, 1.5e-7, 1e-10, 1e-100, 1e20, 1e21, 1.5e21,
		123456789012345680000.0, math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 5e-324,
		float32(0.1), float32(1e-7), float32(1e21), float32(1e20), float32(3.4e38), float32(1.4e-45), float32(math.Copysign(0, -1)),
		"", "plain", `quote " backslash \ slash /`, "<a&b>", "\b\f\n\r\t", "\x00\x01\x1f\x7f",
		"\u2028\u2029", "a\u2028b", "\xff", "a\xffb", "\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"é日本😀", "\uFFFD", "\xef\xbf\xbd",
		big.NewInt(0), huge, (*big.Int)(nil),
		[]any{}, []any(nil), []any{1, "a", nil, []any{2.5}},
		[]string{}, []string(nil), []string{"a", "<b>"},
		map[string]any{}, map[string]any(nil),
		map[string]any{"b": 1, "a": 2, "": 3, "B": 4, "\xff": 5, "é": 6, "e\u0301": 7, "\u2028": 8},
		map[string]any{"nested": map[string]any{"z": []any{map[string]any{"y": nil}}}},
		json.Number("12.5e-3"), json.Number(""),
		custom{A: "<x>"}, &custom{A: "p"}, time.Unix(1700000000, 5).UTC(), []byte("bytes"),
		map[string]string{"k": "v"}, []int{1, 2}, struct{}{},
		// Values encoding/json cannot encode.
		math.NaN(), math.Inf(1), math.Inf(-1), float32(math.Inf(1)),
		map[string]any{"ok": 1, "bad": math.NaN()}, []any{1, []any{math.Inf(-1)}},
		make(chan int), func() {}, json.Number("1x"),
	}
	for _, v := range values {
		checkValue(t, v)
	}
}

func TestAppendValueRandom(t *testing.T) {
	g := newGen(1)
	for range 20000 {
		checkValue(t, g.value(4))
	}
}

func TestAppendFloatRandom(t *testing.T) {
	g := newGen(2)
	for range 100000 {
		f := finite(g.float())
		checkValue(t, f)
		checkValue(t, float32(f))
	}
}

func TestAppendStringAllBytes(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string(rune(c)), string([]byte{byte(c)}), "x" + string([]byte{byte(c)}) + "y"} {
			checkValue(t, s)
		}
	}
	// Every byte at every place of the eight-byte words appendString skips.
	for c := range 256 {
		for at := range 17 {
			b := []byte(strings.Repeat("abcdefgh", 3)[:17])
			b[at] = byte(c)
			checkValue(t, string(b))
		}
	}
	for _, r := range []rune{0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff, 0xd7ff, 0xe000, 0x2027, 0x202a} {
		checkValue(t, string(r))
	}
}

func TestAppendValueDeep(t *testing.T) {
	// Deeper than maxDepth, the encoder hands over to encoding/json, which
	// must give the same bytes.
	var v any = "leaf"
	for i := range 2 * maxDepth {
		if i%2 == 0 {
			v = []any{v}
		} else {
			v = map[string]any{"k": v}
		}
	}
	checkValue(t, v)

	// A cycle fails as it does in encoding/json, instead of recursing
	// forever.
	m := map[string]any{}
	m["self"] = m
	if _, err := appendValue(nil, m, 1); err == nil {
		t.Error("a cyclic map encoded without error")
	}
}

func TestAppendValueErrorPath(t *testing.T) {
	c := model.Component{ID: "c1", Type: "host", Data: map[string]any{"ok": 1, "stats": map[string]any{"ratios": []any{0.5, math.NaN()}}}}
	dst := []byte("keep")
	got, err := AppendComponent(dst, &c)
	if err == nil {
		t.Fatal("NaN encoded without error")
	}
	if string(got) != "keep" {
		t.Errorf("dst %q after the error, want it as it was", got)
	}
	if want := `encode component "c1": data.stats.ratios[1]: unsupported value NaN`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	m := model.Metric{Name: "up", Value: math.Inf(1)}
	if _, err := AppendMetric(nil, &m, "h"); err == nil || err.Error() != `encode metric "up": value: unsupported value +Inf` {
		t.Errorf("metric error %v", err)
	}
	ev := model.Event{Title: "t", Source: "s", Data: map[string]any{"x": make(chan int)}}
	if _, err := AppendEvent(nil, &ev); err == nil || !strings.HasPrefix(err.Error(), `encode event "t": context.data.x: json: unsupported type`) {
		t.Errorf("event error %v", err)
	}
	r := model.Relation{ID: "r", Data: map[string]any{"x": math.Inf(-1)}}
	if _, err := AppendRelation(nil, &r); err == nil || err.Error() != `encode relation "r": data.x: unsupported value -Inf` {
		t.Errorf("relation error %v", err)
	}
	envs, err := Build(&model.Batch{Mapping: "m", Instance: model.Instance{Type: "t", URL: "u"}, Metrics: []model.Metric{m}}, Options{Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AppendEnvelope(nil, &envs[0]); err == nil || err.Error() != `encode envelope: metric "up": value: unsupported value +Inf` {
		t.Errorf("envelope error %v", err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, &envs[0]); err == nil || buf.Len() != 0 {
		t.Errorf("Encode of a NaN metric: error %v, %d bytes written", err, buf.Len())
	}
}

// checkElements fails the test unless every element of b appends as
// encoding/json encodes the wire struct Build makes of it.
func checkElements(t *testing.T, b *model.Batch) {
	t.Helper()
	var got []byte
	var err error
	for i := range b.Components {
		c := &b.Components[i]
		if got, err = AppendComponent(got[:0], c); err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, component(c)); !bytes.Equal(got, want) {
			t.Fatalf("component %#v:\n got %s\nwant %s", c, got, want)
		}
	}
	for i := range b.Relations {
		r := &b.Relations[i]
		if got, err = AppendRelation(got[:0], r); err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, relation(r)); !bytes.Equal(got, want) {
			t.Fatalf("relation %#v:\n got %s\nwant %s", r, got, want)
		}
	}
	for i := range b.HealthStates {
		s := &b.HealthStates[i]
		if got, err = AppendCheckState(got[:0], s); err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, checkState(s)); !bytes.Equal(got, want) {
			t.Fatalf("check state %#v:\n got %s\nwant %s", s, got, want)
		}
	}
	for i := range b.Metrics {
		m := &b.Metrics[i]
		if got, err = AppendMetric(got[:0], m, "sender"); err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, metric(m, "sender")); !bytes.Equal(got, want) {
			t.Fatalf("metric %#v:\n got %s\nwant %s", m, got, want)
		}
	}
	for i := range b.Events {
		ev := &b.Events[i]
		if got, err = AppendEvent(got[:0], ev); err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, event(ev)); !bytes.Equal(got, want) {
			t.Fatalf("event %#v:\n got %s\nwant %s", ev, got, want)
		}
	}
}

func TestAppendElements(t *testing.T) {
	checkElements(t, basicBatch())
	checkElements(t, bareBatch())
	g := newGen(3)
	for range 300 {
		checkElements(t, g.batch(20))
	}
}

// checkEnvelope fails the test unless AppendEnvelope and Encode write e as
// encoding/json does.
func checkEnvelope(t *testing.T, e *Envelope) {
	t.Helper()
	want := mustJSON(t, e)
	got, err := AppendEnvelope([]byte("x"), e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[1:], want) {
		t.Fatalf("envelope:\n got %s\nwant %s", got[1:], want)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, e); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), append(want, '\n')) {
		t.Fatalf("Encode differs from encoding/json:\n got %s\nwant %s", buf.Bytes(), want)
	}
	var ind, wantInd bytes.Buffer
	if err := EncodeIndent(&ind, e); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&wantInd)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ind.Bytes(), wantInd.Bytes()) {
		t.Fatalf("EncodeIndent differs from encoding/json:\n got %s\nwant %s", ind.Bytes(), wantInd.Bytes())
	}
}

func TestAppendEnvelopeRandom(t *testing.T) {
	g := newGen(4)
	for range 300 {
		b := g.batch(15)
		envs, err := Build(b, Options{Hostname: g.str(3) + "h", ChunkSize: 1 + g.r.IntN(8), Now: time.Unix(g.r.Int64N(1<<40), 0)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range envs {
			checkEnvelope(t, &envs[i])
		}
	}
}

func TestAppendEnvelopeNils(t *testing.T) {
	checkEnvelope(t, &Envelope{})
	checkEnvelope(t, &Envelope{
		Events:        map[string][]Event{"b": nil, "a": {{Title: "t", Context: &EventContext{}}}},
		Metrics:       []Metric{{Name: "m"}},
		ServiceChecks: []any{map[string]any{"status": 0}, "x"},
		Health:        []Health{{}, {StartSnapshot: &StartSnapshot{RepeatIntervalS: 5}, StopSnapshot: &StopSnapshot{}, CheckStates: []CheckState{{}}}},
		Topologies:    []Topology{{}, {Components: []Component{{}, {SourceProperties: map[string]any{}}}, Relations: []Relation{{}}}},
	})
	// Envelopes decoded from JSON, as a receiver sees them.
	for _, b := range []*model.Batch{basicBatch(), bareBatch()} {
		envs, err := Build(b, Options{Hostname: "h", Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		var back Envelope
		if err := json.Unmarshal(mustJSON(t, &envs[0]), &back); err != nil {
			t.Fatal(err)
		}
		checkEnvelope(t, &back)
	}
}

// FuzzAppendValue checks the value encoder against encoding/json on values
// decoded from the fuzz input, numbers as float64 or json.Number, and on the
// raw input as a string, a map key and a metric name.
func FuzzAppendValue(f *testing.F) {
	for _, s := range []string{
		`null`, `true`, `0`, `-0`, `1e-7`, `1e21`, `123456789012345678901234567890`, `0.000001`, `1.7976931348623157e308`,
		`"a\u2028b<&>\u0000"`, `"\ud800"`, `[1,"x",{"b":[],"a":{}}]`, `{"name":1,"":null,"\u00ff":"\u00ff"}`,
		"\xff\xfe", "\"\xed\xa0\x80\"", `{"a":{"a":{"a":[[[[1.5e-10]]]]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := string(in)
		checkValue(t, s)
		checkValue(t, map[string]any{s: s, "k": []any{s}})
		m := model.Metric{Name: s, Value: 1, Host: s, Type: s, Tags: []string{s}}
		got, err := AppendMetric(nil, &m, "h")
		if err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, metric(&m, "h")); !bytes.Equal(got, want) {
			t.Fatalf("metric:\n got %s\nwant %s", got, want)
		}

		for _, number := range []bool{false, true} {
			dec := json.NewDecoder(bytes.NewReader(in))
			if number {
				dec.UseNumber()
			}
			var v any
			if dec.Decode(&v) != nil {
				return
			}
			checkValue(t, v)
			if mv, ok := v.(map[string]any); ok {
				c := model.Component{ID: s, Type: s, Name: s, Labels: []string{s}, Data: mv, SourceProperties: mv}
				got, err := AppendComponent(nil, &c)
				if err != nil {
					t.Fatal(err)
				}
				if want := mustJSON(t, component(&c)); !bytes.Equal(got, want) {
					t.Fatalf("component:\n got %s\nwant %s", got, want)
				}
			}
		}
	})
}
