package model

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
)

// Problem is something wrong across the elements of a batch. Errors fail
// the run; warnings are reported.
type Problem struct {
	Error bool `json:"error"`
	// Lint marks a warning about what is valid but likely wrong; preview
	// shows lints, the daemon does not log them every run.
	Lint bool   `json:"lint,omitempty"`
	Msg  string `json:"message"`
}

// Check reports duplicate component and relation ids (errors), and
// relations whose endpoints are not components of the batch and health
// states whose identifier no component carries (warnings).
func Check(b *Batch) []Problem {
	c := NewChecker(len(b.HealthStates) > 0, 0)
	c.Batch(b)
	return c.Problems()
}

// Lint reports what is valid but likely wrong, as warnings: identifiers
// that break StackState's URN pattern (they will not merge or bind), and
// ids that hold the run's time, which change every run and so replace the
// whole topology each time.
func Lint(b *Batch, now int64) []Problem {
	c := NewChecker(false, now)
	c.Batch(b)
	return c.Lints()
}

// Checker makes the checks of Check and Lint one element at a time, so that
// a run can check elements it does not keep. Components must come before
// the relations and health states that refer to them, as they do in a
// batch. It keeps a 128-bit hash per id, not the ids. A Checker is not safe
// for concurrent use.
type Checker struct {
	seeds [2]maphash.Seed
	now   string // the run's time as text, or ""

	comps, rels, healths idCounts
	idents               map[key]struct{} // with health: component ids and identifiers

	dangling, unbound, badURN, unstable list
}

// key is the 128-bit hash of an id.
type key [2]uint64

// idCounts counts ids and remembers those seen twice, in the order of their
// first occurrence.
type idCounts struct {
	// seen holds, for each id's key, 1 + the index of its first
	// occurrence while it was seen once, then -1 - its index in dups.
	seen idTable
	n    int32
	dups []dup
}

type dup struct {
	id    string
	first int32
	n     int32
}

// list keeps the first few entries of a list and counts the rest.
type list struct {
	first []string
	n     int
}

func (l *list) add(s func() string) {
	if len(l.first) < sampleSize {
		l.first = append(l.first, s())
	}
	l.n++
}

// NewChecker returns an empty checker. With health set it keeps the
// components' ids and identifiers to check health states against; now,
// when not 0, is the run's time in epoch seconds, which ids should not
// hold.
func NewChecker(health bool, now int64) *Checker {
	c := &Checker{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	if health {
		c.idents = map[key]struct{}{}
	}
	if now > 0 {
		c.now = strconv.FormatInt(now, 10)
	}
	return c
}

func (c *Checker) key(s string) key {
	return key{maphash.String(c.seeds[0], s), maphash.String(c.seeds[1], s)}
}

func (ic *idCounts) add(k key, id string) {
	ic.seen.reserve(1)
	s := ic.seen.slot(k)
	switch {
	case s.v == 0:
		s.k, s.v = k, ic.n+1
		ic.seen.used()
	case s.v > 0:
		ic.dups = append(ic.dups, dup{id: id, first: s.v - 1, n: 2})
		s.v = -int32(len(ic.dups))
	default:
		ic.dups[-1-s.v].n++
	}
	ic.n++
}

func (ic *idCounts) has(k key) bool { return ic.seen.lookup(k) != 0 }

// Expect tells the checker that about n elements of kind are coming, so
// that it makes room for them at once rather than step by step.
func (c *Checker) Expect(kind string, n int) {
	switch kind {
	case KindComponent:
		c.comps.seen.reserve(n)
	case KindRelation:
		c.rels.seen.reserve(n)
	case KindHealth:
		c.healths.seen.reserve(n)
	}
}

// Batch checks every element of b.
func (c *Checker) Batch(b *Batch) {
	for i := range b.Components {
		c.Component(&b.Components[i])
	}
	for i := range b.Relations {
		c.Relation(&b.Relations[i])
	}
	for i := range b.HealthStates {
		c.Health(&b.HealthStates[i])
	}
}

// IDKeys are the hashes of an element's ids that the checker needs. KeysOf
// makes them and may run on any goroutine, so that a run can hash on every
// core and leave only the bookkeeping to the one that takes elements in
// order.
type IDKeys struct {
	id, source, target key
	idents             []key
}

// KeysOf returns the keys of a component, relation or health state.
func (c *Checker) KeysOf(el any) IDKeys {
	var k IDKeys
	switch x := el.(type) {
	case *Component:
		k.id = c.key(x.ID)
		if c.idents != nil {
			k.idents = make([]key, len(x.Identifiers))
			for i, id := range x.Identifiers {
				k.idents[i] = c.key(id)
			}
		}
	case *Relation:
		k.id, k.source, k.target = c.key(x.ID), c.key(x.Source), c.key(x.Target)
	case *HealthState:
		k.id, k.source = c.key(x.ID), c.key(x.Identifier)
	}
	return k
}

// Component checks one component.
func (c *Checker) Component(x *Component) {
	k := c.KeysOf(x)
	c.ComponentKeyed(x, &k)
}

// ComponentKeyed checks one component whose keys KeysOf made.
func (c *Checker) ComponentKeyed(x *Component, k *IDKeys) {
	c.comps.add(k.id, x.ID)
	if c.idents != nil {
		c.idents[k.id] = struct{}{}
		for _, ik := range k.idents {
			c.idents[ik] = struct{}{}
		}
	}
	for _, id := range x.Identifiers {
		if !IsURN(id) {
			c.badURN.add(func() string { return fmt.Sprintf("%s (%s)", id, x.ID) })
		}
	}
	if c.now != "" && strings.Contains(x.ID, c.now) {
		c.unstable.add(func() string { return x.ID })
	}
}

// Relation checks one relation.
func (c *Checker) Relation(x *Relation) {
	k := c.KeysOf(x)
	c.RelationKeyed(x, &k)
}

// RelationKeyed checks one relation whose keys KeysOf made.
func (c *Checker) RelationKeyed(x *Relation, k *IDKeys) {
	c.rels.add(k.id, x.ID)
	switch {
	case !c.comps.has(k.source):
		c.dangling.add(func() string { return fmt.Sprintf("%s (%s)", x.ID, x.Source) })
	case !c.comps.has(k.target):
		c.dangling.add(func() string { return fmt.Sprintf("%s (%s)", x.ID, x.Target) })
	}
	if c.now != "" && strings.Contains(x.ID, c.now) {
		c.unstable.add(func() string { return x.ID })
	}
}

// Health checks one health state.
func (c *Checker) Health(x *HealthState) {
	k := c.KeysOf(x)
	if c.idents != nil {
		if _, ok := c.idents[k.source]; !ok {
			c.unbound.add(func() string { return fmt.Sprintf("%s (%s)", x.ID, x.Identifier) })
		}
	}
	c.healths.add(k.id, x.ID)
}

// Problems returns what Check reports for the elements checked so far.
func (c *Checker) Problems() []Problem {
	var out []Problem
	out = append(out, c.comps.problems("component")...)
	out = append(out, c.rels.problems("relation")...)
	if c.dangling.n > 0 {
		out = append(out, Problem{Msg: fmt.Sprintf("%d relation(s) point at components outside the snapshot; StackState drops them: %s", c.dangling.n, c.dangling)})
	}
	if c.unbound.n > 0 {
		out = append(out, Problem{Msg: fmt.Sprintf("%d health state(s) name an identifier no component of this mapping carries: %s", c.unbound.n, c.unbound)})
	}
	out = append(out, c.healths.problems("health state")...)
	return out
}

// Lints returns what Lint reports for the elements checked so far.
func (c *Checker) Lints() []Problem {
	var out []Problem
	if c.badURN.n > 0 {
		out = append(out, Problem{Lint: true, Msg: fmt.Sprintf("%d identifier(s) break StackState's URN pattern urn:<prefix>:<lower-case id> and will not merge or bind: %s", c.badURN.n, c.badURN)})
	}
	if c.unstable.n > 0 {
		out = append(out, Problem{Lint: true, Msg: fmt.Sprintf("%d id(s) hold the run's time ($now) and change every run, so every run replaces them: %s", c.unstable.n, c.unstable)})
	}
	return out
}

func (ic *idCounts) problems(what string) []Problem {
	if len(ic.dups) == 0 {
		return nil
	}
	dups := slices.Clone(ic.dups)
	slices.SortFunc(dups, func(a, b dup) int { return int(a.first - b.first) })
	var l list
	for _, d := range dups {
		l.add(func() string { return fmt.Sprintf("%q ×%d", d.id, d.n) })
	}
	return []Problem{{Error: true, Msg: fmt.Sprintf("%d duplicate %s id(s): %s; ids must be unique within the mapping", len(dups), what, l)}}
}

// sampleSize is how many entries of a long list a message shows.
const sampleSize = 5

// String joins the first entries of the list and says how many more there
// are.
func (l list) String() string {
	s := strings.Join(l.first, ", ")
	if l.n > len(l.first) {
		s += fmt.Sprintf(", and %d more", l.n-len(l.first))
	}
	return s
}
