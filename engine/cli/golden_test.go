package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExamplePayloads previews every shipped mapping with a fixed clock and
// host name — replaying testdata/fixtures beside it when there are any —
// and compares the payloads with testdata/<mapping>.payload.json beside it.
// Update one golden with -run 'TestExamplePayloads/mappings/zabbix/' -update. Run with -update to rewrite them, then review the diff.
func TestExamplePayloads(t *testing.T) {
	files, err := findMappings([]string{"../../examples", "../../mappings"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d shipped mappings, want at least the two examples", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, "../../"), func(t *testing.T) {
			// A mapping of a live database has no recording to replay;
			// its e2e test proves it instead.
			if why, err := os.ReadFile(filepath.Join(filepath.Dir(f), "testdata", "live-only")); err == nil {
				t.Skipf("live only: %s", strings.TrimSpace(string(why)))
			}
			args := []string{"preview", "--format", "payload", "--now", testNow.Format("2006-01-02T15:04:05Z07:00"), f}
			// A mapping of an API replays the exchanges recorded beside it.
			fixtures := filepath.Join(filepath.Dir(f), "testdata", "fixtures")
			if _, err := os.Stat(fixtures); err == nil {
				args = append(args, "--fixtures", fixtures)
			}
			c, stdout, stderr := newTestCLI(t, nil)
			if code := c.Run(args); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			golden := filepath.Join(filepath.Dir(f), "testdata", base+".payload.json")
			compareGolden(t, golden, stdout.Bytes())
		})
	}
}

// TestSchemaFile keeps docs/mapping.schema.json equal to what the schema
// verb prints.
func TestSchemaFile(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSchema(&b); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "../../docs/mapping.schema.json", b.Bytes())
	b.Reset()
	if err := WriteTestSchema(&b); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "../../docs/mapping-test.schema.json", b.Bytes())
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; if the change is intended, run go test ./engine/cli -update and review the diff\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return ""
}

// TestSchemaDocumentsEveryKey holds the schema to a description and an
// example for every key, so that editors can show both.
func TestSchemaDocumentsEveryKey(t *testing.T) {
	for name, s := range map[string]map[string]any{"mapping": schemaMap(t, WriteSchema), "tests": schemaMap(t, WriteTestSchema)} {
		var walk func(path string, v any)
		walk = func(path string, v any) {
			m, ok := v.(map[string]any)
			if !ok {
				return
			}
			if props, ok := m["properties"].(map[string]any); ok {
				for k, p := range props {
					pm := p.(map[string]any)
					if pm["description"] == nil || pm["examples"] == nil {
						t.Errorf("%s schema: %s.%s lacks a description or an example", name, path, k)
					}
					walk(path+"."+k, p)
				}
			}
			walk(path+"[]", m["items"])
			walk(path+"{}", m["additionalProperties"])
		}
		walk("", s)
	}
}

func schemaMap(t *testing.T, write func(io.Writer) error) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
