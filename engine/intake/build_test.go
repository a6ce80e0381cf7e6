package intake

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/model"
)

// sizedBatch returns a batch with the given numbers of elements of each
// kind, each named by its kind and index so that the order can be checked.
func sizedBatch(comps, rels, states, metrics, events int, health bool) *model.Batch {
	b := model.NewBatch("sized", model.Instance{Type: "stackmap", URL: "stackmap://test"})
	b.Health = health
	for i := range comps {
		b.Components = append(b.Components, model.Component{ID: fmt.Sprintf("c%d", i), Type: "host"})
	}
	for i := range rels {
		b.Relations = append(b.Relations, model.Relation{ID: fmt.Sprintf("r%d", i), Source: "c0", Target: "c0", Type: "self"})
	}
	for i := range states {
		b.HealthStates = append(b.HealthStates, model.HealthState{ID: fmt.Sprintf("s%d", i), Name: "n", Health: model.Clear, Identifier: "urn:x"})
	}
	for i := range metrics {
		b.Metrics = append(b.Metrics, model.Metric{Name: fmt.Sprintf("m%d", i), Value: i, Timestamp: 1, Type: "gauge"})
	}
	for i := range events {
		b.Events = append(b.Events, model.Event{Title: fmt.Sprintf("e%d", i), Type: "XEvent", Source: "src", Timestamp: 1})
	}
	return b
}

// elementIDs returns the ids of the elements of e in the order Build fills
// them in.
func elementIDs(e *Envelope) []string {
	var ids []string
	for _, t := range e.Topologies {
		for _, c := range t.Components {
			ids = append(ids, c.ExternalID)
		}
		for _, r := range t.Relations {
			ids = append(ids, r.ExternalID)
		}
	}
	for _, h := range e.Health {
		for _, s := range h.CheckStates {
			ids = append(ids, s.CheckStateID)
		}
	}
	for _, m := range e.Metrics {
		ids = append(ids, m.Name)
	}
	for _, src := range slices.Sorted(maps.Keys(e.Events)) {
		for _, ev := range e.Events[src] {
			ids = append(ids, ev.Title)
		}
	}
	return ids
}

// snapshotFlags describes, per envelope, the topology and health parts:
// "-" none, "S" start, "E" stop (end), "SE" both, "." a middle part.
func snapshotFlags(envs []Envelope) (topo, health []string) {
	for _, e := range envs {
		switch len(e.Topologies) {
		case 0:
			topo = append(topo, "-")
		case 1:
			topo = append(topo, partFlag(e.Topologies[0].StartSnapshot, e.Topologies[0].StopSnapshot))
		default:
			topo = append(topo, fmt.Sprintf("%d topologies", len(e.Topologies)))
		}
		switch len(e.Health) {
		case 0:
			health = append(health, "-")
		case 1:
			health = append(health, partFlag(e.Health[0].StartSnapshot != nil, e.Health[0].StopSnapshot != nil))
		default:
			health = append(health, fmt.Sprintf("%d healths", len(e.Health)))
		}
	}
	return topo, health
}

// partFlag returns the snapshotFlags form of a part.
func partFlag(start, stop bool) string {
	s := ""
	if start {
		s += "S"
	}
	if stop {
		s += "E"
	}
	if s == "" {
		s = "."
	}
	return s
}

func TestBuildChunking(t *testing.T) {
	tests := []struct {
		name                                 string
		comps, rels, states, metrics, events int
		health                               bool
		chunk                                int
		wantEnvs                             int
		wantTopo, wantHealth                 []string
	}{
		{
			name:  "brief example",
			comps: 5, rels: 3, states: 2, chunk: 2,
			wantEnvs:   5,
			wantTopo:   []string{"S", ".", ".", "E", "-"},
			wantHealth: []string{"-", "-", "-", "-", "SE"},
		},
		{
			name: "everything, odd boundaries",
			// c0 c1 r0 | r1 s0 s1 | s2 s3 s4 | m0 m1 m2 | e0 e1
			comps: 2, rels: 2, states: 5, metrics: 3, events: 2, chunk: 3, health: true,
			wantEnvs:   5,
			wantTopo:   []string{"S", "E", "-", "-", "-"},
			wantHealth: []string{"-", "S", "E", "-", "-"},
		},
		{
			name:  "topology and health share an envelope",
			comps: 1, states: 1, metrics: 1, chunk: 10000,
			wantEnvs:   1,
			wantTopo:   []string{"SE"},
			wantHealth: []string{"SE"},
		},
		{
			name:    "no topology: empty snapshot in envelope 1",
			metrics: 3, events: 2, chunk: 2,
			wantEnvs:   3,
			wantTopo:   []string{"SE", "-", "-"},
			wantHealth: []string{"-", "-", "-"},
		},
		{
			name:  "health rules without states: empty health snapshot in envelope 1",
			comps: 3, metrics: 1, chunk: 2, health: true,
			wantEnvs:   2,
			wantTopo:   []string{"S", "E"},
			wantHealth: []string{"SE", "-"},
		},
		{
			name:   "states without the health flag still send the stream",
			states: 3, chunk: 2,
			wantEnvs:   2,
			wantTopo:   []string{"SE", "-"},
			wantHealth: []string{"S", "E"},
		},
		{
			name:   "health snapshot over three envelopes",
			states: 7, chunk: 3, health: true,
			wantEnvs:   3,
			wantTopo:   []string{"SE", "-", "-"},
			wantHealth: []string{"S", ".", "E"},
		},
		{
			name:     "empty batch",
			chunk:    0,
			wantEnvs: 1,
			wantTopo: []string{"SE"}, wantHealth: []string{"-"},
		},
		{
			name:  "exact multiple of the chunk size",
			comps: 4, chunk: 2,
			wantEnvs:   2,
			wantTopo:   []string{"S", "E"},
			wantHealth: []string{"-", "-"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := sizedBatch(tt.comps, tt.rels, tt.states, tt.metrics, tt.events, tt.health)
			envs, err := Build(b, Options{Hostname: "h", ChunkSize: tt.chunk, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if len(envs) != tt.wantEnvs {
				t.Fatalf("got %d envelopes, want %d", len(envs), tt.wantEnvs)
			}
			topo, health := snapshotFlags(envs)
			if !slices.Equal(topo, tt.wantTopo) {
				t.Errorf("topology parts %v, want %v", topo, tt.wantTopo)
			}
			if !slices.Equal(health, tt.wantHealth) {
				t.Errorf("health parts %v, want %v", health, tt.wantHealth)
			}

			size := tt.chunk
			if size == 0 {
				size = DefaultChunkSize
			}
			var got []string
			for i := range envs {
				ids := elementIDs(&envs[i])
				if len(ids) > size {
					t.Errorf("envelope %d holds %d elements, more than %d", i+1, len(ids), size)
				}
				if i < len(envs)-1 && len(ids) != size {
					t.Errorf("envelope %d holds %d elements, want a full %d", i+1, len(ids), size)
				}
				for _, top := range envs[i].Topologies {
					if top.Instance != (Instance{Type: "stackmap", URL: "stackmap://test"}) {
						t.Errorf("envelope %d: instance %+v", i+1, top.Instance)
					}
				}
				got = append(got, ids...)
			}
			var want []string
			for i := range tt.comps {
				want = append(want, fmt.Sprintf("c%d", i))
			}
			for i := range tt.rels {
				want = append(want, fmt.Sprintf("r%d", i))
			}
			for i := range tt.states {
				want = append(want, fmt.Sprintf("s%d", i))
			}
			for i := range tt.metrics {
				want = append(want, fmt.Sprintf("m%d", i))
			}
			for i := range tt.events {
				want = append(want, fmt.Sprintf("e%d", i))
			}
			if !slices.Equal(got, want) {
				t.Errorf("elements in order %v, want %v", got, want)
			}
		})
	}
}

func TestBuildEmptyBatch(t *testing.T) {
	b := model.NewBatch("m", model.Instance{Type: "t", URL: "u"})
	envs, err := Build(b, Options{Hostname: "h", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := []Envelope{{
		CollectionTimestamp: testNow.Unix(),
		InternalHostname:    "h",
		Events:              map[string][]Event{},
		Metrics:             []Metric{},
		ServiceChecks:       []any{},
		Health:              []Health{},
		Topologies: []Topology{{
			StartSnapshot: true,
			StopSnapshot:  true,
			Instance:      Instance{Type: "t", URL: "u"},
			DeleteIDs:     []string{},
			Components:    []Component{},
			Relations:     []Relation{},
		}},
	}}
	if !reflect.DeepEqual(envs, want) {
		t.Errorf("got %#v\nwant %#v", envs, want)
	}
}

func TestBuildHealthStream(t *testing.T) {
	b := sizedBatch(0, 0, 3, 0, 0, true)
	b.Mapping = "team a/shop"
	envs, err := Build(b, Options{Hostname: "h", ChunkSize: 2, RepeatInterval: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range envs {
		for _, h := range e.Health {
			if h.ConsistencyModel != "REPEAT_SNAPSHOTS" {
				t.Errorf("envelope %d: consistency model %q", i+1, h.ConsistencyModel)
			}
			if h.Stream.URN != "urn:health:stackmap:team%20a%2Fshop" {
				t.Errorf("envelope %d: stream urn %q", i+1, h.Stream.URN)
			}
		}
	}
	if got := envs[0].Health[0].StartSnapshot; got == nil || got.RepeatIntervalS != 120 {
		t.Errorf("start snapshot %+v, want repeat 120", got)
	}
}

func TestRepeatInterval(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{0, 300},
		{10 * time.Minute, 600},
		{90*time.Second + 500*time.Millisecond, 90},
		{time.Hour, 1800},
		{1800 * time.Second, 1800},
		{500 * time.Millisecond, 1},
		{time.Nanosecond, 1},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			b := sizedBatch(0, 0, 0, 0, 0, true)
			envs, err := Build(b, Options{Hostname: "h", RepeatInterval: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if got := envs[0].Health[0].StartSnapshot.RepeatIntervalS; got != tt.want {
				t.Errorf("repeat_interval_s %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	ok := func() *model.Batch { return sizedBatch(1, 0, 0, 0, 0, false) }
	tests := []struct {
		name  string
		batch *model.Batch
		opt   Options
		want  string
	}{
		{"nil batch", nil, Options{Hostname: "h"}, "batch is nil"},
		{"empty hostname", ok(), Options{}, "hostname is empty"},
		{"negative chunk size", ok(), Options{Hostname: "h", ChunkSize: -1}, "chunk size -1 is negative"},
		{"negative repeat interval", ok(), Options{Hostname: "h", RepeatInterval: -time.Second}, "repeat interval -1s is negative"},
		{"empty instance type", func() *model.Batch { b := ok(); b.Instance.Type = ""; return b }(), Options{Hostname: "h"}, "instance type is empty"},
		{"empty instance url", func() *model.Batch { b := ok(); b.Instance.URL = ""; return b }(), Options{Hostname: "h"}, "instance url is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envs, err := Build(tt.batch, tt.opt)
			if err == nil {
				t.Fatalf("got %d envelopes and no error, want %q", len(envs), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestBuildDefaults(t *testing.T) {
	before := time.Now().Unix()
	envs, err := Build(sizedBatch(0, 0, 0, 0, 0, false), Options{Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if ts := envs[0].CollectionTimestamp; ts < before || ts > time.Now().Unix() {
		t.Errorf("collection_timestamp %d is not now", ts)
	}
	envs, err = Build(sizedBatch(DefaultChunkSize+1, 0, 0, 0, 0, false), Options{Hostname: "h", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 2 || len(envs[1].Topologies[0].Components) != 1 {
		t.Errorf("chunk size 0 did not mean %d", DefaultChunkSize)
	}
}

func TestBuildElements(t *testing.T) {
	b := basicBatch()
	orig := basicBatch()
	envs, err := Build(b, Options{Hostname: "sender", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b, orig) {
		t.Error("Build changed its input batch")
	}
	e := envs[0]
	comps := e.Topologies[0].Components
	if got := comps[0].Data["name"]; got != "web-01" {
		t.Errorf("component name %v: set field must win over data", got)
	}
	if got := comps[0].Data["cpus"]; got != 4 {
		t.Errorf("component data cpus %v: data must be kept", got)
	}
	if comps[1].SourceProperties != nil {
		t.Errorf("source properties %v, want nil when the component has none", comps[1].SourceProperties)
	}
	comps[0].Data["labels"].([]string)[0] = "changed"
	if b.Components[0].Labels[0] != "stackmap" {
		t.Error("envelope shares the component's labels")
	}
	if got := e.Topologies[0].Relations[0].Data["dependencyDirection"]; got != "ONE_WAY" {
		t.Errorf("dependencyDirection %v", got)
	}
	if h := e.Metrics[0].Attributes.Hostname; h != "web-01" {
		t.Errorf("metric host %q, want its own", h)
	}
	if h := e.Metrics[1].Attributes.Hostname; h != "sender" {
		t.Errorf("metric host %q, want the sender's", h)
	}
	if e.Events["shop.cache"][0].Context != nil {
		t.Error("plain event got a topology context")
	}

	// A topological event without category, links or data gets the defaults.
	b = sizedBatch(0, 0, 0, 0, 0, false)
	b.Events = []model.Event{
		{Title: "a", Type: "XEvent", Source: "s", Identifiers: []string{"urn:x"}},
		{Title: "b", Type: "XEvent", Source: "s"},
		{Title: "c", Type: "XEvent", Source: "t", Category: "Alerts"},
	}
	envs, err = Build(b, Options{Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	evs := envs[0].Events
	if len(evs["s"]) != 2 || evs["s"][0].Title != "a" || evs["s"][1].Title != "b" || len(evs["t"]) != 1 {
		t.Fatalf("events not grouped by source in order: %+v", evs)
	}
	wantCtx := &EventContext{Category: "Others", Source: "s", ElementIdentifiers: []string{"urn:x"}, SourceLinks: []Link{}, Data: map[string]any{}}
	if !reflect.DeepEqual(evs["s"][0].Context, wantCtx) {
		t.Errorf("context %+v, want %+v", evs["s"][0].Context, wantCtx)
	}
	if c := evs["t"][0].Context; c == nil || c.Category != "Alerts" || c.ElementIdentifiers == nil {
		t.Errorf("context %+v, want category Alerts and empty identifiers", c)
	}
}

func TestBuildWithoutTopologyRules(t *testing.T) {
	b := model.NewBatch("metrics-only", model.Instance{Type: "t", URL: "u"})
	b.Topology = false
	b.Metrics = append(b.Metrics, model.Metric{Name: "app.up", Value: 1, Timestamp: 1, Type: "gauge"})
	envs, err := Build(b, Options{Hostname: "h", Now: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 || len(envs[0].Topologies) != 0 || len(envs[0].Metrics) != 1 {
		t.Fatalf("a batch without topology rules sent %d topology messages in %d envelopes", len(envs[0].Topologies), len(envs))
	}
	// With topology rules that produced nothing, the empty snapshot is sent.
	b.Topology = true
	envs, err = Build(b, Options{Hostname: "h", Now: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(envs[0].Topologies) != 1 || !envs[0].Topologies[0].StartSnapshot || !envs[0].Topologies[0].StopSnapshot {
		t.Fatalf("topologies %+v, want one empty complete snapshot", envs[0].Topologies)
	}
}
