package livedict

import (
	"context"
	"errors"

	"github.com/livedict/livedict/internal/writeback"
)

// loadManyWindow bounds the per-key flights one LoadMany without a
// BulkLoader keeps running at once.
const loadManyWindow = 64

// LoadMany is Load for many keys at once. It returns a map holding every
// key of keys that has a value: keys found in memory are answered from it
// (and, with RefreshAfter, may start their background reloads as Load
// does); the others are loaded. A key that exists nowhere, or holds an
// entry guarded by an access token, is absent from the map; that is not
// an error. A repeated key is loaded once.
//
// With Options.BulkLoader, the keys found neither in memory nor in the
// backend of a persisted bucket are asked for in one BulkLoader call;
// without it, each is loaded through Options.Loader as Load would, up to
// 64 at a time. Either way the one-flight rule holds: a key another Load
// is already loading is not loaded again but waited for, and a Load of a
// key LoadMany is loading waits for LoadMany's answer. Keys remembered as
// absent (NegativeTTL) are not asked for.
//
// The error is nil when every key was settled (found or absent);
// otherwise it is the first failure met (the map still holds what
// loaded), ErrClosed, ErrNotPersisted when a key must be loaded but the
// bucket is not persisted and has no loader, or ctx.Err() when ctx ends
// first. A map suits the usual caller, who looks keys up by name; its
// order is the map's, not keys'.
func (v *View[K, V]) LoadMany(ctx context.Context, keys []K) (map[K]V, error) {
	c := v.c
	out := make(map[K]V, len(keys))
	var misses []K
	for _, k := range keys {
		// Hits take the per-key path of Load.
		if e := c.lookup(v.b, k); e != nil {
			if val, ok := c.get(v.b, k, ""); ok {
				out[k] = val
				v.maybeRefresh(ctx, e)
			}
			continue
		}
		misses = append(misses, k)
	}
	if len(misses) == 0 {
		return out, nil
	}
	if err := v.canLoad(ctx); err != nil {
		return out, err
	}
	seen := make(map[K]struct{}, len(misses))
	want := misses[:0]
	for _, k := range misses {
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		if _, hit := out[k]; hit || c.knownAbsent(v.b, k) {
			continue
		}
		want = append(want, k)
	}
	var first error
	settle := func(k K, call *flightCall[V]) error {
		select {
		case <-call.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		switch {
		case call.err == nil:
			out[k] = call.val
		case !errors.Is(call.err, ErrNotFound) && first == nil:
			first = call.err
		}
		return nil
	}
	if c.lo.bulk != nil {
		calls := v.startBulk(ctx, want)
		for i, k := range want {
			if err := settle(k, calls[i]); err != nil {
				return out, err
			}
		}
		return out, first
	}
	calls := make([]*flightCall[V], len(want))
	for i, k := range want {
		if i >= loadManyWindow {
			if err := settle(want[i-loadManyWindow], calls[i-loadManyWindow]); err != nil {
				return out, err
			}
		}
		calls[i] = v.startLoad(ctx, k)
	}
	for i := max(len(want)-loadManyWindow, 0); i < len(want); i++ {
		if err := settle(want[i], calls[i]); err != nil {
			return out, err
		}
	}
	return out, first
}

// startBulk returns a flight for each of keys: the one already loading it,
// or one of the flights that a single goroutine then settles with one
// BulkLoader call for all of them.
func (v *View[K, V]) startBulk(ctx context.Context, keys []K) []*flightCall[V] {
	c := v.c
	calls := make([]*flightCall[V], len(keys))
	var own []int
	for i, k := range keys {
		call, owner := c.flights.join(writeback.Key[K]{Bucket: v.b.id, Key: k})
		calls[i] = call
		if owner {
			own = append(own, i)
		}
	}
	if len(own) == 0 {
		return calls
	}
	ownKeys := make([]K, len(own))
	for j, i := range own {
		ownKeys[j] = keys[i]
	}
	go func() {
		defer func() {
			for range own {
				c.flights.wg.Done()
			}
		}()
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.loadTimeout())
		defer cancel()
		vals, errs := v.bulkSafely(wctx, ownKeys)
		for j, i := range own {
			c.flights.finish(writeback.Key[K]{Bucket: v.b.id, Key: keys[i]}, calls[i], vals[j], errs[j])
		}
	}()
	return calls
}

// bulkOnce is the work of LoadMany's bulk flights: each key is looked for
// in memory and the backend as Load does, and the rest are asked for in
// one BulkLoader call.
func (v *View[K, V]) bulkOnce(ctx context.Context, keys []K) (vals []V, errs []error) {
	c := v.c
	vals, errs = make([]V, len(keys)), make([]error, len(keys))
	gens := make([]uint64, len(keys))
	remember := false
	var need []int
	for i, k := range keys {
		gens[i], remember = c.armAbsent(v.b, k)
		val, found, err := v.fromStore(ctx, k)
		if err != nil || found {
			vals[i], errs[i] = val, err
			continue
		}
		need = append(need, i)
	}
	if len(need) == 0 {
		return vals, errs
	}
	ask := make([]K, len(need))
	for j, i := range need {
		ask[j] = keys[i]
	}
	got, ttl, err := c.callBulk(ctx, v.b.name, ask, false)
	if err != nil {
		for _, i := range need {
			errs[i] = err
		}
		return vals, errs
	}
	// Absences first: storing a found key bumps its absence shard's
	// generation, which would void an absence recorded after it.
	for _, i := range need {
		if _, ok := got[keys[i]]; !ok {
			if remember {
				c.rememberAbsent(v.b, keys[i], gens[i])
			}
			errs[i] = v.notFound()
		}
	}
	for _, i := range need {
		if val, ok := got[keys[i]]; ok {
			vals[i], errs[i] = v.storeLoaded(ctx, keys[i], val, ttl)
		}
	}
	return vals, errs
}

// bulkSafely is bulkOnce with a panic (in the BulkLoader, the backend or
// a codec) recovered into an error matching ErrPanicked for every key.
func (v *View[K, V]) bulkSafely(ctx context.Context, keys []K) (vals []V, errs []error) {
	defer func() {
		if r := recover(); r != nil {
			vals, errs = make([]V, len(keys)), make([]error, len(keys))
			for i := range errs {
				errs[i] = panicked(r)
			}
		}
	}()
	return v.bulkOnce(ctx, keys)
}
