package expr

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/itchyny/gojq"
)

// The fast lane evaluates programs of a small subset of jq straight over
// plain values, without gojq's virtual machine, because gojq costs several
// microseconds per record even for a plain object construction.
//
// It is exact by construction: a fast-lane evaluation either finishes with
// the outputs gojq would give, or it stops with a status that sends Run back
// to gojq, which then runs the whole program again on the same input and
// decides the outputs and the error. The subset is pure, so running it twice
// is safe, and the fast lane calls the caller's function only after it has
// finished without such a status.
//
// Two statuses stop an evaluation. stErr means gojq certainly raises an error
// at this point, with a text the fast lane does not know; try and the ?
// suffix swallow it as gojq does, everywhere else it ends the evaluation.
// stBail means the fast lane cannot tell what gojq does: a number in a string
// interpolation, an equality of numbers, an array index that is not an int,
// anything unusual. Nothing swallows stBail.
//
// Where gojq's result depends on the order in which it evaluates parts (an
// empty part that stops the evaluation before a later part raises an error),
// the fast lane evaluates in gojq's order; where the order cannot matter,
// because every part yields exactly one value or raises an error, it need not.

// fastLaneOff turns the fast lane off when set. Run reads it once per call.
var fastLaneOff atomic.Bool

// SetFastLane turns the fast lane on or off for every Program, and reports
// whether it was on before. The fast lane is on by default; turning it off
// makes Run use gojq for every program, as a reference for tests and
// benchmarks or to rule the fast lane out while debugging. It is safe to call
// at any time, also while programs run.
func SetFastLane(on bool) (was bool) { return !fastLaneOff.Swap(!on) }

// status is how a fast-lane evaluation ended.
type status uint8

const (
	stOK    status = iota // an output (or, for streams, the end)
	stEmpty               // no output; only eval returns it
	stErr                 // gojq certainly raises an error here
	stBail                // the fast lane cannot tell what gojq does
)

// class is how many outputs an expression can have.
type class uint8

const (
	clsOne  class = iota // exactly one, or an error
	clsOpt               // at most one
	clsMany              // any number
)

// node is an expression of class clsOne or clsOpt. eval returns its output
// with stOK, or stEmpty, stErr or stBail.
type node interface {
	eval(in any, vars []any) (any, status)
}

// streamer is an expression of any class. stream calls yield with every
// output in gojq's order and returns stOK at the end. It stops at the first
// status other than stOK, its own or one that yield returned, and returns it.
type streamer interface {
	stream(in any, vars []any, yield func(any) status) status
}

// fexpr is a compiled fast-lane expression: n is set when cls is at most
// clsOpt, s always.
type fexpr struct {
	cls class
	n   node
	s   streamer
}

func single(cls class, n node) fexpr { return fexpr{cls: cls, n: n, s: nodeStream{n}} }

func multi(s streamer) fexpr { return fexpr{cls: clsMany, s: s} }

func (e fexpr) isSingle() bool { return e.cls <= clsOpt }

// fastProgram is a whole program compiled for the fast lane.
type fastProgram struct {
	root  fexpr
	nvars int
}

// run evaluates the program on input, and reports false when gojq has to run
// it instead; in that case it has not called fn.
//
// With lent, fn keeps neither its value nor any object in it once it has
// returned (see Program.RunLent), and objects the program built are taken
// back for later evaluations.
func (f *fastProgram) run(input any, values []any, lent bool, fn func(any) error) (bool, error) {
	if len(values) != f.nvars {
		return false, nil // gojq reports the mismatch
	}
	if f.root.isSingle() {
		v, st := f.root.n.eval(input, values)
		switch st {
		case stOK:
			err := fn(v)
			if r, ok := f.root.n.(recycler); ok && lent {
				r.recycle(v)
			}
			return true, err
		case stEmpty:
			return true, nil
		}
		return false, nil
	}
	var buf [4]any
	out := buf[:0]
	if st := f.root.s.stream(input, values, func(v any) status {
		out = append(out, v)
		return stOK
	}); st != stOK {
		return false, nil
	}
	for _, v := range out {
		if err := fn(v); err != nil {
			return true, err
		}
	}
	return true, nil
}

// compileFast compiles q for the fast lane, or returns nil when q is not in
// its subset. vars are the program's variable names in the order of their
// values.
func compileFast(q *gojq.Query, vars []string) *fastProgram {
	c := fastCompiler{vars: vars}
	root, ok := c.query(q)
	if !ok {
		return nil
	}
	return &fastProgram{root: root, nvars: len(vars)}
}

type fastCompiler struct{ vars []string }

var identity = single(clsOne, identNode{})

func (c *fastCompiler) query(q *gojq.Query) (fexpr, bool) {
	if q == nil || q.Meta != nil || len(q.Imports) > 0 || len(q.FuncDefs) > 0 || len(q.Patterns) > 0 {
		return fexpr{}, false
	}
	if q.Term != nil {
		return c.term(q.Term)
	}
	l, ok := c.query(q.Left)
	if !ok {
		return fexpr{}, false
	}
	r, ok := c.query(q.Right)
	if !ok {
		return fexpr{}, false
	}
	switch q.Op {
	case gojq.OpPipe:
		return pipe(l, r), true
	case gojq.OpComma:
		return multi(commaStream{l.s, r.s}), true
	case gojq.OpAlt:
		if l.isSingle() && r.isSingle() {
			// A truthy output of l is the one output; else r's.
			return single(r.cls, altNode{l.n, r.n}), true
		}
		return multi(altStream{l.s, r.s}), true
	case gojq.OpAnd, gojq.OpOr:
		if !l.isSingle() || !r.isSingle() {
			return fexpr{}, false
		}
		return single(max(l.cls, r.cls), logicNode{l.n, r.n, q.Op == gojq.OpOr}), true
	case gojq.OpEq, gojq.OpNe:
		if !l.isSingle() || !r.isSingle() {
			return fexpr{}, false
		}
		return single(max(l.cls, r.cls), eqNode{l.n, r.n, q.Op == gojq.OpNe}), true
	}
	return fexpr{}, false
}

func pipe(l, r fexpr) fexpr {
	if l.isSingle() && r.isSingle() {
		if _, ok := l.n.(identNode); ok {
			return r
		}
		return single(max(l.cls, r.cls), pipeNode{l.n, r.n})
	}
	return multi(pipeStream{l.s, r.s})
}

func try(body fexpr) fexpr {
	if body.isSingle() {
		return single(clsOpt, tryNode{body.n})
	}
	return multi(tryStream{body.s})
}

func (c *fastCompiler) term(t *gojq.Term) (fexpr, bool) {
	cur, ok := c.termBase(t)
	if !ok {
		return fexpr{}, false
	}
	// gojq compiles term[i]? as term | try .[i], with the index applied to
	// the value before it (so .[i]'s i sees that value too), and term? as
	// try term when no index or iteration comes right before the ?.
	var prev fexpr
	var last *gojq.Suffix
	for _, s := range t.SuffixList {
		switch {
		case s.Index != nil:
			prev, last = cur, s
			if cur, ok = c.index(cur, s.Index); !ok {
				return fexpr{}, false
			}
		case s.Iter:
			prev, last = cur, s
			cur = pipe(cur, multi(iterStream{}))
		case s.Optional:
			if last == nil {
				cur = try(cur)
				break
			}
			u := multi(iterStream{})
			if last.Index != nil {
				if u, ok = c.index(identity, last.Index); !ok {
					return fexpr{}, false
				}
			}
			cur, last = pipe(prev, try(u)), nil
		default:
			return fexpr{}, false
		}
	}
	return cur, true
}

func (c *fastCompiler) termBase(t *gojq.Term) (fexpr, bool) {
	switch t.Type {
	case gojq.TermTypeIdentity:
		return identity, true
	case gojq.TermTypeNull:
		return single(clsOne, litNode{nil}), true
	case gojq.TermTypeTrue:
		return single(clsOne, litNode{true}), true
	case gojq.TermTypeFalse:
		return single(clsOne, litNode{false}), true
	case gojq.TermTypeNumber:
		return constant(t)
	case gojq.TermTypeUnary:
		// Only a signed number literal, which gojq folds to a constant.
		if u := t.Unary; u == nil || u.Term == nil || u.Term.Type != gojq.TermTypeNumber || len(u.Term.SuffixList) > 0 {
			return fexpr{}, false
		}
		return constant(t)
	case gojq.TermTypeString:
		return c.str(t.Str)
	case gojq.TermTypeIndex:
		if t.Index == nil {
			return fexpr{}, false
		}
		return c.index(identity, t.Index)
	case gojq.TermTypeFunc:
		return c.function(t.Func)
	case gojq.TermTypeObject:
		return c.object(t.Object)
	case gojq.TermTypeArray:
		return c.array(t.Array)
	case gojq.TermTypeQuery:
		return c.query(t.Query)
	case gojq.TermTypeIf:
		return c.ifThen(t.If)
	case gojq.TermTypeTry:
		if t.Try == nil || t.Try.Catch != nil {
			return fexpr{}, false
		}
		body, ok := c.query(t.Try.Body)
		if !ok {
			return fexpr{}, false
		}
		return try(body), true
	}
	return fexpr{}, false
}

// ifThen compiles if … then … elif … else … end with conditions that have
// at most one value each; without else, the input is the else branch.
func (c *fastCompiler) ifThen(x *gojq.If) (fexpr, bool) {
	if x == nil {
		return fexpr{}, false
	}
	var conds []node
	var branches []fexpr
	cls := clsOne
	add := func(cond, then *gojq.Query) bool {
		ce, ok := c.query(cond)
		if !ok || !ce.isSingle() {
			return false
		}
		cls = max(cls, ce.cls)
		te, ok := c.query(then)
		if !ok {
			return false
		}
		conds, branches = append(conds, ce.n), append(branches, te)
		return true
	}
	if !add(x.Cond, x.Then) {
		return fexpr{}, false
	}
	for _, elif := range x.Elif {
		if elif == nil || !add(elif.Cond, elif.Then) {
			return fexpr{}, false
		}
	}
	els := identity
	if x.Else != nil {
		var ok bool
		if els, ok = c.query(x.Else); !ok {
			return fexpr{}, false
		}
	}
	branches = append(branches, els)
	for _, b := range branches {
		cls = max(cls, b.cls)
	}
	if cls != clsMany {
		thens := make([]node, len(branches))
		for i, b := range branches {
			thens[i] = b.n
		}
		return single(cls, ifNode{conds, thens}), true
	}
	thens := make([]streamer, len(branches))
	for i, b := range branches {
		thens[i] = b.s
	}
	return multi(ifStream{conds, thens}), true
}

// constant evaluates a literal term (without its suffixes) with gojq once,
// so that the fast lane yields the very value gojq yields for it.
func constant(t *gojq.Term) (fexpr, bool) {
	lit := *t
	lit.SuffixList = nil
	code, err := gojq.Compile(&gojq.Query{Term: &lit})
	if err != nil {
		return fexpr{}, false
	}
	iter := code.Run(nil)
	v, ok := iter.Next()
	if !ok {
		return fexpr{}, false
	}
	if _, isErr := v.(error); isErr {
		return fexpr{}, false
	}
	if _, more := iter.Next(); more {
		return fexpr{}, false
	}
	return single(clsOne, litNode{v}), true
}

// variable returns the index of the value of the variable name; gojq binds
// the last of equal names.
func (c *fastCompiler) variable(name string) (int, bool) {
	for i := len(c.vars) - 1; i >= 0; i-- {
		if c.vars[i] == name {
			return i, true
		}
	}
	return 0, false
}

func (c *fastCompiler) function(f *gojq.Func) (fexpr, bool) {
	if f == nil || f.Name == "" {
		return fexpr{}, false
	}
	// The program defines no functions and binds no variables (both are
	// outside the subset), so these names are gojq's builtins, which
	// functions added with gojq.WithFunction cannot replace.
	if len(f.Args) == 0 {
		if f.Name[0] == '$' {
			i, ok := c.variable(f.Name)
			if !ok {
				return fexpr{}, false
			}
			return single(clsOne, varNode{i}), true
		}
		switch f.Name {
		case "not":
			return single(clsOne, notNode{}), true
		case "tostring":
			return single(clsOne, tostringNode{}), true
		case "ascii_downcase":
			return single(clsOne, downcaseNode{}), true
		case "empty":
			return single(clsOpt, emptyNode{}), true
		}
		return fexpr{}, false
	}
	if f.Name == "select" && len(f.Args) == 1 {
		cond, ok := c.query(f.Args[0])
		if !ok || !cond.isSingle() {
			return fexpr{}, false
		}
		return single(clsOpt, selectNode{cond.n}), true
	}
	return fexpr{}, false
}

// index compiles base[key] (and base.name, base."name"), with the key
// evaluated on the input of base, as gojq does.
func (c *fastCompiler) index(base fexpr, x *gojq.Index) (fexpr, bool) {
	if x.IsSlice {
		return fexpr{}, false
	}
	var key fexpr
	var ok bool
	switch {
	case x.Name != "":
		key, ok = single(clsOne, litNode{x.Name}), true
	case x.Str != nil:
		key, ok = c.str(x.Str)
	case x.Start != nil:
		key, ok = c.query(x.Start)
	}
	if !ok || !key.isSingle() {
		return fexpr{}, false
	}
	if lit, isLit := key.n.(litNode); isLit {
		// A constant key: the index applies to every output of base.
		var op node = constIndexNode{lit.v}
		if name, isStr := lit.v.(string); isStr {
			op = fieldNode{name}
		}
		if base.isSingle() {
			switch b := base.n.(type) {
			case identNode:
			case fieldNode:
				if f, isField := op.(fieldNode); isField {
					op = pathNode{[]string{b.name, f.name}}
				} else {
					op = pipeNode{base.n, op}
				}
			case pathNode:
				if f, isField := op.(fieldNode); isField {
					op = pathNode{append(slices.Clip(b.names), f.name)}
				} else {
					op = pipeNode{base.n, op}
				}
			default:
				op = pipeNode{base.n, op}
			}
			return single(base.cls, op), true
		}
		return multi(pipeStream{base.s, nodeStream{op}}), true
	}
	if !base.isSingle() {
		return fexpr{}, false
	}
	return single(max(base.cls, key.cls), indexNode{base.n, key.n}), true
}

// str compiles a string literal or interpolation whose interpolated parts
// have at most one value each.
func (c *fastCompiler) str(s *gojq.String) (fexpr, bool) {
	if s == nil {
		return fexpr{}, false
	}
	if s.Queries == nil {
		return single(clsOne, litNode{s.Str}), true
	}
	if len(s.Queries) == 0 {
		return fexpr{}, false
	}
	parts := make([]strPart, 0, len(s.Queries))
	cls := clsOne
	for _, q := range s.Queries {
		if q == nil || q.Term == nil {
			return fexpr{}, false
		}
		if q.Term.Str != nil {
			// A literal part, which gojq adds as it is.
			lit, ok := c.query(q)
			if !ok || lit.cls != clsOne {
				return fexpr{}, false
			}
			l, isLit := lit.n.(litNode)
			if !isLit {
				return fexpr{}, false
			}
			text, isStr := l.v.(string)
			if !isStr {
				return fexpr{}, false
			}
			parts = append(parts, strPart{lit: text})
			continue
		}
		e, ok := c.query(q)
		if !ok || !e.isSingle() {
			return fexpr{}, false
		}
		parts, cls = append(parts, strPart{n: e.n}), max(cls, e.cls)
	}
	return single(cls, strNode{parts}), true
}

func (c *fastCompiler) object(o *gojq.Object) (fexpr, bool) {
	if o == nil {
		return fexpr{}, false
	}
	entries := make([]objEntry, 0, len(o.KeyVals))
	cls := clsOne
	for _, kv := range o.KeyVals {
		if kv == nil {
			return fexpr{}, false
		}
		var e objEntry
		switch {
		case kv.Key != "" && kv.Key[0] == '$':
			i, ok := c.variable(kv.Key)
			if !ok {
				return fexpr{}, false
			}
			if kv.Val == nil { // {$x} is {x: $x}
				e.key, e.val = kv.Key[1:], varNode{i}
			} else { // {$x: v} takes the key from $x
				e.keyN = varNode{i}
			}
		case kv.Key != "":
			e.key = kv.Key
			if kv.Val == nil { // {a} is {a: .a}
				e.val = fieldNode{kv.Key}
			}
		case kv.KeyString != nil && kv.KeyString.Queries == nil:
			e.key = kv.KeyString.Str
			if kv.Val == nil {
				e.val = fieldNode{kv.KeyString.Str}
			}
		case kv.KeyString != nil:
			k, ok := c.str(kv.KeyString)
			if !ok {
				return fexpr{}, false
			}
			e.keyN, cls = k.n, max(cls, k.cls)
			if kv.Val == nil { // {"\(k)"} is {"\(k)": .["\(k)"]}
				e.byKey = true
			}
		case kv.KeyQuery != nil:
			k, ok := c.query(kv.KeyQuery)
			if !ok || !k.isSingle() || kv.Val == nil {
				return fexpr{}, false
			}
			e.keyN, cls = k.n, max(cls, k.cls)
		default:
			return fexpr{}, false
		}
		if kv.Val != nil {
			v, ok := c.query(kv.Val)
			if !ok || !v.isSingle() {
				return fexpr{}, false
			}
			e.val, cls = v.n, max(cls, v.cls)
		}
		entries = append(entries, e)
	}
	n := objectNode{entries: entries, maps: new(sync.Pool)}
	// The objects of entries' values that are object constructions
	// themselves are made fresh at every evaluation, so they can be taken
	// back with this one's, unless a later entry replaces them, or a
	// computed key might.
	computed := slices.ContainsFunc(entries, func(e objEntry) bool { return e.keyN != nil })
	for i, e := range entries {
		r, ok := e.val.(recycler)
		if !ok || computed || slices.ContainsFunc(entries[i+1:], func(l objEntry) bool { return l.key == e.key }) {
			continue
		}
		if n.own == nil {
			n.own = make([]recycler, len(entries))
		}
		n.own[i] = r
	}
	return single(cls, n), true
}

func (c *fastCompiler) array(a *gojq.Array) (fexpr, bool) {
	if a == nil {
		return fexpr{}, false
	}
	if a.Query == nil {
		return single(clsOne, arrayNode{}), true
	}
	var items []fexpr
	var flatten func(q *gojq.Query) bool
	flatten = func(q *gojq.Query) bool {
		if q != nil && q.Term == nil && q.Op == gojq.OpComma && len(q.Patterns) == 0 &&
			q.Meta == nil && len(q.Imports) == 0 && len(q.FuncDefs) == 0 {
			return flatten(q.Left) && flatten(q.Right)
		}
		e, ok := c.query(q)
		items = append(items, e)
		return ok
	}
	if !flatten(a.Query) {
		return fexpr{}, false
	}
	return single(clsOne, arrayNode{items}), true
}

// truthy reports whether jq takes v as true.
func truthy(v any) bool { return v != nil && v != false }

// indexValue is v[k] as gojq computes it for a constant or computed key.
func indexValue(v, k any) (any, status) {
	switch k := k.(type) {
	case string:
		return fieldValue(v, k)
	case int:
		switch v := v.(type) {
		case nil:
			return nil, stOK
		case []any:
			if k < 0 {
				k += len(v)
			}
			if k < 0 || k >= len(v) {
				return nil, stOK
			}
			return v[k], stOK
		case string:
			return nil, stBail // gojq indexes the characters
		}
		return nil, stErr
	case nil, bool:
		return nil, stErr // not a key of anything
	}
	return nil, stBail
}

// fieldValue is v[k] for a string key k: null on null, the member (or null)
// on an object, and an error on anything else.
func fieldValue(v any, k string) (any, status) {
	switch v := v.(type) {
	case nil:
		return nil, stOK
	case map[string]any:
		return v[k], stOK
	}
	return nil, stErr
}

type identNode struct{}

func (identNode) eval(in any, _ []any) (any, status) { return in, stOK }

type litNode struct{ v any }

func (n litNode) eval(any, []any) (any, status) { return n.v, stOK }

type varNode struct{ i int }

func (n varNode) eval(_ any, vars []any) (any, status) { return vars[n.i], stOK }

// fieldNode is .name on its input.
type fieldNode struct{ name string }

func (n fieldNode) eval(in any, _ []any) (any, status) { return fieldValue(in, n.name) }

// pathNode is .names[0].names[1]… on its input.
type pathNode struct{ names []string }

func (n pathNode) eval(in any, _ []any) (any, status) {
	v := in
	for _, name := range n.names {
		var st status
		if v, st = fieldValue(v, name); st != stOK {
			return nil, st
		}
	}
	return v, stOK
}

// constIndexNode is .[k] on its input for a constant k that is not a string.
type constIndexNode struct{ k any }

func (n constIndexNode) eval(in any, _ []any) (any, status) { return indexValue(in, n.k) }

// indexNode is base[key] with both evaluated on the input, the key first.
type indexNode struct{ base, key node }

func (n indexNode) eval(in any, vars []any) (any, status) {
	k, st := n.key.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	v, st := n.base.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	return indexValue(v, k)
}

type pipeNode struct{ l, r node }

func (n pipeNode) eval(in any, vars []any) (any, status) {
	v, st := n.l.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	return n.r.eval(v, vars)
}

// tryNode is try body without catch: gojq's error becomes no output.
type tryNode struct{ body node }

func (n tryNode) eval(in any, vars []any) (any, status) {
	v, st := n.body.eval(in, vars)
	if st == stErr {
		return nil, stEmpty
	}
	return v, st
}

// altNode is l // r. gojq does not swallow an error of l.
type altNode struct{ l, r node }

func (n altNode) eval(in any, vars []any) (any, status) {
	v, st := n.l.eval(in, vars)
	switch st {
	case stOK:
		if truthy(v) {
			return v, stOK
		}
	case stEmpty:
	default:
		return nil, st
	}
	return n.r.eval(in, vars)
}

// logicNode is l and r, or l or r: r is evaluated only when l does not
// decide.
type logicNode struct {
	l, r node
	or   bool
}

func (n logicNode) eval(in any, vars []any) (any, status) {
	v, st := n.l.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	if truthy(v) == n.or {
		return n.or, stOK
	}
	if v, st = n.r.eval(in, vars); st != stOK {
		return nil, st
	}
	return truthy(v), stOK
}

// eqNode is l == r, or l != r, for null, booleans, ints and strings; gojq's
// ordering of other values (numbers of other types in particular) is left
// to gojq.
type eqNode struct {
	l, r node
	ne   bool
}

func (n eqNode) eval(in any, vars []any) (any, status) {
	r, st := n.r.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	l, st := n.l.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	if !plainScalar(l) || !plainScalar(r) {
		return nil, stBail
	}
	// Values of different types (false and true count as different types
	// in gojq's ordering) are unequal; values of one type equal when Go's
	// == says so.
	return (l == r) != n.ne, stOK
}

func plainScalar(v any) bool {
	switch v.(type) {
	case nil, bool, int, string:
		return true
	}
	return false
}

type notNode struct{}

func (notNode) eval(in any, _ []any) (any, status) { return !truthy(in), stOK }

type tostringNode struct{}

func (tostringNode) eval(in any, _ []any) (any, status) {
	if s, ok := in.(string); ok {
		return s, stOK
	}
	return nil, stBail // gojq encodes other values as JSON
}

type downcaseNode struct{}

func (downcaseNode) eval(in any, _ []any) (any, status) {
	s, ok := in.(string)
	if !ok {
		return nil, stErr
	}
	if !utf8.ValidString(s) {
		return nil, stBail // gojq replaces invalid bytes
	}
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s, stOK
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b), stOK
}

type emptyNode struct{}

func (emptyNode) eval(any, []any) (any, status) { return nil, stEmpty }

// selectNode is select(cond): gojq's if cond then . else empty end.
type selectNode struct{ cond node }

func (n selectNode) eval(in any, vars []any) (any, status) {
	v, st := n.cond.eval(in, vars)
	if st != stOK {
		return nil, st
	}
	if truthy(v) {
		return in, stOK
	}
	return nil, stEmpty
}

// ifNode is if conds[0] then thens[0] elif … else thens[len(conds)] end.
type ifNode struct {
	conds []node
	thens []node
}

func (n ifNode) eval(in any, vars []any) (any, status) {
	i, st := pick(n.conds, in, vars)
	if st != stOK {
		return nil, st
	}
	return n.thens[i].eval(in, vars)
}

// pick returns the index of the first truthy condition, or len(conds).
func pick(conds []node, in any, vars []any) (int, status) {
	for i, c := range conds {
		v, st := c.eval(in, vars)
		if st != stOK {
			return 0, st
		}
		if truthy(v) {
			return i, stOK
		}
	}
	return len(conds), stOK
}

// strPart is a literal part of an interpolated string, or, when n is set, an
// interpolated value.
type strPart struct {
	lit string
	n   node
}

// strNode is a string interpolation whose interpolated values are strings;
// it leaves the formatting of any other value to gojq. gojq adds the parts
// up from the left, evaluating the right operand of each + first, so the
// last part is evaluated first.
type strNode struct{ parts []strPart }

func (n strNode) eval(in any, vars []any) (any, status) {
	if len(n.parts) == 1 && n.parts[0].n != nil {
		// "\(e)": e's string itself, without boxing it again.
		v, st := n.parts[0].n.eval(in, vars)
		if st != stOK {
			return nil, st
		}
		if _, ok := v.(string); !ok {
			return nil, stBail
		}
		return v, stOK
	}
	var buf [8]string
	texts := buf[:0]
	if len(n.parts) > len(buf) {
		texts = make([]string, 0, len(n.parts))
	}
	texts = texts[:len(n.parts)]
	size := 0
	for i := len(n.parts) - 1; i >= 0; i-- {
		p := &n.parts[i]
		s := p.lit
		if p.n != nil {
			v, st := p.n.eval(in, vars)
			if st != stOK {
				return nil, st
			}
			var ok bool
			if s, ok = v.(string); !ok {
				return nil, stBail
			}
		}
		texts[i] = s
		size += len(s)
	}
	if len(texts) == 1 {
		return texts[0], stOK
	}
	var b strings.Builder
	b.Grow(size)
	for _, s := range texts {
		b.WriteString(s)
	}
	return b.String(), stOK
}

// objEntry is one key and value of an object construction. The key is key
// unless keyN is set; the value is val's, or, with byKey, the input's member
// named by the key.
type objEntry struct {
	key   string
	keyN  node
	val   node
	byKey bool
}

// objectNode is an object construction whose keys and values have at most
// one value each. gojq evaluates each key and then its value, entry by
// entry, stops at the first that has no value, and only then checks that the
// keys are strings; a later entry wins over an earlier one with the same key.
//
// Its maps come from maps, where recycle puts the ones that callers have
// done with.
type objectNode struct {
	entries []objEntry
	maps    *sync.Pool
	// own[i], when own is set, takes back the value of entries[i], an
	// object that an object construction made (see recycle).
	own []recycler
}

// recycler is a node whose outputs are objects it made itself, fresh at
// every evaluation, which it can take back and fill again once the caller
// is done with them.
type recycler interface {
	// recycle takes back v, an output of the node's eval, and the objects
	// in it that the node's parts made. Nothing may use v afterwards.
	recycle(v any)
}

func (n objectNode) recycle(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for i, r := range n.own {
		if r != nil {
			r.recycle(m[n.entries[i].key])
		}
	}
	clear(m)
	n.maps.Put(m)
}

func (n objectNode) eval(in any, vars []any) (any, status) {
	m, _ := n.maps.Get().(map[string]any)
	if m == nil {
		m = make(map[string]any, len(n.entries))
	}
	badKey := false
	for i := range n.entries {
		e := &n.entries[i]
		key := e.key
		if e.keyN != nil {
			k, st := e.keyN.eval(in, vars)
			if st != stOK {
				return nil, st
			}
			s, ok := k.(string)
			if !ok {
				badKey = true
			}
			key = s
		}
		var v any
		var st status
		if e.byKey {
			v, st = fieldValue(in, key)
		} else {
			v, st = e.val.eval(in, vars)
		}
		if st != stOK {
			return nil, st
		}
		m[key] = v
	}
	if badKey {
		return nil, stErr
	}
	return m, stOK
}

// arrayNode is [items[0], items[1], …], the outputs of all items in order.
type arrayNode struct{ items []fexpr }

func (n arrayNode) eval(in any, vars []any) (any, status) {
	out := make([]any, 0, len(n.items))
	for i, it := range n.items {
		if !it.isSingle() {
			return n.streamFrom(i, out, in, vars)
		}
		v, st := it.n.eval(in, vars)
		switch st {
		case stOK:
			out = append(out, v)
		case stEmpty:
		default:
			return nil, st
		}
	}
	return out, stOK
}

// streamFrom is eval from item i on, with the outputs of the items before it
// in out; it keeps the closure (and the escape of out) off the common path.
func (n arrayNode) streamFrom(i int, out []any, in any, vars []any) (any, status) {
	collect := func(v any) status {
		out = append(out, v)
		return stOK
	}
	for _, it := range n.items[i:] {
		if st := it.s.stream(in, vars, collect); st != stOK {
			return nil, st
		}
	}
	return out, stOK
}

// nodeStream streams the output of a node.
type nodeStream struct{ n node }

func (s nodeStream) stream(in any, vars []any, yield func(any) status) status {
	v, st := s.n.eval(in, vars)
	switch st {
	case stOK:
		return yield(v)
	case stEmpty:
		return stOK
	}
	return st
}

type pipeStream struct{ l, r streamer }

func (s pipeStream) stream(in any, vars []any, yield func(any) status) status {
	return s.l.stream(in, vars, func(v any) status { return s.r.stream(v, vars, yield) })
}

type commaStream struct{ l, r streamer }

func (s commaStream) stream(in any, vars []any, yield func(any) status) status {
	if st := s.l.stream(in, vars, yield); st != stOK {
		return st
	}
	return s.r.stream(in, vars, yield)
}

// altStream is l // r: the truthy outputs of l, or r's if there are none.
type altStream struct{ l, r streamer }

func (s altStream) stream(in any, vars []any, yield func(any) status) status {
	found := false
	if st := s.l.stream(in, vars, func(v any) status {
		if !truthy(v) {
			return stOK
		}
		found = true
		return yield(v)
	}); st != stOK || found {
		return st
	}
	return s.r.stream(in, vars, yield)
}

// tryStream is try body without catch: the outputs of body until its first
// error, which ends it quietly. An error after an output, in what consumes
// the output, is not body's and passes.
type tryStream struct{ body streamer }

func (s tryStream) stream(in any, vars []any, yield func(any) status) status {
	down := stOK
	st := s.body.stream(in, vars, func(v any) status {
		down = yield(v)
		return down
	})
	if st == stErr && down == stOK {
		return stOK
	}
	return st
}

// ifStream is ifNode with branches of any class.
type ifStream struct {
	conds []node
	thens []streamer
}

func (s ifStream) stream(in any, vars []any, yield func(any) status) status {
	i, st := pick(s.conds, in, vars)
	if st != stOK {
		return st
	}
	return s.thens[i].stream(in, vars, yield)
}

// iterStream is .[]: an array's elements in order, an object's values in the
// order of their keys, and an error on anything else.
type iterStream struct{}

func (iterStream) stream(in any, _ []any, yield func(any) status) status {
	switch v := in.(type) {
	case []any:
		for _, x := range v {
			if st := yield(x); st != stOK {
				return st
			}
		}
		return stOK
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if st := yield(v[k]); st != stOK {
				return st
			}
		}
		return stOK
	case gojq.Iter:
		return stBail // gojq iterates it
	}
	return stErr
}
