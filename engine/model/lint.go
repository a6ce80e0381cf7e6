package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// urnRE is StackState's pattern for identifiers (reference §6).
var urnRE = regexp.MustCompile(`^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,\-.:=@;$_!*'%/?#]+$`)

// Lint reports what is valid but likely wrong, as warnings: identifiers
// that break StackState's URN pattern (they will not merge or bind), and
// ids that hold the run's time, which change every run and so replace the
// whole topology each time.
func Lint(b *Batch, now int64) []Problem {
	var out []Problem
	var bad []string
	for _, c := range b.Components {
		for _, id := range c.Identifiers {
			if !urnRE.MatchString(id) {
				bad = append(bad, fmt.Sprintf("%s (%s)", id, c.ID))
			}
		}
	}
	if len(bad) > 0 {
		out = append(out, Problem{Lint: true, Msg: fmt.Sprintf("%d identifier(s) break StackState's URN pattern urn:<prefix>:<lower-case id> and will not merge or bind: %s", len(bad), sample(bad))})
	}
	if now > 0 {
		stamp := strconv.FormatInt(now, 10)
		var unstable []string
		for _, c := range b.Components {
			if strings.Contains(c.ID, stamp) {
				unstable = append(unstable, c.ID)
			}
		}
		for _, r := range b.Relations {
			if strings.Contains(r.ID, stamp) {
				unstable = append(unstable, r.ID)
			}
		}
		if len(unstable) > 0 {
			out = append(out, Problem{Lint: true, Msg: fmt.Sprintf("%d id(s) hold the run's time ($now) and change every run, so every run replaces them: %s", len(unstable), sample(unstable))})
		}
	}
	return out
}
