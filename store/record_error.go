package store

import (
	"errors"
	"fmt"
	"strconv"
)

// RecordError is the error of one record a stage could not read. Scan
// yields it with a zero Record and, unlike any other error, goes on: the
// damage of one record never hides the others. Error names the bucket and
// the storage name, never the key.
//
// The storage name is the record's key as the backend holds it: the hex
// name the encrypt layer files it under, or, in a plaintext pipeline, the
// encoded key itself. A stage that reports a record knows its own view of
// the key only, so it fills in Key, and the stage that knows how keys are
// named below it fills in Name: the encrypt layer for errors coming from
// below it (whose keys are storage names already), the caller at the top
// of the pipeline for the rest (see livedict's Warm). Key is never shown.
type RecordError struct {
	// Bucket is the record's bucket.
	Bucket string
	// Name is the storage name, once known; nil until then.
	Name []byte
	// Key is the record's key as the stage that reported it saw it; it
	// may be key material and is never shown. Nil once Name is set.
	Key []byte
	// Err is what went wrong.
	Err error
}

// Error names the bucket and the storage name (or says it is unknown) and
// the cause.
func (e *RecordError) Error() string {
	name := "(storage name unknown)"
	if e.Name != nil {
		name = strconv.Quote(string(e.Name))
	}
	return fmt.Sprintf("store: bucket %q, record %s: %v", e.Bucket, name, e.Err)
}

// Unwrap returns ErrCorrupt and the cause, so that errors.Is finds
// both.
func (e *RecordError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// IsRecordError reports whether err, which a Scan yielded, concerns one
// record only, so that the sequence goes on after it: whether it matches
// [ErrCorrupt], as a [*RecordError] and each backend's corrupt-data error
// do.
func IsRecordError(err error) bool { return errors.Is(err, ErrCorrupt) }

// AsRecordError returns the [*RecordError] err wraps, or nil.
func AsRecordError(err error) *RecordError {
	var re *RecordError
	if errors.As(err, &re) {
		return re
	}
	return nil
}
