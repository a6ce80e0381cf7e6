package mapping

import (
	"os"
	"sync"
)

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
//
// A large file a source reads whole is mapped rather than copied (see
// mapFile): its text then is the system's cache of the file, and needs no
// memory of its own.
type arena struct {
	mu    sync.Mutex
	maps  [][]byte
	files []mappedFile
	rest  []byte // the unused end of the current block
}

// mappedFile is a file the arena mapped, by its name.
type mappedFile struct {
	text []byte
	name string
}

// minMapped is the size from which mapFile maps a file; smaller ones are
// cheaper to read.
const minMapped = 1 << 20

// mapFile maps the size bytes of the regular file f read-only until the
// run ends, when f is large enough and the system can, and returns them.
// Reading mapped text faults if the file is cut short meanwhile; the run's
// goroutines make such faults panic (see faultsPanic) and the run reports
// them with fileAt.
func (a *arena) mapFile(f *os.File, size int) ([]byte, bool) {
	if size < minMapped {
		return nil, false
	}
	b, ok := mapFileBytes(f, size)
	if !ok {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.maps = append(a.maps, b)
	a.files = append(a.files, mappedFile{text: b, name: f.Name()})
	return b, true
}

// fileAt returns the name of the mapped file whose text holds addr.
func (a *arena) fileAt(addr uintptr) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range a.files {
		if contains(f.text, addr) {
			return f.name, true
		}
	}
	return "", false
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
	a.maps, a.files, a.rest = nil, nil, nil
}
