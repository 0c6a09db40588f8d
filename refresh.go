package livedict

import (
	"context"
	"time"

	"github.com/livedict/livedict/internal/writeback"
)

// loading is what the core keeps for refresh-ahead (this file), negative
// caching (negative.go) and LoadMany's BulkLoader (loadmany.go).
type loading[K comparable, V any] struct {
	refreshAfter time.Duration // Options.RefreshAfter; 0: off
	negativeTTL  time.Duration // Options.NegativeTTL; 0: off
	bulk         func(ctx context.Context, bucket string, keys []K) (map[K]V, time.Duration, error)
	absent       absentCache[K]
}

func newLoading[K comparable, V any](o *Options[K, V]) loading[K, V] {
	return loading[K, V]{refreshAfter: o.RefreshAfter, negativeTTL: o.NegativeTTL, bulk: o.BulkLoader}
}

// hasLoader reports whether Load has something to call for a key that is
// nowhere in the store.
func (c *core[K, V]) hasLoader() bool { return c.loader != nil || c.lo.bulk != nil }

// validateLoading checks the store-wide fields of refresh-ahead and
// negative caching.
func (o *Options[K, V]) validateLoading() error {
	if o.RefreshAfter < 0 || o.RefreshAfter > MaxTTL {
		return optionErr("Options.RefreshAfter", "must be >= 0 and at most MaxTTL, got %v", o.RefreshAfter)
	}
	if o.NegativeTTL < 0 || o.NegativeTTL > MaxTTL {
		return optionErr("Options.NegativeTTL", "must be >= 0 and at most MaxTTL, got %v", o.NegativeTTL)
	}
	if o.RefreshAfter > 0 && o.Loader == nil && o.BulkLoader == nil {
		return optionErr("Options.RefreshAfter", "needs Options.Loader or Options.BulkLoader to reload with")
	}
	if o.RefreshAfter > 0 && o.DefaultTTL > 0 && o.RefreshAfter >= o.DefaultTTL {
		return optionErr("Options.RefreshAfter", "must be shorter than Options.DefaultTTL (%v), got %v", o.DefaultTTL, o.RefreshAfter)
	}
	return nil
}

// validateBucketLoading checks a bucket's RefreshAfter against the store:
// it needs a loader, and must be shorter than the bucket's own TTL.
func validateBucketLoading(path string, b BucketOptions, hasLoader bool, storeTTL time.Duration) error {
	if b.RefreshAfter <= 0 {
		return nil
	}
	if !hasLoader {
		return optionErr(path+".RefreshAfter", "needs Options.Loader or Options.BulkLoader to reload with")
	}
	ttl := b.DefaultTTL
	if ttl == 0 {
		ttl = storeTTL
	}
	if ttl > 0 && b.RefreshAfter >= ttl {
		return optionErr(path+".RefreshAfter", "must be shorter than the bucket's default TTL (%v), got %v", ttl, b.RefreshAfter)
	}
	return nil
}

// refreshWindow returns how long before its deadline an entry of b is due
// for a reload: the bucket's default TTL less its RefreshAfter. An entry
// written with that TTL is then due exactly when it is RefreshAfter old,
// which is how its age is known without storing a write time in every
// entry. It returns 0 when b does not refresh: RefreshAfter off, or no
// default TTL longer than it.
func (c *core[K, V]) refreshWindow(b *bucketState) int64 {
	ra := time.Duration(b.refreshAfter.Load())
	if ra == 0 {
		ra = c.lo.refreshAfter
	}
	if ra <= 0 {
		return 0
	}
	ttl, err := c.ttlFor(b, DefaultTTL)
	if err != nil || ttl <= ra {
		return 0
	}
	return int64(ttl - ra)
}

// maybeRefresh is called by Load and LoadMany on a hit of e. When e is due
// it starts one background reload of its key (none if a load of the key
// is already in flight) and returns without waiting for it.
func (v *View[K, V]) maybeRefresh(ctx context.Context, e *entry[K, V]) {
	c := v.c
	w := c.refreshWindow(v.b)
	if w == 0 {
		return
	}
	d := e.Deadline()
	if d == 0 || e.guarded() || d-c.clock.now() > w {
		return
	}
	c.flights.do(writeback.Key[K]{Bucket: v.b.id, Key: e.key}, func() (V, error) {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.loadTimeout())
		defer cancel()
		return v.reload(wctx, e)
	})
}

// reload is the flight of a refresh: it asks the loader for stale's key
// again and replaces stale with the answer, unless the key has been
// written or removed meanwhile. A Load that misses the key while the
// reload runs joins it, so reload answers as a load would: the loaded
// value, or the one that replaced stale.
//
// A failed reload, ErrNotFound included, keeps stale until its deadline:
// it answers stale's value while stale is live. The failure is counted in
// LoadStats.RefreshErrors and Stats.RefreshErrors and shown to the load
// observers (LoadEvent.Refresh).
func (v *View[K, V]) reload(ctx context.Context, stale *entry[K, V]) (V, error) {
	var zero V
	c := v.c
	key := stale.key
	if cur := c.lookup(v.b, key); cur != stale {
		return v.current(cur) // replaced or gone before the reload began
	}
	val, ttl, err := c.loadKey(ctx, v.b.name, key, true)
	if err != nil {
		if c.lookup(v.b, key) == stale {
			if old, ok := c.valueOf(stale); ok {
				return old, nil
			}
		}
		return zero, err
	}
	cur, stored, err := c.write(ctx, v.b, key, val, ttl, keptExtra(stale), modeReplace, stale)
	switch {
	case stored:
		return val, err // err: a write-through failure; memory holds val
	case err != nil:
		return zero, err
	case cur != nil:
		return v.current(cur) // a write won the race: its value is newer
	}
	// stale expired or was deleted meanwhile: answer the loaded value to
	// any Load that joined, but store nothing, so a Delete stays done.
	return val, nil
}

// current answers a load from the live entry cur (nil: none).
func (v *View[K, V]) current(cur *entry[K, V]) (V, error) {
	if cur == nil || cur.guarded() {
		var zero V
		return zero, v.notFound()
	}
	if val, ok := v.c.valueOf(cur); ok {
		return val, nil
	}
	var zero V
	return zero, v.notFound()
}

// keptExtra carries the per-entry hooks of e over to the entry that
// replaces it on a reload (e is never guarded: guarded entries are not
// reloaded). A sealed value is sealed again by the write.
func keptExtra[K comparable, V any](e *entry[K, V]) *entryExtra[K, V] {
	x := e.extras()
	if x == nil || (x.onExpire == nil && x.onAccess == nil) {
		return nil
	}
	return &entryExtra[K, V]{onExpire: x.onExpire, onAccess: x.onAccess}
}

// loadKey asks the store's loader for one key: Loader, else BulkLoader
// with that key alone, whose answer without it means ErrNotFound.
func (c *core[K, V]) loadKey(ctx context.Context, bucket string, key K, refresh bool) (V, time.Duration, error) {
	if c.loader != nil {
		return c.callLoader(ctx, bucket, key, refresh)
	}
	var zero V
	vals, ttl, err := c.callBulk(ctx, bucket, []K{key}, refresh)
	if err != nil {
		return zero, 0, err
	}
	val, ok := vals[key]
	if !ok {
		return zero, 0, ErrNotFound
	}
	return val, ttl, nil
}
