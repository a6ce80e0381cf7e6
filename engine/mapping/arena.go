package mapping

import "sync"

// arenaBlock is the size of the blocks an arena carves small buffers from.
const arenaBlock = 16 << 20

// arena hands out the byte buffers a run holds sources' text in, for as
// long as the run lasts. They are mapped outside the Go heap (see
// mapBytes), for two reasons: a 100 MB export held on the heap would let
// the garbage collector's goal, twice the live heap, grow by 200 MB; and
// they can use huge pages, so that filling them does not take a page fault
// per 4 KB. Small buffers, such as the pages of an http source, are carved
// from blocks of arenaBlock bytes; large ones get a mapping of their own.
// release unmaps them all when the run ends; nothing may refer to them
// after that, which holds because records are decoded into copies.
type arena struct {
	mu   sync.Mutex
	maps [][]byte
	rest []byte // the unused end of the current block
}

// alloc returns a zeroed buffer of n bytes.
func (a *arena) alloc(n int) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n <= len(a.rest) {
		b := a.rest[:n:n]
		a.rest = a.rest[n:]
		return b
	}
	size := n
	if n < arenaBlock/4 {
		size = arenaBlock
	}
	m, ok := mapBytes(size)
	if !ok {
		return make([]byte, n)
	}
	a.maps = append(a.maps, m)
	if size > n {
		a.rest = m[n:]
	}
	return m[:n:n]
}

// drop gives back to the system the whole pages from the start of first
// to the end of last, when both lie in one mapping of the arena; that text
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

// free unmaps every mapping of the arena.
func (a *arena) free() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.maps {
		unmapBytes(m)
	}
	a.maps, a.rest = nil, nil
}
