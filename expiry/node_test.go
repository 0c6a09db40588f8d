package expiry

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestNodeDeadlineConcurrentRead has readers load Deadline while the
// owner reschedules, cancels and expires the node, as a store's lock-free
// Get does. Run with -race: the links are the owner's, the deadline is
// shared, and the detector must stay quiet.
func TestNodeDeadlineConcurrentRead(t *testing.T) {
	const rounds = 20000
	var (
		w    Wheel
		n    Node
		stop atomic.Bool
		wg   sync.WaitGroup
		bad  atomic.Int64
	)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				// Every deadline the owner writes is a multiple of 3 ticks;
				// anything else would be a torn or invented value.
				if d := n.Deadline(); d%(3*Tick) != 0 {
					bad.Store(d)
				}
			}
		})
	}
	dst := make([]*Node, 0, 1)
	for i := range int64(rounds) {
		switch i % 4 {
		case 0, 1:
			w.Schedule(&n, (i%5000+1)*3*Tick+i/4*3*second)
		case 2:
			w.Cancel(&n)
		case 3:
			dst = w.Expire(i/4*3*second, dst[:0], 1)
		}
	}
	stop.Store(true)
	wg.Wait()
	if d := bad.Load(); d != 0 {
		t.Fatalf("a reader saw deadline %d, which was never written", d)
	}
}

func TestNodeZero(t *testing.T) {
	var n Node
	if n.Scheduled() || n.Deadline() != 0 {
		t.Fatalf("zero Node: Scheduled() = %v, Deadline() = %d", n.Scheduled(), n.Deadline())
	}
}
