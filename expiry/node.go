package expiry

import (
	"math"
	"sync/atomic"
)

// Tick is the wheel's resolution in nanoseconds: deadlines are rounded up
// to a multiple of it, and one level-0 slot covers one Tick.
const Tick int64 = 1_000_000 // 1 ms

// maxTick is the due tick of the largest deadline, math.MaxInt64. Its time
// does not fit in an int64, so tickTime caps it at math.MaxInt64.
const maxTick = (math.MaxInt64-1)/Tick + 1

// Node is the intrusive link an item embeds to be scheduled on a Wheel.
// The zero Node is unscheduled.
//
// A store puts Node first in its entry so that the *Node that
// [Wheel.Expire] hands back converts to the entry without a lookup. Node
// holds no pointer beyond its two links, which only ever point at other
// Nodes, so that conversion is the only trick needed. A Node must not be
// copied while scheduled, and belongs to at most one Wheel at a time.
type Node struct {
	next, prev *Node
	// deadline is atomic because readers on other goroutines check expiry
	// without the owner's lock; the links and pos are the owner's alone.
	deadline atomic.Int64
	// pos is where the node is linked: 0 means unlinked (so the zero Node
	// is unscheduled), p > 0 means wheel slot index p-1 (level*slots+slot),
	// p < 0 means index -p-1 in the overflow heap.
	pos int32

	// Aux is 32 bits for the owner's use; the wheel never reads or writes
	// it. It fills what would otherwise be padding, so an item that embeds
	// Node can keep small fields here instead of growing by a word. It is
	// atomic so that the owner may share it with readers.
	Aux atomic.Uint32
}

// Deadline returns the deadline the node was last scheduled with, in the
// caller's nanoseconds, or 0 if it was never scheduled or its deadline was
// cleared. Cancel keeps it.
// It is safe to call from any goroutine. The value is kept after
// [Wheel.Expire] returns the node, so a reader can still see that the
// item it holds has expired before the owner removes it.
func (n *Node) Deadline() int64 { return n.deadline.Load() }

// ClearDeadline sets the deadline to 0 ("never expires") for readers. Only
// the owner may call it, and only on a node that is not scheduled (after
// Cancel); on a scheduled node it does nothing.
func (n *Node) ClearDeadline() {
	if n.pos == 0 {
		n.deadline.Store(0)
	}
}

// Scheduled reports whether the node is linked into a wheel. Only the
// wheel's owner may call it.
func (n *Node) Scheduled() bool { return n.pos != 0 }

// dueTick returns the tick a deadline falls due at: the deadline rounded
// up to a multiple of Tick, counted in ticks. d must be at least 1.
func dueTick(d int64) int64 { return (d-1)/Tick + 1 }

// tickTime returns the time in nanoseconds at which tick k begins, capped
// at math.MaxInt64 for the one tick (maxTick) whose start overflows.
func tickTime(k int64) int64 {
	if k > math.MaxInt64/Tick {
		return math.MaxInt64
	}
	return k * Tick
}

// nowTick returns the last tick whose due nodes Expire(now) must return.
// now = math.MaxInt64 also reaches maxTick, whose time tickTime caps there.
func nowTick(now int64) int64 {
	if now == math.MaxInt64 {
		return maxTick
	}
	return now / Tick
}
