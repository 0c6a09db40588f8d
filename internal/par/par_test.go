package par

import (
	"sync/atomic"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDoRunsAllAtOnce: every call runs once, and all run at the same
// time: each waits until all have started, which calls made one after
// another never would (synctest then reports the deadlock).
func TestDoRunsAllAtOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5} {
		synctest.Test(t, func(t *testing.T) {
			calls := make([]atomic.Int32, n)
			var started atomic.Int32
			all := make(chan struct{})
			Do(n, func(i int) {
				calls[i].Add(1)
				if started.Add(1) == int32(n) {
					close(all)
				}
				<-all
			})
			for i := range calls {
				if got := calls[i].Load(); got != 1 {
					t.Fatalf("n=%d: fn(%d) called %d times", n, i, got)
				}
			}
		})
	}
}

// TestDoPanic: a panic reaches the caller only after every call has
// returned, with the value of the lowest-numbered call that panicked.
func TestDoPanic(t *testing.T) {
	var returned atomic.Int32
	defer func() {
		if r := recover(); r != "one" {
			t.Fatalf("recovered %v, want the panic of fn(1)", r)
		}
		if got := returned.Load(); got != 2 {
			t.Fatalf("%d calls had returned when Do panicked, want 2", got)
		}
	}()
	Do(4, func(i int) {
		switch i {
		case 1:
			panic("one")
		case 3:
			panic("three")
		}
		returned.Add(1)
	})
	t.Fatal("Do returned after a call panicked")
}
