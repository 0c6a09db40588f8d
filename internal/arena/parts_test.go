package arena

import (
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestParts: the parts cover [0, n) exactly once, each with an arena of
// its own, and a panic in one part reaches the caller with every arena
// handed back.
func TestParts(t *testing.T) {
	for _, c := range []struct{ n, parts int }{{0, 1}, {1, 1}, {10, 3}, {1000, 4}, {7, 7}} {
		seen := make([]atomic.Int32, c.n)
		as := Parts(nil, c.n, c.parts, func(a *Arena, part, lo, hi int) {
			if a == nil {
				t.Errorf("part %d has no arena", part)
			}
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		if len(as) != c.parts {
			t.Fatalf("n=%d parts=%d: %d arenas", c.n, c.parts, len(as))
		}
		for i := range seen {
			if got := seen[i].Load(); got != 1 {
				t.Fatalf("n=%d parts=%d: index %d covered %d times", c.n, c.parts, i, got)
			}
		}
		for _, a := range as {
			a.Free(false)
		}
	}
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want the part's panic", r)
		}
	}()
	Parts(nil, 100, 4, func(_ *Arena, part, _, _ int) {
		if part == 1 {
			panic("boom")
		}
	})
	t.Fatal("Parts returned after a part panicked")
}
