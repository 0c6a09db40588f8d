package livedict

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// How persistence works
//
// Memory is authoritative. Every write to a persisted bucket appends an op
// (the entry it published, or a tombstone) to its shard's log while it
// holds the shard lock, so a shard's log is in the order its writes took
// effect. Draining takes every shard's log, keeps the last op per key and
// writes the survivors to the pipeline in one batch; drains are serialised
// by p.sem, so the backend sees each key's writes in memory order.
//
// Write-behind writes only append. The flusher goroutine drains FlushInterval
// after the first op, or at once when a log is a quarter full.
// Write-through writes append with a waiter, then drain themselves (or find
// that a concurrent drain already took their op) and return its result:
// concurrent write-through writes share one batch, as in a group commit.
//
// Values are encoded when drained, not when written, so the cost of the
// codec, compression and encryption stays off the Set path.

// pmode is a bucket's resolved persistence, kept in bucketState.pmode.
const (
	pmNone uint32 = iota
	pmBehind
	pmThrough
)

func modeOf(p Persistence) uint32 {
	switch p {
	case WriteBehind:
		return pmBehind
	case WriteThrough:
		return pmThrough
	}
	return pmNone
}

// pendingOp is one write waiting in a shard log: e's value and deadline,
// or, with del, the removal of e's key.
type pendingOp[K comparable, V any] struct {
	e   *entry[K, V]
	del bool
	w   *waiter
}

// waiter is how a write-through write learns the result of the drain that
// wrote its op.
// A writer that stops waiting (its context ended) marks it gone, and its op
// goes on as a write-behind op.
type waiter struct {
	ch   chan error
	gone atomic.Bool
}

func newWaiter() *waiter { return &waiter{ch: make(chan error, 1)} }

// opKey identifies a key across buckets for coalescing.
type opKey[K comparable] struct {
	bucket uint32
	key    K
}

// batchOp is a coalesced op being written, or carried after a failure.
type batchOp[K comparable, V any] struct {
	e        *entry[K, V]
	del      bool
	ws       []*waiter
	attempts int
}

type persister[K comparable, V any] struct {
	c          *core[K, V]
	cfg        Persist[K, V]
	pipe       store.Stage
	enc        *layer.EncryptStage // nil with Plaintext
	shardLimit int

	sem   chan struct{} // held while draining; a channel so waits can honour ctx
	fails int           // consecutive failed drains, for the flusher's backoff

	// carry holds ops taken from the logs but not yet written: those of
	// failed drains and those compacted out of full logs. It has one op per
	// key (carryIdx) and is older than anything still in a log. cmu is
	// taken before any shard lock.
	cmu      sync.Mutex
	carry    []batchOp[K, V]
	carryIdx map[opKey[K]]int
	carryLen atomic.Int64
	// flight is the batch a drain is writing (nil between drains), so that
	// Load sees its ops too.
	flight    []batchOp[K, V]
	flightIdx map[opKey[K]]int

	wake, urgent chan struct{}
	stop, done   chan struct{}
	roomMu       sync.Mutex
	room         chan struct{} // closed and replaced after every drain

	flights singleflight.Group

	persisted, errs, dropped atomic.Int64
}

func newPersister[K comparable, V any](c *core[K, V], cfg Persist[K, V], shards int) (*persister[K, V], error) {
	pipe := layer.Chain(cfg.Backend, cfg.Layers...)
	var enc *layer.EncryptStage
	if !cfg.Plaintext {
		var err error
		enc, err = layer.NewEncryptStage(pipe, layer.EncryptOptions{Keyring: cfg.Keyring, NameKey: cfg.NameKey, Store: cfg.Name})
		if err != nil {
			return nil, &OptionError{Field: "Options.Persist.Keyring", Reason: err.Error(), Err: err}
		}
		pipe = enc
	}
	if cfg.Compress != nil {
		pipe = layer.Chain(pipe, layer.Compress(*cfg.Compress))
	}
	p := &persister[K, V]{
		c:          c,
		cfg:        cfg,
		pipe:       pipe,
		enc:        enc,
		shardLimit: max(cfg.QueueSize/shards, 16),
		sem:        make(chan struct{}, 1),
		wake:       make(chan struct{}, 1),
		urgent:     make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		room:       make(chan struct{}),
	}
	return p, nil
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// appendOp logs an op; the shard lock is held.
func (p *persister[K, V]) appendOp(sh *shard[K, V], e *entry[K, V], del bool, w *waiter) {
	if len(sh.plog) == 0 {
		signal(p.wake)
	}
	if sh.plog == nil {
		sh.plog, sh.pspare = sh.pspare, nil
	}
	sh.plog = append(sh.plog, pendingOp[K, V]{e: e, del: del, w: w})
	sh.plen.Store(int32(len(sh.plog)))
	if len(sh.plog) == p.shardLimit/4 {
		signal(p.urgent)
	}
}

// pendingOps counts the ops logged and not yet taken by a drain.
func (p *persister[K, V]) pendingOps() int {
	n := 0
	for i := range p.c.shards {
		n += int(p.c.shards[i].plen.Load())
	}
	return n + int(p.carryLen.Load())
}

// full reports whether sh's log is at its bound (read without the lock).
func (p *persister[K, V]) full(sh *shard[K, V]) bool {
	return int(sh.plen.Load()) >= p.shardLimit
}

// makeRoom is called by a writer that found sh's log full. It compacts the
// logs into the carry, which makes room unless the carry itself holds
// QueueSize keys; then, under the Block policy, it waits until a drain
// makes room or BlockTimeout passes. It reports whether there is room.
func (p *persister[K, V]) makeRoom(sh *shard[K, V]) bool {
	signal(p.urgent)
	if p.compact() {
		return true
	}
	if p.cfg.WhenFull == Drop {
		return false
	}
	return p.waitRoom(sh)
}

// waitRoom is the Block policy: it waits until a drain makes room, or
// BlockTimeout passes, and reports whether there is room.
func (p *persister[K, V]) waitRoom(sh *shard[K, V]) bool {
	t := time.NewTimer(p.cfg.BlockTimeout)
	defer t.Stop()
	for p.full(sh) || p.carryLen.Load() >= int64(p.cfg.QueueSize) {
		p.roomMu.Lock()
		room := p.room
		p.roomMu.Unlock()
		signal(p.urgent)
		select {
		case <-room:
		case <-t.C:
			return !p.full(sh) && p.carryLen.Load() < int64(p.cfg.QueueSize)
		case <-p.stop:
			return false
		}
	}
	return true
}

func (p *persister[K, V]) acquire(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *persister[K, V]) release() { <-p.sem }

// await is the second half of a write-through write: it returns the result
// of the drain that wrote w's op, running that drain itself when no other
// has taken the op yet.
func (p *persister[K, V]) await(ctx context.Context, w *waiter) error {
	select {
	case err := <-w.ch:
		return err
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	if err := p.acquire(ctx); err != nil {
		select {
		case err := <-w.ch:
			return err
		default:
		}
		w.gone.Store(true)
		return err
	}
	select {
	case err := <-w.ch:
		p.release()
		return err
	default:
	}
	p.drain(ctx, w)
	p.release()
	return <-w.ch
}

// collect takes the carried ops and every shard's log, coalesced: one op
// per key, the last one written.
func (p *persister[K, V]) collect() []batchOp[K, V] {
	p.cmu.Lock()
	ops, idx := p.carry, p.carryIdx
	if idx == nil {
		idx = make(map[opKey[K]]int)
	}
	ops = p.takeLogs(ops, idx, math.MaxInt)
	p.carry, p.carryIdx = nil, nil
	p.carryLen.Store(0)
	p.flight, p.flightIdx = ops, idx
	p.cmu.Unlock()
	p.madeRoom()
	return ops
}

// compact moves the logs into the carry, coalescing them, without writing
// anything: what a writer does when its shard's log is full, so that a
// slow or failing backend costs one queued op per key rather than one per
// write. It reports whether the carry is within QueueSize.
func (p *persister[K, V]) compact() bool {
	p.cmu.Lock()
	if p.carryIdx == nil {
		p.carryIdx = make(map[opKey[K]]int, len(p.carry))
		for i, op := range p.carry {
			p.carryIdx[opKey[K]{op.e.bucket(), op.e.key}] = i
		}
	}
	p.carry = p.takeLogs(p.carry, p.carryIdx, p.cfg.QueueSize)
	n := len(p.carry)
	p.carryLen.Store(int64(n))
	p.cmu.Unlock()
	p.madeRoom()
	return n < p.cfg.QueueSize
}

// requeue puts the ops of a failed drain back in the carry. They are older
// than anything there, so an op already carried for the same key wins and
// inherits the failed op's waiters.
func (p *persister[K, V]) requeue(ops []batchOp[K, V]) {
	if len(ops) == 0 {
		return
	}
	p.cmu.Lock()
	defer p.cmu.Unlock()
	if p.carryIdx == nil {
		p.carryIdx = make(map[opKey[K]]int, len(p.carry)+len(ops))
		for i, op := range p.carry {
			p.carryIdx[opKey[K]{op.e.bucket(), op.e.key}] = i
		}
	}
	for _, op := range ops {
		k := opKey[K]{op.e.bucket(), op.e.key}
		if j, ok := p.carryIdx[k]; ok {
			p.carry[j].ws = append(p.carry[j].ws, op.ws...)
			continue
		}
		p.carryIdx[k] = len(p.carry)
		p.carry = append(p.carry, op)
	}
	p.carryLen.Store(int64(len(p.carry)))
}

// takeLogs empties shards' logs into ops, coalescing by key through idx,
// until ops holds limit ops; p.cmu is held.
func (p *persister[K, V]) takeLogs(ops []batchOp[K, V], idx map[opKey[K]]int, limit int) []batchOp[K, V] {
	c := p.c
	for i := range c.shards {
		sh := &c.shards[i]
		if len(ops) >= limit {
			break
		}
		if sh.plen.Load() == 0 {
			continue
		}
		sh.mu.Lock()
		log := sh.plog
		sh.plog = nil
		sh.plen.Store(0)
		sh.mu.Unlock()
		for _, op := range log {
			k := opKey[K]{op.e.bucket(), op.e.key}
			var ws []*waiter
			if op.w != nil {
				ws = []*waiter{op.w}
			}
			if j, ok := idx[k]; ok {
				prev := &ops[j]
				prev.e, prev.del, prev.attempts = op.e, op.del, 0
				prev.ws = append(prev.ws, ws...)
				continue
			}
			idx[k] = len(ops)
			ops = append(ops, batchOp[K, V]{e: op.e, del: op.del, ws: ws})
		}
		// Hand the buffer back for the shard's next ops, so a busy shard
		// does not grow a new log after every drain.
		clear(log)
		sh.mu.Lock()
		if sh.pspare == nil && cap(log) <= 4*p.shardLimit {
			sh.pspare = log[:0]
		}
		sh.mu.Unlock()
	}
	return ops
}

// pendingOp finds the newest op not yet in the backend for key in bucket
// b: in its shard's log, in the carry or in the batch being written. Load
// uses it so that a write the backend has not seen yet, a delete or a
// value evicted from memory before its flush, wins over the backend's
// older record.
func (p *persister[K, V]) pendingOp(b *bucketState, key K) (e *entry[K, V], del, found bool) {
	c := p.c
	sh := c.shardOf(c.hash(key) ^ b.salt)
	if sh.plen.Load() > 0 {
		sh.mu.Lock()
		for i := len(sh.plog) - 1; i >= 0; i-- {
			if op := sh.plog[i]; op.e.bucket() == b.id && op.e.key == key {
				sh.mu.Unlock()
				return op.e, op.del, true
			}
		}
		sh.mu.Unlock()
	}
	k := opKey[K]{b.id, key}
	p.cmu.Lock()
	defer p.cmu.Unlock()
	for _, set := range []struct {
		ops []batchOp[K, V]
		idx map[opKey[K]]int
	}{{p.carry, p.carryIdx}, {p.flight, p.flightIdx}} {
		if set.idx != nil {
			if j, ok := set.idx[k]; ok {
				return set.ops[j].e, set.ops[j].del, true
			}
			continue
		}
		for i := len(set.ops) - 1; i >= 0; i-- {
			if op := set.ops[i]; op.e.bucket() == b.id && op.e.key == key {
				return op.e, op.del, true
			}
		}
	}
	return nil, false, false
}

// madeRoom wakes the writers waiting for room in a log.
func (p *persister[K, V]) madeRoom() {
	p.roomMu.Lock()
	close(p.room)
	p.room = make(chan struct{})
	p.roomMu.Unlock()
}

// drain writes everything logged so far; p.sem is held. self is the
// waiter of the write-through write running the drain, if any: it is told
// of failures, while other writers' waiters are told only of success (on
// failure they drain again themselves, with their own contexts). It
// returns the first failure.
func (p *persister[K, V]) drain(ctx context.Context, self *waiter) error {
	ops := p.collect()
	if len(ops) == 0 {
		return nil
	}
	recs := make([]store.Record, 0, len(ops))
	putOps := make([]int, 0, len(ops))
	failed := make([]error, len(ops))
	var firstErr error
	fail := func(i int, err error) {
		failed[i] = err
		if firstErr == nil {
			firstErr = err
		}
	}
	for i := range ops {
		op := &ops[i]
		bucket := p.c.bucketName(op.e.bucket())
		kb, err := p.cfg.KeyCodec.EncodeKey(nil, op.e.key)
		if err != nil {
			fail(i, &PersistError{Op: "encode", Bucket: bucket, Err: err})
			op.attempts = p.cfg.Retries // encoding will not get better
			continue
		}
		if op.del {
			if err := p.pipe.Delete(ctx, bucket, kb); err != nil {
				fail(i, &PersistError{Op: "delete", Bucket: bucket, Err: err})
			}
			continue
		}
		val, ok := p.c.valueOf(op.e)
		if !ok {
			fail(i, &PersistError{Op: "open sealed value", Bucket: bucket, Err: errors.New("sealed value does not open")})
			op.attempts = p.cfg.Retries
			continue
		}
		vb, err := p.cfg.Codec.Encode(nil, val)
		if err != nil {
			fail(i, &PersistError{Op: "encode", Bucket: bucket, Err: err})
			op.attempts = p.cfg.Retries
			continue
		}
		r := store.Record{Bucket: bucket, Key: kb, Value: vb}
		if d := op.e.Deadline(); d != 0 {
			r.ExpireAt = p.c.clock.wall(d)
		}
		recs = append(recs, r)
		putOps = append(putOps, i)
	}
	if len(recs) > 0 {
		var err error
		if bp, ok := p.pipe.(store.BatchPutter); ok {
			err = bp.PutBatch(ctx, recs)
		} else {
			for _, r := range recs {
				if err = p.pipe.Put(ctx, r); err != nil {
					break
				}
			}
		}
		if err != nil {
			for k, i := range putOps {
				fail(i, &PersistError{Op: "put", Bucket: recs[k].Bucket, Err: err})
			}
		}
	}
	cancelled := ctx.Err() != nil
	var reports []error
	var again []batchOp[K, V]
	for i := range ops {
		op := &ops[i]
		if failed[i] == nil {
			p.persisted.Add(1)
			for _, w := range op.ws {
				w.ch <- nil
			}
			continue
		}
		p.errs.Add(1)
		if !cancelled {
			op.attempts++
		}
		keep := op.ws[:0]
		for _, w := range op.ws {
			switch {
			case w == self:
				w.ch <- failed[i]
			case !w.gone.Load():
				keep = append(keep, w)
			}
		}
		op.ws = keep
		if len(op.ws) == 0 && op.attempts >= p.cfg.Retries {
			p.dropped.Add(1)
			reports = append(reports, failed[i])
			continue
		}
		again = append(again, *op)
	}
	p.cmu.Lock()
	p.flight, p.flightIdx = nil, nil
	p.cmu.Unlock()
	p.requeue(again)
	if firstErr != nil {
		p.fails++
		if len(reports) == 0 {
			reports = append(reports, firstErr)
		}
		for _, err := range reports {
			p.report(err)
		}
	} else {
		p.fails = 0
	}
	return firstErr
}

// report hands a failure to OnError; no lock of the memory path is held.
func (p *persister[K, V]) report(err error) {
	if p.cfg.OnError == nil {
		slog.Warn("livedict: persistence failed", "err", err)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			p.c.hookPanicked("OnError", r)
		}
	}()
	p.cfg.OnError(err)
}

// run is the flusher goroutine: it drains FlushInterval after the first
// logged op, at once when a log is a quarter full, and after a failure
// again after a backoff.
func (p *persister[K, V]) run() {
	defer close(p.done)
	var timer *time.Timer
	var due <-chan time.Time
	backingOff := false // the last drain failed: drain again only when due
	arm := func(d time.Duration) {
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		due = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-p.stop:
			return
		case <-p.wake:
			if due == nil {
				arm(p.cfg.FlushInterval)
			}
			continue
		case <-p.urgent:
			if backingOff {
				// The backend is failing: keep to the backoff; writers
				// compact full logs by themselves meanwhile.
				continue
			}
		case <-due:
		}
		due = nil
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
		p.sem <- struct{}{}
		err := p.drain(ctx, nil)
		retry := p.carryLen.Load() > 0
		fails := p.fails
		p.release()
		cancel()
		backingOff = err != nil
		switch {
		case err != nil || retry:
			arm(p.cfg.RetryBackoff << min(max(fails-1, 0), 5))
		case p.pendingOps() > 0:
			arm(p.cfg.FlushInterval)
		}
	}
}

// flush drains until nothing acknowledged before the call is left, then
// flushes the pipeline if it has a Flusher.
func (p *persister[K, V]) flush(ctx context.Context) error {
	if err := p.acquire(ctx); err != nil {
		return err
	}
	err := p.drain(ctx, nil)
	if err == nil && p.carryLen.Load() > 0 {
		// Carried ops from earlier failures were retried and failed again.
		err = &PersistError{Op: "flush", Err: errors.New("writes from an earlier failure are still pending")}
	}
	p.release()
	if err != nil {
		return err
	}
	if f, ok := p.pipe.(store.Flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}

// close stops the flusher, flushes what is left and closes the pipeline.
func (p *persister[K, V]) close() error {
	close(p.stop)
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
	defer cancel()
	err := p.flush(ctx)
	if cerr := p.pipe.Close(); err == nil {
		err = cerr
	}
	return err
}
