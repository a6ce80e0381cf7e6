package cmdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve generates an export of n CIs and serves it.
func serve(t *testing.T, n int) (*Server, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := Generate(dir, n); err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv, dir
}

// get sends GET url with the server's credentials unless auth is false.
func get(t *testing.T, url string, auth bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(User, Password)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// TestServerPages pages through both tables of an export 7 records at a
// time, as a client of the Table API would with sysparm_offset and
// sysparm_limit: every page is {"result":[…]} with X-Total-Count, all
// full but the last, and the pages together hold the file's records in
// order, byte for byte.
func TestServerPages(t *testing.T) {
	const n, limit = 25, 7
	s, srv, dir := serve(t, n)
	for _, c := range []struct{ table, file string }{{CITable, CIFile}, {RelTable, RelFile}} {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		var want struct{ Result []json.RawMessage }
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if s.Records(c.table) != len(want.Result) {
			t.Errorf("%s: the server holds %d records, the file %d", c.table, s.Records(c.table), len(want.Result))
		}
		var got []json.RawMessage
		pages := 0
		for offset := 0; ; offset += limit {
			res, body := get(t, fmt.Sprintf("%s/api/now/table/%s?sysparm_limit=%d&sysparm_offset=%d", srv.URL, c.table, limit, offset), true)
			pages++
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s at %d: %s: %s", c.table, offset, res.Status, body)
			}
			if tc := res.Header.Get("X-Total-Count"); tc != fmt.Sprint(len(want.Result)) {
				t.Errorf("%s at %d: X-Total-Count %q, want %d", c.table, offset, tc, len(want.Result))
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s at %d: Content-Type %q", c.table, offset, ct)
			}
			var page struct{ Result []json.RawMessage }
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&page); err != nil {
				t.Fatalf("%s at %d: %v: %s", c.table, offset, err, body)
			}
			got = append(got, page.Result...)
			if wantLen := min(limit, max(len(want.Result)-offset, 0)); len(page.Result) != wantLen {
				t.Fatalf("%s at %d: %d records, want %d", c.table, offset, len(page.Result), wantLen)
			}
			if len(page.Result) < limit {
				break
			}
		}
		if len(got) != len(want.Result) {
			t.Fatalf("%s: %d records in all, want %d", c.table, len(got), len(want.Result))
		}
		for i := range got {
			if !bytes.Equal(got[i], want.Result[i]) {
				t.Fatalf("%s: record %d is\n%s\nwant\n%s", c.table, i, got[i], want.Result[i])
			}
		}
		if s.Pages(c.table) != int64(pages) {
			t.Errorf("%s: the server counted %d pages, want %d", c.table, s.Pages(c.table), pages)
		}
	}

	// Past the end: an empty page. Without sysparm_limit: DefaultLimit,
	// so all 25.
	for _, c := range []struct {
		query string
		want  int
	}{{"sysparm_offset=1000&sysparm_limit=10", 0}, {"", n}, {"sysparm_offset=20", n - 20}, {"sysparm_limit=0", 0}} {
		res, body := get(t, srv.URL+"/api/now/table/cmdb_ci?"+c.query, true)
		var page struct{ Result []json.RawMessage }
		if err := json.Unmarshal(body, &page); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("?%s: %s, %v: %s", c.query, res.Status, err, body)
		}
		if len(page.Result) != c.want {
			t.Errorf("?%s: %d records, want %d", c.query, len(page.Result), c.want)
		}
	}
}

// TestServerErrors: requests without the right credentials get 401 with
// ServiceNow's JSON error, and so on for other failures.
func TestServerErrors(t *testing.T) {
	s, srv, _ := serve(t, 4)
	wrong := func(url string) (*http.Response, []byte) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(User, "not-"+Password)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	table := srv.URL + "/api/now/table/cmdb_ci"
	for _, c := range []struct {
		name    string
		do      func() (*http.Response, []byte)
		status  int
		message string
	}{
		{"no auth", func() (*http.Response, []byte) { return get(t, table, false) }, 401, "User Not Authenticated"},
		{"wrong password", func() (*http.Response, []byte) { return wrong(table) }, 401, "User Not Authenticated"},
		{"unknown table", func() (*http.Response, []byte) { return get(t, srv.URL+"/api/now/table/incident", true) }, 400, "Invalid table incident"},
		{"bad limit", func() (*http.Response, []byte) { return get(t, table+"?sysparm_limit=ten", true) }, 400, "Invalid value for sysparm_limit: ten"},
		{"negative offset", func() (*http.Response, []byte) { return get(t, table+"?sysparm_offset=-1", true) }, 400, "Invalid value for sysparm_offset: -1"},
		{"display values", func() (*http.Response, []byte) { return get(t, table+"?sysparm_display_value=all", true) }, 400, "Invalid value for sysparm_display_value: all"},
		{"other path", func() (*http.Response, []byte) { return get(t, srv.URL+"/api/now/stats/cmdb_ci", true) }, 404, "Requested URI does not represent any resource"},
	} {
		res, body := c.do()
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Detail  *string `json:"detail"`
			} `json:"error"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("%s: the body is not JSON: %v: %s", c.name, err, body)
			continue
		}
		if res.StatusCode != c.status || e.Error.Message != c.message || e.Status != "failure" {
			t.Errorf("%s: %s %s, want %d with message %q", c.name, res.Status, body, c.status, c.message)
		}
	}
	if u := s.Unauthorized(); u != 2 {
		t.Errorf("the server counted %d refused requests, want 2", u)
	}
	if p := s.Pages(CITable); p != 0 {
		t.Errorf("the server counted %d pages served, want 0", p)
	}
}

// TestSplitRecords finds the records of tables that are not written the
// way Generate writes them: white space, other keys before and after
// result, strings with brackets and escaped quotes.
func TestSplitRecords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  string
	}{
		{`{"result":[]}`, nil, ""},
		{` { "x" : {"result":[1]}, "y": [ "]", "\"" ] ,"result" : [ {"a":"}\"]"} ,
		   {"b":[{"c":null}], "d": 1.5e3, "e": true} ] , "z": null } `,
			[]string{`{"a":"}\"]"}`, `{"b":[{"c":null}], "d": 1.5e3, "e": true}`}, ""},
		{`{"result":[{}, 1]}`, nil, "result[1] is not an object"},
		{`{"result":{}}`, nil, "result is not an array"},
		{`{"other":[]}`, nil, "no result array"},
		{`[]`, nil, "not a JSON object"},
		{`{"result":[{}]`, nil, "not valid JSON"},
	} {
		start, end, err := splitRecords([]byte(c.in))
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var got []string
		for i := range start {
			got = append(got, c.in[start[i]:end[i]])
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || len(got) != len(c.want) {
			t.Errorf("%s: records %q, want %q", c.in, got, c.want)
		}
	}
}
