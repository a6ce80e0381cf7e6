package snfake

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Record is one row: field name to stored value. For sys_tags it holds the
// tag names, separated by commas, which only the display value shows.
type Record map[string]string

// Data is the content of the fake instance: its dictionary and its rows.
// It is not modified after Default returns, so tests may read it while a
// Server serves it.
type Data struct {
	tables map[string]*Table
	rows   map[string][]Record          // by root table
	byID   map[string]map[string]Record // root table -> sys_id -> row
}

// SysID is the deterministic sys_id of the row of table named name: the
// first 32 hex digits of SHA-1("table/name").
func SysID(table, name string) string {
	h := sha1.Sum([]byte(table + "/" + name))
	return hex.EncodeToString(h[:])[:32]
}

// Table returns the table named name.
func (d *Data) Table(name string) (*Table, bool) {
	t, ok := d.tables[name]
	return t, ok
}

// Root returns the table that holds the rows of table name: the top of
// its hierarchy (cmdb_ci for every CI class).
func (d *Data) Root(name string) string {
	for {
		t := d.tables[name]
		if t == nil || t.Super == "" {
			return name
		}
		name = t.Super
	}
}

// Extends reports whether class is table or a table below it.
func (d *Data) Extends(class, table string) bool {
	for c := class; c != ""; {
		if c == table {
			return true
		}
		t := d.tables[c]
		if t == nil {
			return false
		}
		c = t.Super
	}
	return false
}

// Fields returns the fields of table: its own and those of the tables
// above it, top first.
func (d *Data) Fields(table string) []Field {
	t := d.tables[table]
	if t == nil {
		return nil
	}
	var up []Field
	if t.Super != "" {
		up = d.Fields(t.Super)
	}
	return append(up, t.Fields...)
}

// Field returns the field named name of table.
func (d *Data) Field(table, name string) (Field, bool) {
	for _, f := range d.Fields(table) {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Rows returns the rows of table, including the rows of the tables that
// extend it, in the order they were inserted.
func (d *Data) Rows(table string) []Record {
	root := d.Root(table)
	var out []Record
	for _, r := range d.rows[root] {
		if root == table || d.Extends(r["sys_class_name"], table) {
			out = append(out, r)
		}
	}
	return out
}

// Get returns the row of table (or of a table it extends) with sys_id id.
func (d *Data) Get(table, id string) (Record, bool) {
	r, ok := d.byID[d.Root(table)][id]
	return r, ok
}

// CIs returns every configuration item, of every class.
func (d *Data) CIs() []Record { return d.Rows("cmdb_ci") }

// Relations returns every cmdb_rel_ci row.
func (d *Data) Relations() []Record { return d.Rows("cmdb_rel_ci") }

// Display returns the display value of field of row r of table.
func (d *Data) Display(table string, r Record, field string) string {
	f, ok := d.Field(table, field)
	if !ok {
		return ""
	}
	return d.display(f, r[field])
}

func (d *Data) display(f Field, v string) string {
	switch f.Kind {
	case Choice:
		if f.Name == "sys_class_name" {
			if t := d.tables[v]; t != nil {
				return t.Label
			}
			return v
		}
		if l, ok := f.Choices[v]; ok {
			return l
		}
		return v
	case Reference:
		if v == "" {
			return ""
		}
		target, ok := d.Get(f.Ref, v)
		if !ok {
			return ""
		}
		disp := d.tables[f.Ref].Display
		if disp == "" {
			disp = "name"
		}
		return d.Display(f.Ref, target, disp)
	case DateTime:
		return displayDateTime(v)
	case Integer:
		return displayInteger(v)
	}
	return v
}

// value returns what a response shows as the value of f: the stored
// value, except for sys_tags, whose row holds nothing.
func value(f Field, v string) string {
	if f.Kind == Tags {
		return ""
	}
	return v
}

func (d *Data) insert(table string, r Record) {
	root := d.Root(table)
	if _, dup := d.byID[root][r["sys_id"]]; dup {
		panic("snfake: duplicate sys_id " + r["sys_id"] + " in " + root)
	}
	fields := d.Fields(table)
	if len(fields) == 0 {
		panic("snfake: no table " + table)
	}
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Name] = true
		if _, ok := r[f.Name]; !ok {
			r[f.Name] = ""
		}
	}
	for k := range r {
		if !known[k] {
			panic(fmt.Sprintf("snfake: %s has no field %s", table, k))
		}
	}
	if _, ok := d.tables["cmdb_ci"]; ok && root == "cmdb_ci" {
		r["sys_class_name"] = table
	}
	d.rows[root] = append(d.rows[root], r)
	if d.byID[root] == nil {
		d.byID[root] = map[string]Record{}
	}
	d.byID[root][r["sys_id"]] = r
}

// epoch is when the fake's first record was created.
var epoch = time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)

func stamp(t time.Time) string { return t.UTC().Format(time.DateTime) }

// ci describes one configuration item of the default data set.
type ci struct {
	class, name       string
	fqdn, ip, tags    string
	loc, mfr, model   string
	group, owner      string
	install, oper     string
	host, os, osVer   string
	cpus, ram, kernel string
	version, port     string
	extra             Record
}

// rel describes one relationship of the default data set.
type rel struct {
	parent, typ, child string
	tags               string
	id                 string // distinguishes a duplicate row
}

// Default returns the default data set: 36 configuration items of 14
// classes (3 business services, 8 applications, 5 database instances, 11
// Linux and 3 Windows servers, 3 network devices, 2 laptops and a printer)
// and 37 relationships, among them a duplicate row and relationships of
// the laptops and the printer. It is built the same way every time.
func Default() *Data {
	d := &Data{tables: map[string]*Table{}, rows: map[string][]Record{}, byID: map[string]map[string]Record{}}
	for _, t := range Tables() {
		t := t
		d.tables[t.Name] = &t
	}
	n := 0
	plain := func(table string, name string, extra Record) string {
		n++
		id := SysID(table, name)
		if table == "sys_user_group" && name == "global" {
			id = "global"
		}
		created := epoch.Add(time.Duration(n) * time.Minute)
		r := Record{"sys_id": id, "name": name, "sys_created_by": "admin", "sys_created_on": stamp(created),
			"sys_updated_by": "admin", "sys_updated_on": stamp(created), "sys_mod_count": "0"}
		for k, v := range extra {
			r[k] = v
		}
		d.insert(table, r)
		return id
	}
	users := map[string]string{}
	for _, u := range [][3]string{
		{"admin", "System Administrator", "admin@example.com"}, {"ajansen", "Alice Jansen", "alice.jansen@example.com"},
		{"bpeters", "Bob Peters", "bob.peters@example.com"}, {"cdevries", "Carol de Vries", "carol.devries@example.com"},
	} {
		users[u[0]] = plain("sys_user", u[1], Record{"user_name": u[0], "email": u[2]})
	}
	ids := func(table string, names ...string) map[string]string {
		m := map[string]string{}
		for _, nm := range names {
			m[nm] = plain(table, nm, nil)
		}
		return m
	}
	groups := ids("sys_user_group", "global", "Linux Ops", "Windows Ops", "DBA Team", "Network Team", "App Support")
	companies := ids("core_company", "ACME Corp", "Dell Inc.", "Hewlett Packard Enterprise", "Cisco Systems", "Lenovo",
		"Microsoft", "Oracle", "F5 Networks", "HP Inc.", "The Apache Software Foundation")
	locations := map[string]string{
		"Amsterdam DC1":    plain("cmn_location", "Amsterdam DC1", Record{"city": "Amsterdam"}),
		"Frankfurt DC2":    plain("cmn_location", "Frankfurt DC2", Record{"city": "Frankfurt"}),
		"Amsterdam Office": plain("cmn_location", "Amsterdam Office", Record{"city": "Amsterdam"}),
	}
	schedules := ids("cmn_schedule", "Weekend maintenance", "Patch Tuesday")
	models := ids("cmdb_model", "PowerEdge R650", "ProLiant DL380 Gen10", "Catalyst 9500", "BIG-IP i5800",
		"ThinkPad T14", "LaserJet M607")
	relTypes := map[string]string{}
	for _, rt := range []string{"Depends on::Used by", "Runs on::Runs", "Connected by::Connects", "Uses::Used by", "Members::Member of"} {
		p, c, _ := strings.Cut(rt, "::")
		relTypes[rt] = plain("cmdb_rel_type", rt, Record{"parent_descriptor": p, "child_descriptor": c})
	}

	cis := []ci{
		{class: "cmdb_ci_service", name: "Webshop", tags: "production, customer-facing", group: "App Support", owner: "ajansen",
			extra: Record{"busines_criticality": "1", "used_for": "Production", "version": "2024.3"}},
		{class: "cmdb_ci_service", name: "Payments", tags: "production,PCI, Tier 1", group: "App Support", owner: "ajansen",
			extra: Record{"busines_criticality": "1", "used_for": "Production", "maintenance_schedule": schedules["Patch Tuesday"]}},
		{class: "cmdb_ci_service", name: "Customer Portal", tags: "production", group: "App Support", owner: "bpeters",
			extra: Record{"busines_criticality": "2", "used_for": "Production"}},

		{class: "cmdb_ci_app_server_tomcat", name: "webshop-frontend", tags: "production, team:web", group: "App Support",
			mfr: "The Apache Software Foundation", version: "10.1.19", port: "8080", extra: Record{"install_directory": "/opt/tomcat"}},
		{class: "cmdb_ci_app_server_java", name: "webshop-api", tags: "production, team:web", group: "App Support", version: "17.0.10", port: "8443"},
		{class: "cmdb_ci_app_server_java", name: "payments-api", tags: " team:payments , PCI ", group: "App Support", version: "21.0.2", port: "8443"},
		{class: "cmdb_ci_app_server_tomcat", name: "portal-web", tags: "production", group: "App Support",
			mfr: "The Apache Software Foundation", version: "9.0.86", port: "8080"},
		{class: "cmdb_ci_appl", name: "nginx-edge", tags: "production, edge", group: "Linux Ops", version: "1.24.0", port: "443"},
		{class: "cmdb_ci_appl", name: "IIS Portal", group: "Windows Ops", mfr: "Microsoft", version: "10.0", port: "443"},
		{class: "cmdb_ci_appl", name: "Active Directory", tags: "Tier 0", group: "Windows Ops", mfr: "Microsoft"},
		{class: "cmdb_ci_appl", name: "batch-scheduler", group: "App Support", version: "3.2"},

		{class: "cmdb_ci_db_mysql_instance", name: "shopdb", tags: "production", group: "DBA Team", version: "8.0.36", port: "3306",
			extra: Record{"instance_name": "shopdb"}},
		{class: "cmdb_ci_db_mysql_instance", name: "shopdb-replica", tags: "production, replica", group: "DBA Team", version: "8.0.36", port: "3306",
			extra: Record{"instance_name": "shopdb"}},
		{class: "cmdb_ci_db_postgresql_instance", name: "paydb", tags: "production, PCI", group: "DBA Team", version: "16.2", port: "5432",
			extra: Record{"instance_name": "paydb"}},
		{class: "cmdb_ci_db_mssql_instance", name: "CRMDB", group: "DBA Team", mfr: "Microsoft", version: "15.0.4355.3", port: "1433",
			extra: Record{"instance_name": "MSSQLSERVER"}},
		{class: "cmdb_ci_db_ora_instance", name: "ORCL-FIN", group: "DBA Team", mfr: "Oracle", version: "19.22", port: "1521",
			extra: Record{"instance_name": "FIN"}},

		linux("lnx-web-01", "lnx-web-01.ams.example.com", "10.10.1.11", "Amsterdam DC1", "production, team:web", "2", "8192"),
		linux("lnx-web-02", "lnx-web-02.ams.example.com", "10.10.1.12", "Amsterdam DC1", "production, team:web", "2", "8192"),
		linux("lnx-web-03", "lnx-web-03.fra.example.com", "10.20.1.13", "Frankfurt DC2", "production", "4", "16384"),
		linux("lnx-web-04", "", "10.10.1.14", "Amsterdam DC1", "production, edge", "2", "4096"),
		linux("lnx-app-01", "lnx-app-01.ams.example.com", "10.10.2.21", "Amsterdam DC1", "production", "8", "32768"),
		linux("lnx-app-02", "lnx-app-02.ams.example.com", "10.10.2.22", "Amsterdam DC1", "production", "8", "32768"),
		linux("lnx-app-03", "lnx-app-03.fra.example.com", "10.20.2.23", "Frankfurt DC2", "production, PCI", "8", "32768"),
		linux("lnx-db-01", "lnx-db-01.ams.example.com", "10.10.3.31", "Amsterdam DC1", "production, PCI", "16", "131072"),
		linux("lnx-db-02", "lnx-db-02.fra.example.com", "10.20.3.32", "Frankfurt DC2", "production", "16", "131072"),
		linux("LNX-Legacy-01", "LNX-Legacy-01.ams.example.com", "10.10.9.91", "Amsterdam DC1", "legacy", "2", "2048"),
		linux("lnx-old-09", "lnx-old-09.ams.example.com", "10.10.9.99", "Amsterdam DC1", "", "1", "1024"),

		windows("WIN-DB-01", "WIN-DB-01.corp.example.com", "10.30.1.41", "production", "Windows Server 2019 Datacenter"),
		windows("WIN-AD-01", "WIN-AD-01.corp.example.com", "10.30.1.42", "Tier 0", "Windows Server 2022 Standard"),
		windows("WIN-IIS-01", "", "10.30.1.43", "production", "Windows Server 2022 Standard"),

		{class: "cmdb_ci_ip_switch", name: "sw-core-01", ip: "10.0.0.2", loc: "Amsterdam DC1", mfr: "Cisco Systems", model: "Catalyst 9500",
			group: "Network Team", tags: "network", extra: Record{"ports": "48", "firmware_version": "17.9.4a"}},
		{class: "cmdb_ci_ip_switch", name: "sw-core-02", ip: "10.0.0.3", loc: "Frankfurt DC2", mfr: "Cisco Systems", model: "Catalyst 9500",
			group: "Network Team", tags: "network", extra: Record{"ports": "48", "firmware_version": "17.9.4a"}},
		{class: "cmdb_ci_lb_bigip", name: "lb-ext-01", ip: "198.51.100.10", fqdn: "lb-ext-01.example.com", loc: "Amsterdam DC1",
			mfr: "F5 Networks", model: "BIG-IP i5800", group: "Network Team", tags: "network, edge", extra: Record{"firmware_version": "17.1.1"}},

		{class: "cmdb_ci_computer", name: "LT-0042", loc: "Amsterdam Office", mfr: "Lenovo", model: "ThinkPad T14", owner: "bpeters",
			host: "LT-0042", os: "Windows 11 Enterprise", cpus: "8", ram: "32768"},
		{class: "cmdb_ci_computer", name: "LT-0043", loc: "Amsterdam Office", mfr: "Lenovo", model: "ThinkPad T14", owner: "cdevries",
			host: "LT-0043", os: "Windows 11 Enterprise", cpus: "8", ram: "16384"},
		{class: "cmdb_ci_printer", name: "PRN-3F-01", ip: "10.40.3.10", loc: "Amsterdam Office", mfr: "HP Inc.", model: "LaserJet M607",
			extra: Record{"color": "false"}},
	}
	// Creation order differs from insertion order, so that a reader that
	// does not ORDERBY sys_created_on sees another order.
	nci := len(cis)
	for i, c := range cis {
		created := epoch.Add(24*time.Hour + time.Duration((i*13)%nci)*time.Hour + time.Duration(i)*time.Minute)
		r := Record{
			"sys_id": SysID(c.class, c.name), "name": c.name, "sys_created_by": "admin", "sys_created_on": stamp(created),
			"sys_updated_by": "discovery", "sys_updated_on": stamp(created.Add(30*24*time.Hour + time.Duration(i)*time.Minute)),
			"sys_mod_count": fmt.Sprint(3 + i%5), "sys_tags": c.tags, "sys_domain": groups["global"],
			"company": companies["ACME Corp"], "install_status": "1", "operational_status": "1",
			"fqdn": c.fqdn, "ip_address": c.ip, "fault_count": "0", "monitor": "false", "unverified": "false",
			"discovery_source": "ServiceNow", "short_description": "",
		}
		if c.install != "" {
			r["install_status"] = c.install
		}
		if c.oper != "" {
			r["operational_status"] = c.oper
		}
		if c.fqdn != "" {
			if _, dom, ok := strings.Cut(c.fqdn, "."); ok {
				r["dns_domain"] = dom
			}
		}
		if c.loc != "" {
			r["location"] = locations[c.loc]
		}
		if c.mfr != "" {
			r["manufacturer"], r["vendor"] = companies[c.mfr], companies[c.mfr]
		}
		if c.model != "" {
			r["model_id"] = models[c.model]
		}
		if c.group != "" {
			r["support_group"], r["assignment_group"] = groups[c.group], groups[c.group]
		}
		if c.owner != "" {
			r["owned_by"], r["managed_by"] = users[c.owner], users[c.owner]
		}
		if d.Extends(c.class, "cmdb_ci_computer") {
			r["host_name"], r["os"], r["os_version"], r["cpu_count"], r["ram"] = c.host, c.os, c.osVer, c.cpus, c.ram
			r["hardware_status"] = "installed"
		}
		if d.Extends(c.class, "cmdb_ci_appl") {
			r["version"], r["tcp_port"] = c.version, c.port
		}
		if c.class == "cmdb_ci_linux_server" {
			r["kernel_release"] = c.kernel
		}
		for k, v := range c.extra {
			r[k] = v
		}
		d.insert(c.class, r)
	}
	// lnx-old-09 is retired; the laptops are in stock.
	d.ci("lnx-old-09")["install_status"] = "7"
	d.ci("lnx-old-09")["operational_status"] = "5"
	d.ci("LT-0043")["install_status"] = "6"
	d.ci("Payments")["environment"] = "production"
	d.ci("batch-scheduler")["environment"] = "test"
	d.ci("ORCL-FIN")["environment"] = "test"
	d.ci("WIN-AD-01")["maintenance_schedule"] = schedules["Patch Tuesday"]
	d.ci("lnx-db-01")["maintenance_schedule"] = schedules["Weekend maintenance"]
	d.ci("lnx-db-02")["maintenance_schedule"] = schedules["Weekend maintenance"]
	// Two bulk imports: CIs created in the same second, so that
	// ORDERBYsys_created_on alone leaves their order open.
	for _, bulk := range [][]string{
		{"lnx-app-01", "Active Directory", "lnx-db-01", "shopdb-replica"},
		{"lb-ext-01", "lnx-app-02", "batch-scheduler"},
	} {
		for _, name := range bulk[1:] {
			d.ci(name)["sys_created_on"] = d.ci(bulk[0])["sys_created_on"]
		}
	}
	d.ci("shopdb")["short_description"] = "Webshop orders & customers (primary)"
	d.ci("WIN-DB-01")["short_description"] = "SQL Server for \"CRM\"; café floor 2"

	rels := []rel{
		{parent: "Webshop", typ: "Depends on::Used by", child: "webshop-frontend"},
		{parent: "Webshop", typ: "Depends on::Used by", child: "webshop-api"},
		{parent: "Webshop", typ: "Depends on::Used by", child: "nginx-edge"},
		{parent: "Webshop", typ: "Depends on::Used by", child: "Payments", tags: "critical-path"},
		{parent: "Payments", typ: "Depends on::Used by", child: "payments-api", tags: "PCI"},
		{parent: "Customer Portal", typ: "Depends on::Used by", child: "portal-web"},
		{parent: "Customer Portal", typ: "Depends on::Used by", child: "IIS Portal"},
		{parent: "Customer Portal", typ: "Uses::Used by", child: "Active Directory"},

		{parent: "webshop-frontend", typ: "Runs on::Runs", child: "lnx-web-01"},
		{parent: "webshop-frontend", typ: "Runs on::Runs", child: "lnx-web-02"},
		{parent: "webshop-api", typ: "Runs on::Runs", child: "lnx-app-01"},
		{parent: "webshop-api", typ: "Runs on::Runs", child: "lnx-app-02"},
		{parent: "payments-api", typ: "Runs on::Runs", child: "lnx-app-03"},
		{parent: "portal-web", typ: "Runs on::Runs", child: "lnx-web-03"},
		{parent: "nginx-edge", typ: "Runs on::Runs", child: "lnx-web-04"},
		{parent: "IIS Portal", typ: "Runs on::Runs", child: "WIN-IIS-01"},
		{parent: "Active Directory", typ: "Runs on::Runs", child: "WIN-AD-01"},
		{parent: "batch-scheduler", typ: "Runs on::Runs", child: "LNX-Legacy-01"},
		{parent: "batch-scheduler", typ: "Runs on::Runs", child: "lnx-old-09"},

		{parent: "webshop-api", typ: "Depends on::Used by", child: "shopdb"},
		{parent: "webshop-api", typ: "Depends on::Used by", child: "shopdb", id: "duplicate"},
		{parent: "webshop-api", typ: "Depends on::Used by", child: "shopdb-replica"},
		{parent: "payments-api", typ: "Depends on::Used by", child: "paydb", tags: "PCI"},
		{parent: "portal-web", typ: "Depends on::Used by", child: "CRMDB"},
		{parent: "batch-scheduler", typ: "Depends on::Used by", child: "ORCL-FIN"},

		{parent: "shopdb", typ: "Runs on::Runs", child: "lnx-db-01"},
		{parent: "shopdb-replica", typ: "Runs on::Runs", child: "lnx-db-02"},
		{parent: "paydb", typ: "Runs on::Runs", child: "lnx-db-01"},
		{parent: "CRMDB", typ: "Runs on::Runs", child: "WIN-DB-01"},
		{parent: "ORCL-FIN", typ: "Runs on::Runs", child: "lnx-db-02"},

		{parent: "lb-ext-01", typ: "Depends on::Used by", child: "lnx-web-01"},
		{parent: "lb-ext-01", typ: "Depends on::Used by", child: "lnx-web-02"},
		{parent: "lnx-db-01", typ: "Connected by::Connects", child: "sw-core-01"},
		{parent: "lnx-db-02", typ: "Connected by::Connects", child: "sw-core-02"},
		{parent: "sw-core-01", typ: "Members::Member of", child: "sw-core-02"},

		{parent: "LT-0042", typ: "Uses::Used by", child: "Customer Portal"},
		{parent: "PRN-3F-01", typ: "Connected by::Connects", child: "sw-core-01"},
	}
	for i, rl := range rels {
		p, c := d.ci(rl.parent), d.ci(rl.child)
		key := p["sys_id"] + "/" + rl.typ + "/" + c["sys_id"] + rl.id
		created := epoch.Add(60*24*time.Hour + time.Duration((i*11)%len(rels))*time.Hour)
		d.insert("cmdb_rel_ci", Record{
			"sys_id": SysID("cmdb_rel_ci", key), "parent": p["sys_id"], "child": c["sys_id"], "type": relTypes[rl.typ],
			"sys_tags": rl.tags, "connection_strength": "always", "percent_outage": "100",
			"sys_created_by": "discovery", "sys_created_on": stamp(created), "sys_updated_by": "discovery",
			"sys_updated_on": stamp(created), "sys_mod_count": "0",
		})
	}
	return d
}

// ci returns the configuration item named name; it panics when there is
// none, since only Default calls it with names it inserted.
func (d *Data) ci(name string) Record {
	for _, r := range d.rows["cmdb_ci"] {
		if r["name"] == name {
			return r
		}
	}
	panic("snfake: no CI " + name)
}

// CI returns the configuration item named name.
func (d *Data) CI(name string) (Record, bool) {
	for _, r := range d.rows["cmdb_ci"] {
		if r["name"] == name {
			return r, true
		}
	}
	return nil, false
}

func linux(name, fqdn, ip, loc, tags, cpus, ram string) ci {
	mfr, model := "Dell Inc.", "PowerEdge R650"
	if strings.Contains(loc, "Frankfurt") {
		mfr, model = "Hewlett Packard Enterprise", "ProLiant DL380 Gen10"
	}
	return ci{class: "cmdb_ci_linux_server", name: name, fqdn: fqdn, ip: ip, loc: loc, tags: tags, mfr: mfr, model: model,
		group: "Linux Ops", host: strings.ToLower(name), os: "Linux Red Hat", osVer: "9.3", cpus: cpus, ram: ram,
		kernel: "5.14.0-362.8.1.el9_3.x86_64", extra: Record{"used_for": "Production"}}
}

func windows(name, fqdn, ip, tags, os string) ci {
	return ci{class: "cmdb_ci_win_server", name: name, fqdn: fqdn, ip: ip, loc: "Amsterdam DC1", tags: tags,
		mfr: "Dell Inc.", model: "PowerEdge R650", group: "Windows Ops", host: name, os: os, osVer: "10.0.17763",
		cpus: "8", ram: "65536", extra: Record{"used_for": "Production", "os_domain": "CORP"}}
}
