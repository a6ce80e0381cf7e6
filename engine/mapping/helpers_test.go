package mapping_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
	_ "github.com/stackmap/stackmap/engine/source/file"
)

// now is the start of every test run.
var now = time.Unix(1700000000, 0)

// testEnv is the environment mappings see in these tests.
var testEnv = map[string]string{"SHOP_ENV": "Production", "SHOP_TOKEN": "tok-3x4mpl3"}

func lookupEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// write writes files (name → content) under dir.
func write(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// compile writes src as m.yaml and files beside it in a new directory, and
// compiles it. It returns the mapping's path too.
func compile(t testing.TB, src string, files map[string]string) (*mapping.Plan, string, error) {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, files)
	path := filepath.Join(dir, "m.yaml")
	write(t, dir, map[string]string{"m.yaml": src})
	m, err := config.Parse(path, []byte(src), config.Options{Env: lookupEnv})
	if err != nil {
		t.Fatalf("config.Parse:\n%v", err)
	}
	p, err := mapping.Compile(m)
	return p, path, err
}

func mustCompile(t testing.TB, src string, files map[string]string) (*mapping.Plan, string) {
	t.Helper()
	p, path, err := compile(t, src, files)
	if err != nil {
		t.Fatalf("Compile:\n%v", err)
	}
	return p, path
}

// runOnce compiles and runs src.
func runOnce(t testing.TB, src string, files map[string]string) (*mapping.Result, string, error) {
	t.Helper()
	p, path := mustCompile(t, src, files)
	res, err := p.Run(context.Background(), mapping.Options{Now: now})
	if res == nil {
		t.Fatalf("Run returned no result (error %v)", err)
	}
	if (err == nil) != (res.Err() == nil) || err != nil && err.Error() != res.Err().Error() {
		t.Errorf("Run's error %v is not the result's %v", err, res.Err())
	}
	return res, path, err
}

// problems formats a compile error as "line:col: message" lines.
func problems(t testing.TB, err error) []string {
	t.Helper()
	var list config.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want config.ErrorList: %v", err, err)
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return out
}

// clearDurations zeroes the times of a result so results compare.
func clearDurations(res *mapping.Result) {
	res.Duration = 0
	for i := range res.Sources {
		res.Sources[i].Duration = 0
	}
}

// errText joins a result's errors.
func errText(res *mapping.Result) string {
	var b strings.Builder
	for _, e := range res.Errors {
		b.WriteString(e.Error())
		b.WriteString("\n")
	}
	return b.String()
}
