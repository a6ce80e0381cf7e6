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
	// One edit is a typo in any word; longer words may take one more edit
	// per three letters. A transposition ("nmae") is one edit.
	limit := max(1, len(word)/3)
	if word == "" || bestDist < 0 || bestDist > limit {
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

// distance is the optimal string alignment distance of a and b in bytes:
// insertions, deletions, substitutions and swaps of neighbours count one.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
