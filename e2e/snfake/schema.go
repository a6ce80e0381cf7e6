package snfake

import (
	"strconv"
	"strings"
	"time"
)

// Kind is the kind of a field, which decides its display value and its
// shape in a response.
type Kind int

const (
	// String fields show their value as it is.
	String Kind = iota
	// Choice fields store a code and show its label ("1" shows "Installed").
	Choice
	// Reference fields store the sys_id of a record of another table and
	// show that record's display field; responses add a link to it.
	Reference
	// DateTime fields store UTC ("2006-01-02 15:04:05") and show the
	// time in the user's time zone.
	DateTime
	// Integer fields store digits and show them with thousands separators.
	Integer
	// Boolean fields store and show "true" or "false".
	Boolean
	// Tags is sys_tags: nothing is stored in the row, the display value is
	// the comma-separated names of the record's tags.
	Tags
)

// Field is one column of a table.
type Field struct {
	Name string
	Kind Kind
	// Ref is the table a Reference field points at.
	Ref string
	// Choices maps a Choice field's codes to their labels.
	Choices map[string]string
}

// Table is a table of the instance. Tables that extend another (Super)
// inherit its fields and share its rows: the rows of cmdb_ci_server are
// the rows of cmdb_ci whose sys_class_name is cmdb_ci_server or a table
// that extends it.
type Table struct {
	Name   string
	Label  string
	Super  string
	Fields []Field
	// Display is the field that a reference to this table shows; "name"
	// when empty.
	Display string
}

// UserZone is the time zone of every user of the fake; display values of
// date-time fields are in it, as ServiceNow shows them in the requesting
// user's zone.
var UserZone = time.FixedZone("PST", -8*3600)

var (
	installStatus = map[string]string{"1": "Installed", "3": "In Maintenance", "6": "In Stock", "7": "Retired", "100": "Absent"}
	operStatus    = map[string]string{"1": "Operational", "2": "Non-Operational", "3": "Repair in Progress", "5": "Retired"}
	criticality   = map[string]string{"1": "1 - most critical", "2": "2 - somewhat critical", "3": "3 - less critical", "4": "4 - not critical"}
	usedFor       = map[string]string{"Production": "Production", "Staging": "Staging", "QA": "QA", "Development": "Development"}
	environment   = map[string]string{"production": "Production", "development": "Development", "test": "Test"}
	hwStatus      = map[string]string{"installed": "Installed", "retired": "Retired", "in_stock": "In Stock"}
	strength      = map[string]string{"always": "Always", "occasionally": "Occasionally"}
)

func str(name string) Field        { return Field{Name: name, Kind: String} }
func ref(name, table string) Field { return Field{Name: name, Kind: Reference, Ref: table} }
func choice(name string, c map[string]string) Field {
	return Field{Name: name, Kind: Choice, Choices: c}
}
func date(name string) Field    { return Field{Name: name, Kind: DateTime} }
func integer(name string) Field { return Field{Name: name, Kind: Integer} }
func boolean(name string) Field { return Field{Name: name, Kind: Boolean} }

// sysFields are the system fields every table has.
func sysFields() []Field {
	return []Field{
		str("sys_id"), str("sys_created_by"), date("sys_created_on"), str("sys_updated_by"),
		date("sys_updated_on"), integer("sys_mod_count"), Field{Name: "sys_tags", Kind: Tags},
	}
}

// Tables returns the dictionary of the fake instance: a representative
// part of the CMDB class hierarchy and the tables its references point at.
// cmdb_ci holds a subset of the real table's columns; the class tables add
// their own, so GET /api/now/table/cmdb_ci returns no host_name while GET
// /api/now/table/cmdb_ci_linux_server does, as on a real instance.
func Tables() []Table {
	ci := append(sysFields(),
		ref("sys_domain", "sys_user_group"), str("name"), Field{Name: "sys_class_name", Kind: Choice},
		str("asset_tag"), ref("assigned_to", "sys_user"), ref("assignment_group", "sys_user_group"),
		str("attributes"), str("category"), str("comments"), ref("company", "core_company"),
		str("correlation_id"), str("discovery_source"), str("dns_domain"), choice("environment", environment),
		integer("fault_count"), date("first_discovered"), str("fqdn"), date("install_date"),
		choice("install_status", installStatus), str("ip_address"), date("last_discovered"),
		ref("location", "cmn_location"), str("mac_address"), ref("maintenance_schedule", "cmn_schedule"),
		ref("managed_by", "sys_user"), ref("manufacturer", "core_company"), ref("model_id", "cmdb_model"),
		boolean("monitor"), choice("operational_status", operStatus), ref("owned_by", "sys_user"),
		str("serial_number"), str("short_description"), str("subcategory"),
		ref("support_group", "sys_user_group"), boolean("unverified"), ref("vendor", "core_company"),
	)
	return []Table{
		{Name: "cmdb_ci", Label: "Configuration Item", Fields: ci},
		{Name: "cmdb_ci_hardware", Label: "Hardware", Super: "cmdb_ci", Fields: []Field{
			choice("hardware_status", hwStatus), str("default_gateway"),
		}},
		{Name: "cmdb_ci_computer", Label: "Computer", Super: "cmdb_ci_hardware", Fields: []Field{
			str("host_name"), str("os"), str("os_version"), str("os_domain"), integer("cpu_count"),
			integer("ram"), boolean("virtual"),
		}},
		{Name: "cmdb_ci_server", Label: "Server", Super: "cmdb_ci_computer", Fields: []Field{
			choice("used_for", usedFor),
		}},
		{Name: "cmdb_ci_linux_server", Label: "Linux Server", Super: "cmdb_ci_server", Fields: []Field{
			str("kernel_release"),
		}},
		{Name: "cmdb_ci_win_server", Label: "Windows Server", Super: "cmdb_ci_server", Fields: []Field{
			str("os_service_pack"),
		}},
		{Name: "cmdb_ci_printer", Label: "Printer", Super: "cmdb_ci_hardware", Fields: []Field{
			boolean("color"),
		}},
		{Name: "cmdb_ci_netgear", Label: "Network Gear", Super: "cmdb_ci_hardware", Fields: []Field{
			integer("ports"), str("firmware_version"),
		}},
		{Name: "cmdb_ci_ip_switch", Label: "IP Switch", Super: "cmdb_ci_netgear"},
		{Name: "cmdb_ci_lb", Label: "Load Balancer", Super: "cmdb_ci_netgear"},
		{Name: "cmdb_ci_lb_bigip", Label: "F5 BIG-IP", Super: "cmdb_ci_lb"},
		{Name: "cmdb_ci_appl", Label: "Application", Super: "cmdb_ci", Fields: []Field{
			str("version"), str("tcp_port"), str("install_directory"), choice("used_for", usedFor),
		}},
		{Name: "cmdb_ci_app_server", Label: "Application Server", Super: "cmdb_ci_appl"},
		{Name: "cmdb_ci_app_server_tomcat", Label: "Tomcat", Super: "cmdb_ci_app_server"},
		{Name: "cmdb_ci_app_server_java", Label: "Java Server", Super: "cmdb_ci_app_server"},
		{Name: "cmdb_ci_db_instance", Label: "Database Instance", Super: "cmdb_ci_appl", Fields: []Field{
			str("instance_name"),
		}},
		{Name: "cmdb_ci_db_mysql_instance", Label: "MySQL Instance", Super: "cmdb_ci_db_instance"},
		{Name: "cmdb_ci_db_postgresql_instance", Label: "PostgreSQL Instance", Super: "cmdb_ci_db_instance"},
		{Name: "cmdb_ci_db_mssql_instance", Label: "MSFT SQL Instance", Super: "cmdb_ci_db_instance"},
		{Name: "cmdb_ci_db_ora_instance", Label: "Oracle Instance", Super: "cmdb_ci_db_instance"},
		{Name: "cmdb_ci_service", Label: "Business Service", Super: "cmdb_ci", Fields: []Field{
			choice("busines_criticality", criticality), choice("used_for", usedFor), str("version"),
		}},
		{Name: "cmdb_rel_ci", Label: "CI Relationship", Display: "type", Fields: append(sysFields(),
			ref("parent", "cmdb_ci"), ref("child", "cmdb_ci"), ref("type", "cmdb_rel_type"),
			choice("connection_strength", strength), str("port"), integer("percent_outage"),
		)},
		{Name: "cmdb_rel_type", Label: "CI Relationship Type", Fields: append(sysFields(),
			str("name"), str("parent_descriptor"), str("child_descriptor"),
		)},
		{Name: "sys_user", Label: "User", Fields: append(sysFields(), str("name"), str("user_name"), str("email"))},
		{Name: "sys_user_group", Label: "Group", Fields: append(sysFields(), str("name"))},
		{Name: "core_company", Label: "Company", Fields: append(sysFields(), str("name"))},
		{Name: "cmn_location", Label: "Location", Fields: append(sysFields(), str("name"), str("city"))},
		{Name: "cmn_schedule", Label: "Schedule", Fields: append(sysFields(), str("name"))},
		{Name: "cmdb_model", Label: "Product Model", Fields: append(sysFields(), str("name"))},
	}
}

// displayInteger formats digits the way ServiceNow shows integers: 16384
// shows "16,384".
func displayInteger(v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// displayDateTime shows a stored UTC date-time in UserZone.
func displayDateTime(v string) string {
	t, err := time.Parse(time.DateTime, v)
	if err != nil {
		return v
	}
	return t.In(UserZone).Format(time.DateTime)
}
