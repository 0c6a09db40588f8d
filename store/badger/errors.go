package badger

import (
	"errors"
	"fmt"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/livedict/livedict/store"
)

// Errors of this package, matched with errors.Is. Errors after Close match
// [store.ErrClosed] and a missing record matches [store.ErrNotFound].
var (
	// ErrInvalidOptions is matched by the error Open returns for options
	// it, or Badger, rejects.
	ErrInvalidOptions = errors.New("badger: invalid options")
	// ErrInvalidURL is matched by the error OpenURL returns for a URL it
	// cannot use.
	ErrInvalidURL = errors.New("badger: invalid URL")
	// ErrLocked is matched by the error Open returns when another Store,
	// in this process or another, holds the directory open.
	ErrLocked = errors.New("badger: directory in use")
	// ErrTooLarge is matched by the error Put and PutBatch return for a
	// record Badger cannot hold: a key longer than about 65000 bytes with
	// its bucket, or a value longer than the value log file size.
	ErrTooLarge = errors.New("badger: record too large")
	// ErrCorrupt is matched by the error Get and Scan return for a stored
	// value this package did not write, or that was damaged.
	ErrCorrupt = errors.New("badger: corrupt record")
)

// wrap prefixes err with the operation; errors.Is still finds the
// sentinels beneath. Badger's own "key not found" never escapes.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, bdg.ErrKeyNotFound) {
		err = store.ErrNotFound
	}
	return fmt.Errorf("badger: %s: %w", op, err)
}
