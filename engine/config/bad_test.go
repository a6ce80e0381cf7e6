package config_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/config"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.errors files from the current output")

// testEnv is the environment every test loads with, so no test depends on
// the real one.
var testEnv = map[string]string{
	"SET":         "value",
	"EMPTY":       "",
	"SN_INSTANCE": "prod",
	"SN_PASSWORD": "hunter2-secret",
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// TestBadMappings loads every testdata/*.bad.yaml and compares the first
// line of each reported problem with testdata/<name>.errors.
func TestBadMappings(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("found only %d bad mappings in testdata", len(files))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".bad.yaml")
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(path, config.Options{Env: lookup(testEnv)})
			if err == nil {
				t.Fatalf("%s loaded without error", path)
			}
			var list config.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want config.ErrorList: %v", err, err)
			}
			var got strings.Builder
			for _, e := range list {
				first, _, _ := strings.Cut(e.Error(), "\n")
				got.WriteString(first + "\n")
				if !strings.HasPrefix(first, path+":") {
					t.Errorf("problem does not start with the file name %s: %s", path, first)
				}
			}
			golden := strings.TrimSuffix(path, ".bad.yaml") + ".errors"
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestBadMappings -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("problems of %s differ from %s\n--- got\n%s--- want\n%s", path, golden, got.String(), want)
			}
		})
	}
}

// TestBadMappingsSorted checks that problems come in file order even when
// they are found in another order (decode first, cross-key checks last).
func TestBadMappingsSorted(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bad.yaml"))
	for _, path := range files {
		_, err := config.Load(path, config.Options{Env: lookup(testEnv)})
		var list config.ErrorList
		if !errors.As(err, &list) {
			continue
		}
		for i := 1; i < len(list); i++ {
			a, b := list[i-1].Pos, list[i].Pos
			if a.Line > b.Line || a.Line == b.Line && a.Col > b.Col {
				t.Errorf("%s: problem %d (%s) comes after %d (%s)", path, i, b, i-1, a)
			}
		}
	}
}

// TestErrorListPrintsEveryProblem checks that the error text holds every
// problem, one per line, in order.
func TestErrorListPrintsEveryProblem(t *testing.T) {
	path := filepath.Join("testdata", "many_problems.bad.yaml")
	_, err := config.Load(path, config.Options{Env: lookup(testEnv)})
	want, rerr := os.ReadFile(strings.TrimSuffix(path, ".bad.yaml") + ".errors")
	if rerr != nil {
		t.Skip(rerr)
	}
	if err == nil || err.Error()+"\n" != string(want) {
		t.Errorf("Error() =\n%v\nwant\n%s", err, want)
	}
	if n := strings.Count(string(want), "\n"); n < 8 {
		t.Errorf("many_problems reports only %d problems", n)
	}
}

func TestLoadMissingFile(t *testing.T) {
	m, err := config.Load(filepath.Join("testdata", "does-not-exist.yaml"), config.Options{Env: lookup(testEnv)})
	if m != nil || err == nil || !strings.HasPrefix(err.Error(), "read mapping: ") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, %v", m, err)
	}
}
