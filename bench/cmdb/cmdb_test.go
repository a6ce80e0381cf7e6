package cmdb

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// decodeTable decodes a generated table strictly, as the Table API writes
// it by default (sysparm_display_value=false): {"result":[…]}, each record
// an object whose every field is a JSON string, the stored value.
func decodeTable(t *testing.T, data []byte) []map[string]string {
	t.Helper()
	if !utf8.Valid(data) {
		t.Fatal("the output is not valid UTF-8")
	}
	var table struct {
		Result []map[string]json.RawMessage `json:"result"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&table); err != nil {
		t.Fatalf("the output is not valid JSON of the expected shape: %v", err)
	}
	if dec.More() {
		t.Fatal("more than one JSON value")
	}
	records := make([]map[string]string, len(table.Result))
	for i, r := range table.Result {
		records[i] = make(map[string]string, len(r))
		for k, raw := range r {
			// Not null, a number or an object: a string.
			var v string
			if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
				t.Fatalf("record %d: %s is %s, not a string", i, k, raw)
			}
			records[i][k] = v
		}
	}
	return records
}

func generate(t *testing.T, n int) (cis, rels []byte) {
	t.Helper()
	var c, r bytes.Buffer
	cn, err := WriteCIs(&c, n)
	if err != nil {
		t.Fatal(err)
	}
	rn, err := WriteRels(&r, n)
	if err != nil {
		t.Fatal(err)
	}
	if cn != int64(c.Len()) || rn != int64(r.Len()) {
		t.Fatalf("the writers reported %d and %d bytes, wrote %d and %d", cn, rn, c.Len(), r.Len())
	}
	return c.Bytes(), r.Bytes()
}

var (
	sysID  = regexp.MustCompile(`^[0-9a-f]{32}$`)
	digits = regexp.MustCompile(`^[0-9]+$`)
)

// ciFields are the fields of every CI, in the order of the export.
var ciFields = []string{
	"sys_id", "name", "sys_class_name", "fqdn", "dns_domain", "ip_address", "mac_address", "os", "os_version",
	"environment", "operational_status", "install_status", "short_description", "sys_tags",
	"location", "company", "manufacturer", "model_id", "serial_number", "asset_tag", "cpu_count", "ram",
	"assignment_group", "discovery_source", "sys_created_by", "sys_created_on", "sys_updated_on",
}

// relFields are the fields of every relationship, in the order of the
// export.
var relFields = []string{"sys_id", "parent", "type", "child", "connection_strength", "port", "percent_outage", "sys_created_on"}

// keysInOrder returns the keys of each record of a table in the order of
// data, which decodeTable's maps lose.
func keysInOrder(t *testing.T, data []byte) [][]string {
	t.Helper()
	var out [][]string
	dec := json.NewDecoder(bytes.NewReader(data))
	depth := 0
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				depth++
				if depth == 2 {
					out = append(out, nil)
					expectKey = true
				}
			case '}':
				depth--
			}
		case string:
			if depth == 2 {
				if expectKey {
					out[len(out)-1] = append(out[len(out)-1], v)
				}
				expectKey = !expectKey
			}
		}
	}
	return out
}

func TestExport(t *testing.T) {
	const n = 1000
	ciData, relData := generate(t, n)
	cis := decodeTable(t, ciData)
	rels := decodeTable(t, relData)
	if len(cis) != n || len(rels) != RelsPerCI*n {
		t.Fatalf("%d CIs and %d relationships, want %d and %d", len(cis), len(rels), n, RelsPerCI*n)
	}
	for i, keys := range keysInOrder(t, ciData) {
		if !slices.Equal(keys, ciFields) {
			t.Fatalf("CI %d has the fields %v, want %v", i, keys, ciFields)
		}
	}
	for j, keys := range keysInOrder(t, relData) {
		if !slices.Equal(keys, relFields) {
			t.Fatalf("relationship %d has the fields %v, want %v", j, keys, relFields)
		}
	}

	// The sys_ids of the referenced records that are not CIs, by field.
	refs := map[string]map[string]bool{}
	want := func(field, id string) {
		if refs[field] == nil {
			refs[field] = map[string]bool{}
		}
		refs[field][id] = true
	}
	for _, s := range sites {
		want("location", s.locationID)
	}
	for _, id := range companies {
		want("company", id)
	}
	for c := range classes {
		want("assignment_group", classGroupID[c])
		for _, m := range classMakers[c] {
			want("manufacturer", m.makerID)
			want("model_id", m.modelID)
		}
	}
	for field, ids := range refs {
		for id := range ids {
			if !sysID.MatchString(id) {
				t.Errorf("%s: the sys_id %q is not 32 hex digits", field, id)
			}
		}
	}

	ids := map[string]bool{}
	classCount := map[string]int{}
	used := map[string]map[string]bool{}
	for i, ci := range cis {
		id := ci["sys_id"]
		if !sysID.MatchString(id) || ids[id] {
			t.Errorf("CI %d: sys_id %q is not 32 hex digits or not unique", i, id)
		}
		ids[id] = true
		for _, k := range []string{"name", "sys_class_name", "fqdn", "ip_address", "operational_status", "install_status", "location", "company", "assignment_group", "sys_created_on", "sys_updated_on"} {
			if ci[k] == "" {
				t.Errorf("CI %d: %s is empty", i, k)
			}
		}
		c := &classes[classOf(i)]
		if ci["sys_class_name"] != c.name {
			t.Errorf("CI %d: sys_class_name %q, want %q", i, ci["sys_class_name"], c.name)
		}
		classCount[ci["sys_class_name"]]++
		// References: the sys_id of a record of the referenced table, or
		// empty where the class has no such record.
		for field, known := range refs {
			v := ci[field]
			if v == "" && (field == "manufacturer" || field == "model_id") && len(c.makers) == 0 {
				continue
			}
			if !known[v] {
				t.Errorf("CI %d: %s is %q, not the sys_id of a referenced record", i, field, v)
			}
			if used[field] == nil {
				used[field] = map[string]bool{}
			}
			used[field][v] = true
		}
		// Choices and numbers hold their stored values, not labels.
		if !slices.Contains([]string{"production", "staging", "test", "development", ""}, ci["environment"]) {
			t.Errorf("CI %d: environment %q", i, ci["environment"])
		}
		for _, k := range []string{"operational_status", "install_status"} {
			if !digits.MatchString(ci[k]) {
				t.Errorf("CI %d: %s %q is not a choice value", i, k, ci[k])
			}
		}
		for _, k := range []string{"cpu_count", "ram"} {
			if c.server != digits.MatchString(ci[k]) || !c.server && ci[k] != "" {
				t.Errorf("CI %d (%s): %s is %q", i, c.name, k, ci[k])
			}
		}
		if ci["sys_updated_on"] < ci["sys_created_on"] {
			t.Errorf("CI %d was updated before it was created", i)
		}
	}
	for field, known := range refs {
		if len(used[field]) != len(known) {
			t.Errorf("the CIs reference %d of the %d records of %s", len(used[field]), len(known), field)
		}
	}
	if len(classCount) != len(classes) {
		t.Errorf("%d classes, want %d: %v", len(classCount), len(classes), classCount)
	}
	if got := classCount["cmdb_ci_linux_server"]; got != n*classes[linux].weight/100 {
		t.Errorf("%d Linux servers, want %d", got, n*classes[linux].weight/100)
	}

	typeIDs := map[string]bool{}
	for _, rt := range RelationTypes() {
		if !sysID.MatchString(rt.SysID) || typeIDs[rt.SysID] || ids[rt.SysID] {
			t.Errorf("relationship type %q: sys_id %q is not 32 hex digits, or not unique", rt.Name, rt.SysID)
		}
		if !strings.Contains(rt.Name, "::") {
			t.Errorf("relationship type %q is not PARENT::CHILD", rt.Name)
		}
		typeIDs[rt.SysID] = true
	}
	if len(typeIDs) != len(relTypes) {
		t.Errorf("RelationTypes returns %d types, want %d", len(typeIDs), len(relTypes))
	}

	type triple struct{ parent, typ, child string }
	seen := map[triple]bool{}
	relIDs := map[string]bool{}
	types := map[string]bool{}
	for j, r := range rels {
		id := r["sys_id"]
		if !sysID.MatchString(id) || relIDs[id] || ids[id] {
			t.Errorf("relationship %d: sys_id %q is not 32 hex digits or not unique", j, id)
		}
		relIDs[id] = true
		tr := triple{r["parent"], r["type"], r["child"]}
		if !ids[tr.parent] || !ids[tr.child] {
			t.Errorf("relationship %d: parent or child is not the sys_id of a CI: %v", j, tr)
		}
		if tr.parent != cis[j/RelsPerCI]["sys_id"] {
			t.Errorf("relationship %d: the parent is not CI %d", j, j/RelsPerCI)
		}
		if !typeIDs[tr.typ] {
			t.Errorf("relationship %d: type %q is not the sys_id of a relationship type", j, tr.typ)
		}
		if tr.parent == tr.child {
			t.Errorf("relationship %d points from a CI to itself", j)
		}
		if seen[tr] {
			t.Errorf("relationship %d repeats %v", j, tr)
		}
		seen[tr] = true
		types[tr.typ] = true
		if !slices.Contains([]string{"always", "occasionally", "infrequently"}, r["connection_strength"]) {
			t.Errorf("relationship %d: connection_strength %q", j, r["connection_strength"])
		}
	}
	if len(types) != len(relTypes) {
		t.Errorf("%d relationship types used, want %d", len(types), len(relTypes))
	}
}

// TestSmallExports: relationships stay unique, and never point from a CI
// to itself, however few CIs there are to choose from.
func TestSmallExports(t *testing.T) {
	g := &gen{}
	for n := 2; n <= 400; n++ {
		g.n = n
		type triple struct{ parent, typ, child int }
		seen := map[triple]bool{}
		for j := range RelsPerCI * n {
			typ, child := g.relationship(j)
			tr := triple{j / RelsPerCI, typ, child}
			if child < 0 || child >= n || child == tr.parent || seen[tr] {
				t.Fatalf("n=%d: relationship %d is %v", n, j, tr)
			}
			seen[tr] = true
		}
	}
	if _, err := Generate(t.TempDir(), 1); err == nil {
		t.Error("an export of 1 CI was made")
	}
}

// TestDeterministic: the same n gives the same bytes, and a bigger n
// starts with the same CIs.
func TestDeterministic(t *testing.T) {
	c1, r1 := generate(t, 700)
	c2, r2 := generate(t, 700)
	if !bytes.Equal(c1, c2) || !bytes.Equal(r1, r2) {
		t.Fatal("two exports of 700 CIs differ")
	}
	c3, _ := generate(t, 900)
	if !bytes.HasPrefix(c3, c1[:len(c1)-2]) {
		t.Error("the first 700 CIs of 900 differ from an export of 700")
	}
	dir := t.TempDir()
	st, err := Generate(dir, 700)
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{CIs: 700, Rels: 1400, CIBytes: int64(len(c1)), RelBytes: int64(len(r1))}) {
		t.Errorf("stats %+v", st)
	}
	for name, want := range map[string][]byte{CIFile: c1, RelFile: r1} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the writer wrote", name)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew line\nreturn\r", "\x00\x01\x1f\x7f",
		"café – 24×7 ☃ 𝄞", "<html> & 'single'", "bad \xff utf-8 \xe2\x82", "\u2028\u2029",
	} {
		enc := appendString([]byte(`"`), s)
		enc = append(enc, '"')
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Errorf("%q: %s is not a JSON string: %v", s, enc, err)
			continue
		}
		// encoding/json, too, turns each byte of invalid UTF-8 into U+FFFD.
		std, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%q encoded as %s decodes to %q", s, enc, got)
		}
		if b := appendString(nil, []byte(s)); string(b) != string(enc[1:len(enc)-1]) {
			t.Errorf("%q: the []byte and string versions differ", s)
		}
	}
}
