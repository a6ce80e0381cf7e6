//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackmap/stackmap/engine/receiver"
)

// The SQL e2e tests run mappings/sql-cmdb against a real PostgreSQL 15 and
// a real MariaDB (e2e/sqldb/start-*.sh: private servers on 127.0.0.1:55433
// and 127.0.0.1:13306), loaded with the mapping's own schema and data. Both
// databases must give the same components, relations, metrics and health
// states. They need root and the Debian packages postgresql-15 and
// mariadb-server; without them they skip.

const (
	sqlMapping      = "mappings/sql-cmdb/sql-cmdb.yaml"
	sqlTypesMapping = "mappings/sql-cmdb/testdata/row-types.yaml"
	sqlQueryMapping = "mappings/sql-cmdb/testdata/query.yaml"
	sqlNow          = "2026-01-01T00:00:00Z"
	sqlNowEpoch     = 1767225600
)

var sqlInstance = receiver.Instance{Type: "sql-cmdb", URL: "sql-cmdb://cmdb"}

// sqlServer is a database server started by e2e/sqldb/start-<kind>.sh.
type sqlServer struct {
	driver string            // postgres or mariadb, as the mapping names it
	dir    string            // the server's work directory
	env    map[string]string // DIR/env: CMDB_DSN, SQLDB_PORT, SQLDB_SOCKET, SQLDB_PASSWORD
}

// startSQLServer starts a server in a fresh directory, loads the CMDB
// schema and data, and stops the server (and removes the directory) when
// the test ends, failed or not.
func startSQLServer(t *testing.T, driver string) *sqlServer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("the %s e2e test needs root (the server runs as its own user)", driver)
	}
	need := map[string][]string{
		"postgres": {"/usr/lib/postgresql/15/bin/initdb", "/usr/lib/postgresql/15/bin/pg_ctl", "/usr/bin/psql"},
		"mariadb":  {"/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb", "/usr/bin/mariadb-admin"},
	}[driver]
	for _, f := range need {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%v (apt-get install postgresql-15 mariadb-server)", err)
		}
	}
	// Not t.TempDir: its parents are private to root, and the servers run
	// as postgres and mysql.
	dir, err := os.MkdirTemp("", "stackmap-sqldb-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &sqlServer{driver: driver, dir: dir}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Cleanup(func() { s.stop(t) })

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sqldb/start-"+driver+".sh", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("start-%s.sh: %v\n%s", driver, err, out)
	}
	startup := time.Since(start)
	s.env = sqlReadEnv(t, dir+"/env")

	start = time.Now()
	switch driver {
	case "postgres":
		s.cmd(t, nil, "/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", s.env["SQLDB_SOCKET"], "-p", s.env["SQLDB_PORT"],
			"-U", "cmdb", "-d", "cmdb", "-f", "../mappings/sql-cmdb/schema-postgres.sql", "-f", "../mappings/sql-cmdb/data.sql")
	case "mariadb":
		var sqlText []byte
		for _, f := range []string{"../mappings/sql-cmdb/schema-mariadb.sql", "../mappings/sql-cmdb/data.sql"} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sqlText = append(append(sqlText, b...), '\n')
		}
		s.cmd(t, sqlText, "/usr/bin/mariadb", "--no-defaults", "--socket="+s.env["SQLDB_SOCKET"], "-u", "cmdb", "-p"+s.env["SQLDB_PASSWORD"], "cmdb")
	}
	t.Logf("%s up in %v (%s), CMDB loaded in %v", driver, startup.Round(time.Millisecond),
		strings.TrimSpace(string(out)), time.Since(start).Round(time.Millisecond))
	return s
}

// stop stops the server and checks that its port is closed.
func (s *sqlServer) stop(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("sqldb/stop-"+s.driver+".sh", s.dir).CombinedOutput(); err != nil {
		t.Errorf("stop-%s.sh: %v\n%s", s.driver, err, out)
	}
	if port := s.env["SQLDB_PORT"]; port != "" {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
			c.Close()
			t.Errorf("127.0.0.1:%s still accepts connections after stop-%s.sh", port, s.driver)
		}
	}
}

// cmd runs a database client with stdin and returns its output.
func (s *sqlServer) cmd(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	c := exec.Command(name, args...)
	c.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", name, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// admin runs one statement as the server's superuser and returns the rows,
// tab-separated, one per line.
func (s *sqlServer) admin(t *testing.T, query string) string {
	t.Helper()
	if s.driver == "postgres" {
		return strings.TrimSpace(s.cmd(t, nil, "/usr/bin/psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
			"-h", s.env["SQLDB_SOCKET"], "-p", s.env["SQLDB_PORT"], "-U", "postgres", "-d", "cmdb", "-c", query))
	}
	return strings.TrimSpace(s.cmd(t, nil, "/usr/bin/mariadb", "--no-defaults", "--socket="+s.env["SQLDB_SOCKET"], "-u", "root",
		"-N", "-B", "cmdb", "-e", query))
}

// runEnv is the environment that points the mappings at this server, with
// dsn in place of the real DSN when given, and keeps stackmap's state
// (the shrink guard's last snapshot) in a directory of the test's own.
func (s *sqlServer) runEnv(t *testing.T, dsn string, extra ...string) []string {
	if dsn == "" {
		dsn = s.env["CMDB_DSN"]
	}
	return append([]string{"CMDB_DRIVER=" + s.driver, "CMDB_DSN=" + dsn, "STACKMAP_STATE_DIR=" + t.TempDir()}, extra...)
}

// sqlReadEnv reads the KEY='value' lines of the file start-*.sh writes.
func sqlReadEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
		}
	}
	for _, k := range []string{"CMDB_DSN", "SQLDB_PORT", "SQLDB_SOCKET", "SQLDB_PASSWORD"} {
		if env[k] == "" {
			t.Fatalf("%s has no %s", path, k)
		}
	}
	return env
}

func TestSQLPostgres(t *testing.T) { testSQL(t, startSQLServer(t, "postgres")) }

func TestSQLMariaDB(t *testing.T) { testSQL(t, startSQLServer(t, "mariadb")) }

func testSQL(t *testing.T, s *sqlServer) {
	t.Run("mapping", func(t *testing.T) { testSQLMapping(t, s) })
	t.Run("types", func(t *testing.T) { testSQLTypes(t, s) })
	t.Run("wrong-password", func(t *testing.T) { testSQLWrongPassword(t, s) })
	t.Run("timeout", func(t *testing.T) { testSQLTimeout(t, s) })
	t.Run("missing-table", func(t *testing.T) { testSQLMissingTable(t, s) })
	t.Run("connection-refused", func(t *testing.T) { testSQLRefused(t, s) })
	t.Run("read-only", func(t *testing.T) { testSQLReadOnly(t, s) })
}

// The expected result of sql-cmdb.yaml on schema + data, on every database.

// sqlWantComponents are the components as the receiver gets them, one
// JSON object a line.
const sqlWantComponents = `
{"externalId":"urn:sql-cmdb:ci:LOC-AMS","type":{"name":"location"},"data":{"ci_id":"LOC-AMS","city":"Amsterdam","country":"NL","domain":"CMDB","environment":"Production","identifiers":["urn:sql-cmdb:site:ams1"],"labels":["country:nl","site:ams1"],"latitude":52.3676,"layer":"Locations","longitude":4.9041,"name":"Amsterdam DC1"}}
{"externalId":"urn:sql-cmdb:ci:LOC-FRA","type":{"name":"location"},"data":{"ci_id":"LOC-FRA","city":"Frankfurt","country":"DE","domain":"CMDB","environment":"Production","identifiers":["urn:sql-cmdb:site:fra2"],"labels":["country:de","site:fra2"],"latitude":50.1109,"layer":"Locations","longitude":8.6821,"name":"Frankfurt DC2"}}
{"externalId":"urn:sql-cmdb:ci:LOC-LON","type":{"name":"location"},"data":{"ci_id":"LOC-LON","city":"London","country":"GB","domain":"CMDB","environment":"Production","identifiers":["urn:sql-cmdb:site:lon-hq"],"labels":["country:gb","site:lon-hq"],"latitude":51.5072,"layer":"Locations","longitude":-0.1276,"name":"London Office"}}
{"externalId":"urn:sql-cmdb:ci:SRV-0001","type":{"name":"server"},"data":{"asset_tag":"AT-0001-AMS","backup_window":"02:30:00","ci_id":"SRV-0001","commissioned_on":"2021-03-15","cpu_count":8,"cpu_load":0.42,"disk_bytes":536870912000,"domain":"CMDB","environment":"Production","identifiers":["urn:host:/web-01"],"ip":"10.0.1.11","labels":["os:ubuntu-22.04","site:ams1","status:operational","virtual:false","tag:pci","tag:dmz"],"last_seen":"2025-11-03T08:15:30Z","layer":"Machines","memory_mb":16384,"name":"web-01","notes":"front of the webshop","os":"Ubuntu 22.04","power_watts":350.5,"purchase_cost":4999.5,"rack":"A01","rack_unit":12,"status":"operational","virtual":false}}
{"externalId":"urn:sql-cmdb:ci:SRV-0002","type":{"name":"server"},"data":{"asset_tag":"AT-0002-AMS","backup_window":"02:45:00","ci_id":"SRV-0002","commissioned_on":"2021-03-15","cpu_count":8,"cpu_load":0.87,"disk_bytes":536870912000,"domain":"CMDB","environment":"Production","identifiers":["urn:host:/web-02"],"ip":"10.0.1.12","labels":["os:ubuntu-22.04","site:ams1","status:degraded","virtual:true","tag:pci","tag:dmz"],"last_seen":"2025-11-03T08:15:31Z","layer":"Machines","memory_mb":16384,"name":"web-02","os":"Ubuntu 22.04","power_watts":412.25,"purchase_cost":4999.5,"rack":"A01","rack_unit":14,"status":"degraded","virtual":true}}
{"externalId":"urn:sql-cmdb:ci:SRV-0003","type":{"name":"server"},"data":{"asset_tag":"AT-0003-AMS","backup_window":"03:00:00","ci_id":"SRV-0003","commissioned_on":"2022-06-01","cpu_count":16,"cpu_load":0.15,"disk_bytes":1099511627776,"domain":"CMDB","environment":"Production","identifiers":["urn:host:/app-01"],"ip":"10.0.2.21","labels":["os:red-hat-enterprise-linux-9","site:ams1","status:operational","virtual:true","tag:payments"],"last_seen":"2025-11-03T08:16:00Z","layer":"Machines","memory_mb":65536,"name":"app-01","notes":"cost booked in ZWL by mistake","os":"Red Hat Enterprise Linux 9","power_watts":180,"purchase_cost":"12345678901234567.89","rack":"B07","rack_unit":3,"status":"operational","virtual":true}}
{"externalId":"urn:sql-cmdb:ci:SRV-0004","type":{"name":"server"},"data":{"asset_tag":"AT-0004-FRA","backup_window":"01:00:00","ci_id":"SRV-0004","commissioned_on":"2020-11-30","cpu_count":32,"cpu_load":0.63,"disk_bytes":4398046511104,"domain":"CMDB","environment":"Production","identifiers":["urn:host:/db-01"],"ip":"10.1.3.31","labels":["os:debian-12","site:fra2","status:maintenance","virtual:false"],"last_seen":"2025-11-02T23:59:59Z","layer":"Machines","memory_mb":262144,"name":"db-01","notes":"disk firmware update","os":"Debian 12","power_watts":95.75,"purchase_cost":28750,"rack":"F12","rack_unit":40,"status":"maintenance","virtual":false}}
{"externalId":"urn:sql-cmdb:ci:SRV-0005","type":{"name":"server"},"data":{"asset_tag":"AT-0005-FRA","backup_window":"01:30:00","ci_id":"SRV-0005","commissioned_on":"2020-11-30","cpu_count":32,"cpu_load":0.91,"disk_bytes":4398046511104,"domain":"CMDB","environment":"Production","identifiers":["urn:host:/db-02"],"ip":"10.1.3.32","labels":["os:debian-12","site:fra2","status:down","virtual:false","tag:replica"],"last_seen":"2025-10-31T17:42:05Z","layer":"Machines","memory_mb":262144,"name":"db-02","os":"Debian 12","power_watts":640.125,"purchase_cost":28750,"rack":"F12","rack_unit":38,"status":"down","virtual":false}}
{"externalId":"urn:sql-cmdb:ci:SRV-0006","type":{"name":"server"},"data":{"ci_id":"SRV-0006","domain":"CMDB","environment":"Production","identifiers":["urn:host:/batch-01"],"layer":"Machines","name":"batch-01"}}
{"externalId":"urn:sql-cmdb:ci:NET-0001","type":{"name":"network-device"},"data":{"ci_id":"NET-0001","domain":"CMDB","environment":"Production","identifiers":["urn:host:/sw-ams-core-01"],"labels":["device_type:switch","site:ams1","vendor:arista"],"layer":"Networking","mgmt_ip":"10.0.0.2","model":"7050X3","name":"sw-ams-core-01","port_count":48,"vendor":"Arista","version":"4.28.3M"}}
{"externalId":"urn:sql-cmdb:ci:NET-0002","type":{"name":"network-device"},"data":{"ci_id":"NET-0002","domain":"CMDB","environment":"Production","identifiers":["urn:host:/fw-ams-01"],"labels":["device_type:firewall","site:ams1","vendor:palo-alto-networks"],"layer":"Networking","mgmt_ip":"10.0.0.3","model":"PA-3220","name":"fw-ams-01","port_count":12,"vendor":"Palo Alto Networks","version":"10.2.4"}}
{"externalId":"urn:sql-cmdb:ci:NET-0003","type":{"name":"network-device"},"data":{"ci_id":"NET-0003","domain":"CMDB","environment":"Production","identifiers":["urn:host:/rtr-fra-01"],"labels":["device_type:router","site:fra2","vendor:juniper"],"layer":"Networking","mgmt_ip":"10.1.0.1","model":"MX204","name":"rtr-fra-01","port_count":8,"vendor":"Juniper","version":"22.4R2"}}
{"externalId":"urn:sql-cmdb:ci:NET-0004","type":{"name":"network-device"},"data":{"ci_id":"NET-0004","domain":"CMDB","environment":"Production","identifiers":["urn:host:/sw-lon-01"],"labels":["device_type:switch","site:lon-hq","vendor:cisco"],"layer":"Networking","mgmt_ip":"10.2.0.2","model":"C9300-24T","name":"sw-lon-01","port_count":24,"vendor":"Cisco"}}
{"externalId":"urn:sql-cmdb:ci:APP-0001","type":{"name":"application"},"data":{"ci_id":"APP-0001","domain":"CMDB","environment":"Production","identifiers":["urn:service:/webshop"],"labels":["criticality:1","owner:team-shop"],"layer":"Applications","monthly_users":250000,"name":"Webshop","owner":"team-shop","sla_target":99.95,"url":"https://shop.example.com","version":"3.4.1"}}
{"externalId":"urn:sql-cmdb:ci:APP-0002","type":{"name":"application"},"data":{"ci_id":"APP-0002","domain":"CMDB","environment":"Production","identifiers":["urn:service:/checkout-api"],"labels":["criticality:1","owner:team-payments"],"layer":"Applications","monthly_users":120000,"name":"Checkout API","owner":"team-payments","sla_target":99.99,"version":"2.0.0"}}
{"externalId":"urn:sql-cmdb:ci:APP-0003","type":{"name":"application"},"data":{"ci_id":"APP-0003","domain":"CMDB","environment":"Production","identifiers":["urn:service:/inventory-batch"],"labels":["criticality:3","owner:team-logistics"],"layer":"Applications","monthly_users":0,"name":"Inventory Batch","owner":"team-logistics","sla_target":99,"version":"1.12.0"}}
{"externalId":"urn:sql-cmdb:ci:APP-0004","type":{"name":"application"},"data":{"ci_id":"APP-0004","domain":"CMDB","environment":"Staging","identifiers":["urn:service:/webshop-staging"],"labels":["criticality:4","owner:team-shop"],"layer":"Applications","monthly_users":40,"name":"Webshop Staging","owner":"team-shop","sla_target":95.5,"url":"https://staging.shop.example.com","version":"3.5.0-rc1"}}
{"externalId":"urn:sql-cmdb:ci:DB-0001","type":{"name":"database"},"data":{"ci_id":"DB-0001","domain":"CMDB","engine":"PostgreSQL","environment":"Production","identifiers":["urn:database:/shop-db"],"labels":["engine:postgresql","replicated:true"],"layer":"Databases","max_connections":500,"name":"shop-db","size_bytes":128849018880,"version":"15.4"}}
{"externalId":"urn:sql-cmdb:ci:DB-0002","type":{"name":"database"},"data":{"ci_id":"DB-0002","domain":"CMDB","engine":"MariaDB","environment":"Production","identifiers":["urn:database:/orders-db"],"labels":["engine:mariadb","replicated:false"],"layer":"Databases","max_connections":300,"name":"orders-db","size_bytes":53687091200,"version":"10.11.6"}}
{"externalId":"urn:sql-cmdb:ci:DB-0003","type":{"name":"database"},"data":{"ci_id":"DB-0003","domain":"CMDB","engine":"PostgreSQL","environment":"Production","identifiers":["urn:database:/reporting-db"],"labels":["engine:postgresql","replicated:false"],"layer":"Databases","max_connections":100,"name":"reporting-db","size_bytes":2199023255552,"version":"14.9"}}
`

// sqlWantRelations: "externalId source type target", CI ids shortened to
// the part after urn:sql-cmdb:ci:. ci_relations row 21 points at the
// deleted SRV-0099 and is dropped.
const sqlWantRelations = `
urn:sql-cmdb:relation:1 APP-0001 runs_on SRV-0001
urn:sql-cmdb:relation:2 APP-0001 runs_on SRV-0002
urn:sql-cmdb:relation:3 APP-0002 runs_on SRV-0003
urn:sql-cmdb:relation:4 APP-0003 runs_on SRV-0006
urn:sql-cmdb:relation:5 APP-0004 runs_on SRV-0002
urn:sql-cmdb:relation:6 APP-0001 depends_on APP-0002
urn:sql-cmdb:relation:7 APP-0001 uses DB-0001
urn:sql-cmdb:relation:8 APP-0002 uses DB-0002
urn:sql-cmdb:relation:9 APP-0003 uses DB-0002
urn:sql-cmdb:relation:10 APP-0003 uses DB-0003
urn:sql-cmdb:relation:11 DB-0001 hosted_on SRV-0004
urn:sql-cmdb:relation:12 DB-0002 hosted_on SRV-0005
urn:sql-cmdb:relation:13 DB-0003 hosted_on SRV-0004
urn:sql-cmdb:relation:14 SRV-0001 connected_to NET-0002
urn:sql-cmdb:relation:15 SRV-0002 connected_to NET-0002
urn:sql-cmdb:relation:16 NET-0002 connected_to NET-0001
urn:sql-cmdb:relation:17 SRV-0003 connected_to NET-0001
urn:sql-cmdb:relation:18 SRV-0004 connected_to NET-0003
urn:sql-cmdb:relation:19 SRV-0005 connected_to NET-0003
urn:sql-cmdb:relation:20 NET-0003 connected_to NET-0001
urn:sql-cmdb:located-in:SRV-0001 SRV-0001 located_in LOC-AMS
urn:sql-cmdb:located-in:SRV-0002 SRV-0002 located_in LOC-AMS
urn:sql-cmdb:located-in:SRV-0003 SRV-0003 located_in LOC-AMS
urn:sql-cmdb:located-in:SRV-0004 SRV-0004 located_in LOC-FRA
urn:sql-cmdb:located-in:SRV-0005 SRV-0005 located_in LOC-FRA
urn:sql-cmdb:located-in:NET-0001 NET-0001 located_in LOC-AMS
urn:sql-cmdb:located-in:NET-0002 NET-0002 located_in LOC-AMS
urn:sql-cmdb:located-in:NET-0003 NET-0003 located_in LOC-FRA
urn:sql-cmdb:located-in:NET-0004 NET-0004 located_in LOC-LON
`

// sqlWantMetrics: "name value host component", in the order they are
// sent; every metric is a gauge stamped --now. batch-01 (SRV-0006) has
// NULL in every metric column and gives none.
const sqlWantMetrics = `
cmdb.server.cpu_count 8 web-01 SRV-0001
cmdb.server.cpu_load 0.42 web-01 SRV-0001
cmdb.server.disk_bytes 536870912000 web-01 SRV-0001
cmdb.server.memory_mb 16384 web-01 SRV-0001
cmdb.server.power_watts 350.5 web-01 SRV-0001
cmdb.server.cpu_count 8 web-02 SRV-0002
cmdb.server.cpu_load 0.87 web-02 SRV-0002
cmdb.server.disk_bytes 536870912000 web-02 SRV-0002
cmdb.server.memory_mb 16384 web-02 SRV-0002
cmdb.server.power_watts 412.25 web-02 SRV-0002
cmdb.server.cpu_count 16 app-01 SRV-0003
cmdb.server.cpu_load 0.15 app-01 SRV-0003
cmdb.server.disk_bytes 1099511627776 app-01 SRV-0003
cmdb.server.memory_mb 65536 app-01 SRV-0003
cmdb.server.power_watts 180 app-01 SRV-0003
cmdb.server.cpu_count 32 db-01 SRV-0004
cmdb.server.cpu_load 0.63 db-01 SRV-0004
cmdb.server.disk_bytes 4398046511104 db-01 SRV-0004
cmdb.server.memory_mb 262144 db-01 SRV-0004
cmdb.server.power_watts 95.75 db-01 SRV-0004
cmdb.server.cpu_count 32 db-02 SRV-0005
cmdb.server.cpu_load 0.91 db-02 SRV-0005
cmdb.server.disk_bytes 4398046511104 db-02 SRV-0005
cmdb.server.memory_mb 262144 db-02 SRV-0005
cmdb.server.power_watts 640.125 db-02 SRV-0005
cmdb.database.max_connections 500 e2e-sql DB-0001
cmdb.database.size_bytes 128849018880 e2e-sql DB-0001
cmdb.database.max_connections 300 e2e-sql DB-0002
cmdb.database.size_bytes 53687091200 e2e-sql DB-0002
cmdb.database.max_connections 100 e2e-sql DB-0003
cmdb.database.size_bytes 2199023255552 e2e-sql DB-0003
`

// sqlWantHealth: "checkStateId health identifier | message".
const sqlWantHealth = `
sql-cmdb-server-SRV-0001 CLEAR urn:host:/web-01 | CMDB status: operational
sql-cmdb-server-SRV-0002 DEVIATING urn:host:/web-02 | CMDB status: degraded
sql-cmdb-server-SRV-0003 CLEAR urn:host:/app-01 | CMDB status: operational
sql-cmdb-server-SRV-0004 DEVIATING urn:host:/db-01 | CMDB status: maintenance
sql-cmdb-server-SRV-0005 CRITICAL urn:host:/db-02 | CMDB status: down
sql-cmdb-server-SRV-0006 DEVIATING urn:host:/batch-01 | The CMDB holds no status for this server
`

func sqlLines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

// sqlReceiver starts a local receiver for one run.
func sqlReceiver(t *testing.T) (*liveReceiver, []string) {
	t.Helper()
	rc := startReceiver(t, "e2e-key")
	srv := rc
	return rc, []string{"STACKMAP_URL=" + srv.URL, "STACKMAP_API_KEY=e2e-key"}
}

func testSQLMapping(t *testing.T, s *sqlServer) {
	rc, recv := sqlReceiver(t)
	start := time.Now()
	code, _, errOut := stackmap(t, append(s.runEnv(t, ""), recv...),
		"run", "--once", sqlMapping, "--now", sqlNow, "--hostname", "e2e-sql")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	t.Logf("run --once %s on %s: %v", sqlMapping, s.driver, time.Since(start).Round(time.Millisecond))
	if strings.Contains(errOut, s.env["SQLDB_PASSWORD"]) {
		t.Errorf("the password shows in the log:\n%s", errOut)
	}

	envs := rc.Envelopes()
	if len(envs) != 1 {
		t.Fatalf("%d envelopes, want 1", len(envs))
	}
	checkEnvelope(t, envs[0])
	top, n := rc.Topology(sqlInstance)
	if n != 1 || top == nil {
		t.Fatalf("%d completed snapshots of %v, want 1", n, sqlInstance)
	}

	// Components: exactly these, each exactly so.
	want := map[string]map[string]any{}
	for _, line := range sqlLines(sqlWantComponents) {
		var c map[string]any
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("bad expectation %s: %v", line, err)
		}
		want[c["externalId"].(string)] = c
	}
	for id, w := range want {
		got, ok := top.Components[id]
		if !ok {
			t.Errorf("component %s is missing", id)
			continue
		}
		if !reflect.DeepEqual(got, w) {
			g, _ := json.Marshal(got)
			wj, _ := json.Marshal(w)
			t.Errorf("component %s:\n got %s\nwant %s", id, g, wj)
		}
	}
	for id := range top.Components {
		if want[id] == nil {
			t.Errorf("unexpected component %s", id)
		}
	}

	// Relations: exactly these.
	var gotRel []string
	short := func(v any) string { return strings.TrimPrefix(v.(string), "urn:sql-cmdb:ci:") }
	for id, r := range top.Relations {
		gotRel = append(gotRel, fmt.Sprintf("%s %s %s %s", id, short(r["sourceId"]), r["type"].(map[string]any)["name"], short(r["targetId"])))
	}
	sqlSameSet(t, "relations", gotRel, sqlLines(sqlWantRelations))

	// Metrics: exactly these, in this order, gauges stamped --now.
	var gotMetrics []string
	for _, m := range envs[0]["metrics"].([]any) {
		tuple := m.([]any)
		attrs := tuple[3].(map[string]any)
		if ts := tuple[1].(float64); ts != sqlNowEpoch {
			t.Errorf("metric %v: timestamp %v, want %d", tuple[0], ts, sqlNowEpoch)
		}
		if attrs["type"] != "gauge" {
			t.Errorf("metric %v: type %v, want gauge", tuple[0], attrs["type"])
		}
		tags := attrs["tags"].([]any)
		if len(tags) != 1 || !strings.HasPrefix(tags[0].(string), "component:urn:sql-cmdb:ci:") {
			t.Errorf("metric %v: tags %v", tuple[0], tags)
			continue
		}
		gotMetrics = append(gotMetrics, fmt.Sprintf("%s %s %s %s", tuple[0],
			strconv.FormatFloat(tuple[2].(float64), 'f', -1, 64), attrs["hostname"],
			strings.TrimPrefix(tags[0].(string), "component:urn:sql-cmdb:ci:")))
	}
	if want := sqlLines(sqlWantMetrics); !reflect.DeepEqual(gotMetrics, want) {
		t.Errorf("metrics:\n got %s\nwant %s", strings.Join(gotMetrics, "\n     "), strings.Join(want, "\n     "))
	}

	// Health: one stream, these states.
	health := envs[0]["health"].([]any)
	if len(health) != 1 {
		t.Fatalf("%d health streams, want 1", len(health))
	}
	stream := health[0].(map[string]any)
	if urn := stream["stream"].(map[string]any)["urn"]; urn != "urn:health:stackmap:sql-cmdb" {
		t.Errorf("health stream %v", urn)
	}
	var gotHealth []string
	for _, cs := range stream["check_states"].([]any) {
		c := cs.(map[string]any)
		if c["name"] != "CMDB status" {
			t.Errorf("check state %v: name %v", c["checkStateId"], c["name"])
		}
		gotHealth = append(gotHealth, fmt.Sprintf("%s %s %s | %s", c["checkStateId"], c["health"], c["topologyElementIdentifier"], c["message"]))
	}
	sqlSameSet(t, "health states", gotHealth, sqlLines(sqlWantHealth))
}

// sqlSameSet reports the differences between two sets of lines.
func sqlSameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g := map[string]bool{}
	for _, s := range got {
		if g[s] {
			t.Errorf("%s: %q twice", what, s)
		}
		g[s] = true
	}
	w := map[string]bool{}
	for _, s := range want {
		w[s] = true
		if !g[s] {
			t.Errorf("%s: missing %q", what, s)
		}
	}
	var extra []string
	for _, s := range got {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	sort.Strings(extra)
	for _, s := range extra {
		t.Errorf("%s: unexpected %q", what, s)
	}
}

// testSQLTypes checks how every column type of `servers` is normalised:
// row-types.yaml copies the rows of app-01 (a value in every column) and
// batch-01 (NULL wherever allowed) into component data.
func testSQLTypes(t *testing.T, s *sqlServer) {
	code, out, errOut := stackmap(t, s.runEnv(t, ""), "preview", "--format", "json", sqlTypesMapping)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var res struct {
		Elements struct {
			Components []struct {
				ID   string `json:"id"`
				Data struct {
					Row map[string]json.RawMessage `json:"row"`
				} `json:"data"`
			} `json:"components"`
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("preview --format json: %v\n%s", err, out)
	}
	rows := map[string]map[string]string{}
	for _, c := range res.Elements.Components {
		row := map[string]string{}
		for k, raw := range c.Data.Row {
			var b bytes.Buffer
			if err := json.Compact(&b, raw); err != nil {
				t.Fatal(err)
			}
			row[k] = b.String()
		}
		rows[c.ID] = row
	}
	// The JSON text of each value, as preview prints it: the type is part
	// of the text (16 is a number, "16" a string).
	const attributes = `{"rack":"B07","tags":["payments"],"u":3,"warranty":{"until":"2027-06-01","vendor":"Dell"}}`
	want := map[string]string{
		"ci_id":           `"SRV-0003"`,                      // varchar
		"hostname":        `"app-01"`,                        // varchar
		"location_id":     `"LOC-AMS"`,                       // varchar
		"ip_address":      `"10.0.2.21"`,                     // varchar
		"os":              `"Red Hat Enterprise Linux 9"`,    // text
		"cpu_count":       `16`,                              // integer
		"memory_mb":       `65536`,                           // integer
		"disk_bytes":      `1099511627776`,                   // bigint, over 2^32
		"purchase_cost":   `"12345678901234567.89"`,          // numeric(19,2): more digits than a float64 holds
		"cpu_load":        `0.15`,                            // double precision
		"power_watts":     `180`,                             // real / FLOAT
		"is_virtual":      `true`,                            // boolean
		"status":          `"operational"`,                   // varchar
		"asset_tag":       `"AT-0003-AMS"`,                   // bytea / BLOB holding text
		"commissioned_on": `"2022-06-01"`,                    // date
		"last_seen":       `"2025-11-03T08:16:00Z"`,          // timestamptz / DATETIME, RFC 3339 in UTC
		"backup_window":   `"03:00:00"`,                      // time
		"attributes":      attributes,                        // jsonb: parsed
		"notes":           `"cost booked in ZWL by mistake"`, // text
	}
	if s.driver == "mariadb" {
		want["is_virtual"] = `1` // TINYINT(1) stays an integer
		// MariaDB's JSON is LONGTEXT on the wire: the driver cannot tell
		// it from text, so it arrives as the text stored.
		want["attributes"] = strconv.Quote(`{"rack": "B07", "u": 3, "tags": ["payments"], "warranty": {"until": "2027-06-01", "vendor": "Dell"}}`)
	}
	sqlCheckRow(t, "SRV-0003", rows["SRV-0003"], want)

	nulls := map[string]string{"ci_id": `"SRV-0006"`, "hostname": `"batch-01"`}
	for k := range want {
		if nulls[k] == "" {
			nulls[k] = "null"
		}
	}
	sqlCheckRow(t, "SRV-0006", rows["SRV-0006"], nulls)
	if len(rows) != 2 {
		t.Errorf("%d rows, want 2", len(rows))
	}
}

func sqlCheckRow(t *testing.T, id string, got, want map[string]string) {
	t.Helper()
	if got == nil {
		t.Errorf("row %s is missing", id)
		return
	}
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("row %s: column %s is missing", id, k)
		} else if g != w {
			t.Errorf("row %s: column %s is %s, want %s", id, k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("row %s: unexpected column %s = %s", id, k, g)
		}
	}
}

// sqlFails runs a mapping that must fail: exit 1, a message naming the
// source and holding every part of wantMsg, no password in the output,
// and nothing sent.
func sqlFails(t *testing.T, s *sqlServer, env []string, mapping, source string, wantMsg ...string) string {
	t.Helper()
	rc, recv := sqlReceiver(t)
	code, out, errOut := stackmap(t, append(env, recv...), "run", "--once", mapping)
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, fmt.Sprintf("source %q (sql) failed, so nothing is sent", source)) {
		t.Errorf("the message does not name the source %q:\n%s", source, errOut)
	}
	for _, w := range wantMsg {
		if !strings.Contains(errOut, w) {
			t.Errorf("the message does not say %q:\n%s", w, errOut)
		}
	}
	for _, secret := range []string{s.env["SQLDB_PASSWORD"], "wrong-Pa55"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("the output shows the password %q:\n%s%s", secret, out, errOut)
		}
	}
	if n := len(rc.Envelopes()); n != 0 {
		t.Errorf("%d envelopes sent, want none", n)
	}
	return errOut
}

func testSQLWrongPassword(t *testing.T, s *sqlServer) {
	dsn := strings.Replace(s.env["CMDB_DSN"], ":"+s.env["SQLDB_PASSWORD"]+"@", ":wrong-Pa55@", 1)
	want := map[string]string{
		"postgres": `password authentication failed for user "cmdb" (SQLSTATE 28P01)`,
		"mariadb":  `Access denied for user 'cmdb'@'127.0.0.1' (using password: YES) (error 1045)`,
	}[s.driver]
	errOut := sqlFails(t, s, s.runEnv(t, dsn), sqlMapping, "locations", want, ":******@")
	t.Logf("%s", firstLineOf(errOut))
}

// testSQLTimeout runs a 5 s sleep with timeout: 1s. The run must fail
// after about a second, and the server must have stopped the query: no
// sleeping statement may remain once stackmap has exited.
func testSQLTimeout(t *testing.T, s *sqlServer) {
	sleep := map[string]string{"postgres": "SELECT pg_sleep(5) AS id", "mariadb": "SELECT SLEEP(5) AS id"}[s.driver]
	// The statements of other sessions that still sleep.
	sleeping := map[string]string{
		"postgres": "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()",
		"mariadb":  "SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%SLEEP(5)%' AND id <> connection_id()",
	}[s.driver]
	env := s.runEnv(t, "", "CMDB_QUERY="+sleep, "CMDB_TIMEOUT=1s")

	// Run stackmap in the background and watch the server meanwhile, to
	// see the query arrive there.
	rc, recv := sqlReceiver(t)
	cmd := exec.Command(os.Getenv("STACKMAP_BIN"), "run", "--once", sqlQueryMapping)
	cmd.Dir = ".."
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...), recv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	seen := false
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-time.After(50 * time.Millisecond):
			if !seen && s.admin(t, sleeping) != "0" {
				seen = true
			}
		}
	}
	elapsed := time.Since(start)
	if !seen {
		t.Errorf("the sleeping query never showed on the server")
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d (%v), want 1\n%s", code, err, stderr.String())
	}
	if elapsed > 3*time.Second {
		t.Errorf("the run took %v; a 1s timeout must stop a 5 s query well before it ends", elapsed)
	}
	for _, w := range []string{`source "result" (sql) failed, so nothing is sent`, "did not finish within its timeout of 1s"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("the message does not say %q:\n%s", w, stderr.String())
		}
	}
	if n := len(rc.Envelopes()); n != 0 {
		t.Errorf("%d envelopes sent, want none", n)
	}
	// Cancelled on the server: gone at once, not when the 5 s are up.
	// Allow half a second for the server to clean up.
	var left string
	for deadline := time.Now().Add(500 * time.Millisecond); ; {
		if left = s.admin(t, sleeping); left == "0" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if left != "0" {
		t.Errorf("%s sleeping statement(s) still run on the server %v after the start, %v after stackmap exited",
			left, time.Since(start).Round(time.Millisecond), time.Since(start.Add(elapsed)).Round(time.Millisecond))
	}
	t.Logf("failed after %v: %s", elapsed.Round(time.Millisecond), firstLineOf(stderr.String()))
}

func testSQLMissingTable(t *testing.T, s *sqlServer) {
	want := map[string]string{
		"postgres": `relation "no_such_table" does not exist (SQLSTATE 42P01)`,
		"mariadb":  `Table 'cmdb.no_such_table' doesn't exist (error 1146)`,
	}[s.driver]
	errOut := sqlFails(t, s, s.runEnv(t, "", "CMDB_QUERY=SELECT id FROM no_such_table"), sqlQueryMapping, "result", want)
	t.Logf("%s", firstLineOf(errOut))
}

func testSQLRefused(t *testing.T, s *sqlServer) {
	// A port that was free a moment ago.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	dsn := strings.Replace(s.env["CMDB_DSN"], "127.0.0.1:"+s.env["SQLDB_PORT"], "127.0.0.1:"+port, 1)
	start := time.Now()
	errOut := sqlFails(t, s, s.runEnv(t, dsn), sqlMapping, "locations", "127.0.0.1:"+port, "connect: connection refused")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a refused connection took %v to fail", d)
	}
	t.Logf("%s", firstLineOf(errOut))
}

// testSQLReadOnly: the query runs in a read-only transaction, so a
// statement that writes fails and the table stays as it was.
func testSQLReadOnly(t *testing.T, s *sqlServer) {
	write := map[string]string{
		"postgres": "INSERT INTO locations (ci_id, name, site_code) VALUES ('LOC-X', 'x', 'x') RETURNING ci_id AS id",
		"mariadb":  "INSERT INTO locations (ci_id, name, site_code) VALUES ('LOC-X', 'x', 'x') RETURNING ci_id AS id",
	}[s.driver]
	want := map[string]string{
		"postgres": "cannot execute INSERT in a read-only transaction (SQLSTATE 25006)",
		"mariadb":  "Cannot execute statement in a READ ONLY transaction (error 1792)",
	}[s.driver]
	sqlFails(t, s, s.runEnv(t, "", "CMDB_QUERY="+write), sqlQueryMapping, "result", want)
	if n := s.admin(t, "SELECT count(*) FROM locations"); n != "3" {
		t.Errorf("locations holds %s rows after the failed write, want 3", n)
	}
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
