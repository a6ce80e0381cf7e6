package receiver

import (
	"bytes"
	"compress/zlib"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func post(t *testing.T, h http.Handler, path, key, encoding, body string) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	switch encoding {
	case "gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(body))
		zw.Close()
	case "deflate":
		zw := zlib.NewWriter(&buf)
		zw.Write([]byte(body))
		zw.Close()
	default:
		buf.WriteString(body)
	}
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", "application/json")
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	if key != "" {
		req.Header.Set("sts-api-key", key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func topo(start, stop bool, comps ...string) string {
	var cs []string
	for _, c := range comps {
		cs = append(cs, `{"externalId":"`+c+`","type":{"name":"host"},"data":{}}`)
	}
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	return `{"internalHostname":"h","events":{},"metrics":[],"service_checks":[],"health":[],"topologies":[{"start_snapshot":` + b(start) +
		`,"stop_snapshot":` + b(stop) + `,"instance":{"type":"t","url":"u"},"delete_ids":[],"components":[` + strings.Join(cs, ",") + `],"relations":[]}]}`
}

func TestReceiverChecksRequests(t *testing.T) {
	rc := New("k")
	cases := []struct {
		name, path, key, enc, body string
		status                     int
		msg                        string
	}{
		{"gzip ok", "/stsAgent/intake", "k", "gzip", topo(true, true, "a"), 200, ""},
		{"deflate ok", "/receiver/stsAgent/intake/", "k", "deflate", topo(true, true, "a"), 200, ""},
		{"plain ok", "/stsAgent/intake", "k", "", topo(true, true, "a"), 200, ""},
		{"wrong key", "/stsAgent/intake", "x", "gzip", topo(true, true, "a"), 403, "invalid API key"},
		{"wrong path", "/intake", "k", "gzip", topo(true, true, "a"), 404, ""},
		{"no hostname", "/stsAgent/intake", "k", "gzip", `{"topologies":[]}`, 400, "Object is missing required member 'internalHostname'"},
		{"null list", "/stsAgent/intake", "k", "gzip", strings.Replace(topo(true, true, "a"), `"delete_ids":[]`, `"delete_ids":null`, 1), 400, "member 'delete_ids' must be an array"},
		{"null metrics", "/stsAgent/intake", "k", "gzip", strings.Replace(topo(true, true, "a"), `"metrics":[]`, `"metrics":null`, 1), 400, "member 'metrics' must be an array"},
		{"bad json", "/stsAgent/intake", "k", "gzip", `{`, 400, "Failed to deserialize JSON"},
		{"bad gzip", "/stsAgent/intake", "k", "deflate-lie", topo(true, true, "a"), 400, "unsupported Content-Encoding"},
		{"component without type", "/stsAgent/intake", "k", "", strings.Replace(topo(true, true, "a"), `"type":{"name":"host"},`, ``, 1), 400, "type must be an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := post(t, rc, tc.path, tc.key, tc.enc, tc.body)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.msg) {
				t.Errorf("got %d %q, want %d with %q", w.Code, w.Body.String(), tc.status, tc.msg)
			}
		})
	}
	if n := len(rc.Envelopes()); n != 3 {
		t.Errorf("accepted %d envelopes, want 3", n)
	}
}

func TestReceiverSnapshotSemantics(t *testing.T) {
	rc := New("")
	inst := Instance{Type: "t", URL: "u"}
	post(t, rc, "/stsAgent/intake", "", "", topo(true, true, "a", "b", "c"))
	if top, n := rc.Topology(inst); n != 1 || len(top.Components) != 3 {
		t.Fatalf("after one snapshot: %d snapshots, %v", n, top)
	}
	// A second snapshot in two chunks: nothing changes until the stop.
	post(t, rc, "/stsAgent/intake", "", "", topo(true, false, "a"))
	if top, _ := rc.Topology(inst); len(top.Components) != 3 || !rc.Open(inst) {
		t.Fatalf("an open snapshot changed the topology: %v", top.Components)
	}
	post(t, rc, "/stsAgent/intake", "", "", topo(false, true, "d"))
	top, n := rc.Topology(inst)
	if n != 2 || rc.Open(inst) {
		t.Fatalf("snapshots %d, open %v", n, rc.Open(inst))
	}
	if _, hasB := top.Components["b"]; hasB || len(top.Components) != 2 || top.Components["d"] == nil {
		t.Errorf("after the second snapshot: %v, want exactly a and d", top.Components)
	}
	// A snapshot that never stops leaves the last one in place.
	post(t, rc, "/stsAgent/intake", "", "", topo(true, false))
	if top, _ := rc.Topology(inst); len(top.Components) != 2 {
		t.Errorf("an unfinished empty snapshot wiped the topology: %v", top.Components)
	}
}

func TestReceiverAPI(t *testing.T) {
	rc := New("")
	rc.Store = t.TempDir() + "/r.json"
	h := rc.Handler()
	env := `{"internalHostname":"h","events":{"cmdb.change":[{"msg_title":"t"}]},"metrics":[["m",1,2,{}]],"service_checks":[],
"health":[{"consistency_model":"REPEAT_SNAPSHOTS","stream":{"urn":"urn:health:stackmap:x"},"start_snapshot":{"repeat_interval_s":60},"stop_snapshot":{},"check_states":[{"checkStateId":"c1","name":"n","health":"CLEAR","topologyElementIdentifier":"i"}]}],
"topologies":[{"start_snapshot":true,"stop_snapshot":true,"instance":{"type":"t","url":"u"},"delete_ids":[],
"components":[{"externalId":"a","type":{"name":"host"},"data":{}}],
"relations":[{"externalId":"a-x","type":{"name":"r"},"sourceId":"a","targetId":"x","data":{}}]}]}`
	if w := post(t, h, "/stsAgent/intake", "", "", env); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	get := func(path string) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Body.String()
	}
	if body := get("/api/topology?type=t&url=u"); !strings.Contains(body, `"externalId": "a"`) || strings.Contains(body, `"a-x"`) {
		t.Errorf("topology: the dangling relation was kept, or the component lost:\n%s", body)
	}
	if body := get("/api/log"); !strings.Contains(body, "dropped relation a-x: an endpoint is not a component of the snapshot") {
		t.Errorf("log: %s", body)
	}
	if body := get("/api/health"); !strings.Contains(body, `"c1"`) || !strings.Contains(body, `"snapshots": 1`) {
		t.Errorf("health: %s", body)
	}
	if body := get("/api/metrics"); !strings.Contains(body, `"m"`) {
		t.Errorf("metrics: %s", body)
	}
	if body := get("/api/events"); !strings.Contains(body, `"msg_title": "t"`) {
		t.Errorf("events: %s", body)
	}
	// A new receiver on the same store starts with what was received.
	again := New("")
	again.Store = rc.Store
	if err := again.Load(); err != nil {
		t.Fatal(err)
	}
	if top, n := again.Topology(Instance{Type: "t", URL: "u"}); n != 1 || len(top.Components) != 1 {
		t.Errorf("after a restart: %d snapshots, %v", n, top)
	}
}

func TestReceiverFaults(t *testing.T) {
	rc := New("")
	rc.Faults = &Faults{Rate: 1, Kinds: []string{"429"}}
	w := post(t, rc, "/stsAgent/intake", "", "", topo(true, true, "a"))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Errorf("a 429 fault: %d %v", w.Code, w.Header())
	}
	rc.Faults = &Faults{Rate: 0.3, Kinds: []string{"500"}}
	failed := 0
	for range 400 {
		if post(t, rc, "/stsAgent/intake", "", "", topo(true, true, "a")).Code == 500 {
			failed++
		}
	}
	if failed < 80 || failed > 160 {
		t.Errorf("%d of 400 requests failed at a rate of 0.3", failed)
	}
}
