package expr

import (
	"slices"

	"github.com/itchyny/gojq"
)

// InputKeys reports the keys of its input the program reads, when it reads
// its input only through them: every use of the input is .key (or ."key",
// .["key"], {key}) with a constant key, so the program yields the same
// outputs and errors on an object input as on that object cut down to those
// keys. It returns false when the program may use the input otherwise (as
// a whole, through a computed key, by iterating it, by passing it to a
// function) or when it is outside what the analysis understands; the
// analysis errs on the side of false.
func (p *Program) InputKeys() ([]string, bool) {
	q, err := gojq.Parse(p.src)
	if err != nil {
		return nil, false
	}
	a := keyAnalysis{}
	a.query(q, true)
	if a.whole {
		return nil, false
	}
	slices.Sort(a.keys)
	return slices.Compact(a.keys), true
}

// keyAnalysis collects the input keys of a query; whole is set once the
// input is used any other way.
type keyAnalysis struct {
	keys  []string
	whole bool
}

// query walks q; input tells whether the input of q is the program's input.
func (a *keyAnalysis) query(q *gojq.Query, input bool) {
	if q == nil || a.whole {
		return
	}
	if len(q.FuncDefs) > 0 || len(q.Patterns) > 0 || len(q.Imports) > 0 || q.Meta != nil {
		a.whole = true
		return
	}
	if q.Term != nil {
		a.term(q.Term, input)
		return
	}
	a.query(q.Left, input)
	if q.Op == gojq.OpPipe {
		a.query(q.Right, false) // its input is what the left yields
		return
	}
	a.query(q.Right, input)
}

// term walks t, whose input is the program's when input is set.
func (a *keyAnalysis) term(t *gojq.Term, input bool) {
	switch t.Type {
	case gojq.TermTypeIdentity:
		if input {
			a.whole = true
		}
	case gojq.TermTypeIndex:
		if input {
			if k, ok := constKey(t.Index); ok {
				a.keys = append(a.keys, k)
			} else {
				a.whole = true
			}
		}
		a.index(t.Index, input)
	case gojq.TermTypeNull, gojq.TermTypeTrue, gojq.TermTypeFalse, gojq.TermTypeNumber:
	case gojq.TermTypeFunc:
		switch name := t.Func.Name; {
		case len(name) > 0 && name[0] == '$':
		case name == "empty" && len(t.Func.Args) == 0:
		default:
			if input {
				a.whole = true // a function takes its input whole
			}
			for _, arg := range t.Func.Args {
				a.query(arg, input)
			}
		}
	case gojq.TermTypeObject:
		for _, kv := range t.Object.KeyVals {
			if kv.Val == nil { // {a}, {"a"}, {$x}, {"\(…)"}
				switch {
				case kv.Key != "" && kv.Key[0] == '$':
				case kv.Key != "":
					a.read(kv.Key, input)
				case kv.KeyString != nil && len(kv.KeyString.Queries) == 0:
					a.read(kv.KeyString.Str, input)
				default:
					if input {
						a.whole = true
					}
				}
			}
			if kv.KeyString != nil {
				a.str(kv.KeyString, input)
			}
			a.query(kv.KeyQuery, input)
			a.query(kv.Val, input)
		}
	case gojq.TermTypeArray:
		a.query(t.Array.Query, input)
	case gojq.TermTypeString:
		a.str(t.Str, input)
	case gojq.TermTypeQuery:
		a.query(t.Query, input)
	case gojq.TermTypeUnary:
		a.term(t.Unary.Term, input)
	case gojq.TermTypeIf:
		a.query(t.If.Cond, input)
		a.query(t.If.Then, input)
		for _, e := range t.If.Elif {
			a.query(e.Cond, input)
			a.query(e.Then, input)
		}
		if t.If.Else == nil && input {
			a.whole = true // without else, the input is the else branch
		}
		a.query(t.If.Else, input)
	case gojq.TermTypeTry:
		a.query(t.Try.Body, input)
		a.query(t.Try.Catch, false) // its input is the error
	default: // formats, reduce, foreach, label, break, recursion
		a.whole = true
	}
	for _, s := range t.SuffixList {
		if s.Index != nil {
			a.index(s.Index, input) // index expressions run on the term's input
		}
	}
}

// read records a read of the input's key when input is set.
func (a *keyAnalysis) read(key string, input bool) {
	if input {
		a.keys = append(a.keys, key)
	}
}

// index walks the expressions inside an index.
func (a *keyAnalysis) index(x *gojq.Index, input bool) {
	if x.Str != nil {
		a.str(x.Str, input)
	}
	a.query(x.Start, input)
	a.query(x.End, input)
}

func (a *keyAnalysis) str(s *gojq.String, input bool) {
	for _, q := range s.Queries {
		a.query(q, input)
	}
}

// constKey returns the key of an index of the form .a, ."a" or .["a"].
func constKey(x *gojq.Index) (string, bool) {
	switch {
	case x.IsSlice || x.End != nil:
		return "", false
	case x.Name != "":
		return x.Name, true
	case x.Str != nil:
		return x.Str.Str, len(x.Str.Queries) == 0
	case x.Start != nil && x.Start.Term != nil && x.Start.Term.Type == gojq.TermTypeString &&
		len(x.Start.Term.SuffixList) == 0 && len(x.Start.Term.Str.Queries) == 0 && x.Start.Op == 0:
		return x.Start.Term.Str.Str, true
	}
	return "", false
}
