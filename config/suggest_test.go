package config

import (
	"slices"
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		limit int
		want  int // -1: more than limit
	}{
		{"MAX_KEYS", "MAX_KEYS", 2, 0},
		{"MAX_KEY", "MAX_KEYS", 2, 1},
		{"MAX_KEYSS", "MAX_KEYS", 2, 1},
		{"MAX_KYES", "MAX_KEYS", 2, 1}, // a swap is one edit
		{"MAXKEYS_", "MAX_KEYS", 2, 2},
		{"DEFALT_TL", "DEFAULT_TTL", 2, 2},
		{"CLI", "KEY", 2, -1},
		{"CLI", "KEYS", 1, -1},
		{"", "KEY", 3, 3},
		{"", "KEY", 2, -1},
		{"ABCDEFGH", "HGFEDCBA", 2, -1},
		{strings.Repeat("A", 100), strings.Repeat("A", 99) + "B", 1, 1},
		{strings.Repeat("A", 100000), "MAX_KEYS", 2, -1}, // refused at once by length
	} {
		d, ok := editDistance(tc.a, tc.b, tc.limit)
		got := d
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("editDistance(%.20q, %.20q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	names := slices.Values([]string{"KEY", "KEYS", "MAX_KEYS", "SHARDS", "NAME"})
	for in, want := range map[string]string{
		"KEYS":      "KEYS",
		"keys":      "KEYS",
		"KEYY":      "KEY", // KEY and KEYS are both one edit away: the first in order
		"MAX_KEY":   "MAX_KEYS",
		"SHARD":     "SHARDS",
		"NAMES":     "NAME",
		"NAMESS":    "",
		"CLI":       "",
		"SERVICE":   "",
		"MAX_KEYSX": "MAX_KEYS",
	} {
		if got := nearest(in, names); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
