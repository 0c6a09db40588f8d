package sqlite

import (
	"fmt"
	"math"
	"time"
)

// Synchronous is SQLite's synchronous setting, which decides when a commit
// waits for the disk. See the package documentation on durability.
type Synchronous int

const (
	// SynchronousNormal (the default) fsyncs the write-ahead log only at
	// checkpoints. A commit survives a crash of the process, but the last
	// commits before a power loss or an operating system crash may be lost
	// (the database stays consistent).
	SynchronousNormal Synchronous = iota
	// SynchronousFull fsyncs the write-ahead log at every commit, so a Put
	// that returned nil survives a power loss too. Commits are slower.
	SynchronousFull
)

// String returns "NORMAL" or "FULL", SQLite's name for the setting.
func (s Synchronous) String() string {
	switch s {
	case SynchronousNormal:
		return "NORMAL"
	case SynchronousFull:
		return "FULL"
	}
	return fmt.Sprintf("Synchronous(%d)", int(s))
}

// Defaults used for zero fields of [Options].
const (
	DefaultBusyTimeout   = 5 * time.Second
	DefaultReaders       = 4
	DefaultSweepInterval = time.Minute
	// MaxReaders bounds Options.Readers.
	MaxReaders = 256
)

// Options configures [Open]. A nil *Options and the zero value both mean
// every default.
type Options struct {
	// Synchronous decides when a commit waits for the disk: the default
	// SynchronousNormal or SynchronousFull.
	Synchronous Synchronous

	// BusyTimeout is how long a statement waits for a lock held by another
	// connection (another Store on the same file, another process) before
	// it fails with SQLITE_BUSY. Open waits as long for another process
	// creating the same new file. It is kept in whole milliseconds, rounded
	// up. Zero means DefaultBusyTimeout (5s); negative is invalid.
	BusyTimeout time.Duration

	// Readers is the number of read-only connections that serve Get and
	// Scan concurrently; writes always go through one connection. Zero
	// means DefaultReaders (4); it must not exceed MaxReaders.
	Readers int

	// SweepInterval is how often a background goroutine deletes expired
	// rows with [Store.Sweep]. Zero means DefaultSweepInterval (1m); a
	// negative value disables the sweeper (the URL form says sweep=0).
	// Expired rows are never returned either way; sweeping only reclaims
	// their space.
	SweepInterval time.Duration

	// OnSweep, when not nil, is called by the sweeper goroutine after each
	// periodic sweep with the number of rows it deleted and its error. It
	// must not call Close and should return quickly. It is not called for
	// explicit calls of Store.Sweep.
	OnSweep func(removed int, err error)
}

// resolved returns o with defaults filled in, or an error matching
// ErrInvalidOption.
func (o *Options) resolved() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	switch r.Synchronous {
	case SynchronousNormal, SynchronousFull:
	default:
		return r, fmt.Errorf("%w: Synchronous %d is neither SynchronousNormal nor SynchronousFull", ErrInvalidOption, int(r.Synchronous))
	}
	switch {
	case r.BusyTimeout < 0:
		return r, fmt.Errorf("%w: BusyTimeout %v is negative", ErrInvalidOption, r.BusyTimeout)
	case r.BusyTimeout == 0:
		r.BusyTimeout = DefaultBusyTimeout
	case r.BusyTimeout > math.MaxInt32*time.Millisecond:
		return r, fmt.Errorf("%w: BusyTimeout %v is longer than %v", ErrInvalidOption, r.BusyTimeout, math.MaxInt32*time.Millisecond)
	}
	switch {
	case r.Readers < 0 || r.Readers > MaxReaders:
		return r, fmt.Errorf("%w: Readers %d is outside [1, %d]", ErrInvalidOption, r.Readers, MaxReaders)
	case r.Readers == 0:
		r.Readers = DefaultReaders
	}
	if r.SweepInterval == 0 {
		r.SweepInterval = DefaultSweepInterval
	}
	return r, nil
}

// busyMillis is the busy timeout in whole milliseconds, rounded up.
func (o *Options) busyMillis() int64 {
	return int64((o.BusyTimeout + time.Millisecond - 1) / time.Millisecond)
}
