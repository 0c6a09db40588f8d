// Package faulty wraps a [store.Stage] to make it fail on purpose, for tests
// of the layers and stores built on top of a backend.
//
// A [Faulty] with no fault set passes every call through unchanged and keeps
// the store contract. Faults are set and cleared at any time, from any
// goroutine:
//
//	f := faulty.Wrap(store.NewMemory())
//	f.FailNth(2, errBoom) // the second call from now returns errBoom
//	f.DropWrites(true)    // writes are acknowledged and lost
//	f.FailAll(errDown)    // every call but Close fails, until FailAll(nil)
package faulty

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/livedict/livedict/store"
)

// Faulty is a [store.Stage] that forwards calls to another Stage, injecting
// the faults set on it. It also implements [store.BatchPutter]. It is safe
// for concurrent use. Create one with [Wrap].
//
// Every method counts as one call, Close included, and a Scan counts when
// Scan is called, not when its sequence is ranged over. Close takes no
// context, so Latency and Hang do not delay it; FailNth does apply to it.
type Faulty struct {
	next store.Stage

	mu       sync.Mutex
	calls    int
	failAt   int // call number that fails; 0 for none
	failErr  error
	failAll  error // every call but Close fails with it while non-nil
	latency  time.Duration
	hung     chan struct{} // non-nil while hanging; closed by Release
	drop     bool
	flipBits bool
	closed   bool // Close reached the wrapped Stage
}

var (
	_ store.Stage       = (*Faulty)(nil)
	_ store.BatchPutter = (*Faulty)(nil)
	_ store.Flusher     = (*Faulty)(nil)
	_ store.Pinger      = (*Faulty)(nil)
	_ store.NativeTTL   = (*Faulty)(nil)
)

// Wrap returns a Faulty that forwards to next, with no fault set.
func Wrap(next store.Stage) *Faulty {
	return &Faulty{next: next}
}

// FailNth makes the n-th call from now (1-based, counting every method)
// return err without reaching the wrapped Stage. It fails once; a later
// FailNth replaces an earlier one still pending, and n < 1 cancels it.
func (f *Faulty) FailNth(n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 1 {
		f.failAt, f.failErr = 0, nil
		return
	}
	f.failAt, f.failErr = f.calls+n, err
}

// FailAll makes every later call but Close return err without reaching
// the wrapped Stage, until FailAll(nil): an outage that fails fast, as a
// refused connection does, rather than hanging.
func (f *Faulty) FailAll(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAll = err
}

// Latency makes every later call wait d before going on, or return
// ctx.Err() if its context is done first. Zero or less removes the delay.
func (f *Faulty) Latency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// Hang makes every call block until its context is done and then return
// ctx.Err(), until Release.
func (f *Faulty) Hang() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hung == nil {
		f.hung = make(chan struct{})
	}
}

// Release ends a Hang: calls blocked by it go on to the wrapped Stage, and
// later calls are not blocked.
func (f *Faulty) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hung != nil {
		close(f.hung)
		f.hung = nil
	}
}

// DropWrites, while on, makes Put and PutBatch return nil without reaching
// the wrapped Stage: the writes are acknowledged and then lost.
func (f *Faulty) DropWrites(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop = on
}

// FlipBitOnRead, while on, makes Get and Scan return each record with the
// lowest bit of the last byte of its Value flipped, in a copy. Empty values
// are returned as they are.
func (f *Faulty) FlipBitOnRead(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flipBits = on
}

// Calls returns how many calls f has received, failed ones included.
func (f *Faulty) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// fault is what a call must do, decided when the call arrives.
type fault struct {
	err      error // fail with this at once
	latency  time.Duration
	hung     chan struct{}
	drop     bool
	flipBits bool
}

// begin counts a call and returns the faults that apply to it.
func (f *Faulty) begin() fault {
	return f.beginCall(false)
}

func (f *Faulty) beginCall(closing bool) fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	ft := fault{latency: f.latency, hung: f.hung, drop: f.drop, flipBits: f.flipBits}
	if f.failAll != nil && !closing {
		ft.err = f.failAll
	}
	if f.failAt != 0 && f.calls == f.failAt {
		ft.err = f.failErr
		f.failAt, f.failErr = 0, nil
	}
	return ft
}

// wait applies the delays of ft, and returns the error the call must end
// with, if any.
func (ft fault) wait(ctx context.Context) error {
	if ft.err != nil {
		return ft.err
	}
	if ft.latency > 0 {
		timer := time.NewTimer(ft.latency)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
	if ft.hung != nil {
		select {
		case <-ft.hung:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (ft fault) read(r store.Record) store.Record {
	if !ft.flipBits || len(r.Value) == 0 {
		return r
	}
	r.Value = append([]byte(nil), r.Value...)
	r.Value[len(r.Value)-1] ^= 1
	return r
}

// Put forwards to the wrapped Stage unless a fault applies.
func (f *Faulty) Put(ctx context.Context, r store.Record) error {
	ft := f.begin()
	if err := ft.wait(ctx); err != nil {
		return err
	}
	if ft.drop {
		return nil
	}
	return f.next.Put(ctx, r)
}

// PutBatch forwards to the wrapped Stage's PutBatch if it is a
// [store.BatchPutter], and otherwise calls its Put for each record in turn,
// unless a fault applies. It counts as one call. An empty batch over a
// Stage without PutBatch reaches nothing, so it checks only ctx.
func (f *Faulty) PutBatch(ctx context.Context, rs []store.Record) error {
	ft := f.begin()
	if err := ft.wait(ctx); err != nil {
		return err
	}
	if ft.drop {
		return nil
	}
	if err := store.PutBatch(ctx, f.next, rs); err != nil {
		return err
	}
	// Put checks ctx, but an empty batch calls no Put.
	return ctx.Err()
}

// Get forwards to the wrapped Stage unless a fault applies.
func (f *Faulty) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	ft := f.begin()
	if err := ft.wait(ctx); err != nil {
		return store.Record{}, err
	}
	r, err := f.next.Get(ctx, bucket, key)
	if err != nil {
		return store.Record{}, err
	}
	return ft.read(r), nil
}

// Delete forwards to the wrapped Stage unless a fault applies.
func (f *Faulty) Delete(ctx context.Context, bucket string, key []byte) error {
	ft := f.begin()
	if err := ft.wait(ctx); err != nil {
		return err
	}
	return f.next.Delete(ctx, bucket, key)
}

// Scan forwards to the wrapped Stage unless a fault applies. Delays apply
// when the sequence is ranged over.
func (f *Faulty) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	ft := f.begin()
	return func(yield func(store.Record, error) bool) {
		if err := ft.wait(ctx); err != nil {
			yield(store.Record{}, err)
			return
		}
		for r, err := range f.next.Scan(ctx, bucket) {
			if err != nil {
				if !yield(store.Record{}, err) || !store.IsRecordError(err) {
					return
				}
				continue
			}
			if !yield(ft.read(r), nil) {
				return
			}
		}
	}
}

// Close closes the wrapped Stage unless FailNth applies to it.
func (f *Faulty) Close() error {
	if ft := f.beginCall(true); ft.err != nil {
		return ft.err
	}
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return f.next.Close()
}

// afterWrapped is the answer of Flush and Ping when the wrapped Stage lacks
// them: ErrClosed after Close, else ctx.Err().
func (f *Faulty) afterWrapped(ctx context.Context) error {
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return store.ErrClosed
	}
	return ctx.Err()
}

// Flush forwards to the wrapped Stage's Flush, when it has one, unless a
// fault applies; without one it returns nil. It counts as a call.
func (f *Faulty) Flush(ctx context.Context) error {
	ft := f.begin()
	if err := ft.wait(ctx); err != nil {
		return err
	}
	if fl, ok := f.next.(store.Flusher); ok {
		return fl.Flush(ctx)
	}
	return f.afterWrapped(ctx)
}

// Ping forwards to the wrapped Stage's Ping, when it has one, unless a
// fault applies; without one it returns nil. It counts as a call.
func (f *Faulty) Ping(ctx context.Context) error {
	ft := f.begin()
	if err := ft.wait(ctx); err != nil {
		return err
	}
	if p, ok := f.next.(store.Pinger); ok {
		return p.Ping(ctx)
	}
	return f.afterWrapped(ctx)
}

// NativeTTL reports the wrapped Stage's NativeTTL (false without one). It
// is not counted as a call.
func (f *Faulty) NativeTTL() bool {
	n, ok := f.next.(store.NativeTTL)
	return ok && n.NativeTTL()
}
