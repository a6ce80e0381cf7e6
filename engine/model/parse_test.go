package model_test

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/model"
)

var defs = model.Defaults{Layer: "DefLayer", Domain: "DefDomain", Environment: "DefEnv", Now: 1700000000, Source: "mymapping"}

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		kind string
		in   map[string]any
		d    model.Defaults
		want any
	}{
		{
			name: "component with every key",
			kind: model.KindComponent,
			in: map[string]any{
				"id": "urn:c:1", "type": "server", "name": "web-01",
				"layer": "Apps", "domain": "Shop", "environment": "Prod",
				"labels":            []any{"OS:Linux", "Tier"},
				"tags":              map[string]any{"team": "Ops", "b": 2, "flag": nil, "on": true, "f": 1.5},
				"identifiers":       []any{"urn:host:/web-01", "URN:Keep:Case"},
				"version":           "1.2.3",
				"description":       "front end",
				"data":              map[string]any{"ip": "10.0.0.1"},
				"source_properties": map[string]any{"raw": 1},
			},
			d: defs,
			want: model.Component{
				ID: "urn:c:1", Type: "server", Name: "web-01",
				Layer: "Apps", Domain: "Shop", Environment: "Prod",
				Labels:           []string{"os:linux", "tier"},
				Tags:             []string{"b:2", "f:1.5", "flag", "on:true", "team:ops"},
				Identifiers:      []string{"urn:host:/web-01", "URN:Keep:Case"},
				Version:          "1.2.3",
				Description:      "front end",
				Data:             map[string]any{"ip": "10.0.0.1"},
				SourceProperties: map[string]any{"raw": 1},
			},
		},
		{
			name: "component takes layer, domain and environment from defaults",
			kind: model.KindComponent,
			in:   map[string]any{"id": "a", "type": "t", "name": nil, "labels": nil},
			d:    defs,
			want: model.Component{ID: "a", Type: "t", Layer: "DefLayer", Domain: "DefDomain", Environment: "DefEnv"},
		},
		{
			name: "component with empty layer takes the default",
			kind: model.KindComponent,
			in:   map[string]any{"id": "a", "type": "t", "layer": ""},
			d:    model.Defaults{Layer: "L"},
			want: model.Component{ID: "a", Type: "t", Layer: "L"},
		},
		{
			name: "component labels as an object become sorted lower-case k:v",
			kind: model.KindComponent,
			in:   map[string]any{"id": "a", "type": "t", "labels": map[string]any{"Region": "EU-West", "App": "Shop"}},
			want: model.Component{ID: "a", Type: "t", Labels: []string{"app:shop", "region:eu-west"}},
		},
		{
			name: "component label of exactly 200 characters",
			kind: model.KindComponent,
			in:   map[string]any{"id": "a", "type": "t", "labels": []any{strings.Repeat("a", 200)}},
			want: model.Component{ID: "a", Type: "t", Labels: []string{strings.Repeat("a", 200)}},
		},
		{
			name: "component label with every allowed character",
			kind: model.KindComponent,
			in:   map[string]any{"id": "a", "type": "t", "labels": []any{"a0_-:./b"}},
			want: model.Component{ID: "a", Type: "t", Labels: []string{"a0_-:./b"}},
		},
		{
			name: "relation with every key",
			kind: model.KindRelation,
			in: map[string]any{"id": "rel-1", "source": "a", "target": "b", "type": "runs_on",
				"dependency_direction": "both", "data": map[string]any{"x": "y"}},
			want: model.Relation{ID: "rel-1", Source: "a", Target: "b", Type: "runs_on", DependencyDirection: "BOTH", Data: map[string]any{"x": "y"}},
		},
		{
			name: "relation id defaults to source-type-target",
			kind: model.KindRelation,
			in:   map[string]any{"source": "urn:a", "target": "urn:b", "type": "uses"},
			want: model.Relation{ID: "urn:a-uses-urn:b", Source: "urn:a", Target: "urn:b", Type: "uses"},
		},
		{
			name: "relation empty id takes the default",
			kind: model.KindRelation,
			in:   map[string]any{"id": "", "source": "a", "target": "b", "type": "t", "dependency_direction": "one_way"},
			want: model.Relation{ID: "a-t-b", Source: "a", Target: "b", Type: "t", DependencyDirection: "ONE_WAY"},
		},
		{
			name: "metric with every key",
			kind: model.KindMetric,
			in: map[string]any{"name": "app.queue.depth", "value": 1.5, "timestamp": 1600000000, "host": "web-01",
				"type": "count", "tags": []any{"queue:orders", "Keep:Case"}},
			d:    defs,
			want: model.Metric{Name: "app.queue.depth", Value: 1.5, Timestamp: 1600000000, Host: "web-01", Type: "count", Tags: []string{"queue:orders", "Keep:Case"}},
		},
		{
			name: "metric defaults: type gauge, timestamp now, tags object sorted",
			kind: model.KindMetric,
			in:   map[string]any{"name": "app.up", "value": 1, "tags": map[string]any{"z": "1", "a": "B"}},
			d:    defs,
			want: model.Metric{Name: "app.up", Value: 1, Timestamp: 1700000000, Type: "gauge", Tags: []string{"a:B", "z:1"}},
		},
		{
			name: "metric float timestamp is truncated, null type is gauge",
			kind: model.KindMetric,
			in:   map[string]any{"name": "app.up", "value": 0, "timestamp": 1600000000.9, "type": nil},
			d:    defs,
			want: model.Metric{Name: "app.up", Value: 0, Timestamp: 1600000000, Type: "gauge"},
		},
		{
			name: "metric big int value converts to float",
			kind: model.KindMetric,
			in:   map[string]any{"name": "app.big", "value": bigInt("100000000000000000000")},
			d:    defs,
			want: model.Metric{Name: "app.big", Value: 1e20, Timestamp: 1700000000, Type: "gauge"},
		},
		{
			name: "metric every known type",
			kind: model.KindMetric,
			in:   map[string]any{"name": "app.raw", "value": -3, "type": "raw"},
			want: model.Metric{Name: "app.raw", Value: -3, Type: "raw"},
		},
		{
			name: "event with every key",
			kind: model.KindEvent,
			in: map[string]any{
				"title": "Deployed", "type": "VersionChangedEvent", "text": "1.2.3 rolled out",
				"timestamp": 1600000000, "tags": map[string]any{"env": "prod"}, "host": "web-01",
				"category": "cHaNgEs", "source": "mytool", "identifiers": []any{"urn:host:/web-01"},
				"links": []any{
					map[string]any{"title": "CI", "url": "https://ci/1"},
					map[string]any{"url": "https://ci/2"},
				},
				"data": map[string]any{"old": "1.2.2"},
			},
			d: defs,
			want: model.Event{
				Title: "Deployed", Type: "VersionChangedEvent", Text: "1.2.3 rolled out",
				Timestamp: 1600000000, Tags: []string{"env:prod"}, Host: "web-01",
				Category: "Changes", Source: "mytool", Identifiers: []string{"urn:host:/web-01"},
				Links: []model.Link{{Title: "CI", URL: "https://ci/1"}, {Title: "https://ci/2", URL: "https://ci/2"}},
				Data:  map[string]any{"old": "1.2.2"},
			},
		},
		{
			name: "event defaults: timestamp now, source from defaults",
			kind: model.KindEvent,
			in:   map[string]any{"title": "x", "type": "AlertEvent", "links": nil},
			d:    defs,
			want: model.Event{Title: "x", Type: "AlertEvent", Timestamp: 1700000000, Source: "mymapping"},
		},
		{
			name: "health state with every key",
			kind: model.KindHealth,
			in:   map[string]any{"id": "h1", "name": "Disk", "health": "deviating", "identifier": "urn:host:/a", "message": "91% full"},
			want: model.HealthState{ID: "h1", Name: "Disk", Health: model.Deviating, Identifier: "urn:host:/a", Message: "91% full"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := model.Parse(tc.kind, tc.in, tc.d)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseCategories(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"activities", "Activities"}, {"ALERTS", "Alerts"}, {"Anomalies", "Anomalies"},
		{"changes", "Changes"}, {"oThErS", "Others"},
	} {
		got, err := model.Parse(model.KindEvent, map[string]any{"title": "t", "type": "T", "category": c.in}, defs)
		if err != nil {
			t.Errorf("category %q: %v", c.in, err)
			continue
		}
		if e := got.(model.Event); e.Category != c.want || !e.Topological() {
			t.Errorf("category %q: got %q (topological %v), want %q", c.in, e.Category, e.Topological(), c.want)
		}
	}
}

func TestParseHealthAliases(t *testing.T) {
	tests := map[string]string{
		"ok": model.Clear, "OK": model.Clear, "Ok": model.Clear, "clear": model.Clear, "CLEAR": model.Clear, "Clear": model.Clear,
		"warning": model.Deviating, "WARNING": model.Deviating, "deviating": model.Deviating, "DEVIATING": model.Deviating, "DeViAtInG": model.Deviating,
		"critical": model.Critical, "CRITICAL": model.Critical, "Critical": model.Critical,
	}
	for in, want := range tests {
		got, err := model.Parse(model.KindHealth, map[string]any{"id": "h", "name": "n", "health": in, "identifier": "i"}, defs)
		if err != nil {
			t.Errorf("health %q: %v", in, err)
			continue
		}
		if h := got.(model.HealthState); h.Health != want {
			t.Errorf("health %q: got %q, want %q", in, h.Health, want)
		}
	}
}

func TestEventTopological(t *testing.T) {
	tests := []struct {
		e    model.Event
		want bool
	}{
		{model.Event{Title: "t"}, false},
		{model.Event{Category: "Changes"}, true},
		{model.Event{Identifiers: []string{"a"}}, true},
		{model.Event{Links: []model.Link{{URL: "u"}}}, true},
		{model.Event{Data: map[string]any{"a": 1}}, true},
		{model.Event{Tags: []string{"a:b"}, Host: "h", Text: "x"}, false},
	}
	for i, tc := range tests {
		if got := tc.e.Topological(); got != tc.want {
			t.Errorf("%d: Topological() = %v, want %v", i, got, tc.want)
		}
	}
}

func comp(kv ...any) map[string]any {
	m := map[string]any{"id": "c1", "type": "server"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func rel(kv ...any) map[string]any {
	m := map[string]any{"source": "a", "target": "b", "type": "uses"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func met(kv ...any) map[string]any {
	m := map[string]any{"name": "app.up", "value": 1}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func evt(kv ...any) map[string]any {
	m := map[string]any{"title": "T", "type": "AlertEvent"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func hs(kv ...any) map[string]any {
	m := map[string]any{"id": "h1", "name": "Disk", "health": "ok", "identifier": "urn:x"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func without(m map[string]any, key string) map[string]any {
	delete(m, key)
	return m
}

func TestParseInvalid(t *testing.T) {
	long := strings.Repeat("a", 201)
	tests := []struct {
		name string
		kind string
		in   any
		d    model.Defaults
		key  string // the InvalidError's Key
		want string
	}{
		// The shape of the output.
		{"list", model.KindComponent, []any{comp()}, defs, "", "invalid component: expected an object, got a list; emit one object per element (use .[] to emit several)"},
		{"string", model.KindRelation, "a", defs, "", `invalid relation: expected an object, got the string "a"; emit one object per element (use .[] to emit several)`},
		{"number", model.KindMetric, 1, defs, "", "invalid metric: expected an object, got a number; emit one object per element (use .[] to emit several)"},
		{"bool", model.KindEvent, true, defs, "", "invalid event: expected an object, got a boolean; emit one object per element (use .[] to emit several)"},
		{"null", model.KindHealth, nil, defs, "", "invalid health state: expected an object, got null; emit one object per element (use .[] to emit several)"},

		// Unknown keys.
		{"unknown key with suggestion", model.KindComponent, comp("nmae", "x"), defs, "", `invalid component: unknown key "nmae"; did you mean "name"?`},
		{"unknown key with suggestion, relation", model.KindRelation, rel("dependency_directon", "BOTH"), defs, "", `invalid relation: unknown key "dependency_directon"; did you mean "dependency_direction"?`},
		{"unknown key without suggestion", model.KindRelation, rel("zzzzzzzz", 1), defs, "", `invalid relation: unknown key "zzzzzzzz"; known: source, target, type, id, data, dependency_direction`},
		{"unknown key before missing key", model.KindHealth, map[string]any{"helth": "ok"}, defs, "", `invalid health state: unknown key "helth"; did you mean "health"?`},
		{"first unknown key in sorted order", model.KindMetric, met("zzzzzzzz", 1, "valeu", 2), defs, "", `invalid metric: unknown key "valeu"; did you mean "value"?`},

		// Required keys, per kind.
		{"component without id", model.KindComponent, without(comp(), "id"), defs, "id", "invalid component: id: is required"},
		{"component without type", model.KindComponent, without(comp(), "type"), defs, "type", "invalid component: type: is required"},
		{"relation without source", model.KindRelation, without(rel(), "source"), defs, "source", "invalid relation: source: is required"},
		{"relation without target", model.KindRelation, without(rel(), "target"), defs, "target", "invalid relation: target: is required"},
		{"relation without type", model.KindRelation, without(rel(), "type"), defs, "type", "invalid relation: type: is required"},
		{"metric without name", model.KindMetric, without(met(), "name"), defs, "name", "invalid metric: name: is required"},
		{"metric without value", model.KindMetric, without(met(), "value"), defs, "value", "invalid metric: value: is required"},
		{"event without title", model.KindEvent, without(evt(), "title"), defs, "title", "invalid event: title: is required"},
		{"event without type", model.KindEvent, without(evt(), "type"), defs, "type", "invalid event: type: is required"},
		{"health without id", model.KindHealth, without(hs(), "id"), defs, "id", "invalid health state: id: is required"},
		{"health without name", model.KindHealth, without(hs(), "name"), defs, "name", "invalid health state: name: is required"},
		{"health without health", model.KindHealth, without(hs(), "health"), defs, "health", "invalid health state: health: is required"},
		{"health without identifier", model.KindHealth, without(hs(), "identifier"), defs, "identifier", "invalid health state: identifier: is required"},
		{"missing keys reported in required order", model.KindRelation, map[string]any{}, defs, "source", "invalid relation: source: is required"},
		{"null required key", model.KindComponent, comp("id", nil), defs, "id", "invalid component: id: is required"},
		{"null metric value", model.KindMetric, met("value", nil), defs, "value", "invalid metric: value: is required"},

		// Empty and mistyped strings.
		{"empty id", model.KindComponent, comp("id", ""), defs, "id", "invalid component: id: must not be empty"},
		{"empty relation source", model.KindRelation, rel("source", ""), defs, "source", "invalid relation: source: must not be empty"},
		{"empty health", model.KindHealth, hs("health", ""), defs, "health", "invalid health state: health: must not be empty"},
		{"number id", model.KindComponent, comp("id", 42), defs, "id", "invalid component: id: expected a string, got the number 42; convert it with tostring"},
		{"float name", model.KindComponent, comp("name", 1.5), defs, "name", "invalid component: name: expected a string, got the number 1.5; convert it with tostring"},
		{"big int version", model.KindComponent, comp("version", bigInt("123456789012345678901234567890")), defs, "version", "invalid component: version: expected a string, got the number 123456789012345678901234567890; convert it with tostring"},
		{"bool type", model.KindComponent, comp("type", true), defs, "type", "invalid component: type: expected a string, got a boolean"},
		{"object host", model.KindMetric, met("host", map[string]any{}), defs, "host", "invalid metric: host: expected a string, got an object"},
		{"number health", model.KindHealth, hs("health", 0), defs, "health", "invalid health state: health: expected a string, got the number 0; convert it with tostring"},

		// Lists and objects.
		{"identifiers not a list", model.KindComponent, comp("identifiers", "urn:a"), defs, "identifiers", `invalid component: identifiers: expected a list of strings, got the string "urn:a"`},
		{"identifiers object", model.KindComponent, comp("identifiers", map[string]any{"a": "b"}), defs, "identifiers", "invalid component: identifiers: expected a list of strings, got an object"},
		{"identifier not a string", model.KindComponent, comp("identifiers", []any{"a", 2}), defs, "identifiers[1]", "invalid component: identifiers[1]: expected a string, got a number"},
		{"empty identifier", model.KindComponent, comp("identifiers", []any{"a", ""}), defs, "identifiers[1]", "invalid component: identifiers[1]: must not be empty"},
		{"labels a string", model.KindComponent, comp("labels", "a:b"), defs, "labels", `invalid component: labels: expected a list of strings or an object, got the string "a:b"`},
		{"label not a string", model.KindComponent, comp("labels", []any{1}), defs, "labels[0]", "invalid component: labels[0]: expected a string, got a number"},
		{"label object value nested", model.KindComponent, comp("labels", map[string]any{"a": []any{"b"}}), defs, "labels.a", "invalid component: labels.a: expected a string, number or bool, got a list"},
		{"metric tags a number", model.KindMetric, met("tags", 3), defs, "tags", "invalid metric: tags: expected a list of strings or an object, got a number"},
		{"metric tag object value nested", model.KindMetric, met("tags", map[string]any{"a": map[string]any{}}), defs, "tags.a", "invalid metric: tags.a: expected a string, number or bool, got an object"},
		{"event tags list item", model.KindEvent, evt("tags", []any{nil}), defs, "tags[0]", "invalid event: tags[0]: expected a string, got null"},
		{"data a list", model.KindComponent, comp("data", []any{}), defs, "data", "invalid component: data: expected an object, got a list"},
		{"source_properties a string", model.KindComponent, comp("source_properties", "x"), defs, "source_properties", `invalid component: source_properties: expected an object, got the string "x"`},
		{"relation data a number", model.KindRelation, rel("data", 1), defs, "data", "invalid relation: data: expected an object, got a number"},

		// Labels.
		{"label starts with a digit", model.KindComponent, comp("labels", []any{"1abc"}), defs, "labels", `invalid component: labels: label "1abc" must start with a letter and hold only letters, digits and _ - : . /`},
		{"label starts with a colon", model.KindComponent, comp("labels", []any{":a"}), defs, "labels", `invalid component: labels: label ":a" must start with a letter and hold only letters, digits and _ - : . /`},
		{"label with a space", model.KindComponent, comp("labels", []any{"ok", "Team Ops"}), defs, "labels", `invalid component: labels: label "Team Ops" must start with a letter and hold only letters, digits and _ - : . /`},
		{"label with a comma", model.KindComponent, comp("labels", []any{"a,b"}), defs, "labels", `invalid component: labels: label "a,b" must start with a letter and hold only letters, digits and _ - : . /`},
		{"empty label", model.KindComponent, comp("labels", []any{""}), defs, "labels", `invalid component: labels: label "" must start with a letter and hold only letters, digits and _ - : . /`},
		{"label too long", model.KindComponent, comp("labels", []any{long}), defs, "labels", `invalid component: labels: label "` + strings.Repeat("a", 40) + `…" is longer than 200 characters`},
		{"label ends with colon", model.KindComponent, comp("labels", []any{"env:"}), defs, "labels", `invalid component: labels: label "env:" must not end with ':'`},
		{"label from object with empty value ends with colon", model.KindComponent, comp("labels", map[string]any{"env": ""}), defs, "labels", `invalid component: labels: label "env:" must not end with ':'`},
		{"label from object with a bad key", model.KindComponent, comp("labels", map[string]any{"my key": "v"}), defs, "labels", `invalid component: labels: label "my key:v" must start with a letter and hold only letters, digits and _ - : . /`},
		{"tags follow the label rules", model.KindComponent, comp("tags", []any{"team:"}), defs, "tags", `invalid component: tags: label "team:" must not end with ':'`},

		// Metrics.
		{"metric name host", model.KindMetric, met("name", "host.cpu"), defs, "name", `invalid metric: name: "host.cpu" starts with "host", which StackState reserves; prefix it, such as "myapp.host.cpu"`},
		{"metric name hostname", model.KindMetric, met("name", "hostname"), defs, "name", `invalid metric: name: "hostname" starts with "host", which StackState reserves; prefix it, such as "myapp.hostname"`},
		{"metric name tags", model.KindMetric, met("name", "tags.count"), defs, "name", `invalid metric: name: "tags.count" starts with "tags", which StackState reserves; prefix it, such as "myapp.tags.count"`},
		{"metric name labels", model.KindMetric, met("name", "labels"), defs, "name", `invalid metric: name: "labels" starts with "labels", which StackState reserves; prefix it, such as "myapp.labels"`},
		{"metric name name", model.KindMetric, met("name", "name.x"), defs, "name", `invalid metric: name: "name.x" starts with "name", which StackState reserves; prefix it, such as "myapp.name.x"`},
		{"metric name timeReceived", model.KindMetric, met("name", "timeReceived"), defs, "name", `invalid metric: name: "timeReceived" starts with "timeReceived", which StackState reserves; prefix it, such as "myapp.timeReceived"`},
		{"metric name timestamp", model.KindMetric, met("name", "timestamp.lag"), defs, "name", `invalid metric: name: "timestamp.lag" starts with "timestamp", which StackState reserves; prefix it, such as "myapp.timestamp.lag"`},
		{"metric name values", model.KindMetric, met("name", "values"), defs, "name", `invalid metric: name: "values" starts with "values", which StackState reserves; prefix it, such as "myapp.values"`},
		{"empty metric name", model.KindMetric, met("name", ""), defs, "name", "invalid metric: name: must not be empty"},
		{"metric value a string", model.KindMetric, met("value", "1.5"), defs, "value", `invalid metric: value: expected a number, got the string "1.5"; convert it with tonumber`},
		{"metric value a bool", model.KindMetric, met("value", false), defs, "value", "invalid metric: value: expected a number, got a boolean"},
		{"metric value a list", model.KindMetric, met("value", []any{1}), defs, "value", "invalid metric: value: expected a number, got a list"},
		{"metric value NaN", model.KindMetric, met("value", math.NaN()), defs, "value", "invalid metric: value: must be a finite number"},
		{"metric value +Inf", model.KindMetric, met("value", math.Inf(1)), defs, "value", "invalid metric: value: must be a finite number"},
		{"metric value -Inf", model.KindMetric, met("value", math.Inf(-1)), defs, "value", "invalid metric: value: must be a finite number"},
		{"metric timestamp a string", model.KindMetric, met("timestamp", "2024-01-01T00:00:00Z"), defs, "timestamp", `invalid metric: timestamp: expected epoch seconds (a number), got the string "2024-01-01T00:00:00Z"; convert dates with fromdateiso8601 or strptime`},
		{"metric timestamp a bool", model.KindMetric, met("timestamp", true), defs, "timestamp", "invalid metric: timestamp: expected epoch seconds (a number), got a boolean"},
		{"metric timestamp NaN", model.KindMetric, met("timestamp", math.NaN()), defs, "timestamp", "invalid metric: timestamp: expected epoch seconds, got NaN, which is out of range"},
		{"metric timestamp Inf", model.KindMetric, met("timestamp", math.Inf(1)), defs, "timestamp", "invalid metric: timestamp: expected epoch seconds, got +Inf, which is out of range"},
		{"metric timestamp huge float", model.KindMetric, met("timestamp", 1e300), defs, "timestamp", "invalid metric: timestamp: expected epoch seconds, got 1e+300, which is out of range"},
		{"metric timestamp big int", model.KindMetric, met("timestamp", bigInt("100000000000000000000")), defs, "timestamp", "invalid metric: timestamp: expected epoch seconds, got 100000000000000000000, which is out of range"},
		{"metric type unknown", model.KindMetric, met("type", "histogram"), defs, "type", `invalid metric: type: must be one of gauge, count, rate, counter, raw, not "histogram"`},
		{"metric type unknown", model.KindMetric, met("type", "Histogram"), defs, "type", `invalid metric: type: must be one of gauge, count, rate, counter, raw, not "histogram"`},
		{"timestamp in milliseconds", model.KindMetric, met("timestamp", 1700000000000), defs, "timestamp", "invalid metric: timestamp: 1700000000000 looks like milliseconds, not epoch seconds; divide it by 1000 (./1000 | floor)"},
		{"metric type a number", model.KindMetric, met("type", 1), defs, "type", "invalid metric: type: expected a string, got the number 1; convert it with tostring"},

		// Relations.
		{"bad dependency_direction", model.KindRelation, rel("dependency_direction", "sideways"), defs, "dependency_direction", `invalid relation: dependency_direction: must be one of ONE_WAY, BOTH, NONE, not "SIDEWAYS"`},
		{"dependency_direction with a dash", model.KindRelation, rel("dependency_direction", "one-way"), defs, "dependency_direction", `invalid relation: dependency_direction: must be one of ONE_WAY, BOTH, NONE, not "ONE-WAY"`},

		// Events.
		{"bad event category", model.KindEvent, evt("category", "Deploys"), defs, "category", `invalid event: category: must be one of Activities, Alerts, Anomalies, Changes, Others, not "Deploys"`},
		{"event category a number", model.KindEvent, evt("category", 1), defs, "category", "invalid event: category: expected a string, got the number 1; convert it with tostring"},
		{"reserved event source host", model.KindEvent, evt("source", "hostwatch"), defs, "source", `invalid event: source: "hostwatch" starts with "host", which StackState reserves for event names`},
		{"reserved event source eventType", model.KindEvent, evt("source", "eventTypeX"), defs, "source", `invalid event: source: "eventTypeX" starts with "eventType", which StackState reserves for event names`},
		{"reserved event source title", model.KindEvent, evt("source", "titles"), defs, "source", `invalid event: source: "titles" starts with "title", which StackState reserves for event names`},
		{"reserved event source message", model.KindEvent, evt("source", "messages"), defs, "source", `invalid event: source: "messages" starts with "message", which StackState reserves for event names`},
		{"links an object", model.KindEvent, evt("links", map[string]any{"url": "u"}), defs, "links", "invalid event: links: expected a list of {title, url} objects, got an object"},
		{"links a string", model.KindEvent, evt("links", "https://x"), defs, "links", `invalid event: links: expected a list of {title, url} objects, got the string "https://x"`},
		{"link without url", model.KindEvent, evt("links", []any{map[string]any{"title": "CI"}}), defs, "links[0]", "invalid event: links[0]: expected {title, url} with a url string, got an object"},
		{"link with empty url", model.KindEvent, evt("links", []any{map[string]any{"url": "u"}, map[string]any{"title": "x", "url": ""}}), defs, "links[1]", "invalid event: links[1]: expected {title, url} with a url string, got an object"},
		{"link with a number url", model.KindEvent, evt("links", []any{map[string]any{"url": 1}}), defs, "links[0]", "invalid event: links[0]: expected {title, url} with a url string, got an object"},
		{"link a string", model.KindEvent, evt("links", []any{"https://x"}), defs, "links[0]", `invalid event: links[0]: expected {title, url} with a url string, got the string "https://x"`},
		{"event timestamp a string", model.KindEvent, evt("timestamp", "yesterday"), defs, "timestamp", `invalid event: timestamp: expected epoch seconds (a number), got the string "yesterday"; convert dates with fromdateiso8601 or strptime`},
		{"event identifiers an object", model.KindEvent, evt("identifiers", map[string]any{"a": "b"}), defs, "identifiers", "invalid event: identifiers: expected a list of strings, got an object"},

		// Health.
		{"bad health value", model.KindHealth, hs("health", "yellow"), defs, "health", `invalid health state: health: must be CLEAR, DEVIATING or CRITICAL (or ok, warning, critical), not "yellow"`},
		{"health unknown is not an alias", model.KindHealth, hs("health", "UNKNOWN"), defs, "health", `invalid health state: health: must be CLEAR, DEVIATING or CRITICAL (or ok, warning, critical), not "UNKNOWN"`},
		{"empty health identifier", model.KindHealth, hs("identifier", ""), defs, "identifier", "invalid health state: identifier: must not be empty"},
		{"health message a list", model.KindHealth, hs("message", []any{}), defs, "message", "invalid health state: message: expected a string, got a list"},

		// Only the first problem is reported, in key order.
		{"first problem wins", model.KindComponent, comp("id", 1, "type", 2), defs, "id", "invalid component: id: expected a string, got the number 1; convert it with tostring"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			el, err := model.Parse(tc.kind, tc.in, tc.d)
			if err == nil {
				t.Fatalf("Parse succeeded with %#v, want error %q", el, tc.want)
			}
			if el != nil {
				t.Errorf("Parse returned an element %#v with its error", el)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
			var ie *model.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error is %T, want *model.InvalidError", err)
			}
			if ie.Key != tc.key {
				t.Errorf("Key = %q, want %q", ie.Key, tc.key)
			}
		})
	}
}

func TestParseUnknownKindPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Parse of an unknown kind did not panic")
		}
	}()
	model.Parse("widgets", map[string]any{}, defs)
}

func TestParseKeysCoverRequired(t *testing.T) {
	// Every key a kind accepts parses, so Keys and the parser agree.
	full := map[string]map[string]any{
		model.KindComponent: comp("name", "n", "layer", "l", "domain", "d", "environment", "e", "labels", []any{"a"}, "tags", []any{"b"}, "identifiers", []any{"i"}, "version", "v", "description", "d", "data", map[string]any{}, "source_properties", map[string]any{}),
		model.KindRelation:  rel("id", "r", "data", map[string]any{}, "dependency_direction", "NONE"),
		model.KindMetric:    met("timestamp", 1, "host", "h", "type", "rate", "tags", []any{"a:b"}),
		model.KindEvent:     evt("text", "x", "timestamp", 1, "tags", []any{"a"}, "host", "h", "category", "Alerts", "source", "s", "identifiers", []any{"i"}, "links", []any{map[string]any{"url": "u"}}, "data", map[string]any{}),
		model.KindHealth:    hs("message", "m"),
	}
	for kind, keys := range model.Keys {
		obj := full[kind]
		if len(obj) != len(keys) {
			t.Errorf("%s: the test object has %d keys, Keys lists %d", kind, len(obj), len(keys))
		}
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s: key %q is missing from the test object", kind, k)
			}
		}
		if _, err := model.Parse(kind, obj, defs); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestParseCaseAndDefaultSource(t *testing.T) {
	m, err := model.Parse(model.KindMetric, map[string]any{"name": "app.up", "value": 1, "type": "GAUGE"}, model.Defaults{})
	if err != nil || m.(model.Metric).Type != "gauge" {
		t.Errorf("metric type GAUGE: %v, %v; want gauge", m, err)
	}
	for mapping, want := range map[string]string{"cmdb": "cmdb", "hosts-inventory": "stackmap.hosts-inventory", "titles": "stackmap.titles"} {
		e, err := model.Parse(model.KindEvent, map[string]any{"title": "T", "type": "AlertEvent"}, model.Defaults{Source: mapping})
		if err != nil {
			t.Fatalf("mapping %q: %v", mapping, err)
		}
		if got := e.(model.Event).Source; got != want {
			t.Errorf("mapping %q: default source %q, want %q", mapping, got, want)
		}
	}
}
