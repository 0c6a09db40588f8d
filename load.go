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
//
// With RefreshAfter (Options or BucketOptions), a Load that finds an
// entry due for refresh returns it at once and starts one background
// reload of the key; Get never starts one. With NegativeTTL, a key found
// nowhere is remembered as absent and later Loads of it report
// ErrNotFound without asking again, until NegativeTTL passes or the key
// is written. Without a Loader, Options.BulkLoader loads the key alone.
// See docs/loading.md.
func (v *View[K, V]) Load(ctx context.Context, key K) (V, error) {
	var zero V
	c := v.c
	if e := c.lookup(v.b, key); e != nil {
		if val, ok := c.get(v.b, key, ""); ok {
			v.maybeRefresh(ctx, e)
			return val, nil
		}
		return zero, v.notFound()
	}
	if err := v.canLoad(ctx); err != nil {
		return zero, err
	}
	if c.knownAbsent(v.b, key) {
		return zero, v.notFound()
	}
	call := v.startLoad(ctx, key)
	select {
	case <-call.done:
		return call.val, call.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// canLoad says why a key missing from memory cannot be loaded, if it
// cannot.
func (v *View[K, V]) canLoad(ctx context.Context) error {
	c := v.c
	if c.closed.Load() {
		return ErrClosed
	}
	if c.pmodeOf(v.b) == pmNone && !c.hasLoader() {
		return ErrNotPersisted
	}
	return ctx.Err()
}

// startLoad returns the flight loading key, starting one if there is none.
func (v *View[K, V]) startLoad(ctx context.Context, key K) *flightCall[V] {
	c := v.c
	return c.flights.do(writeback.Key[K]{Bucket: v.b.id, Key: key}, func() (V, error) {
		// The shared work outlives any one caller's context.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.loadTimeout())
		defer cancel()
		return v.loadOnce(wctx, key)
	})
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
//
// Every flight runs on a goroutine of its own, counted in wg; once close
// has been called no new flight starts, so Close can wait for the last.
type flightGroup[K comparable, V any] struct {
	mu     sync.Mutex
	m      map[writeback.Key[K]]*flightCall[V]
	closed bool           // mu held; no flight starts after close
	wg     sync.WaitGroup // flights running; Close waits for them
}

type flightCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// closedCall is the answer to a flight asked for after close.
func closedCall[V any]() *flightCall[V] {
	c := &flightCall[V]{done: make(chan struct{}), err: ErrClosed}
	close(c.done)
	return c
}

// do returns the flight of k, starting fn on a new goroutine when there is
// none.
func (g *flightGroup[K, V]) do(k writeback.Key[K], fn func() (V, error)) *flightCall[V] {
	c, owner := g.join(k)
	if !owner {
		return c
	}
	go func() {
		defer g.wg.Done()
		var val V
		var err error
		defer func() {
			if r := recover(); r != nil {
				var zero V
				val, err = zero, panicked(r)
			}
			g.finish(k, c, val, err)
		}()
		val, err = fn()
	}()
	return c
}

// join returns the flight of k and false when there is one (or, after
// close, a finished call failing with ErrClosed), else registers a new
// one and returns it and true: the caller then owns it, holds one count
// of wg, and must finish it.
func (g *flightGroup[K, V]) join(k writeback.Key[K]) (*flightCall[V], bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return closedCall[V](), false
	}
	if c := g.m[k]; c != nil {
		return c, false
	}
	if g.m == nil {
		g.m = map[writeback.Key[K]]*flightCall[V]{}
	}
	c := &flightCall[V]{done: make(chan struct{})}
	g.m[k] = c
	g.wg.Add(1)
	return c, true
}

// finish hands val and err to the waiters of c, the flight of k, and
// forgets it, so that the next caller starts a new flight. It does not
// release the owner's count of wg.
func (g *flightGroup[K, V]) finish(k writeback.Key[K], c *flightCall[V], val V, err error) {
	c.val, c.err = val, err
	g.mu.Lock()
	delete(g.m, k)
	g.mu.Unlock()
	close(c.done)
}

// close stops new flights and waits for the running ones.
func (g *flightGroup[K, V]) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}

// panicked describes a recovered panic by its type only: its value may
// hold key material.
func panicked(r any) error {
	return fmt.Errorf("%w: Load's Loader or backend panicked with a %T", ErrPanicked, r)
}

// loadOnce is the work one flight of Load does.
func (v *View[K, V]) loadOnce(ctx context.Context, key K) (V, error) {
	var zero V
	c := v.c
	gen, remember := c.armAbsent(v.b, key)
	val, found, err := v.fromStore(ctx, key)
	if err != nil || found {
		return val, err
	}
	if !c.hasLoader() {
		if remember {
			c.rememberAbsent(v.b, key, gen)
		}
		return zero, v.notFound()
	}
	val, ttl, err := c.loadKey(ctx, v.b.name, key, false)
	if err != nil {
		if remember && errors.Is(err, ErrNotFound) {
			c.rememberAbsent(v.b, key, gen)
		}
		return zero, err
	}
	return v.storeLoaded(ctx, key, val, ttl)
}

// fromStore looks for key in memory and then in the backend of a
// persisted bucket (its write-behind queue first). It returns the value
// and true when one stage has it, an error when one stage settles that
// Load must fail (ErrNotFound for a guarded entry or a queued delete),
// and false, nil when the key is nowhere: the loader's turn.
func (v *View[K, V]) fromStore(ctx context.Context, key K) (V, bool, error) {
	var zero V
	c, p := v.c, v.c.pst
	if e := c.lookup(v.b, key); e != nil {
		if e.guarded() {
			return zero, false, v.notFound()
		}
		val, _ := c.valueOf(e)
		return val, true, nil
	}
	if c.pmodeOf(v.b) == pmNone {
		return zero, false, nil
	}
	// A write the backend has not seen yet is newer than its record.
	idx := int((c.hash(key) ^ v.b.salt) >> c.shift)
	op, found, cleared := p.eng.Pending(idx, writeback.Key[K]{Bucket: v.b.id, Key: key})
	switch {
	case found && op.Del, cleared:
		return zero, false, v.notFound()
	case found:
		val, present, err := v.restore(op.Val)
		if err != nil || present {
			return val, present, err
		}
		return zero, false, nil
	}
	kb, err := p.cfg.KeyCodec.EncodeKey(nil, key)
	if err != nil {
		return zero, false, &PersistError{Op: "encode", Bucket: v.b.name, Err: err}
	}
	r, err := p.pipe.Get(ctx, v.b.name, kb)
	switch {
	case err == nil:
		val, present, _, err := v.rehydrate(r, false)
		if err != nil {
			p.report(err)
			return zero, false, err
		}
		if present {
			return val, true, nil
		}
		// Expired between the backend's check and ours: a miss.
	case !errors.Is(err, store.ErrNotFound):
		return zero, false, &PersistError{Op: "get", Bucket: v.b.name, Err: err}
	}
	return zero, false, nil
}

// storeLoaded stores a value a loader returned, as Set does, unless a
// write has meanwhile stored the key: that value is newer and is returned.
func (v *View[K, V]) storeLoaded(ctx context.Context, key K, val V, ttl time.Duration) (V, error) {
	var zero V
	old, stored, err := v.c.write(ctx, v.b, key, val, ttl, nil, modeIfAbsent, nil)
	if err != nil && !stored {
		return zero, err
	}
	if !stored && old != nil && !old.guarded() {
		val, _ := v.c.valueOf(old) // a Set won the race; it is the newer value
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
	// The record's deadline is restored exactly, in store time (deadline.go).
	at, live := v.c.restoredDeadline(r.ExpireAt)
	if !live {
		return val, false, false, nil
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
	old, stored, err := v.c.writeAt(context.Background(), v.b, key, val, NoExpiry, at, nil, modeLoad, nil)
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
	d := e.Deadline() // kept exactly: it is already in store time
	if d != 0 && d <= v.c.clock.now() {
		return zero, false, nil
	}
	old, stored, err := v.c.writeAt(context.Background(), v.b, e.key, val, NoExpiry, d, nil, modeLoad, nil)
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
