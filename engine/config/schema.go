package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// SchemaKind is a source kind for the JSON Schema: its name, a sentence
// about it and its settings struct.
type SchemaKind struct {
	Name string
	Doc  string
	Spec any
}

var (
	exprType     = reflect.TypeFor[Expr]()
	templateType = reflect.TypeFor[Template]()
	stringType   = reflect.TypeFor[String]()
	varsType     = reflect.TypeFor[Vars]()
	sourceType   = reflect.TypeFor[Source]()
)

// Schema returns the JSON Schema of mapping files with the given source
// kinds, built from the same struct tags the loader decodes with, so the two
// cannot drift apart.
func Schema(kinds []SchemaKind) map[string]any {
	s := schemaOf(reflect.TypeFor[Mapping](), kinds)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://github.com/stackmap/stackmap/docs/mapping.schema.json"
	s["title"] = "stackmap mapping"
	s["description"] = "A stackmap mapping: sources, a schedule and jq rules that build StackState components, relations, metrics, events and health states."
	return s
}

// Schemer is a type that gives its own JSON Schema.
type Schemer interface{ JSONSchema() map[string]any }

var schemerType = reflect.TypeFor[Schemer]()

// TestSchema returns the JSON Schema of a mapping's test file,
// <name>.test.yaml.
func TestSchema() map[string]any {
	s := schemaOf(reflect.TypeFor[TestFile](), nil)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://github.com/stackmap/stackmap/docs/mapping-test.schema.json"
	s["title"] = "stackmap mapping tests"
	s["description"] = "The tests of the mapping beside this file, run by stackmap test."
	return s
}

func schemaOf(t reflect.Type, kinds []SchemaKind) map[string]any {
	if t.Implements(schemerType) {
		return reflect.Zero(t).Interface().(Schemer).JSONSchema()
	}
	switch t {
	case exprType:
		return map[string]any{"type": "string", "description": "A jq expression."}
	case templateType:
		return map[string]any{"description": "A value; strings in it may hold {{ jq }} parts, evaluated at run time."}
	case stringType:
		return map[string]any{"type": "string"}
	case durationType:
		return map[string]any{"type": "string", "pattern": `^(([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+|.*\$\{.+\}.*)$`, "examples": []any{"30s", "2m", "1h30m"}}
	case varsType:
		return map[string]any{"type": "object", "propertyNames": map[string]any{"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}}
	case sourceType:
		return sourceSchema(kinds)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), kinds)
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), kinds)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), kinds)}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		return structSchema(t, kinds)
	}
	return map[string]any{}
}

func structSchema(t reflect.Type, kinds []SchemaKind) map[string]any {
	props := map[string]any{}
	var required []any
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		p := schemaOf(f.Type, kinds)
		if doc := f.Tag.Get("doc"); doc != "" {
			p["description"] = doc
		}
		if ex := f.Tag.Get("example"); ex != "" {
			var v any
			if err := json.Unmarshal([]byte(ex), &v); err != nil {
				panic(fmt.Sprintf("config: example of %s.%s is not JSON: %v", t.Name(), f.Name, err))
			}
			p["examples"] = []any{v}
		}
		if enum := f.Tag.Get("enum"); enum != "" {
			var vals []any
			for _, v := range strings.Split(enum, ",") {
				vals = append(vals, v)
			}
			p["enum"] = vals
		}
		props[name] = p
		if f.Tag.Get("required") == "true" {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func sourceSchema(kinds []SchemaKind) map[string]any {
	props := map[string]any{
		"name":    map[string]any{"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "Name of the source; its records become $<name> in jq.", "examples": []any{"cis"}},
		"records": map[string]any{"type": "string", "description": "jq run on each document the source reads (a file, a line, a row, a page); its outputs are the records. Default: the items of a list, or the document itself.", "examples": []any{".result[]"}},
	}
	var oneOf []any
	for _, k := range kinds {
		p := schemaOf(reflect.TypeOf(k.Spec), kinds)
		p["description"] = k.Doc
		if ex, ok := kindExamples[k.Name]; ok {
			p["examples"] = []any{ex}
		}
		props[k.Name] = p
		oneOf = append(oneOf, map[string]any{"required": []any{k.Name}})
	}
	s := map[string]any{
		"type": "object", "properties": props, "additionalProperties": false,
		"required":    []any{"name"},
		"description": "A source of records: a name, exactly one kind and an optional records expression.",
	}
	if len(oneOf) > 0 {
		s["oneOf"] = oneOf
	}
	return s
}

// kindExamples are examples of each source kind's settings.
var kindExamples = map[string]any{
	"file": map[string]any{"path": "data/servers.csv"},
	"http": map[string]any{"url": "{{ $vars.base }}/api/now/table/cmdb_ci", "auth": map[string]any{"basic": map[string]any{"username": "{{ $vars.user }}", "password": "{{ $vars.password }}"}}},
	"sql":  map[string]any{"driver": "postgres", "dsn": "{{ $vars.dsn }}", "query": "SELECT id, hostname FROM servers"},
}
