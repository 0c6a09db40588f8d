package livedict

import (
	"context"
	"errors"
	"iter"
	"time"
)

// View is a bucket: a namespace of the store with its own default TTL and
// key limit. Keys in different buckets never collide. A Store is the View
// of its default bucket, so these methods on a Store act on that bucket;
// get other buckets with Store.Bucket. Views are cheap values, safe for
// concurrent use, and valid until the store is closed.
//
// Every write has a form taking a context, named with the suffix Context
// (SetContext, SetWithContext, GetOrSetContext, SetIfAbsentContext,
// UpdateContext, DeleteContext, TouchContext, ClearContext,
// SetManyContext, DeleteManyContext and the function
// CompareAndSwapContext). The context bounds what the write may
// wait for: room in the write-behind queue (Persist.WhenFull Block) and,
// in a write-through bucket, the backend, whose error it returns. The
// forms without a context use context.Background(), bounded by
// Persist.BlockTimeout and Persist.Timeout.
type View[K comparable, V any] struct {
	c *core[K, V]
	b *bucketState
}

// SetOptions are the per-entry settings SetWith takes.
type SetOptions[K comparable, V any] struct {
	// TTL as for Set: DefaultTTL, NoExpiry, KeepTTL or a positive duration.
	TTL time.Duration
	// ExpireAt, when not the zero Time, is the entry's deadline, kept
	// exactly, as for SetUntil (a time not in the future fails with
	// ErrDeadlinePassed); TTL must then be DefaultTTL, or SetWith fails
	// with ErrInvalidTTL.
	ExpireAt time.Time
	// Token guards the entry: to every operation that does not present the
	// same token it is a miss, and none of them replaces, removes or
	// re-times it (see "Access tokens" in the package doc). Get and
	// GetWithToken with a wrong token count it in Stats.TokenMisses. The
	// comparison takes time that depends only on the lengths. A write with
	// Token presents it: SetWith may replace an entry guarded by the same
	// token, and the new entry is guarded by it.
	Token string
	// OnExpire runs when this entry expires, on the reaper goroutine,
	// before the store-wide OnExpire.
	OnExpire func(Event[K, V])
	// OnAccess runs on each read that returns this entry, on the reader's
	// goroutine, before the store-wide OnAccess.
	OnAccess func(Event[K, V])
}

// Name returns the bucket's name; "" is the default bucket.
func (v *View[K, V]) Name() string { return v.b.name }

// Set stores value under key for ttl: DefaultTTL (0) for the bucket's
// default, NoExpiry (-1ns) for none, KeepTTL (-2ns) to keep the replaced
// entry's deadline, or a positive duration. These are sentinels, not
// durations: a ttl computed as time.Until(deadline) is 0 (the default) at
// the deadline and -1ns (never) a nanosecond after it; to store until a
// time, use SetUntil, which takes the deadline itself. It fails with ErrFull at
// a Reject limit, ErrInvalidTTL, ErrBucketRequired or ErrClosed, and with
// ErrGuarded, storing nothing, when key holds an entry guarded by an access
// token. When Set returns nil the value is visible to every later Get from
// any goroutine.
func (v *View[K, V]) Set(key K, value V, ttl time.Duration) error {
	_, _, err := v.c.writeAt(context.Background(), v.b, key, value, ttl, 0, nil, modeSet, nil)
	return err
}

// SetContext is Set with a context: ctx bounds the wait for room in a
// write-behind queue (ending it fails the write with ctx.Err(), memory
// unchanged) and, in a write-through bucket, the backend write, whose
// failure is returned (the value stays in memory; see Persistence).
func (v *View[K, V]) SetContext(ctx context.Context, key K, value V, ttl time.Duration) error {
	_, _, err := v.c.writeAt(ctx, v.b, key, value, ttl, 0, nil, modeSet, nil)
	return err
}

// SetWith is Set with per-entry options: an access token, per-entry hooks.
// It replaces an entry guarded by a token only when o.Token is that token;
// otherwise it fails with ErrGuarded and stores nothing.
func (v *View[K, V]) SetWith(key K, value V, o SetOptions[K, V]) error {
	return v.SetWithContext(context.Background(), key, value, o)
}

// SetWithContext is SetWith with a context, as SetContext is Set.
func (v *View[K, V]) SetWithContext(ctx context.Context, key K, value V, o SetOptions[K, V]) error {
	var ex *entryExtra[K, V]
	if o.Token != "" || o.OnExpire != nil || o.OnAccess != nil {
		ex = &entryExtra[K, V]{token: o.Token, onExpire: o.OnExpire, onAccess: o.OnAccess}
	}
	if !o.ExpireAt.IsZero() {
		if o.TTL != DefaultTTL {
			return ErrInvalidTTL
		}
		return v.setUntil(ctx, key, value, o.ExpireAt, ex)
	}
	_, _, err := v.c.write(ctx, v.b, key, value, o.TTL, ex, modeSet, nil)
	return err
}

// Get returns the value stored under key and true, or the zero value and
// false when there is none, it has expired, or it is guarded by a token.
// Get reads memory only, takes no lock and does not allocate.
func (v *View[K, V]) Get(key K) (V, bool) { return v.c.get(v.b, key, "") }

// GetWithToken is Get for entries stored with SetOptions.Token: it reads
// an entry guarded by token, and unguarded entries; an entry guarded by
// another token is a miss.
func (v *View[K, V]) GetWithToken(key K, token string) (V, bool) {
	return v.c.get(v.b, key, token)
}

// Has reports whether key holds a live, unguarded entry: an entry guarded
// by an access token is a miss, as for Get. It runs no hooks and counts
// nothing.
func (v *View[K, V]) Has(key K) bool { return v.c.visible(v.b, key, "") != nil }

// visible is lookup for a caller presenting token: an entry guarded by
// another token is a miss.
func (c *core[K, V]) visible(b *bucketState, key K, token string) *entry[K, V] {
	e := c.lookup(b, key)
	if e != nil && e.guarded() && !tokenMatches(e.extras().token, token) {
		return nil
	}
	return e
}

// Delete removes key and reports whether it held a live entry. OnDelete
// runs on the caller's goroutine with ReasonDeleted. In a persisted bucket
// the deletion reaches the backend too, also when the key is not in memory
// (evicted, or never loaded); a write-through failure goes to
// Persist.OnError (DeleteContext returns it). An entry guarded by an
// access token is not removed, from memory or the backend, and Delete
// returns false: use DeleteWithToken.
func (v *View[K, V]) Delete(key K) bool {
	ok, _ := v.c.remove(context.Background(), v.b, key, "")
	return ok
}

// DeleteContext is Delete that returns, in a write-through bucket, the
// backend's error, with ctx bounding the backend call.
func (v *View[K, V]) DeleteContext(ctx context.Context, key K) (bool, error) {
	return v.c.remove(ctx, v.b, key, "")
}

// DeleteWithToken is Delete for entries stored with SetOptions.Token: it
// removes an entry guarded by token, or an unguarded one, and reports
// whether it did; an entry guarded by another token stays.
func (v *View[K, V]) DeleteWithToken(key K, token string) bool {
	ok, _ := v.c.remove(context.Background(), v.b, key, token)
	return ok
}

// TTL returns the time left before key expires, NoExpiry for an entry
// without deadline, and false when there is no live, unguarded entry.
func (v *View[K, V]) TTL(key K) (time.Duration, bool) {
	e := v.c.visible(v.b, key, "")
	if e == nil {
		return 0, false
	}
	d := e.Deadline()
	if d == 0 {
		return NoExpiry, true
	}
	left := time.Duration(d - v.c.clock.now())
	if left <= 0 {
		return 0, false
	}
	return left, true
}

// Deadline returns when key expires (the zero Time for an entry without
// deadline) and false when there is no live, unguarded entry.
func (v *View[K, V]) Deadline(key K) (time.Time, bool) {
	e := v.c.visible(v.b, key, "")
	if e == nil {
		return time.Time{}, false
	}
	d := e.Deadline()
	if d == 0 {
		return time.Time{}, true
	}
	return v.c.clock.wall(d), true
}

// Touch gives a live entry a new deadline, ttl from now (DefaultTTL for
// the bucket's default, NoExpiry to make it permanent), and reports
// whether it found one. An invalid ttl returns false. An entry guarded by
// an access token is a miss: its deadline stays (use TouchWithToken).
// In a persisted bucket the new deadline reaches the backend too; a
// write-through failure goes to Persist.OnError (TouchContext returns it).
func (v *View[K, V]) Touch(key K, ttl time.Duration) bool {
	ok, _ := v.c.touch(context.Background(), v.b, key, ttl, "")
	return ok
}

// TouchWithToken is Touch for entries stored with SetOptions.Token: it
// re-times an entry guarded by token, or an unguarded one; an entry
// guarded by another token is a miss.
func (v *View[K, V]) TouchWithToken(key K, ttl time.Duration, token string) bool {
	ok, _ := v.c.touch(context.Background(), v.b, key, ttl, token)
	return ok
}

// TouchContext is Touch that returns, in a write-through bucket, the
// backend's error, with ctx bounding the backend call. An invalid ttl
// returns ErrInvalidTTL.
func (v *View[K, V]) TouchContext(ctx context.Context, key K, ttl time.Duration) (bool, error) {
	return v.c.touch(ctx, v.b, key, ttl, "")
}

// GetOrSet returns the live value under key (loaded true), or stores value
// and returns it (loaded false). When key holds an entry guarded by an
// access token it neither returns that value nor replaces it: it fails
// with ErrGuarded, actual the zero V.
func (v *View[K, V]) GetOrSet(key K, value V, ttl time.Duration) (actual V, loaded bool, err error) {
	return v.GetOrSetContext(context.Background(), key, value, ttl)
}

// GetOrSetContext is GetOrSet with a context, as SetContext is Set.
func (v *View[K, V]) GetOrSetContext(ctx context.Context, key K, value V, ttl time.Duration) (actual V, loaded bool, err error) {
	if e := v.c.lookup(v.b, key); e != nil {
		if e.guarded() {
			return actual, false, ErrGuarded
		}
		return v.loaded(e), true, nil
	}
	e, stored, err := v.c.write(ctx, v.b, key, value, ttl, nil, modeIfAbsent, nil)
	if errors.Is(err, ErrGuarded) {
		return actual, false, err
	}
	if err != nil || stored {
		return value, false, err
	}
	return v.loaded(e), true, nil
}

func (v *View[K, V]) loaded(e *entry[K, V]) (val V) {
	v.c.hit(e)
	val, _ = v.c.valueOf(e)
	return val
}

// SetIfAbsent stores value only when key holds no live entry, and reports
// whether it did. An entry guarded by an access token is not replaced:
// SetIfAbsent returns false and ErrGuarded.
func (v *View[K, V]) SetIfAbsent(key K, value V, ttl time.Duration) (bool, error) {
	return v.SetIfAbsentContext(context.Background(), key, value, ttl)
}

// SetIfAbsentContext is SetIfAbsent with a context, as SetContext is Set.
func (v *View[K, V]) SetIfAbsentContext(ctx context.Context, key K, value V, ttl time.Duration) (bool, error) {
	_, stored, err := v.c.write(ctx, v.b, key, value, ttl, nil, modeIfAbsent, nil)
	return stored, err
}

// Update reads key, calls fn with the current value (found false when
// there is none) and, if fn returns true, stores what it returned, with
// ttl (KeepTTL keeps the deadline). fn runs without any lock held, so it
// may call the store; if another write to key lands in between, fn is
// called again with the newer value. Update returns the value stored and
// true, or the current value and false when fn declined. An entry guarded
// by an access token is absent to fn (found false, old the zero V) and is
// never replaced: if fn returns true, Update fails with ErrGuarded and
// stores nothing.
func (v *View[K, V]) Update(key K, ttl time.Duration, fn func(old V, found bool) (V, bool)) (V, bool, error) {
	return v.UpdateContext(context.Background(), key, ttl, fn)
}

// UpdateContext is Update with a context, as SetContext is Set; a ctx
// that ends between two calls of fn ends it with ctx.Err().
func (v *View[K, V]) UpdateContext(ctx context.Context, key K, ttl time.Duration, fn func(old V, found bool) (V, bool)) (V, bool, error) {
	for {
		cur := v.c.lookup(v.b, key)
		if cur != nil && cur.guarded() {
			cur = nil // absent to fn; the write then finds it and refuses
		}
		var old V
		if cur != nil {
			old, _ = v.c.valueOf(cur)
		}
		next, ok := fn(old, cur != nil)
		if !ok {
			return old, false, nil
		}
		_, stored, err := v.c.write(ctx, v.b, key, next, ttl, nil, modeReplace, cur)
		if err != nil {
			return old, false, err
		}
		if stored {
			return next, true, nil
		}
		if err := ctx.Err(); err != nil {
			return old, false, err
		}
	}
}

// CompareAndSwap stores new under key only if key holds old, and reports
// whether it did. The TTL is kept. An entry guarded by an access token
// holds nothing CompareAndSwap can see: it returns false and leaves it.
func CompareAndSwap[K comparable, V comparable](v *View[K, V], key K, old, new V) (bool, error) {
	return CompareAndSwapContext(context.Background(), v, key, old, new)
}

// CompareAndSwapContext is CompareAndSwap with a context, as SetContext
// is Set.
func CompareAndSwapContext[K comparable, V comparable](ctx context.Context, v *View[K, V], key K, old, new V) (bool, error) {
	_, swapped, err := v.UpdateContext(ctx, key, KeepTTL, func(cur V, found bool) (V, bool) {
		return new, found && cur == old
	})
	return swapped, err
}

// All yields the bucket's live, unguarded entries. It takes no lock: the
// iteration is weakly consistent (an entry written or removed meanwhile
// may or may not be seen; none is seen twice unless rewritten) and may run
// the store's methods from its loop body.
func (v *View[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		v.each(func(e *entry[K, V]) bool {
			if e.guarded() {
				return true
			}
			val, ok := v.c.valueOf(e)
			if !ok {
				return true
			}
			return yield(e.key, val)
		})
	}
}

// Keys yields the keys of the bucket's live, unguarded entries: the keys
// All yields, with the same consistency.
func (v *View[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		v.each(func(e *entry[K, V]) bool {
			if e.guarded() {
				return true
			}
			return yield(e.key)
		})
	}
}

func (v *View[K, V]) each(fn func(*entry[K, V]) bool) {
	c := v.c
	if c.closed.Load() {
		return
	}
	for i := range c.shards {
		ok := c.shards[i].table.Load().each(func(e *entry[K, V]) bool {
			if e.bucket() != v.b.id {
				return true
			}
			if d := e.Deadline(); d != 0 && c.expired(d) {
				return true
			}
			return fn(e)
		})
		if !ok {
			return
		}
	}
}

// Len returns the number of entries in the bucket, counting expired ones
// the reaper has not yet removed (at most a millisecond's worth) and
// entries guarded by an access token: it is the count MaxKeys limits, not
// what Keys yields.
func (v *View[K, V]) Len() int {
	if v.b.id != 0 {
		return int(v.b.count.Load())
	}
	n := v.c.len()
	v.c.buckets.each(func(b *bucketState) bool {
		n -= int(b.count.Load()) // the default bucket's count stays 0
		return true
	})
	return max(n, 0)
}

// Clear removes every entry of the bucket, guarded ones too; OnDelete runs
// for each with ReasonCleared, on the caller's goroutine. In a persisted bucket the
// backend's records of the bucket go too, resident in memory or not, so
// that Load does not bring a cleared key back: the removal is queued
// in order with the bucket's writes (a write-behind bucket's is durable
// after Flush). Clear waits for a drain in progress (Persist.Timeout at
// most); a write-through failure goes to OnError (ClearContext returns
// it).
func (v *View[K, V]) Clear() { _ = v.c.clear(context.Background(), v.b) }

// ClearContext is Clear with a context bounding its waits; in a
// write-through bucket it returns the backend's error.
func (v *View[K, V]) ClearContext(ctx context.Context) error { return v.c.clear(ctx, v.b) }
