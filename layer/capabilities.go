package layer

import (
	"context"

	"github.com/livedict/livedict/store"
)

// The helpers below let a layer's Stage offer every optional capability of
// package store whatever the next stage offers, each either passed on or
// emulated faithfully, so a layer never hides a capability of the stage it
// wraps. The emulations are what a caller would get from the next stage if
// the capability were absent:
//
//   - PutBatch is Put for each record in turn.
//   - Flush returns nil once its checks pass: a stage that is not a Flusher
//     acknowledges only writes that are already durable.
//   - Ping returns nil once its checks pass, as database/sql's DB.Ping does
//     for a driver that is no driver.Pinger: nothing more can be checked.
//   - NativeTTL is false: the next stage does not remove expired records by
//     itself.

// checkOpen returns the error a call must fail with before doing any work:
// store.ErrClosed after Close, else ctx.Err().
func checkOpen(ctx context.Context, closed bool) error {
	if closed {
		return store.ErrClosed
	}
	return ctx.Err()
}

// capFlush passes Flush on to next, or returns nil when next buffers
// nothing. The caller has made its own open and context checks.
func capFlush(ctx context.Context, next store.Stage) error {
	if f, ok := next.(store.Flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}

// capPing passes Ping on to next, or returns nil when next cannot be pinged.
// The caller has made its own open and context checks.
func capPing(ctx context.Context, next store.Stage) error {
	if p, ok := next.(store.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// capNativeTTL reports next's NativeTTL, or false when next has none.
func capNativeTTL(next store.Stage) bool {
	if n, ok := next.(store.NativeTTL); ok {
		return n.NativeTTL()
	}
	return false
}
