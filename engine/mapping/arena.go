package mapping

import "sync"

// minArena is the smallest buffer an arena maps outside the Go heap;
// smaller ones are plain slices.
const minArena = 1 << 20

// arena hands out the byte buffers a run holds sources' text in, for as
// long as the run lasts. Large ones are mapped outside the Go heap (see
// mapBytes), for two reasons: a 100 MB export held on the heap would let
// the garbage collector's goal, twice the live heap, grow by 200 MB; and
// it can use huge pages, so that filling it does not take a page fault per
// 4 KB. free unmaps them when the run ends; nothing may refer to them
// after that, which holds because records are decoded into copies.
type arena struct {
	mu   sync.Mutex
	maps [][]byte
}

// alloc returns a zeroed buffer of n bytes.
func (a *arena) alloc(n int) []byte {
	if n < minArena {
		return make([]byte, n)
	}
	b, ok := mapBytes(n)
	if !ok {
		return make([]byte, n)
	}
	a.mu.Lock()
	a.maps = append(a.maps, b)
	a.mu.Unlock()
	return b
}

// drop gives back to the system the whole pages from the start of first
// to the end of last, when both lie in one buffer alloc mapped; that text
// must not be read again. A run drops the text of records it is done with,
// so that its memory shrinks as a rule walks a large source.
func (a *arena) drop(first, last []byte) {
	if len(first) == 0 || len(last) == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.maps {
		lo, ok1 := offset(m, first)
		hi, ok2 := offset(m, last)
		if ok1 && ok2 && hi >= lo {
			dropPages(m[lo : hi+len(last)])
			return
		}
	}
}

// free unmaps every buffer alloc mapped.
func (a *arena) free() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.maps {
		unmapBytes(b)
	}
	a.maps = nil
}
