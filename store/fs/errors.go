package fs

import "errors"

// Sentinel errors of this package. Match them with errors.Is: the errors
// returned wrap them with the operation and the file concerned.
var (
	// ErrCorrupt is matched by the error Get, Scan and Sweep return for a
	// file that is not a complete, intact entry: a torn or truncated write,
	// flipped bits, a foreign file under an entry's name, or a file moved
	// from another key or bucket. The store never returns such data.
	ErrCorrupt = errors.New("fs: corrupt file")
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
