package livedict

import "sync/atomic"

// Weight (Options.Weigher, Options.MaxWeight, BucketOptions.MaxWeight).
//
// No entry carries its weight: an entry is weighed when it is written and
// weighed again, with the same pure Weigher, when it leaves (unlink) or is
// replaced, so the sums stay exact without a word per entry. The one
// exception is a sealed value, whose entry holds the zero V: its weight,
// taken from the clear value at the write, is kept in its sealedValue.
//
// The sums: every shard keeps the weight of its entries (shardStats.weight,
// under the shard lock, read atomically by Stats), named buckets keep
// theirs (bucketState.weight), and a store-wide MaxWeight under the Reject
// policy keeps one total, as MaxKeys keeps total. Under Evict, each shard
// is held to its share of MaxWeight (s3fifo.wcap), like MaxKeys.

// weighing is the core's weight state.
type weighing[K comparable, V any] struct {
	weigher func(K, V) uint32 // nil: nothing is weighed
	max     int64             // Options.MaxWeight
	limit   bool              // MaxWeight under Reject: keep total
	total   atomic.Int64
}

// initWeight sets up weighing from opts for a store of n shards; the
// shards' queues are already made for MaxKeys, when it is set.
func (c *core[K, V]) initWeight(opts *Options[K, V], n int) {
	w := &c.wt
	w.weigher = opts.Weigher
	w.max = opts.MaxWeight
	w.limit = opts.Policy == Reject && opts.MaxWeight > 0
	if !c.evict {
		return
	}
	for i := range c.shards {
		q := &c.shards[i].q
		if opts.MaxKeys == 0 {
			q.initUncounted()
		}
		if opts.MaxWeight > 0 {
			q.wcap = opts.MaxWeight / int64(n)
			if int64(i) < opts.MaxWeight%int64(n) {
				q.wcap++
			}
		}
	}
}

// validateWeight checks the store-wide weight options.
func (o *Options[K, V]) validateWeight() error {
	if o.MaxWeight < 0 {
		return optionErr("Options.MaxWeight", "must be >= 0, got %d", o.MaxWeight)
	}
	if o.MaxWeight > 0 && o.Weigher == nil {
		return optionErr("Options.MaxWeight", "needs Options.Weigher")
	}
	return nil
}

// weigh returns the weight of a value about to be written.
func (c *core[K, V]) weigh(key K, value V) int64 {
	if c.wt.weigher == nil {
		return 0
	}
	return int64(c.wt.weigher(key, value))
}

// weightOf returns the weight e was counted with.
func (c *core[K, V]) weightOf(e *entry[K, V]) int64 {
	if c.wt.weigher == nil {
		return 0 // inlined: most stores have no Weigher
	}
	return c.weighedOf(e)
}

func (c *core[K, V]) weighedOf(e *entry[K, V]) int64 {
	if x := e.extras(); x != nil && x.sealed != nil {
		return int64(x.sealed.weight)
	}
	return int64(c.wt.weigher(e.key, e.value))
}

// tooHeavy returns the *FullError of an entry of weight w that no amount
// of room would let into bucket b of shard sh, or nil.
func (c *core[K, V]) tooHeavy(sh *shard[K, V], b *bucketState, w int64) error {
	if w == 0 {
		return nil // inlined: without a Weigher every weight is 0
	}
	return c.heavierThanRoom(sh, b, w)
}

func (c *core[K, V]) heavierThanRoom(sh *shard[K, V], b *bucketState, w int64) error {
	if b.id != 0 {
		if m := b.maxWeight.Load(); m > 0 && w > m {
			return &FullError{Bucket: b.name, Limit: m, Weight: true, Entry: w}
		}
	}
	if c.wt.max > 0 && w > c.wt.max {
		return &FullError{Bucket: b.name, Limit: c.wt.max, Store: true, Weight: true, Entry: w}
	}
	if c.evict && sh.q.wcap > 0 && w > sh.q.wcap {
		return &FullError{Bucket: b.name, Limit: sh.q.wcap, Store: true, Weight: true, Entry: w}
	}
	return nil
}

// admitWeight counts a change of delta in the weight of bucket b, stored
// in sh (shard lock held), against the bucket's and the store's MaxWeight
// under Reject, or returns a *FullError and counts nothing. A change that
// does not add weight is always admitted. Under Evict the shard's share is
// enforced afterwards, by evictOver.
func (c *core[K, V]) admitWeight(sh *shard[K, V], b *bucketState, delta int64) error {
	if c.wt.weigher == nil {
		return nil // inlined: most stores have no Weigher
	}
	return c.admitWeighed(sh, b, delta)
}

func (c *core[K, V]) admitWeighed(sh *shard[K, V], b *bucketState, delta int64) error {
	if b.id != 0 {
		n := b.weight.Add(delta)
		if m := b.maxWeight.Load(); delta > 0 && m > 0 && n > m {
			b.weight.Add(-delta)
			return &FullError{Bucket: b.name, Limit: m, Weight: true}
		}
	}
	if c.wt.limit && c.wt.total.Add(delta) > c.wt.max && delta > 0 {
		c.wt.total.Add(-delta)
		if b.id != 0 {
			b.weight.Add(-delta)
		}
		return &FullError{Bucket: b.name, Limit: c.wt.max, Store: true, Weight: true}
	}
	sh.stats.weight.Add(delta)
	return nil
}

// weightRemoved takes e's weight off the sums as it leaves sh (shard lock
// held).
func (c *core[K, V]) weightRemoved(sh *shard[K, V], e *entry[K, V]) {
	if c.wt.weigher == nil {
		return
	}
	w := c.weightOf(e)
	sh.stats.weight.Add(-w)
	if c.wt.limit {
		c.wt.total.Add(-w)
	}
	if id := e.bucket(); id != 0 {
		c.buckets.byID(id).weight.Add(-w)
	}
}

// overWeight reports whether sh holds more than its share of MaxWeight
// (Evict policy).
func (sh *shard[K, V]) overWeight() bool {
	return sh.q.wcap > 0 && sh.stats.weight.Load() > sh.q.wcap
}

// weight returns the total weight of the store's entries.
func (c *core[K, V]) weight() int64 {
	n := int64(0)
	for i := range c.shards {
		n += c.shards[i].stats.weight.Load()
	}
	return n
}

// Weight returns the total weight (Options.Weigher) of the bucket's
// entries, counting expired ones the reaper has not yet removed and
// entries guarded by an access token: it is the sum BucketOptions.MaxWeight
// limits. It is 0 on a store without a Weigher. Store.Stats gives the
// whole store's in Stats.Weight.
func (v *View[K, V]) Weight() int64 {
	if v.b.id != 0 {
		return v.b.weight.Load()
	}
	n := v.c.weight()
	v.c.buckets.each(func(b *bucketState) bool {
		n -= b.weight.Load() // the default bucket's stays 0
		return true
	})
	return max(n, 0)
}
