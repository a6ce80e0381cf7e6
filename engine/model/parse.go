package model

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/stackmap/stackmap/engine/spell"
)

// Kinds of element, as rules name them.
const (
	KindComponent = "components"
	KindRelation  = "relations"
	KindMetric    = "metrics"
	KindEvent     = "events"
	KindHealth    = "health"
)

// Defaults fill in what an element leaves out.
type Defaults struct {
	Layer, Domain, Environment string
	// Now is the run's start, in epoch seconds, for metrics and events
	// without a timestamp.
	Now int64
	// Source is the event source for events without one: the mapping name.
	Source string
}

// InvalidError is an element that breaks a rule of the receiver.
type InvalidError struct {
	Kind string // the element kind, singular
	Key  string // the key at fault, or ""
	Msg  string
}

func (e *InvalidError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("invalid %s: %s", e.Kind, e.Msg)
	}
	return fmt.Sprintf("invalid %s: %s: %s", e.Kind, e.Key, e.Msg)
}

// Keys lists the keys each kind of element takes, required ones first.
var Keys = map[string][]string{
	KindComponent: {"id", "type", "name", "layer", "domain", "environment", "labels", "tags", "identifiers", "version", "description", "data", "source_properties"},
	KindRelation:  {"source", "target", "type", "id", "data", "dependency_direction"},
	KindMetric:    {"name", "value", "timestamp", "host", "type", "tags"},
	KindEvent:     {"title", "type", "text", "timestamp", "tags", "host", "category", "source", "identifiers", "links", "data"},
	KindHealth:    {"id", "name", "health", "identifier", "message"},
}

var required = map[string][]string{
	KindComponent: {"id", "type"},
	KindRelation:  {"source", "target", "type"},
	KindMetric:    {"name", "value"},
	KindEvent:     {"title", "type"},
	KindHealth:    {"id", "name", "health", "identifier"},
}

var singular = map[string]string{
	KindComponent: "component", KindRelation: "relation", KindMetric: "metric", KindEvent: "event", KindHealth: "health state",
}

// Parse builds an element of kind from the value a rule emitted and checks
// it. It returns a Component, Relation, Metric, Event or HealthState, or an
// *InvalidError.
func Parse(kind string, v any, d Defaults) (any, error) {
	switch kind {
	case KindComponent:
		c, err := ParseComponent(v, d)
		if err != nil {
			return nil, err
		}
		return c, nil
	case KindRelation:
		r, err := ParseRelation(v)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	p := parser{kind: kind}
	if err := p.start(v); err != nil {
		return nil, err
	}
	var el any
	switch kind {
	case KindMetric:
		el = p.metric(d)
	case KindEvent:
		el = p.event(d)
	case KindHealth:
		el = p.health()
	default:
		panic("model: unknown kind " + kind)
	}
	if p.err != nil {
		return nil, p.err
	}
	return el, nil
}

// ParseComponent is Parse of a component, which it returns as it is
// rather than in an interface.
func ParseComponent(v any, d Defaults) (Component, error) {
	p := parser{kind: KindComponent}
	if err := p.start(v); err != nil {
		return Component{}, err
	}
	c := p.component(d)
	return c, p.err
}

// ParseRelation is Parse of a relation, which it returns as it is rather
// than in an interface.
func ParseRelation(v any) (Relation, error) {
	p := parser{kind: KindRelation}
	if err := p.start(v); err != nil {
		return Relation{}, err
	}
	r := p.relation()
	return r, p.err
}

// knownKeys are Keys as sets.
var knownKeys = func() map[string]map[string]bool {
	sets := map[string]map[string]bool{}
	for kind, keys := range Keys {
		sets[kind] = map[string]bool{}
		for _, k := range keys {
			sets[kind][k] = true
		}
	}
	return sets
}()

// start checks that v is an object of known keys that has the required
// ones, and takes it.
func (p *parser) start(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return p.fail("", "expected an object, got %s; emit one object per element (use .[] to emit several)", typeName(v))
	}
	known := knownKeys[p.kind]
	for k := range obj {
		if !known[k] {
			// Name the first unknown key in sorted order, so that the
			// message does not depend on the map's order.
			for _, k := range sortedKeys(obj) {
				if !known[k] {
					return p.fail("", "%s", spell.Unknown("key", k, Keys[p.kind]))
				}
			}
		}
	}
	for _, k := range required[p.kind] {
		if x, has := obj[k]; !has || x == nil {
			return p.fail(k, "is required")
		}
	}
	p.obj = obj
	return nil
}

type parser struct {
	kind string // the plural kind, such as components
	obj  map[string]any
	err  error
}

func (p *parser) fail(key, format string, args ...any) error {
	return &InvalidError{Kind: singular[p.kind], Key: key, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) failf(key, format string, args ...any) {
	if p.err == nil {
		p.err = p.fail(key, format, args...)
	}
}

// str returns a string key; required keys must not be empty.
func (p *parser) str(key string) string {
	v, ok := p.obj[key]
	if !ok || v == nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		if v == "" && slices.Contains(required[p.kind], key) {
			p.failf(key, "must not be empty")
		}
		return v
	case int, float64, *big.Int:
		p.failf(key, "expected a string, got the number %v; convert it with tostring", v)
	default:
		p.failf(key, "expected a string, got %s", typeName(v))
	}
	return ""
}

// strings returns a list of strings; an object {k: v} becomes sorted "k:v"
// entries when asObject is set.
func (p *parser) strings(key string, asObject bool) []string {
	v, ok := p.obj[key]
	if !ok || v == nil {
		return nil
	}
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for i, x := range v {
			s, isStr := x.(string)
			if !isStr {
				p.failf(fmt.Sprintf("%s[%d]", key, i), "expected a string, got %s", typeName(x))
				return nil
			}
			out = append(out, s)
		}
		return out
	case map[string]any:
		if asObject {
			out := make([]string, 0, len(v))
			for _, k := range sortedKeys(v) {
				x := v[k]
				switch x := x.(type) {
				case string:
					out = append(out, k+":"+x)
				case nil:
					out = append(out, k)
				case int, float64, bool, *big.Int:
					out = append(out, fmt.Sprintf("%s:%v", k, x))
				default:
					p.failf(key+"."+k, "expected a string, number or bool, got %s", typeName(x))
					return nil
				}
			}
			return out
		}
	}
	if asObject {
		p.failf(key, "expected a list of strings or an object, got %s", typeName(v))
	} else {
		p.failf(key, "expected a list of strings, got %s", typeName(v))
	}
	return nil
}

func (p *parser) object(key string) map[string]any {
	v, ok := p.obj[key]
	if !ok || v == nil {
		return nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		p.failf(key, "expected an object, got %s", typeName(v))
	}
	return m
}

func (p *parser) timestamp(key string, now int64) int64 {
	v, ok := p.obj[key]
	if !ok || v == nil {
		return now
	}
	var ts int64
	switch v := v.(type) {
	case int:
		ts = int64(v)
	case float64:
		if !(v > -(1<<63) && v < 1<<63) { // true for NaN and ±Inf too
			p.failf(key, "expected epoch seconds, got %v, which is out of range", v)
			return 0
		}
		ts = int64(v)
	case *big.Int:
		p.failf(key, "expected epoch seconds, got %v, which is out of range", v)
		return 0
	case string:
		p.failf(key, "expected epoch seconds (a number), got the string %q; convert dates with fromdateiso8601 or strptime", v)
		return 0
	default:
		p.failf(key, "expected epoch seconds (a number), got %s", typeName(v))
		return 0
	}
	if ts > maxSeconds {
		p.failf(key, "%d looks like milliseconds, not epoch seconds; divide it by 1000 (./1000 | floor)", ts)
	}
	return ts
}

// maxSeconds is the largest plausible epoch-seconds timestamp (in the
// year 5138); anything larger is milliseconds or worse.
const maxSeconds = 1e11

// isLabel reports whether l has StackState's label format,
// ^[a-z][a-z0-9_\-:./]*$.
func isLabel(l string) bool {
	if l == "" || l[0] < 'a' || l[0] > 'z' {
		return false
	}
	for i := 1; i < len(l); i++ {
		if !labelByte[l[i]] {
			return false
		}
	}
	return true
}

// labelByte marks the bytes a label may hold after its first.
var labelByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isLowerAlnum(byte(c))
	}
	for _, c := range []byte("_-:./") {
		t[c] = true
	}
	return t
}()

func (p *parser) labels(key string) []string {
	ls := p.strings(key, true)
	for i, orig := range ls {
		l := strings.ToLower(orig)
		ls[i] = l
		switch {
		case len(l) > 200:
			p.failf(key, "label %q is longer than 200 characters", orig[:40]+"…")
		case !isLabel(l):
			p.failf(key, "label %q must start with a letter and hold only letters, digits and _ - : . /", orig)
		case strings.HasSuffix(l, ":"):
			p.failf(key, "label %q must not end with ':'", orig)
		}
	}
	return ls
}

func (p *parser) component(d Defaults) Component {
	c := Component{
		ID:               p.str("id"),
		Type:             p.str("type"),
		Name:             p.str("name"),
		Layer:            p.str("layer"),
		Domain:           p.str("domain"),
		Environment:      p.str("environment"),
		Labels:           p.labels("labels"),
		Tags:             p.labels("tags"),
		Identifiers:      p.strings("identifiers", false),
		Version:          p.str("version"),
		Description:      p.str("description"),
		Data:             p.object("data"),
		SourceProperties: p.object("source_properties"),
	}
	for i, id := range c.Identifiers {
		if id == "" {
			p.failf(fmt.Sprintf("identifiers[%d]", i), "must not be empty")
		}
	}
	c.Layer = cmpOr(c.Layer, d.Layer)
	c.Domain = cmpOr(c.Domain, d.Domain)
	c.Environment = cmpOr(c.Environment, d.Environment)
	return c
}

// Dependency directions of a relation.
var directions = []string{"ONE_WAY", "BOTH", "NONE"}

func (p *parser) relation() Relation {
	r := Relation{
		ID:                  p.str("id"),
		Source:              p.str("source"),
		Target:              p.str("target"),
		Type:                p.str("type"),
		DependencyDirection: strings.ToUpper(p.str("dependency_direction")),
		Data:                p.object("data"),
	}
	if r.DependencyDirection != "" && !slices.Contains(directions, r.DependencyDirection) {
		p.failf("dependency_direction", "must be one of %s, not %q", strings.Join(directions, ", "), r.DependencyDirection)
	}
	if r.ID == "" {
		r.ID = r.Source + "-" + r.Type + "-" + r.Target
	}
	return r
}

// MetricTypes are the metric types the receiver knows.
var MetricTypes = []string{"gauge", "count", "rate", "counter", "raw"}

var reservedMetricPrefixes = []string{"host", "labels", "name", "tags", "timeReceived", "timestamp", "values"}

func (p *parser) metric(d Defaults) Metric {
	m := Metric{
		Name:      p.str("name"),
		Timestamp: p.timestamp("timestamp", d.Now),
		Host:      p.str("host"),
		Type:      strings.ToLower(cmpOr(p.str("type"), "gauge")),
		Tags:      p.strings("tags", true),
	}
	for _, prefix := range reservedMetricPrefixes {
		if strings.HasPrefix(m.Name, prefix) {
			p.failf("name", "%q starts with %q, which StackState reserves; prefix it, such as %q", m.Name, prefix, "myapp."+m.Name)
		}
	}
	if !slices.Contains(MetricTypes, m.Type) {
		p.failf("type", "must be one of %s, not %q", strings.Join(MetricTypes, ", "), m.Type)
	}
	switch v := p.obj["value"].(type) {
	case int:
		m.Value = v
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.failf("value", "must be a finite number")
		}
		m.Value = v
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		m.Value = f
	case string:
		p.failf("value", "expected a number, got the string %q; convert it with tonumber", v)
	default:
		p.failf("value", "expected a number, got %s", typeName(v))
	}
	return m
}

// Categories are the event categories of a topology event.
var Categories = []string{"Activities", "Alerts", "Anomalies", "Changes", "Others"}

// DefaultEventSource is the source of events that name none: the mapping's
// name, or "stackmap.<name>" when the name starts with a prefix StackState
// reserves for event names.
func DefaultEventSource(mapping string) string {
	for _, prefix := range reservedEventPrefixes {
		if strings.HasPrefix(mapping, prefix) {
			return "stackmap." + mapping
		}
	}
	return mapping
}

var reservedEventPrefixes = []string{"eventType", "host", "labels", "message", "name", "tags", "timeReceived", "timestamp", "title"}

func (p *parser) event(d Defaults) Event {
	e := Event{
		Title:       p.str("title"),
		Type:        p.str("type"),
		Text:        p.str("text"),
		Timestamp:   p.timestamp("timestamp", d.Now),
		Tags:        p.strings("tags", true),
		Host:        p.str("host"),
		Category:    p.str("category"),
		Source:      cmpOr(p.str("source"), DefaultEventSource(d.Source)),
		Identifiers: p.strings("identifiers", false),
		Data:        p.object("data"),
	}
	if e.Category != "" {
		i := slices.IndexFunc(Categories, func(c string) bool { return strings.EqualFold(c, e.Category) })
		if i < 0 {
			p.failf("category", "must be one of %s, not %q", strings.Join(Categories, ", "), e.Category)
		} else {
			e.Category = Categories[i]
		}
	}
	for _, prefix := range reservedEventPrefixes {
		if strings.HasPrefix(e.Source, prefix) {
			p.failf("source", "%q starts with %q, which StackState reserves for event names", e.Source, prefix)
		}
	}
	if v, ok := p.obj["links"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			p.failf("links", "expected a list of {title, url} objects, got %s", typeName(v))
		}
		for i, x := range list {
			o, isObj := x.(map[string]any)
			title, _ := o["title"].(string)
			url, _ := o["url"].(string)
			if !isObj || url == "" {
				p.failf(fmt.Sprintf("links[%d]", i), "expected {title, url} with a url string, got %s", typeName(x))
				break
			}
			e.Links = append(e.Links, Link{Title: cmpOr(title, url), URL: url})
		}
	}
	return e
}

// healthAliases maps the accepted spellings of health values.
var healthAliases = map[string]string{
	"clear": Clear, "ok": Clear, "deviating": Deviating, "warning": Deviating, "critical": Critical,
}

func (p *parser) health() HealthState {
	h := HealthState{
		ID:         p.str("id"),
		Name:       p.str("name"),
		Identifier: p.str("identifier"),
		Message:    p.str("message"),
	}
	raw := p.str("health")
	h.Health = healthAliases[strings.ToLower(raw)]
	if h.Health == "" && raw != "" {
		p.failf("health", "must be CLEAR, DEVIATING or CRITICAL (or ok, warning, critical), not %q", raw)
	}
	return h
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int, float64, *big.Int:
		return "a number"
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
