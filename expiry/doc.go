// Package expiry schedules deadlines for an in-memory store: a
// hierarchical timing wheel with an overflow heap, and a small heap that
// tells a single reaper which wheel is due next.
//
// The package owns no clock and no goroutine. Every time is an int64
// count of nanoseconds that the caller supplies (a store passes its
// monotonic clock), so tests drive it exactly and an idle wheel costs
// nothing. Nothing here is safe for concurrent use except
// [Node.Deadline]: the owner serialises the rest, usually under a shard
// lock.
//
// # Scheduling
//
// An item embeds a [Node] as its first field and is scheduled with
// [Wheel.Schedule]. Because the Node comes first, the *Node that
// [Wheel.Expire] returns converts back to the item with
// (*item)(unsafe.Pointer(n)), with no map from nodes to items. Items that
// never expire are simply never scheduled.
//
// [Wheel.Schedule] (including a reschedule of a scheduled node) and
// [Wheel.Cancel] take O(1) for deadlines within the wheel's range, at
// least 63·64⁵ ticks (about 2.1 years) past its clock; later deadlines
// wait in an overflow heap at O(log n) and move into the wheel as the
// clock comes within range. Neither allocates, except when the overflow
// heap grows.
//
// # Due times
//
// The wheel counts in ticks of [Tick] (1 ms). A node's due time is its
// deadline rounded up to the next multiple of Tick; a deadline already on
// a multiple is due at itself. (The one tick whose start overflows an
// int64 is due at math.MaxInt64.) A node scheduled with a deadline at or
// before the wheel's clock is due at the wheel's current tick, that is,
// at the next Expire.
//
// [Wheel.Expire](now, dst, max) returns, and unlinks, the nodes due at or
// before now, in ascending order of due tick, across calls as well as
// within one; the order within one tick is unspecified. It never returns
// a node whose deadline is after now. max bounds the work of one call:
// the nodes it returns plus those it moves down from a higher level, so a
// caller that holds a lock around it holds it for a bounded time even when
// a high-level slot holds many nodes. While [Wheel.Next] is at most now
// there is more to do: call it again with the same now.
//
// [Wheel.Next] returns the earliest now at which Expire has work to do:
// a node falls due, or a slot of a higher level must be spread over the
// lower ones. It is never earlier than the wheel's clock, so calling
// Expire at Next always makes progress and a reaper cannot spin.
//
// The timeliness bound: a caller that calls Expire at exactly Next (and
// again at the same now while Next is at most now) gets each node
// back at its due time, which is less than one Tick after its deadline:
// for a deadline d after the wheel's clock, at now = ⌈d/Tick⌉·Tick,
// so 0 ≤ now − d < Tick. A node scheduled at or before the clock comes
// back at the next Expire.
//
// # Costs
//
// A wheel has six levels of 64 slots, each slot a circular doubly linked
// list of nodes, and a 64-bit occupancy map per level. [Wheel.Next] reads
// at most one map per level. Expire jumps straight from one occupied slot
// to the next, so a wheel left idle for a year with one node does a
// handful of steps, not one per tick. Each node is moved down at most
// once per level on its way to level 0, so Expire is amortised O(1) per
// node returned, and allocates nothing beyond appending to dst. A slot
// being spread over the lower levels is spread max nodes per call, so no
// call does more than max units of work.
//
// # Reaping many wheels
//
// A store with one Wheel per shard keeps a [DueHeap] with one id per
// shard. After each change to a shard's wheel it sets that id to the
// wheel's Next; its reaper sleeps until [DueHeap.Min], expires that
// shard in bounded batches, and sets its id again.
//
// The Node's deadline stays readable after Expire returns it, so readers
// on other goroutines that still find the item see that it has expired
// until the owner removes it.
package expiry
