package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Mapping is one mapping file as written, with defaults applied.
type Mapping struct {
	// Path is the file the mapping was loaded from; Dir is its directory,
	// which relative paths in the mapping start from.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`
	Pos  Pos    `yaml:"-"`
	// Secrets are the values expanded from secret references; they are
	// redacted wherever the mapping's output is shown.
	Secrets []string `yaml:"-"`
	dec     *Decoder

	Name      String        `yaml:"name" required:"true" doc:"Unique name of the mapping; it names logs, metrics, state and the health stream. Letters, digits, '.', '_' and '-'." example:"\"servicenow-cmdb\""`
	Schedule  String        `yaml:"schedule" doc:"When the daemon runs the mapping: cron with 5 or 6 fields (optionally CRON_TZ=Zone first), @hourly-style descriptors or @every 5m." example:"\"*/5 * * * *\""`
	Timeout   time.Duration `yaml:"timeout" doc:"Limit for one whole run, such as 2m. Default: the schedule interval, or 5m without a schedule." example:"\"2m\""`
	OnInvalid string        `yaml:"on_invalid" enum:"fail,drop" doc:"What an invalid element does: fail the run (default) or drop the element and report it." example:"\"drop\""`
	MaxShrink *float64      `yaml:"max_shrink" doc:"Shrink guard: the largest share, in percent, of the last delivered snapshot's components a run may remove; a run that would remove more sends nothing unless forced. Default 50; 100 turns the guard off." example:"20"`
	Vars      Vars          `yaml:"vars" doc:"Named values available as $vars.<name> in every expression and template. ${VAR}, ${VAR:-default} and ${file:PATH} are expanded once, at load." example:"{\"base\": \"${SN_URL}\", \"password\": \"${SN_PASSWORD}\"}"`
	Instance  *Instance     `yaml:"instance" doc:"The topology source: the type and URL of the Custom Synchronization StackPack instance. Default: type stackmap, URL stackmap://<name>." example:"{\"type\": \"servicenow\", \"url\": \"{{ $vars.base }}\"}"`
	Defaults  Defaults      `yaml:"defaults" doc:"Layer, domain and environment for components that do not set them." example:"{\"layer\": \"Machines\", \"domain\": \"CMDB\", \"environment\": \"Production\"}"`
	Sources   []Source      `yaml:"sources" doc:"Where records come from, run in order; each binds $<name>, the list of its records, for later sources and all rules." example:"[{\"name\": \"cis\", \"file\": {\"path\": \"data/cis.json\"}, \"records\": \".result[]\"}]"`

	Components []Rule `yaml:"components" doc:"Rules whose jq emits components." example:"[{\"name\": \"servers\", \"each\": \"$cis[]\", \"jq\": \"{id: .sys_id, type: \\\"server\\\", name}\"}]"`
	Relations  []Rule `yaml:"relations" doc:"Rules whose jq emits relations." example:"[{\"each\": \"$rels[]\", \"jq\": \"{source: .parent, target: .child, type: \\\"runs_on\\\"}\"}]"`
	Metrics    []Rule `yaml:"metrics" doc:"Rules whose jq emits metric points." example:"[{\"each\": \"$cis[]\", \"jq\": \"{name: \\\"cmdb.ci.up\\\", value: 1, tags: {component: .sys_id}}\"}]"`
	Events     []Rule `yaml:"events" doc:"Rules whose jq emits events." example:"[{\"each\": \"$changes[]\", \"jq\": \"{title, type: \\\"ChangeEvent\\\", identifiers: [.ci | urn_host]}\"}]"`
	Health     []Rule `yaml:"health" doc:"Rules whose jq emits health check states." example:"[{\"each\": \"$alerts[]\", \"jq\": \"{id, name: \\\"Alerts\\\", health: .severity, identifier: (.host | urn_host)}\"}]"`

	Tests []TestCase `yaml:"tests" doc:"Tests of the mapping, run by stackmap test; they may also live beside it in <name>.test.yaml." example:"[{\"name\": \"maps the export\", \"expect\": {\"components\": {\"count\": 8}}}]"`

	State Expr `yaml:"state" doc:"jq run after a run that delivered, with every source bound; its value is kept in the state directory and is $state in the next run (a change cursor, say). Without it $state is null." example:"\"{last: ([$changes[].ts] | max)}\""`
}

// Instance is the topology source of a mapping.
type Instance struct {
	Pos  Pos      `yaml:"-"`
	Type Template `yaml:"type" required:"true" doc:"Instance type, as typed into the Custom Synchronization StackPack." example:"\"servicenow\""`
	URL  Template `yaml:"url" required:"true" doc:"Instance URL, as typed into the Custom Synchronization StackPack." example:"\"https://acme.service-now.com\""`
}

// Defaults are values for components that lack them.
type Defaults struct {
	Layer       string `yaml:"layer" doc:"Layer of components without one, such as Machines." example:"\"Machines\""`
	Domain      string `yaml:"domain" doc:"Domain of components without one." example:"\"CMDB\""`
	Environment string `yaml:"environment" doc:"Environment of components without one, such as Production." example:"\"Production\""`
}

// Rule turns records into elements of one kind.
type Rule struct {
	Pos       Pos    `yaml:"-"`
	Name      string `yaml:"name" doc:"Name of the rule, shown in errors, preview and metrics. Default: <kind>[<index>]." example:"\"servers\""`
	Each      Expr   `yaml:"each" doc:"jq whose outputs are the records the rule runs on, one at a time, such as $servers[]. Without it the rule runs once with . = null." example:"\"$cis[]\""`
	When      Expr   `yaml:"when" doc:"jq run on each record; records for which it is false or null are skipped and counted as dropped." example:"\".install_status != \\\"7\\\"\""`
	JQ        Expr   `yaml:"jq" required:"true" doc:"jq run on each record; every object it emits is one element." example:"\"{id: .sys_id, type: .sys_class_name, name}\""`
	OnInvalid string `yaml:"on_invalid" enum:"fail,drop" doc:"Overrides the mapping's on_invalid for this rule." example:"\"drop\""`
}

// Source is one source of records. Its kind-specific settings stay a YAML
// node until the source kind named by Kind decodes them.
type Source struct {
	Pos     Pos
	Name    String
	Kind    string
	KindPos Pos
	Spec    *yaml.Node
	Records Expr
}

// Dir returns the directory of the mapping file the source is in, which
// relative paths start from.
func (s *Source) Dir() string { return filepath.Dir(s.Pos.File) }

// UnmarshalNode decodes a source: name, records and one kind key.
func (s *Source) UnmarshalNode(d *Decoder, n *yaml.Node) {
	s.Pos = d.pos(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "expected a source (a mapping with name, one kind such as file, and records), got %s", kindName(n))
		return
	}
	d.pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "name":
			s.Name.UnmarshalNode(d, v)
		case "records":
			s.Records.UnmarshalNode(d, v)
		default:
			if s.Kind != "" {
				d.Errorf(k, "a source has one kind, but this one has %q and %q; split it into two sources", s.Kind, k.Value)
				return
			}
			s.Kind, s.KindPos, s.Spec = k.Value, d.pos(k), v
		}
	})
	if s.Name.Value == "" && !s.Name.Pos.IsValid() {
		d.Errorf(n, "missing required key \"name\"")
	}
	if s.Kind == "" {
		d.Errorf(n, "the source names no kind; add one of its kinds, such as file:")
	}
}

// String is a string value with its position.
type String struct {
	Value string
	Pos   Pos
}

// UnmarshalNode decodes a string scalar, expanding ${…}.
func (s *String) UnmarshalNode(d *Decoder, n *yaml.Node) {
	s.Pos = d.pos(n)
	if isNull(n) {
		return
	}
	s.Value, _ = d.Scalar(n)
}

// Var is one entry of vars.
type Var struct {
	Name  string
	Value any
	Pos   Pos
}

// Vars are the mapping's named values, in file order.
type Vars []Var

// UnmarshalNode decodes vars from a mapping node.
func (vs *Vars) UnmarshalNode(d *Decoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "vars must be a mapping of names to values, got %s", kindName(n))
		return
	}
	d.pairs(n, func(k, v *yaml.Node) {
		if !identRE.MatchString(k.Value) {
			d.Errorf(k, "var name %q must start with a letter or _ and hold only letters, digits and _", k.Value)
		}
		val, _ := d.Value(v)
		if SecretName(k.Value) {
			collectStrings(val, d.secret)
		}
		*vs = append(*vs, Var{Name: k.Value, Value: val, Pos: d.pos(k)})
	})
}

// Map returns the vars as an object.
func (vs Vars) Map() map[string]any {
	m := make(map[string]any, len(vs))
	for _, v := range vs {
		m[v.Name] = v.Value
	}
	return m
}

func collectStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			collectStrings(x, fn)
		}
	case map[string]any:
		for _, x := range v {
			collectStrings(x, fn)
		}
	}
}

var (
	identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	// ReservedNames are jq variables that sources may not take.
	ReservedNames = []string{"vars", "instance", "now", "state", "ENV", "__loc__", "__prog_args"}
)

// RuleKinds are the element kinds, in the order their rules run.
var RuleKinds = []string{"components", "relations", "metrics", "events", "health"}

// Rules returns the rules of one kind of RuleKinds.
func (m *Mapping) Rules(kind string) []Rule {
	switch kind {
	case "components":
		return m.Components
	case "relations":
		return m.Relations
	case "metrics":
		return m.Metrics
	case "events":
		return m.Events
	case "health":
		return m.Health
	}
	panic(fmt.Sprintf("config: unknown rule kind %q", kind))
}

// DecodeSpec decodes node, a part of this mapping's file such as a source
// kind's settings, into out with the same strict rules, ${…} expansion and
// positions as the rest of the mapping.
func (m *Mapping) DecodeSpec(n *yaml.Node, out any) error {
	d := m.dec
	if d == nil {
		d = NewDecoder(m.Path, m.Dir, nil)
	}
	before := len(d.errs)
	d.Secrets = d.Secrets[:0]
	d.Decode(n, out)
	m.Secrets = append(m.Secrets, d.Secrets...)
	errs := append(ErrorList(nil), d.errs[before:]...)
	d.errs = d.errs[:before]
	return errs.Err()
}
