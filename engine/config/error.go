package config

import (
	"cmp"
	"errors"
	"slices"
	"strings"
)

// Error is one problem of a mapping file at a position. Detail, when set,
// holds extra lines such as the offending source line and a caret under the
// column.
type Error struct {
	Pos    Pos
	Msg    string
	Detail string
}

// Error formats the problem as "file:line:col: message", followed by the
// detail lines.
func (e *Error) Error() string {
	s := e.Pos.String()
	if s != "" {
		s += ": "
	}
	s += e.Msg
	if e.Detail != "" {
		s += "\n" + e.Detail
	}
	return s
}

// ErrorList is every problem found in one or more files, in file order.
type ErrorList []*Error

// Add appends a problem.
func (l *ErrorList) Add(pos Pos, msg string) { *l = append(*l, &Error{Pos: pos, Msg: msg}) }

// Append adds err to the list: the problems of an ErrorList or *Error as
// they are, any other error at pos.
func (l *ErrorList) Append(pos Pos, err error) {
	var list ErrorList
	var one *Error
	switch {
	case err == nil:
	case errors.As(err, &list):
		*l = append(*l, list...)
	case errors.As(err, &one):
		*l = append(*l, one)
	default:
		l.Add(pos, err.Error())
	}
}

// Sort orders the problems by file, line and column, keeping the order of
// problems at the same position.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}
