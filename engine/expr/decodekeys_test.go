package expr

import (
	"reflect"
	"testing"
)

// cutTo returns the members of v, when it is an object, whose keys are in
// keys; other values as they are.
func cutTo(v any, keys map[string]bool) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		if keys[k] {
			out[k] = x
		}
	}
	return out
}

// checkDecodeKeys decodes data with keys twice, into a new map and into
// a map used before, and compares both with DecodeJSON's value cut down
// to keys.
func checkDecodeKeys(t *testing.T, data []byte, keys map[string]bool) {
	want, wantErr := DecodeJSON(data)
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	set := NewKeys(list...)
	reused := map[string]any{"left": "over"}
	// The first decoding fills the decoder's cache of which keys set holds;
	// the second reads it.
	for _, into := range []map[string]any{nil, reused} {
		clear(into)
		got, err := DecodeKeys(data, set, into)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("DecodeKeys(%q) error %v, DecodeJSON's %v", data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, cutTo(want, keys)) {
			t.Fatalf("DecodeKeys(%q, %v) = %#v, want %#v", data, keys, got, cutTo(want, keys))
		}
		if m, ok := got.(map[string]any); ok && into != nil && reflect.ValueOf(m).Pointer() != reflect.ValueOf(into).Pointer() {
			t.Fatalf("DecodeKeys(%q) made a map instead of filling the one given", data)
		}
	}
}

func TestDecodeKeysSets(t *testing.T) {
	// One decoder meets two sets in turn; what it caches of one must not
	// answer for the other.
	doc := []byte(`{"a": 1, "b": 2, "c": {"a": 3}}`)
	ab, bc := NewKeys("a", "b"), NewKeys("b", "c")
	for range 3 {
		for _, tc := range []struct {
			name string
			keys *Keys
			want map[string]any
		}{
			{"a, b", ab, map[string]any{"a": 1, "b": 2}},
			{"b, c", bc, map[string]any{"b": 2, "c": map[string]any{"a": 3}}},
		} {
			got, err := DecodeKeys(doc, tc.keys, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DecodeKeys with %s = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestDecodeKeys(t *testing.T) {
	keys := map[string]bool{"a": true, "sys_id": true, "é": true}
	for _, doc := range []string{
		`{}`, ` {"a": 1} `, `{"a": 1, "b": {"c": [1, 2, {"d": null}]}, "sys_id": "x"}`,
		`{"a": 1, "a": 2}`, `{"sys\u005fid": "escaped key"}`, `{"\u00e9": 1, "b": "\ud800"}`,
		`[1, {"a": 2}]`, `"a"`, `null`, `{"a": 1,}`, `{"a" 1}`, `{"b": [1, }`, `{"a": 1} x`, ``,
		`{"b": 1e400, "a": 12345678901234567890}`, `{"b": tru, "a": 1}`,
	} {
		checkDecodeKeys(t, []byte(doc), keys)
	}
}

func FuzzDecodeKeys(f *testing.F) {
	for _, doc := range []string{`{"a": 1, "b": [true, {"a": "x"}], "c": "\u0041", "a": {"k": null}}`, `[1]`, `{"b": "\xff"}`} {
		f.Add([]byte(doc), "a,c")
	}
	f.Fuzz(func(t *testing.T, data []byte, list string) {
		keys := map[string]bool{}
		start := 0
		for i := 0; i <= len(list); i++ {
			if i == len(list) || list[i] == ',' {
				keys[list[start:i]] = true
				start = i + 1
			}
		}
		checkDecodeKeys(t, data, keys)
	})
}
