//go:build e2e

package e2e

import (
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/e2e/snfake"
	"github.com/stackmap/stackmap/engine/receiver"
)

// The ServiceNow e2e tests run mappings/servicenow/servicenow.yaml with the
// stackmap binary against the fake Table API of e2e/snfake and a local
// receiver, and compare what the receiver holds with the topology the fake's
// data implies, computed here in Go from the rules the agent check follows.

const (
	snMapping  = "mappings/servicenow/servicenow.yaml"
	snInstType = "servicenow_cmdb"
	snKey      = "e2e-sn-key"
)

// snDefaultClasses are the classes of the fake's data that the mapping's
// default SN_CLASSES includes: all but the laptops (cmdb_ci_computer) and
// the printer.
var snDefaultClasses = []string{
	"cmdb_ci_service", "cmdb_ci_appl", "cmdb_ci_app_server_tomcat", "cmdb_ci_app_server_java",
	"cmdb_ci_db_mysql_instance", "cmdb_ci_db_postgresql_instance", "cmdb_ci_db_mssql_instance", "cmdb_ci_db_ora_instance",
	"cmdb_ci_linux_server", "cmdb_ci_win_server", "cmdb_ci_ip_switch", "cmdb_ci_lb_bigip",
}

// snLayers is the layer the mapping gives each class of the data.
var snLayers = map[string]string{
	"cmdb_ci_service": "Business Services", "cmdb_ci_appl": "Applications", "cmdb_ci_app_server_tomcat": "Applications",
	"cmdb_ci_app_server_java": "Applications", "cmdb_ci_db_mysql_instance": "Databases", "cmdb_ci_db_postgresql_instance": "Databases",
	"cmdb_ci_db_mssql_instance": "Databases", "cmdb_ci_db_ora_instance": "Databases", "cmdb_ci_linux_server": "Machines",
	"cmdb_ci_win_server": "Machines", "cmdb_ci_computer": "Machines", "cmdb_ci_ip_switch": "Networking",
	"cmdb_ci_lb_bigip": "Networking", "cmdb_ci_printer": "Uncategorized",
}

// snDisplayFields are the check's default component_display_value_list.
var snDisplayFields = []string{"sys_tags", "maintenance_schedule", "location", "company", "manufacturer", "vendor"}

type snFixture struct {
	fake *snfake.Server
	url  string // the fake's base URL, SN_URL
	rc   *liveReceiver
	recv string // the receiver's URL
}

// snStart serves a fake instance and a receiver for one test. The fake
// drifts: a mapping that pages without a total order (ORDERBYsys_created_on
// and then sys_id, since some CIs were created in the same second) loses
// and repeats CIs.
func snStart(t *testing.T) *snFixture {
	t.Helper()
	fake := snfake.New(snfake.Config{Drift: true})
	fs := httptest.NewServer(fake)
	t.Cleanup(fs.Close)
	rc := startReceiver(t, snKey)
	rs := rc
	return &snFixture{fake: fake, url: fs.URL, rc: rc, recv: rs.URL}
}

// env is the environment of a run against the fixture: page size 10, so
// each table takes four pages; extra entries override.
func (f *snFixture) env(extra ...string) []string {
	return append([]string{
		"SN_URL=" + f.url, "SN_USER=" + snfake.DefaultUser, "SN_PASSWORD=" + snfake.DefaultPassword,
		"SN_PAGE_SIZE=10", "SN_ENVIRONMENT=Staging", "SN_TAGS=team:cmdb, Site AMS",
		"STACKMAP_URL=" + f.recv, "STACKMAP_API_KEY=" + snKey,
	}, extra...)
}

func (f *snFixture) run(t *testing.T, extra ...string) (int, string) {
	t.Helper()
	code, _, errOut := stackmap(t, f.env(extra...), "run", "--once", snMapping, "--hostname", "e2e-sn")
	return code, errOut
}

func (f *snFixture) topology(t *testing.T) (*receiver.Topology, int) {
	t.Helper()
	return f.rc.Topology(receiver.Instance{Type: snInstType, URL: f.url})
}

var (
	snBadTagChars = regexp.MustCompile(`[^a-z0-9_\-:./]+`)
	snTagEnds     = regexp.MustCompile(`^-+|[-:]+$`)
)

// snTag is the tag StackState accepts for a ServiceNow tag name.
func snTag(s string) string {
	s = snTagEnds.ReplaceAllString(snBadTagChars.ReplaceAllString(strings.ToLower(s), "-"), "")
	if s != "" && (s[0] < 'a' || s[0] > 'z') {
		s = "tag-" + s
	}
	return s
}

func snTags(lists ...string) []string {
	var out []string
	for _, l := range lists {
		for _, x := range strings.Split(l, ",") {
			if x = snTag(strings.TrimSpace(x)); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

type snComponent struct {
	Type, Name, Layer, Environment string
	Identifiers, Tags, Labels      []string
	Data                           map[string]string // every cmdb_ci column, flattened
}

type snRelation struct{ Source, Type, Target string }

// snExpected computes the topology of the fake's data for a class filter
// (nil for every class), a filter on CIs and the instance tags.
func snExpected(d *snfake.Data, classes []string, keep func(snfake.Record) bool, baseURL, instanceTags, defaultEnv string) (map[string]snComponent, map[string]snRelation) {
	in := func(class string) bool { return classes == nil || slices.Contains(classes, class) }
	comps := map[string]snComponent{}
	for _, ci := range d.CIs() {
		if !in(ci["sys_class_name"]) || (keep != nil && !keep(ci)) {
			continue
		}
		id := ci["sys_id"]
		var ids []string
		if ci["fqdn"] != "" {
			ids = append(ids, "urn:host:/"+ci["fqdn"])
		}
		// cmdb_ci has no host_name column, so the check's fallback, the
		// name, is what the mapping reads.
		ids = append(ids, "urn:host:/"+ci["name"], id)
		for _, x := range slices.Clone(ids) {
			if l := strings.ToLower(x); strings.HasPrefix(x, "urn:") && l != x && !slices.Contains(ids, l) {
				ids = append(ids, l)
			}
		}
		env := d.Display("cmdb_ci", ci, "environment")
		if env == "" {
			env = defaultEnv
		}
		data := map[string]string{}
		for _, f := range d.Fields("cmdb_ci") {
			v := ci[f.Name]
			if f.Kind == snfake.Tags {
				v = "" // sys_tags has no stored value
			}
			if disp := d.Display("cmdb_ci", ci, f.Name); slices.Contains(snDisplayFields, f.Name) && disp != "" {
				v = disp
			}
			data[f.Name] = v
		}
		data["environment"] = env // the component's environment replaces the column
		comps[id] = snComponent{
			Type: ci["sys_class_name"], Name: ci["name"], Layer: snLayers[ci["sys_class_name"]], Environment: env,
			Identifiers: ids,
			Tags:        append(snTags(instanceTags, ci["sys_tags"]), "integration-type:servicenow_cmdb", "integration-url:"+strings.ToLower(baseURL)),
			Labels: []string{"servicenow-class:" + ci["sys_class_name"],
				"operational-status:" + snTag(d.Display("cmdb_ci", ci, "operational_status")),
				"install-status:" + snTag(d.Display("cmdb_ci", ci, "install_status"))},
			Data: data,
		}
	}
	rels := map[string]snRelation{}
	for _, r := range d.Relations() {
		p, _ := d.Get("cmdb_ci", r["parent"])
		c, _ := d.Get("cmdb_ci", r["child"])
		if !in(p["sys_class_name"]) || !in(c["sys_class_name"]) {
			continue
		}
		typ, _, _ := strings.Cut(d.Display("cmdb_rel_ci", r, "type"), "::")
		typ = strings.TrimSpace(typ)
		rels[r["parent"]+"-"+typ+"-"+r["child"]] = snRelation{Source: r["parent"], Type: typ, Target: r["child"]}
	}
	return comps, rels
}

func snStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func snKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// snCheckTopology asserts that the receiver holds exactly the expected
// components and relations.
func snCheckTopology(t *testing.T, top *receiver.Topology, comps map[string]snComponent, rels map[string]snRelation) {
	t.Helper()
	if top == nil {
		t.Fatal("the receiver holds no completed snapshot")
	}
	if got, want := snKeys(top.Components), snKeys(comps); !reflect.DeepEqual(got, want) {
		t.Errorf("component ids:\n got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
	for id, want := range comps {
		c := top.Components[id]
		if c == nil {
			continue
		}
		data, _ := c["data"].(map[string]any)
		typ, _ := c["type"].(map[string]any)
		got := snComponent{
			Type: typ["name"].(string), Name: data["name"].(string), Layer: data["layer"].(string),
			Environment: data["environment"].(string), Identifiers: snStrings(data["identifiers"]), Tags: snStrings(data["tags"]),
			Labels: snStrings(data["labels"]), Data: map[string]string{},
		}
		for k := range want.Data {
			s, _ := data[k].(string)
			got.Data[k] = s
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("component %s (%s):\n got %+v\nwant %+v", id, want.Name, got, want)
		}
		if data["domain"] != "ServiceNow" {
			t.Errorf("component %s: domain %v", id, data["domain"])
		}
	}
	if got, want := snKeys(top.Relations), snKeys(rels); !reflect.DeepEqual(got, want) {
		t.Errorf("relation ids:\n got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
	for id, want := range rels {
		r := top.Relations[id]
		if r == nil {
			continue
		}
		typ, _ := r["type"].(map[string]any)
		got := snRelation{Source: r["sourceId"].(string), Type: typ["name"].(string), Target: r["targetId"].(string)}
		if got != want {
			t.Errorf("relation %s: got %+v, want %+v", id, got, want)
		}
	}
}

// snPages lists the (offset, limit) of the requests to a table, and checks
// that each asked for display values and ended its query with
// ORDERBYsys_created_on^ORDERBYsys_id.
func snPages(t *testing.T, reqs []snfake.Request, table string) [][2]int {
	t.Helper()
	var out [][2]int
	for _, r := range reqs {
		if r.Table != table {
			continue
		}
		q, err := url.ParseQuery(r.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		if q.Get("sysparm_display_value") != "all" || !strings.HasSuffix(q.Get("sysparm_query"), "^ORDERBYsys_created_on^ORDERBYsys_id") {
			t.Errorf("%s request without display values or the ORDERBYs: %s", table, r.RawQuery)
		}
		out = append(out, [2]int{r.Offset, r.Limit})
	}
	return out
}

func TestServiceNowOffsetPaging(t *testing.T) {
	f := snStart(t)
	code, errOut := f.run(t)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	top, n := f.topology(t)
	if n != 1 {
		t.Fatalf("%d snapshots, want 1", n)
	}
	comps, rels := snExpected(f.fake.Data(), snDefaultClasses, nil, f.url, "team:cmdb, Site AMS", "Staging")
	if len(comps) != 33 || len(rels) != 34 {
		t.Fatalf("the data set changed: %d components and %d relations expected, the test was written for 33 and 34", len(comps), len(rels))
	}
	snCheckTopology(t, top, comps, rels)

	// Spot checks, written out, of what the computation above implies.
	spot := map[string]snComponent{
		snfake.SysID("cmdb_ci_win_server", "WIN-DB-01"): {Identifiers: []string{
			"urn:host:/WIN-DB-01.corp.example.com", "urn:host:/WIN-DB-01", snfake.SysID("cmdb_ci_win_server", "WIN-DB-01"),
			"urn:host:/win-db-01.corp.example.com", "urn:host:/win-db-01"},
			Tags: []string{"team:cmdb", "site-ams", "production", "integration-type:servicenow_cmdb", "integration-url:" + f.url}},
		snfake.SysID("cmdb_ci_service", "Payments"): {Identifiers: []string{
			"urn:host:/Payments", snfake.SysID("cmdb_ci_service", "Payments"), "urn:host:/payments"},
			Tags: []string{"team:cmdb", "site-ams", "production", "pci", "tier-1", "integration-type:servicenow_cmdb", "integration-url:" + f.url}},
		snfake.SysID("cmdb_ci_linux_server", "lnx-web-04"): {Identifiers: []string{
			"urn:host:/lnx-web-04", snfake.SysID("cmdb_ci_linux_server", "lnx-web-04")},
			Tags: []string{"team:cmdb", "site-ams", "production", "edge", "integration-type:servicenow_cmdb", "integration-url:" + f.url}},
	}
	for id, want := range spot {
		data := top.Components[id]["data"].(map[string]any)
		if got := snStrings(data["identifiers"]); !reflect.DeepEqual(got, want.Identifiers) {
			t.Errorf("%s identifiers %v, want %v", id, got, want.Identifiers)
		}
		if got := snStrings(data["tags"]); !reflect.DeepEqual(got, want.Tags) {
			t.Errorf("%s tags %v, want %v", id, got, want.Tags)
		}
	}
	lnx := top.Components[snfake.SysID("cmdb_ci_linux_server", "lnx-web-03")]["data"].(map[string]any)
	if lnx["location"] != "Frankfurt DC2" || lnx["install_status"] != "1" || lnx["support_group"] != snfake.SysID("sys_user_group", "Linux Ops") {
		t.Errorf("lnx-web-03: location %v (display value), install_status %v, support_group %v (values)", lnx["location"], lnx["install_status"], lnx["support_group"])
	}
	if env := top.Components[snfake.SysID("cmdb_ci_appl", "batch-scheduler")]["data"].(map[string]any)["environment"]; env != "Test" {
		t.Errorf("batch-scheduler: environment %v, want the CI's own, Test", env)
	}
	dup := snfake.SysID("cmdb_ci_app_server_java", "webshop-api") + "-Depends on-" + snfake.SysID("cmdb_ci_db_mysql_instance", "shopdb")
	if top.Relations[dup] == nil {
		t.Errorf("relation %s (two cmdb_rel_ci rows) is missing", dup)
	}
	if tags := snStrings(top.Relations[snfake.SysID("cmdb_ci_service", "Webshop")+"-Depends on-"+snfake.SysID("cmdb_ci_service", "Payments")]["data"].(map[string]any)["tags"]); !reflect.DeepEqual(tags, []string{"team:cmdb", "site-ams", "critical-path"}) {
		t.Errorf("Webshop -> Payments tags %v", tags)
	}

	// Four pages of each table, ten rows each, by offset.
	want := [][2]int{{0, 10}, {10, 10}, {20, 10}, {30, 10}}
	reqs := f.fake.Requests()
	if got := snPages(t, reqs, "cmdb_ci"); !reflect.DeepEqual(got, want) {
		t.Errorf("cmdb_ci pages %v, want %v", got, want)
	}
	if got := snPages(t, reqs, "cmdb_rel_ci"); !reflect.DeepEqual(got, want) {
		t.Errorf("cmdb_rel_ci pages %v, want %v", got, want)
	}
	for _, r := range reqs {
		q, _ := url.ParseQuery(r.RawQuery)
		switch r.Table {
		case "cmdb_ci":
			if !strings.HasPrefix(q.Get("sysparm_query"), "sys_class_nameINcmdb_ci_service,") {
				t.Errorf("cmdb_ci query without the class filter: %s", q.Get("sysparm_query"))
			}
		case "cmdb_rel_ci":
			if qs := q.Get("sysparm_query"); !strings.HasPrefix(qs, "parent.sys_class_nameIN") || !strings.Contains(qs, "^child.sys_class_nameIN") {
				t.Errorf("cmdb_rel_ci query without the class filters: %s", qs)
			}
		}
		if r.User != snfake.DefaultUser || r.Status != 200 {
			t.Errorf("request %+v", r)
		}
	}
}

func TestServiceNowLinkPagingGivesTheSameTopology(t *testing.T) {
	byOffset := snStart(t)
	if code, errOut := byOffset.run(t); code != 0 {
		t.Fatalf("offset: exit %d\n%s", code, errOut)
	}
	byLink := snStart(t)
	if code, errOut := byLink.run(t, "SN_PAGING=link"); code != 0 {
		t.Fatalf("link: exit %d\n%s", code, errOut)
	}
	a, _ := byOffset.topology(t)
	b, n := byLink.topology(t)
	if n != 1 {
		t.Fatalf("link: %d snapshots", n)
	}
	comps, rels := snExpected(byLink.fake.Data(), snDefaultClasses, nil, byLink.url, "team:cmdb, Site AMS", "Staging")
	snCheckTopology(t, b, comps, rels)
	// Byte for byte the same, but for the URL in the integration-url tag.
	for id, c := range a.Components {
		x := b.Components[id]
		ta, tb := snStrings(c["data"].(map[string]any)["tags"]), snStrings(x["data"].(map[string]any)["tags"])
		if len(ta) == 0 || len(ta) != len(tb) || ta[len(ta)-1] != "integration-url:"+byOffset.url || tb[len(tb)-1] != "integration-url:"+byLink.url {
			t.Fatalf("%s: tags %v and %v", id, ta, tb)
		}
		ca, cb := c["data"].(map[string]any), x["data"].(map[string]any)
		ca["tags"], cb["tags"] = nil, nil
		if !reflect.DeepEqual(c, x) {
			t.Errorf("component %s differs:\noffset %v\nlink   %v", id, c, x)
		}
	}
	if !reflect.DeepEqual(a.Relations, b.Relations) {
		t.Error("the relations differ between offset and Link paging")
	}
	// The first page names its size; the others follow rel="next".
	reqs := byLink.fake.Requests()
	want := [][2]int{{0, 10}, {10, 10}, {20, 10}, {30, 10}}
	for _, table := range []string{"cmdb_ci", "cmdb_rel_ci"} {
		if got := snPages(t, reqs, table); !reflect.DeepEqual(got, want) {
			t.Errorf("%s pages %v, want %v", table, got, want)
		}
	}
	if first := reqs[0]; strings.Contains(first.RawQuery, "sysparm_offset") {
		t.Errorf("the first Link-paged request sets sysparm_offset: %s", first.RawQuery)
	}
}

func TestServiceNowFailedPageSendsNothing(t *testing.T) {
	f := snStart(t)
	if code, errOut := f.run(t); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errOut)
	}
	before := len(f.rc.Envelopes())
	f.fake.ResetRequests()
	f.fake.AddFault(snfake.Fault{Table: "cmdb_ci", Page: 3, Status: 500})
	code, errOut := f.run(t)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errOut)
	}
	for _, want := range []string{"500 Internal Server Error", "/api/now/table/cmdb_ci?", "sysparm_offset=20", `"message":"Internal server error"`, "nothing was sent"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the message lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, snfake.DefaultPassword) {
		t.Errorf("the message shows the password:\n%s", errOut)
	}
	if n := len(f.rc.Envelopes()); n != before {
		t.Errorf("the receiver got %d envelope(s) from the failed run", n-before)
	}
	if _, n := f.topology(t); n != 1 || f.rc.Open(receiver.Instance{Type: snInstType, URL: f.url}) {
		t.Errorf("%d snapshots after the failed run (want the first run's 1), or one left open", n)
	}
	// Page 3 was tried four times (the source's default retries); page 4
	// and the relationships were never asked for.
	var pages []int
	for _, r := range f.fake.Requests() {
		if r.Table != "cmdb_ci" {
			t.Errorf("request to %s after page 3 failed", r.Table)
		}
		pages = append(pages, r.Page)
	}
	if !reflect.DeepEqual(pages, []int{1, 2, 3, 3, 3, 3}) {
		t.Errorf("pages asked for: %v, want [1 2 3 3 3 3]", pages)
	}
}

func TestServiceNowRetriesRateLimit(t *testing.T) {
	f := snStart(t)
	f.fake.AddFault(snfake.Fault{Table: "cmdb_rel_ci", Page: 2, Status: 429, RetryAfter: "1", Times: 1})
	code, errOut := f.run(t)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	top, n := f.topology(t)
	if n != 1 {
		t.Fatalf("%d snapshots", n)
	}
	comps, rels := snExpected(f.fake.Data(), snDefaultClasses, nil, f.url, "team:cmdb, Site AMS", "Staging")
	snCheckTopology(t, top, comps, rels)
	var page2 []snfake.Request
	for _, r := range f.fake.Requests() {
		if r.Table == "cmdb_rel_ci" && r.Page == 2 {
			page2 = append(page2, r)
		}
	}
	if len(page2) != 2 || page2[0].Status != 429 || page2[1].Status != 200 {
		t.Fatalf("page 2 of cmdb_rel_ci: %+v, want a 429 then a 200", page2)
	}
	if wait := page2[1].At.Sub(page2[0].At); wait < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After asked for 1s", wait)
	}
}

func TestServiceNowWrongPassword(t *testing.T) {
	f := snStart(t)
	code, errOut := f.run(t, "SN_PASSWORD=not-the-password")
	if code != 1 || !strings.Contains(errOut, "401 Unauthorized") || !strings.Contains(errOut, "User Not Authenticated") {
		t.Errorf("exit %d, want 1 naming 401 and ServiceNow's message\n%s", code, errOut)
	}
	if strings.Contains(errOut, "not-the-password") {
		t.Errorf("the message shows the password:\n%s", errOut)
	}
	if n := len(f.rc.Envelopes()); n != 0 {
		t.Errorf("the receiver got %d envelope(s)", n)
	}
	if reqs := f.fake.Requests(); len(reqs) != 1 {
		t.Errorf("%d requests; a 401 must not be retried", len(reqs))
	}
}

func TestServiceNowFiltersAndQuery(t *testing.T) {
	f := snStart(t)
	code, errOut := f.run(t, "SN_CLASSES=cmdb_ci_linux_server, cmdb_ci_ip_switch", "SN_CMDB_CI_QUERY=install_status!=7")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	top, _ := f.topology(t)
	notRetired := func(r snfake.Record) bool { return r["install_status"] != "7" }
	comps, rels := snExpected(f.fake.Data(), []string{"cmdb_ci_linux_server", "cmdb_ci_ip_switch"}, notRetired, f.url, "team:cmdb, Site AMS", "Staging")
	// Ten servers (not the retired lnx-old-09) and two switches; the two
	// servers' Connected by to the switches and the switches' Members.
	if len(comps) != 12 || len(rels) != 3 {
		t.Fatalf("expected %d components and %d relations; the test was written for 12 and 3", len(comps), len(rels))
	}
	snCheckTopology(t, top, comps, rels)

	// Every class, with * : the laptops and the printer too.
	g := snStart(t)
	if code, errOut := g.run(t, "SN_CLASSES=*"); code != 0 {
		t.Fatalf("SN_CLASSES=*: exit %d\n%s", code, errOut)
	}
	top, _ = g.topology(t)
	comps, rels = snExpected(g.fake.Data(), nil, nil, g.url, "team:cmdb, Site AMS", "Staging")
	if len(comps) != 36 || len(rels) != 36 {
		t.Fatalf("expected %d components and %d relations; the test was written for 36 and 36", len(comps), len(rels))
	}
	snCheckTopology(t, top, comps, rels)
	for _, r := range g.fake.Requests() {
		if q, _ := url.ParseQuery(r.RawQuery); q.Get("sysparm_query") != "ORDERBYsys_created_on^ORDERBYsys_id" {
			t.Errorf("SN_CLASSES=*: query %q, want only the ORDERBY", q.Get("sysparm_query"))
		}
	}

	// An encoded query the instance refuses fails the run and says why.
	h := snStart(t)
	code, errOut = h.run(t, "SN_CMDB_CI_QUERY=nameFOOBAR")
	if code != 1 || !strings.Contains(errOut, "400 Bad Request") || !strings.Contains(errOut, "Invalid query") {
		t.Errorf("bad query: exit %d\n%s", code, errOut)
	}
}

// TestServiceNowRecordedPagesReplay replays the fixtures recorded with ten
// rows per page, by offset and by Link, and expects the payload of the
// golden file, which the CLI golden test makes from the single-page
// recording in testdata/fixtures.
func TestServiceNowRecordedPagesReplay(t *testing.T) {
	golden, err := os.ReadFile("../mappings/servicenow/testdata/servicenow.payload.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir   string
		env   []string
		pages int
	}{
		{"fixtures", nil, 2},
		{"fixtures-paged", []string{"SN_PAGE_SIZE=10"}, 8},
		{"fixtures-link", []string{"SN_PAGE_SIZE=10", "SN_PAGING=link"}, 8},
	} {
		dir := "mappings/servicenow/testdata/" + tc.dir
		names, _ := os.ReadDir("../" + dir)
		if len(names) != tc.pages {
			t.Errorf("%s holds %d exchanges, want %d", dir, len(names), tc.pages)
		}
		for _, n := range names {
			b, _ := os.ReadFile("../" + dir + "/" + n.Name())
			if strings.Contains(string(b), snfake.DefaultPassword) || !strings.Contains(string(b), `"Authorization": "******"`) {
				t.Errorf("%s/%s: the password is not redacted", dir, n.Name())
			}
		}
		code, out, errOut := stackmap(t, tc.env, "preview", "--format", "payload", "--now", "2026-11-01T08:00:00Z",
			"--hostname", "test-host", "--fixtures", dir, snMapping)
		if code != 0 {
			t.Errorf("%s: exit %d\n%s", dir, code, errOut)
			continue
		}
		if out != string(golden) {
			t.Errorf("%s: the payload differs from testdata/servicenow.payload.json (%d and %d bytes)", dir, len(out), len(golden))
		}
	}
}

// TestServiceNowErrorIn200Fails: ServiceNow reports some failures as 200
// with an error object; fail_if turns that into a failed run.
func TestServiceNowErrorIn200Fails(t *testing.T) {
	f := snStart(t)
	f.fake.AddFault(snfake.Fault{Table: "cmdb_rel_ci", Page: 1, Status: 200,
		Message: "Transaction cancelled: maximum execution time exceeded", Detail: "Check logs for error trace."})
	code, errOut := f.run(t)
	want := "the API reported an error: ServiceNow error: Transaction cancelled: maximum execution time exceeded (Check logs for error trace.)"
	if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "/api/now/table/cmdb_rel_ci?") {
		t.Errorf("exit %d, want 1 with %q\n%s", code, want, errOut)
	}
	if n := len(f.rc.Envelopes()); n != 0 {
		t.Errorf("the receiver got %d envelope(s)", n)
	}
}

// TestServiceNowTruncatedPageFails: ServiceNow answers a transaction it
// cancelled with 200 and a body cut off in the middle; that page must fail
// the run, not pass for a short last page.
func TestServiceNowTruncatedPageFails(t *testing.T) {
	f := snStart(t)
	f.fake.AddFault(snfake.Fault{Table: "cmdb_ci", Page: 2, Truncate: true})
	code, errOut := f.run(t)
	if code != 1 || !strings.Contains(errOut, "sysparm_offset=10") || !strings.Contains(errOut, "200 OK (application/json): expected JSON") {
		t.Errorf("exit %d, want 1 naming page 2 and the broken JSON\n%s", code, errOut)
	}
	if n := len(f.rc.Envelopes()); n != 0 {
		t.Errorf("the receiver got %d envelope(s)", n)
	}
}

// TestServiceNowRecord re-records mappings/servicenow/testdata/fixtures*
// when SN_RECORD=1: it serves the fake through snfake.Proxy, so that the
// recordings hold the mapping's default URL, https://example.service-now.com,
// and records one run per paging setting. Regenerate the golden file
// afterwards (go test ./engine/cli -run
// 'TestExamplePayloads/../../mappings/servicenow/servicenow.yaml' -update)
// and review the diff.
func TestServiceNowRecord(t *testing.T) {
	if os.Getenv("SN_RECORD") != "1" {
		t.Skip("set SN_RECORD=1 to record the ServiceNow fixtures again")
	}
	p, err := snfake.NewProxy(snfake.New(snfake.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	front := httptest.NewServer(p)
	defer front.Close()
	ca := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(ca, p.CAPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir string
		env []string
	}{
		{"fixtures", nil},
		{"fixtures-paged", []string{"SN_PAGE_SIZE=10"}},
		{"fixtures-link", []string{"SN_PAGE_SIZE=10", "SN_PAGING=link"}},
	} {
		env := append([]string{"HTTPS_PROXY=" + front.URL, "SSL_CERT_FILE=" + ca,
			"SN_USER=" + snfake.DefaultUser, "SN_PASSWORD=" + snfake.DefaultPassword}, tc.env...)
		code, _, errOut := stackmap(t, env, "preview", snMapping, "--record", "mappings/servicenow/testdata/"+tc.dir)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.dir, code, errOut)
		}
		t.Logf("%s: %s", tc.dir, strings.TrimSpace(errOut))
	}
}
