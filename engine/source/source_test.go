package source_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/source"
)

func TestRegistry(t *testing.T) {
	k := source.Kind{Name: "zz-test", Doc: "a test kind", NewSpec: func() any { return new(struct{}) }}
	source.Register(k)
	source.Register(source.Kind{Name: "aa-test"})
	got, ok := source.Lookup("zz-test")
	if !ok || got.Name != "zz-test" || got.Doc != "a test kind" {
		t.Errorf("Lookup = %+v, %v", got, ok)
	}
	if _, ok := source.Lookup("nope"); ok {
		t.Error("Lookup of an unregistered kind succeeded")
	}
	kinds := source.Kinds()
	if !slices.IsSorted(kinds) || !slices.Contains(kinds, "zz-test") || !slices.Contains(kinds, "aa-test") {
		t.Errorf("Kinds = %q", kinds)
	}
	defer func() {
		if r := recover(); r != `source: kind "zz-test" registered twice` {
			t.Errorf("second Register: recovered %v", r)
		}
	}()
	source.Register(k)
}

func TestScopeVars(t *testing.T) {
	s := source.NewScope()
	if want := []string{"$vars", "$instance", "$now", "$state"}; !reflect.DeepEqual(s.Vars(), want) || s.Len() != 4 {
		t.Errorf("empty scope: %q (%d)", s.Vars(), s.Len())
	}
	s = source.NewScope("a", "b")
	if want := []string{"$vars", "$instance", "$now", "$state", "$a", "$b"}; !reflect.DeepEqual(s.Vars(), want) || s.Len() != 6 {
		t.Errorf("scope: %q (%d)", s.Vars(), s.Len())
	}
	// NewScope does not share BaseVars' array.
	source.NewScope("x")
	if len(source.BaseVars) != 4 {
		t.Errorf("BaseVars = %q", source.BaseVars)
	}
}

func TestScopeExpr(t *testing.T) {
	s := source.NewScope("hosts")
	p, err := s.Expr(config.Expr{Src: "$hosts | length + $now", Pos: config.Pos{File: "m.yaml", Line: 2, Col: 3}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.All(context.Background(), nil, []any{map[string]any{}, nil, 10, nil, []any{1, 2}})
	if err != nil || !reflect.DeepEqual(out, []any{12}) {
		t.Errorf("run = %v, %v", out, err)
	}

	_, err = s.Expr(config.Expr{Src: "$later", Pos: config.Pos{File: "m.yaml", Line: 5, Col: 7}})
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is %T, want *config.Error", err, err)
	}
	want := "m.yaml:5:7: jq: variable not defined: $later; variables are $vars, $instance, $now, $state and the sources named before this point"
	if ce.Error() != want {
		t.Errorf("error\n got %s\nwant %s", ce, want)
	}
}

func TestScopeTemplate(t *testing.T) {
	s := source.NewScope("hosts")
	tmpl := config.Template{Kind: config.TemplateMap, Keys: []string{"url", "n", "list", "lit"}, Values: []config.Template{
		config.StringTemplate("https://{{ $vars.host }}/x"),
		config.StringTemplate("{{ $hosts | length }}"),
		{Kind: config.TemplateList, Items: []config.Template{config.StringTemplate("a"), config.StringTemplate("{{ $now }}")}},
		{Kind: config.TemplateLiteral, Lit: true},
	}}
	x, err := s.Template(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.Eval(context.Background(), nil, []any{map[string]any{"host": "h"}, nil, 7, nil, []any{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	// A value that is exactly one {{ }} keeps its JSON type.
	want := map[string]any{"url": "https://h/x", "n": 3, "list": []any{"a", 7}, "lit": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Eval = %#v, want %#v", got, want)
	}

	// Every bad part of a template is reported.
	bad := config.Template{Kind: config.TemplateList, Items: []config.Template{
		config.StringTemplate("{{ $nope }}"),
		config.StringTemplate("ok"),
		config.StringTemplate("{{ .a | }}"),
	}}
	_, err = s.Template(bad)
	var list config.ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("error %v, want two problems", err)
	}
}
