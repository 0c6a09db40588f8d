package livedict

import (
	"errors"
	"fmt"

	"github.com/livedict/livedict/store"
)

// Sentinel errors. Match them with errors.Is; messages may carry more detail.
var (
	// ErrClosed is returned by calls made after Store.Close. It is
	// store.ErrClosed, so one errors.Is check covers the store and its
	// backends.
	ErrClosed = store.ErrClosed
	// ErrNotFound is store.ErrNotFound, re-exported: a backend or layer
	// reports a missing record with it.
	ErrNotFound = store.ErrNotFound
	// ErrFull is returned by a write that would take a store or bucket past
	// its MaxKeys under the Reject policy, after due entries were reaped.
	ErrFull = errors.New("livedict: store is full")
	// ErrInvalidOption is matched by every error New and DefineBucket return
	// for a bad option; the message names the field.
	ErrInvalidOption = errors.New("livedict: invalid option")
	// ErrInvalidTTL is returned for a negative TTL other than the sentinels
	// NoExpiry and KeepTTL.
	ErrInvalidTTL = errors.New("livedict: invalid TTL")
	// ErrBucketRequired is returned by writes to the default bucket of a store
	// whose Options.RequireBucket is set.
	ErrBucketRequired = errors.New("livedict: a bucket is required")
)

// OptionError reports one bad option. It matches ErrInvalidOption.
type OptionError struct {
	Field  string // the option's path, for example "Options.MaxKeys" or `Buckets["a"].MaxKeys`
	Reason string // what is wrong with it
}

// Error returns "livedict: <field>: <reason>".
func (e *OptionError) Error() string {
	return fmt.Sprintf("livedict: %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidOption) hold.
func (e *OptionError) Unwrap() error { return ErrInvalidOption }

func optionErr(field, format string, args ...any) error {
	return &OptionError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
