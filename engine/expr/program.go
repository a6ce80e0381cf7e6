package expr

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/itchyny/gojq"
)

// Error is a problem of an expression's source at a byte offset.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Program is a compiled jq expression. It is safe for concurrent use.
type Program struct {
	src  string
	vars []string
	code *gojq.Code
	fast *fastProgram // nil when the program is outside the fast lane's subset
}

// Compile compiles the jq source src, which may use the variables named in
// vars (each with its leading $).
func Compile(src string, vars []string) (*Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Msg: "empty jq expression"}
	}
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, parseError(src, err)
	}
	if name := closedEnv(q); name != "" {
		return nil, &Error{Offset: tokenOffset(src, name, false), Msg: name + " is disabled in stackmap; pass values in through vars and use $vars"}
	}
	code, err := gojq.Compile(q, append(functions(), gojq.WithVariables(vars), gojq.WithEnvironLoader(func() []string { return nil }))...)
	if err != nil {
		return nil, compileError(src, err)
	}
	return &Program{src: src, vars: vars, code: code, fast: compileFast(q, vars)}, nil
}

// Source returns the program's jq text.
func (p *Program) Source() string { return p.src }

// Run runs the program on input with the variable values in the order of
// Compile's vars, and calls fn with every output. A jq error stops the run
// and is returned as a *RuntimeError; an error of fn is returned as it is.
//
// A program within the fast lane's subset of jq (see SetFastLane) runs
// without gojq when it can, with the same outputs and errors.
func (p *Program) Run(ctx context.Context, input any, values []any, fn func(any) error) error {
	return p.run(ctx, input, values, false, fn)
}

// RunLent is Run for a caller that is done with each output when fn
// returns: fn keeps neither the output nor any object or array in it (it
// may keep strings, numbers and the like). The objects the fast lane builds
// are then taken back after fn and filled again for later outputs, instead
// of new ones being made for every record.
func (p *Program) RunLent(ctx context.Context, input any, values []any, fn func(any) error) error {
	return p.run(ctx, input, values, true, fn)
}

func (p *Program) run(ctx context.Context, input any, values []any, lent bool, fn func(any) error) error {
	if p.fast != nil && !fastLaneOff.Load() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if done, err := p.fast.run(input, values, lent, fn); done {
			return err
		}
	}
	return p.runGojq(ctx, input, values, fn)
}

// runGojq is Run with gojq.
func (p *Program) runGojq(ctx context.Context, input any, values []any, fn func(any) error) error {
	iter := p.code.RunWithContext(ctx, input, values...)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return &RuntimeError{Err: err}
		}
		if err := fn(v); err != nil {
			return err
		}
	}
}

// All runs the program and returns every output.
func (p *Program) All(ctx context.Context, input any, values []any) ([]any, error) {
	var out []any
	err := p.Run(ctx, input, values, func(v any) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// RuntimeError is an error raised by jq while a program ran.
type RuntimeError struct{ Err error }

func (e *RuntimeError) Error() string { return "jq: " + e.Err.Error() }
func (e *RuntimeError) Unwrap() error { return e.Err }

func parseError(src string, err error) error {
	var pe *gojq.ParseError
	if errors.As(err, &pe) {
		off := pe.Offset - len(pe.Token)
		if off < 0 {
			off = 0
		}
		return &Error{Offset: off, Msg: "jq syntax error: " + err.Error()}
	}
	return &Error{Msg: "jq syntax error: " + err.Error()}
}

var notDefinedRE = regexp.MustCompile(`^(function|variable) not defined: (\$?[A-Za-z0-9_:]+)(?:/(\d+))?`)

func compileError(src string, err error) error {
	msg := err.Error()
	off := 0
	if m := notDefinedRE.FindStringSubmatch(msg); m != nil {
		off = tokenOffset(src, m[2], m[3] != "" && m[3] != "0")
		if m[1] == "variable" {
			msg += "; variables are $vars, $instance, $now, $state and the sources named before this point"
		}
	}
	return &Error{Offset: off, Msg: "jq: " + msg}
}

// tokenOffset finds name in src as a whole word, or returns 0. A function
// name is looked for where it can be a call: not after "." (a field), "$"
// or a quote, not before ":" (an object key), and before "(" when call says
// it takes arguments.
func tokenOffset(src, name string, call bool) int {
	if strings.HasPrefix(name, "$") {
		re := regexp.MustCompile(regexp.QuoteMeta(name) + `\b`)
		if loc := re.FindStringIndex(src); loc != nil {
			return loc[0]
		}
		return 0
	}
	re := regexp.MustCompile(`(?:^|[^$A-Za-z0-9_."])(` + regexp.QuoteMeta(name) + `)\b\s*(.?)`)
	for _, loc := range re.FindAllStringSubmatchIndex(src, -1) {
		next := src[loc[4]:loc[5]]
		if next == ":" || call && next != "(" {
			continue
		}
		return loc[2]
	}
	return 0
}

// closedEnv returns "env" or "$ENV" when the query uses either, else "".
func closedEnv(q *gojq.Query) string {
	found := ""
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		if found != "" {
			return
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				if f, ok := v.Interface().(*gojq.Func); ok && len(f.Args) == 0 && (f.Name == "env" || f.Name == "$ENV") {
					found = f.Name
					return
				}
				if kv, ok := v.Interface().(*gojq.ObjectKeyVal); ok && kv.Key == "$ENV" {
					found = kv.Key // {$ENV}
					return
				}
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(q))
	return found
}

// Describe formats a value for an error message, cut to at most n bytes.
func Describe(v any, n int) string {
	s := fmt.Sprint(v)
	if b, err := marshal(v); err == nil {
		s = string(b)
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
