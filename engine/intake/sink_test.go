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
	wg.Go(func() { errs[0] = sink.Send(context.Background(), "a", a) })
	wg.Go(func() { errs[1] = sink.Send(context.Background(), "b", b) })
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
	err := NewWriterSink(&buf).Send(ctx, "m", buildSized(t, 2, "h"))
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
	if err := sink.Send(ctx, "shop", envs); err != nil {
		t.Fatal(err)
	}
	if err := sink.Send(ctx, "shop-eu", buildSized(t, 2, "h")); err != nil {
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
		if err := EncodeIndent(&wantBuf, &envs[i]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantBuf.Bytes()) {
			t.Errorf("file %d is not envelope %d indented:\n%s", i+1, i+1, got)
		}
	}

	// A second run with fewer chunks leaves no stale file of its mapping
	// and does not touch the others.
	fewer := buildSized(t, 1, "second")
	if err := sink.Send(ctx, "shop", fewer); err != nil {
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
	if !strings.Contains(string(data), `"internalHostname": "second"`) {
		t.Errorf("shop-0001.json was not rewritten:\n%s", data)
	}
}

func TestDirSinkRejectsPathMappings(t *testing.T) {
	dir := t.TempDir()
	for _, mapping := range []string{"", ".", "..", "../escape", "a/b", `a\b`} {
		err := NewDirSink(dir).Send(context.Background(), mapping, buildSized(t, 1, "h"))
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
