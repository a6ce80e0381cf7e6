package expect

import (
	"strings"
	"testing"
)

func TestContainsAndEquals(t *testing.T) {
	got := []map[string]any{
		{"id": "a", "type": "host", "data": map[string]any{"os": "RHEL 9", "cpus": float64(4)}},
		{"id": "b", "type": "host"},
	}
	cases := []struct {
		name   string
		equals bool
		want   []any
		diffs  string
	}{
		{"partial match", false, []any{map[string]any{"id": "a", "data": map[string]any{"os": "RHEL 9"}}}, ""},
		{"a field differs", false, []any{map[string]any{"id": "a", "data": map[string]any{"os": "RHEL 8"}}}, `a: data.os: "RHEL 8" → "RHEL 9"`},
		{"a number written as an int", false, []any{map[string]any{"id": "a", "data": map[string]any{"cpus": 4}}}, ""},
		{"missing", false, []any{map[string]any{"id": "c"}}, "missing c"},
		{"no id", false, []any{map[string]any{"type": "host"}}, `an expected element has no id: {"type":"host"}`},
		{"not an object", false, []any{"a"}, "expected an element as an object, got a"},
		{"whole set", true, []any{map[string]any{"id": "a", "type": "host", "data": map[string]any{"os": "RHEL 9", "cpus": 4}}, map[string]any{"id": "b", "type": "host"}}, ""},
		{"whole set, a key too many and one element missing", true, []any{map[string]any{"id": "a", "type": "host", "name": "x", "data": map[string]any{"os": "RHEL 9", "cpus": 4}}},
			`a: name: "x" → (missing)|unexpected b`},
	}
	for _, tc := range cases {
		var d []string
		if tc.equals {
			d = Equals("components", got, tc.want)
		} else {
			d = Contains("components", got, tc.want)
		}
		if strings.Join(d, "|") != tc.diffs {
			t.Errorf("%s: %q, want %q", tc.name, strings.Join(d, "|"), tc.diffs)
		}
	}
}

func TestKey(t *testing.T) {
	for _, tc := range []struct {
		kind string
		el   map[string]any
		want string
	}{
		{"components", map[string]any{"id": "a"}, "a"},
		{"relations", map[string]any{"source": "a", "type": "runs_on", "target": "b"}, "a-runs_on-b"},
		{"relations", map[string]any{"id": "r1", "source": "a"}, "r1"},
		{"metrics", map[string]any{"name": "m", "tags": []any{"x:y"}, "host": "h1"}, "m [x:y] on h1"},
		{"events", map[string]any{"source": "s", "title": "t"}, "s: t"},
	} {
		if got := Key(tc.kind, tc.el); got != tc.want {
			t.Errorf("Key(%s, %v) = %q, want %q", tc.kind, tc.el, got, tc.want)
		}
	}
}
