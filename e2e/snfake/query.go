package snfake

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// A query is a parsed sysparm_query: conditions that must all hold (each
// a set of alternatives joined by ^OR) and the ordering.
type query struct {
	and   [][]cond
	order []orderBy
}

type cond struct {
	field string // may be dot-walked: parent.sys_class_name
	op    string
	value string
}

type orderBy struct {
	field string
	desc  bool
}

// operators the fake understands, longest first so that "NOT IN" wins
// over "IN" and "!=" over "=".
var operators = []string{
	"ISNOTEMPTY", "ISEMPTY", "STARTSWITH", "ENDSWITH", "NOT LIKE", "NOT IN", "ANYTHING", "LIKE", "IN", "!=", "=",
}

// queryError is a problem with sysparm_query; it becomes a 400.
type queryError struct{ detail string }

func (e *queryError) Error() string { return e.detail }

// parseQuery parses an encoded query against table. It accepts
// conditions "field<op>value" joined by ^ (and) and ^OR (or), ORDERBYfield
// and ORDERBYDESCfield, and the terminator ^EQ. Fields must exist on the
// table (dot-walking through references is allowed); the operators are
// those in operators. Anything else is an error: ServiceNow would ignore
// an invalid condition (or return no rows, with
// glide.invalid_query.returns_no_rows), which silently changes the
// result, so the fake refuses it instead.
func (d *Data) parseQuery(table, s string) (*query, error) {
	q := &query{}
	if s == "" {
		return q, nil
	}
	for i, part := range strings.Split(s, "^") {
		switch {
		case part == "" || part == "EQ":
			continue
		case part == "NQ" || strings.HasPrefix(part, "NQ"):
			return nil, &queryError{"^NQ (new query) is not supported by the fake"}
		case strings.HasPrefix(part, "ORDERBYDESC"):
			f := strings.TrimPrefix(part, "ORDERBYDESC")
			if _, err := d.walk(table, f); err != nil {
				return nil, err
			}
			q.order = append(q.order, orderBy{field: f, desc: true})
			continue
		case strings.HasPrefix(part, "ORDERBY"):
			f := strings.TrimPrefix(part, "ORDERBY")
			if _, err := d.walk(table, f); err != nil {
				return nil, err
			}
			q.order = append(q.order, orderBy{field: f})
			continue
		}
		or := false
		if strings.HasPrefix(part, "OR") && i > 0 {
			or, part = true, strings.TrimPrefix(part, "OR")
		}
		c, err := d.parseCond(table, part)
		if err != nil {
			return nil, err
		}
		if or {
			if len(q.and) == 0 {
				return nil, &queryError{fmt.Sprintf("^OR%s has no condition before it", part)}
			}
			q.and[len(q.and)-1] = append(q.and[len(q.and)-1], c)
		} else {
			q.and = append(q.and, []cond{c})
		}
	}
	return q, nil
}

func (d *Data) parseCond(table, s string) (cond, error) {
	end := 0
	for end < len(s) && (s[end] >= 'a' && s[end] <= 'z' || s[end] >= '0' && s[end] <= '9' || s[end] == '_' || s[end] == '.') {
		end++
	}
	field, rest := s[:end], s[end:]
	if field == "" {
		return cond{}, &queryError{fmt.Sprintf("condition %q does not start with a field name", s)}
	}
	if _, err := d.walk(table, field); err != nil {
		return cond{}, err
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			c := cond{field: field, op: op, value: strings.TrimPrefix(rest, op)}
			if (op == "ISEMPTY" || op == "ISNOTEMPTY" || op == "ANYTHING") && c.value != "" {
				break
			}
			return c, nil
		}
	}
	return cond{}, &queryError{fmt.Sprintf("unsupported operator in condition %q (the fake knows %s)", s, strings.Join(operators, ", "))}
}

// walk resolves a possibly dot-walked field of table to the field at its
// end.
func (d *Data) walk(table, path string) (Field, error) {
	t := table
	parts := strings.Split(path, ".")
	for i, p := range parts {
		f, ok := d.Field(t, p)
		if !ok {
			return Field{}, &queryError{fmt.Sprintf("invalid field %q: table %s has no field %q", path, t, p)}
		}
		if i == len(parts)-1 {
			return f, nil
		}
		if f.Kind != Reference {
			return Field{}, &queryError{fmt.Sprintf("invalid field %q: %s.%s is not a reference", path, t, p)}
		}
		t = f.Ref
	}
	return Field{}, &queryError{fmt.Sprintf("invalid field %q", path)}
}

// lookup returns the stored value of a possibly dot-walked field of r, and
// the field. A walk through an empty reference gives "".
func (d *Data) lookup(table string, r Record, path string) (Field, string, bool) {
	t := table
	parts := strings.Split(path, ".")
	for i, p := range parts {
		f, ok := d.Field(t, p)
		if !ok {
			return Field{}, "", false
		}
		v := r[p]
		if i == len(parts)-1 {
			return f, v, true
		}
		if f.Kind != Reference {
			return Field{}, "", false
		}
		target, ok := d.Get(f.Ref, v)
		if !ok {
			return f, "", true
		}
		t, r = f.Ref, target
	}
	return Field{}, "", false
}

func (d *Data) match(table string, r Record, q *query) bool {
	for _, alts := range q.and {
		ok := false
		for _, c := range alts {
			if d.matchCond(table, r, c) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchCond compares stored values, ignoring case, as ServiceNow's
// database collation does.
func (d *Data) matchCond(table string, r Record, c cond) bool {
	_, v, _ := d.lookup(table, r, c.field)
	lv, lc := strings.ToLower(v), strings.ToLower(c.value)
	in := func() bool {
		for _, x := range strings.Split(lc, ",") {
			if strings.TrimSpace(x) == lv {
				return true
			}
		}
		return false
	}
	switch c.op {
	case "=":
		return lv == lc
	case "!=":
		return lv != lc
	case "IN":
		return in()
	case "NOT IN":
		return !in()
	case "LIKE":
		return strings.Contains(lv, lc)
	case "NOT LIKE":
		return !strings.Contains(lv, lc)
	case "STARTSWITH":
		return strings.HasPrefix(lv, lc)
	case "ENDSWITH":
		return strings.HasSuffix(lv, lc)
	case "ISEMPTY":
		return v == ""
	case "ISNOTEMPTY":
		return v != ""
	case "ANYTHING":
		return true
	}
	return false
}

// sortRows orders rows by q's ORDERBY fields, then by tie (by sys_id when
// nil), so that the order is total.
func (d *Data) sortRows(table string, rows []Record, q *query, tie func(a, b Record) bool) {
	if tie == nil {
		tie = func(a, b Record) bool { return a["sys_id"] < b["sys_id"] }
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, o := range q.order {
			f, a, _ := d.lookup(table, rows[i], o.field)
			_, b, _ := d.lookup(table, rows[j], o.field)
			if a == b {
				continue
			}
			if f.Kind == Integer {
				x, errx := strconv.ParseInt(a, 10, 64)
				y, erry := strconv.ParseInt(b, 10, 64)
				if errx == nil && erry == nil {
					return (x < y) != o.desc
				}
			}
			return (a < b) != o.desc
		}
		return tie(rows[i], rows[j])
	})
}
