package livedict

import "fmt"

// guard runs fn, a call into the pipeline (the application's codecs,
// layers and backend), and turns a panic in it into an error matching
// ErrPanicked, so that a bug there fails the operation instead of taking
// the process down (the flusher is a goroutine of ours) or unwinding
// through the Store with its locks and queue half updated. The error names
// what was called and the panic value's type, never the value: it may
// hold key material.
func guard(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s panicked with a %T", ErrPanicked, what, r)
		}
	}()
	return fn()
}
