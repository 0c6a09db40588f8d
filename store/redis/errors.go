package redis

import "errors"

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
	// format version.
	ErrCorrupt = errors.New("store/redis: corrupt stored value")
)
