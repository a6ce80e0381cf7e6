package cmdb

import "slices"

// A class is a ServiceNow CI class (sys_class_name) with what the
// generator needs to make CIs of it.
type class struct {
	name   string // sys_class_name
	weight int    // CIs of this class in every hundred
	// prefix starts the host-like names of the class's CIs; empty for the
	// classes whose names are words (business services, applications).
	prefix string
	// hardware classes have serial numbers, asset tags and MAC addresses.
	hardware bool
	// server classes have CPUs and RAM.
	server bool
	os     []osRelease
	makers []maker
	group  string // assignment group
	source string // discovery_source
	// rels are the two relationships a CI of this class is the parent of.
	rels [2]relRule
}

// osRelease is an os and os_version pair.
type osRelease struct{ os, version string }

// maker is a manufacturer and one of its models.
type maker struct{ name, model string }

// relRule is one relationship of a class: its type, towards a CI of the
// class child.
type relRule struct {
	typ   int // index in relTypes
	child int // index in classes
}

// The names of the relationship types (cmdb_rel_type records) the
// generator uses: the parent's side, "::", the child's side. The type field
// of cmdb_rel_ci holds their sys_ids, relTypeIDs.
var relTypes = []string{
	"Depends on::Used by",
	"Runs on::Runs",
	"Hosted on::Hosts",
	"Virtualized by::Virtualizes",
	"Connected by::Connects",
	"Sends data to::Receives data from",
	"Members::Member of",
}

// Indices in relTypes.
const (
	dependsOn = iota
	runsOn
	hostedOn
	virtualizedBy
	connectedBy
	sendsDataTo
	members
)

// Indices in classes.
const (
	service = iota
	appl
	tomcat
	apache
	mysql
	mssql
	linux
	windows
	esx
	ipSwitch
	router
	bigip
)

var (
	dell   = maker{"Dell Inc.", "PowerEdge R750"}
	hpe    = maker{"Hewlett Packard Enterprise", "ProLiant DL380 Gen10 Plus"}
	lenovo = maker{"Lenovo", "ThinkSystem SR650 V2"}
	vmware = maker{"VMware, Inc.", "VMware Virtual Platform"}
)

// classes are the classes of the generated CIs. Their weights add up to
// 100.
var classes = []class{
	service: {name: "cmdb_ci_service", weight: 4,
		group: "Service Owners", source: "Manual Entry",
		rels: [2]relRule{{dependsOn, appl}, {dependsOn, bigip}}},
	appl: {name: "cmdb_ci_appl", weight: 8,
		group: "App Support", source: "ServiceNow",
		rels: [2]relRule{{runsOn, tomcat}, {dependsOn, mysql}}},
	tomcat: {name: "cmdb_ci_app_server_tomcat", weight: 10, prefix: "tomcat",
		makers: []maker{{"Apache Software Foundation", "Tomcat 9"}, {"Apache Software Foundation", "Tomcat 10.1"}},
		group:  "App Support", source: "ServiceNow",
		rels: [2]relRule{{runsOn, linux}, {dependsOn, mysql}}},
	apache: {name: "cmdb_ci_apache_web_server", weight: 6, prefix: "httpd",
		makers: []maker{{"Apache Software Foundation", "HTTP Server 2.4"}},
		group:  "App Support", source: "ServiceNow",
		rels: [2]relRule{{runsOn, linux}, {sendsDataTo, tomcat}}},
	mysql: {name: "cmdb_ci_db_mysql_instance", weight: 6, prefix: "mysql",
		makers: []maker{{"Oracle", "MySQL 8.0"}, {"Oracle", "MySQL 8.4"}},
		group:  "DBA Team", source: "ServiceNow",
		rels: [2]relRule{{runsOn, linux}, {sendsDataTo, mysql}}},
	mssql: {name: "cmdb_ci_db_mssql_instance", weight: 4, prefix: "mssql",
		makers: []maker{{"Microsoft", "SQL Server 2019"}, {"Microsoft", "SQL Server 2022"}},
		group:  "DBA Team", source: "SCCM",
		rels: [2]relRule{{runsOn, windows}, {sendsDataTo, mssql}}},
	linux: {name: "cmdb_ci_linux_server", weight: 30, prefix: "lnx",
		hardware: true, server: true,
		os:     []osRelease{{"Linux Red Hat", "9.4"}, {"Linux Red Hat", "8.10"}, {"Linux Ubuntu", "22.04"}, {"Linux SuSE", "15 SP5"}},
		makers: []maker{vmware, vmware, dell, hpe},
		group:  "Linux Ops", source: "ServiceNow",
		rels: [2]relRule{{virtualizedBy, esx}, {connectedBy, ipSwitch}}},
	windows: {name: "cmdb_ci_win_server", weight: 14, prefix: "win",
		hardware: true, server: true,
		os:     []osRelease{{"Windows 2019 Standard", "1809"}, {"Windows 2022 Datacenter", "21H2"}},
		makers: []maker{vmware, vmware, dell, lenovo},
		group:  "Windows Ops", source: "SCCM",
		rels: [2]relRule{{hostedOn, esx}, {connectedBy, ipSwitch}}},
	esx: {name: "cmdb_ci_esx_server", weight: 6, prefix: "esx",
		hardware: true, server: true,
		os:     []osRelease{{"ESXi", "8.0.2"}, {"ESXi", "7.0.3"}},
		makers: []maker{dell, hpe, lenovo},
		group:  "Virtualization", source: "ServiceNow",
		rels: [2]relRule{{connectedBy, ipSwitch}, {connectedBy, ipSwitch}}},
	ipSwitch: {name: "cmdb_ci_ip_switch", weight: 6, prefix: "sw",
		hardware: true,
		os:       []osRelease{{"IOS-XE", "17.9.4"}, {"NX-OS", "10.3(4a)"}},
		makers:   []maker{{"Cisco Systems", "Catalyst 9300-48P"}, {"Cisco Systems", "Nexus 93180YC-FX"}},
		group:    "Network Ops", source: "ServiceNow",
		rels: [2]relRule{{connectedBy, router}, {connectedBy, ipSwitch}}},
	router: {name: "cmdb_ci_ip_router", weight: 3, prefix: "rtr",
		hardware: true,
		os:       []osRelease{{"IOS-XR", "7.9.2"}},
		makers:   []maker{{"Cisco Systems", "ASR 1001-X"}},
		group:    "Network Ops", source: "ServiceNow",
		rels: [2]relRule{{connectedBy, router}, {connectedBy, ipSwitch}}},
	bigip: {name: "cmdb_ci_lb_bigip", weight: 3, prefix: "lb",
		hardware: true,
		os:       []osRelease{{"TMOS", "17.1.1"}},
		makers:   []maker{{"F5 Networks", "BIG-IP i5800"}},
		group:    "Network Ops", source: "ServiceNow",
		rels: [2]relRule{{members, apache}, {connectedBy, ipSwitch}}},
}

// Classes returns the sys_class_name values the generator uses.
func Classes() []string {
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = c.name
	}
	return names
}

// A RelationType is a relationship type (a cmdb_rel_type record) the
// generator uses.
type RelationType struct {
	// Name is the type's name, such as "Runs on::Runs": the parent's
	// side, "::", the child's side.
	Name string
	// SysID is the type's sys_id, which the type field of the
	// relationships holds.
	SysID string
}

// RelationTypes returns the relationship types the generator uses.
func RelationTypes() []RelationType {
	types := make([]RelationType, len(relTypes))
	for i, name := range relTypes {
		types[i] = RelationType{Name: name, SysID: relTypeIDs[i]}
	}
	return types
}

// The class of CI i is pattern[i%100]: each class takes weight of every
// hundred slots, spread over them in a fixed shuffled order so that even a
// small export has most classes. slots[c] lists the slots of class c in
// increasing order.
var (
	pattern [100]uint8
	slots   [][]int
)

func init() {
	order := make([]int, 0, 100)
	for c, cl := range classes {
		for range cl.weight {
			order = append(order, c)
		}
	}
	if len(order) != len(pattern) {
		panic("cmdb: the class weights must add up to 100")
	}
	// A fixed permutation: the slots sorted by a hash of their number.
	perm := make([]int, len(pattern))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int {
		ha, hb := mix(uint64(a)^0x5eed), mix(uint64(b)^0x5eed)
		if ha < hb {
			return -1
		}
		return 1
	})
	slots = make([][]int, len(classes))
	for i, slot := range perm {
		pattern[slot] = uint8(order[i])
	}
	for slot, c := range pattern {
		slots[c] = append(slots[c], slot)
	}
}

// classOf returns the class of CI i.
func classOf(i int) int { return int(pattern[i%len(pattern)]) }

// countOf returns how many of the CIs 0…n-1 are of class c.
func countOf(c, n int) int {
	k := n / len(pattern) * len(slots[c])
	for _, s := range slots[c] {
		if s < n%len(pattern) {
			k++
		}
	}
	return k
}

// nthOf returns the index of the m-th CI (from 0) of class c.
func nthOf(c, m int) int {
	s := slots[c]
	return m/len(s)*len(pattern) + s[m%len(s)]
}
