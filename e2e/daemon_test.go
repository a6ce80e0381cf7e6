//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// process is a stackmap process started in the background.
type process struct {
	cmd  *exec.Cmd
	addr chan string
	log  *strings.Builder
}

// start runs stackmap with args and returns once it printed the address it
// serves on (the first 127.0.0.1:port on stderr).
func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Getenv("STACKMAP_BIN"), args...)
	cmd.Dir = ".."
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "STACKMAP_STATE_DIR=" + stateDir(t)}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, addr: make(chan string, 1), log: &strings.Builder{}}
	re := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			p.log.WriteString(sc.Text() + "\n")
			if m := re.FindString(sc.Text()); m != "" && !sent {
				p.addr <- m
				sent = true
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return p
}

func (p *process) address(t *testing.T) string {
	t.Helper()
	select {
	case a := <-p.addr:
		return a
	case <-time.After(20 * time.Second):
		t.Fatalf("%s printed no address", p.cmd.Args)
	}
	return ""
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, b)
	}
}

// TestDaemonAndReceiver runs the daemon against stackmap receive, both as
// processes: the examples arrive; kill -9 leaves the state readable; a
// restarted daemon goes on; SIGTERM stops it cleanly.
func TestDaemonAndReceiver(t *testing.T) {
	recv := start(t, []string{"STACKMAP_API_KEY=e2e"}, "receive", "--listen", "127.0.0.1:0")
	raddr := recv.address(t)
	env := []string{"STACKMAP_API_KEY=e2e", "STACKMAP_URL=http://" + raddr}
	daemon := start(t, env, "run", "--listen", "127.0.0.1:0", "--log-level", "info", "examples/")
	daddr := daemon.address(t)

	type instances struct {
		Instances []struct {
			Type, URL             string
			Components, Snapshots int
		}
	}
	wantComponents := map[string]int{"quickstart": 8, "static-csv": 5, "cmdb": 13}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got instances
		getJSON(t, "http://"+raddr+"/api/topology", &got)
		ok := len(got.Instances) == len(wantComponents)
		for _, in := range got.Instances {
			ok = ok && in.Components == wantComponents[in.Type] && in.Snapshots == 1
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the examples did not arrive: %+v\ndaemon log:\n%s", got, daemon.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var status struct {
		Ready    bool
		Mappings []struct {
			Name string
			Last *struct{ Outcome string }
		}
	}
	getJSON(t, "http://"+daddr+"/status", &status)
	if !status.Ready || len(status.Mappings) != 3 {
		t.Errorf("status: %+v", status)
	}

	// kill -9: the state files stay whole.
	daemon.cmd.Process.Signal(syscall.SIGKILL)
	daemon.cmd.Wait()
	files, _ := filepath.Glob(filepath.Join(stateDir(t), "*.json"))
	if len(files) != 3 {
		t.Fatalf("%d state files, want 3", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var st struct{ Delivered *struct{ Components int } }
		if err := json.Unmarshal(b, &st); err != nil || st.Delivered == nil {
			t.Errorf("%s after kill -9: %v\n%s", f, err, b)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(stateDir(t), ".*tmp*"))
	if len(leftovers) > 0 {
		t.Logf("temporary files left by the kill (harmless): %v", leftovers)
	}

	// A restarted daemon reads the state and delivers again.
	daemon = start(t, env, "run", "--listen", "127.0.0.1:0", "--log-level", "info", "examples/")
	daddr = daemon.address(t)
	deadline = time.Now().Add(30 * time.Second)
	for {
		var got instances
		getJSON(t, "http://"+raddr+"/api/topology", &got)
		n := 0
		for _, in := range got.Instances {
			if in.Snapshots == 2 {
				n++
			}
		}
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted daemon did not deliver: %+v\n%s", got, daemon.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + daddr + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("the restarted daemon is not ready: %v", err)
	} else {
		resp.Body.Close()
	}
	daemon.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- daemon.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v\n%s", err, daemon.log)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop on SIGTERM")
	}
	if strings.Contains(daemon.log.String(), "shrink guard") {
		t.Errorf("the restarted daemon tripped the shrink guard:\n%s", daemon.log)
	}
}

// TestKillDuringRun kills the daemon with SIGKILL while a run waits on a
// slow API: the state of the last good run is intact, and the next daemon
// delivers without tripping the shrink guard.
func TestKillDuringRun(t *testing.T) {
	var slow atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			time.Sleep(5 * time.Second)
		}
		fmt.Fprint(w, `{"hosts": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}`)
	}))
	defer api.Close()
	recv := start(t, nil, "receive", "--listen", "127.0.0.1:0")
	raddr := recv.address(t)
	dir := t.TempDir()
	mappingPath := filepath.Join(dir, "slow.yaml")
	os.WriteFile(mappingPath, []byte(`name: slow
schedule: "@every 1s"
instance: {type: slow, url: "test://slow"}
sources:
  - name: hosts
    http: {url: "`+api.URL+`"}
    records: .hosts[]
components:
  - each: $hosts[]
    jq: '{id, type: "host"}'
`), 0o644)
	env := []string{"STACKMAP_API_KEY=x", "STACKMAP_URL=http://" + raddr}
	daemon := start(t, env, "run", "--listen", "127.0.0.1:0", mappingPath)
	daemon.address(t)
	statePath := filepath.Join(stateDir(t), "slow.json")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(statePath); err == nil && strings.Contains(string(b), `"components": 3`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no good run: %s", daemon.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	slow.Store(true)
	time.Sleep(1500 * time.Millisecond) // a run is now waiting on the API
	daemon.cmd.Process.Signal(syscall.SIGKILL)
	daemon.cmd.Wait()
	after, err := os.ReadFile(statePath)
	var st struct{ Delivered struct{ Components int } }
	if err != nil || json.Unmarshal(after, &st) != nil || st.Delivered.Components != 3 {
		t.Fatalf("state after kill -9: %v\n%s", err, after)
	}
	slow.Store(false)
	daemon = start(t, env, "run", "--listen", "127.0.0.1:0", "--log-level", "info", mappingPath)
	daemon.address(t)
	deadline = time.Now().Add(20 * time.Second)
	for !strings.Contains(daemon.log.String(), "run delivered") {
		if time.Now().After(deadline) {
			t.Fatalf("the next daemon did not deliver:\n%s", daemon.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	daemon.cmd.Process.Signal(syscall.SIGTERM)
	daemon.cmd.Wait()
}
