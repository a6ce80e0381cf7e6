package file_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/source"
	_ "github.com/stackmap/stackmap/engine/source/file"
)

// noEnv is an empty environment, so tests do not depend on the process's.
func noEnv(string) (string, bool) { return "", false }

// writeFiles writes files (name → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// mappingText is a mapping with one file source whose settings are spec,
// indented under "file:" (line 7 on), and $vars.dir set to dir.
func mappingText(dir, spec string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: t\nvars:\n  dir: %s\nsources:\n  - name: s\n    file:\n", strconv.Quote(dir))
	for _, l := range strings.Split(strings.TrimRight(spec, "\n"), "\n") {
		b.WriteString("      " + l + "\n")
	}
	b.WriteString("components:\n  - each: $s[]\n    jq: '{id: (.id | tostring), type: \"t\"}'\n")
	return b.String()
}

// load parses the mapping of mappingText at dir/m.yaml.
func load(t *testing.T, dir, spec string) *config.Mapping {
	t.Helper()
	path := filepath.Join(dir, "m.yaml")
	m, err := config.Parse(path, []byte(mappingText(dir, spec)), config.Options{Env: noEnv})
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	return m
}

// fetcher builds the file source of the mapping through the registry.
func fetcher(t *testing.T, m *config.Mapping) (source.Fetcher, error) {
	t.Helper()
	kind, ok := source.Lookup("file")
	if !ok {
		t.Fatal("the file source kind is not registered")
	}
	spec := kind.NewSpec()
	if err := m.DecodeSpec(m.Sources[0].Spec, spec); err != nil {
		return nil, err
	}
	return kind.Build(source.NewScope(), &m.Sources[0], spec)
}

// fetch builds the source with settings spec in dir and returns every
// document it emits.
func fetch(t *testing.T, dir, spec string) ([]any, error) {
	t.Helper()
	m := load(t, dir, spec)
	f, err := fetcher(t, m)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	docs := []any{}
	in := &source.Input{Values: []any{m.Vars.Map(), nil, 0, nil}, Records: wholeDocument, Emit: func(recs []any) error {
		docs = append(docs, recs...)
		return nil
	}}
	err = f.Fetch(context.Background(), in)
	return docs, err
}

// wholeDocument makes each document one record, so the tests see the
// documents the source read.
func wholeDocument(_ context.Context, doc any) ([]any, error) { return []any{doc}, nil }

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		data  string
		extra string // more settings
		want  []any
	}{
		{"json object", "a.json", `{"id": 1, "name": "web", "ok": true, "none": null, "f": 1.5, "n": {"l": [1, "x"]}}`, "",
			[]any{obj("id", 1, "name", "web", "ok", true, "none", nil, "f", 1.5, "n", obj("l", []any{1, "x"}))}},
		{"json array is one document", "a.json", "[{\"id\": 1},\n {\"id\": 2}]\n", "",
			[]any{[]any{obj("id", 1), obj("id", 2)}}},
		{"json whole float", "a.json", `[1.0, 1e3, -0]`, "", []any{[]any{1.0, 1000.0, 0}}},
		{"json with a byte order mark", "a.json", "\ufeff{\"id\": 1}", "", []any{obj("id", 1)}},
		{"uppercase extension", "A.JSON", `{"id": 1}`, "", []any{obj("id", 1)}},
		{"ndjson", "a.ndjson", "{\"id\": 1}\n{\"id\": 2}\n", "", []any{obj("id", 1), obj("id", 2)}},
		{"ndjson from .jsonl, blank lines, CRLF, no final newline", "a.jsonl", "\r\n{\"id\": 1}\r\n\r\n  \r\n{\"id\": 2}\r\n[3]", "",
			[]any{obj("id", 1), obj("id", 2), []any{3}}},
		{"ndjson with a byte order mark", "a.ndjson", "\ufeff{\"id\": 1}\n", "", []any{obj("id", 1)}},
		{"yaml", "a.yaml", "- id: 1\n  name: web\n- id: 2\n", "", []any{[]any{obj("id", 1, "name", "web"), obj("id", 2)}}},
		{"yaml from .yml, types become JSON types", "a.yml",
			"at: 2024-01-02T03:04:05Z\nday: 2024-01-02\ni: 12\nhex: 0x1F\nf: 1.5\nb: true\nyes: yes\nq: \"12\"\nn: ~\nk: {1: one}\n", "",
			[]any{obj("at", "2024-01-02T03:04:05Z", "day", "2024-01-02", "i", 12, "hex", 31, "f", 1.5, "b", true,
				"yes", "yes", "q", "12", "n", nil, "k", obj("1", "one"))}},
		// YAML 1.2 core numbers: leading zeros are decimal, 0o is octal,
		// and what is no 1.2 number (1_000, 1:20) stays a string.
		{"yaml numbers follow YAML 1.2", "a.yaml", "a: 010\nb: 01234\nc: 089\nd: 0o10\ne: 1_000\nf: \"01234\"\ng: 1:20\nh: -0x1F\ni: 99999999999999999999\n", "",
			[]any{obj("a", 10, "b", 1234, "c", 89, "d", 8, "e", "1_000", "f", "01234", "g", "1:20", "h", "-0x1F", "i", bigInt("99999999999999999999"))}},
		{"csv", "a.csv", "id,name\n1,web\n2,db\n", "", []any{obj("id", "1", "name", "web"), obj("id", "2", "name", "db")}},
		{"csv with BOM, CRLF and blank lines", "a.csv", "\ufeffid,name\r\n1,web\r\n\r\n2,db\r\n", "",
			[]any{obj("id", "1", "name", "web"), obj("id", "2", "name", "db")}},
		{"csv with BOM and a quoted header", "a.csv", "\ufeff\"id\",\"name\"\n1,web\n", "", []any{obj("id", "1", "name", "web")}},
		{"csv header names are trimmed", "a.csv", " id , name \n1, web \n", "", []any{obj("id", "1", "name", " web ")}},
		{"csv quoted fields with commas, quotes and newlines", "a.csv", "id,text\n1,\"a, b\"\n2,\"line 1\nline 2\"\n3,\"say \"\"hi\"\"\"\n", "",
			[]any{obj("id", "1", "text", "a, b"), obj("id", "2", "text", "line 1\nline 2"), obj("id", "3", "text", `say "hi"`)}},
		{"csv with a semicolon", "a.csv", "id;name\n1;a,b\n", "delimiter: \";\"\n", []any{obj("id", "1", "name", "a,b")}},
		{"csv with a tab", "a.tsv", "id\tname\n1\tweb\n", "format: csv\ndelimiter: \"\\t\"\n", []any{obj("id", "1", "name", "web")}},
		{"csv header only", "a.csv", "id,name\n", "", []any{}},
		{"format overrides the extension", "a.txt", "{\"id\": 1}\n{\"id\": 2}\n", "format: ndjson\n", []any{obj("id", 1), obj("id", 2)}},
		{"format json for a .yaml name", "a.yaml", `{"id": 1}`, "format: json\n", []any{obj("id", 1)}},

		// Empty files.
		{"empty ndjson", "a.ndjson", "", "", []any{}},
		{"blank ndjson", "a.ndjson", "\n\r\n  \n", "", []any{}},
		{"empty csv", "a.csv", "", "", []any{}},
		{"yaml with a leading ---, a trailing --- and ...", "a.yaml", "---\nid: 1\n---\n# end\n---\n...\n", "", []any{obj("id", 1)}},
		{"yaml with a byte order mark", "a.yaml", "\ufeffid: 1\n", "", []any{obj("id", 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{tc.file: tc.data})
			got, err := fetch(t, dir, "path: "+tc.file+"\n"+tc.extra)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("documents\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestBigNumbers(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.json": `{"big": 123456789012345678901234567890, "max": 9223372036854775807}`})
	got, err := fetch(t, dir, "path: a.json")
	if err != nil {
		t.Fatal(err)
	}
	m := got[0].(map[string]any)
	b, ok := m["big"].(*big.Int)
	if !ok || b.String() != "123456789012345678901234567890" {
		t.Errorf("big = %#v, want *big.Int 123456789012345678901234567890", m["big"])
	}
	if m["max"] != 9223372036854775807 {
		t.Errorf("max = %#v, want int 9223372036854775807", m["max"])
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		data  string
		extra string
		want  string // after "<path>: "
	}{
		{"malformed json", "a.json", "{\n  \"a\": 1,\n  \"b\": x\n}", "", "invalid JSON at line 3, column 8: invalid character 'x' looking for beginning of value"},
		{"malformed json on line 1", "a.json", `{"a": x}`, "", "invalid JSON at line 1, column 7: invalid character 'x' looking for beginning of value"},
		{"json bad first byte", "a.json", `x`, "", "invalid JSON at line 1, column 1: invalid character 'x' looking for beginning of value"},
		{"truncated json", "a.json", "{\"a\": [1,\n2", "", "invalid JSON at line 2, column 2: unexpected EOF"},
		{"two json values", "a.json", `{"a": 1} {"b": 2}`, "", "invalid JSON: more than one JSON value; is it NDJSON?"},
		{"empty json", "a.json", "", "", "the file is empty; a JSON or YAML document was expected (an export that failed?)"},
		{"blank json", "a.json", " \n\n", "", "the file is empty; a JSON or YAML document was expected (an export that failed?)"},
		{"comment-only yaml", "a.yaml", "# nothing yet\n", "", "the file is empty; a JSON or YAML document was expected (an export that failed?)"},
		{"yaml aliases that expand too far fail", "a.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "", "line 2, column 32: aliases expand to more than 100000 values; write the values out instead"},
		{"yaml with a duplicate key", "a.yaml", "id: 1\nname: a\nid: 2\n", "", `line 3, column 1: duplicate key "id" (first at line 1)`},
		{"empty yaml", "a.yaml", "", "", "the file is empty; a JSON or YAML document was expected (an export that failed?)"},
		{"malformed ndjson names the line", "a.ndjson", "{\"a\": 1}\n\n{\"a\": }\n", "", "line 3: invalid character '}' looking for beginning of value"},
		{"ndjson line with two values", "a.ndjson", "{\"a\": 1} {\"a\": 2}\n", "", "line 1: more than one JSON value; is it NDJSON?"},
		{"malformed yaml", "a.yaml", "a: 1\nb: [\n", "", "yaml: line 2: did not find expected node content"},
		{"yaml with two documents", "a.yaml", "a: 1\n---\nb: 2\n", "", "a data file holds one YAML document, this one has more; split it or make it one list"},
		{"yaml with a second list", "a.yaml", "- a\n---\n- b\n", "", "a data file holds one YAML document, this one has more; split it or make it one list"},
		{"yaml with a bad second document", "a.yaml", "a: 1\n---\nb: [\n", "", "a data file holds one YAML document, this one has more; split it or make it one list"},
		{"csv row with too few fields", "a.csv", "id,name\n1,a\n2\n", "", "record on line 3: wrong number of fields"},
		{"csv row with too many fields", "a.csv", "id,name\n1,a,x\n", "", "record on line 2: wrong number of fields"},
		{"csv wrong field count after a multi-line field", "a.csv", "id,name\n1,\"a\nb\"\n2,b,c\n", "", "record on line 4: wrong number of fields"},
		{"csv bad quote", "a.csv", "id,name\n1,\"a\n", "", `parse error on line 2, column 6: extraneous or missing " in quoted-field`},
		{"csv duplicate header", "a.csv", "id,name,id\n1,2,3\n", "", `header columns 1 and 3 are both named "id"`},
		{"csv duplicate header after trimming", "a.csv", "id, id\n1,2\n", "", `header columns 1 and 2 are both named "id"`},
		{"csv empty header name", "a.csv", "id,,name\n1,2,3\n", "", "header column 2 has no name"},
		{"csv blank header name", "a.csv", "id,  \n1,2\n", "", "header column 2 has no name"},
		{"csv wrong delimiter gives one column", "a.csv", "id;name\n1;a;b\n2\n", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{tc.file: tc.data})
			got, err := fetch(t, dir, "path: "+tc.file+"\n"+tc.extra)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Fetch succeeded with %#v, want error %q", got, tc.want)
			}
			want := filepath.Join(dir, tc.file) + ": " + tc.want
			if err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := fetch(t, dir, "path: nope/missing.json")
	want := "open " + filepath.Join(dir, "nope", "missing.json") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v is not os.ErrNotExist", err)
	}
}

func TestEmitErrorStopsFetch(t *testing.T) {
	for _, tc := range []struct{ file, data string }{
		{"a.json", `{"a": 1}`},
		{"a.ndjson", "{\"a\": 1}\n{\"a\": 2}\n"},
		{"a.yaml", "a: 1\n"},
		{"a.csv", "a\n1\n2\n"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{tc.file: tc.data})
			m := load(t, dir, "path: "+tc.file)
			f, err := fetcher(t, m)
			if err != nil {
				t.Fatal(err)
			}
			stop := errors.New("stop")
			calls := 0
			err = f.Fetch(context.Background(), &source.Input{Values: []any{m.Vars.Map(), nil, 0, nil}, Records: wholeDocument, Emit: func([]any) error {
				calls++
				return stop
			}})
			if !errors.Is(err, stop) || calls != 1 {
				t.Errorf("Fetch = %v after %d calls, want the emit error after 1", err, calls)
			}
		})
	}
}

func TestAbsolutePath(t *testing.T) {
	data := t.TempDir()
	writeFiles(t, data, map[string]string{"x.json": `{"id": 7}`})
	got, err := fetch(t, t.TempDir(), "path: "+strconv.Quote(filepath.Join(data, "x.json")))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []any{obj("id", 7)}) {
		t.Errorf("documents = %#v", got)
	}
}

func TestTemplatedPathAtRunTime(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"data/x.json": `[{"id": 1}, {"id": 2}]`})
	got, err := fetch(t, dir, "path: \"{{ $vars.dir }}/data/x.json\"\nformat: json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []any{[]any{obj("id", 1), obj("id", 2)}}) {
		t.Errorf("documents = %#v", got)
	}
}

func TestTemplatedPathNotAString(t *testing.T) {
	dir := t.TempDir()
	_, err := fetch(t, dir, "path: \"{{ 42 }}\"\nformat: json")
	if err == nil || err.Error() != "path: expected a string, got 42" {
		t.Errorf("error = %v, want path: expected a string, got 42", err)
	}
}

// compileErrors compiles the mapping at dir/m.yaml and returns its problems
// as "line:col: message".
func compileErrors(t *testing.T, dir, spec string) []string {
	t.Helper()
	m := load(t, dir, spec)
	_, err := mapping.Compile(m)
	if err == nil {
		return nil
	}
	var list config.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Compile error is %T, want config.ErrorList: %v", err, err)
	}
	var out []string
	for _, e := range list {
		if e.Pos.File != filepath.Join(dir, "m.yaml") {
			t.Errorf("problem %q is in file %q", e.Msg, e.Pos.File)
		}
		out = append(out, fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg))
	}
	return out
}

func TestSettingsErrors(t *testing.T) {
	// The settings start on line 7, column 7.
	tests := []struct {
		name string
		spec string
		want []string
	}{
		{"unknown extension", "path: data.txt", []string{`7:13: cannot tell the format of "data.txt" from its extension; add format: json, ndjson, yaml or csv`}},
		{"no extension", "path: data", []string{`7:13: cannot tell the format of "data" from its extension; add format: json, ndjson, yaml or csv`}},
		{"templated path without format", `path: "{{ $vars.dir }}/x.json"`, []string{"7:13: the path is a template, so the format cannot come from its extension; add format: json, ndjson, yaml or csv"}},
		{"unknown format", "path: x.json\nformat: xml", []string{`8:15: format must be one of json, ndjson, yaml, csv, not "xml"`}},
		{"misspelt key", "pth: x.json", []string{`7:7: unknown key "pth"; did you mean "path"?`}},
		{"two-character delimiter", "path: x.csv\ndelimiter: \";;\"", []string{`8:18: delimiter must be one character other than a quote or a line break, not ";;"`}},
		{"quote delimiter", "path: x.csv\ndelimiter: '\"'", []string{`8:18: delimiter must be one character other than a quote or a line break, not "\""`}},
		{"jq error in the path", `path: "{{ .a | }}/x.json"` + "\nformat: json", []string{"7:22: jq syntax error: unexpected EOF"}},
		{"later variable in the path", `path: "{{ $s }}/x.json"` + "\nformat: json", []string{"7:17: jq: variable not defined: $s; variables are $vars, $instance, $now, $state and the sources named before this point"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			got := compileErrors(t, dir, tc.spec)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// run compiles and runs the mapping at path.
func run(t *testing.T, path, src string) (*mapping.Result, error) {
	t.Helper()
	writeFiles(t, filepath.Dir(path), map[string]string{filepath.Base(path): src})
	m, err := config.Parse(path, []byte(src), config.Options{Env: noEnv})
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	p, err := mapping.Compile(m)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p.Run(context.Background(), mapping.Options{Now: time.Unix(1700000000, 0)})
}

func componentIDs(res *mapping.Result) []string {
	if res.Batch == nil {
		return nil
	}
	var ids []string
	for _, c := range res.Batch.Components {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestPathRelativeToMapping(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"sub/data/x.csv":  "id\nfrom-sub\n",
		"data/x.csv":      "id\nfrom-root\n",
		"sub/data/y.json": `[{"id": "templated"}]`,
	})
	src := `name: rel
vars:
  f: y.json
sources:
  - name: s
    file: {path: data/x.csv}
  - name: y
    file: {path: "data/{{ $vars.f }}", format: json}
components:
  - each: ($s + $y)[]
    jq: '{id, type: "t"}'
`
	res, err := run(t, filepath.Join(root, "sub", "m.yaml"), src)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got, want := componentIDs(res), []string{"from-sub", "templated"}; !reflect.DeepEqual(got, want) {
		t.Errorf("components = %q, want %q", got, want)
	}
	want := []mapping.SourceStat{{Name: "s", Kind: "file", Documents: 1, Records: 1}, {Name: "y", Kind: "file", Documents: 1, Records: 1}}
	for i := range res.Sources {
		res.Sources[i].Duration = 0
	}
	if !reflect.DeepEqual(res.Sources, want) {
		t.Errorf("sources = %+v, want %+v", res.Sources, want)
	}
}

func TestRecordsPerFormat(t *testing.T) {
	// How many documents and records each format gives a mapping with the
	// default records expression, which splits a list into its items.
	tests := []struct {
		file, data      string
		docs, records   int
		wantComponentID []string
	}{
		{"a.json", `[{"id": 1}, {"id": 2}, {"id": 3}]`, 1, 3, []string{"1", "2", "3"}},
		{"a.json", `{"id": 1}`, 1, 1, []string{"1"}},
		{"a.json", `[]`, 1, 0, nil},
		{"a.ndjson", "{\"id\": 1}\n[{\"id\": 2}, {\"id\": 3}]\n", 2, 3, []string{"1", "2", "3"}},
		{"a.yaml", "- id: 1\n- id: 2\n", 1, 2, []string{"1", "2"}},
		{"a.csv", "id\n1\n2\n", 2, 2, []string{"1", "2"}},
		{"a.csv", "id\n", 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file+" "+tc.data, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{tc.file: tc.data})
			src := mappingText(dir, "path: "+tc.file)
			res, err := run(t, filepath.Join(dir, "m.yaml"), src)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if s := res.Sources[0]; s.Documents != tc.docs || s.Records != tc.records {
				t.Errorf("documents %d, records %d; want %d, %d", s.Documents, s.Records, tc.docs, tc.records)
			}
			if got := componentIDs(res); !reflect.DeepEqual(got, tc.wantComponentID) {
				t.Errorf("components = %q, want %q", got, tc.wantComponentID)
			}
		})
	}
}

func TestFailedReadFailsTheRun(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.json": `{"id": `})
	res, err := run(t, filepath.Join(dir, "m.yaml"), mappingText(dir, "path: a.json"))
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v with batch %v, want an error and no batch", err, res.Batch)
	}
	data := filepath.Join(dir, "a.json")
	want := fmt.Sprintf(`%s:5:5: source "s" (file) failed, so nothing is sent: %s: invalid JSON at line 1, column 8: unexpected EOF`, filepath.Join(dir, "m.yaml"), data)
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	if len(res.Rules) != 0 {
		t.Errorf("rules ran: %+v", res.Rules)
	}
}

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}
