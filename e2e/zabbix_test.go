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
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/receiver"
)

// The Zabbix e2e test runs a real Zabbix 6.0 (e2e/zabbix/start.sh: a
// private PostgreSQL, zabbix_server and the frontend's API under php -S,
// all on loopback) and the shipped mapping mappings/zabbix/zabbix.yaml
// against it, delivering to a local receiver. It needs root and the Debian
// packages zabbix-server-pgsql, zabbix-frontend-php, php-pgsql, php-cgi and
// postgresql-15; without them it skips. The token placement of Zabbix 6.4+
// (Authorization: Bearer), which Debian does not ship, is tested against a
// fake JSON-RPC endpoint in this file.

const zabbixMapping = "mappings/zabbix/zabbix.yaml"

// startZabbix starts and seeds Zabbix in a fresh work directory, stops it
// (and removes the directory) when the test ends, failed or not, and
// returns the settings start.sh wrote to WORKDIR/env.
func startZabbix(t *testing.T) map[string]string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the Zabbix e2e test needs root (initdb runs as postgres, zabbix_server drops to zabbix, /etc/zabbix/zabbix.conf.php)")
	}
	for _, f := range []string{"/usr/sbin/zabbix_server", "/usr/share/zabbix/api_jsonrpc.php", "/usr/lib/postgresql/15/bin/initdb", "/usr/bin/php"} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%v (apt-get install zabbix-server-pgsql zabbix-frontend-php php-pgsql php-cgi postgresql-15)", err)
		}
	}
	// Not t.TempDir: its parent is private to root, and PostgreSQL and
	// zabbix_server run as their own users.
	work, err := os.MkdirTemp("", "stackmap-zabbix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	t.Cleanup(func() {
		if out, err := exec.Command("zabbix/stop.sh", work).CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
	})
	start := time.Now()
	out, err := exec.Command("zabbix/start.sh", work).CombinedOutput()
	if err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	t.Logf("Zabbix up and seeded in %v:\n%s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
	f, err := os.Open(filepath.Join(work, "env"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"ZABBIX_URL", "ZABBIX_PASSWORD", "ZABBIX_E2E_API_TOKEN", "ZABBIX_E2E_GROUP_WEB", "ZABBIX_E2E_HOST_MAINT"} {
		if env[k] == "" {
			t.Fatalf("start.sh wrote no %s in %s/env", k, work)
		}
	}
	return env
}

// zabbixRun runs the mapping once against rc with the given ZABBIX_*
// settings.
func zabbixRun(t *testing.T, srv *liveReceiver, key string, zabbix ...string) (int, string) {
	t.Helper()
	env := append([]string{"STACKMAP_URL=" + srv.URL, "STACKMAP_API_KEY=" + key}, zabbix...)
	start := time.Now()
	code, out, errOut := stackmap(t, env, "run", "--once", zabbixMapping, "--hostname", "e2e-host")
	shown := make([]string, len(zabbix))
	for i, kv := range zabbix {
		if k, _, _ := strings.Cut(kv, "="); strings.Contains(k, "PASSWORD") || strings.Contains(k, "TOKEN") {
			kv = k + "=…"
		}
		shown[i] = kv
	}
	t.Logf("run --once %s: exit %d in %v", strings.Join(shown, " "), code, time.Since(start).Round(time.Millisecond))
	return code, out + errOut
}

// zabbixHealth returns the check states of the mapping's health stream in
// the envelopes, by identifier, and the number of stream snapshots.
func zabbixHealth(t *testing.T, envs []map[string]any) (map[string]map[string]any, int) {
	t.Helper()
	states := map[string]map[string]any{}
	n := 0
	for _, env := range envs {
		for _, h := range env["health"].([]any) {
			hs := h.(map[string]any)
			if hs["stream"].(map[string]any)["urn"] != "urn:health:stackmap:zabbix" {
				continue
			}
			if _, ok := hs["start_snapshot"]; ok {
				n++
				states = map[string]map[string]any{}
			}
			for _, c := range hs["check_states"].([]any) {
				cs := c.(map[string]any)
				states[cs["topologyElementIdentifier"].(string)] = cs
			}
		}
	}
	return states, n
}

// zabbixEvents returns the events of source Zabbix in the envelopes.
func zabbixEvents(envs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, env := range envs {
		evs, _ := env["events"].(map[string]any)
		list, _ := evs["Zabbix"].([]any)
		for _, e := range list {
			out = append(out, e.(map[string]any))
		}
	}
	return out
}

// asJSON normalises v to what encoding/json decodes, for comparisons.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestZabbix(t *testing.T) {
	z := startZabbix(t)
	const key = "zabbix-e2e-key"
	rc := startReceiver(t, key)
	srv := rc
	defer srv.Close()
	url := z["ZABBIX_URL"]
	inst := strings.Split(strings.TrimPrefix(url, "http://"), "/")[0] // 127.0.0.1:18080
	creds := []string{"ZABBIX_URL=" + url, "ZABBIX_USER=" + z["ZABBIX_USER"], "ZABBIX_PASSWORD=" + z["ZABBIX_PASSWORD"]}
	instance := receiver.Instance{Type: "Zabbix", URL: url}

	// ---- user.login, auto placement: 6.0 gets the session in the body.
	if code, out := zabbixRun(t, srv, key, creds...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	top, snaps := rc.Topology(instance)
	if snaps != 1 || top == nil {
		t.Fatalf("%d completed snapshots of %v, want 1", snaps, instance)
	}
	group := func(id string) string { return "urn:zabbix:hostgroup:/" + inst + "/" + z[id] }
	integration := []any{"integration-type:zabbix", "integration-url:" + url}
	hostLabels := func(groups ...string) []any {
		l := []any{"zabbix", "instance_url:" + inst}
		for _, g := range groups {
			l = append(l, g)
		}
		return l
	}
	// Every data field of every component, as the seed makes them.
	wantComponents := map[string]struct {
		typ  string
		data map[string]any
	}{
		"urn:host:/web-01": {"zabbix_host", map[string]any{
			"name": "Web 01", "host": "web-01", "host_id": z["ZABBIX_E2E_HOST_WEB"], "layer": "machines",
			"domain": "Zabbix", "environment": "Production", "instance": inst,
			"identifiers": []any{"urn:host:/web-01", "web-01"},
			"host_groups": []any{"Linux servers", "Web servers"},
			"labels":      hostLabels("host_group:linux_servers", "host_group:web_servers"),
			"tags":        []any{"env:prod", integration[0], integration[1], "service:web_shop"},
		}},
		"urn:host:/db-01": {"zabbix_host", map[string]any{
			"name": "Database 01", "host": "db-01", "host_id": z["ZABBIX_E2E_HOST_DB"], "layer": "Databases",
			"domain": "Databases", "environment": "Production", "instance": inst,
			"identifiers": []any{"urn:host:/db-01", "db-01"},
			"host_groups": []any{"Databases"},
			"labels":      hostLabels("host_group:databases"),
			"tags":        []any{integration[0], integration[1], "role"},
		}},
		"urn:host:/app-01": {"zabbix_host", map[string]any{
			"name": "App 01", "host": "app-01", "host_id": z["ZABBIX_E2E_HOST_APP"], "layer": "machines",
			"domain": "Linux servers", "environment": "Production", "instance": inst,
			"identifiers": []any{"urn:host:/app-01", "app-01"},
			"host_groups": []any{"Linux servers"},
			"labels":      hostLabels("host_group:linux_servers"),
			"tags":        integration,
		}},
	}
	for _, g := range []struct{ id, name string }{{"ZABBIX_E2E_GROUP_LINUX", "Linux servers"}, {"ZABBIX_E2E_GROUP_WEB", "Web servers"}, {"ZABBIX_E2E_GROUP_DB", "Databases"}} {
		wantComponents[group(g.id)] = struct {
			typ  string
			data map[string]any
		}{"zabbix_hostgroup", map[string]any{
			"name": g.name, "group_id": z[g.id], "layer": "Groups", "domain": "Zabbix", "environment": "Production",
			"instance": inst, "labels": []any{"zabbix", "instance_url:" + inst}, "tags": integration,
		}}
	}
	var gotIDs, wantIDs []string
	for id := range top.Components {
		gotIDs = append(gotIDs, id)
	}
	for id := range wantComponents {
		wantIDs = append(wantIDs, id)
	}
	sort.Strings(gotIDs)
	sort.Strings(wantIDs)
	if !reflect.DeepEqual(gotIDs, wantIDs) {
		t.Fatalf("components %q\nwant %q (maint-01 is in maintenance and must be left out)", gotIDs, wantIDs)
	}
	for id, want := range wantComponents {
		c := top.Components[id]
		if typ := c["type"].(map[string]any)["name"]; typ != want.typ {
			t.Errorf("%s: type %v, want %s", id, typ, want.typ)
		}
		if got, want := c["data"], asJSON(t, want.data); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s: data\n got %s\nwant %s", id, g, w)
		}
	}

	// Relations: host -> each of its groups, without dependency.
	wantRelations := map[string]string{
		"urn:host:/web-01 " + group("ZABBIX_E2E_GROUP_WEB"):   "",
		"urn:host:/web-01 " + group("ZABBIX_E2E_GROUP_LINUX"): "",
		"urn:host:/db-01 " + group("ZABBIX_E2E_GROUP_DB"):     "",
		"urn:host:/app-01 " + group("ZABBIX_E2E_GROUP_LINUX"): "",
	}
	if len(top.Relations) != len(wantRelations) {
		t.Errorf("%d relations, want %d: %v", len(top.Relations), len(wantRelations), top.Relations)
	}
	for id, r := range top.Relations {
		pair := fmt.Sprint(r["sourceId"], " ", r["targetId"])
		if _, ok := wantRelations[pair]; !ok || r["type"].(map[string]any)["name"] != "member_of" ||
			r["data"].(map[string]any)["dependencyDirection"] != "NONE" {
			t.Errorf("unexpected relation %s: %v", id, r)
		}
		delete(wantRelations, pair)
	}
	if len(wantRelations) > 0 {
		t.Errorf("missing relations %v", wantRelations)
	}

	// Health: one state per host from its worst unacknowledged problem.
	envs := rc.Envelopes()
	states, n := zabbixHealth(t, envs)
	wantStates := map[string]struct{ id, health, message string }{
		"urn:host:/web-01": {z["ZABBIX_E2E_HOST_WEB"], "CRITICAL", "High: Can't reach the web shop on Web 01"},
		"urn:host:/db-01":  {z["ZABBIX_E2E_HOST_DB"], "DEVIATING", "Warning: Replication lag too high\n1 acknowledged problem(s) not counted"},
		"urn:host:/app-01": {z["ZABBIX_E2E_HOST_APP"], "CLEAR", "No problems"},
	}
	if n != 1 || len(states) != len(wantStates) {
		t.Errorf("%d health snapshots with %d states, want 1 with %d: %v", n, len(states), len(wantStates), states)
	}
	for ident, want := range wantStates {
		s := states[ident]
		if s == nil || s["checkStateId"] != "zabbix-host-"+want.id || s["name"] != "Zabbix problems" ||
			s["health"] != want.health || s["message"] != want.message {
			t.Errorf("health of %s: %v, want zabbix-host-%s %s %q", ident, s, want.id, want.health, want.message)
		}
	}

	// Events: one per host, as the agent check sends them.
	events := zabbixEvents(envs)
	wantEvents := map[string][]any{
		"Zabbix event on host 'Web 01': severity: 4": {"host_id:" + z["ZABBIX_E2E_HOST_WEB"], "host:web-01", "host_name:Web 01", "severity:4",
			`triggers:["Can't reach the web shop on {HOST.NAME}"]`},
		"Zabbix event on host 'Database 01': severity: 2": {"host_id:" + z["ZABBIX_E2E_HOST_DB"], "host:db-01", "host_name:Database 01", "severity:2",
			"triggers:['Replication lag too high']"},
		"Zabbix event on host 'App 01': severity: 0": {"host_id:" + z["ZABBIX_E2E_HOST_APP"], "host:app-01", "host_name:App 01", "severity:0",
			"triggers:[]"},
	}
	if len(events) != len(wantEvents) {
		t.Errorf("%d Zabbix events, want %d: %v", len(events), len(wantEvents), events)
	}
	for _, e := range events {
		title, _ := e["msg_title"].(string)
		want, ok := wantEvents[title]
		if !ok || !reflect.DeepEqual(e["tags"], want) || e["msg_text"] != title || e["event_type"] != "Zabbix" || e["source_type_name"] != "Zabbix" {
			t.Errorf("unexpected event %v", e)
		}
		delete(wantEvents, title)
	}
	if len(wantEvents) > 0 {
		t.Errorf("missing events %v", wantEvents)
	}

	// ---- an API token instead of user.login: the same snapshot.
	if code, out := zabbixRun(t, srv, key, "ZABBIX_URL="+url, "ZABBIX_API_TOKEN="+z["ZABBIX_E2E_API_TOKEN"]); code != 0 {
		t.Fatalf("run with an API token: exit %d\n%s", code, out)
	}
	top2, snaps := rc.Topology(instance)
	if snaps != 2 || !reflect.DeepEqual(top2.Components, top.Components) || !reflect.DeepEqual(top2.Relations, top.Relations) {
		t.Errorf("run with an API token: %d snapshots, or a different topology", snaps)
	}

	// ---- a wrong password: exit 1 naming the Zabbix error, nothing sent.
	before := len(rc.Envelopes())
	code, out := zabbixRun(t, srv, key, "ZABBIX_URL="+url, "ZABBIX_USER=Admin", "ZABBIX_PASSWORD=wrong")
	if code != 1 || !strings.Contains(out, `source "login" (http) failed`) ||
		!strings.Contains(out, "Zabbix API error -32500: Application error. Incorrect user name or password") {
		t.Errorf("wrong password: exit %d, want 1 with the Zabbix error\n%s", code, out)
	}
	if after := len(rc.Envelopes()); after != before {
		t.Errorf("wrong password: the receiver got %d new envelope(s), want none", after-before)
	}
	if _, snaps := rc.Topology(instance); snaps != 2 || rc.Open(instance) {
		t.Errorf("wrong password: %d completed snapshots (want still 2), open: %v", snaps, rc.Open(instance))
	}

	// ---- the 6.4+ placement on 6.0: Zabbix 6.0 ignores the header.
	code, out = zabbixRun(t, srv, key, append(creds, "ZABBIX_PLACEMENT=header")...)
	if code != 1 || !strings.Contains(out, "Zabbix API error -32602: Invalid params. Not authorized.") {
		t.Errorf("header placement on 6.0: exit %d, want 1 with Not authorized\n%s", code, out)
	}
	if after := len(rc.Envelopes()); after != before {
		t.Errorf("header placement on 6.0: the receiver got %d new envelope(s), want none", after-before)
	}
}

// fakeZabbix is a JSON-RPC endpoint that behaves like Zabbix 7.x: it wants
// the token in Authorization: Bearer, refuses the body field auth and the
// old selectGroups and user keys, and logs every call.
type fakeZabbix struct {
	version string
	mu      sync.Mutex
	calls   []string // "<method> <Authorization header> <auth field or ->"
}

const fakeSession = "fake-session-0123456789abcdef"

func (f *fakeZabbix) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func (f *fakeZabbix) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api_jsonrpc.php" {
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json-rpc" && ct != "application/json" {
		w.WriteHeader(http.StatusPreconditionFailed) // as Zabbix: 412, empty body
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Method    string          `json:"method"`
		RawParams json.RawMessage `json:"params"`
		Auth      *string         `json:"auth"`
		Params    map[string]json.RawMessage
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	json.Unmarshal(req.RawParams, &req.Params) // user.logout's params are a list: no map
	authz := r.Header.Get("Authorization")
	field := "-"
	if req.Auth != nil {
		field = *req.Auth
	}
	f.mu.Lock()
	f.calls = append(f.calls, req.Method+" "+orDash(authz)+" "+field)
	f.mu.Unlock()
	reply := func(result any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "result": result, "id": 1})
	}
	fail := func(code int, msg, data string) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "error": map[string]any{"code": code, "message": msg, "data": data}, "id": 1})
	}
	if req.Auth != nil {
		fail(-32602, "Invalid params.", `Invalid parameter "/": unexpected parameter "auth".`)
		return
	}
	switch req.Method {
	case "apiinfo.version":
		reply(f.version)
		return
	case "user.login":
		if authz != "" {
			fail(-32602, "Invalid params.", "login needs no token")
			return
		}
		if _, ok := req.Params["user"]; ok {
			fail(-32602, "Invalid params.", `Invalid parameter "/": unexpected parameter "user".`)
			return
		}
		if string(req.Params["username"]) != `"Admin"` || string(req.Params["password"]) != `"fake-password"` {
			fail(-32500, "Application error.", "Incorrect user name or password or account is temporarily blocked.")
			return
		}
		reply(fakeSession)
		return
	}
	if authz != "Bearer "+fakeSession && authz != "Bearer fake-api-token" {
		fail(-32602, "Invalid params.", "Not authorized.")
		return
	}
	switch req.Method {
	case "host.get":
		if _, ok := req.Params["selectGroups"]; ok {
			fail(-32602, "Invalid params.", `Invalid parameter "/": unexpected parameter "selectGroups".`)
			return
		}
		reply([]any{map[string]any{
			"hostid": "10601", "host": "edge-01", "name": "Edge 01", "maintenance_status": "0",
			"hostgroups": []any{map[string]any{"groupid": "7", "name": "Edge"}}, "tags": []any{},
		}})
	case "problem.get":
		reply([]any{map[string]any{"eventid": "99", "objectid": "30001", "severity": "5", "acknowledged": "0"}})
	case "trigger.get":
		reply([]any{map[string]any{"triggerid": "30001", "description": "Edge down", "priority": "5",
			"hosts": []any{map[string]any{"hostid": "10601", "host": "edge-01", "name": "Edge 01"}}}})
	case "user.logout":
		reply(true)
	default:
		fail(-32601, "Method not found.", req.Method)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// TestZabbixBearerPlacement proves the placement switch against a fake
// Zabbix 7: auto and header put the session (or API token) in
// Authorization: Bearer; body puts it in the JSON-RPC field auth, which 7.2+
// refuses.
func TestZabbixBearerPlacement(t *testing.T) {
	fake := &fakeZabbix{version: "7.0.5"}
	zsrv := httptest.NewServer(fake)
	defer zsrv.Close()
	url := zsrv.URL + "/api_jsonrpc.php"
	const key = "zabbix-fake-key"
	rc := startReceiver(t, key)
	srv := rc
	defer srv.Close()
	creds := []string{"ZABBIX_URL=" + url, "ZABBIX_USER=Admin", "ZABBIX_PASSWORD=fake-password"}
	bearer := "Bearer " + fakeSession
	wantLogin := []string{
		"apiinfo.version - -",
		"user.login - -",
		"host.get " + bearer + " -",
		"problem.get " + bearer + " -",
		"trigger.get " + bearer + " -",
		"user.logout " + bearer + " -",
	}
	for i, placement := range []string{"header", "auto"} {
		code, out := zabbixRun(t, srv, key, append(creds, "ZABBIX_PLACEMENT="+placement)...)
		if code != 0 {
			t.Fatalf("placement %s: exit %d\n%s", placement, code, out)
		}
		if got := fake.log(); !reflect.DeepEqual(got, wantLogin) {
			t.Errorf("placement %s: calls\n%q\nwant\n%q", placement, got, wantLogin)
		}
		top, snaps := rc.Topology(receiver.Instance{Type: "Zabbix", URL: url})
		if snaps != i+1 || top == nil || len(top.Components) != 2 || top.Components["urn:host:/edge-01"] == nil ||
			top.Components["urn:zabbix:hostgroup:/"+strings.TrimPrefix(zsrv.URL, "http://")+"/7"] == nil {
			t.Fatalf("placement %s: %d snapshots, topology %v", placement, snaps, top)
		}
		if d := top.Components["urn:host:/edge-01"]["data"].(map[string]any); d["domain"] != "Edge" ||
			!reflect.DeepEqual(d["host_groups"], []any{"Edge"}) {
			t.Errorf("placement %s: host groups from selectHostGroups not mapped: %v", placement, d)
		}
	}
	states, _ := zabbixHealth(t, rc.Envelopes())
	if s := states["urn:host:/edge-01"]; s == nil || s["health"] != "CRITICAL" || s["message"] != "Disaster: Edge down" {
		t.Errorf("health of edge-01: %v", s)
	}

	// An API token: no login, no logout, the token as the bearer.
	code, out := zabbixRun(t, srv, key, "ZABBIX_URL="+url, "ZABBIX_API_TOKEN=fake-api-token")
	want := []string{"apiinfo.version - -", "host.get Bearer fake-api-token -", "problem.get Bearer fake-api-token -", "trigger.get Bearer fake-api-token -"}
	if got := fake.log(); code != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("API token: exit %d, calls\n%q\nwant\n%q\n%s", code, got, want, out)
	}

	// The 6.0 placement on 7.x: the body field, refused; nothing is sent.
	before := len(rc.Envelopes())
	code, out = zabbixRun(t, srv, key, append(creds, "ZABBIX_PLACEMENT=body")...)
	if code != 1 || !strings.Contains(out, `source "hosts" (http) failed`) ||
		!strings.Contains(out, `Zabbix API error -32602: Invalid params. Invalid parameter "/": unexpected parameter "auth".`) {
		t.Errorf("body placement on 7.x: exit %d, want 1 naming the refused auth field\n%s", code, out)
	}
	if got, want := fake.log(), []string{"apiinfo.version - -", "user.login - -", "host.get - " + fakeSession}; !reflect.DeepEqual(got, want) {
		t.Errorf("body placement: calls\n%q\nwant\n%q", got, want)
	}
	if after := len(rc.Envelopes()); after != before {
		t.Errorf("body placement: the receiver got %d new envelope(s), want none", after-before)
	}
}
