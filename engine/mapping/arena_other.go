//go:build !linux

package mapping

import "os"

// mapBytes maps nothing outside Linux: buffers are plain slices there.
func mapBytes(n int) ([]byte, bool) { return nil, false }

func unmapBytes(b []byte) {}

func offset(m, b []byte) (int, bool) { return 0, false }

func dropPages(b []byte) {}

func mapFileBytes(f *os.File, size int) ([]byte, bool) { return nil, false }

func contains(b []byte, addr uintptr) bool { return false }
