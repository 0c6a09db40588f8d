package writeback

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// A drain takes everything queued (collect), writes the bucket clears,
// then the ops, and settles each op: stored, requeued for another attempt,
// or given up. Drains are serialised by e.sem, so the backend sees each
// key's writes in memory order. Write-through writers run drains
// themselves when no drain has taken their op yet (Await): concurrent
// writers share one batch, as in a group commit.

// Waiter is how a write-through write learns the outcome of its op. A
// drain tells it exactly once (then lets go of it), so a Waiter whose
// outcome Await took is referenced by nothing else and goes back to a
// pool. It holds no channel: a channel made in one testing/synctest
// bubble must not be used from another, and pooled Waiters cross them.
type Waiter struct {
	mu   sync.Mutex
	cond sync.Cond // L is &mu
	done bool
	err  error
	gone atomic.Bool // the writer stopped waiting; its op goes on as write-behind
	// one backs the waiter list of its op (Append), so that a write's
	// op costs no allocation for it. A list of it has capacity 1: any
	// append copies it elsewhere, and a filter that empties it leaves nil
	// (drain), so that nothing writes to one once the Waiter is pooled.
	one [1]*Waiter
}

var waiters = sync.Pool{New: func() any {
	w := new(Waiter)
	w.cond.L = &w.mu
	return w
}}

// NewWaiter returns a Waiter for one write. Await takes it back once it
// has the outcome: do not use w after Await.
func NewWaiter() *Waiter { return waiters.Get().(*Waiter) }

// tell gives w its op's outcome.
func (w *Waiter) tell(err error) {
	w.mu.Lock()
	w.done, w.err = true, err
	w.cond.Signal() // under mu: once it is released, w may be pooled
	w.mu.Unlock()
}

// told returns the outcome if w has it.
func (w *Waiter) told() (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done, w.err
}

// wait waits for the outcome.
func (w *Waiter) wait() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.done {
		w.cond.Wait()
	}
	return w.err
}

// received returns w, whose outcome was taken, to the pool, and err.
func (w *Waiter) received(err error) error {
	w.done, w.err = false, nil
	waiters.Put(w)
	return err
}

func (e *Engine[K, P]) acquire(ctx context.Context) error {
	// Without waiting first: a context's Done channel is made on first
	// use, an allocation a free semaphore does not need.
	if ctx.Err() == nil {
		select {
		case e.sem <- struct{}{}:
			return nil
		default:
		}
	}
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine[K, P]) release() { <-e.sem }

// Await returns the outcome of w's op, running a drain itself when no
// other has stored it yet; ctx (and Config.Timeout) bound the wait. A
// write whose caller stops waiting stays queued, as a write-behind write.
func (e *Engine[K, P]) Await(ctx context.Context, w *Waiter) error {
	if ok, err := w.told(); ok {
		return w.received(err)
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	if err := e.acquire(ctx); err != nil {
		// A drain may have answered meanwhile.
		if ok, err := w.told(); ok {
			return w.received(err)
		}
		w.gone.Store(true) // the engine still holds it: not pooled
		return err
	}
	if ok, err := w.told(); ok {
		e.release()
		return w.received(err)
	}
	e.drain(ctx, w)
	e.release()
	return w.received(w.wait())
}

// Flush drains until every op queued before the call is stored or given
// up. It returns nil only when every one was stored and nothing given up
// earlier is outstanding; else the drain's error joined with a
// *store.WritesLostError for what was given up.
func (e *Engine[K, P]) Flush(ctx context.Context) error {
	if err := e.acquire(ctx); err != nil {
		return err
	}
	err := e.drain(ctx, nil)
	e.release()
	// Everything queued before the call was in the logs, the carry or the
	// flight of a drain that has settled since: a nil drain stored all of
	// it, or gave some up, which lostErr tells.
	return errors.Join(e.LostErr(), err)
}

// drain writes everything queued; e.sem is held. self is the waiter of
// the write-through writer running it, if any: it is told of failures,
// while other waiters hear only of success (on failure they run drains
// themselves, with their own contexts). It returns the first failure.
func (e *Engine[K, P]) drain(parent context.Context, self *Waiter) error {
	clears, ops := e.collect()
	if len(clears) == 0 && len(ops) == 0 {
		e.requeue(nil, nil) // ends the flight
		e.spare(ops)
		return nil
	}
	ctx := parent
	if d, ok := parent.Deadline(); !ok || time.Until(d) > e.cfg.Timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(parent, e.cfg.Timeout)
		defer cancel()
	}

	var first error
	failed := 0
	note := func(err error) {
		failed++
		if first == nil {
			first = err
		}
	}
	// Clears first: the ops of a cleared bucket were all queued after it.
	var clearErr map[uint32]error
	for b := range clears {
		if err := e.sink.Clear(ctx, b); err != nil {
			if clearErr == nil {
				clearErr = map[uint32]error{}
			}
			clearErr[b] = err
			note(err)
		}
	}
	if cap(e.errBuf) < len(ops) {
		e.errBuf = make([]error, len(ops))
	}
	errs := e.errBuf[:len(ops)]
	defer clear(errs)
	write := ops
	if len(clearErr) > 0 {
		// Hold back the ops of a bucket whose clear failed: written now,
		// the clear's retry would remove them.
		write = make([]*Op[K, P], 0, len(ops))
		for i, op := range ops {
			if err, ok := clearErr[op.Key.Bucket]; ok {
				errs[i] = err
				continue
			}
			write = append(write, op)
		}
	}
	werrs := errs
	if len(write) != len(ops) {
		werrs = make([]error, len(write))
	}
	if len(write) > 0 {
		e.sink.Write(ctx, write, werrs)
	}
	if len(write) != len(ops) {
		j := 0
		for i, op := range ops {
			if j < len(write) && write[j] == op {
				errs[i] = werrs[j]
				j++
			}
		}
	}

	// A failure counts as an attempt unless the caller's context ended
	// (a Flush given up is not the backend's fault); a drain that ran
	// out of Config.Timeout does count.
	counts := parent.Err() == nil
	var again []*Op[K, P]
	var lostCause error
	// The counters shared with writers are updated once per drain, not
	// per op: a writer's Reserve reads e.held on every write, and its
	// cache line should not move to the flusher's core per op stored.
	// Their waiters hear of success after, so that a write-through
	// writer returns with its op no longer counted.
	var storedN, droppedN int64
	for i, op := range ops {
		err := errs[i]
		if err == nil {
			storedN++
			e.lost.stored(op.stripe, op.Key, op.seq)
			continue
		}
		if _, held := clearErr[op.Key.Bucket]; !held {
			note(err)
			e.errs.Add(1)
			if counts {
				op.attempts++
			}
		}
		keep := op.ws[:0]
		for _, w := range op.ws {
			switch {
			case w == self:
				w.tell(err)
			case !w.gone.Load():
				keep = append(keep, w)
			}
		}
		if len(keep) == 0 {
			keep = nil // it may be a pooled Waiter's one
		}
		op.ws = keep
		if len(op.ws) == 0 && (isPermanent(err) || op.attempts > e.cfg.Retries) {
			droppedN++
			if lostCause == nil {
				lostCause = err
			}
			e.lost.add(op.stripe, op.Key, op.seq, err, len(e.stripes))
			*op = Op[K, P]{} // see below
			continue
		}
		again = append(again, op)
	}
	e.stored.Add(storedN)
	e.dropped.Add(droppedN)
	e.held.Add(-(storedN + droppedN))
	for i, op := range ops {
		if errs[i] == nil {
			for _, w := range op.ws {
				w.tell(nil)
			}
			if len(again) > 0 {
				// The requeued ops keep the slabs from being emptied
				// (settleSlabsLocked): let go of the payloads of the ops
				// stored, as of those given up, now.
				*op = Op[K, P]{}
			}
		}
	}
	var retryClears map[uint32]*clearOp
	for b, c := range clears {
		err, bad := clearErr[b]
		if !bad {
			for _, w := range c.ws {
				w.tell(nil)
			}
			continue
		}
		keep := c.ws[:0]
		for _, w := range c.ws {
			switch {
			case w == self:
				w.tell(err)
			case !w.gone.Load():
				keep = append(keep, w)
			}
		}
		if len(keep) == 0 {
			keep = nil
		}
		c.ws = keep
		if retryClears == nil {
			retryClears = map[uint32]*clearOp{}
		}
		// A clear is never given up: it is one op per bucket, and giving
		// it up would bring back every record it was to remove.
		retryClears[b] = c
	}
	e.requeue(again, retryClears)
	e.spare(ops)
	e.madeRoom()
	if first != nil {
		e.fails++
		e.report(failed, first)
	} else {
		e.fails = 0
	}
	return first
}

// spare keeps ops, the slice of a drain that has ended (requeue has
// emptied the flight), for the next carry or flight, unless one is kept
// already or it is far larger than the bound makes useful.
func (e *Engine[K, P]) spare(ops []*Op[K, P]) {
	clear(ops)
	if cap(ops) > 4*e.cfg.Limit {
		return
	}
	e.cmu.Lock()
	if e.spareOps == nil {
		e.spareOps = ops[:0]
	}
	e.cmu.Unlock()
}
