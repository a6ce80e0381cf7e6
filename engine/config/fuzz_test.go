package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackmap/stackmap/engine/config"
)

var fuzzSeeds = []string{
	"name: a\nsources: [{name: s, file: {path: x}}]\ncomponents: [{jq: .}]\n",
	`name: servicenow-cmdb
schedule: "*/5 * * * *"
timeout: 2m
on_invalid: drop
vars:
  base: ${SN_URL:-https://x}
  password: ${SN_PASSWORD}
  literal: $${NOT_EXPANDED}
instance: {type: servicenow, url: "{{ $vars.base }}"}
defaults: {layer: Machines, domain: CMDB, environment: Production}
sources:
  - name: cis
    http:
      url: "{{ $vars.base }}/api/now/table/cmdb_ci_server"
      auth: {basic: {username: "{{ $vars.user }}", password: "{{ $vars.password }}"}}
    records: .result[]
components:
  - name: servers
    each: $cis[]
    jq: |
      {id: "urn:servicenow:ci:\(.sys_id)", type: "server", name,

       labels: ["os:\(.os)"]}
relations:
  - each: '$cis[] | .rels[]'
    jq: >
      {source: .a,
        target: .b, type: "uses"}
metrics:
  - jq: "{name: \"cmdb.up\", value: 1}"
`,
	"a: &a [1, 2]\nb: *a\nname: *a\n",
	"name: x\nvars: {a: ${file:../../../etc/hostname}}\n",
	"- just\n- a list\n",
	"scalar",
	"name: x\n---\nname: y\n",
	"components:\n  - jq: |+\n      .a\n\n\n",
	"instance: {url: '${X}{{ .a }}${Y}', type: \"\\u00e9{{ .b }}\"}\n",
	"? [complex]\n: key\n",
	"\t",
	"\xff\xfe",
}

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	env := func(k string) (string, bool) {
		switch k {
		case "X", "SN_URL":
			return "https://x.example.com", true
		case "SN_PASSWORD":
			return "pw-secret", true
		case "EMPTY":
			return "", true
		}
		return "", false
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		name := filepath.Join(dir, "fuzz.yaml")
		m, err := config.Parse(name, src, config.Options{Env: env})
		if m != nil {
			checkExprs(t, m)
		}
		if err == nil {
			if m == nil {
				t.Fatal("no mapping and no error")
			}
			// A mapping without problems has what the engine needs.
			if m.Name.Value == "" || len(m.Sources) == 0 || m.Instance == nil || m.OnInvalid == "" {
				t.Fatalf("valid mapping lacks defaults: %+v", m)
			}
			return
		}
		var list config.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error is %T, not config.ErrorList: %v", err, err)
		}
		if len(list) == 0 {
			t.Fatal("empty ErrorList returned as an error")
		}
		for _, e := range list {
			if e == nil {
				t.Fatal("nil *Error in the list")
			}
			if e.Pos.File != name || e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("problem without a position: %q at %+v", e.Msg, e.Pos)
			}
			if e.Msg == "" {
				t.Fatalf("problem without a message at %s", e.Pos)
			}
		}
	})
}

// checkExprs checks that every offset of every expression maps to a
// position in the file.
func checkExprs(t *testing.T, m *config.Mapping) {
	t.Helper()
	var exprs []config.Expr
	for _, kind := range config.RuleKinds {
		for _, r := range m.Rules(kind) {
			exprs = append(exprs, r.JQ, r.Each, r.When)
		}
	}
	for _, s := range m.Sources {
		exprs = append(exprs, s.Records)
	}
	for _, e := range exprs {
		if !e.Pos.IsValid() {
			continue
		}
		for off := 0; off <= len(e.Src); off++ {
			if p, _ := e.At(off); p.Line < 1 || p.Col < 1 {
				t.Fatalf("At(%d) of %q = %+v", off, e.Src, p)
			}
		}
	}
}
