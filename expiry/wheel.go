package expiry

import (
	"math"
	"math/bits"
)

const (
	slotBits = 6
	slots    = 1 << slotBits // per level, so one uint64 maps a level's occupancy
	slotMask = slots - 1
	levels   = 6
	topLevel = levels - 1
	topShift = slotBits * topLevel
)

// Wheel schedules Nodes by deadline and hands them back, in due order,
// once the caller's clock passes them. The zero Wheel is ready to use with
// its clock at 0. A Wheel is not safe for concurrent use: its owner
// serialises every method (a store calls it under its shard lock), and
// only [Node.Deadline] may be read from other goroutines.
//
// A Wheel must not be copied after first use.
type Wheel struct {
	// heads[level*slots+slot] is one node of the slot's circular list, or
	// nil. Heads rather than sentinel nodes keep the Wheel at 3 KiB, and
	// mean no Node ever points into the Wheel.
	heads [levels * slots]*Node
	// occ has bit s of occ[level] set exactly when that slot is non-empty;
	// it is what lets Next and Expire skip empty time without looking at
	// nodes.
	occ  [levels]uint64
	over overflow
	// cur is the tick the wheel stands at. Every linked node's due tick e
	// (clamped up to cur when it was scheduled in the past) is >= cur, and
	// it sits on the level of the highest 6-bit digit in which e differs
	// from cur, in the slot named by e's digit there. So levels above 0
	// only hold slots strictly ahead of cur's digit, and a node moves down
	// only when cur enters its slot. The top level is the exception that
	// keeps the range from depending on alignment: it wraps, holding any e
	// up to 63 top-level slots ahead of cur's; beyond that is overflow.
	cur int64
	// now is the latest clock passed to Expire. cur <= nowTick(now); cur
	// lags behind when Expire stopped early at its max.
	now   int64
	count int
	// cascading is 1 + the index of the slot above level 0 that cur has
	// entered and whose nodes are still being moved down, a bounded batch
	// per Expire; 0 when none. No node is placed in it meanwhile: a
	// level's slots ahead of cur never include cur's own.
	cascading int
}

// Schedule links n to fall due at deadline (nanoseconds on the caller's
// clock), moving it in O(1) if it is already scheduled; a deadline beyond
// the wheel's range (over two years ahead) costs O(log n) in the overflow
// heap instead. Zero means "never expires" to [Node.Deadline], so a
// deadline <= 0 is taken as 1. A deadline at or before the wheel's clock
// makes n due at the next Expire whose now is at least that clock.
func (w *Wheel) Schedule(n *Node, deadline int64) {
	if deadline <= 0 {
		deadline = 1
	}
	if n.pos != 0 {
		w.unlink(n)
	} else {
		w.count++
	}
	n.deadline.Store(deadline)
	w.place(n, max(dueTick(deadline), w.cur))
}

// Cancel unlinks n in O(1); it does nothing if n is not scheduled. The
// deadline is kept: an owner that removes an item because it is due, or
// replaces it, must not make a reader on another goroutine that still
// holds the item see it as never expiring. Call [Node.ClearDeadline]
// after Cancel when the item stays and should no longer expire.
func (w *Wheel) Cancel(n *Node) {
	if n.pos == 0 {
		return
	}
	w.unlink(n)
	w.count--
}

// Len returns the number of scheduled nodes.
func (w *Wheel) Len() int { return w.count }

// Next returns the earliest now at which [Wheel.Expire] could return a
// node or has other work to do (moving nodes down from a higher level),
// or math.MaxInt64 when nothing is scheduled. It is never less than the
// wheel's clock, so a caller that sleeps until Next and then calls Expire
// always makes progress. It costs O(levels) and looks at no node.
func (w *Wheel) Next() int64 {
	if w.count == 0 {
		return math.MaxInt64
	}
	t, _ := w.nextEvent()
	return max(tickTime(t), w.now)
}

// Expire advances the wheel's clock to now and appends to dst, unlinked,
// nodes whose due time is at or before now, in ascending order of due tick
// (order within one tick is unspecified). It returns the extended dst.
// max bounds the work of one call: the nodes it returns plus the nodes it
// moves down from a higher level, so that a caller holding a lock for it
// holds it for a bounded time however many nodes share a slot. When it
// stops for max there may be more to do: [Wheel.Next] is then at most now,
// and the caller calls again with the same now. A now smaller than the
// clock is a no-op, since the clock never goes backwards; a max <= 0 moves
// the clock and returns nothing. Expire never returns a node whose
// deadline is after now, and skips empty stretches of time using the
// occupancy bitmaps, so the cost does not depend on how far the clock
// moves.
func (w *Wheel) Expire(now int64, dst []*Node, max int) []*Node {
	if now < w.now {
		return dst
	}
	w.now = now
	target := nowTick(now)
	for work := 0; work < max; {
		if w.cascading != 0 {
			work += w.cascade(max - work)
			continue
		}
		if w.count == 0 {
			w.cur = target
			break
		}
		t, level := w.nextEvent()
		if t > target {
			// Nothing happens in (cur, target], so no node changes level
			// when cur moves there; see Wheel.cur.
			w.cur = target
			break
		}
		w.cur = t
		if level == 0 {
			var n int
			dst, n = w.take(int(t&slotMask), dst, max-work)
			work += n
			continue
		}
		if level == topLevel {
			// Nothing pulled lands in cur's own top slot, so this may come
			// before that slot's nodes move down.
			w.pull()
		}
		slot := int(t>>(slotBits*level)) & slotMask
		if w.occ[level]&(1<<slot) != 0 {
			w.cascading = level*slots + slot + 1
		}
	}
	return dst
}

// nextEvent returns the first tick >= cur at which something happens, and
// the level it happens on. Below the top, the lowest non-empty level
// holds it: a level's nodes all lie inside cur's slot of the level above.
// The top level wraps, so its next slot and the tick at which the
// overflow minimum comes in range may fall either way round; both are
// reported as topLevel and Expire handles whichever is due. The wheel
// must not be empty.
func (w *Wheel) nextEvent() (tick int64, level int) {
	if w.cascading != 0 {
		return w.cur, (w.cascading - 1) / slots
	}
	for l := range topLevel {
		if b := w.occ[l]; b != 0 {
			shift := slotBits * l
			base := w.cur >> (shift + slotBits) << (shift + slotBits)
			return base | int64(bits.TrailingZeros64(b))<<shift, l
		}
	}
	tick = math.MaxInt64
	top := w.cur >> topShift
	if b := w.occ[topLevel]; b != 0 {
		// Rotate so bit 0 is the slot after cur's.
		r := bits.RotateLeft64(b, -int((top+1)&slotMask))
		tick = (top + 1 + int64(bits.TrailingZeros64(r))) << topShift
	}
	if len(w.over) > 0 {
		// The minimum comes in range when cur's top digit is 63 behind.
		tick = min(tick, (w.over[0].due>>topShift-(slots-1))<<topShift)
	}
	return tick, topLevel
}

// place links n, whose due tick is e >= cur, where Wheel.cur says it
// belongs. n must be unlinked.
func (w *Wheel) place(n *Node, e int64) {
	level := 0
	if x := uint64(e ^ w.cur); x >= slots {
		level = (bits.Len64(x) - 1) / slotBits
	}
	if level >= topLevel {
		if e>>topShift-w.cur>>topShift >= slots {
			w.over.push(n, e)
			return
		}
		level = topLevel
	}
	i := level*slots + int(e>>(slotBits*level))&slotMask
	if head := w.heads[i]; head == nil {
		n.next, n.prev = n, n
		w.heads[i] = n
		w.occ[level] |= 1 << (i & slotMask)
	} else {
		tail := head.prev
		n.prev, n.next = tail, head
		tail.next = n
		head.prev = n
	}
	n.pos = int32(i + 1)
}

// unlink takes n out of its slot list or the overflow heap; it leaves
// count and the deadline to the caller.
func (w *Wheel) unlink(n *Node) {
	if n.pos < 0 {
		w.over.remove(int(-n.pos - 1))
	} else {
		i := int(n.pos - 1)
		if n.next == n {
			w.heads[i] = nil
			w.occ[i/slots] &^= 1 << (i & slotMask)
		} else {
			n.prev.next = n.next
			n.next.prev = n.prev
			if w.heads[i] == n {
				w.heads[i] = n.next
			}
		}
	}
	n.next, n.prev, n.pos = nil, nil, 0
}

// take appends up to limit (> 0) nodes of level-0 slot i to dst, unlinked,
// and returns dst and how many it took. It walks the list once, touching
// each node it takes and no other, since on a large wheel every node is a
// cache miss.
func (w *Wheel) take(i int, dst []*Node, limit int) ([]*Node, int) {
	head := w.heads[i]
	tail := head.prev
	taken := 0
	for n := head; ; {
		next := n.next
		n.next, n.prev, n.pos = nil, nil, 0
		dst = append(dst, n)
		taken++
		if next == head {
			w.heads[i] = nil
			w.occ[0] &^= 1 << i
			break
		}
		if taken == limit {
			next.prev, tail.next = tail, next
			w.heads[i] = next
			break
		}
		n = next
	}
	w.count -= taken
	return dst, taken
}

// cascade moves up to budget nodes of the slot being cascaded (see
// Wheel.cascading) down, and returns how many it moved. Each lands on a
// lower level because it now shares the digit of that level with cur.
// Once the slot is empty, the cascade is over.
func (w *Wheel) cascade(budget int) int {
	i := w.cascading - 1
	moved := 0
	for ; moved < budget && w.heads[i] != nil; moved++ {
		n := w.heads[i]
		w.unlink(n)
		// A node above level 0 was not clamped to cur, so its due tick is
		// its deadline's.
		w.place(n, dueTick(n.deadline.Load()))
	}
	if w.heads[i] == nil {
		w.cascading = 0
	}
	return moved
}

// pull moves into the wheel the overflow nodes that cur's top digit has
// come within range of.
func (w *Wheel) pull() {
	for len(w.over) > 0 && w.over[0].due>>topShift-w.cur>>topShift < slots {
		it := w.over[0]
		w.over.remove(0)
		w.place(it.node, it.due)
	}
}
