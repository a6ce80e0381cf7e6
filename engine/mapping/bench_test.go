package mapping_test

import (
	"context"
	"testing"

	"github.com/stackmap/stackmap/bench/cmdb"
	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/mapping"
)

// BenchmarkRun runs the CMDB benchmark's mapping (bench/cmdb.yaml) on a
// generated export of 10 000 CIs and 20 000 relations: on one core and on
// all, into the batch and streamed, with and without the jq fast lane. The
// bytes are the export's size.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	st, err := cmdb.Generate(dir, 10000)
	if err != nil {
		b.Fatal(err)
	}
	m, err := config.Load("../../bench/cmdb.yaml", config.Options{Env: func(name string) (string, bool) {
		if name == "CMDB_DIR" {
			return dir, true
		}
		return "", false
	}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := mapping.Compile(m)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		workers int
		stream  bool
		fast    bool
	}{
		{"serial", 1, false, true},
		{"parallel", 0, false, true},
		{"parallel/stream", 0, true, true},
		{"parallel/stream/gojq", 0, true, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			defer expr.SetFastLane(expr.SetFastLane(bc.fast))
			b.SetBytes(st.CIBytes + st.RelBytes)
			b.ReportAllocs()
			for b.Loop() {
				opt := mapping.Options{Now: now, Workers: bc.workers}
				if bc.stream {
					opt.Stream = &collect{}
				}
				if _, err := p.Run(context.Background(), opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
