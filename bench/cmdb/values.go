package cmdb

// The value tables the fields are drawn from. Every value is the stored
// value, as the Table API returns it by default; a choice field holds the
// choice's value ("1", "production"), not its label ("Operational",
// "Production"). A reference field (location, company, manufacturer,
// model_id, assignment_group, and parent, child and type of cmdb_rel_ci)
// holds the referenced record's sys_id; ref makes the sys_ids of the
// records that are not CIs from their names, which the export does not
// show.

// A site is a data centre: a location and a DNS domain.
type site struct {
	code, location string
	locationID     string
}

var sites = []site{
	{code: "ams", location: "Amsterdam DC1"},
	{code: "fra", location: "Frankfurt DC2"},
	{code: "lon", location: "London Docklands"},
	{code: "nyc", location: "New York NY5"},
	{code: "dal", location: "Dallas DFW1"},
	{code: "sgp", location: "Singapore SG3"},
}

// weightedValue is a value and how many times in a hundred it comes.
type weightedValue struct {
	value  string
	weight int
}

// weighted lists values by weight: a value that should come k times in a
// hundred is listed k times, so that a hash picks it with that likelihood.
func weighted(vs ...weightedValue) []string {
	var out []string
	for _, v := range vs {
		for range v.weight {
			out = append(out, v.value)
		}
	}
	return out
}

// w is short for a weightedValue.
func w(value string, weight int) weightedValue {
	return weightedValue{value, weight}
}

var (
	// The labels of the choices, which the export does not hold, are in
	// the comments.
	environments = weighted(
		w("production", 60), w("staging", 10), w("test", 10), w("development", 10), w("", 10))
	operationalStatuses = weighted(
		w("1", 85), // Operational
		w("2", 5),  // Non-Operational
		w("3", 3),  // Repair in Progress
		w("5", 3),  // Ready
		w("6", 4))  // Retired
	installStatuses = weighted(
		w("1", 85),  // Installed
		w("3", 5),   // In Maintenance
		w("6", 3),   // In Stock
		w("7", 4),   // Retired
		w("100", 3)) // Absent
	connectionStrengths = weighted(w("always", 80), w("occasionally", 15), w("infrequently", 5))
	sysTags             = weighted(w("", 80), w("pci", 8), w("critical-path", 6), w("PCI, Tier 1", 6))
	// companies are the companies' names here; init turns them into their
	// sys_ids.
	companies = weighted(w("ACME Corp", 80), w("ACME Retail B.V.", 15), w("ACME Logistics GmbH", 5))
	createdBy = []string{"discovery", "discovery", "discovery", "sn.import", "admin"}
)

// descriptions are the short descriptions, some empty, some with
// characters that JSON must escape or that are not ASCII.
var descriptions = []string{
	"",
	"",
	"Production workload",
	"Managed by the platform team – see runbook RB-114",
	`Serves the "Checkout" flow`,
	`Files on \\fs01\apps\shared`,
	"Café floor 2, rack B12",
	"Legacy batch host\nscheduled for decommissioning",
	"Hosts <internal> & external endpoints",
	"Tier 1 — 24×7 support",
}

// words name business services and applications: a title for the
// service, a slug for applications and host-like names.
var words = []struct{ title, slug string }{
	{"Payments", "payments"}, {"Webshop", "webshop"}, {"Customer Portal", "portal"},
	{"Billing", "billing"}, {"Email", "email"}, {"CRM", "crm"}, {"HR Portal", "hr"},
	{"Logistics", "logistics"}, {"Reporting", "reporting"}, {"Identity", "identity"},
	{"Search", "search"}, {"Inventory", "inventory"},
}

// ports are the relationship ports, empty for most.
var ports = []string{"", "", "", "", "", "443", "8080", "3306", "1433", "8443"}

// percentOutages are the relationships' percent_outage values.
var percentOutages = []string{"100", "100", "100", "50", "25", ""}

// The sys_ids of the referenced records, made from their names.
var (
	relTypeIDs   []string
	classMakers  [][]makerRef
	classGroupID []string
)

// makerRef is a maker with the sys_ids of its records.
type makerRef struct {
	maker
	makerID, modelID string
}

func init() {
	for i := range sites {
		sites[i].locationID = ref("cmn_location", sites[i].location)
	}
	for i, name := range companies {
		companies[i] = ref("core_company", name)
	}
	for _, t := range relTypes {
		relTypeIDs = append(relTypeIDs, ref("cmdb_rel_type", t))
	}
	classMakers = make([][]makerRef, len(classes))
	classGroupID = make([]string, len(classes))
	for c, cl := range classes {
		for _, m := range cl.makers {
			classMakers[c] = append(classMakers[c], makerRef{m, ref("core_company", m.name), ref("cmdb_model", m.name+" "+m.model)})
		}
		classGroupID[c] = ref("sys_user_group", cl.group)
	}
}

// ref returns the sys_id of the record of a table with a name: 32 hex
// digits that depend on nothing else.
func ref(table, name string) string {
	h := uint64(14695981039346656037) // FNV-1a
	for _, s := range []string{table, "\x00", name} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return string(appendHex128(nil, mix(h), mix(h^0xa5a5a5a5a5a5a5a5)))
}
