package intake

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/model"
)

// benchBatch returns a batch of n components and 2n relations shaped like a
// CMDB export.
func benchBatch(n int) *model.Batch {
	b := model.NewBatch("bench", model.Instance{Type: "servicenow", URL: "https://cmdb.example.com"})
	for i := range n {
		b.Components = append(b.Components, model.Component{
			ID: fmt.Sprintf("urn:servicenow:ci:%08d", i), Type: "server", Name: fmt.Sprintf("host-%d.example.com", i),
			Layer: "Machines", Domain: "CMDB", Environment: "Production",
			Labels:      []string{"os:linux", fmt.Sprintf("site:dc%d", i%4)},
			Identifiers: []string{fmt.Sprintf("urn:host:/host-%d.example.com", i)},
			Data:        map[string]any{"ip": fmt.Sprintf("10.0.%d.%d", i/256%256, i%256), "cpu_count": 8, "ram_mb": 32768},
		})
	}
	for i := range 2 * n {
		src, dst := fmt.Sprintf("urn:servicenow:ci:%08d", i%n), fmt.Sprintf("urn:servicenow:ci:%08d", (i*7+1)%n)
		b.Relations = append(b.Relations, model.Relation{ID: src + "-runs_on-" + dst, Source: src, Target: dst, Type: "runs_on"})
	}
	return b
}

func BenchmarkBuild(b *testing.B) {
	batch := benchBatch(10000)
	opt := Options{Hostname: "bench", Now: time.Unix(1700000000, 0)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(batch, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	envs, err := Build(benchBatch(10000), Options{Hostname: "bench", Now: time.Unix(1700000000, 0)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range envs {
			if err := Encode(io.Discard, &envs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkGzipEnvelope(b *testing.B) {
	envs, err := Build(benchBatch(10000), Options{Hostname: "bench", Now: time.Unix(1700000000, 0)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range envs {
			if _, err := gzipEnvelope(&envs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
