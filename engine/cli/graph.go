package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/stackmap/stackmap/engine/model"
)

// graphOf picks the components and relations to draw: at most limit
// components (0: all), and the relations between those.
func graphOf(b *model.Batch, limit int) ([]model.Component, []model.Relation, int) {
	comps := b.Components
	left := 0
	if limit > 0 && len(comps) > limit {
		left = len(comps) - limit
		comps = comps[:limit]
	}
	in := make(map[string]bool, len(comps))
	for _, c := range comps {
		in[c.ID] = true
	}
	var rels []model.Relation
	for _, r := range b.Relations {
		if in[r.Source] && in[r.Target] {
			rels = append(rels, r)
		}
	}
	return comps, rels, left
}

// byLayer groups components by layer, layers in name order.
func byLayer(comps []model.Component) ([]string, map[string][]model.Component) {
	groups := map[string][]model.Component{}
	for _, c := range comps {
		groups[c.Layer] = append(groups[c.Layer], c)
	}
	layers := make([]string, 0, len(groups))
	for l := range groups {
		layers = append(layers, l)
	}
	sort.Strings(layers)
	return layers, groups
}

func label(c model.Component) string {
	name := c.Name
	if name == "" {
		name = c.ID
	}
	return name + "\n" + c.Type
}

// writeDot draws the topology as Graphviz: components grouped by layer,
// relations as labelled edges.
func writeDot(w io.Writer, name string, b *model.Batch, limit int) {
	comps, rels, left := graphOf(b, limit)
	q := func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
	}
	fmt.Fprintf(w, "digraph %s {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", q(name))
	layers, groups := byLayer(comps)
	for i, l := range layers {
		title := l
		if title == "" {
			title = "(no layer)"
		}
		fmt.Fprintf(w, "  subgraph cluster_%d {\n    label=%s;\n", i, q(title))
		for _, c := range groups[l] {
			fmt.Fprintf(w, "    %s [label=%s];\n", q(c.ID), q(label(c)))
		}
		fmt.Fprintf(w, "  }\n")
	}
	for _, r := range rels {
		fmt.Fprintf(w, "  %s -> %s [label=%s];\n", q(r.Source), q(r.Target), q(r.Type))
	}
	if left > 0 {
		fmt.Fprintf(w, "  // %d more components not drawn (--limit)\n", left)
	}
	fmt.Fprintf(w, "}\n")
}

// writeMermaid draws the topology as a Mermaid flowchart.
func writeMermaid(w io.Writer, b *model.Batch, limit int) {
	comps, rels, left := graphOf(b, limit)
	ids := make(map[string]string, len(comps))
	for i, c := range comps {
		ids[c.ID] = fmt.Sprintf("n%d", i)
	}
	text := func(s string) string {
		return strings.NewReplacer(`"`, "#quot;", "\n", "<br/>", "<", "#lt;", ">", "#gt;").Replace(s)
	}
	fmt.Fprintln(w, "flowchart LR")
	layers, groups := byLayer(comps)
	for i, l := range layers {
		title := l
		if title == "" {
			title = "(no layer)"
		}
		fmt.Fprintf(w, "  subgraph layer%d[\"%s\"]\n", i, text(title))
		for _, c := range groups[l] {
			fmt.Fprintf(w, "    %s[\"%s\"]\n", ids[c.ID], text(label(c)))
		}
		fmt.Fprintln(w, "  end")
	}
	for _, r := range rels {
		fmt.Fprintf(w, "  %s -->|%s| %s\n", ids[r.Source], text(r.Type), ids[r.Target])
	}
	if left > 0 {
		fmt.Fprintf(w, "  %%%% %d more components not drawn (--limit)\n", left)
	}
}
