package config

import (
	"fmt"
	"iter"
	"strings"
)

// nearest returns the candidate closest to name when it is near enough to
// be a misspelling of it: within an edit distance of 1 for names of up to
// five characters, 2 for longer ones, ignoring case. It returns "" for a
// name that is nowhere near any candidate.
func nearest(name string, candidates iter.Seq[string]) string {
	upper := strings.ToUpper(name)
	best, bestDist := "", 3
	for c := range candidates {
		limit := 2
		if len(c) <= 5 {
			limit = 1
		}
		limit = min(limit, bestDist-1)
		if limit < 0 {
			continue
		}
		if d, ok := editDistance(upper, strings.ToUpper(c), limit); ok && (d < bestDist || d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b, counting
// an adjacent transposition as one edit, when it is at most limit; ok is
// false when it is larger. It looks only at a band of width 2×limit+1
// around the diagonal, so its cost is linear in the length of a, and it
// gives up at once when the lengths differ by more than limit.
func editDistance(a, b string, limit int) (int, bool) {
	if abs(len(a)-len(b)) > limit {
		return 0, false
	}
	// Three rows of the usual table, indexed by position in b, the cells
	// outside the band holding limit+1 ("too far").
	far := limit + 1
	var buf [3 * 64]int // no allocation for the short names compared here
	rows := buf[:0]
	if 3*(len(b)+1) > len(buf) {
		rows = make([]int, 0, 3*(len(b)+1))
	}
	rows = rows[:3*(len(b)+1)]
	prev2, prev, cur := rows[:len(b)+1], rows[len(b)+1:2*(len(b)+1)], rows[2*(len(b)+1):]
	for j := range prev {
		prev[j] = min(j, far)
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-limit), min(len(b), i+limit)
		for j := range cur {
			cur[j] = far
		}
		if i <= limit {
			cur[0] = i
		}
		rowMin := cur[0]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = min(v, far)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return 0, false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if d := prev[len(b)]; d <= limit {
		return d, true
	}
	return 0, false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// suggestField names the field that k is a near miss of, for an unknown
// field's error.
func suggestField(k string, fields iter.Seq[string]) string {
	for name := range fields {
		if strings.EqualFold(name, k) {
			return fmt.Sprintf(" (did you mean %s? names are case-sensitive)", name)
		}
	}
	if n := nearest(k, fields); n != "" {
		return fmt.Sprintf(" (did you mean %s?)", n)
	}
	return ""
}
