package mapping

import "syscall"

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
