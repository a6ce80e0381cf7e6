package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stackmap/stackmap/engine/mapping"
	"github.com/stackmap/stackmap/engine/model"
)

// printTable prints a run for people: the summary, the checks and the
// elements.
func (c *CLI) printTable(p *mapping.Plan, res *mapping.Result, limit int) {
	w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
	defer w.Flush()
	fmt.Fprintf(w, "mapping\t%s\t(%s)\n", p.Name, p.Path)
	if b := res.Batch; b != nil {
		fmt.Fprintf(w, "instance\t%s\t%s\n", b.Instance.Type, b.Instance.URL)
	}
	fmt.Fprintf(w, "\nSOURCE\tKIND\tDOCUMENTS\tRECORDS\tTIME\n")
	for _, s := range res.Sources {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", s.Name, s.Kind, s.Documents, s.Records, s.Duration.Round(time.Microsecond))
	}
	if len(res.Rules) > 0 {
		fmt.Fprintf(w, "\nRULE\tKIND\tRECORDS IN\tOUT\tDROPPED\tERRORS\n")
		for _, r := range res.Rules {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\n", r.Name, r.Kind, r.RecordsIn, r.Out, r.Dropped, r.Errors)
		}
		for _, r := range res.Rules {
			for _, pr := range r.Problems {
				fmt.Fprintf(w, "  %s: %s\n", r.Name, firstLine(pr))
			}
		}
	}
	if res.Batch == nil {
		fmt.Fprintf(w, "\nFAILED: nothing would be sent (the errors are on stderr)\n")
		return
	}
	fmt.Fprintf(w, "\nCHECKS\n")
	if len(res.Problems) == 0 {
		fmt.Fprintf(w, "  ok\tunique ids, every relation's endpoints and health identifiers present\n")
	}
	for _, pr := range res.Problems {
		level := "warn"
		switch {
		case pr.Error:
			level = "error"
		case pr.Lint:
			level = "lint"
		}
		fmt.Fprintf(w, "  %s\t%s\n", level, pr.Msg)
	}
	b := res.Batch
	section(w, "COMPONENTS", len(b.Components), "ID\tTYPE\tNAME\tLAYER\tDOMAIN\tENVIRONMENT\tIDENTIFIERS")
	for _, x := range capped(b.Components, limit) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Type, dash(x.Name), dash(x.Layer), dash(x.Domain), dash(x.Environment), dash(strings.Join(x.Identifiers, ",")))
	}
	more(w, len(b.Components), limit)
	section(w, "RELATIONS", len(b.Relations), "SOURCE\tTYPE\tTARGET")
	for _, x := range capped(b.Relations, limit) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", x.Source, x.Type, x.Target)
	}
	more(w, len(b.Relations), limit)
	section(w, "METRICS", len(b.Metrics), "NAME\tVALUE\tTYPE\tHOST\tTAGS")
	for _, x := range capped(b.Metrics, limit) {
		fmt.Fprintf(w, "%s\t%v\t%s\t%s\t%s\n", x.Name, x.Value, x.Type, dash(x.Host), dash(strings.Join(x.Tags, ",")))
	}
	more(w, len(b.Metrics), limit)
	section(w, "EVENTS", len(b.Events), "TITLE\tTYPE\tSOURCE\tCATEGORY\tIDENTIFIERS")
	for _, x := range capped(b.Events, limit) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", x.Title, x.Type, x.Source, dash(x.Category), dash(strings.Join(x.Identifiers, ",")))
	}
	more(w, len(b.Events), limit)
	section(w, "HEALTH", len(b.HealthStates), "ID\tNAME\tHEALTH\tIDENTIFIER")
	for _, x := range capped(b.HealthStates, limit) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", x.ID, x.Name, x.Health, x.Identifier)
	}
	more(w, len(b.HealthStates), limit)
}

func section(w io.Writer, title string, n int, header string) {
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d)\n%s\n", title, n, header)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// result is the JSON form of a run.
type result struct {
	Mapping  string               `json:"mapping"`
	OK       bool                 `json:"ok"`
	Errors   []string             `json:"errors"`
	Sources  []mapping.SourceStat `json:"sources"`
	Rules    []mapping.RuleStat   `json:"rules"`
	Checks   []model.Problem      `json:"checks"`
	Instance *model.Instance      `json:"instance,omitempty"`
	Elements *model.Batch         `json:"elements,omitempty"`
}

func jsonResult(res *mapping.Result) result {
	out := result{
		Mapping: res.Mapping,
		OK:      res.Batch != nil,
		Errors:  []string{},
		Sources: nonNil(res.Sources),
		Rules:   nonNil(res.Rules),
		Checks:  nonNil(res.Problems),
	}
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, res.Redact(e.Error()))
	}
	if res.Batch != nil {
		out.Instance = &res.Batch.Instance
		out.Elements = res.Batch
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// capped returns at most limit of list (0: all).
func capped[T any](list []T, limit int) []T {
	if limit <= 0 || len(list) <= limit {
		return list
	}
	return list[:limit]
}

// more says how many elements --limit left out.
func more(w io.Writer, total, limit int) {
	if limit > 0 && total > limit {
		fmt.Fprintf(w, "  … and %d more (--limit %d)\n", total-limit, limit)
	}
}
