package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/receiver"
)

// syncBuffer is a buffer the daemon writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const daemonMapping = `name: daemon
schedule: "@every 1s"
instance: {type: daemon, url: "test://daemon"}
sources:
  - name: hosts
    file: {path: hosts.json}
components:
  - each: $hosts[]
    jq: '{id: .id, type: "host"}'
`

// eventually polls cond until it holds or 15 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDaemon(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.yaml")
	os.WriteFile(path, []byte(daemonMapping), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}]`), 0o644)
	rc := receiver.New("k")
	srv := httptest.NewServer(rc)
	defer srv.Close()

	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "k"}, "--url", srv.URL, "--grace", "5s", path)
	inst := receiver.Instance{Type: "daemon", URL: "test://daemon"}
	eventually(t, "three snapshots", func() bool { _, n := rc.Topology(inst); return n >= 3 })
	envs := rc.Envelopes()
	if first, last := envs[0]["collection_timestamp"].(float64), envs[len(envs)-1]["collection_timestamp"].(float64); last <= first {
		t.Errorf("collection_timestamp did not move between runs: %v then %v", first, last)
	}

	if code, body := get(t, d.base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := get(t, d.base+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d", code)
	}
	_, body := get(t, d.base+"/status")
	var st daemonStatus
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/status: %v\n%s", err, body)
	}
	if len(st.Mappings) != 1 || st.Mappings[0].Last == nil || st.Mappings[0].Last.Outcome != "ok" || st.Mappings[0].Last.Components != 5 ||
		st.Mappings[0].NextRun.IsZero() || st.Mappings[0].Delivered == nil || st.Mappings[0].Runs < 2 {
		t.Errorf("/status: %s", body)
	}
	_, body = get(t, d.base+"/metrics")
	for _, want := range []string{`stackmap_runs_total{mapping="daemon",outcome="ok"}`, `stackmap_elements_out_total{kind="component",mapping="daemon"}`, "stackmap_run_duration_seconds_bucket", "stackmap_last_success_timestamp_seconds"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A broken mapping on SIGHUP: the running version stays.
	os.WriteFile(path, []byte(strings.Replace(daemonMapping, "jq: '{id: .id", "jq: '{id: .id |", 1)), 0o644)
	d.signals <- syscall.SIGHUP
	eventually(t, "the reload problem in /status", func() bool {
		_, body := get(t, d.base+"/status")
		return strings.Contains(body, "reload_problem") && strings.Contains(body, "jq syntax error")
	})
	_, before := rc.Topology(inst)
	eventually(t, "runs after the failed reload", func() bool { _, n := rc.Topology(inst); return n > before })

	// A shrink of 80 %: refused, counted, nothing deleted.
	os.WriteFile(path, []byte(daemonMapping), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}]`), 0o644)
	d.signals <- syscall.SIGHUP
	eventually(t, "a shrink refusal", func() bool {
		_, body := get(t, d.base+"/metrics")
		return strings.Contains(body, `stackmap_shrink_refusals_total{mapping="daemon"}`)
	})
	if top, _ := rc.Topology(inst); len(top.Components) != 5 {
		t.Errorf("the shrink reached the receiver: %v", top.Components)
	}

	d.signals <- syscall.SIGTERM
	select {
	case code := <-d.done:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM:\n%s", code, d.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon did not stop on SIGTERM")
	}
	if rc.Open(inst) {
		t.Error("SIGTERM left a snapshot open")
	}
}

func TestDaemonNeedsSchedules(t *testing.T) {
	c, _, stderr := newTestCLI(t, nil)
	code := c.Run([]string{"run", "--output", "stdout", "--listen", "127.0.0.1:0", "../../examples/cmdb-sqlite/cmdb-sqlite.yaml", "testdata/shrink/shrink.yaml"})
	if code != ExitInvalid || !strings.Contains(stderr.String(), "mapping shrink has no schedule; the daemon needs one (or use run --once)") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestDaemonUnderFaults runs the daemon against a receiver that fails 30 %
// of requests with 500, 429 or a timeout: whatever fails, the receiver's completed
// topology is always the whole snapshot, and snapshots keep arriving.
func TestDaemonUnderFaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.yaml")
	os.WriteFile(path, []byte(daemonMapping+`relations:
  - each: $hosts[1:][]
    jq: '{source: "a", target: .id, type: "links"}'
`), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}]`), 0o644)
	rc := receiver.New("k")
	rc.Faults = &receiver.Faults{Rate: 0.3, Kinds: []string{"500", "429", "timeout"}, Delay: 200 * time.Millisecond}
	srv := httptest.NewServer(rc.Handler())
	defer srv.Close()

	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "k"}, "--url", srv.URL, "--chunk-size", "2", path)
	inst := receiver.Instance{Type: "daemon", URL: "test://daemon"}
	deadline := time.Now().Add(25 * time.Second)
	for {
		top, n := rc.Topology(inst)
		if top != nil && (len(top.Components) != 5 || len(top.Relations) != 4) {
			t.Fatalf("a completed snapshot is not whole: %d components, %d relations", len(top.Components), len(top.Relations))
		}
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d whole snapshots arrived in 25 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.signals <- syscall.SIGTERM
	if code := <-d.done; code != 0 {
		t.Errorf("exit %d", code)
	}
	failed := 0
	resp, err := http.Get(srv.URL + "/api/log")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		failed = strings.Count(string(b), `"status": 500`) + strings.Count(string(b), `"status": 429`) + strings.Count(string(b), `"status": 504`)
	}
	if failed == 0 {
		t.Error("no fault was injected; the test proved nothing")
	}
}

// TestDaemonWatchesFiles starts the daemon on a directory and adds and
// removes mapping files: it picks them up without a signal.
func TestDaemonWatchesFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(strings.Replace(daemonMapping, "name: daemon", "name: first", 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}]`), 0o644)
	out := t.TempDir()
	d := startDaemon(t, nil, "--output", "file:"+out, "--watch", "100ms", "--log-format", "json", "--log-level", "info", dir)
	names := func() string {
		_, body := get(t, d.base+"/status")
		var st daemonStatus
		json.Unmarshal([]byte(body), &st)
		var n []string
		for _, m := range st.Mappings {
			n = append(n, m.Name)
		}
		return strings.Join(n, ",")
	}
	eventually(t, "the first mapping", func() bool { return names() == "first" })
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(strings.Replace(daemonMapping, "name: daemon", "name: second", 1)), 0o644)
	eventually(t, "the added mapping", func() bool { return names() == "first,second" })
	os.Remove(filepath.Join(dir, "a.yaml"))
	eventually(t, "the removed mapping gone", func() bool { return names() == "second" })
	d.signals <- syscall.SIGTERM
	if code := <-d.done; code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(d.stderr.String(), `"msg":"a mapping file changed; reloading"`) {
		t.Errorf("no JSON log line about the reload:\n%s", d.stderr)
	}
}

// TestDaemonReceiverDownThenBack keeps the receiver down for a few runs:
// nothing is deleted, and when it is back the topology arrives whole with
// the metrics of the runs it missed.
func TestDaemonReceiverDownThenBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.yaml")
	os.WriteFile(path, []byte(daemonMapping+`metrics:
  - jq: '{name: "app.runs", value: 1, timestamp: $now}'
`), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}, {"id": "b"}]`), 0o644)
	rc := receiver.New("k")
	var down sync.Mutex
	isDown := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down.Lock()
		d := isDown
		down.Unlock()
		if d {
			http.Error(w, "receiver restarting", http.StatusServiceUnavailable)
			return
		}
		rc.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "k"}, "--url", srv.URL, "--delivery-retries", "0", path)
	eventually(t, "three failed deliveries", func() bool {
		_, body := get(t, d.base+"/metrics")
		return strings.Contains(body, `stackmap_run_failures_total{mapping="daemon",reason="deliver"} 3`)
	})
	if _, body := get(t, d.base+"/metrics"); !strings.Contains(body, `stackmap_telemetry_queued{mapping="daemon"} 3`) {
		t.Errorf("the missed metrics are not queued:\n%s", body)
	}
	down.Lock()
	isDown = false
	down.Unlock()
	inst := receiver.Instance{Type: "daemon", URL: "test://daemon"}
	eventually(t, "a snapshot after the receiver came back", func() bool { _, n := rc.Topology(inst); return n >= 1 })
	if top, _ := rc.Topology(inst); len(top.Components) != 2 {
		t.Errorf("topology %v", top.Components)
	}
	resp, err := http.Get(srv.URL + "/api/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Metrics [][]any }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	stamps := map[float64]bool{}
	for _, m := range got.Metrics {
		stamps[m[1].(float64)] = true
	}
	if len(stamps) < 4 {
		t.Errorf("metrics of %d runs arrived, want the 3 missed ones and the current one: %v", len(stamps), got.Metrics)
	}
	d.signals <- syscall.SIGTERM
	<-d.done
}

// TestDaemonSIGTERMMidSend stops the daemon while it sends a snapshot
// chunk by chunk to a slow receiver: the grace period runs out, the rest of
// the snapshot is not sent, and the receiver keeps the last whole one.
func TestDaemonSIGTERMMidSend(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.yaml")
	os.WriteFile(path, []byte(strings.Replace(daemonMapping, `"@every 1s"`, `"@every 2s"`, 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]`), 0o644)
	rc := receiver.New("k")
	var slow sync.Mutex
	delay := time.Duration(0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slow.Lock()
		d := delay
		slow.Unlock()
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		rc.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "k"}, "--url", srv.URL, "--chunk-size", "1", "--grace", "300ms", path)
	inst := receiver.Instance{Type: "daemon", URL: "test://daemon"}
	eventually(t, "a first snapshot", func() bool { _, n := rc.Topology(inst); return n == 1 })
	// The next snapshot differs and crawls: one chunk a second.
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "e"}]`), 0o644)
	slow.Lock()
	delay = time.Second
	slow.Unlock()
	eventually(t, "the second snapshot under way", func() bool { return rc.Open(inst) })
	d.signals <- syscall.SIGTERM
	select {
	case code := <-d.done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon did not stop within its grace period")
	}
	top, n := rc.Topology(inst)
	if n != 1 || top.Components["e"] != nil || top.Components["d"] == nil {
		t.Errorf("after SIGTERM mid-send: %d snapshots, components %v; want the first one untouched", n, top.Components)
	}
}

// TestDaemonSourceFailsOnPage3 lets an API fail on its third page after a
// good run: the run fails with the reason "run", and the receiver keeps the
// last whole snapshot.
func TestDaemonSourceFailsOnPage3(t *testing.T) {
	var broken sync.Mutex
	page3 := false
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off := r.URL.Query().Get("off")
		broken.Lock()
		fail := page3 && off == "4"
		broken.Unlock()
		if fail {
			http.Error(w, "database is gone", http.StatusInternalServerError)
			return
		}
		ids := map[string]string{"0": `[{"id":"a"},{"id":"b"}]`, "2": `[{"id":"c"},{"id":"d"}]`, "4": `[{"id":"e"}]`}[off]
		fmt.Fprintf(w, `{"items": %s}`, ids)
	}))
	defer api.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "paged.yaml")
	os.WriteFile(path, []byte(`name: paged
schedule: "@every 1s"
instance: {type: paged, url: "test://paged"}
sources:
  - name: items
    http:
      url: "`+api.URL+`"
      paginate: {offset: {offset_param: off, limit_param: lim, limit: 2}}
      retry: {attempts: 1}
    records: .items[]
components:
  - each: $items[]
    jq: '{id, type: "item"}'
`), 0o644)
	rc := receiver.New("k")
	srv := httptest.NewServer(rc.Handler())
	defer srv.Close()
	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "k"}, "--url", srv.URL, path)
	inst := receiver.Instance{Type: "paged", URL: "test://paged"}
	eventually(t, "a whole snapshot", func() bool { _, n := rc.Topology(inst); return n >= 1 })
	broken.Lock()
	page3 = true
	broken.Unlock()
	_, before := rc.Topology(inst)
	eventually(t, "two failed runs", func() bool {
		_, body := get(t, d.base+"/metrics")
		return regexp.MustCompile(`stackmap_run_failures_total\{mapping="paged",reason="run"\} [2-9]`).MatchString(body)
	})
	top, n := rc.Topology(inst)
	if len(top.Components) != 5 || n > before+1 || rc.Open(inst) {
		t.Errorf("after failing runs: %d components, %d snapshots (before %d), open %v", len(top.Components), n, before, rc.Open(inst))
	}
	_, body := get(t, d.base+"/status")
	if !strings.Contains(body, `"reason": "run"`) || !strings.Contains(body, "500 Internal Server Error: database is gone") {
		t.Errorf("/status does not show the failure:\n%s", body)
	}
	d.signals <- syscall.SIGTERM
	<-d.done
}

// TestDaemonStartsWithABadKey probes the receiver at start: a key it does
// not accept is reported, and the daemon starts all the same.
func TestDaemonStartsWithABadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.yaml")
	os.WriteFile(path, []byte(daemonMapping), 0o644)
	os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(`[{"id": "a"}]`), 0o644)
	srv := httptest.NewServer(receiver.New("right-key").Handler())
	defer srv.Close()
	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "wrong-key"}, "--url", srv.URL, path)
	eventually(t, "the probe's warning", func() bool {
		return strings.Contains(d.stderr.String(), "403 Forbidden: the API key is not accepted")
	})
	if code, _ := get(t, d.base+"/readyz"); code != 200 {
		t.Errorf("/readyz %d: the daemon should start anyway", code)
	}
	if strings.Contains(d.stderr.String(), "wrong-key") {
		t.Errorf("the key shows in the log:\n%s", d.stderr)
	}
	d.signals <- syscall.SIGTERM
	<-d.done
}

// TestDaemonForceShrinkOnce lets --force-shrink through once: the first
// shrink is delivered, a later one is refused again.
func TestDaemonForceShrinkOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.yaml")
	hosts := filepath.Join(dir, "hosts.json")
	os.WriteFile(path, []byte(daemonMapping), 0o644)
	os.WriteFile(hosts, []byte(`[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}]`), 0o644)
	rc := receiver.New("k")
	srv := httptest.NewServer(rc.Handler())
	defer srv.Close()
	d := startDaemon(t, map[string]string{"STACKMAP_API_KEY": "k"}, "--url", srv.URL, "--force-shrink", "daemon", path)
	inst := receiver.Instance{Type: "daemon", URL: "test://daemon"}
	count := func() int {
		top, _ := rc.Topology(inst)
		if top == nil {
			return -1
		}
		return len(top.Components)
	}
	eventually(t, "the first snapshot", func() bool { return count() == 5 })
	os.WriteFile(hosts, []byte(`[{"id": "a"}]`), 0o644)
	eventually(t, "the forced shrink", func() bool { return count() == 1 })
	os.WriteFile(hosts, []byte(`[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}]`), 0o644)
	eventually(t, "growing back", func() bool { return count() == 5 })
	os.WriteFile(hosts, []byte(`[{"id": "a"}]`), 0o644)
	eventually(t, "the second shrink refused", func() bool {
		return strings.Count(d.stderr.String(), "shrink guard refused a snapshot") >= 1
	})
	if n := count(); n != 5 {
		t.Errorf("the second shrink reached the receiver: %d components", n)
	}
	d.signals <- syscall.SIGTERM
	<-d.done
}

// testDaemon is `stackmap run` as a daemon in a test.
type testDaemon struct {
	base    string // http://address of its endpoints
	stderr  *syncBuffer
	signals chan os.Signal
	done    chan int
}

// startDaemon runs the daemon with args after run --listen 127.0.0.1:0
// and waits for the address it serves on.
func startDaemon(t *testing.T, env map[string]string, args ...string) *testDaemon {
	t.Helper()
	c, _, _ := newTestCLI(t, env)
	d := &testDaemon{stderr: &syncBuffer{}, signals: make(chan os.Signal, 1), done: make(chan int, 1)}
	c.Stderr, c.Signals = d.stderr, d.signals
	go func() { d.done <- c.Run(append([]string{"run", "--listen", "127.0.0.1:0"}, args...)) }()
	addrRE := regexp.MustCompile(`on (127\.0\.0\.1:\d+)`)
	eventually(t, "the daemon's address", func() bool {
		m := addrRE.FindStringSubmatch(d.stderr.String())
		if m != nil {
			d.base = "http://" + m[1]
		}
		return m != nil
	})
	return d
}
