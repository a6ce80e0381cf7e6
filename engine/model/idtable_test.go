package model

import (
	"math/rand/v2"
	"testing"
)

// TestIDTableMatchesMap adds and looks up keys in an idTable and in a Go
// map: random keys, and keys that share their low bits, so that they
// collide and probe past each other, across many growths.
func TestIDTableMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, collide := range []bool{false, true} {
		var tab idTable
		ref := map[key]int32{}
		for i := range 20000 {
			k := key{r.Uint64(), r.Uint64()}
			if collide {
				k[0] &^= 0xffff // same slot in any table up to 65536 slots
			}
			if i%3 == 0 && i > 0 {
				// Again a key added before.
				for old := range ref {
					k = old
					break
				}
			}
			tab.reserve(1)
			s := tab.slot(k)
			if s.v != ref[k] {
				t.Fatalf("collide=%v: key %d holds %d, the map %d", collide, i, s.v, ref[k])
			}
			if s.v == 0 {
				s.k = k
				tab.used()
			}
			s.v++
			ref[k] = s.v
			if miss := (key{r.Uint64(), r.Uint64()}); tab.lookup(miss) != ref[miss] {
				t.Fatalf("collide=%v: a key never added holds %d", collide, tab.lookup(miss))
			}
		}
		if tab.n != len(ref) {
			t.Fatalf("collide=%v: %d keys in the table, %d in the map", collide, tab.n, len(ref))
		}
		for k, v := range ref {
			if got := tab.lookup(k); got != v {
				t.Fatalf("collide=%v: lookup %d, want %d", collide, got, v)
			}
		}
		if 4*tab.n > 3*len(tab.slots) {
			t.Errorf("collide=%v: %d keys in %d slots, over three quarters", collide, tab.n, len(tab.slots))
		}
	}
}

// TestIDTableReserve checks that reserving room up front keeps the table
// from growing while the keys are added.
func TestIDTableReserve(t *testing.T) {
	var tab idTable
	tab.reserve(1000)
	size := len(tab.slots)
	for i := range 1000 {
		tab.reserve(1)
		k := key{uint64(i) * 0x9e3779b97f4a7c15, uint64(i)}
		s := tab.slot(k)
		s.k, s.v = k, 1
		tab.used()
	}
	if len(tab.slots) != size {
		t.Errorf("the table grew from %d to %d slots", size, len(tab.slots))
	}
}
