package livedict

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/livedict/livedict/internal/writeback"
)

// Bulk calls (GetMany, GetManyInto, SetMany, DeleteMany and their Context
// forms) act on many keys of one bucket in one call. A write groups the
// keys by shard first (a counting sort into pooled buffers: no allocation
// per key beyond the entries it stores) and then takes each shard lock it
// needs once, applying that shard's keys in the order given. Hooks, the
// reaper's hand-off and the wait for a write-through backend come after
// every lock is released. Reads take no lock at all, as Get does.
//
// Shapes: parallel slices in, as the caller usually has them, and no
// iterator out: GetMany's map is what a caller looking keys up wants, and
// GetManyInto's caller-owned buffers are what a hot loop wants (nothing
// allocated, no closure); an iter.Seq2 result would cost a closure per
// call and give neither. SetMany is not all-or-nothing, because making it
// so would mean holding every shard lock at once or undoing writes others
// may already have read; it stores what it can and names what it did not.

// ErrBulkLength is matched by the error a bulk call returns when its
// slices do not fit each other: SetMany's keys and values differ in
// length, or GetManyInto's buffers are shorter than its keys. Nothing is
// read or written.
var ErrBulkLength = errors.New("livedict: bulk call slices do not match")

// BulkError is the error SetMany and DeleteMany return when some of their
// keys failed while others went through. Failed lists those keys by index
// into the call's keys, in that order, each with the error the single call
// (SetContext, DeleteContext) would have returned: a *FullError at a key
// limit, ErrGuarded, ErrQueueFull, a context's error, a *PersistError.
// errors.Is and errors.As see every one of them, so errors.Is(err,
// ErrFull) holds when any key was refused for room.
//
// As for the single calls, a *PersistError of a write-through bucket means
// the write did take effect in memory and the backend refused it; every
// other failure means that key's write did nothing.
type BulkError struct {
	Op     string // "SetMany" or "DeleteMany"
	Keys   int    // how many keys the call had
	Failed []BulkFailure
}

// BulkFailure is one failed key of a bulk call.
type BulkFailure struct {
	Index int // into the call's keys
	Err   error
}

// Error returns "livedict: <op>: <n> of <keys> keys failed; first, key
// index <i>: <err>". It names keys by index only, never by value.
func (e *BulkError) Error() string {
	if len(e.Failed) == 0 {
		return fmt.Sprintf("livedict: %s: no key failed", e.Op)
	}
	f := e.Failed[0]
	return fmt.Sprintf("livedict: %s: %d of %d keys failed; first, key index %d: %v", e.Op, len(e.Failed), e.Keys, f.Index, f.Err)
}

// Unwrap returns the failures' errors, so that errors.Is and errors.As
// look at each.
func (e *BulkError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}

// failures collects a bulk call's failures, allocating only once one
// happens.
type failures struct {
	list []BulkFailure
}

func (f *failures) add(i int, err error) { f.list = append(f.list, BulkFailure{Index: i, Err: err}) }

func (f *failures) err(op string, keys int) error {
	if len(f.list) == 0 {
		return nil
	}
	sortFailures(f.list)
	return &BulkError{Op: op, Keys: keys, Failed: f.list}
}

// sortFailures orders failures by index (each index fails at most once).
// They come grouped by shard, so a bulk call with many failures (a SetMany
// of many keys into a full store) has them interleaved across shards: an
// insertion sort, enough for a few, was quadratic there.
func sortFailures(fs []BulkFailure) {
	slices.SortFunc(fs, func(a, b BulkFailure) int { return cmp.Compare(a.Index, b.Index) })
}

// GetMany returns the live, unguarded values stored under keys, as a map
// from key to value that holds only the keys found; nil when none was.
// Each key is read as by Get: no lock is taken, an entry guarded by an
// access token is a miss, hooks (OnAccess) run on the caller's goroutine,
// hits and misses are counted once per key. The map is its only
// allocation; GetManyInto allocates nothing.
func (v *View[K, V]) GetMany(keys []K) map[K]V {
	var m map[K]V
	c := v.c
	closed := c.closed.Load()
	var t readTally
	for i, k := range keys {
		val, ok := c.getTallied(v.b, k, closed, &t)
		if !ok {
			continue
		}
		if m == nil {
			m = make(map[K]V, len(keys)-i)
		}
		m[k] = val
	}
	c.addReads(&t)
	return m
}

// GetManyInto reads keys as GetMany does into caller-provided buffers,
// allocating nothing: for each i < len(keys) it sets values[i] and found[i]
// to what Get(keys[i]) returns, and it returns how many were found. values
// and found must be at least as long as keys; when either is shorter it
// reads nothing and returns an error matching ErrBulkLength.
func (v *View[K, V]) GetManyInto(keys []K, values []V, found []bool) (int, error) {
	if len(values) < len(keys) || len(found) < len(keys) {
		return 0, fmt.Errorf("livedict: GetManyInto: %d keys, %d values, %d found: %w",
			len(keys), len(values), len(found), ErrBulkLength)
	}
	c := v.c
	closed := c.closed.Load()
	var t readTally
	n := 0
	values, found = values[:len(keys)], found[:len(keys)]
	for i, k := range keys {
		values[i], found[i] = c.getTallied(v.b, k, closed, &t)
		if found[i] {
			n++
		}
	}
	c.addReads(&t)
	return n, nil
}

// readTally counts a bulk read's outcomes, added to the read stripes once.
type readTally struct{ hits, misses, tokenMisses uint64 }

// getTallied is get, counting into t instead of the stripes; closed is
// the store's state at the start of the call.
func (c *core[K, V]) getTallied(b *bucketState, key K, closed bool, t *readTally) (v V, ok bool) {
	e := c.lookup(b, key)
	if e == nil || closed {
		t.misses++
		return v, false
	}
	x := e.extras()
	if x != nil {
		if x.token != "" { // a guarded entry: GetMany presents no token
			t.tokenMisses++
			t.misses++
			return v, false
		}
		if x.onAccess != nil {
			c.call("entry OnAccess", x.onAccess, c.event(e, 0))
		}
	}
	if x != nil && x.sealed != nil {
		if v, ok = c.valueOf(e); !ok {
			return v, false // reported by valueOf; counted neither way, as in get
		}
	} else {
		v = e.value
	}
	t.hits++
	if c.evict {
		touch(e)
	}
	if c.hooks.onAccess != nil {
		c.call("OnAccess", c.hooks.onAccess, c.event(e, 0))
	}
	return v, true
}

func (c *core[K, V]) addReads(t *readTally) {
	if t.tokenMisses == 0 && !c.readStats {
		return
	}
	cell := c.reads.cell()
	if t.tokenMisses != 0 {
		cell.tokenMisses.Add(t.tokenMisses)
	}
	if c.readStats {
		if t.hits != 0 {
			cell.hits.Add(t.hits)
		}
		if t.misses != 0 {
			cell.misses.Add(t.misses)
		}
	}
}

// SetMany stores values[i] under keys[i] for every i, all with ttl (as for
// Set: DefaultTTL, NoExpiry, KeepTTL — each key keeps its own replaced
// entry's deadline — or a positive duration). It is a loop of Set calls
// that takes each shard lock once: keys of one shard are written in the
// order given, so when a key repeats its last value wins.
//
// What concerns the whole call fails it before anything is stored, with
// the error Set would return: ErrBulkLength when the slices differ in
// length, ErrInvalidTTL, ErrBucketRequired, ErrClosed, ErrBucketDropped.
// Otherwise SetMany stores every key it can and returns nil, or a
// *BulkError listing by index the keys it did not store, each with Set's
// error: ErrGuarded for a key holding an entry guarded by an access token,
// a *FullError (matching ErrFull) for a new key past a Reject limit,
// ErrQueueFull or ctx's error for a write-behind queue without room. It is
// not all-or-nothing: at a limit the keys that fit are stored. Which new
// keys fit, when not all do, follows the shard order, not the order of
// keys. Under Reject, when the call's new keys could exceed a limit, due
// entries are reaped once before it starts, as a refused Set reaps before
// failing.
//
// When SetMany returns, the values stored are visible to every later Get.
// Hooks run after every shard lock is released, on the caller's goroutine,
// in the order of keys, as a loop of Set calls runs them: for each key
// stored, OnEvict for the entries its write evicted, then the OnSet
// listeners. In a persisted bucket each stored key is logged for the
// backend as Set logs it (a write-behind write is durable once Flush
// returns nil); in a write-through bucket SetMany waits for the backend,
// whose failures it reports per key, the values staying in memory.
func (v *View[K, V]) SetMany(keys []K, values []V, ttl time.Duration) error {
	return v.c.setMany(context.Background(), v.b, keys, values, ttl)
}

// SetManyContext is SetMany with a context, as SetContext is Set: ctx
// bounds each wait for room in a write-behind queue (a key that does not
// get room fails with ctx.Err(), memory unchanged for it) and, in a
// write-through bucket, the wait for the backend.
func (v *View[K, V]) SetManyContext(ctx context.Context, keys []K, values []V, ttl time.Duration) error {
	return v.c.setMany(ctx, v.b, keys, values, ttl)
}

// DeleteMany removes keys, as a loop of Delete calls that takes each
// shard lock once, and returns how many held a live entry. An entry
// guarded by an access token is not removed, from memory or the backend,
// and is not counted. OnDelete runs for each entry removed, with
// ReasonDeleted, after every shard lock is released, on the caller's
// goroutine, in the order of keys. In a persisted bucket every key's
// deletion reaches the backend, resident or not; failures go to
// Persist.OnError (DeleteManyContext returns them).
func (v *View[K, V]) DeleteMany(keys []K) int {
	n, _ := v.c.removeMany(context.Background(), v.b, keys)
	return n
}

// DeleteManyContext is DeleteMany with a context, as DeleteContext is
// Delete. It returns ErrClosed after Close, removing nothing, or a
// *BulkError listing the keys whose deletion failed: in a write-behind
// bucket those that got no room in the queue (ErrQueueFull, ctx's error;
// nothing removed for them), in a write-through bucket those the backend
// refused (removed from memory all the same).
func (v *View[K, V]) DeleteManyContext(ctx context.Context, keys []K) (int, error) {
	return v.c.removeMany(ctx, v.b, keys)
}

// bulkScratch holds the per-call buffers of a bulk write, pooled per store.
type bulkScratch[K comparable, V any] struct {
	hash  []uint64            // hash of keys[i]
	order []int               // key indexes grouped by shard, in key order within a shard
	start []int               // start[s]..start[s+1] is shard s's range of order
	ents  []*entry[K, V]      // SetMany: the entry of keys[i], nil once it failed; DeleteMany: the entry removed
	wgt   []int64             // SetMany: the weight of ents[i]
	ws    []*writeback.Waiter // write-through waiters, by key index
	res   []writeback.Outcome // queue reservation outcomes, by key index
	skip  []bool              // keys[i]'s write was not applied: give back res[i]
	evict []*entry[K, V]      // victims of the Evict policy
	evLo  []int               // evict[evLo[i]:evHi[i]] made room for keys[i]
	evHi  []int
	gone  []expired[K, V] // entries found expired, for the reaper
}

// maxPooled bounds the keys whose buffers go back to the pool, so that one
// huge call does not pin its memory.
const maxPooled = 1 << 16

func (c *core[K, V]) scratch(n int) *bulkScratch[K, V] {
	sc, _ := c.bulk.Get().(*bulkScratch[K, V])
	if sc == nil {
		sc = &bulkScratch[K, V]{start: make([]int, len(c.shards)+1)}
	}
	sc.hash = resize(sc.hash, n)
	sc.order = resize(sc.order, n)
	sc.ents = resize(sc.ents, n)
	sc.wgt = resize(sc.wgt, n)
	sc.ws = resize(sc.ws, n)
	sc.res = resize(sc.res, n)
	sc.skip = resize(sc.skip, n)
	sc.evLo = resize(sc.evLo, n)
	sc.evHi = resize(sc.evHi, n)
	clear(sc.skip)
	return sc
}

func (c *core[K, V]) release(sc *bulkScratch[K, V]) {
	if cap(sc.hash) > maxPooled || cap(sc.evict) > maxPooled || cap(sc.gone) > maxPooled {
		return
	}
	clear(sc.ents)
	clear(sc.ws)
	clear(sc.evict)
	clear(sc.gone)
	sc.evict, sc.gone = sc.evict[:0], sc.gone[:0]
	c.bulk.Put(sc)
}

// resize returns s with length n, reusing its array when it is big enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// group hashes keys for bucket b and sorts their indexes by shard into
// sc.order, stable, so that each shard's keys keep the call's order.
func (c *core[K, V]) group(sc *bulkScratch[K, V], b *bucketState, keys []K) {
	start := sc.start
	clear(start)
	for i, k := range keys {
		h := c.hash(k) ^ b.salt
		sc.hash[i] = h
		start[(h>>c.shift)+1]++
	}
	for s := 1; s < len(start); s++ {
		start[s] += start[s-1]
	}
	// Place each index at its shard's cursor, moving start[s] up to the
	// end of shard s; shifting back afterwards restores the starts.
	for i := range keys {
		s := sc.hash[i] >> c.shift
		sc.order[start[s]] = i
		start[s]++
	}
	copy(start[1:], start[:len(start)-1])
	start[0] = 0
}

// mayFill reports whether adding keys and values to bucket b could pass a
// key or weight limit under which a write is refused (the store's MaxKeys
// and MaxWeight with Reject, the bucket's MaxKeys and MaxWeight). Values
// are weighed here only when such a weight limit is set.
func (c *core[K, V]) mayFill(b *bucketState, keys []K, values []V) bool {
	n := int64(len(keys))
	if c.limitTotal && c.total.Load()+n > c.maxKeys {
		return true
	}
	if b.id != 0 {
		if m := b.maxKeys.Load(); m > 0 && b.count.Load()+n > m {
			return true
		}
	}
	bm := int64(0)
	if b.id != 0 {
		bm = b.maxWeight.Load()
	}
	if c.wt.weigher == nil || (!c.wt.limit && bm <= 0) {
		return false
	}
	var sum int64
	for i, k := range keys {
		sum += c.weigh(k, values[i])
	}
	return (c.wt.limit && c.wt.total.Load()+sum > c.wt.max) || (bm > 0 && b.weight.Load()+sum > bm)
}

func (c *core[K, V]) setMany(ctx context.Context, b *bucketState, keys []K, values []V, ttl time.Duration) error {
	if len(keys) != len(values) {
		return fmt.Errorf("livedict: SetMany: %d keys, %d values: %w", len(keys), len(values), ErrBulkLength)
	}
	if c.closed.Load() {
		return ErrClosed
	}
	if b.id == 0 && c.requireBkt {
		return ErrBucketRequired
	}
	rel, err := c.ttlFor(b, ttl)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	pm := c.pmodeOf(b)
	sc := c.scratch(len(keys))
	defer c.release(sc)
	c.group(sc, b, keys)
	if c.mayFill(b, keys, values) {
		c.reapAll()
	}
	q := writeReq[K, V]{b: b, ttl: ttl, rel: rel, mode: modeSet, pm: pm}
	if rel > 0 {
		q.now = c.clock.now()
	}
	var fails failures
	for s := range c.shards {
		lo, hi := sc.start[s], sc.start[s+1]
		if lo == hi {
			continue
		}
		group := sc.order[lo:hi]
		sh := &c.shards[s]
		// Entries and queue room first, with no lock held: sealing
		// encrypts, and reserving may wait. An entry too heavy for any
		// room is refused before it reserves, as Set refuses it.
		for _, i := range group {
			e, wgt, err := c.entryFor(b, keys[i], values[i], nil)
			if err == nil {
				if err = c.tooHeavy(sh, b, wgt); err != nil {
					sh.stats.rejections.Add(1)
				}
			}
			if err == nil {
				sc.ws[i], sc.res[i], err = c.reserve(ctx, pm)
			}
			if err != nil {
				sc.res[i], sc.skip[i] = writeback.Refused, true // nothing reserved
				fails.add(i, err)
				continue
			}
			sc.ents[i], sc.wgt[i] = e, wgt
		}
		due := int64(math.MaxInt64)
		sh.mu.Lock()
		for _, i := range group {
			e := sc.ents[i]
			if e == nil {
				continue
			}
			sc.evLo[i] = len(sc.evict)
			var r applied[K, V]
			q.idx, q.h, q.e, q.wgt, q.res, q.w = s, sc.hash[i], e, sc.wgt[i], sc.res[i], sc.ws[i]
			_, sc.evict = c.applyLocked(sh, &q, &r, sc.evict)
			sc.evHi[i] = len(sc.evict)
			if r.gone.e != nil {
				sc.gone = append(sc.gone, r.gone)
			}
			if !r.stored {
				if r.full {
					sh.stats.rejections.Add(1)
				}
				sc.ents[i], sc.ws[i], sc.skip[i] = nil, nil, true
				fails.add(i, r.err)
				continue
			}
			if r.lowered {
				due = min(due, r.due)
			}
		}
		sh.mu.Unlock()
		for _, i := range group {
			if sc.skip[i] {
				c.unreserve(pm, sc.res[i])
			} else {
				c.forgetAbsent(sc.hash[i], b.id, keys[i]) // negative.go: a write ends "does not exist"
			}
		}
		if due != math.MaxInt64 {
			c.scheduleDue(s, due)
		}
	}
	c.reaper.hand(sc.gone...)
	for i, e := range sc.ents {
		if e != nil {
			// As Set would: the entries its write evicted, then OnSet.
			c.removed(sc.evict[sc.evLo[i]:sc.evHi[i]], ReasonEvicted)
			c.notifySet(e)
		}
	}
	for i, w := range sc.ws {
		if w != nil {
			if err := c.pst.eng.Await(ctx, w); err != nil {
				fails.add(i, err)
			}
		}
	}
	return fails.err("SetMany", len(keys))
}

func (c *core[K, V]) removeMany(ctx context.Context, b *bucketState, keys []K) (int, error) {
	if c.closed.Load() {
		return 0, ErrClosed
	}
	if len(keys) == 0 {
		return 0, nil
	}
	pm := c.pmodeOf(b)
	sc := c.scratch(len(keys))
	defer c.release(sc)
	c.group(sc, b, keys)
	var fails failures
	var now int64
	for s := range c.shards {
		lo, hi := sc.start[s], sc.start[s+1]
		if lo == hi {
			continue
		}
		group := sc.order[lo:hi]
		for _, i := range group {
			w, res, err := c.reserve(ctx, pm)
			if err != nil {
				// No room: this key's deletion does nothing, as Delete's.
				sc.res[i], sc.skip[i] = writeback.Refused, true
				fails.add(i, err)
				continue
			}
			sc.ws[i], sc.res[i] = w, res
		}
		sh := &c.shards[s]
		sh.mu.Lock()
		for _, i := range group {
			if sc.skip[i] {
				continue
			}
			e, expiredAt, kept := c.removeLocked(sh, s, sc.hash[i], b, keys[i], "", &now, pm, sc.res[i], sc.ws[i])
			switch {
			case kept:
				sc.ws[i], sc.skip[i] = nil, true // not applied: give the room back below
			case expiredAt != 0:
				sc.gone = append(sc.gone, expired[K, V]{e, expiredAt})
			case e != nil:
				sc.ents[i] = e
			}
		}
		sh.mu.Unlock()
		for _, i := range group {
			if sc.skip[i] {
				c.unreserve(pm, sc.res[i])
			}
		}
		// now is one reading per call; a later shard may see time move,
		// which only makes an entry count as expired, never the reverse
		// of what a later Delete would see.
		now = 0
	}
	c.reaper.hand(sc.gone...)
	n := 0
	for _, e := range sc.ents {
		if e != nil {
			n++
			c.removedOne(e, ReasonDeleted)
		}
	}
	for i, w := range sc.ws {
		if w != nil {
			if err := c.pst.eng.Await(ctx, w); err != nil {
				fails.add(i, err)
			}
		}
	}
	return n, fails.err("DeleteMany", len(keys))
}
