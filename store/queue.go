package store

import "errors"

// ErrQueueFull is matched by the error a write returns when a write-behind
// queue has no room and its policy says to refuse the write.
var ErrQueueFull = errors.New("store: write-behind queue full")

// Queue is implemented by a Stage that acknowledges writes before the
// stage below it has them (a write-behind queue). Queues reports whether
// this stage itself does; it does not ask the stages it wraps. The Store
// refuses such a stage among its Persist.Layers: it is the write-back
// queue itself, and a second queue below it would acknowledge writes its
// Flush then counts as stored.
type Queue interface {
	Queues() bool
}
