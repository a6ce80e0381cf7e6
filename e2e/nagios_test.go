//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/receiver"
)

// The Nagios e2e tests run a real Nagios 4 (e2e/nagios/start.sh: the seed
// in e2e/nagios/objects.cfg) and serve its JSON CGIs from this process with
// net/http/cgi behind Basic auth, as Apache would. They need root and the
// Debian packages nagios4-core, nagios4-cgi and monitoring-plugins-basic;
// without them they skip.

const (
	nagiosCGIDir   = "/usr/lib/cgi-bin/nagios4"
	nagiosUser     = "nagiosadmin"
	nagiosPassword = "e2e-nagios-secret"
	// nagiosGuest authenticates but cgi.cfg does not authorise it: Nagios
	// answers it with empty lists.
	nagiosGuest         = "guest"
	nagiosGuestPassword = "guest-password"
)

// startNagios starts Nagios in a fresh work directory and stops it (and
// removes the directory) when the test ends, failed or not.
func startNagios(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the Nagios e2e test needs root (nagios4 -d drops to the user nagios)")
	}
	if _, err := exec.LookPath("nagios4"); err != nil {
		t.Skip("nagios4 is not installed (apt-get install nagios4-core nagios4-cgi monitoring-plugins-basic)")
	}
	for _, f := range []string{nagiosCGIDir + "/objectjson.cgi", nagiosCGIDir + "/statusjson.cgi", "/usr/lib/nagios/plugins/check_dummy"} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%v (apt-get install nagios4-cgi monitoring-plugins-basic)", err)
		}
	}
	// Not t.TempDir: its parent is private to root, and Nagios runs as
	// the user nagios.
	work, err := os.MkdirTemp("", "stackmap-nagios-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	t.Cleanup(func() { stopNagios(t, work) })
	start := time.Now()
	out, err := exec.Command("nagios/start.sh", work).CombinedOutput()
	if err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	t.Logf("Nagios up, every check in its state, in %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
	return work
}

func stopNagios(t *testing.T, work string) {
	t.Helper()
	if out, err := exec.Command("nagios/stop.sh", work).CombinedOutput(); err != nil {
		t.Errorf("stop.sh: %v\n%s", err, out)
	}
}

// cgiLog records the requests the CGI server answered.
type cgiLog struct {
	mu   sync.Mutex
	reqs []string // "<user> <status> <path>?<query>"
}

func (l *cgiLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, s)
}

func (l *cgiLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reqs
	l.reqs = nil
	return r
}

// nagiosCGI serves objectjson.cgi and statusjson.cgi of the Nagios in work
// under /nagios4/cgi-bin/, as Debian's Apache config does. Basic auth
// admits nagiosadmin and guest and passes the user on in REMOTE_USER;
// anything else gets 401.
func nagiosCGI(work string, reqs *cgiLog) http.Handler {
	users := map[string]string{nagiosUser: nagiosPassword, nagiosGuest: nagiosGuestPassword}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/nagios4/cgi-bin/")
		if name != "objectjson.cgi" && name != "statusjson.cgi" {
			http.NotFound(w, r)
			reqs.add("- 404 " + r.URL.RequestURI())
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok || users[user] == "" || users[user] != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="Nagios Access"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			reqs.add(user + " 401 " + r.URL.RequestURI())
			return
		}
		h := &cgi.Handler{
			Path: filepath.Join(nagiosCGIDir, name),
			Root: "/nagios4/cgi-bin/" + name,
			Env:  []string{"NAGIOS_CGI_CONFIG=" + filepath.Join(work, "cgi.cfg"), "REMOTE_USER=" + user},
		}
		h.ServeHTTP(w, r)
		reqs.add(user + " 200 " + r.URL.RequestURI())
	})
}

// wantNagiosRequests are the five requests of one run, in source order.
var wantNagiosRequests = []string{
	"/nagios4/cgi-bin/objectjson.cgi?details=true&query=hostlist",
	"/nagios4/cgi-bin/objectjson.cgi?details=true&query=hostgrouplist",
	"/nagios4/cgi-bin/objectjson.cgi?details=true&query=servicelist",
	"/nagios4/cgi-bin/statusjson.cgi?details=true&formatoptions=enumerate&query=hostlist",
	"/nagios4/cgi-bin/statusjson.cgi?details=true&formatoptions=enumerate&query=servicelist",
}

func TestNagios(t *testing.T) {
	nagiosStart := time.Now()
	work := startNagios(t)
	var reqs cgiLog
	cgiSrv := httptest.NewServer(nagiosCGI(work, &reqs))
	defer cgiSrv.Close()
	rc := startReceiver(t, "e2e-key")
	rcSrv := rc
	defer rcSrv.Close()
	inst := receiver.Instance{Type: "nagios", URL: "e2e-nagios"}
	env := func(user, password string) []string {
		return []string{
			"NAGIOS_URL=" + cgiSrv.URL + "/nagios4/cgi-bin",
			"NAGIOS_USER=" + user,
			"NAGIOS_PASSWORD=" + password,
			"NAGIOS_INSTANCE=e2e-nagios",
			"STACKMAP_URL=" + rcSrv.URL,
			"STACKMAP_API_KEY=e2e-key",
		}
	}
	run := func(user, password string) (int, string, time.Duration) {
		start := time.Now()
		code, _, errOut := stackmap(t, env(user, password), "run", "--once", "mappings/nagios/nagios.yaml", "--hostname", "e2e-host")
		return code, errOut, time.Since(start)
	}

	// 1. A good run delivers the seed.
	code, errOut, took := run(nagiosUser, nagiosPassword)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	t.Logf("run against the live Nagios: %v", took.Round(time.Millisecond))
	if got := reqs.take(); !reflect.DeepEqual(got, prefixAll(nagiosUser+" 200 ", wantNagiosRequests)) {
		t.Errorf("CGI requests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(prefixAll(nagiosUser+" 200 ", wantNagiosRequests), "\n"))
	}
	top, n := rc.Topology(inst)
	if n != 1 || top == nil {
		t.Fatalf("%d snapshots of %v, want 1", n, inst)
	}
	checkNagiosTopology(t, top)
	envs := rc.Envelopes()
	for _, e := range envs {
		checkEnvelope(t, e)
	}
	checkNagiosMetrics(t, envs, nagiosStart)
	checkNagiosHealth(t, envs)

	// 2. A wrong password: the web server answers 401.
	envelopes := len(rc.Envelopes())
	code, errOut, _ = run(nagiosUser, "not-the-password")
	if code != 1 || !strings.Contains(errOut, "401") || strings.Contains(errOut, "not-the-password") {
		t.Errorf("wrong password: exit %d, want 1 with a 401 and the password redacted\n%s", code, errOut)
	} else {
		t.Logf("wrong password: exit 1: %s", firstLine(errOut, "hosts"))
	}
	// One request: a 401 is not retried.
	if got := reqs.take(); !reflect.DeepEqual(got, []string{nagiosUser + " 401 " + wantNagiosRequests[0]}) {
		t.Errorf("wrong password: CGI requests %q", got)
	}

	// 3. A user Nagios does not authorise gets 200 with empty lists; the
	// run must fail rather than send an empty snapshot.
	code, errOut, _ = run(nagiosGuest, nagiosGuestPassword)
	if code != 1 || !strings.Contains(errOut, `objectjson.cgi returned no hosts for user "guest"`) {
		t.Errorf("unauthorised user: exit %d, want 1 naming the user\n%s", code, errOut)
	} else {
		t.Logf("unauthorised user: exit 1: %s", firstLine(errOut, "hosts"))
	}
	if got := reqs.take(); !reflect.DeepEqual(got, []string{nagiosGuest + " 200 " + wantNagiosRequests[0]}) {
		t.Errorf("unauthorised user: CGI requests %q", got)
	}

	// 4. Nagios stopped: the CGIs answer 200 with an empty body.
	stopNagios(t, work)
	req, _ := http.NewRequest("GET", cgiSrv.URL+wantNagiosRequests[0], nil)
	req.SetBasicAuth(nagiosUser, nagiosPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Headers, then nothing but a line break.
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "" {
		t.Errorf("with Nagios stopped the CGI answered %d with %q, want 200 and an empty body", resp.StatusCode, body)
	}
	reqs.take()
	code, errOut, took = run(nagiosUser, nagiosPassword)
	if code != 1 || !strings.Contains(errOut, `source "hosts"`) || !strings.Contains(errOut, "empty") {
		t.Errorf("Nagios stopped: exit %d, want 1 naming the source and the empty body\n%s", code, errOut)
	} else {
		t.Logf("Nagios stopped: exit 1 after %v: %s", took.Round(time.Millisecond), firstLine(errOut, "hosts"))
	}
	if got := reqs.take(); !reflect.DeepEqual(got, []string{nagiosUser + " 200 " + wantNagiosRequests[0]}) {
		t.Errorf("Nagios stopped: CGI requests %q", got)
	}

	if got := len(rc.Envelopes()); got != envelopes {
		t.Errorf("the failed runs delivered %d envelopes, want none", got-envelopes)
	}
	if _, n := rc.Topology(inst); n != 1 || rc.Open(inst) {
		t.Errorf("after the failed runs: %d snapshots (open %v), want still 1", n, rc.Open(inst))
	}
}

// TestNagiosRecord re-records mappings/nagios/testdata/fixtures from a real
// Nagios with the seed, serving the CGIs at the mapping's default URL
// (127.0.0.1:18081), so that the golden test replays them without any
// environment. Run it by hand with NAGIOS_RECORD=1, then update the golden
// file and review it:
//
//	go test ./engine/cli -run 'TestExamplePayloads/../../mappings/nagios/nagios.yaml' -update
func TestNagiosRecord(t *testing.T) {
	if os.Getenv("NAGIOS_RECORD") == "" {
		t.Skip("set NAGIOS_RECORD=1 to re-record mappings/nagios/testdata/fixtures")
	}
	work := startNagios(t)
	ln, err := net.Listen("tcp", "127.0.0.1:18081")
	if err != nil {
		t.Fatal(err)
	}
	var reqs cgiLog
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: nagiosCGI(work, &reqs)}}
	srv.Start()
	defer srv.Close()
	dir := "../mappings/nagios/testdata/fixtures"
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := stackmap(t, []string{"NAGIOS_PASSWORD=" + nagiosPassword}, "preview", "mappings/nagios/nagios.yaml", "--record", "mappings/nagios/testdata/fixtures")
	if code != 0 {
		t.Fatalf("preview --record: exit %d\n%s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != len(wantNagiosRequests) {
		t.Errorf("%d fixture files, want %d", len(files), len(wantNagiosRequests))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), nagiosPassword) || strings.Contains(string(b), "ZTJlLW5hZ2lvcy1zZWNyZXQ") {
			t.Errorf("%s holds the password", f)
		}
	}
	t.Logf("recorded %d exchanges", len(files))
}

func prefixAll(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

func firstLine(s, containing string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, containing) {
			return l
		}
	}
	return ""
}

// jsonEqual compares got with want written as JSON.
func jsonEqual(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, want)
	}
}

// The seed as stackmap must deliver it. Components by externalId, as the
// receiver stores them.
var wantNagiosComponents = map[string]string{
	// Hosts: the bare host name, as the agent check; the address becomes
	// an identifier only when it is a DNS name; groups become labels.
	"gw-01": `{"externalId": "gw-01", "type": {"name": "nagios-host"}, "data": {"name": "gw-01", "layer": "Machines", "domain": "Nagios",
		"labels": ["nagios-server:e2e-nagios"], "identifiers": ["urn:host:/gw-01"],
		"address": "127.0.0.1", "alias": "Core gateway", "notes": "rack A1"}}`,
	"web-01": `{"externalId": "web-01", "type": {"name": "nagios-host"}, "data": {"name": "web-01", "layer": "Machines", "domain": "Nagios",
		"labels": ["nagios-server:e2e-nagios", "hostgroup:web-servers"], "identifiers": ["urn:host:/web-01"],
		"address": "127.0.0.11", "alias": "Web server 1"}}`,
	"web-02": `{"externalId": "web-02", "type": {"name": "nagios-host"}, "data": {"name": "web-02", "layer": "Machines", "domain": "Nagios",
		"labels": ["nagios-server:e2e-nagios", "hostgroup:web-servers"], "identifiers": ["urn:host:/web-02"],
		"address": "127.0.0.12", "alias": "Web server 2"}}`,
	"db-01": `{"externalId": "db-01", "type": {"name": "nagios-host"}, "data": {"name": "db-01", "layer": "Machines", "domain": "Nagios",
		"labels": ["nagios-server:e2e-nagios", "hostgroup:database-servers"], "identifiers": ["urn:host:/db-01", "urn:host:/db-01.example.internal"],
		"address": "db-01.example.internal", "alias": "Database server", "notes": "primary database"}}`,
	"web-01:HTTP":           nagiosService("web-01", "HTTP"),
	"web-01:Current Load":   nagiosService("web-01", "Current Load"),
	"web-02:HTTP":           nagiosService("web-02", "HTTP"),
	"db-01:PING":            nagiosService("db-01", "PING"),
	"db-01:Disk Root":       nagiosService("db-01", "Disk Root"),
	"db-01:Connections":     nagiosService("db-01", "Connections"),
	"db-01:Replication Lag": nagiosService("db-01", "Replication Lag"),
	"nagios-hostgroup:web-servers": `{"externalId": "nagios-hostgroup:web-servers", "type": {"name": "nagios-hostgroup"},
		"data": {"name": "web-servers", "layer": "Groups", "domain": "Nagios", "labels": ["nagios-server:e2e-nagios"], "alias": "Web servers"}}`,
	"nagios-hostgroup:database-servers": `{"externalId": "nagios-hostgroup:database-servers", "type": {"name": "nagios-hostgroup"},
		"data": {"name": "database-servers", "layer": "Groups", "domain": "Nagios", "labels": ["nagios-server:e2e-nagios"], "alias": "Database servers"}}`,
}

func nagiosService(host, desc string) string {
	return fmt.Sprintf(`{"externalId": "%[1]s:%[2]s", "type": {"name": "nagios-service"}, "data": {"name": "%[2]s", "layer": "Services", "domain": "Nagios",
		"labels": ["nagios-server:e2e-nagios", "nagios-host:%[1]s"], "host_name": "%[1]s", "description": "%[2]s"}}`, host, desc)
}

// wantNagiosRelations: source, type, target.
var wantNagiosRelations = [][3]string{
	{"web-01:HTTP", "runs_on", "web-01"},
	{"web-01:Current Load", "runs_on", "web-01"},
	{"web-02:HTTP", "runs_on", "web-02"},
	{"db-01:PING", "runs_on", "db-01"},
	{"db-01:Disk Root", "runs_on", "db-01"},
	{"db-01:Connections", "runs_on", "db-01"},
	{"db-01:Replication Lag", "runs_on", "db-01"},
	{"web-01", "depends_on", "gw-01"},
	{"web-02", "depends_on", "gw-01"},
	{"db-01", "depends_on", "gw-01"},
	{"nagios-hostgroup:web-servers", "contains", "web-01"},
	{"nagios-hostgroup:web-servers", "contains", "web-02"},
	{"nagios-hostgroup:database-servers", "contains", "db-01"},
}

// wantNagiosMetrics: "<name> <hostname> <tags, comma-separated>" → value,
// from the perfdata in e2e/nagios/objects.cfg. Hosts and services without
// perfdata (db-01, web-02:HTTP, db-01:Replication Lag) give none.
var wantNagiosMetrics = map[string]float64{
	"nagios.http.time web-01 unit:s,warn:1.000000,crit:2.000000,min:0.000000":          0.012,
	"nagios.http.size web-01 unit:B,min:0":                                             1234,
	"nagios.current_load.load1 web-01 warn:4.000,crit:8.000,min:0":                     4.2,
	"nagios.current_load.load5 web-01 warn:3.000,crit:6.000,min:0":                     3.1,
	"nagios.current_load.load15 web-01 warn:2.000,crit:4.000,min:0":                    2,
	"nagios.ping.rta db-01 unit:ms,warn:100.000,crit:500.000,min:0":                    0.065,
	"nagios.ping.pl db-01 unit:%,warn:20,crit:60":                                      0,
	"nagios.disk_root db-01 unit:MB,warn:8000,crit:9000,min:0,max:10000,device_name:/": 9500,
	"nagios.connections.active_connections db-01 warn:80,crit:95,min:0,max:100":        12,
	"nagios.host.rta gw-01 unit:ms,warn:100.000,crit:500.000,min:0":                    0.1,
	"nagios.host.pl gw-01 unit:%,warn:20,crit:60":                                      0,
	"nagios.host.rta web-01 unit:ms,warn:100.000,crit:500.000,min:0":                   0.2,
	"nagios.host.pl web-01 unit:%,warn:20,crit:60":                                     0,
	"nagios.host.pl web-02 unit:%,warn:20,crit:60":                                     100,
}

// wantNagiosHealth: checkStateId → health, identifier, name, message.
var wantNagiosHealth = map[string][4]string{
	"nagios-host:gw-01":                    {"CLEAR", "urn:host:/gw-01", "Nagios host check", "OK: PING OK - Packet loss = 0%, RTA = 0.10 ms"},
	"nagios-host:web-01":                   {"CLEAR", "urn:host:/web-01", "Nagios host check", "OK: PING OK - Packet loss = 0%, RTA = 0.20 ms"},
	"nagios-host:web-02":                   {"CRITICAL", "urn:host:/web-02", "Nagios host check", "CRITICAL: PING CRITICAL - Packet loss = 100%"},
	"nagios-host:db-01":                    {"CLEAR", "urn:host:/db-01", "Nagios host check", "OK: Host alive"},
	"nagios-service:web-01:HTTP":           {"CLEAR", "web-01:HTTP", "HTTP", "OK: HTTP OK: HTTP/1.1 200 OK - 1234 bytes in 0.012 second response time"},
	"nagios-service:web-01:Current Load":   {"DEVIATING", "web-01:Current Load", "Current Load", "WARNING: LOAD WARNING - total load average: 4.20, 3.10, 2.00"},
	"nagios-service:web-02:HTTP":           {"CRITICAL", "web-02:HTTP", "HTTP", "CRITICAL: connect to address 127.0.0.12 and port 80: Connection refused"},
	"nagios-service:db-01:PING":            {"CLEAR", "db-01:PING", "PING", "OK: PING OK - Packet loss = 0%, RTA = 0.07 ms"},
	"nagios-service:db-01:Disk Root":       {"CRITICAL", "db-01:Disk Root", "Disk Root", "CRITICAL: DISK CRITICAL - free space: / 500 MB (5% inode=90%)"},
	"nagios-service:db-01:Connections":     {"CLEAR", "db-01:Connections", "Connections", "OK: 12 active connections"},
	"nagios-service:db-01:Replication Lag": {"CRITICAL", "db-01:Replication Lag", "Replication Lag", "UNKNOWN: cannot reach the replica"},
}

func checkNagiosTopology(t *testing.T, top *receiver.Topology) {
	t.Helper()
	for id, want := range wantNagiosComponents {
		got, ok := top.Components[id]
		if !ok {
			t.Errorf("component %q is missing", id)
			continue
		}
		jsonEqual(t, "component "+id, got, want)
	}
	for id := range top.Components {
		if _, ok := wantNagiosComponents[id]; !ok {
			t.Errorf("unexpected component %q", id)
		}
	}
	want := map[string]bool{}
	for _, r := range wantNagiosRelations {
		want[r[0]+"-"+r[1]+"-"+r[2]] = true
	}
	for id, rel := range top.Relations {
		typ, _ := rel["type"].(map[string]any)
		got := fmt.Sprintf("%v-%v-%v", rel["sourceId"], typ["name"], rel["targetId"])
		if !want[id] || got != id {
			t.Errorf("unexpected relation %q (%s)", id, got)
		}
		delete(want, id)
	}
	for id := range want {
		t.Errorf("relation %q is missing", id)
	}
}

// checkNagiosMetrics asserts every metric's name, host, tags and value,
// and that its timestamp is the time of a check since Nagios started.
func checkNagiosMetrics(t *testing.T, envs []map[string]any, nagiosStart time.Time) {
	t.Helper()
	got := map[string]float64{}
	for _, e := range envs {
		for _, m := range e["metrics"].([]any) {
			tuple := m.([]any)
			attrs := tuple[3].(map[string]any)
			var tags []string
			for _, tag := range attrs["tags"].([]any) {
				tags = append(tags, tag.(string))
			}
			key := fmt.Sprintf("%v %v %s", tuple[0], attrs["hostname"], strings.Join(tags, ","))
			if _, dup := got[key]; dup {
				t.Errorf("metric %s twice", key)
			}
			got[key] = tuple[2].(float64)
			if ts := int64(tuple[1].(float64)); ts < nagiosStart.Unix()-1 || ts > time.Now().Unix() {
				t.Errorf("metric %s: timestamp %d is not the time of a check since Nagios started (%d)", key, ts, nagiosStart.Unix())
			}
			if attrs["type"] != "gauge" {
				t.Errorf("metric %s: type %v, want gauge", key, attrs["type"])
			}
		}
	}
	if !reflect.DeepEqual(got, wantNagiosMetrics) {
		var lines []string
		for k, v := range got {
			if w, ok := wantNagiosMetrics[k]; !ok || w != v {
				lines = append(lines, fmt.Sprintf("  got  %s = %v", k, v))
			}
		}
		for k, v := range wantNagiosMetrics {
			if g, ok := got[k]; !ok || g != v {
				lines = append(lines, fmt.Sprintf("  want %s = %v", k, v))
			}
		}
		sort.Strings(lines)
		t.Errorf("metrics differ:\n%s", strings.Join(lines, "\n"))
	}
}

// checkNagiosHealth asserts the one health snapshot and every check state.
func checkNagiosHealth(t *testing.T, envs []map[string]any) {
	t.Helper()
	var streams []map[string]any
	for _, e := range envs {
		for _, h := range e["health"].([]any) {
			streams = append(streams, h.(map[string]any))
		}
	}
	if len(streams) != 1 {
		t.Fatalf("%d health messages, want 1", len(streams))
	}
	h := streams[0]
	if urn := h["stream"].(map[string]any)["urn"]; urn != "urn:health:stackmap:nagios" {
		t.Errorf("health stream %v", urn)
	}
	if h["consistency_model"] != "REPEAT_SNAPSHOTS" || h["start_snapshot"].(map[string]any)["repeat_interval_s"] != 60.0 {
		t.Errorf("health snapshot: %v %v", h["consistency_model"], h["start_snapshot"])
	}
	got := map[string][4]string{}
	for _, c := range h["check_states"].([]any) {
		cs := c.(map[string]any)
		id := cs["checkStateId"].(string)
		if _, dup := got[id]; dup {
			t.Errorf("check state %s twice", id)
		}
		got[id] = [4]string{cs["health"].(string), cs["topologyElementIdentifier"].(string), cs["name"].(string), cs["message"].(string)}
	}
	for id, w := range wantNagiosHealth {
		if g, ok := got[id]; !ok {
			t.Errorf("check state %s is missing", id)
		} else if g != w {
			t.Errorf("check state %s:\n got %q\nwant %q", id, g, w)
		}
	}
	for id := range got {
		if _, ok := wantNagiosHealth[id]; !ok {
			t.Errorf("unexpected check state %s", id)
		}
	}
}
