package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Get returns the value under key and whether there is one.
//
// A near-cache hit (an entry filled from Redis, within its MaxStaleness
// and Redis TTL, while the lease holds) costs a memory lookup: no
// allocation, no I/O, and ctx is not looked at. Otherwise Get reads Redis,
// in one flight per key per Map, and caches what it read (the absence of
// a value too) unless an invalidation came meanwhile or the lease lapsed.
// A closed Map gives an error matching [ErrClosed].
func (m *Map[K, V]) Get(ctx context.Context, key K) (V, bool, error) {
	if m.closed.Load() {
		var zero V
		return zero, false, ErrClosed
	}
	now := m.now()
	if now < m.lease.Load() {
		if e, ok := m.near.view.Get(key); ok {
			if now < e.deadline {
				return e.v, e.found, nil
			}
			m.stats.staleRejects.Add(1)
		}
		return m.miss(ctx, key, now, true)
	}
	m.stats.leaseBypasses.Add(1)
	return m.miss(ctx, key, now, false)
}

// flight is one Redis read of a key, shared by the Gets of that key that
// start while it is in progress and no more than a Lease after it began:
// its read then began after each joiner's start less Lease, so what it
// returns meets the joiner's guarantee. A Get joins only while the key's
// stripe generation and the epoch are still those of the flight's ticket:
// a write of this instance that completed after the flight began moves
// the generation (near.invalidate), so the Get reads for itself and sees
// that write (read-your-writes). A flight started while the lease had
// lapsed does not fill.
type flight[V any] struct {
	start int64
	t     ticket // taken before the flight's Redis read
	done  chan struct{}
	e     nearEntry[V]
	err   error
}

// flights are the reads in progress, by storage name.
type flights[V any] struct {
	mu sync.Mutex
	m  map[string]*flight[V]
}

func (m *Map[K, V]) miss(ctx context.Context, key K, now int64, fill bool) (V, bool, error) {
	var zero V
	if err := ctx.Err(); err != nil {
		return zero, false, err
	}
	sname, err := m.storageName(key)
	if err != nil {
		return zero, false, err
	}
	st := m.near.stripe(sname)
	fl := &m.flights
	fl.mu.Lock()
	if f := fl.m[sname]; f != nil && f.start >= now-int64(m.opts.Lease) && f.t == m.near.ticket(st) {
		fl.mu.Unlock()
		if h := m.opts.joinHook; h != nil {
			h()
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return zero, false, ctx.Err()
		}
		if f.err == nil || !isCtxErr(f.err) {
			return f.e.v, f.e.found, f.err
		}
		// The flight's caller gave up; read for ourselves.
		e, _, err := m.read(ctx, sname, m.now())
		return e.v, e.found, err
	}
	if fill {
		// A flight that ended between our near-cache miss and taking mu
		// inserted before it left the map: look again rather than read
		// Redis a second time.
		if e, ok := m.near.view.Get(key); ok && now < e.deadline && m.leaseOK() {
			fl.mu.Unlock()
			return e.v, e.found, nil
		}
	}
	t := m.near.ticket(st)
	f := &flight[V]{start: now, t: t, done: make(chan struct{})}
	if fl.m == nil {
		fl.m = make(map[string]*flight[V])
	}
	fl.m[sname] = f
	fl.mu.Unlock()

	e, ttl, err := m.read(ctx, sname, now)
	if err == nil && fill {
		if h := m.opts.fillHook; h != nil {
			h()
		}
		if m.near.insert(st, t, sname, key, e, ttl, m.leaseOK) {
			m.stats.fills.Add(1)
		} else {
			m.stats.fillsDiscarded.Add(1)
		}
	}
	f.e, f.err = e, err
	fl.mu.Lock()
	if fl.m[sname] == f {
		delete(fl.m, sname)
	}
	fl.mu.Unlock()
	close(f.done)
	return e.v, e.found, err
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// readScript returns the value and its PTTL in one round trip, or nil.
var readScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
`)

// read reads sname from Redis. start is the clock time before the read:
// the entry's deadline counts from it, so an entry never outlives Redis's
// own expiry or MaxStaleness. ttl is the near cache's TTL for it.
func (m *Map[K, V]) read(ctx context.Context, sname string, start int64) (nearEntry[V], time.Duration, error) {
	e, _, ttl, err := m.readVersion(ctx, sname, start)
	return e, ttl, err
}

// readVersion is read that also returns the stored header ("" when the
// key holds nothing), for read-modify-writes.
func (m *Map[K, V]) readVersion(ctx context.Context, sname string, start int64) (nearEntry[V], string, time.Duration, error) {
	var res any
	err := m.call(ctx, "get", func(ctx context.Context) error {
		var err error
		res, err = readScript.Run(ctx, m.client, []string{m.prefix + sname}).Result()
		return err
	})
	ttl := m.opts.MaxStaleness
	e := nearEntry[V]{deadline: start + int64(ttl)}
	if errors.Is(err, goredis.Nil) {
		return e, "", ttl, nil
	}
	if err != nil {
		return e, "", 0, err
	}
	pair, ok := res.([]any)
	if !ok || len(pair) != 2 {
		return e, "", 0, fmt.Errorf("fleet: get: %w: reply of type %T", ErrCorrupt, res)
	}
	raw, ok1 := pair[0].(string)
	pttl, ok2 := pair[1].(int64)
	if !ok1 || !ok2 {
		return e, "", 0, fmt.Errorf("fleet: get: %w: unexpected reply", ErrCorrupt)
	}
	v, header, err := m.decode(sname, []byte(raw))
	if err != nil {
		return e, "", 0, fmt.Errorf("fleet: get: %w", err)
	}
	if pttl >= 0 {
		ttl = min(ttl, time.Duration(pttl)*time.Millisecond)
	}
	e = nearEntry[V]{v: v, found: true, deadline: start + int64(ttl)}
	return e, header, ttl, nil
}
