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
)

type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

func (e *corruptError) Is(target error) bool { return target == store.ErrCorrupt }
