package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

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

// benchOptions are the options of the benchmarks.
var benchOptions = Options{Hostname: "bench", Now: time.Unix(1700000000, 0)}

func BenchmarkBuild(b *testing.B) {
	batch := benchBatch(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(batch, benchOptions); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendComponent(b *testing.B) {
	batch := benchBatch(1000)
	var wire []byte
	var size int64
	for i := range batch.Components {
		wire, _ = AppendComponent(wire[:0], &batch.Components[i])
		size += int64(len(wire))
	}
	b.SetBytes(size / int64(len(batch.Components)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var err error
		if wire, err = AppendComponent(wire[:0], &batch.Components[i%len(batch.Components)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAppendRelation(b *testing.B) {
	batch := benchBatch(1000)
	var wire []byte
	var size int64
	for i := range batch.Relations {
		wire, _ = AppendRelation(wire[:0], &batch.Relations[i])
		size += int64(len(wire))
	}
	b.SetBytes(size / int64(len(batch.Relations)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var err error
		if wire, err = AppendRelation(wire[:0], &batch.Relations[i%len(batch.Relations)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkEncode encodes the envelopes of 10 000 components and 20 000
// relations with encoding/json, as Encode did, and with the wire encoder.
func BenchmarkEncode(b *testing.B) {
	envs, err := Build(benchBatch(10000), benchOptions)
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for i := range envs {
		out, _ := AppendEnvelope(nil, &envs[i])
		size += int64(len(out)) + 1
	}
	b.Run("impl=encoding_json", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		enc := json.NewEncoder(io.Discard)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			for i := range envs {
				if err := enc.Encode(&envs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("impl=wire", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for i := range envs {
				if err := Encode(io.Discard, &envs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkAssembler turns 10 000 components and 20 000 relations into
// encoded envelopes: the old way, Build and encoding/json, and the new,
// AppendComponent and AppendRelation streamed through an Assembler.
func BenchmarkAssembler(b *testing.B) {
	batch := benchBatch(10000)
	elements := float64(len(batch.Components) + len(batch.Relations))
	var size int64
	count := func(parts ...[]byte) error {
		for _, p := range parts {
			size += int64(len(p))
		}
		return nil
	}
	b.Run("path=build+encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		enc := json.NewEncoder(io.Discard)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			envs, err := Build(batch, benchOptions)
			if err != nil {
				b.Fatal(err)
			}
			for i := range envs {
				if err := enc.Encode(&envs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/elements, "ns/element")
	})
	b.Run("path=assembler", func(b *testing.B) {
		b.ReportAllocs()
		var wire []byte
		for b.Loop() {
			size = 0
			a, err := NewAssembler(batch.Mapping, benchOptions, count)
			if err != nil {
				b.Fatal(err)
			}
			if err := a.Start(batch.Instance, true, false); err != nil {
				b.Fatal(err)
			}
			for i := range batch.Components {
				wire, _ = AppendComponent(wire[:0], &batch.Components[i])
				if err := a.Component(wire); err != nil {
					b.Fatal(err)
				}
			}
			for i := range batch.Relations {
				wire, _ = AppendRelation(wire[:0], &batch.Relations[i])
				if err := a.Relation(wire); err != nil {
					b.Fatal(err)
				}
			}
			if err := a.Finish(nil); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(size)
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/elements, "ns/element")
	})
}

// BenchmarkGzip compresses one envelope of 10 000 components at several
// levels; gzipLevel is the one the StackState sink uses.
func BenchmarkGzip(b *testing.B) {
	envs, err := Build(benchBatch(10000), benchOptions)
	if err != nil {
		b.Fatal(err)
	}
	chunk, err := AppendEnvelope(nil, &envs[0])
	if err != nil {
		b.Fatal(err)
	}
	chunk = append(chunk, '\n')
	levels := []struct {
		name  string
		level int
	}{
		{"1_best_speed", gzip.BestSpeed},
		{"3", 3},
		{"5", 5},
		{"6_default", gzip.DefaultCompression},
		{"9_best_compression", gzip.BestCompression},
	}
	for _, l := range levels {
		b.Run("level="+l.name, func(b *testing.B) {
			zw, err := gzip.NewWriterLevel(io.Discard, l.level)
			if err != nil {
				b.Fatal(err)
			}
			var out bytes.Buffer
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				zw.Reset(&out)
				if _, err := zw.Write(chunk); err != nil {
					b.Fatal(err)
				}
				if err := zw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*float64(out.Len())/float64(len(chunk)), "%size")
		})
	}
	b.Run("level=sink", func(b *testing.B) {
		var out bytes.Buffer
		b.SetBytes(int64(len(chunk)))
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if err := gzipChunk(&out, [][]byte{chunk[:len(chunk)-1]}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(100*float64(out.Len())/float64(len(chunk)), "%size")
		b.Log("sink level " + strconv.Itoa(gzipLevel))
	})
}
