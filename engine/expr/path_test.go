package expr

import (
	"context"
	"reflect"
	"testing"
)

func TestIterPath(t *testing.T) {
	tests := []struct {
		src  string
		want []string // nil: not ok
	}{
		{`.result[]`, []string{"result"}},
		{`.[]`, []string{}},
		{`.a.b[]`, []string{"a", "b"}},
		{`."a b"[]`, []string{"a b"}},
		{`.["a"][]`, []string{"a"}},
		{`.a["b"][]`, []string{"a", "b"}},
		{`.["a"]["b"][]`, []string{"a", "b"}},
		{`."a"."b"[]`, []string{"a", "b"}},
		{`.a.["b"][]`, []string{"a", "b"}},
		{`.result.[]`, []string{"result"}},
		{`."\u00e9\n"[]`, []string{"é\n"}},
		{`.""[]`, []string{""}},
		{`.a | .b[]`, []string{"a", "b"}},
		{`.a | .b | .[]`, []string{"a", "b"}},
		{`. | .[]`, []string{}},
		{`(.a)[]`, []string{"a"}},
		{`(.a | .b).c[]`, []string{"a", "b", "c"}},
		{"  .result [ ]  ", []string{"result"}},
		{"# records\n.result[]", []string{"result"}},
		{`.and[]`, []string{"and"}},

		{`.result[]?`, nil},
		{`.result?[]`, nil},
		{`.result[0]`, nil},
		{`.result[1:]`, nil},
		{`.result[1:][]`, nil},
		{`.result`, nil},
		{`.`, nil},
		{`.[]|.x`, nil},
		{`.[] | .`, nil},
		{`.a[].b`, nil},
		{`.a[][]`, nil},
		{`.a[] | .b[]`, nil},
		{`.result[] | select(.x)`, nil},
		{`$cis[]`, nil},
		{`$cis.x[]`, nil},
		{`.[$x][]`, nil},
		{`.["a","b"][]`, nil},
		{`.["a" + "b"][]`, nil},
		{`."\(1)"[]`, nil},
		{`.[.a][]`, nil},
		{`..[]`, nil},
		{`.a, .b[]`, nil},
		{`.a // .b[]`, nil},
		{`(.a, .b)[]`, nil},
		{`([.a])[]`, nil},
		{`def f: .; .a[]`, nil},
		{`. as $x | .a[]`, nil},
		{`.a as $x | .b[]`, nil},
		{`try .a[]`, nil},
		{`first(.a[])`, nil},
		{`.a[] as $x | $x`, nil},
		{`keys[]`, nil},
		{`@base64 "x"`, nil},
		{`"a"[]`, nil},
		{`.a[`, nil},
	}
	for _, tt := range tests {
		p := &Program{src: tt.src}
		got, ok := p.IterPath()
		if ok != (tt.want != nil) || ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("IterPath(%q) = %q, %v; want %q", tt.src, got, ok, tt.want)
		}
	}
}

// TestIterPathSplit checks that splitting by the path of a program yields
// what the program yields.
func TestIterPathSplit(t *testing.T) {
	doc := []byte(`{"a":{"b":[1,"x",{"c":[2]}],"b":[{"d":null},3]},"result":[{"x":1}],"":[true]}`)
	input, err := DecodeJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{`.a.b[]`, `.a | .b[]`, `.["a"]["b"][]`, `.result[]`, `.""[]`, `(.a).b[]`} {
		p, err := Compile(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		path, ok := p.IterPath()
		if !ok {
			t.Fatalf("IterPath(%q): not ok", src)
		}
		records, ok := SplitJSON(doc, path)
		if !ok {
			t.Fatalf("SplitJSON(%q): not ok", path)
		}
		want, err := p.All(context.Background(), input, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != len(want) {
			t.Fatalf("%s: %d records, jq yields %d", src, len(records), len(want))
		}
		for i, r := range records {
			if got, err := DecodeJSON(r); err != nil || !sameValue(got, want[i]) {
				t.Errorf("%s: record %d = %s, jq yields %#v", src, i, r, want[i])
			}
		}
	}
}

func TestIterVar(t *testing.T) {
	tests := []struct {
		src, want string // want "": not ok
	}{
		{`$cis[]`, "cis"},
		{` $cis [ ] `, "cis"},
		{`$cis.[]`, "cis"},
		{`$__cis_2[]`, "__cis_2"},
		{"# all\n$cis[]", "cis"},

		{`$cis[]?`, ""},
		{`$cis`, ""},
		{`$cis[0]`, ""},
		{`$cis[][]`, ""},
		{`($a + $b)[]`, ""},
		{`($cis)[]`, ""},
		{`$cis[] | select(.x)`, ""},
		{`$cis[] | .`, ""},
		{`$cis.x[]`, ""},
		{`$cis["x"][]`, ""},
		{`$ENV[]`, ""},
		{`$__loc__[]`, ""},
		{`.[]`, ""},
		{`.cis[]`, ""},
		{`def f: .; $cis[]`, ""},
		{`. as $x | $cis[]`, ""},
		{`$cis[`, ""},
	}
	for _, tt := range tests {
		p := &Program{src: tt.src}
		got, ok := p.IterVar()
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("IterVar(%q) = %q, %v; want %q", tt.src, got, ok, tt.want)
		}
	}
	p, err := Compile(`$cis[]`, []string{"$cis"})
	if err != nil {
		t.Fatal(err)
	}
	if name, ok := p.IterVar(); !ok || name != "cis" {
		t.Errorf("IterVar of compiled $cis[] = %q, %v", name, ok)
	}
}

func TestMentionsVar(t *testing.T) {
	tests := []struct {
		src, name string
		want      bool
	}{
		{`$cis[]`, "cis", true},
		{`.[] | select(.id == $cis.id)`, "cis", true},
		{`$cis`, "cis", true},
		{`[$a,$cis]`, "cis", true},
		{`"\($cis)"`, "cis", true},
		{`"$cis"`, "cis", true},      // in a string: conservative
		{"# $cis\n.[]", "cis", true}, // in a comment: conservative
		{`$cis_x`, "cis", false},
		{`$cisx`, "cis", false},
		{`$cis2`, "cis", false},
		{`$ci`, "cis", false},
		{`.cis`, "cis", false},
		{`cis`, "cis", false},
		{`$xcis`, "cis", false},
		{`$a`, "a.b", false},
	}
	for _, tt := range tests {
		if got := MentionsVar(tt.src, tt.name); got != tt.want {
			t.Errorf("MentionsVar(%q, %q) = %v, want %v", tt.src, tt.name, got, tt.want)
		}
	}
}
