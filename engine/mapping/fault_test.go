//go:build linux

package mapping_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/mapping"
	_ "github.com/stackmap/stackmap/engine/source/http"
)

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
	var path string
	// The second source is fetched after the first, which it does not
	// know: it cuts the first one's file short.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := os.Truncate(path, 64<<10); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()
	src := fmt.Sprintf(`name: cut
sources:
  - name: cis
    file: {path: cis.json}
    records: .result[]
  - name: trigger
    http: {url: %q}
components:
  - name: c
    each: $cis[]
    jq: '{id: .sys_id, type: "t"}'
`, srv.URL)
	p, mpath := mustCompile(t, src, map[string]string{"cis.json": cis})
	path = filepath.Join(filepath.Dir(mpath), "cis.json")
	for _, workers := range []int{1, 2} {
		if err := os.WriteFile(path, []byte(cis), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(context.Background(), mapping.Options{Now: now, Workers: workers, Stream: &collect{}})
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
