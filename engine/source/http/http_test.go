package http_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
	httpsource "github.com/stackmap/stackmap/engine/source/http"
)

// compile writes the mapping src (with URL standing for base) into a new
// directory and compiles it with env as the environment.
func compile(t *testing.T, src, base string, env map[string]string) *mapping.Plan {
	t.Helper()
	dir := t.TempDir()
	src = strings.ReplaceAll(src, "URL", base)
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := config.Parse(path, []byte(src), config.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatalf("load:\n%v", err)
	}
	p, err := mapping.Compile(m)
	if err != nil {
		t.Fatalf("compile:\n%v", err)
	}
	return p
}

// ids runs the plan and returns the ids of the components, or the error.
func ids(t *testing.T, p *mapping.Plan, opt mapping.Options) ([]string, *mapping.Result, error) {
	t.Helper()
	res, err := p.Run(context.Background(), opt)
	if err != nil {
		return nil, res, err
	}
	var out []string
	for _, c := range res.Batch.Components {
		out = append(out, c.ID)
	}
	return out, res, nil
}

// mappingOf is a mapping with one http source whose records become
// components with the records' ids.
func mappingOf(http string) string {
	return `name: t
sources:
  - name: src
    http:
` + indent(http, "      ") + `
    records: .items[]
components:
  - each: $src[]
    jq: '{id: (.id | tostring), type: "thing"}'
`
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n")
}

func items(ids ...int) string {
	var parts []string
	for _, i := range ids {
		parts = append(parts, fmt.Sprintf(`{"id": %d}`, i))
	}
	return `{"items": [` + strings.Join(parts, ",") + `]}`
}

func want(t *testing.T, got []string, want ...int) {
	t.Helper()
	var w []string
	for _, i := range want {
		w = append(w, strconv.Itoa(i))
	}
	if strings.Join(got, ",") != strings.Join(w, ",") {
		t.Errorf("ids %v, want %v", got, w)
	}
}

func TestRequestTemplates(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		body, _ = io.ReadAll(r.Body)
		fmt.Fprint(w, items(1, 2))
	}))
	defer srv.Close()
	p := compile(t, mappingOf(`method: post
url: "URL/api/{{ $vars.table }}"
query: {fields: [a, b], limit: 10, skip: null, q: "{{ $vars.table }}"}
headers: {X-Team: ops, Content-Type: application/json-rpc}
body: {json: {method: host.get, params: {ids: "{{ [1, 2] }}"}}}`)+"vars: {table: servers}\n", srv.URL, nil)
	got0, _, err := ids(t, p, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, got0, 1, 2)
	if got.Method != "POST" || got.URL.Path != "/api/servers" {
		t.Errorf("request %s %s", got.Method, got.URL.Path)
	}
	if q := got.URL.Query(); strings.Join(q["fields"], ",") != "a,b" || q.Get("limit") != "10" || q.Has("skip") || q.Get("q") != "servers" {
		t.Errorf("query %v", q)
	}
	if got.Header.Get("X-Team") != "ops" || got.Header.Get("Content-Type") != "application/json-rpc" {
		t.Errorf("headers %v", got.Header)
	}
	if string(body) != `{"method":"host.get","params":{"ids":[1,2]}}` {
		t.Errorf("body %s", body)
	}
}

func TestAuth(t *testing.T) {
	var tokenCalls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		tokenCalls.Add(1)
		r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"unsupported_grant_type"}`, 400)
			return
		}
		id, sec, _ := r.BasicAuth()
		if id != "cid" || sec != "csecret" || r.Form.Get("audience") != "cmdb" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"oauth-tok","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		user, pass, basic := r.BasicAuth()
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		ok := basic && user == "u" && pass == "p4ss" ||
			r.Header.Get("Authorization") == "Bearer tok-1" ||
			r.Header.Get("Authorization") == "Bearer oauth-tok" ||
			r.Header.Get("X-Api-Key") == "k3y" ||
			r.URL.Query().Get("api_key") == "k3y" ||
			body["auth"] == "sess-9" ||
			r.URL.Query().Get("token") == "sess-9"
		if !ok {
			// Echo what came, as careless APIs do.
			http.Error(w, "denied: "+r.Header.Get("Authorization")+" "+r.URL.RawQuery, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, items(7))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := map[string]string{"PASS": "p4ss", "TOKEN": "tok-1", "KEY": "k3y"}
	cases := []struct{ name, auth, extra string }{
		{"basic", `{basic: {username: u, password: "${PASS}"}}`, ""},
		{"bearer", `{bearer: "${TOKEN}"}`, ""},
		{"api key header", `{api_key: {header: X-Api-Key, value: "${KEY}"}}`, ""},
		{"api key query", `{api_key: {query: api_key, value: "${KEY}"}}`, ""},
		{"oauth2", `{oauth2: {token_url: "URL/token", client_id: cid, client_secret: csecret, params: {audience: cmdb}}}`, ""},
		{"token in body", `{token: {value: "{{ $vars.session }}", in: body, name: auth}}`, "body: {json: {method: x}}\nmethod: POST\n"},
		{"token in query", `{token: {value: "{{ $vars.session }}", in: query}}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := mappingOf("url: URL/data\n"+tc.extra+"auth: "+tc.auth) + "vars: {session: sess-9}\n"
			got, _, err := ids(t, compile(t, src, srv.URL, env), mapping.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want(t, got, 7)
		})
	}
	// Two runs share one cached OAuth2 token.
	tokenCalls.Store(0)
	p := compile(t, mappingOf(`url: URL/data
auth: {oauth2: {token_url: "URL/token", client_id: cid, client_secret: csecret, params: {audience: cmdb}}}`), srv.URL, nil)
	for range 2 {
		if _, _, err := ids(t, p, mapping.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := tokenCalls.Load(); n != 1 {
		t.Errorf("%d token requests for two runs, want 1 (cached)", n)
	}
	// A wrong password fails at once with the status, and the echoed
	// credentials are redacted.
	p = compile(t, mappingOf("url: URL/data\nauth: {basic: {username: u, password: \"${PASS}\"}}"), srv.URL, map[string]string{"PASS": "wrong-pass"})
	_, res, err := ids(t, p, mapping.Options{})
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("error %v, want a 401", err)
	}
	msg := res.Redact(err.Error())
	if strings.Contains(msg, "wrong-pass") || strings.Contains(msg, "dTp3cm9uZy1wYXNz") {
		t.Errorf("the password shows: %s", msg)
	}
}

func TestTokenPlacementSwitch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if _, has := body["auth"]; has && r.Header.Get("Authorization") != "" {
			http.Error(w, "both", 400)
			return
		}
		if body["auth"] == "s1" || r.Header.Get("Authorization") == "Bearer s1" {
			fmt.Fprint(w, items(1))
			return
		}
		http.Error(w, "no token", http.StatusUnauthorized)
	}))
	defer srv.Close()
	for _, in := range []string{"body", "header"} {
		src := mappingOf(`method: POST
url: URL
body: {json: {jsonrpc: "2.0"}}
auth: {token: {value: s1, in: "{{ $vars.place }}", name: "{{ if $vars.place == \"body\" then \"auth\" else \"Authorization\" end }}"}}`) + "vars: {place: " + in + "}\n"
		got, _, err := ids(t, compile(t, src, srv.URL, nil), mapping.Options{})
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		want(t, got, 1)
	}
}

func TestRetries(t *testing.T) {
	var calls atomic.Int32
	var mode atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch mode.Load() {
		case "flaky":
			if n <= 2 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		case "throttle":
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
		case "down":
			http.Error(w, "down for maintenance", http.StatusBadGateway)
			return
		case "missing":
			http.Error(w, `{"error":"no such table"}`, http.StatusNotFound)
			return
		}
		fmt.Fprint(w, items(3))
	}))
	defer srv.Close()
	p := compile(t, mappingOf("url: URL\nretry: {attempts: 3, initial: 10ms, max: 2s}"), srv.URL, nil)

	mode.Store("flaky")
	calls.Store(0)
	if got, _, err := ids(t, p, mapping.Options{}); err != nil || calls.Load() != 3 {
		t.Fatalf("flaky: %v after %d calls", err, calls.Load())
	} else {
		want(t, got, 3)
	}

	mode.Store("throttle")
	calls.Store(0)
	start := time.Now()
	if _, _, err := ids(t, p, mapping.Options{}); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond || calls.Load() != 2 {
		t.Errorf("429 with Retry-After 1: waited %s over %d calls, want about 1s over 2", waited, calls.Load())
	}

	mode.Store("down")
	calls.Store(0)
	_, _, err := ids(t, p, mapping.Options{})
	if err == nil || !strings.Contains(err.Error(), "502 Bad Gateway: down for maintenance (gave up after 3 attempts)") || calls.Load() != 3 {
		t.Errorf("down: %v after %d calls", err, calls.Load())
	}

	mode.Store("missing")
	calls.Store(0)
	_, _, err = ids(t, p, mapping.Options{})
	if err == nil || !strings.Contains(err.Error(), `404 Not Found: {"error":"no such table"}`) || calls.Load() != 1 {
		t.Errorf("404: %v after %d calls, want one call", err, calls.Load())
	}
}

// pager serves ids 1..total in pages, the way each kind of API does.
func pager(total int) http.Handler {
	page := func(from, size int) []int {
		var out []int
		for i := from; i < from+size && i <= total; i++ {
			out = append(out, i)
		}
		return out
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/offset", func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("off"))
		lim, _ := strconv.Atoi(r.URL.Query().Get("lim"))
		fmt.Fprint(w, items(page(off+1, lim)...))
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("p"))
		fmt.Fprint(w, items(page((n-1)*3+1, 3)...))
	})
	mux.HandleFunc("/cursor", func(w http.ResponseWriter, r *http.Request) {
		from := 1
		if c := r.URL.Query().Get("next"); c != "" {
			from, _ = strconv.Atoi(strings.TrimPrefix(c, "c"))
		}
		ids := page(from, 3)
		next := "null"
		if from+3 <= total {
			next = fmt.Sprintf(`"c%d"`, from+3)
		}
		fmt.Fprintf(w, `{"items": %s, "nextPageKey": %s}`, mustJSON(ids), next)
	})
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		from, _ := strconv.Atoi(r.URL.Query().Get("from"))
		from = max(from, 1)
		next := ""
		if from+3 <= total {
			next = fmt.Sprintf("next?from=%d", from+3)
		}
		fmt.Fprintf(w, `{"items": %s, "links": {"next": %q}}`, mustJSON(page(from, 3)), next)
	})
	mux.HandleFunc("/link", func(w http.ResponseWriter, r *http.Request) {
		from, _ := strconv.Atoi(r.URL.Query().Get("from"))
		from = max(from, 1)
		links := []string{`<http://` + r.Host + `/link?from=1>;rel="first"`}
		if from+3 <= total {
			links = append(links, fmt.Sprintf(`<http://%s/link?from=%d>;rel="next"`, r.Host, from+3))
		}
		w.Header().Set("Link", strings.Join(links, ","))
		fmt.Fprint(w, items(page(from, 3)...))
	})
	return mux
}

func mustJSON(ids []int) string {
	var out []map[string]int
	for _, i := range ids {
		out = append(out, map[string]int{"id": i})
	}
	if out == nil {
		return "[]"
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func TestPagination(t *testing.T) {
	srv := httptest.NewServer(pager(10))
	defer srv.Close()
	cases := map[string]string{
		"offset":      "url: URL/offset\npaginate: {offset: {offset_param: off, limit_param: lim, limit: 4}}",
		"page":        "url: URL/page\npaginate: {page: {page_param: p, size: 3}}",
		"cursor":      "url: URL/cursor\npaginate: {cursor: {param: next, next: .nextPageKey}}",
		"next_url":    "url: URL/next\npaginate: {next_url: .links.next}",
		"link_header": "url: URL/link\npaginate: {link_header: next}",
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			got, res, err := ids(t, compile(t, mappingOf(spec), srv.URL, nil), mapping.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want(t, got, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
			if docs := res.Sources[0].Documents; docs < 3 {
				t.Errorf("%d pages", docs)
			}
		})
	}
	t.Run("max_pages", func(t *testing.T) {
		_, _, err := ids(t, compile(t, mappingOf("url: URL/page\npaginate: {page: {page_param: p, size: 3}, max_pages: 2}"), srv.URL, nil), mapping.Options{})
		if err == nil || !strings.Contains(err.Error(), "reached max_pages (2)") {
			t.Errorf("error %v, want max_pages reached", err)
		}
	})
}

func TestFanOut(t *testing.T) {
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		id, _ := strconv.Atoi(r.URL.Query().Get("id"))
		time.Sleep(time.Duration((10-id)%4) * 5 * time.Millisecond) // later items answer sooner
		if id == 99 {
			http.Error(w, "no such item", 404)
			return
		}
		fmt.Fprint(w, items(id*10, id*10+1))
	}))
	defer srv.Close()
	src := `name: fan
vars: {ids: [1, 2, 3, 4, 5, 6, 7, 8]}
sources:
  - name: detail
    http:
      url: URL
      query: {id: "{{ . }}"}
      each: $vars.ids[]
      concurrency: 3
    records: .items[]
components:
  - each: $detail[]
    jq: '{id: (.id | tostring), type: "t"}'
`
	p := compileWithFiles(t, src, srv.URL, map[string]string{"list.json": "[]"})
	got, _, err := ids(t, p, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61, 70, 71, 80, 81)
	if m := most.Load(); m > 3 || m < 2 {
		t.Errorf("%d requests in flight at most, want 2 or 3 (concurrency 3)", m)
	}
	p = compileWithFiles(t, strings.Replace(src, "[1, 2, 3, 4, 5, 6, 7, 8]", "[1, 99, 3]", 1), srv.URL, map[string]string{"list.json": "[]"})
	_, res, err := ids(t, p, mapping.Options{})
	if err == nil || !strings.Contains(err.Error(), "each item 1:") || !strings.Contains(err.Error(), "404") || res.Batch != nil {
		t.Errorf("a failing item: %v", err)
	}
}

func compileWithFiles(t *testing.T, src, base string, files map[string]string) *mapping.Plan {
	t.Helper()
	dir := t.TempDir()
	for n, d := range files {
		os.WriteFile(filepath.Join(dir, n), []byte(d), 0o644)
	}
	src = strings.ReplaceAll(src, "URL", base)
	path := filepath.Join(dir, "m.yaml")
	m, err := config.Parse(path, []byte(src), config.Options{Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	p, err := mapping.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBodies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/zabbix", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"jsonrpc":"2.0","error":{"code":-32500,"message":"Application error.","data":"Incorrect user name or password or account is temporarily blocked."},"id":1}`)
	})
	mux.HandleFunc("/nagios-dead", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Please log in</body></html>")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"items": [], "pad": "%s"}`, strings.Repeat("x", 4096))
	})
	mux.HandleFunc("/ndjson", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "{\"id\": 1}\n{\"id\": 2}\n")
	})
	mux.HandleFunc("/csv", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "id,name\n5,a\n6,b\n")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cases := []struct{ name, spec, records, want string }{
		{"fail_if with a message", "url: URL/zabbix\nfail_if: 'if .error then \"\\(.error.message) \\(.error.data)\" else null end'", ".items[]", "the API reported an error: Application error. Incorrect user name or password"},
		{"fail_if truthy", "url: URL/zabbix\nfail_if: .error != null", ".items[]", `fail_if matched the body: {"error":`},
		{"empty body", "url: URL/nagios-dead", ".items[]", "200 OK (application/json): the body is empty, where json was expected"},
		{"not json", "url: URL/html", ".items[]", "200 OK (text/html): expected JSON"},
		{"too big", "url: URL/big\nmax_body: 1KiB", ".items[]", "the body is larger than max_body (1024 bytes)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res, err := ids(t, compile(t, mappingOf(tc.spec), srv.URL, nil), mapping.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if res.Batch != nil {
				t.Error("a failed source produced a batch")
			}
		})
	}
	for _, f := range []string{"ndjson", "csv"} {
		src := strings.Replace(mappingOf("url: URL/"+f+"\nformat: "+f), "records: .items[]", "records: .[]", 1)
		got, _, err := ids(t, compile(t, src, srv.URL, nil), mapping.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if f == "ndjson" {
			want(t, got, 1, 2)
		} else {
			want(t, got, 5, 6)
		}
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, items(4)) }))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	os.WriteFile(ca, pemBytes, 0o644)
	if _, _, err := ids(t, compile(t, mappingOf("url: URL"), srv.URL, nil), mapping.Options{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA: %v, want a certificate error", err)
	}
	got, _, err := ids(t, compile(t, mappingOf("url: URL\ntls: {ca_file: "+ca+"}"), srv.URL, nil), mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, 4)
	if _, _, err := ids(t, compile(t, mappingOf("url: URL\ntls: {insecure_skip_verify: true}"), srv.URL, nil), mapping.Options{}); err != nil {
		t.Errorf("insecure_skip_verify: %v", err)
	}
}

func TestRecordAndReplay(t *testing.T) {
	var calls atomic.Int32
	inner := pager(7)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if u, p, _ := r.BasicAuth(); u != "admin" || p != "s3cr3t-pw" {
			http.Error(w, "denied", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Set-Cookie", "session=abcdef")
		inner.ServeHTTP(w, r)
	}))
	src := mappingOf("url: URL/offset\nauth: {basic: {username: admin, password: \"${PW}\"}}\npaginate: {offset: {offset_param: off, limit_param: lim, limit: 3}}")
	p := compile(t, src, srv.URL, map[string]string{"PW": "s3cr3t-pw"})
	dir := t.TempDir()
	rec := httpsource.NewRecorder(dir)
	got, res, err := ids(t, p, mapping.Options{Transport: rec.Wrap})
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, 1, 2, 3, 4, 5, 6, 7)
	if err := rec.Save(res.Redact); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 3 {
		t.Fatalf("%d fixture files, want 3 pages", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, leak := range []string{"s3cr3t-pw", "YWRtaW46czNjcjN0LXB3", "abcdef"} {
			if strings.Contains(string(b), leak) {
				t.Errorf("%s holds %q", filepath.Base(f), leak)
			}
		}
	}
	srv.Close()
	calls.Store(0)
	// Replayed, with no server and without the password set.
	replay, err := httpsource.LoadFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	p = compile(t, src, srv.URL, map[string]string{"PW": ""})
	got, _, err = ids(t, p, mapping.Options{Transport: replay.Wrap})
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, 1, 2, 3, 4, 5, 6, 7)
	// A request that was not recorded fails clearly.
	replay, _ = httpsource.LoadFixtures(dir)
	p = compile(t, mappingOf("url: URL/elsewhere"), srv.URL, nil)
	if _, _, err := ids(t, p, mapping.Options{Transport: replay.Wrap}); err == nil || !strings.Contains(err.Error(), "no recorded exchange") {
		t.Errorf("an unrecorded request: %v", err)
	}
}

func TestSettingsErrors(t *testing.T) {
	cases := map[string]string{
		"method":      `method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, not "FETCH"`,
		"paginate":    "paginate takes exactly one of offset, page, cursor, next_url or link_header",
		"auth":        "auth takes exactly one of basic, bearer, api_key, token or oauth2",
		"body":        "body takes exactly one of json, form or raw",
		"concurrency": "concurrency must be between 1 and 64, not 100",
		"max_body":    `"lots" is not a size`,
	}
	specs := map[string]string{
		"method":      "url: URL\nmethod: FETCH",
		"paginate":    "url: URL\npaginate: {max_pages: 3}",
		"auth":        "url: URL\nauth: {bearer: a, basic: {username: u, password: p}}",
		"body":        "url: URL\nbody: {json: {}, raw: x}",
		"concurrency": "url: URL\neach: '[1][]'\nconcurrency: 100",
		"max_body":    "url: URL\nmax_body: lots",
	}
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := strings.ReplaceAll(mappingOf(specs[name]), "URL", "http://127.0.0.1:1")
			path := filepath.Join(dir, "m.yaml")
			m, err := config.Parse(path, []byte(src), config.Options{})
			if err == nil {
				_, err = mapping.Compile(m)
			}
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Errorf("error %v, want %q", err, msg)
			}
			if err != nil && !strings.Contains(err.Error(), "m.yaml:") {
				t.Errorf("error without a position: %v", err)
			}
		})
	}
}

// TestReplayNeverAnswersAnotherURL replays fixtures recorded with a page
// size of 3 to a run that asks for pages of 4: page 1 of the recording must
// not answer, or offset paging would stop after it with part of the data.
func TestReplayNeverAnswersAnotherURL(t *testing.T) {
	srv := httptest.NewServer(pager(7))
	src := func(limit string) string {
		return mappingOf("url: URL/offset\npaginate: {offset: {offset_param: off, limit_param: lim, limit: " + limit + "}}")
	}
	dir := t.TempDir()
	rec := httpsource.NewRecorder(dir)
	_, res, err := ids(t, compile(t, src("3"), srv.URL, nil), mapping.Options{Transport: rec.Wrap})
	if err != nil {
		t.Fatal(err)
	}
	rec.Save(res.Redact)
	srv.Close()
	replay, _ := httpsource.LoadFixtures(dir)
	_, _, err = ids(t, compile(t, src("4"), srv.URL, nil), mapping.Options{Transport: replay.Wrap})
	if err == nil || !strings.Contains(err.Error(), "no recorded exchange") {
		t.Errorf("replay with another page size: %v, want no recorded exchange", err)
	}
	if replay.Unused() != 3 {
		t.Errorf("%d unused exchanges, want all 3", replay.Unused())
	}
}

// TestReplayMatchesBodies answers a JSON-RPC call (one URL for every call)
// only from an exchange with the same body, a redacted secret standing for
// any text; and a missing exchange fails at once, not after retries.
func TestReplayMatchesBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, items(1)) }))
	src := func(method string) string {
		return mappingOf("method: POST\nurl: URL\nbody: {json: {method: " + method + ", password: \"${PW}\"}}")
	}
	dir := t.TempDir()
	rec := httpsource.NewRecorder(dir)
	_, res, err := ids(t, compile(t, src("host.get"), srv.URL, map[string]string{"PW": "pa55word"}), mapping.Options{Transport: rec.Wrap})
	if err != nil {
		t.Fatal(err)
	}
	rec.Save(res.Redact)
	srv.Close()
	replay, _ := httpsource.LoadFixtures(dir)
	if got, _, err := ids(t, compile(t, src("host.get"), srv.URL, map[string]string{"PW": "other"}), mapping.Options{Transport: replay.Wrap}); err != nil {
		t.Errorf("another password: %v", err)
	} else {
		want(t, got, 1)
	}
	replay, _ = httpsource.LoadFixtures(dir)
	start := time.Now()
	_, _, err = ids(t, compile(t, src("problem.get"), srv.URL, map[string]string{"PW": "pa55word"}), mapping.Options{Transport: replay.Wrap})
	if err == nil || !strings.Contains(err.Error(), "no recorded exchange") || strings.Contains(err.Error(), "attempts") || time.Since(start) > time.Second {
		t.Errorf("another call: %v after %s, want no recorded exchange at once", err, time.Since(start))
	}
}
