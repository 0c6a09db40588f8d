package expiry

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDueHeapNew(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		wantLen int
		wantMin int
	}{
		{name: "empty", n: 0, wantLen: 0, wantMin: -1},
		{name: "negative", n: -3, wantLen: 0, wantMin: -1},
		{name: "one", n: 1, wantLen: 1, wantMin: 0},
		{name: "many", n: 100, wantLen: 100, wantMin: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewDueHeap(tt.n)
			if h.Len() != tt.wantLen {
				t.Fatalf("Len() = %d, want %d", h.Len(), tt.wantLen)
			}
			id, due := h.Min()
			if due != math.MaxInt64 || (tt.wantMin < 0 && id != tt.wantMin) {
				t.Fatalf("Min() = (%d, %d), want nothing due", id, due)
			}
			for i := range h.Len() {
				if d := h.Due(i); d != math.MaxInt64 {
					t.Fatalf("Due(%d) = %d, want math.MaxInt64", i, d)
				}
			}
		})
	}
}

// TestDueHeapRandom checks Set, Due and Min against a plain slice.
func TestDueHeapRandom(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 2))
		n := 1 + r.IntN(40)
		h := NewDueHeap(n)
		want := make([]int64, n)
		for i := range want {
			want[i] = math.MaxInt64
		}
		for range 2000 {
			id := r.IntN(n)
			due := r.Int64N(100) // small range: many ties
			switch r.IntN(8) {
			case 0:
				due = math.MaxInt64
			case 1:
				due = want[id]
			}
			h.Set(id, due)
			want[id] = due
			minDue := int64(math.MaxInt64)
			for i, d := range want {
				if h.Due(i) != d {
					t.Fatalf("seed %d: Due(%d) = %d, want %d", seed, i, h.Due(i), d)
				}
				minDue = min(minDue, d)
			}
			gotID, gotDue := h.Min()
			if gotDue != minDue || want[gotID] != minDue {
				t.Fatalf("seed %d: Min() = (%d, %d), want due %d", seed, gotID, gotDue, minDue)
			}
		}
	}
}
