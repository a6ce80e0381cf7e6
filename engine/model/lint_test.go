package model

import (
	"regexp"
	"testing"
)

// urnRE is the pattern IsURN implements, as the reference writes it.
var urnRE = regexp.MustCompile(`^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,\-.:=@;$_!*'%/?#]+$`)

func TestIsURNMatchesThePattern(t *testing.T) {
	for _, id := range []string{
		"", "urn:", "urn:a", "urn:a:", "urn:a:b", "urn:host:/web-1", "urn:Host:/a", "urn:host:/A",
		"urn:-a:b", "urn:a-:b", "urn:a:b:c", "urn:" + string(make([]byte, 0)) + "abcdefghijabcdefghijabcdefghijab:x",
		"urn:abcdefghijabcdefghijabcdefghijabc:x", "urn:a:b c", "urn:a:b\n", "urn:a:é", "urn:a:()+,-.:=@;$_!*'%/?#",
		"URN:a:b", "urn:a:b[", "xurn:a:b",
	} {
		if got, want := IsURN(id), urnRE.MatchString(id); got != want {
			t.Errorf("IsURN(%q) = %v, the pattern says %v", id, got, want)
		}
	}
}

func FuzzIsURN(f *testing.F) {
	f.Add("urn:host:/a")
	f.Add("urn:abcdefghijabcdefghijabcdefghijab:x")
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := IsURN(id), urnRE.MatchString(id); got != want {
			t.Errorf("IsURN(%q) = %v, the pattern says %v", id, got, want)
		}
	})
}

// labelRE is the pattern isLabel implements, as the reference writes it.
var labelRE = regexp.MustCompile(`^[a-z][a-z0-9_\-:./]*$`)

func FuzzIsLabel(f *testing.F) {
	for _, l := range []string{"", "a", "os:linux", "A", "1a", "a b", "a/b.c-d_e:f", "é", "a\n"} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		if got, want := isLabel(l), labelRE.MatchString(l); got != want {
			t.Errorf("isLabel(%q) = %v, the pattern says %v", l, got, want)
		}
	})
}
