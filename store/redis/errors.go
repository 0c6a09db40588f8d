package redis

import (
	"errors"

	"github.com/livedict/livedict/store"
)

// Sentinel errors of this package. The errors of every method also match
// the sentinels of package store (store.ErrNotFound, store.ErrClosed) and
// ctx.Err() where the contract asks for them.
var (
	// ErrInvalidOptions is matched by the error Open returns for Options it
	// cannot use.
	ErrInvalidOptions = errors.New("store/redis: invalid options")
	// ErrInvalidURL is matched by the error OpenURL and store.Open return
	// for a URL they cannot use.
	ErrInvalidURL = errors.New("store/redis: invalid URL")
	// ErrCorrupt is matched by the error Get or Scan returns for a stored
	// value that this package did not write: too short, or of an unknown
	// format version. It also matches [store.ErrCorrupt].
	ErrCorrupt error = &corruptError{"store/redis: corrupt stored value"}
	// ErrBadReply is matched by the error of a call whose reply the Store
	// refused or could not read: a reply past the package's limits (a bulk
	// string longer than Options.MaxValueSize plus the 9-byte header, more
	// than [MaxReplyElements] aggregate elements open at once, nesting
	// deeper than [MaxReplyDepth], a line longer than [MaxReplyLine]) or
	// bytes that are not RESP, and a panic inside go-redis, which every
	// method recovers into an error matching ErrBadReply. The connection
	// that carried the reply is dropped; the next call dials anew.
	ErrBadReply = errors.New("store/redis: bad reply")
	// ErrTooLarge is matched by the error Put and PutBatch return for a
	// record whose value is longer than Options.MaxValueSize: the Store
	// never writes a value it would refuse to read back.
	ErrTooLarge = errors.New("store/redis: value too large")
)

// corruptError is the type of ErrCorrupt: a sentinel of its own that also
// matches store.ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

func (e *corruptError) Is(target error) bool { return target == store.ErrCorrupt }
