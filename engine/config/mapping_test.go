package config_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
)

func TestDefaults(t *testing.T) {
	src := `name: cmdb-1
sources:
  - name: cis
    file: {path: cis.json}
components:
  - jq: .
  - name: named
    jq: .
  - jq: .
    on_invalid: drop
relations:
  - jq: .
health:
  - jq: .
`
	m, err := config.Parse("dir/m.yaml", []byte(src), config.Options{Env: lookup(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if m.OnInvalid != "fail" {
		t.Errorf("OnInvalid = %q, want fail", m.OnInvalid)
	}
	if m.Path != "dir/m.yaml" || m.Dir != "dir" || m.Pos != (config.Pos{File: "dir/m.yaml", Line: 1, Col: 1}) {
		t.Errorf("Path %q Dir %q Pos %s", m.Path, m.Dir, m.Pos)
	}
	if m.Timeout != 0 || m.Schedule.Pos.IsValid() {
		t.Errorf("unset timeout/schedule: %v %+v", m.Timeout, m.Schedule)
	}
	type rule struct{ name, onInvalid string }
	var got []rule
	for _, kind := range config.RuleKinds {
		for _, r := range m.Rules(kind) {
			got = append(got, rule{r.Name, r.OnInvalid})
		}
	}
	want := []rule{
		{"components[0]", "fail"}, {"named", "fail"}, {"components[2]", "drop"},
		{"relations[0]", "fail"}, {"health[0]", "fail"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules = %v, want %v", got, want)
	}
	if m.Instance == nil {
		t.Fatal("no default instance")
	}
	if m.Instance.Type.Kind != config.TemplateString || m.Instance.Type.Str.Src != "stackmap" || !m.Instance.Type.IsSet() {
		t.Errorf("default instance type = %+v", m.Instance.Type)
	}
	if m.Instance.URL.Str.Src != "stackmap://cmdb-1" || m.Instance.URL.Dynamic() {
		t.Errorf("default instance url = %+v", m.Instance.URL)
	}
	if s := m.Sources[0]; s.Name.Value != "cis" || s.Kind != "file" || s.Spec == nil || s.Records.IsSet() ||
		s.Pos.Line != 3 || s.KindPos != (config.Pos{File: "dir/m.yaml", Line: 4, Col: 5}) || s.Dir() != "dir" {
		t.Errorf("source = %+v", s)
	}
}

// TestRulesInheritOnInvalid checks that a mapping's on_invalid reaches the
// rules that do not set their own.
func TestRulesInheritOnInvalid(t *testing.T) {
	m, err := config.Parse("m.yaml", []byte("name: x\non_invalid: drop\nsources: [{name: a, file: {path: a}}]\nmetrics:\n  - jq: .\n  - jq: .\n    on_invalid: fail\n"), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.OnInvalid != "drop" || m.Metrics[0].OnInvalid != "drop" || m.Metrics[1].OnInvalid != "fail" {
		t.Errorf("on_invalid: mapping %q, rules %q %q", m.OnInvalid, m.Metrics[0].OnInvalid, m.Metrics[1].OnInvalid)
	}
}

func TestFullMapping(t *testing.T) {
	src := `name: servicenow-cmdb
schedule: "*/5 * * * *"
timeout: 2m
vars:
  base: https://sn.example.com
  limit: 1000
instance: {type: servicenow, url: "{{ $vars.base }}"}
defaults: {layer: Machines, domain: CMDB, environment: Production}
sources:
  - name: cis
    http:
      url: "{{ $vars.base }}/api/now/table/cmdb_ci_server"
    records: .result[]
components:
  - name: servers
    each: $cis[]
    when: .active
    jq: |
      {id: "urn:servicenow:ci:\(.sys_id)", type: "server"}
`
	m, err := config.Parse("m.yaml", []byte(src), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name.Value != "servicenow-cmdb" || m.Name.Pos.Line != 1 || m.Name.Pos.Col != 7 {
		t.Errorf("name = %+v", m.Name)
	}
	if m.Schedule.Value != "*/5 * * * *" || m.Timeout != 2*time.Minute {
		t.Errorf("schedule %q timeout %v", m.Schedule.Value, m.Timeout)
	}
	if m.Defaults != (config.Defaults{Layer: "Machines", Domain: "CMDB", Environment: "Production"}) {
		t.Errorf("defaults = %+v", m.Defaults)
	}
	if !reflect.DeepEqual(m.Vars.Map(), map[string]any{"base": "https://sn.example.com", "limit": 1000}) {
		t.Errorf("vars = %#v", m.Vars.Map())
	}
	if !m.Instance.URL.Dynamic() || m.Instance.Type.Dynamic() || m.Instance.Pos.Line != 7 {
		t.Errorf("instance = %+v", m.Instance)
	}
	r := m.Components[0]
	if r.Each.Src != "$cis[]" || r.When.Src != ".active" || r.JQ.Src != "{id: \"urn:servicenow:ci:\\(.sys_id)\", type: \"server\"}\n" {
		t.Errorf("rule = %+v", r)
	}
	if r.Pos.Line != 15 || r.Pos.Col != 5 {
		t.Errorf("rule position = %s", r.Pos)
	}
	if s := m.Sources[0]; s.Kind != "http" || s.Records.Src != ".result[]" || s.Spec.Line != 12 {
		t.Errorf("source = %+v", s)
	}
	if len(m.Secrets) != 0 {
		t.Errorf("secrets = %q", m.Secrets)
	}
}

func TestTemplateDecoding(t *testing.T) {
	src := `name: templates
instance:
  type: servicenow
  url:
    str: "{{ $vars.base }}/x"
    plain: just text
    int: 42
    neg: -7
    hex: 0x1F
    float: 1.5
    exp: 1e3
    yes: true
    no: false
    null: null
    tilde: ~
    empty:
    quoted_int: "42"
    quoted_true: 'true'
    date: 2024-01-02
    list: [a, 1, "{{ .x }}"]
    map: {z: 1, a: 2, m: {y: "{{ .y }}"}}
    block: |
      {{ .a }}
sources: [{name: a, file: {path: a}}]
components: [{jq: .}]
`
	m, err := config.Parse("t.yaml", []byte(src), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := m.Instance.URL
	if u.Kind != config.TemplateMap || !u.IsSet() || !u.Dynamic() {
		t.Fatalf("url = %+v", u)
	}
	wantKeys := []string{"str", "plain", "int", "neg", "hex", "float", "exp", "yes", "no", "null", "tilde", "empty", "quoted_int", "quoted_true", "date", "list", "map", "block"}
	if !reflect.DeepEqual(u.Keys, wantKeys) {
		t.Errorf("keys = %q, want file order %q", u.Keys, wantKeys)
	}
	get := func(k string) config.Template {
		for i, key := range u.Keys {
			if key == k {
				return u.Values[i]
			}
		}
		t.Fatalf("no key %q", k)
		return config.Template{}
	}
	literals := map[string]any{
		"int": 42, "neg": -7, "hex": 31, "float": 1.5, "exp": 1000.0,
		"yes": true, "no": false, "null": nil, "tilde": nil, "empty": nil,
	}
	for k, want := range literals {
		v := get(k)
		if v.Kind != config.TemplateLiteral || !reflect.DeepEqual(v.Lit, want) || reflect.TypeOf(v.Lit) != reflect.TypeOf(want) {
			t.Errorf("%s = kind %d %#v (%T), want literal %#v (%T)", k, v.Kind, v.Lit, v.Lit, want, want)
		}
		if v.Dynamic() {
			t.Errorf("%s is Dynamic", k)
		}
	}
	strs := map[string]string{
		"plain": "just text", "quoted_int": "42", "quoted_true": "true", "date": "2024-01-02",
		"str": "{{ $vars.base }}/x", "block": "{{ .a }}\n",
	}
	for k, want := range strs {
		if v := get(k); v.Kind != config.TemplateString || v.Str.Src != want {
			t.Errorf("%s = kind %d %q, want string %q", k, v.Kind, v.Str.Src, want)
		}
	}

	// Strings with {{ }} keep the positions of their jq.
	for _, c := range []struct{ key, needle string }{{"str", "$vars"}, {"block", ".a"}} {
		v := get(c.key)
		line, col, text := filePos(t, src, "{{ "+c.needle)
		off := strings.Index(v.Str.Src, c.needle)
		pos, lineText := v.Str.At(off)
		col += len("{{ ")
		if pos.Line != line || pos.Col != col || lineText != text {
			t.Errorf("%s: At(%d) = %s %q, want %d:%d %q", c.key, off, pos, lineText, line, col, text)
		}
	}
	if v := get("str"); v.Pos != (config.Pos{File: "t.yaml", Line: 5, Col: 10}) || v.Str.Pos != v.Pos {
		t.Errorf("str position = %s / %s", v.Pos, v.Str.Pos)
	}

	list := get("list")
	if list.Kind != config.TemplateList || len(list.Items) != 3 || !list.Dynamic() ||
		list.Items[0].Str.Src != "a" || list.Items[1].Lit != 1 || list.Items[2].Str.Src != "{{ .x }}" {
		t.Errorf("list = %+v", list)
	}
	mp := get("map")
	if mp.Kind != config.TemplateMap || !reflect.DeepEqual(mp.Keys, []string{"z", "a", "m"}) || !mp.Dynamic() {
		t.Errorf("map = %+v", mp)
	}
	if inner := mp.Values[2]; inner.Kind != config.TemplateMap || inner.Values[0].Str.Src != "{{ .y }}" {
		t.Errorf("nested map = %+v", inner)
	}
	if get("plain").Dynamic() {
		t.Error("plain text is Dynamic")
	}
}

// TestTemplateExpansionPosition checks that a template whose text moved
// by ${…} expansion points at the start of its value.
func TestTemplateExpansionPosition(t *testing.T) {
	src := "name: x\ninstance: {type: t, url: \"${HOST}/{{ .a | BOOM }}\"}\nsources: [{name: a, file: {path: a}}]\ncomponents: [{jq: .}]\n"
	m, err := config.Parse("t.yaml", []byte(src), config.Options{Env: lookup(map[string]string{"HOST": "https://a-much-longer-host.example.com"})})
	if err != nil {
		t.Fatal(err)
	}
	u := m.Instance.URL.Str
	if u.Src != "https://a-much-longer-host.example.com/{{ .a | BOOM }}" {
		t.Fatalf("Src = %q", u.Src)
	}
	// Text after the reference keeps its place.
	pos, line := u.At(strings.Index(u.Src, "BOOM"))
	_, col, text := filePos(t, src, "BOOM")
	if pos.Line != 2 || pos.Col != col || line != text {
		t.Errorf("At(BOOM) = %s %q, want 2:%d", pos, line, col)
	}
	// The value of a reference stands at the reference.
	pos, _ = u.At(0)
	if _, col, _ := filePos(t, src, "${HOST}"); pos.Line != 2 || pos.Col != col {
		t.Errorf("At(0) = %s, want 2:%d", pos, col)
	}

	// Text between references, and before the first, too.
	src = "name: x\ninstance:\n  type: t\n  url: \"{{ .a }}-${A}-{{ .b | B1 }}-${B}/{{ C2 }}\"\nsources: [{name: a, file: {path: a}}]\ncomponents: [{jq: .}]\n"
	m, err = config.Parse("t.yaml", []byte(src), config.Options{Env: lookup(map[string]string{"A": "a-value-that-is-long", "B": ""})})
	if err != nil {
		t.Fatal(err)
	}
	u = m.Instance.URL.Str
	for _, needle := range []string{".a", "B1", "C2"} {
		pos, _ := u.At(strings.Index(u.Src, needle))
		if line, col, _ := filePos(t, src, needle); pos.Line != line || pos.Col != col {
			t.Errorf("At(%s) = %s, want %d:%d (Src %q)", needle, pos, line, col, u.Src)
		}
	}
}

func TestStringTemplate(t *testing.T) {
	tm := config.StringTemplate("a {{ .b }}")
	if !tm.IsSet() || tm.Kind != config.TemplateString || tm.Str.Src != "a {{ .b }}" || !tm.Dynamic() {
		t.Errorf("StringTemplate = %+v", tm)
	}
	if config.StringTemplate("plain").Dynamic() {
		t.Error("plain StringTemplate is Dynamic")
	}
	if (config.Template{}).IsSet() {
		t.Error("zero Template is set")
	}
}

// TestDecodeSpec decodes a source's settings the way a source kind does.
func TestDecodeSpec(t *testing.T) {
	type auth struct {
		Token config.Template `yaml:"token"`
	}
	type spec struct {
		Path    string            `yaml:"path" required:"true"`
		Format  string            `yaml:"format" enum:"json,csv"`
		Limit   int               `yaml:"limit"`
		Ratio   float64           `yaml:"ratio"`
		Gzip    bool              `yaml:"gzip"`
		Every   time.Duration     `yaml:"every"`
		Headers map[string]string `yaml:"headers"`
		Auth    *auth             `yaml:"auth"`
		Extra   any               `yaml:"extra"`
		Pos     config.Pos        `yaml:"-"`
	}
	src := `name: spec
vars: {password: "${DB_PASSWORD}"}
sources:
  - name: good
    kind: {path: "data/${FILE}", format: csv, limit: 10, ratio: 50%, gzip: true, every: 1m, headers: {X-A: b}, auth: {token: "${API_TOKEN}"}, extra: [1, {a: b}]}
  - name: bad
    kind:
      format: xml
      limit: ten
      ratio: lots
      gzip: maybe
      every: 0s
      pth: x
components: [{jq: .}]
`
	env := map[string]string{"FILE": "cis.json", "API_TOKEN": "tok-secret", "DB_PASSWORD": "db-secret"}
	m, err := config.Parse("s.yaml", []byte(src), config.Options{Env: lookup(env)})
	if err != nil {
		t.Fatal(err)
	}
	var good spec
	if err := m.DecodeSpec(m.Sources[0].Spec, &good); err != nil {
		t.Fatal(err)
	}
	if good.Path != "data/cis.json" || good.Format != "csv" || good.Limit != 10 || good.Ratio != 50 || !good.Gzip ||
		good.Every != time.Minute || good.Headers["X-A"] != "b" || good.Auth == nil || good.Auth.Token.Str.Src != "tok-secret" ||
		!reflect.DeepEqual(good.Extra, []any{1, map[string]any{"a": "b"}}) || good.Pos.Line != 5 || good.Pos.Col != 11 {
		t.Errorf("good spec = %+v", good)
	}
	if secrets := slices.Compact(slices.Sorted(slices.Values(m.Secrets))); !reflect.DeepEqual(secrets, []string{"db-secret", "tok-secret"}) {
		t.Errorf("Secrets = %q, want the load's and the spec's", m.Secrets)
	}

	var bad spec
	err = m.DecodeSpec(m.Sources[1].Spec, &bad)
	var list config.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`s.yaml:8:15: format must be one of json, csv, not "xml"`,
		`s.yaml:9:14: expected a whole number, got "ten"`,
		`s.yaml:10:14: expected a number, got "lots"`,
		`s.yaml:11:13: expected true or false, got "maybe"`,
		`s.yaml:12:14: "0s" is not a positive duration; write it as 30s, 5m or 1h30m`,
		`s.yaml:13:7: unknown key "pth"; did you mean "path"?`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeSpec problems:\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
	// A second decode of the good spec reports nothing new.
	if err := m.DecodeSpec(m.Sources[0].Spec, &good); err != nil {
		t.Errorf("second DecodeSpec: %v", err)
	}
}

// TestParseErrorsSurviveDecodeSpec checks that the problems Parse returned
// stay as they were when the mapping decodes source settings afterwards.
func TestParseErrorsSurviveDecodeSpec(t *testing.T) {
	// Three decode problems and one found afterwards, by the cross-key
	// checks, then three in the source's settings.
	src := `name: x
colour: red
size: 1
shape: round
sources:
  - name: a
    kind: {bogus: 1, other: 2, third: 3}
components:
  - jq: .
  - name: components[0]
    jq: .
`
	m, err := config.Parse("p.yaml", []byte(src), config.Options{})
	if err == nil {
		t.Fatal("no problems")
	}
	before := err.Error()
	var spec struct {
		Path string `yaml:"path"`
	}
	if serr := m.DecodeSpec(m.Sources[0].Spec, &spec); serr == nil {
		t.Fatal("DecodeSpec found no problem")
	}
	if after := err.Error(); after != before {
		t.Errorf("Parse's problems changed after DecodeSpec:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestRulesPanicsOnUnknownKind(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Rules(\"nodes\") did not panic")
		}
	}()
	(&config.Mapping{}).Rules("nodes")
}

func TestRuleKindsMatchMappingFields(t *testing.T) {
	m := &config.Mapping{
		Components: []config.Rule{{Name: "c"}}, Relations: []config.Rule{{Name: "r"}},
		Metrics: []config.Rule{{Name: "m"}}, Events: []config.Rule{{Name: "e"}}, Health: []config.Rule{{Name: "h"}},
	}
	var got []string
	for _, k := range config.RuleKinds {
		got = append(got, m.Rules(k)[0].Name)
	}
	if strings.Join(got, "") != "crmeh" {
		t.Errorf("rules in RuleKinds order = %v", got)
	}
}

func TestVarsFollowYAML12Numbers(t *testing.T) {
	src := `name: numbers
vars: {dec: 010, oct: 0o10, hex: 0x1F, under: 1_000, float: 1.5e3, quoted: "010", yes: yes, on: true}
sources: [{name: s, file: {path: s.json}}]
components: [{jq: .}]
`
	m, err := config.Parse("m.yaml", []byte(src), config.Options{Env: lookup(nil)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"dec": 10, "oct": 8, "hex": 31, "under": "1_000", "float": 1500.0, "quoted": "010", "yes": "yes", "on": true}
	if got := m.Vars.Map(); !reflect.DeepEqual(got, want) {
		t.Errorf("vars\n got %#v\nwant %#v", got, want)
	}
}
