package spell_test

import (
	"testing"

	"github.com/stackmap/stackmap/engine/spell"
)

// topKeys are the top-level keys of a mapping file, as the loader passes
// them to spell.
var topKeys = []string{"name", "schedule", "timeout", "on_invalid", "vars", "instance", "defaults", "sources", "components", "relations", "metrics", "events", "health"}

var ruleKeys = []string{"name", "each", "when", "jq", "on_invalid"}

func TestClosest(t *testing.T) {
	tests := []struct {
		name       string
		word       string
		candidates []string
		want       string
	}{
		{"missing last letter", "schedul", topKeys, "schedule"},
		{"transposed letters", "nmae", topKeys, "name"},
		{"doubled letter", "jqq", ruleKeys, "jq"},
		{"one letter wrong", "wehn", ruleKeys, "when"},
		{"missing underscore", "oninvalid", ruleKeys, "on_invalid"},
		{"singular of a plural", "component", topKeys, "components"},
		{"dropped letter in the middle", "compnents", topKeys, "components"},
		{"upper-case word", "SCHEDULE", topKeys, "schedule"},
		{"mixed-case word", "Timeot", topKeys, "timeout"},
		{"upper-case candidate keeps its spelling", "layr", []string{"Layer", "Domain"}, "Layer"},
		{"exact match", "vars", topKeys, "vars"},
		{"far word", "colour", topKeys, ""},
		{"unrelated long word", "completely_different", ruleKeys, ""},
		{"three letters, all wrong", "xyz", ruleKeys, ""},
		{"empty candidate list", "name", []string{}, ""},
		{"nil candidate list", "name", nil, ""},
		// The limit grows with the word: a third of its length, at least 2.
		{"long word, 3 edits", "abcdefxyz", []string{"abcdefghi"}, "abcdefghi"},
		{"long word, 4 edits", "abcdewxyz", []string{"abcdefghi"}, ""},
		{"short word, 2 edits", "tmeout", []string{"timeout"}, "timeout"},
		{"short word, 3 edits", "tmot", []string{"timeout"}, ""},
		// Ties go to the first candidate, so messages are stable.
		{"tie, first wins", "nam", []string{"name", "nama"}, "name"},
		{"tie, first wins (swapped)", "nam", []string{"nama", "name"}, "nama"},
		{"nearest of several", "sorces", []string{"records", "sources", "source_properties"}, "sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spell.Closest(tt.word, tt.candidates); got != tt.want {
				t.Errorf("Closest(%q, %q) = %q, want %q", tt.word, tt.candidates, got, tt.want)
			}
		})
	}
}

func TestUnknown(t *testing.T) {
	tests := []struct {
		what, word string
		known      []string
		want       string
	}{
		{"key", "schedul", topKeys, `unknown key "schedul"; did you mean "schedule"?`},
		{"key", "JQ", ruleKeys, `unknown key "JQ"; did you mean "jq"?`},
		{"key", "bogus_setting", ruleKeys, `unknown key "bogus_setting"; known: name, each, when, jq, on_invalid`},
		{"source kind", "htp", []string{"file", "http", "sql"}, `unknown source kind "htp"; did you mean "http"?`},
		{"source kind", "kafka", []string{"file", "http", "sql"}, `unknown source kind "kafka"; known: file, http, sql`},
		// With nothing known there is nothing to list.
		{"key", "anything", nil, `unknown key "anything"`},
		{"key", "with \"quotes\"", []string{"x"}, `unknown key "with \"quotes\""; known: x`},
	}
	for _, tt := range tests {
		if got := spell.Unknown(tt.what, tt.word, tt.known); got != tt.want {
			t.Errorf("Unknown(%q, %q, %q) =\n  %s\nwant\n  %s", tt.what, tt.word, tt.known, got, tt.want)
		}
	}
}
