package intake

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// buildSized builds a batch of n components in chunks of one, so that it
// yields n envelopes.
func buildSized(t *testing.T, n int, hostname string) []Envelope {
	t.Helper()
	envs, err := Build(sizedBatch(n, 0, 0, 0, 0, false), Options{Hostname: hostname, ChunkSize: 1, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != n {
		t.Fatalf("built %d envelopes, want %d", len(envs), n)
	}
	return envs
}

func TestWriterSink(t *testing.T) {
	var buf bytes.Buffer
	sink := NewWriterSink(&buf)
	a, b := buildSized(t, 3, "a"), buildSized(t, 4, "b")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = Send(context.Background(), sink, "a", a) })
	wg.Go(func() { errs[1] = Send(context.Background(), sink, "b", b) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	var hosts []string
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e Envelope
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		var want bytes.Buffer
		if err := Encode(&want, &e); err != nil {
			t.Fatal(err)
		}
		if sc.Text()+"\n" != want.String() {
			t.Errorf("line is not the compact encoding:\n%s\n%s", sc.Text(), want.String())
		}
		hosts = append(hosts, e.InternalHostname)
	}
	got := strings.Join(hosts, "")
	if got != "aaabbbb" && got != "bbbbaaa" {
		t.Errorf("envelopes of the two mappings interleave or are missing: %s", got)
	}
}

func TestWriterSinkCanceled(t *testing.T) {
	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Send(ctx, NewWriterSink(&buf), "m", buildSized(t, 2, "h"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes after cancellation", buf.Len())
	}
}

// dirNames returns the names of the entries of dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func TestDirSink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	sink := NewDirSink(dir)
	ctx := context.Background()

	envs := buildSized(t, 3, "h")
	if err := Send(ctx, sink, "shop", envs); err != nil {
		t.Fatal(err)
	}
	if err := Send(ctx, sink, "shop-eu", buildSized(t, 2, "h")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"notes.txt", "shop-0001.json", "shop-0002.json", "shop-0003.json", "shop-eu-0001.json", "shop-eu-0002.json"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for i := range envs {
		got, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("shop-%04d.json", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		var wantBuf bytes.Buffer
		if err := Encode(&wantBuf, &envs[i]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantBuf.Bytes()) {
			t.Errorf("file %d is not envelope %d as posted, compact with a newline:\n%s", i+1, i+1, got)
		}
	}

	// A second run with fewer chunks leaves no stale file of its mapping
	// and does not touch the others.
	fewer := buildSized(t, 1, "second")
	if err := Send(ctx, sink, "shop", fewer); err != nil {
		t.Fatal(err)
	}
	want = []string{"notes.txt", "shop-0001.json", "shop-eu-0001.json", "shop-eu-0002.json"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after the second run, files %v, want %v", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "shop-0001.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"internalHostname":"second"`) {
		t.Errorf("shop-0001.json was not rewritten:\n%s", data)
	}
}

func TestDirSinkRejectsPathMappings(t *testing.T) {
	dir := t.TempDir()
	for _, mapping := range []string{"", ".", "..", "../escape", "a/b", `a\b`} {
		err := Send(context.Background(), NewDirSink(dir), mapping, buildSized(t, 1, "h"))
		if err == nil || !strings.Contains(err.Error(), "cannot name a file") {
			t.Errorf("mapping %q: error %v, want one saying it cannot name a file", mapping, err)
		}
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("files written: %v", names)
	}
}

func TestIsChunkFile(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"shop-0001.json", true},
		{"shop-12345.json", true},
		{"shop-001.json", false},
		{"shop-eu-0001.json", false},
		{"shop-0001.json.tmp", false},
		{".shop-0001.json.123.tmp", false},
		{"shop-00a1.json", false},
		{"shopx-0001.json", false},
	}
	for _, tt := range tests {
		if got := isChunkFile(tt.name, "shop"); got != tt.want {
			t.Errorf("isChunkFile(%q, shop) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// failingWriter fails the write number failAt (1-based) and records the
// others.
type failingWriter struct {
	failAt int
	writes int
	buf    bytes.Buffer
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes == w.failAt {
		return 0, errors.New("disk full")
	}
	return w.buf.Write(p)
}

// encodedChunks returns envs as Assembler chunks: compact, without newline.
func encodedChunks(t *testing.T, envs []Envelope) [][]byte {
	t.Helper()
	out := make([][]byte, len(envs))
	for i := range envs {
		b, err := AppendEnvelope(nil, &envs[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// addScribbled adds the chunks to d, overwriting each after Add returns,
// since a delivery must not keep it.
func addScribbled(t *testing.T, d Delivery, chunks [][]byte) {
	t.Helper()
	var buf []byte
	for _, c := range chunks {
		buf = append(buf[:0], c...)
		if err := d.Add(buf); err != nil {
			t.Fatal(err)
		}
		for i := range buf {
			buf[i] = '#'
		}
	}
}

// wantLines returns the chunks as the writer sink writes them.
func wantLines(chunks [][]byte) string {
	var b strings.Builder
	for _, c := range chunks {
		b.Write(c)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestWriterSinkDelivery(t *testing.T) {
	ctx := context.Background()
	chunks := encodedChunks(t, buildSized(t, 3, "h"))

	var buf bytes.Buffer
	sink := NewWriterSink(&buf)
	d, err := sink.Open(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, chunks)
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes before Commit", buf.Len())
	}
	if err := d.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if buf.String() != wantLines(chunks) {
		t.Errorf("wrote\n%s\nwant\n%s", buf.String(), wantLines(chunks))
	}
	d.Abort() // a no-op after Commit
	if buf.String() != wantLines(chunks) {
		t.Error("Abort after Commit changed the output")
	}
	if err := d.Commit(ctx); err == nil {
		t.Error("second Commit accepted")
	}
	if err := d.Add(chunks[0]); err == nil {
		t.Error("Add after Commit accepted")
	}
}

func TestWriterSinkAbort(t *testing.T) {
	var buf bytes.Buffer
	d, err := NewWriterSink(&buf).Open(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, encodedChunks(t, buildSized(t, 2, "h")))
	d.Abort()
	d.Abort()
	if err := d.Commit(context.Background()); err == nil {
		t.Error("Commit after Abort accepted")
	}
	if buf.Len() != 0 {
		t.Errorf("an aborted delivery wrote %q", buf.String())
	}
}

func TestWriterSinkCommitFailsMidway(t *testing.T) {
	w := &failingWriter{failAt: 2}
	chunks := encodedChunks(t, buildSized(t, 3, "h"))
	d, err := NewWriterSink(w).Open(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, chunks)
	err = d.Commit(context.Background())
	if err == nil || !strings.Contains(err.Error(), `write chunk 2 of 3 of mapping "m": disk full`) {
		t.Errorf("error %v, want chunk 2 of 3 to fail", err)
	}
	if w.writes != 2 || w.buf.String() != wantLines(chunks[:1]) {
		t.Errorf("%d writes of %q; want the first chunk only, then the failure", w.writes, w.buf.String())
	}
}

// tempFiles returns the names of the temporary files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range dirNames(t, dir) {
		if strings.HasSuffix(name, ".tmp") {
			out = append(out, name)
		}
	}
	return out
}

// readFiles returns the contents of the files in dir by name.
func readFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range dirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

func TestDirSinkDelivery(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	chunks := encodedChunks(t, buildSized(t, 3, "h"))
	d, err := NewDirSink(dir).Open(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, chunks)
	// Add writes every chunk straight to a temporary file.
	temps := tempFiles(t, dir)
	if len(temps) != 3 || len(dirNames(t, dir)) != 3 {
		t.Fatalf("files %v after Add, want three temporary ones", dirNames(t, dir))
	}
	for _, name := range temps {
		if !strings.HasPrefix(name, ".shop-000") || isChunkFile(name, "shop") {
			t.Errorf("temporary file %q", name)
		}
	}
	if err := d.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, c := range chunks {
		want[fmt.Sprintf("shop-%04d.json", i+1)] = string(c) + "\n"
	}
	if got := readFiles(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v\nwant %v", got, want)
	}
	d.Abort() // a no-op after Commit
	if got := readFiles(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("Abort after Commit changed the files: %v", got)
	}
}

func TestDirSinkAbort(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sink := NewDirSink(dir)
	if err := Send(ctx, sink, "shop", buildSized(t, 2, "first")); err != nil {
		t.Fatal(err)
	}
	before := readFiles(t, dir)

	d, err := sink.Open(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, encodedChunks(t, buildSized(t, 3, "second")))
	if len(tempFiles(t, dir)) != 3 {
		t.Fatalf("files %v, want three temporary ones besides the first run's", dirNames(t, dir))
	}
	d.Abort()
	if got := readFiles(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("after Abort, files %v\nwant the first run's %v", dirNames(t, dir), before)
	}
	if err := d.Commit(ctx); err == nil {
		t.Error("Commit after Abort accepted")
	}
	if got := readFiles(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("Commit after Abort changed the files: %v", dirNames(t, dir))
	}
}

func TestDirSinkCommitFailsMidway(t *testing.T) {
	dir := t.TempDir()
	// A directory where chunk 2 goes makes its rename fail.
	if err := os.Mkdir(filepath.Join(dir, "shop-0002.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	envs := buildSized(t, 3, "h")
	err := Send(context.Background(), NewDirSink(dir), "shop", envs)
	if err == nil || !strings.Contains(err.Error(), `write chunk 2 of 3 of mapping "shop": rename to `) {
		t.Fatalf("error %v, want chunk 2 of 3 to fail", err)
	}
	if want := []string{"shop-0001.json", "shop-0002.json"}; !slices.Equal(dirNames(t, dir), want) {
		t.Errorf("files %v, want %v: chunk 1 and the directory, no chunk 3, no temporary files", dirNames(t, dir), want)
	}
}

func TestDirSinkCanceled(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sink := NewDirSink(dir)
	if err := Send(ctx, sink, "shop", buildSized(t, 2, "first")); err != nil {
		t.Fatal(err)
	}
	before := readFiles(t, dir)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := Send(canceled, sink, "shop", buildSized(t, 3, "second")); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if got := readFiles(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("a canceled delivery changed the files: %v", dirNames(t, dir))
	}
}

func TestAssemblerIntoSink(t *testing.T) {
	b := basicBatch()
	opt := Options{Hostname: "h", ChunkSize: 2, Now: testNow}
	var want bytes.Buffer
	envs, err := Build(b, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := Send(context.Background(), NewWriterSink(&want), "shop", envs); err != nil {
		t.Fatal(err)
	}

	var got bytes.Buffer
	d, err := NewWriterSink(&got).Open(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAssembler("shop", opt, d.Add)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(b.Instance, b.Topology, b.Health); err != nil {
		t.Fatal(err)
	}
	if err := a.Finish(b); err != nil {
		d.Abort()
		t.Fatal(err)
	}
	if err := d.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("assembled\n%s\nwant\n%s", got.String(), want.String())
	}
}

// TestWriterSinkSpills holds a writer delivery's memory to a few bytes, so
// that its envelopes after the first go to a temporary file: the output is
// the same, each line still one Write, a failing write is reported with
// its chunk, and nothing is left in the temporary directory.
func TestWriterSinkSpills(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	defer func(was int) { maxHeld = was }(maxHeld)
	chunks := encodedChunks(t, buildSized(t, 5, "h"))
	maxHeld = len(chunks[0]) + 1 // the first line fits, the others spill

	w := &failingWriter{}
	d, err := NewWriterSink(w).Open(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, chunks)
	if dd := d.(*writerDelivery); len(dd.lines) != 1 || dd.spill == nil || len(dd.spill.sizes) != len(chunks)-1 {
		t.Fatalf("%d lines held, spill %v", len(dd.lines), dd.spill)
	}
	if err := d.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.buf.String() != wantLines(chunks) || w.writes != len(chunks) {
		t.Errorf("wrote %d times\n%s\nwant %d lines\n%s", w.writes, w.buf.String(), len(chunks), wantLines(chunks))
	}

	w = &failingWriter{failAt: 4}
	d, err = NewWriterSink(w).Open(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, chunks)
	err = d.Commit(context.Background())
	if err == nil || !strings.Contains(err.Error(), `write chunk 4 of 5 of mapping "m": disk full`) {
		t.Errorf("error %v, want chunk 4 of 5 to fail", err)
	}

	d, err = NewWriterSink(&bytes.Buffer{}).Open(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	addScribbled(t, d, chunks)
	d.Abort()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}
