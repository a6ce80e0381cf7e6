//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stackmap/stackmap/engine/receiver"
)

// stateDirs keeps one state directory per test: the runs of one test share
// their state (and so the shrink guard), tests do not.
var stateDirs sync.Map

func stateDir(t *testing.T) string {
	if d, ok := stateDirs.Load(t.Name()); ok {
		return d.(string)
	}
	d := t.TempDir()
	stateDirs.Store(t.Name(), d)
	return d
}

// stackmap runs the binary from the repository root with env added to a
// minimal environment, and returns its exit code and output.
func stackmap(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	bin := os.Getenv("STACKMAP_BIN")
	if bin == "" {
		t.Fatal("STACKMAP_BIN is not set; run make e2e")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = ".."
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "STACKMAP_STATE_DIR=" + stateDir(t)}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func TestValidateShipped(t *testing.T) {
	code, out, errOut := stackmap(t, nil, "validate", "examples", "mappings")
	if code != 0 || strings.Count(out, "ok  ") < 2 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestValidateBroken(t *testing.T) {
	code, _, errOut := stackmap(t, nil, "validate", "engine/cli/testdata/broken")
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errOut)
	}
	var problems []string
	for _, line := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(line, "engine/cli/testdata/broken/") {
			problems = append(problems, line)
		}
	}
	if len(problems) != 5 {
		t.Errorf("%d problem lines, want one per broken file (5):\n%s", len(problems), errOut)
	}
}

// decodeStream decodes a stream of JSON documents.
func decodeStream(t *testing.T, s string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	var out []map[string]any
	for {
		var v map[string]any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("payload is not JSON: %v", err)
		}
		out = append(out, v)
	}
}

// checkEnvelope asserts the rules of the receiver reference on one
// envelope.
func checkEnvelope(t *testing.T, env map[string]any) {
	t.Helper()
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case nil:
			t.Errorf("%s is null", path)
		case map[string]any:
			for k, x := range v {
				walk(path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(path+"["+strconv.Itoa(i)+"]", x)
			}
		}
	}
	walk("envelope", env)
	if h, _ := env["internalHostname"].(string); h == "" {
		t.Error("internalHostname is missing")
	}
	for _, k := range []string{"metrics", "service_checks", "health", "topologies"} {
		if _, ok := env[k].([]any); !ok {
			t.Errorf("%s is not a list", k)
		}
	}
	if _, ok := env["events"].(map[string]any); !ok {
		t.Error("events is not an object")
	}
	for _, m := range env["metrics"].([]any) {
		tuple, ok := m.([]any)
		if !ok || len(tuple) != 4 {
			t.Errorf("metric %v is not a 4-element array", m)
			continue
		}
		_, name := tuple[0].(string)
		ts, isNum := tuple[1].(float64)
		_, val := tuple[2].(float64)
		attrs, obj := tuple[3].(map[string]any)
		if !name || !isNum || ts != float64(int64(ts)) || !val || !obj || attrs["hostname"] == "" {
			t.Errorf("metric %v is not [name, ts, value, {hostname, …}]", m)
		}
	}
	for _, tp := range env["topologies"].([]any) {
		top := tp.(map[string]any)
		for _, c := range top["components"].([]any) {
			comp := c.(map[string]any)
			if id, _ := comp["externalId"].(string); id == "" {
				t.Errorf("component without externalId: %v", comp)
			}
			if typ, _ := comp["type"].(map[string]any); typ == nil || typ["name"] == "" {
				t.Errorf("component without type.name: %v", comp)
			}
		}
	}
}

func TestPreviewPayloadFollowsTheReference(t *testing.T) {
	code, out, errOut := stackmap(t, nil, "preview", "examples/quickstart/cmdb.yaml", "--format", "payload")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	envs := decodeStream(t, out)
	if len(envs) != 1 {
		t.Fatalf("%d envelopes, want 1", len(envs))
	}
	checkEnvelope(t, envs[0])
	top := envs[0]["topologies"].([]any)[0].(map[string]any)
	ids := map[string]bool{}
	for _, c := range top["components"].([]any) {
		ids[c.(map[string]any)["externalId"].(string)] = true
	}
	if len(ids) != 8 {
		t.Errorf("%d components, want 8", len(ids))
	}
	for _, r := range top["relations"].([]any) {
		rel := r.(map[string]any)
		if !ids[rel["sourceId"].(string)] || !ids[rel["targetId"].(string)] {
			t.Errorf("relation %v points outside the components", rel["externalId"])
		}
	}
	if host, _ := os.Hostname(); envs[0]["internalHostname"] != host {
		t.Errorf("internalHostname %v, want this host's name %q", envs[0]["internalHostname"], host)
	}
}

func TestRunOnceWritesOrderedChunks(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := stackmap(t, nil, "run", "--once", "examples/quickstart/cmdb.yaml", "--output", "file:"+dir, "--chunk-size", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "quickstart-cmdb-*.json"))
	sort.Strings(names)
	var flags [][2]bool
	for _, n := range names {
		b, _ := os.ReadFile(n)
		var env map[string]any
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		checkEnvelope(t, env)
		for _, tp := range env["topologies"].([]any) {
			m := tp.(map[string]any)
			flags = append(flags, [2]bool{m["start_snapshot"].(bool), m["stop_snapshot"].(bool)})
		}
	}
	if len(flags) != 8 {
		t.Fatalf("%d topology chunks, want 8", len(flags))
	}
	for i, f := range flags {
		if want := [2]bool{i == 0, i == len(flags)-1}; f != want {
			t.Errorf("chunk %d: start/stop %v, want %v", i, f, want)
		}
	}
}

func TestRunOnceDeliversToReceiver(t *testing.T) {
	rc := startReceiver(t, "e2e-key")
	srv := rc
	defer srv.Close()
	code, _, errOut := stackmap(t, []string{"STACKMAP_URL=" + srv.URL + "/receiver/stsAgent/intake", "STACKMAP_API_KEY=e2e-key"},
		"run", "--once", "examples/", "--chunk-size", "4", "--hostname", "e2e-host")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, tc := range []struct {
		inst       receiver.Instance
		comps, rel int
	}{
		{receiver.Instance{Type: "quickstart", URL: "cmdb://example"}, 8, 8},
		{receiver.Instance{Type: "static-csv", URL: "csv://examples/static-csv"}, 5, 4},
	} {
		top, n := rc.Topology(tc.inst)
		if n != 1 || top == nil || len(top.Components) != tc.comps || len(top.Relations) != tc.rel {
			t.Errorf("%v: %d snapshots, %v", tc.inst, n, top)
		}
	}
	for _, env := range rc.Envelopes() {
		if env["internalHostname"] != "e2e-host" {
			t.Errorf("internalHostname %v", env["internalHostname"])
		}
	}

	code, _, errOut = stackmap(t, []string{"STACKMAP_URL=" + srv.URL, "STACKMAP_API_KEY=not-the-key"}, "run", "--once", "examples/quickstart/cmdb.yaml")
	if code != 1 || !strings.Contains(errOut, "403") || strings.Contains(errOut, "not-the-key") {
		t.Errorf("wrong key: exit %d\n%s", code, errOut)
	}
}
