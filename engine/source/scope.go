package source

import (
	"errors"
	"slices"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
)

// BaseVars are the variables every expression may use, in the order of
// their values.
var BaseVars = []string{"$vars", "$instance", "$now", "$state"}

// Scope is the set of jq variables visible at one place of a mapping: the
// base variables and the sources named before it. It compiles expressions
// and templates, turning their errors into positioned config errors.
type Scope struct {
	vars []string
	// srcs are the texts of everything compiled in the scope, to tell
	// which variables they mention.
	srcs []string
}

// NewScope returns the scope with the base variables and the named
// sources, in order.
func NewScope(sources ...string) *Scope {
	vars := append([]string(nil), BaseVars...)
	for _, s := range sources {
		vars = append(vars, "$"+s)
	}
	return &Scope{vars: vars}
}

// Vars returns the names of the scope's variables, in order.
func (s *Scope) Vars() []string { return s.vars }

// Len is the number of variable values a run must bind.
func (s *Scope) Len() int { return len(s.vars) }

// Expr compiles a jq field.
func (s *Scope) Expr(e config.Expr) (*expr.Program, error) {
	s.srcs = append(s.srcs, e.Src)
	p, err := expr.Compile(e.Src, s.vars)
	if err != nil {
		return nil, positioned(e, err)
	}
	return p, nil
}

// Template compiles a value field.
func (s *Scope) Template(t config.Template) (*expr.Template, error) {
	var errs config.ErrorList
	out := s.template(t, &errs)
	return out, errs.Err()
}

func (s *Scope) template(t config.Template, errs *config.ErrorList) *expr.Template {
	switch t.Kind {
	case config.TemplateString:
		s.srcs = append(s.srcs, t.Str.Src)
		x, err := expr.CompileString(t.Str.Src, s.vars)
		if err != nil {
			errs.Append(t.Pos, positioned(t.Str, err))
			return nil
		}
		return x
	case config.TemplateList:
		items := make([]*expr.Template, len(t.Items))
		for i, x := range t.Items {
			items[i] = s.template(x, errs)
		}
		return expr.List(items)
	case config.TemplateMap:
		vals := make([]*expr.Template, len(t.Values))
		for i, x := range t.Values {
			vals[i] = s.template(x, errs)
		}
		return expr.Object(t.Keys, vals)
	}
	return expr.Literal(t.Lit)
}

// Mentions reports whether anything compiled in the scope so far mentions
// the variable $name, as a whole word anywhere in its text (comments and
// strings included, so it errs on the side of yes).
func (s *Scope) Mentions(name string) bool {
	return slices.ContainsFunc(s.srcs, func(src string) bool { return expr.MentionsVar(src, name) })
}

// positioned turns an expression error into a config error at its place.
func positioned(e config.Expr, err error) error {
	var xe *expr.Error
	if errors.As(err, &xe) {
		return e.Errorf(xe.Offset, xe.Msg)
	}
	return &config.Error{Pos: e.Pos, Msg: err.Error()}
}
