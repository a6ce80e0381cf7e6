// Package spell suggests the known word a misspelt one was meant to be, for
// error messages such as `unknown key "nmae"; did you mean "name"?`.
package spell

import (
	"fmt"
	"strings"
)

// Closest returns the candidate nearest to word by edit distance, or "" when
// none is near enough to be a likely typo.
func Closest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(2, len(word)/3)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// Unknown phrases the message for a word that is not one of known, such as
// `unknown key "nmae"; did you mean "name"?`.
func Unknown(what, word string, known []string) string {
	msg := fmt.Sprintf("unknown %s %q", what, word)
	if c := Closest(word, known); c != "" {
		return msg + fmt.Sprintf("; did you mean %q?", c)
	}
	if len(known) == 0 {
		return msg
	}
	return msg + "; known: " + strings.Join(known, ", ")
}

// distance is the Levenshtein distance of a and b in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
