package mapping

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/model"
	"github.com/stackmap/stackmap/engine/schedule"
	"github.com/stackmap/stackmap/engine/source"
	"github.com/stackmap/stackmap/engine/spell"
)

// DefaultTimeout limits a run of a mapping without schedule or timeout.
const DefaultTimeout = 5 * time.Minute

// defaultRecords splits a document that is a list into its items.
const defaultRecords = `if type == "array" then .[] else . end`

// Plan is a compiled mapping.
type Plan struct {
	Name string
	// NamePos is where the name is written.
	NamePos config.Pos
	Path    string
	// Schedule is nil when the mapping has none.
	Schedule     schedule.Schedule
	ScheduleSpec string
	// Interval is the time between two scheduled runs; zero without a
	// schedule.
	Interval time.Duration
	Timeout  time.Duration
	// MaxShrink is the shrink guard's limit, in percent.
	MaxShrink float64

	vars        map[string]any
	defaults    config.Defaults
	instType    *expr.Template
	instURL     *expr.Template
	sources     []*sourcePlan
	rules       []*rulePlan
	hasHealth   bool
	state       *expr.Program
	hasTopology bool
	// independent tells that all sources are files and none uses
	// another, so that all may be read at once. Sources that make requests
	// are fetched one after another, so that a failing one spares the
	// APIs of those after it.
	independent bool
	secrets     []string
	redactor    *config.Redactor
}

type sourcePlan struct {
	name, kind string
	pos        config.Pos
	fetcher    source.Fetcher
	records    *expr.Program
	nvars      int
	// path is the records expression as a plain path .a.b[] (splitPath),
	// which SplitJSON can take; splitDefault marks the default records
	// expression.
	path         []string
	splitPath    bool
	splitDefault bool
	// eager marks a source a later source or the state expression
	// mentions: its records are decoded into a list as soon as it is
	// fetched.
	eager bool
}

type rulePlan struct {
	kind, name string
	pos        config.Pos
	each       *expr.Program
	when       *expr.Program
	jq         *expr.Program
	drop       bool
	// over is the index of the source whose records the rule runs on
	// when its each is exactly $source[], else -1.
	over int
	// needs are the indexes of the sources the rule's expressions
	// mention otherwise, whose lists must be decoded before it runs.
	needs []int
	// keys, when set, are the only keys of a record that when and jq
	// read: raw records need only those decoded.
	keys *expr.Keys
	// maps holds emptied maps that records cut down to keys were decoded
	// into, for the next records.
	maps sync.Pool
	// drops tells that the rule is the last to read the records of the
	// source it runs over, so that it may give their text back as it goes.
	drops bool
}

// Compile turns a loaded mapping into a plan. It reports every problem it
// finds as a config.ErrorList.
func Compile(m *config.Mapping) (*Plan, error) {
	var errs config.ErrorList
	p := &Plan{
		Name:      m.Name.Value,
		NamePos:   m.Name.Pos,
		MaxShrink: config.DefaultMaxShrink,
		Path:      m.Path,
		vars:      m.Vars.Map(),
		defaults:  m.Defaults,
		Timeout:   m.Timeout,
	}
	if m.MaxShrink != nil {
		p.MaxShrink = *m.MaxShrink
	}
	if spec := m.Schedule.Value; m.Schedule.Pos.IsValid() {
		s, err := schedule.Parse(spec)
		if err != nil {
			errs.Add(m.Schedule.Pos, err.Error())
		}
		p.Schedule, p.ScheduleSpec = s, spec
		if s != nil {
			p.Interval = schedule.Interval(s, time.Now())
		}
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
		if p.Interval > 0 {
			p.Timeout = p.Interval
		}
	}
	base := source.NewScope()
	var err error
	p.instType, err = base.Template(m.Instance.Type)
	errs.Append(m.Instance.Pos, err)
	p.instURL, err = base.Template(m.Instance.URL)
	errs.Append(m.Instance.Pos, err)
	checkInstance("type", m.Instance.Type, &errs)
	checkInstance("url", m.Instance.URL, &errs)

	var names []string
	var scopes []*source.Scope
	for i := range m.Sources {
		s := &m.Sources[i]
		scope := source.NewScope(names...)
		scopes = append(scopes, scope)
		sp := p.compileSource(m, s, scope, &errs)
		p.sources = append(p.sources, sp)
		name := s.Name.Value
		if !identRE.MatchString(name) {
			// The loader reported the name; a stand-in keeps the
			// variables in step so compiling can go on.
			name = fmt.Sprintf("__source_%d", i)
		}
		names = append(names, name)
	}
	all := source.NewScope(names...)
	for _, kind := range config.RuleKinds {
		for _, r := range m.Rules(kind) {
			p.rules = append(p.rules, compileRule(all, names, kind, r, &errs))
			switch kind {
			case model.KindHealth:
				p.hasHealth = true
			case model.KindComponent, model.KindRelation:
				p.hasTopology = true
			}
		}
	}
	if m.State.IsSet() {
		var err error
		p.state, err = all.Expr(m.State)
		errs.Append(m.State.Pos, err)
	}
	p.independent = true
	for i, sp := range p.sources {
		p.independent = p.independent && sp.kind == "file"
		for _, scope := range scopes[i+1:] {
			if scope.Mentions(names[i]) {
				sp.eager = true
				p.independent = false
			}
		}
		sp.eager = sp.eager || m.State.IsSet() && expr.MentionsVar(m.State.Src, names[i])
	}
	for j, sp := range p.sources {
		last := -1
		for k, rule := range p.rules {
			if rule.over == j || slices.Contains(rule.needs, j) {
				last = k
			}
		}
		if last >= 0 && !sp.eager && p.rules[last].over == j && !slices.Contains(p.rules[last].needs, j) {
			p.rules[last].drops = true
		}
	}
	p.secrets = m.Secrets
	p.redactor = config.NewRedactor(m.Secrets)
	errs.Sort()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// identRE matches the names jq variables may take.
var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkInstance reports an instance type or url that cannot be a non-empty
// string whatever the run.
func checkInstance(key string, t config.Template, errs *config.ErrorList) {
	switch {
	case !t.IsSet():
	case t.Kind != config.TemplateString:
		errs.Add(t.Pos, fmt.Sprintf("instance %s must be a string", key))
	case strings.TrimSpace(t.Str.Src) == "":
		errs.Add(t.Pos, fmt.Sprintf("instance %s must not be empty; it must equal the %s typed into the Custom Synchronization StackPack", key, key))
	}
}

func (p *Plan) compileSource(m *config.Mapping, s *config.Source, scope *source.Scope, errs *config.ErrorList) *sourcePlan {
	sp := &sourcePlan{name: s.Name.Value, kind: s.Kind, pos: s.Pos, nvars: scope.Len()}
	var err error
	if s.Records.IsSet() {
		sp.records, err = scope.Expr(s.Records)
		errs.Append(s.Records.Pos, err)
		if sp.records != nil {
			sp.path, sp.splitPath = sp.records.IterPath()
		}
	} else {
		sp.records, err = expr.Compile(defaultRecords, scope.Vars())
		errs.Append(s.Pos, err)
		sp.splitDefault = true
	}
	if s.Kind == "" {
		return sp
	}
	kind, ok := source.Lookup(s.Kind)
	if !ok {
		known := append([]string{"name", "records"}, source.Kinds()...)
		msg := spell.Unknown("source kind", s.Kind, known)
		if c := spell.Closest(s.Kind, known); c == "" {
			msg = fmt.Sprintf("unknown source kind %q; the kinds are %s", s.Kind, strings.Join(source.Kinds(), ", "))
		}
		errs.Add(s.KindPos, msg)
		return sp
	}
	spec := kind.NewSpec()
	if err := m.DecodeSpec(s.Spec, spec); err != nil {
		errs.Append(s.KindPos, err)
		return sp
	}
	sp.fetcher, err = kind.Build(scope, s, spec)
	errs.Append(s.KindPos, err)
	return sp
}

func compileRule(scope *source.Scope, sources []string, kind string, r config.Rule, errs *config.ErrorList) *rulePlan {
	rp := &rulePlan{kind: kind, name: r.Name, pos: r.Pos, drop: r.OnInvalid == "drop", over: -1}
	compile := func(e config.Expr) *expr.Program {
		if !e.IsSet() {
			return nil
		}
		prog, err := scope.Expr(e)
		errs.Append(e.Pos, err)
		return prog
	}
	rp.each = compile(r.Each)
	rp.when = compile(r.When)
	rp.jq = compile(r.JQ)
	if r.JQ.IsSet() {
		rp.pos = r.JQ.Pos
	}
	if rp.each != nil {
		if name, ok := rp.each.IterVar(); ok {
			rp.over = slices.Index(sources, name)
		}
	}
	if rp.over >= 0 && rp.jq != nil {
		rp.keys = inputKeys(rp.jq, rp.when)
	}
	for i, name := range sources {
		mentioned := rp.over != i && expr.MentionsVar(r.Each.Src, name)
		mentioned = mentioned || expr.MentionsVar(r.When.Src, name) || expr.MentionsVar(r.JQ.Src, name)
		if mentioned {
			rp.needs = append(rp.needs, i)
		}
	}
	return rp
}

// Redact replaces the mapping's secrets in s.
func (p *Plan) Redact(s string) string { return p.redactor.Replace(s) }

// Sources returns the names of the plan's sources, in order.
func (p *Plan) Sources() []string {
	names := make([]string, len(p.sources))
	for i, s := range p.sources {
		names[i] = s.name
	}
	return names
}

// inputKeys returns the keys of their input the programs read, when they
// read it only through constant keys, else nil.
func inputKeys(progs ...*expr.Program) *expr.Keys {
	var keys []string
	for _, p := range progs {
		if p == nil {
			continue
		}
		ks, ok := p.InputKeys()
		if !ok {
			return nil
		}
		keys = append(keys, ks...)
	}
	return expr.NewKeys(keys...)
}
