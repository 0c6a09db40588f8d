package livedict_test

import (
	"fmt"
	"testing"
	"testing/synctest"
)

// runSeeds runs model seeds 0..n-1 (n/10 of them under -short), each in a
// synctest bubble of its own. The seeds are split into two halves run in
// parallel, since the model tests are most of the package's time under
// -race and the machine has two cores. A failing seed ends its half (a
// failed bubble ends the test that called synctest.Test) and is named in
// the log.
func runSeeds(t *testing.T, n int, model func(*testing.T, uint64)) {
	if testing.Short() {
		n = max(n/10, 2)
	}
	for _, half := range [][2]int{{0, n / 2}, {n / 2, n}} {
		t.Run(fmt.Sprintf("seeds_%d-%d", half[0], half[1]-1), func(t *testing.T) {
			t.Parallel()
			for seed := half[0]; seed < half[1]; seed++ {
				synctest.Test(t, func(t *testing.T) {
					t.Cleanup(func() {
						if t.Failed() {
							t.Logf("model seed %d failed", seed)
						}
					})
					model(t, uint64(seed))
				})
			}
		})
	}
}
