package model

import (
	"fmt"
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
	var out []Problem
	ids := make(map[string]int, len(b.Components))
	idents := map[string]bool{}
	dups := map[string]int{}
	for _, c := range b.Components {
		ids[c.ID]++
		if ids[c.ID] == 2 {
			dups[c.ID] = 0
		}
		idents[c.ID] = true
		for _, i := range c.Identifiers {
			idents[i] = true
		}
	}
	out = append(out, duplicates("component", ids, dups, b.Components, func(c Component) string { return c.ID })...)
	rids := make(map[string]int, len(b.Relations))
	rdups := map[string]int{}
	var dangling []string
	for _, r := range b.Relations {
		rids[r.ID]++
		if rids[r.ID] == 2 {
			rdups[r.ID] = 0
		}
		for _, end := range []string{r.Source, r.Target} {
			if ids[end] == 0 {
				dangling = append(dangling, fmt.Sprintf("%s (%s)", r.ID, end))
				break
			}
		}
	}
	out = append(out, duplicates("relation", rids, rdups, b.Relations, func(r Relation) string { return r.ID })...)
	if len(dangling) > 0 {
		out = append(out, Problem{Msg: fmt.Sprintf("%d relation(s) point at components outside the snapshot; StackState drops them: %s", len(dangling), sample(dangling))})
	}
	var unbound []string
	for _, h := range b.HealthStates {
		if !idents[h.Identifier] {
			unbound = append(unbound, fmt.Sprintf("%s (%s)", h.ID, h.Identifier))
		}
	}
	if len(unbound) > 0 {
		out = append(out, Problem{Msg: fmt.Sprintf("%d health state(s) name an identifier no component of this mapping carries: %s", len(unbound), sample(unbound))})
	}
	hids := map[string]int{}
	hdups := map[string]int{}
	for _, h := range b.HealthStates {
		hids[h.ID]++
		if hids[h.ID] == 2 {
			hdups[h.ID] = 0
		}
	}
	out = append(out, duplicates("health state", hids, hdups, b.HealthStates, func(h HealthState) string { return h.ID })...)
	return out
}

func duplicates[T any](what string, counts, dups map[string]int, elems []T, id func(T) string) []Problem {
	if len(dups) == 0 {
		return nil
	}
	var list []string
	for _, e := range elems {
		k := id(e)
		if _, dup := dups[k]; dup && dups[k] == 0 {
			dups[k] = 1
			list = append(list, fmt.Sprintf("%q ×%d", k, counts[k]))
		}
	}
	return []Problem{{Error: true, Msg: fmt.Sprintf("%d duplicate %s id(s): %s; ids must be unique within the mapping", len(list), what, sample(list))}}
}

// sample joins the first few entries of list.
func sample(list []string) string {
	const n = 5
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:n], ", ") + fmt.Sprintf(", and %d more", len(list)-n)
}
