package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/spell"
	"go.yaml.in/yaml/v3"
)

// Decoder decodes YAML nodes into configuration structs strictly: unknown
// keys, duplicate keys, wrong kinds of value and missing required keys are
// problems, collected rather than returned one at a time.
//
// Struct fields are named by their `yaml` tag; `required:"true"` makes a key
// mandatory, `enum:"a,b"` limits a string, and `doc:"…"` documents the key
// for the JSON Schema. A field of type Pos tagged `yaml:"-"` receives the
// position of the mapping node. Types with an UnmarshalNode method decode
// themselves.
type Decoder struct {
	File string // the file's name as it appears in messages
	Dir  string // the directory that relative ${file:…} paths start from
	// Env looks up environment variables; nil means the process environment.
	Env func(string) (string, bool)
	// Secrets collects the expanded values that are secrets.
	Secrets []string

	lines []string
	errs  ErrorList
	// noExpand leaves ${…} alone, for data files.
	noExpand bool
	// aliasNodes counts the nodes reached through aliases; sizes caches
	// the size of aliased nodes; aliasBroken is set once the budget is
	// spent.
	aliasNodes  int
	sizes       map[*yaml.Node]int
	aliasBroken bool
}

// NodeUnmarshaler is a type that decodes itself from a YAML node.
type NodeUnmarshaler interface {
	UnmarshalNode(d *Decoder, n *yaml.Node)
}

// NewDecoder returns a decoder for the file named file whose text is src.
func NewDecoder(file, dir string, src []byte) *Decoder {
	return &Decoder{File: file, Dir: dir, lines: strings.Split(string(src), "\n")}
}

// Errors returns a copy of the problems found so far.
func (d *Decoder) Errors() ErrorList { return append(ErrorList(nil), d.errs...) }

// Errorf records a problem at node n.
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	d.errs.Add(d.pos(n), fmt.Sprintf(format, args...))
}

// Error records err at node n, keeping the positions of config errors.
func (d *Decoder) Error(n *yaml.Node, err error) { d.errs.Append(d.pos(n), err) }

func (d *Decoder) pos(n *yaml.Node) Pos { return nodePos(d.File, n) }

// Pos returns the position of node n.
func (d *Decoder) Pos(n *yaml.Node) Pos { return d.pos(n) }

// Decode decodes n into the value out points to.
func (d *Decoder) Decode(n *yaml.Node, out any) {
	d.decode(d.follow(n), reflect.ValueOf(out).Elem(), field{})
}

// Scalar returns the text of scalar node n with ${…} references expanded;
// ok is false (and a problem recorded) when n is not a scalar or a reference
// fails.
func (d *Decoder) Scalar(n *yaml.Node) (string, bool) {
	if n = d.follow(n); n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, "expected a single value, got %s", kindName(n))
		return "", false
	}
	s, err := d.expand(n.Value)
	if err != nil {
		d.Error(n, err)
		return "", false
	}
	return s, true
}

// field carries the tag options of the struct field being decoded.
type field struct {
	name string
	enum []string
}

var (
	posType      = reflect.TypeFor[Pos]()
	durationType = reflect.TypeFor[time.Duration]()
	unmarshaler  = reflect.TypeFor[NodeUnmarshaler]()
)

func (d *Decoder) decode(n *yaml.Node, v reflect.Value, f field) {
	if n == nil {
		return // an alias over the budget, already reported
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshaler) {
		v.Addr().Interface().(NodeUnmarshaler).UnmarshalNode(d, n)
		return
	}
	if v.Kind() == reflect.Pointer {
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), f)
		return
	}
	if isNull(n) && v.Kind() != reflect.Interface {
		return
	}
	switch {
	case v.Type() == durationType:
		s, ok := d.Scalar(n)
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil || dur <= 0 {
			d.Errorf(n, "%q is not a positive duration; write it as 30s, 5m or 1h30m", s)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.Errorf(n, "expected a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(d.follow(c), s.Index(i), f)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.Errorf(n, "expected a mapping of keys to values, got %s", kindName(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		d.pairs(n, func(k, val *yaml.Node) {
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, e, f)
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		})
		v.Set(m)
	case reflect.String:
		s, ok := d.Scalar(n)
		if !ok {
			return
		}
		if len(f.enum) > 0 && !contains(f.enum, s) {
			d.Errorf(n, "%s must be one of %s, not %q", f.name, strings.Join(f.enum, ", "), s)
			return
		}
		v.SetString(s)
	case reflect.Bool:
		s, ok := d.Scalar(n)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			d.Errorf(n, "expected true or false, got %q", s)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		s, ok := d.Scalar(n)
		if !ok {
			return
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			d.Errorf(n, "expected a whole number, got %q", s)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		s, ok := d.Scalar(n)
		if !ok {
			return
		}
		x, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil {
			d.Errorf(n, "expected a number, got %q", s)
			return
		}
		v.SetFloat(x)
	case reflect.Interface:
		val, ok := d.Value(n)
		if ok && val != nil {
			v.Set(reflect.ValueOf(val))
		}
	default:
		panic(fmt.Sprintf("config: cannot decode into %s", v.Type()))
	}
}

func (d *Decoder) decodeStruct(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "expected a mapping of keys to values, got %s", kindName(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var known []string
	for i := range t.NumField() {
		sf := t.Field(i)
		name := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if name == "-" || name == "" {
			if sf.Type == posType {
				v.Field(i).Set(reflect.ValueOf(d.pos(n)))
			}
			continue
		}
		fields[name] = i
		known = append(known, name)
	}
	seen := map[string]bool{}
	d.pairs(n, func(k, val *yaml.Node) {
		i, ok := fields[k.Value]
		if !ok {
			d.Errorf(k, "%s", spell.Unknown("key", k.Value, known))
			// "jqq" is reported once, not again as a missing "jq".
			seen[spell.Closest(k.Value, known)] = true
			return
		}
		seen[k.Value] = true
		sf := t.Field(i)
		f := field{name: k.Value}
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		d.decode(val, v.Field(i), f)
	})
	for _, name := range known {
		sf := t.Field(fields[name])
		if sf.Tag.Get("required") == "true" && !seen[name] {
			d.Errorf(n, "missing required key %q", name)
		}
	}
}

// pairs calls fn for every key and value of mapping node n, reporting
// duplicate and non-string keys.
func (d *Decoder) pairs(n *yaml.Node, fn func(k, v *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := d.follow(n.Content[i]), d.follow(n.Content[i+1])
		if k == nil || val == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k, "a key must be a plain string, got %s", kindName(k))
			continue
		}
		if k.Value == "<<" {
			d.Errorf(k, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.Errorf(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		fn(k, val)
	}
}

// Value converts node n into a plain JSON value (nil, bool, int, float64,
// string, []any, map[string]any), expanding ${…} in strings.
func (d *Decoder) Value(n *yaml.Node) (any, bool) {
	if n = d.follow(n); n == nil {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		ok := true
		d.pairs(n, func(k, val *yaml.Node) {
			x, good := d.Value(val)
			ok = ok && good
			m[k.Value] = x
		})
		return m, ok
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		ok := true
		for i, c := range n.Content {
			x, good := d.Value(c)
			ok = ok && good
			l[i] = x
		}
		return l, ok
	case yaml.ScalarNode:
		return d.scalarValue(n)
	}
	d.Errorf(n, "unexpected %s", kindName(n))
	return nil, false
}

func (d *Decoder) scalarValue(n *yaml.Node) (any, bool) {
	if v, typed := coreScalar(n); typed {
		return v, true
	}
	s, err := d.expand(n.Value)
	if err != nil {
		d.Error(n, err)
		return nil, false
	}
	return s, true
}

// maxAliasNodes caps the nodes a file may reach through aliases, so that
// a few lines of nested aliases (a "billion laughs") cannot expand into
// millions of values.
const maxAliasNodes = 100_000

// follow returns n, or the node alias n stands for. Nodes reached through
// aliases count against maxAliasNodes; past it, follow reports the problem
// once and returns nil.
func (d *Decoder) follow(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode {
		return n
	}
	for n != nil && n.Kind == yaml.AliasNode {
		if d.aliasBroken {
			return nil
		}
		d.aliasNodes += d.size(n.Alias)
		if d.aliasNodes > maxAliasNodes {
			d.aliasBroken = true
			d.Errorf(n, "aliases expand to more than %d values; write the values out instead", maxAliasNodes)
			return nil
		}
		n = n.Alias
	}
	return n
}

// size counts the nodes below n, aliases expanded, remembering each
// node's size so that nested aliases are counted without being walked.
func (d *Decoder) size(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := d.sizes[n]; ok {
		return s
	}
	if d.sizes == nil {
		d.sizes = map[*yaml.Node]int{}
	}
	d.sizes[n] = maxAliasNodes + 1 // a cycle counts as too big
	s := 1
	if n.Kind == yaml.AliasNode {
		s = d.size(n.Alias)
	}
	for _, c := range n.Content {
		s = min(s+d.size(c), maxAliasNodes+1)
	}
	d.sizes[n] = s
	return s
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Style == 0
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing (null)"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected node"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
