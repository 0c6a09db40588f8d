package writeback

import (
	"context"
	"time"
)

// The bound: every op in a log, the carry or the flight counts one in
// e.held, from the Reserve that made room for it until it is stored, given
// up or merged into a newer op of its key. A write-behind write reserves
// before it takes any lock, so the count never exceeds Config.Limit (the
// write-through writes in progress, which reserve without waiting, come on
// top: they are bounded by their callers). Memory follows: an op holds one
// payload, and the set of lost keys is bounded by Limit too (lost.go).

// Outcome is the result of Reserve.
type Outcome uint8

const (
	// Reserved: room is reserved; call Append (or Unreserve).
	Reserved Outcome = iota
	// Dropped: no room; the write goes on in memory and the caller records
	// it with Lost.
	Dropped
	// Refused: no room; the write must fail with store.ErrQueueFull.
	Refused
	// Cancelled: the context ended while waiting for room; the write must
	// fail with the context's error.
	Cancelled
)

// tryReserve takes one place if there is one. It compares and swaps
// rather than adding and taking back, so that no reader of e.held ever
// sees it above the bound.
func (e *Engine[K, P]) tryReserve() bool {
	for {
		n := e.held.Load()
		if n >= int64(e.cfg.Limit) {
			return false
		}
		if e.held.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Reserve makes room for one op of a write-behind write, applying
// Config.Full when the queue is at its bound. It never waits for I/O: a
// writer finding the queue full compacts the logs (memory work, no I/O)
// and then, under Wait, waits at most BlockTimeout for a drain to make
// room.
// A ctx that ends while waiting makes it return Cancelled.
func (e *Engine[K, P]) Reserve(ctx context.Context) Outcome {
	if e.tryReserve() {
		return Reserved
	}
	return e.reserveSlow(ctx)
}

func (e *Engine[K, P]) reserveSlow(ctx context.Context) Outcome {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		signal(e.urgent)
		// Merging the logs frees at most what they hold; below a
		// sixteenth of the bound it is not worth a pass over the queue
		// per blocked write.
		if n := e.logged.Load(); n > 0 && n >= int64(e.cfg.Limit/16) {
			e.compact()
		}
		if e.tryReserve() {
			return Reserved
		}
		switch e.cfg.Full {
		case Drop:
			return Dropped
		case Refuse:
			return Refused
		}
		if timer == nil {
			timer = time.NewTimer(e.cfg.BlockTimeout)
		}
		e.waiting.Add(1)
		e.roomMu.Lock()
		room := e.room
		e.roomMu.Unlock()
		if e.tryReserve() {
			e.waiting.Add(-1)
			return Reserved
		}
		select {
		case <-room:
			e.waiting.Add(-1)
		case <-timer.C:
			e.waiting.Add(-1)
			if e.tryReserve() {
				return Reserved
			}
			return Dropped
		case <-ctx.Done():
			e.waiting.Add(-1)
			return Cancelled
		case <-e.stop:
			e.waiting.Add(-1)
			return Dropped
		}
	}
}

// ReserveForce reserves room without regard to the bound: for
// write-through writes, whose callers wait for the backend anyway.
func (e *Engine[K, P]) ReserveForce() { e.held.Add(1) }

// Unreserve gives back a reservation the caller will not use (its write
// was not applied).
func (e *Engine[K, P]) Unreserve() {
	e.held.Add(-1)
	e.madeRoom()
}

// madeRoom wakes the writers waiting for room, if any; its caller has
// given room back (e.held) first. A writer counts itself in e.waiting
// before it tries to reserve a last time, so one that has not counted
// itself yet will find that room.
func (e *Engine[K, P]) madeRoom() {
	if e.waiting.Load() == 0 {
		return // no channel to make
	}
	e.roomMu.Lock()
	close(e.room)
	e.room = make(chan struct{})
	e.roomMu.Unlock()
}
