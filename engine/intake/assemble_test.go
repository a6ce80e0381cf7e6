package intake

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/stackmap/stackmap/engine/model"
)

// builtChunks returns the envelopes Build makes of b, each as Encode
// writes it without the newline.
func builtChunks(t *testing.T, b *model.Batch, opt Options) [][]byte {
	t.Helper()
	envs, err := Build(b, opt)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(envs))
	for i := range envs {
		var buf bytes.Buffer
		if err := Encode(&buf, &envs[i]); err != nil {
			t.Fatal(err)
		}
		out[i] = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	return out
}

// assembled feeds b to an Assembler, streaming the first comps components
// and rels relations through Component and Relation and the rest through
// Finish, and returns the chunks it handed out and the Assembler.
func assembled(t *testing.T, b *model.Batch, opt Options, comps, rels int) ([][]byte, *Assembler) {
	t.Helper()
	var chunks [][]byte
	a, err := NewAssembler(b.Mapping, opt, func(parts ...[]byte) error {
		chunks = append(chunks, bytes.Join(parts, nil))
		// Scribble over the parts: the Assembler must not rely on them.
		for _, p := range parts {
			for i := range p {
				p[i] = '#'
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(b.Instance, b.Topology, b.Health); err != nil {
		t.Fatal(err)
	}
	var wire []byte
	for i := range comps {
		if wire, err = AppendComponent(wire[:0], &b.Components[i]); err != nil {
			t.Fatal(err)
		}
		if err := a.Component(wire); err != nil {
			t.Fatal(err)
		}
	}
	for i := range rels {
		if wire, err = AppendRelation(wire[:0], &b.Relations[i]); err != nil {
			t.Fatal(err)
		}
		if err := a.Relation(wire); err != nil {
			t.Fatal(err)
		}
	}
	rest := *b
	rest.Components = b.Components[comps:]
	rest.Relations = b.Relations[rels:]
	if err := a.Finish(&rest); err != nil {
		t.Fatal(err)
	}
	return chunks, a
}

// topologyDigest returns the digest an Assembler must report for b.
func topologyDigest(t *testing.T, b *model.Batch) string {
	t.Helper()
	h := xxhash.New()
	for i := range b.Components {
		w, err := AppendComponent(nil, &b.Components[i])
		if err != nil {
			t.Fatal(err)
		}
		h.Write(w)
	}
	for i := range b.Relations {
		w, err := AppendRelation(nil, &b.Relations[i])
		if err != nil {
			t.Fatal(err)
		}
		h.Write(w)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkAssembled fails the test unless the Assembler hands out exactly the
// envelopes Build makes of b, however much of the topology is streamed.
func checkAssembled(t *testing.T, b *model.Batch, opt Options, comps, rels int) {
	t.Helper()
	want := builtChunks(t, b, opt)
	got, a := assembled(t, b, opt, comps, rels)
	if len(got) != len(want) {
		t.Fatalf("streaming %d components and %d relations of %d, %d, chunk size %d, topology %v, health %v: %d chunks, want %d",
			comps, rels, len(b.Components), len(b.Relations), opt.ChunkSize, b.Topology, b.Health, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("streaming %d components and %d relations, chunk size %d: chunk %d of %d differs:\n got %s\nwant %s",
				comps, rels, opt.ChunkSize, i+1, len(want), got[i], want[i])
		}
	}
	if a.Chunks() != len(want) || a.Components() != len(b.Components) || a.Relations() != len(b.Relations) {
		t.Errorf("counts %d chunks, %d components, %d relations; want %d, %d, %d",
			a.Chunks(), a.Components(), a.Relations(), len(want), len(b.Components), len(b.Relations))
	}
	if d := topologyDigest(t, b); a.Digest() != d {
		t.Errorf("digest %s, want %s", a.Digest(), d)
	}
}

func TestAssemblerMatchesBuild(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	defer func(was int) { minPart = was }(minPart)
	g := newGen(5)
	for i := range 400 {
		// Every other batch hands out every element list as a part of
		// its own.
		minPart = []int{64 << 10, 1}[i%2]
		b := g.batch(50)
		opt := Options{Hostname: g.str(2) + "h", ChunkSize: g.r.IntN(8), Now: time.Unix(g.r.Int64N(1<<40), 0), RepeatInterval: time.Duration(g.r.IntN(4000)) * time.Second}
		nc, nr := len(b.Components), len(b.Relations)
		// All through Finish, all streamed, and part of it streamed.
		checkAssembled(t, b, opt, 0, 0)
		checkAssembled(t, b, opt, nc, nr)
		if k := g.r.IntN(nc + 1); k < nc {
			checkAssembled(t, b, opt, k, 0)
		} else {
			checkAssembled(t, b, opt, nc, g.r.IntN(nr+1))
		}
	}
	if names := dirNames(t, os.Getenv("TMPDIR")); len(names) != 0 {
		t.Errorf("temporary files left: %v", names)
	}
}

func TestAssemblerFixedBatches(t *testing.T) {
	batches := map[string]*model.Batch{
		"basic":       basicBatch(),
		"bare":        bareBatch(),
		"empty":       model.NewBatch("m", model.Instance{Type: "t", URL: "u"}),
		"zero lists":  {Mapping: "m", Instance: model.Instance{Type: "t", URL: "u"}, Health: true},
		"no topology": {Mapping: "m", Instance: model.Instance{Type: "t", URL: "u"}, Metrics: []model.Metric{{Name: "up", Value: 1}}},
		"sized":       sizedBatch(25, 13, 7, 3, 3, true),
		"default":     sizedBatch(DefaultChunkSize+3, 2, 1, 0, 1, true),
	}
	for name, b := range batches {
		t.Run(name, func(t *testing.T) {
			sizes := []int{0, 1, 2, 3, 10}
			if len(b.Components) > 1000 {
				sizes = []int{0, 3}
			}
			for _, size := range sizes {
				opt := Options{Hostname: "h", ChunkSize: size, Now: testNow}
				checkAssembled(t, b, opt, 0, 0)
				checkAssembled(t, b, opt, len(b.Components), len(b.Relations))
			}
		})
	}
}

func TestAssemblerStreams(t *testing.T) {
	const size, comps = 10, 1000
	b := sizedBatch(comps, 0, 0, 0, 0, false)
	for _, health := range []bool{false, true} {
		t.Run(fmt.Sprintf("health=%v", health), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("TMPDIR", dir)
			var chunks int
			a, err := NewAssembler("m", Options{Hostname: "h", ChunkSize: size, Now: testNow}, func(...[]byte) error { chunks++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Start(b.Instance, true, health); err != nil {
				t.Fatal(err)
			}
			var wire []byte
			var steady int
			for i := range b.Components {
				wire, _ = AppendComponent(wire[:0], &b.Components[i])
				if err := a.Component(wire); err != nil {
					t.Fatal(err)
				}
				if i == 3*size {
					steady = cap(a.cur.comps) + cap(a.buf)
				}
			}
			// The buffers hold one envelope, not the batch: once they
			// have taken a few, they do not grow any more. (They may
			// come from the pool larger than that.)
			if grown := cap(a.cur.comps) + cap(a.buf); grown != steady {
				t.Errorf("buffers grew from %d to %d bytes", steady, grown)
			}
			if !health && chunks != comps/size-1 {
				t.Errorf("%d chunks handed out before Finish, want %d", chunks, comps/size-1)
			}
			if health {
				// The first envelope waits for Finish to tell whether it
				// carries an empty health snapshot; the rest wait in an
				// unnamed file.
				if chunks != 0 {
					t.Errorf("%d chunks handed out before Finish, want none", chunks)
				}
				if names := dirNames(t, dir); len(names) != 0 {
					t.Errorf("temporary file visible: %v", names)
				}
			}
			if err := a.Finish(nil); err != nil {
				t.Fatal(err)
			}
			if chunks != comps/size {
				t.Errorf("%d chunks, want %d", chunks, comps/size)
			}
		})
	}
}

func TestAssemblerErrors(t *testing.T) {
	opt := Options{Hostname: "h"}
	nop := func(...[]byte) error { return nil }
	if _, err := NewAssembler("m", Options{}, nop); err == nil || !strings.Contains(err.Error(), "hostname is empty") {
		t.Errorf("empty hostname: %v", err)
	}
	if _, err := NewAssembler("m", Options{Hostname: "h", ChunkSize: -1}, nop); err == nil {
		t.Error("negative chunk size accepted")
	}
	if _, err := NewAssembler("m", opt, nil); err == nil {
		t.Error("nil out accepted")
	}
	inst := model.Instance{Type: "t", URL: "u"}
	newA := func(t *testing.T, out func(...[]byte) error) *Assembler {
		t.Helper()
		a, err := NewAssembler("m", Options{Hostname: "h", ChunkSize: 1}, out)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	wire := func(c model.Component) []byte {
		w, err := AppendComponent(nil, &c)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	t.Run("instance", func(t *testing.T) {
		for _, in := range []model.Instance{{URL: "u"}, {Type: "t"}} {
			if err := newA(t, nop).Start(in, true, false); err == nil {
				t.Errorf("instance %+v accepted", in)
			}
		}
	})
	t.Run("order", func(t *testing.T) {
		a := newA(t, nop)
		if err := a.Component(wire(model.Component{ID: "c"})); err == nil || !strings.Contains(err.Error(), "before Start") {
			t.Errorf("component before Start: %v", err)
		}
		a = newA(t, nop)
		if err := a.Start(inst, true, false); err != nil {
			t.Fatal(err)
		}
		if err := a.Start(inst, true, false); err == nil {
			t.Error("second Start accepted")
		}
		a = newA(t, nop)
		a.Start(inst, true, false)
		r, _ := AppendRelation(nil, &model.Relation{ID: "r"})
		if err := a.Relation(r); err != nil {
			t.Fatal(err)
		}
		if err := a.Component(wire(model.Component{ID: "c"})); err == nil || !strings.Contains(err.Error(), "component after relations") {
			t.Errorf("component after relation: %v", err)
		}
		a = newA(t, nop)
		a.Start(inst, true, false)
		a.Relation(r)
		if err := a.Finish(&model.Batch{Components: []model.Component{{ID: "c"}}}); err == nil {
			t.Error("Finish with components after streamed relations accepted")
		}
		a = newA(t, nop)
		a.Start(inst, true, false)
		if err := a.Finish(nil); err != nil {
			t.Fatal(err)
		}
		if err := a.Finish(nil); err == nil {
			t.Error("second Finish accepted")
		}
		if err := a.Component(wire(model.Component{ID: "c"})); err == nil {
			t.Error("component after Finish accepted")
		}
	})
	t.Run("unencodable value", func(t *testing.T) {
		a := newA(t, nop)
		a.Start(inst, true, false)
		err := a.Finish(&model.Batch{Metrics: []model.Metric{{Name: "up", Value: math.NaN()}}})
		if err == nil || err.Error() != `assemble envelopes of mapping "m": encode metric "up": value: unsupported value NaN` {
			t.Errorf("error %v", err)
		}
	})
	t.Run("out fails", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		a := newA(t, func(...[]byte) error { calls++; return boom })
		a.Start(inst, true, false)
		if err := a.Component(wire(model.Component{ID: "a"})); err != nil {
			t.Fatal(err)
		}
		if err := a.Component(wire(model.Component{ID: "b"})); !errors.Is(err, boom) {
			t.Errorf("error %v, want the out error", err)
		}
		if err := a.Component(wire(model.Component{ID: "c"})); !errors.Is(err, boom) {
			t.Errorf("error %v after a failure, want the same", err)
		}
		if err := a.Finish(nil); !errors.Is(err, boom) || calls != 1 {
			t.Errorf("Finish: error %v after %d calls, want the out error after 1", err, calls)
		}
	})
	t.Run("out fails while replaying", func(t *testing.T) {
		t.Setenv("TMPDIR", t.TempDir())
		boom := errors.New("boom")
		calls := 0
		a := newA(t, func(...[]byte) error {
			calls++
			if calls == 2 {
				return boom
			}
			return nil
		})
		a.Start(inst, true, true)
		for _, id := range []string{"a", "b", "c", "d"} {
			if err := a.Component(wire(model.Component{ID: id})); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Finish(nil); !errors.Is(err, boom) || calls != 2 {
			t.Errorf("Finish: error %v after %d calls, want the out error after 2", err, calls)
		}
	})
	t.Run("close", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("TMPDIR", dir)
		a := newA(t, nop)
		a.Start(inst, true, true)
		for _, id := range []string{"a", "b", "c"} {
			a.Component(wire(model.Component{ID: id}))
		}
		a.Close()
		if err := a.Finish(nil); err == nil {
			t.Error("Finish after Close accepted")
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("temporary files left: %v", names)
		}
	})
}
