package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// TestCase is one mapping test: a run under given conditions and what it
// must produce.
type TestCase struct {
	Pos      Pos               `yaml:"-"`
	Name     string            `yaml:"name" required:"true" doc:"Name of the test, shown in results; --run selects tests by it." example:"\"maps the export\""`
	Sources  map[string]string `yaml:"sources" doc:"Plain files that stand in for sources, by source name: the source's records come from the file's JSON or YAML document (relative to the test's file) instead of what the source reads." example:"{\"cis\": \"testdata/cis.json\"}"`
	Fixtures string            `yaml:"fixtures" doc:"A directory of HTTP exchanges recorded with preview --record, replayed instead of the network; relative to the test's file." example:"\"testdata/fixtures\""`
	Env      map[string]string `yaml:"env" doc:"Environment variables for the test, for the mapping's ${…} references; nothing else of the environment is seen." example:"{\"SN_PAGE_SIZE\": \"10\"}"`
	Now      string            `yaml:"now" doc:"The run's time (RFC 3339); default 2026-01-01T00:00:00Z, so that $now and default timestamps are stable." example:"\"2026-11-01T08:00:00Z\""`
	Expect   *Expect           `yaml:"expect" doc:"What the run must produce, per element kind." example:"{\"components\": {\"count\": 8, \"contains\": [{\"id\": \"srv-1\", \"layer\": \"Machines\"}]}}"`
	Fails    string            `yaml:"fails" doc:"The run must fail with an error that contains this text." example:"\"no such file\""`
}

// Expect holds the expectations per element kind.
type Expect struct {
	Components *KindExpect `yaml:"components" doc:"Expectations on components (matched by id)." example:"{\"count\": 8}"`
	Relations  *KindExpect `yaml:"relations" doc:"Expectations on relations (matched by id, which defaults to <source>-<type>-<target>)." example:"{\"contains\": [{\"source\": \"app-1\", \"type\": \"runs_on\", \"target\": \"srv-1\"}]}"`
	Metrics    *KindExpect `yaml:"metrics" doc:"Expectations on metrics (matched by name and tags)." example:"{\"count\": 16}"`
	Events     *KindExpect `yaml:"events" doc:"Expectations on events (matched by source and title)." example:"{\"contains\": [{\"source\": \"cmdb.change\", \"title\": \"Deploy 2.3.1\"}]}"`
	Health     *KindExpect `yaml:"health" doc:"Expectations on health states (matched by id)." example:"{\"contains\": [{\"id\": \"srv-1\", \"health\": \"CRITICAL\"}]}"`
}

// KindExpect is what the elements of one kind must be.
type KindExpect struct {
	Pos      Pos      `yaml:"-"`
	Count    *int     `yaml:"count" doc:"How many elements of the kind the run produces." example:"8"`
	Contains Template `yaml:"contains" doc:"Elements that must be among those produced; only the keys given are compared (data too, key by key)." example:"[{\"id\": \"srv-1\", \"data\": {\"os\": \"RHEL 9\"}}]"`
	Equals   Template `yaml:"equals" doc:"The whole set of elements, each compared whole; order does not matter." example:"[{\"id\": \"srv-1\", \"type\": \"server\"}]"`
	Golden   string   `yaml:"golden" doc:"A JSON file holding the whole set, compared like equals; stackmap test --update rewrites it." example:"\"testdata/components.golden.json\""`
}

// TestFile is a file of tests beside a mapping: <name>.test.yaml.
type TestFile struct {
	Tests []TestCase `yaml:"tests" required:"true" doc:"The tests of the mapping beside this file." example:"[{\"name\": \"maps the export\", \"expect\": {\"components\": {\"count\": 8}}}]"`
}

// TestPath is where the tests of the mapping at path live when they are
// not in the mapping: cmdb.yaml → cmdb.test.yaml.
func TestPath(path string) string {
	ext := filepath.Ext(path)
	return path[:len(path)-len(ext)] + ".test" + ext
}

// LoadTests reads the tests of a mapping: those of its tests: key and those
// of its .test.yaml file, if there is one. The file's tests decode as
// strictly as a mapping.
func LoadTests(m *Mapping) ([]TestCase, error) {
	tests := append([]TestCase(nil), m.Tests...)
	path := TestPath(m.Path)
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return tests, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read tests: %w", err)
	}
	d := NewDecoder(path, filepath.Dir(path), src)
	d.noExpand = true
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrorList{{Pos: Pos{File: path, Line: 1, Col: 1}, Msg: "the test file is empty; it needs tests:"}}
		}
		return nil, ErrorList{yamlError(path, err)}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	var f TestFile
	d.Decode(doc, &f)
	if errs := d.Errors(); len(errs) > 0 {
		return nil, errs
	}
	return append(tests, f.Tests...), nil
}
