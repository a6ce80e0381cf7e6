package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/stackmap/stackmap/engine/expect"
	"github.com/stackmap/stackmap/engine/intake"
	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/state"
)

// topologyOf collects the components and relations of envelopes, by
// external id, in their wire form.
type topologyOf struct {
	components map[string]map[string]any
	relations  map[string]map[string]any
}

func wireTopology(envs []map[string]any) topologyOf {
	t := topologyOf{components: map[string]map[string]any{}, relations: map[string]map[string]any{}}
	for _, env := range envs {
		topos, _ := env["topologies"].([]any)
		for _, tp := range topos {
			m, _ := tp.(map[string]any)
			if start, _ := m["start_snapshot"].(bool); start {
				t.components, t.relations = map[string]map[string]any{}, map[string]map[string]any{}
			}
			for key, into := range map[string]map[string]map[string]any{"components": t.components, "relations": t.relations} {
				list, _ := m[key].([]any)
				for _, e := range list {
					el, _ := e.(map[string]any)
					if id, ok := el["externalId"].(string); ok {
						into[id] = el
					}
				}
			}
		}
	}
	return t
}

// readPayloads reads a file of envelopes: one JSON document or a stream of
// them, as preview --format payload and run --output write them.
func readPayloads(path string) ([]map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--against: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var envs []map[string]any
	for {
		var env map[string]any
		err := dec.Decode(&env)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("--against %s: not a payload file: %w", path, err)
		}
		envs = append(envs, env)
	}
	if len(envs) == 0 {
		return nil, fmt.Errorf("--against %s: the file holds no payload", path)
	}
	return envs, nil
}

// planDiff prints what delivering the run's snapshot would change against
// the previous one (a payload file, or the state's last delivered
// snapshot), and reports whether anything changes.
func (c *CLI) planDiff(plan *mapping.Plan, res *mapping.Result, envs []intake.Envelope, against, stateDir string) (bool, error) {
	var cur []map[string]any
	for i := range envs {
		b, _ := json.Marshal(&envs[i])
		var m map[string]any
		json.Unmarshal(b, &m)
		cur = append(cur, m)
	}
	next := wireTopology(cur)
	w := c.Stdout
	var prevIDs []string
	changed := false
	if against != "" {
		old, err := readPayloads(against)
		if err != nil {
			return false, err
		}
		prev := wireTopology(old)
		fmt.Fprintf(w, "PLAN %s against %s\n", plan.Name, against)
		changed = printChanges(w, "components", prev.components, next.components) || changed
		changed = printChanges(w, "relations", prev.relations, next.relations) || changed
		for id := range prev.components {
			prevIDs = append(prevIDs, id)
		}
	} else {
		if _, err := os.Stat(stateDir); err != nil {
			return false, fmt.Errorf("--diff: no state directory %s (%v); give the --state-dir run uses, or --against a payload file", stateDir, unwrapPathErr(err))
		}
		store, err := state.Open(stateDir)
		if err != nil {
			return false, err
		}
		st, err := store.Load(plan.Name)
		if err != nil {
			return false, err
		}
		fmt.Fprintf(w, "PLAN %s against the last delivered snapshot in %s\n", plan.Name, stateDir)
		if st.Delivered == nil {
			fmt.Fprintf(w, "nothing delivered yet: every component and relation is new (%d and %d)\n", len(next.components), len(next.relations))
			return len(next.components)+len(next.relations) > 0, nil
		}
		prevIDs = st.Delivered.IDs
		prev := map[string]map[string]any{}
		for _, id := range prevIDs {
			prev[id] = nil
		}
		fmt.Fprintln(w, "(the state keeps component ids only: changed fields and relations show with --against a payload file)")
		changed = printChanges(w, "components", prev, next.components)
	}
	ids := make([]string, 0, len(next.components))
	for id := range next.components {
		ids = append(ids, id)
	}
	sort.Strings(prevIDs)
	sort.Strings(ids)
	sh := state.ShrinkOf(&state.Snapshot{Components: len(prevIDs), IDs: prevIDs}, &state.Snapshot{Components: len(ids), IDs: ids})
	verdict := "the shrink guard would let it through"
	if sh.Ratio*100 > plan.MaxShrink {
		verdict = "the shrink guard would REFUSE it (run --once --force-shrink " + plan.Name + " to deliver it anyway)"
	}
	fmt.Fprintf(w, "shrink: %d of %d components removed (%.0f%%, max_shrink %.0f%%): %s\n", sh.Removed, sh.Of, sh.Ratio*100, plan.MaxShrink, verdict)
	for _, pr := range res.Problems {
		if !pr.Error && !pr.Lint {
			fmt.Fprintf(w, "warn: %s\n", pr.Msg)
		}
	}
	return changed, nil
}

// printChanges prints the added, removed and changed elements of a kind;
// a nil previous element is one known by id only.
func printChanges(w io.Writer, kind string, prev, next map[string]map[string]any) bool {
	var added, removed, changed []string
	details := map[string][]string{}
	unchanged := 0
	for id, el := range next {
		old, ok := prev[id]
		switch {
		case !ok:
			added = append(added, id)
		case old == nil:
			unchanged++
		default:
			if d := expect.Diff(old, el); len(d) > 0 {
				changed = append(changed, id)
				details[id] = d
			} else {
				unchanged++
			}
		}
	}
	for id := range prev {
		if _, ok := next[id]; !ok {
			removed = append(removed, id)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	sort.Strings(changed)
	fmt.Fprintf(w, "%s: %d added, %d removed, %d changed, %d unchanged\n", kind, len(added), len(removed), len(changed), unchanged)
	for _, id := range added {
		fmt.Fprintf(w, "  + %s\n", id)
	}
	for _, id := range removed {
		fmt.Fprintf(w, "  - %s\n", id)
	}
	for _, id := range changed {
		fmt.Fprintf(w, "  ~ %s: %s\n", id, strings.Join(details[id], "; "))
	}
	return len(added)+len(removed)+len(changed) > 0
}
