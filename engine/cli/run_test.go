package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stackmap/stackmap/engine/receiver"
)

const quickstart = "../../examples/quickstart/cmdb.yaml"

// readChunks reads the payload files a file: output wrote, in name order.
func readChunks(t *testing.T, dir string) []map[string]any {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var envs []map[string]any
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var env map[string]any
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		envs = append(envs, env)
	}
	return envs
}

// snapshotFlags returns the start/stop flags of every topology message and
// the number of elements of each envelope.
func snapshotFlags(envs []map[string]any) (flags [][2]bool, sizes []int) {
	for _, env := range envs {
		n := len(env["metrics"].([]any))
		for _, evs := range env["events"].(map[string]any) {
			n += len(evs.([]any))
		}
		for _, h := range env["health"].([]any) {
			n += len(h.(map[string]any)["check_states"].([]any))
		}
		for _, t := range env["topologies"].([]any) {
			m := t.(map[string]any)
			flags = append(flags, [2]bool{m["start_snapshot"].(bool), m["stop_snapshot"].(bool)})
			n += len(m["components"].([]any)) + len(m["relations"].([]any))
		}
		sizes = append(sizes, n)
	}
	return flags, sizes
}

func TestRunOnceToFilesInChunks(t *testing.T) {
	dir := t.TempDir()
	c, _, stderr := newTestCLI(t, nil)
	if code := c.Run([]string{"run", "--once", quickstart, "--output", "file:" + dir, "--chunk-size", "2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	chunked := readChunks(t, dir)
	flags, sizes := snapshotFlags(chunked)
	// 8 components and 8 relations in chunks of 2: 8 topology messages.
	if len(flags) != 8 {
		t.Fatalf("%d topology messages, want 8: %v", len(flags), flags)
	}
	for i, f := range flags {
		want := [2]bool{i == 0, i == len(flags)-1}
		if f != want {
			t.Errorf("topology message %d has start/stop %v, want %v", i, f, want)
		}
	}
	for i, n := range sizes {
		if n > 2 || n == 0 {
			t.Errorf("envelope %d holds %d elements, want 1 or 2", i, n)
		}
	}

	// The same run in one chunk carries the same elements.
	one := t.TempDir()
	c, _, stderr = newTestCLI(t, nil)
	if code := c.Run([]string{"run", "--once", quickstart, "--output", "file:" + one}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	whole := readChunks(t, one)
	if len(whole) != 1 {
		t.Fatalf("%d envelopes without chunking, want 1", len(whole))
	}
	if got, want := elementIDs(chunked), elementIDs(whole); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("chunked payloads carry\n%v\nwant\n%v", got, want)
	}
}

// elementIDs lists the external ids of all components and relations, in
// order.
func elementIDs(envs []map[string]any) []string {
	var ids []string
	for _, env := range envs {
		for _, t := range env["topologies"].([]any) {
			m := t.(map[string]any)
			for _, k := range []string{"components", "relations"} {
				for _, e := range m[k].([]any) {
					ids = append(ids, e.(map[string]any)["externalId"].(string))
				}
			}
		}
	}
	return ids
}

func TestRunOnceToStackState(t *testing.T) {
	rc := receiver.New("the-key")
	srv := httptest.NewServer(rc)
	defer srv.Close()

	c, _, stderr := newTestCLI(t, map[string]string{"STACKMAP_API_KEY": "the-key"})
	if code := c.Run([]string{"run", "--once", "--url", srv.URL, "--chunk-size", "3", quickstart}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	top, n := rc.Topology(receiver.Instance{Type: "quickstart", URL: "cmdb://example"})
	if n != 1 || len(top.Components) != 8 || len(top.Relations) != 8 {
		t.Fatalf("receiver holds %d snapshots, %v", n, top)
	}
	if top.Components["urn:cmdb:server:srv-001"]["data"].(map[string]any)["name"] != "web-01.example.com" {
		t.Errorf("component data: %v", top.Components["urn:cmdb:server:srv-001"])
	}
	for _, env := range rc.Envelopes() {
		if env["internalHostname"] != testHost {
			t.Errorf("internalHostname %v", env["internalHostname"])
		}
	}

	// A wrong key is a runtime failure whose message names the status
	// and does not show the key.
	c, _, stderr = newTestCLI(t, map[string]string{"STACKMAP_API_KEY": "wrong-key-123"})
	if code := c.Run([]string{"run", "--once", "--url", srv.URL, quickstart}); code != ExitRuntime {
		t.Fatalf("exit %d, want %d: %s", code, ExitRuntime, stderr)
	}
	if msg := stderr.String(); !strings.Contains(msg, "403") || strings.Contains(msg, "wrong-key-123") {
		t.Errorf("stderr: %s", msg)
	}

	// The key may come from a file.
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("the-key\n"), 0o600)
	c, _, stderr = newTestCLI(t, map[string]string{"STACKMAP_URL": srv.URL + "/stsAgent"})
	if code := c.Run([]string{"run", "--once", "--api-key-file", keyFile, quickstart}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, n := rc.Topology(receiver.Instance{Type: "quickstart", URL: "cmdb://example"}); n != 2 {
		t.Errorf("%d snapshots after the second delivery, want 2", n)
	}
}

func TestFailedRunSendsNothing(t *testing.T) {
	rc := receiver.New("k")
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c, _, stderr := newTestCLI(t, map[string]string{"STACKMAP_API_KEY": "k"})
	code := c.Run([]string{"run", "--once", "--url", srv.URL, "testdata/failing/missing-file.yaml", quickstart})
	if code != ExitRuntime {
		t.Fatalf("exit %d, want %d: %s", code, ExitRuntime, stderr)
	}
	if !strings.Contains(stderr.String(), "1 of 2 mapping(s) failed") {
		t.Errorf("stderr: %s", stderr)
	}
	// The good mapping was delivered, the failed one sent no envelope.
	for _, env := range rc.Envelopes() {
		for _, tp := range env["topologies"].([]any) {
			inst := tp.(map[string]any)["instance"].(map[string]any)
			if inst["url"] != "cmdb://example" {
				t.Errorf("the failed mapping sent %v", inst)
			}
		}
	}
	if len(rc.Envelopes()) != 1 {
		t.Errorf("%d envelopes, want 1", len(rc.Envelopes()))
	}
}

// TestRecordThenReplay records a run against an API with preview --record
// and replays it with --fixtures after the API is gone: the payloads are
// the same, and the recording holds no token.
func TestRecordThenReplay(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-abc-123" {
			http.Error(w, "denied", http.StatusUnauthorized)
			return
		}
		switch r.URL.Query().Get("page") {
		case "1":
			fmt.Fprint(w, `{"servers": [{"name": "a"}, {"name": "b"}]}`)
		case "2":
			fmt.Fprint(w, `{"servers": [{"name": "c"}]}`)
		default:
			http.Error(w, "no such page", http.StatusNotFound)
		}
	}))
	env := map[string]string{"API_URL": srv.URL, "API_TOKEN": "tok-abc-123"}
	dir := t.TempDir()
	c, live, stderr := newTestCLI(t, env)
	if code := c.Run([]string{"preview", "--format", "payload", "--record", dir, "testdata/api/api.yaml"}); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "recorded 2 HTTP exchange(s)") {
		t.Errorf("stderr: %s", stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 2 {
		t.Fatalf("%d fixture files, want 2", len(files))
	}
	for _, f := range files {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), "tok-abc-123") {
			t.Errorf("%s holds the token", f)
		}
	}
	srv.Close()
	c, replayed, stderr := newTestCLI(t, map[string]string{"API_URL": srv.URL})
	if code := c.Run([]string{"preview", "--format", "payload", "--fixtures", dir, "testdata/api/api.yaml"}); code != 0 {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	if live.String() != replayed.String() || !strings.Contains(live.String(), `"externalId": "c"`) {
		t.Errorf("replayed payload differs:\n%s\nlive:\n%s", replayed, live)
	}
	// run --once replays too.
	out := t.TempDir()
	c, _, stderr = newTestCLI(t, map[string]string{"API_URL": srv.URL})
	if code := c.Run([]string{"run", "--once", "--fixtures", dir, "--output", "file:" + out, "testdata/api/api.yaml"}); code != 0 {
		t.Fatalf("run --once --fixtures: exit %d: %s", code, stderr)
	}
	if got := elementIDs(readChunks(t, out)); strings.Join(got, ",") != "a,b,c" {
		t.Errorf("run --once replayed %v", got)
	}
}

// TestShrinkGuard delivers a snapshot of 10 components, then refuses one
// of 2 (80 % fewer), delivers it with --force-shrink, and keeps the state.
func TestShrinkGuard(t *testing.T) {
	out := t.TempDir()
	run := func(count string, extra ...string) (int, string) {
		c, _, stderr := newTestCLI(t, map[string]string{"SHRINK_COUNT": count})
		args := append([]string{"run", "--once", "--output", "file:" + out, "testdata/shrink/shrink.yaml"}, extra...)
		return c.Run(args), stderr.String()
	}
	if code, errOut := run("10"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	if code, errOut := run("6"); code != 0 {
		t.Fatalf("a 40%% shrink: exit %d: %s", code, errOut)
	}
	code, errOut := run("1")
	if code != ExitRuntime || !strings.Contains(errOut, "shrink guard: this snapshot would delete 5 of the 6 components StackState holds for shrink (83% > max_shrink 50%)") {
		t.Fatalf("an 83%% shrink: exit %d: %s", code, errOut)
	}
	if got := elementIDs(readChunks(t, out)); len(got) != 6 {
		t.Errorf("the refused snapshot was written: %v", got)
	}
	if code, errOut := run("1", "--force-shrink", "shrink"); code != 0 {
		t.Fatalf("forced: exit %d: %s", code, errOut)
	}
	if got := elementIDs(readChunks(t, out)); strings.Join(got, ",") != "h1" {
		t.Errorf("forced snapshot %v, want h1", got)
	}
	if code, errOut := run("1", "--force-shrink", "nosuch"); code != ExitUsage || !strings.Contains(errOut, "--force-shrink nosuch names no mapping") {
		t.Errorf("a forced unknown mapping: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(stateDir(t), "shrink.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Runs, Failures int
		Delivered      struct{ Components int }
	}
	json.Unmarshal(b, &st)
	if st.Runs != 4 || st.Failures != 1 || st.Delivered.Components != 1 {
		t.Errorf("state %s", b)
	}
}

// TestStateCursor keeps a change cursor with state: between runs, so that
// each change becomes an event once.
func TestStateCursor(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "changes.json")
	events := func() int {
		c, stdout, stderr := newTestCLI(t, map[string]string{"CHANGES_FILE": file})
		if code := c.Run([]string{"run", "--once", "--output", "stdout", "testdata/cursor/cursor.yaml"}); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return strings.Count(stdout.String(), `"msg_title"`)
	}
	os.WriteFile(file, []byte(`[{"ts": 1, "title": "a"}, {"ts": 2, "title": "b"}, {"ts": 3, "title": "c"}]`), 0o644)
	if n := events(); n != 3 {
		t.Errorf("first run: %d events, want 3", n)
	}
	if n := events(); n != 0 {
		t.Errorf("second run, nothing new: %d events, want 0", n)
	}
	os.WriteFile(file, []byte(`[{"ts": 1, "title": "a"}, {"ts": 2, "title": "b"}, {"ts": 3, "title": "c"}, {"ts": 4, "title": "d"}]`), 0o644)
	if n := events(); n != 1 {
		t.Errorf("third run, one new change: %d events, want 1", n)
	}
	b, _ := os.ReadFile(filepath.Join(stateDir(t), "cursor.json"))
	if !strings.Contains(string(b), `"last": 4`) {
		t.Errorf("state file: %s", b)
	}
}

func TestTestJUnit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "junit.xml")
	c, _, stderr := newTestCLI(t, nil)
	if code := c.Run([]string{"test", "--junit", out, "testdata/tested"}); code != ExitTestsFailed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<testsuite name="testdata/tested/hosts.yaml" tests="5" failures="3">`, `<testcase name="passes"`, `<failure message="testdata/tested/hosts.test.yaml:10:9: components: h2: data.os: &#34;RHEL 8&#34; → &#34;RHEL 9&#34;"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("junit lacks %s:\n%s", want, b)
		}
	}
}

// TestFileRunKeepsNoStateUnlessAsked runs --once to files with no state
// directory named: the default ./state is left alone, so a trial run
// cannot move the shrink guard's production baseline.
func TestFileRunKeepsNoStateUnlessAsked(t *testing.T) {
	if _, err := os.Stat("state"); err == nil {
		t.Skip("./state exists already")
	}
	c, _, stderr := newTestCLI(t, map[string]string{"STACKMAP_STATE_DIR": ""})
	if code := c.Run([]string{"run", "--once", "--output", "file:" + t.TempDir(), quickstart}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat("state"); err == nil {
		os.RemoveAll("state")
		t.Error("a run to files created ./state")
	}
}
