package writeback

import "context"

// Appends go to the log of the key's stripe, a plain slice: no map insert
// or coalescing on the write path. Coalescing (one op per key, the last
// one written) happens when a drain collects the logs, and when a writer
// finding the queue at its bound compacts them into the carry. The carry
// is always older than anything still in a log, and the flight (the batch
// a drain is writing) older than the carry.

// Append queues an op for key, which the caller has reserved room for
// (Reserve or ReserveForce). The caller holds the lock that orders the
// key's writes in memory, so the log is in memory order. w, when non-nil,
// is told the outcome (see Await).
func (e *Engine[K, P]) Append(stripeIdx int, key Key[K], val P, del bool, w *Waiter) {
	st := &e.stripes[stripeIdx]
	st.mu.Lock()
	if len(st.log) == 0 {
		signal(e.wake)
	}
	st.seq++
	op := Op[K, P]{Key: key, Val: val, Del: del, seq: st.seq, stripe: stripeIdx}
	if w != nil {
		w.one[0] = w
		op.ws = w.one[:1:1]
	}
	st.log = append(st.log, op)
	st.n.Store(int32(len(st.log)))
	st.mu.Unlock()
	e.logged.Add(1)
	if e.held.Load() >= int64(e.cfg.Limit/4) {
		signal(e.urgent)
	}
}

// merge folds op into the set (ops, idx), the later op winning; it
// reports whether the key was already there.
func merge[K comparable, P any](ops []*Op[K, P], idx map[Key[K]]int, op *Op[K, P]) ([]*Op[K, P], bool) {
	if j, ok := idx[op.Key]; ok {
		prev := ops[j]
		prev.Val, prev.Del, prev.seq, prev.attempts = op.Val, op.Del, op.seq, 0
		prev.ws = append(prev.ws, op.ws...)
		return ops, true
	}
	idx[op.Key] = len(ops)
	return append(ops, op), false
}

// takeLogs empties the stripes' logs into (ops, idx), coalescing; e.cmu
// is held. Each op taken is copied into the slab being filled (slotLocked),
// where the carry or the flight points to it, and the log's array goes
// back to its stripe once emptied: a stripe logs into one of its two
// arrays while the other is taken, so neither is ever grown again once
// large enough, and the queue allocates nothing in a steady state. It
// returns the ops and how many were merged away. With fold, for a drain,
// it folds each stripe's marks (Lost) into the lost set first; a
// compaction, done by writers, leaves them to the drain, which folds them
// before writing anything it took.
func (e *Engine[K, P]) takeLogs(ops []*Op[K, P], idx map[Key[K]]int, fold bool) ([]*Op[K, P], int) {
	merged := 0
	for i := range e.stripes {
		st := &e.stripes[i]
		if st.n.Load() == 0 && (!fold || st.nMarks.Load() == 0) {
			continue
		}
		var log []Op[K, P]
		take := func() {
			log = st.log
			if len(log) > 0 {
				st.log, st.back = st.back, nil
				st.n.Store(0)
			}
		}
		if fold {
			e.takeMarks(i, st, take)
		} else {
			st.mu.Lock()
			take()
			st.mu.Unlock()
		}
		if len(log) == 0 {
			continue
		}
		e.logged.Add(-int64(len(log)))
		for j := range log {
			op := e.slotLocked()
			*op = log[j]
			var dup bool
			if ops, dup = merge(ops, idx, op); dup {
				// Its waiters went to the key's op: the slot is free.
				merged++
				*op = Op[K, P]{}
				e.slab = e.slab[:len(e.slab)-1]
			}
		}
		clear(log)
		if cap(log) <= 4*e.cfg.Limit {
			st.mu.Lock()
			st.back = log[:0]
			st.mu.Unlock()
		}
	}
	if merged > 0 {
		e.held.Add(-int64(merged))
	}
	return ops, merged
}

// slotLocked returns the next free op of the slab being filled, starting
// a slab (from the free list when it has one) when there is none or it
// is full; e.cmu is held. The slab is the last of e.carrySlabs, which
// keeps its length up to date whenever another is started or it is
// closed (collect).
func (e *Engine[K, P]) slotLocked() *Op[K, P] {
	if len(e.slab) == cap(e.slab) {
		e.closeSlabLocked()
		if last := len(e.free) - 1; last >= 0 {
			e.slab = e.free[last]
			e.free[last] = nil
			e.free = e.free[:last]
		} else {
			e.slab = make([]Op[K, P], 0, e.slabOps())
		}
		e.carrySlabs = append(e.carrySlabs, e.slab)
	}
	e.slab = e.slab[:len(e.slab)+1]
	return &e.slab[len(e.slab)-1]
}

// closeSlabLocked records the length of the slab being filled and ends
// it; e.cmu is held.
func (e *Engine[K, P]) closeSlabLocked() {
	if e.slab != nil {
		e.carrySlabs[len(e.carrySlabs)-1] = e.slab
		e.slab = nil
	}
}

// slabOps is the capacity of one slab: 512 ops, or Config.Limit when
// smaller, since the queue never holds more.
func (e *Engine[K, P]) slabOps() int { return max(1, min(512, e.cfg.Limit)) }

// settleSlabsLocked ends the flight's hold on its slabs; e.cmu is held.
// With reuse (the drain requeued nothing, so no op in them is referenced
// any more) they are emptied into the free list while it holds fewer
// than Config.Limit ops of capacity; else they are left to the collector,
// since the carry may point into them.
func (e *Engine[K, P]) settleSlabsLocked(reuse bool) {
	for i, slab := range e.flightSlabs {
		e.flightSlabs[i] = nil
		if !reuse || (len(e.free)+1)*e.slabOps() > max(e.cfg.Limit, e.slabOps()) {
			continue
		}
		clear(slab) // the ops' payloads and waiters
		e.free = append(e.free, slab[:0])
	}
	e.flightSlabs = e.flightSlabs[:0]
}

// carryIndexLocked returns the carry's index, building it (in the spare
// map when there is one) when a collect or ClearBuckets left the carry
// without one; e.cmu is held.
func (e *Engine[K, P]) carryIndexLocked() map[Key[K]]int {
	if e.carryIdx == nil {
		idx := e.spareIdx
		e.spareIdx = nil
		if idx == nil {
			idx = make(map[Key[K]]int, len(e.carry))
		} else {
			clear(idx)
		}
		for i, op := range e.carry {
			idx[op.Key] = i
		}
		e.carryIdx = idx
	}
	return e.carryIdx
}

// collect takes the carry, every log and the pending clears for a drain,
// and makes them the flight.
func (e *Engine[K, P]) collect() (map[uint32]*clearOp, []*Op[K, P]) {
	// Most marks go into the lost set before e.cmu is taken, so that a
	// writer compacting a full queue does not wait for the map; takeLogs
	// folds those added since with the logs.
	e.foldMarks()
	e.cmu.Lock()
	if e.carry == nil {
		e.carry, e.spareOps = e.spareOps, nil
	}
	idx := e.carryIndexLocked()
	ops, merged := e.takeLogs(e.carry, idx, true)
	e.carry, e.carryIdx = nil, nil
	e.spareIdx = idx // cleared when next taken
	// The flight owns the slabs its ops are in; the next compaction starts
	// a slab of its own.
	e.closeSlabLocked()
	e.flightSlabs, e.carrySlabs = e.carrySlabs, e.flightSlabs
	var clears map[uint32]*clearOp
	if len(e.clears) > 0 {
		clears = e.clears
		e.clears = map[uint32]*clearOp{}
	}
	e.flight, e.flightClear = ops, clears
	e.cmu.Unlock()
	if merged > 0 {
		e.madeRoom()
	}
	return clears, ops
}

// compact moves the logs into the carry, coalescing them, without writing
// anything: what a writer does when the queue is at its bound, so that a
// slow or failing backend costs one queued op per key rather than one per
// write.
func (e *Engine[K, P]) compact() {
	e.cmu.Lock()
	if e.carry == nil {
		e.carry, e.spareOps = e.spareOps, nil
	}
	var merged int
	e.carry, merged = e.takeLogs(e.carry, e.carryIndexLocked(), false)
	e.cmu.Unlock()
	if merged > 0 {
		e.madeRoom()
	}
}

// requeue puts the ops and clears of a failed drain back in the carry and
// ends the flight; a drain that failed nothing calls it with neither. A
// carried op of the same key is newer and wins, inheriting the failed
// op's waiters.
func (e *Engine[K, P]) requeue(ops []*Op[K, P], clears map[uint32]*clearOp) {
	e.cmu.Lock()
	merged := 0
	if len(ops) > 0 {
		idx := e.carryIndexLocked()
		for _, op := range ops {
			if j, ok := idx[op.Key]; ok {
				e.carry[j].ws = append(e.carry[j].ws, op.ws...)
				merged++
				continue
			}
			idx[op.Key] = len(e.carry)
			e.carry = append(e.carry, op)
		}
	}
	for b, c := range clears {
		if newer, ok := e.clears[b]; ok {
			newer.ws = append(newer.ws, c.ws...)
			continue
		}
		e.clears[b] = c
	}
	e.flight, e.flightClear = nil, nil
	e.settleSlabsLocked(len(ops) == 0)
	e.cmu.Unlock()
	if merged > 0 {
		e.held.Add(-int64(merged))
	}
}

// Pending finds the newest op not yet stored for key: in its stripe's log,
// the carry or the flight. With found false, cleared says whether a clear
// of the key's bucket is queued, which makes the backend's record stale.
// The Store's Load uses it so that a write the backend has not seen yet
// wins over the backend's older record.
func (e *Engine[K, P]) Pending(stripeIdx int, key Key[K]) (op Op[K, P], found, cleared bool) {
	st := &e.stripes[stripeIdx]
	if st.n.Load() > 0 {
		st.mu.Lock()
		for i := len(st.log) - 1; i >= 0; i-- {
			if st.log[i].Key == key {
				op := st.log[i]
				st.mu.Unlock()
				return op, true, false
			}
		}
		st.mu.Unlock()
	}
	e.cmu.Lock()
	defer e.cmu.Unlock()
	if j, ok := e.carryIdx[key]; ok {
		return *e.carry[j], true, false
	}
	if e.carryIdx == nil {
		for i := len(e.carry) - 1; i >= 0; i-- {
			if e.carry[i].Key == key {
				return *e.carry[i], true, false
			}
		}
	}
	if _, ok := e.clears[key.Bucket]; ok {
		return op, false, true
	}
	// The flight is searched linearly: only Load asks, and only for a key
	// it missed, while a drain runs.
	for i := len(e.flight) - 1; i >= 0; i-- {
		if e.flight[i].Key == key {
			return *e.flight[i], true, false
		}
	}
	_, cleared = e.flightClear[key.Bucket]
	return op, false, cleared
}

// ClearBuckets queues the removal of every record of buckets from the
// backend, ordered with the queued writes: every op of those buckets queued
// so far is superseded (its waiters wait for the clear instead), and ops
// queued afterwards are written after the clear. clearMemory runs with no
// drain in progress and no compaction possible; it must, for each stripe i
// in turn and under the lock that orders the stripe's writes, remove the
// buckets' entries from memory and call dropLogged(i), so that memory and
// queue agree on which writes came before the clear.
//
// It waits for a drain in progress to end; it returns ctx.Err(), having
// done nothing, if ctx ends first.
func (e *Engine[K, P]) ClearBuckets(ctx context.Context, buckets map[uint32]bool, w *Waiter, clearMemory func(dropLogged func(stripe int))) error {
	if err := e.acquire(ctx); err != nil {
		return err
	}
	defer e.release()
	e.cmu.Lock()
	var ws []*Waiter
	removed := 0
	e.lost.clearOverflow(buckets)
	clearMemory(func(i int) {
		st := &e.stripes[i]
		st.mu.Lock()
		// The stripe's marks of those buckets are writes before the
		// clear: forgotten, and then those folded already (clearStripe,
		// after: a reader folding the marks it swapped out holds the
		// lost set until they are in).
		marks := st.marks[:0]
		for _, m := range st.marks {
			if !buckets[m.key.Bucket] {
				marks = append(marks, m)
			}
		}
		clear(st.marks[len(marks):])
		st.marks = marks
		st.nMarks.Store(int32(len(marks)))
		keep := st.log[:0]
		for _, op := range st.log {
			if buckets[op.Key.Bucket] {
				ws = append(ws, op.ws...)
				removed++
				continue
			}
			keep = append(keep, op)
		}
		clear(st.log[len(keep):])
		st.log = keep
		st.n.Store(int32(len(keep)))
		st.mu.Unlock()
		if e.lost.filtered != nil {
			e.lost.filtered()
		}
		e.lost.clearStripe(i, buckets)
	})
	e.logged.Add(-int64(removed))
	keep := e.carry[:0]
	for _, op := range e.carry {
		if buckets[op.Key.Bucket] {
			ws = append(ws, op.ws...)
			removed++
			// Its slab is emptied only when a drain next settles it:
			// let go of the payload now.
			*op = Op[K, P]{}
			continue
		}
		keep = append(keep, op)
	}
	clear(e.carry[len(keep):])
	if e.spareIdx == nil {
		e.spareIdx = e.carryIdx // cleared when next taken
	}
	e.carry, e.carryIdx = keep, nil
	if w != nil {
		ws = append(ws, w)
	}
	for b := range buckets {
		c := e.clears[b]
		if c == nil {
			c = &clearOp{}
			e.clears[b] = c
		}
		c.ws = append(c.ws, ws...)
		ws = nil
	}
	e.cmu.Unlock()
	e.held.Add(-int64(removed))
	e.madeRoom()
	signal(e.wake)
	return nil
}
