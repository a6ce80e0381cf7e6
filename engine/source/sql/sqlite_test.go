package sql_test

import (
	"context"
	dbsql "database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/mapping"
	_ "github.com/stackmap/stackmap/engine/source/sql"
)

var update = flag.Bool("update", false, "rebuild examples/cmdb-sqlite/data/cmdb.db from cmdb.sql")

// buildDB creates an SQLite database at path from the statements in script.
func buildDB(t *testing.T, path, script string) {
	t.Helper()
	db, err := dbsql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(script); err != nil {
		t.Fatalf("build %s: %v", path, err)
	}
}

// run compiles a mapping written into dir and runs it.
func run(t *testing.T, dir, src string, env map[string]string) (*mapping.Result, error) {
	t.Helper()
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
	return p.Run(context.Background(), mapping.Options{Now: time.Unix(1700000000, 0)})
}

// rowsMapping copies every row of query into a component's data.
func rowsMapping(query string, args ...string) string {
	a := ""
	if len(args) > 0 {
		a = "\n      args: [" + strings.Join(args, ", ") + "]"
	}
	return `name: rows
sources:
  - name: rows
    sql:
      driver: sqlite
      dsn: file:t.db
      query: "` + query + `"` + a + `
components:
  - each: $rows | to_entries[]
    jq: '{id: (.key | tostring), type: "row", data: .value}'
`
}

func TestSQLiteTypes(t *testing.T) {
	dir := t.TempDir()
	buildDB(t, filepath.Join(dir, "t.db"), `
CREATE TABLE t (i INTEGER, big INTEGER, r REAL, d DECIMAL(30,2), s TEXT, b BLOB, flag BOOLEAN, day DATE, at DATETIME, j JSON, n TEXT);
INSERT INTO t VALUES (42, 9007199254740993, 1.5, '12345678901234567.89', 'héllo', x'6869', 1, '2024-01-02', '2024-01-02 03:04:05', '{"a": [1, 2]}', NULL);
INSERT INTO t VALUES (-1, 0, 0.25, '10.50', '', x'', 0, NULL, NULL, 'null', 'x');`)
	res, err := run(t, dir, rowsMapping("SELECT * FROM t ORDER BY i DESC"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		// SQLite itself stores a DECIMAL with more digits than a double
		// holds as the nearest double, here a whole one, so an INTEGER
		// (NUMERIC affinity); the exact path is tested with MySQL-style
		// and PostgreSQL-style values in normalize_test.go.
		{"i": 42, "big": 9007199254740993, "r": 1.5, "d": 12345678901234568, "s": "héllo", "b": "hi", "flag": true,
			"day": "2024-01-02", "at": "2024-01-02T03:04:05Z", "j": map[string]any{"a": []any{1, 2}}, "n": nil},
		{"i": -1, "big": 0, "r": 0.25, "d": 10.5, "s": "", "b": "", "flag": false, "day": nil, "at": nil, "j": nil, "n": "x"},
	}
	for i, c := range res.Batch.Components {
		if !reflect.DeepEqual(c.Data, want[i]) {
			t.Errorf("row %d:\n got %#v\nwant %#v", i, c.Data, want[i])
		}
	}
}

func TestSQLiteArgsAndErrors(t *testing.T) {
	dir := t.TempDir()
	buildDB(t, filepath.Join(dir, "t.db"), `CREATE TABLE s (id TEXT, site TEXT); INSERT INTO s VALUES ('a', 'ams'), ('b', 'fra'), ('c', 'ams');`)
	res, err := run(t, dir, rowsMapping("SELECT id FROM s WHERE site = ? ORDER BY id", `"{{ $vars.site }}"`)+"vars: {site: \"${SITE}\"}\n", map[string]string{"SITE": "ams' OR '1'='1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Batch.Components); n != 0 {
		t.Errorf("an argument was spliced into the SQL: %d rows", n)
	}
	res, err = run(t, dir, rowsMapping("SELECT id FROM s WHERE site = ? ORDER BY id", `"{{ $vars.site }}"`)+"vars: {site: ams}\n", nil)
	if err != nil || len(res.Batch.Components) != 2 {
		t.Fatalf("rows %v, %v", res.Batch, err)
	}
	cases := map[string]string{
		"SELECT * FROM nowhere":        `source "rows" (sql) failed, so nothing is sent: sqlite: query: SQL logic error: no such table: nowhere`,
		"SELEC id FROM s":              `sqlite: query: SQL logic error: near "SELEC": syntax error`,
		"SELECT id, site AS id FROM s": `columns 1 and 2 are both named "id"; give one an alias (AS …)`,
	}
	for query, msg := range cases {
		res, err := run(t, dir, rowsMapping(query), nil)
		if err == nil || !strings.Contains(err.Error(), msg) || res.Batch != nil {
			t.Errorf("%s: %v, want %q and no batch", query, err, msg)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	src := strings.Replace(rowsMapping("SELECT 1"), "driver: sqlite", "driver: oracle", 1)
	path := filepath.Join(dir, "m.yaml")
	m, err := config.Parse(path, []byte(src), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mapping.Compile(m)
	if err == nil || !strings.Contains(err.Error(), `m.yaml:5:15: unknown driver "oracle"; the drivers are mariadb, mysql, postgres and sqlite`) {
		t.Errorf("error %v", err)
	}
}

// TestExampleDatabase keeps the shipped example database equal to the
// script it is built from: both give the same rows.
func TestExampleDatabase(t *testing.T) {
	script, err := os.ReadFile("../../../examples/cmdb-sqlite/data/cmdb.sql")
	if err != nil {
		t.Fatal(err)
	}
	shipped := "../../../examples/cmdb-sqlite/data/cmdb.db"
	if *update {
		os.Remove(shipped)
		buildDB(t, shipped, string(script))
		return
	}
	fresh := filepath.Join(t.TempDir(), "cmdb.db")
	buildDB(t, fresh, string(script))
	dump := func(path string) string {
		db, err := dbsql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var b strings.Builder
		for _, table := range []string{"locations", "servers", "applications", "databases", "network_devices", "ci_relations"} {
			rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1, 2")
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				rows.Scan(ptrs...)
				b.WriteString(table)
				for _, v := range vals {
					b.WriteString("|")
					b.WriteString(strings.TrimSpace(strings.ReplaceAll(fmtValue(v), "\n", " ")))
				}
				b.WriteString("\n")
			}
			rows.Close()
		}
		return b.String()
	}
	if got, want := dump(shipped), dump(fresh); got != want {
		t.Errorf("examples/cmdb-sqlite/data/cmdb.db differs from cmdb.sql; rebuild it with go test ./engine/source/sql -run TestExampleDatabase -update\nshipped:\n%s\nscript:\n%s", got, want)
	}
}

func fmtValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
