package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrWritesLost is matched by the error Flush and Close return while some
// write acknowledged earlier was given up (a full queue, a timeout waiting
// for room, retries exhausted, a value that does not encode) and its key has
// not been written and stored again since. errors.As with a
// *[WritesLostError] gives the counts.
var ErrWritesLost = errors.New("store: acknowledged writes were lost")

// WritesLostError says which acknowledged writes were given up and not yet
// written again. It matches [ErrWritesLost] and unwraps to the first
// cause recorded.
type WritesLostError struct {
	// Buckets maps each bucket with lost writes to how many keys of it
	// lost their latest write ("" is the default bucket).
	Buckets map[string]int
	// Overflow is set when more keys were lost than the engine tracks one
	// by one: Buckets then undercounts, and the error lasts until the
	// overflowing buckets are cleared (or the store is closed).
	Overflow bool
	// Cause is the first failure recorded, if any (nil for a write dropped
	// because the queue was full).
	Cause error
}

// Lost returns the number of keys counted in Buckets.
func (e *WritesLostError) Lost() int {
	n := 0
	for _, c := range e.Buckets {
		n += c
	}
	return n
}

// Error lists the buckets in order with their counts; it never names a key.
func (e *WritesLostError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "store: %d acknowledged writes were lost (", e.Lost())
	for i, name := range slices.Sorted(maps.Keys(e.Buckets)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "bucket %q: %d", name, e.Buckets[name])
	}
	b.WriteString(")")
	if e.Overflow {
		b.WriteString(", and more not counted")
	}
	if e.Cause != nil {
		fmt.Fprintf(&b, ": first cause: %v", e.Cause)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrWritesLost) hold, and errors.Is on the
// cause.
func (e *WritesLostError) Unwrap() []error {
	if e.Cause != nil {
		return []error{ErrWritesLost, e.Cause}
	}
	return []error{ErrWritesLost}
}
