package store

import (
	"context"
	"sync"
)

// Gate is the open-or-closed state a backend keeps, and the calls it has in
// progress: the checks every method of the contract starts with, and a
// Close that waits for the calls already running. The zero Gate is open.
//
//	func (s *MyStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
//		if err := s.gate.Enter(ctx); err != nil {
//			return store.Record{}, err
//		}
//		defer s.gate.Leave()
//		...
//	}
type Gate struct {
	mu     sync.RWMutex // held shared by each call in progress, exclusively by Close
	closed bool
}

// Enter starts a call. It returns ErrClosed after Close and ctx.Err() when
// ctx is done, doing nothing else; on nil the caller must call Leave when
// the call ends. Calls may be in progress together.
func (g *Gate) Enter(ctx context.Context) error {
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		g.mu.RUnlock()
		return err
	}
	return nil
}

// Leave ends a call that Enter started.
func (g *Gate) Leave() { g.mu.RUnlock() }

// Close waits for the calls in progress to Leave and closes the gate, so
// that every later Enter returns ErrClosed. It reports whether this call
// closed it: false when it was already closed, so that a backend's Close
// releases its resources once and returns nil the second time.
func (g *Gate) Close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	return true
}
