//go:build linux

package mapping_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/mapping"
)

// cutter is a log handler that cuts a file short when the run logs that a
// source was fetched: after the run has mapped the file, before the rules
// read it.
type cutter struct {
	path string
	t    *testing.T
}

func (c cutter) Enabled(context.Context, slog.Level) bool { return true }
func (c cutter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c cutter) WithGroup(string) slog.Handler            { return c }
func (c cutter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "source fetched" {
		if err := os.Truncate(c.path, 64<<10); err != nil {
			c.t.Error(err)
		}
	}
	return nil
}

// TestFileCutShortWhileReadFailsTheRun cuts a large export short after
// the run has mapped it and before the rules read its records, as a
// writer that truncates a file in place would: reading the text beyond the
// new end faults, and the run must fail with a message naming the file,
// on the workers and on the run's own goroutine, instead of crashing.
func TestFileCutShortWhileReadFailsTheRun(t *testing.T) {
	cis, _ := wideExport(30000) // over a megabyte: mapped, not read
	if len(cis) < 2<<20 {
		t.Fatalf("the export is %d bytes, too small to be mapped", len(cis))
	}
	src := `name: cut
sources:
  - name: cis
    file: {path: cis.json}
    records: .result[]
components:
  - name: c
    each: $cis[]
    jq: '{id: .sys_id, type: "t"}'
`
	p, mpath := mustCompile(t, src, map[string]string{"cis.json": cis})
	path := filepath.Join(filepath.Dir(mpath), "cis.json")
	log := slog.New(cutter{path: path, t: t})
	for _, workers := range []int{1, 2} {
		if err := os.WriteFile(path, []byte(cis), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: workers, Stream: &collect{}, Logger: log})
		if err == nil {
			t.Fatalf("workers=%d: the run read a file cut short without an error", workers)
		}
		if want := path + " changed while this run read it (it was cut short), so nothing is sent"; !strings.Contains(err.Error(), want) {
			t.Errorf("workers=%d: error\n%v\nwant it to say %q", workers, err, want)
		}
		if res.Err() == nil {
			t.Errorf("workers=%d: the result has no error", workers)
		}
	}
}
