package cmdb

import (
	"io"
	"testing"
)

// BenchmarkWriteCIs measures the cmdb_ci writer, without a disk.
func BenchmarkWriteCIs(b *testing.B) {
	n, err := WriteCIs(io.Discard, 10000)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	for b.Loop() {
		if _, err := WriteCIs(io.Discard, 10000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteRels measures the cmdb_rel_ci writer, without a disk.
func BenchmarkWriteRels(b *testing.B) {
	n, err := WriteRels(io.Discard, 10000)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	for b.Loop() {
		if _, err := WriteRels(io.Discard, 10000); err != nil {
			b.Fatal(err)
		}
	}
}
