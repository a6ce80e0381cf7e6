package expr

import (
	"strings"

	"github.com/itchyny/gojq"
)

// IterPath reports whether the program is exactly a path of object keys
// followed by one iteration, like `.result[]`, `.a.b[]`, `."a b"[]`,
// `.["a"][]`, `.a | .b[]` or `.[]`, and returns the keys. SplitJSON with
// them yields the records the program yields. Anything else, such as an
// optional `?`, an array index, a variable, a function or a second
// iteration, makes ok false.
func (p *Program) IterPath() (path []string, ok bool) {
	q, err := gojq.Parse(p.src)
	if err != nil {
		return nil, false
	}
	keys, iter, ok := queryPath(q)
	if !ok || !iter {
		return nil, false
	}
	if keys == nil {
		keys = []string{}
	}
	return keys, true
}

// IterVar reports whether the program is exactly `$name[]`, one variable
// iterated, and returns the name without its $. $ENV and $__loc__, which
// are not variables passed in, make ok false.
func (p *Program) IterVar() (name string, ok bool) {
	q, err := gojq.Parse(p.src)
	if err != nil || !plainQuery(q) || q.Term == nil {
		return "", false
	}
	t := q.Term
	if t.Type != gojq.TermTypeFunc || t.Func == nil || len(t.Func.Args) > 0 || len(t.SuffixList) != 1 {
		return "", false
	}
	if s := t.SuffixList[0]; !s.Iter || s.Optional || s.Index != nil {
		return "", false
	}
	name, ok = strings.CutPrefix(t.Func.Name, "$")
	if !ok || name == "" || name == "ENV" || name == "__loc__" {
		return "", false
	}
	return name, true
}

// plainQuery reports whether q has no module directives, function
// definitions or variable bindings of its own.
func plainQuery(q *gojq.Query) bool {
	return q != nil && q.Meta == nil && len(q.Imports) == 0 && len(q.FuncDefs) == 0 && len(q.Patterns) == 0
}

// queryPath returns the keys of q when it is a path of object keys, or
// several joined by pipes, optionally ending with one iteration, and
// whether it does end with it.
func queryPath(q *gojq.Query) (keys []string, iter, ok bool) {
	if !plainQuery(q) {
		return nil, false, false
	}
	if q.Term != nil {
		if q.Left != nil || q.Right != nil {
			return nil, false, false
		}
		return termPath(q.Term)
	}
	if q.Op != gojq.OpPipe || q.Left == nil || q.Right == nil {
		return nil, false, false
	}
	left, leftIter, ok := queryPath(q.Left)
	if !ok || leftIter {
		return nil, false, false
	}
	right, iter, ok := queryPath(q.Right)
	if !ok {
		return nil, false, false
	}
	return append(left, right...), iter, true
}

// termPath is queryPath for a term: `.`, `.k` or `(path)`, then key
// indexes, then at most one iteration.
func termPath(t *gojq.Term) (keys []string, iter, ok bool) {
	switch t.Type {
	case gojq.TermTypeIdentity:
	case gojq.TermTypeIndex:
		k, ok := indexKey(t.Index)
		if !ok {
			return nil, false, false
		}
		keys = append(keys, k)
	case gojq.TermTypeQuery:
		inner, innerIter, ok := queryPath(t.Query)
		if !ok || innerIter {
			return nil, false, false
		}
		keys = inner
	default:
		return nil, false, false
	}
	for i, s := range t.SuffixList {
		switch {
		case s.Optional:
			return nil, false, false
		case s.Iter:
			if s.Index != nil || i != len(t.SuffixList)-1 {
				return nil, false, false
			}
			iter = true
		default:
			k, ok := indexKey(s.Index)
			if !ok {
				return nil, false, false
			}
			keys = append(keys, k)
		}
	}
	return keys, iter, true
}

// indexKey returns the key of an index by a constant object key: `.k`,
// `."k"` or `.["k"]`.
func indexKey(x *gojq.Index) (string, bool) {
	switch {
	case x == nil || x.IsSlice || x.End != nil:
		return "", false
	case x.Name != "":
		return x.Name, x.Str == nil && x.Start == nil
	case x.Str != nil:
		return x.Str.Str, len(x.Str.Queries) == 0 && x.Start == nil
	case x.Start != nil:
		q := x.Start
		if !plainQuery(q) || q.Term == nil || q.Left != nil || q.Right != nil {
			return "", false
		}
		t := q.Term
		if t.Type != gojq.TermTypeString || t.Str == nil || len(t.Str.Queries) > 0 || t.Format != "" || len(t.SuffixList) > 0 {
			return "", false
		}
		return t.Str.Str, true
	}
	return "", false
}
