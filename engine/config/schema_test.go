package config_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/config"
)

type fileSpec struct {
	Path   string `yaml:"path" required:"true" doc:"File to read."`
	Format string `yaml:"format" enum:"json,csv" doc:"Format."`
}

func schema(t *testing.T) map[string]any {
	t.Helper()
	s := config.Schema([]config.SchemaKind{{Name: "file", Doc: "Reads a file.", Spec: &fileSpec{}}})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

func TestSchemaTopLevel(t *testing.T) {
	s := schema(t)
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" || s["type"] != "object" || s["additionalProperties"] != false {
		t.Errorf("schema head = %v %v %v", s["$schema"], s["type"], s["additionalProperties"])
	}
	props, _ := s["properties"].(map[string]any)
	keys := yamlKeys(reflect.TypeFor[config.Mapping]())
	if len(keys) < 13 {
		t.Fatalf("Mapping has only %d yaml keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		p, ok := props[k].(map[string]any)
		if !ok {
			t.Errorf("schema has no property %q", k)
			continue
		}
		if d, _ := p["description"].(string); d == "" {
			t.Errorf("property %q has no description", k)
		}
	}
	if len(props) != len(keys) {
		t.Errorf("schema has %d properties, Mapping %d keys", len(props), len(keys))
	}
	req, _ := s["required"].([]any)
	if !slices.Contains(req, any("name")) {
		t.Errorf("required = %v, want name in it", req)
	}
	if slices.Contains(req, any("schedule")) || slices.Contains(req, any("sources")) {
		t.Errorf("required = %v holds optional keys", req)
	}
	if e := props["on_invalid"].(map[string]any)["enum"]; !reflect.DeepEqual(e, []any{"fail", "drop"}) {
		t.Errorf("on_invalid enum = %v", e)
	}
	if p := props["timeout"].(map[string]any); p["type"] != "string" || p["pattern"] == nil {
		t.Errorf("timeout = %v", p)
	}
}

func TestSchemaRulesAndSources(t *testing.T) {
	props := schema(t)["properties"].(map[string]any)
	for _, kind := range config.RuleKinds {
		p, ok := props[kind].(map[string]any)
		if !ok || p["type"] != "array" {
			t.Errorf("%s = %v, want an array", kind, props[kind])
			continue
		}
		items := p["items"].(map[string]any)
		rp := items["properties"].(map[string]any)
		for _, k := range yamlKeys(reflect.TypeFor[config.Rule]()) {
			if _, ok := rp[k]; !ok {
				t.Errorf("%s rule has no %q", kind, k)
			}
		}
		if !reflect.DeepEqual(items["required"], []any{"jq"}) || items["additionalProperties"] != false {
			t.Errorf("%s rule required = %v", kind, items["required"])
		}
	}
	src := props["sources"].(map[string]any)["items"].(map[string]any)
	sp := src["properties"].(map[string]any)
	for _, k := range []string{"name", "records", "file"} {
		if _, ok := sp[k]; !ok {
			t.Errorf("source has no %q", k)
		}
	}
	file := sp["file"].(map[string]any)
	if file["description"] != "Reads a file." || !reflect.DeepEqual(file["required"], []any{"path"}) {
		t.Errorf("file kind = %v", file)
	}
	if !reflect.DeepEqual(src["oneOf"], []any{map[string]any{"required": []any{"file"}}}) {
		t.Errorf("oneOf = %v", src["oneOf"])
	}
	inst := props["instance"].(map[string]any)
	if !reflect.DeepEqual(inst["required"], []any{"type", "url"}) {
		t.Errorf("instance required = %v", inst["required"])
	}
}

// TestEveryKeyDocumented fails when a key of the mapping file has no doc
// tag, so the schema and the reference keep a description for every key.
func TestEveryKeyDocumented(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() != reflect.TypeFor[config.Mapping]().PkgPath() {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if f.Tag.Get("doc") == "" {
				t.Errorf("%s.%s (%s) has no doc tag", path, name, typ.Name())
			}
			walk(path+"."+name, f.Type)
		}
	}
	walk("mapping", reflect.TypeFor[config.Mapping]())
	if len(seen) < 4 {
		t.Errorf("walked only %d structs", len(seen))
	}
}
