package livedict

import (
	"context"
	"fmt"
	"time"

	"github.com/livedict/livedict/internal/writeback"
)

type writeMode uint8

const (
	modeSet      writeMode = iota // store unconditionally
	modeIfAbsent                  // store only when no live entry exists
	modeReplace                   // store only when the live entry is still `expect` (nil: absent)
	modeLoad                      // modeIfAbsent for a value read from the backend: never persisted
)

// write is every Set-like operation. It returns the live entry it found
// (nil when none) and whether it stored the new value. The new entry is
// built, and its deadline set, before it is published, so a reader sees it
// whole or not at all. Hooks run after the shard lock is released. In a
// persisted bucket the write is logged for the backend under the shard
// lock; a write-through write then waits for the backend (ctx, and
// Persist.Timeout at most) and returns its error, the value stored in memory all
// the same.
func (c *core[K, V]) write(ctx context.Context, b *bucketState, key K, value V, ttl time.Duration, ex *entryExtra[K, V], mode writeMode, expect *entry[K, V]) (*entry[K, V], bool, error) {
	return c.writeAt(ctx, b, key, value, ttl, 0, ex, mode, expect)
}

// writeAt is write with an absolute deadline: at, in store time, when it
// is not 0 (ttl is then ignored; deadline.go), else ttl as for write.
func (c *core[K, V]) writeAt(ctx context.Context, b *bucketState, key K, value V, ttl time.Duration, at int64, ex *entryExtra[K, V], mode writeMode, expect *entry[K, V]) (*entry[K, V], bool, error) {
	if c.closed.Load() {
		return nil, false, ErrClosed
	}
	if b.id == 0 && c.requireBkt {
		return nil, false, ErrBucketRequired
	}
	// The write is built in q, which applyLocked takes by pointer.
	q := writeReq[K, V]{b: b, ttl: ttl, at: at, mode: mode, expect: expect}
	if at != 0 {
		if err := b.failure(); err != nil {
			return nil, false, err
		}
	} else {
		var err error
		if q.rel, err = c.ttlFor(b, ttl); err != nil {
			return nil, false, err
		}
	}
	var err error
	if q.e, q.wgt, err = c.entryFor(b, key, value, ex); err != nil {
		return nil, false, err
	}
	e := q.e
	if q.rel > 0 {
		q.now = c.clock.now() // else read lazily: a store without TTLs never needs it
	}
	h := c.hash(key) ^ b.salt
	idx := int(h >> c.shift)
	q.h, q.idx = h, idx
	sh := &c.shards[idx]
	if err := c.tooHeavy(sh, b, q.wgt); err != nil {
		sh.stats.rejections.Add(1)
		return nil, false, err
	}

	pm := pmNone
	if c.pst != nil && mode != modeLoad {
		pm = b.pmode.Load()
	}
	var w *writeback.Waiter
	res := writeback.Reserved
	if pm != pmNone { // reserve costs a call even when it has nothing to do
		if w, res, err = c.reserve(ctx, pm); err != nil {
			return nil, false, err
		}
	}
	q.pm, q.res, q.w = pm, res, w
	for retried := false; ; retried = true {
		var vbuf [2]*entry[K, V]
		var r applied[K, V]
		sh.mu.Lock()
		old, victims := c.applyLocked(sh, &q, &r, vbuf[:0])
		if r.full && !retried {
			sh.mu.Unlock()
			c.handGone(r.gone)
			c.reapAll()
			continue
		}
		if r.full {
			sh.stats.rejections.Add(1)
		}
		sh.mu.Unlock()
		c.handGone(r.gone)
		if !r.stored {
			c.unreserve(pm, res)
			return old, false, r.err
		}
		c.forgetAbsent(h, b.id, key) // negative.go: a write ends "does not exist"
		if r.lowered {
			c.scheduleDue(idx, r.due)
		}
		c.removed(victims, ReasonEvicted)
		c.notifySet(e)
		if w != nil {
			return old, true, c.pst.eng.Await(ctx, w)
		}
		return old, true, nil
	}
}

// entryFor builds the entry a write of value under key publishes, and
// returns its weight (0 without a Weigher), sealing the value first in a
// Sealed bucket: the value is weighed before sealing, and a sealed entry
// carries its weight, since the Weigher cannot see its value.
func (c *core[K, V]) entryFor(b *bucketState, key K, value V, ex *entryExtra[K, V]) (*entry[K, V], int64, error) {
	wgt := c.weigh(key, value)
	if b.sealed.Load() {
		blob, err := c.seal.sealValue(b, key, value)
		if err != nil {
			return nil, 0, err
		}
		if ex == nil {
			ex = &entryExtra[K, V]{}
		} else {
			cp := *ex
			ex = &cp
		}
		ex.sealed = newSealedValue(blob)
		ex.sealed.weight = uint32(wgt)
		var zero V
		value = zero
	}
	return newEntry(b.id, key, value, ex), wgt, nil
}

// applied is what applyLocked did with one write.
type applied[K comparable, V any] struct {
	gone    expired[K, V] // an entry found past its deadline and unlinked, for the reaper
	stored  bool          // e is published
	full    bool          // refused at a key or weight limit: err is the *FullError
	err     error         // why e was not stored: ErrGuarded or a limit's error
	due     int64         // the shard's lowered next due time, when lowered
	lowered bool
}

// writeReq is one write as applyLocked takes it: built once by the
// caller, passed by pointer (a call with its fields as arguments spent
// more instructions passing them than applyLocked spends on a Set).
type writeReq[K comparable, V any] struct {
	idx      int    // the shard's index, and the write-back stripe's
	h        uint64 // the key's hash, salted by its bucket
	b        *bucketState
	e        *entry[K, V] // the entry to publish
	wgt      int64        // its weight, from entryFor
	ttl, rel time.Duration
	at       int64 // an absolute deadline, in store time, when not 0
	now      int64 // read lazily, and kept for the caller's next write
	mode     writeMode
	expect   *entry[K, V] // modeReplace: the entry to replace
	pm       uint32
	res      writeback.Outcome
	w        *writeback.Waiter
}

// applyLocked is one Set-like write of q.e (not yet published; its key is
// at hash q.h in shard sh, stripe q.idx) under sh's lock, which the
// caller holds, and says in r what it did. It returns the live entry it
// found (nil when none) and victims: both apart from r, since a pointer
// stored through r pays a write barrier while the collector runs, and
// escape analysis treats a struct as one (r.gone escapes to the reaper).
// It decides by mode whether e replaces what it finds, schedules its
// deadline (q.at when it is not 0, else from ttl and rel), counts it
// against the key and weight limits, evicts (appending to victims) and
// logs it for the backend. It neither releases the lock nor runs hooks
// nor gives back a reservation: the caller does, after unlocking. A
// refusal at a limit is not counted in Stats.Rejections, since the caller
// may retry.
func (c *core[K, V]) applyLocked(sh *shard[K, V], q *writeReq[K, V], r *applied[K, V], victims []*entry[K, V]) (*entry[K, V], []*entry[K, V]) {
	h, b, e, wgt, now := q.h, q.b, q.e, q.wgt, &q.now
	t := sh.table.Load()
	old := t.find(h, b.id, e.key)
	if old != nil {
		if d := old.Deadline(); d != 0 {
			if *now == 0 {
				*now = c.clock.now()
			}
			if d <= *now {
				c.unlink(sh, old)
				sh.stats.expirations.Add(1)
				r.gone, old = expired[K, V]{old, d}, nil
			}
		}
	}
	if old != nil && q.mode != modeLoad && old.guarded() && !tokenMatches(old.extras().token, presented(e.extras())) {
		// A write without the entry's token never replaces it.
		r.err = ErrGuarded
		return old, victims
	}
	if ((q.mode == modeIfAbsent || q.mode == modeLoad) && old != nil) || (q.mode == modeReplace && old != q.expect) {
		return old, victims
	}

	deadline := int64(0)
	if q.ttl == KeepTTL && old != nil {
		deadline = old.Deadline()
	} else if q.at != 0 {
		deadline = q.at
	} else if q.rel > 0 {
		if *now == 0 {
			*now = c.clock.now()
		}
		deadline = *now + int64(q.rel)
	}
	if old != nil {
		if err := c.admitWeight(sh, b, wgt-c.weightOf(old)); err != nil {
			r.full, r.err = true, err
			return old, victims
		}
		if deadline != 0 {
			sh.wheel.Schedule(&e.Node, deadline)
		}
		bk, i := t.slotOf(h, old)
		bk.slots[i].Store(e)
		sh.wheel.Cancel(&old.Node)
		if c.evict {
			sh.q.swap(old, e)
			victims = c.evictOver(sh, victims, e)
		}
	} else {
		if err := c.admit(b); err != nil {
			r.full, r.err = true, err
			return old, victims
		}
		if err := c.admitWeight(sh, b, wgt); err != nil {
			c.unadmit(b)
			r.full, r.err = true, err
			return old, victims
		}
		if deadline != 0 {
			sh.wheel.Schedule(&e.Node, deadline)
		}
		t.insert(h, e)
		sh.count.Add(1)
		if c.evict {
			sh.q.add(e, h)
			victims = c.evictOver(sh, victims, e)
		}
		c.maybeGrow(sh)
	}
	sh.stats.sets.Add(1)
	if q.pm != pmNone {
		// A record carries no token, so a guarded entry is never
		// persisted: it would come back unguarded. Its write deletes
		// the key's record instead.
		c.logOp(q.idx, q.res, b.id, e.key, e, old, e.guarded(), q.w)
	}
	if deadline != 0 {
		if due := dueOf(deadline); due < sh.nextDue.Load() {
			sh.nextDue.Store(due)
			r.due, r.lowered = due, true
		}
	}
	r.stored = true
	return old, victims
}

// unreserve gives back the room reserve made for a write of persistence
// pm that was not applied. No lock held.
func (c *core[K, V]) unreserve(pm uint32, res writeback.Outcome) {
	if pm != pmNone && res == writeback.Reserved {
		c.pst.eng.Unreserve()
	}
}

// reserve makes room in the write-back queue for a write of persistence
// pm, before any lock is taken: a write-through write gets a waiter; a
// write-behind write may wait (Block), be given up in persistence
// (Dropped) or, under Fail, be refused with ErrQueueFull.
func (c *core[K, V]) reserve(ctx context.Context, pm uint32) (*writeback.Waiter, writeback.Outcome, error) {
	switch pm {
	case pmThrough:
		c.pst.eng.ReserveForce()
		return writeback.NewWaiter(), writeback.Reserved, nil
	case pmBehind:
		switch res := c.pst.eng.Reserve(ctx); res {
		case writeback.Refused:
			return nil, res, fmt.Errorf("livedict: write refused (Persist.WhenFull is Fail): %w", ErrQueueFull)
		case writeback.Cancelled:
			return nil, res, ctx.Err()
		default:
			return nil, res, nil
		}
	}
	return nil, writeback.Reserved, nil
}

// logOp hands an applied write of e (nil for a delete) to the engine,
// under the shard lock of stripe idx: as an op when room was reserved, as
// a lost write when it was given up for want of room. prev is the entry
// the write replaced: e itself for a write in place (touch), nil when
// there was none.
//
// Each entry says whether the latest write logged for it was given up
// (lost). When prev says so, the lost set holds the key already, from that
// write: the key's writes are ordered by this lock, so no write came in
// between whose stored op could have cleared it, and the engine only
// counts this one (LostAgain) instead of recording it. Under Drop, a
// writer outpacing the flusher gives up most writes of the keys it
// rewrites, and recording each (a mark, then a lost-set entry) cost such a
// Set more than the rest of its engine work (docs/benchmarks.md, tenth
// pass).
func (c *core[K, V]) logOp(idx int, res writeback.Outcome, bucket uint32, key K, e, prev *entry[K, V], del bool, w *writeback.Waiter) {
	k := writeback.Key[K]{Bucket: bucket, Key: key}
	if res == writeback.Reserved {
		if e != nil {
			e.setLost(false)
		}
		if del {
			e = nil
		}
		c.pst.eng.Append(idx, k, e, del, w)
		return
	}
	again := prev != nil && prev.lost() // before e is marked: prev may be e
	if e != nil {
		e.setLost(true)
	}
	if again {
		c.pst.eng.LostAgain(idx)
		return
	}
	c.pst.eng.Lost(idx, k)
}

func (c *core[K, V]) handGone(g expired[K, V]) {
	if g.e != nil {
		c.reaper.hand(g)
	}
}

// admit counts a new entry against the bucket's and the store's limits,
// or returns a *FullError (matching ErrFull) naming the limit and counts
// nothing.
func (c *core[K, V]) admit(b *bucketState) error {
	if err := b.failure(); err != nil {
		return err // dropped meanwhile (drop.go): checked under the shard lock
	}
	if b.id != 0 {
		n := b.count.Add(1)
		if m := b.maxKeys.Load(); m > 0 && n > m {
			b.count.Add(-1)
			return &FullError{Bucket: b.name, Limit: m}
		}
	}
	if c.limitTotal && c.total.Add(1) > c.maxKeys {
		c.total.Add(-1)
		if b.id != 0 {
			b.count.Add(-1)
		}
		return &FullError{Bucket: b.name, Limit: c.maxKeys, Store: true}
	}
	return nil
}

// unadmit gives back what admit counted, for a write refused after it.
func (c *core[K, V]) unadmit(b *bucketState) {
	if b.id != 0 {
		b.count.Add(-1)
	}
	if c.limitTotal {
		c.total.Add(-1)
	}
}

// evictOver evicts from sh until it is within its shares of MaxKeys and
// MaxWeight. It never evicts keep, the entry being written: keep is no
// heavier than the shard's share (tooHeavy), so the shard fits before
// only keep is left.
func (c *core[K, V]) evictOver(sh *shard[K, V], dst []*entry[K, V], keep *entry[K, V]) []*entry[K, V] {
	for sh.count.Load() > int64(sh.q.capacity) || sh.overWeight() {
		v := sh.q.victim(c.hashOf)
		if v == nil {
			break
		}
		if v == keep {
			setQueue(v, inMain)
			sh.q.main.push(v)
			if sh.q.len() == 1 {
				break // only keep is left: nothing more to evict
			}
			continue
		}
		c.unlink(sh, v)
		sh.stats.evictions.Add(1)
		dst = append(dst, v)
	}
	return dst
}

// remove deletes (b, key) if it holds a live entry that token may see (a
// guarded entry needs its token; otherwise nothing is removed, in memory or
// in the backend). In a persisted bucket the deletion is logged for the
// backend; a write-through delete waits for it and returns its error.
func (c *core[K, V]) remove(ctx context.Context, b *bucketState, key K, token string) (bool, error) {
	if c.closed.Load() {
		return false, ErrClosed
	}
	pm := c.pmodeOf(b)
	w, res, err := c.reserve(ctx, pm)
	if err != nil {
		return false, err
	}
	h := c.hash(key) ^ b.salt
	idx := int(h >> c.shift)
	sh := &c.shards[idx]
	var now int64
	sh.mu.Lock()
	e, expiredAt, kept := c.removeLocked(sh, idx, h, b, key, token, &now, pm, res, w)
	sh.mu.Unlock()
	if kept {
		c.unreserve(pm, res)
		return false, nil
	}
	switch {
	case expiredAt != 0:
		c.reaper.hand(expired[K, V]{e, expiredAt})
		e = nil
	case e != nil:
		c.removedOne(e, ReasonDeleted)
	}
	if w != nil {
		return e != nil, c.pst.eng.Await(ctx, w)
	}
	return e != nil, nil
}

// removeLocked is one deletion of (b, key), at hash h in shard sh (stripe
// idx), under sh's lock, which the caller holds. It returns the entry it
// unlinked, with its deadline as expiredAt when it was found already
// expired (its hooks are the reaper's), and kept true when a live entry
// guarded by another token stayed, nothing logged: the caller then gives
// back the reservation. Otherwise a persisted bucket's deletion is
// logged, also when the key is not in memory. now is read lazily.
func (c *core[K, V]) removeLocked(sh *shard[K, V], idx int, h uint64, b *bucketState, key K, token string, now *int64, pm uint32, res writeback.Outcome, w *writeback.Waiter) (e *entry[K, V], expiredAt int64, kept bool) {
	e = sh.table.Load().find(h, b.id, key)
	if e != nil {
		live := true
		if d := e.Deadline(); d != 0 {
			if *now == 0 {
				*now = c.clock.now()
			}
			live = d > *now
		}
		if live && e.guarded() && !tokenMatches(e.extras().token, token) {
			// Guarded and live: without its token, nothing is removed,
			// in memory or in the backend.
			return nil, 0, true
		}
		c.unlink(sh, e)
		if live {
			sh.stats.deletes.Add(1)
		} else {
			sh.stats.expirations.Add(1)
			expiredAt = e.Deadline()
		}
	}
	if pm != pmNone {
		// Also when the key is not in memory (evicted, expired, never
		// loaded): the backend may hold it.
		c.logOp(idx, res, b.id, key, nil, nil, true, w)
	}
	return e, expiredAt, false
}

// pmodeOf returns b's persistence, pmNone on a store without Persist.
func (c *core[K, V]) pmodeOf(b *bucketState) uint32 {
	if c.pst == nil {
		return pmNone
	}
	return b.pmode.Load()
}

// touch gives a live entry that token may see a new deadline, which a
// persisted bucket logs for the backend.
func (c *core[K, V]) touch(ctx context.Context, b *bucketState, key K, ttl time.Duration, token string) (bool, error) {
	return c.touchAt(ctx, b, key, ttl, 0, token)
}

// touchAt is touch with an absolute deadline: at, in store time, when it
// is not 0 (ttl is then ignored), else ttl as for touch.
func (c *core[K, V]) touchAt(ctx context.Context, b *bucketState, key K, ttl time.Duration, at int64, token string) (bool, error) {
	if c.closed.Load() {
		return false, ErrClosed
	}
	var rel time.Duration
	if at != 0 {
		if err := b.failure(); err != nil {
			return false, err
		}
	} else {
		var err error
		if rel, err = c.ttlFor(b, ttl); err != nil {
			return false, err
		}
	}
	pm := c.pmodeOf(b)
	if at == 0 && ttl == KeepTTL {
		pm = pmNone // nothing the backend holds changes
	}
	w, res, err := c.reserve(ctx, pm)
	if err != nil {
		return false, err
	}
	unreserve := func() {
		if pm != pmNone && res == writeback.Reserved {
			c.pst.eng.Unreserve()
		}
	}
	h := c.hash(key) ^ b.salt
	idx := int(h >> c.shift)
	sh := &c.shards[idx]
	now := c.clock.now()
	sh.mu.Lock()
	e := sh.table.Load().find(h, b.id, key)
	if e == nil {
		sh.mu.Unlock()
		unreserve()
		return false, nil
	}
	if d := e.Deadline(); d != 0 && d <= now {
		c.unlink(sh, e)
		sh.stats.expirations.Add(1)
		sh.mu.Unlock()
		unreserve()
		c.reaper.hand(expired[K, V]{e, d})
		return false, nil
	}
	if e.guarded() && !tokenMatches(e.extras().token, token) {
		sh.mu.Unlock()
		unreserve()
		return false, nil
	}
	due, lowered := int64(0), false
	switch {
	case at == 0 && ttl == KeepTTL:
	case at == 0 && rel == 0:
		sh.wheel.Cancel(&e.Node)
		e.ClearDeadline()
	default:
		d := at
		if d == 0 {
			d = now + int64(rel)
		}
		sh.wheel.Schedule(&e.Node, d)
		if due = dueOf(d); due < sh.nextDue.Load() {
			sh.nextDue.Store(due)
			lowered = true
		}
	}
	if pm != pmNone {
		c.logOp(idx, res, b.id, key, e, e, e.guarded(), w) // never persist a guarded entry (see write)
	}
	sh.mu.Unlock()
	if lowered {
		c.scheduleDue(idx, due)
	}
	if w != nil {
		return true, c.pst.eng.Await(ctx, w)
	}
	return true, nil
}

// clear removes every entry of bucket b, or of every bucket when b is
// nil, from memory and, for persisted buckets, from the backend too,
// resident or not: the engine queues a clear of the bucket ordered with
// its queued writes (those before it are superseded, those after it are
// written after it). OnDelete runs for each entry with ReasonCleared;
// entries found already expired go to the reaper as expirations. In a
// write-through bucket clear waits for the backend and returns its error.
func (c *core[K, V]) clear(ctx context.Context, b *bucketState) error {
	if c.closed.Load() {
		return ErrClosed
	}
	persisted := map[uint32]bool{}
	through := false
	if c.pst != nil {
		list := []*bucketState{b}
		if b == nil {
			// A store-wide clear covers the buckets the backend lists too,
			// declared or not: listing registers them.
			if _, err := c.persistedBuckets(ctx); err != nil {
				return err
			}
			list = nil
			c.buckets.each(func(bs *bucketState) bool { list = append(list, bs); return true })
		}
		for _, bs := range list {
			if m := bs.pmode.Load(); m != pmNone {
				persisted[bs.id] = true
				through = through || m == pmThrough
			}
		}
	}
	var cleared []*entry[K, V]
	var gone []expired[K, V]
	clearMemory := func(drop func(stripe int)) {
		for i := range c.shards {
			sh := &c.shards[i]
			sh.mu.Lock()
			gone, cleared = c.clearShard(sh, b, gone, cleared)
			if sh.count.Load() == 0 {
				sh.table.Store(newTable[K, V](minBuckets))
			}
			if drop != nil {
				drop(i)
			}
			sh.mu.Unlock()
		}
	}
	var err error
	if len(persisted) == 0 {
		clearMemory(nil)
	} else {
		var w *writeback.Waiter
		if through {
			w = writeback.NewWaiter()
		}
		if err = c.pst.eng.ClearBuckets(ctx, persisted, w, clearMemory); err == nil && w != nil {
			err = c.pst.eng.Await(ctx, w)
		}
	}
	// Hooks run with no lock of the store or the engine held.
	c.reaper.hand(gone...)
	c.removed(cleared, ReasonCleared)
	return err
}

// presented is the token a write carries (SetOptions.Token), or "".
func presented[K comparable, V any](ex *entryExtra[K, V]) string {
	if ex == nil {
		return ""
	}
	return ex.token
}

// clearShard unlinks every entry of bucket b (of every bucket with b nil)
// from sh, whose lock is held. It appends the entries found already due to
// gone, for the reaper's OnExpire, and, when OnDelete is set, the others
// to cleared; the caller runs those hooks after unlocking.
func (c *core[K, V]) clearShard(sh *shard[K, V], b *bucketState, gone []expired[K, V], cleared []*entry[K, V]) ([]expired[K, V], []*entry[K, V]) {
	now := c.clock.now()
	sh.table.Load().each(func(e *entry[K, V]) bool {
		if b != nil && e.bucket() != b.id {
			return true
		}
		c.unlink(sh, e)
		if d := e.Deadline(); d != 0 && d <= now {
			sh.stats.expirations.Add(1)
			gone = append(gone, expired[K, V]{e, d})
		} else if c.hooks.onDelete != nil {
			cleared = append(cleared, e)
		}
		return true
	})
	return gone, cleared
}
