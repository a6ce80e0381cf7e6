package mapping

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/intake"
	"github.com/stackmap/stackmap/engine/model"
	"github.com/stackmap/stackmap/engine/source"
)

// maxRuleErrors is how many problems of one rule a result lists; the rest
// are counted.
const maxRuleErrors = 5

// Options change one run.
type Options struct {
	// Now is the run's start; zero means time.Now().
	Now time.Time
	// State is the value of $state.
	State  any
	Logger *slog.Logger
	// Transport, when set, wraps the HTTP transport of sources: a recorder
	// or a replayer of fixtures.
	Transport source.Transport
	// Explain, when set, is the id of an element whose provenance the
	// result keeps: the rule, and the record it was built from.
	Explain string
	// Documents, when it names a source, replaces what the source reads:
	// its records come from these documents instead (mapping tests give
	// plain files per source this way).
	Documents map[string][]any
	// Lint evaluates each topology rule a second time on its first
	// records and reports ids that differ between the two evaluations —
	// ids that would change every run. preview sets it.
	Lint bool
	// Stream, when set, takes the components and relations as the rules
	// build them, encoded, instead of the batch: the result's batch then
	// holds none, and ComponentIDs and the counts say what was streamed.
	Stream Stream
	// Workers is how many records are evaluated at once; 0 means one per
	// core.
	Workers int
}

// Stream takes a run's components and relations, in batch order, as their
// wire JSON (intake.AppendComponent and AppendRelation); intake.Assembler
// is one. A run calls Start once, before any element. The wire bytes are
// the Stream's only during the call: a Stream that keeps them copies them.
type Stream interface {
	Start(inst model.Instance, topology, health bool) error
	Component(wire []byte) error
	Relation(wire []byte) error
}

// lintRecords is how many records per rule Lint evaluates twice.
const lintRecords = 20

// Provenance says where an element came from.
type Provenance struct {
	Kind    string     `json:"kind"`
	Rule    string     `json:"rule"`
	Pos     config.Pos `json:"-"`
	At      string     `json:"at"`
	Record  any        `json:"record"`
	Element any        `json:"element"`
	// Origin is the source, document (file, line, row or page) and record
	// the rule's record was, when it is one of a source's records as read.
	Origin *Origin `json:"origin,omitempty"`
}

// Origin places a record in its source.
type Origin struct {
	Source   string `json:"source"`
	Kind     string `json:"kind"`
	Document int    `json:"document"` // from 1: the file, line, row or page
	Record   int    `json:"record"`   // from 1, among the source's records
}

// Result is what one run did.
type Result struct {
	Mapping string
	// Batch is nil when the run failed: a failed run sends nothing.
	Batch    *model.Batch
	Sources  []SourceStat
	Rules    []RuleStat
	Problems []model.Problem
	// Errors are the reasons the run failed, positioned where they can be.
	Errors   []error
	Started  time.Time
	Duration time.Duration
	// State is the value of the mapping's state expression, to keep for
	// the next run once this one is delivered; nil without one.
	State any
	// Explained is the provenance of the element Options.Explain names;
	// more than one when rules built it twice.
	Explained []Provenance
	// Components and Relations count the topology the run built, streamed
	// or in the batch; ComponentIDs are the components' ids, in order,
	// when they were streamed.
	Components, Relations int
	ComponentIDs          []string

	run *run
}

// Redact replaces in s the mapping's secrets and the secrets the run found,
// such as tokens from a login.
func (r *Result) Redact(s string) string {
	if r == nil || r.run == nil {
		return s
	}
	return r.run.redact(s)
}

// Err returns the run's failure as one error, or nil.
func (r *Result) Err() error { return errors.Join(r.Errors...) }

// SourceStat is what one source fetched.
type SourceStat struct {
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	Documents int           `json:"documents"`
	Records   int           `json:"records"`
	Duration  time.Duration `json:"duration_ns"`
	Error     string        `json:"error,omitempty"`
}

// RuleStat is what one rule did.
type RuleStat struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	RecordsIn int    `json:"records_in"`
	Out       int    `json:"elements_out"`
	Dropped   int    `json:"dropped"`
	Errors    int    `json:"errors"`
	// Problems are the first invalid elements and errors, as messages.
	Problems []string `json:"problems,omitempty"`
}

// run is the state of one run.
type run struct {
	p       *Plan
	res     *Result
	values  []any
	recs    []*records // per source
	arena   arena      // the sources' text
	workers int
	stream  Stream
	check   *model.Checker
	batch   *model.Batch
	defs    model.Defaults
	explain string
	origins map[uintptr]*Origin // with explain: where each object record came from
	lint    bool
	lints   []model.Problem

	// secrets found during the run (tokens); mu guards them and the
	// redactor built from them and the plan's.
	mu       sync.Mutex
	secrets  []string
	redactor *config.Redactor
}

// secret marks a value found during the run as secret.
func (r *run) secret(s string) {
	if len(s) < 3 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
	r.redactor = nil
}

// redact replaces the plan's secrets and those found during the run.
func (r *run) redact(s string) string {
	r.mu.Lock()
	if r.redactor == nil {
		r.redactor = config.NewRedactor(append(slices.Clone(r.p.secrets), r.secrets...))
	}
	red := r.redactor
	r.mu.Unlock()
	return red.Replace(s)
}

// Run runs the plan once. The returned error is the result's Err.
func (p *Plan) Run(ctx context.Context, opt Options) (res *Result, err error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	r := &run{p: p, res: &Result{Mapping: p.Name, Started: now}, explain: opt.Explain, lint: opt.Lint, stream: opt.Stream, workers: opt.Workers}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	if opt.Explain != "" {
		r.origins = map[uintptr]*Origin{}
	}
	r.res.run = r
	r.values = []any{p.vars, nil, int(now.Unix()), opt.State}
	r.defs = model.Defaults{Layer: p.defaults.Layer, Domain: p.defaults.Domain, Environment: p.defaults.Environment, Now: now.Unix(), Source: p.Name}
	wall := time.Now() // now may be set by the caller, far from the clock
	defer func() { r.res.Duration = time.Since(wall) }()
	defer func() {
		r.recs = nil // they refer into the arena
		r.arena.free()
	}()
	// A file cut short while its mapped text is read faults; here, and
	// on the workers, that panics, and the run fails with a message.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			res, err = r.fail(fmt.Errorf("%s: %w", p.Path, r.faultError(v)))
		}
	}()

	inst, err := r.instance(ctx)
	if err != nil {
		return r.fail(fmt.Errorf("%s: instance: %w", p.Path, err))
	}
	r.batch = model.NewBatch(p.Name, inst)
	r.batch.Health = p.hasHealth
	r.batch.Topology = p.hasTopology
	r.check = model.NewChecker(p.hasHealth, r.defs.Now)
	if r.stream != nil {
		if err := r.stream.Start(inst, r.batch.Topology, r.batch.Health); err != nil {
			return r.fail(fmt.Errorf("%s: %w", p.Path, err))
		}
	}
	if err := r.fetchAll(ctx, opt, log); err != nil {
		return r.fail(err)
	}
	for _, rule := range p.rules {
		if err := r.apply(ctx, rule); err != nil {
			return r.fail(fmt.Errorf("%s: %s rule %q: %w", p.Path, rule.kind, rule.name, err))
		}
		if err := ctx.Err(); err != nil {
			return r.fail(fmt.Errorf("%s: run stopped: %w (timeout %s)", p.Path, err, p.Timeout))
		}
	}
	r.res.Components += len(r.batch.Components)
	r.res.Relations += len(r.batch.Relations)
	r.res.Problems = append(append(r.check.Problems(), r.check.Lints()...), r.lints...)
	for _, pr := range r.res.Problems {
		if pr.Error {
			r.res.Errors = append(r.res.Errors, fmt.Errorf("%s: %s", p.Path, pr.Msg))
		}
	}
	if len(r.res.Errors) > 0 {
		return r.res, r.res.Err()
	}
	if p.state != nil {
		out, err := p.state.All(ctx, nil, r.values)
		if err != nil {
			return r.fail(fmt.Errorf("%s: state: %w", p.Path, err))
		}
		if len(out) > 0 {
			r.res.State = out[0]
		}
	}
	r.res.Batch = r.batch
	return r.res, nil
}

func (r *run) fail(err error) (*Result, error) {
	if red := r.redact(err.Error()); red != err.Error() {
		err = errors.New(red) // a source or the instance showed a secret
	}
	r.res.Errors = append(r.res.Errors, err)
	return r.res, r.res.Err()
}

func (r *run) instance(ctx context.Context) (model.Instance, error) {
	var inst model.Instance
	var err error
	if inst.Type, err = r.p.instType.EvalString(ctx, nil, r.values); err != nil {
		return inst, fmt.Errorf("type: %w", err)
	}
	if inst.URL, err = r.p.instURL.EvalString(ctx, nil, r.values); err != nil {
		return inst, fmt.Errorf("url: %w", err)
	}
	if inst.Type == "" || inst.URL == "" {
		return inst, fmt.Errorf("type and url must not be empty (type %q, url %q)", inst.Type, inst.URL)
	}
	r.values[1] = map[string]any{"type": inst.Type, "url": inst.URL}
	return inst, nil
}

// fetched is what fetching one source gave.
type fetched struct {
	stat SourceStat
	rs   *records
	list []any // the decoded list, when the source is eager
	err  error
}

// fetchAll fetches the plan's sources: one after another, or all at once
// when none uses another. Either way the results are kept in source order,
// and the first failure in that order fails the run.
func (r *run) fetchAll(ctx context.Context, opt Options, log *slog.Logger) error {
	srcs := r.p.sources
	if !r.p.independent || len(srcs) < 2 {
		for _, s := range srcs {
			if err := r.keep(s, r.fetch(ctx, s, opt, log)); err != nil {
				return err
			}
		}
		return nil
	}
	results := make([]fetched, len(srcs))
	var (
		wg     sync.WaitGroup
		panics caught
	)
	for i, s := range srcs {
		wg.Go(func() {
			defer panics.guard(func() {})
			results[i] = r.fetch(ctx, s, opt, log)
		})
	}
	wg.Wait()
	panics.raise()
	for i, s := range srcs {
		if err := r.keep(s, results[i]); err != nil {
			return err
		}
	}
	return nil
}

// fetch reads one source. It changes nothing of the run but its arena and
// secrets, so that sources that do not use one another can be fetched at
// once.
func (r *run) fetch(ctx context.Context, s *sourcePlan, opt Options, log *slog.Logger) fetched {
	start := time.Now()
	f := fetched{stat: SourceStat{Name: s.name, Kind: s.kind}, rs: &records{}}
	n := min(len(r.values), s.nvars)
	values := r.values[:n:n]
	if len(values) < s.nvars {
		// Fetched at once with the sources before it, which it does not
		// use: their variables are null here.
		values = append(slices.Clone(values), make([]any, s.nvars-len(values))...)
	}
	in := &source.Input{
		Source: s.name,
		Values: values,
		Records: func(ctx context.Context, doc any) ([]any, error) {
			var out []any
			err := s.records.Run(ctx, doc, values, func(v any) error {
				out = append(out, v)
				return nil
			})
			return out, err
		},
		Alloc:     r.arena.alloc,
		Map:       r.arena.mapFile,
		Secret:    r.secret,
		Redact:    r.redact,
		Transport: opt.Transport,
		Logger:    log.With("source", s.name),
	}
	in.Emit = func(recs []any) error {
		f.stat.Documents++
		f.rs.addValues(recs)
		return nil
	}
	in.Split = s.split
	in.EmitRaw = func(raw [][]byte) error {
		f.stat.Documents++
		f.rs.addRaw(raw)
		return nil
	}
	var err error
	if docs, ok := opt.Documents[s.name]; ok {
		for _, doc := range docs {
			recs, rerr := in.Records(ctx, doc)
			if rerr == nil {
				rerr = in.Emit(recs)
			}
			if rerr != nil {
				err = rerr
				break
			}
		}
	} else {
		err = r.guardFaults(func() error { return s.fetcher.Fetch(ctx, in) })
	}
	f.stat.Records = f.rs.len()
	if err == nil && (s.eager || r.lint || r.explain != "") {
		err = r.guardFaults(func() (err error) {
			f.list, err = f.rs.decoded(ctx, r.workers)
			return err
		})
	}
	f.stat.Duration = time.Since(start)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (timeout %s)", err, r.p.Timeout)
		}
		f.stat.Error = r.redact(err.Error())
		f.err = fmt.Errorf("%s: source %q (%s) failed, so nothing is sent: %w", s.pos, s.name, s.kind, err)
		return f
	}
	log.Debug("source fetched", "source", s.name, "records", f.stat.Records, "duration", f.stat.Duration)
	return f
}

// guardFaults runs fn, and returns the fault of reading a mapped file
// that changed (see faultError) as its error. Faults panic meanwhile, and
// on the workers fn starts (see caught).
func (r *run) guardFaults(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			err = r.faultError(v)
		}
	}()
	return fn()
}

// faultError describes a fault on the mapped text of a file, which means
// the file was cut short while the run read it; any other panic goes on.
func (r *run) faultError(v any) error {
	fault, ok := v.(interface {
		error
		Addr() uintptr
	})
	if !ok {
		panic(v)
	}
	name, ok := r.arena.fileAt(fault.Addr())
	if !ok {
		panic(v) // not the text of a source: a bug
	}
	return fmt.Errorf("%s changed while this run read it (it was cut short), so nothing is sent; write exports to a new file and rename it over the old one, so that a run reads either the old file or the new one whole", name)
}

// keep adds what fetching a source gave to the run, or returns its error.
func (r *run) keep(s *sourcePlan, f fetched) error {
	r.res.Sources = append(r.res.Sources, f.stat)
	if f.err != nil {
		return f.err
	}
	if r.origins != nil {
		r.recordOrigins(s, f.rs, f.list)
	}
	r.recs = append(r.recs, f.rs)
	r.values = append(r.values, f.list) // nil until decoded; see need
	return nil
}

// need decodes the lists of the sources a rule mentions and binds them to
// their variables.
func (r *run) need(ctx context.Context, sources []int) error {
	for _, i := range sources {
		list, err := r.recs[i].decoded(ctx, r.workers)
		if err != nil {
			return fmt.Errorf("source %q: %w", r.p.sources[i].name, err)
		}
		r.values[len(source.BaseVars)+i] = list
	}
	return nil
}

// evaluated is what a rule made of one record.
type evaluated struct {
	record any
	// err is a failure of field ("record", "when" or "jq") on the record.
	err     error
	field   string
	skipped bool // when was false or null
	outs    []output
	one     [1]output // outs' room for the common single output
}

// failed reports whether the record gave an error or an invalid element,
// which a message will show it with.
func (ev *evaluated) failed() bool {
	if ev.err != nil {
		return true
	}
	for _, out := range ev.outs {
		if out.err != nil {
			return true
		}
	}
	return false
}

// output is one value a rule's jq emitted.
type output struct {
	v   any   // the value, kept for errors
	el  any   // the element, when v is a valid one
	err error // why v is not an element; nil with el == nil: v was null
	// buf[lo:hi] of the batch's buffer is the element's encoding, when
	// streaming.
	lo, hi int
	// keys are the hashes the checker needs, made on the worker.
	keys model.IDKeys
	// ref, when its kind is set, stands for a component or relation that
	// was streamed from objects lent by jq: what take needs of it.
	ref elementRef
}

// elementRef is what take needs of a streamed component (its id and
// identifiers) or relation (its id, source and target).
type elementRef struct {
	kind               string
	id, source, target string
	identifiers        []string
}

// evaluate runs a rule on one record: when, jq, then model.Parse of every
// output, and the encoding of components and relations when streaming,
// which it appends to wire. It is called on many goroutines at once.
func (r *run) evaluate(ctx context.Context, rule *rulePlan, record any, ev *evaluated, wire *[]byte) {
	ev.record = record
	ev.outs = ev.one[:0]
	if rule.when != nil {
		ok, err := truthy(ctx, rule.when, record, r.values)
		if err != nil {
			ev.err, ev.field = err, "when"
			return
		}
		if !ok {
			ev.skipped = true
			return
		}
	}
	// Streamed components and relations are encoded here and, unless lint
	// or explain look at them again, only their ids are taken further: the
	// objects jq built for them can be lent (see expr.Program.RunLent).
	lend := r.stream != nil && !r.lint && r.explain == "" && (rule.kind == model.KindComponent || rule.kind == model.KindRelation)
	run := rule.jq.Run
	if lend {
		run = rule.jq.RunLent
	}
	err := run(ctx, record, r.values, func(v any) error {
		out := output{v: v, lo: len(*wire)}
		if lend {
			r.encodeLent(rule.kind, v, &out, wire)
			out.hi = len(*wire)
			ev.outs = append(ev.outs, out)
			return nil
		}
		if v != nil {
			out.el, out.err = model.Parse(rule.kind, v, r.defs)
		}
		// The checker's hashes, and the encoding when streaming, are made
		// here, on every core.
		var err error
		switch el := out.el.(type) {
		case model.Component:
			out.keys = r.check.KeysOf(&el)
			if r.stream != nil {
				*wire, err = intake.AppendComponent(*wire, &el)
			}
		case model.Relation:
			out.keys = r.check.KeysOf(&el)
			if r.stream != nil {
				*wire, err = intake.AppendRelation(*wire, &el)
			}
		}
		if err != nil {
			out.el, out.err = nil, err
			*wire = (*wire)[:out.lo]
		}
		out.hi = len(*wire)
		ev.outs = append(ev.outs, out)
		return nil
	})
	if err != nil {
		ev.err, ev.field = err, "jq"
	}
}

// encodeLent parses v, a component or relation whose objects jq lent,
// encodes it after wire and keeps in out what take needs of it: the
// element's ref, or the error with a copy of v for the message.
func (r *run) encodeLent(kind string, v any, out *output, wire *[]byte) {
	if v == nil {
		return // null: no element
	}
	var err error
	if kind == model.KindComponent {
		var c model.Component
		if c, err = model.ParseComponent(v, r.defs); err == nil {
			out.keys = r.check.KeysOf(&c)
			if *wire, err = intake.AppendComponent(*wire, &c); err == nil {
				out.ref = elementRef{kind: kind, id: c.ID, identifiers: c.Identifiers}
			}
		}
	} else {
		var rel model.Relation
		if rel, err = model.ParseRelation(v); err == nil {
			out.keys = r.check.KeysOf(&rel)
			if *wire, err = intake.AppendRelation(*wire, &rel); err == nil {
				out.ref = elementRef{kind: kind, id: rel.ID, source: rel.Source, target: rel.Target}
			}
		}
	}
	if err != nil {
		*wire = (*wire)[:out.lo]
		out.err, out.v = err, expr.Clone(v)
		return
	}
	out.v = nil
}

// apply runs one rule over its records, on every core, and takes what it
// built in record order. Problems of the rule are recorded in the result;
// the error returned is a failure to stream.
func (r *run) apply(ctx context.Context, rule *rulePlan) error {
	stat := RuleStat{Kind: rule.kind, Name: rule.name}
	defer func() { r.res.Rules = append(r.res.Rules, stat) }()
	unstable := ""
	var built map[string]string // with lint: the elements this rule built, by id, as JSON
	problem := func(err error) {
		if len(stat.Problems) < maxRuleErrors {
			stat.Problems = append(stat.Problems, r.redact(err.Error()))
		}
	}
	fail := func(err error) {
		stat.Errors++
		if len(r.res.Errors) < maxRuleErrors*4 {
			r.res.Errors = append(r.res.Errors, err)
		}
		problem(err)
	}
	if err := r.need(ctx, rule.needs); err != nil {
		fail(r.ruleError(rule, "each", err, nil))
		return nil
	}

	// The records: a source's own, a list each made, or one null. Of a
	// source's raw records, only the keys the rule reads are decoded, and
	// the whole record only for a message.
	n, eachErr := 1, error(nil)
	read := func(int, map[string]any) (any, bool, error) { return nil, false, nil }
	var rs *records
	// A record cut down to the keys the rule reads is needed only while it
	// is evaluated, unless it failed or lint or explain look at it again;
	// its map is then emptied and filled with the next record.
	reuse := false
	switch {
	case rule.over >= 0:
		rs = r.recs[rule.over]
		n = rs.len()
		read = func(i int, into map[string]any) (any, bool, error) { return rs.atKeys(i, rule.keys, into) }
		reuse = rule.keys != nil && !r.lint && r.explain == ""
	case rule.each != nil:
		var list []any
		eachErr = rule.each.Run(ctx, nil, r.values, func(v any) error {
			list = append(list, v)
			return nil
		})
		n = len(list)
		read = func(i int, _ map[string]any) (any, bool, error) { return list[i], false, nil }
	}

	// The last rule to read a source gives back the text of the records
	// it has taken, every dropEvery records.
	const dropEvery = 4096
	dropped := 0
	dropping := rule.drops && rs != nil && rs.list == nil
	take := func(ev *evaluated, wire []byte) error {
		stat.RecordsIn++
		if dropping && stat.RecordsIn-dropped >= dropEvery {
			rs.drop(&r.arena, dropped, stat.RecordsIn-2) // up to the one before this
			dropped = stat.RecordsIn - 1
		}
		switch {
		case ev.field == "record" || ev.field == "when":
			fail(r.ruleError(rule, ev.field, ev.err, ev.record))
			return nil
		case ev.skipped:
			stat.Dropped++
			return nil
		}
		var ids []string
		for i := range ev.outs {
			out := &ev.outs[i]
			switch {
			case out.err != nil:
				err := r.ruleError(rule, "", out.err, out.v)
				if rule.drop {
					stat.Dropped++
					problem(err)
				} else {
					fail(err)
				}
				continue
			case out.ref.kind != "":
				// Lent: neither lint nor explain look at it.
				stat.Out++
				if err := r.addRef(&out.ref, wire[out.lo:out.hi], &out.keys); err != nil {
					return err
				}
				continue
			case out.el == nil:
				stat.Dropped++
				continue
			}
			stat.Out++
			if err := r.add(out.el, wire[out.lo:out.hi], &out.keys); err != nil {
				return err
			}
			id := elementID(out.el)
			ids = append(ids, id)
			if r.lint {
				if built == nil {
					built = map[string]string{}
				}
				built[id] = describeElement(out.el)
			}
			if r.explain != "" && id == r.explain {
				pv := Provenance{Kind: rule.kind, Rule: rule.name, Pos: rule.pos, At: rule.pos.String(), Record: ev.record, Element: out.el}
				if m, ok := ev.record.(map[string]any); ok {
					pv.Origin = r.origins[reflect.ValueOf(m).Pointer()]
				}
				r.res.Explained = append(r.res.Explained, pv)
			}
		}
		if ev.field == "jq" {
			if err := ctx.Err(); err != nil {
				return err
			}
			fail(r.ruleError(rule, "jq", ev.err, ev.record))
			return nil
		}
		if r.lint && unstable == "" && stat.RecordsIn <= lintRecords && (rule.kind == model.KindComponent || rule.kind == model.KindRelation) {
			unstable = r.recheck(ctx, rule, ev.record, ids)
		}
		return nil
	}
	r.check.Expect(rule.kind, n) // most rules build one element per record
	err := ordered(ctx, n, r.workers, func(i int, ev *evaluated, wire *[]byte) {
		var into map[string]any
		if reuse {
			into, _ = rule.maps.Get().(map[string]any)
			if into == nil {
				into = map[string]any{}
			}
			defer func() {
				if !ev.failed() {
					ev.record = nil
				} else if m, ok := ev.record.(map[string]any); ok && reflect.ValueOf(m).UnsafePointer() == reflect.ValueOf(into).UnsafePointer() {
					return // a message shows it
				}
				clear(into)
				rule.maps.Put(into)
			}()
		}
		record, partial, err := read(i, into)
		if err != nil {
			ev.err, ev.field = err, "record"
			return
		}
		r.evaluate(ctx, rule, record, ev, wire)
		if partial && ev.failed() {
			if full, err := rs.at(i); err == nil {
				ev.record = full // messages show the whole record
			}
		}
	}, take)
	if err != nil {
		if ctx.Err() != nil {
			return nil // the caller reports the stop
		}
		return err
	}
	if eachErr != nil && ctx.Err() == nil {
		fail(r.ruleError(rule, "each", eachErr, nil))
	}
	if r.lint && unstable == "" && rule.each != nil && stat.Errors == 0 && (rule.kind == model.KindComponent || rule.kind == model.KindRelation) {
		if d := r.orderCheck(ctx, rule, built); d != "" {
			r.lints = append(r.lints, model.Problem{Lint: true, Msg: fmt.Sprintf("%s rule %q builds other elements when the sources list their records in another order (%s): ids or data taken from positions, such as array indices or the first of duplicates, change when records are added, removed or reordered", rule.kind, rule.name, d)})
		}
	}
	if unstable != "" {
		r.lints = append(r.lints, model.Problem{Lint: true, Msg: fmt.Sprintf("%s rule %q builds other ids from the same record on a second evaluation (%s): they would change every run", rule.kind, rule.name, unstable)})
	}
	return nil
}

// orderCheck runs a rule again with every source's records in reverse
// order and describes an element that differs — an id the first run did
// not build, or one it built from another record — or returns "".
func (r *run) orderCheck(ctx context.Context, rule *rulePlan, built map[string]string) string {
	values := slices.Clone(r.values)
	for i := len(source.BaseVars); i < len(values); i++ {
		if list, ok := values[i].([]any); ok {
			rev := slices.Clone(list)
			slices.Reverse(rev)
			values[i] = rev
		}
	}
	other := ""
	_ = rule.each.Run(ctx, nil, values, func(record any) error {
		return rule.jq.Run(ctx, record, values, func(v any) error {
			el, err := model.Parse(rule.kind, v, r.defs)
			if err != nil || other != "" {
				return nil
			}
			if was, ok := built[elementID(el)]; !ok {
				other = "for example the new id " + elementID(el)
			} else if was != describeElement(el) {
				other = "for example " + elementID(el) + " is built from another record"
			}
			return nil
		})
	})
	return other
}

// describeElement is an element as JSON, to compare two builds of it.
func describeElement(el any) string {
	b, _ := expr.Marshal(el)
	return string(b)
}

// recheck evaluates a rule again on a record and describes the first id
// that differs from the first evaluation's, or returns "".
func (r *run) recheck(ctx context.Context, rule *rulePlan, record any, first []string) string {
	var again []string
	err := rule.jq.Run(ctx, record, r.values, func(v any) error {
		if el, err := model.Parse(rule.kind, v, r.defs); err == nil {
			again = append(again, elementID(el))
		}
		return nil
	})
	if err != nil {
		return ""
	}
	for i := range min(len(first), len(again)) {
		if first[i] != again[i] {
			return fmt.Sprintf("%s, then %s", first[i], again[i])
		}
	}
	if len(first) != len(again) {
		return fmt.Sprintf("%d elements, then %d", len(first), len(again))
	}
	return ""
}

// add takes one element: it checks it, and streams it (wire is its
// encoding) or adds it to the batch.
func (r *run) add(el any, wire []byte, keys *model.IDKeys) error {
	b := r.batch
	switch el := el.(type) {
	case model.Component:
		if r.stream != nil {
			return r.streamComponent(&el, wire, keys)
		}
		r.check.ComponentKeyed(&el, keys)
		b.Components = append(b.Components, el)
	case model.Relation:
		if r.stream != nil {
			return r.streamRelation(&el, wire, keys)
		}
		r.check.RelationKeyed(&el, keys)
		b.Relations = append(b.Relations, el)
	case model.Metric:
		b.Metrics = append(b.Metrics, el)
	case model.Event:
		b.Events = append(b.Events, el)
	case model.HealthState:
		r.check.Health(&el)
		b.HealthStates = append(b.HealthStates, el)
	}
	return nil
}

// addRef adds a streamed element that only its ref stands for.
func (r *run) addRef(ref *elementRef, wire []byte, keys *model.IDKeys) error {
	if ref.kind == model.KindComponent {
		return r.streamComponent(&model.Component{ID: ref.id, Identifiers: ref.identifiers}, wire, keys)
	}
	return r.streamRelation(&model.Relation{ID: ref.id, Source: ref.source, Target: ref.target}, wire, keys)
}

// streamComponent checks a component, of which the checker reads only the
// id and identifiers, and streams its encoding.
func (r *run) streamComponent(c *model.Component, wire []byte, keys *model.IDKeys) error {
	r.check.ComponentKeyed(c, keys)
	r.res.Components++
	r.res.ComponentIDs = append(r.res.ComponentIDs, c.ID)
	return r.stream.Component(wire)
}

// streamRelation checks a relation, of which the checker reads only the id,
// source and target, and streams its encoding.
func (r *run) streamRelation(rel *model.Relation, wire []byte, keys *model.IDKeys) error {
	r.check.RelationKeyed(rel, keys)
	r.res.Relations++
	return r.stream.Relation(wire)
}

// ruleError places err at the rule and shows the record it happened on, or
// for an invalid element (field "") the element.
func (r *run) ruleError(rule *rulePlan, field string, err error, record any) error {
	what := fmt.Sprintf("%s rule %q", rule.kind, rule.name)
	if field != "" {
		what += " (" + field + ")"
	}
	e := &config.Error{Pos: rule.pos, Msg: r.redact(what + ": " + err.Error())}
	if record != nil {
		label := "record: "
		if field == "" {
			label = "element: "
		}
		e.Detail = "    " + r.redact(label+expr.Describe(record, 300))
	}
	return e
}

func truthy(ctx context.Context, p *expr.Program, input any, values []any) (bool, error) {
	var ok, done bool
	err := p.Run(ctx, input, values, func(v any) error {
		if !done {
			done = true
			ok = v != nil && v != false
		}
		return nil
	})
	return ok, err
}

// elementID is the id of a component, relation or health state, or "".
func elementID(el any) string {
	switch el := el.(type) {
	case model.Component:
		return el.ID
	case model.Relation:
		return el.ID
	case model.HealthState:
		return el.ID
	}
	return ""
}
