package fs

import (
	"errors"

	"github.com/livedict/livedict/store"
)

// Sentinel errors of this package. Match them with errors.Is: the errors
// returned wrap them with the operation and the file concerned.
var (
	// ErrCorrupt is matched by the error Get, Scan and Sweep return for a
	// file that is not a complete, intact entry: a torn or truncated write,
	// flipped bits, a foreign file under an entry's name, a file larger
	// than Options.MaxRecordSize, something other than a regular file (a
	// FIFO, a device, a directory) under an entry's name, something other
	// than a directory under a bucket's, or a file moved from another key
	// or bucket. The store never returns such data. It also matches
	// [store.ErrCorrupt].
	ErrCorrupt error = &corruptError{"fs: corrupt file"}
	// ErrTooLarge is matched by the error Put and PutBatch return for a
	// record whose file would be larger than Options.MaxRecordSize.
	ErrTooLarge = errors.New("fs: record too large")
	// ErrSync is matched by the error a write returns when fsync kept
	// failing after the write was redone from scratch. The record may or
	// may not have reached the disk; the caller should treat it as not
	// stored.
	ErrSync = errors.New("fs: fsync failed")
	// ErrLocked is matched by the error Open returns when another Store,
	// in this process or another, has the directory open.
	ErrLocked = errors.New("fs: directory is in use by another store")
	// ErrInvalidOptions is matched by the error Open returns for an option
	// out of range.
	ErrInvalidOptions = errors.New("fs: invalid options")
	// ErrInvalidURL is matched by the error OpenURL returns for a URL that
	// does not name a local directory or has an unknown or bad parameter.
	ErrInvalidURL = errors.New("fs: invalid URL")
)

// corruptError is the type of ErrCorrupt: a sentinel of its own that also
// matches store.ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

func (e *corruptError) Is(target error) bool { return target == store.ErrCorrupt }
