package expiry

import (
	"fmt"
	"math"
	"math/bits"
	"testing"
)

// model runs a Wheel beside a brute-force account of what it should hold:
// each node's deadline and the due tick the wheel must give it. Every
// operation checks the wheel's answers against the model and then checks
// the wheel's internal invariants.
type model struct {
	t     testing.TB
	w     Wheel
	nodes []Node
	index map[*Node]int
	sched []bool
	dl    []int64 // what Deadline must return
	eff   []int64 // due tick, clamped up to the wheel's tick at schedule time
	cur   int64   // the tick the wheel must stand at
	clock int64
	lastE int64 // due tick of the last node returned, for the order check
	buf   []*Node
}

func newModel(t testing.TB, n int) *model {
	m := &model{
		t:     t,
		nodes: make([]Node, n),
		index: make(map[*Node]int, n),
		sched: make([]bool, n),
		dl:    make([]int64, n),
		eff:   make([]int64, n),
	}
	for i := range m.nodes {
		m.index[&m.nodes[i]] = i
	}
	return m
}

func (m *model) schedule(i int, d int64) {
	m.t.Helper()
	m.w.Schedule(&m.nodes[i], d)
	if d <= 0 {
		d = 1
	}
	m.sched[i], m.dl[i], m.eff[i] = true, d, max(dueTick(d), m.cur)
	m.verify(fmt.Sprintf("Schedule(%d, %d)", i, d))
}

func (m *model) cancel(i int) {
	m.t.Helper()
	was := m.nodes[i].Deadline()
	m.w.Cancel(&m.nodes[i])
	if got := m.nodes[i].Deadline(); got != was {
		m.t.Fatalf("Cancel(%d) changed the deadline from %d to %d", i, was, got)
	}
	if m.sched[i] {
		m.nodes[i].ClearDeadline() // as a store does when an item stops expiring
		m.sched[i], m.dl[i] = false, 0
	}
	m.verify(fmt.Sprintf("Cancel(%d)", i))
}

// expire calls Expire and returns the indices of the nodes it returned.
func (m *model) expire(now int64, limit int) []int {
	m.t.Helper()
	op := fmt.Sprintf("Expire(%d, %d) at clock %d", now, limit, m.clock)
	m.buf = m.w.Expire(now, m.buf[:0], limit)
	got := make([]int, len(m.buf))
	for k, n := range m.buf {
		got[k] = m.index[n]
	}
	if now < m.clock || limit <= 0 {
		if len(got) != 0 {
			m.t.Fatalf("%s: returned %v, want nothing", op, got)
		}
		if now >= m.clock {
			m.clock = now
		}
		m.verify(op)
		return got
	}
	m.clock = now
	target := nowTick(now)
	if len(got) > limit {
		m.t.Fatalf("%s: returned %d nodes, more than max", op, len(got))
	}
	for _, i := range got {
		switch n := &m.nodes[i]; {
		case !m.sched[i]:
			m.t.Fatalf("%s: returned node %d, which was not scheduled (or twice)", op, i)
		case m.eff[i] > target:
			m.t.Fatalf("%s: returned node %d due at tick %d, after now", op, i, m.eff[i])
		case m.dl[i] > now:
			m.t.Fatalf("%s: returned node %d with deadline %d after now", op, i, m.dl[i])
		case m.eff[i] < m.lastE:
			m.t.Fatalf("%s: returned node %d due at tick %d after one due at %d", op, i, m.eff[i], m.lastE)
		case n.Scheduled():
			m.t.Fatalf("%s: returned node %d still scheduled", op, i)
		}
		m.sched[i] = false
		m.lastE = m.eff[i]
	}
	// The wheel stands at a tick no later than now and no earlier than the
	// last node returned.
	if m.w.cur < m.lastE || m.w.cur > target || m.w.cur < m.cur {
		m.t.Fatalf("%s: stopped at tick %d, want within [%d, %d]", op, m.w.cur, max(m.lastE, m.cur), target)
	}
	m.cur = m.w.cur
	if m.w.Len() == 0 || m.w.Next() > now {
		// Done: nothing due at or before now is left.
		for i, s := range m.sched {
			if s && m.eff[i] <= target {
				m.t.Fatalf("%s: Next() = %d is after now but node %d due at tick %d is left", op, m.w.Next(), i, m.eff[i])
			}
		}
	} else {
		// Stopped for max, with nothing left due before where it stopped.
		for i, s := range m.sched {
			if s && m.eff[i] < m.cur {
				m.t.Fatalf("%s: left node %d due at tick %d, before the tick %d it stopped at", op, i, m.eff[i], m.cur)
			}
		}
	}
	m.verify(op)
	return got
}

// drive calls Expire at Next and checks that the call made progress.
func (m *model) drive(limit int) []int {
	m.t.Helper()
	next := m.w.Next()
	if next == math.MaxInt64 && m.w.Len() == 0 {
		return nil
	}
	before := m.potential()
	got := m.expire(next, limit)
	if limit > 0 && len(got) == 0 && m.w.Next() <= next && m.potential() >= before {
		m.t.Fatalf("Expire(Next()=%d) returned nothing and Next stayed at %d: the caller would spin", next, m.w.Next())
	}
	return got
}

// potential is the work left in the wheel: for each node, one for the
// Expire that returns it plus one per level it has still to move down
// (the overflow counting as a level above the top). Every call of Expire
// that makes progress lowers it.
func (m *model) potential() int {
	p := 0
	for i := range m.nodes {
		switch n := &m.nodes[i]; {
		case n.pos > 0:
			p += 1 + int(n.pos-1)/slots
		case n.pos < 0:
			p += 1 + levels
		}
	}
	return p
}

func (m *model) verify(op string) {
	m.t.Helper()
	w := &m.w
	n, minE := 0, int64(math.MaxInt64)
	for i := range m.nodes {
		node := &m.nodes[i]
		if node.Scheduled() != m.sched[i] {
			m.t.Fatalf("after %s: node %d Scheduled() = %v, want %v", op, i, node.Scheduled(), m.sched[i])
		}
		if node.Deadline() != m.dl[i] {
			m.t.Fatalf("after %s: node %d Deadline() = %d, want %d", op, i, node.Deadline(), m.dl[i])
		}
		if m.sched[i] {
			n++
			minE = min(minE, m.eff[i])
		}
	}
	if w.Len() != n {
		m.t.Fatalf("after %s: Len() = %d, want %d", op, w.Len(), n)
	}
	if w.cur != m.cur || w.now != m.clock {
		m.t.Fatalf("after %s: wheel at tick %d clock %d, want tick %d clock %d", op, w.cur, w.now, m.cur, m.clock)
	}
	next := w.Next()
	switch {
	case n == 0:
		if next != math.MaxInt64 {
			m.t.Fatalf("after %s: Next() = %d on an empty wheel", op, next)
		}
	default:
		want := max(tickTime(minE), m.clock)
		if next < m.clock || next > want {
			m.t.Fatalf("after %s: Next() = %d, want within [clock %d, earliest due %d]", op, next, m.clock, want)
		}
		if minE>>slotBits == m.cur>>slotBits && next != want && w.cascading == 0 {
			m.t.Fatalf("after %s: Next() = %d, want exactly %d (due on level 0)", op, next, want)
		}
	}
	if err := checkWheel(w); err != nil {
		m.t.Fatalf("after %s: %v", op, err)
	}
}

// checkWheel reports the first broken internal invariant of w.
func checkWheel(w *Wheel) error {
	if w.cur > nowTick(w.now) {
		return fmt.Errorf("tick %d is ahead of clock %d", w.cur, w.now)
	}
	count := 0
	for i, head := range w.heads {
		level, slot := i/slots, i&slotMask
		if (head != nil) != (w.occ[level]&(1<<slot) != 0) {
			return fmt.Errorf("level %d slot %d: head %p but occupancy bit %v", level, slot, head, w.occ[level]&(1<<slot) != 0)
		}
		if head == nil {
			continue
		}
		n := head
		for {
			count++
			if n.pos != int32(i+1) {
				return fmt.Errorf("level %d slot %d: node has pos %d", level, slot, n.pos)
			}
			if n.next.prev != n {
				return fmt.Errorf("level %d slot %d: broken links", level, slot)
			}
			dt := dueTick(n.Deadline())
			if level == 0 {
				if dt >= w.cur && (dt>>slotBits != w.cur>>slotBits || int(dt&slotMask) != slot) {
					return fmt.Errorf("level 0 slot %d holds due tick %d at tick %d", slot, dt, w.cur)
				}
				if slot < int(w.cur&slotMask) {
					return fmt.Errorf("level 0 slot %d is behind tick %d", slot, w.cur)
				}
			} else if i == w.cascading-1 {
				// Being moved down: due in the slot cur has entered.
				shift := slotBits * level
				if dt < w.cur || dt>>shift != w.cur>>shift {
					return fmt.Errorf("level %d slot %d, cascading, holds due tick %d at tick %d", level, slot, dt, w.cur)
				}
			} else {
				if dt <= w.cur {
					return fmt.Errorf("level %d holds due tick %d at tick %d", level, dt, w.cur)
				}
				want := (bits.Len64(uint64(dt^w.cur)) - 1) / slotBits
				if want > topLevel {
					want = topLevel
				}
				if want != level || int(dt>>(slotBits*level))&slotMask != slot {
					return fmt.Errorf("level %d slot %d holds due tick %d at tick %d", level, slot, dt, w.cur)
				}
				if level == topLevel && dt>>topShift-w.cur>>topShift >= slots {
					return fmt.Errorf("top level holds due tick %d, out of range of tick %d", dt, w.cur)
				}
			}
			n = n.next
			if n == head {
				break
			}
		}
	}
	for i, it := range w.over {
		count++
		if it.node.pos != ovPos(i) {
			return fmt.Errorf("overflow %d: node has pos %d", i, it.node.pos)
		}
		if it.due != dueTick(it.node.Deadline()) {
			return fmt.Errorf("overflow %d: due %d for deadline %d", i, it.due, it.node.Deadline())
		}
		if it.due>>topShift-w.cur>>topShift < slots {
			return fmt.Errorf("overflow %d: due tick %d is within range of tick %d", i, it.due, w.cur)
		}
		if i > 0 && w.over[(i-1)/2].due > it.due {
			return fmt.Errorf("overflow %d: heap order broken", i)
		}
	}
	if count != w.count {
		return fmt.Errorf("holds %d nodes, count says %d", count, w.count)
	}
	return nil
}
