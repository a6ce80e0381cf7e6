//go:build unix

package file_test

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
)

// TestReadsWhatIsNotARegularFile reads JSON from a named pipe, whose size
// is unknown, so the buffer of the file's size is too small and the rest
// is read after it.
func TestReadsWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.json"), 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		f, err := os.OpenFile(filepath.Join(dir, "pipe.json"), os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.WriteString(`{"result": [{"id": "a"}, {"id": "b"}]}`)
	}()
	docs, err := fetch(t, dir, `{path: pipe.json}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{obj("result", []any{obj("id", "a"), obj("id", "b")})}
	if !reflect.DeepEqual(docs, want) {
		t.Errorf("got %#v, want %#v", docs, want)
	}
}
