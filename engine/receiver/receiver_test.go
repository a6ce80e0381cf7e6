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
