package model

// idTable is a set of id hashes with a number for each: an open-addressing
// hash table with linear probing. The hashes are random already, so their
// low bits pick the slot without hashing again, and a slot holds the whole
// key, so a lookup touches one place in memory in the common case. It is
// made for the Checker, which looks up hundreds of thousands of ids per run
// from the one goroutine that takes elements in order.
type idTable struct {
	slots []idSlot // len is 0 or a power of two
	n     int      // slots in use
}

// idSlot is one slot; v == 0 marks it empty.
type idSlot struct {
	k key
	v int32
}

// minTable is the smallest table made.
const minTable = 64

// slot returns the slot of k: the one holding k, or the empty one where k
// goes, which the caller fills by setting k and a v other than 0 and
// counting it with used. The table must not be empty.
func (t *idTable) slot(k key) *idSlot {
	mask := uint64(len(t.slots) - 1)
	for i := k[0] & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.v == 0 || s.k == k {
			return s
		}
	}
}

// lookup returns k's number, or 0 when k is not in the table.
func (t *idTable) lookup(k key) int32 {
	if len(t.slots) == 0 {
		return 0
	}
	return t.slot(k).v
}

// reserve makes room for n more keys without growing on the way.
func (t *idTable) reserve(n int) {
	want := t.n + n
	size := max(len(t.slots), minTable)
	for want > size/4*3 { // at most three quarters full
		size *= 2
	}
	if size == len(t.slots) {
		return
	}
	old := t.slots
	t.slots = make([]idSlot, size)
	for _, s := range old {
		if s.v != 0 {
			*t.slot(s.k) = s
		}
	}
}

// used counts a slot that slot returned empty and the caller filled.
func (t *idTable) used() { t.n++ }
