package model_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/model"
)

func comps(ids ...string) []model.Component {
	out := make([]model.Component, len(ids))
	for i, id := range ids {
		out[i] = model.Component{ID: id, Type: "t"}
	}
	return out
}

func rels(pairs ...string) []model.Relation {
	var out []model.Relation
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, model.Relation{ID: pairs[i] + "->" + pairs[i+1], Source: pairs[i], Target: pairs[i+1], Type: "t"})
	}
	return out
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		batch model.Batch
		want  []model.Problem
	}{
		{
			name:  "empty batch",
			batch: *model.NewBatch("m", model.Instance{}),
		},
		{
			name: "clean batch",
			batch: model.Batch{
				Components: []model.Component{
					{ID: "a", Type: "t", Identifiers: []string{"urn:host:/a"}},
					{ID: "b", Type: "t"},
				},
				Relations: rels("a", "b", "b", "a"),
				HealthStates: []model.HealthState{
					{ID: "h1", Name: "n", Health: model.Clear, Identifier: "urn:host:/a"},
					{ID: "h2", Name: "n", Health: model.Clear, Identifier: "b"},
				},
				Metrics: []model.Metric{{Name: "x", Value: 1}, {Name: "x", Value: 2}},
				Events:  []model.Event{{Title: "e"}, {Title: "e"}},
			},
		},
		{
			name:  "duplicate component ids",
			batch: model.Batch{Components: comps("a", "b", "a", "c", "a", "c")},
			want:  []model.Problem{{Error: true, Msg: `2 duplicate component id(s): "a" ×3, "c" ×2; ids must be unique within the mapping`}},
		},
		{
			name: "duplicate relation ids",
			batch: model.Batch{
				Components: comps("a", "b"),
				Relations: []model.Relation{
					{ID: "r", Source: "a", Target: "b", Type: "t"},
					{ID: "r", Source: "b", Target: "a", Type: "t"},
					{ID: "s", Source: "b", Target: "a", Type: "t"},
				},
			},
			want: []model.Problem{{Error: true, Msg: `1 duplicate relation id(s): "r" ×2; ids must be unique within the mapping`}},
		},
		{
			name: "relations to components outside the batch",
			batch: model.Batch{
				Components: comps("a", "b"),
				Relations:  rels("a", "b", "a", "x", "y", "b", "y", "z"),
			},
			want: []model.Problem{{Msg: "3 relation(s) point at components outside the snapshot; StackState drops them: a->x (x), y->b (y), y->z (y)"}},
		},
		{
			name: "identifiers do not satisfy relation endpoints",
			batch: model.Batch{
				Components: []model.Component{{ID: "a", Type: "t", Identifiers: []string{"urn:b"}}},
				Relations:  rels("a", "urn:b"),
			},
			want: []model.Problem{{Msg: "1 relation(s) point at components outside the snapshot; StackState drops them: a->urn:b (urn:b)"}},
		},
		{
			name: "health identifiers no component carries",
			batch: model.Batch{
				Components: []model.Component{{ID: "a", Type: "t", Identifiers: []string{"urn:host:/a"}}},
				HealthStates: []model.HealthState{
					{ID: "h1", Identifier: "a"},
					{ID: "h2", Identifier: "urn:host:/a"},
					{ID: "h3", Identifier: "urn:host:/b"},
				},
			},
			want: []model.Problem{{Msg: "1 health state(s) name an identifier no component of this mapping carries: h3 (urn:host:/b)"}},
		},
		{
			name: "duplicate health state ids",
			batch: model.Batch{
				Components:   comps("a"),
				HealthStates: []model.HealthState{{ID: "h", Identifier: "a"}, {ID: "h", Identifier: "a"}},
			},
			want: []model.Problem{{Error: true, Msg: `1 duplicate health state id(s): "h" ×2; ids must be unique within the mapping`}},
		},
		{
			name: "every problem, in order",
			batch: model.Batch{
				Components:   comps("a", "a"),
				Relations:    []model.Relation{{ID: "r", Source: "a", Target: "x"}, {ID: "r", Source: "a", Target: "a"}},
				HealthStates: []model.HealthState{{ID: "h", Identifier: "nope"}, {ID: "h", Identifier: "a"}},
			},
			want: []model.Problem{
				{Error: true, Msg: `1 duplicate component id(s): "a" ×2; ids must be unique within the mapping`},
				{Error: true, Msg: `1 duplicate relation id(s): "r" ×2; ids must be unique within the mapping`},
				{Msg: "1 relation(s) point at components outside the snapshot; StackState drops them: r (x)"},
				{Msg: "1 health state(s) name an identifier no component of this mapping carries: h (nope)"},
				{Error: true, Msg: `1 duplicate health state id(s): "h" ×2; ids must be unique within the mapping`},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := model.Check(&tc.batch)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Check\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestCheckSamplesLongLists(t *testing.T) {
	var ids []string
	for i := range 8 {
		ids = append(ids, fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i))
	}
	b := &model.Batch{Components: comps(ids...)}
	var pairs []string
	for i := range 7 {
		pairs = append(pairs, "c0", fmt.Sprintf("x%d", i))
	}
	b.Relations = rels(pairs...)
	got := model.Check(b)
	want := []model.Problem{
		{Error: true, Msg: `8 duplicate component id(s): "c0" ×2, "c1" ×2, "c2" ×2, "c3" ×2, "c4" ×2, and 3 more; ids must be unique within the mapping`},
		{Msg: "7 relation(s) point at components outside the snapshot; StackState drops them: c0->x0 (x0), c0->x1 (x1), c0->x2 (x2), c0->x3 (x3), c0->x4 (x4), and 2 more"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check\n got %#v\nwant %#v", got, want)
	}

	// Exactly five entries are all shown.
	b = &model.Batch{Components: comps("a"), Relations: rels("a", "1", "a", "2", "a", "3", "a", "4", "a", "5")}
	got = model.Check(b)
	if len(got) != 1 || strings.Contains(got[0].Msg, "more") || !strings.HasSuffix(got[0].Msg, "a->5 (5)") {
		t.Errorf("five dangling relations: got %#v", got)
	}
	// Six show five and "and 1 more".
	b.Relations = append(b.Relations, rels("a", "6")...)
	got = model.Check(b)
	if len(got) != 1 || !strings.HasSuffix(got[0].Msg, "a->5 (5), and 1 more") || !strings.HasPrefix(got[0].Msg, "6 relation(s)") {
		t.Errorf("six dangling relations: got %#v", got)
	}
}

func TestNewBatchListsAreEmptyNotNil(t *testing.T) {
	b := model.NewBatch("m", model.Instance{Type: "t", URL: "u"})
	if b.Mapping != "m" || b.Instance != (model.Instance{Type: "t", URL: "u"}) || !b.Topology || b.Health {
		t.Errorf("NewBatch = %+v", b)
	}
	if b.Components == nil || b.Relations == nil || b.Metrics == nil || b.Events == nil || b.HealthStates == nil {
		t.Errorf("NewBatch has nil lists: %+v", b)
	}
}

func TestLint(t *testing.T) {
	b := model.NewBatch("m", model.Instance{Type: "t", URL: "u"})
	b.Components = []model.Component{
		{ID: "a", Type: "host", Identifiers: []string{"urn:host:/web-01.example.com", "urn:host:/WEB-01", "web-01"}},
		{ID: "job-1700000000", Type: "job"},
	}
	got := model.Lint(b, 1700000000)
	if len(got) != 2 || got[0].Error || got[1].Error || !got[0].Lint || !got[1].Lint {
		t.Fatalf("lints %+v", got)
	}
	if !strings.Contains(got[0].Msg, "2 identifier(s) break StackState's URN pattern") || !strings.Contains(got[0].Msg, "urn:host:/WEB-01 (a)") {
		t.Errorf("URN lint: %s", got[0].Msg)
	}
	if !strings.Contains(got[1].Msg, "1 id(s) hold the run's time") || !strings.Contains(got[1].Msg, "job-1700000000") {
		t.Errorf("time lint: %s", got[1].Msg)
	}
	if l := model.Lint(model.NewBatch("m", model.Instance{}), 1700000000); len(l) != 0 {
		t.Errorf("an empty batch: %v", l)
	}
}
