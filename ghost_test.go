package livedict

import (
	"math/rand/v2"
	"testing"
)

// TestGhostModel checks the ghost list against a plain model (a map and a
// slice in FIFO order) under random adds and removes, with hashes drawn
// from a small range so that re-adds, removals of present and absent keys,
// long probe runs and wrap-around all happen.
func TestGhostModel(t *testing.T) {
	for _, capacity := range []int{1, 2, 3, 7, 64, 1000} {
		var g ghost
		g.init(capacity)
		var ring []uint32            // model: fingerprints in FIFO order, as the ghost's ring
		present := map[uint32]bool{} // model: the set
		rng := rand.New(rand.NewPCG(uint64(capacity), 7))
		universe := uint64(capacity*3 + 2)
		for step := range 20000 {
			h := rng.Uint64N(universe) * 0x9E3779B97F4A7C15 // spread over all 64 bits
			fp := fingerprint(h)
			if rng.IntN(3) == 0 {
				want := present[fp]
				delete(present, fp)
				if got := g.remove(h); got != want {
					t.Fatalf("capacity %d step %d: remove = %v, want %v", capacity, step, got, want)
				}
			} else {
				if len(ring) == capacity {
					delete(present, ring[0])
					ring = ring[1:]
				}
				ring = append(ring, fp)
				present[fp] = true
				g.add(h)
			}
			members := 0
			for _, v := range g.set {
				if v != 0 {
					members++
				}
			}
			if members != len(present) {
				t.Fatalf("capacity %d step %d: set holds %d, model %d", capacity, step, members, len(present))
			}
			for fp := range present {
				if !g.has(fp) {
					t.Fatalf("capacity %d step %d: %#x missing", capacity, step, fp)
				}
			}
		}
	}
}

// TestGhostFingerprintNeverZero: 0 marks an empty set slot.
func TestGhostFingerprintNeverZero(t *testing.T) {
	for _, h := range []uint64{0, 1 << 32, 1<<32 | 1, 0xFFFF_FFFF_FFFF_FFFF} {
		if fingerprint(h) == 0 {
			t.Fatalf("fingerprint(%#x) = 0", h)
		}
	}
}
