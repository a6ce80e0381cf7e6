package snfake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// get sends an authenticated GET and returns the status, headers and body.
func get(t *testing.T, base, path string) (int, http.Header, []byte) {
	t.Helper()
	return getAs(t, base, path, DefaultUser, DefaultPassword)
}

func getAs(t *testing.T, base, path, user, pass string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

type page struct {
	Result []map[string]any `json:"result"`
}

func decodePage(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("not a result page: %v\n%s", err, b)
	}
	if p.Result == nil {
		t.Fatalf("no result list: %s", b)
	}
	return p.Result
}

type snError struct {
	Error struct {
		Message string `json:"message"`
		Detail  any    `json:"detail"`
	} `json:"error"`
	Status string `json:"status"`
}

func decodeError(t *testing.T, b []byte) snError {
	t.Helper()
	var e snError
	if err := json.Unmarshal(b, &e); err != nil || e.Status != "failure" || e.Error.Message == "" {
		t.Fatalf("not a ServiceNow error body (%v): %s", err, b)
	}
	return e
}

func newServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	s := New(cfg)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs.URL
}

func TestDataSet(t *testing.T) {
	d := Default()
	cis, rels := d.CIs(), d.Relations()
	if len(cis) != 36 || len(rels) != 37 {
		t.Fatalf("%d CIs and %d relations, want 36 and 37", len(cis), len(rels))
	}
	ids, created := map[string]bool{}, map[string]bool{}
	// Two bulk imports of four and three CIs share a second each.
	classes := map[string]int{}
	for _, c := range cis {
		if ids[c["sys_id"]] || len(c["sys_id"]) != 32 {
			t.Errorf("sys_id %q repeated or not 32 hex digits", c["sys_id"])
		}
		ids[c["sys_id"]] = true
		created[c["sys_created_on"]] = true
		classes[c["sys_class_name"]]++
	}
	if len(created) != 36-3-2 {
		t.Errorf("%d distinct sys_created_on, want 31 (two bulk imports)", len(created))
	}
	if len(classes) != 14 {
		t.Errorf("%d classes, want 14: %v", len(classes), classes)
	}
	for _, r := range rels {
		if !ids[r["parent"]] || !ids[r["child"]] {
			t.Errorf("relation %s points at a missing CI", r["sys_id"])
		}
		if _, ok := d.Get("cmdb_rel_type", r["type"]); !ok {
			t.Errorf("relation %s has an unknown type", r["sys_id"])
		}
	}
	// Built the same way every time.
	again := Default()
	for i, c := range again.CIs() {
		for k, v := range c {
			if cis[i][k] != v {
				t.Fatalf("Default() differs between calls: CI %d field %s", i, k)
			}
		}
	}
}

func TestAuth(t *testing.T) {
	_, base := newServer(t, Config{})
	for _, tc := range []struct{ user, pass string }{{"", ""}, {DefaultUser, "wrong"}, {"nobody", DefaultPassword}} {
		code, h, b := getAs(t, base, "/api/now/table/cmdb_ci", tc.user, tc.pass)
		if code != http.StatusUnauthorized {
			t.Fatalf("%q/%q: status %d, want 401", tc.user, tc.pass, code)
		}
		e := decodeError(t, b)
		if e.Error.Message != "User Not Authenticated" || e.Error.Detail != "Required to provide Auth information" {
			t.Errorf("401 body %s", b)
		}
		if h.Get("WWW-Authenticate") != `BASIC realm="Service-now"` || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("401 headers %v", h)
		}
	}
	_, base = newServer(t, Config{Users: map[string]string{"ops": "pw-1"}})
	if code, _, _ := getAs(t, base, "/api/now/table/cmdb_ci?sysparm_limit=1", "ops", "pw-1"); code != 200 {
		t.Errorf("configured user: status %d", code)
	}
}

func TestRoutesAndParameterErrors(t *testing.T) {
	_, base := newServer(t, Config{})
	for _, tc := range []struct {
		path    string
		status  int
		message string
	}{
		{"/api/now/table/cmdb_nope", 400, "Invalid table cmdb_nope"},
		{"/api/now/nothing", 400, "Requested URI does not represent any resource"},
		{"/api/now/table/", 400, "Requested URI does not represent any resource"},
		{"/api/now/table/cmdb_ci?sysparm_limit=0", 400, "Invalid value given for sysparm_limit"},
		{"/api/now/table/cmdb_ci?sysparm_limit=-5", 400, "Invalid value given for sysparm_limit"},
		{"/api/now/table/cmdb_ci?sysparm_limit=ten", 400, "Invalid value given for sysparm_limit"},
		{"/api/now/table/cmdb_ci?sysparm_offset=-1", 400, "Invalid value given for sysparm_offset"},
		{"/api/now/table/cmdb_ci/0123456789abcdef0123456789abcdef", 404, "No Record found"},
	} {
		code, _, b := get(t, base, tc.path)
		if code != tc.status || decodeError(t, b).Error.Message != tc.message {
			t.Errorf("%s: %d %s, want %d %q", tc.path, code, b, tc.status, tc.message)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/now/table/cmdb_ci", strings.NewReader("{}"))
	req.SetBasicAuth(DefaultUser, DefaultPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	// Versioned URLs and a single record.
	id := SysID("cmdb_ci_linux_server", "lnx-web-01")
	for _, p := range []string{"/api/now/v1/table/cmdb_ci_linux_server/" + id, "/api/now/v2/table/cmdb_ci/" + id} {
		code, _, b := get(t, base, p)
		var one struct{ Result map[string]any }
		if code != 200 || json.Unmarshal(b, &one) != nil || one.Result["name"] != "lnx-web-01" {
			t.Errorf("%s: %d %s", p, code, b)
		}
	}
	// A Windows server is not a Linux server.
	if code, _, _ := get(t, base, "/api/now/table/cmdb_ci_linux_server/"+SysID("cmdb_ci_win_server", "WIN-DB-01")); code != 404 {
		t.Errorf("a row of another class: %d, want 404", code)
	}
}

func TestDefaultLimitAndNoLinkOnOnePage(t *testing.T) {
	_, base := newServer(t, Config{})
	code, h, b := get(t, base, "/api/now/table/cmdb_ci")
	if code != 200 || len(decodePage(t, b)) != 36 {
		t.Fatalf("%d, %d rows", code, len(decodePage(t, b)))
	}
	if h.Get("X-Total-Count") != "36" || h.Get("Link") != "" {
		t.Errorf("one page: X-Total-Count %q, Link %q", h.Get("X-Total-Count"), h.Get("Link"))
	}
}

func TestLinkHeader(t *testing.T) {
	_, base := newServer(t, Config{})
	q := "/api/now/table/cmdb_ci?sysparm_query=sys_class_nameINcmdb_ci_linux_server%2Ccmdb_ci_win_server&sysparm_fields=name,sys_id"
	at := func(o int) string { return "<" + base + q + "&sysparm_offset=" + strconv.Itoa(o) + "&sysparm_limit=4>" }
	// 14 servers, 4 per page: offsets 0, 4, 8, 12.
	for _, tc := range []struct {
		offset int
		rows   int
		want   string
	}{
		{0, 4, at(0) + `;rel="first",` + at(4) + `;rel="next",` + at(12) + `;rel="last"`},
		{4, 4, at(0) + `;rel="first",` + at(0) + `;rel="prev",` + at(8) + `;rel="next",` + at(12) + `;rel="last"`},
		{12, 2, at(0) + `;rel="first",` + at(8) + `;rel="prev",` + at(12) + `;rel="last"`},
		{20, 0, at(0) + `;rel="first",` + at(16) + `;rel="prev",` + at(12) + `;rel="last"`},
		{2, 4, at(0) + `;rel="first",` + at(0) + `;rel="prev",` + at(6) + `;rel="next",` + at(12) + `;rel="last"`},
	} {
		// sysparm_offset and sysparm_limit anywhere in the request move to the end.
		path := "/api/now/table/cmdb_ci?sysparm_limit=4&sysparm_query=sys_class_nameINcmdb_ci_linux_server%2Ccmdb_ci_win_server&sysparm_offset=" +
			strconv.Itoa(tc.offset) + "&sysparm_fields=name,sys_id"
		code, h, b := get(t, base, path)
		if code != 200 {
			t.Fatalf("offset %d: %d %s", tc.offset, code, b)
		}
		if n := len(decodePage(t, b)); n != tc.rows {
			t.Errorf("offset %d: %d rows, want %d", tc.offset, n, tc.rows)
		}
		if h.Get("X-Total-Count") != "14" {
			t.Errorf("offset %d: X-Total-Count %q", tc.offset, h.Get("X-Total-Count"))
		}
		if got := h.Get("Link"); got != tc.want {
			t.Errorf("offset %d Link:\n got %s\nwant %s", tc.offset, got, tc.want)
		}
	}
	// A total that is a multiple of the page size: 36 CIs, 12 per page.
	_, h, _ := get(t, base, "/api/now/table/cmdb_ci?sysparm_limit=12&sysparm_offset=24")
	if l := h.Get("Link"); strings.Contains(l, `rel="next"`) || !strings.Contains(l, `sysparm_offset=24&sysparm_limit=12>;rel="last"`) {
		t.Errorf("last full page: Link %s", l)
	}
	// Suppressed headers.
	_, h, _ = get(t, base, "/api/now/table/cmdb_ci?sysparm_limit=5&sysparm_suppress_pagination_header=true&sysparm_no_count=true")
	if h.Get("Link") != "" || h.Get("X-Total-Count") != "" {
		t.Errorf("suppressed: Link %q, X-Total-Count %q", h.Get("Link"), h.Get("X-Total-Count"))
	}
	// The base URL can be the instance's.
	_, base2 := newServer(t, Config{BaseURL: "https://acme.service-now.com/"})
	_, h, _ = get(t, base2, "/api/now/table/cmdb_ci?sysparm_limit=30")
	if !strings.HasPrefix(h.Get("Link"), "<https://acme.service-now.com/api/now/table/cmdb_ci?sysparm_offset=0&sysparm_limit=30>") {
		t.Errorf("BaseURL: Link %s", h.Get("Link"))
	}
}

// nextLink extracts rel="next" the way a client would.
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		if strings.HasSuffix(part, `;rel="next"`) {
			return strings.TrimSuffix(strings.TrimPrefix(part, "<"), `>;rel="next"`)
		}
	}
	return ""
}

func names(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		switch v := r["name"].(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			out = append(out, v["value"].(string))
		}
	}
	return out
}

func TestOffsetAndLinkPagingAgree(t *testing.T) {
	_, base := newServer(t, Config{})
	q := "sysparm_query=ORDERBYsys_created_on&sysparm_fields=name"
	_, _, b := get(t, base, "/api/now/table/cmdb_ci?"+q)
	all := names(decodePage(t, b))
	for _, limit := range []int{1, 5, 7, 12, 35, 36, 37} {
		var byOffset []string
		for off := 0; ; off += limit {
			_, _, b := get(t, base, fmt.Sprintf("/api/now/table/cmdb_ci?%s&sysparm_offset=%d&sysparm_limit=%d", q, off, limit))
			rows := decodePage(t, b)
			byOffset = append(byOffset, names(rows)...)
			if len(rows) < limit {
				break
			}
		}
		var byLink []string
		next := fmt.Sprintf("%s/api/now/table/cmdb_ci?%s&sysparm_limit=%d", base, q, limit)
		for pages := 0; next != ""; pages++ {
			if pages > 40 {
				t.Fatal("Link paging does not end")
			}
			u := strings.TrimPrefix(next, base)
			_, h, b := get(t, base, u)
			byLink = append(byLink, names(decodePage(t, b))...)
			next = nextLink(h.Get("Link"))
		}
		if strings.Join(byOffset, ",") != strings.Join(all, ",") || strings.Join(byLink, ",") != strings.Join(all, ",") {
			t.Errorf("limit %d:\n offset %v\n link   %v\n want   %v", limit, byOffset, byLink, all)
		}
	}
}

func TestQuery(t *testing.T) {
	_, base := newServer(t, Config{})
	count := func(table, q string) int {
		t.Helper()
		code, h, b := get(t, base, "/api/now/table/"+table+"?sysparm_fields=sys_id&sysparm_query="+url.QueryEscape(q))
		if code != 200 {
			t.Fatalf("%s %q: %d %s", table, q, code, b)
		}
		n := len(decodePage(t, b))
		if h.Get("X-Total-Count") != strconv.Itoa(n) {
			t.Errorf("%q: X-Total-Count %s for %d rows", q, h.Get("X-Total-Count"), n)
		}
		return n
	}
	for _, tc := range []struct {
		table, q string
		want     int
	}{
		{"cmdb_ci", "", 36},
		{"cmdb_ci", "sys_class_name=cmdb_ci_linux_server", 11},
		{"cmdb_ci", "sys_class_nameINcmdb_ci_linux_server,cmdb_ci_win_server", 14},
		{"cmdb_ci", "sys_class_nameINcmdb_ci_linux_server,cmdb_ci_win_server^ORDERBYsys_created_on^EQ", 14},
		{"cmdb_ci", "sys_class_nameNOT INcmdb_ci_linux_server,cmdb_ci_win_server", 22},
		{"cmdb_ci", "sys_class_name=cmdb_ci_linux_server^install_status!=7", 10},
		{"cmdb_ci", "sys_class_name=cmdb_ci_win_server^ORsys_class_name=cmdb_ci_service", 6},
		{"cmdb_ci", "nameSTARTSWITHlnx-web", 4},
		{"cmdb_ci", "nameSTARTSWITHLNX-WEB", 4}, // case does not matter
		{"cmdb_ci", "nameENDSWITH-01", 10},
		{"cmdb_ci", "nameLIKEshop", 5},
		{"cmdb_ci", "nameNOT LIKEshop", 31},
		{"cmdb_ci", "fqdnISEMPTY", 23},
		{"cmdb_ci", "fqdnISNOTEMPTY", 13},
		{"cmdb_ci", "location.name=Frankfurt DC2", 4},
		{"cmdb_ci_server", "", 14},
		{"cmdb_ci_computer", "", 16},
		{"cmdb_ci_hardware", "", 20},
		{"cmdb_ci_appl", "", 13},
		{"cmdb_ci_db_instance", "", 5},
		{"cmdb_ci_linux_server", "host_name=lnx-db-01", 1},
		{"cmdb_rel_ci", "", 37},
		{"cmdb_rel_ci", "type.name=Runs on::Runs", 16},
		{"cmdb_rel_ci", "parent.sys_class_nameINcmdb_ci_computer,cmdb_ci_printer", 2},
		{"cmdb_rel_ci", "parent.sys_class_nameINcmdb_ci_service,cmdb_ci_appl^child.sys_class_nameINcmdb_ci_service,cmdb_ci_appl", 4},
	} {
		if n := count(tc.table, tc.q); n != tc.want {
			t.Errorf("%s %q: %d rows, want %d", tc.table, tc.q, n, tc.want)
		}
	}
	for _, q := range []string{
		"nameFOOBAR",                           // unknown operator
		"name>=a",                              // an operator the fake does not know
		"nosuchfield=1",                        // unknown field
		"host_name=lnx-db-01",                  // host_name is not a column of cmdb_ci
		"ORDERBYnosuchfield",                   // unknown ORDERBY field
		"parent.nosuch=1",                      // dot-walk to nowhere
		"name.x=1",                             // dot-walk through a non-reference
		"name=a^NQname=b",                      // new query
		"ORname=a",                             // ^OR with nothing before it
		"=x",                                   // no field
		"sys_class_nameISEMPTYcmdb_ci_service", // ISEMPTY takes no value
	} {
		code, _, b := get(t, base, "/api/now/table/cmdb_ci?sysparm_query="+url.QueryEscape(q))
		e := decodeError(t, b)
		if code != 400 || e.Error.Message != "Invalid query" || e.Error.Detail == nil {
			t.Errorf("%q: %d %s, want 400 Invalid query with a detail", q, code, b)
		}
	}
}

func TestOrderBy(t *testing.T) {
	_, base := newServer(t, Config{})
	created := func(q string) []string {
		_, _, b := get(t, base, "/api/now/table/cmdb_ci?sysparm_fields=sys_created_on&sysparm_query="+q)
		var out []string
		for _, r := range decodePage(t, b) {
			out = append(out, r["sys_created_on"].(string))
		}
		return out
	}
	asc := created("ORDERBYsys_created_on")
	if !sort.StringsAreSorted(asc) || len(asc) != 36 {
		t.Errorf("ORDERBYsys_created_on is not ascending: %v", asc)
	}
	desc := created("ORDERBYDESCsys_created_on")
	for i := range desc {
		if desc[i] != asc[len(asc)-1-i] {
			t.Fatalf("ORDERBYDESC is not the reverse: %v", desc)
		}
	}
	// Without ORDERBY the order is not the creation order.
	if strings.Join(created(""), ",") == strings.Join(asc, ",") {
		t.Error("the data's natural order equals its creation order, so ORDERBY proves nothing")
	}
	// Integers sort as numbers.
	_, _, b := get(t, base, "/api/now/table/cmdb_ci_computer?sysparm_fields=ram&sysparm_query=ORDERBYram")
	var last int64 = -1
	for _, r := range decodePage(t, b) {
		n, _ := strconv.ParseInt(r["ram"].(string), 10, 64)
		if n < last {
			t.Fatalf("ORDERBYram is not numeric: %s", b)
		}
		last = n
	}
}

func TestDrift(t *testing.T) {
	_, base := newServer(t, Config{Drift: true})
	// collect pages through the CIs by offset and counts what it saw.
	collect := func(limit int, query string) map[string]int {
		seen := map[string]int{}
		for off := 0; off < 36; off += limit {
			_, _, b := get(t, base, fmt.Sprintf("/api/now/table/cmdb_ci?sysparm_fields=name&sysparm_limit=%d&sysparm_offset=%d&sysparm_query=%s",
				limit, off, url.QueryEscape(query)))
			for _, n := range names(decodePage(t, b)) {
				seen[n]++
			}
		}
		return seen
	}
	exact := func(seen map[string]int) bool {
		for _, n := range seen {
			if n != 1 {
				return false
			}
		}
		return len(seen) == 36
	}
	if exact(collect(10, "")) {
		t.Error("paging without ORDERBY saw every CI exactly once; the drift should lose some")
	}
	lost := 0
	for limit := 1; limit <= 36; limit++ {
		if !exact(collect(limit, "ORDERBYsys_created_on")) {
			lost++
		}
		if seen := collect(limit, "ORDERBYsys_created_on^ORDERBYsys_id"); !exact(seen) {
			t.Errorf("limit %d: paging in a total order saw %v", limit, seen)
		}
	}
	if lost == 0 {
		t.Error("ORDERBYsys_created_on alone never lost a CI, though the bulk imports share a second")
	}
	// Without Drift, sys_id breaks the ties.
	_, plain := newServer(t, Config{})
	_, _, a := get(t, plain, "/api/now/table/cmdb_ci?sysparm_fields=sys_id&sysparm_query=ORDERBYsys_created_on")
	_, _, b := get(t, plain, "/api/now/table/cmdb_ci?sysparm_fields=sys_id&sysparm_query=ORDERBYsys_created_on^ORDERBYsys_id")
	if string(a) != string(b) {
		t.Error("without Drift, ties are not broken by sys_id")
	}
}

func TestDisplayValues(t *testing.T) {
	_, base := newServer(t, Config{})
	id := SysID("cmdb_ci_linux_server", "lnx-web-03")
	loc := SysID("cmn_location", "Frankfurt DC2")
	one := func(query string) map[string]any {
		t.Helper()
		code, _, b := get(t, base, "/api/now/table/cmdb_ci_linux_server/"+id+"?"+query)
		var r struct{ Result map[string]any }
		if code != 200 || json.Unmarshal(b, &r) != nil {
			t.Fatalf("%s: %d %s", query, code, b)
		}
		return r.Result
	}
	link := base + "/api/now/table/cmn_location/" + loc
	all := one("sysparm_display_value=all")
	for field, want := range map[string]map[string]any{
		"name":               {"display_value": "lnx-web-03", "value": "lnx-web-03"},
		"install_status":     {"display_value": "Installed", "value": "1"},
		"sys_class_name":     {"display_value": "Linux Server", "value": "cmdb_ci_linux_server"},
		"location":           {"display_value": "Frankfurt DC2", "value": loc, "link": link},
		"assigned_to":        {"display_value": "", "value": ""},
		"ram":                {"display_value": "16,384", "value": "16384"},
		"monitor":            {"display_value": "false", "value": "false"},
		"sys_tags":           {"display_value": "production", "value": ""},
		"host_name":          {"display_value": "lnx-web-03", "value": "lnx-web-03"},
		"operational_status": {"display_value": "Operational", "value": "1"},
	} {
		got, _ := all[field].(map[string]any)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("all: %s = %v, want %v", field, all[field], want)
		}
	}
	created := all["sys_created_on"].(map[string]any)
	v, _ := time.Parse(time.DateTime, created["value"].(string))
	if created["display_value"] != v.In(UserZone).Format(time.DateTime) || created["display_value"] == created["value"] {
		t.Errorf("sys_created_on %v: the display value is the value in the user's zone", created)
	}
	noLink := one("sysparm_display_value=all&sysparm_exclude_reference_link=true")
	if l, ok := noLink["location"].(map[string]any)["link"]; ok {
		t.Errorf("sysparm_exclude_reference_link=true kept the link %v", l)
	}
	plain := one("")
	if plain["install_status"] != "1" || plain["sys_tags"] != "" || plain["assigned_to"] != "" ||
		fmt.Sprint(plain["location"]) != fmt.Sprint(map[string]any{"link": link, "value": loc}) {
		t.Errorf("display_value=false: %v %v %v", plain["install_status"], plain["location"], plain["sys_tags"])
	}
	if p := one("sysparm_exclude_reference_link=true"); p["location"] != loc {
		t.Errorf("false without links: location %v", p["location"])
	}
	disp := one("sysparm_display_value=true")
	if disp["install_status"] != "Installed" || disp["sys_tags"] != "production" ||
		fmt.Sprint(disp["location"]) != fmt.Sprint(map[string]any{"display_value": "Frankfurt DC2", "link": link}) {
		t.Errorf("display_value=true: %v %v %v", disp["install_status"], disp["location"], disp["sys_tags"])
	}
	if p := one("sysparm_display_value=true&sysparm_exclude_reference_link=true"); p["location"] != "Frankfurt DC2" {
		t.Errorf("true without links: location %v", p["location"])
	}
	fields := one("sysparm_fields=name,location.name,location.city,nosuchfield")
	if len(fields) != 3 || fields["location.name"] != "Frankfurt DC2" || fields["location.city"] != "Frankfurt" {
		t.Errorf("sysparm_fields with dot-walks: %v", fields)
	}
}

func TestColumnsFollowTheTable(t *testing.T) {
	_, base := newServer(t, Config{})
	q := "?sysparm_limit=1&sysparm_query=name=lnx-web-01"
	_, _, b := get(t, base, "/api/now/table/cmdb_ci"+q)
	base1 := decodePage(t, b)[0]
	_, _, b = get(t, base, "/api/now/table/cmdb_ci_linux_server"+q)
	linux := decodePage(t, b)[0]
	if _, ok := base1["host_name"]; ok {
		t.Error("cmdb_ci shows host_name, a column of cmdb_ci_computer")
	}
	if linux["host_name"] != "lnx-web-01" || linux["kernel_release"] == nil || len(linux) <= len(base1) {
		t.Errorf("cmdb_ci_linux_server lacks its columns: %v", linux)
	}
	if len(base1) != len(Default().Fields("cmdb_ci")) {
		t.Errorf("cmdb_ci shows %d columns, want %d", len(base1), len(Default().Fields("cmdb_ci")))
	}
}

func TestFaults(t *testing.T) {
	s, base := newServer(t, Config{})
	p := func(off int) string {
		return fmt.Sprintf("/api/now/table/cmdb_ci?sysparm_limit=10&sysparm_offset=%d", off)
	}
	s.AddFault(Fault{Table: "cmdb_ci", Page: 3, Status: 500})
	for i := 0; i < 2; i++ { // every time, not just once
		code, _, b := get(t, base, p(20))
		if e := decodeError(t, b); code != 500 || e.Error.Message != "Internal server error" {
			t.Errorf("page 3: %d %s", code, b)
		}
	}
	for _, off := range []int{0, 10, 30} {
		if code, _, _ := get(t, base, p(off)); code != 200 {
			t.Errorf("offset %d: %d", off, code)
		}
	}
	if code, _, _ := get(t, base, "/api/now/table/cmdb_rel_ci?sysparm_limit=10&sysparm_offset=20"); code != 200 {
		t.Errorf("page 3 of another table failed too: %d", code)
	}
	s.ClearFaults()

	s.AddFault(Fault{Table: "cmdb_ci", Page: 2, Status: 429, RetryAfter: "1", Times: 1})
	code, h, b := get(t, base, p(10))
	if code != 429 || h.Get("Retry-After") != "1" || decodeError(t, b).Error.Message != "Rate limit exceeded" {
		t.Errorf("429: %d %v %s", code, h, b)
	}
	if code, _, _ := get(t, base, p(10)); code != 200 {
		t.Errorf("after Times ran out: %d", code)
	}
	s.ClearFaults()

	s.AddFault(Fault{Status: 503, Message: "custom", Detail: "why"})
	code, _, b = get(t, base, p(0))
	if e := decodeError(t, b); code != 503 || e.Error.Message != "custom" || e.Error.Detail != "why" {
		t.Errorf("custom fault: %d %s", code, b)
	}
	s.ClearFaults()

	s.AddFault(Fault{Page: 1, Truncate: true})
	code, _, b = get(t, base, p(0))
	if code != 200 || json.Valid(b) || !strings.Contains(string(b), "Transaction cancelled: maximum execution time exceeded") {
		t.Errorf("truncated: %d valid=%v %s", code, json.Valid(b), b)
	}
	s.ClearFaults()

	s.AddFault(Fault{Page: 1, Delay: 300 * time.Millisecond})
	start := time.Now()
	if code, _, _ := get(t, base, p(0)); code != 200 || time.Since(start) < 300*time.Millisecond {
		t.Errorf("slow page: %d after %v", code, time.Since(start))
	}
	// A client that gives up does not keep the server busy.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.ClearFaults()
	s.AddFault(Fault{Delay: time.Hour})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+p(0), nil)
	req.SetBasicAuth(DefaultUser, DefaultPassword)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("a one-hour delay answered within 50ms")
	}
	s.ClearFaults()

	reqs := s.Requests()
	if len(reqs) == 0 || reqs[0].Table != "cmdb_ci" || reqs[0].Page != 3 || reqs[0].Status != 500 || reqs[0].User != DefaultUser {
		t.Errorf("request log starts with %+v", reqs[0])
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}

func TestLatencyAndConcurrency(t *testing.T) {
	s, base := newServer(t, Config{Latency: 20 * time.Millisecond})
	s.AddFault(Fault{Table: "cmdb_rel_ci", Status: 500, Times: 5})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, _ := get(t, base, "/api/now/table/cmdb_rel_ci?sysparm_limit=5")
			if code == 500 {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != 5 || len(s.Requests()) != 20 {
		t.Errorf("%d failures (want 5), %d requests logged (want 20)", failed, len(s.Requests()))
	}
}

func TestProxy(t *testing.T) {
	s := New(Config{})
	p, err := NewProxy(s)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	front := httptest.NewServer(p)
	defer front.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CAPEM()) {
		t.Fatal("CAPEM is not a PEM certificate")
	}
	proxyURL, _ := url.Parse(front.URL)
	client := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
	for _, target := range []string{
		"https://example.service-now.com/api/now/table/cmdb_ci?sysparm_limit=10",
		"http://plain.example.com/api/now/table/cmdb_ci?sysparm_limit=10",
	} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.SetBasicAuth(DefaultUser, DefaultPassword)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		u, _ := url.Parse(target)
		want := "<" + u.Scheme + "://" + u.Host + "/api/now/table/cmdb_ci?sysparm_offset=0&sysparm_limit=10>"
		if resp.StatusCode != 200 || len(decodePage(t, b)) != 10 || !strings.HasPrefix(resp.Header.Get("Link"), want) {
			t.Errorf("%s: %d, Link %s", target, resp.StatusCode, resp.Header.Get("Link"))
		}
	}
}

func TestDisplayInteger(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "16384": "16,384", "131072": "131,072",
		"1234567": "1,234,567", "-2048": "-2,048", "": "", "x": "x"} {
		if got := displayInteger(in); got != want {
			t.Errorf("displayInteger(%q) = %q, want %q", in, got, want)
		}
	}
}
