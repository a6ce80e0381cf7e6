package mapping_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/model"
)

const shopMapping = `name: shop
vars:
  env: ${SHOP_ENV}
  prefix: "urn:shop"
  apps: apps
instance:
  type: shop
  url: "https://{{ $vars.env | ascii_downcase }}.example"
defaults: {layer: Machines, domain: Shop, environment: Production}
sources:
  - name: hosts
    file: {path: hosts.json}
    records: .hosts[]
  - name: apps
    file: {path: "{{ $vars.apps }}.ndjson", format: ndjson}
  - name: checks
    file: {path: "checks-{{ $hosts | length }}.csv", format: csv}
health:
  - name: checks
    each: $checks[]
    jq: '{id, name, health: .state, identifier: "urn:host:/\(.host)", message: (if .msg == "" then null else .msg end)}'
events:
  - name: run
    jq: '{title: "run", type: "RunEvent", text: "now \($now) input \(.)", category: "activities", data: {state: $state}}'
metrics:
  - name: up
    each: $hosts[]
    jq: '{name: "shop.host.up", value: (if .up then 1 else 0 end), tags: {host: .name}}'
  - name: per-app
    each: $apps[]
    jq: |
      if .enabled then
        {name: "shop.app.enabled", value: 1, tags: ["app:\(.name)"]},
        {name: "shop.app.weight", value: 0.5, type: "rate", host: .host}
      else null end
  - name: totals
    jq: '{name: "shop.now", value: $now}, {name: "shop.apps", value: ($apps | length), timestamp: ($now - 60)}'
relations:
  - name: runs-on
    each: $apps[] | select(.enabled)
    jq: '{source: "\($vars.prefix):app:\(.name)", target: "\($vars.prefix):host:\(.host)", type: "runs_on"}'
components:
  - name: hosts
    each: $hosts[]
    jq: |
      {id: "\($vars.prefix):host:\(.name)", type: "host", name,
       identifiers: [.name | urn_host], labels: {os: .os}}
  - name: apps
    each: $apps[]
    when: .enabled
    jq: '{id: "\($vars.prefix):app:\(.name)", type: "app", name, layer: "Apps", data: {url: $instance.url, type: $instance.type}}'
`

var shopFiles = map[string]string{
	"hosts.json": `{"hosts": [{"name": "web-01", "os": "Linux", "up": true}, {"name": "db-01", "os": "Linux", "up": false}]}`,
	"apps.ndjson": `{"name": "shop", "host": "web-01", "enabled": true}
{"name": "legacy", "host": "web-01", "enabled": false}
{"name": "beta", "host": "db-01"}
{"name": "db", "host": "db-01", "enabled": true}
`,
	"checks-2.csv": "id,name,state,host,msg\nc1,Disk,ok,web-01,\nc2,CPU,Warning,db-01,\"91%, high\"\n",
}

// shopBatch is what shopMapping produces at time t with $state state.
func shopBatch(t time.Time, state any) *model.Batch {
	ts := t.Unix()
	return &model.Batch{
		Mapping:  "shop",
		Instance: model.Instance{Type: "shop", URL: "https://production.example"},
		Topology: true,
		Health:   true,
		Components: []model.Component{
			{ID: "urn:shop:host:web-01", Type: "host", Name: "web-01", Layer: "Machines", Domain: "Shop", Environment: "Production", Labels: []string{"os:linux"}, Identifiers: []string{"urn:host:/web-01"}},
			{ID: "urn:shop:host:db-01", Type: "host", Name: "db-01", Layer: "Machines", Domain: "Shop", Environment: "Production", Labels: []string{"os:linux"}, Identifiers: []string{"urn:host:/db-01"}},
			{ID: "urn:shop:app:shop", Type: "app", Name: "shop", Layer: "Apps", Domain: "Shop", Environment: "Production", Data: map[string]any{"url": "https://production.example", "type": "shop"}},
			{ID: "urn:shop:app:db", Type: "app", Name: "db", Layer: "Apps", Domain: "Shop", Environment: "Production", Data: map[string]any{"url": "https://production.example", "type": "shop"}},
		},
		Relations: []model.Relation{
			{ID: "urn:shop:app:shop-runs_on-urn:shop:host:web-01", Source: "urn:shop:app:shop", Target: "urn:shop:host:web-01", Type: "runs_on"},
			{ID: "urn:shop:app:db-runs_on-urn:shop:host:db-01", Source: "urn:shop:app:db", Target: "urn:shop:host:db-01", Type: "runs_on"},
		},
		Metrics: []model.Metric{
			{Name: "shop.host.up", Value: 1, Timestamp: ts, Type: "gauge", Tags: []string{"host:web-01"}},
			{Name: "shop.host.up", Value: 0, Timestamp: ts, Type: "gauge", Tags: []string{"host:db-01"}},
			{Name: "shop.app.enabled", Value: 1, Timestamp: ts, Type: "gauge", Tags: []string{"app:shop"}},
			{Name: "shop.app.weight", Value: 0.5, Timestamp: ts, Type: "rate", Host: "web-01"},
			{Name: "shop.app.enabled", Value: 1, Timestamp: ts, Type: "gauge", Tags: []string{"app:db"}},
			{Name: "shop.app.weight", Value: 0.5, Timestamp: ts, Type: "rate", Host: "db-01"},
			// $now is an int of epoch seconds.
			{Name: "shop.now", Value: int(ts), Timestamp: ts, Type: "gauge"},
			{Name: "shop.apps", Value: 4, Timestamp: ts - 60, Type: "gauge"},
		},
		Events: []model.Event{
			{Title: "run", Type: "RunEvent", Text: fmt.Sprintf("now %d input null", ts), Timestamp: ts, Category: "Activities", Source: "shop", Data: map[string]any{"state": state}},
		},
		HealthStates: []model.HealthState{
			{ID: "c1", Name: "Disk", Health: model.Clear, Identifier: "urn:host:/web-01"},
			{ID: "c2", Name: "CPU", Health: model.Deviating, Identifier: "urn:host:/db-01", Message: "91%, high"},
		},
	}
}

func TestRunHappyPath(t *testing.T) {
	p, path := mustCompile(t, shopMapping, shopFiles)
	if p.Name != "shop" || p.Path != path {
		t.Errorf("plan %q at %q", p.Name, p.Path)
	}
	if got := p.Sources(); !reflect.DeepEqual(got, []string{"hosts", "apps", "checks"}) {
		t.Errorf("Sources() = %q", got)
	}
	state := map[string]any{"last": 3}
	res, err := p.Run(context.Background(), mapping.Options{Now: now, State: state})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Duration is the run's wall time, even when Options.Now is set.
	if res.Mapping != "shop" || !res.Started.Equal(now) || res.Duration <= 0 || res.Duration > time.Minute {
		t.Errorf("result mapping %q, started %v, duration %v", res.Mapping, res.Started, res.Duration)
	}
	if len(res.Errors) != 0 || res.Err() != nil {
		t.Errorf("errors: %v", res.Errors)
	}
	if res.Problems != nil {
		t.Errorf("problems: %+v", res.Problems)
	}
	clearDurations(res)
	wantSources := []mapping.SourceStat{
		{Name: "hosts", Kind: "file", Documents: 1, Records: 2},
		{Name: "apps", Kind: "file", Documents: 4, Records: 4},
		{Name: "checks", Kind: "file", Documents: 2, Records: 2},
	}
	if !reflect.DeepEqual(res.Sources, wantSources) {
		t.Errorf("sources\n got %+v\nwant %+v", res.Sources, wantSources)
	}
	// Rules run in kind order, then file order, whatever order the file
	// lists the kinds in.
	wantRules := []mapping.RuleStat{
		{Kind: "components", Name: "hosts", RecordsIn: 2, Out: 2},
		{Kind: "components", Name: "apps", RecordsIn: 4, Out: 2, Dropped: 2},
		{Kind: "relations", Name: "runs-on", RecordsIn: 2, Out: 2},
		{Kind: "metrics", Name: "up", RecordsIn: 2, Out: 2},
		{Kind: "metrics", Name: "per-app", RecordsIn: 4, Out: 4, Dropped: 2},
		{Kind: "metrics", Name: "totals", RecordsIn: 1, Out: 2},
		{Kind: "events", Name: "run", RecordsIn: 1, Out: 1},
		{Kind: "health", Name: "checks", RecordsIn: 2, Out: 2},
	}
	if !reflect.DeepEqual(res.Rules, wantRules) {
		t.Errorf("rules\n got %+v\nwant %+v", res.Rules, wantRules)
	}
	if want := shopBatch(now, state); !reflect.DeepEqual(res.Batch, want) {
		t.Errorf("batch\n got %+v\nwant %+v", res.Batch, want)
	}
}

func TestRunDefaults(t *testing.T) {
	src := `name: defaults-test
sources:
  - name: s
    file: {path: s.json}
components:
  - each: $s[]
    jq: '{id, type: "t"}'
  - each: $s[]
    jq: '{id: "x\(.id)", type: "t", layer: "L", domain: "D", environment: "E"}'
events:
  - jq: '{title: "t", type: "T", data: {now: $now, instance: $instance, state: $state}}'
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}]`})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Component{
		{ID: "a", Type: "t"},
		{ID: "xa", Type: "t", Layer: "L", Domain: "D", Environment: "E"},
	}
	if !reflect.DeepEqual(res.Batch.Components, want) {
		t.Errorf("components %+v, want %+v", res.Batch.Components, want)
	}
	// The default instance, rules named by kind and index, no health rules.
	b := res.Batch
	if b.Instance != (model.Instance{Type: "stackmap", URL: "stackmap://defaults-test"}) || b.Health || !b.Topology {
		t.Errorf("instance %+v, health %v, topology %v", b.Instance, b.Health, b.Topology)
	}
	wantEvent := model.Event{Title: "t", Type: "T", Timestamp: now.Unix(), Source: "defaults-test",
		Data: map[string]any{"now": int(now.Unix()), "instance": map[string]any{"type": "stackmap", "url": "stackmap://defaults-test"}, "state": nil}}
	if !reflect.DeepEqual(b.Events, []model.Event{wantEvent}) {
		t.Errorf("events\n got %+v\nwant %+v", b.Events, wantEvent)
	}
	if names := []string{res.Rules[0].Name, res.Rules[1].Name, res.Rules[2].Name}; !reflect.DeepEqual(names, []string{"components[0]", "components[1]", "events[0]"}) {
		t.Errorf("rule names %q", names)
	}
	if b.Relations == nil || b.Metrics == nil || b.HealthStates == nil {
		t.Error("empty lists of the batch are nil")
	}
}

func TestRunZeroNowIsTimeNow(t *testing.T) {
	p, _ := mustCompile(t, `name: n
sources: [{name: s, file: {path: s.json}}]
metrics: [{jq: '{name: "a.now", value: $now}'}]
`, map[string]string{"s.json": "[]"})
	before := time.Now().Unix()
	res, err := p.Run(context.Background(), mapping.Options{})
	after := time.Now().Unix()
	if err != nil {
		t.Fatal(err)
	}
	// A mapping without component or relation rules sends no topology.
	if res.Batch.Topology || res.Batch.Health {
		t.Errorf("metrics-only batch: topology %v, health %v", res.Batch.Topology, res.Batch.Health)
	}
	m := res.Batch.Metrics[0]
	if v, ok := m.Value.(int); !ok || int64(v) < before || int64(v) > after || m.Timestamp != int64(v) {
		t.Errorf("metric %+v, want $now between %d and %d", m, before, after)
	}
}

func TestWhen(t *testing.T) {
	// when drops records for which it is false or null; its first output
	// decides.
	src := `name: w
sources: [{name: s, file: {path: s.json}}]
components:
  - name: c
    each: $s[]
    when: .keep
    jq: '{id: .id, type: "t"}'
  - name: first-output
    each: $s[]
    when: (.keep, true)
    jq: '{id: "f-\(.id)", type: "t"}'
  - name: no-output
    each: $s[]
    when: empty
    jq: '{id: "e-\(.id)", type: "t"}'
`
	data := `[{"id": "t", "keep": true}, {"id": "f", "keep": false}, {"id": "n", "keep": null}, {"id": "m"},
 {"id": "zero", "keep": 0}, {"id": "str", "keep": ""}, {"id": "list", "keep": []}]`
	res, _, err := runOnce(t, src, map[string]string{"s.json": data})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range res.Batch.Components {
		ids = append(ids, c.ID)
	}
	if want := []string{"t", "zero", "str", "list", "f-t", "f-zero", "f-str", "f-list"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	want := []mapping.RuleStat{
		{Kind: "components", Name: "c", RecordsIn: 7, Out: 4, Dropped: 3},
		{Kind: "components", Name: "first-output", RecordsIn: 7, Out: 4, Dropped: 3},
		{Kind: "components", Name: "no-output", RecordsIn: 7, Dropped: 7},
	}
	if !reflect.DeepEqual(res.Rules, want) {
		t.Errorf("rules\n got %+v\nwant %+v", res.Rules, want)
	}
}

func TestSourcesSeeEarlierSources(t *testing.T) {
	// A source's records expression and its path both see the sources
	// before it; a rule sees them all.
	src := `name: chain
vars: {suffix: json}
sources:
  - name: index
    file: {path: index.json}
    records: .files[]
  - name: items
    file: {path: "{{ $index[0] }}.{{ $vars.suffix }}", format: json}
    records: '.[] | . + {total: ($index | length), first: $index[0]}'
components:
  - each: $items[]
    jq: '{id, type: "t", data: {total, first, files: $index}}'
`
	files := map[string]string{
		"index.json": `{"files": ["a", "b"]}`,
		"a.json":     `[{"id": "x"}, {"id": "y"}]`,
	}
	res, _, err := runOnce(t, src, files)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Component{
		{ID: "x", Type: "t", Data: map[string]any{"total": 2, "first": "a", "files": []any{"a", "b"}}},
		{ID: "y", Type: "t", Data: map[string]any{"total": 2, "first": "a", "files": []any{"a", "b"}}},
	}
	if !reflect.DeepEqual(res.Batch.Components, want) {
		t.Errorf("components\n got %+v\nwant %+v", res.Batch.Components, want)
	}
}

func TestEachErrorAndEmitNull(t *testing.T) {
	src := `name: e
sources: [{name: s, file: {path: s.json}}]
components:
  - name: nulls
    each: $s[]
    jq: 'null, empty, {id: .id, type: "t"}, null'
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}, {"id": "b"}]`})
	if err != nil {
		t.Fatal(err)
	}
	want := []mapping.RuleStat{{Kind: "components", Name: "nulls", RecordsIn: 2, Out: 2, Dropped: 4}}
	if !reflect.DeepEqual(res.Rules, want) {
		t.Errorf("rules %+v, want %+v", res.Rules, want)
	}
}

// Safety: a run that does not fully succeed returns no batch.

func TestFailingSourceSendsNothing(t *testing.T) {
	src := `name: f
sources:
  - name: good
    file: {path: good.json}
  - name: bad
    file: {path: missing.json}
  - name: never
    file: {path: good.json}
components:
  - each: $good[]
    jq: '{id, type: "t"}'
`
	res, path, err := runOnce(t, src, map[string]string{"good.json": `[{"id": "a"}]`})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v, batch %+v; want an error and no batch", err, res.Batch)
	}
	missing := strings.TrimSuffix(path, "m.yaml") + "missing.json"
	want := path + `:5:5: source "bad" (file) failed, so nothing is sent: open ` + missing + ": no such file or directory"
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	if len(res.Errors) != 1 {
		t.Errorf("errors: %q", errText(res))
	}
	if len(res.Rules) != 0 {
		t.Errorf("rules ran: %+v", res.Rules)
	}
	clearDurations(res)
	wantSources := []mapping.SourceStat{
		{Name: "good", Kind: "file", Documents: 1, Records: 1},
		{Name: "bad", Kind: "file", Error: "open " + missing + ": no such file or directory"},
	}
	if !reflect.DeepEqual(res.Sources, wantSources) {
		t.Errorf("sources\n got %+v\nwant %+v", res.Sources, wantSources)
	}
}

func TestSourceRecordsErrorSendsNothing(t *testing.T) {
	src := `name: f
sources:
  - name: s
    file: {path: s.json}
    records: .items[]
components:
  - jq: '{id: "a", type: "t"}'
`
	res, path, err := runOnce(t, src, map[string]string{"s.json": `{"items": 3}`})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v, batch %+v; want an error and no batch", err, res.Batch)
	}
	want := path + `:3:5: source "s" (file) failed, so nothing is sent: ` + strings.TrimSuffix(path, "m.yaml") + `s.json: jq: cannot iterate over: number (3)`
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	if len(res.Rules) != 0 {
		t.Errorf("rules ran: %+v", res.Rules)
	}
}

func TestRuntimeJQError(t *testing.T) {
	src := `name: rt
sources: [{name: s, file: {path: s.json}}]
components:
  - name: ok
    each: $s[]
    jq: '{id: .id, type: "t"}'
  - name: boom
    each: $s[]
    jq: |
      {id: "boom-\(.id)", type: "t",
       name: (.n | ascii_downcase)}
`
	long := strings.Repeat("x", 400)
	data := fmt.Sprintf(`[{"id": "a", "n": "A"}, {"id": "b", "n": 5, "pad": %q}]`, long)
	res, path, err := runOnce(t, src, map[string]string{"s.json": data})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v, batch %+v; want an error and no batch", err, res.Batch)
	}
	record := `{"id":"b","n":5,"pad":"` + long
	record = record[:300] + "…"
	want := path + `:9:9: components rule "boom" (jq): jq: ascii_downcase cannot be applied to: number (5)` + "\n    record: " + record
	if len(res.Errors) != 1 || res.Errors[0].Error() != want {
		t.Errorf("errors\n got %q\nwant %q", errText(res), want)
	}
	var ce *config.Error
	if !errors.As(res.Errors[0], &ce) || ce.Pos.Line != 9 || ce.Pos.File != path {
		t.Errorf("error is not a config.Error at line 9: %#v", res.Errors[0])
	}
	wantRules := []mapping.RuleStat{
		{Kind: "components", Name: "ok", RecordsIn: 2, Out: 2},
		{Kind: "components", Name: "boom", RecordsIn: 2, Out: 1, Errors: 1, Problems: []string{want}},
	}
	if !reflect.DeepEqual(res.Rules, wantRules) {
		t.Errorf("rules\n got %+v\nwant %+v", res.Rules, wantRules)
	}
}

func TestRuntimeErrorInEachAndWhen(t *testing.T) {
	src := `name: rt
sources: [{name: s, file: {path: s.json}}]
components:
  - name: each-fails
    each: $s[] | .x[]
    jq: '{id: "a", type: "t"}'
  - name: when-fails
    each: $s[]
    when: .x > error("no way")
    jq: '{id: "b", type: "t"}'
`
	res, path, err := runOnce(t, src, map[string]string{"s.json": `[{"x": 1}]`})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v; want an error and no batch", err)
	}
	want := []string{
		path + `:6:9: components rule "each-fails" (each): jq: cannot iterate over: number (1)`,
		path + `:10:9: components rule "when-fails" (when): jq: error: no way` + "\n    record: {\"x\":1}",
	}
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors\n got %q\nwant %q", got, want)
	}
	if r := res.Rules[0]; r.RecordsIn != 0 || r.Errors != 1 {
		t.Errorf("each-fails: %+v", r)
	}
	if r := res.Rules[1]; r.RecordsIn != 1 || r.Errors != 1 || r.Out != 0 {
		t.Errorf("when-fails: %+v", r)
	}
}

func TestInvalidElementFails(t *testing.T) {
	src := `name: inv
sources: [{name: s, file: {path: s.json}}]
components:
  - name: c
    each: $s[]
    jq: '{id, type: "t", nmae: .id}'
`
	res, path, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}]`})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v; want an error and no batch", err)
	}
	want := path + `:6:9: components rule "c": invalid component: unknown key "nmae"; did you mean "name"?` + "\n    element: {\"id\":\"a\",\"nmae\":\"a\",\"type\":\"t\"}"
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	wantRule := mapping.RuleStat{Kind: "components", Name: "c", RecordsIn: 1, Errors: 1, Problems: []string{want}}
	if !reflect.DeepEqual(res.Rules, []mapping.RuleStat{wantRule}) {
		t.Errorf("rules\n got %+v\nwant %+v", res.Rules, wantRule)
	}
}

func TestOnInvalidDrop(t *testing.T) {
	files := map[string]string{"s.json": `[{"id": "a", "v": 1}, {"id": "b", "v": "x"}, {"id": "", "v": 2}]`}
	tests := []struct {
		name string
		src  string
	}{
		{"mapping-level", `name: drop
on_invalid: drop
sources: [{name: s, file: {path: s.json}}]
components:
  - name: c
    each: $s[]
    jq: '{id, type: "t"}'
metrics:
  - name: m
    each: $s[]
    jq: '{name: "a.v", value: .v}'
`},
		{"rule-level", `name: drop
sources: [{name: s, file: {path: s.json}}]
components:
  - name: c
    each: $s[]
    on_invalid: drop
    jq: '{id, type: "t"}'
metrics:
  - name: m
    on_invalid: drop
    each: $s[]
    jq: '{name: "a.v", value: .v}'
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, path, err := runOnce(t, tc.src, files)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(res.Batch.Components) != 2 || len(res.Batch.Metrics) != 2 {
				t.Errorf("batch %+v", res.Batch)
			}
			want := []mapping.RuleStat{
				{Kind: "components", Name: "c", RecordsIn: 3, Out: 2, Dropped: 1, Problems: []string{
					path + `:7:9: components rule "c": invalid component: id: must not be empty` + "\n    element: {\"id\":\"\",\"type\":\"t\"}"}},
				{Kind: "metrics", Name: "m", RecordsIn: 3, Out: 2, Dropped: 1, Problems: []string{
					path + `:11:9: metrics rule "m": invalid metric: value: expected a number, got the string "x"; convert it with tonumber` + "\n    element: {\"name\":\"a.v\",\"value\":\"x\"}"}},
			}
			if tc.name == "rule-level" {
				want[1].Problems[0] = strings.Replace(want[1].Problems[0], ":11:9:", ":12:9:", 1)
			}
			if !reflect.DeepEqual(res.Rules, want) {
				t.Errorf("rules\n got %+v\nwant %+v", res.Rules, want)
			}
		})
	}
}

func TestOnInvalidRuleOverridesMapping(t *testing.T) {
	src := `name: drop
on_invalid: drop
sources: [{name: s, file: {path: s.json}}]
components:
  - name: strict
    on_invalid: fail
    each: $s[]
    jq: '{id, type: "t"}'
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}, {"id": 1}]`})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v; want an error and no batch", err)
	}
	if !strings.Contains(err.Error(), `components rule "strict": invalid component: id: expected a string, got the number 1; convert it with tostring`) {
		t.Errorf("error %v", err)
	}
}

func TestRuleProblemsAreCapped(t *testing.T) {
	src := `name: cap
on_invalid: drop
sources: [{name: s, file: {path: s.json}}]
components:
  - each: $s[]
    jq: '{id: ., type: "t"}'
metrics:
  - each: $s[]
    jq: '{name: "a", value: "x"}'
    on_invalid: fail
`
	var nums []string
	for i := range 30 {
		nums = append(nums, fmt.Sprint(i))
	}
	res, _, err := runOnce(t, src, map[string]string{"s.json": "[" + strings.Join(nums, ",") + "]"})
	if err == nil {
		t.Fatal("Run succeeded")
	}
	c, m := res.Rules[0], res.Rules[1]
	if c.Dropped != 30 || c.Errors != 0 || len(c.Problems) != 5 {
		t.Errorf("components: dropped %d, errors %d, %d problems", c.Dropped, c.Errors, len(c.Problems))
	}
	if m.Errors != 30 || len(m.Problems) != 5 {
		t.Errorf("metrics: errors %d, %d problems", m.Errors, len(m.Problems))
	}
	if len(res.Errors) != 20 {
		t.Errorf("%d errors in the result, want them capped at 20", len(res.Errors))
	}
}

func TestDuplicateIDsFail(t *testing.T) {
	src := `name: dup
sources: [{name: s, file: {path: s.json}}]
components:
  - each: $s[]
    jq: '{id, type: "t"}'
`
	res, path, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}, {"id": "b"}, {"id": "a"}]`})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run = %v; want an error and no batch", err)
	}
	msg := `1 duplicate component id(s): "a" ×2; ids must be unique within the mapping`
	if want := path + ": " + msg; err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	if want := []model.Problem{{Error: true, Msg: msg}}; !reflect.DeepEqual(res.Problems, want) {
		t.Errorf("problems %+v", res.Problems)
	}
}

func TestDanglingRelationWarns(t *testing.T) {
	src := `name: dangle
sources: [{name: s, file: {path: s.json}}]
components:
  - each: $s[]
    jq: '{id, type: "t"}'
relations:
  - each: $s[]
    jq: '{source: .id, target: "elsewhere", type: "uses"}'
health:
  - jq: '{id: "h", name: "n", health: "ok", identifier: "nobody"}'
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}]`})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Batch == nil || len(res.Batch.Relations) != 1 || len(res.Batch.HealthStates) != 1 {
		t.Fatalf("batch %+v", res.Batch)
	}
	want := []model.Problem{
		{Msg: "1 relation(s) point at components outside the snapshot; StackState drops them: a-uses-elsewhere (elsewhere)"},
		{Msg: "1 health state(s) name an identifier no component of this mapping carries: h (nobody)"},
	}
	if !reflect.DeepEqual(res.Problems, want) {
		t.Errorf("problems\n got %+v\nwant %+v", res.Problems, want)
	}
}

func TestInstanceErrors(t *testing.T) {
	tests := []struct{ instance, want string }{
		{`{type: "{{ \"\" }}", url: "u"}`, `instance: type and url must not be empty (type "", url "u")`},
		{`{type: t, url: "{{ $vars.missing }}"}`, `instance: url: expected a string, got null`},
		{`{type: "{{ error(\"x\") }}", url: u}`, `instance: type: template {{ error("x") }}: jq: error: x`},
	}
	for _, tc := range tests {
		t.Run(tc.instance, func(t *testing.T) {
			src := "name: i\ninstance: " + tc.instance + "\nsources: [{name: s, file: {path: s.json}}]\ncomponents: [{jq: '{id: \"a\", type: \"t\"}'}]\n"
			res, path, err := runOnce(t, src, map[string]string{"s.json": "[]"})
			if err == nil || res.Batch != nil {
				t.Fatalf("Run = %v; want an error and no batch", err)
			}
			if want := path + ": " + tc.want; err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
			if len(res.Sources) != 0 || len(res.Rules) != 0 {
				t.Errorf("sources or rules ran: %+v %+v", res.Sources, res.Rules)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name, rule string
		want       string
	}{
		{"jq", `jq: '[range(1e8)] | length | {name: "a.n", value: .}'`, `run stopped: context deadline exceeded (timeout 50ms)`},
		{"each", `each: 'last(range(1e9))'` + "\n    jq: '{name: \"a.n\", value: .}'", `run stopped: context deadline exceeded (timeout 50ms)`},
		{"when", `when: 'reduce range(1e9) as $i (0; . + 1) > 0'` + "\n    jq: '{name: \"a.n\", value: 1}'", `run stopped: context deadline exceeded (timeout 50ms)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: slow\ntimeout: 50ms\nsources: [{name: s, file: {path: s.json}}]\nmetrics:\n  - " + tc.rule + "\n"
			p, path := mustCompile(t, src, map[string]string{"s.json": "[]"})
			if p.Timeout != 50*time.Millisecond {
				t.Errorf("Timeout = %v", p.Timeout)
			}
			start := time.Now()
			res, err := p.Run(context.Background(), mapping.Options{Now: now})
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Run took %v", d)
			}
			if err == nil || res.Batch != nil {
				t.Fatalf("Run = %v; want an error and no batch", err)
			}
			if !strings.Contains(err.Error(), path+": "+tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v is not context.DeadlineExceeded", err)
			}
		})
	}
}

func TestTimeoutInSource(t *testing.T) {
	src := `name: slow
timeout: 50ms
sources:
  - name: s
    file: {path: s.json}
    records: 'reduce range(1e9) as $i (0; . + 1)'
metrics: [{jq: '{name: "a.n", value: 1}'}]
`
	p, _ := mustCompile(t, src, map[string]string{"s.json": "[]"})
	start := time.Now()
	res, err := p.Run(context.Background(), mapping.Options{Now: now})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v", d)
	}
	if err == nil || res.Batch != nil || len(res.Rules) != 0 {
		t.Fatalf("Run = %v, rules %+v; want an error, no batch, no rules", err, res.Rules)
	}
	if !strings.Contains(err.Error(), "context deadline exceeded (timeout 50ms)") {
		t.Errorf("error %q does not name the timeout", err)
	}
}

func TestCanceledContext(t *testing.T) {
	p, _ := mustCompile(t, shopMapping, shopFiles)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := p.Run(ctx, mapping.Options{Now: now})
	if err == nil || res.Batch != nil {
		t.Fatalf("Run on a canceled context = %v; want an error and no batch", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v is not context.Canceled", err)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	src := `name: sec
vars:
  password: ` + secret + `
  token: ${SHOP_TOKEN}
  user: alice
sources: [{name: s, file: {path: s.json}}]
components:
  - name: leak
    each: $s[]
    jq: 'error("login as \($vars.user) with \($vars.password)")'
  - name: leak-record
    each: '$s[] | . + {pw: $vars.password, tok: $vars.token}'
    jq: 'error("bad record")'
  - name: leak-drop
    on_invalid: drop
    jq: '{id: $vars.password, type: 2}'
  - name: leak-when
    each: $s[]
    when: error($vars.token)
    jq: '{id: "x", type: "t"}'
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"id": "a"}]`})
	if err == nil {
		t.Fatal("Run succeeded")
	}
	var all []string
	all = append(all, errText(res), err.Error())
	for _, r := range res.Rules {
		all = append(all, r.Problems...)
	}
	text := strings.Join(all, "\n")
	for _, s := range []string{secret, testEnv["SHOP_TOKEN"]} {
		if strings.Contains(text, s) {
			t.Errorf("secret %q shows in:\n%s", s, text)
		}
	}
	for _, want := range []string{
		`components rule "leak" (jq): jq: error: login as alice with ******`,
		`record: {"id":"a","pw":"******","tok":"******"}`,
		`components rule "leak-drop": invalid component: type: expected a string, got the number 2; convert it with tostring` + "\n    element: {\"id\":\"******\",\"type\":2}",
		`components rule "leak-when" (when): jq: error: ******`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if got := res.Rules[2].Problems; len(got) != 1 || strings.Contains(got[0], secret) {
		t.Errorf("dropped element problems %q", got)
	}
}

func TestSecretsInSourceErrorsAreRedacted(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	src := `name: sec
vars:
  api_key: ` + secret + `
sources:
  - name: s
    file: {path: s.json}
    records: '.[] | if .error then error("login failed for key \($vars.api_key)") else . end'
  - name: t
    file: {path: "{{ $vars.api_key }}.json", format: json}
components: [{jq: '{id: "a", type: "t"}'}]
`
	res, _, err := runOnce(t, src, map[string]string{"s.json": `[{"error": true}]`})
	if err == nil {
		t.Fatal("Run succeeded")
	}
	text := errText(res)
	for _, s := range res.Sources {
		text += s.Error + "\n"
	}
	if strings.Contains(text, secret) {
		t.Errorf("secret shows in:\n%s", text)
	}
	if !strings.Contains(text, "login failed for key ******") {
		t.Errorf("redacted message missing in:\n%s", text)
	}

	// A templated path that holds a secret.
	res, _, err = runOnce(t, src, map[string]string{"s.json": `[]`})
	if err == nil {
		t.Fatal("Run succeeded")
	}
	text = errText(res)
	for _, s := range res.Sources {
		text += s.Error + "\n"
	}
	if strings.Contains(text, secret) || !strings.Contains(text, "******.json: no such file or directory") {
		t.Errorf("source error:\n%s", text)
	}
}

// TestLintUnstableIDs evaluates topology rules twice on their first
// records: an id built from the clock differs, a stable one does not.
func TestLintUnstableIDs(t *testing.T) {
	src := `name: lint
sources:
  - name: s
    file: {path: s.json}
components:
  - name: clock
    each: $s[]
    jq: '{id: "x-\(.id)-\(now)", type: "t"}'
  - name: stable
    each: $s[]
    jq: '{id: "y-\(.id)", type: "t"}'
  - name: by-position
    each: $s | to_entries[]
    jq: '{id: "z-\(.key)", type: "t", data: .value}'
`
	p, _ := mustCompile(t, src, map[string]string{"s.json": `[{"id": 1}, {"id": 2}]`})
	res, err := p.Run(context.Background(), mapping.Options{Now: now, Lint: true})
	if err != nil {
		t.Fatal(err)
	}
	var lints []string
	for _, pr := range res.Problems {
		if pr.Lint {
			lints = append(lints, pr.Msg)
		}
	}
	if len(lints) != 2 || !strings.Contains(lints[0], `components rule "clock" builds other ids from the same record`) ||
		!strings.Contains(lints[1], `components rule "by-position" builds other elements when the sources list their records in another order`) {
		t.Errorf("lints %q, want one about the clock rule and one about the by-position rule", lints)
	}
	res, _ = p.Run(context.Background(), mapping.Options{Now: now})
	for _, pr := range res.Problems {
		if strings.Contains(pr.Msg, "second evaluation") {
			t.Errorf("the recheck ran without Lint: %s", pr.Msg)
		}
	}
}
