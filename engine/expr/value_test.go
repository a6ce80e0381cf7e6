package expr_test

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/expr"
)

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

// equal compares JSON values, *big.Int by value.
func equal(a, b any) bool {
	switch a := a.(type) {
	case *big.Int:
		b, ok := b.(*big.Int)
		return ok && a.Cmp(b) == 0
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, x := range a {
			y, ok := b[k]
			if !ok || !equal(x, y) {
				return false
			}
		}
		return true
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.DeepEqual(a, b)
}

type point struct{ X, Y int }

func TestNormalize(t *testing.T) {
	cest := time.FixedZone("CEST", 2*3600)
	n := 7
	var nilPtr *int
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"string", "s", "s"},
		{"int", 3, 3},
		{"float64", 2.5, 2.5},
		{"int64", int64(-5), -5},
		{"int64 max", int64(math.MaxInt64), math.MaxInt},
		{"int32", int32(-7), -7},
		{"int16", int16(300), 300},
		{"int8", int8(-8), -8},
		{"uint8", uint8(255), 255},
		{"uint16", uint16(65535), 65535},
		{"uint32", uint32(math.MaxUint32), math.MaxUint32},
		{"uint", uint(9), 9},
		{"uint64 small", uint64(42), 42},
		{"uint64 MaxInt", uint64(math.MaxInt), math.MaxInt},
		{"uint64 beyond MaxInt", uint64(math.MaxInt) + 1, bigInt("9223372036854775808")},
		{"uint64 max", uint64(math.MaxUint64), bigInt("18446744073709551615")},
		{"uint beyond MaxInt", uint(math.MaxUint), bigInt("18446744073709551615")},
		{"float32", float32(1.5), 1.5},
		{"big.Int stays", bigInt("123456789012345678901234567890"), bigInt("123456789012345678901234567890")},
		{"json.Number int", json.Number("42"), 42},
		{"json.Number negative", json.Number("-9223372036854775808"), math.MinInt},
		{"json.Number big int", json.Number("123456789012345678901234567890"), bigInt("123456789012345678901234567890")},
		{"json.Number big negative", json.Number("-99999999999999999999"), bigInt("-99999999999999999999")},
		{"json.Number float", json.Number("1.25"), 1.25},
		{"json.Number whole float", json.Number("2.0"), 2.0},
		{"json.Number exponent", json.Number("1e3"), 1000.0},
		{"time UTC", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02T03:04:05Z"},
		{"time with zone", time.Date(2024, 7, 1, 12, 0, 0, 0, cest), "2024-07-01T12:00:00+02:00"},
		{"time with fraction", time.Date(2024, 1, 2, 3, 4, 5, 500_000_000, time.UTC), "2024-01-02T03:04:05.5Z"},
		{"bytes", []byte("héllo"), "héllo"},
		{"empty bytes", []byte{}, ""},
		{"map[any]any", map[any]any{"a": int64(1), 2: "two", true: nil}, map[string]any{"a": 1, "2": "two", "true": nil}},
		{"[]int", []int{1, 2}, []any{1, 2}},
		{"[]string", []string{"a", "b"}, []any{"a", "b"}},
		{"[]int64 empty", []int64{}, []any{}},
		{"array", [2]uint8{1, 2}, []any{1, 2}},
		{"map[string]int", map[string]int{"a": 1}, map[string]any{"a": 1}},
		{"map[int]string", map[int]string{1: "x"}, map[string]any{"1": "x"}},
		{"map[string][]float32", map[string][]float32{"a": {0.5}}, map[string]any{"a": []any{0.5}}},
		{"pointer", &n, 7},
		{"nil pointer", nilPtr, nil},
		{"nested", map[string]any{
			"a": []any{int64(1), map[any]any{"x": float32(2)}, json.Number("3")},
			"t": time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC),
			"b": []byte("raw"),
			"u": []uint64{math.MaxUint64},
		}, map[string]any{
			"a": []any{1, map[string]any{"x": 2.0}, 3},
			"t": "2020-02-29T00:00:00Z",
			"b": "raw",
			"u": []any{bigInt("18446744073709551615")},
		}},
		// Anything else becomes its text rather than reaching gojq.
		{"struct", point{1, 2}, "{1 2}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := expr.Normalize(tt.in)
			if !equal(got, tt.want) {
				t.Errorf("Normalize(%#v) = %#v (%T), want %#v (%T)", tt.in, got, got, tt.want, tt.want)
			}
			// The result is plain JSON, and normalising again changes nothing.
			if again := expr.Normalize(got); !equal(again, got) {
				t.Errorf("Normalize is not idempotent: %#v then %#v", got, again)
			}
		})
	}
}

func TestNormalizeTimeIsRFC3339(t *testing.T) {
	in := time.Date(2023, 11, 5, 22, 30, 15, 123456789, time.FixedZone("", -5*3600))
	s, ok := expr.Normalize(in).(string)
	if !ok {
		t.Fatalf("Normalize(time) = %T", expr.Normalize(in))
	}
	back, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%q is not RFC 3339: %v", s, err)
	}
	if !back.Equal(in) {
		t.Errorf("%q parses to %v, want %v", s, back, in)
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"0", 0},
		{"-0", 0},
		{"9223372036854775807", math.MaxInt},
		{"9223372036854775808", bigInt("9223372036854775808")},
		{"0.1", 0.1},
		{"-1.5e-3", -0.0015},
		{"1E2", 100.0},
	}
	for _, tt := range tests {
		if got := expr.Number(tt.in); !equal(got, tt.want) {
			t.Errorf("Number(%q) = %#v (%T), want %#v", tt.in, got, got, tt.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	got, err := expr.DecodeJSON([]byte(` {"a": 1, "b": [1.5, "x", null, true], "c": 12345678901234567890123, "d": {"e": -2}} ` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": 1,
		"b": []any{1.5, "x", nil, true},
		"c": bigInt("12345678901234567890123"),
		"d": map[string]any{"e": -2},
	}
	if !equal(got, want) {
		t.Errorf("DecodeJSON = %#v, want %#v", got, want)
	}
	for _, doc := range []string{`[]`, `"s"`, `3`, `null`} {
		if _, err := expr.DecodeJSON([]byte(doc)); err != nil {
			t.Errorf("DecodeJSON(%q): %v", doc, err)
		}
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		doc, msg string
	}{
		{`{"a":1} {"b":2}`, "more than one JSON value; is it NDJSON?"},
		{"{\"a\":1}\n{\"b\":2}\n", "NDJSON"},
		{"1 2", "NDJSON"},
		{`[1][2]`, "NDJSON"},
		// What follows one value and is not another value is an error too.
		{`{"a":1}}`, "after the JSON value"},
		{`[1]]`, "after the JSON value"},
		{`{"a":1} x`, ""},
		{`[1, 2`, ""},
		{`{"a":}`, ""},
		{``, ""},
		{"  \n", ""},
	}
	for _, tt := range tests {
		v, err := expr.DecodeJSON([]byte(tt.doc))
		if err == nil {
			t.Errorf("DecodeJSON(%q) = %#v, want an error", tt.doc, v)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("DecodeJSON(%q) error = %q, want it to contain %q", tt.doc, err, tt.msg)
		}
	}
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{map[string]any{"h": "<a href='x'>&</a>"}, `{"h":"<a href='x'>&</a>"}`},
		{[]any{1, 1.5, nil, bigInt("18446744073709551616")}, `[1,1.5,null,18446744073709551616]`},
		{map[string]any{"b": 1, "a": 2}, `{"a":2,"b":1}`},
	}
	for _, tt := range tests {
		b, err := expr.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
	}
	if _, err := expr.Marshal(math.Inf(1)); err == nil {
		t.Error("Marshal(+Inf) succeeded")
	}
}
