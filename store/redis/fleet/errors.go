package fleet

import (
	"errors"

	"github.com/livedict/livedict/store"
)

// Sentinel errors of this package.
var (
	// ErrClosed is matched by the error of every call on a closed Map. It
	// also matches store.ErrClosed.
	ErrClosed = store.ErrClosed
	// ErrInvalidOptions is matched by the error Open returns for Options it
	// cannot use.
	ErrInvalidOptions = errors.New("fleet: invalid options")
	// ErrCorrupt is matched by the error of a read that found a value this
	// package did not write, or one that does not open under the Keyring.
	// It also matches store.ErrCorrupt.
	ErrCorrupt error = &corruptError{"fleet: corrupt stored value"}
	// ErrBadStream is matched by the errors the tracker reports for a
	// tracking connection whose bytes are not the RESP3 it expects, or
	// past the limits of store/redis; the connection is dropped, the near
	// cache flushed and a new connection made.
	ErrBadStream = errors.New("fleet: bad tracking stream")
	// ErrOutcomeUnknown is matched by the error of a write (Set,
	// SetWithTTL, Delete, Touch, and the store of a read-modify-write)
	// that failed without an answer from Redis, as when the connection
	// broke after Redis ran it but before its reply arrived: the write was
	// applied once or not at all, never twice, since it is never re-sent.
	ErrOutcomeUnknown = errors.New("fleet: outcome unknown")
)

type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

func (e *corruptError) Is(target error) bool { return target == store.ErrCorrupt }
