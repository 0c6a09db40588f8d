package badger

import (
	"errors"
	"fmt"
	"runtime"

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
	// value this package did not write, or that was damaged; by the error
	// Open returns for a table file that fails Badger's checks (see
	// [Open]); and by the error of any method in which Badger panicked on
	// the calling goroutine, which the method recovers. It also matches
	// [store.ErrCorrupt].
	ErrCorrupt error = &corruptError{"badger: corrupt record"}
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

// corruptError is the type of ErrCorrupt: a sentinel of its own that also
// matches store.ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }

func (e *corruptError) Is(target error) bool { return target == store.ErrCorrupt }

// recovered turns a panic inside Badger, on the goroutine of a Store
// method, into an error matching ErrCorrupt: Badger panics on some damaged
// files instead of returning an error. The error names the operation and,
// for a runtime error, what failed; it never quotes the panic value
// otherwise, which may hold stored bytes. Use it as
// defer recovered(&err, op) in a method with a named error result.
func recovered(err *error, op string) {
	p := recover()
	if p == nil {
		return
	}
	what := "panic"
	if re, ok := p.(runtime.Error); ok {
		what = "panic: " + re.Error()
	}
	*err = fmt.Errorf("badger: %s: %w: Badger %s", op, ErrCorrupt, what)
}
