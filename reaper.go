package livedict

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/expiry"
)

// reapBatch bounds the wheel work (entries removed plus entries moved down
// a level) the reaper does per hold of a shard lock, so writers to that
// shard wait at most one batch. Each unit is a cache miss or two on a big
// store, so a batch of 64 held a shard for 10-20 µs, and that hold was the
// Set p99.9 under churn even with a processor to spare for the reaper; 16
// cut it by a fifth to a half and 8 gained no more (docs/benchmarks.md,
// "Reap batches and fresh memory").
const reapBatch = 16

// hookBatch is how many expiry hooks the reaper runs between yields; they
// run with no lock held, so only the processor is shared.
const hookBatch = 64

// reaper is the store's single background goroutine. It sleeps until the
// earliest due time among the shards (a DueHeap keyed by each shard's
// wheel), removes what is due under each shard's lock in bounded batches,
// then runs the expiry hooks with no lock held, in deadline order. It also
// refreshes the cached clock while reads use it. With nothing scheduled it
// blocks on its channels and costs nothing.
type reaper[K comparable, V any] struct {
	kickCh chan struct{}
	stop   chan struct{}
	done   chan struct{}
	wakeAt atomic.Int64 // when it will next wake by itself
	dirty  []atomic.Uint64
	heap   *expiry.DueHeap

	handoffMu sync.Mutex
	handoff   []expired[K, V] // removed as expired by writers; hooks still to run

	batch     []expired[K, V]
	nodes     []*expiry.Node
	clockNext int64

	// hooked: a store-wide hook (OnExpire, OnDelete) runs on every
	// expiry. Without one, only entries with their own OnExpire are kept
	// for a pass: the rest need nothing after their removal, so the reaper
	// neither holds nor sorts them, and a writer's expired entry wakes no
	// one.
	hooked bool
}

type expired[K comparable, V any] struct {
	e        *entry[K, V]
	deadline int64
}

func (r *reaper[K, V]) init(shards int, hooked bool) {
	r.hooked = hooked
	r.kickCh = make(chan struct{}, 1)
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	r.dirty = make([]atomic.Uint64, (shards+63)/64)
	r.heap = expiry.NewDueHeap(shards)
	r.wakeAt.Store(math.MaxInt64)
}

func (r *reaper[K, V]) kick() {
	select {
	case r.kickCh <- struct{}{}:
	default:
	}
}

// wants reports whether an expiry of e has a hook to run.
func (r *reaper[K, V]) wants(e *entry[K, V]) bool {
	if r.hooked {
		return true
	}
	x := e.extras()
	return x != nil && x.onExpire != nil
}

func (r *reaper[K, V]) markDirty(i int) { r.dirty[i/64].Or(1 << (i % 64)) }

// hand queues entries that a writer removed as expired; their hooks run on
// the reaper like every other expiry. Entries with no hook are left out.
func (r *reaper[K, V]) hand(es ...expired[K, V]) {
	n := 0
	for _, x := range es {
		if r.wants(x.e) {
			n++
		}
	}
	if n == 0 {
		return
	}
	r.handoffMu.Lock()
	for _, x := range es {
		if r.wants(x.e) {
			r.handoff = append(r.handoff, x)
		}
	}
	r.handoffMu.Unlock()
	r.kick()
}

func (c *core[K, V]) run() {
	r := &c.reaper
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		now := c.clock.now()
		c.absorbDirty()
		c.reapDue(now)
		c.runExpired()
		r.clockNext = c.clock.refresh(now, r.clockNext)

		_, wake := r.heap.Min()
		if r.clockNext != 0 && r.clockNext < wake {
			wake = r.clockNext
		}
		r.wakeAt.Store(wake)
		if c.anyDirty() {
			continue // a writer lowered a due time while we computed wake
		}
		var fire <-chan time.Time
		if wake != math.MaxInt64 {
			timer.Reset(time.Duration(wake - c.clock.now()))
			fire = timer.C
		}
		select {
		case <-r.stop:
			timer.Stop()
			c.runExpired()
			return
		case <-r.kickCh:
		case <-fire:
		}
		timer.Stop()
	}
}

func (c *core[K, V]) anyDirty() bool {
	for i := range c.reaper.dirty {
		if c.reaper.dirty[i].Load() != 0 {
			return true
		}
	}
	return false
}

// absorbDirty moves the due times of shards that writers marked into the
// heap.
func (c *core[K, V]) absorbDirty() {
	r := &c.reaper
	for i := range r.dirty {
		for w := r.dirty[i].Swap(0); w != 0; w &= w - 1 {
			id := i*64 + trailingZeros(w)
			r.heap.Set(id, c.shards[id].nextDue.Load())
		}
	}
}

func (c *core[K, V]) reapDue(now int64) {
	r := &c.reaper
	for {
		id, due := r.heap.Min()
		if due > now {
			return
		}
		sh := &c.shards[id]
		r.nodes, r.batch = c.reapShard(sh, now, r.nodes, r.batch, true)
		r.heap.Set(id, sh.nextDue.Load())
	}
}

// reapShard removes every entry of sh that is due at now, one bounded batch
// per lock hold, appending them to dst. nodes is scratch space. The wheel
// has more to do while its Next is at most now.
//
// With yield (on the reaper), it lets other goroutines run after each
// batch: on a store with as many busy writers as processors, a writer
// the scheduler set aside to run the reaper would otherwise wait, often
// mid-Set, for the whole of a large pass.
func (c *core[K, V]) reapShard(sh *shard[K, V], now int64, nodes []*expiry.Node, dst []expired[K, V], yield bool) ([]*expiry.Node, []expired[K, V]) {
	for {
		sh.mu.Lock()
		nodes = sh.wheel.Expire(now, nodes[:0], reapBatch)
		for _, n := range nodes {
			e := entryOf[K, V](n)
			c.unlink(sh, e)
			if c.reaper.wants(e) {
				dst = append(dst, expired[K, V]{e, e.Deadline()})
			}
		}
		sh.stats.expirations.Add(uint64(len(nodes)))
		next := sh.wheel.Next()
		sh.nextDue.Store(next)
		sh.mu.Unlock()
		clear(nodes)
		if yield {
			runtime.Gosched()
		}
		if next > now {
			return nodes, dst
		}
	}
}

// reapAll removes every due entry of every shard now, on the caller's
// goroutine, and hands them to the reaper for their hooks. The Reject
// policy calls it before refusing a write.
func (c *core[K, V]) reapAll() {
	now := c.clock.now()
	var nodes []*expiry.Node
	var out []expired[K, V]
	for i := range c.shards {
		sh := &c.shards[i]
		if sh.nextDue.Load() <= now {
			nodes, out = c.reapShard(sh, now, nodes, out, false)
			c.reaper.markDirty(i)
		}
	}
	c.reaper.hand(out...)
}

// runExpired runs the hooks of everything removed as expired since the
// last pass, in deadline order.
func (c *core[K, V]) runExpired() {
	r := &c.reaper
	r.handoffMu.Lock()
	r.batch = append(r.batch, r.handoff...)
	clear(r.handoff)
	r.handoff = r.handoff[:0]
	r.handoffMu.Unlock()
	if len(r.batch) == 0 {
		return
	}
	// Not stable: the order of equal deadlines is unspecified, and a
	// stable sort of a large pass (O(n log² n)) took a tenth of the
	// reaper's time under churn.
	slices.SortFunc(r.batch, func(a, b expired[K, V]) int { return cmp.Compare(a.deadline, b.deadline) })
	for i, x := range r.batch {
		c.removedOne(x.e, ReasonExpired)
		if i%hookBatch == hookBatch-1 {
			runtime.Gosched() // as in reapShard
		}
	}
	clear(r.batch)
	if cap(r.batch) > 1<<16 {
		r.batch = nil // do not pin a burst's worth of memory
	} else {
		r.batch = r.batch[:0]
	}
}
