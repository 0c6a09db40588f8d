package fleet

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict"
)

// casScript writes ARGV[2] only if the key's header is ARGV[1] (ARGV[1]
// empty: only if the key holds nothing), with expiry mode ARGV[3] and
// PXAT ARGV[4]. It returns 1 when it wrote, 0 on a conflict.
var casScript = newScript(`
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if cur then return 0 end
elseif (not cur) or string.sub(cur, 1, 9) ~= ARGV[1] then
  return 0
end
if ARGV[3] == 'px' then redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[4])
elseif ARGV[3] == 'keep' then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`)

// getOrSetScript returns the key's value, or stores ARGV[1] (expiry mode
// ARGV[2], PXAT ARGV[3]) and returns nil.
var getOrSetScript = newScript(`
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
if ARGV[2] == 'px' then redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
else redis.call('SET', KEYS[1], ARGV[1]) end
return false
`)

// Update reads key from Redis, calls fn with its value (found false when
// there is none) and, if fn returns true, stores what fn returned, with
// ttl as SetWithTTL takes it (livedict.KeepTTL keeps the deadline of the
// value fn saw). The store happens only if key still holds the version fn
// saw, checked in Redis; otherwise fn runs again with the newer value,
// after a jittered backoff, until ctx ends. So fn may run more than once
// and must not have effects of its own. Update returns the value stored
// and true, or the current value and false when fn declined. Either way,
// later Gets on this instance return that value or a newer one.
func (m *Map[K, V]) Update(ctx context.Context, key K, ttl time.Duration,
	fn func(old V, found bool) (V, bool)) (V, bool, error) {
	var zero V
	if err := m.check(ctx); err != nil {
		return zero, false, err
	}
	if _, err := m.resolveTTL(ttl); err != nil {
		return zero, false, err
	}
	sname, err := m.storageName(key)
	if err != nil {
		return zero, false, err
	}
	rkey := []string{m.prefix + sname}
	backoff := time.Millisecond
	for {
		cur, header, _, err := m.readVersion(ctx, sname, m.now())
		if err != nil {
			return zero, false, err
		}
		next, ok := fn(cur.v, cur.found)
		if !ok {
			// The near cache may hold an older value than the one fn
			// saw: drop it, so this instance's later Gets are at least
			// as new as what Update returns (as after a write).
			m.near.invalidate(sname)
			return cur.v, false, nil
		}
		t := ttl
		if t == livedict.KeepTTL && !cur.found {
			t = livedict.DefaultTTL
		}
		x, err := m.resolveTTL(t)
		if err != nil {
			return zero, false, err
		}
		stored, err := m.encode(sname, next)
		if err != nil {
			return zero, false, err
		}
		mode, at := x.scriptArgs()
		var n int64
		err = m.writeCall(ctx, "update", func(ctx context.Context) error {
			var err error
			n, err = m.evalOnce(ctx, casScript, rkey, header, stored, mode, at).Int64()
			return err
		})
		m.near.invalidate(sname)
		if err != nil {
			return zero, false, err
		}
		if n == 1 {
			return next, true, m.runOnSet(key, next)
		}
		m.stats.conflicts.Add(1)
		timer := time.NewTimer(jitter(backoff))
		select {
		case <-ctx.Done():
			timer.Stop()
			return zero, false, ctx.Err()
		case <-timer.C:
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// GetOrSet returns the value under key (loaded true), or stores value
// with ttl and returns it (loaded false), in one atomic step in Redis.
func (m *Map[K, V]) GetOrSet(ctx context.Context, key K, value V, ttl time.Duration) (actual V, loaded bool, err error) {
	if err := m.check(ctx); err != nil {
		return actual, false, err
	}
	x, err := m.resolveTTL(ttl)
	if err != nil {
		return actual, false, err
	}
	if x.mode == "keep" { // nothing to keep: the key is absent when it stores
		if x, err = m.resolveTTL(livedict.DefaultTTL); err != nil {
			return actual, false, err
		}
	}
	sname, err := m.storageName(key)
	if err != nil {
		return actual, false, err
	}
	stored, err := m.encode(sname, value)
	if err != nil {
		return actual, false, err
	}
	mode, at := x.scriptArgs()
	var cur string
	err = m.writeCall(ctx, "getorset", func(ctx context.Context) error {
		var err error
		cur, err = m.evalOnce(ctx, getOrSetScript, []string{m.prefix + sname}, stored, mode, at).Text()
		return err
	})
	switch {
	case errors.Is(err, goredis.Nil):
		m.near.invalidate(sname)
		return value, false, m.runOnSet(key, value)
	case err != nil:
		m.near.invalidate(sname)
		return actual, false, err
	}
	m.near.invalidate(sname) // later Gets here are at least as new as cur
	v, _, err := m.decode(sname, []byte(cur))
	if err != nil {
		return actual, false, err
	}
	return v, true, nil
}

// SetIfAbsent stores value with ttl only when key holds nothing, and
// reports whether it did.
func (m *Map[K, V]) SetIfAbsent(ctx context.Context, key K, value V, ttl time.Duration) (bool, error) {
	_, loaded, err := m.GetOrSet(ctx, key, value, ttl)
	return err == nil && !loaded, err
}

// CompareAndSwap stores new under key only if key holds old (compared
// with ==, after decoding), keeping the TTL, and reports whether it did.
// The comparison and the store are atomic fleet-wide, as for Update.
func CompareAndSwap[K comparable, V comparable](ctx context.Context, m *Map[K, V], key K, old, new V) (bool, error) {
	_, swapped, err := m.Update(ctx, key, livedict.KeepTTL, func(cur V, found bool) (V, bool) {
		return new, found && cur == old
	})
	return swapped, err
}

// Add adds delta to the counter under key (a missing key counts as 0) and
// returns the new count, atomically fleet-wide: N increments from any
// number of instances raise the count by exactly N. ttl applies as for
// Update; livedict.KeepTTL keeps a rate-limit window's deadline.
// Overflow wraps, as Go's integers do.
func Add[K comparable, N int | int32 | int64 | uint32 | uint64](ctx context.Context, m *Map[K, N], key K, delta N, ttl time.Duration) (N, error) {
	n, _, err := m.Update(ctx, key, ttl, func(old N, _ bool) (N, bool) {
		return old + delta, true
	})
	return n, err
}
