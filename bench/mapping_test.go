package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/stackmap/stackmap/bench/cmdb"
	"github.com/stackmap/stackmap/engine/cli"
)

// mappingFile is the parts of cmdb.yaml the tests look at.
type mappingFile struct {
	Vars struct {
		Dir           string            `yaml:"dir"`
		Environment   string            `yaml:"environment"`
		Environments  map[string]string `yaml:"environments"`
		Layers        map[string]string `yaml:"layers"`
		RelationTypes map[string]string `yaml:"relation_types"`
	} `yaml:"vars"`
	Components []rule `yaml:"components"`
	Relations  []rule `yaml:"relations"`
}

type rule struct {
	Name string `yaml:"name"`
	Each string `yaml:"each"`
	JQ   string `yaml:"jq"`
}

func loadMapping(t *testing.T) *mappingFile {
	t.Helper()
	data, err := os.ReadFile("cmdb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m mappingFile
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("cmdb.yaml: %v", err)
	}
	return &m
}

// TestRulesMatchJQFiles keeps the jq that stackmap runs (cmdb.yaml) and the
// jq that run.sh gives the gojq CLI (components.jq, relations.jq) the same,
// so that the benchmark compares like with like.
func TestRulesMatchJQFiles(t *testing.T) {
	m := loadMapping(t)
	for _, c := range []struct {
		kind  string
		rules []rule
		file  string
	}{
		{"components", m.Components, "components.jq"},
		{"relations", m.Relations, "relations.jq"},
	} {
		if len(c.rules) != 1 {
			t.Errorf("cmdb.yaml has %d %s rules, want 1", len(c.rules), c.kind)
			continue
		}
		want, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(c.rules[0].JQ); got != strings.TrimSpace(string(want)) {
			t.Errorf("the jq of the %s rule of cmdb.yaml differs from %s; make them the same\ncmdb.yaml:\n%s\n%s:\n%s",
				c.kind, c.file, got, c.file, want)
		}
	}
	// run.sh stands .result[] in for records + each.
	if len(m.Components) == 1 && m.Components[0].Each != "$cis[]" {
		t.Errorf("components each is %q; run.sh assumes $cis[]", m.Components[0].Each)
	}
	if len(m.Relations) == 1 && m.Relations[0].Each != "$rels[]" {
		t.Errorf("relations each is %q; run.sh assumes $rels[]", m.Relations[0].Each)
	}
}

// TestMappingKnowsGeneratedValues: every class the generator makes has a
// layer and every relationship type (by its sys_id, which the type field
// holds) a relation type, the parent's side of its name ("Runs on::Runs"
// → runs-on), so that no component falls back to Uncategorized and no
// relation to the raw sys_id; and vars.relation_types lists no other.
func TestMappingKnowsGeneratedValues(t *testing.T) {
	m := loadMapping(t)
	for _, c := range cmdb.Classes() {
		if m.Vars.Layers[c] == "" {
			t.Errorf("vars.layers has no layer for the class %s", c)
		}
	}
	known := map[string]bool{}
	for _, r := range cmdb.RelationTypes() {
		known[r.SysID] = true
		parentSide, _, _ := strings.Cut(r.Name, "::")
		want := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(parentSide), " ", "-"))
		if got := m.Vars.RelationTypes[r.SysID]; got != want {
			t.Errorf("vars.relation_types[%q] (%s) is %q, want %q", r.SysID, r.Name, got, want)
		}
	}
	for id := range m.Vars.RelationTypes {
		if !known[id] {
			t.Errorf("vars.relation_types lists %q, which is not the sys_id of a type the generator makes", id)
		}
	}
}

// payload is the parts of the payload of run --output stdout that
// TestMappingReadsExport looks at.
type payload struct {
	Topologies []struct {
		Components []struct {
			ExternalID string `json:"externalId"`
			Type       struct {
				Name string `json:"name"`
			} `json:"type"`
			Data map[string]any `json:"data"`
		} `json:"components"`
		Relations []struct {
			Type struct {
				Name string `json:"name"`
			} `json:"type"`
			SourceID string `json:"sourceId"`
			TargetID string `json:"targetId"`
		} `json:"relations"`
	} `json:"topologies"`
}

// readTable reads a generated table: {"result":[…]}, every field of every
// record a JSON string.
func readTable(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Result []map[string]string `json:"result"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&table); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return table.Result
}

var sysID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestMappingReadsExport runs cmdb.yaml on a generated export, whose every
// field is a plain string and whose references are sys_ids, and checks
// that every component and relation carries the values of its record: the
// rules read the fields the export has, in the form it has them.
func TestMappingReadsExport(t *testing.T) {
	const n = 300
	m := loadMapping(t)
	dir := t.TempDir()
	if _, err := cmdb.Generate(dir, n); err != nil {
		t.Fatal(err)
	}
	cis := readTable(t, filepath.Join(dir, cmdb.CIFile))
	rels := readTable(t, filepath.Join(dir, cmdb.RelFile))

	var stdout, stderr bytes.Buffer
	run := &cli.CLI{
		Stdout: &stdout,
		Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) {
			if k == "CMDB_DIR" {
				return dir, true
			}
			return "", false
		},
		Now:      func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Hostname: func() (string, error) { return "bench", nil },
	}
	if code := run.Run([]string{"run", "--once", "--output", "stdout", "cmdb.yaml"}); code != cli.ExitOK {
		t.Fatalf("stackmap run: exit %d\n%s", code, stderr.String())
	}
	var p payload
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		t.Fatalf("the payload: %v", err)
	}
	if len(p.Topologies) != 1 {
		t.Fatalf("%d topologies, want 1", len(p.Topologies))
	}
	top := p.Topologies[0]
	if len(top.Components) != n || len(top.Relations) != len(rels) {
		t.Fatalf("%d components and %d relations, want %d and %d", len(top.Components), len(top.Relations), n, len(rels))
	}

	byID := map[string]map[string]string{}
	for _, ci := range cis {
		byID[ci["sys_id"]] = ci
	}
	for _, c := range top.Components {
		ci := byID[c.ExternalID]
		if ci == nil {
			t.Fatalf("component %s is not a CI's sys_id", c.ExternalID)
		}
		class := ci["sys_class_name"]
		if c.Type.Name != class || c.Data["name"] != ci["name"] {
			t.Errorf("component %s: type %q and name %v, want %q and %q", c.ExternalID, c.Type.Name, c.Data["name"], class, ci["name"])
		}
		// The payload leaves an empty description out.
		if d, _ := c.Data["description"].(string); d != ci["short_description"] {
			t.Errorf("component %s: description %#v, want %q", c.ExternalID, c.Data["description"], ci["short_description"])
		}
		if c.Data["layer"] != m.Vars.Layers[class] {
			t.Errorf("component %s: layer %v, want %q", c.ExternalID, c.Data["layer"], m.Vars.Layers[class])
		}
		env := m.Vars.Environments[ci["environment"]]
		if env == "" {
			env = m.Vars.Environment
		}
		if c.Data["environment"] != env {
			t.Errorf("component %s: environment %v, want %q (the CI's is %q)", c.ExternalID, c.Data["environment"], env, ci["environment"])
		}
		labels := fmt.Sprint(c.Data["labels"])
		if !strings.Contains(labels, "servicenow-class:"+class) || strings.Contains(labels, "unknown") {
			t.Errorf("component %s: labels %s", c.ExternalID, labels)
		}
		if got, want := fmt.Sprint(c.Data["identifiers"]), fmt.Sprint([]string{"urn:host:/" + ci["fqdn"], ci["sys_id"]}); got != want {
			t.Errorf("component %s: identifiers %s, want %s", c.ExternalID, got, want)
		}
		for _, k := range []string{"fqdn", "ip_address", "os", "os_version", "location", "company", "manufacturer", "serial_number", "sys_updated_on"} {
			if c.Data[k] != ci[k] {
				t.Errorf("component %s: data.%s is %#v, want %q", c.ExternalID, k, c.Data[k], ci[k])
			}
		}
		// References are the referenced records' sys_ids.
		for _, k := range []string{"location", "company"} {
			if !sysID.MatchString(ci[k]) {
				t.Errorf("CI %s: %s %q is not a sys_id", c.ExternalID, k, ci[k])
			}
		}
	}

	type triple struct{ source, typ, target string }
	want := map[triple]bool{}
	for _, r := range rels {
		if byID[r["parent"]] == nil || byID[r["child"]] == nil {
			t.Errorf("relationship %s: parent %q or child %q is not a CI's sys_id", r["sys_id"], r["parent"], r["child"])
		}
		typ := m.Vars.RelationTypes[r["type"]]
		if typ == "" {
			t.Errorf("relationship %s: type %q is not in vars.relation_types", r["sys_id"], r["type"])
		}
		want[triple{r["parent"], typ, r["child"]}] = true
	}
	for _, r := range top.Relations {
		tr := triple{r.SourceID, r.Type.Name, r.TargetID}
		if !want[tr] {
			t.Errorf("relation %v is not one of the export's relationships", tr)
		}
		delete(want, tr)
	}
	if len(want) > 0 {
		t.Errorf("%d relationships have no relation", len(want))
	}
}

// TestSampleIsGenerated: testdata/sample, which cmdb.yaml reads when
// CMDB_DIR is not set, is what the generator writes for its size.
func TestSampleIsGenerated(t *testing.T) {
	m := loadMapping(t)
	const sample = "testdata/sample"
	if !strings.HasSuffix(m.Vars.Dir, ":-"+sample+"}") {
		t.Errorf("vars.dir is %q, want ${CMDB_DIR:-%s}", m.Vars.Dir, sample)
	}
	dir := t.TempDir()
	if _, err := cmdb.Generate(dir, 12); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{cmdb.CIFile, cmdb.RelFile} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(sample, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s is not what the generator writes; regenerate it with go run ./bench/cmdb/cmdbgen -cis 12 -out bench/%s", sample, name, sample)
		}
	}
}

// TestHTTPMappingMatches keeps cmdb-http.yaml, the HTTP rows of run.sh,
// the same mapping as cmdb.yaml but for its sources: the same rules, the
// same instance (the payloads are compared byte for byte) and the same
// vars, except dir there and url, user and password here. The sources
// must be the Table API's two tables, 1000 records a page, and the
// default credentials those cmdbserve takes.
func TestHTTPMappingMatches(t *testing.T) {
	load := func(name string) map[string]any {
		t.Helper()
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	file, web := load("cmdb.yaml"), load("cmdb-http.yaml")
	for _, key := range []string{"components", "relations", "instance"} {
		if !reflect.DeepEqual(file[key], web[key]) {
			t.Errorf("cmdb-http.yaml's %s differs from cmdb.yaml's; make them the same\ncmdb.yaml: %v\ncmdb-http.yaml: %v",
				key, file[key], web[key])
		}
	}
	fileVars, _ := file["vars"].(map[string]any)
	webVars, _ := web["vars"].(map[string]any)
	want := map[string]string{
		"url":      "${CMDB_URL:-http://127.0.0.1:8080}",
		"user":     "${CMDB_USER:-" + cmdb.User + "}",
		"password": "${CMDB_PASSWORD:-" + cmdb.Password + "}",
	}
	for k, v := range want {
		if webVars[k] != v {
			t.Errorf("cmdb-http.yaml: vars.%s is %v, want %s", k, webVars[k], v)
		}
	}
	if _, ok := fileVars["dir"]; !ok {
		t.Error("cmdb.yaml has no vars.dir")
	}
	rest := func(vars map[string]any, drop ...string) map[string]any {
		out := maps.Clone(vars)
		for _, k := range drop {
			delete(out, k)
		}
		return out
	}
	if a, b := rest(fileVars, "dir"), rest(webVars, "url", "user", "password"); !reflect.DeepEqual(a, b) {
		t.Errorf("the vars of cmdb-http.yaml (but url, user and password) differ from those of cmdb.yaml (but dir); make them the same\ncmdb.yaml: %v\ncmdb-http.yaml: %v", a, b)
	}

	// The sources: cis and rels, from the two tables, 1000 a page.
	sources, _ := web["sources"].([]any)
	tables := []string{cmdb.CITable, cmdb.RelTable}
	if len(sources) != len(tables) {
		t.Fatalf("cmdb-http.yaml has %d sources, want %d", len(sources), len(tables))
	}
	for i, name := range []string{"cis", "rels"} {
		var src struct {
			Name    string `yaml:"name"`
			Records string `yaml:"records"`
			HTTP    struct {
				URL      string `yaml:"url"`
				Paginate struct {
					Offset struct {
						OffsetParam string `yaml:"offset_param"`
						LimitParam  string `yaml:"limit_param"`
						Limit       int    `yaml:"limit"`
					} `yaml:"offset"`
					MaxPages int `yaml:"max_pages"`
				} `yaml:"paginate"`
			} `yaml:"http"`
		}
		data, err := yaml.Marshal(sources[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &src); err != nil {
			t.Fatal(err)
		}
		url := "{{ $vars.url }}/api/now/table/" + tables[i]
		p := src.HTTP.Paginate
		if src.Name != name || src.Records != ".result[]" || src.HTTP.URL != url {
			t.Errorf("source %d is %q reading %s from %q, want %q reading .result[] from %q", i, src.Name, src.Records, src.HTTP.URL, name, url)
		}
		if p.Offset.OffsetParam != "sysparm_offset" || p.Offset.LimitParam != "sysparm_limit" || p.Offset.Limit != 1000 {
			t.Errorf("source %s: paginate.offset is %+v, want sysparm_offset and sysparm_limit, 1000 a page", name, p.Offset)
		}
		// 1 000 000 CIs have RelsPerCI·1 000 000 relationships; one more
		// page is the empty one after the last full page.
		if need := cmdb.RelsPerCI*1000000/1000 + 1; p.MaxPages < need {
			t.Errorf("source %s: max_pages is %d; 1 000 000 CIs need %d", name, p.MaxPages, need)
		}
	}
}
