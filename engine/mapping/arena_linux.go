package mapping

import (
	"os"
	"syscall"
	"unsafe"
)

// mapBytes maps n bytes of anonymous memory and asks for transparent huge
// pages for it.
func mapBytes(n int) ([]byte, bool) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, false
	}
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // a hint; without it, 4 KB pages
	return b, true
}

func unmapBytes(b []byte) { _ = syscall.Munmap(b) }

// mapFileBytes maps the first size bytes of f read-only, its pages
// populated at once: the file's pages in the system's cache, mapped
// without a copy and without a fault per page.
func mapFileBytes(f *os.File, size int) ([]byte, bool) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
	if err != nil {
		return nil, false
	}
	return b, true
}

// contains reports whether addr lies in b.
func contains(b []byte, addr uintptr) bool {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return addr >= lo && addr < lo+uintptr(len(b))
}

// offset returns where b starts in m, when it lies inside m.
func offset(m, b []byte) (int, bool) {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	mlo := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	if lo < mlo || lo+uintptr(len(b)) > mlo+uintptr(len(m)) {
		return 0, false
	}
	return int(lo - mlo), true
}

// dropPages tells the system the whole pages inside b, a part of a
// mapping, are not needed: their memory is freed at once, and reads would
// see zeros. Mappings start on a page, so offsets in them are aligned as
// addresses are.
func dropPages(b []byte) {
	page := uintptr(syscall.Getpagesize())
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	hi := lo + uintptr(len(b))
	first, last := (lo+page-1)&^(page-1), hi&^(page-1)
	if last <= first {
		return // no whole page inside b
	}
	_ = syscall.Madvise(b[first-lo:last-lo], syscall.MADV_DONTNEED)
}
