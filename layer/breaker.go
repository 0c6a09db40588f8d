package layer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/store"
)

// ErrCircuitOpen is matched by the error a [Breaker] stage returns, without
// calling the next stage, while its circuit is open.
var ErrCircuitOpen = errors.New("layer: circuit open")

// BreakerState is the state of a [Breaker]'s circuit.
type BreakerState uint8

const (
	// BreakerClosed lets every call through; the normal state.
	BreakerClosed BreakerState = iota
	// BreakerOpen fails every call fast with [ErrCircuitOpen] until
	// Cooldown has passed.
	BreakerOpen
	// BreakerHalfOpen lets one probe call through; its success closes the
	// circuit and its failure opens it again. Other calls fail fast.
	BreakerHalfOpen
)

// String returns "closed", "open" or "half-open".
func (st BreakerState) String() string {
	switch st {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("BreakerState(%d)", uint8(st))
}

// BreakerOptions configures [Breaker]. The zero value is ready to use; each
// field says its default.
type BreakerOptions struct {
	// Timeout is the deadline of each call to the next stage: the call gets
	// a context that ends Timeout after it starts, or earlier if the
	// caller's context does. For Scan it bounds the wait for each record
	// and for the end of the sequence, not the whole scan, whose length
	// depends on the bucket and on the caller's loop. Zero means 1s; a
	// negative Timeout adds no deadline.
	Timeout time.Duration
	// Failures is how many failures in a row open the circuit. Zero or less
	// means 5.
	Failures int
	// Cooldown is how long the circuit stays open before it lets a probe
	// through. Zero or less means 5s.
	Cooldown time.Duration
	// IsFailure reports whether an error of the next stage counts against
	// it. It is not asked about an error matching store.ErrNotFound, which
	// is an answer rather than a fault, nor about a call whose caller's own
	// context ended; neither ever counts. Nil means every other error
	// counts.
	IsFailure func(error) bool
	// OnStateChange, if set, is called after each change of state, outside
	// every lock, on the goroutine of the call that caused it. Changes made
	// by concurrent calls may be reported out of order; Stats gives the
	// current state.
	OnStateChange func(from, to BreakerState)
}

// BreakerStats are the counters of a [BreakerStage].
type BreakerStats struct {
	// State is the circuit's state. An open circuit whose Cooldown has
	// passed turns half-open on the next call.
	State BreakerState
	// ConsecutiveFailures counts the failures since the last success.
	ConsecutiveFailures int
	// Opened counts the times the circuit opened.
	Opened uint64
	// Rejected counts calls failed fast because the circuit was open.
	Rejected uint64
	// Abandoned counts calls the caller stopped waiting for because their
	// deadline passed, or the caller's context ended, before the next stage
	// returned: the call was left running on a goroutine of its own.
	Abandoned uint64
	// Running counts abandoned calls that have not returned yet.
	Running int64
}

// Breaker returns a Layer that gives every call to the next stage a
// deadline and stops calling a next stage that keeps failing. Each Stage it
// builds is a [*BreakerStage].
//
// A call returns by its deadline even if the next stage ignores its
// context: the call runs on a goroutine of its own, and when the deadline
// passes first the caller gets an error matching context.DeadlineExceeded
// while the abandoned call keeps running until the next stage returns
// (counted in [BreakerStats].Abandoned and Running). Its result is then
// discarded. So a next stage that ignores its context leaves goroutines
// behind for as long as it hangs; Close does not wait for them. A panic of
// the next stage there, where no caller could recover it, is returned as
// an error matching store.ErrPanicked.
//
// After Failures failures in a row the circuit opens: calls fail at once
// with an error matching [ErrCircuitOpen], without reaching the next stage.
// After Cooldown one probe call is let through (half-open): if it succeeds
// the circuit closes, if it fails it opens again for another Cooldown, and
// if the caller cancels it the next call probes instead. A call that
// returns store.ErrNotFound, or an error IsFailure does not count, is a
// success.
//
// The Stage also implements [store.BatchPutter] (one PutBatch of the next
// stage, or a Put per record within one deadline), [store.Flusher] and
// [store.Pinger] (passed on, and nil when the next stage lacks them, once
// the open, context and circuit checks pass) and [store.NativeTTL].
func Breaker(opts BreakerOptions) Layer {
	o := opts.withDefaults()
	return func(next store.Stage) store.Stage {
		return &BreakerStage{next: next, o: o}
	}
}

func (o BreakerOptions) withDefaults() BreakerOptions {
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	if o.Failures <= 0 {
		o.Failures = 5
	}
	if o.Cooldown <= 0 {
		o.Cooldown = 5 * time.Second
	}
	if o.IsFailure == nil {
		o.IsFailure = func(error) bool { return true }
	}
	return o
}

// BreakerStage is the Stage a [Breaker] layer builds. It is safe for
// concurrent use.
type BreakerStage struct {
	next   store.Stage
	o      BreakerOptions
	closed atomic.Bool

	abandoned atomic.Uint64
	running   atomic.Int64

	mu        sync.Mutex
	state     BreakerState
	fails     int       // consecutive failures while closed
	openUntil time.Time // when an open circuit lets a probe through
	probing   bool      // a half-open probe is in flight
	opened    uint64
	rejected  uint64
}

var (
	_ store.Stage       = (*BreakerStage)(nil)
	_ store.BatchPutter = (*BreakerStage)(nil)
	_ store.Flusher     = (*BreakerStage)(nil)
	_ store.Pinger      = (*BreakerStage)(nil)
	_ store.NativeTTL   = (*BreakerStage)(nil)
)

func bWrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("layer: breaker: %s: %w", op, err)
}

// Stats returns the stage's counters.
func (b *BreakerStage) Stats() BreakerStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BreakerStats{
		State:               b.state,
		ConsecutiveFailures: b.fails,
		Opened:              b.opened,
		Rejected:            b.rejected,
		Abandoned:           b.abandoned.Load(),
		Running:             b.running.Load(),
	}
}

// admit makes the open and context checks, then asks the circuit. probe
// reports whether the call is the half-open probe.
func (b *BreakerStage) admit(ctx context.Context) (probe bool, err error) {
	if b.closed.Load() {
		return false, store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	b.mu.Lock()
	from := b.state
	switch b.state {
	case BreakerClosed:
		b.mu.Unlock()
		return false, nil
	case BreakerOpen:
		if time.Now().Before(b.openUntil) {
			break
		}
		b.state, b.probing = BreakerHalfOpen, true
		b.mu.Unlock()
		b.changed(from, BreakerHalfOpen)
		return true, nil
	case BreakerHalfOpen:
		if !b.probing {
			b.probing = true
			b.mu.Unlock()
			return true, nil
		}
	}
	b.rejected++
	b.mu.Unlock()
	if from == BreakerHalfOpen {
		return false, fmt.Errorf("%w: a probe call is in flight", ErrCircuitOpen)
	}
	return false, ErrCircuitOpen
}

// settle counts the outcome of a call admitted by admit. ctx is the
// caller's context.
func (b *BreakerStage) settle(ctx context.Context, err error, probe bool) {
	var failed bool
	switch {
	case err == nil:
	case ctx.Err() != nil:
		// The caller gave up: that says nothing about the next stage. A
		// probe cut short leaves the next call to probe.
		if probe {
			b.mu.Lock()
			b.probing = false
			b.mu.Unlock()
		}
		return
	default:
		failed = !errors.Is(err, store.ErrNotFound) && b.o.IsFailure(err)
	}
	b.mu.Lock()
	from := b.state
	switch {
	case probe && failed:
		b.open()
	case probe:
		b.state, b.probing, b.fails = BreakerClosed, false, 0
	case b.state != BreakerClosed:
		// A call let through before the circuit opened: only the probe
		// decides now.
	case failed:
		b.fails++
		if b.fails >= b.o.Failures {
			b.open()
		}
	default:
		b.fails = 0
	}
	to := b.state
	b.mu.Unlock()
	if to != from {
		b.changed(from, to)
	}
}

// open opens the circuit for a Cooldown; b.mu is held.
func (b *BreakerStage) open() {
	b.state, b.probing, b.fails = BreakerOpen, false, 0
	b.openUntil = time.Now().Add(b.o.Cooldown)
	b.opened++
}

func (b *BreakerStage) changed(from, to BreakerState) {
	if b.o.OnStateChange != nil {
		b.o.OnStateChange(from, to)
	}
}

// callCtx returns the context a call to the next stage runs with.
func (b *BreakerStage) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if b.o.Timeout < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, b.o.Timeout)
}

// deadlineErr is the error of a call abandoned at its deadline, or the
// caller's own context error when that ended first.
func (b *BreakerStage) deadlineErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("call abandoned at its %v deadline: %w", b.o.Timeout, context.DeadlineExceeded)
}

// Call states, for the race between a call finishing and its caller
// abandoning it.
const (
	callRunning int32 = iota
	callFinished
	callAbandoned
)

// breakerCall runs fn under the breaker: admission, the deadline, and the outcome.
func breakerCall[T any](ctx context.Context, b *BreakerStage, op string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	probe, err := b.admit(ctx)
	if err != nil {
		return zero, bWrap(op, err)
	}
	v, err := breakerGuard(ctx, b, fn)
	b.settle(ctx, err, probe)
	return v, bWrap(op, err)
}

// breakerGuard runs fn on a goroutine of its own with the call's deadline and
// returns its result, or an error when the deadline passes or the caller's
// context ends first.
func breakerGuard[T any](ctx context.Context, b *BreakerStage, fn func(context.Context) (T, error)) (T, error) {
	cctx, cancel := b.callCtx(ctx)
	defer cancel()
	var (
		v     T
		err   error
		state atomic.Int32
		done  = make(chan struct{})
	)
	go func() {
		defer func() {
			// A panic here would end the process: no caller is there to
			// recover it.
			if r := recover(); r != nil {
				var zero T
				v, err = zero, nextPanicked(r)
			}
			close(done)
			if state.Swap(callFinished) == callAbandoned {
				b.running.Add(-1)
			}
		}()
		v, err = fn(cctx)
	}()
	select {
	case <-done:
		return v, err
	case <-cctx.Done():
	}
	b.running.Add(1)
	if state.Swap(callAbandoned) == callFinished {
		// It finished as the deadline passed: take its result.
		b.running.Add(-1)
		<-done
		return v, err
	}
	b.abandoned.Add(1)
	var zero T
	return zero, b.deadlineErr(ctx)
}

// Put stores r in the next stage. Like every method that hands the next
// stage memory of the caller's, it hands it a copy: a call abandoned at
// its deadline may still be reading after the breaker has returned, when
// the caller may reuse its memory.
func (b *BreakerStage) Put(ctx context.Context, r store.Record) error {
	r = r.Clone()
	_, err := breakerCall(ctx, b, "put", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.next.Put(ctx, r)
	})
	return err
}

// PutBatch stores rs with the next stage's PutBatch, or with a Put per
// record when it has none, all within one deadline.
func (b *BreakerStage) PutBatch(ctx context.Context, rs []store.Record) error {
	rs = cloneRecords(rs)
	_, err := breakerCall(ctx, b, "put batch", func(ctx context.Context) (struct{}, error) {
		if err := store.PutBatch(ctx, b.next, rs); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, ctx.Err()
	})
	return err
}

// Get reads the record from the next stage.
func (b *BreakerStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	key = bytes.Clone(key)
	return breakerCall(ctx, b, "get", func(ctx context.Context) (store.Record, error) {
		return b.next.Get(ctx, bucket, key)
	})
}

// Delete removes the record from the next stage.
func (b *BreakerStage) Delete(ctx context.Context, bucket string, key []byte) error {
	key = bytes.Clone(key)
	_, err := breakerCall(ctx, b, "delete", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.next.Delete(ctx, bucket, key)
	})
	return err
}

// cloneRecords returns a copy of rs whose keys and values share one
// allocation, each capped at its length.
func cloneRecords(rs []store.Record) []store.Record {
	n := 0
	for _, r := range rs {
		n += len(r.Key) + len(r.Value)
	}
	buf := make([]byte, 0, n)
	out := make([]store.Record, len(rs))
	for i, r := range rs {
		start := len(buf)
		buf = append(buf, r.Key...)
		r.Key = buf[start:len(buf):len(buf)]
		start = len(buf)
		buf = append(buf, r.Value...)
		r.Value = buf[start:len(buf):len(buf)]
		out[i] = r
	}
	return out
}

// Flush passes Flush on to the next stage when it is a [store.Flusher].
func (b *BreakerStage) Flush(ctx context.Context) error {
	_, err := breakerCall(ctx, b, "flush", func(ctx context.Context) (struct{}, error) {
		if f, ok := b.next.(store.Flusher); ok {
			return struct{}{}, f.Flush(ctx)
		}
		return struct{}{}, nil
	})
	return err
}

// Ping passes Ping on to the next stage when it is a [store.Pinger]. An
// open circuit makes it fail with [ErrCircuitOpen].
func (b *BreakerStage) Ping(ctx context.Context) error {
	_, err := breakerCall(ctx, b, "ping", func(ctx context.Context) (struct{}, error) {
		if p, ok := b.next.(store.Pinger); ok {
			return struct{}{}, p.Ping(ctx)
		}
		return struct{}{}, nil
	})
	return err
}

// NativeTTL passes on the next stage's answer; false when it has none.
func (b *BreakerStage) NativeTTL() bool {
	n, ok := b.next.(store.NativeTTL)
	return ok && n.NativeTTL()
}

// Close closes the next stage, directly: it has no deadline and does not
// wait for abandoned calls. Later calls return nil.
func (b *BreakerStage) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	return bWrap("close", b.next.Close())
}

// scanItem is what the goroutine reading the next stage's Scan hands over.
type scanItem struct {
	r   store.Record
	err error
}

// Scan yields the next stage's records. The next stage's Scan runs on a
// goroutine of its own, and each record (and the end of the sequence) must
// arrive within Timeout; when one does not, Scan yields an error matching
// context.DeadlineExceeded and abandons the reading goroutine, which stops
// once the next stage notices its cancelled context or returns. The whole
// scan counts as one call.
func (b *BreakerStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		probe, err := b.admit(ctx)
		if err != nil {
			yield(store.Record{}, bWrap("scan", err))
			return
		}
		err = b.scan(ctx, bucket, yield)
		b.settle(ctx, err, probe)
	}
}

// scan runs one Scan of the next stage and returns the error that ended it,
// if any, after yielding it.
func (b *BreakerStage) scan(ctx context.Context, bucket string, yield func(store.Record, error) bool) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var state atomic.Int32
	items := make(chan scanItem)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer func() {
			close(finished)
			if state.Swap(callFinished) == callAbandoned {
				b.running.Add(-1)
			}
		}()
		defer func() {
			// The next stage's Scan panicked: end the scan with an error
			// instead of the process.
			if r := recover(); r != nil {
				select {
				case items <- scanItem{err: nextPanicked(r)}:
				case <-stop:
				}
			}
		}()
		for r, err := range b.next.Scan(sctx, bucket) {
			select {
			case items <- scanItem{r, err}:
			case <-stop:
				return
			}
			if err != nil && !store.IsRecordError(err) {
				return
			}
		}
		close(items)
	}()

	var timer *time.Timer
	var expired <-chan time.Time
	if b.o.Timeout > 0 {
		timer = time.NewTimer(b.o.Timeout)
		defer timer.Stop()
		expired = timer.C
	}
	// abandon stops the reader and waits for it to return until grace
	// fires (not at all when grace is nil); a reader still running then is
	// left behind and counted.
	abandon := func(grace <-chan time.Time) {
		close(stop)
		cancel()
		if grace != nil {
			select {
			case <-finished:
				return
			case <-grace:
			}
		} else {
			select {
			case <-finished:
				return
			default:
			}
		}
		b.running.Add(1)
		if state.Swap(callAbandoned) == callFinished {
			b.running.Add(-1)
			return
		}
		b.abandoned.Add(1)
	}
	for {
		select {
		case it, ok := <-items:
			if !ok {
				return nil
			}
			if it.err != nil && !store.IsRecordError(it.err) {
				yield(store.Record{}, bWrap("scan", it.err))
				return it.err
			}
			if it.err != nil {
				it.err = bWrap("scan", it.err) // one record's: the scan goes on
			}
			if !yield(it.r, it.err) {
				// The reader stops at once unless the next stage's Scan
				// ignores its yield's answer; give it a Timeout.
				if timer != nil {
					timer.Reset(b.o.Timeout)
				}
				abandon(expired)
				return nil
			}
			if timer != nil {
				timer.Reset(b.o.Timeout)
			}
		case <-expired:
			abandon(nil) // the reader is late already
			err := b.deadlineErr(ctx)
			yield(store.Record{}, bWrap("scan", err))
			return err
		case <-ctx.Done():
			abandon(nil) // the caller wants its answer now
			yield(store.Record{}, bWrap("scan", ctx.Err()))
			return ctx.Err()
		}
	}
}

// nextPanicked is the error of a call whose next stage panicked on the
// breaker's goroutine: it matches store.ErrPanicked and names the panic
// value's type, never the value.
func nextPanicked(r any) error {
	return fmt.Errorf("%w: the next stage panicked with a %T", store.ErrPanicked, r)
}
