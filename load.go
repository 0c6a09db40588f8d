package livedict

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/livedict/livedict/internal/writeback"
	"github.com/livedict/livedict/store"
)

// ErrNotPersisted is returned by Load on a bucket that is neither
// persisted nor given a Loader, by Warm on a bucket that is not persisted,
// and by Flush on a store without Options.Persist.
var ErrNotPersisted = errors.New("livedict: bucket is not persisted")

// Load returns the value of key: from memory when it is there, else from
// the backend of a persisted bucket (storing it in memory with the expiry
// it was persisted with), else from Options.Loader (storing and, in a
// persisted bucket, persisting it as Set does). Load works on a store
// without Options.Persist when there is a Loader.
//
// Concurrent Loads of one key share one backend read and one Loader call;
// each caller's ctx bounds only its own wait, while the shared work runs
// until it ends or Persist.Timeout (5s without Persist) passes. Load
// returns an error matching ErrNotFound when no stage has the key (the
// message names the bucket, never the key), ErrNotPersisted when the
// bucket is not persisted and there is no Loader, ErrPanicked when the
// Loader or the backend panicked (every waiting caller gets it; the
// process goes on), and ctx.Err() when ctx ends first. A guarded entry
// (SetOptions.Token) is not returned: Load reports ErrNotFound for it
// without reading the backend.
func (v *View[K, V]) Load(ctx context.Context, key K) (V, error) {
	var zero V
	c := v.c
	if e := c.lookup(v.b, key); e != nil {
		if val, ok := c.get(v.b, key, ""); ok {
			return val, nil
		}
		return zero, v.notFound()
	}
	if c.closed.Load() {
		return zero, ErrClosed
	}
	if c.pmodeOf(v.b) == pmNone && c.loader == nil {
		return zero, ErrNotPersisted
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	call := c.flights.do(writeback.Key[K]{Bucket: v.b.id, Key: key}, func() (V, error) {
		// The shared work outlives any one caller's context.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.loadTimeout())
		defer cancel()
		return v.loadOnce(wctx, key)
	})
	select {
	case <-call.done:
		return call.val, call.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (v *View[K, V]) notFound() error {
	return fmt.Errorf("%w (bucket %q)", ErrNotFound, v.b.name)
}

func (c *core[K, V]) loadTimeout() time.Duration {
	if c.pst != nil {
		return c.pst.cfg.Timeout
	}
	return defaultPersistTO
}

// flightGroup runs one load per key at a time and hands its result to
// every caller waiting for it. It is x/sync's singleflight made generic
// over the key: a store without Persist has no KeyCodec to turn K into
// the string singleflight wants. A panic in the work is recovered into
// an error matching ErrPanicked for every waiter (singleflight's DoChan
// re-panics on a goroutine of its own, which no caller can recover).
type flightGroup[K comparable, V any] struct {
	mu sync.Mutex
	m  map[writeback.Key[K]]*flightCall[V]
	wg sync.WaitGroup // flights running; Close waits for them
}

type flightCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

func (g *flightGroup[K, V]) do(k writeback.Key[K], fn func() (V, error)) *flightCall[V] {
	g.mu.Lock()
	if c := g.m[k]; c != nil {
		g.mu.Unlock()
		return c
	}
	if g.m == nil {
		g.m = map[writeback.Key[K]]*flightCall[V]{}
	}
	c := &flightCall[V]{done: make(chan struct{})}
	g.m[k] = c
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				var zero V
				c.val, c.err = zero, panicked(r)
			}
			g.mu.Lock()
			delete(g.m, k)
			g.mu.Unlock()
			close(c.done)
		}()
		c.val, c.err = fn()
	}()
	return c
}

// panicked describes a recovered panic by its type only: its value may
// hold key material.
func panicked(r any) error {
	return fmt.Errorf("%w: Load's Loader or backend panicked with a %T", ErrPanicked, r)
}

// loadOnce is the work one flight of Load does.
func (v *View[K, V]) loadOnce(ctx context.Context, key K) (V, error) {
	var zero V
	c, p := v.c, v.c.pst
	if e := c.lookup(v.b, key); e != nil {
		if e.guarded() {
			return zero, v.notFound()
		}
		val, _ := c.valueOf(e)
		return val, nil
	}
	if c.pmodeOf(v.b) != pmNone {
		// A write the backend has not seen yet is newer than its record.
		idx := int((c.hash(key) ^ v.b.salt) >> c.shift)
		op, found, cleared := p.eng.Pending(idx, writeback.Key[K]{Bucket: v.b.id, Key: key})
		switch {
		case found && op.Del, cleared:
			return zero, v.notFound()
		case found:
			val, present, err := v.restore(op.Val)
			if err != nil {
				return zero, err
			}
			if present {
				return val, nil
			}
		default:
			kb, err := p.cfg.KeyCodec.EncodeKey(nil, key)
			if err != nil {
				return zero, &PersistError{Op: "encode", Bucket: v.b.name, Err: err}
			}
			r, err := p.pipe.Get(ctx, v.b.name, kb)
			switch {
			case err == nil:
				val, present, _, err := v.rehydrate(r, false)
				if err != nil {
					p.report(err)
					return zero, err
				}
				if present {
					return val, nil
				}
				// Expired between the backend's check and ours: a miss.
			case !errors.Is(err, store.ErrNotFound):
				return zero, &PersistError{Op: "get", Bucket: v.b.name, Err: err}
			}
		}
	}
	if c.loader == nil {
		return zero, v.notFound()
	}
	val, ttl, err := c.callLoader(ctx, v.b.name, key, c.loader)
	if err != nil {
		return zero, err
	}
	old, stored, err := c.write(ctx, v.b, key, val, ttl, nil, modeIfAbsent, nil)
	if err != nil && !stored {
		return zero, err
	}
	if !stored && old != nil && !old.guarded() {
		val, _ := c.valueOf(old) // a Set won the race; it is the newer value
		return val, nil
	}
	return val, err
}

// rehydrate decodes r and stores it in memory with its persisted expiry,
// unless the key has meanwhile been written. It reports the value now in
// memory, whether there is one, and whether it was r that stored it.
//
// With skipQueued (Warm), a record whose key has a write or delete still
// queued, or whose bucket has a clear queued, is skipped: the queue is
// newer than the backend. (Load makes that check before reading.)
func (v *View[K, V]) rehydrate(r store.Record, skipQueued bool) (val V, present, stored bool, err error) {
	p := v.c.pst
	val, err = p.cfg.Codec.Decode(r.Value)
	if err != nil {
		return val, false, false, &PersistError{Op: "decode", Bucket: v.b.name, Err: err}
	}
	ttl := NoExpiry
	if !r.ExpireAt.IsZero() {
		if ttl = time.Until(r.ExpireAt); ttl <= 0 {
			return val, false, false, nil
		}
		ttl = min(ttl, MaxTTL) // another writer may have stored a later expiry
	}
	key, err := p.cfg.KeyCodec.DecodeKey(r.Key)
	if err != nil {
		return val, false, false, &PersistError{Op: "decode", Bucket: v.b.name, Err: err}
	}
	if skipQueued {
		idx := int((v.c.hash(key) ^ v.b.salt) >> v.c.shift)
		if _, found, cleared := p.eng.Pending(idx, writeback.Key[K]{Bucket: v.b.id, Key: key}); found || cleared {
			return val, false, false, nil
		}
	}
	old, stored, err := v.c.write(context.Background(), v.b, key, val, ttl, nil, modeLoad, nil)
	switch {
	case err != nil:
		return val, false, false, err
	case stored:
		return val, true, true, nil
	case old.guarded():
		return val, false, false, nil
	}
	val, _ = v.c.valueOf(old)
	return val, true, false, nil
}

// restore puts back in memory the value of e, an entry that left memory
// (evicted) while its write was still queued, unless it has expired or
// the key has been written since.
func (v *View[K, V]) restore(e *entry[K, V]) (V, bool, error) {
	var zero V
	val, ok := v.c.valueOf(e)
	if !ok {
		return zero, false, nil
	}
	ttl := NoExpiry
	if d := e.Deadline(); d != 0 {
		if ttl = time.Duration(d - v.c.clock.now()); ttl <= 0 {
			return zero, false, nil
		}
	}
	old, stored, err := v.c.write(context.Background(), v.b, e.key, val, ttl, nil, modeLoad, nil)
	switch {
	case err != nil:
		return zero, false, err
	case stored:
		return val, true, nil
	case old.guarded():
		return zero, false, nil
	}
	val, _ = v.c.valueOf(old)
	return val, true, nil
}

// Flush writes every write made before the call to the backend and
// returns nil only when the backend has stored every one of them (and
// flushed, if it buffers writes itself): Flush is the durability point of
// write-behind buckets. While a write given up earlier (Persist.WhenFull,
// Persist.Retries, a value that does not encode) has not been written
// again and stored, Flush fails with an error matching ErrWritesLost
// whose *WritesLostError counts the keys per bucket. A write that failed
// and is still being retried makes Flush return that failure (a
// *PersistError). It returns ctx.Err() when ctx ends first, ErrClosed
// after Close and ErrNotPersisted without Options.Persist.
func (s *Store[K, V]) Flush(ctx context.Context) error {
	if s.c.pst == nil {
		return ErrNotPersisted
	}
	if s.c.closed.Load() {
		return ErrClosed
	}
	return s.c.pst.flush(ctx)
}

// Backend returns the pipeline the store persists through: the backend
// wrapped in the layers Options.Persist configured (compression,
// encryption, Persist.Layers), or nil without Options.Persist. Use it for
// what the Store does not wrap, such as pinging the backend. Writing to it
// directly bypasses memory.
func (s *Store[K, V]) Backend() store.Stage {
	if s.c.pst == nil {
		return nil
	}
	return s.c.pst.pipe
}
