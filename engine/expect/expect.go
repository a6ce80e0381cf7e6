package expect

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// Key returns the identity of an element of kind (its JSON form).
func Key(kind string, el map[string]any) string {
	switch kind {
	case "metrics":
		if h, _ := el["host"].(string); h != "" {
			return fmt.Sprintf("%v %v on %s", el["name"], el["tags"], h)
		}
		return fmt.Sprintf("%v %v", el["name"], el["tags"])
	case "events":
		return fmt.Sprintf("%v: %v", el["source"], el["title"])
	case "relations":
		if _, has := el["id"]; !has {
			return fmt.Sprintf("%v-%v-%v", el["source"], el["type"], el["target"])
		}
	}
	return fmt.Sprint(el["id"])
}

// Plain turns elements (model structs) into their JSON forms.
func Plain(elements any) []map[string]any {
	b, _ := json.Marshal(elements)
	var out []map[string]any
	json.Unmarshal(b, &out)
	return out
}

// Contains reports each expected element (partial: only its keys) that
// is not among got.
func Contains(kind string, got []map[string]any, want []any) []string {
	diffs, _ := compare(kind, got, want, true)
	return diffs
}

// Equals reports the differences between the whole sets want and got.
func Equals(kind string, got []map[string]any, want []any) []string {
	diffs, seen := compare(kind, got, want, false)
	var extra []string
	for _, g := range got {
		if key := Key(kind, g); !seen[key] {
			extra = append(extra, "unexpected "+key)
		}
	}
	sort.Strings(extra)
	return append(diffs, extra...)
}

// compare matches every expected element with the produced one of the same
// identity and lists the differences (only the keys written, when partial);
// it returns the identities it matched.
func compare(kind string, got []map[string]any, want []any, partial bool) ([]string, map[string]bool) {
	byKey := index(kind, got)
	seen := map[string]bool{}
	var diffs []string
	for _, w := range want {
		wm, ok := w.(map[string]any)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("expected an element as an object, got %v", w))
			continue
		}
		wm = normalise(wm)
		key := Key(kind, wm)
		seen[key] = true
		g, found := byKey[key]
		switch {
		case found:
			for _, d := range fields("", wm, g, partial) {
				diffs = append(diffs, key+": "+d)
			}
		case wm["id"] == nil && (kind == "components" || kind == "health"):
			diffs = append(diffs, fmt.Sprintf("an expected element has no id: %s", show(wm)))
		default:
			diffs = append(diffs, fmt.Sprintf("missing %s", key))
		}
	}
	return diffs, seen
}

func index(kind string, els []map[string]any) map[string]map[string]any {
	m := make(map[string]map[string]any, len(els))
	for _, e := range els {
		m[Key(kind, e)] = e
	}
	return m
}

// normalise gives expected values the JSON types of produced ones.
func normalise(v map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// fields compares want with got key by key; partial compares only the
// keys of want (recursively in objects).
func fields(prefix string, want, got map[string]any, partial bool) []string {
	var diffs []string
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	if !partial {
		for k := range got {
			keys[k] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		w, inWant := want[k]
		g, inGot := got[k]
		path := prefix + k
		switch {
		case !inGot:
			diffs = append(diffs, fmt.Sprintf("%s: %s → (missing)", path, show(w)))
		case !inWant:
			diffs = append(diffs, fmt.Sprintf("%s: (missing) → %s", path, show(g)))
		default:
			wm, wIsObj := w.(map[string]any)
			gm, gIsObj := g.(map[string]any)
			if wIsObj && gIsObj {
				diffs = append(diffs, fields(path+".", wm, gm, partial)...)
			} else if !same(w, g) {
				diffs = append(diffs, fmt.Sprintf("%s: %s → %s", path, show(w), show(g)))
			}
		}
	}
	return diffs
}

func same(a, b any) bool {
	if fa, ok := a.(float64); ok {
		if fb, ok := b.(float64); ok {
			return fa == fb || math.Abs(fa-fb) < 1e-9*math.Max(math.Abs(fa), 1)
		}
	}
	return reflect.DeepEqual(a, b)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strings.ReplaceAll(s, "\n", " ")
}

// Diff lists the differences between two whole elements, field by field:
// `data.os: "RHEL 9" → "RHEL 8"`.
func Diff(old, new map[string]any) []string { return fields("", old, new, false) }
